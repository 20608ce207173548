# SPDX-License-Identifier: Apache-2.0
"""Path-MTU discovery through DSR, from the client's side.

  pmtu_probe.py VIP PORT ROUTER MTU IFACE GATEWAY_MAC

Opens a TCP connection to VIP:PORT (a backend.py line port), learns from the answer which
backend serves it, then plays a router on the backend's path to the client: it sends,
towards the VIP (through IFACE to GATEWAY_MAC, the balancer), ICMP "fragmentation needed" /
ICMPv6 "packet too big" with MTU, from ROUTER, quoting a full-sized segment of the backend
in this connection. Linux accepts such an error for a TCP socket only if the quoted sequence
number lies in [snd_una, snd_nxt] of the backend: the connection is idle, so both equal the
client's rcv_nxt, read with TCP_REPAIR. Prints the backend's name; keeps the connection
open for a moment so the backend's socket is there when the error arrives.
"""
import socket
import struct
import sys
import time

from scapy.all import ICMP, IP, TCP, Ether, ICMPv6PacketTooBig, IPv6, Raw, get_if_hwaddr, sendp

TCP_REPAIR, TCP_REPAIR_QUEUE, TCP_QUEUE_SEQ, TCP_RECV_QUEUE = 19, 20, 21, 1
QUOTED_LEN = 1500  # the length the quoted segment claims: what did not fit
QUOTE_PAYLOAD = 64  # bytes of its payload quoted after the headers

vip, port, router, mtu, iface, gateway = sys.argv[1:7]
port, mtu = int(port), int(mtu)
v6 = ":" in vip

conn = socket.create_connection((vip, port), timeout=5)
conn.sendall(b"pmtu\n")
answer = conn.makefile().readline().split()
if len(answer) != 2 or answer[1] != "pmtu":
    sys.exit(f"pmtu_probe: unexpected answer {answer}")
client, client_port = conn.getsockname()[:2]

conn.setsockopt(socket.IPPROTO_TCP, TCP_REPAIR, 1)
conn.setsockopt(socket.IPPROTO_TCP, TCP_REPAIR_QUEUE, TCP_RECV_QUEUE)
rcv_nxt = struct.unpack("I", conn.getsockopt(socket.IPPROTO_TCP, TCP_QUEUE_SEQ, 4))[0]
conn.setsockopt(socket.IPPROTO_TCP, TCP_REPAIR, 0)

segment = TCP(sport=port, dport=client_port, seq=rcv_nxt, flags="PA") / Raw(b"x" * QUOTE_PAYLOAD)
if v6:
    quoted = IPv6(src=vip, dst=client, plen=QUOTED_LEN - 40, hlim=63) / segment
    error = IPv6(src=router, dst=vip) / ICMPv6PacketTooBig(mtu=mtu) / quoted
else:
    quoted = IP(src=vip, dst=client, len=QUOTED_LEN, flags="DF", ttl=63) / segment
    error = IP(src=router, dst=vip) / ICMP(type=3, code=4, nexthopmtu=mtu) / quoted
sendp(Ether(src=get_if_hwaddr(iface), dst=gateway) / error, iface=iface, verbose=False)
print(answer[0], flush=True)
time.sleep(0.5)
conn.close()
