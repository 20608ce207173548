# SPDX-License-Identifier: Apache-2.0
"""Sends tunnel-encapsulated TCP SYNs, built with scapy, and reports which got a SYN-ACK.

  tunnel_syn.py IFACE DST_MAC FOU_PORT GUE_PORT FIRST_SPORT CASE...

CASE is "KIND,OUTER_SRC,OUTER_DST,INNER_SRC,INNER_DST[,zero-checksum]" with KIND one of ipip,
gre, fou, gue; the SYN goes to INNER_DST port 80 inside the tunnel from OUTER_SRC to
OUTER_DST, in a frame to DST_MAC on IFACE. zero-checksum sends FOU/GUE with UDP checksum 0.
The cases use TCP source ports FIRST_SPORT, FIRST_SPORT + 1, ...: a caller running several
batches keeps them apart (a backend retransmits the SYN-ACKs of earlier ones). Prints one line
per case: "CASE reply" when INNER_DST answered INNER_SRC with a SYN-ACK within 3 seconds (the
SYN is sent up to three times), else "CASE none".
"""
import ipaddress
import sys
import threading
import time

from scapy.all import GRE, IP, UDP, AsyncSniffer, Ether, IPv6, Raw, TCP, sendp

IFACE, DST_MAC = sys.argv[1], sys.argv[2]
PORTS = {"fou": int(sys.argv[3]), "gue": int(sys.argv[4])}
FIRST_SPORT = int(sys.argv[5])
WAIT = 3.0


def ip_header(src, dst, proto):
    if ipaddress.ip_address(src).version == 6:
        return IPv6(src=src, dst=dst, nh=proto, hlim=64)
    return IP(src=src, dst=dst, proto=proto, ttl=64, flags="DF")


def frame(kind, outer_src, outer_dst, inner_src, inner_dst, sport, zero_checksum):
    inner6 = ipaddress.ip_address(inner_dst).version == 6
    inner = ip_header(inner_src, inner_dst, 6) / TCP(sport=sport, dport=80, flags="S",
                                                       seq=1000 + sport)
    ip_proto = 41 if inner6 else 4
    if kind == "ipip":
        return ip_header(outer_src, outer_dst, ip_proto) / inner
    if kind == "gre":
        return ip_header(outer_src, outer_dst, 47) / GRE(proto=0x86DD if inner6 else 0x0800) / inner
    udp = UDP(sport=0x8000 | sport, dport=PORTS[kind])
    if zero_checksum:
        udp.chksum = 0
    if kind == "gue":  # variant 0, no flags: version/C/Hlen 0, protocol, flags 0
        return ip_header(outer_src, outer_dst, 17) / udp / Raw(bytes([0, ip_proto, 0, 0])) / inner
    return ip_header(outer_src, outer_dst, 17) / udp / inner


replies = set()
started = threading.Event()


def record(p):
    ip = p[IP] if IP in p else p[IPv6]
    replies.add((ipaddress.ip_address(ip.src), ipaddress.ip_address(ip.dst), p[TCP].dport))


sniffer = AsyncSniffer(iface=IFACE, store=False, prn=record, started_callback=started.set,
                       lfilter=lambda p: TCP in p and p[TCP].flags & 0x12 == 0x12)
sniffer.start()
started.wait(10)

for i, case in enumerate(sys.argv[6:]):
    fields = case.split(",")
    kind, outer_src, outer_dst, inner_src, inner_dst = fields[:5]
    sport = FIRST_SPORT + i
    packet = Ether(dst=DST_MAC) / frame(kind, outer_src, outer_dst, inner_src, inner_dst, sport,
                                        "zero-checksum" in fields[5:])
    want = (ipaddress.ip_address(inner_dst), ipaddress.ip_address(inner_src), sport)
    deadline = time.monotonic() + WAIT
    next_send = 0.0
    while want not in replies and time.monotonic() < deadline:
        if time.monotonic() >= next_send:
            sendp(packet, iface=IFACE, verbose=False)
            next_send = time.monotonic() + WAIT / 3
        time.sleep(0.05)
    print(case, "reply" if want in replies else "none", flush=True)

sniffer.stop()
