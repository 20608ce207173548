// SPDX-License-Identifier: Apache-2.0
#include "net/pinger.hpp"

#include <array>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>
#include <linux/icmp.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <xvs/error.hpp>

namespace xvs::detail {
namespace {

int open_raw(int family, int protocol) {
  const int fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  if (fd < 0)
    throw Error(Errc::system, fmt::format("pinger: raw {} socket: {}",
                                          family == AF_INET ? "ICMP" : "ICMPv6",
                                          std::strerror(errno)));
  return fd;
}

// Raw sockets receive a copy of every ICMP message; nothing here reads them, so the
// filters drop all of them instead of letting them queue up.
void block_all_input(int fd4, int fd6) {
  const icmp_filter f4{~0u};
  icmp6_filter f6{};
  ICMP6_FILTER_SETBLOCKALL(&f6);
  if (setsockopt(fd4, SOL_RAW, ICMP_FILTER, &f4, sizeof f4) < 0 ||
      setsockopt(fd6, IPPROTO_ICMPV6, ICMP6_FILTER, &f6, sizeof f6) < 0)
    throw Error(Errc::system, fmt::format("pinger: ICMP filter: {}", std::strerror(errno)));
}

// RFC 1071 checksum of an ICMP message; ICMPv6 is summed by the kernel (pseudo-header).
std::uint16_t checksum(const std::uint8_t* data, std::size_t len) {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i + 1 < len; i += 2) sum += std::uint32_t(data[i] << 8 | data[i + 1]);
  if (len % 2 != 0) sum += std::uint32_t(data[len - 1] << 8);
  while (sum >> 16 != 0) sum = (sum & 0xffff) + (sum >> 16);
  return htons(static_cast<std::uint16_t>(~sum));
}

// Echo request: type, code, checksum, identifier, sequence, then a short marker payload.
constexpr std::size_t echo_size = 8 + 4;

std::array<std::uint8_t, echo_size> echo_request(std::uint8_t type, std::uint16_t seq) {
  std::array<std::uint8_t, echo_size> m{type, 0, 0, 0,
                                       std::uint8_t(Pinger::identifier >> 8),
                                       std::uint8_t(Pinger::identifier & 0xff),
                                       std::uint8_t(seq >> 8), std::uint8_t(seq & 0xff),
                                       'x', 'v', 's', 0};
  return m;
}

}  // namespace

Pinger::Pinger() {
  fd4_ = open_raw(AF_INET, IPPROTO_ICMP);
  try {
    fd6_ = open_raw(AF_INET6, IPPROTO_ICMPV6);
    block_all_input(fd4_, fd6_);
  } catch (...) {
    close(fd4_);
    if (fd6_ >= 0) close(fd6_);
    throw;
  }
}

Pinger::~Pinger() {
  close(fd4_);
  close(fd6_);
}

void Pinger::ping(const IPAddr& target, int ifindex) noexcept {
  const auto seq = sequence_.fetch_add(1, std::memory_order_relaxed);
  // Errors (unreachable, no route, full buffer) are ignored: the next ping tries again.
  if (target.is4()) {
    auto m = echo_request(ICMP_ECHO, seq);
    const auto sum = checksum(m.data(), m.size());
    std::memcpy(&m[2], &sum, sizeof sum);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    std::memcpy(&to.sin_addr, target.bytes().data(), 4);
    sendto(fd4_, m.data(), m.size(), MSG_DONTWAIT, reinterpret_cast<const sockaddr*>(&to),
           sizeof to);
  } else if (target.is6()) {
    const auto m = echo_request(ICMP6_ECHO_REQUEST, seq);
    sockaddr_in6 to{};
    to.sin6_family = AF_INET6;
    std::memcpy(&to.sin6_addr, target.bytes().data(), 16);
    // Used by the kernel only for addresses that need a scope (link-local).
    to.sin6_scope_id = static_cast<std::uint32_t>(ifindex);
    sendto(fd6_, m.data(), m.size(), MSG_DONTWAIT, reinterpret_cast<const sockaddr*>(&to),
           sizeof to);
  }
}

}  // namespace xvs::detail
