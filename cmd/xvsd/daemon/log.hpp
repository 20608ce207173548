// SPDX-License-Identifier: Apache-2.0
// Structured log lines on stderr, one event per line in logfmt ("key=value", values quoted
// when they need it), so journald keeps them and tools can parse them:
//   time=2026-12-07T05:30:01.123Z event=backend_down service=web vip=192.0.2.1 ...
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace xvsd {

using LogFields = std::vector<std::pair<std::string, std::string>>;

void log_event(std::string_view event, const LogFields& fields = {});

// The text of one line (without the time and the newline); exposed for the unit test.
std::string logfmt(std::string_view event, const LogFields& fields);

}  // namespace xvsd
