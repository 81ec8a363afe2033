// The first requests of a page load, started before the other scripts have even arrived: the
// time range from the URL and, on a dashboard, its widgets' queries and the range's events
// (the dashboard itself is written into its page by the daemon, or fetched first), so that
// the daemon computes the answers while the browser is still loading uPlot and herd.js. herd.js takes an answer (HerdBoot.take) instead of asking again; the
// range of the first draw is the one asked for here (HerdBoot.first).
"use strict";
window.HerdBoot = (function () {
  const PRESETS = { "15m": 900, "1h": 3600, "4h": 14400, "1d": 86400, "7d": 604800 };

  // The range a URL's query names: ?from=&to= (seconds), else a live ?range= preset.
  function readRange(search) {
    const p = new URLSearchParams(search);
    const from = Number(p.get("from")), to = Number(p.get("to"));
    if (p.has("from") && p.has("to") && from < to) return { from, to };
    const r = p.get("range");
    return { live: PRESETS[r] ? r : "1h" };
  }

  // [from, to] in seconds of a range at `nowMs`.
  function spanOf(range, nowMs) {
    if (range.live) {
      const to = Math.ceil(nowMs / 1000);
      return [to - PRESETS[range.live], to];
    }
    return [range.from, range.to];
  }

  // Answers as columns (herd's `points=columns`: a series' values in one array).
  function queryUrl(q, from, to) {
    return `/api/v1/query?from=${from}&to=${to}&points=columns&query=${encodeURIComponent(q)}`;
  }

  const early = new Map();   // url -> Promise<Response>, until taken
  function ask(url) {
    const p = fetch(url, { headers: { Accept: "application/json" } });
    p.catch(() => {});   // a failure is reported when herd.js takes it
    early.set(url, p);
    return p;
  }

  const range = readRange(location.search);
  const span = spanOf(range, Date.now());
  const path = location.pathname;
  // Settles once every early request has been asked for, so that herd.js, parsing the same
  // dashboard at the same moment, finds them rather than asking a second time.
  let planned = Promise.resolve();
  function askWidgets(d) {
    if (!d || !Array.isArray(d.widgets)) return;
    for (const w of d.widgets) for (const q of w.queries || []) ask(queryUrl(q, span[0], span[1]));
    ask(`/api/v1/events?start=${span[0]}&end=${span[1]}`);
  }
  if (path.startsWith("/dashboards/") && path.length > "/dashboards/".length) {
    const id = decodeURIComponent(path.slice("/dashboards/".length));
    const boardUrl = `/api/v1/dashboards/${encodeURIComponent(id)}`;
    // The daemon writes a saved dashboard into its page: the queries leave at once.
    const inline = document.getElementById("herd-board");
    if (inline) {
      const text = inline.textContent;
      early.set(boardUrl, Promise.resolve(new Response(text, { headers: { "Content-Type": "application/json" } })));
      try { askWidgets(JSON.parse(text)); } catch (_) { /* herd.js reports a bad dashboard */ }
    } else {
      planned = ask(boardUrl)
        .then((r) => (r.ok ? r.clone().json() : null))
        .then(askWidgets)
        .catch(() => {});
    }
  }

  return {
    PRESETS, readRange, spanOf, queryUrl,
    // The range and span of the first draw, until `forget()`.
    first: { range, span },
    // A Promise of the early answer to `url` (a Promise of its Response), once; of
    // undefined if none.
    take(url) {
      return planned.then(() => {
        const p = early.get(url);
        early.delete(url);
        return p;
      });
    },
    // After the first draw: later draws ask afresh.
    forget() { early.clear(); this.first = null; },
  };
})();
