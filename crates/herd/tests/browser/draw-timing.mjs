// Benchmark (not a test): where a dashboard's first paint waits. Opens /dashboards/bench?range=1d
// (saved by paint-bench.mjs) `runs` times in fresh contexts and prints, per load, the paint, the
// DOMContentLoaded time, and for each answer when its body was read and how long that took
// ("json", start ms, ms, url) and for each chart when it was drawn and how long the draw took
// (start ms, ms, series), by wrapping HerdChart.draw and Response.json before the page runs.
//
//   NODE_PATH=$PWD/target/ci-node/node_modules node draw-timing.mjs http://127.0.0.1:PORT [runs]
import { createRequire } from "node:module";
const require = createRequire(`${process.env.NODE_PATH}/`);
const { chromium } = require("playwright-core");
const [base, runsArg] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
for (let i = 0; i < Number(runsArg || 4); i++) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.addInitScript(() => {
    window.__t = [];
    let hc;
    Object.defineProperty(window, "HerdChart", { configurable: true, get() { return hc; }, set(v) {
      const draw = v.draw;
      v.draw = function (...a) { const t0 = performance.now(); const r = draw.apply(this, a); window.__t.push([Math.round(t0), Math.round(performance.now() - t0), a[1].reduce((n, x) => n + x.series.length, 0)]); return r; };
      hc = v;
    } });
    const origJson = Response.prototype.json;
    Response.prototype.json = async function () { const t0 = performance.now(); const r = await origJson.call(this); window.__t.push(["json", Math.round(t0), Math.round(performance.now() - t0), this.url.slice(22, 40)]); return r; };
  });
  await page.goto(`${base}/dashboards/bench?range=1d`);
  await page.waitForFunction(() => document.querySelectorAll("#widgets .panel[data-series]").length === 6);
  const got = await page.evaluate(() => ({ paint: Math.round(performance.now()), dcl: Math.round(performance.getEntriesByType("navigation")[0].domContentLoadedEventEnd), t: window.__t }));
  console.log(JSON.stringify(got));
  await context.close();
}
await browser.close();
