//! `herd export` checked by the real process managers: `systemd-analyze verify` on every unit,
//! `supervisord` loading the config (`supervisorctl avail`, programs running), launchd plists
//! read by a plist parser, `runsv` running exported runit services, and the compose file and
//! Kubernetes manifests read by a YAML parser and checked against the fields their schemas
//! require. Each test skips when its tool is missing, unless `HERD_REQUIRE_PEERS=1` (CI, where
//! `.ci/setup.d/procfile.sh` installs them).

mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::cli::run as herd;
use support::daemon::skip_without;

fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn python_has(module: &str) -> bool {
    Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn user() -> String {
    let out = Command::new("id").arg("-un").output().unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// An app whose processes write what they see to `out/` under the root (a path with a space
/// and a `%`, which every format must carry through), a secret in `.env` and a `release`.
fn app() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("my app%1");
    std::fs::create_dir_all(root.join("out")).unwrap();
    std::fs::write(
        root.join("Procfile"),
        "web: echo \"$PS $PORT $SECRET $QUOTED\" >> out/$PS.log; exec sleep 600\n\
         worker: echo \"$PS $PORT\" >> out/$PS.log; exec sleep 600\n\
         release: echo ran >> out/release.log\n",
    )
    .unwrap();
    std::fs::write(
        root.join(".env"),
        "SECRET=s3cr3t\nQUOTED=\"it's \\\"$5\\\" 100%\"\n",
    )
    .unwrap();
    (dir, root)
}

const QUOTED: &str = "it's \"$5\" 100%";

fn export(root: &Path, format: &str, out: &Path, extra: &[&str]) {
    let log = out.join("log");
    let mut args = vec![
        "export",
        format,
        out.to_str().unwrap(),
        "-a",
        "shop",
        "-l",
        log.to_str().unwrap(),
        "-m",
        "all=1,web=2",
    ];
    args.extend_from_slice(extra);
    let user = user();
    args.extend_from_slice(&["-u", &user]);
    let o = herd(root, &args);
    assert!(
        o.status.success(),
        "{format}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    std::fs::create_dir_all(&log).unwrap();
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Waits up to 20 s for `f` to return `Some`.
fn wait_for<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "never: {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn read_lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Kills `child` when dropped, so a failed assertion does not leave a manager running.
struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn systemd_analyze_verifies_every_exported_unit() {
    if skip_without(have("systemd-analyze"), "systemd-analyze (systemd)") {
        return;
    }
    let (dir, root) = app();
    let out = dir.path().join("systemd");
    export(&root, "systemd", &out, &[]);
    let mut units: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".service") || n.ends_with(".target"))
        .collect();
    units.sort();
    assert_eq!(
        units,
        [
            "shop-release.1.service",
            "shop-web.1.service",
            "shop-web.2.service",
            "shop-worker.1.service",
            "shop.target"
        ]
    );
    let o = Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .args(units.iter().map(|u| out.join(u)))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "systemd-analyze verify: {err}");
    assert!(
        !err.contains(".service:"),
        "systemd complained about a unit: {err}"
    );
    assert_eq!(mode(&out.join("shop.env")), 0o600);
    let env = std::fs::read_to_string(out.join("shop.env")).unwrap();
    assert!(env.contains("SECRET='s3cr3t'\n"), "{env}");
    let web = std::fs::read_to_string(out.join("shop-web.1.service")).unwrap();
    assert!(!web.contains("s3cr3t"), "a secret in the unit: {web}");
    let release = std::fs::read_to_string(out.join("shop-release.1.service")).unwrap();
    assert!(
        release.contains("Type=oneshot") && !release.contains("Restart=always"),
        "{release}"
    );
}

const SUPERVISORD_CONF: &str = "\
[unix_http_server]
file=DIR/supervisor.sock
[supervisord]
logfile=DIR/supervisord.log
pidfile=DIR/supervisord.pid
childlogdir=DIR
nodaemon=true
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
[supervisorctl]
serverurl=unix://DIR/supervisor.sock
[include]
files=DIR/shop.conf
";

#[test]
fn supervisord_loads_the_config_and_runs_the_programs() {
    if skip_without(
        have("supervisord") && have("supervisorctl"),
        "supervisord (supervisor)",
    ) {
        return;
    }
    let (dir, root) = app();
    let out = dir.path().join("supervisord");
    export(&root, "supervisord", &out, &[]);
    assert_eq!(mode(&out.join("shop.env")), 0o600);
    let conf = std::fs::read_to_string(out.join("shop.conf")).unwrap();
    assert!(!conf.contains("s3cr3t"), "a secret in the config: {conf}");
    let main = out.join("main.conf");
    std::fs::write(
        &main,
        SUPERVISORD_CONF.replace("DIR", out.to_str().unwrap()),
    )
    .unwrap();
    let _daemon = Reaped(
        Command::new("supervisord")
            .arg("-c")
            .arg(&main)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let ctl = |args: &[&str]| {
        let o = Command::new("supervisorctl")
            .arg("-c")
            .arg(&main)
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let avail = wait_for("supervisorctl avail", || {
        let text = ctl(&["avail"]);
        text.contains("shop:shop-web-1").then_some(text)
    });
    for program in [
        "shop:shop-web-1",
        "shop:shop-web-2",
        "shop:shop-worker-1",
        "shop:shop-release-1",
    ] {
        assert!(avail.contains(program), "{program} missing: {avail}");
    }
    // The programs run with the environment and working directory written for them.
    let web = wait_for("web.1 writes its line", || {
        read_lines(&root.join("out/web.1.log")).pop()
    });
    assert_eq!(web, format!("web.1 5000 s3cr3t {QUOTED}"));
    wait_for("web.1 RUNNING", || {
        ctl(&["status", "shop:shop-web-1"])
            .contains("RUNNING")
            .then_some(())
    });
    // The release ran once and stays down.
    wait_for("release EXITED", || {
        ctl(&["status", "shop:shop-release-1"])
            .contains("EXITED")
            .then_some(())
    });
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(read_lines(&root.join("out/release.log")), ["ran"]);
    ctl(&["shutdown"]);
}

#[test]
fn launchd_plists_parse_with_the_values_written() {
    if skip_without(have("python3"), "python3 (plistlib)") {
        return;
    }
    let (dir, root) = app();
    let out = dir.path().join("launchd");
    export(&root, "launchd", &out, &[]);
    let script = format!(
        r#"
import plistlib, sys
out = sys.argv[1]
web = plistlib.load(open(out + "/shop-web-2.plist", "rb"))
rel = plistlib.load(open(out + "/shop-release-1.plist", "rb"))
assert web["Label"] == "shop-web-2", web
assert web["ProgramArguments"][:2] == ["/bin/sh", "-c"], web
env = web["EnvironmentVariables"]
assert env["PORT"] == "5001" and env["PS"] == "web.2", env
assert env["QUOTED"] == {QUOTED:?}, env
assert web["KeepAlive"] is True and rel["KeepAlive"] is False, (web, rel)
assert web["WorkingDirectory"] == sys.argv[2], web["WorkingDirectory"]
assert isinstance(web["ExitTimeOut"], int)
print("ok")
"#
    );
    let o = Command::new("python3")
        .args(["-c", &script, out.to_str().unwrap(), root.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(mode(&out.join("shop-web-1.plist")), 0o600);
    if have("plistutil") {
        let o = Command::new("plistutil")
            .arg("-i")
            .arg(out.join("shop-web-1.plist"))
            .args(["-o", "-", "-f", "json"])
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "plistutil: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

/// Runs `runsv DIR` until dropped (then `sv exit` and a kill as a fallback).
struct Runsv {
    child: Reaped,
    dir: PathBuf,
}

impl Runsv {
    fn start(dir: &Path) -> Self {
        let child = Command::new("runsv")
            .arg(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        Self {
            child: Reaped(child),
            dir: dir.to_owned(),
        }
    }

    fn sv(&self, cmd: &str) -> String {
        let o = Command::new("sv").arg(cmd).arg(&self.dir).output().unwrap();
        String::from_utf8_lossy(&o.stdout).into_owned()
    }
}

impl Drop for Runsv {
    fn drop(&mut self) {
        let _ = Command::new("sv")
            .args(["-w", "5", "force-stop"])
            .arg(&self.dir)
            .output();
        let _ = Command::new("sv").arg("exit").arg(&self.dir).output();
        let _ = Command::new("sv")
            .arg("exit")
            .arg(self.dir.join("log"))
            .output();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(5) {
            if self.child.0.try_wait().ok().flatten().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

#[test]
fn runsv_runs_the_exported_services_and_the_release_once() {
    if skip_without(
        have("runsv") && have("sv") && have("chpst"),
        "runsv, sv, chpst (runit)",
    ) {
        return;
    }
    let (dir, root) = app();
    let out = dir.path().join("runit");
    export(&root, "runit", &out, &[]);
    let env = out.join("shop-web-1/env");
    for key in ["SECRET", "QUOTED", "PORT", "PS"] {
        assert_eq!(mode(&env.join(key)), 0o600, "{key}");
    }
    // The web service waits for the release: started alone, it does not run its command.
    let web = Runsv::start(&out.join("shop-web-1"));
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        read_lines(&root.join("out/web.1.log")).is_empty(),
        "web ran before the release"
    );
    let release = Runsv::start(&out.join("shop-release-1"));
    let line = wait_for("web.1 writes its line", || {
        read_lines(&root.join("out/web.1.log")).pop()
    });
    assert_eq!(line, format!("web.1 5000 s3cr3t {QUOTED}"));
    assert_eq!(read_lines(&root.join("out/release.log")), ["ran"]);
    assert!(web.sv("status").starts_with("run:"), "{}", web.sv("status"));
    // runsv restarts a finished service after a second; the release must not come back.
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(read_lines(&root.join("out/release.log")), ["ran"]);
    let status = release.sv("status");
    assert!(status.starts_with("down:"), "{status}");
}

/// Checks a compose file: the fields and types the compose specification requires of what
/// herd writes, and the references between services and files.
const COMPOSE_CHECK: &str = r#"
import os, sys, yaml
path = sys.argv[1]
doc = yaml.safe_load(open(path))
base = os.path.dirname(path)
assert isinstance(doc["name"], str)
services = doc["services"]
assert isinstance(services, dict) and services
allowed = {"image", "build", "command", "env_file", "environment", "ports", "depends_on",
           "deploy", "restart", "stop_grace_period"}
for name, s in services.items():
    assert set(s) <= allowed, (name, set(s) - allowed)
    assert isinstance(s["image"], str) or "build" in s, name
    if "build" in s:
        assert os.path.isfile(os.path.join(s["build"]["context"], "Dockerfile")), s["build"]
    assert isinstance(s["command"], list) and all(isinstance(a, str) for a in s["command"])
    for f in s.get("env_file", []):
        assert os.path.isfile(os.path.join(base, f)), f
    env = s["environment"]
    assert isinstance(env, dict) and all(isinstance(v, str) for v in env.values()), env
    for p in s.get("ports", []):
        assert isinstance(p, str) and all(part.isdigit() for part in p.split(":")), p
    for dep, cond in s.get("depends_on", {}).items():
        assert dep in services, dep
        assert cond["condition"] in ("service_started", "service_healthy",
                                     "service_completed_successfully"), cond
    assert isinstance(s["deploy"]["replicas"], int)
    assert s["restart"] in ("no", "always", "on-failure", "unless-stopped"), s["restart"]
    assert s["stop_grace_period"].endswith("s")
print(sorted(services))
"#;

#[test]
fn compose_file_parses_and_follows_the_schema() {
    if skip_without(
        have("python3") && python_has("yaml"),
        "python3 with PyYAML (python3-yaml)",
    ) {
        return;
    }
    let (dir, root) = app();
    std::fs::write(root.join("Dockerfile"), "FROM scratch\n").unwrap();
    let out = dir.path().join("compose");
    export(&root, "compose", &out, &["--port-types", "web,worker"]);
    let file = out.join("docker-compose.yml");
    let o = Command::new("python3")
        .args(["-c", COMPOSE_CHECK, file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        "['release', 'web', 'worker']"
    );
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(!text.contains("s3cr3t"), "{text}");
    assert!(text.contains("restart: \"no\""), "{text}");
    assert_eq!(mode(&out.join("shop.env")), 0o600);
    let compose_plugin = Command::new("docker")
        .args(["compose", "version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if compose_plugin {
        // The real tool when the compose plugin is installed.
        let o = Command::new("docker")
            .args(["compose", "-f", file.to_str().unwrap(), "config", "-q"])
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "docker compose config: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

/// Checks Kubernetes manifests against the parts of the API's `OpenAPI` schema that herd's
/// objects use: required fields, types, and the cross-object rules the API server enforces
/// (selector matching the template labels, a Job's restartPolicy, envFrom naming a Secret).
const K8S_CHECK: &str = r#"
import glob, re, sys, yaml
docs = [yaml.safe_load(open(p)) for p in sorted(glob.glob(sys.argv[1] + "/*.yaml"))]
label = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
secrets = {d["metadata"]["name"] for d in docs if d["kind"] == "Secret"}
def container(c):
    assert label.match(c["name"]) and isinstance(c["image"], str), c
    assert all(isinstance(a, str) for a in c["command"])
    for e in c.get("env", []):
        assert re.match(r"^[-._a-zA-Z][-._a-zA-Z0-9]*$", e["name"]), e
        assert ("value" in e) != ("valueFrom" in e), e
        if "value" in e:
            assert isinstance(e["value"], str), e
    for f in c.get("envFrom", []):
        assert f["secretRef"]["name"] in secrets, f
    for p in c.get("ports", []):
        assert isinstance(p["containerPort"], int) and 0 < p["containerPort"] < 65536, p
def pod_template(t):
    spec = t["spec"]
    assert isinstance(spec["terminationGracePeriodSeconds"], int)
    assert spec["containers"]
    for c in spec["containers"]:
        container(c)
    return spec
kinds = []
for d in docs:
    assert len(d["metadata"]["name"]) <= 63 and label.match(d["metadata"]["name"]), d["metadata"]
    kinds.append((d["kind"], d["metadata"]["name"]))
    if d["kind"] == "Secret":
        assert d["apiVersion"] == "v1" and d["type"] == "Opaque"
        assert all(isinstance(v, str) and re.match(r"^[-._a-zA-Z0-9]+$", k)
                   for k, v in d["stringData"].items())
    elif d["kind"] == "Deployment":
        assert d["apiVersion"] == "apps/v1"
        spec = d["spec"]
        assert isinstance(spec["replicas"], int)
        labels = spec["template"]["metadata"]["labels"]
        assert all(labels.get(k) == v for k, v in spec["selector"]["matchLabels"].items())
        pod_template(spec["template"])
    elif d["kind"] == "Job":
        assert d["apiVersion"] == "batch/v1"
        pod = pod_template(d["spec"]["template"])
        assert pod["restartPolicy"] in ("Never", "OnFailure"), pod
    else:
        raise AssertionError(d["kind"])
print(kinds)
"#;

#[test]
fn kubernetes_manifests_follow_the_api_schema() {
    if skip_without(
        have("python3") && python_has("yaml"),
        "python3 with PyYAML (python3-yaml)",
    ) {
        return;
    }
    let (dir, root) = app();
    let out = dir.path().join("kubernetes");
    export(&root, "kubernetes", &out, &[]);
    let o = Command::new("python3")
        .args(["-c", K8S_CHECK, out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        "[('Secret', 'shop-env'), ('Job', 'shop-release'), ('Deployment', 'shop-web'), ('Deployment', 'shop-worker')]"
    );
    let worker = std::fs::read_to_string(out.join("shop-worker.yaml")).unwrap();
    assert!(!worker.contains("containerPort"), "{worker}");
    let web = std::fs::read_to_string(out.join("shop-web.yaml")).unwrap();
    assert!(web.contains("containerPort: 5000"), "{web}");
    assert_eq!(mode(&out.join("shop-env.yaml")), 0o600);
}
