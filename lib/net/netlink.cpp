// SPDX-License-Identifier: Apache-2.0
#include "net/netlink.hpp"

#include <array>
#include <cerrno>
#include <cstring>
#include <exception>
#include <functional>
#include <vector>

// glibc's <net/if.h> must precede the kernel's headers, which then skip their duplicates.
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <fmt/format.h>
#include <libmnl/libmnl.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/nexthop.h>
#include <linux/rtnetlink.h>

#include <xvs/error.hpp>

#include "api/system_error.hpp"

namespace xvs::detail {
namespace {

// Receive buffer of a dump. Link messages can be larger than one page (the kernel sizes its
// dump buffer after the largest message), so a page-sized MNL_SOCKET_BUFFER_SIZE could fail
// with ENOSPC; 32 KiB is what libmnl >= 1.0.5 names MNL_SOCKET_DUMP_SIZE.
constexpr std::size_t dump_buffer_size = 32768;

// A dump the kernel marks inconsistent (NLM_F_DUMP_INTR: the tables changed meanwhile) is
// repeated; a network that changes faster than this is reported as an error.
constexpr int dump_attempts = 4;

[[noreturn]] void fail(const char* what, int err) {
  throw_system(std::string("netlink: ") + what, err);
}

// Attributes of one message (or nest) indexed by type. Every attribute read here has a type
// below the table size; later (unknown) types are ignored.
class Attributes {
public:
  Attributes() = default;
  Attributes(const nlmsghdr* nlh, std::size_t header) {
    mnl_attr_parse(nlh, static_cast<unsigned>(header), store, this);
  }
  Attributes(const void* payload, std::size_t length) {
    mnl_attr_parse_payload(payload, length, store, this);
  }
  explicit Attributes(const nlattr* nest) { mnl_attr_parse_nested(nest, store, this); }

  const nlattr* operator[](unsigned type) const {
    return type < table_.size() ? table_[type] : nullptr;
  }

private:
  static int store(const nlattr* attr, void* self) {
    auto& table = static_cast<Attributes*>(self)->table_;
    if (const auto type = mnl_attr_get_type(attr); type < table.size()) table[type] = attr;
    return MNL_CB_OK;
  }
  std::array<const nlattr*, 64> table_{};
};

std::optional<std::uint32_t> get_u32(const nlattr* a) {
  if (a == nullptr || mnl_attr_get_payload_len(a) < sizeof(std::uint32_t)) return std::nullopt;
  return mnl_attr_get_u32(a);
}

std::optional<std::uint16_t> get_u16(const nlattr* a) {
  if (a == nullptr || mnl_attr_get_payload_len(a) < sizeof(std::uint16_t)) return std::nullopt;
  return mnl_attr_get_u16(a);
}

std::string get_string(const nlattr* a) {
  if (a == nullptr) return {};
  const auto* s = static_cast<const char*>(mnl_attr_get_payload(a));
  return std::string(s, strnlen(s, mnl_attr_get_payload_len(a)));
}

// Invalid unless the attribute holds an address of `family`.
IPAddr get_ip(const nlattr* a, int family) {
  if (a == nullptr) return {};
  const auto* p = static_cast<const std::uint8_t*>(mnl_attr_get_payload(a));
  const auto len = mnl_attr_get_payload_len(a);
  if (family == AF_INET && len == 4) return IPAddr::v4({p[0], p[1], p[2], p[3]});
  if (family == AF_INET6 && len == 16) {
    std::array<std::uint8_t, 16> b{};
    std::memcpy(b.data(), p, b.size());
    return IPAddr::v6(b);
  }
  return {};
}

// False (and `mac` untouched) unless the attribute is an Ethernet address.
bool get_mac(const nlattr* a, MAC& mac) {
  if (a == nullptr || mnl_attr_get_payload_len(a) != mac.size()) return false;
  std::memcpy(mac.data(), mnl_attr_get_payload(a), mac.size());
  return true;
}

// Prefix of `ip` and `bits`, or nothing when the length does not fit the family.
std::optional<Prefix> make_prefix(const IPAddr& ip, unsigned bits) {
  if (!ip.valid() || bits > ip.size() * 8) return std::nullopt;
  return Prefix(ip, static_cast<int>(bits));
}

template <class Header>
const Header* header_of(const nlmsghdr* nlh, std::uint16_t new_type, std::uint16_t del_type) {
  if (nlh->nlmsg_type != new_type && nlh->nlmsg_type != del_type) return nullptr;
  if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(Header))) return nullptr;
  return static_cast<const Header*>(mnl_nlmsg_get_payload(nlh));
}

bool inet_family(int family) { return family == AF_INET || family == AF_INET6; }

// The 802.1Q VLAN ID of a link of kind "vlan" (802.1ad service VLANs are not 802.1Q).
std::optional<std::uint16_t> dot1q_vlan_id(const nlattr* linkinfo) {
  if (linkinfo == nullptr) return std::nullopt;
  const Attributes info(linkinfo);
  if (get_string(info[IFLA_INFO_KIND]) != "vlan" || info[IFLA_INFO_DATA] == nullptr)
    return std::nullopt;
  const Attributes data(info[IFLA_INFO_DATA]);
  if (auto proto = get_u16(data[IFLA_VLAN_PROTOCOL]); proto && *proto != htons(ETH_P_8021Q))
    return std::nullopt;
  return get_u16(data[IFLA_VLAN_ID]);
}

// A dump request of `type` (request header `Header`) over a socket of its own, so that an
// interrupted dump leaves no stale messages behind for the next one.
template <class T, class Header>
class Dump {
public:
  using Parser = std::optional<T> (*)(const nlmsghdr*);
  using Sink = std::function<void(T&&)>;

  // `optional`: a kernel that does not know the request type (EOPNOTSUPP) has none of
  // those elements.
  Dump(std::uint16_t type, Parser parse, const char* what, bool optional = false)
      : type_(type), parse_(parse), what_(what), optional_(optional) {}

  // Each element to `each`; `restart` before every attempt, since the elements of an
  // interrupted one are void.
  void run(const std::function<void()>& restart, const Sink& each) {
    for (int attempt = 0; attempt < dump_attempts; ++attempt) {
      restart();
      if (once(each)) return;
    }
    fail(what_, EINTR);
  }

  std::vector<T> collect() {
    std::vector<T> out;
    run([&] { out.clear(); }, [&](T&& element) { out.push_back(std::move(element)); });
    return out;
  }

private:
  // False when the kernel interrupted the dump.
  bool once(const Sink& each) {
    mnl_socket* nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
    if (nl == nullptr) fail("socket", errno);
    const Socket guard{nl};
    if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) fail("bind", errno);

    std::vector<char> buf(dump_buffer_size);
    nlmsghdr* req = mnl_nlmsg_put_header(buf.data());
    req->nlmsg_type = type_;
    req->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    req->nlmsg_seq = 1;
    // A zeroed header asks for AF_UNSPEC: all families, filtered by the parsers.
    mnl_nlmsg_put_extra_header(req, sizeof(Header));
    if (mnl_socket_sendto(nl, req, req->nlmsg_len) < 0) fail(what_, errno);

    Collector collector{parse_, &each, nullptr};
    const unsigned portid = mnl_socket_get_portid(nl);
    int ret = MNL_CB_OK;
    while (ret > MNL_CB_STOP) {
      const auto n = mnl_socket_recvfrom(nl, buf.data(), buf.size());
      if (n < 0) fail(what_, errno);
      const auto len = static_cast<std::size_t>(n);
      if (complete_messages(buf.data(), len) != len) fail(what_, EBADMSG);
      ret = mnl_cb_run(buf.data(), len, 1, portid, collect, &collector);
    }
    if (collector.error) std::rethrow_exception(collector.error);
    if (ret == MNL_CB_ERROR) {  // NLMSG_ERROR, or NLM_F_DUMP_INTR as EINTR
      if (errno == EINTR) return false;
      if (errno == EOPNOTSUPP && optional_) return true;
      fail(what_, errno);
    }
    return true;
  }

  struct Socket {
    mnl_socket* nl;
    ~Socket() { mnl_socket_close(nl); }
  };

  struct Collector {
    Parser parse;
    const Sink* each;
    std::exception_ptr error;  // exceptions must not cross libmnl's C frames
  };

  static int collect(const nlmsghdr* nlh, void* data) {
    auto* c = static_cast<Collector*>(data);
    try {
      if (auto element = c->parse(nlh)) (*c->each)(std::move(*element));
      return MNL_CB_OK;
    } catch (...) {
      c->error = std::current_exception();
      return MNL_CB_ERROR;
    }
  }

  std::uint16_t type_;
  Parser parse_;
  const char* what_;
  bool optional_;
};

// The main-table, unicast-or-not part of a route message: what parse_route() and
// parse_route_key() both check first. Nothing for another table or a cached clone.
const rtmsg* main_table_route(const nlmsghdr* nlh, Attributes& tb) {
  const auto* rtm = header_of<rtmsg>(nlh, RTM_NEWROUTE, RTM_DELROUTE);
  if (rtm == nullptr || !inet_family(rtm->rtm_family) || (rtm->rtm_flags & RTM_F_CLONED) != 0)
    return nullptr;
  tb = Attributes(nlh, sizeof *rtm);
  // Table IDs above 255 are only in RTA_TABLE.
  if (get_u32(tb[RTA_TABLE]).value_or(rtm->rtm_table) != RT_TABLE_MAIN) return nullptr;
  return rtm;
}

std::optional<Prefix> route_dst(const rtmsg* rtm, const Attributes& tb) {
  const int family = rtm->rtm_family;
  const IPAddr any = family == AF_INET ? IPAddr::v4({}) : IPAddr::v6({});
  const IPAddr dst = tb[RTA_DST] != nullptr ? get_ip(tb[RTA_DST], family) : any;
  return make_prefix(dst, rtm->rtm_dst_len);
}

}  // namespace

std::size_t complete_messages(const void* buf, std::size_t len) {
  const auto* bytes = static_cast<const std::uint8_t*>(buf);
  std::size_t off = 0;
  while (len - off >= sizeof(nlmsghdr)) {
    std::uint32_t size;
    std::memcpy(&size, bytes + off, sizeof size);  // nlmsg_len, the header's first field
    // libmnl reads a message's attributes up to its aligned end. (Not NLMSG_ALIGN: its
    // 32-bit mask would turn a length near 2^32 into 0.)
    const std::size_t aligned = (std::size_t{size} + 3) & ~std::size_t{3};
    if (size < sizeof(nlmsghdr) || aligned > len - off) break;
    off += aligned;
  }
  return off;
}

std::optional<Link> parse_link(const nlmsghdr* nlh) {
  const auto* ifi = header_of<ifinfomsg>(nlh, RTM_NEWLINK, RTM_DELLINK);
  if (ifi == nullptr) return std::nullopt;
  const Attributes tb(nlh, sizeof *ifi);
  Link link;
  link.ifindex = ifi->ifi_index;
  link.name = get_string(tb[IFLA_IFNAME]);
  link.up = (ifi->ifi_flags & IFF_UP) != 0;
  get_mac(tb[IFLA_ADDRESS], link.mac);
  if (auto mtu = get_u32(tb[IFLA_MTU])) link.mtu = *mtu;
  if (auto vid = dot1q_vlan_id(tb[IFLA_LINKINFO])) {
    link.vlan_id = *vid;
    // A lower device in another namespace (IFLA_LINK_NETNSID) has an ifindex of that
    // namespace, meaningless here.
    if (auto lower = get_u32(tb[IFLA_LINK]); lower && tb[IFLA_LINK_NETNSID] == nullptr)
      link.parent = static_cast<int>(*lower);
  }
  return link;
}

std::optional<Address> parse_address(const nlmsghdr* nlh) {
  const auto* ifa = header_of<ifaddrmsg>(nlh, RTM_NEWADDR, RTM_DELADDR);
  if (ifa == nullptr || !inet_family(ifa->ifa_family)) return std::nullopt;
  const Attributes tb(nlh, sizeof *ifa);
  // IFA_FLAGS carries all 32 flag bits; ifa_flags only the low 8.
  const auto flags = get_u32(tb[IFA_FLAGS]).value_or(ifa->ifa_flags);
  if ((flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED)) != 0) return std::nullopt;
  // On point-to-point links IFA_ADDRESS is the peer and IFA_LOCAL our own address.
  const nlattr* local = tb[IFA_LOCAL] != nullptr ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
  auto prefix = make_prefix(get_ip(local, ifa->ifa_family), ifa->ifa_prefixlen);
  if (!prefix) return std::nullopt;
  return Address{static_cast<int>(ifa->ifa_index), *prefix};
}

std::optional<Neighbour> parse_neighbour(const nlmsghdr* nlh) {
  const auto* ndm = header_of<ndmsg>(nlh, RTM_NEWNEIGH, RTM_DELNEIGH);
  if (ndm == nullptr || !inet_family(ndm->ndm_family) || (ndm->ndm_flags & NTF_PROXY) != 0)
    return std::nullopt;
  const Attributes tb(nlh, sizeof *ndm);
  Neighbour n;
  n.ifindex = ndm->ndm_ifindex;
  n.ip = get_ip(tb[NDA_DST], ndm->ndm_family);
  if (!n.ip.valid()) return std::nullopt;
  constexpr unsigned with_lladdr = NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT;
  n.usable = get_mac(tb[NDA_LLADDR], n.mac) && (ndm->ndm_state & with_lladdr) != 0;
  return n;
}

std::optional<Route> parse_route(const nlmsghdr* nlh) {
  Attributes tb;
  const rtmsg* rtm = main_table_route(nlh, tb);
  if (rtm == nullptr || rtm->rtm_type != RTN_UNICAST) return std::nullopt;
  auto prefix = route_dst(rtm, tb);
  if (!prefix) return std::nullopt;
  const int family = rtm->rtm_family;

  Route r;
  r.dst = *prefix;
  r.gateway = get_ip(tb[RTA_GATEWAY], family);  // an IPv6 RTA_VIA gateway is not used
  r.ifindex = static_cast<int>(get_u32(tb[RTA_OIF]).value_or(0));
  r.priority = get_u32(tb[RTA_PRIORITY]).value_or(0);
  if (const auto nhid = get_u32(tb[RTA_NH_ID])) {
    r.nhid = *nhid;
    r.gateway = {};
    r.ifindex = 0;
    return r;
  }

  // Multipath (ECMP) route: the data plane sends a VLAN's remote traffic to one gateway, so
  // the first nexthop stands for the route.
  if (const nlattr* mp = tb[RTA_MULTIPATH]) {
    const auto* nh = static_cast<const rtnexthop*>(mnl_attr_get_payload(mp));
    const auto len = mnl_attr_get_payload_len(mp);
    if (len >= sizeof(rtnexthop) && nh->rtnh_len >= RTNH_LENGTH(0) && nh->rtnh_len <= len) {
      r.ifindex = nh->rtnh_ifindex;
      const Attributes nh_tb(reinterpret_cast<const char*>(nh) + RTNH_LENGTH(0),
                             nh->rtnh_len - RTNH_LENGTH(0));
      r.gateway = get_ip(nh_tb[RTA_GATEWAY], family);
    }
  }
  return r;
}

std::optional<Nexthop> parse_nexthop(const nlmsghdr* nlh) {
  const auto* nhm = header_of<nhmsg>(nlh, RTM_NEWNEXTHOP, RTM_DELNEXTHOP);
  if (nhm == nullptr) return std::nullopt;
  const Attributes tb(nlh, sizeof *nhm);
  Nexthop nh;
  nh.id = get_u32(tb[NHA_ID]).value_or(0);
  if (nh.id == 0) return std::nullopt;  // the kernel numbers them from 1
  nh.blackhole = tb[NHA_BLACKHOLE] != nullptr;
  nh.ifindex = static_cast<int>(get_u32(tb[NHA_OIF]).value_or(0));
  if (const nlattr* gw = tb[NHA_GATEWAY]) {
    nh.gateway = get_ip(gw, nhm->nh_family);
    if (!nh.gateway.valid()) return std::nullopt;
  }
  if (const nlattr* group = tb[NHA_GROUP]) {
    const auto len = mnl_attr_get_payload_len(group);
    if (len == 0 || len % sizeof(nexthop_grp) != 0) return std::nullopt;
    const auto* members = static_cast<const char*>(mnl_attr_get_payload(group));
    for (std::size_t off = 0; off < len; off += sizeof(nexthop_grp)) {
      nexthop_grp member;  // attribute payloads are only 4-byte aligned: copied
      std::memcpy(&member, members + off, sizeof member);
      nh.group.push_back(member.id);
    }
  }
  return nh;
}

std::optional<RouteKey> parse_route_key(const nlmsghdr* nlh) {
  Attributes tb;
  const rtmsg* rtm = main_table_route(nlh, tb);
  if (rtm == nullptr) return std::nullopt;
  auto prefix = route_dst(rtm, tb);
  if (!prefix) return std::nullopt;
  return RouteKey{*prefix, get_u32(tb[RTA_PRIORITY]).value_or(0), tb[RTA_MULTIPATH] != nullptr};
}

std::vector<Link> dump_links() {
  return Dump<Link, ifinfomsg>(RTM_GETLINK, parse_link, "dump links").collect();
}

std::vector<Address> dump_addresses() {
  return Dump<Address, ifaddrmsg>(RTM_GETADDR, parse_address, "dump addresses").collect();
}

std::vector<Neighbour> dump_neighbours() {
  return Dump<Neighbour, ndmsg>(RTM_GETNEIGH, parse_neighbour, "dump neighbours").collect();
}

Nexthops dump_nexthops() {
  Nexthops out;
  Dump<Nexthop, nhmsg>(RTM_GETNEXTHOP, parse_nexthop, "dump nexthops", true)
      .run([&] { out.clear(); }, [&](Nexthop&& nh) { out[nh.id] = std::move(nh); });
  return out;
}

void scan_routes(const std::function<void()>& restart,
                 const std::function<void(const Route&)>& each) {
  Dump<Route, rtmsg>(RTM_GETROUTE, parse_route, "dump routes")
      .run(restart, [&](Route&& r) { each(r); });
}

NetSnapshot dump_network() {
  NetSnapshot net;
  net.links = dump_links();
  net.addresses = dump_addresses();
  net.neighbours = dump_neighbours();
  const Nexthops nexthops = dump_nexthops();  // before the routes that name them
  net.routes = through_nexthops(
      Dump<Route, rtmsg>(RTM_GETROUTE, parse_route, "dump routes").collect(), nexthops);
  return net;
}

int interface_index(const std::string& name) {
  return static_cast<int>(if_nametoindex(name.c_str()));
}

}  // namespace xvs::detail
