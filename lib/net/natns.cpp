// SPDX-License-Identifier: Apache-2.0
#include "net/natns.hpp"

#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <exception>
#include <functional>
#include <thread>

#include <fmt/format.h>
#include <xvs/error.hpp>

#include "../../bpf/abi.h"
#include "dataplane/bpf_loader.hpp"
#include "net/netlink.hpp"
#include "net/rtnl.hpp"

namespace xvs::detail {
namespace {

// With generic XDP a backend's reply reaches the data plane after GRO, merged into one frame
// of up to 64 KiB, and the veth drops a frame redirected into it beyond its MTU: the pair's
// links then take the largest MTU, and what the host sends is sized by the routes' MTU
// instead. Native XDP sees each frame as the backend sent it (sized by the probe's MSS) and
// refuses a veth whose MTU exceeds a page, so there the links keep the probes' MTU.
constexpr std::uint32_t kGenericPairMtu = 65535;

IPAddr v4(std::uint32_t host_order) {
  return IPAddr::v4({static_cast<std::uint8_t>(host_order >> 24),
                     static_cast<std::uint8_t>(host_order >> 16),
                     static_cast<std::uint8_t>(host_order >> 8),
                     static_cast<std::uint8_t>(host_order)});
}

// 2001:2:<word2 as two groups>::<last word>, i.e. words 0, 1 and 3 of bpf/abi.h's layout.
IPAddr v6(std::uint32_t word1, std::uint32_t last) {
  std::array<std::uint8_t, 16> b{};
  const std::uint32_t words[4] = {XVS_NAT6_NET, word1, 0, last};
  for (int w = 0; w < 4; w++)
    for (int i = 0; i < 4; i++) b[w * 4 + i] = static_cast<std::uint8_t>(words[w] >> (24 - 8 * i));
  return IPAddr::v6(b);
}

IPAddr peer_address(bool ipv6) {
  return ipv6 ? v6(XVS_NAT6_HOST_WORD2, 2) : v4(XVS_NAT4_PEER);
}

// Runs `fn` on a thread of its own: a thread may change its network namespace without
// affecting the rest of the process. Exceptions come back to the caller.
void on_thread(const std::function<void()>& fn) {
  std::exception_ptr failure;
  std::thread([&] {
    try {
      fn();
    } catch (...) {
      failure = std::current_exception();
    }
  }).join();
  if (failure) std::rethrow_exception(failure);
}

void enter(int netns) {
  if (setns(netns, CLONE_NEWNET) != 0) throw_system("entering the NAT namespace", errno);
}

// The kernel computes transport checksums of what the host sends through the pair in
// software (and segments in software, as TSO needs checksum offload): the probe program
// patches those sums for the new addresses, which is only right for complete ones.
void disable_tx_checksum(const char* link) {
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw_system("socket for ethtool", errno);
  ethtool_value value{ETHTOOL_STXCSUM, 0};
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, link, IFNAMSIZ - 1);
  ifr.ifr_data = reinterpret_cast<char*>(&value);
  const int r = ioctl(fd, SIOCETHTOOL, &ifr);
  const int err = errno;
  close(fd);
  if (r != 0) throw_system(fmt::format("turning transmit checksum offload off on {}", link), err);
}

// Binds the abstract socket of kNatClaim: abstract names are per network namespace and go
// with the last descriptor, so a live Client holds it and a killed one never does.
int claim_pair() {
  const int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw_system("socket for the health-check pair's claim", errno);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  const std::size_t len = std::strlen(kNatClaim);
  std::memcpy(a.sun_path + 1, kNatClaim, len);  // sun_path[0] = 0: abstract
  const auto size = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + len);
  if (bind(fd, reinterpret_cast<const sockaddr*>(&a), size) == 0) return fd;
  const int err = errno;
  close(fd);
  if (err == EADDRINUSE)
    throw Error(Errc::in_use,
                fmt::format("another xvs Client in this network namespace owns the health-check "
                            "pair {} (one Client per network namespace); left untouched",
                            kNatHostLink));
  throw_system("claiming the health-check pair", err);
}

}  // namespace

IPAddr nat_address(std::uint32_t index, bool ipv6) {
  if (index == 0 || index > kNatMaxIndex)
    throw Error(Errc::capacity, fmt::format("NAT address index {} out of range", index));
  return ipv6 ? v6(0, index) : v4(XVS_NAT4_NET + index);
}

IPAddr nat_host_address(bool ipv6) {
  return ipv6 ? v6(XVS_NAT6_HOST_WORD2, 1) : v4(XVS_NAT4_HOST);
}

NatNamespace::NatNamespace(std::uint32_t probe_mtu, bool native) : native_(native) {
  try {
    create(probe_mtu);
  } catch (...) {
    remove();
    throw;
  }
}

NatNamespace::~NatNamespace() { remove(); }

void NatNamespace::create(std::uint32_t probe_mtu) {
  claim_ = claim_pair();  // before anything of a live owner's could be touched
  on_thread([this] {
    if (unshare(CLONE_NEWNET) != 0) throw_system("creating the NAT namespace", errno);
    netns_ = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (netns_ < 0) throw_system("opening the NAT namespace", errno);
  });

  Rtnl rtnl;
  // A pair of a killed process disappears with its namespace, but the kernel tears that
  // down in the background: delete it by name, and retry while the name is still taken.
  for (int attempt = 0;; attempt++) {
    rtnl.delete_link(kNatHostLink);
    try {
      rtnl.add_veth(kNatHostLink, kNatHostMac, kNatPeerLink, kNatPeerMac, netns_,
                     native_ ? probe_mtu : kGenericPairMtu);
      created_ = true;
      break;
    } catch (const Error&) {
      if (attempt == 20) throw;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  ifindex_ = interface_index(kNatHostLink);
  if (ifindex_ == 0) throw Error(Errc::system, fmt::format("{} vanished", kNatHostLink));
  disable_tx_checksum(kNatHostLink);
  rtnl.add_address(ifindex_, Prefix(nat_host_address(false), 30));
  rtnl.add_neighbour(ifindex_, peer_address(false), kNatPeerMac);
  // A host with IPv6 disabled refuses the address: health checks are then IPv4 only.
  try {
    rtnl.add_address(ifindex_, Prefix(nat_host_address(true), 64));
    rtnl.add_neighbour(ifindex_, peer_address(true), kNatPeerMac);
    ipv6_ = true;
  } catch (const Error&) {
    ipv6_ = false;
  }
  rtnl.set_up(ifindex_);
  // Routes need the link up; the connected routes of the addresses come with it.
  rtnl.add_route(Prefix(v4(XVS_NAT4_NET), 16), peer_address(false), ifindex_, probe_mtu);
  if (ipv6_) rtnl.add_route(Prefix(v6(0, 0), 64), peer_address(true), ifindex_, probe_mtu);
  on_thread([this] {
    enter(netns_);
    Rtnl().set_up(interface_index(kNatPeerLink));
  });
}

void NatNamespace::attach(int host_prog, int peer_prog) {
  attach_xdp(host_prog, ifindex_, native_);
  on_thread([&] {
    enter(netns_);
    attach_xdp(peer_prog, interface_index(kNatPeerLink), native_);
  });
}

void NatNamespace::remove() noexcept {
  if (created_) {
    try {
      // By name only while the index is unknown: a later client's pair has another index.
      Rtnl rtnl;
      if (ifindex_ != 0)
        rtnl.delete_link(ifindex_);  // takes the peer, and the programs, with it
      else
        rtnl.delete_link(kNatHostLink);
    } catch (const Error&) {
      // Nothing better to do in a destructor; the namespace going takes the pair anyway.
    }
  }
  if (netns_ >= 0) close(netns_);
  if (claim_ >= 0) close(claim_);  // last: the pair is gone by now
}

}  // namespace xvs::detail
