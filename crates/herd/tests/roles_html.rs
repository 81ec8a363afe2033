//! `herd roles graph -G html`: one self-contained page. Checked as a file (one document, the SVG
//! inline, no reference to any other file) and, when Graphviz, chromium and node with
//! playwright-core (target/ci-node) are installed, in a real browser with the network cut off:
//! clicking a role highlights what it includes and who includes it, the search box finds a
//! recipe, and the page makes no request and no script error.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use support::daemon::skip_without;

fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("roles")).unwrap();
    for (name, list) in [
        ("base", r#"["recipe[ntp]", "role[monitoring]"]"#),
        ("monitoring", r#"["recipe[collectd]", "role[base]"]"#),
        ("web", r#"["role[base]", "recipe[nginx]"]"#),
        ("db", r#"["recipe[postgresql]"]"#),
    ] {
        std::fs::write(
            dir.path().join(format!("roles/{name}.json")),
            format!("{{\"name\": \"{name}\", \"run_list\": {list}}}"),
        )
        .unwrap();
    }
    dir
}

fn graphviz() -> bool {
    Command::new("dot")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Writes the page for [`repo`] and returns its path.
fn page(dir: &Path) -> PathBuf {
    let out = Command::new(env!("CARGO_BIN_EXE_herd"))
        .args(["roles", "graph", ".", "-o", "roles.html"])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("written to roles.html"));
    dir.join("roles.html")
}

#[test]
fn the_page_is_one_file_with_the_svg_inline_and_nothing_to_fetch() {
    if skip_without(graphviz(), "Graphviz `dot`") {
        return;
    }
    let dir = repo();
    let html = std::fs::read_to_string(page(dir.path())).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert_eq!(html.matches("<svg").count(), 1);
    assert!(html.contains("<title>role:base</title>") && html.contains("id=\"search\""));
    assert!(html.contains("<script>") && html.contains("</script>"));
    for fetch in [
        "src=",
        "<link",
        "@import",
        "url(",
        "fetch(",
        "XMLHttpRequest",
    ] {
        assert!(
            !html.contains(fetch),
            "the page refers to another file: {fetch}"
        );
    }
    // The only URLs are the SVG namespace names, which are never fetched.
    for url in html.match_indices("http").map(|(i, _)| &html[i..i + 30]) {
        assert!(url.starts_with("http://www.w3.org/"), "{url}");
    }
}

const DRIVER: &str = r##"
import { createRequire } from "node:module";
const require = createRequire(`${process.env.NODE_PATH}/`);
const { chromium } = require("playwright-core");
const [page_url] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM,
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"] });
const page = await browser.newPage();
const seen = { requests: [], errors: [] };
page.on("pageerror", (e) => seen.errors.push(String(e)));
page.on("console", (m) => { if (m.type() === "error") seen.errors.push(m.text()); });
await page.route("**/*", (route) => {
  const u = route.request().url();
  if (u !== page_url) seen.requests.push(u);
  return u === page_url ? route.continue() : route.abort();
});
await page.goto(page_url);
const classes = (id) => page.evaluate((id) => {
  for (const g of document.querySelectorAll("g.node")) {
    if (g.querySelector("title").textContent === id) return [...g.classList].sort().join(" ");
  }
  return null;
}, id);
const node = (id) => page.locator("g.node", { has: page.locator(`title:text-is("${id}")`) });
await node("role:web").click();
seen.web = {};
for (const id of ["role:web", "role:base", "role:monitoring", "recipe:collectd", "recipe:nginx", "role:db"]) {
  seen.web[id] = await classes(id);
}
seen.status = await page.textContent("#status");
await page.mouse.click(2, 200);
await page.fill("#search", "collect");
seen.search = { collectd: await classes("recipe:collectd"), ntp: await classes("recipe:ntp"),
  status: await page.textContent("#status") };
await page.press("#search", "Enter");
seen.entered = await classes("role:monitoring");
console.log(JSON.stringify(seen));
await browser.close();
"##;

#[test]
fn in_a_browser_a_click_highlights_what_a_role_includes_and_who_includes_it() {
    let node_modules = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../target/ci-node/node_modules"
    ));
    let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists());
    let tools = graphviz()
        && chromium.is_some()
        && node_modules.join("playwright-core").is_dir()
        && Command::new("node")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
    if skip_without(
        tools,
        "Graphviz, chromium and node with playwright-core in target/ci-node",
    ) {
        return;
    }
    let dir = repo();
    let html = page(dir.path());
    let driver = dir.path().join("drive.mjs");
    std::fs::write(&driver, DRIVER).unwrap();
    let out = Command::new("node")
        .arg(&driver)
        .arg(format!("file://{}", html.display()))
        .env("NODE_PATH", &node_modules)
        .env("CHROMIUM", chromium.unwrap())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seen: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(
        seen["requests"],
        serde_json::json!([]),
        "the page fetched something"
    );
    assert_eq!(seen["errors"], serde_json::json!([]));
    // web includes base, which includes monitoring and collectd: all "down"; nothing includes
    // web; db is unrelated and fades.
    let web = &seen["web"];
    assert_eq!(web["role:web"], "node on picked");
    assert_eq!(web["role:base"], "down node on");
    assert_eq!(web["role:monitoring"], "down node on");
    assert_eq!(web["recipe:collectd"], "down node on");
    assert_eq!(web["recipe:nginx"], "down node on");
    assert_eq!(web["role:db"], "node");
    assert!(seen["status"]
        .as_str()
        .unwrap()
        .starts_with("role:web: includes 5 (blue), included by 0 (red)"));
    assert_eq!(seen["search"]["collectd"], "match node");
    assert_eq!(seen["search"]["ntp"], "node");
    assert!(seen["search"]["status"]
        .as_str()
        .unwrap()
        .starts_with("1 match"));
    // Enter selects the match: collectd is included by monitoring (and base, web).
    assert_eq!(seen["entered"], "node on up");
}
