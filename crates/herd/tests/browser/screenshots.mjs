// The screenshots in docs/images/dashboard/, taken of a daemon that ran `herd demo` (the
// example shop under a rising load):
//
//   herd demo --duration 3m --port 0 --dir /tmp/demo      # then, on the same store:
//   herd statsd --data-dir /tmp/demo/data --http 127.0.0.1:0 --udp off
//   node screenshots.mjs http://127.0.0.1:PORT FROM TO docs/images/dashboard
//
// FROM and TO (POSIX seconds) frame the demo's run. Saves the dashboard `shop` first.
import { createRequire } from "node:module";

const require = createRequire(`${process.env.NODE_PATH || process.cwd()}/`);
const { chromium } = require("playwright-core");
const [base, from, to, out] = process.argv.slice(2);
const range = `from=${from}&to=${to}`;

const shop = {
  title: "Shop under a rising load",
  widgets: [
    { title: "Requests/s by route", queries: ["sum:shop.requests{*} by {route}.as_rate()"], layout: { x: 0, y: 0, w: 8, h: 2 } },
    { title: "Requests/s by status", queries: ["sum:shop.requests{*} by {status}.as_rate()"], layout: { x: 8, y: 0, w: 4, h: 1 } },
    { title: "In flight", queries: ["max:shop.requests.in_flight{*}"], layout: { x: 8, y: 1, w: 4, h: 1 } },
    { title: "Latency p50, p99 (ms)", queries: ["p50:shop.request.duration{*}", "p99:shop.request.duration{*}"], layout: { x: 0, y: 2, w: 6, h: 1 } },
    { title: "Worker jobs/s", queries: ["sum:shop.worker.jobs{*}.as_rate()"], layout: { x: 6, y: 2, w: 6, h: 1 } },
  ],
};
const put = await fetch(`${base}/api/v1/dashboards/shop`, {
  method: "PUT", headers: { "Content-Type": "application/json" }, body: JSON.stringify(shop),
});
if (!put.ok) throw new Error(`PUT shop: ${put.status} ${await put.text()}`);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const errors = [];
async function shot(name, path, ready, options) {
  const context = await browser.newContext(Object.assign({ viewport: { width: 1280, height: 1000 }, colorScheme: "light" }, options || {}));
  const page = await context.newPage();
  page.on("pageerror", (e) => errors.push(`${name}: ${e.message}`));
  page.on("console", (m) => { if (m.type() === "error") errors.push(`${name}: ${m.text()}`); });
  await page.goto(`${base}${path}`);
  await ready(page);
  await page.waitForTimeout(300);
  await page.screenshot({ path: `${out}/${name}.png` });
  await context.close();
}
const drawn = (n) => (page) => page.waitForFunction((n) => document.querySelectorAll("canvas").length >= n, n);
await shot("overview", `/?${range}`, async (p) => {
  await drawn(5)(p);
  await p.locator(".panel[aria-label='Top metrics'] tbody tr").first().waitFor();
});
await shot("dashboard", `/dashboards/shop?${range}`, drawn(5));
await shot("explore", `/explore?${range}&q=${encodeURIComponent("p99:shop.request.duration{*} by {route}")}`, drawn(1), { viewport: { width: 1280, height: 720 } });
await shot("phone-dark", `/dashboards/shop?${range}`, drawn(3), { viewport: { width: 390, height: 844 }, colorScheme: "dark", deviceScaleFactor: 2 });
await browser.close();
if (errors.length) { console.error(errors.join("\n")); process.exitCode = 1; }
