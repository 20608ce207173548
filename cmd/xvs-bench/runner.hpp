// SPDX-License-Identifier: Apache-2.0
// Measuring the paths of the table (table.hpp) against the attached data plane.
//
// Every figure is a series of rounds (one BPF_PROG_TEST_RUN of `repeat` repetitions each),
// and the rounds of all figures of a group are interleaved: on a shared machine a burst of
// load then costs one round of many figures instead of every round of one figure, and the
// median drops it. The wrapper's cost is subtracted round by round, from the measurements
// of the same round.
//
// A path is started with a probe repetition (its verdict and output frame checked; a
// tunnel the data plane lacks makes the path n/a) and a warm-up. Each round then runs one
// untimed repetition (which puts back an established flow an eviction took), snapshots the
// data plane's counters, runs the timed repetitions and checks the last one. At the end
// the counters must show that every timed repetition took the path (its reason counter)
// and created a new flow or not, as the path says.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <xvs/client.hpp>

#include "fixture.hpp"
#include "harness.hpp"
#include "report.hpp"
#include "table.hpp"

namespace xvs::bench {

class Runner {
public:
  Runner(const Network& net, Client& client, Harness& h, int program, const Settings& s);

  void start_floor();
  void start(const Path& p);  // probe and warm-up; the path joins the next rounds
  void rounds();              // the rounds of everything started since the last call
  Floor floor() const;
  std::vector<PathResult> finish();  // results of the paths started so far, in order
  // Sends `flows` distinct new flows along `p` (one test run) and counts the table.
  Fill fill(const Path& p, std::uint32_t flows);

private:
  struct Counts {
    Metrics reasons;
    std::uint64_t flows = 0;
  };
  struct Series {
    std::function<double()> round;  // runs one round; ns per repetition
    std::vector<double> ns;
  };
  struct Live {  // a path being measured
    const Path* path = nullptr;
    PathResult result;
    Bytes frame;
    std::optional<VaryOffsets> vary;
    std::uint64_t first = 0, span = 0;  // the flows it cycles through (span > 0)
    std::size_t cost = 0, nop = 0;      // series: the wrapper around the nop, this frame;
                                        // the nop alone
    std::optional<std::size_t> series;  // none when it failed or is n/a at the start
    std::uint64_t sent = 0, counted = 0, new_flows = 0;
    std::string failure;
  };

  Counts counts();
  std::size_t add(std::function<double()> round);
  std::size_t nop_series();
  std::size_t cost_series(const Bytes& frame, const std::optional<VaryOffsets>& vary);
  // `raw` minus the wrapper's own cost (series `cost` minus series `nop`), round by round.
  Summary net(const std::vector<double>& raw, std::size_t cost, std::size_t nop) const;
  void load(const Live& lv);
  double round(Live& lv);
  Bytes frame_of(FrameSpec spec) const;  // addressed to the balancer

  const Network& net_;
  Client& client_;
  Harness& h_;
  int program_;
  const Settings& s_;
  const Bytes reference_;  // the floor's frame
  std::vector<Series> series_;
  // Of the group being started: the nop alone, and the wrapper around it for each
  // (frame length, varied).
  std::optional<std::size_t> nop_;
  std::map<std::pair<std::size_t, bool>, std::size_t> costs_;
  std::size_t nop_direct_ = 0, swap_direct_ = 0, swap_wrapped_ = 0, floor_cost_ = 0;
  std::deque<Live> lives_;
  std::size_t finished_ = 0;     // lives_ before this index are reported
  std::uint64_t next_flow_ = 0;  // varied frames never reuse a flow number
};

}  // namespace xvs::bench
