// SPDX-License-Identifier: Apache-2.0
// Health-check NAT without traffic (healthcheck.sh and tunnel.sh send the traffic): which
// address each (VIP, backend) pair gets and for how long, the documented host addresses, the
// veth pair's life, a pair left by a killed process, and two clients in two namespaces.
#include <catch2/catch.hpp>

#include <barrier>
#include <cstdlib>
#include <string>
#include <thread>

#include <xvs/xvs.hpp>

#include "../support/netns.hpp"
#include "client_state.hpp"

using namespace xvs;
using xvs::test::Network;

namespace {

Service service(const char* vip, std::uint16_t port = 80) {
  return Service{IPAddr::parse(vip), port, Protocol::TCP, false};
}

std::vector<Destination> backends(std::initializer_list<const char*> addrs) {
  std::vector<Destination> out;
  for (const char* a : addrs) {
    Destination d;
    d.address = IPAddr::parse(a);
    out.push_back(d);
  }
  return out;
}

bool shell(const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()) == 0; }

// The host end exists with its documented addresses and routes.
bool host_end_ready() {
  return shell("ip -o addr show dev xvsnat0 | grep -q 'inet 198.18.255.253/30'") &&
         shell("ip -o addr show dev xvsnat0 | grep -q 'inet6 2001:2:0:ffff::1/64'") &&
         shell("ip route get 198.18.0.7 | grep -q 'via 198.18.255.254 dev xvsnat0'") &&
         shell("ip -6 route get 2001:2::7 | grep -q 'via 2001:2:0:ffff::2 dev xvsnat0'");
}

bool in_range(const IPAddr& a) {
  const auto& b = a.bytes();
  if (a.is4()) return b[0] == 198 && b[1] == 18;
  return a.is6() && b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 2 && b[4] == 0 &&
         b[5] == 0 && b[6] == 0 && b[7] == 0;
}

}  // namespace

TEST_CASE("each (VIP, backend) pair has a NAT address while it exists") {
  Network net;
  Client c({"v0"}, xvs::test::small_options());
  const auto vip = IPAddr::parse("192.0.2.10");
  const auto b2 = IPAddr::parse("10.0.0.2"), b3 = IPAddr::parse("10.0.0.3"),
             b4 = IPAddr::parse("10.0.0.4");

  CHECK_FALSE(c.nat(vip, b2).valid());
  c.set_service(service("192.0.2.10"), backends({"10.0.0.2", "10.0.0.3"}));
  const IPAddr n2 = c.nat(vip, b2), n3 = c.nat(vip, b3);
  CHECK((n2.is4() && n3.is4() && in_range(n2) && in_range(n3) && n2 != n3));
  CHECK_FALSE(c.nat(vip, b4).valid());
  CHECK_FALSE(c.nat(IPAddr::parse("192.0.2.11"), b2).valid());

  SECTION("stable while the pair exists, in any service of the VIP") {
    c.set_service(service("192.0.2.10", 443), backends({"10.0.0.2", "10.0.0.4"}));
    c.remove_destination(service("192.0.2.10"), backends({"10.0.0.2"})[0]);
    CHECK(c.nat(vip, b2) == n2);  // still a backend of port 443
    CHECK(c.nat(vip, b3) == n3);
    const IPAddr n4 = c.nat(vip, b4);
    CHECK((n4.is4() && n4 != n2 && n4 != n3));
    c.update_service(service("192.0.2.10"));
    CHECK(c.nat(vip, b4) == n4);
  }
  SECTION("released with the pair, and reused") {
    c.remove_destination(service("192.0.2.10"), backends({"10.0.0.3"})[0]);
    CHECK_FALSE(c.nat(vip, b3).valid());
    c.create_destination(service("192.0.2.10"), backends({"10.0.0.4"})[0]);
    CHECK(c.nat(vip, b4) == n3);
    c.remove_service(service("192.0.2.10"));
    CHECK_FALSE(c.nat(vip, b2).valid());
    CHECK_FALSE(c.nat(vip, b4).valid());
  }
  SECTION("an IPv6 VIP's pairs get IPv6 addresses, whatever the backend's family") {
    const auto vip6 = IPAddr::parse("2001:db8::10");
    c.set_service(service("2001:db8::10"), backends({"fd00::2", "10.0.0.2"}));
    const IPAddr six = c.nat(vip6, IPAddr::parse("fd00::2")), four = c.nat(vip6, b2);
    CHECK((six.is6() && four.is6() && in_range(six) && in_range(four) && six != four));
    CHECK(c.nat(vip, b2) == n2);  // the same backend behind another VIP: another pair
  }
}

TEST_CASE("the NAT pair lives as long as the client, with the documented addresses") {
  Network net;
  {
    Client c({"v0"}, xvs::test::small_options());
    CHECK(host_end_ready());
    // Generic XDP: the links take GRO-merged replies, the routes size the probes.
    CHECK(shell("ip -o link show dev xvsnat0 | grep -q 'mtu 65535 xdpgeneric'"));
    CHECK(shell("ip route show dev xvsnat0 | grep -q '^198.18.0.0/16 via 198.18.255.254 .*mtu 1436'"));
    CHECK(shell("ip -6 route show dev xvsnat0 | grep -q '^2001:2::/64 via 2001:2:0:ffff::2 .*mtu 1436'"));
    const Info info = c.info();
    CHECK(info.ipv4 == IPAddr::parse("198.18.255.253"));
    CHECK(info.ipv6 == IPAddr::parse("2001:2:0:ffff::1"));
    CHECK(info.metrics.contains("nat_probes"));
  }
  CHECK_FALSE(shell("ip link show dev xvsnat0"));
}

TEST_CASE("a client replaces the NAT pair that a killed process left behind") {
  Network net;
  // What a SIGKILLed client's pair looks like until the kernel has torn it down.
  xvs::test::ScopedNetns::sh("ip link add xvsnat0 type veth peer name xvsnat-old");
  Client c({"v0"}, xvs::test::small_options());
  CHECK(host_end_ready());
  CHECK_FALSE(shell("ip link show dev xvsnat-old"));
}

TEST_CASE("two clients in two network namespaces each have their own NAT pair") {
  std::barrier both_up(2), both_checked(2);
  bool ready[2] = {false, false};
  IPAddr nats[2];
  auto run = [&](int i) {
    Network net;  // this thread's own namespace
    Client c({"v0"}, xvs::test::small_options());
    c.set_service(service("192.0.2.10"), backends({"10.0.0.2"}));
    both_up.arrive_and_wait();  // both alive at once
    ready[i] = host_end_ready();
    nats[i] = c.nat(IPAddr::parse("192.0.2.10"), IPAddr::parse("10.0.0.2"));
    both_checked.arrive_and_wait();
  };
  std::thread a(run, 0), b(run, 1);
  a.join();
  b.join();
  CHECK(ready[0]);
  CHECK(ready[1]);
  // The same address in each namespace: each has its own routes to it.
  CHECK((nats[0].valid() && nats[0] == nats[1]));
}

TEST_CASE("with IPv6 disabled on the host, health checks are IPv4 only and the client starts") {
  Network net;
  xvs::test::ScopedNetns::sh(
      "sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1");
  Client c({"v0"}, xvs::test::small_options());
  const Info info = c.info();
  CHECK(info.ipv4 == IPAddr::parse("198.18.255.253"));
  CHECK_FALSE(info.ipv6.valid());
  CHECK(shell("ip route get 198.18.0.7 | grep -q 'dev xvsnat0'"));
}
