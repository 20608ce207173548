// SPDX-License-Identifier: Apache-2.0
#include "log/log.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

#include <fmt/format.h>

namespace xvsd {

namespace {

bool control(char c) { return static_cast<unsigned char>(c) < ' ' || c == 0x7f; }

// Plain when it can be: not empty, no space, quote, '=', backslash or control character.
std::string quoted(std::string_view v) {
  bool plain = !v.empty();
  for (char c : v)
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || control(c)) plain = false;
  if (plain) return std::string(v);
  std::string out = "\"";
  for (char c : v) {
    if (control(c)) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
      continue;
    }
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + '"';
}

}  // namespace

std::string logfmt(std::string_view event, const LogFields& fields) {
  std::string line = "event=" + quoted(event);
  for (const auto& [k, v] : fields) line += " " + k + "=" + quoted(v);
  return line;
}

void log_event(std::string_view event, const LogFields& fields) {
  static std::mutex mutex;
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string line = fmt::format("time={}.{:03}Z {}\n", stamp, ms, logfmt(event, fields));
  std::lock_guard lock(mutex);
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
}

}  // namespace xvsd
