// SPDX-License-Identifier: Apache-2.0
// rtnetlink (libmnl) access: dumps the current network state into a NetSnapshot.
#pragma once

#include "netinfo.hpp"

namespace xvs::detail {

// Dumps links, addresses, neighbours and main-table routes of the current network
// namespace. Throws Error{Errc::system} when netlink fails.
NetSnapshot dump_network();

// ifindex of an interface by name; 0 when it does not exist.
int interface_index(const std::string& name);

}  // namespace xvs::detail
