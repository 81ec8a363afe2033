#!/usr/bin/env python3
"""A stand-in for Datadog's intake, for herd's forwarding tests.

It decompresses (deflate, gzip, zstd1 via cramjam), decodes (JSON; the Agent's MetricPayload
and SketchPayload protobufs, by Content-Type, with a strict wire-format reader: unknown fields
and wrong wire types are errors) and checks
every payload against Datadog's documented schema and limits (v2 series: 512,000 bytes
compressed, 5,242,880 decompressed, 10,000 points; points at most 1 h old and 10 min ahead).
A payload that breaks a rule gets 400 and its reason is recorded; an accepted one gets 202
and every point in it is appended to the record file as a JSON line.

It fails on command: GET /control?mode=500|429|403|413|hang&times=N[&retry_after=S] answers
the next N payloads that way (429 with Retry-After; hang sleeps 30 s, past herd's timeout).

Usage: intake.py RECORD_FILE [PORT [CERT_PEM KEY_PEM]]; prints "listening <port>" once ready.
With a certificate and key it serves HTTPS (TLS 1.2 or later) instead of HTTP.
"""

import json
import sys
import threading
import time
import urllib.parse
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import cramjam

API_KEY = "test-key"
LIMITS = {
    "/api/v2/series": (512_000, 5_242_880),
    "/api/v1/series": (3_200_000, 62_914_560),
    "/api/beta/sketches": (3_200_000, 62_914_560),
    "/api/v1/events": (3_200_000, 62_914_560),
    "/api/v1/check_run": (3_200_000, 62_914_560),
}
MAX_POINTS = 10_000

lock = threading.Lock()
control = {"mode": "ok", "times": 0, "retry_after": None}


class Invalid(Exception):
    pass


def check(cond, why):
    if not cond:
        raise Invalid(why)


def fresh(ts, where):
    now = time.time()
    check(isinstance(ts, int), f"{where}: timestamp {ts!r} is not an integer")
    check(ts >= now - 3600, f"{where}: timestamp {ts} is more than 1 h old")
    check(ts <= now + 600, f"{where}: timestamp {ts} is more than 10 min ahead")


def tags_ok(tags, where):
    check(isinstance(tags, list), f"{where}: tags is not a list")
    for t in tags:
        check(isinstance(t, str) and t, f"{where}: tag {t!r} is not a non-empty string")


def series_v2(doc):
    check(set(doc) == {"series"}, f"top level keys {sorted(doc)} != ['series']")
    out = []
    for i, s in enumerate(doc["series"]):
        w = f"series[{i}]"
        allowed = {"metric", "type", "interval", "points", "resources", "tags", "unit",
                   "source_type_name", "metadata"}
        check(set(s) <= allowed, f"{w}: unknown keys {sorted(set(s) - allowed)}")
        check(isinstance(s.get("metric"), str) and s["metric"], f"{w}: metric missing")
        check(s.get("type") in (0, 1, 2, 3), f"{w}: type {s.get('type')!r} not 0..3")
        if s["type"] in (1, 2):
            check(isinstance(s.get("interval"), int) and s["interval"] > 0,
                  f"{w}: count/rate without a positive interval")
        tags_ok(s.get("tags", []), w)
        host = ""
        for r in s.get("resources", []):
            check(set(r) == {"type", "name"}, f"{w}: resource keys {sorted(r)}")
            if r["type"] == "host":
                host = r["name"]
        check(isinstance(s.get("points"), list) and s["points"], f"{w}: no points")
        for j, p in enumerate(s["points"]):
            check(set(p) == {"timestamp", "value"}, f"{w}.points[{j}]: keys {sorted(p)}")
            fresh(p["timestamp"], f"{w}.points[{j}]")
            check(isinstance(p["value"], (int, float)), f"{w}.points[{j}]: value not a number")
            out.append({"kind": "series", "metric": s["metric"], "type": s["type"],
                        "interval": s.get("interval", 0), "ts": p["timestamp"],
                        "value": p["value"], "tags": s.get("tags", []), "host": host})
    return out


def series_v1(doc):
    check(set(doc) == {"series"}, f"top level keys {sorted(doc)} != ['series']")
    out = []
    for i, s in enumerate(doc["series"]):
        w = f"series[{i}]"
        check(isinstance(s.get("metric"), str) and s["metric"], f"{w}: metric missing")
        check(s.get("type") in ("gauge", "rate", "count"), f"{w}: type {s.get('type')!r}")
        tags_ok(s.get("tags"), w)
        for j, p in enumerate(s["points"]):
            check(isinstance(p, list) and len(p) == 2, f"{w}.points[{j}] is not [ts, v]")
            fresh(p[0], f"{w}.points[{j}]")
            out.append({"kind": "series", "metric": s["metric"], "type": s["type"],
                        "interval": s.get("interval", 0), "ts": p[0], "value": p[1],
                        "tags": s["tags"], "host": s.get("host", "")})
    return out


# --- SketchPayload, read strictly from the wire format ---------------------------------

def varint(b, i):
    shift = value = 0
    while True:
        check(i < len(b), "protobuf: truncated varint")
        c = b[i]
        i += 1
        value |= (c & 0x7F) << shift
        shift += 7
        if not c & 0x80:
            return value, i


def fields(b):
    """(number, wire type, value) of each field; value is bytes for length-delimited."""
    i = 0
    while i < len(b):
        key, i = varint(b, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = varint(b, i)
        elif wt == 1:
            check(i + 8 <= len(b), "protobuf: truncated fixed64")
            v, i = b[i:i + 8], i + 8
        elif wt == 2:
            n, i = varint(b, i)
            check(i + n <= len(b), "protobuf: truncated bytes")
            v, i = b[i:i + n], i + n
        else:
            raise Invalid(f"protobuf: wire type {wt} of field {num}")
        yield num, wt, v


def double(v):
    import struct
    return struct.unpack("<d", v)[0]


def signed64(v):
    return v - (1 << 64) if v >= 1 << 63 else v


def packed(v, zigzag):
    out, i = [], 0
    while i < len(v):
        x, i = varint(v, i)
        out.append((x >> 1) ^ -(x & 1) if zigzag else x)
    return out


def dogsketch(b, w):
    # proto3: a field at its default value is not on the wire.
    d = {"ts": 0, "cnt": 0, "min": 0.0, "max": 0.0, "avg": 0.0, "sum": 0.0, "k": [], "n": []}
    names = {1: "ts", 2: "cnt", 3: "min", 4: "max", 5: "avg", 6: "sum"}
    for num, wt, v in fields(b):
        if num in (1, 2):
            check(wt == 0, f"{w}: field {num} wire type {wt}")
            d[names[num]] = signed64(v)
        elif num in (3, 4, 5, 6):
            check(wt == 1, f"{w}: field {num} wire type {wt}")
            d[names[num]] = double(v)
        elif num in (7, 8):
            check(wt == 2, f"{w}: field {num} not packed")
            d["k" if num == 7 else "n"] += packed(v, zigzag=num == 7)
        else:
            raise Invalid(f"{w}: unknown Dogsketch field {num}")
    check(len(d["k"]) == len(d["n"]), f"{w}: {len(d['k'])} keys but {len(d['n'])} counts")
    check(d["k"] == sorted(d["k"]), f"{w}: keys not ascending")
    check(sum(d["n"]) == d["cnt"], f"{w}: bin counts {sum(d['n'])} != cnt {d['cnt']}")
    check(all(-32768 <= k <= 32767 for k in d["k"]), f"{w}: key out of the Agent's range")
    check(d["min"] <= d["max"], f"{w}: min > max")
    fresh(d["ts"], w)
    return d


def sketches(body):
    out = []
    for i, (num, wt, v) in enumerate(fields(body)):
        check(num == 1 and wt == 2, f"SketchPayload: unexpected field {num}")
        w = f"sketches[{i}]"
        s = {"metric": "", "host": "", "tags": [], "dogsketches": []}
        for n2, wt2, v2 in fields(v):
            check(wt2 == 2, f"{w}: field {n2} wire type {wt2}")
            if n2 == 1:
                s["metric"] = v2.decode()
            elif n2 == 2:
                s["host"] = v2.decode()
            elif n2 == 4:
                s["tags"].append(v2.decode())
            elif n2 == 7:
                s["dogsketches"].append(dogsketch(v2, w))
            else:
                raise Invalid(f"{w}: unknown Sketch field {n2}")
        check(s["metric"], f"{w}: metric missing")
        tags_ok(s["tags"], w)
        for d in s["dogsketches"]:
            out.append({"kind": "sketch", "metric": s["metric"], "host": s["host"],
                        "tags": s["tags"], "ts": d["ts"], "cnt": d["cnt"], "sum": d["sum"],
                        "min": d["min"], "max": d["max"], "k": d["k"], "n": d["n"]})
    return out


# --- MetricPayload (v2 series as the Agent sends them) ---------------------------------

def string(v, w):
    try:
        return v.decode()
    except UnicodeDecodeError as e:
        raise Invalid(f"{w}: not UTF-8: {e}")


def metric_series_pb(body):
    out = []
    for i, (num, wt, v) in enumerate(fields(body)):
        check(num == 1 and wt == 2, f"MetricPayload: unexpected field {num} (wire type {wt})")
        w = f"series[{i}]"
        s = {"metric": "", "type": 0, "interval": 0, "tags": [], "points": [], "host": ""}
        for n2, wt2, v2 in fields(v):
            if n2 in (1, 2, 3, 4, 6, 7):
                check(wt2 == 2, f"{w}: field {n2} wire type {wt2}")
            elif n2 in (5, 8):
                check(wt2 == 0, f"{w}: field {n2} wire type {wt2}")
            else:
                raise Invalid(f"{w}: unknown MetricSeries field {n2}")
            if n2 == 1:
                r = {}
                for n3, wt3, v3 in fields(v2):
                    check(n3 in (1, 2) and wt3 == 2, f"{w}: Resource field {n3}")
                    r[n3] = string(v3, w)
                check(set(r) == {1, 2}, f"{w}: a resource without type or name")
                if r[1] == "host":
                    s["host"] = r[2]
            elif n2 == 2:
                s["metric"] = string(v2, w)
            elif n2 == 3:
                s["tags"].append(string(v2, w))
            elif n2 == 4:
                p = {"value": 0.0, "timestamp": 0}
                for n3, wt3, v3 in fields(v2):
                    if n3 == 1:
                        check(wt3 == 1, f"{w}: MetricPoint.value wire type {wt3}")
                        p["value"] = double(v3)
                    elif n3 == 2:
                        check(wt3 == 0, f"{w}: MetricPoint.timestamp wire type {wt3}")
                        p["timestamp"] = signed64(v3)
                    else:
                        raise Invalid(f"{w}: unknown MetricPoint field {n3}")
                s["points"].append(p)
            elif n2 == 5:
                s["type"] = v2
            elif n2 == 8:
                s["interval"] = signed64(v2)
        check(s["metric"], f"{w}: metric missing")
        check(s["type"] in (0, 1, 2, 3), f"{w}: type {s['type']} not 0..3")
        if s["type"] in (1, 2):
            check(s["interval"] > 0, f"{w}: count/rate without a positive interval")
        tags_ok(s["tags"], w)
        check(s["points"], f"{w}: no points")
        for j, p in enumerate(s["points"]):
            fresh(p["timestamp"], f"{w}.points[{j}]")
            check(p["value"] == p["value"] and abs(p["value"]) != float("inf"),
                  f"{w}.points[{j}]: value {p['value']} not finite")
            out.append({"kind": "series", "metric": s["metric"], "type": s["type"],
                        "interval": s["interval"], "ts": p["timestamp"], "value": p["value"],
                        "tags": s["tags"], "host": s["host"]})
    return out


def events(doc):
    for k in ("title", "text"):
        check(isinstance(doc.get(k), str), f"event: {k} missing")
    check(len(doc["title"]) <= 100, "event: title over 100 characters")
    check(len(doc["text"]) <= 4000, "event: text over 4000 characters")
    check(doc.get("alert_type") in ("error", "warning", "info", "success"), "event: alert_type")
    check(doc.get("priority") in ("normal", "low"), "event: priority")
    tags_ok(doc.get("tags", []), "event")
    return [{"kind": "event", "title": doc["title"], "text": doc["text"],
             "ts": doc.get("date_happened"), "host": doc.get("host", ""),
             "tags": doc.get("tags", [])}]


def checks(doc):
    check(isinstance(doc, list), "check_run: not a list")
    out = []
    for c in doc:
        check(isinstance(c.get("check"), str) and c["check"], "check_run: check missing")
        check(c.get("status") in (0, 1, 2, 3), "check_run: status not 0..3")
        tags_ok(c.get("tags", []), "check_run")
        out.append({"kind": "check", "check": c["check"], "status": c["status"],
                    "ts": c.get("timestamp"), "host": c.get("host_name", ""),
                    "tags": c.get("tags", []), "message": c.get("message", "")})
    return out


def decode(path, encoding, content_type, raw):
    check(path in LIMITS, f"no such endpoint {path}")
    compressed, uncompressed = LIMITS[path]
    check(len(raw) <= compressed, f"{len(raw)} bytes compressed > {compressed}")
    if encoding == "deflate":
        body = zlib.decompress(raw)
    elif encoding == "gzip":
        body = bytes(cramjam.gzip.decompress(raw))
    elif encoding in ("zstd", "zstd1"):
        body = bytes(cramjam.zstd.decompress(raw))
    elif encoding in ("", "identity"):
        body = raw
    else:
        raise Invalid(f"unknown Content-Encoding {encoding!r}")
    check(len(body) <= uncompressed, f"{len(body)} bytes uncompressed > {uncompressed}")
    protobuf = content_type == "application/x-protobuf"
    check(protobuf or content_type == "application/json", f"Content-Type {content_type!r}")
    if path == "/api/beta/sketches":
        check(protobuf, f"sketches as {content_type}")
        return sketches(body)
    if path == "/api/v2/series":
        points = metric_series_pb(body) if protobuf else series_v2(json.loads(body))
        check(len(points) <= MAX_POINTS, f"{len(points)} points > {MAX_POINTS}")
        return points
    check(not protobuf, f"{path} as protobuf")
    doc = json.loads(body)
    if path == "/api/v1/series":
        return series_v1(doc)
    if path == "/api/v1/events":
        return events(doc)
    return checks(doc)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body, headers=()):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        if url.path != "/control":
            return self.reply(404, {"errors": ["not found"]})
        q = dict(urllib.parse.parse_qsl(url.query))
        with lock:
            control["mode"] = q.get("mode", "ok")
            control["times"] = int(q.get("times", "1000000"))
            control["retry_after"] = q.get("retry_after")
        self.reply(200, control)

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        path = urllib.parse.urlparse(self.path).path
        with lock:
            mode = control["mode"] if control["times"] > 0 else "ok"
            if mode != "ok":
                control["times"] -= 1
            retry_after = control["retry_after"]
        record = {"time": time.time(), "path": path, "status": None,
                  "encoding": self.headers.get("Content-Encoding", ""),
                  "content_type": self.headers.get("Content-Type", "")}
        if mode == "hang":
            time.sleep(30)
            return
        if mode in ("500", "429", "403", "413"):
            headers = [("Retry-After", retry_after)] if mode == "429" and retry_after else []
            record["status"] = int(mode)
            write(record)
            return self.reply(int(mode), {"errors": [f"told to answer {mode}"]}, headers)
        if self.headers.get("DD-API-KEY") != API_KEY:
            record["status"] = 403
            write(record)
            return self.reply(403, {"errors": ["Forbidden"]})
        try:
            items = decode(path, record["encoding"], record["content_type"], raw)
        except (Invalid, ValueError, UnicodeDecodeError, zlib.error) as e:
            record.update(status=400, error=str(e))
            write(record)
            return self.reply(400, {"errors": [str(e)]})
        record.update(status=202, bytes=len(raw), items=items)
        write(record)
        self.reply(202, {"errors": []})


def write(record):
    with lock, open(sys.argv[1], "a") as f:
        f.write(json.dumps(record) + "\n")


def main():
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    ThreadingHTTPServer.allow_reuse_address = True
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    if len(sys.argv) > 4:
        import ssl
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.minimum_version = ssl.TLSVersion.TLSv1_2
        tls.load_cert_chain(sys.argv[3], sys.argv[4])
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    print(f"listening {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
