#!/usr/bin/env python3
"""A forward proxy for herd's proxy test: CONNECT tunnels and absolute-form HTTP requests,
each target recorded (one line per request or tunnel) in the record file.

Usage: proxy.py RECORD_FILE; prints "listening <port>" once ready.
"""

import select
import socket
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def record(line):
    with open(sys.argv[1], "a") as f:
        f.write(line + "\n")


class Proxy(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_CONNECT(self):
        host, port = self.path.rsplit(":", 1)
        record(f"CONNECT {host}:{port}")
        upstream = socket.create_connection((host, int(port)))
        self.send_response(200, "Connection established")
        self.end_headers()
        conns = [self.connection, upstream]
        while True:
            ready, _, _ = select.select(conns, [], [], 30)
            if not ready:
                break
            for r in ready:
                data = r.recv(65536)
                if not data:
                    upstream.close()
                    return
                (upstream if r is self.connection else self.connection).sendall(data)

    def do_POST(self):
        url = urllib.parse.urlsplit(self.path)
        record(f"POST {url.hostname}:{url.port}{url.path}")
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        upstream = socket.create_connection((url.hostname, url.port))
        head = f"POST {url.path} HTTP/1.1\r\n"
        for k, v in self.headers.items():
            if k.lower() not in ("proxy-connection", "connection"):
                head += f"{k}: {v}\r\n"
        upstream.sendall((head + "Connection: close\r\n\r\n").encode() + body)
        reply = b""
        while chunk := upstream.recv(65536):
            reply += chunk
        self.wfile.write(reply)
        self.close_connection = True


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    server.daemon_threads = True
    print(f"listening {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
