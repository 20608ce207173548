// SPDX-License-Identifier: Apache-2.0
// The seam between the daemon and its HTTP side (cmd/xvsd/web/: /metrics, /status.json, the
// console, the reload endpoint). main.cpp starts it when the build has it (XVSD_HAVE_WEB,
// set by cmd/xvsd/CMakeLists.txt when web/ exists) and keeps it until shutdown.
#pragma once

#include <memory>
#include <string>

#include "status.hpp"

namespace xvsd::web {

// A running HTTP listener; destroying it stops it.
class Server {
public:
  virtual ~Server() = default;
};

// Listens on `listen` ("host:port", ":port" for every address) and serves from `source`.
// Throws std::runtime_error when it cannot listen.
std::unique_ptr<Server> start(const std::string& listen, StatusSource source);

}  // namespace xvsd::web
