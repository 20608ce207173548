// SPDX-License-Identifier: Apache-2.0
// The flow table and Maglev: which packets create flows, what survives table changes,
// sticky hashing, and stale destinations.
#include <catch2/catch.hpp>

#include <bpf/bpf.h>

#include <map>
#include <set>
#include <string>

#include <fmt/format.h>

#include "lab.hpp"

using namespace xvs;
using namespace xvs::test;

namespace {

int forward(Lab& lab, const FrameSpec& s) {
  Run r = lab.run(build(s));
  REQUIRE(r.verdict == XDP_TX);
  return backend_of(r);
}

}  // namespace

TEST_CASE("a SYN creates no flow but the first ACK does and counts as the new flow") {
  bool v6 = GENERATE(false, true);
  Lab lab;
  const char* vip = v6 ? kVip6 : kVip4;
  auto bs = backends(v6, 3);
  Service s = service(vip, 80);
  lab.set_service(s, bs);
  FrameSpec syn = tcp(v6 ? kClient6 : kClient4, 50000, vip, 80, kSyn);

  int n = forward(lab, syn);
  CHECK_FALSE(lab.flow(syn).has_value());
  CHECK(lab.flow_count() == 0);
  CHECK(lab.dp.counters(XVS_COUNTERS_GLOBAL).flows == 0);

  FrameSpec ack = syn;
  ack.tcp_flags = kAck;
  CHECK(forward(lab, ack) == n);
  auto f = lab.flow(ack);
  REQUIRE(f.has_value());
  std::uint16_t index = lab.dest_index(s, bs[n - 1].address);
  CHECK(f->dest == index);
  CHECK(lab.flow_count() == 1);

  ack.tcp_flags = kAck | kPsh;
  CHECK(forward(lab, ack) == n);
  CHECK(lab.flow_count() == 1);
  for (std::uint32_t slot : {std::uint32_t{XVS_COUNTERS_GLOBAL},
                             XVS_COUNTERS_VIP(lab.vip_slot(s.address)),
                             XVS_COUNTERS_SERVICE(lab.service_slot(s)),
                             static_cast<std::uint32_t>(XVS_COUNTERS_DEST(index))}) {
    CAPTURE(slot);
    CHECK(lab.dp.counters(slot).flows == 1);
  }
}

TEST_CASE("the first UDP packet creates a flow") {
  Lab lab;
  Service s = service(kVip4, 53, Protocol::UDP);
  lab.set_service(s, backends(false, 2));
  FrameSpec u = udp(kClient4, 5353, kVip4, 53);
  forward(lab, u);
  CHECK(lab.flow(u).has_value());
  CHECK(lab.dp.counters(XVS_COUNTERS_SERVICE(lab.service_slot(s))).flows == 1);
}

TEST_CASE("an established flow keeps its destination when the table changes") {
  bool v6 = GENERATE(false, true);
  Lab lab;
  const char* vip = v6 ? kVip6 : kVip4;
  const char* client = v6 ? kClient6 : kClient4;
  Service s = service(vip, 80);
  auto bs = backends(v6, 4);
  lab.set_service(s, {bs[0], bs[1], bs[2]});
  FrameSpec ack = tcp(client, 50001, vip, 80);
  int n = forward(lab, ack);

  // Its destination is disabled (no new flows) and a fourth backend arrives.
  auto changed = bs;
  changed[n - 1].in_table = false;
  lab.set_service(s, changed);
  for (int i = 0; i < 3; ++i) CHECK(forward(lab, ack) == n);
  FrameSpec syn = ack;  // even a SYN of the same 5-tuple follows the flow entry
  syn.tcp_flags = kSyn;
  CHECK(forward(lab, syn) == n);

  std::set<int> fresh;
  for (std::uint16_t port = 1000; port < 1100; ++port) {
    FrameSpec other = tcp(client, port, vip, 80, kSyn);
    fresh.insert(forward(lab, other));
  }
  CHECK_FALSE(fresh.contains(n));
  CHECK(fresh.size() == 3);
}

TEST_CASE("a flow whose destination slot moved to a new generation is re-hashed") {
  Lab lab;
  Service s = service(kVip4, 80);
  auto bs = backends(false, 3);
  lab.set_service(s, bs);
  FrameSpec ack = tcp(kClient4, 50002, kVip4, 80);
  int n = forward(lab, ack);
  std::uint32_t generation = lab.flow(ack)->generation;

  lab.bump_generation(s, bs[n - 1].address);
  bs[n - 1].in_table = false;
  lab.set_service(s, bs);
  int m = forward(lab, ack);
  CHECK(m != n);
  auto f = lab.flow(ack);
  REQUIRE(f.has_value());
  CHECK(f->dest == lab.dest_index(s, bs[m - 1].address));
  CHECK(f->generation != generation);
  CHECK(lab.dp.counters(XVS_COUNTERS_SERVICE(lab.service_slot(s))).flows == 2);
}

TEST_CASE("a retired destination slot (generation 0) re-hashes its flows") {
  Lab lab;
  Service s = service(kVip4, 80);
  auto bs = backends(false, 3);
  lab.set_service(s, bs);
  FrameSpec ack = tcp(kClient4, 50003, kVip4, 80);
  int n = forward(lab, ack);
  std::uint16_t index = lab.dest_index(s, bs[n - 1].address);
  bs[n - 1].in_table = false;
  lab.set_service(s, bs);
  lab.dp.set_dest(index, xvs_dest{});  // what the Client does when it removes a destination
  CHECK(forward(lab, ack) != n);
}

TEST_CASE("sticky services hash the addresses only") {
  bool v6 = GENERATE(false, true);
  bool sticky = GENERATE(false, true);
  CAPTURE(v6, sticky);
  Lab lab;
  const char* vip = v6 ? kVip6 : kVip4;
  lab.set_service(service(vip, 80, Protocol::TCP, sticky), backends(v6, 4));

  std::set<int> by_port, by_client;
  for (std::uint16_t port = 2000; port < 2040; ++port)
    by_port.insert(forward(lab, tcp(v6 ? kClient6 : kClient4, port, vip, 80, kSyn)));
  for (int i = 1; i <= 40; ++i) {
    std::string client = v6 ? fmt::format("2001:db8:c::{:x}", i) : fmt::format("198.51.100.{}", i);
    by_client.insert(forward(lab, tcp(client.c_str(), 2000, vip, 80, kSyn)));
  }
  CHECK(by_port.size() == (sticky ? 1u : 4u));
  CHECK(by_client.size() == 4);
}

TEST_CASE("new flows spread evenly over equal backends") {
  Lab lab;
  lab.set_service(service(kVip4, 80), backends(false, 3));
  std::map<int, int> hits;
  const int flows = 3000;
  for (int i = 0; i < flows; ++i) {
    std::string client = fmt::format("198.51.{}.{}", i / 250, i % 250 + 1);
    ++hits[forward(lab, tcp(client.c_str(), static_cast<std::uint16_t>(1024 + i), kVip4, 80,
                            kSyn))];
  }
  REQUIRE(hits.size() == 3);
  for (auto [n, count] : hits) {
    CAPTURE(n, count);
    CHECK(count > flows / 3 * 85 / 100);
    CHECK(count < flows / 3 * 115 / 100);
  }
}

TEST_CASE("flow hits refresh the entry's timestamp at most about once a second") {
  Lab lab;
  lab.set_service(service(kVip4, 53, Protocol::UDP), backends(false, 1));
  FrameSpec u = udp(kClient4, 5353, kVip4, 53);
  forward(lab, u);
  xvs_flow first = *lab.flow(u);
  forward(lab, u);
  CHECK(lab.flow(u)->seen_ns == first.seen_ns);

  // Age the entry by two seconds: the next hit writes the current time.
  xvs_flow aged = first;
  aged.seen_ns -= 2000000000;
  xvs_flow_key key = Lab::flow_key(u);
  lab.flows.put(key, aged);
  forward(lab, u);
  CHECK(lab.flow(u)->seen_ns >= first.seen_ns);
}
