// SPDX-License-Identifier: Apache-2.0
// GET /metrics: a Status in the Prometheus text format. The names are documented in
// docs/xvsd-metrics.md; tests/xvsd-web/test_metrics.cpp pins the exact text.
#pragma once

#include <string>

#include "status.hpp"

namespace xvsd::web {

std::string render_metrics(const Status& status);

}  // namespace xvsd::web
