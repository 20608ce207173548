// SPDX-License-Identifier: Apache-2.0
// GET /status.json: a Status as one JSON document, what the console renders. Field names are
// listed in docs/xvsd-metrics.md; addresses are strings, counters numbers.
#pragma once

#include <nlohmann/json.hpp>

#include "status.hpp"

namespace xvsd::web {

nlohmann::json status_json(const Status& status);

}  // namespace xvsd::web
