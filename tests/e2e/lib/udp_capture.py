# SPDX-License-Identifier: Apache-2.0
"""Captures one IPv4 UDP datagram as it leaves or enters an interface, and prints its payload.

  udp_capture.py IFACE SRC DST PORT FIRST_BYTES SECONDS

Waits (at most SECONDS) on IFACE (AF_PACKET, every frame) for a datagram from SRC to DST:PORT
whose payload starts with FIRST_BYTES (hexadecimal, e.g. the flow-sharing magic and kind),
prints the payload in hexadecimal and exits 0; exits 1 when none came.
"""
import select
import socket
import struct
import sys
import time

IFACE, SRC, DST = sys.argv[1], socket.inet_aton(sys.argv[2]), socket.inet_aton(sys.argv[3])
PORT, FIRST, SECONDS = int(sys.argv[4]), bytes.fromhex(sys.argv[5]), float(sys.argv[6])
ETH_P_ALL = 0x0003

s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
s.bind((IFACE, 0))
print("capturing", flush=True)
deadline = time.monotonic() + SECONDS
while (left := deadline - time.monotonic()) > 0:
    if not select.select([s], [], [], left)[0]:
        break
    frame = s.recv(65535)
    if len(frame) < 14 + 20 + 8 or frame[12:14] != b"\x08\x00":
        continue
    ip = frame[14:]
    header = (ip[0] & 0x0F) * 4
    if ip[9] != 17 or ip[12:16] != SRC or ip[16:20] != DST:
        continue
    udp = ip[header:]
    if struct.unpack("!H", udp[2:4])[0] != PORT:
        continue
    payload = udp[8:struct.unpack("!H", udp[4:6])[0]]
    if payload.startswith(FIRST):
        print(payload.hex(), flush=True)
        sys.exit(0)
sys.exit(1)
