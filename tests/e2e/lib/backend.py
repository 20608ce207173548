# SPDX-License-Identifier: Apache-2.0
"""A test backend: answers with its own name over IPv4 and IPv6.

  backend.py NAME HTTP_PORT LINE_PORT

HTTP_PORT: every GET is answered with "NAME\n" (HTTP/1.0, one request per connection).
LINE_PORT: every line received on a connection is answered with "NAME <line>\n", for as long
as the connection stays open, so a test can follow one long-lived TCP connection.
"""
import socketserver
import sys
import threading
from http.server import BaseHTTPRequestHandler

from dualstack import DualStackTCPServer as DualStack

NAME = sys.argv[1]


class Http(BaseHTTPRequestHandler):
    def do_GET(self):
        # /bytes/N: N bytes (a page larger than a few segments), else the backend's name.
        parts = self.path.split("/")
        if len(parts) == 3 and parts[1] == "bytes" and parts[2].isdigit():
            body = b"x" * min(int(parts[2]), 1 << 24)
        else:
            body = (NAME + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Lines(socketserver.StreamRequestHandler):
    def handle(self):
        for line in self.rfile:
            self.wfile.write(f"{NAME} {line.decode().strip()}\n".encode())
            self.wfile.flush()


servers = [DualStack(("::", int(sys.argv[2])), Http), DualStack(("::", int(sys.argv[3])), Lines)]
threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in servers]
for t in threads:
    t.start()
for t in threads:
    t.join()
