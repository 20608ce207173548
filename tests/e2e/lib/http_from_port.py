# SPDX-License-Identifier: Apache-2.0
"""One HTTP GET from a fixed local port; prints the answer's body.

  http_from_port.py ADDRESS PORT

SO_REUSEADDR lets the port be bound while earlier connections from it linger in TIME_WAIT
(curl --local-port cannot), so a test can make several connections from one port in a row.
"""
import socket
import sys

address, port = sys.argv[1], int(sys.argv[2])
family = socket.AF_INET6 if ":" in address else socket.AF_INET
with socket.socket(family, socket.SOCK_STREAM) as s:
    s.settimeout(5)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("", port))
    s.connect((address, 80))
    s.sendall(b"GET / HTTP/1.0\r\n\r\n")
    answer = b""
    while chunk := s.recv(4096):
        answer += chunk
sys.stdout.write(answer.decode().split("\r\n\r\n", 1)[1])
