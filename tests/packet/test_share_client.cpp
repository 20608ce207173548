// SPDX-License-Identifier: Apache-2.0
// Flow sharing on a real Client, where the data plane and read_flow() meet: what the data
// plane queues for packets that no client sends.
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include <xvs/xvs.hpp>

#include "client_net.hpp"
#include "dataplane/flows.hpp"

using namespace xvs;
using namespace xvs::test;

// Found by the client fuzz campaign (test_fuzz_client.cpp): mutated packets from port 0 were
// forwarded and queued, and read_flow() handed out records that every peer refuses.
TEST_CASE("read_flow() hands out no record of a flow that a peer must refuse") {
  ClientNetwork net;
  Options o;
  o.flows_per_cpu = 1024;
  Client c({"v0"}, o);
  const Service web = service(kVip4, 80);
  c.set_service(web, {dest(IPAddr::parse("10.0.0.1"))});
  CHECK(c.read_flow().empty());  // queueing on
  Attached xdp("v0");
  // Forwarded once the next hop is resolved (a permanent neighbour), within a bounded wait.
  FrameSpec syn = tcp(kClient4, 39999, kVip4, 80, kSyn);  // a SYN queues nothing
  for (int i = 0; i < 500 && xdp.run(build(syn)).verdict != XDP_TX; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  REQUIRE(xdp.run(build(syn)).verdict == XDP_TX);

  FrameSpec port0 = tcp(kClient4, 0, kVip4, 80);
  FrameSpec loopback = tcp("127.0.0.1", 40001, kVip4, 80);
  FrameSpec from_vip = tcp(kVip4, 40002, kVip4, 80);
  FrameSpec good = tcp(kClient4, 40003, kVip4, 80);
  for (const FrameSpec& s : {port0, loopback, from_vip, good}) {
    CAPTURE(s.saddr, s.sport);
    CHECK(xdp.run(build(s)).verdict == XDP_TX);  // the data plane forwards them all
  }
  const std::vector<std::uint8_t> record = c.read_flow();
  REQUIRE_FALSE(record.empty());
  const detail::FlowRecord r = detail::decode_flow(record);
  CHECK(r.client == good.saddr);
  CHECK(r.client_port == good.sport);
  CHECK(c.read_flow().empty());
  c.write_flow(record);  // and a peer takes it
}
