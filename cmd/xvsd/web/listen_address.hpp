// SPDX-License-Identifier: Apache-2.0
// The --listen argument of the HTTP side: an IP literal and a port, IPv6 in brackets
// ("127.0.0.1:9180", "[::]:9180"). Host names are refused: a daemon that binds must not depend
// on the resolver at start.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace xvsd::web {

struct ListenAddress {
  std::string host;         // the literal without brackets, as bind() wants it
  std::uint16_t port = 0;   // 0 = any free port (tests)
  std::string to_string() const;  // "[::1]:9180"
};

// Throws xvs::Error{invalid_argument} naming the text and what is wrong with it.
ListenAddress parse_listen_address(std::string_view text);

}  // namespace xvsd::web
