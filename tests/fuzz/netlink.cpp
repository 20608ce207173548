// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for the rtnetlink parsers (lib/net/netlink.cpp). The input is a receive
// buffer, cut to its complete messages and walked by libmnl's mnl_cb_run as the event
// subscription and the dumps walk theirs; every message goes to every parser. Besides
// what the sanitizers catch, a parser must not throw, must answer only for its own message
// types, and what it returns must hold together: addresses of the message's family, prefixes
// that fit it. Seeds: real kernel messages (netlink_seeds/, made by netlink_seeds.sh). Built
// with clang by tests/fuzz/CMakeLists.txt; how to run it: docs/reliability.md.
#include <cstdlib>
#include <cstring>
#include <memory>

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "net/netlink.hpp"

namespace {

using namespace xvs::detail;

void check(bool ok) {
  if (!ok) std::abort();
}

bool of_type(const nlmsghdr* nlh, std::uint16_t new_type, std::uint16_t del_type) {
  return nlh->nlmsg_type == new_type || nlh->nlmsg_type == del_type;
}

bool fits(const xvs::Prefix& p) {
  return p.addr().valid() && p.bits() >= 0 && p.bits() <= (p.addr().is4() ? 32 : 128);
}

void parse_all(const nlmsghdr* nlh) {
  if (const auto link = parse_link(nlh)) {
    check(of_type(nlh, RTM_NEWLINK, RTM_DELLINK));
    check(link->name.find('\0') == std::string::npos);
  }
  if (const auto address = parse_address(nlh)) {
    check(of_type(nlh, RTM_NEWADDR, RTM_DELADDR));
    check(fits(address->prefix));
  }
  if (const auto neighbour = parse_neighbour(nlh)) {
    check(of_type(nlh, RTM_NEWNEIGH, RTM_DELNEIGH));
    check(neighbour->ip.valid());
  }
  if (const auto route = parse_route(nlh)) {
    check(of_type(nlh, RTM_NEWROUTE, RTM_DELROUTE));
    check(fits(route->dst));
    check(!route->gateway.valid() || route->gateway.is4() == route->dst.addr().is4());
    const auto key = parse_route_key(nlh);
    check(key && key->dst == route->dst && key->priority == route->priority);
  }
  if (const auto key = parse_route_key(nlh)) check(fits(key->dst));
  if (const auto nexthop = parse_nexthop(nlh)) {
    check(of_type(nlh, RTM_NEWNEXTHOP, RTM_DELNEXTHOP));
    check(nexthop->id != 0);
  }
}

int callback(const nlmsghdr* nlh, void*) {
  try {
    parse_all(nlh);
  } catch (...) {
    std::abort();
  }
  return MNL_CB_OK;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // A buffer of exactly `size` bytes, aligned as a receive buffer is, so that the sanitizer
  // sees any read past the end.
  const auto buf = std::make_unique<std::uint8_t[]>(size);
  if (size > 0) std::memcpy(buf.get(), data, size);
  mnl_cb_run(buf.get(), complete_messages(buf.get(), size), 0, 0, callback, nullptr);
  return 0;
}
