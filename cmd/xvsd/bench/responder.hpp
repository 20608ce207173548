// SPDX-License-Identifier: Apache-2.0
// The far end of the check benchmark: on 127.0.0.1, `ports` TCP listeners that answer any
// HTTP request with 200 and close, and one UDP port that answers DNS queries, all on one
// epoll thread. A stand-in for 1,000 backends, not a web server.
#pragma once

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

namespace xvsd::bench {

class Responder {
public:
  // first_port 0: every listener (and the DNS port, when dns_port is 0) on a port the
  // kernel picks, as tests want.
  Responder(std::uint16_t first_port, unsigned ports, std::uint16_t dns_port);
  ~Responder();

  std::vector<std::uint16_t> ports() const;  // the TCP listeners' ports, in order
  std::uint16_t dns_port() const;

private:
  void run();
  int epoll_ = -1, stop_ = -1, dns_ = -1;
  std::vector<int> listeners_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace xvsd::bench
