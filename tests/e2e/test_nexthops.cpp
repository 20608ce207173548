// SPDX-License-Identifier: Apache-2.0
// Routes through Linux nexthop objects (`ip nexthop`, `ip route ... nhid N`), with the
// default net.ipv4.nexthop_compat_mode=1 and with 0, as FRR runs at scale: then the kernel's
// route messages carry only the object's id, and a nexthop replaced in place announces
// itself alone, without a message per route. The sysctl is per network namespace. A Client in a throw-away namespace follows its destinations through
// them: single nexthops, a group (its first member), IPv6, a gateway replaced, an object
// removed (its routes go unannounced) and its id used again.
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

#include <xvs/xvs.hpp>

#include "client_state.hpp"
#include "next_hops.hpp"

using namespace xvs;
using namespace xvs::test;

namespace {

// What a fixture command prints.
std::string output_of(const std::string& cmd) {
  const std::unique_ptr<FILE, int (*)(FILE*)> p(popen((cmd + " 2>&1").c_str(), "r"), pclose);
  std::string out;
  char buf[256];
  while (p && std::fgets(buf, sizeof buf, p.get()) != nullptr) out += buf;
  return out;
}

// Catch2 v2 cannot mark a test as skipped: the process ends with 77 (SKIP_RETURN_CODE).
void skip_unless(bool ok, const char* why) {
  if (ok) return;
  std::fprintf(stderr, "SKIPPED: %s\n", why);
  std::fflush(stderr);
  std::_Exit(77);
}

}  // namespace

TEST_CASE("routes through nexthop objects are followed, also with nexthop_compat_mode=0") {
  // 1 (the default): route messages also carry the gateway, and a replaced nexthop sends
  // one per route; 0: neither.
  const int compat = GENERATE(0, 1);
  INFO("nexthop_compat_mode=" << compat);
  Network net;  // anonymous namespace: its nexthops, routes and sysctl go with it
  skip_unless(std::system("ip nexthop show >/dev/null 2>&1") == 0,
              "no `ip nexthop` (iproute2 and Linux 5.3 or later)");
  skip_unless(std::ifstream("/proc/sys/net/ipv4/nexthop_compat_mode").good(),
              "no net.ipv4.nexthop_compat_mode (Linux 5.8 or later)");
  // Per namespace (net->ipv4.sysctl_nexthop_compat_mode): the host's stays as it was.
  ScopedNetns::sh("sysctl -w net.ipv4.nexthop_compat_mode=" + std::to_string(compat));
  add_routers();
  ScopedNetns::sh("ip nexthop add id 1 via 10.0.0.2 dev v0");
  ScopedNetns::sh("ip nexthop add id 2 via 10.0.0.3 dev v0");
  ScopedNetns::sh("ip nexthop add id 10 group 2/1");
  ScopedNetns::sh("ip nexthop add id 6 via fd00::2 dev v0");
  ScopedNetns::sh("ip route add 172.16.0.0/24 nhid 1");
  ScopedNetns::sh("ip route add 172.16.1.0/24 nhid 10");
  ScopedNetns::sh("ip -6 route add 2001:db8:1::/64 nhid 6");
  // With 0 the routes really come without their gateways (1 adds "via").
  const std::string shown = output_of("ip route show 172.16.0.0/24");
  INFO(shown);
  REQUIRE(shown.find("nhid 1") != std::string::npos);
  REQUIRE((shown.find("via") == std::string::npos) == (compat == 0));

  Client c({"v0"}, xvs::test::small_options());
  c.create_service(web());
  for (const char* d : {"172.16.0.5", "172.16.1.5", "2001:db8:1::5"})
    c.create_destination(web(), tunnelled(d));
  CHECK(wait_mac(c, "172.16.0.5", kMacA));
  CHECK(wait_mac(c, "172.16.1.5", kMacB));  // the group's first member, nexthop 2
  CHECK(wait_mac(c, "2001:db8:1::5", kMacA));

  // A route moved between objects: route messages with the id alone. (Also lets whatever
  // the Client's start set off settle before the nexthop messages below.)
  CHECK(react(c, "172.16.0.5", "ip route replace 172.16.0.0/24 nhid 2", kMacB) >= 0);
  CHECK(react(c, "172.16.0.5", "ip route replace 172.16.0.0/24 nhid 1", kMacA) >= 0);

  // A gateway replaced in place: one nexthop message, none for the routes.
  CHECK(react(c, "172.16.0.5", "ip nexthop replace id 1 via 10.0.0.3 dev v0", kMacB) >= 0);
  CHECK(react(c, "172.16.1.5", "ip nexthop replace id 2 via 10.0.0.2 dev v0", kMacA) >= 0);
  CHECK(react(c, "2001:db8:1::5", "ip -6 nexthop replace id 6 via fd00::3 dev v0", kMacB) >=
        0);
  // The group's members changed: the new first one stands for it.
  CHECK(react(c, "172.16.1.5", "ip nexthop replace id 10 group 1/2", kMacB) >= 0);

  // Removed: the kernel deletes the routes through it without a route message; the
  // destination has no next hop. The group loses the member and keeps its routes.
  CHECK(react(c, "172.16.0.5", "ip nexthop del id 1", MAC{}) >= 0);
  CHECK(wait_mac(c, "172.16.1.5", kMacA));  // nexthop 2, now its only member
  CHECK(react(c, "2001:db8:1::5", "ip nexthop del id 6", MAC{}) >= 0);

  // The id again, for a new object: the routes that went with the old one stay gone. A
  // route through another new object is followed, so the id's message came before it.
  ScopedNetns::sh("ip nexthop add id 1 via 10.0.0.2 dev v0");
  ScopedNetns::sh("ip nexthop add id 3 via 10.0.0.3 dev v0");
  c.create_destination(web(), tunnelled("172.16.2.5"));
  CHECK(react(c, "172.16.2.5", "ip route add 172.16.2.0/24 nhid 3", kMacB) >= 0);
  CHECK(mac_of(c, "172.16.0.5") == MAC{});
  CHECK(react(c, "172.16.0.5", "ip route add 172.16.0.0/24 nhid 1", kMacA) >= 0);
}
