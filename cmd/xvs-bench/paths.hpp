// SPDX-License-Identifier: Apache-2.0
// The data-plane half of the bench: a real xvs::Client configured through its API on the
// bench network, its attached program timed path by path through the harness, next to the
// floor. Fills report.floor, report.paths and report.fill.
#pragma once

#include "fixture.hpp"
#include "report.hpp"

namespace xvs::bench {

void measure_paths(const Network& net, Report& report);

}  // namespace xvs::bench
