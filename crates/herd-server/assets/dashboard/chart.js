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

  // A series' points as [ms, value] pairs, from either form of the answer.
  function pairs(s) {
    if (s.pointlist) return s.pointlist;
    const step = s.interval * 1000;
    return s.values.map((v, i) => [s.start + i * step, v]);
  }

  // Every series of every answer on one time axis (seconds), null where a series has no point.
  // The dashboard asks for answers as columns (`points=columns`: `values[i]` at `start + i ×
  // interval`): on one interval, a series' values are the chart's column as they are, or
  // shifted by whole intervals, and no point is looked up (a page's first draw runs before
  // the JavaScript engine has compiled any loop).
  function align(answers) {
    const all = [];
    answers.forEach((a) => (a.series || []).forEach((s) => all.push(s)));
    const many = answers.length > 1;
    const labels = all.map((s) => label(s, many));
    const step = all.length ? all[0].interval * 1000 : 0;
    const lo = Math.min(...all.map((s) => s.start));
    if (step > 0 && all.every((s) => s.values && s.interval * 1000 === step && (s.start - lo) % step === 0)) {
      const hi = Math.max(...all.map((s) => s.start + (s.values.length - 1) * step));
      const n = (hi - lo) / step + 1;
      const xs = new Array(n);
      for (let i = 0; i < n; i++) xs[i] = (lo + i * step) / 1000;
      const columns = all.map((s) => {
        const off = (s.start - lo) / step;
        if (off === 0 && s.values.length === n) return s.values;
        const col = new Array(n).fill(null);
        for (let i = 0; i < s.values.length; i++) col[off + i] = s.values[i];
        return col;
      });
      return { xs, columns, labels };
    }
    const lists = all.map(pairs);
    const times = new Set();
    lists.forEach((l) => l.forEach((p) => times.add(p[0])));
    const xs = Array.from(times).sort((a, b) => a - b);
    const at = new Map(xs.map((t, i) => [t, i]));
    const columns = lists.map((l) => {
      const col = new Array(xs.length).fill(null);
      l.forEach((p) => { col[at.get(p[0])] = p[1]; });
      return col;
    });
    return { xs: xs.map((t) => t / 1000), columns, labels };
  }

  // Above this many series a chart gets the list legend (below), not uPlot's table.
  const MANY = 10;
  // The list legend's height (px), reserved before it is built.
  const LIST_HEIGHT = 46;

  // A chart with many series: a wrapping list of toggles, the value under the cursor after
  // each name, built after the chart has been painted (uPlot's legend is a table of a row and
  // four cells a series, which the page laid out before the first paint: 100-series charts
  // took ~25 ms more each). Its space is held from the start, so nothing moves when it comes.
  function listLegend(u, labels, box) {
    const values = [];
    labels.forEach((name, i) => {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "legend-item";
      b.setAttribute("aria-pressed", "true");
      const swatch = document.createElement("i");
      swatch.style.background = PALETTE[i % PALETTE.length];
      const v = document.createElement("span");
      v.className = "v";
      b.append(swatch, name, v);
      b.addEventListener("click", () => {
        const show = !u.series[i + 1].show;
        u.setSeries(i + 1, { show });
        b.setAttribute("aria-pressed", String(show));
      });
      values.push(v);
      box.appendChild(b);
    });
    return (idx) => {
      values.forEach((v, i) => {
        v.textContent = idx == null ? "" : " " + short(u.data[i + 1][idx]);
      });
    };
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
    // Hairlines when many series share a chart: a 1.5 px anti-aliased stroke costs the
    // browser's software rasteriser about four times a 1 px one (100 series of 288 points:
    // ~30 ms a frame against ~7 ms), and a hundred lines are told apart by colour anyway.
    const many = data.labels.length > MANY;
    const width = many ? 1 : 1.5;
    data.labels.forEach((name, i) => series.push({
      label: name,
      stroke: PALETTE[i % PALETTE.length],
      width,
      spanGaps: false,
      value: (u, v) => short(v),
    }));
    // The list legend's box comes first, its height held: the plot gets the rest exactly.
    let list = null, showValues = null;
    if (many) {
      list = document.createElement("div");
      list.className = "legend-list";
      list.setAttribute("role", "group");
      list.setAttribute("aria-label", "Series");
      list.style.height = LIST_HEIGHT + "px";
    }
    const u = new uPlot({
      width: Math.max(el.clientWidth, 200),
      height: Math.max(el.clientHeight - (many ? LIST_HEIGHT + 4 : 40), 80),
      series,
      scales: { x: { time: true, range: () => [state.from, state.to] } },
      axes: [
        Object.assign({}, axis, { stroke: muted, space: 80 }),
        Object.assign({}, axis, { size: 56, values: (u, vals) => vals.map(short) }),
      ],
      legend: { show: !many, live: true },
      cursor: { drag: { x: true, y: false, setScale: false } },
      hooks: {
        setCursor: [(u) => { if (showValues) showValues(u.cursor.idx); }],
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
    // uPlot's legend is as tall as its rows: the plot gets what is left once it is laid out
    // (at the resize observer's first call, after the page's layout: reading the legend's
    // height here would lay the page out again for every chart drawn).
    const fit = () => {
      const legend = list || u.root.querySelector(".u-legend");
      const h = el.clientHeight - (legend ? legend.offsetHeight : 0) - 4;
      const w = Math.max(el.clientWidth, 200), height = Math.max(h, 80);
      if (w !== u.width || height !== u.height) u.setSize({ width: w, height });
    };
    const ro = new ResizeObserver(() => fit());
    ro.observe(el);
    if (list) {
      el.appendChild(list);
      requestAnimationFrame(() => setTimeout(() => {
        if (el._herd && el._herd.u === u) showValues = listLegend(u, data.labels, list);
      }));
    }
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
