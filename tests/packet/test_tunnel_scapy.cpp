// SPDX-License-Identifier: Apache-2.0
// The wire format, read by an independent dissector: frames the data plane produced for every
// tunnel type (and its ICMP too-big errors) go to a pcap file, which Debian's scapy
// (/usr/bin/python3, package python3-scapy) decodes; it checks the layers and fields against
// what the test expects, and recomputes every checksum itself.
#include <catch2/catch.hpp>

#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "lab.hpp"

using namespace xvs;
using namespace xvs::test;

namespace {

constexpr const char* kPython = "/usr/bin/python3";

// argv: pcap file, expectations file (one JSON object per frame, in order).
constexpr const char* kScript = R"PY(
import json, sys
from scapy.all import (rdpcap, raw, Ether, Dot1Q, IP, IPv6, UDP, TCP, GRE, ICMP,
                       ICMPv6PacketTooBig, IPerror, IPerror6)

def family(addr):
    return IPv6 if ":" in addr else IP

def same_checksum(pkt, layer, field):
    """Deletes `field` of `layer` in a copy of `pkt` and lets scapy recompute it."""
    copy = pkt.copy()
    delattr(copy[layer], field)
    return getattr(type(pkt)(raw(copy))[layer], field) == getattr(pkt[layer], field)

def check_inner(data, e):
    cls = IPv6 if data[0] >> 4 == 6 else IP
    assert cls is family(e["inner_dst"]), "inner family"
    inner = cls(data)
    assert inner.src == e["inner_src"] and inner.dst == e["inner_dst"], inner.summary()
    assert (inner.hlim if cls is IPv6 else inner.ttl) == e["inner_ttl"], "inner TTL"
    l4 = TCP if e["inner_proto"] == "tcp" else UDP
    assert inner[l4].dport == e["inner_dport"], "inner port"
    assert same_checksum(inner, l4, "chksum"), "inner L4 checksum"
    if cls is IP:
        assert same_checksum(inner, IP, "chksum"), "inner IPv4 checksum"

def check(pkt, e):
    if e["vlan"] is not None:
        assert pkt[Dot1Q].vlan == e["vlan"], "VLAN ID"
    outer = pkt[Dot1Q].payload if Dot1Q in pkt else pkt[Ether].payload
    cls = family(e["outer_dst"])
    assert isinstance(outer, cls), "outer family"
    assert outer.src == e["outer_src"] and outer.dst == e["outer_dst"], outer.summary()
    if cls is IP:
        assert outer.ttl == 64 and outer.flags.DF and outer.frag == 0, "outer IPv4 flags"
        assert same_checksum(outer, IP, "chksum"), "outer IPv4 checksum"
        proto = outer.proto
    else:
        assert outer.hlim == 64, "hop limit"
        proto = outer.nh
    kind = e["kind"]
    inner6 = ":" in e.get("inner_dst", "")
    if kind == "ipip":
        assert proto == (41 if inner6 else 4), "IPIP protocol"
        check_inner(raw(outer.payload), e)
    elif kind == "gre":
        gre = outer[GRE]
        assert proto == 47 and gre.version == 0, "GRE"
        assert not (gre.chksum_present or gre.routing_present or gre.key_present
                    or gre.seqnum_present), "GRE flags"
        assert gre.proto == (0x86DD if inner6 else 0x0800), "GRE protocol type"
        check_inner(raw(gre.payload), e)
    elif kind in ("fou", "gue"):
        udp = outer[UDP]
        assert proto == 17 and udp.dport == e["dport"] and udp.sport >= 0x8000, udp.summary()
        assert udp.len == len(raw(udp)), "UDP length"
        if e["udp_checksum"]:
            assert udp.chksum != 0 and same_checksum(outer, UDP, "chksum"), "outer UDP checksum"
        else:
            assert udp.chksum == 0, "no outer UDP checksum"
        data = raw(udp.payload)
        if kind == "gue":
            assert data[0] == 0, "GUE version 0, C 0, Hlen 0"
            assert data[1] == (41 if inner6 else 4), "GUE protocol"
            assert data[2:4] == b"\0\0", "GUE flags"
            data = data[4:]
        check_inner(data, e)
    elif kind == "too_big":
        if cls is IP:
            icmp = outer[ICMP]
            assert (icmp.type, icmp.code, icmp.nexthopmtu) == (3, 4, e["mtu"]), icmp.summary()
            assert same_checksum(outer, ICMP, "chksum"), "ICMP checksum"
            quoted = outer[IPerror]
            assert len(raw(outer)) <= 576, "IPv4 error size"
        else:
            icmp = outer[ICMPv6PacketTooBig]
            assert (icmp.type, icmp.code, icmp.mtu) == (2, 0, e["mtu"]), icmp.summary()
            assert same_checksum(outer, ICMPv6PacketTooBig, "cksum"), "ICMPv6 checksum"
            quoted = outer[IPerror6]
            assert len(raw(outer)) <= 1280, "IPv6 error size"
        assert quoted.src == e["outer_dst"] and quoted.dst == e["outer_src"], "quote"
    else:
        raise AssertionError("unknown kind " + kind)

pkts = rdpcap(sys.argv[1])
expected = [json.loads(line) for line in open(sys.argv[2])]
assert len(pkts) == len(expected), "frame count"
for n, (pkt, e) in enumerate(zip(pkts, expected)):
    try:
        check(pkt, e)
    except AssertionError as err:
        sys.exit("frame %d (%s): %s" % (n, e["kind"], err))
print("scapy: %d frames decoded and checked" % len(pkts))
)PY";

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string name = (std::filesystem::temp_directory_path() / "xvs-scapy-XXXXXX").string();
    REQUIRE(mkdtemp(name.data()) != nullptr);
    path = name;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

void put_le32(std::ofstream& out, std::uint32_t v) {
  const char b[4] = {static_cast<char>(v), static_cast<char>(v >> 8), static_cast<char>(v >> 16),
                     static_cast<char>(v >> 24)};
  out.write(b, 4);
}

// libpcap's file format: little-endian header (magic a1b2c3d4, v2.4, Ethernet), one record
// per frame.
void write_pcap(const std::filesystem::path& file, const std::vector<Bytes>& frames) {
  std::ofstream out(file, std::ios::binary);
  for (std::uint32_t v : {0xa1b2c3d4u, 0x00040002u, 0u, 0u, 65535u, 1u}) put_le32(out, v);
  for (const Bytes& f : frames) {
    for (std::uint32_t v : {0u, 0u}) put_le32(out, v);
    put_le32(out, static_cast<std::uint32_t>(f.size()));
    put_le32(out, static_cast<std::uint32_t>(f.size()));
    out.write(reinterpret_cast<const char*>(f.data()), static_cast<std::streamsize>(f.size()));
  }
  REQUIRE(out.good());
}

const char* kind_of(TunnelType t) {
  switch (t) {
    case TunnelType::IPIP: return "ipip";
    case TunnelType::GRE: return "gre";
    case TunnelType::FOU: return "fou";
    case TunnelType::GUE: return "gue";
    case TunnelType::None: break;
  }
  return "none";
}

struct Case {
  TunnelType type;
  bool inner6, outer6;
  Protocol proto;
  bool checksum;
  bool tagged;
};

}  // namespace

TEST_CASE("scapy decodes every tunnel type and the too-big errors as specified") {
  REQUIRE(access(kPython, X_OK) == 0);
  std::vector<Bytes> frames;
  std::string expectations;

  const Case cases[] = {
      {TunnelType::IPIP, false, true, Protocol::TCP, true, true},  // 4in6
      {TunnelType::IPIP, true, false, Protocol::UDP, true, false},  // 6in4
      {TunnelType::IPIP, false, false, Protocol::TCP, true, false},
      {TunnelType::IPIP, true, true, Protocol::TCP, true, true},
      {TunnelType::GRE, true, false, Protocol::TCP, true, false},
      {TunnelType::GRE, false, true, Protocol::UDP, true, true},
      {TunnelType::FOU, false, false, Protocol::UDP, true, false},
      {TunnelType::FOU, true, true, Protocol::TCP, false, true},
      {TunnelType::FOU, true, false, Protocol::TCP, true, false},
      {TunnelType::GUE, true, true, Protocol::TCP, true, false},
      {TunnelType::GUE, false, false, Protocol::UDP, true, true},
      {TunnelType::GUE, false, true, Protocol::TCP, false, false},
  };
  for (const Case& c : cases) {
    Lab lab;
    const char* vip = c.inner6 ? kVip6 : kVip4;
    Backend b = tunnel_backend(c.type, c.outer6);
    b.no_checksum = !c.checksum;
    lab.set_service(service(vip, 80, c.proto), {b});
    FrameSpec in = tcp(c.inner6 ? kClient6 : kClient4, 41000, vip, 80, kAck | kPsh);
    in.proto = static_cast<std::uint8_t>(c.proto);
    in.payload.assign(77, 'w');
    if (c.tagged) in.vlan_tci = 0x2000 | 77;
    Run r = lab.run(build(in));
    REQUIRE(r.verdict == XDP_TX);
    frames.push_back(r.out);
    expectations += fmt::format(
        R"({{"kind": "{}", "vlan": {}, "outer_src": "{}", "outer_dst": "{}", )"
        R"("inner_src": "{}", "inner_dst": "{}", "inner_ttl": 63, "inner_proto": "{}", )"
        R"("inner_dport": 80, "dport": {}, "udp_checksum": {}}})"
        "\n",
        kind_of(c.type), c.tagged ? std::to_string(b.vlan) : "null", b.src, b.address, in.saddr, in.daddr,
        to_string(c.proto), b.tunnel_port, c.checksum ? "true" : "false");
  }
  for (bool v6 : {false, true}) {
    Lab lab;
    const char* vip = v6 ? kVip6 : kVip4;
    const Backend b = tunnel_backend(v6 ? TunnelType::GUE : TunnelType::IPIP, v6);
    lab.set_service(service(vip, 80), {b});
    FrameSpec in = tcp(v6 ? kClient6 : kClient4, 41000, vip, 80, kAck);
    in.payload.assign(1500 - (v6 ? 60 : 40), 'b');  // 1500 bytes: over by the overhead
    Run r = lab.run(build(in));
    REQUIRE(r.verdict == XDP_TX);
    REQUIRE(lab.reason(XVS_R_TOO_BIG) == 1);
    frames.push_back(r.out);
    expectations += fmt::format(
        R"({{"kind": "too_big", "vlan": null, "outer_src": "{}", "outer_dst": "{}", "mtu": {}}})"
        "\n",
        in.daddr, in.saddr, v6 ? 1500 - 52 : 1500 - 20);
  }

  TempDir dir;
  write_pcap(dir.path / "frames.pcap", frames);
  std::ofstream(dir.path / "expected.jsonl") << expectations;
  std::ofstream(dir.path / "check.py") << kScript;
  const auto output = dir.path / "output.txt";
  const std::string command =
      fmt::format("{} {} {} {} >{} 2>&1", kPython, (dir.path / "check.py").string(),
                  (dir.path / "frames.pcap").string(), (dir.path / "expected.jsonl").string(),
                  output.string());
  const int status = std::system(command.c_str());
  std::stringstream text;
  text << std::ifstream(output).rdbuf();
  INFO(text.str());
  CHECK(status == 0);
  CHECK_THAT(text.str(), Catch::Contains("14 frames decoded and checked"));
}
