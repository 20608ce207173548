// SPDX-License-Identifier: Apache-2.0
// The HTTP side's log lines on stderr, one per event, as key=value pairs:
//   xvsd: component=http event=listening address=127.0.0.1:9180
// Values are quoted and escaped when they need it: a request path is untrusted and must not
// forge a second line.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace xvsd::web {

using LogFields = std::vector<std::pair<std::string_view, std::string>>;

std::string format_event(std::string_view event, const LogFields& fields);
void log_event(std::string_view event, const LogFields& fields);

}  // namespace xvsd::web
