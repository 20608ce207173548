// SPDX-License-Identifier: Apache-2.0
#include "dataplane/nat_pairs.hpp"

#include <bpf/bpf.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>
#include <xvs/error.hpp>

#include "dataplane/entries.hpp"
#include "net/natns.hpp"

namespace xvs::detail {

NatPairs::NatPairs(const Dataplane& dp)
    : slots_(1, kNatMaxIndex),
      addrs_fd_(dp.map_fd("nat_addrs")),
      counters_fd_(dp.map_fd("nat_counters")),
      cpus_(Dataplane::possible_cpus()) {}

void NatPairs::erase(std::map<Key, Pair>::iterator it) noexcept {
  const xvs_addr key = to_abi(nat_address(it->second.index, it->first.first.is6()));
  bpf_map_delete_elem(addrs_fd_, &key);
  slots_.release(it->second.index);
  pairs_.erase(it);
}

// New and changed pairs first, the ones that go last: should a write fail, every pair that
// existed before still has its address, and setting the old entries again restores them.
void NatPairs::set(const IPAddr& vip, const std::map<IPAddr, xvs_nat>& entries) {
  for (const auto& [backend, entry] : entries) {
    auto [pair, added] = pairs_.try_emplace({vip, backend});
    if (added) {
      auto index = slots_.take();
      if (!index) {
        pairs_.erase(pair);
        throw Error(Errc::capacity, fmt::format("no NAT address left for VIP {} backend {}",
                                                vip, backend));
      }
      pair->second.index = *index;
    } else if (std::memcmp(&pair->second.entry, &entry, sizeof entry) == 0) {
      continue;
    }
    const xvs_addr key = to_abi(nat_address(pair->second.index, vip.is6()));
    if (bpf_map_update_elem(addrs_fd_, &key, &entry, BPF_ANY) != 0) {
      const int err = errno;
      if (added) erase(pair);
      throw_system(fmt::format("writing the NAT entry of VIP {} backend {}", vip, backend), err);
    }
    pair->second.entry = entry;
  }
  auto it = pairs_.lower_bound({vip, IPAddr{}});
  while (it != pairs_.end() && it->first.first == vip) {
    auto next = std::next(it);
    if (!entries.contains(it->first.second)) erase(it);
    it = next;
  }
}

IPAddr NatPairs::address(const IPAddr& vip, const IPAddr& backend) const {
  const auto it = pairs_.find({vip, backend});
  return it == pairs_.end() ? IPAddr{} : nat_address(it->second.index, vip.is6());
}

void NatPairs::add_metrics(Metrics& m) const {
  const auto sum = sum_percpu<xvs_nat_counters>(counters_fd_, 0, cpus_, "nat_counters");
  m["nat_probes"] = sum.probes;
  m["nat_no_pair"] = sum.no_pair;
  m["nat_not_ready"] = sum.not_ready;
  m["nat_no_port"] = sum.no_port;
  m["nat_malformed"] = sum.malformed;
  m["nat_not_sent"] = sum.not_sent;
}

}  // namespace xvs::detail
