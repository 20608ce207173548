// SPDX-License-Identifier: Apache-2.0
// What a route through a nexthop object stands for: its gateway and interface, a group's
// first member, and no route at all for an id that leads nowhere.
#include <catch2/catch.hpp>

#include "net/nexthops.hpp"

using namespace xvs;
using namespace xvs::detail;

namespace {

IPAddr ip(const char* s) { return IPAddr::parse(s); }

Route via(std::uint32_t nhid, const char* dst = "172.16.0.0/16") {
  Route r;
  r.dst = Prefix::parse(dst);
  r.priority = 20;
  r.nhid = nhid;
  return r;
}

// 1, 2: gateways on interface 2; 3: on-link on 3; 4: blackhole; 10: group 2/1; 11: a group
// naming the missing 99; 12: a group naming group 10; 6: an IPv6 gateway; 13: no interface.
const Nexthops nexthops{
    {1, {1, ip("10.1.2.1"), 2, false, {}}},  {2, {2, ip("10.1.2.2"), 2, false, {}}},
    {3, {3, IPAddr{}, 3, false, {}}},        {4, {4, IPAddr{}, 0, true, {}}},
    {10, {10, IPAddr{}, 0, false, {2, 1}}},  {11, {11, IPAddr{}, 0, false, {99, 1}}},
    {12, {12, IPAddr{}, 0, false, {10}}},    {6, {6, ip("fe80::1"), 2, false, {}}},
    {13, {13, ip("10.1.2.3"), 0, false, {}}}};

}  // namespace

TEST_CASE("nexthops: a route through one has its gateway and interface") {
  const auto r = through_nexthop(via(1), nexthops);
  REQUIRE(r);
  CHECK(r->gateway == ip("10.1.2.1"));
  CHECK(r->ifindex == 2);
  CHECK(r->dst == Prefix::parse("172.16.0.0/16"));
  CHECK(r->priority == 20);

  const auto on_link = through_nexthop(via(3), nexthops);
  REQUIRE(on_link);
  CHECK_FALSE(on_link->gateway.valid());
  CHECK(on_link->ifindex == 3);

  // A group stands for its first member.
  CHECK(through_nexthop(via(10), nexthops)->gateway == ip("10.1.2.2"));

  const auto six = through_nexthop(via(6, "2001:db8::/64"), nexthops);
  REQUIRE(six);
  CHECK(six->gateway == ip("fe80::1"));

  const Route plain{Prefix::parse("10.9.0.0/16"), ip("10.1.2.9"), 2, 0};
  CHECK(through_nexthop(plain, nexthops) == plain);
}

TEST_CASE("nexthops: an id that leads nowhere is no route") {
  CHECK_FALSE(through_nexthop(via(77), nexthops));  // unknown
  CHECK_FALSE(through_nexthop(via(4), nexthops));   // blackhole
  CHECK_FALSE(through_nexthop(via(11), nexthops));  // group whose first member is missing
  CHECK_FALSE(through_nexthop(via(12), nexthops));  // group of a group
  CHECK_FALSE(through_nexthop(via(13), nexthops));  // gateway without an interface
  CHECK_FALSE(through_nexthop(via(6), nexthops));   // IPv4 route via an IPv6 gateway
  CHECK_FALSE(through_nexthop(via(1, "2001:db8::/64"), nexthops));

  const std::vector<Route> routes{via(77), via(1), via(4), via(2, "172.17.0.0/16")};
  const auto out = through_nexthops(routes, nexthops);
  REQUIRE(out.size() == 2);
  CHECK(out[0].gateway == ip("10.1.2.1"));
  CHECK(out[1].gateway == ip("10.1.2.2"));
}
