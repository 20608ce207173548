// SPDX-License-Identifier: Apache-2.0
// Everything one run of xvs-bench measured, and its two renderings: a table for people,
// JSON for machines.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "bpfinfo.hpp"
#include "settings.hpp"
#include "stats.hpp"

namespace xvs::bench {

// The targets of issue 6 (docs/performance.md) that apply to a path (0: none).
struct Target {
  double max_ns = 0;
  double max_floor_ratio = 0;
};

struct PathResult {
  std::string name;         // stable identifier, what --filter matches
  std::string description;
  int backends = 0;         // of the service the frame goes to
  std::size_t frame_bytes = 0;
  Target target;
  std::string status = "ok";  // "ok", "n/a (...)", or "FAILED: why"
  Summary raw;              // ns per packet through the wrapper
  Summary net;              // raw minus the wrapper's own cost
  bool ok() const { return status == "ok"; }
  bool failed() const { return status.rfind("FAILED", 0) == 0; }
};

struct Floor {
  std::size_t frame_bytes = 0;
  Summary nop_direct;    // a program that returns XDP_TX: the harness's fixed cost
  Summary swap_direct;   // the floor, run on its own
  Summary swap_wrapped;  // the floor through the wrapper
  Summary swap_net;      // swap_wrapped minus the wrapper's cost: what ratios divide by
};

struct Fill {
  std::uint64_t flows = 0;       // distinct flows sent
  double seconds = 0;            // CPU time it took to send them
  std::uint64_t entries = 0;     // flow-table entries afterwards
  std::uint64_t capacity = 0;    // flows_per_cpu x possible CPUs
};

// One size of the flow-count sweep: a data plane with flows_per_cpu `flows_per_cpu`, its
// table filled, and the paths measured on it.
struct SweepPoint {
  std::uint32_t flows_per_cpu = 0;
  Fill fill;
  std::uint64_t table_bytes = 0;  // what the kernel charges for the "flows" map
  std::vector<PathResult> paths;
};

struct Figure {                  // a control-plane measurement
  std::string name, description, unit;
  Summary value;
  double target = 0;             // upper bound from issue 6, same unit (0: none)
};

struct MemoryCase {
  std::string name, description;
  std::vector<MapInfo> maps;
  std::uint64_t total() const {
    std::uint64_t t = 0;
    for (const auto& m : maps) t += m.memlock;
    return t;
  }
};

struct VerifierCost {            // one program of the measured data-plane object
  std::string program;
  std::uint64_t insns = 0;       // instructions the verifier processed
  std::uint64_t limit = 0;       // the kernel's limit on them: past it the load fails
  std::uint64_t total_states = 0, peak_states = 0;
  Summary time_ms;               // verification time, one value per load
};

struct Machine {
  int nproc = 0;
  std::string kernel, cpu_model;
  int bench_cpu = -1;
};

struct Report {
  Machine machine;
  Settings settings;
  std::optional<Floor> floor;
  std::vector<PathResult> paths;
  std::optional<Fill> fill;
  std::vector<SweepPoint> sweep;
  std::vector<Figure> control;
  std::vector<MemoryCase> memory;
  std::vector<VerifierCost> verifier;

  bool failed() const {
    for (const auto& p : paths)
      if (p.failed()) return true;
    for (const auto& point : sweep)
      for (const auto& p : point.paths)
        if (p.failed()) return true;
    return false;
  }
  double floor_ratio(const PathResult& p) const {
    return floor && floor->swap_net.median > 0 ? p.net.median / floor->swap_net.median : 0;
  }
};

Machine this_machine();
void print_table(const Report&, std::FILE*);
void print_json(const Report&, std::FILE*);

}  // namespace xvs::bench
