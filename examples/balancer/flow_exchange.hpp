// SPDX-License-Identifier: Apache-2.0
// Flow sharing between balancers over UDP (docs/flows.md): a thread sends every record that
// Client::read_flow() yields to each peer (one datagram per record, to the same port on the
// peer) and gives every datagram arriving on the port to Client::write_flow(). Datagrams it
// refuses are counted and otherwise ignored. Also used by tests/e2e/driver.cpp.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include <xvs/xvs.hpp>

namespace balancer {

class FlowExchange {
public:
  // Binds UDP [::]:port (IPv4 too) and starts the thread. Throws std::system_error.
  FlowExchange(xvs::Client& client, std::uint16_t port, std::vector<xvs::IPAddr> peers);
  ~FlowExchange();
  FlowExchange(const FlowExchange&) = delete;
  FlowExchange& operator=(const FlowExchange&) = delete;

  // "sent N, received N, bad N, send errors N" (datagrams).
  std::string summary() const;

private:
  void run();
  void receive();
  void send();

  xvs::Client& client_;
  std::vector<xvs::IPAddr> peers_;
  std::uint16_t port_;
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> sent_{0}, received_{0}, bad_{0}, send_errors_{0};
  std::thread thread_;
};

}  // namespace balancer
