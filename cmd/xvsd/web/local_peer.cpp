// SPDX-License-Identifier: Apache-2.0
#include "local_peer.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

namespace xvsd::web {

bool is_loopback_peer(std::string_view address) {
  const std::string text(address);  // inet_pton wants a terminated string
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) != 1) return false;
  if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
  return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
}

std::string display_peer(std::string_view address) {
  const std::string text(address);
  in6_addr v6{};
  char v4[INET_ADDRSTRLEN];
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1 && IN6_IS_ADDR_V4MAPPED(&v6) &&
      inet_ntop(AF_INET, &v6.s6_addr[12], v4, sizeof v4))
    return v4;
  return text;
}

}  // namespace xvsd::web
