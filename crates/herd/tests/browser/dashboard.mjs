// Drives herd's dashboard in Debian's chromium with playwright-core, against a running daemon.
// Started by crates/herd/tests/dashboard.rs:
//
//   node dashboard.mjs <phase> <http://127.0.0.1:PORT> <output dir>
//
// phase `first`: the overview draws its charts and their legends name the API's series; a
// query typed into the explorer draws its series; the builder writes the query; a bad query
// shows the API's error with its column; a dashboard is made and saved in the page.
// phase `restarted`: the saved dashboard is still there and draws.
// Every phase fails on a page error, a console error, a failed request or an unexpected
// HTTP error. Screenshots go to the output dir. Prints one JSON line of what it saw.
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";

// ES modules ignore NODE_PATH: resolve playwright-core from it (target/ci-node in CI).
const require = createRequire(`${process.env.NODE_PATH || process.cwd()}/`);
const { chromium } = require("playwright-core");

const [phase, base, out] = process.argv.slice(2);
mkdirSync(out, { recursive: true });
const problems = [];
const seen = {};
const fail = (m) => { throw new Error(m); };
const check = (ok, m) => { if (!ok) fail(m); };

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
// Errors we cause on purpose (the bad query's 400), by URL substring.
let expectedErrors = [];
function watch(page) {
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    const url = m.location().url || "";
    if (expectedErrors.some((x) => url.includes(x))) return;
    problems.push(`console error: ${m.text()} ${url}`);
  });
  page.on("requestfailed", (r) => {
    // A refresh cut short by navigation is aborted by the browser, not failed by herd.
    if (r.failure() && r.failure().errorText === "net::ERR_ABORTED") return;
    problems.push(`request failed: ${r.url()} ${r.failure() && r.failure().errorText}`);
  });
  page.on("response", (r) => {
    if (r.status() >= 400 && !expectedErrors.some((x) => r.url().includes(x))) {
      problems.push(`HTTP ${r.status()}: ${r.url()}`);
    }
  });
}

async function api(path) {
  const r = await fetch(base + path);
  check(r.ok, `${path}: ${r.status}`);
  return r.json();
}

// The legend names of a panel, as drawn.
async function legend(page, title) {
  const panel = page.locator(`section.panel[aria-label="${title}"]`);
  await panel.locator("canvas").first().waitFor();
  return panel.locator(".u-legend .u-series:not(:first-child) .u-label").allTextContents();
}

// The names the page should show for the answers of these queries (chart.js's rule).
async function expectedLabels(queries, from, to) {
  const names = [];
  for (const q of queries) {
    const a = await api(`/api/v1/query?from=${from}&to=${to}&query=${encodeURIComponent(q)}`);
    for (const s of a.series) {
      const tags = (s.tag_set || []).join(",");
      if (queries.length === 1) { names.push(tags || s.display_name); continue; }
      const head = s.aggr ? `${s.aggr}:${s.display_name}` : s.display_name;
      names.push(tags ? `${head} ${tags}` : head);
    }
  }
  return names;
}

async function first(context) {
  const page = await context.newPage();
  watch(page);
  await page.goto(`${base}/?range=15m`);
  const own = {
    "Messages/s": ["sum:herd.dogstatsd.messages{*}.as_rate()", "sum:herd.dogstatsd.errors{*}.as_rate()"],
    "Contexts": ["max:herd.contexts{*}"],
    "Flush time (µs)": ["max:herd.flush.duration_us{*}"],
  };
  const now = Math.ceil(Date.now() / 1000);
  for (const [title, queries] of Object.entries(own)) {
    const got = await legend(page, title);
    const want = await expectedLabels(queries, now - 900, now);
    check(want.length > 0, `${title}: the API has no series`);
    check(JSON.stringify(got) === JSON.stringify(want), `${title}: legend ${JSON.stringify(got)}, API ${JSON.stringify(want)}`);
  }
  await page.locator('section[aria-label="Busiest metrics (volume/s)"] canvas').first().waitFor();
  await page.locator("table tbody tr").first().waitFor();
  await page.locator("#now tbody tr").first().waitFor({ timeout: 10000 });
  seen.overview_canvases = await page.locator("canvas").count();
  // The service check sent by the test, with its status.
  await page.locator(".check.s0", { hasText: "shop.db" }).waitFor();
  seen.top_rows = await page.locator(".panel[aria-label='Top metrics'] tbody tr").count();
  // Sorting by contexts puts the metric with the most contexts first.
  await page.getByRole("button", { name: "Contexts", exact: true }).click();
  const firstRow = await page.locator(".panel[aria-label='Top metrics'] tbody tr").first().locator("td").nth(2).textContent();
  const top = await api(`/api/herd/top?from=${now - 900}`);
  const most = Math.max(...top.metrics.filter((m) => !m.metric.startsWith("herd.")).map((m) => m.contexts));
  check(Number(firstRow) === most, `sorted by contexts, the first row has ${firstRow}, the API's most is ${most}`);
  await page.screenshot({ path: `${out}/overview.png`, fullPage: true });

  // Live: the charts are asked again after a flush (1 s here), without a reload.
  let asked = 0;
  const count = (r) => { if (r.url().includes("/api/v1/query?")) asked++; };
  page.on("request", count);
  await page.waitForTimeout(3500);
  page.off("request", count);
  check(asked >= 4, `${asked} queries in 3.5 s of a live range`);
  // A legend entry toggles its series from the keyboard.
  const entry = page.locator("section[aria-label='Contexts'] .u-legend .u-series").nth(1);
  await entry.focus();
  await page.keyboard.press("Enter");
  check(await entry.getAttribute("aria-pressed") === "false", "Enter hides the series");
  // Dragging across a chart zooms the page to that span: a fixed range in the URL.
  const over = page.locator("section[aria-label='Contexts'] .u-over");
  await over.scrollIntoViewIfNeeded();
  const box = await over.boundingBox();
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.9, box.y + box.height / 2, { steps: 5 });
  await page.mouse.up();
  await page.waitForURL(/from=\d+&to=\d+/);
  const zoomed = new URL(page.url()).searchParams;
  const span = Number(zoomed.get("to")) - Number(zoomed.get("from"));
  check(span > 0 && span < 900, `zoomed to ${span} s of 900`);
  await page.getByRole("button", { name: "Back to live" }).click();
  check(new URL(page.url()).searchParams.get("range") === "15m", `back to live: ${page.url()}`);
  // A custom range: two dates in the form.
  await page.getByText("Custom").click();
  const toS = Math.floor(Date.now() / 1000), fromS = toS - 600;
  const local = (s) => new Date(s * 1000 - new Date(s * 1000).getTimezoneOffset() * 60000).toISOString().slice(0, 19);
  await page.locator("#custom-range input[name=from]").fill(local(fromS));
  await page.locator("#custom-range input[name=to]").fill(local(toS));
  await page.getByRole("button", { name: "Apply" }).click();
  await page.waitForURL(new RegExp(`from=${fromS}&to=${toS}`));
  await page.locator("section[aria-label='Contexts'] canvas").first().waitFor();

  // The explorer: the builder writes the query and the chart draws one series per route.
  await page.getByRole("link", { name: "Explore" }).click();
  await page.locator("#metric").fill("shop.requests");
  await page.locator("#metric").press("Enter");
  await page.locator("#metric").dispatchEvent("change");
  await page.locator("#by-add option[value=route]").waitFor({ state: "attached" });
  await page.locator("#agg").selectOption("sum");
  await page.locator("#by-add").selectOption("route");
  await page.locator("#as").selectOption("as_count");
  const built = await page.locator("#query").inputValue();
  check(built === "sum:shop.requests{*} by {route}.as_count()", `the builder wrote ${built}`);
  await page.locator(".panel[data-series='3']").waitFor();
  const routes = await legend(page, built);
  // The query is in the URL; opened again, the builder is filled back in.
  await page.reload();
  await page.locator(".panel[data-series='3']").waitFor();
  check(await page.locator("#metric").inputValue() === "shop.requests", "the metric back in the builder");
  check(await page.locator("#by-add").locator("xpath=..").locator("..").isVisible(), "builder shown");
  await page.locator("#agg option[value=sum]").waitFor({ state: "attached" });
  check(await page.locator("#agg").inputValue() === "sum", "the aggregator back in the builder");
  check(JSON.stringify(routes) === JSON.stringify(["route:/a", "route:/b", "route:/c"]), `legend ${routes}`);
  // A distribution offers count and percentiles as space aggregators; a rate does not.
  check(!(await page.locator("#agg option[value=p99]").count()), "p99 offered for a counter");
  await page.locator("#metric").fill("shop.latency");
  await page.locator("#metric").dispatchEvent("change");
  await page.locator("#agg option[value=p99]").waitFor({ state: "attached" });
  await page.locator("#agg").selectOption("p99");
  check(await page.locator("#query").inputValue() === "p99:shop.latency{*}", "the p99 query");
  await page.locator(".panel[aria-label='p99:shop.latency{*}'][data-series='1']").waitFor();
  // A query typed into the box: one series per host and route pair scoped to two routes.
  await page.locator("#query").fill("max:shop.requests{route IN (/a, /b)} by {route}");
  await page.locator("#query").press("Enter");
  await page.locator(".panel[data-series='2']").waitFor();
  seen.typed_series = 2;
  // Many series (12 workers): the list legend names the API's series, toggles one, and shows
  // the values under the cursor.
  await page.locator("#query").fill("avg:shop.busy{*} by {worker}");
  await page.locator("#query").press("Enter");
  const many = page.locator(".panel[data-series='12']");
  await many.locator(".legend-list .legend-item").nth(11).waitFor();
  const items = await many.locator(".legend-item").allTextContents();
  const nowS = Math.floor(Date.now() / 1000);
  const workers = await expectedLabels(["avg:shop.busy{*} by {worker}"], nowS - 3600, nowS + 60);
  check(JSON.stringify(items) === JSON.stringify(workers), `list legend ${JSON.stringify(items)}, API ${JSON.stringify(workers)}`);
  const third = many.locator(".legend-item").nth(2);
  await third.click();
  check(await third.getAttribute("aria-pressed") === "false", "a list legend entry toggles its series off");
  await third.press("Enter");
  check(await third.getAttribute("aria-pressed") === "true", "and back on from the keyboard");
  const plot = await many.locator("canvas").first().boundingBox();
  await page.mouse.move(plot.x + plot.width - 30, plot.y + plot.height / 2);
  await page.waitForFunction(() => [...document.querySelectorAll(".legend-item .v")].some((v) => v.textContent.trim()));
  const values = await many.locator(".legend-item .v").allTextContents();
  check(values.filter((v) => v.trim()).length >= 10, `values under the cursor: ${JSON.stringify(values)}`);
  seen.many_series = items.length;
  await page.screenshot({ path: `${out}/explore.png`, fullPage: true });

  // A bad query: the API's error, with its column, under the box.
  expectedErrors = ["/api/v1/query?"];
  await page.locator("#query").fill("sum:shop.requests{route:/a");
  await page.locator("#query").press("Enter");
  await page.locator("#query-error:has-text('column')").waitFor();
  const shown = await page.locator("#query-error").textContent();
  const r = await fetch(`${base}/api/v1/query?from=${now - 900}&to=${now}&query=${encodeURIComponent("sum:shop.requests{route:/a")}`);
  const apiError = (await r.json()).errors[0];
  check(r.status === 400 && shown === apiError, `error shown ${JSON.stringify(shown)}, API ${JSON.stringify(apiError)}`);
  seen.error = shown.split("\n")[0];
  await page.screenshot({ path: `${out}/explore-error.png` });
  expectedErrors = [];

  // A dashboard made in the page, a widget added and saved through the API.
  await page.getByRole("link", { name: "Dashboards" }).click();
  await page.locator("input[name=id]").fill("shop");
  await page.locator("input[name=title]").fill("Shop under load");
  await page.getByRole("button", { name: "New dashboard" }).click();
  await page.getByRole("button", { name: "Edit" }).click();
  await page.getByRole("button", { name: "Add widget" }).click();
  const editor = page.locator(".widget-edit").last();
  await editor.locator("input").fill("Requests by route");
  await editor.locator("input").dispatchEvent("change");
  await editor.locator("textarea").fill("sum:shop.requests{*} by {route}.as_rate()");
  await editor.locator("textarea").dispatchEvent("change");
  await editor.locator("select").first().selectOption("12");
  await page.screenshot({ path: `${out}/dashboard-edit.png` });
  await page.getByRole("button", { name: "Save" }).click();
  await page.locator(".status", { hasText: /^saved$/ }).waitFor();
  const saved = await api("/api/v1/dashboards/shop");
  check(saved.widgets.length >= 1 && saved.widgets.at(-1).title === "Requests by route", `saved ${JSON.stringify(saved)}`);
  await page.locator(".panel[aria-label='Requests by route'][data-series='3']").waitFor();
  await page.close();

  // A phone, dark.
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme: "dark", deviceScaleFactor: 2 });
  const p2 = await phone.newPage();
  watch(p2);
  await p2.goto(`${base}/?range=15m`);
  await p2.locator("section[aria-label='Contexts'] canvas").first().waitFor();
  await p2.locator(".panel[aria-label='Top metrics'] tbody tr").first().waitFor();
  await p2.screenshot({ path: `${out}/overview-phone-dark.png` });
  const overflow = await p2.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 0, `the phone view is ${overflow}px wider than the screen`);
  await phone.close();
}

async function restarted(context) {
  const page = await context.newPage();
  watch(page);
  await page.goto(`${base}/dashboards/shop?range=15m`);
  await page.locator(".panel[aria-label='Requests by route'] canvas").first().waitFor();
  seen.restored_widgets = await page.locator("#widgets .panel").count();
  await page.waitForFunction(() => [...document.querySelectorAll("#widgets .panel")].every((p) => p.dataset.series));
  // boot.js asked every widget's query before herd.js ran, and herd.js drew those answers:
  // no query went to the daemon twice for the same range (a live refresh asks a new one).
  const asked = await page.evaluate(() => performance.getEntriesByType("resource")
    .filter((e) => e.name.includes("/api/v1/query?")).map((e) => e.name));
  // The dashboard came written into its page: not asked for again.
  const boardAsked = await page.evaluate(() => performance.getEntriesByType("resource")
    .filter((e) => e.name.endsWith("/api/v1/dashboards/shop")).length);
  check(boardAsked === 0, `the dashboard was fetched ${boardAsked} times besides the page`);
  const board = await api("/api/v1/dashboards/shop");
  const wanted = board.widgets.flatMap((w) => w.queries);
  check(new Set(asked).size === asked.length
    && wanted.every((q) => asked.some((u) => new URL(u).searchParams.get("query") === q)),
    `the first draw asked ${JSON.stringify(asked)} for the widgets' ${JSON.stringify(wanted)}`);
  await page.screenshot({ path: `${out}/dashboard-restarted.png`, fullPage: true });
  // The time range is in the URL: a reload keeps it.
  await page.getByRole("button", { name: "4h" }).click();
  check(new URL(page.url()).searchParams.get("range") === "4h", `URL ${page.url()}`);
  await page.reload();
  await page.locator(".panel[aria-label='Requests by route'] canvas").first().waitFor();
  check(await page.getByRole("button", { name: "4h" }).getAttribute("aria-pressed") === "true", "4h pressed after reload");
  // On a phone the saved layout gives way to one column, with nothing wider than the screen.
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme: "dark" });
  const p2 = await phone.newPage();
  watch(p2);
  await p2.goto(`${base}/dashboards/shop?range=15m`);
  await p2.locator(".panel[aria-label='Requests by route'] canvas").first().waitFor();
  const widths = await p2.evaluate(() => [...document.querySelectorAll("#widgets .panel")].map((p) => p.getBoundingClientRect().right));
  check(widths.every((r) => r <= 390), `widgets end at ${widths} on a 390 px screen`);
  await p2.screenshot({ path: `${out}/dashboard-phone-dark.png` });
  await phone.close();
}

try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: "light" });
  if (phase === "first") await first(context);
  else if (phase === "restarted") await restarted(context);
  else fail(`unknown phase ${phase}`);
  await context.close();
  check(problems.length === 0, problems.join("\n"));
  console.log(JSON.stringify(seen));
} catch (e) {
  console.error(`${phase}: ${e.message}`);
  if (problems.length) console.error(problems.join("\n"));
  process.exitCode = 1;
} finally {
  await browser.close();
}
