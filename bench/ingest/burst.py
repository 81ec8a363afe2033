#!/usr/bin/env python3
"""bench/ingest/burst.py: a burst from one unbuffered Python `datadog` client over UDP.

Starts `herd statsd` with its default settings (UDP and HTTP on free loopback ports), sends
N metrics in one loop with the official Python client (`datadog` on PyPI, unbuffered: one
datagram per metric, as it sends by default), and reports what herd received, what the kernel
dropped (from /proc/net/udp, independent of herd's own count) and what herd counted.

Usage: bench/ingest/burst.py [--count 10000] [--runs 5] [--herd PATH]
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ingest  # noqa: E402  (the same helpers as the main benchmark)


def one(count):
    from datadog.dogstatsd import DogStatsd

    port, http = ingest.free_port(), ingest.free_port(ingest.socket.SOCK_STREAM)
    d = ingest.herd_statsd(["--udp", f"127.0.0.1:{port}"], http)
    try:
        k0 = ingest.udp_socket_stats(port)[1]
        client = DogStatsd(host="127.0.0.1", port=port, disable_buffering=True)
        started = time.perf_counter()
        for i in range(count):
            client.histogram("burst.latency", i % 100, tags=["route:/a", f"i:{i % 10}"])
        elapsed = time.perf_counter() - started
        time.sleep(0.5)
        m = ingest.scrape(http)
        get = lambda k: int(m.get(k, 0))  # noqa: E731
        return {
            "sent": count,
            "datagrams_per_second": round(count / elapsed),
            "received": get('herd_dogstatsd_datagrams_total{listener="udp"}'),
            "kernel_drops_proc": ingest.udp_socket_stats(port)[1] - k0,
            "kernel_drops_counted": get('herd_dogstatsd_datagrams_dropped_total{listener="udp",reason="kernel"}'),
            "queue_full": get('herd_dogstatsd_datagrams_dropped_total{listener="udp",reason="queue_full"}'),
        }
    finally:
        d.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--herd", help="the herd binary (default: target/release/herd)")
    args = ap.parse_args()
    if args.herd:
        ingest.HERD = os.path.abspath(args.herd)
    rows = [one(args.count) for _ in range(args.runs)]
    print(json.dumps({"machine": ingest.machine(), "herd": ingest.HERD, "runs": rows}, indent=2))


if __name__ == "__main__":
    sys.exit(main())
