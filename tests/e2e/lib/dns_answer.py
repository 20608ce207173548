# SPDX-License-Identifier: Apache-2.0
"""A test DNS server that says yes: every query gets a reply with the query's id and
question, QR and AA set, rcode NOERROR and no answer records. Enough for xvsd's dns and
dnstcp checks, which test that a server answers.

  dns_answer.py PORT ADDRESS

TCP on PORT of every address; UDP on PORT of ADDRESS (the VIP) only: a UDP reply must leave
from the address the query came to, which a wildcard socket does not ensure.
"""
import socket
import socketserver
import struct
import sys
import threading

from dualstack import DualStackTCPServer


def reply(query):
    if len(query) < 12:
        return None
    flags = struct.unpack("!H", query[2:4])[0]
    flags = (flags | 0x8400) & 0xFFF0  # QR, AA; rcode 0
    return query[:2] + struct.pack("!H", flags) + query[4:6] + b"\0\0\0\0\0\0" + query[12:]


class Udp(socketserver.BaseRequestHandler):
    def handle(self):
        data, sock = self.request
        answer = reply(data)
        if answer:
            sock.sendto(answer, self.client_address)


class Tcp(socketserver.BaseRequestHandler):
    def handle(self):
        f = self.request.makefile("rb")
        head = f.read(2)
        if len(head) < 2:
            return
        answer = reply(f.read(struct.unpack("!H", head)[0]))
        if answer:
            self.request.sendall(struct.pack("!H", len(answer)) + answer)


class UdpServer(socketserver.ThreadingUDPServer):
    address_family = socket.AF_INET6 if ":" in sys.argv[2] else socket.AF_INET
    daemon_threads = True


port = int(sys.argv[1])
servers = [UdpServer((sys.argv[2], port), Udp), DualStackTCPServer(("::", port), Tcp)]
threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in servers]
for t in threads:
    t.start()
for t in threads:
    t.join()
