// SPDX-License-Identifier: Apache-2.0
// The NAT addresses of (VIP, backend) pairs (docs/healthchecks.md): one per pair in use,
// stable while the pair exists and released when it goes, and the data plane's "nat_addrs"
// entries that tell the probe program where each leads. Not thread-safe: the Client's lock
// serializes callers.
#pragma once

#include <cstdint>
#include <map>
#include <utility>

#include <xvs/address.hpp>
#include <xvs/types.hpp>

#include "../../bpf/abi.h"
#include "dataplane/dataplane.hpp"
#include "control/slots.hpp"

namespace xvs::detail {

class NatPairs {
public:
  explicit NatPairs(const Dataplane&);

  // Makes the pairs of `vip` exactly the backends of `entries`, each with its entry.
  // Throws Error{Errc::capacity} when the NAT addresses run out; the pairs that got one are
  // kept.
  void set(const IPAddr& vip, const std::map<IPAddr, xvs_nat>& entries);
  IPAddr address(const IPAddr& vip, const IPAddr& backend) const;  // invalid when unknown
  void add_metrics(Metrics&) const;  // the probe program's counters, "nat_*"

private:
  struct Pair {
    std::uint32_t index = 0;
    xvs_nat entry{};  // as written
  };
  using Key = std::pair<IPAddr, IPAddr>;  // (VIP, backend)

  void erase(std::map<Key, Pair>::iterator it) noexcept;

  std::map<Key, Pair> pairs_;
  Slots slots_;
  int addrs_fd_, counters_fd_;
  std::uint32_t cpus_;
};

}  // namespace xvs::detail
