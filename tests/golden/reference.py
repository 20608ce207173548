#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""An independent reference for the two hashing contracts between balancers: the data
plane's flow hash and the Maglev table. Written from their descriptions (lib/control/maglev.cpp's
header comment, bpf/hash.h's comments and docs/reliability.md), not from the C++ or BPF
code paths, and run only by hand: its output is committed next to it and read by
tests/unit/test_golden.cpp and tests/packet/test_golden.cpp.

    /usr/bin/python3 tests/golden/reference.py > tests/golden/vectors.txt

If a test against vectors.txt fails, the implementation drifted from the contract; never
regenerate the vectors to make it pass unless the contract is changed on purpose."""

import ipaddress
import struct
import sys

M64 = (1 << 64) - 1
TABLE_SIZE = 16384  # XVS_MAGLEV_SIZE, the data plane's table
DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"  # backend index in a table line


def key_bytes(text):
    """16 address bytes as the data plane stores them: IPv6 as is, IPv4 mapped (::ffff:a.b.c.d)."""
    ip = ipaddress.ip_address(text)
    if ip.version == 4:
        return bytes(10) + b"\xff\xff" + ip.packed
    return ip.packed


# ---- Maglev (Eisenbud et al., NSDI 2016, with exact quotas and a rank-ordered fill) ----

def splitmix_finalise(x):
    x ^= x >> 30
    x = (x * 0xBF58476D1CE4E5B9) & M64
    x ^= x >> 27
    x = (x * 0x94D049BB133111EB) & M64
    return x ^ (x >> 31)


def maglev_key_hash(key, seed):
    """H(key, seed) = mix(mix(seed ^ w0) ^ w1), w0 and w1 the key read as big-endian words."""
    w0, w1 = struct.unpack(">QQ", key)
    return splitmix_finalise(splitmix_finalise(seed ^ w0) ^ w1)


OFFSET_SEED = int.from_bytes(b"maglev-o", "big")
SKIP_SEED = int.from_bytes(b"maglev-s", "big")


def maglev(backends, size):
    """backends: list of (key bytes, weight). Returns the table as input positions."""
    ranked = sorted((k, w, i) for i, (k, w) in enumerate(backends) if w > 0)
    total = sum(w for _, w, _ in ranked)
    quota, remainder = [], []
    for rank, (_, w, _) in enumerate(ranked):
        quota.append(size * w // total)
        remainder.append((-(size * w % total), rank))  # largest first, then smaller rank
    for _, rank in sorted(remainder)[: size - sum(quota)]:
        quota[rank] += 1
    # Permutation of backend r: slot(j) = (offset + j * skip) mod size, skip odd.
    perm = [(maglev_key_hash(k, OFFSET_SEED) % size, maglev_key_hash(k, SKIP_SEED) % size | 1)
            for k, _, _ in ranked]
    table = [None] * size
    taken = [0] * len(ranked)
    step = 0
    while any(taken[r] < quota[r] for r in range(len(ranked))):
        for r, (_, _, position) in enumerate(ranked):
            if taken[r] == quota[r]:
                continue
            offset, skip = perm[r]
            slot = (offset + step * skip) % size
            if table[slot] is None:
                table[slot] = position
                taken[r] += 1
        step += 1
    return table


# ---- Flow hash (bpf/hash.h as documented in docs/reliability.md) ----

FLOW_SEED = 0x6C62272E07BB0142
FLOW_MUL = 0x9E3779B97F4A7C15


def flow_words(text):
    """The address as the four 32-bit words of struct xvs_addr loaded on a little-endian host
    (the bytes are in network order in memory)."""
    return struct.unpack("<4I", key_bytes(text))


def flow_mix(h, hi, lo):
    h = ((h ^ ((hi << 32) | lo)) * FLOW_MUL) & M64
    return h ^ (h >> 32)


def murmur_finalise(h):
    h ^= h >> 33
    h = (h * 0xFF51AFD7ED558CCD) & M64
    h ^= h >> 33
    h = (h * 0xC4CEB9FE1A85EC53) & M64
    h ^= h >> 33
    return h & 0xFFFFFFFF


def swap16(port):
    """A port in network order, as its u16 field reads on a little-endian host."""
    return struct.unpack("<H", struct.pack(">H", port))[0]


def flow_hash(saddr, daddr, sport, dport, proto, sticky):
    h = FLOW_SEED
    for addr in (saddr, daddr):
        w = flow_words(addr)
        h = flow_mix(h, w[0], w[1])
        h = flow_mix(h, w[2], w[3])
    if not sticky:
        h = flow_mix(h, (swap16(sport) << 16) | swap16(dport), proto)
    return murmur_finalise(h)


# ---- The committed vectors ----

MAGLEV_SETS = {
    # What the packet test programs (tests/packet/lab.cpp backends()): 10.0.0.n / fd00::n.
    "lab4": [("10.0.0.%d" % n, 1) for n in range(1, 6)],
    "lab6": [("fd00::%d" % n, 1) for n in range(1, 4)],
    "weighted": [("10.0.0.1", 1), ("10.0.0.2", 1), ("10.0.0.3", 2), ("2001:db8::1", 3)],
    "many": [("10.1.%d.%d" % (n // 250, n % 250 + 1), 1 + n % 7) for n in range(36)],
    "extreme": [("192.0.2.1", 65535), ("192.0.2.2", 1), ("192.0.2.3", 300)],
}


def flows():
    out = []
    for n in range(24):  # IPv4 TCP to the packet tests' VIP and port
        out.append(("198.51.100.%d" % (7 + n * 9), "192.0.2.10", 40000 + n * 977, 80, 6))
    for n in range(8):
        out.append(("203.0.113.%d" % (1 + n * 31), "192.0.2.10", 1024 + n * 7919, 53, 17))
    for n in range(16):
        out.append(("2001:db8:c::%x" % (7 + n * 4099), "2001:db8::10", 33000 + n * 1543, 443, 6))
    out.append(("0.0.0.0", "0.0.0.0", 0, 0, 0))
    out.append(("255.255.255.255", "255.255.255.255", 65535, 65535, 255))
    return out


def main():
    w = sys.stdout.write
    w("# Golden vectors from tests/golden/reference.py (see tests/golden/README.md). Do not edit.\n")
    w("# maglev NAME SIZE ADDR/WEIGHT,... TABLE (one digit per slot: base-36 input position)\n")
    for name, members in MAGLEV_SETS.items():
        table = maglev([(key_bytes(a), wt) for a, wt in members], TABLE_SIZE)
        w("maglev %s %d %s %s\n" % (name, TABLE_SIZE, ",".join("%s/%d" % m for m in members),
                                     "".join(DIGITS[i] for i in table)))
    w("# flow SADDR DADDR SPORT DPORT PROTO HASH STICKY_HASH (hashes in hex)\n")
    for f in flows():
        w("flow %s %s %d %d %d %08x %08x\n" % (f + (flow_hash(*f, False), flow_hash(*f, True))))


if __name__ == "__main__":
    main()
