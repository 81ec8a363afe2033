#!/usr/bin/env python3
"""bench/ingest: herd statsd under `herd blast`, and the same load against peers.

Reports, with the machine and every command line:
  * the highest offered rate (messages/s) herd takes with zero drops, over UDS (8 KiB
    datagrams) and UDP (1432 B), with the daemon's CPU-seconds per million messages (/proc);
  * herd's RSS idle and at 1k / 10k / 100k contexts;
  * the same fixed load (plain statsd lines over UDP, which every peer parses) against Etsy
    statsd (npm `statsd`) and collectd's statsd plugin, with CPU-seconds per million
    messages and peak RSS, as ratios to herd.

  * what the embedded store costs: the same 100k-context load with and without it (`--only
    store`; elsewhere the daemon runs with `--no-store`);
  * CPU-seconds per million messages at low rates (10k-100k msgs/s, UDP and UDS), where a
    reader wakes for few datagrams and batching matters most (`--only low`; `--herd PATH`
    runs another build of herd, to compare two builds in one run).

Run `bench/ingest/install-peers.sh` first for the peers (they are skipped when missing).
Usage: bench/ingest/ingest.py [--quick] [--json FILE] [--only herd|peers|low|store] [--herd PATH]
       [--store-seconds N] [--store-reps N] [--store-blast 'BLAST FLAGS']
"""
import argparse
import json
import os
import platform
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HERD = os.path.join(ROOT, "target", "release", "herd")
ETSY = os.path.join(ROOT, "target", "bench-node", "node_modules", "statsd", "stats.js")
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def thread_cpu(pid):
    """CPU seconds (user, system) per thread name of a process, from /proc/PID/task."""
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                name = f.read().strip()
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        user, system = out.get(name, (0.0, 0.0))
        out[name] = (user + int(fields[11]) / TICK, system + int(fields[12]) / TICK)
    return out


def status_kib(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def free_port(kind=socket.SOCK_DGRAM):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def udp_socket_stats(port):
    """(bound, kernel drops) of the UDP socket on `port`, from /proc/net/udp."""
    bound, drops = False, 0
    for table in ("/proc/net/udp", "/proc/net/udp6"):
        try:
            lines = open(table).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            if int(parts[1].split(":")[1], 16) == port:
                bound = True
                drops += int(parts[-1])
    return bound, drops


def scrape(http_port):
    out = {}
    with urllib.request.urlopen(f"http://127.0.0.1:{http_port}/metrics", timeout=5) as r:
        for line in r.read().decode().splitlines():
            if line and not line.startswith("#"):
                k, v = line.rsplit(" ", 1)
                out[k] = float(v)
    return out


def herd_totals(m):
    processed = sum(v for k, v in m.items() if k.startswith("herd_dogstatsd_messages_total"))
    drops = sum(v for k, v in m.items() if k.startswith("herd_dogstatsd_datagrams_dropped_total"))
    drops += sum(v for k, v in m.items() if k.startswith("herd_dogstatsd_messages_dropped_total"))
    return processed, drops


class Proc:
    def __init__(self, name, argv, ready, env=None):
        self.name, self.argv = name, argv
        self.p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        deadline = time.time() + 15
        while not ready():
            if self.p.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"{name} did not start: {' '.join(argv)}")
            time.sleep(0.05)
        time.sleep(0.2)

    @property
    def pid(self):
        return self.p.pid

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        try:
            self.p.wait(15)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()


def herd_statsd(listen, http_port, extra=()):
    # The store is measured on its own (run_store); elsewhere it stays out of the figures.
    if not any(a in ("--data-dir", "--no-store") for a in listen):
        listen = [*listen, "--no-store"]
    argv = [HERD, "statsd", "--http", f"127.0.0.1:{http_port}", "--emit", "none", *listen, *extra]

    def ready():
        try:
            scrape(http_port)
            return True
        except OSError:
            return False

    return Proc("herd", argv, ready)


def blast(target, rate, duration, contexts, size, extra=()):
    argv = [HERD, "blast", "--target", target, "--duration", f"{duration}s", "--contexts", str(contexts),
            "--datagram-size", str(size), *extra]
    if rate:
        argv += ["--rate", str(rate)]
    out = subprocess.run(argv, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1]), argv


def measure(proc, target, rate, duration, contexts, size, extra=(), http_port=None, udp_port=None):
    """Runs one load against a running daemon; returns what it took and what it cost."""
    cpu0, threads0 = cpu_seconds(proc.pid), thread_cpu(proc.pid)
    m0 = herd_totals(scrape(http_port)) if http_port else None
    k0 = udp_socket_stats(udp_port)[1] if udp_port else 0
    sent, argv = blast(target, rate, duration, contexts, size, extra)
    time.sleep(0.5)  # let the daemon finish what is queued
    cpu = cpu_seconds(proc.pid) - cpu0
    threads = {name: [round(u - threads0.get(name, (0, 0))[0], 2), round(st - threads0.get(name, (0, 0))[1], 2)]
               for name, (u, st) in thread_cpu(proc.pid).items()}
    row = {"offered_rate": rate or "max", "sent": sent["messages"], "sent_rate": round(sent["messages_per_second"]),
           "cpu_s": round(cpu, 3), "threads_cpu_s_user_system": threads, "rss_kib": status_kib(proc.pid, "VmRSS"), "hwm_kib": status_kib(proc.pid, "VmHWM"),
           "kernel_drops": (udp_socket_stats(udp_port)[1] - k0) if udp_port else 0, "blast": " ".join(argv[1:])}
    if m0:
        processed, drops = herd_totals(scrape(http_port))
        row["processed"] = int(processed - m0[0])
        row["drops"] = int(drops - m0[1])
    row["cpu_s_per_million"] = round(cpu / max(row.get("processed", sent["messages"]), 1) * 1e6, 3)
    return row


def run_herd(args, tmp):
    results = {}
    # Idle RSS.
    http = free_port(socket.SOCK_STREAM)
    d = herd_statsd(["--udp", f"127.0.0.1:{free_port()}"], http)
    time.sleep(2)
    results["idle_rss_kib"] = status_kib(d.pid, "VmRSS")
    d.stop()
    # RSS at 1k / 10k / 100k contexts (every context is sent first, then random ones).
    results["rss_at_contexts"] = []
    for n in (1_000, 10_000, 100_000):
        sock = os.path.join(tmp, f"rss{n}.sock")
        http = free_port(socket.SOCK_STREAM)
        d = herd_statsd(["--udp", "off", "--uds", sock], http)
        # Longer than the 10 s flush interval, so the run always includes a flush of every
        # context (the memory peak) and the live-context gauge is read after one.
        duration = max(4 if args.quick else 12, n * 3 // 200_000 + 2)
        row = measure(d, f"unixgram://{sock}", 200_000, duration, n, 8192, http_port=http)
        m = scrape(http)
        row["contexts"] = n
        row["live_contexts"] = int(m.get("herd_contexts", 0))
        results["rss_at_contexts"].append(row)
        d.stop()
    # Throughput over UDS, 8 KiB datagrams, 10k contexts, 3-8 tags.
    rates = [500_000, 1_000_000, 2_000_000, 3_000_000, 4_000_000, 5_000_000, None]
    results["uds"] = []
    sock = os.path.join(tmp, "tput.sock")
    http = free_port(socket.SOCK_STREAM)
    d = herd_statsd(["--udp", "off", "--uds", sock], http)
    for rate in rates:
        row = measure(d, f"unixgram://{sock}", rate, 3 if args.quick else 6, 10_000, 8192, http_port=http)
        results["uds"].append(row)
    d.stop()
    # Throughput over UDP, 1432 B datagrams.
    results["udp"] = []
    port, http = free_port(), free_port(socket.SOCK_STREAM)
    d = herd_statsd(["--udp", f"127.0.0.1:{port}", "--so-rcvbuf", "4194304"], http)
    for rate in [250_000, 500_000, 1_000_000, None]:
        row = measure(d, f"udp://127.0.0.1:{port}", rate, 3 if args.quick else 6, 10_000, 1432,
                      http_port=http, udp_port=port)
        results["udp"].append(row)
    d.stop()
    return results


PLAIN = ["--tags", "0", "--mix", "c=208,g=66,ms=73,s=9", "--packed", "0"]


def run_low(args, tmp):
    """CPU per million messages at 10k-100k msgs/s, over UDP (1432 B) and UDS (8 KiB)."""
    rows = []
    duration = 4 if args.quick else 10
    for transport in ("udp", "uds"):
        http = free_port(socket.SOCK_STREAM)
        if transport == "udp":
            port = free_port()
            d = herd_statsd(["--udp", f"127.0.0.1:{port}"], http)
            target, size = f"udp://127.0.0.1:{port}", 1432
        else:
            sock = os.path.join(tmp, "low.sock")
            d = herd_statsd(["--udp", "off", "--uds", sock], http)
            target, size, port = f"unixgram://{sock}", 8192, None
        for rate in (10_000, 30_000, 100_000):
            row = measure(d, target, rate, duration, 10_000, size, http_port=http, udp_port=port)
            row["transport"] = transport
            rows.append(row)
        d.stop()
    return rows


def run_store(args, tmp):
    """What the embedded store costs the daemon: the same load with and without it.

    100k contexts (every flush stores 100k series and more points) at 200k msgs/s over UDS for
    35 s, so three 10 s flushes are stored; daemon CPU-s and RSS with `--data-dir` and with
    `--no-store`, alternating, twice each."""
    rows = []
    duration = args.store_seconds or (12 if args.quick else 35)
    extra = shlex.split(args.store_blast or "")
    for rep in range(args.store_reps):
        for store in (False, True):
            sock = os.path.join(tmp, f"store{rep}{store}.sock")
            http = free_port(socket.SOCK_STREAM)
            where = ["--data-dir", os.path.join(tmp, f"data{rep}")] if store else ["--no-store"]
            d = herd_statsd(["--udp", "off", "--uds", sock, *where], http)
            row = measure(d, f"unixgram://{sock}", 200_000, duration, 100_000, 8192, extra, http_port=http)
            row["store"] = store
            if store:
                row["store_points"] = int(scrape(http).get("herd_store_points_total", 0))
                with urllib.request.urlopen(f"http://127.0.0.1:{http}/api/herd/store/stats") as r:
                    stats = json.load(r)
                row["store_series"] = stats["series"]
                row["index_bytes"] = stats["index_bytes"]
                row["head_bytes"] = stats["head_bytes"]
            d.stop()
            rows.append(row)
    return rows


def run_peers(args, tmp):
    rate, duration, contexts = args.peer_rate, 4 if args.quick else 10, 1_000
    rows = []

    def one(name, start):
        port = free_port()
        try:
            proc = start(port)
        except (OSError, RuntimeError) as e:
            rows.append({"peer": name, "skipped": str(e)})
            return
        try:
            row = measure(proc, f"udp://127.0.0.1:{port}", rate, duration, contexts, 1432, PLAIN, udp_port=port)
            row["peer"] = name
            rows.append(row)
        finally:
            proc.stop()

    def herd(port):
        return Proc("herd", [HERD, "statsd", "--udp", f"127.0.0.1:{port}", "--http", "off", "--emit", "none", "--no-store",
                             "--so-rcvbuf", "4194304"], lambda: udp_socket_stats(port)[0])

    def etsy(port):
        if not (shutil.which("node") and os.path.exists(ETSY)):
            raise RuntimeError("Etsy statsd not installed (bench/ingest/install-peers.sh)")
        conf = os.path.join(tmp, f"etsy-{port}.js")
        with open(conf, "w") as f:
            f.write('{ address: "127.0.0.1", port: %d, mgmt_address: "127.0.0.1", mgmt_port: %d, '
                    'flushInterval: 10000, backends: [], deleteIdleStats: true }' % (port, free_port(socket.SOCK_STREAM)))
        return Proc("etsy", ["node", ETSY, conf], lambda: udp_socket_stats(port)[0])

    def collectd(port):
        exe = shutil.which("collectd") or "/usr/sbin/collectd"
        if not os.path.exists(exe):
            raise RuntimeError("collectd not installed (bench/ingest/install-peers.sh)")
        conf = os.path.join(tmp, f"collectd-{port}.conf")
        with open(conf, "w") as f:
            f.write(f'Hostname "bench"\nFQDNLookup false\nBaseDir "{tmp}"\nPIDFile "{tmp}/collectd-{port}.pid"\n'
                    f'Interval 10\nLoadPlugin statsd\n<Plugin statsd>\n  Host "127.0.0.1"\n  Port "{port}"\n'
                    f'  DeleteCounters true\n  DeleteTimers true\n  DeleteGauges true\n  DeleteSets true\n</Plugin>\n')
        return Proc("collectd", [exe, "-f", "-C", conf], lambda: udp_socket_stats(port)[0])

    one("herd", herd)
    one("etsy-statsd", etsy)
    one("collectd-statsd", collectd)
    base = next((r for r in rows if r.get("peer") == "herd" and "cpu_s" in r), None)
    for r in rows:
        if base and "cpu_s" in r:
            r["cpu_ratio_to_herd"] = round(r["cpu_s"] / max(base["cpu_s"], 1e-9), 1)
            r["rss_ratio_to_herd"] = round(r["hwm_kib"] / max(base["hwm_kib"], 1), 1)
    return rows


def machine():
    model = "unknown"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": model, "cores": os.cpu_count(), "kernel": platform.release(),
            "rmem_max": open("/proc/sys/net/core/rmem_max").read().strip()}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="shorter runs")
    ap.add_argument("--peer-rate", type=int, default=100_000, help="messages/s for the peer comparison")
    ap.add_argument("--json", help="also write the results here")
    ap.add_argument("--only", choices=["herd", "peers", "low", "store"], help="run one part")
    ap.add_argument("--herd", help="the herd binary to measure (default: target/release/herd)")
    ap.add_argument("--store-seconds", type=int, help="length of each --only store run (default 35 s)")
    ap.add_argument("--store-reps", type=int, default=2, help="--only store: pairs of runs (default 2)")
    ap.add_argument("--store-blast", help="--only store: more `herd blast` flags, e.g. '--metric-names 500 --tag-pool 2000'")
    args = ap.parse_args()
    if args.herd:
        global HERD
        HERD = os.path.abspath(args.herd)
    if not os.path.exists(HERD):
        subprocess.run(["cargo", "build", "--release", "-p", "herd"], cwd=ROOT, check=True)
    out = {"machine": machine(), "binary_bytes": os.path.getsize(HERD)}
    with tempfile.TemporaryDirectory() as tmp:
        if args.only in (None, "herd"):
            out["herd"] = run_herd(args, tmp)
        if args.only in (None, "peers"):
            out["peers"] = run_peers(args, tmp)
        if args.only in (None, "low"):
            out["low"] = run_low(args, tmp)
        if args.only in (None, "store"):
            out["store"] = run_store(args, tmp)
    text = json.dumps(out, indent=2)
    print(text)
    if args.json:
        with open(args.json, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    sys.exit(main())
