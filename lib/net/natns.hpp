// SPDX-License-Identifier: Apache-2.0
// The health-check NAT namespace (docs/healthchecks.md): a veth pair whose host end
// ("xvsnat0") routes the NAT addresses to its peer ("xvsnat1"), which lives in an anonymous
// network namespace of its own. The namespace is held only by this process's descriptor, so
// it and the pair vanish with the process, even one killed with SIGKILL. Addresses come from
// the benchmarking ranges of bpf/abi.h and are the same in every network namespace: two
// clients in two namespaces each have their own pair and never meet.
#pragma once

#include <cstdint>

#include <xvs/address.hpp>

namespace xvs::detail {

inline constexpr const char* kNatHostLink = "xvsnat0";
inline constexpr const char* kNatPeerLink = "xvsnat1";
// The abstract unix socket name a Client binds while it owns the pair: a second Client in
// the same network namespace finds it taken and is refused (Errc::in_use) instead of
// deleting the first one's pair.
inline constexpr const char* kNatClaim = "xvs/health-check-pair";
// Locally administered, "xvs" in the middle; only ever seen on the pair.
inline constexpr MAC kNatHostMac{0x02, 0x78, 0x76, 0x73, 0x00, 0x00};
inline constexpr MAC kNatPeerMac{0x02, 0x78, 0x76, 0x73, 0x00, 0x01};
// NAT address index i (1..kNatMaxIndex) is 198.18.0.0 + i, or 2001:2:: + i.
inline constexpr std::uint32_t kNatMaxIndex = 65000;

IPAddr nat_address(std::uint32_t index, bool ipv6);  // throws for an index out of range
IPAddr nat_host_address(bool ipv6);                  // 198.18.255.253, 2001:2:0:ffff::1

class NatNamespace {
public:
  // Creates the namespace and the pair (links up, addresses, routes to the NAT addresses),
  // first deleting a pair a killed process left behind. `probe_mtu` is the routes' MTU, so
  // the largest packet a probe sends: small enough to fit into any tunnel. `native`: the
  // programs will be attached in driver mode. Throws Error{Errc::in_use} when a live Client
  // of this network namespace owns the pair (kNatClaim), else Error{Errc::system}; leaves
  // nothing behind then.
  NatNamespace(std::uint32_t probe_mtu, bool native);
  ~NatNamespace();
  NatNamespace(const NatNamespace&) = delete;
  NatNamespace& operator=(const NatNamespace&) = delete;

  int ifindex() const noexcept { return ifindex_; }  // the host end
  bool ipv6() const noexcept { return ipv6_; }       // false when the host has IPv6 off
  // Attaches the probe program to the host end and the reflector to the peer.
  void attach(int host_prog, int peer_prog);

private:
  void create(std::uint32_t probe_mtu);
  void remove() noexcept;

  int claim_ = -1;   // bound to kNatClaim while we own the pair
  int netns_ = -1;   // the peer's namespace
  int ifindex_ = 0;  // the host end's
  bool native_ = false;
  bool created_ = false;
  bool ipv6_ = false;
};

}  // namespace xvs::detail
