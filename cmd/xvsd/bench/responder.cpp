// SPDX-License-Identifier: Apache-2.0
#include "bench/responder.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace xvsd::bench {

namespace {

int bound(int type, std::uint16_t port) {
  int fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0)
    throw std::runtime_error("responder: cannot bind port " + std::to_string(port) + ": " +
                             std::strerror(errno));
  if (type == SOCK_STREAM) listen(fd, 4096);
  return fd;
}

void watch(int epoll, int fd) {
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = fd;
  epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &ev);
}

}  // namespace

Responder::Responder(std::uint16_t first_port, unsigned ports, std::uint16_t dns_port) {
  epoll_ = epoll_create1(EPOLL_CLOEXEC);
  stop_ = eventfd(0, EFD_CLOEXEC);
  watch(epoll_, stop_);
  for (unsigned i = 0; i < ports; ++i) {
    listeners_.push_back(
        bound(SOCK_STREAM, first_port ? static_cast<std::uint16_t>(first_port + i) : 0));
    watch(epoll_, listeners_.back());
  }
  dns_ = bound(SOCK_DGRAM, dns_port);
  watch(epoll_, dns_);
  thread_ = std::thread([this] { run(); });
}

namespace {
std::uint16_t port_of(int fd) {
  sockaddr_in sa{};
  socklen_t len = sizeof sa;
  getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  return ntohs(sa.sin_port);
}
}  // namespace

std::vector<std::uint16_t> Responder::ports() const {
  std::vector<std::uint16_t> out;
  for (int fd : listeners_) out.push_back(port_of(fd));
  return out;
}

std::uint16_t Responder::dns_port() const { return port_of(dns_); }

Responder::~Responder() {
  std::uint64_t one = 1;
  [[maybe_unused]] auto n = write(stop_, &one, sizeof one);
  thread_.join();
  for (int fd : listeners_) close(fd);
  close(dns_);
  close(stop_);
  close(epoll_);
}

void Responder::run() {
  static const char reply[] =
      "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
  std::unordered_set<int> listening(listeners_.begin(), listeners_.end());
  std::unordered_map<int, std::string> requests;
  epoll_event events[256];
  for (;;) {
    int n = epoll_wait(epoll_, events, 256, -1);
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd == stop_) {
        for (auto& [c, _] : requests) close(c);
        return;
      }
      if (fd == dns_) {
        // Echo the query as a reply: QR set, rcode NOERROR, the question kept.
        std::uint8_t buf[512];
        sockaddr_storage from{};
        socklen_t len = sizeof from;
        ssize_t got = recvfrom(dns_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
        if (got >= 12) {
          buf[2] |= 0x80;
          buf[3] &= 0xf0;
          sendto(dns_, buf, static_cast<std::size_t>(got), 0, reinterpret_cast<sockaddr*>(&from), len);
        }
        continue;
      }
      if (listening.contains(fd)) {
        for (;;) {
          int c = accept4(fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (c < 0) break;
          requests[c];
          watch(epoll_, c);
        }
        continue;
      }
      char buf[2048];
      ssize_t got = read(fd, buf, sizeof buf);
      auto& req = requests[fd];
      if (got > 0) req.append(buf, static_cast<std::size_t>(got));
      // A SYN check connects and resets; an HTTP check sends a request and waits.
      if (got <= 0 || req.find("\r\n\r\n") != std::string::npos) {
        if (got > 0) [[maybe_unused]] auto w = write(fd, reply, sizeof reply - 1);
        close(fd);
        requests.erase(fd);
      }
    }
  }
}

}  // namespace xvsd::bench
