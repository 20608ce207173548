// SPDX-License-Identifier: Apache-2.0
// Sends ICMP/ICMPv6 echo requests so that the kernel resolves (and keeps fresh) the
// neighbour entries of backends and gateways. Replies are not needed and are ignored.
#pragma once

#include <atomic>
#include <cstdint>

#include <xvs/address.hpp>

namespace xvs::detail {

class Pinger {
public:
  Pinger();  // opens raw ICMP and ICMPv6 sockets; throws Error{Errc::system}
  ~Pinger();
  Pinger(const Pinger&) = delete;
  Pinger& operator=(const Pinger&) = delete;

  // Best effort; safe from several threads. `ifindex` is the interface of the neighbour
  // entry: an IPv6 link-local target (a router that announced itself) needs it.
  void ping(const IPAddr& target, int ifindex = 0) noexcept;

  // ICMP echo identifier of every request, so that captures can tell them apart.
  static constexpr std::uint16_t identifier = 0x7876;  // "xv"

private:
  int fd4_ = -1, fd6_ = -1;
  std::atomic<std::uint16_t> sequence_{0};
};

}  // namespace xvs::detail
