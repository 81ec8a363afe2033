//! The Heroku buildpack (`buildpack/`), run as Heroku runs it, in a bubblewrap sandbox that
//! enforces what a dyno enforces: a read-only `/`, a private `/tmp`, own pid and network
//! namespaces, a non-root user. `detect`, then `compile` with the build directory at a
//! `/tmp/build_<hash>` path (a hard-coded build path fails), config vars as files in
//! `ENV_DIR`, a cache reused by a second build that has nothing to download; `release`; then
//! dynos started from the slug at `/app` (`buildpack/test/dyno.sh` plays the platform): the
//! example shop's `web` binds `$PORT`, its metrics reach herd's store with the dyno's tags,
//! SIGTERM to the dyno loses nothing, herd says nothing while idle, and one-off dynos start no
//! listener.
//!
//! Skips without bubblewrap, unless `HERD_REQUIRE_PEERS=1` (CI installs it:
//! `.ci/setup.d/buildpack.sh`).

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BUILD: &str = "/tmp/build_3f2a9c1e";
const CACHE: &str = "/tmp/cache_77d0";
const ENV: &str = "/tmp/env_51aa";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn herd() -> &'static str {
    env!("CARGO_BIN_EXE_herd")
}

fn bwrap_works() -> bool {
    Command::new("bwrap")
        .args([
            "--ro-bind",
            "/",
            "/",
            "--unshare-user",
            "--unshare-pid",
            "--unshare-net",
        ])
        .args(["--", "true"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// A sandbox: a read-only `/` (the host's system directories, bound read-only onto a new
/// root that is then made read-only, so that `/app` can be a mount point), a private `/tmp`,
/// own pid and network namespaces, uid 1000, a session of its own, a clean environment;
/// `binds` are `(host path, sandbox path, writable)`.
fn sandbox(binds: &[(&Path, &str, bool)], env: &[(&str, &str)], chdir: &str) -> Command {
    let mut c = Command::new("bwrap");
    for entry in std::fs::read_dir("/").unwrap().filter_map(Result::ok) {
        let name = entry.file_name().to_string_lossy().into_owned();
        // What a dyno's image has; not the host's other directories (nor this repository).
        let image = [
            "usr", "etc", "opt", "var", "bin", "sbin", "lib", "lib32", "lib64",
        ];
        if !image.contains(&name.as_str()) {
            continue;
        }
        let path = format!("/{name}");
        match std::fs::read_link(&path) {
            Ok(target) => {
                c.arg("--symlink").arg(target).arg(&path);
            }
            Err(_) if entry.path().is_dir() => {
                c.args(["--ro-bind", &path, &path]);
            }
            Err(_) => {}
        }
    }
    c.args(["--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]);
    c.args([
        "--unshare-pid",
        "--unshare-net",
        "--unshare-user",
        "--uid",
        "1000",
    ]);
    c.args([
        "--gid",
        "1000",
        "--new-session",
        "--die-with-parent",
        "--clearenv",
    ]);
    c.args(["--setenv", "PATH", "/app/bin:/usr/local/bin:/usr/bin:/bin"]);
    for (k, v) in env {
        c.args(["--setenv", k, v]);
    }
    for (host, inside, writable) in binds {
        c.arg(if *writable { "--bind" } else { "--ro-bind" })
            .arg(host)
            .arg(inside);
    }
    c.args(["--remount-ro", "/", "--chdir", chdir, "--"]);
    c
}

fn run(mut c: Command) -> Output {
    let out = c.output().expect("running bwrap");
    eprintln!(
        "$ {c:?}\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn sha256(path: &str) -> String {
    let out = Command::new("sha256sum").arg(path).output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned()
}

/// `key=value` lines.
fn value(text: &str, key: &str) -> i64 {
    text.split_whitespace()
        .find_map(|w| w.strip_prefix(key)?.strip_prefix('='))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{key}= in {text}"))
}

/// The request counter's total in a data directory, for a scope.
fn requests(data: &Path, scope: &str) -> f64 {
    support::cli::query_sums(data, &format!("sum:shop.requests{{{scope}}}.as_count()"))
        .iter()
        .sum()
}

#[test]
fn the_buildpack_builds_a_slug_whose_dynos_run_herd_beside_the_app() {
    if support::daemon::skip_without(bwrap_works(), "bubblewrap (bwrap)") {
        return;
    }
    let shop = Path::new(herd()).with_file_name("shop");
    if !shop.is_file() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let built = Command::new(cargo)
            .args(["build", "-p", "herd-example-shop"])
            .status()
            .unwrap();
        assert!(built.success());
    }
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let buildpack = repo().join("buildpack");
    let (app, cache, env, results) = (
        t.join("app"),
        t.join("cache"),
        t.join("env"),
        t.join("results"),
    );
    for d in [&app, &cache, &env, &results] {
        std::fs::create_dir_all(d).unwrap();
    }
    // The app as pushed: its Procfile, its binary (as a language buildpack leaves it), and
    // a prerun hook.
    std::fs::write(app.join("Procfile"), "web: shop web\nworker: shop worker\n").unwrap();
    std::fs::create_dir_all(app.join("bin")).unwrap();
    std::fs::copy(&shop, app.join("bin/shop")).unwrap();
    std::fs::create_dir_all(app.join("herd")).unwrap();
    std::fs::write(
        app.join("herd/prerun.sh"),
        "# sourced before herd starts\nexport HERD_FLUSH_INTERVAL=1s\n: >\"$HOME/herd/prerun.ran\"\n",
    )
    .unwrap();
    // Config vars, one file each.
    std::fs::write(env.join("HERD_BINARY_URL"), "file:///tmp/src/herd").unwrap();
    std::fs::write(env.join("HERD_BINARY_SHA256"), sha256(herd())).unwrap();
    std::fs::write(env.join("DATABASE_URL"), "postgres://not-exported").unwrap();

    let build_binds = |with_source: bool| {
        let mut b = vec![
            (app.as_path(), BUILD, true),
            (cache.as_path(), CACHE, true),
            (env.as_path(), ENV, false),
            (buildpack.as_path(), "/tmp/buildpacks/herd", false),
        ];
        if with_source {
            b.push((Path::new(herd()), "/tmp/src/herd", false));
        }
        b
    };

    // detect
    let mut c = sandbox(&build_binds(true), &[("HOME", "/tmp")], "/tmp");
    c.args(["/tmp/buildpacks/herd/bin/detect", BUILD]);
    let out = run(c);
    assert!(out.status.success());
    assert_eq!(text(&out).trim(), "herd");

    // compile: from HERD_BINARY_URL, checked, cached.
    let mut c = sandbox(&build_binds(true), &[("HOME", "/tmp")], "/tmp");
    c.args(["/tmp/buildpacks/herd/bin/compile", BUILD, CACHE, ENV]);
    let out = run(c);
    assert!(out.status.success());
    let said = text(&out);
    assert!(
        said.starts_with("-----> Installing herd from file:///tmp/src/herd\n"),
        "{said}"
    );
    assert!(said.contains("\n       Copied /tmp/src/herd\n"), "{said}");
    assert!(
        said.contains("\n       Checksum verified (sha256 "),
        "{said}"
    );
    assert!(said.contains("\n       Slug cost: "), "{said}");
    assert!(app.join(".herd/bin/herd").is_file());
    assert!(app.join(".profile.d/herd.sh").is_file());
    let slug = std::fs::read_to_string(app.join(".profile.d/herd.sh")).unwrap();
    assert!(
        !slug.contains("build_"),
        "no build path in the slug: {slug}"
    );

    // A second build: the binary's source is gone, the cache has it.
    let mut c = sandbox(&build_binds(false), &[("HOME", "/tmp")], "/tmp");
    c.args(["/tmp/buildpacks/herd/bin/compile", BUILD, CACHE, ENV]);
    let out = run(c);
    assert!(out.status.success());
    let said = text(&out);
    assert!(
        said.contains("\n       Using the cached binary (sha256 "),
        "{said}"
    );
    assert!(!said.contains("Copied"), "{said}");

    // A wrong checksum fails the build and says so.
    let bad_env = t.join("bad-env");
    std::fs::create_dir_all(&bad_env).unwrap();
    std::fs::write(bad_env.join("HERD_BINARY_URL"), "/tmp/src/herd").unwrap();
    std::fs::write(bad_env.join("HERD_BINARY_SHA256"), "0".repeat(64)).unwrap();
    let empty_cache = t.join("empty-cache");
    std::fs::create_dir_all(&empty_cache).unwrap();
    let mut c = sandbox(
        &[
            (t.join("scratch-build").as_path(), BUILD, true),
            (empty_cache.as_path(), CACHE, true),
            (bad_env.as_path(), ENV, false),
            (buildpack.as_path(), "/tmp/buildpacks/herd", false),
            (Path::new(herd()), "/tmp/src/herd", false),
        ],
        &[("HOME", "/tmp")],
        "/tmp",
    );
    std::fs::create_dir_all(t.join("scratch-build")).unwrap();
    c.args(["/tmp/buildpacks/herd/bin/compile", BUILD, CACHE, ENV]);
    let out = run(c);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(" !     checksum mismatch for /tmp/src/herd: expected sha256 000"),
        "{err}"
    );
    assert!(!t.join("scratch-build/.herd/bin/herd").exists());

    // release: YAML, no process types of its own.
    let mut c = sandbox(&build_binds(false), &[("HOME", "/tmp")], "/tmp");
    c.args(["/tmp/buildpacks/herd/bin/release", BUILD]);
    let out = run(c);
    assert!(out.status.success());
    assert_eq!(text(&out), "---\naddons: []\ndefault_process_types: {}\n");

    // A web dyno: the shop binds $PORT, answers 200 requests, the dyno is stopped with
    // SIGTERM to its process group; the store holds every request, tagged with the dyno.
    let dyno_sh = buildpack.join("test/dyno.sh");
    let dyno = |dyno: &str, extra: &[(&str, &str)], args: &[&str]| {
        let mut env = vec![
            ("HOME", "/app"),
            ("PORT", "5000"),
            ("DYNO", dyno),
            ("HEROKU_APP_NAME", "shop-test"),
        ];
        env.extend_from_slice(extra);
        let mut c = sandbox(
            &[
                (app.as_path(), "/app", true),
                (dyno_sh.as_path(), "/platform/dyno.sh", false),
                (results.as_path(), "/results", true),
            ],
            &env,
            "/app",
        );
        c.arg("bash").arg("/platform/dyno.sh").args(args);
        run(c)
    };
    let out = dyno(
        "web.1",
        &[("DD_DOGSTATSD_TAGS", "team:shop tier:front")],
        &["web", "200"],
    );
    assert!(out.status.success());
    let web = std::fs::read_to_string(results.join("web.txt")).unwrap();
    eprintln!("{web}");
    assert!(value(&web, "bound_ms") < 60_000, "{web}");
    assert_eq!(value(&web, "answered"), 200, "{web}");
    assert_eq!(value(&web, "killed"), 0, "{web}");
    assert_eq!(value(&web, "web_exit"), 0, "{web}");
    assert!(app.join("herd/prerun.ran").is_file(), "herd/prerun.sh ran");
    let data = app.join(".herd/data");
    assert_eq!(requests(&data, "*"), 200.0);
    assert_eq!(
        requests(
            &data,
            "dyno:web.1,dynotype:web,appname:shop-test,service:shop"
        ),
        0.0,
        "DD_SERVICE is not set on this dyno"
    );
    assert_eq!(
        requests(&data, "dyno:web.1,dynotype:web,appname:shop-test"),
        200.0
    );
    // The Agent's space-separated DD_DOGSTATSD_TAGS config var comes first.
    assert_eq!(requests(&data, "team:shop,tier:front,dynotype:web"), 200.0);

    // herd alone: listening when the profile script returns, silent while idle.
    let out = dyno("web.1", &[], &["probe", "3"]);
    assert!(out.status.success());
    let said = text(&out);
    assert!(
        said.lines()
            .next()
            .unwrap_or_default()
            .starts_with("herd statsd: listening on udp://127.0.0.1:8125 "),
        "one line when herd listens: {said}"
    );
    let idle: Vec<&str> = said
        .split("--- idle from\n")
        .nth(1)
        .and_then(|rest| rest.split("--- idle to\n").next())
        .unwrap_or_else(|| panic!("{said}"))
        .lines()
        .collect();
    assert!(idle.is_empty(), "herd logged while idle: {idle:?}");
    assert_eq!(value(&said, "bound_at_return"), 1, "{said}");
    assert_eq!(
        value(&said, "extra_fds"),
        0,
        "the readiness pipe is closed: {said}"
    );
    eprintln!(
        "listening {} ms after the profile scripts ran (they took {} ms)",
        value(&said, "listening_ms"),
        value(&said, "profile_ms")
    );

    // One-off dynos start nothing, unless HERD_ONE_OFF=1; HERD_DISABLE turns herd off.
    for (name, extra, herds) in [
        ("run.4321", vec![], 0),
        ("scheduler.1", vec![], 0),
        ("release.7", vec![], 0),
        ("web.1", vec![("HERD_DISABLE", "1")], 0),
        ("run.4321", vec![("HERD_ONE_OFF", "1")], 1),
    ] {
        let out = dyno(name, &extra, &["one-off"]);
        assert!(out.status.success());
        let said = text(&out);
        assert_eq!(
            value(&said, "herd_processes"),
            herds,
            "{name} {extra:?}: {said}"
        );
        if herds == 0 {
            assert_eq!(value(&said, "listeners"), 0, "{name} {extra:?}: {said}");
            assert!(out.stderr.is_empty(), "{name}: a silent one-off dyno");
        }
    }
}

#[test]
fn the_buildpack_scripts_pass_shellcheck() {
    let available = Command::new("shellcheck")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if support::daemon::skip_without(available, "shellcheck") {
        return;
    }
    let out = Command::new("shellcheck")
        .current_dir(repo())
        .args([
            "-x",
            "buildpack/bin/detect",
            "buildpack/bin/compile",
            "buildpack/bin/release",
        ])
        .args([
            "buildpack/lib/output.sh",
            "buildpack/profile/herd.sh",
            "buildpack/test/dyno.sh",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
