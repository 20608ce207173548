// SPDX-License-Identifier: Apache-2.0
#include "net/rtnl.hpp"

#include <array>
#include <cerrno>
#include <cstring>

// glibc's <net/if.h> must precede the kernel's headers, which then skip their duplicates.
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <fmt/format.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include <xvs/error.hpp>

#include "dataplane/bpf_loader.hpp"

namespace xvs::detail {
namespace {

// Requests here are small; answers to them (acknowledgements, errors quoting the request)
// too.
using Buffer = std::array<char, 8192>;

unsigned char family_of(const IPAddr& ip) { return ip.is4() ? AF_INET : AF_INET6; }

void put_ip(nlmsghdr* nlh, std::uint16_t type, const IPAddr& ip) {
  mnl_attr_put(nlh, type, ip.is4() ? 4 : 16, ip.bytes().data());
}

// A request message in `buf`, asking for an acknowledgement.
nlmsghdr* start(Buffer& buf, std::uint16_t type,
                std::uint16_t flags) {
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
  nlh->nlmsg_type = type;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
  return nlh;
}

constexpr std::uint16_t kCreate = NLM_F_CREATE | NLM_F_EXCL;

}  // namespace

Rtnl::Rtnl() : nl_(mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC)) {
  if (nl_ == nullptr) throw_system("netlink: socket", errno);
  if (mnl_socket_bind(nl_, 0, MNL_SOCKET_AUTOPID) < 0) {
    int err = errno;
    mnl_socket_close(nl_);
    throw_system("netlink: bind", err);
  }
}

Rtnl::~Rtnl() { mnl_socket_close(nl_); }

int Rtnl::request(nlmsghdr* nlh) {
  nlh->nlmsg_seq = ++seq_;
  if (mnl_socket_sendto(nl_, nlh, nlh->nlmsg_len) < 0) return errno;
  Buffer buf;
  const unsigned portid = mnl_socket_get_portid(nl_);
  for (;;) {
    const auto n = mnl_socket_recvfrom(nl_, buf.data(), buf.size());
    if (n < 0) return errno;
    // The acknowledgement is an NLMSG_ERROR message; error 0 means success.
    const int r = mnl_cb_run(buf.data(), static_cast<std::size_t>(n), seq_, portid, nullptr,
                             nullptr);
    if (r == MNL_CB_ERROR) return errno;
    if (r == MNL_CB_STOP) return 0;
  }
}

void Rtnl::must(nlmsghdr* nlh, const std::string& what) {
  if (int err = request(nlh)) throw_system(fmt::format("netlink: {}", what), err);
}

void Rtnl::add_veth(const std::string& name, const MAC& mac, const std::string& peer,
                    const MAC& peer_mac, int peer_netns, std::uint32_t mtu) {
  Buffer buf;
  nlmsghdr* nlh = start(buf, RTM_NEWLINK, kCreate);
  mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg));
  mnl_attr_put_strz(nlh, IFLA_IFNAME, name.c_str());
  mnl_attr_put(nlh, IFLA_ADDRESS, mac.size(), mac.data());
  mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
  nlattr* linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
  mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
  nlattr* data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
  // The peer is described by a whole link message nested in VETH_INFO_PEER.
  nlattr* info = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
  auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
  ifi->ifi_family = AF_UNSPEC;
  mnl_attr_put_strz(nlh, IFLA_IFNAME, peer.c_str());
  mnl_attr_put(nlh, IFLA_ADDRESS, peer_mac.size(), peer_mac.data());
  mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
  mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, static_cast<std::uint32_t>(peer_netns));
  mnl_attr_nest_end(nlh, info);
  mnl_attr_nest_end(nlh, data);
  mnl_attr_nest_end(nlh, linkinfo);
  must(nlh, fmt::format("creating veth pair {}/{}", name, peer));
}

bool Rtnl::delete_link(const std::string& name) {
  Buffer buf;
  nlmsghdr* nlh = start(buf, RTM_DELLINK, 0);
  mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg));
  mnl_attr_put_strz(nlh, IFLA_IFNAME, name.c_str());
  return deleted(request(nlh), name);
}

bool Rtnl::delete_link(int ifindex) {
  Buffer buf;
  nlmsghdr* nlh = start(buf, RTM_DELLINK, 0);
  auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
  ifi->ifi_index = ifindex;
  return deleted(request(nlh), std::to_string(ifindex));
}

bool Rtnl::deleted(int err, const std::string& link) {
  if (err == ENODEV) return false;
  if (err) throw_system(fmt::format("netlink: deleting link {}", link), err);
  return true;
}

void Rtnl::set_up(int ifindex) {
  Buffer buf;
  nlmsghdr* nlh = start(buf, RTM_NEWLINK, 0);
  auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
  ifi->ifi_index = ifindex;
  ifi->ifi_flags = IFF_UP;
  ifi->ifi_change = IFF_UP;
  must(nlh, fmt::format("setting link {} up", ifindex));
}

void Rtnl::add_address(int ifindex, const Prefix& prefix) {
  Buffer buf;
  nlmsghdr* nlh = start(buf, RTM_NEWADDR, kCreate);
  auto* ifa = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifaddrmsg)));
  ifa->ifa_family = family_of(prefix.addr());
  ifa->ifa_prefixlen = static_cast<unsigned char>(prefix.bits());
  ifa->ifa_index = static_cast<unsigned>(ifindex);
  // Duplicate detection would hold a new IPv6 address back for a second or more, on a link
  // nobody else is on.
  ifa->ifa_flags = IFA_F_NODAD;
  put_ip(nlh, IFA_LOCAL, prefix.addr());
  put_ip(nlh, IFA_ADDRESS, prefix.addr());
  must(nlh, fmt::format("adding address {} to link {}", prefix, ifindex));
}

void Rtnl::add_neighbour(int ifindex, const IPAddr& ip, const MAC& mac) {
  Buffer buf;
  nlmsghdr* nlh = start(buf, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE);
  auto* nd = static_cast<ndmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ndmsg)));
  nd->ndm_family = family_of(ip);
  nd->ndm_ifindex = ifindex;
  nd->ndm_state = NUD_PERMANENT;
  put_ip(nlh, NDA_DST, ip);
  mnl_attr_put(nlh, NDA_LLADDR, mac.size(), mac.data());
  must(nlh, fmt::format("adding neighbour {} on link {}", ip, ifindex));
}

void Rtnl::add_route(const Prefix& dst, const IPAddr& gateway, int ifindex, std::uint32_t mtu) {
  Buffer buf;
  nlmsghdr* nlh = start(buf, RTM_NEWROUTE, kCreate);
  auto* rt = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtmsg)));
  rt->rtm_family = family_of(dst.addr());
  rt->rtm_dst_len = static_cast<unsigned char>(dst.bits());
  rt->rtm_table = RT_TABLE_MAIN;
  rt->rtm_protocol = RTPROT_STATIC;
  rt->rtm_scope = RT_SCOPE_UNIVERSE;
  rt->rtm_type = RTN_UNICAST;
  put_ip(nlh, RTA_DST, dst.addr());
  put_ip(nlh, RTA_GATEWAY, gateway);
  mnl_attr_put_u32(nlh, RTA_OIF, static_cast<std::uint32_t>(ifindex));
  if (mtu != 0) {
    nlattr* metrics = mnl_attr_nest_start(nlh, RTA_METRICS);
    mnl_attr_put_u32(nlh, RTAX_MTU, mtu);
    mnl_attr_nest_end(nlh, metrics);
  }
  must(nlh, fmt::format("adding route {} via {}", dst, gateway));
}

}  // namespace xvs::detail
