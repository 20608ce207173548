// SPDX-License-Identifier: Apache-2.0
#include "log_event.hpp"

#include <algorithm>
#include <cstdio>

#include <fmt/format.h>

namespace xvsd::web {

namespace {

std::string value_text(std::string_view v) {
  const bool plain = !v.empty() && v.find_first_of(" \"=\\") == std::string_view::npos &&
                     std::none_of(v.begin(), v.end(), [](char c) {
                       return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
                     });
  if (plain) return std::string(v);
  std::string out = "\"";
  for (char c : v) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') out += fmt::format("\\{}", c);
    else if (u < 0x20 || u == 0x7f) out += fmt::format("\\x{:02x}", u);
    else out += c;
  }
  return out + '"';
}

}  // namespace

std::string format_event(std::string_view event, const LogFields& fields) {
  std::string line = fmt::format("xvsd: component=http event={}", value_text(event));
  for (const auto& [key, value] : fields) line += fmt::format(" {}={}", key, value_text(value));
  return line;
}

void log_event(std::string_view event, const LogFields& fields) {
  // One write per line, so that lines of concurrent requests do not interleave.
  const std::string line = format_event(event, fields) + '\n';
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace xvsd::web
