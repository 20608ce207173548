// SPDX-License-Identifier: Apache-2.0
// The control-plane half of the bench: Maglev table builds, set_service through a real
// Client, many services, and the memory the data plane's maps hold. Fills report.control
// and report.memory.
#pragma once

#include "fixture.hpp"
#include "report.hpp"

namespace xvs::bench {

void measure_control(const Network& net, Report& report);

}  // namespace xvs::bench
