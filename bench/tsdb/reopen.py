#!/usr/bin/env python3
"""bench/tsdb/reopen.py: how long a ~1 GiB herd data directory takes to reopen (issue 17's
goal: <= 1 s), for `Store::open` and for the daemon's start until its listening line.

The directory (written once by the `reopen_data` example of herd-tsdb, then reused): 10,000
statsd-shaped series at 10 s for 15 days (the default retention) ending at the last whole
hour, sealed with the default options (~1 GiB at 0.8-0.95 bytes a sample). What opening
costs comes from the block count and the series, not the bytes: it reads each block's index,
the series log and the write-ahead log from its last snapshot.

Cold: before each run the directory's pages are dropped from the page cache with
posix_fadvise(DONTNEED) on every file after a sync (no root needed; `fincore` confirms what
stayed resident). Warm: the same runs straight after one another.
Then the same with a full 2 h block window unsealed in the write-ahead log (a copy of the
directory, `DIR-replay`, with 2 more hours appended by `reopen_data append` and not sealed):
what a daemon stopped just before a seal leaves for the next start to replay.
The daemon is killed with SIGKILL once it has printed its listening line, before its first
flush, so the directory stays as written (checked at the end: same points).

Prints one JSON line per measure. Usage:
  bench/tsdb/reopen.py [--dir DIR] [--series N] [--days D] [--runs N] [--no-build]
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HERD = os.path.join(ROOT, "target", "release", "herd")
REOPEN = os.path.join(ROOT, "target", "release", "examples", "reopen_data")


def emit(**fields):
    print(json.dumps(fields), flush=True)


def files(d):
    for dirpath, _, names in os.walk(d):
        for n in names:
            yield os.path.join(dirpath, n)


def evict(d):
    """Drops the directory's pages from the page cache; returns the bytes still resident."""
    os.sync()
    for f in files(d):
        fd = os.open(f, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)
    out = subprocess.run(["fincore", "--bytes", "--noheadings", "--output", "RES", *files(d)],
                         capture_output=True, text=True)
    return sum(int(x) for x in out.stdout.split()) if out.returncode == 0 else None


def store_open(d):
    out = subprocess.run([REOPEN, "open", d], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def daemon_start(d):
    """Seconds from spawning `herd statsd` on the directory to its listening line."""
    t = time.perf_counter()
    proc = subprocess.Popen(
        [HERD, "statsd", "--data-dir", d, "--http", "127.0.0.1:0", "--udp", "127.0.0.1:0"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    head = proc.stderr.readline()
    seconds = time.perf_counter() - t
    proc.kill()
    proc.wait()
    if "listening on" not in head:
        sys.exit(f"herd statsd did not start on {d}: {head!r}{proc.stderr.read()[:500]}")
    return seconds


def summary(name, case, mode, xs, **extra):
    emit(measure=name, directory=case, cache=mode, runs=len(xs), median_s=round(statistics.median(xs), 4),
         min_s=round(min(xs), 4), max_s=round(max(xs), 4), loadavg_1m=round(os.getloadavg()[0], 2),
         **extra)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dir", default=os.path.join(tempfile.gettempdir(), "herd-reopen-1g"))
    ap.add_argument("--series", type=int, default=10_000)
    ap.add_argument("--days", type=int, default=15)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--no-build", action="store_true")
    args = ap.parse_args()
    if not args.no_build:
        subprocess.run(["cargo", "build", "--quiet", "--release", "-p", "herd"], cwd=ROOT,
                       check=True)
        subprocess.run(["cargo", "build", "--quiet", "--profile", "bench", "-p", "herd-tsdb",
                        "--example", "reopen_data"], cwd=ROOT, check=True)
    d = args.dir
    if not os.path.exists(os.path.join(d, "VERSION")):
        out = subprocess.run([REOPEN, "write", d, str(args.series), str(args.days)],
                             check=True, capture_output=True, text=True)
        emit(measure="written", **json.loads(out.stdout))
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    sizes = [os.path.getsize(f) for f in files(d)]
    blocks = len(os.listdir(os.path.join(d, "blocks")))
    emit(measure="directory", bytes=sum(sizes), gib=round(sum(sizes) / 2**30, 3),
         files=len(sizes), block_files=blocks, commit=commit, loadavg=os.getloadavg())

    measure(d, "sealed", args.runs)
    replay = d.rstrip("/") + "-replay"
    if not os.path.exists(os.path.join(replay, "VERSION")):
        shutil.rmtree(replay, ignore_errors=True)
        shutil.copytree(d, replay)
        out = subprocess.run([REOPEN, "append", replay, str(args.series), "2"], check=True,
                             capture_output=True, text=True)
        emit(measure="appended", **json.loads(out.stdout))
    measure(replay, "2 h in the log", args.runs)


def measure(d, case, runs):
    before = store_open(d)
    for mode in ("cold", "warm"):
        opens, starts, resident = [], [], []
        for _ in range(runs):
            if mode == "cold":
                resident.append(evict(d))
            opens.append(store_open(d)["open_seconds"])
        for _ in range(runs):
            if mode == "cold":
                resident.append(evict(d))
            starts.append(daemon_start(d))
        extra = {"resident_bytes_after_evict": max(resident)} if resident else {}
        summary("store_open", case, mode, opens, series=before["series"],
                blocks=before["blocks"], head_points=before["head_points"], **extra)
        summary("daemon_start_to_listening", case, mode, starts, **extra)
    after = store_open(d)
    if after["points"] != before["points"]:
        sys.exit(f"the directory changed: {before} then {after}")


if __name__ == "__main__":
    main()
