// herd's dashboard: the overview, the explorer and saved dashboards, drawn from the query
// API. The time range lives in the URL (?range=1h for a live range, ?from=&to= in seconds for
// a fixed one), so a view can be shared; a live range is redrawn at each flush.
"use strict";
(function () {
  const PRESETS = HerdBoot.PRESETS;
  const view = document.getElementById("view");
  let current = null;   // the drawn view: { refresh() }
  let generation = 0;   // bumps at each navigation; late answers of an old view are dropped

  // ---- small helpers ----------------------------------------------------------------------
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v == null || v === false) continue;
      if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
      else if (k === "class") el.className = v;
      else el.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children.flat()) {
      if (c == null || c === false) continue;
      el.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
    }
    return el;
  }

  class ApiError extends Error {
    constructor(status, message) { super(message); this.status = status; }
  }

  async function api(path, init) {
    const early = init ? undefined : await HerdBoot.take(path);
    const r = await (early || fetch(path, Object.assign({ headers: { Accept: "application/json" } }, init || {})));
    let body = null;
    try { body = await r.json(); } catch (_) { body = null; }
    if (!r.ok) {
      const msg = body && body.errors ? body.errors.join("\n") : `${r.status} ${r.statusText}`;
      throw new ApiError(r.status, msg);
    }
    return body;
  }

  function fmtBytes(n) {
    if (n == null) return "–";
    const u = ["B", "KB", "MB", "GB", "TB"];
    let i = 0;
    while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
    return `${n.toFixed(i ? 1 : 0)} ${u[i]}`;
  }

  // ---- the time range ---------------------------------------------------------------------
  let range = readRange();

  function readRange() {
    return HerdBoot.readRange(location.search);
  }

  // The range's [from, to] now; the first draw uses the span boot.js asked for.
  function span() {
    const first = HerdBoot.first;
    if (first && first.range.live === range.live && first.range.from === range.from && first.range.to === range.to) return first.span;
    return HerdBoot.spanOf(range, Date.now());
  }

  // The current URL with `changes` applied to its query (null deletes a parameter).
  function urlWith(path, changes) {
    const p = new URLSearchParams(location.search);
    for (const [k, v] of Object.entries(changes)) {
      if (v == null) p.delete(k); else p.set(k, v);
    }
    const q = p.toString();
    return path + (q ? "?" + q : "");
  }

  function rangeParams(r) {
    return r.live ? { range: r.live, from: null, to: null } : { range: null, from: r.from, to: r.to };
  }

  function setRange(r) {
    HerdBoot.forget();
    range = r;
    history.pushState(null, "", urlWith(location.pathname, rangeParams(r)));
    showRange();
    if (current) current.refresh();
  }

  function showRange() {
    document.querySelectorAll("[data-range]").forEach((b) =>
      b.setAttribute("aria-pressed", String(range.live === b.dataset.range)));
    const liveBtn = document.getElementById("live");
    liveBtn.setAttribute("aria-pressed", String(!!range.live));
    liveBtn.textContent = range.live ? "Live" : "Back to live";
    const [from, to] = span();
    const f = (s) => new Date(s * 1000).toLocaleString();
    document.getElementById("range-text").textContent = range.live
      ? `last ${range.live}` : `${f(from)} – ${f(to)}`;
    const form = document.getElementById("custom-range");
    const local = (s) => {
      const d = new Date(s * 1000);
      return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 19);
    };
    form.elements.from.value = local(from);
    form.elements.to.value = local(to);
  }

  document.querySelectorAll("[data-range]").forEach((b) =>
    b.addEventListener("click", () => setRange({ live: b.dataset.range })));
  document.getElementById("live").addEventListener("click", () =>
    setRange({ live: range.live || lastLive }));
  let lastLive = range.live || "1h";
  document.getElementById("custom-range").addEventListener("submit", (e) => {
    e.preventDefault();
    const f = e.target.elements;
    const from = Math.floor(new Date(f.from.value).getTime() / 1000);
    const to = Math.floor(new Date(f.to.value).getTime() / 1000);
    if (!(from < to)) { f.to.setCustomValidity("must be after From"); f.to.reportValidity(); return; }
    f.to.setCustomValidity("");
    e.target.closest("details").open = false;
    setRange({ from, to });
  });

  function zoom(from, to) {
    if (range.live) lastLive = range.live;
    setRange({ from, to });
  }

  // ---- charts -----------------------------------------------------------------------------
  // One refresh's events, shared by every chart it draws.
  let eventsFor = null;
  function events(from, to) {
    const key = `${from}-${to}`;
    if (!eventsFor || eventsFor.key !== key) {
      eventsFor = { key, p: api(`/api/v1/events?start=${from}&end=${to}`).then((b) => b.events).catch(() => []) };
    }
    return eventsFor.p;
  }

  function query(q, from, to) {
    return api(HerdBoot.queryUrl(q, from, to));
  }

  // A panel holding one chart of `queries`; `load()` (re)draws it over the current range.
  function chartPanel(title, queries, cls, extra) {
    const plot = h("div", { class: "plot" });
    const head = h("div", { class: "panel-head" }, h("h2", { title }, title), extra || null);
    const el = h("section", { class: "panel " + (cls || "span6"), "aria-label": title }, head, plot);
    const panel = {
      el, queries,
      answers: [],
      async load() {
        const gen = generation;
        const [from, to] = span();
        try {
          const [answers, evs] = await Promise.all([
            Promise.all(panel.queries.map((q) => query(q, from, to))), events(from, to)]);
          if (gen !== generation) return;
          panel.answers = answers;
          HerdChart.draw(plot, answers, from, to, { events: evs, onZoom: zoom });
          el.dataset.series = String(answers.reduce((n, a) => n + a.series.length, 0));
        } catch (e) {
          if (gen !== generation) return;
          HerdChart.forget(plot);
          plot.textContent = "";
          plot.appendChild(h("div", { class: "failed", role: "alert" }, e.message));
          el.dataset.series = "error";
        }
      },
    };
    return panel;
  }

  // ---- the overview -----------------------------------------------------------------------
  // herd's own points carry no tags: the breakdowns by type and reason come from /metrics.
  const OWN = [
    ["Messages/s", ["sum:herd.dogstatsd.messages{*}.as_rate()", "sum:herd.dogstatsd.errors{*}.as_rate()"], "span6"],
    ["Datagrams and drops/s", ["sum:herd.dogstatsd.datagrams{*}.as_rate()", "sum:herd.dogstatsd.dropped{*}.as_rate()"], "span6"],
    ["Contexts", ["max:herd.contexts{*}"], "span4"],
    ["Flush time (µs)", ["max:herd.flush.duration_us{*}"], "span4"],
  ];

  // The query that draws a metric's volume per second.
  function loadQuery(row) {
    if (row.kind === "distribution") return `count:${row.metric}{*}.as_rate()`;
    if (row.kind === "gauge") return `avg:${row.metric}{*}`;
    return `sum:${row.metric}{*}.as_rate()`;
  }

  function overview() {
    const tiles = h("div", { class: "tiles", "aria-label": "Health" });
    const grid = h("div", { class: "grid" });
    const own = OWN.map(([t, q, c]) => chartPanel(t, q, c));
    own.forEach((p) => grid.appendChild(p.el));
    const nowBox = h("div", { class: "scroll" });
    grid.appendChild(h("section", { class: "panel span4", "aria-label": "Right now" },
      h("h2", null, "Right now, from /metrics"), nowBox));
    const busiest = chartPanel("Busiest metrics (volume/s)", [], "span12");
    busiest.el.hidden = true;
    grid.appendChild(busiest.el);
    const topBox = h("div", { class: "scroll" });
    const checksBox = h("div", { class: "checks" });
    const eventsBox = h("ul", { class: "events-list" });
    const ownToo = h("input", { type: "checkbox", id: "top-own" });
    ownToo.addEventListener("change", () => drawTop());
    view.append(
      h("h1", null, "Overview"), tiles, grid,
      h("section", { class: "panel section", "aria-label": "Top metrics" },
        h("h2", { title: "Contexts: series in the store. Active: series with points in the range. Volume: what the series counted in the range (the counted values for counters, samples for distributions, flushed values for gauges)." }, "Top metrics by contexts and volume"),
        h("label", { class: "muted" }, ownToo, " herd's own herd.* metrics too"), topBox),
      h("div", { class: "grid section", style: "grid-auto-rows: auto" },
        h("section", { class: "panel span6", "aria-label": "Service checks" }, h("h2", null, "Service checks"), checksBox),
        h("section", { class: "panel span6", "aria-label": "Events" }, h("h2", null, "Events"), eventsBox)));
    let sort = { key: "volume", desc: true };
    let shown = 20;

    // Per-second rates by label between the last two reads of /metrics.
    function drawNow() {
      if (!prom.now) { nowBox.replaceChildren(h("p", { class: "muted" }, "reading /metrics…")); return; }
      // Until a second read, totals only.
      const secs = prom.before ? (prom.now.at - prom.before.at) / 1000 : null;
      const rows = [];
      const add = (what, family, pick) => {
        for (const [labels, v] of prom.now.samples) {
          if (!labels.startsWith(family + "{")) continue;
          const which = pick(labels);
          if (which == null) continue;
          const was = prom.before ? prom.before.samples.get(labels) || 0 : null;
          rows.push([what, which, secs ? (v - was) / secs : null, v]);
        }
      };
      const lab = (labels, k) => { const m = new RegExp(k + '="([^"]*)"').exec(labels); return m ? m[1] : null; };
      add("messages", "herd_dogstatsd_messages_total", (l) => `${lab(l, "type")} ${lab(l, "state")}`);
      add("dropped datagrams", "herd_dogstatsd_datagrams_dropped_total", (l) => `${lab(l, "listener")} ${lab(l, "reason")}`);
      add("dropped messages", "herd_dogstatsd_messages_dropped_total", (l) => lab(l, "reason"));
      nowBox.replaceChildren(h("table", { id: "now" },
        h("thead", null, h("tr", null, h("th", null, "What"), h("th", null, "By"), h("th", { class: "n" }, "/s"), h("th", { class: "n" }, "total"))),
        h("tbody", null, rows.filter((r) => r[3] > 0 || r[0] === "messages" && r[1] === "metric ok").map((r) =>
          h("tr", null, h("td", null, r[0]), h("td", null, r[1]), h("td", { class: "n" }, HerdChart.short(r[2])), h("td", { class: "n" }, HerdChart.short(r[3])))))));
    }
    drawNow();
    onProm = drawNow;
    let rows = [];

    function tile(k, v, title) {
      return h("div", { class: "tile", title: title || null }, h("div", { class: "v" }, v), h("div", { class: "k" }, k));
    }
    function last(answer) {
      let total = null;
      for (const s of answer ? answer.series : []) {
        const values = s.values || s.pointlist.map((p) => p[1]);
        for (let i = values.length - 1; i >= 0; i--) {
          if (values[i] != null) { total = (total || 0) + values[i]; break; }
        }
      }
      return total;
    }
    function drawTop() {
      const cols = [["metric", "Metric"], ["kind", "Kind"], ["contexts", "Contexts"], ["active", "Active"], ["volume", "Volume"], ["rate", "Volume/s"]];
      const [from, to] = span();
      rows.forEach((r) => { r.rate = r.volume / (to - from); });
      const listed = ownToo.checked ? rows : rows.filter((r) => !r.metric.startsWith("herd."));
      const sorted = listed.sort((a, b) => {
        const x = a[sort.key], y = b[sort.key];
        const c = typeof x === "string" ? x.localeCompare(y) : x - y;
        return sort.desc ? -c : c;
      });
      const num = (k) => k !== "metric" && k !== "kind";
      const head = h("tr", null, cols.map(([k, label]) => h("th", {
        class: num(k) ? "n" : null, "aria-sort": sort.key === k ? (sort.desc ? "descending" : "ascending") : null,
      }, h("button", { type: "button", onclick: () => { sort = { key: k, desc: sort.key === k ? !sort.desc : num(k) }; drawTop(); } }, label))));
      const body = sorted.slice(0, shown).map((r) => h("tr", null,
        h("td", null, h("a", { href: urlWith("/explore", { q: loadQuery(r) }) }, r.metric)),
        h("td", null, r.kind), h("td", { class: "n" }, r.contexts), h("td", { class: "n" }, r.active),
        h("td", { class: "n" }, HerdChart.short(r.volume)), h("td", { class: "n" }, HerdChart.short(r.rate))));
      topBox.textContent = "";
      topBox.appendChild(h("table", null, h("thead", null, head), h("tbody", null, body)));
      if (sorted.length > shown) {
        topBox.appendChild(h("p", null, h("button", { type: "button", onclick: () => { shown = sorted.length; drawTop(); } },
          `Show all ${sorted.length} metrics`)));
      }
    }

    async function refresh() {
      const gen = generation;
      const [from, to] = span();
      await Promise.all(own.map((p) => p.load()));
      if (gen !== generation) return;
      const [stats, top, checks, evs] = await Promise.all([
        api("/api/herd/store/stats").catch(() => null),
        api(`/api/herd/top?from=${from}&to=${to}`).catch(() => ({ metrics: [] })),
        api("/api/v1/service_checks").catch(() => []),
        events(from, to),
      ]);
      if (gen !== generation) return;
      const msgs = own[0].answers[0], drops = own[1].answers[1];
      tiles.replaceChildren(
        tile("messages/s", HerdChart.short(last(msgs))),
        tile("drops/s", HerdChart.short(last(drops) || 0)),
        tile("contexts", HerdChart.short(last(own[2].answers[0]))),
        tile("flush time", `${HerdChart.short(last(own[3].answers[0]))} µs`),
        tile("store on disk", fmtBytes(stats ? stats.block_bytes + stats.wal_bytes : null), "sealed blocks and write-ahead log"),
        tile("series stored", stats ? HerdChart.short(stats.series) : "–"));
      rows = top.metrics;
      drawTop();
      const app = rows.filter((r) => !r.metric.startsWith("herd.") && r.kind !== "gauge" && r.volume > 0).slice(0, 6);
      busiest.el.hidden = !app.length;
      if (app.length) { busiest.queries = app.map(loadQuery); await busiest.load(); }
      const names = ["OK", "WARNING", "CRITICAL", "UNKNOWN"];
      checksBox.replaceChildren(...(checks.length ? checks.map((c) => h("span", {
        class: `check s${c.status}`, title: c.message || null,
      }, h("b", null, names[c.status] || c.status), `${c.check} · ${c.host_name}`)) : [h("span", { class: "muted" }, "No service checks")]));
      eventsBox.replaceChildren(...(evs.length ? evs.slice(-20).reverse().map((e) => h("li", null,
        h("span", { class: "muted" }, new Date(e.date_happened * 1000).toLocaleTimeString() + " "),
        h("b", null, e.title), e.text ? ` ${e.text}` : "")) : [h("li", { class: "muted" }, "No events in this range")]));
    }
    return { refresh };
  }

  // ---- the explorer -----------------------------------------------------------------------
  const AGGS = ["avg", "sum", "min", "max"];
  const DIST_AGGS = ["avg", "sum", "min", "max", "count", "p50", "p75", "p90", "p95", "p99"];

  function explore() {
    const params = new URLSearchParams(location.search);
    const state = { metric: "", agg: "avg", scope: [], by: [], as: "", kinds: {} };
    const metricIn = h("input", { type: "search", list: "metric-names", id: "metric", placeholder: "metric name", autocomplete: "off" });
    const names = h("datalist", { id: "metric-names" });
    const aggSel = h("select", { id: "agg" });
    const asSel = h("select", { id: "as" }, h("option", { value: "" }, "default"),
      h("option", { value: "as_rate" }, "as_rate()"), h("option", { value: "as_count" }, "as_count()"));
    const scopeSel = h("select", { id: "scope-add" });
    const bySel = h("select", { id: "by-add" });
    const scopeChips = h("div", { class: "chips", "aria-label": "Scope" });
    const byChips = h("div", { class: "chips", "aria-label": "Group by" });
    const text = h("textarea", { id: "query", rows: 2, spellcheck: "false", "aria-label": "Query", "aria-describedby": "query-error" });
    const err = h("pre", { class: "qerror", id: "query-error", role: "alert" });
    const runBtn = h("button", { type: "button", id: "run" }, "Run");
    const saveTo = h("input", { id: "save-to", placeholder: "dashboard id", size: 14, list: "dashboard-ids" });
    const dashIds = h("datalist", { id: "dashboard-ids" });
    const saveBtn = h("button", { type: "button", id: "add-to-dashboard" }, "Add to dashboard");
    const saved = h("span", { class: "status", role: "status" });
    const panel = chartPanel("Query", [], "span12 rows2");
    panel.el.hidden = true;

    function fillAggs() {
      const dist = state.kinds[state.metric] === "distribution";
      const list = dist ? DIST_AGGS : AGGS;
      if (!list.includes(state.agg)) state.agg = "avg";
      aggSel.replaceChildren(...list.map((a) => h("option", { value: a, selected: a === state.agg }, a)));
    }
    function chips(box, list) {
      box.replaceChildren(...list.map((t, i) => h("span", { class: "chip" }, t,
        h("button", { type: "button", "aria-label": `remove ${t}`, onclick: () => { list.splice(i, 1); build(); } }, "×"))));
    }
    function build() {
      chips(scopeChips, state.scope);
      chips(byChips, state.by);
      if (!state.metric) return;
      let q = `${state.agg}:${state.metric}{${state.scope.length ? state.scope.join(",") : "*"}}`;
      if (state.by.length) q += ` by {${state.by.join(",")}}`;
      if (state.as) q += `.${state.as}()`;
      text.value = q;
      run();
    }
    // The filter and group lists from the metric's real tags; a later call wins.
    let tagsFor = 0;
    async function loadTags() {
      const mine = ++tagsFor;
      await known;
      const body = state.kinds[state.metric]
        ? await api(`/api/v2/metrics/${encodeURIComponent(state.metric)}/all-tags`).catch(() => null)
        : null;
      if (mine !== tagsFor) return;
      const tags = body ? body.data.attributes.tags : [];
      const keys = new Set(["host", ...tags.map((t) => t.split(":")[0])]);
      scopeSel.replaceChildren(h("option", { value: "" }, "add a filter…"), ...tags.map((t) => h("option", { value: t }, t)));
      bySel.replaceChildren(h("option", { value: "" }, "group by…"), ...Array.from(keys).map((k) => h("option", { value: k }, k)));
    }
    async function run() {
      const q = text.value.trim();
      if (!q) return;
      history.replaceState(null, "", urlWith("/explore", { q }));
      panel.queries = [q];
      panel.el.hidden = false;
      panel.el.querySelector("h2").textContent = q;
      panel.el.setAttribute("aria-label", q);
      await panel.load();
      const failed = panel.el.querySelector(".failed");
      if (failed) {
        err.textContent = failed.textContent;
        panel.el.hidden = true;
        const m = /column (\d+)/.exec(err.textContent);
        if (m) { const c = Number(m[1]) - 1; text.setSelectionRange(c, c + 1); }
      } else {
        err.textContent = "";
      }
    }

    metricIn.addEventListener("change", async () => {
      state.metric = metricIn.value.trim();
      state.scope = []; state.by = []; state.as = "";
      asSel.value = "";
      await known;
      fillAggs(); build(); loadTags();
    });
    aggSel.addEventListener("change", () => { state.agg = aggSel.value; build(); });
    asSel.addEventListener("change", () => { state.as = asSel.value; build(); });
    scopeSel.addEventListener("change", () => {
      if (scopeSel.value && !state.scope.includes(scopeSel.value)) state.scope.push(scopeSel.value);
      scopeSel.value = ""; build();
    });
    bySel.addEventListener("change", () => {
      if (bySel.value && !state.by.includes(bySel.value)) state.by.push(bySel.value);
      bySel.value = ""; build();
    });
    text.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); run(); }
    });
    runBtn.addEventListener("click", run);
    saveBtn.addEventListener("click", async () => {
      const id = saveTo.value.trim(), q = text.value.trim();
      if (!id || !q) { saved.textContent = "a dashboard id and a query are needed"; return; }
      try {
        let d = await api(`/api/v1/dashboards/${encodeURIComponent(id)}`).catch((e) => {
          if (e.status === 404) return { id, title: id, widgets: [] };
          throw e;
        });
        const y = d.widgets.reduce((m, w) => Math.max(m, w.layout.y + w.layout.h), 0);
        d.widgets.push({ title: q, queries: [q], layout: { x: 0, y, w: 12, h: 2 } });
        await api(`/api/v1/dashboards/${encodeURIComponent(id)}`, { method: "PUT", body: JSON.stringify(d), headers: { "Content-Type": "application/json", Accept: "application/json" } });
        saved.replaceChildren("added to ", h("a", { href: urlWith(`/dashboards/${encodeURIComponent(id)}`, { q: null }) }, id));
      } catch (e) { saved.textContent = e.message; }
    });

    view.append(h("h1", null, "Explore"),
      h("div", { class: "builder" },
        h("label", null, "Metric", metricIn), names,
        h("label", null, "Space aggregator", aggSel),
        h("label", null, "Filter", scopeSel),
        h("label", null, "Group by", bySel),
        h("label", null, "Counts", asSel)),
      h("div", { class: "builder" }, h("span", { class: "muted" }, "from"), scopeChips, h("span", { class: "muted" }, "by"), byChips),
      h("div", { class: "query" }, text, err),
      h("div", { class: "actions" }, runBtn, saveTo, dashIds, saveBtn, saved),
      h("div", { class: "grid" }, panel.el));
    fillAggs();
    scopeSel.append(h("option", { value: "" }, "add a filter…"));
    bySel.append(h("option", { value: "" }, "group by…"));

    const [from] = span();
    const known = api(`/api/herd/top?from=${from - 86400}`).then((b) => {
      b.metrics.forEach((r) => { state.kinds[r.metric] = r.kind; });
      names.replaceChildren(...b.metrics.map((r) => h("option", { value: r.metric }, `${r.kind}, ${r.contexts} contexts`)));
    }).catch(() => {});
    api("/api/v1/dashboards").then((b) => dashIds.replaceChildren(...b.dashboards.map((d) => h("option", { value: d.id }, d.title)))).catch(() => {});
    if (params.get("q")) {
      text.value = params.get("q");
      // A query of the builder's shape fills the builder back in.
      const m = /^(\w+):([\w.]+)\{([^}]*)\}(?:\s*by\s*\{([^}]*)\})?(?:\.(as_count|as_rate)\(\))?$/.exec(text.value.trim());
      if (m && !/\b(AND|OR|NOT|IN)\b/.test(m[3])) {
        Object.assign(state, {
          agg: m[1], metric: m[2], as: m[5] || "",
          scope: m[3].trim() === "*" ? [] : m[3].split(",").map((t) => t.trim()).filter(Boolean),
          by: m[4] ? m[4].split(",").map((t) => t.trim()).filter(Boolean) : [],
        });
        metricIn.value = state.metric;
        asSel.value = state.as;
        chips(scopeChips, state.scope);
        chips(byChips, state.by);
        known.then(() => { fillAggs(); loadTags(); });
      }
      run();
    }
    metricIn.focus();
    return { refresh: () => { if (text.value.trim()) run(); } };
  }

  // ---- dashboards -------------------------------------------------------------------------
  function dashboardList() {
    const list = h("ul");
    const idIn = h("input", { name: "id", required: true, pattern: "[A-Za-z0-9_\\-]{1,64}", placeholder: "id (letters, digits, - _)" });
    const titleIn = h("input", { name: "title", required: true, placeholder: "title" });
    const status = h("span", { class: "status", role: "status" });
    const form = h("form", { class: "actions" }, idIn, titleIn, h("button", { type: "submit" }, "New dashboard"), status);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const id = idIn.value.trim();
      try {
        await api(`/api/v1/dashboards/${encodeURIComponent(id)}`, { method: "PUT", headers: { "Content-Type": "application/json", Accept: "application/json" }, body: JSON.stringify({ title: titleIn.value.trim(), widgets: [] }) });
        go(urlWith(`/dashboards/${encodeURIComponent(id)}`, {}));
      } catch (err) { status.textContent = err.message; }
    });
    view.append(h("h1", null, "Dashboards"), list, form);
    async function refresh() {
      const b = await api("/api/v1/dashboards").catch((e) => ({ dashboards: [], error: e.message }));
      list.replaceChildren(...(b.dashboards.length ? b.dashboards.map((d) => h("li", null,
        h("a", { href: urlWith(`/dashboards/${encodeURIComponent(d.id)}`, {}) }, d.title), h("span", { class: "muted" }, ` ${d.id}, ${d.widgets} widgets`)))
        : [h("li", { class: "muted" }, b.error || "No dashboards yet: make one here, or add a query from Explore")]));
    }
    refresh();
    return { refresh: () => {} };
  }

  function dashboard(id) {
    const title = h("h1", null, id);
    const grid = h("div", { class: "grid", id: "widgets" });
    const status = h("span", { class: "status", role: "status" });
    const editBtn = h("button", { type: "button", "aria-pressed": "false" }, "Edit");
    const addBtn = h("button", { type: "button", hidden: true }, "Add widget");
    const saveBtn = h("button", { type: "button", hidden: true }, "Save");
    const delBtn = h("button", { type: "button", hidden: true }, "Delete dashboard");
    view.append(title, h("div", { class: "actions" }, editBtn, addBtn, saveBtn, delBtn, status), grid);
    let d = null, panels = [], editing = false;

    function layout(w) {
      const l = w.layout;
      return `grid-column: ${l.x + 1} / span ${l.w}; grid-row: ${l.y + 1} / span ${l.h}; --h: ${l.h}`;
    }
    function drawWidgets() {
      HerdChart.destroyAll();
      title.textContent = d.title;
      document.title = `${d.title} · herd`;
      panels = d.widgets.map((w, i) => {
        const p = chartPanel(w.title || w.queries.join(", "), w.queries.slice(), "", null);
        p.el.setAttribute("style", layout(w));
        if (editing) p.el.appendChild(editor(w, i, p));
        return p;
      });
      grid.classList.toggle("editing", editing);
      grid.replaceChildren(...panels.map((p) => p.el));
      if (!d.widgets.length) grid.appendChild(h("p", { class: "muted span12" }, "No widgets: press Edit, then Add widget, or add a query from Explore."));
      return Promise.all(panels.map((p) => p.load()));
    }
    // A widget's fields; a change redraws that widget at once (saved with Save).
    function editor(w, i, p) {
      const t = h("input", { value: w.title, "aria-label": "title" });
      const q = h("textarea", { rows: 2, "aria-label": "queries, one a line" });
      q.value = w.queries.join("\n");
      const width = h("select", { "aria-label": "width" }, [3, 4, 6, 8, 12].map((n) => h("option", { value: n, selected: n === w.layout.w }, `${n}/12`)));
      const height = h("select", { "aria-label": "height" }, [1, 2, 3].map((n) => h("option", { value: n, selected: n === w.layout.h }, n === 1 ? "1 row" : `${n} rows`)));
      const apply = () => {
        w.title = t.value;
        w.queries = q.value.split("\n").map((s) => s.trim()).filter(Boolean);
        w.layout.w = Number(width.value); w.layout.h = Number(height.value);
        if (w.layout.x + w.layout.w > 12) w.layout.x = 12 - w.layout.w;
        status.textContent = "unsaved changes";
        const name = w.title || w.queries.join(", ");
        p.el.setAttribute("style", layout(w));
        p.el.setAttribute("aria-label", name);
        p.el.querySelector("h2").textContent = name;
        p.queries = w.queries.slice();
        if (p.queries.length) p.load();
      };
      [t, q, width, height].forEach((el) => el.addEventListener("change", apply));
      const remove = h("button", { type: "button", onclick: () => { d.widgets.splice(i, 1); status.textContent = "unsaved changes"; drawWidgets(); } }, "Remove");
      return h("div", { class: "widget-edit" }, t, q, h("span", null, width, " ", height, " ", remove));
    }
    function setEditing(on) {
      editing = on;
      editBtn.setAttribute("aria-pressed", String(on));
      editBtn.textContent = on ? "Done" : "Edit";
      addBtn.hidden = saveBtn.hidden = delBtn.hidden = !on;
      drawWidgets();
    }
    editBtn.addEventListener("click", () => setEditing(!editing));
    addBtn.addEventListener("click", () => {
      const y = d.widgets.reduce((m, w) => Math.max(m, w.layout.y + w.layout.h), 0);
      d.widgets.push({ title: "New widget", queries: ["avg:herd.contexts{*}"], layout: { x: 0, y, w: 6, h: 1 } });
      status.textContent = "unsaved changes";
      drawWidgets();
    });
    saveBtn.addEventListener("click", async () => {
      try {
        d = await api(`/api/v1/dashboards/${encodeURIComponent(id)}`, { method: "PUT", headers: { "Content-Type": "application/json", Accept: "application/json" }, body: JSON.stringify(d) });
        status.textContent = "saved";
        setEditing(false);
      } catch (e) { status.textContent = e.message; }
    });
    delBtn.addEventListener("click", async () => {
      if (!confirm(`Delete dashboard ${id}?`)) return;
      try { await api(`/api/v1/dashboards/${encodeURIComponent(id)}`, { method: "DELETE" }); go(urlWith("/dashboards", {})); }
      catch (e) { status.textContent = e.message; }
    });
    api(`/api/v1/dashboards/${encodeURIComponent(id)}`).then((b) => { d = b; return drawWidgets(); })
      .catch((e) => { status.textContent = e.message; });
    return { refresh: () => { if (d && !editing) return Promise.all(panels.map((p) => p.load())); } };
  }

  // ---- navigation -------------------------------------------------------------------------
  function render() {
    if (generation > 0) HerdBoot.forget();
    generation++;
    onProm = null;
    eventsFor = null;
    HerdChart.destroyAll();
    range = readRange();
    if (range.live) lastLive = range.live;
    showRange();
    view.textContent = "";
    const path = location.pathname;
    document.querySelectorAll("nav a").forEach((a) => {
      const on = a.dataset.view === "overview" ? path === "/" : path.startsWith("/" + a.dataset.view);
      if (on) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
      a.href = urlWith(a.getAttribute("href").split("?")[0], { q: null });
    });
    document.title = "herd";
    if (path === "/explore") current = explore();
    else if (path === "/dashboards") current = dashboardList();
    else if (path.startsWith("/dashboards/")) current = dashboard(decodeURIComponent(path.slice(12)));
    else current = overview();
    if (path !== "/explore") current.refresh();
  }

  function go(url) {
    history.pushState(null, "", url);
    render();
    view.focus();
  }

  document.addEventListener("click", (e) => {
    const a = e.target.closest("a");
    if (!a || a.origin !== location.origin || e.ctrlKey || e.metaKey || e.shiftKey || a.target) return;
    if (a.pathname.startsWith("/api/") || a.pathname.startsWith("/assets/")) return;
    e.preventDefault();
    go(a.pathname + a.search);
  });
  window.addEventListener("popstate", render);

  // Live: read /metrics every 2 s; redraw when the daemon has flushed (herd_flushes_total
  // moves) if the range is live. The overview draws its per-type rates from the last two reads.
  const prom = { now: null, before: null };
  let onProm = null;
  function parseProm(text) {
    const samples = new Map();
    for (const line of text.split("\n")) {
      if (!line || line[0] === "#") continue;
      const i = line.lastIndexOf(" ");
      samples.set(line.slice(0, i), Number(line.slice(i + 1)));
    }
    return { at: Date.now(), samples };
  }
  async function watchFlushes() {
    try {
      const r = await fetch("/metrics");
      if (r.ok) {
        const read = parseProm(await r.text());
        const was = prom.now && prom.now.samples.get("herd_flushes_total");
        prom.before = prom.now;
        prom.now = read;
        const n = read.samples.get("herd_flushes_total");
        if (was != null && n !== was && range.live && current && !document.hidden) {
          HerdBoot.forget();
          current.refresh();
        }
        if (onProm) onProm();
      }
    } catch (_) { /* the daemon is restarting: try again at the next tick */ }
    setTimeout(watchFlushes, 2000);
  }
  // Redraw in the other scheme's colours when the system switches between dark and light.
  matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => {
    HerdBoot.forget();
    HerdChart.destroyAll();
    if (current) current.refresh();
  });

  render();
  watchFlushes();
})();
