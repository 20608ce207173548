// SPDX-License-Identifier: Apache-2.0
// One health probe: what to send where, and what came back.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include <xvs/xvs.hpp>

#include "config/config.hpp"

namespace xvsd {

struct Probe {
  CheckType type = CheckType::http;
  xvs::IPAddr address;          // where to connect: the NAT address of (VIP, backend)
  std::uint16_t port = 0;
  std::string path = "/";       // http/https
  std::string host;             // http/https Host (and TLS SNI); DNS: the name queried
  std::string default_host;     // Host header when `host` is empty (the VIP)
  std::string method = "GET";
  unsigned expect = 200;
  std::chrono::milliseconds timeout{1000};
};

struct ProbeResult {
  bool ok = false;
  std::string detail;           // why it failed; empty when ok
  std::uint32_t duration_us = 0;
};

// "http 198.18.0.3:80/healthz", as shown in logs and in the status document.
std::string describe(const Probe&);

}  // namespace xvsd
