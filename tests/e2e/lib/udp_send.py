# SPDX-License-Identifier: Apache-2.0
"""Sends UDP datagrams from a chosen source address, as fast as one socket goes.

  udp_send.py SRC DST PORT COUNT SECONDS FILE|random

Sends COUNT datagrams (or fewer, if SECONDS run out first) from SRC (any port) to DST:PORT:
the lines of FILE, each a datagram in hexadecimal, in turn and over again; or, with
"random", 100 random bytes each. Prints "sent N" (datagrams the kernel took) and exits 1 if
any send failed.
"""
import os
import socket
import sys
import time

SRC, DST, PORT = sys.argv[1], sys.argv[2], int(sys.argv[3])
COUNT, SECONDS, SOURCE = int(sys.argv[4]), float(sys.argv[5]), sys.argv[6]

if SOURCE == "random":
    datagrams = [os.urandom(100) for _ in range(256)]
else:
    with open(SOURCE) as f:
        datagrams = [bytes.fromhex(line.strip()) for line in f if line.strip()]
family = socket.AF_INET6 if ":" in DST else socket.AF_INET
s = socket.socket(family, socket.SOCK_DGRAM)
s.bind((SRC, 0))
s.connect((DST, PORT))
sent = failed = 0
deadline = time.monotonic() + SECONDS
while sent < COUNT and (sent % 256 or time.monotonic() < deadline):
    try:
        s.send(datagrams[sent % len(datagrams)])
        sent += 1
    except OSError:
        failed += 1  # e.g. ENOBUFS: not sent, not counted
        if failed > 1000:
            break
print(f"sent {sent}", flush=True)
sys.exit(1 if failed else 0)
