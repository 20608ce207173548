// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>

#include <xvs/xvs.hpp>

namespace balancer {

// Prints global, VIP, service and destination statistics as one table per call, with
// packet rates since the previous call.
class StatsPrinter {
public:
  explicit StatsPrinter(std::FILE* out) : out_(out) {}
  void print(xvs::Client& client);

private:
  // `key` names the object uniquely (labels repeat: one real server in several services).
  void row(const std::string& key, const std::string& label, const xvs::Stats& stats,
           const std::string& extra, const std::string& active = "");
  std::FILE* out_;
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
  double elapsed_ = 0;  // seconds since the previous table
  std::map<std::string, std::uint64_t> previous_;  // packets per row key
};

// True when the client has services and every destination's next hop MAC is known.
bool all_resolved(xvs::Client& client);

std::string endpoint(const xvs::Service& s);  // "tcp 192.0.2.1:80", "tcp [2001:db8::1]:80"

}  // namespace balancer
