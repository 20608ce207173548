# SPDX-License-Identifier: Apache-2.0
"""Many long-lived TCP connections driven together, line by line.

  multichat.py ADDRESS PORT N

Opens N connections (5 s limit each) and prints "connected N". Then, for each line read
from stdin, sends it on every connection still alive and prints one line: for each
connection in order, the name of the backend that echoed it (backend.py answers
"NAME <line>"), or "-" when no echo came within 3 s or the connection was closed or reset.
A connection that failed once stays "-". Exits 1 when a connection cannot be made.
"""
import socket
import sys
import time

address, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
conns = []
for _ in range(count):
    try:
        conns.append(socket.create_connection((address, port), timeout=5))
    except OSError as e:
        print(f"connect failed: {e}", flush=True)
        sys.exit(1)
print(f"connected {len(conns)}", flush=True)

alive = [True] * count
for line in sys.stdin:
    line = line.strip()
    for i, c in enumerate(conns):
        if alive[i]:
            try:
                c.sendall((line + "\n").encode())
            except OSError:
                alive[i] = False
    deadline = time.monotonic() + 3
    names = []
    for i, c in enumerate(conns):
        name = "-"
        if alive[i]:
            reply = b""
            try:
                while b"\n" not in reply:
                    c.settimeout(max(deadline - time.monotonic(), 0.01))
                    chunk = c.recv(4096)
                    if not chunk:
                        break
                    reply += chunk
                words = reply.decode().split()
                if len(words) == 2 and words[1] == line:
                    name = words[0]
            except OSError:
                pass
            alive[i] = name != "-"
        names.append(name)
    print(" ".join(names), flush=True)
