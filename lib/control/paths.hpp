// SPDX-License-Identifier: Apache-2.0
// How destinations are reached, as the service table asks it. The Client answers from the
// kernel's network facts (KernelPaths); the packet tests answer from their fixtures.
#pragma once

#include <vector>

#include <xvs/address.hpp>
#include <xvs/types.hpp>

#include "net/netinfo.hpp"

namespace xvs::detail {

class Paths {
public:
  virtual ~Paths() = default;
  // How `backend` is reached (netinfo.hpp's resolve()); `layer2`: it must be on a VLAN.
  virtual Resolution resolve(const IPAddr& backend, bool layer2) const = 0;
  // Our address of the family on interface `link`; invalid when none.
  virtual IPAddr address_on(int link, bool ipv4) const = 0;
};

// From a snapshot of the network (netlink.hpp), the VLANs of a Config and the interfaces
// the data plane is attached to. The owner replaces the members under its lock.
struct KernelPaths final : Paths {
  NetSnapshot net;
  Config config;
  std::vector<int> attached;

  Resolution resolve(const IPAddr& backend, bool layer2) const override {
    return detail::resolve(net, config, attached, backend, layer2);
  }
  IPAddr address_on(int link, bool ipv4) const override {
    return detail::address_on(net, link, ipv4);
  }
};

}  // namespace xvs::detail
