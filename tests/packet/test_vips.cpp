// SPDX-License-Identifier: Apache-2.0
// How a packet is recognised as addressed to a VIP: "vip_slots", indexed by the VIP filter
// bit, and "vips" for the bits that several VIPs share (bpf/abi.h).
#include <catch2/catch.hpp>

#include <bpf/bpf.h>

#include <atomic>
#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "dataplane/entries.hpp"
#include "lab.hpp"

using namespace xvs;
using namespace xvs::test;

namespace {

// VIPs `a` and `b` share a filter bit, and so does `outsider`, which is no VIP. Each VIP has
// TCP port 80 on two backends.
struct Twins {
  Lab lab;
  IPAddr a, b, outsider;

  explicit Twins(bool v6) : a(IPAddr::parse(v6 ? kVip6 : kVip4)) {
    auto twins = filter_twins(a, 2);
    REQUIRE(twins.size() == 2);
    b = twins[0];
    outsider = twins[1];
    for (const IPAddr& vip : {a, b}) lab.set_service(svc(vip), backends(v6, 2));
  }

  static Service svc(const IPAddr& vip) { return service(vip.to_string().c_str(), 80); }
  Bytes frame(const IPAddr& to) const {
    return build(tcp(to.is4() ? kClient4 : kClient6, 1234, to.to_string().c_str(), 80));
  }

  // Forwarded, and counted on this VIP's counters.
  bool served(const IPAddr& vip) {
    const std::uint32_t slot = XVS_COUNTERS_VIP(lab.vip_slot(vip));
    const std::uint64_t packets = lab.dp.counters(slot).packets;
    const std::uint64_t forwarded = lab.reason(XVS_R_FORWARDED);
    Run r = lab.run(frame(vip));
    return r.verdict == XDP_TX && lab.dp.counters(slot).packets == packets + 1 &&
           lab.reason(XVS_R_FORWARDED) == forwarded + 1;
  }
  // Passed to the host untouched, as not addressed to a VIP.
  bool passes(const IPAddr& to) {
    const std::uint64_t global = lab.dp.counters(XVS_COUNTERS_GLOBAL).packets;
    const std::uint64_t not_vip = lab.reason(XVS_R_NOT_A_VIP);
    Run r = lab.run(frame(to));
    return r.verdict == XDP_PASS && r.out == frame(to) &&
           lab.dp.counters(XVS_COUNTERS_GLOBAL).packets == global &&
           lab.reason(XVS_R_NOT_A_VIP) == not_vip + 1;
  }

  void erase(const IPAddr& vip) { lab.dp.erase_vip(detail::to_abi(vip)); }
  void add(const IPAddr& vip) {
    lab.dp.set_vip(detail::to_abi(vip), xvs_vip{lab.vip_slot(vip), 0});
  }

  // The slot of the shared bit, as the data plane reads it.
  xvs_vip_slot slot() const {
    xvs_addr abi = detail::to_abi(a);
    std::uint32_t bit = xvs_vip_filter_bit(&abi);
    xvs_vip_slot s{};
    REQUIRE(bpf_map_lookup_elem(lab.dp.map_fd("vip_slots"), &bit, &s) == 0);
    return s;
  }
  // The slot names `vip` alone.
  bool names(const IPAddr& vip) const {
    xvs_vip_slot s = slot();
    xvs_addr abi = detail::to_abi(vip);
    return s.vip.index == lab.vip_slot(vip) && std::memcmp(&s.addr, &abi, sizeof abi) == 0;
  }
};

}  // namespace

TEST_CASE("VIPs sharing a filter bit are both served, another address with that bit passes") {
  Twins t(GENERATE(false, true));
  CAPTURE(t.a.to_string(), t.b.to_string(), t.outsider.to_string());
  CHECK(t.slot().vip.index == XVS_VIP_COLLIDED);
  CHECK(t.served(t.a));
  CHECK(t.served(t.b));
  CHECK(t.passes(t.outsider));
}

TEST_CASE("removing and re-adding either of two VIPs sharing a filter bit keeps the other") {
  Twins t(GENERATE(false, true));
  bool b_first = GENERATE(false, true);
  const IPAddr& gone = b_first ? t.b : t.a;
  const IPAddr& stays = b_first ? t.a : t.b;
  CAPTURE(gone.to_string(), stays.to_string());

  t.erase(gone);
  CHECK(t.names(stays));
  CHECK(t.served(stays));
  CHECK(t.passes(gone));
  CHECK(t.passes(t.outsider));

  t.add(gone);
  CHECK(t.slot().vip.index == XVS_VIP_COLLIDED);
  CHECK(t.served(stays));
  CHECK(t.served(gone));
  CHECK(t.passes(t.outsider));

  t.erase(stays);
  CHECK(t.names(gone));
  CHECK(t.served(gone));
  CHECK(t.passes(stays));

  t.erase(gone);
  CHECK(t.slot().vip.index == 0);
  CHECK(t.passes(gone));
  CHECK(t.passes(stays));
  CHECK(t.passes(t.outsider));
}

TEST_CASE("a VIP is served on every packet while a VIP sharing its filter bit comes and goes") {
  Twins t(GENERATE(false, true));
  // `a` came first, so the slot holds its address: the first removal of `a` moves it to
  // `b`, every one flips the slot between collided and naming `b`. Packets to `b` run
  // meanwhile on another CPU: on the same one they would only see the slot between changes.
  const std::vector<int> cpus = allowed_cpus();
  if (cpus.size() < 2) WARN("one CPU: packets run between slot changes, not during them");
  std::optional<PinnedCpu> pinned;
  if (cpus.size() >= 2) pinned.emplace(cpus[0]);
  std::atomic<bool> done{false};
  std::jthread churn([&] {
    std::optional<PinnedCpu> other;
    if (cpus.size() >= 2) other.emplace(cpus[1]);
    for (int i = 0; i < 2000; ++i) {
      t.erase(t.a);
      t.add(t.a);
    }
    done = true;
  });
  const Bytes frame = t.frame(t.b);
  std::uint64_t runs = 0, missed = 0;
  while (!done) {
    Run r = t.lab.run(frame);
    ++runs;
    if (r.verdict != XDP_TX) ++missed;
  }
  churn.join();
  CAPTURE(runs);
  CHECK(runs > 0);
  CHECK(missed == 0);
  CHECK(t.lab.reason(XVS_R_NOT_A_VIP) == 0);
  CHECK(t.served(t.a));
}
