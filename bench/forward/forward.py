#!/usr/bin/env python3
"""bench/forward: what forwarding costs the daemon, and the bytes it sends per point.

The ingest benchmark's load (`herd blast`, 10k contexts, 3-8 tags, lading's type mix, over a
Unix datagram socket at 200k messages/s) for 35 s, so that three 10 s flushes are forwarded;
the daemon runs once without forwarding and once forwarding to the stand-in Datadog intake
(crates/herd/tests/intake/intake.py: v2 series, sketches) and to one remote-write receiver
(Debian's victoria-metrics), alternating, twice each. Reported: daemon CPU-seconds and RSS
(VmRSS at the end, VmHWM) of each run, the differences, and, from herd's own counters
(herd_forward_bytes_total / herd_forward_points_total), the compressed bytes sent per point
for each target. Every run uses --no-store, so the figures are the forwarders' alone.

With --before BIN (an earlier build), each round also runs that build forwarding, between the
run without forwarding and the current build's, so that a change is measured against its
predecessor under the same load on the same machine. The stand-in intake's record gives the
compressed bytes per point of each Datadog endpoint (v2 series and sketches) apart.

Usage: bench/forward/forward.py [--quick] [--duration S] [--reps N] [--herd BIN] [--before BIN]
                                [--series-format protobuf|json] [--json FILE]
       (needs target/release/herd)
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "ingest"))
import ingest  # noqa: E402  (the ingest benchmark's helpers: Proc, measure, scrape, ...)

INTAKE = os.path.join(ingest.ROOT, "crates", "herd", "tests", "intake", "intake.py")


def start_intake(tmp):
    p = subprocess.Popen([sys.executable, INTAKE, os.path.join(tmp, "intake.jsonl")],
                         stdout=subprocess.PIPE, text=True)
    port = int(p.stdout.readline().split()[1])
    return p, port


def intake_figures(record, since):
    """Per Datadog path: payloads, points and compressed bytes accepted after `since`."""
    out = {}
    try:
        lines = open(record).read().splitlines()
    except OSError:
        return out
    for line in lines:
        r = json.loads(line)
        if r["time"] < since or r["status"] != 202:
            continue
        f = out.setdefault(r["path"], {"payloads": 0, "points": 0, "bytes": 0,
                                       "content_type": r.get("content_type", "")})
        f["payloads"] += 1
        f["points"] += len(r["items"])
        f["bytes"] += r["bytes"]
    for f in out.values():
        f["bytes_per_point"] = round(f["bytes"] / f["points"], 2) if f["points"] else None
    return out


def start_vm(tmp):
    port = ingest.free_port(socket.SOCK_STREAM)
    argv = ["victoria-metrics", f"-httpListenAddr=127.0.0.1:{port}",
            f"-storageDataPath={os.path.join(tmp, 'vm')}", "-retentionPeriod=1d"]

    def ready():
        try:
            import urllib.request
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1).read()
            return True
        except OSError:
            return False

    return ingest.Proc("victoria-metrics", argv, ready), port


def forward_figures(http):
    m = ingest.scrape(http)
    out = {}
    for target in ("datadog", "remote_write"):
        get = lambda name: m.get(f'{name}{{target="{target}"}}', 0)
        points, sent = get("herd_forward_points_total"), get("herd_forward_bytes_total")
        dropped = sum(v for k, v in m.items()
                      if k.startswith("herd_forward_points_dropped_total") and f'"{target}"' in k)
        out[target] = {"payloads": int(get("herd_forward_payloads_total")), "points": int(points),
                       "bytes": int(sent), "bytes_per_point": round(sent / points, 2) if points else None,
                       "retries": int(get("herd_forward_retries_total")), "dropped": int(dropped)}
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="one round of 12 s runs")
    ap.add_argument("--json", help="also write the results here")
    ap.add_argument("--duration", type=int, default=35, help="seconds of load per run (default 35: three flushes)")
    ap.add_argument("--reps", type=int, default=2, help="rounds (default 2)")
    ap.add_argument("--herd", help="the herd build to measure (default target/release/herd)")
    ap.add_argument("--before", help="an earlier herd build, also run forwarding in each round")
    ap.add_argument("--series-format", default="protobuf", help="--dd-series-format of the forwarding runs")
    args = ap.parse_args()
    if args.herd:
        ingest.HERD = os.path.abspath(args.herd)
    if not os.path.exists(ingest.HERD):
        sys.exit(f"{ingest.HERD} is missing: cargo build --release -p herd")
    duration, reps = (12, 1) if args.quick else (args.duration, args.reps)
    builds = [("current", ingest.HERD)]
    if args.before:
        builds.insert(0, ("before", os.path.abspath(args.before)))
    current = ingest.HERD
    results = {"machine": ingest.machine(), "runs": []}
    with tempfile.TemporaryDirectory() as tmp:
        intake, intake_port = start_intake(tmp)
        vm, vm_port = start_vm(tmp)
        try:
            for rep in range(reps):
                for i, (build, binary) in enumerate([("current", current)] + builds):
                    forward = i > 0
                    ingest.HERD = binary
                    sock = os.path.join(tmp, f"fwd{rep}{build}{forward}.sock")
                    http = ingest.free_port(socket.SOCK_STREAM)
                    extra = ["--no-store"]
                    if forward:
                        extra += ["--dd-api-key", "test-key", "--dd-url", f"http://127.0.0.1:{intake_port}",
                                  "--remote-write", f"http://127.0.0.1:{vm_port}/api/v1/write"]
                        if build == "current":
                            extra += ["--dd-series-format", args.series_format]
                    since = time.time()
                    d = ingest.herd_statsd(["--udp", "off", "--uds", sock, *extra], http)
                    row = ingest.measure(d, f"unixgram://{sock}", 200_000, duration, 10_000, 8192,
                                         http_port=http)
                    time.sleep(1)  # the last forwarded flush goes out
                    row["forward"] = forward
                    row["build"] = build
                    row["herd_args"] = " ".join(extra)
                    if forward:
                        row["sent"] = forward_figures(http)
                        row["intake"] = intake_figures(os.path.join(tmp, "intake.jsonl"), since)
                    d.stop()
                    results["runs"].append(row)
                    print(json.dumps({k: row[k] for k in ("build", "forward", "cpu_s", "rss_kib", "hwm_kib", "processed")}
                                     | ({"sent": row["sent"], "intake": row["intake"]} if forward else {})), flush=True)
        finally:
            ingest.HERD = current
            vm.stop()
            intake.terminate()
            intake.wait()
    base = [r for r in results["runs"] if not r["forward"]]
    avg = lambda rows, k: sum(r[k] for r in rows) / len(rows)
    med = lambda xs: sorted(xs)[len(xs) // 2] if len(xs) % 2 else sum(sorted(xs)[len(xs) // 2 - 1:len(xs) // 2 + 1]) / 2
    results["summary"] = {}
    for build, _ in builds:
        fwd = [r for r in results["runs"] if r["forward"] and r["build"] == build]
        # Each forwarding run against the run without forwarding of its own round.
        pairs = list(zip(base, fwd))
        cpu = [100 * (f["cpu_s"] / b["cpu_s"] - 1) for b, f in pairs]
        hwm = [(f["hwm_kib"] - b["hwm_kib"]) / 1024 for b, f in pairs]
        rss = [(f["rss_kib"] - b["rss_kib"]) / 1024 for b, f in pairs]
        results["summary"][build] = {
            "cpu_s_without": round(avg(base, "cpu_s"), 2), "cpu_s_with": round(avg(fwd, "cpu_s"), 2),
            "cpu_increase_pct_median": round(med(cpu), 1),
            "cpu_increase_pct_range": [round(min(cpu), 1), round(max(cpu), 1)],
            "hwm_increase_mib_median": round(med(hwm), 1), "hwm_increase_mib_range": [round(min(hwm), 1), round(max(hwm), 1)],
            "rss_increase_mib_median": round(med(rss), 1), "rss_increase_mib_range": [round(min(rss), 1), round(max(rss), 1)],
        }
    print(json.dumps(results["summary"]))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
