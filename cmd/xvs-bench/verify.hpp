// SPDX-License-Identifier: Apache-2.0
// Whether a run of a path did what the path says: the verdict, and the frame it left.
#pragma once

#include <string>

#include "harness.hpp"
#include "table.hpp"

namespace xvs::bench {

const char* verdict_name(int verdict);
int verdict_of(Expect);

// Why run `r` of path `p` (sent as `in`) is wrong, or "" when it is right. `ours` is the
// balancer's MAC.
std::string check_run(const Path& p, const Bytes& in, const Run& r, const MAC& ours);

}  // namespace xvs::bench
