# SPDX-License-Identifier: Apache-2.0
# Decodes data-plane output frames with scapy, a third implementation independent of both the
# BPF code and the C++ test harness. One frame per input line:
#   <hex> <dst MAC> <VLAN ID or -> <PCP or -> <TTL/hop limit>
# Checks those fields, and that every checksum equals the one scapy computes itself.
# Prints "ok" and exits 0 when all frames pass.
import sys

from scapy.all import ICMP, IP, TCP, UDP, Dot1Q, Ether, IPv6, raw
from scapy.layers.inet6 import ICMPv6EchoReply

CHECKSUMMED = [(IP, "chksum"), (TCP, "chksum"), (UDP, "chksum"), (ICMP, "chksum"),
               (ICMPv6EchoReply, "cksum")]

for line in sys.stdin:
    hexs, dst, vlan, prio, ttl = line.split()
    frame = Ether(bytes.fromhex(hexs))
    assert frame.dst == dst, (frame.dst, dst)
    if vlan != "-":
        assert frame[Dot1Q].vlan == int(vlan) and frame[Dot1Q].prio == int(prio), frame.summary()
    else:
        assert Dot1Q not in frame, frame.summary()
    hops = frame[IP].ttl if IP in frame else frame[IPv6].hlim
    assert hops == int(ttl), (hops, ttl)
    copy = Ether(raw(frame))
    for layer, field in CHECKSUMMED:
        if layer in copy:
            setattr(copy[layer], field, None)  # scapy recomputes it on raw()
    recomputed = Ether(raw(copy))
    for layer, field in CHECKSUMMED:
        if layer in frame:
            got, want = getattr(frame[layer], field), getattr(recomputed[layer], field)
            assert got == want, (layer.__name__, hex(got), hex(want))
print("ok")
