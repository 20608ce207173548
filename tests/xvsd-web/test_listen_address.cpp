// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>
#include <xvs/xvs.hpp>

#include "listen_address.hpp"

using xvsd::web::parse_listen_address;

TEST_CASE("listen addresses: IPv4, bracketed IPv6, any port") {
  const auto v4 = parse_listen_address("127.0.0.1:9180");
  CHECK(v4.host == "127.0.0.1");
  CHECK(v4.port == 9180);
  CHECK(v4.to_string() == "127.0.0.1:9180");
  const auto v6 = parse_listen_address("[::]:9180");
  CHECK(v6.host == "::");
  CHECK(v6.to_string() == "[::]:9180");
  CHECK(parse_listen_address("[::1]:0").port == 0);
}

TEST_CASE("listen addresses: malformed ones are refused with the reason") {
  auto refused = [](const char* text, const char* why) {
    INFO(text);
    CHECK_THROWS_WITH(parse_listen_address(text), Catch::Contains(text) && Catch::Contains(why));
  };
  refused("127.0.0.1", "no port");
  refused("localhost:9180", "is not an IP address");
  refused(":9180", "is not an IP address");
  refused("::1:9180", "needs brackets");
  refused("[127.0.0.1]:9180", "brackets are for IPv6");
  refused("127.0.0.1:65536", "0 to 65535");
  refused("127.0.0.1:", "0 to 65535");
  refused("127.0.0.1:80x", "0 to 65535");
  refused("127.0.0.1:-1", "0 to 65535");
}
