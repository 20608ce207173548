// SPDX-License-Identifier: Apache-2.0
// resolve(): how a backend is reached, over hand-built snapshots of a balancer with two
// attached interfaces (one carrying an 802.1Q child) and one interface it does not use.
#include <catch2/catch.hpp>

#include <algorithm>

#include "net/netinfo.hpp"

using namespace xvs;
using namespace xvs::detail;

namespace {

constexpr int eth0 = 2, eth1 = 3, eth1_20 = 4, eth5 = 5;
const std::vector<int> attached{eth0, eth1};

IPAddr ip(const char* text) { return IPAddr::parse(text); }
Prefix pfx(const char* text) { return Prefix::parse(text); }
MAC mac(std::uint8_t last) { return {0x02, 0, 0, 0, 0, last}; }

// eth0 (attached): 10.1.2.3/24, fd00:1::3/64, fe80::2/64; default routes via 10.1.2.1 and
//                  fd00:1::1.
// eth1 (attached): 10.3.0.3/24, MTU 9000; its 802.1Q child eth1.20 (VLAN 20): 10.20.0.3/24,
//                  fd00:20::3/64, fe80::4/64, and 192.168.0.0/16 via 10.20.0.1.
// eth5 (not attached): 10.5.0.3/24.
// Neighbours: the gateways, 10.1.2.10, fd00:1::10, 10.20.0.10, 10.3.0.10 usable;
// 10.1.2.11 incomplete.
NetSnapshot network() {
  NetSnapshot n;
  n.links = {
      {1, "lo", {}, 65536, true, 0, 0},
      {eth0, "eth0", mac(0x02), 1500, true, 0, 0},
      {eth1, "eth1", mac(0x03), 9000, true, 0, 0},
      {eth1_20, "eth1.20", mac(0x04), 1496, true, eth1, 20},
      {eth5, "eth5", mac(0x05), 1500, true, 0, 0},
  };
  n.addresses = {
      {1, pfx("127.0.0.1/8")},         {eth0, pfx("10.1.2.3/24")},
      {eth0, pfx("fd00:1::3/64")},     {eth0, pfx("fe80::2/64")},
      {eth1, pfx("10.3.0.3/24")},      {eth1_20, pfx("10.20.0.3/24")},
      {eth1_20, pfx("fe80::4/64")},    {eth1_20, pfx("fd00:20::3/64")},
      {eth5, pfx("10.5.0.3/24")},
  };
  n.neighbours = {
      {eth0, ip("10.1.2.1"), mac(0xa1), true},     {eth0, ip("10.1.2.10"), mac(0xa2), true},
      {eth0, ip("10.1.2.11"), {}, false},          {eth0, ip("fd00:1::1"), mac(0xa3), true},
      {eth0, ip("fd00:1::10"), mac(0xa4), true},   {eth1_20, ip("10.20.0.10"), mac(0xb1), true},
      {eth1_20, ip("10.20.0.1"), mac(0xb2), true}, {eth1, ip("10.3.0.10"), mac(0xc1), true},
  };
  n.routes = {
      {pfx("0.0.0.0/0"), ip("10.1.2.1"), eth0, 0},
      {pfx("10.1.2.0/24"), {}, eth0, 0},
      {pfx("10.3.0.0/24"), {}, eth1, 0},
      {pfx("10.20.0.0/24"), {}, eth1_20, 0},
      {pfx("192.168.0.0/16"), ip("10.20.0.1"), eth1_20, 0},
      {pfx("10.5.0.0/24"), {}, eth5, 0},
      {pfx("::/0"), ip("fd00:1::1"), eth0, 1024},
      {pfx("fd00:1::/64"), {}, eth0, 256},
      {pfx("fe80::/64"), {}, eth0, 256},
  };
  return n;
}

// VLAN 1 on eth0, VLAN 3 on eth1, VLAN 20 on eth1.20 (IPv4 and IPv6).
Config vlans() {
  Config c;
  c.ipv4_vlans = {{1, pfx("10.1.2.3/24")}, {3, pfx("10.3.0.3/24")}, {20, pfx("10.20.0.3/24")}};
  c.ipv6_vlans = {{1, pfx("fd00:1::3/64")}, {20, pfx("fd00:20::3/64")}};
  return c;
}

NextHop hop_of(const Resolution& r) {
  INFO("problem: " << r.problem);
  REQUIRE(r.next_hop.has_value());
  CHECK(r.problem.empty());
  return *r.next_hop;
}

std::string problem_of(const Resolution& r) {
  CHECK_FALSE(r.next_hop.has_value());
  return r.problem;
}

Resolution resolve_l2(const NetSnapshot& n, const Config& c, const char* backend) {
  return resolve(n, c, attached, ip(backend), true);
}

Resolution resolve_l3(const NetSnapshot& n, const Config& c, const char* backend) {
  return resolve(n, c, attached, ip(backend), false);
}

}  // namespace

TEST_CASE("a backend on an untagged attached interface is reached directly") {
  const NextHop expected{1, eth0, 1500, mac(0x02), ip("10.1.2.3"), ip("10.1.2.10"), mac(0xa2),
                         true, eth0};
  CHECK(hop_of(resolve_l2(network(), vlans(), "10.1.2.10")) == expected);
}

TEST_CASE("a backend on an 802.1Q child leaves by the parent with the child's VLAN and MAC") {
  const NextHop expected{20, eth1, 1496, mac(0x04), ip("10.20.0.3"), ip("10.20.0.10"),
                         mac(0xb1), true, eth1_20};
  CHECK(hop_of(resolve_l2(network(), vlans(), "10.20.0.10")) == expected);

  SECTION("the configured VLAN ID must be the child's") {
    Config c;
    c.ipv4_vlans = {{21, pfx("10.20.0.3/24")}};
    CHECK(problem_of(resolve_l2(network(), c, "10.20.0.10")) ==
          "VLAN 21 (10.20.0.0/24) is on eth1.20, whose 802.1Q VLAN ID is 20");
  }
}

TEST_CASE("an unresolved neighbour gives a next hop without MAC") {
  for (const char* backend : {"10.1.2.11", "10.1.2.12"}) {  // incomplete, and no entry at all
    INFO(backend);
    const NextHop h = hop_of(resolve_l2(network(), vlans(), backend));
    CHECK(h.hop == ip(backend));
    CHECK_FALSE(h.resolved);
    CHECK(h.hop_mac == MAC{});
    CHECK(h.ifindex == eth0);
  }
}

TEST_CASE("a neighbour entry counts only on the VLAN's own interface") {
  NetSnapshot n = network();
  n.neighbours = {{eth1, ip("10.20.0.10"), mac(0xee), true}};  // parent, not the VLAN child
  CHECK_FALSE(hop_of(resolve_l2(n, vlans(), "10.20.0.10")).resolved);
}

TEST_CASE("a remote backend is reached via the gateway of the VLAN holding the best route") {
  SECTION("the default route") {
    const NextHop expected{1, eth0, 1500, mac(0x02), ip("10.1.2.3"), ip("10.1.2.1"), mac(0xa1),
                           true, eth0};
    CHECK(hop_of(resolve_l3(network(), vlans(), "172.16.5.5")) == expected);
  }
  SECTION("a longer prefix beats the default route") {
    const NextHop h = hop_of(resolve_l3(network(), vlans(), "192.168.7.7"));
    CHECK(h.vlan_id == 20);
    CHECK(h.ifindex == eth1);
    CHECK(h.hop == ip("10.20.0.1"));
    CHECK(h.hop_mac == mac(0xb2));
  }
  SECTION("the lowest metric wins among equal prefixes") {
    NetSnapshot n = network();
    n.routes.push_back({pfx("0.0.0.0/0"), ip("10.1.2.2"), eth0, 100});
    n.routes.front().priority = 200;
    const NextHop h = hop_of(resolve_l3(n, vlans(), "172.16.5.5"));
    CHECK(h.hop == ip("10.1.2.2"));
    CHECK_FALSE(h.resolved);
  }
  SECTION("no route at all") {
    NetSnapshot n = network();
    n.routes.erase(n.routes.begin());
    CHECK(problem_of(resolve_l3(n, vlans(), "172.16.5.5")) ==
          "no VLAN, configured route or kernel route reaches 172.16.5.5");
  }
}

TEST_CASE("config.routes picks the VLAN of remote backends") {
  Config c = vlans();
  c.routes = {{pfx("172.16.0.0/12"), 20}, {pfx("172.16.5.0/24"), 1}, {pfx("10.1.0.0/16"), 20}};

  SECTION("over the kernel's route; the VLAN's gateway is used even without a route to it") {
    const NextHop h = hop_of(resolve_l3(network(), c, "172.17.0.1"));
    CHECK(h.vlan_id == 20);
    CHECK(h.ifindex == eth1);
    CHECK(h.src == ip("10.20.0.3"));
    CHECK(h.hop == ip("10.20.0.1"));
    CHECK(h.resolved);
  }
  SECTION("the longest configured prefix wins") {
    const NextHop h = hop_of(resolve_l3(network(), c, "172.16.5.5"));
    CHECK(h.vlan_id == 1);
    CHECK(h.hop == ip("10.1.2.1"));
  }
  SECTION("a VLAN containing the backend comes first") {
    CHECK(hop_of(resolve_l3(network(), c, "10.1.2.10")).hop == ip("10.1.2.10"));
  }
  SECTION("a route to a VLAN not configured for the family") {
    c.routes = {{pfx("2001:db8::/32"), 3}};
    CHECK(problem_of(resolve_l3(network(), c, "2001:db8::1")) ==
          "route 2001:db8::/32 for 2001:db8::1 names VLAN 3, which has no IPv6 prefix configured");
  }
  SECTION("a VLAN without any gateway") {
    c.routes = {{pfx("172.16.0.0/12"), 3}};
    CHECK(problem_of(resolve_l3(network(), c, "172.17.0.1")) ==
          "VLAN 3 (10.3.0.0/24) has no gateway: no route on eth1 via an address inside it");
  }
}

TEST_CASE("layer 2 requires the backend to be on a local VLAN") {
  CHECK(problem_of(resolve_l2(network(), vlans(), "10.9.9.9")) ==
        "10.9.9.9 is not on a local VLAN (layer-2 destinations must be)");
  Config c;
  CHECK(problem_of(resolve_l2(network(), c, "10.9.9.9")) ==
        "10.9.9.9 is not on a local VLAN (layer-2 destinations must be)");
}

TEST_CASE("a VLAN must be on an attached interface or an 802.1Q child of one") {
  Config c = vlans();
  c.ipv4_vlans[10] = pfx("10.5.0.3/24");
  CHECK(problem_of(resolve_l2(network(), c, "10.5.0.9")) ==
        "VLAN 10 (10.5.0.0/24) is on eth5, which is not attached");

  SECTION("a child whose parent is not attached") {
    const std::vector<int> only_eth0{eth0};
    CHECK(problem_of(resolve(network(), c, only_eth0, ip("10.20.0.10"), true)) ==
          "VLAN 20 (10.20.0.0/24) is on eth1.20, which is not attached");
  }
  SECTION("a VLAN no interface has an address in") {
    c.ipv4_vlans[7] = pfx("10.77.0.1/24");
    CHECK(problem_of(resolve_l2(network(), c, "10.77.0.5")) ==
          "VLAN 7 (10.77.0.0/24) is on no interface: none has an address inside it");
  }
}

TEST_CASE("an IPv6 backend gets our global IPv6 address, never a link-local one") {
  SECTION("configured VLAN") {
    const NextHop expected{1, eth0, 1500, mac(0x02), ip("fd00:1::3"), ip("fd00:1::10"),
                           mac(0xa4), true, eth0};
    CHECK(hop_of(resolve_l2(network(), vlans(), "fd00:1::10")) == expected);
  }
  SECTION("802.1Q child") {
    const NextHop h = hop_of(resolve_l2(network(), vlans(), "fd00:20::9"));
    CHECK(h.src == ip("fd00:20::3"));
    CHECK(h.vlan_id == 20);
  }
  SECTION("remote, without configured VLANs") {
    const NextHop h = hop_of(resolve_l3(network(), Config{}, "2001:db8::1"));
    CHECK(h.src == ip("fd00:1::3"));
    CHECK(h.hop == ip("fd00:1::1"));
    CHECK(h.vlan_id == 0);
  }
  SECTION("via a link-local router") {
    NetSnapshot n = network();
    n.routes.push_back({pfx("2001:db8::/32"), ip("fe80::1"), eth0, 1024});
    n.neighbours.push_back({eth0, ip("fe80::1"), mac(0xa9), true});
    const NextHop h = hop_of(resolve_l3(n, vlans(), "2001:db8::1"));
    CHECK(h.src == ip("fd00:1::3"));
    CHECK(h.hop == ip("fe80::1"));
    CHECK(h.hop_mac == mac(0xa9));
  }
  SECTION("an interface with only a link-local address has no source") {
    NetSnapshot n = network();
    n.addresses.push_back({eth1, pfx("fe80::3/64")});
    n.routes.push_back({pfx("2001:db8::/32"), ip("fe80::1"), eth1, 1024});
    CHECK(problem_of(resolve_l3(n, Config{}, "2001:db8::1")) ==
          "eth1 has no IPv6 address to send from");
  }
  SECTION("IPv4 VLANs do not serve IPv6 backends") {
    Config c;
    c.ipv4_vlans = vlans().ipv4_vlans;
    c.ipv6_vlans = {{20, pfx("fd00:20::3/64")}};
    CHECK(hop_of(resolve_l2(network(), c, "fd00:20::9")).vlan_id == 20);
    CHECK(problem_of(resolve_l2(network(), c, "fd00:1::10")) ==
          "no VLAN, configured route or kernel route reaches fd00:1::10");
  }
}

TEST_CASE("without configured VLANs the attached interfaces' networks are used") {
  const Config none;
  SECTION("untagged") {
    const NextHop expected{0, eth0, 1500, mac(0x02), ip("10.1.2.3"), ip("10.1.2.10"),
                           mac(0xa2), true, eth0};
    CHECK(hop_of(resolve_l2(network(), none, "10.1.2.10")) == expected);
  }
  SECTION("an 802.1Q child keeps its VLAN ID") {
    const NextHop expected{20, eth1, 1496, mac(0x04), ip("10.20.0.3"), ip("10.20.0.10"),
                           mac(0xb1), true, eth1_20};
    CHECK(hop_of(resolve_l2(network(), none, "10.20.0.10")) == expected);
  }
  SECTION("a non-attached interface's network is not local; the default route is used") {
    CHECK(problem_of(resolve_l2(network(), none, "10.5.0.9")) ==
          "10.5.0.9 is not on a local VLAN (layer-2 destinations must be)");
    const NextHop h = hop_of(resolve_l3(network(), none, "10.5.0.9"));
    CHECK(h.hop == ip("10.1.2.1"));
    CHECK(h.ifindex == eth0);
  }
  SECTION("only routes out of attached interfaces count") {
    const std::vector<int> only_eth1{eth1};
    CHECK(problem_of(resolve(network(), none, only_eth1, ip("172.16.5.5"), false)) ==
          "no attached interface has a connected prefix or route reaching 172.16.5.5");
    CHECK(hop_of(resolve(network(), none, only_eth1, ip("192.168.1.1"), false)).hop ==
          ip("10.20.0.1"));
  }
  SECTION("an on-link route without an address in it is local") {
    NetSnapshot n = network();
    n.routes.push_back({pfx("100.64.0.0/24"), {}, eth0, 0});
    const NextHop h = hop_of(resolve_l2(n, none, "100.64.0.9"));
    CHECK(h.hop == ip("100.64.0.9"));
    CHECK(h.src == ip("10.1.2.3"));
  }
}

TEST_CASE("overlapping VLAN prefixes: the longest containing the backend wins") {
  NetSnapshot n = network();
  n.addresses.push_back({eth1, pfx("10.1.0.3/16")});
  Config c;
  c.ipv4_vlans = {{1, pfx("10.1.0.3/16")}, {2, pfx("10.1.2.3/24")}};

  const NextHop inner = hop_of(resolve_l2(n, c, "10.1.2.10"));
  CHECK(inner.vlan_id == 2);
  CHECK(inner.ifindex == eth0);
  // 10.1.2.3 (eth0) lies inside 10.1.0.0/16 too; the exact configured address picks eth1.
  const NextHop outer = hop_of(resolve_l2(n, c, "10.1.9.9"));
  CHECK(outer.vlan_id == 1);
  CHECK(outer.ifindex == eth1);
  CHECK(outer.src == ip("10.1.0.3"));
}

TEST_CASE("several attached interfaces: each backend leaves by its own") {
  const NextHop a = hop_of(resolve_l2(network(), vlans(), "10.3.0.10"));
  CHECK(a.ifindex == eth1);
  CHECK(a.vlan_id == 3);
  CHECK(a.mtu == 9000);
  CHECK(a.src_mac == mac(0x03));
  CHECK(a.hop_mac == mac(0xc1));
  CHECK(hop_of(resolve_l2(network(), vlans(), "10.1.2.10")).ifindex == eth0);
  CHECK(hop_of(resolve_l2(network(), vlans(), "10.20.0.10")).ifindex == eth1);
}

TEST_CASE("resolution is deterministic and independent of the snapshot's order") {
  NetSnapshot shuffled = network();
  std::reverse(shuffled.links.begin(), shuffled.links.end());
  std::reverse(shuffled.addresses.begin(), shuffled.addresses.end());
  std::reverse(shuffled.neighbours.begin(), shuffled.neighbours.end());
  std::reverse(shuffled.routes.begin(), shuffled.routes.end());
  // Equal candidates that only the tie-breaks separate.
  NetSnapshot base = network();
  for (NetSnapshot* n : {&base, &shuffled}) {
    n->routes.push_back({pfx("172.16.0.0/12"), ip("10.1.2.9"), eth0, 5});
    n->routes.push_back({pfx("172.16.0.0/12"), ip("10.1.2.8"), eth0, 5});
  }
  std::rotate(shuffled.routes.begin(), shuffled.routes.end() - 1, shuffled.routes.end());

  for (const Config& c : {vlans(), Config{}}) {
    for (const char* backend : {"10.1.2.10", "10.1.2.11", "10.20.0.10", "172.16.5.5",
                                "192.168.1.1", "10.5.0.9", "fd00:1::10", "2001:db8::1"}) {
      for (bool layer2 : {false, true}) {
        INFO(backend << " layer2=" << layer2);
        const Resolution first = resolve(base, c, attached, ip(backend), layer2);
        const Resolution again = resolve(base, c, attached, ip(backend), layer2);
        const Resolution other = resolve(shuffled, c, attached, ip(backend), layer2);
        CHECK(first.next_hop == again.next_hop);
        CHECK(first.problem == again.problem);
        CHECK(first.next_hop == other.next_hop);
        CHECK(first.problem == other.problem);
      }
    }
  }
  CHECK(hop_of(resolve_l3(base, vlans(), "172.16.5.5")).hop == ip("10.1.2.8"));
}

TEST_CASE("an invalid backend address is a problem, not an exception") {
  CHECK(problem_of(resolve(network(), vlans(), attached, IPAddr{}, false)) ==
        "the backend address is not set");
}

TEST_CASE("address_on: our lowest address of a family on an interface, never link-local") {
  const NetSnapshot n = network();
  CHECK(address_on(n, eth1_20, true) == ip("10.20.0.3"));
  CHECK(address_on(n, eth1_20, false) == ip("fd00:20::3"));
  CHECK(address_on(n, eth0, false) == ip("fd00:1::3"));
  CHECK_FALSE(address_on(n, eth1, false).valid());  // no IPv6 there
  CHECK_FALSE(address_on(n, 99, true).valid());
}

TEST_CASE("the resolved next hop names the interface holding our address") {
  CHECK(hop_of(resolve_l2(network(), vlans(), "10.20.0.10")).link == eth1_20);
  CHECK(hop_of(resolve_l2(network(), vlans(), "10.3.0.10")).link == eth1);
}
