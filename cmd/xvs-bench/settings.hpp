// SPDX-License-Identifier: Apache-2.0
// What the command line asked for.
#pragma once

#include <cstdint>
#include <regex>
#include <string>
#include <vector>

namespace xvs::bench {

struct Settings {
  bool json = false;
  bool quick = false;               // small repeats, few rounds: proves it works, in seconds
  std::uint32_t repeat = 1000000;   // BPF_PROG_TEST_RUN repetitions per round
  int rounds = 5;
  std::uint32_t flows = 1000000;    // flows_per_cpu of the measured data plane (and the fill)
  int cpu = -1;                     // CPU to measure on; -1: the first one allowed
  std::string object;               // a data-plane object to load instead of the embedded one
  bool verify = true;               // false: time paths that fail their checks (--unverified)
  bool sweep = false;               // the flow-count sweep (sweep/*)
  std::vector<std::uint32_t> sweep_flows{1024, 16384, 65536, 262144, 1000000};  // per CPU
  std::string filter;               // regular expression over figure names; empty: all
  std::regex filter_re;

  bool wanted(const std::string& name) const {
    return filter.empty() || std::regex_search(name, filter_re);
  }
};

}  // namespace xvs::bench
