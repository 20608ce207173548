// SPDX-License-Identifier: Apache-2.0
// The rtnetlink message parsers on hand-built messages: what the snapshot keeps and drops,
// including 802.1Q links, which this kernel cannot create for an end-to-end test.
#include <catch2/catch.hpp>

#include <array>
#include <cstring>
#include <initializer_list>
#include <vector>

#include <arpa/inet.h>
#include <net/if.h>

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/nexthop.h>
#include <linux/rtnetlink.h>

#include "net/netlink.hpp"

using namespace xvs;
using namespace xvs::detail;

namespace {

// One netlink message under construction.
class Message {
public:
  template <class Header>
  Header& start(std::uint16_t type) {
    mnl_nlmsg_put_header(buf_.data())->nlmsg_type = type;
    return *static_cast<Header*>(mnl_nlmsg_put_extra_header(nlh(), sizeof(Header)));
  }
  nlmsghdr* nlh() { return reinterpret_cast<nlmsghdr*>(buf_.data()); }

  void put_ip(std::uint16_t type, const char* text) {
    const IPAddr a = IPAddr::parse(text);
    mnl_attr_put(nlh(), type, a.size(), a.bytes().data());
  }
  void put_mac(std::uint16_t type, const MAC& m) { mnl_attr_put(nlh(), type, m.size(), m.data()); }

private:
  alignas(nlmsghdr) std::array<char, 4096> buf_{};
};

const MAC mac{0x02, 0, 0, 0, 0, 0x42};

// An 802.1Q (or 802.1ad) link eth1.20 on lower device 3.
Message vlan_link(std::uint16_t protocol, bool lower_in_other_netns = false) {
  Message m;
  auto& ifi = m.start<ifinfomsg>(RTM_NEWLINK);
  ifi.ifi_index = 4;
  ifi.ifi_flags = IFF_UP | IFF_BROADCAST;
  mnl_attr_put_strz(m.nlh(), IFLA_IFNAME, "eth1.20");
  m.put_mac(IFLA_ADDRESS, mac);
  mnl_attr_put_u32(m.nlh(), IFLA_MTU, 1496);
  mnl_attr_put_u32(m.nlh(), IFLA_LINK, 3);
  if (lower_in_other_netns) mnl_attr_put_u32(m.nlh(), IFLA_LINK_NETNSID, 0);
  nlattr* info = mnl_attr_nest_start(m.nlh(), IFLA_LINKINFO);
  mnl_attr_put_strz(m.nlh(), IFLA_INFO_KIND, "vlan");
  nlattr* data = mnl_attr_nest_start(m.nlh(), IFLA_INFO_DATA);
  mnl_attr_put_u16(m.nlh(), IFLA_VLAN_PROTOCOL, htons(protocol));
  mnl_attr_put_u16(m.nlh(), IFLA_VLAN_ID, 20);
  mnl_attr_nest_end(m.nlh(), data);
  mnl_attr_nest_end(m.nlh(), info);
  return m;
}

Message address(std::uint8_t family, const char* text, std::uint8_t bits, std::uint32_t flags) {
  Message m;
  auto& ifa = m.start<ifaddrmsg>(RTM_NEWADDR);
  ifa.ifa_family = family;
  ifa.ifa_prefixlen = bits;
  ifa.ifa_index = 2;
  ifa.ifa_flags = static_cast<std::uint8_t>(flags);
  m.put_ip(IFA_ADDRESS, text);
  mnl_attr_put_u32(m.nlh(), IFA_FLAGS, flags);
  return m;
}

Message neighbour(std::uint16_t state, bool lladdr, std::uint8_t flags = 0) {
  Message m;
  auto& ndm = m.start<ndmsg>(RTM_NEWNEIGH);
  ndm.ndm_family = AF_INET6;
  ndm.ndm_ifindex = 2;
  ndm.ndm_state = state;
  ndm.ndm_flags = flags;
  m.put_ip(NDA_DST, "fd00::7");
  if (lladdr) m.put_mac(NDA_LLADDR, mac);
  return m;
}

// 192.168.0.0/16 metric 100, via 10.1.2.1 on interface 2 unless `bare`.
Message route(std::uint8_t table, std::uint8_t type = RTN_UNICAST, bool bare = false) {
  Message m;
  auto& rtm = m.start<rtmsg>(RTM_NEWROUTE);
  rtm.rtm_family = AF_INET;
  rtm.rtm_dst_len = 16;
  rtm.rtm_table = table;
  rtm.rtm_type = type;
  m.put_ip(RTA_DST, "192.168.0.0");
  if (!bare) {
    m.put_ip(RTA_GATEWAY, "10.1.2.1");
    mnl_attr_put_u32(m.nlh(), RTA_OIF, 2);
  }
  mnl_attr_put_u32(m.nlh(), RTA_PRIORITY, 100);
  return m;
}

// Appends one rtnexthop (ifindex, gateway) inside an open RTA_MULTIPATH nest.
void put_nexthop(Message& m, int ifindex, const char* gateway) {
  auto* nh = static_cast<rtnexthop*>(mnl_nlmsg_put_extra_header(m.nlh(), sizeof(rtnexthop)));
  nh->rtnh_ifindex = ifindex;
  m.put_ip(RTA_GATEWAY, gateway);
  nh->rtnh_len = static_cast<unsigned short>(static_cast<char*>(mnl_nlmsg_get_payload_tail(m.nlh())) -
                                             reinterpret_cast<char*>(nh));
}

// A nexthop object as `ip nexthop add id 5 via 10.1.2.1 dev 2` announces it.
Message nexthop(std::uint16_t type = RTM_NEWNEXTHOP) {
  Message m;
  m.start<nhmsg>(type).nh_family = AF_INET;
  mnl_attr_put_u32(m.nlh(), NHA_ID, 5);
  m.put_ip(NHA_GATEWAY, "10.1.2.1");
  mnl_attr_put_u32(m.nlh(), NHA_OIF, 2);
  return m;
}

// A group of `members` (`ip nexthop add id 9 group 6/5`), its last `cut` bytes left out.
Message nexthop_group(std::initializer_list<std::uint32_t> members, std::size_t cut = 0) {
  Message m;
  m.start<nhmsg>(RTM_NEWNEXTHOP).nh_family = AF_UNSPEC;
  mnl_attr_put_u32(m.nlh(), NHA_ID, 9);
  std::vector<nexthop_grp> entries;
  for (std::uint32_t id : members) {
    nexthop_grp entry{};
    entry.id = id;
    entries.push_back(entry);
  }
  mnl_attr_put(m.nlh(), NHA_GROUP, entries.size() * sizeof(nexthop_grp) - cut, entries.data());
  return m;
}

}  // namespace

TEST_CASE("parse_link: an 802.1Q link names its parent and VLAN ID") {
  Message m = vlan_link(ETH_P_8021Q);
  const auto link = parse_link(m.nlh());
  REQUIRE(link);
  CHECK(link->ifindex == 4);
  CHECK(link->name == "eth1.20");
  CHECK(link->mac == mac);
  CHECK(link->mtu == 1496);
  CHECK(link->up);
  CHECK(link->parent == 3);
  CHECK(link->vlan_id == 20);

  SECTION("a deleted link parses the same way") {
    m.nlh()->nlmsg_type = RTM_DELLINK;
    CHECK(parse_link(m.nlh())->ifindex == 4);
  }
}

TEST_CASE("parse_link: only 802.1Q links in this namespace get a parent") {
  Message qinq = vlan_link(ETH_P_8021AD);
  CHECK(parse_link(qinq.nlh())->parent == 0);
  CHECK(parse_link(qinq.nlh())->vlan_id == 0);

  Message elsewhere = vlan_link(ETH_P_8021Q, true);
  CHECK(parse_link(elsewhere.nlh())->parent == 0);
  CHECK(parse_link(elsewhere.nlh())->vlan_id == 20);

  Message veth;  // IFLA_LINK of a veth is its peer, not a parent
  auto& ifi = veth.start<ifinfomsg>(RTM_NEWLINK);
  ifi.ifi_index = 5;
  mnl_attr_put_strz(veth.nlh(), IFLA_IFNAME, "veth0");
  mnl_attr_put_u32(veth.nlh(), IFLA_LINK, 6);
  const auto link = parse_link(veth.nlh());
  REQUIRE(link);
  CHECK(link->parent == 0);
  CHECK_FALSE(link->up);
  CHECK(link->mac == MAC{});
}

TEST_CASE("parse_address: own addresses with their prefix length, but no tentative ones") {
  Message ok = address(AF_INET6, "fd00::3", 64, IFA_F_PERMANENT);
  const auto a = parse_address(ok.nlh());
  REQUIRE(a);
  CHECK(a->ifindex == 2);
  CHECK(a->prefix == Prefix::parse("fd00::3/64"));

  Message tentative = address(AF_INET6, "fd00::4", 64, IFA_F_TENTATIVE);
  CHECK_FALSE(parse_address(tentative.nlh()));
  Message failed = address(AF_INET6, "fd00::5", 64, IFA_F_DADFAILED | IFA_F_TENTATIVE);
  CHECK_FALSE(parse_address(failed.nlh()));

  // Point-to-point: IFA_ADDRESS is the peer, IFA_LOCAL our address.
  Message ptp = address(AF_INET, "10.9.0.2", 32, 0);
  ptp.put_ip(IFA_LOCAL, "10.9.0.1");
  CHECK(parse_address(ptp.nlh())->prefix == Prefix::parse("10.9.0.1/32"));

  Message bad_length = address(AF_INET, "10.9.0.2", 33, 0);
  CHECK_FALSE(parse_address(bad_length.nlh()));
}

TEST_CASE("parse_neighbour: usable only with a link-layer address in a valid state") {
  for (int state : {NUD_REACHABLE, NUD_STALE, NUD_DELAY, NUD_PROBE, NUD_PERMANENT}) {
    Message m = neighbour(static_cast<std::uint16_t>(state), true);
    const auto n = parse_neighbour(m.nlh());
    REQUIRE(n);
    CHECK(n->usable);
    CHECK(n->ifindex == 2);
    CHECK(n->ip == IPAddr::parse("fd00::7"));
    CHECK(n->mac == mac);
  }
  for (int state : {NUD_INCOMPLETE, NUD_FAILED, NUD_NOARP, NUD_NONE}) {
    Message m = neighbour(static_cast<std::uint16_t>(state), state != NUD_INCOMPLETE);
    const auto n = parse_neighbour(m.nlh());
    REQUIRE(n);
    CHECK_FALSE(n->usable);
  }
  Message no_lladdr = neighbour(NUD_STALE, false);
  CHECK_FALSE(parse_neighbour(no_lladdr.nlh())->usable);
  Message proxy = neighbour(NUD_PERMANENT, false, NTF_PROXY);
  CHECK_FALSE(parse_neighbour(proxy.nlh()));
}

TEST_CASE("parse_route: unicast routes of the main table") {
  Message m = route(RT_TABLE_MAIN);
  const auto r = parse_route(m.nlh());
  REQUIRE(r);
  CHECK(r->dst == Prefix::parse("192.168.0.0/16"));
  CHECK(r->gateway == IPAddr::parse("10.1.2.1"));
  CHECK(r->ifindex == 2);
  CHECK(r->priority == 100);

  Message local = route(RT_TABLE_LOCAL);
  CHECK_FALSE(parse_route(local.nlh()));
  Message blackhole = route(RT_TABLE_MAIN, RTN_BLACKHOLE);
  CHECK_FALSE(parse_route(blackhole.nlh()));
  Message big_table = route(RT_TABLE_COMPAT);  // the real ID is in RTA_TABLE
  mnl_attr_put_u32(big_table.nlh(), RTA_TABLE, 1000);
  CHECK_FALSE(parse_route(big_table.nlh()));
  Message main_in_attr = route(RT_TABLE_MAIN);
  mnl_attr_put_u32(main_in_attr.nlh(), RTA_TABLE, RT_TABLE_MAIN);
  CHECK(parse_route(main_in_attr.nlh()));
}

TEST_CASE("parse_route: a default route has no RTA_DST") {
  Message m;
  auto& rtm = m.start<rtmsg>(RTM_NEWROUTE);
  rtm.rtm_family = AF_INET6;
  rtm.rtm_table = RT_TABLE_MAIN;
  rtm.rtm_type = RTN_UNICAST;
  m.put_ip(RTA_GATEWAY, "fe80::1");
  mnl_attr_put_u32(m.nlh(), RTA_OIF, 7);
  const auto r = parse_route(m.nlh());
  REQUIRE(r);
  CHECK(r->dst == Prefix::parse("::/0"));
  CHECK(r->gateway == IPAddr::parse("fe80::1"));
  CHECK(r->ifindex == 7);
  CHECK(r->priority == 0);
}

TEST_CASE("parse_route: a multipath route stands for its first nexthop") {
  Message m;
  auto& rtm = m.start<rtmsg>(RTM_NEWROUTE);
  rtm.rtm_family = AF_INET;
  rtm.rtm_table = RT_TABLE_MAIN;
  rtm.rtm_type = RTN_UNICAST;
  nlattr* mp = mnl_attr_nest_start(m.nlh(), RTA_MULTIPATH);
  put_nexthop(m, 3, "10.3.0.1");
  put_nexthop(m, 2, "10.1.2.1");
  mnl_attr_nest_end(m.nlh(), mp);
  const auto r = parse_route(m.nlh());
  REQUIRE(r);
  CHECK(r->dst == Prefix::parse("0.0.0.0/0"));
  CHECK(r->gateway == IPAddr::parse("10.3.0.1"));
  CHECK(r->ifindex == 3);
}

TEST_CASE("parse_route: a route through a nexthop object has its id, not the copies") {
  // As the kernel sends it with nexthop_compat_mode=1: RTA_GATEWAY and RTA_OIF too, which
  // are the object's and leave with it.
  Message compat = route(RT_TABLE_MAIN);
  mnl_attr_put_u32(compat.nlh(), RTA_NH_ID, 5);
  const auto r = parse_route(compat.nlh());
  REQUIRE(r);
  CHECK(r->nhid == 5);
  CHECK_FALSE(r->gateway.valid());
  CHECK(r->ifindex == 0);
  CHECK(r->priority == 100);

  // nexthop_compat_mode=0: the id alone. Both parse to the same route, so that either
  // withdraws the other.
  Message bare = route(RT_TABLE_MAIN, RTN_UNICAST, true);
  mnl_attr_put_u32(bare.nlh(), RTA_NH_ID, 5);
  CHECK(parse_route(bare.nlh()) == r);
  CHECK(parse_route_key(bare.nlh())->dst == Prefix::parse("192.168.0.0/16"));

  Message short_id = route(RT_TABLE_MAIN);  // an id of two bytes is no id
  mnl_attr_put_u16(short_id.nlh(), RTA_NH_ID, 5);
  CHECK(parse_route(short_id.nlh())->nhid == 0);
  CHECK(parse_route(short_id.nlh())->gateway == IPAddr::parse("10.1.2.1"));
}

TEST_CASE("parse_nexthop: single nexthops, blackholes and groups") {
  Message m = nexthop();
  const auto nh = parse_nexthop(m.nlh());
  REQUIRE(nh);
  CHECK(nh->id == 5);
  CHECK(nh->gateway == IPAddr::parse("10.1.2.1"));
  CHECK(nh->ifindex == 2);
  CHECK_FALSE(nh->blackhole);
  CHECK(nh->group.empty());
  Message removed = nexthop(RTM_DELNEXTHOP);
  CHECK(parse_nexthop(removed.nlh()) == nh);

  Message six;
  six.start<nhmsg>(RTM_NEWNEXTHOP).nh_family = AF_INET6;
  mnl_attr_put_u32(six.nlh(), NHA_ID, 6);
  six.put_ip(NHA_GATEWAY, "fe80::1");
  mnl_attr_put_u32(six.nlh(), NHA_OIF, 3);
  CHECK(parse_nexthop(six.nlh())->gateway == IPAddr::parse("fe80::1"));

  Message blackhole;
  blackhole.start<nhmsg>(RTM_NEWNEXTHOP).nh_family = AF_UNSPEC;
  mnl_attr_put_u32(blackhole.nlh(), NHA_ID, 7);
  mnl_attr_put(blackhole.nlh(), NHA_BLACKHOLE, 0, nullptr);
  CHECK(parse_nexthop(blackhole.nlh())->blackhole);

  Message group = nexthop_group({6, 5});
  const auto g = parse_nexthop(group.nlh());
  REQUIRE(g);
  CHECK(g->id == 9);
  CHECK(g->group == std::vector<std::uint32_t>{6, 5});
  CHECK_FALSE(g->gateway.valid());
}

TEST_CASE("parse_nexthop: refuses what it cannot stand for") {
  Message cut = nexthop_group({6, 5}, 4);  // a member cut short
  CHECK_FALSE(parse_nexthop(cut.nlh()));
  Message empty = nexthop_group({});
  CHECK_FALSE(parse_nexthop(empty.nlh()));

  Message wrong_family;  // an IPv4 gateway in a message of IPv6
  wrong_family.start<nhmsg>(RTM_NEWNEXTHOP).nh_family = AF_INET6;
  mnl_attr_put_u32(wrong_family.nlh(), NHA_ID, 5);
  wrong_family.put_ip(NHA_GATEWAY, "10.1.2.1");
  CHECK_FALSE(parse_nexthop(wrong_family.nlh()));

  Message no_id;
  no_id.start<nhmsg>(RTM_NEWNEXTHOP).nh_family = AF_INET;
  no_id.put_ip(NHA_GATEWAY, "10.1.2.1");
  CHECK_FALSE(parse_nexthop(no_id.nlh()));

  Message m = nexthop();
  CHECK_FALSE(parse_route(m.nlh()));
  CHECK_FALSE(parse_link(m.nlh()));
  m.nlh()->nlmsg_len = static_cast<std::uint32_t>(mnl_nlmsg_size(sizeof(nhmsg) - 1));
  CHECK_FALSE(parse_nexthop(m.nlh()));
}

TEST_CASE("parsers refuse other message types and truncated messages") {
  Message m = route(RT_TABLE_MAIN);
  CHECK_FALSE(parse_link(m.nlh()));
  CHECK_FALSE(parse_address(m.nlh()));
  CHECK_FALSE(parse_neighbour(m.nlh()));
  CHECK_FALSE(parse_nexthop(m.nlh()));
  m.nlh()->nlmsg_len = static_cast<std::uint32_t>(mnl_nlmsg_size(sizeof(rtmsg) - 1));
  CHECK_FALSE(parse_route(m.nlh()));
}

TEST_CASE("complete_messages: only whole messages reach libmnl, whatever their lengths say") {
  // Three messages back to back, as a receive buffer holds them.
  alignas(nlmsghdr) std::array<char, 3 * 64> buf{};
  for (int i = 0; i < 3; ++i) {
    auto* nlh = mnl_nlmsg_put_header(buf.data() + i * 64);
    nlh->nlmsg_type = RTM_NEWLINK;
    nlh->nlmsg_len = i == 2 ? 62 : 64;  // the last one unpadded
  }
  auto* second = reinterpret_cast<nlmsghdr*>(buf.data() + 64);
  CHECK(complete_messages(buf.data(), 192) == 192);
  CHECK(complete_messages(buf.data(), 190) == 128);  // without its padding: libmnl reads it
  CHECK(complete_messages(buf.data(), 150) == 128);  // the last one cut short
  CHECK(complete_messages(buf.data(), 10) == 0);     // not even a header
  second->nlmsg_len = 0x80000040;  // negative as libmnl 1.0.4's int: it would walk off
  CHECK(complete_messages(buf.data(), 192) == 64);
  second->nlmsg_len = 0xffffffff;  // aligned with a 32-bit mask, this would be 0
  CHECK(complete_messages(buf.data(), 192) == 64);
  second->nlmsg_len = 8;  // shorter than a header
  CHECK(complete_messages(buf.data(), 192) == 64);
}
