// SPDX-License-Identifier: Apache-2.0
// The data-plane half of the bench: a real xvs::Client configured through its API on the
// bench network, its attached program timed path by path through the harness, next to the
// floor. Fills report.floor, report.paths and report.fill.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fixture.hpp"
#include "report.hpp"

namespace xvs::bench {

void measure_paths(const Network& net, Report& report);
// The flow-count sweep (report.sweep): for each size of settings.sweep_flows, a Client with
// that flows_per_cpu, its table filled with flows_per_cpu x CPUs flows, then sweep_table()'s
// paths. After measure_paths: one Client at a time on the bench interface.
void measure_sweep(const Network& net, Report& report);
// The bytes of a file (a BPF object given with --object). Throws xvs::Error.
std::vector<std::uint8_t> read_file(const std::string& path);

}  // namespace xvs::bench
