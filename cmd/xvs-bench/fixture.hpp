// SPDX-License-Identifier: Apache-2.0
// The bench's network: an anonymous network namespace holding one veth pair, the
// balancer's addresses on xb0 and permanent neighbour entries for up to 255 fake backends
// per address family, so every destination resolves at once and no traffic leaves.
#pragma once

#include <cstdint>
#include <vector>

#include <xvs/address.hpp>
#include <xvs/types.hpp>

namespace xvs::bench {

inline constexpr int kMaxBackends = 255;
inline constexpr const char* kInterface = "xb0";

class Network {
public:
  // Moves the calling thread (and the threads and processes it starts later) into a new
  // network namespace; it disappears with the process. Throws xvs::Error.
  Network();

  int ifindex() const noexcept { return ifindex_; }
  const MAC& mac() const noexcept { return mac_; }  // of xb0: the balancer's

private:
  int ifindex_ = 0;
  MAC mac_{};
};

// Backend i (1..255) of a family: 10.1.1.i or fd00::1:i (hex), MAC 02:b4:00:00:00:i or
// 02:b6:00:00:00:i. The balancer is 10.1.0.1/16 and fd00::1/64.
IPAddr backend_address(bool v6, int i);
MAC backend_mac(bool v6, int i);
// The backend number of `mac`, or 0 when it is none of the first `n` of that family.
int backend_of(const MAC& mac, bool v6, int n);

// Backends 1..n as destinations of the given tunnel type.
std::vector<Destination> destinations(bool v6, int n, TunnelType tunnel = TunnelType::None,
                                      std::uint16_t tunnel_port = 0, bool no_checksum = false);

}  // namespace xvs::bench
