# SPDX-License-Identifier: Apache-2.0
"""One long-lived TCP connection driven line by line.

  linechat.py ADDRESS PORT

Connects (5 s limit) and prints "connected". Then, for each line read from stdin, sends it
and prints the reply line, or "timeout" when none arrives within 3 s, or "closed".
Exits 1 when the connection cannot be made.
"""
import socket
import sys

try:
    conn = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
except OSError as e:
    print(f"connect failed: {e}", flush=True)
    sys.exit(1)
conn.settimeout(3)
print("connected", flush=True)
pending = b""
for line in sys.stdin:
    try:
        conn.sendall(line.encode())
        while b"\n" not in pending:
            chunk = conn.recv(4096)
            if not chunk:
                raise ConnectionError("closed by peer")
            pending += chunk
        reply, pending = pending.split(b"\n", 1)
        print(reply.decode().strip(), flush=True)
    except socket.timeout:
        print("timeout", flush=True)
    except OSError as e:
        print(f"closed: {e}", flush=True)
