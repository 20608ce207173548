// SPDX-License-Identifier: Apache-2.0
// A consumer that neither includes nor links fmt: the single public headers must compile
// and link without it (fmt is a private dependency of libxvs; <xvs/format.hpp> is opt-in).
#include <cstdio>
#include <string>

#include <xvs/address.hpp>
#include <xvs/client.hpp>
#include <xvs/error.hpp>
#include <xvs/limits.hpp>
#include <xvs/types.hpp>

#ifdef FMT_VERSION
#error "a public header other than <xvs/format.hpp> includes fmt"
#endif

int main() {
  const auto net = xvs::Prefix::parse("10.1.2.0/24");
  xvs::Options options;
  options.ipv4_vlans[xvs::max_vlan_id] = net;
  const bool ok = net.to_string() == "10.1.2.0/24" &&
                  options.ipv4_vlans.at(xvs::max_vlan_id).contains(xvs::IPAddr::parse("10.1.2.9")) &&
                  std::string(xvs::to_string(xvs::Errc::capacity)) == "capacity";
  std::printf("%s consumer without fmt\n", ok ? "ok  " : "FAIL");
  return ok ? 0 : 1;
}
