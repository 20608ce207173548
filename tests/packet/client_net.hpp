// SPDX-License-Identifier: Apache-2.0
// Packet tests on a real Client: the network it runs on, and the programs it attached, run
// with BPF_PROG_TEST_RUN as received on their interfaces (the maps found through them).
#pragma once

#include <map>
#include <string>

#include <xvs/types.hpp>

#include "../support/netns.hpp"
#include "lab.hpp"

namespace xvs::test {

// A veth pair in a namespace of its own: v0 is the balancer's (kOurMac, kOurAddr4/24 and
// kOurAddr6/64, permanent neighbours with backend_mac(n) for 10.0.0.n and fd00::n, n = 1-4);
// v1 stays silent (no address, IPv6 off), so that nothing but a test's frames reaches the
// programs.
struct ClientNetwork {
  ScopedNetns ns;
  ClientNetwork();
};

// The program attached to `dev` (generic XDP, as the Client attaches by default), and the
// maps it uses, by name.
class Attached {
public:
  explicit Attached(const char* dev);
  ~Attached();
  Attached(const Attached&) = delete;
  Attached& operator=(const Attached&) = delete;

  int ifindex() const { return ifindex_; }
  int map(const char* name) const;  // throws when the program uses no such map
  Run run(const Bytes& frame) const;  // one run as received on the interface

private:
  int ifindex_ = 0, prog_ = -1;
  std::map<std::string, int> maps_;
};

Destination dest(const IPAddr&);  // a destination with the defaults

}  // namespace xvs::test
