// Benchmark (not a test): how fast a 6-widget dashboard over 24 h of 1,000 series draws.
//
//   node paint-bench.mjs http://127.0.0.1:PORT 127.0.0.1:UDPPORT [runs]
//
// Fills the daemon with 24 h of 1,000 gauge series (bench.cpu, 100 hosts x 10 shards, a
// point a minute, sent as timestamped DogStatsD gauges `|T`), saves the dashboard `bench`
// (6 widgets), then opens /dashboards/bench?range=1d (RANGE=1h for another) in a fresh
// chromium context `runs` times
// and reports, per run, the time from navigation start until every widget has drawn its
// answer ("first meaningful paint"), and each widget's /api/v1/query time (Resource Timing).
// Needs NODE_PATH with playwright-core and Debian's chromium (CHROMIUM to override).
import { createRequire } from "node:module";
import dgram from "node:dgram";

const require = createRequire(`${process.env.NODE_PATH || process.cwd()}/`);
const { chromium } = require("playwright-core");
const [base, udp, runsArg] = process.argv.slice(2);
const runs = Number(runsArg || 10);
const [udpHost, udpPort] = udp.split(":");

const WIDGETS = [
  "avg:bench.cpu{*} by {host}",
  "avg:bench.cpu{*}",
  "max:bench.cpu{*} by {shard}",
  "min:bench.cpu{shard:3} by {host}",
  "avg:bench.cpu{host IN (host-1, host-2, host-3)} by {host,shard}",
  "top(avg:bench.cpu{*} by {host}, 5, 'mean', 'desc')",
];

async function fill() {
  const now = Math.floor(Date.now() / 60000) * 60;
  const sock = dgram.createSocket("udp4");
  const send = (buf) => new Promise((ok, no) => sock.send(buf, Number(udpPort), udpHost, (e) => e ? no(e) : ok()));
  let lines = [], bytes = 0, sent = 0, datagrams = 0;
  const flush = async () => {
    if (!lines.length) return;
    await send(Buffer.from(lines.join("\n")));
    datagrams++;
    lines = []; bytes = 0;
    if (datagrams % 200 === 0) await new Promise((r) => setTimeout(r, 20));
  };
  for (let t = now - 86400; t < now; t += 60) {
    for (let host = 0; host < 100; host++) {
      for (let shard = 0; shard < 10; shard++) {
        const v = (50 + 30 * Math.sin((t / 3600 + host) / 3) + shard).toFixed(1);
        const line = `bench.cpu:${v}|g|#host:host-${host},shard:${shard}|T${t}`;
        if (bytes + line.length + 1 > 1400) await flush();
        lines.push(line); bytes += line.length + 1; sent++;
      }
    }
  }
  await flush();
  sock.close();
  return sent;
}

async function json(path, init) {
  const r = await fetch(base + path, init);
  if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  return r.json();
}

function stats(xs) {
  const s = xs.slice().sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], min: s[0], max: s.at(-1) };
}

const filled = await json(`/api/v1/query?from=${Math.floor(Date.now() / 1000) - 86400}&to=${Math.floor(Date.now() / 1000)}&query=${encodeURIComponent("avg:bench.cpu{*}")}`);
if (!filled.series.length || filled.series[0].pointlist.filter((p) => p[1] != null).length < 280) {
  const t0 = Date.now();
  const n = await fill();
  console.error(`sent ${n} points in ${(Date.now() - t0) / 1000} s; waiting for the flush`);
  await new Promise((r) => setTimeout(r, 15000));
}
const to = Math.floor(Date.now() / 1000);
const check = await json(`/api/v1/query?from=${to - 86400}&to=${to}&query=${encodeURIComponent("avg:bench.cpu{*} by {host,shard}")}`);
console.error(`stored: ${check.series.length} series, ${check.series.reduce((n, s) => n + s.pointlist.filter((p) => p[1] != null).length, 0)} intervals of 5 min`);

await json("/api/v1/dashboards/bench", {
  method: "PUT", headers: { "Content-Type": "application/json" },
  body: JSON.stringify({
    title: "Bench: 1,000 series x 24 h",
    widgets: WIDGETS.map((q, i) => ({ title: q, queries: [q], layout: { x: (i % 2) * 6, y: Math.floor(i / 2), w: 6, h: 1 } })),
  }),
});

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const paints = [], boots = [], boards = [], queries = WIDGETS.map(() => []), errors = [];
for (let i = 0; i < runs; i++) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${base}/dashboards/bench?range=${process.env.RANGE || "1d"}`);
  // The paint is timed in the page, at the first animation frame that finds all six drawn
  // (waitForFunction polls on requestAnimationFrame), not when the answer has come back to
  // this script: that round trip added 50-100 ms on this machine.
  const drawn = await page.waitForFunction(
    () => document.querySelectorAll("#widgets .panel[data-series]").length === 6 && performance.now());
  const paint = await drawn.jsonValue();
  const got = await page.evaluate(() => ({
    boot: performance.getEntriesByType("navigation")[0].domContentLoadedEventEnd,
    // The dashboard comes written into its page (0: no request of its own).
    board: (performance.getEntriesByType("resource").find((e) => e.name.includes("/api/v1/dashboards/bench")) || { responseEnd: 0 }).responseEnd,
    queries: performance.getEntriesByType("resource")
      .filter((e) => e.name.includes("/api/v1/query?"))
      .map((e) => ({ q: decodeURIComponent(new URL(e.name).searchParams.get("query")), ms: e.duration })),
    series: [...document.querySelectorAll("#widgets .panel")].map((p) => p.dataset.series),
  }));
  if (got.series.includes("error")) throw new Error(`a widget failed: ${got.series}`);
  paints.push(paint);
  boots.push(got.boot);
  boards.push(got.board);
  WIDGETS.forEach((q, j) => {
    const e = got.queries.find((x) => x.q === q);
    if (e) queries[j].push(e.ms);
  });
  if (i === 0) await page.screenshot({ path: process.env.SHOT || "/tmp/bench-dashboard.png" });
  await context.close();
}
await browser.close();
const r = (x) => Math.round(x * 10) / 10;
console.log(JSON.stringify({
  runs,
  first_meaningful_paint_ms: Object.fromEntries(Object.entries(stats(paints)).map(([k, v]) => [k, r(v)])),
  dom_content_loaded_ms: Object.fromEntries(Object.entries(stats(boots)).map(([k, v]) => [k, r(v)])),
  dashboard_json_loaded_ms: Object.fromEntries(Object.entries(stats(boards)).map(([k, v]) => [k, r(v)])),
  query_ms: WIDGETS.map((q, j) => ({ query: q, ...Object.fromEntries(Object.entries(stats(queries[j])).map(([k, v]) => [k, r(v)])) })),
  page_errors: errors,
}, null, 1));
