// SPDX-License-Identifier: Apache-2.0
// Which clients may POST /reload (loopback only), and how a peer's address is logged.
#include <catch2/catch.hpp>

#include "local_peer.hpp"

using xvsd::web::display_peer;
using xvsd::web::is_loopback_peer;

TEST_CASE("local peer: loopback in IPv4, IPv6 and IPv4-mapped form may reload") {
  for (const char* a : {"127.0.0.1", "127.255.0.9", "::1", "::ffff:127.0.0.1",
                        "::FFFF:127.1.2.3"}) {
    INFO(a);
    CHECK(is_loopback_peer(a));
  }
}

TEST_CASE("local peer: every other address, and text that is no address, may not") {
  for (const char* a : {"10.0.0.1", "128.0.0.1", "0.0.0.0", "255.255.255.255", "::",
                        "::2", "fe80::1", "::ffff:10.0.0.1", "::127.0.0.1", "2001:db8::1",
                        "", "localhost", "127.0.0.1 ", " 127.0.0.1", "127.0.0.1\n", "127.1",
                        "::1%lo"}) {
    INFO('"' << a << '"');
    CHECK_FALSE(is_loopback_peer(a));
  }
}

TEST_CASE("local peer: a mapped IPv4 client is logged as IPv4, the rest unchanged") {
  CHECK(display_peer("::ffff:10.0.0.1") == "10.0.0.1");
  CHECK(display_peer("10.0.0.1") == "10.0.0.1");
  CHECK(display_peer("2001:db8::1") == "2001:db8::1");
  CHECK(display_peer("not an address") == "not an address");
}
