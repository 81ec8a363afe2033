// Charts: answers of /api/v1/query drawn with uPlot. One chart per widget; its legend toggles
// series (click) and shows the values under the cursor; dragging across it zooms the page's
// range; events are drawn as dashed markers.
"use strict";
(function () {
  const PALETTE = ["#2f6fdf", "#e8590c", "#2b8a3e", "#c2255c", "#7048e8", "#0c8599",
    "#e67700", "#5c940d", "#a61e4d", "#1864ab", "#862e9c", "#d9480f"];
  const live = new Set();

  function css(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  // A series' name in the legend: its group's tags, or its display name when ungrouped; with
  // several queries in one chart each name starts with its query's aggregator and metric
  // (`p99:shop.latency route:/a`), so that p50 and p99 of one metric differ.
  function label(s, many) {
    const tags = (s.tag_set || []).join(",");
    const name = s.display_name || s.metric;
    if (!many) return tags || name;
    const head = s.aggr ? `${s.aggr}:${name}` : name;
    return tags ? `${head} ${tags}` : head;
  }

  // Every series of every answer on one time axis (seconds), null where a series has no point.
  function align(answers) {
    const all = [];
    answers.forEach((a) => (a.series || []).forEach((s) => all.push(s)));
    const times = new Set();
    all.forEach((s) => s.pointlist.forEach((p) => times.add(p[0])));
    const xs = Array.from(times).sort((a, b) => a - b);
    const at = new Map(xs.map((t, i) => [t, i]));
    const many = answers.length > 1;
    const columns = all.map((s) => {
      const col = new Array(xs.length).fill(null);
      s.pointlist.forEach((p) => { col[at.get(p[0])] = p[1]; });
      return col;
    });
    return { xs: xs.map((t) => t / 1000), columns, labels: all.map((s) => label(s, many)) };
  }

  function short(v) {
    if (v == null) return "–";
    const a = Math.abs(v);
    if (a >= 1e9) return (v / 1e9).toFixed(2) + "G";
    if (a >= 1e6) return (v / 1e6).toFixed(2) + "M";
    if (a >= 1e4) return (v / 1e3).toFixed(1) + "k";
    if (a >= 100 || a === 0) return v.toFixed(0);
    return +v.toPrecision(3) + "";
  }

  function eventsPlugin(state) {
    return {
      hooks: {
        draw: (u) => {
          const events = state.events;
          if (!events || !events.length) return;
          const ctx = u.ctx;
          const { top, height, left, width } = u.bbox;
          ctx.save();
          ctx.strokeStyle = css("--warn") || "#a56300";
          ctx.fillStyle = ctx.strokeStyle;
          ctx.setLineDash([4 * devicePixelRatio, 3 * devicePixelRatio]);
          ctx.lineWidth = devicePixelRatio;
          events.forEach((e) => {
            const x = Math.round(u.valToPos(e.date_happened, "x", true));
            if (x < left || x > left + width) return;
            ctx.beginPath();
            ctx.moveTo(x, top);
            ctx.lineTo(x, top + height);
            ctx.stroke();
            ctx.beginPath();
            ctx.moveTo(x - 4 * devicePixelRatio, top);
            ctx.lineTo(x + 4 * devicePixelRatio, top);
            ctx.lineTo(x, top + 6 * devicePixelRatio);
            ctx.fill();
          });
          ctx.restore();
        },
      },
    };
  }

  // Draws `answers` into `el` over [from, to] (seconds). opts: events, onZoom(from, to).
  // When `el` already shows a chart of the same series (a live refresh), its data and range
  // are replaced in place: hidden series stay hidden and a drag in progress goes on.
  function draw(el, answers, from, to, opts) {
    opts = opts || {};
    const data = align(answers);
    const prev = el._herd;
    if (prev && data.columns.length && prev.labels.join("\n") === data.labels.join("\n")) {
      Object.assign(prev.state, { from, to, events: opts.events, onZoom: opts.onZoom });
      prev.u.setData([data.xs, ...data.columns]);
      return prev.u;
    }
    forget(el);
    el.textContent = "";
    if (!data.columns.length) {
      const p = document.createElement("div");
      p.className = "empty";
      p.textContent = "No points in this range";
      el.appendChild(p);
      return null;
    }
    const state = { from, to, events: opts.events, onZoom: opts.onZoom };
    const text = css("--text"), grid = css("--grid"), muted = css("--muted");
    const axis = { stroke: muted, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    const series = [{ value: (u, v) => v == null ? "–" : new Date(v * 1000).toLocaleString() }];
    data.labels.forEach((name, i) => series.push({
      label: name,
      stroke: PALETTE[i % PALETTE.length],
      width: 1.5,
      spanGaps: false,
      value: (u, v) => short(v),
    }));
    const u = new uPlot({
      width: Math.max(el.clientWidth, 200),
      height: Math.max(el.clientHeight - 40, 80),
      series,
      scales: { x: { time: true, range: () => [state.from, state.to] } },
      axes: [
        Object.assign({}, axis, { stroke: muted, space: 80 }),
        Object.assign({}, axis, { size: 56, values: (u, vals) => vals.map(short) }),
      ],
      legend: { live: true },
      cursor: { drag: { x: true, y: false, setScale: false } },
      hooks: {
        setSelect: [(u) => {
          if (u.select.width < 5 || !state.onZoom) return;
          const a = u.posToVal(u.select.left, "x");
          const b = u.posToVal(u.select.left + u.select.width, "x");
          u.setSelect({ left: 0, width: 0, top: 0, height: 0 }, false);
          state.onZoom(Math.floor(a), Math.ceil(b));
        }],
      },
      plugins: [eventsPlugin(state)],
    }, [data.xs, ...data.columns], el);
    u.root.style.color = text;

    // Legend entries toggle from the keyboard too (Tab to one, Enter or Space).
    u.root.querySelectorAll(".u-legend .u-series").forEach((row, i) => {
      if (i === 0) return;
      row.tabIndex = 0;
      row.setAttribute("role", "button");
      row.setAttribute("aria-pressed", "true");
      row.addEventListener("keydown", (e) => {
        if (e.key !== "Enter" && e.key !== " ") return;
        e.preventDefault();
        u.setSeries(i, { show: !u.series[i].show });
        row.setAttribute("aria-pressed", String(u.series[i].show));
      });
      row.addEventListener("click", () => row.setAttribute("aria-pressed", String(u.series[i].show)));
    });
    // The legend's height is known once drawn: give the plot what is left.
    const fit = () => {
      const legend = u.root.querySelector(".u-legend");
      const h = el.clientHeight - (legend ? legend.offsetHeight : 0) - 4;
      u.setSize({ width: Math.max(el.clientWidth, 200), height: Math.max(h, 80) });
    };
    fit();
    const ro = new ResizeObserver(() => fit());
    ro.observe(el);
    el._herd = { el, u, ro, state, labels: data.labels };
    live.add(el._herd);
    return u;
  }

  function forget(el) {
    const c = el._herd;
    if (!c) return;
    c.ro.disconnect();
    c.u.destroy();
    live.delete(c);
    el._herd = null;
  }

  function destroyAll() {
    Array.from(live).forEach((c) => forget(c.el));
  }

  window.HerdChart = { draw, forget, destroyAll, label, short };
})();
