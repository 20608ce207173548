// SPDX-License-Identifier: Apache-2.0
// Flow sharing in the data plane: peers' flows (the shared table) placed with this node's
// own addresses and promoted into the local table, Maglev when both tables miss, flow
// entries re-bound to their backend by address after a renumbering (restart), and the
// queue that read_flow() drains: what is queued, when, and what happens when it is full.
#include <catch2/catch.hpp>

#include <bpf/bpf.h>

#include <ctime>

#include "dataplane/entries.hpp"
#include "dataplane/flow_maps.hpp"
#include "dataplane/flows.hpp"
#include "dataplane/clock.hpp"
#include "lab.hpp"

using namespace xvs;
using namespace xvs::test;
using detail::FlowMaps;

namespace {

constexpr std::uint32_t kSharing = XVS_SETTINGS_QUEUE_FLOWS | XVS_SETTINGS_SHARED_FLOWS;

std::uint32_t generation_of(Lab& lab, std::uint16_t index) {
  const std::uint32_t key = index;
  xvs_dest d{};
  REQUIRE(bpf_map_lookup_elem(lab.dp.map_fd("destinations"), &key, &d) == 0);
  return d.generation;
}

int forward(Lab& lab, const FrameSpec& s) {
  Run r = lab.run(build(s));
  REQUIRE(r.verdict == XDP_TX);
  return backend_of(r);
}

// Where Maglev puts `s` (a SYN of it creates no flow entry, so the lab is left as it was).
int maglev_choice(Lab& lab, FrameSpec s) {
  s.tcp_flags = kSyn;
  return forward(lab, s);
}

struct Setup {
  bool v6;
  Lab lab;
  Service svc;
  std::vector<Backend> bs;
  FlowMaps maps{lab.dp};

  explicit Setup(bool ipv6, std::uint32_t flags = kSharing)
      : v6(ipv6), svc(service(ipv6 ? kVip6 : kVip4, 80)), bs(backends(ipv6, 3)) {
    lab.set_service(svc, bs);
    lab.heartbeat(0, flags);
  }
  FrameSpec ack(std::uint16_t port) const {
    return tcp(v6 ? kClient6 : kClient4, port, v6 ? kVip6 : kVip4, 80);
  }
  // Writes what write_flow() writes: the flow, bound to backend n's destination here.
  void share(const FrameSpec& s, int n) {
    std::uint16_t index = lab.dest_index(svc, bs[n - 1].address);
    maps.set_shared(Lab::flow_key(s), bs[n - 1].address, index, generation_of(lab, index),
                    detail::monotonic_ns());
  }
};

}  // namespace

TEST_CASE("a peer's flow is sent with this node's addresses and promoted into the flow table") {
  bool v6 = GENERATE(false, true);
  bool tagged = GENERATE(false, true);
  CAPTURE(v6, tagged);
  Setup t(v6);
  FrameSpec in = t.ack(41000);
  if (tagged) in.vlan_tci = 0xa000 | 9;  // PCP 5, VID 9: the VID becomes the backend's
  int maglev = maglev_choice(t.lab, in);
  int peer = maglev % 3 + 1;  // a backend Maglev would not choose
  t.share(in, peer);

  Run r = t.lab.run(build(in));
  REQUIRE(r.verdict == XDP_TX);
  // MACs and VLAN ID from this node's entry for the peer's backend, TTL decremented.
  Bytes want = build(as_forwarded(in, t.bs[peer - 1]));
  CHECK(hex(r.out) == hex(want));

  auto f = t.lab.flow(in);
  REQUIRE(f.has_value());
  CHECK(f->dest == t.lab.dest_index(t.svc, t.bs[peer - 1].address));
  CHECK(detail::from_abi(f->backend) == t.bs[peer - 1].address);
  CHECK(t.maps.counters().shared_hits == 1);
  // Taken over, not new: it does not count as a new flow here.
  CHECK(t.lab.dp.counters(XVS_COUNTERS_SERVICE(t.lab.service_slot(t.svc))).flows == 0);

  // Later packets hit the local table.
  CHECK(forward(t.lab, in) == peer);
  CHECK(t.maps.counters().shared_hits == 1);
}

TEST_CASE("a miss in both tables (not a SYN) is placed by Maglev and creates a flow") {
  Setup t(false);
  FrameSpec other = t.ack(41001);
  t.share(other, 1);  // the shared table holds another flow only
  FrameSpec in = t.ack(41002);
  int maglev = maglev_choice(t.lab, in);
  CHECK(forward(t.lab, in) == maglev);
  REQUIRE(t.lab.flow(in).has_value());
  CHECK(t.maps.counters().shared_hits == 0);
  CHECK(t.lab.dp.counters(XVS_COUNTERS_SERVICE(t.lab.service_slot(t.svc))).flows == 1);
}

TEST_CASE("the shared table is ignored until write_flow() switches it on") {
  Setup t(false, 0);
  FrameSpec in = t.ack(41003);
  int maglev = maglev_choice(t.lab, in);
  t.share(in, maglev % 3 + 1);
  CHECK(forward(t.lab, in) == maglev);
  CHECK(t.maps.counters().shared_hits == 0);
}

TEST_CASE("a SYN follows a shared entry but does not promote it") {
  Setup t(true);
  FrameSpec in = t.ack(41004);
  int peer = maglev_choice(t.lab, in) % 3 + 1;
  t.share(in, peer);
  FrameSpec syn = in;
  syn.tcp_flags = kSyn;
  CHECK(forward(t.lab, syn) == peer);
  CHECK_FALSE(t.lab.flow(in).has_value());
}

TEST_CASE("a shared entry whose destination slot moved on falls back to Maglev") {
  Setup t(false);
  FrameSpec in = t.ack(41005);
  int maglev = maglev_choice(t.lab, in);
  int peer = maglev % 3 + 1;
  t.share(in, peer);
  t.lab.bump_generation(t.svc, t.bs[peer - 1].address);  // reused for another backend
  CHECK(forward(t.lab, in) == maglev);
  CHECK(t.maps.counters().shared_hits == 0);
}

TEST_CASE("a flow entry of another numbering is re-bound to its backend by address") {
  bool v6 = GENERATE(false, true);
  Setup t(v6);
  auto more = backends(v6, 9);
  // A flow that Maglev places elsewhere once six backends are added.
  FrameSpec in;
  int n = 0, moved_to = 0;
  for (std::uint16_t port = 42000; port < 42100 && n == moved_to; ++port) {
    in = t.ack(port);
    t.lab.set_service(t.svc, t.bs);
    n = maglev_choice(t.lab, in);
    t.lab.set_service(t.svc, more);
    moved_to = maglev_choice(t.lab, in);
  }
  REQUIRE(n != moved_to);
  t.lab.set_service(t.svc, t.bs);
  REQUIRE(forward(t.lab, in) == n);
  // What a restart with a kept flow table looks like: the entry names a slot and generation
  // of the previous process; this one numbers the backends its own way.
  xvs_flow_key key = Lab::flow_key(in);
  xvs_flow old = *t.lab.flow(in);
  old.dest = 777;
  old.generation = 4242;
  t.lab.flows.put(key, old);
  t.lab.set_service(t.svc, more);

  SECTION("bound: back to its backend, and the entry is updated") {
    std::uint16_t index = t.lab.dest_index(t.svc, more[n - 1].address);
    t.maps.bind_backend(t.svc, more[n - 1].address, index, generation_of(t.lab, index));
    CHECK(forward(t.lab, in) == n);
    CHECK(t.lab.flow(in)->dest == index);
    CHECK(t.lab.flow(in)->generation == generation_of(t.lab, index));
    CHECK(t.maps.counters().rebound == 1);
    CHECK(forward(t.lab, in) == n);
    CHECK(t.maps.counters().rebound == 1);
  }
  SECTION("not bound (the backend is gone): re-hashed by Maglev") {
    CHECK(forward(t.lab, in) == moved_to);
    CHECK(t.maps.counters().rebound == 0);
  }
}

TEST_CASE("flows are queued when created and when a refresh starts a new period") {
  bool v6 = GENERATE(false, true);
  Setup t(v6);
  FrameSpec in = t.ack(41007);
  FrameSpec syn = in;
  syn.tcp_flags = kSyn;
  forward(t.lab, syn);
  CHECK_FALSE(t.maps.pop_recent(detail::monotonic_ns()).has_value());  // a SYN creates no flow

  int n = forward(t.lab, in);
  auto e = t.maps.pop_recent(detail::monotonic_ns());
  REQUIRE(e.has_value());
  detail::FlowRecord r = detail::flow_record(*e, 0);
  CHECK(r.client == in.saddr);
  CHECK(r.client_port == in.sport);
  CHECK(r.vip == in.daddr);
  CHECK(r.vip_port == 80);
  CHECK(r.protocol == Protocol::TCP);
  CHECK(r.backend == t.bs[n - 1].address);
  CHECK_FALSE(t.maps.pop_recent(detail::monotonic_ns()).has_value());

  forward(t.lab, in);  // a hit within the second: no refresh, nothing queued
  CHECK_FALSE(t.maps.pop_recent(detail::monotonic_ns()).has_value());

  // Last seen 5 s ago: the refresh crosses a 2^32 ns period, so the flow is queued again.
  xvs_flow_key key = Lab::flow_key(in);
  xvs_flow aged = *t.lab.flow(in);
  aged.seen_ns -= 5000000000ull;
  t.lab.flows.put(key, aged);
  forward(t.lab, in);
  e = t.maps.pop_recent(detail::monotonic_ns());
  REQUIRE(e.has_value());
  CHECK(detail::flow_record(*e, 0) == r);
  CHECK(t.maps.counters().queued == 2);
}

TEST_CASE("a promoted peer's flow is queued with this node's backend") {
  Setup t(false);
  FrameSpec in = t.ack(41008);
  int peer = maglev_choice(t.lab, in) % 3 + 1;
  t.share(in, peer);
  forward(t.lab, in);
  auto e = t.maps.pop_recent(detail::monotonic_ns());
  REQUIRE(e.has_value());
  CHECK(detail::flow_record(*e, 0).backend == t.bs[peer - 1].address);
}

TEST_CASE("nothing is queued until read_flow() switches queueing on") {
  Setup t(false, XVS_SETTINGS_SHARED_FLOWS);
  forward(t.lab, t.ack(41009));
  CHECK_FALSE(t.maps.pop_recent(detail::monotonic_ns()).has_value());
  CHECK(t.maps.counters().queued == 0);
}

TEST_CASE("a full queue counts the lost flow and forwards the packet anyway") {
  Setup t(false);
  int fd = t.lab.dp.map_fd("flow_queue");
  xvs_flow_event filler{};
  filler.time_ns = detail::monotonic_ns();
  for (std::uint32_t i = 0; i < XVS_FLOW_QUEUE_SIZE; ++i)
    REQUIRE(bpf_map_update_elem(fd, nullptr, &filler, 0) == 0);
  FrameSpec in = t.ack(41010);
  forward(t.lab, in);
  CHECK(t.lab.flow(in).has_value());
  CHECK(t.maps.counters().queue_full == 1);
  CHECK(t.maps.counters().queued == 0);
}

TEST_CASE("read side: queued flows older than the limit are skipped and counted") {
  Setup t(false);
  int fd = t.lab.dp.map_fd("flow_queue");
  const std::uint64_t now = detail::monotonic_ns();
  xvs_flow_event old{}, fresh{};
  old.time_ns = now - detail::kFlowEventMaxAgeNs - 1000000000ull;
  old.key.sport = 1;
  fresh.time_ns = now - 1000000000ull;
  fresh.key.sport = 2;
  REQUIRE(bpf_map_update_elem(fd, nullptr, &old, 0) == 0);
  REQUIRE(bpf_map_update_elem(fd, nullptr, &fresh, 0) == 0);
  auto e = t.maps.pop_recent(now);
  REQUIRE(e.has_value());
  CHECK(e->key.sport == 2);
  Metrics m;
  t.maps.add_metrics(m);
  CHECK(m.at("flows_expired") == 1);
  CHECK_FALSE(t.maps.pop_recent(now).has_value());
}
