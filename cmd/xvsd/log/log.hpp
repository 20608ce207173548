// SPDX-License-Identifier: Apache-2.0
// xvsd's log: one event per line on stderr in logfmt ("key=value", values quoted and escaped
// when they need it), so journald keeps them and tools can parse them:
//   time=2026-12-07T05:30:01.123Z event=backend_down service=web vip=192.0.2.1 ...
// Every part of the daemon (checks, scale-out, the HTTP side) logs through it. Values may be
// untrusted (a request path, a backend's reply): they cannot forge a second line or field.
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
