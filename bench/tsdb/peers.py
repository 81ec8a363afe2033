#!/usr/bin/env python3
"""bench/tsdb/peers.py: herd's store against Prometheus 2.42 and VictoriaMetrics 1.79, same
samples, same questions (issue 17's goals; results in docs/benchmarks.md, Store).

One deterministic data set (the `peer_data` example of herd-tsdb): `m` for 100 hosts × 10
shards at 10 s for 24 h and `m1` at 10 s for 7 days, ending at the last whole hour, with
statsd shapes (0.1-step random walks, Poisson-like counts ÷ 10, constants), loaded into:
  * herd: written through `Store::write` and sealed, then served by `herd statsd --data-dir`;
  * Prometheus: `promtool tsdb create-blocks-from openmetrics` (remote write refuses samples
    older than about an hour), then `prometheus`, waited for until it has compacted the blocks;
  * VictoriaMetrics: `/api/v1/import` (JSON lines), `/internal/force_flush`, merges settled.
Each system runs alone; for each: bytes per sample on disk, and the latency of three
questions over HTTP with keep-alive (one client, median and p90 of --runs after a warm-up):
  * by_host: `avg:m{*} by {host}`, 24 h at 5 min ↔ `avg by (host) (avg_over_time(m[5m]))`;
  * week:    `avg:m1{*}`, 7 days at 1 h ↔ `avg_over_time(m1[1h])`;
  * host:    `avg:m{host:host-7} by {shard}`, 24 h at 5 min ↔
             `avg by (shard) (avg_over_time(m{host="host-7"}[5m]))` (one series per shard).
Every answer is checked against herd's (every point, relative tolerance), so the figures
compare the same thing. herd's bucket [t, t + step) is PromQL's point at T = t + step; samples
sit 5 s past each 10 s mark, so none is on an edge. VictoriaMetrics is asked with `nocache=1`
(its rollup cache would otherwise answer repeats from memory; `--vm-cache` measures both).

Prints one JSON line per measure, then a table of ratios (herd ÷ peer). A missing peer is
skipped with a message (`HERD_REQUIRE_PEERS=1` makes that an error). Nothing is installed:
the peers come from .ci/setup.d/forward.sh (Debian's prometheus and victoria-metrics).
Usage: bench/tsdb/peers.py [--runs N] [--work DIR [--reuse]] [--keep] [--only herd,prometheus,vm]
Takes about 10 minutes on 2 vCPUs, most of it promtool's backfill.
"""
import argparse
import http.client
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HERD = os.path.join(ROOT, "target", "release", "herd")
PEER_DATA = os.path.join(ROOT, "target", "release", "examples", "peer_data")
DAY = 86_400
WEEK = 7 * DAY
SAMPLES_DAY = 8_640


def emit(**fields):
    print(json.dumps(fields), flush=True)


def log(msg):
    print(f"# {msg}", file=sys.stderr, flush=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def du_bytes(*paths):
    """Apparent bytes of the files under `paths` (`du -sb`)."""
    total = 0
    for p in paths:
        for dirpath, _, files in os.walk(p):
            for f in files:
                try:
                    total += os.lstat(os.path.join(dirpath, f)).st_size
                except OSError:
                    pass
    return total


def metric(text, name, labels=None):
    """Sum of a Prometheus exposition's samples of `name` whose labels contain `labels`."""
    total, seen = 0.0, False
    for line in text.splitlines():
        if not line.startswith(name) or line.startswith("#"):
            continue
        head, _, value = line.rpartition(" ")
        base = head.split("{", 1)[0]
        if base != name:
            continue
        if labels and not all(f'{k}="{v}"' in head for k, v in labels.items()):
            continue
        total += float(value)
        seen = True
    return total if seen else None


class Client:
    """One keep-alive HTTP connection, as every system is asked through."""

    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def get(self, path, params=None):
        if params:
            path += "?" + urllib.parse.urlencode(params)
        self.conn.request("GET", path)
        r = self.conn.getresponse()
        body = r.read()
        if r.status != 200:
            raise RuntimeError(f"GET {path}: HTTP {r.status}: {body[:300]!r}")
        return body

    def close(self):
        self.conn.close()


def wait_http(port, path, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            c = Client(port)
            c.get(path)
            c.close()
            return
        except (OSError, RuntimeError, http.client.HTTPException):
            time.sleep(0.1)
    raise RuntimeError(f"nothing answered {path} on port {port} within {seconds} s")


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def time_queries(client, questions, runs, warmup=3):
    """{name: (answer bytes, [ms per run])}: each question warmed up, then timed `runs` times."""
    out = {}
    for name, (path, params) in questions.items():
        for _ in range(warmup):
            body = client.get(path, params)
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            body = client.get(path, params)
            times.append((time.perf_counter() - t) * 1000)
        out[name] = (body, times)
    return out


def p90(xs):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(0.9 * (len(xs) - 1))))]


# --- the questions, in each system's language -------------------------------------------


def herd_questions(end):
    d = {"from": end - DAY, "to": end}
    return {
        "by_host": ("/api/v1/query", {"query": "avg:m{*} by {host}", **d}),
        "week": ("/api/v1/query", {"query": "avg:m1{*}", "from": end - WEEK, "to": end}),
        "host": ("/api/v1/query", {"query": "avg:m{host:host-7} by {shard}", **d}),
    }


def promql_questions(end, extra=None):
    extra = extra or {}

    def rng(q, span, step):
        return ("/api/v1/query_range",
                {"query": q, "start": end - span + step, "end": end, "step": step, **extra})

    return {
        "by_host": rng("avg by (host) (avg_over_time(m[5m]))", DAY, 300),
        "week": rng("avg_over_time(m1[1h])", WEEK, 3600),
        "host": rng('avg by (shard) (avg_over_time(m{host="host-7"}[5m]))', DAY, 300),
    }


def herd_points(body):
    """{group: {T seconds: value}} with T the end of herd's bucket (PromQL's point time)."""
    out = {}
    for s in json.loads(body)["series"]:
        key = tuple(sorted(t for t in s["tag_set"]))
        step = s["interval"]
        out[key] = {int(t / 1000) + step: v for t, v in s["pointlist"] if v is not None}
    return out


def prom_points(body):
    out = {}
    for s in json.loads(body)["data"]["result"]:
        labels = {k: v for k, v in s["metric"].items() if k != "__name__"}
        key = tuple(sorted(f"{k}:{v}" for k, v in labels.items()))
        out[key] = {int(t): float(v) for t, v in s["values"]}
    return out


def compare(mine, theirs):
    """(points compared, largest relative difference, problems) of two answers."""
    problems, n, worst = [], 0, 0.0
    if set(mine) != set(theirs):
        problems.append(f"groups differ: {sorted(mine)[:3]} vs {sorted(theirs)[:3]}")
    for key in set(mine) & set(theirs):
        a, b = mine[key], theirs[key]
        if set(a) != set(b):
            problems.append(f"{key}: {len(a)} points vs {len(b)}")
        for t in set(a) & set(b):
            n += 1
            d = abs(a[t] - b[t]) / max(abs(a[t]), abs(b[t]), 1e-9)
            worst = max(worst, d)
    return n, worst, problems


# --- the systems --------------------------------------------------------------------------


def run_herd(work, end, runs):
    data = os.path.join(work, "herd")
    stats = json.loads(subprocess.run(
        [HERD, "store", "stats", "--data-dir", data, "--format", "json"],
        check=True, capture_output=True, text=True).stdout)
    on_disk = du_bytes(data)
    proc = subprocess.Popen(
        [HERD, "statsd", "--data-dir", data, "--http", "127.0.0.1:0", "--udp", "127.0.0.1:0",
         "--fsync", "never"],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    try:
        head = proc.stderr.readline()
        if "listening on" not in head:
            raise RuntimeError(f"herd statsd did not start: {head!r}")
        addr = next(w for w in head.split() if w.startswith("http://"))
        port = int(addr.removeprefix("http://").split("/")[0].rsplit(":", 1)[1])
        client = Client(port)
        load = os.getloadavg()[0]
        answers = time_queries(client, herd_questions(end), runs)
        client.close()
    finally:
        stop(proc)
    return {
        "bytes": stats["block_bytes"] + stats["wal_bytes"], "du_bytes": on_disk,
        "point_bytes": stats["point_bytes"],
        "blocks": stats["blocks"], "samples": stats["points"], "load": load,
        "answers": answers, "parse": herd_points,
    }


def run_prometheus(work, end, runs, samples):
    data = os.path.join(work, "prometheus")
    if not os.path.isdir(data):
        t = time.time()
        subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics",
                        os.path.join(work, "prom.om"), data + ".tmp"],
                       check=True, stdout=subprocess.DEVNULL)
        os.rename(data + ".tmp", data)
        log(f"prometheus: promtool backfilled in {time.time() - t:.0f} s")
    config = os.path.join(work, "prometheus.yml")
    with open(config, "w") as f:
        f.write("global:\n  scrape_interval: 1h\n")
    port = free_port()
    proc = subprocess.Popen(
        ["prometheus", f"--config.file={config}", f"--storage.tsdb.path={data}",
         f"--web.listen-address=127.0.0.1:{port}", "--storage.tsdb.retention.time=15d",
         "--query.max-samples=100000000"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_http(port, "/-/ready")
        client = Client(port)
        # Prometheus compacts on its own schedule (a minute after the start, then as the
        # head grows): wait for a compaction, then for the block count to hold for 20 s.
        deadline, last, held = time.time() + 300, None, 0
        while time.time() < deadline:
            text = client.get("/metrics").decode()
            blocks = metric(text, "prometheus_tsdb_blocks_loaded")
            done = metric(text, "prometheus_tsdb_compactions_triggered_total") or 0
            held = held + 2 if blocks == last else 0
            last = blocks
            if done >= 1 and held >= 20:
                break
            time.sleep(2)
        text = client.get("/metrics").decode()
        blocks_bytes = metric(text, "prometheus_tsdb_storage_blocks_bytes")
        block_dirs = [os.path.join(data, d) for d in os.listdir(data)
                      if os.path.isfile(os.path.join(data, d, "meta.json"))]
        load = os.getloadavg()[0]
        answers = time_queries(client, promql_questions(end), runs)
        client.close()
    finally:
        stop(proc)
    return {
        "bytes": blocks_bytes, "du_bytes": du_bytes(*block_dirs), "blocks": int(last or 0),
        "samples": samples, "load": load, "answers": answers, "parse": prom_points,
    }


def run_vm(work, end, runs, samples, cache):
    data = os.path.join(work, "victoria-metrics")
    shutil.rmtree(data, ignore_errors=True)
    port = free_port()
    proc = subprocess.Popen(
        ["victoria-metrics", f"-httpListenAddr=127.0.0.1:{port}", f"-storageDataPath={data}",
         "-retentionPeriod=30d", "-search.latencyOffset=0s"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_http(port, "/health")
        t = time.time()
        with open(os.path.join(work, "vm.jsonl"), "rb") as f:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
            conn.request("POST", "/api/v1/import", body=f,
                         headers={"Content-Length": str(os.fstat(f.fileno()).st_size)})
            r = conn.getresponse()
            if r.status != 204:
                raise RuntimeError(f"VictoriaMetrics import: HTTP {r.status}: {r.read()[:300]!r}")
            conn.close()
        client = Client(port)
        client.get("/internal/force_flush")
        log(f"victoria-metrics: imported and flushed in {time.time() - t:.0f} s")
        # Wait for the rows to be searchable and the merges to settle (size unchanged 20 s).
        deadline, last, held = time.time() + 300, None, 0
        while time.time() < deadline:
            text = client.get("/metrics").decode()
            size = metric(text, "vm_data_size_bytes")
            merges = metric(text, "vm_active_merges") or 0
            held = held + 2 if size == last and merges == 0 else 0
            last = size
            if held >= 20:
                break
            time.sleep(2)
        text = client.get("/metrics").decode()
        rows = sum(metric(text, "vm_rows", {"type": t}) or 0
                   for t in ("storage/big", "storage/small"))
        load = os.getloadavg()[0]
        extra = {} if cache else {"nocache": "1"}
        answers = time_queries(client, promql_questions(end, extra), runs)
        client.close()
    finally:
        stop(proc)
    return {
        # du of what holds data: not `cache/`, which VictoriaMetrics writes when it stops.
        "bytes": last, "du_bytes": du_bytes(os.path.join(data, "data"),
                                            os.path.join(data, "indexdb")),
        "samples": samples, "rows": rows,
        "load": load, "answers": answers, "parse": prom_points,
    }


def have(tool):
    if shutil.which(tool):
        return True
    msg = f"{tool} is not installed (.ci/setup.d/forward.sh installs it): skipped"
    if os.environ.get("HERD_REQUIRE_PEERS") == "1":
        sys.exit(f"HERD_REQUIRE_PEERS=1: {msg}")
    log(msg)
    return False


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--work", help="working directory (default: a new temporary one)")
    ap.add_argument("--keep", action="store_true", help="keep the working directory")
    ap.add_argument("--only", default="herd,prometheus,vm")
    ap.add_argument("--vm-cache", action="store_true",
                    help="also time VictoriaMetrics with its rollup result cache on")
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--reuse", action="store_true",
                    help="with --work: reuse its data set and Prometheus blocks (same end time)")
    args = ap.parse_args()
    only = set(args.only.split(","))
    if not args.no_build:
        subprocess.run(["cargo", "build", "--quiet", "--release", "-p", "herd"], cwd=ROOT,
                       check=True)
        subprocess.run(["cargo", "build", "--quiet", "--profile", "bench", "-p", "herd-tsdb",
                        "--example", "peer_data"], cwd=ROOT, check=True)
    work = args.work or tempfile.mkdtemp(prefix="herd-peers-")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    with open("/proc/cpuinfo") as f:
        cpu = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "?")
    end = int(time.time()) // 3600 * 3600
    made_file = os.path.join(work, "data.json")
    if args.reuse and os.path.exists(made_file):
        with open(made_file) as f:
            made = json.load(f)
        end = made["end_s"]
    else:
        shutil.rmtree(os.path.join(work, "prometheus"), ignore_errors=True)
        t = time.time()
        out = subprocess.run([PEER_DATA, work, str(end)], check=True, capture_output=True,
                             text=True).stdout
        made = json.loads(out)
        with open(made_file, "w") as f:
            f.write(out)
        log(f"data written in {time.time() - t:.0f} s: {made}")
    emit(measure="machine", cpu=cpu, cores=os.cpu_count(), kernel=platform.release(),
         commit=commit, end_s=end, loadavg=os.getloadavg())
    samples = made["samples"]
    assert samples == 1000 * SAMPLES_DAY + 7 * SAMPLES_DAY, made

    results = {}
    try:
        if "herd" in only:
            results["herd"] = run_herd(work, end, args.runs)
        if "prometheus" in only and have("prometheus") and have("promtool"):
            results["prometheus"] = run_prometheus(work, end, args.runs, samples)
        if "vm" in only and have("victoria-metrics"):
            results["victoria-metrics"] = run_vm(work, end, args.runs, samples, False)
            if args.vm_cache:
                results["victoria-metrics (cache)"] = run_vm(work, end, args.runs, samples,
                                                             True)
    finally:
        if not args.keep and not args.work:
            shutil.rmtree(work, ignore_errors=True)

    for system, r in results.items():
        emit(measure="bytes_per_sample", system=system, samples=r["samples"],
             bytes=r["bytes"], bytes_per_sample=round(r["bytes"] / samples, 3),
             du_bytes=r["du_bytes"], du_bytes_per_sample=round(r["du_bytes"] / samples, 3),
             **{k: r[k] for k in ("blocks", "rows") if k in r},
             **({"points_only_bytes_per_sample": round(r["point_bytes"] / samples, 3)}
                if "point_bytes" in r else {}))
        for q, (body, times) in r["answers"].items():
            answer = r["parse"](body)
            emit(measure="query", system=system, query=q, runs=len(times),
                 median_ms=round(statistics.median(times), 2), p90_ms=round(p90(times), 2),
                 series=len(answer), points=sum(len(v) for v in answer.values()),
                 loadavg_1m=round(r["load"], 2))
    ok = True
    if "herd" in results:
        herd = results["herd"]
        for system, r in results.items():
            if system == "herd":
                continue
            for q in herd["answers"]:
                n, worst, problems = compare(herd["parse"](herd["answers"][q][0]),
                                             r["parse"](r["answers"][q][0]))
                agree = not problems and n > 0 and worst <= 1e-9
                ok &= agree
                emit(measure="agreement", system=system, query=q, points=n,
                     max_relative_difference=worst, agree=agree, problems=problems[:3])

        print()
        print(f"{'herd ÷ peer':<28}" + "".join(f"{s:>26}" for s in results if s != "herd"))
        rows = [("bytes per sample (blocks)", lambda r: r["bytes"]),
                ("bytes per sample (du)", lambda r: r["du_bytes"])]
        rows += [(f"{q} median", lambda r, q=q: statistics.median(r["answers"][q][1]))
                 for q in herd["answers"]]
        rows += [(f"{q} p90", lambda r, q=q: p90(r["answers"][q][1])) for q in herd["answers"]]
        for label, f in rows:
            cells = "".join(f"{f(herd) / f(r):>26.3f}" for s, r in results.items()
                            if s != "herd")
            print(f"{label:<28}{cells}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
