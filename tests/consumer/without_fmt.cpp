// SPDX-License-Identifier: Apache-2.0
// A consumer that neither includes nor links fmt: with XVS_NO_FMT the public headers must
// compile without fmt and libxvs must link without it (fmt is a private dependency).
#define XVS_NO_FMT
#include <cstdio>
#include <string>

#include <xvs/address.hpp>
#include <xvs/client.hpp>
#include <xvs/error.hpp>
#include <xvs/limits.hpp>
#include <xvs/types.hpp>

#ifdef FMT_VERSION
#error "a public header includes fmt despite XVS_NO_FMT"
#endif

int main() {
  const auto net = xvs::Prefix::parse("10.1.2.0/24");
  xvs::Options options;
  options.ipv4_vlans[xvs::max_vlan_id] = net;
  const auto& vlan = options.ipv4_vlans.at(xvs::max_vlan_id);
  const bool ok = net.to_string() == "10.1.2.0/24" &&
                  vlan.contains(xvs::IPAddr::parse("10.1.2.9")) &&
                  std::string(xvs::to_string(xvs::Errc::capacity)) == "capacity";
  std::printf("%s consumer without fmt\n", ok ? "ok  " : "FAIL");
  return ok ? 0 : 1;
}
