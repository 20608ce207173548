// SPDX-License-Identifier: Apache-2.0
#include <xvs/types.hpp>

namespace xvs {

const char* to_string(Protocol p) noexcept {
  switch (p) {
    case Protocol::TCP: return "tcp";
    case Protocol::UDP: return "udp";
  }
  return "unknown";
}

const char* to_string(TunnelType t) noexcept {
  switch (t) {
    case TunnelType::None: return "none";
    case TunnelType::IPIP: return "ipip";
    case TunnelType::GRE: return "gre";
    case TunnelType::FOU: return "fou";
    case TunnelType::GUE: return "gue";
  }
  return "unknown";
}

}  // namespace xvs
