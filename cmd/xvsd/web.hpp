// SPDX-License-Identifier: Apache-2.0
// The seam between the daemon and its HTTP side (cmd/xvsd/web/: /metrics, /status.json, the
// console, the reload endpoint). main.cpp starts it and keeps it until shutdown.
#pragma once

#include <memory>
#include <string>

#include "status.hpp"
#include "web/server.hpp"

namespace xvsd::web {

// Listens on `listen` and serves from `source`. Besides the Server's "host:port" forms it
// takes vc5's ":port", meaning every address (IPv6 and, dual-stack, IPv4). Throws xvs::Error
// when it cannot listen.
inline std::unique_ptr<Server> start(const std::string& listen, StatusSource source) {
  const std::string address = listen.starts_with(':') ? "[::]" + listen : listen;
  return std::make_unique<Server>(address, std::move(source));
}

}  // namespace xvsd::web
