// SPDX-License-Identifier: Apache-2.0
// RouteSet and NetState: the routes kept for the watched destinations give resolve() the
// same answers as the whole table, through any sequence of route changes (checked against a
// model of the kernel's table), and the changes a notification cannot settle ask for a scan.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <set>
#include <vector>

#include "net/net_state.hpp"
#include "net/netinfo.hpp"
#include "net/nexthops.hpp"
#include "net/route_set.hpp"

using namespace xvs;
using namespace xvs::detail;

namespace {

IPAddr ip(const char* s) { return IPAddr::parse(s); }

// A balancer on eth0 (1, 10.0.0.0/24) and eth1 (2, 10.1.0.0/24), both attached.
NetSnapshot base() {
  NetSnapshot n;
  n.links = {{1, "eth0", {2, 0, 0, 0, 0, 1}, 1500, true, 0, 0},
             {2, "eth1", {2, 0, 0, 0, 0, 2}, 1500, true, 0, 0}};
  n.addresses = {{1, Prefix::parse("10.0.0.1/24")}, {2, Prefix::parse("10.1.0.1/24")}};
  for (const char* gw : {"10.0.0.2", "10.0.0.3"}) n.neighbours.push_back({1, ip(gw), {2, 1}, true});
  n.neighbours.push_back({2, ip("10.1.0.2"), {2, 2}, true});
  return n;
}

const std::vector<int> attached{1, 2};

// Without VLANs (the kernel's routes decide), and with them plus a configured route, which
// sends 172.31.0.0/16 to the VLAN's most general gateway route.
std::vector<Config> configs() {
  Config vlans;
  vlans.ipv4_vlans[10] = Prefix::parse("10.0.0.1/24");
  vlans.ipv4_vlans[20] = Prefix::parse("10.1.0.1/24");
  vlans.routes[Prefix::parse("172.31.0.0/16")] = 20;
  return {Config{}, vlans};
}

const std::set<IPAddr> watched{ip("172.16.1.5"), ip("172.16.200.9"), ip("172.31.4.4"),
                               ip("10.0.0.77"), ip("172.20.0.1")};

// Nexthop objects on both interfaces: 8 is the group 9/7. A gateway replaced in place (7
// moving between 10.0.0.3 and 10.0.0.2) takes its routes along without a route message.
Nexthops objects() {
  return {{7, {7, ip("10.0.0.3"), 1, false, {}}},
          {8, {8, IPAddr{}, 0, false, {9, 7}}},
          {9, {9, ip("10.1.0.2"), 2, false, {}}}};
}

struct Kernel {
  std::vector<Route> table;
  Nexthops nexthops;
  std::size_t with_key(const RouteKey& k) const {
    return std::count_if(table.begin(), table.end(),
                         [&](const Route& r) { return r.dst == k.dst && r.priority == k.priority; });
  }
};

void scan(RouteSet& set, const Kernel& k) {
  set.begin(watched);
  for (const Route& r : k.table) set.offer(r);
  set.end();
}

void same_answers(const RouteSet& set, const Kernel& k) {
  NetSnapshot whole = base(), kept = base();
  for (const Route& r : set.routes())
    REQUIRE(std::find(k.table.begin(), k.table.end(), r) != k.table.end());
  whole.routes = through_nexthops(k.table, k.nexthops);
  kept.routes = through_nexthops(set.routes(), k.nexthops);
  for (const Config& c : configs())
    for (const IPAddr& a : watched) {
      const Resolution w = resolve(whole, c, attached, a, false);
      const Resolution s = resolve(kept, c, attached, a, false);
      INFO(a.to_string());
      CHECK(w.next_hop == s.next_hop);
      CHECK(w.problem == s.problem);
    }
}

// `nexthops`: half of the routes through objects() instead.
Route random_route(std::mt19937& rng, bool nexthops = false) {
  static const std::vector<std::pair<IPAddr, int>> gateways{
      {ip("10.0.0.2"), 1}, {ip("10.0.0.3"), 1}, {ip("10.1.0.2"), 2}, {IPAddr{}, 1}};
  const bool through_object = nexthops && rng() % 2 == 0;
  const auto& [gw, ifindex] =
      through_object ? std::pair<IPAddr, int>{} : gateways[rng() % gateways.size()];
  const int bits = std::vector<int>{0, 8, 12, 16, 20, 24, 28}[rng() % 7];
  // Around the watched addresses, so that many routes contain one.
  std::array<std::uint8_t, 4> b{172, static_cast<std::uint8_t>(16 + rng() % 16),
                                static_cast<std::uint8_t>(rng() % 2 ? 1 : rng() % 256),
                                static_cast<std::uint8_t>(rng() % 256)};
  Route r;
  r.dst = Prefix(IPAddr::v4(b), bits).masked();
  r.gateway = gw;
  r.ifindex = ifindex;
  r.priority = std::vector<std::uint32_t>{0, 10, 20}[rng() % 3];
  if (through_object) r.nhid = 7 + static_cast<std::uint32_t>(rng() % 3);
  return r;
}

}  // namespace

TEST_CASE("route set: the kept routes resolve the watched addresses as the whole table does") {
  const std::size_t keep_all = GENERATE(std::size_t{4}, RouteSet::kKeepAll);
  std::mt19937 rng(GENERATE(1u, 2u, 3u, 4u));
  const bool nexthops = GENERATE(false, true);
  Kernel k;
  if (nexthops) k.nexthops = objects();
  for (int i = 0; i < 300; i++) {
    Route r = random_route(rng, nexthops);
    if (k.with_key({r.dst, r.priority}) == 0) k.table.push_back(r);
  }
  RouteSet set(keep_all);
  scan(set, k);
  CHECK(set.whole() == (k.table.size() <= keep_all));
  same_answers(set, k);

  int rescans = 0;
  for (int step = 0; step < 2000; step++) {
    RouteChange c;
    const auto kind = nexthops ? rng() % 5 : rng() % 4;
    if (kind == 4) {  // a nexthop object replaced: no route message, nothing to scan
      Nexthop& seven = k.nexthops.at(7);
      seven.gateway = seven.gateway == ip("10.0.0.3") ? ip("10.0.0.2") : ip("10.0.0.3");
      std::swap(k.nexthops.at(8).group.front(), k.nexthops.at(8).group.back());
      same_answers(set, k);
      continue;
    }
    if (kind == 0 && !k.table.empty()) {  // a route withdrawn
      const auto at = k.table.begin() + static_cast<long>(rng() % k.table.size());
      c = {RouteChange::Op::remove, {at->dst, at->priority}, *at};
      k.table.erase(at);
    } else {
      const Route r = random_route(rng, nexthops);
      const RouteKey key{r.dst, r.priority};
      if (kind == 1) {  // replace: of the one route of that key, or a new one
        if (k.with_key(key) > 1) continue;
        std::erase_if(k.table, [&](const Route& x) { return x.dst == r.dst && x.priority == r.priority; });
        c = {RouteChange::Op::replace, key, r};
      } else if (kind == 2) {  // append: another route of an existing key
        if (std::find(k.table.begin(), k.table.end(), r) != k.table.end()) continue;
        c = {RouteChange::Op::append, key, r};
      } else {  // add (NLM_F_EXCL)
        if (k.with_key(key) > 0) continue;
        c = {RouteChange::Op::add, key, r};
      }
      k.table.push_back(r);
    }
    if (set.apply(c) == RouteSet::Outcome::rescan) {
      ++rescans;
      scan(set, k);
    }
    same_answers(set, k);
  }
  // Most changes are applied as they come, not by scanning again.
  CHECK(rescans < 200);
}

TEST_CASE("route set: a large table keeps only what the watched addresses need") {
  // Through nexthop object 9: its most general routes are kept as a gateway's are (they
  // are all VLAN 20 has for 172.31.0.0/16).
  const bool through_object = GENERATE(false, true);
  Kernel k;
  k.nexthops = objects();
  for (int i = 0; i < 5000; i++) {
    Route r;
    r.dst = Prefix(IPAddr::v4({30, static_cast<std::uint8_t>(i >> 8),
                               static_cast<std::uint8_t>(i & 0xff), 0}), 24);
    if (through_object) {
      r.nhid = 9;
    } else {
      r.gateway = ip("10.0.0.2");
      r.ifindex = 1;
    }
    k.table.push_back(r);
  }
  k.table.push_back({Prefix::parse("172.16.1.0/24"), ip("10.0.0.3"), 1, 0});
  RouteSet set;
  scan(set, k);
  CHECK_FALSE(set.whole());
  CHECK(set.routes().size() <= 1 + 2 * RouteSet::kTopPerGateway);
  same_answers(set, k);
  // New destinations need a scan; fewer do not.
  CHECK_FALSE(set.watch({ip("30.0.9.1")}));
  CHECK(set.watch({ip("172.16.1.5")}));
}

TEST_CASE("route set: what a notification cannot settle asks for a scan") {
  RouteSet set(1);  // filtering from the second route on
  set.begin(watched);
  const Route a{Prefix::parse("172.16.1.0/24"), ip("10.0.0.2"), 1, 0};
  const Route b{Prefix::parse("172.16.1.0/24"), ip("10.0.0.3"), 1, 0};
  set.offer(a);
  set.offer(b);  // appended: same key
  set.end();
  CHECK(set.apply({RouteChange::Op::replace, {a.dst, 0}, std::nullopt}) ==
        RouteSet::Outcome::rescan);

  const Route v6{Prefix::parse("2001:db8::/64"), ip("fd00::2"), 1, 0};
  RouteSet six;
  six.begin({ip("2001:db8::5")});
  six.offer(v6);
  six.end();
  const Route sibling{v6.dst, ip("fd00::3"), 1, 0};
  CHECK(six.apply({RouteChange::Op::add, {v6.dst, 0}, sibling}) == RouteSet::Outcome::rescan);
  CHECK(six.apply({RouteChange::Op::remove, {v6.dst, 0}, sibling}) ==
        RouteSet::Outcome::rescan);
  // A route of a type never kept (blackhole) withdrawn: nothing to do.
  CHECK(six.apply({RouteChange::Op::remove, {Prefix::parse("2001:db8:1::/48"), 0},
                   std::nullopt}) == RouteSet::Outcome::unchanged);
}

TEST_CASE("net state: links, addresses and neighbours follow notifications") {
  NetState s;
  const NetSnapshot b = base();
  s.reset(b.links, b.addresses, b.neighbours, {});
  Neighbour moved = b.neighbours[0];
  moved.mac = {2, 9};
  CHECK(s.apply({false, moved}) == NetState::Outcome::changed);
  CHECK(s.apply({false, moved}) == NetState::Outcome::unchanged);
  CHECK(s.snapshot().neighbours[0].mac == moved.mac);
  CHECK(s.apply({true, moved}) == NetState::Outcome::changed);
  CHECK(s.snapshot().neighbours.size() == b.neighbours.size() - 1);

  Link renamed = b.links[1];
  renamed.mtu = 9000;
  CHECK(s.apply({false, renamed}) == NetState::Outcome::changed);
  CHECK(s.snapshot().links[1].mtu == 9000);
  // Down, gone, or an address removed: the kernel drops IPv4 routes without notifications.
  Link down = renamed;
  down.up = false;
  CHECK(s.apply({false, down}) == NetState::Outcome::resync);
  CHECK(s.apply({true, b.addresses[1]}) == NetState::Outcome::resync);
  CHECK(s.apply({false, Address{1, Prefix::parse("10.0.0.9/24")}}) ==
        NetState::Outcome::changed);
}

TEST_CASE("net state: routes follow their nexthop objects") {
  NetState s;
  const NetSnapshot b = base();
  s.reset(b.links, b.addresses, b.neighbours, {{7, {7, ip("10.0.0.3"), 1, false, {}}}});
  s.routes().begin(watched);
  Route r{Prefix::parse("172.16.0.0/16"), {}, 0, 0};
  r.nhid = 7;
  s.routes().offer(r);
  r.dst = Prefix::parse("172.20.0.0/16");
  r.nhid = 8;  // not known yet
  s.routes().offer(r);
  s.routes().end();
  const auto route_to = [&](const char* dst) -> std::optional<Route> {
    for (const Route& x : s.snapshot().routes)
      if (x.dst == Prefix::parse(dst)) return x;
    return std::nullopt;
  };
  const auto next_hop = [&](const char* backend) {
    return resolve(s.snapshot(), Config{}, attached, ip(backend), false);
  };
  REQUIRE(route_to("172.16.0.0/16"));
  CHECK(route_to("172.16.0.0/16")->gateway == ip("10.0.0.3"));
  CHECK(next_hop("172.16.1.5").next_hop->hop == ip("10.0.0.3"));
  // An unknown id is no route, and says so.
  CHECK_FALSE(route_to("172.20.0.0/16"));
  CHECK_FALSE(next_hop("172.20.0.1").next_hop);
  CHECK_THAT(next_hop("172.20.0.1").problem, Catch::Contains("no attached interface"));

  // Replaced in place: the route follows, no route message needed.
  CHECK(s.apply({false, Nexthop{7, ip("10.0.0.2"), 1, false, {}}}) ==
        NetState::Outcome::changed);
  CHECK(s.apply({false, Nexthop{7, ip("10.0.0.2"), 1, false, {}}}) ==
        NetState::Outcome::unchanged);
  CHECK(next_hop("172.16.1.5").next_hop->hop == ip("10.0.0.2"));
  // A group appearing under the missing id: its first member stands for it.
  CHECK(s.apply({false, Nexthop{9, ip("10.1.0.2"), 2, false, {}}}) ==
        NetState::Outcome::changed);
  CHECK(s.apply({false, Nexthop{8, {}, 0, false, {9, 7}}}) == NetState::Outcome::changed);
  CHECK(next_hop("172.20.0.1").next_hop->hop == ip("10.1.0.2"));
  // A group naming a missing member leads nowhere.
  CHECK(s.apply({false, Nexthop{8, {}, 0, false, {99, 7}}}) == NetState::Outcome::changed);
  CHECK_FALSE(next_hop("172.20.0.1").next_hop);

  // Removed: the kernel drops the routes through it without a word.
  CHECK(s.apply({true, Nexthop{7, ip("10.0.0.2"), 1, false, {}}}) ==
        NetState::Outcome::resync);
}
