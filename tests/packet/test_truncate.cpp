// SPDX-License-Identifier: Apache-2.0
// Valid frames cut at every byte offset: never forwarded, always counted under one reason.
#include <catch2/catch.hpp>

#include <cerrno>

#include "lab.hpp"

using namespace xvs;
using namespace xvs::test;

namespace {

struct Case {
  const char* name;
  FrameSpec spec;
};

std::vector<Case> cases() {
  std::vector<Case> out;
  for (bool tagged : {false, true}) {
    auto tag = [&](FrameSpec s) {
      if (tagged) s.vlan_tci = 0x2064;
      return s;
    };
    out.push_back({"IPv4 TCP", tag(tcp(kClient4, 3333, kVip4, 80))});
    out.push_back({"IPv6 TCP", tag(tcp(kClient6, 3333, kVip6, 80))});
    out.push_back({"IPv4 UDP", tag(udp(kClient4, 3333, kVip4, 53))});
    out.push_back({"IPv6 UDP", tag(udp(kClient6, 3333, kVip6, 53))});
    out.push_back({"IPv4 echo", tag(echo(kClient4, kVip4))});
    out.push_back({"IPv6 echo", tag(echo(kClient6, kVip6))});
    FrameSpec opts = tcp(kClient4, 3333, kVip4, 80);
    opts.ip_options = {1, 1, 1, 1, 1, 1, 1, 0};
    out.push_back({"IPv4 TCP with options", tag(opts)});
    out.push_back({"IPv4 TCP to a non-VIP", tag(tcp(kClient4, 3333, "192.0.2.99", 80))});
    out.push_back({"IPv6 UDP to a non-VIP", tag(udp(kClient6, 3333, "2001:db8::99", 53))});
  }
  return out;
}

}  // namespace

TEST_CASE("frames cut at every byte offset are dropped or passed, never forwarded") {
  Lab lab;
  for (bool v6 : {false, true}) {
    lab.set_service(service(v6 ? kVip6 : kVip4, 80), backends(v6, 2));
    lab.set_service(service(v6 ? kVip6 : kVip4, 53, Protocol::UDP), backends(v6, 2));
  }
  for (const Case& c : cases()) {
    Bytes full = build(c.spec);
    bool to_vip = c.spec.daddr == IPAddr::parse(c.spec.daddr.is6() ? kVip6 : kVip4);
    std::size_t ip_fixed_end = l3_offset(c.spec) + (c.spec.daddr.is6() ? 40 : 20);
    REQUIRE(lab.run(full).verdict == (to_vip ? XDP_TX : XDP_PASS));  // the uncut frame

    for (std::size_t len = 0; len < full.size(); ++len) {
      CAPTURE(c.name, c.spec.vlan_tci.has_value(), len);
      Bytes cut(full.begin(), full.begin() + static_cast<long>(len));
      if (len < 14) {  // the kernel itself refuses runs shorter than an Ethernet header
        CHECK(lab.run_errno(cut) == -EINVAL);
        continue;
      }
      xvs_reasons before = lab.dp.reasons();
      Run r = lab.run(cut);
      xvs_reasons after = lab.dp.reasons();

      // Only the destination address is needed to tell a non-VIP: cut after it, the host
      // gets the frame (and validates it); cut before, it cannot be classified.
      bool classified = len >= ip_fixed_end;
      std::uint32_t want = classified && !to_vip ? XVS_R_NOT_A_VIP : XVS_R_ERR_MALFORMED;
      CHECK(r.verdict == (want == XVS_R_NOT_A_VIP ? XDP_PASS : XDP_DROP));
      for (std::uint32_t i = 0; i < XVS_REASONS; ++i) {
        CAPTURE(i);
        CHECK(after.count[i] - before.count[i] == (i == want ? 1u : 0u));
      }
    }
  }
}
