# SPDX-License-Identifier: Apache-2.0
"""Floods a VIP with TCP segments from random sources, as fast as one raw socket goes.

  flood.py IFACE DST_MAC VIP PORT COUNT SECONDS syn|ack

Sends COUNT segments (or fewer, if SECONDS run out first) to VIP:PORT in Ethernet frames to
DST_MAC on IFACE (AF_PACKET: no routing, no neighbour lookup for the spoofed sources). Each
segment comes from a random address of 100.64.0.0/10 (IPv4 VIP) or 2001:db8:f100::/48 (IPv6)
and a random port, with flags SYN or ACK, and correct IP and TCP checksums. Prints
"sent N in T s".
"""
import errno
import ipaddress
import os
import random
import socket
import struct
import sys
import time

IFACE, DST_MAC, VIP = sys.argv[1], sys.argv[2], ipaddress.ip_address(sys.argv[3])
PORT, COUNT, SECONDS, KIND = int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6]), sys.argv[7]
FLAGS = {"syn": 0x02, "ack": 0x10}[KIND]


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def tcp(src, dst, sport, pseudo_tail):
    seg = struct.pack("!HHIIBBHHH", sport, PORT, random.getrandbits(32),
                      random.getrandbits(32) if FLAGS & 0x10 else 0, 5 << 4, FLAGS, 64240, 0, 0)
    csum = checksum(src + dst + pseudo_tail + seg)
    return seg[:16] + struct.pack("!H", csum) + seg[18:]


def frame():
    sport = random.randint(1024, 65535)
    if VIP.version == 4:
        src = struct.pack("!I", 0x64400000 | random.getrandbits(22))
        dst = VIP.packed
        seg = tcp(src, dst, sport, struct.pack("!BBH", 0, 6, 20))
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, 0, 0x4000, 64, 6, 0, src, dst)
        ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
        return ETH4 + ip + seg
    src = ipaddress.IPv6Address("2001:db8:f100::").packed[:6] + os.urandom(10)
    seg = tcp(src, VIP.packed, sport, struct.pack("!IxxxB", 20, 6))
    ip = struct.pack("!IHBB16s16s", 0x60000000, 20, 6, 64, src, VIP.packed)
    return ETH6 + ip + seg


sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
sock.bind((IFACE, 0))
src_mac = sock.getsockname()[4]
dst_mac = bytes.fromhex(DST_MAC.replace(":", ""))
ETH4 = dst_mac + src_mac + b"\x08\x00"
ETH6 = dst_mac + src_mac + b"\x86\xdd"

start = time.monotonic()
sent = 0
while sent < COUNT and time.monotonic() - start < SECONDS:
    for _ in range(min(1000, COUNT - sent)):
        try:
            sock.send(frame())
            sent += 1
        except OSError as e:
            if e.errno != errno.ENOBUFS:  # a full device queue: go on with the next one
                raise
print(f"sent {sent} in {time.monotonic() - start:.1f} s", flush=True)
