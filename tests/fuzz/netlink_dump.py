# SPDX-License-Identifier: Apache-2.0
"""Dumps links, addresses, neighbours and routes of the current network namespace over
rtnetlink and writes the replies as seeds for tests/fuzz/netlink.cpp.

  netlink_dump.py OUTDIR

Writes one file per message (KIND-N, as the kernel sent it), each reply buffer of a dump
whole (KIND-dump-N: several messages, NLMSG_DONE included), the first message of each kind
again as its DEL variant (KIND-del), and a link message with an 802.1Q "vlan" IFLA_LINKINFO
appended (link-vlan; this kernel has no 8021q module to make a real one). Run by
netlink_seeds.sh inside the namespace it prepares.
"""
import os
import socket
import struct
import sys

OUT = sys.argv[1]
NLMSG_DONE = 3
NLM_F_REQUEST, NLM_F_DUMP = 0x1, 0x300
# kind: (RTM_GET*, RTM_DEL*, size of the family header)
KINDS = {"link": (18, 17, 16), "addr": (22, 21, 8), "neigh": (30, 29, 12),
         "route": (26, 25, 12)}


def write(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def messages(buf):
    """Splits a reply buffer into its messages."""
    out, off = [], 0
    while off + 16 <= len(buf):
        length, mtype = struct.unpack_from("=IH", buf, off)
        if length < 16:
            break
        out.append((mtype, buf[off:off + length]))
        off += (length + 3) & ~3
    return out


def dump(kind):
    get, delete, header = KINDS[kind]
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
    s.bind((0, 0))
    req = struct.pack("=IHHII", 16 + header, get, NLM_F_REQUEST | NLM_F_DUMP, 1, 0) + bytes(header)
    s.send(req)
    n, buffers, first, done = 0, 0, None, False
    while not done:
        buf = s.recv(65536)
        write(f"{kind}-dump-{buffers}", buf)
        buffers += 1
        for mtype, msg in messages(buf):
            if mtype == NLMSG_DONE:
                done = True
                continue
            write(f"{kind}-{n}", msg)
            first = first or msg
            n += 1
    s.close()
    if first:
        write(f"{kind}-del", first[:4] + struct.pack("=H", delete) + first[6:])
    return first


def attr(atype, payload):
    length = 4 + len(payload)
    return struct.pack("=HH", length, atype) + payload + bytes((4 - length % 4) % 4)


def vlan_link(link):
    """`link` with IFLA_LINK 2 and an 802.1Q IFLA_LINKINFO (VLAN 100) appended; the parser
    keeps the last IFLA_LINKINFO."""
    IFLA_LINK, IFLA_LINKINFO, INFO_KIND, INFO_DATA, VLAN_ID, VLAN_PROTOCOL = 5, 18, 1, 2, 1, 5
    NESTED = 0x8000
    vlan = attr(VLAN_ID, struct.pack("=H", 100)) + attr(VLAN_PROTOCOL, struct.pack("!H", 0x8100))
    info = attr(INFO_KIND, b"vlan\0") + attr(INFO_DATA | NESTED, vlan)
    msg = link + attr(IFLA_LINK, struct.pack("=I", 2)) + attr(IFLA_LINKINFO | NESTED, info)
    return struct.pack("=I", len(msg)) + msg[4:]


for kind in KINDS:
    first = dump(kind)
    if kind == "link" and first:
        write("link-vlan", vlan_link(first))
