// SPDX-License-Identifier: Apache-2.0
#include "flow_exchange.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include <fmt/format.h>

namespace balancer {
namespace {

constexpr int kPollMs = 20;             // how long a queued record may wait to be sent
constexpr int kRecordsPerRound = 4096;  // then look at the socket again

[[noreturn]] void fail(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

// IPv4 peers as ::ffff:a.b.c.d on the dual-stack socket.
sockaddr_in6 socket_address(const xvs::IPAddr& a, std::uint16_t port) {
  sockaddr_in6 sa{};
  sa.sin6_family = AF_INET6;
  sa.sin6_port = htons(port);
  const auto text = a.is4() ? "::ffff:" + a.to_string() : a.to_string();
  inet_pton(AF_INET6, text.c_str(), &sa.sin6_addr);
  return sa;
}

}  // namespace

FlowExchange::FlowExchange(xvs::Client& client, std::uint16_t port,
                           std::vector<xvs::IPAddr> peers)
    : client_(client), peers_(std::move(peers)), port_(port) {
  fd_ = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) fail("flow exchange: UDP socket");
  const int off = 0;
  const sockaddr_in6 any = socket_address(xvs::IPAddr::parse("::"), port);
  if (setsockopt(fd_, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off) != 0 ||
      bind(fd_, reinterpret_cast<const sockaddr*>(&any), sizeof any) != 0) {
    const int err = errno;
    close(fd_);
    errno = err;
    fail(fmt::format("flow exchange: binding UDP port {}", port));
  }
  thread_ = std::thread([this] { run(); });
}

FlowExchange::~FlowExchange() {
  stop_ = true;
  thread_.join();
  close(fd_);
}

std::string FlowExchange::summary() const {
  return fmt::format("sent {}, received {}, bad {}, send errors {}", sent_.load(),
                     received_.load(), bad_.load(), send_errors_.load());
}

void FlowExchange::run() {
  while (!stop_) {
    pollfd p{.fd = fd_, .events = POLLIN, .revents = 0};
    poll(&p, 1, kPollMs);
    receive();
    send();
  }
}

void FlowExchange::receive() {
  std::uint8_t buf[2048];
  for (;;) {
    const ssize_t n = recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
    if (n < 0) return;  // EAGAIN: nothing more pending
    ++received_;
    try {
      client_.write_flow({buf, static_cast<std::size_t>(n)});
    } catch (const xvs::Error&) {
      ++bad_;  // malformed, or about a service or backend we do not have
    }
  }
}

void FlowExchange::send() {
  for (int i = 0; i < kRecordsPerRound; ++i) {
    std::vector<std::uint8_t> record;
    try {
      record = client_.read_flow();
    } catch (const xvs::Error&) {
      ++send_errors_;  // the kernel refused to read the queue: try again next round
      return;
    }
    if (record.empty()) return;
    for (const auto& peer : peers_) {
      const sockaddr_in6 to = socket_address(peer, port_);
      if (sendto(fd_, record.data(), record.size(), 0, reinterpret_cast<const sockaddr*>(&to),
                 sizeof to) == static_cast<ssize_t>(record.size()))
        ++sent_;
      else
        ++send_errors_;
    }
  }
}

}  // namespace balancer
