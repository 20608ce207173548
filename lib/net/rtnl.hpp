// SPDX-License-Identifier: Apache-2.0
// Changing the network through rtnetlink (libmnl): what `ip link/addr/neigh/route add` would
// do, without running a program. Reading the network is netlink.hpp's job.
#pragma once

#include <cstdint>
#include <string>

#include <xvs/address.hpp>

struct mnl_socket;
struct nlmsghdr;

namespace xvs::detail {

// A route netlink socket of the network namespace the calling thread is in when it is made
// (a socket keeps its namespace). Every request waits for the kernel's answer; a refusal
// throws Error{Errc::system} naming the request.
class Rtnl {
public:
  Rtnl();
  ~Rtnl();
  Rtnl(const Rtnl&) = delete;
  Rtnl& operator=(const Rtnl&) = delete;

  // A veth pair: `name` here, `peer` in the network namespace open as `peer_netns`; both up
  // to `mtu` bytes, with the given MACs.
  void add_veth(const std::string& name, const MAC& mac, const std::string& peer,
                const MAC& peer_mac, int peer_netns, std::uint32_t mtu);
  // Both false when there is no such link.
  bool delete_link(const std::string& name);
  bool delete_link(int ifindex);
  void set_up(int ifindex);
  void add_address(int ifindex, const Prefix& prefix);  // IPv6: without duplicate detection
  void add_neighbour(int ifindex, const IPAddr& ip, const MAC& mac);  // permanent
  // mtu != 0: the route's MTU metric, which the stack uses for the path's segment size and
  // fragmentation instead of the link's.
  void add_route(const Prefix& dst, const IPAddr& gateway, int ifindex, std::uint32_t mtu = 0);

private:
  // Returns 0 or the kernel's (positive) errno.
  int request(nlmsghdr* nlh);
  void must(nlmsghdr* nlh, const std::string& what);
  static bool deleted(int err, const std::string& link);

  mnl_socket* nl_ = nullptr;
  unsigned seq_ = 0;
};

}  // namespace xvs::detail
