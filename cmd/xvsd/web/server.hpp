// SPDX-License-Identifier: Apache-2.0
// xvsd's HTTP side: GET /metrics (Prometheus), GET /status.json, POST /reload and the web
// console at GET /. Everything it shows comes from StatusSource::snapshot, one call per
// request; it never touches the Client or the health checker itself.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "status.hpp"

namespace xvsd::web {

class Server {
public:
  // Binds `listen` ("127.0.0.1:9180", "[::]:9180"; port 0 = any free port) and serves on
  // its own threads until destroyed. Throws xvs::Error: invalid_argument for a malformed
  // address, system when it cannot be bound (in use, not an address of this host).
  Server(const std::string& listen, StatusSource source);
  ~Server();  // stops listening, finishes the requests in progress, joins

  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  std::uint16_t port() const noexcept;  // the bound port (the chosen one when given 0)
  std::string url() const;              // "http://127.0.0.1:9180/"

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace xvsd::web
