// SPDX-License-Identifier: Apache-2.0
// The data-plane paths xvs-bench measures, as a table: the frame, the service (and its
// destinations) it reaches, what must become of it, and the targets that apply.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <xvs/types.hpp>

#include "harness.hpp"
#include "report.hpp"

namespace xvs::bench {

enum class Expect { forward, pass, drop };

// A service with backends 1..n of one family, all of one tunnel type.
struct Pool {
  Service service;
  int backends = 0;
  bool v6 = false;  // backends' family (the outer family for tunnels)
  TunnelType tunnel = TunnelType::None;
  std::uint16_t tunnel_port = 0;
  bool no_checksum = false;
};

struct Path {
  std::string name, description;
  std::optional<Pool> pool;  // the service configured for the path (the frame reaches it
                             // when the path forwards)
  FrameSpec frame;
  Expect expect = Expect::forward;
  const char* reason = "forwarded";  // reason counter every repetition must land in
  bool vary = false;                 // every repetition another flow (see span)
  std::uint64_t span = 0;            // vary: 0 = new flows only; else cycle through this
                                     // many (capped at flows_per_cpu / 2; "{}" in the
                                     // description becomes the number)
  bool full_table = false;           // measured after the flow table is filled
  Target target;
};

std::vector<Path> path_table();
// The paths of one size of the flow-count sweep, named without their "sweep/N/" prefix:
// hits cycling through `hit_flows` established flows, and new flows into the full table.
std::vector<Path> sweep_table(std::uint64_t hit_flows);
// The frame of the floor and of the flow-table fill: a TCP ACK to the 16-backend service.
FrameSpec reference_frame();

}  // namespace xvs::bench
