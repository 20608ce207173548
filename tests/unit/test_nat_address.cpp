// SPDX-License-Identifier: Apache-2.0
// The documented health-check NAT addresses (docs/healthchecks.md), and that they agree with
// the ranges the data plane recognizes (bpf/abi.h).
#include <catch2/catch.hpp>

#include <arpa/inet.h>

#include "net/natns.hpp"
#include "../../bpf/abi.h"
#include <xvs/error.hpp>

using namespace xvs;
using namespace xvs::detail;

TEST_CASE("NAT addresses: 198.18.0.0 + i and 2001:2:: + i, host end .253 and ::1") {
  CHECK(nat_address(1, false) == IPAddr::parse("198.18.0.1"));
  CHECK(nat_address(256, false) == IPAddr::parse("198.18.1.0"));
  CHECK(nat_address(kNatMaxIndex, false) == IPAddr::parse("198.18.253.232"));
  CHECK(nat_address(1, true) == IPAddr::parse("2001:2::1"));
  CHECK(nat_address(65000, true) == IPAddr::parse("2001:2::fde8"));
  CHECK(nat_host_address(false) == IPAddr::parse("198.18.255.253"));
  CHECK(nat_host_address(true) == IPAddr::parse("2001:2:0:ffff::1"));
  CHECK_THROWS_AS(nat_address(0, false), Error);
  CHECK_THROWS_AS(nat_address(kNatMaxIndex + 1, true), Error);
  // Every NAT address stays clear of the host end's /30.
  CHECK(nat_address(kNatMaxIndex, false) < IPAddr::parse("198.18.255.252"));
  CHECK(htonl(XVS_NAT4_NET) == inet_addr("198.18.0.0"));
}
