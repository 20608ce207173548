// SPDX-License-Identifier: Apache-2.0
// IPAddr, Prefix and MAC: the accepted text forms, their canonical output, classification and
// ordering. Read as the specification of the address grammar.
#include <catch2/catch.hpp>
#include <xvs/address.hpp>
#include <xvs/error.hpp>

#include <map>
#include <set>
#include <string>
#include <unordered_set>

#include <fmt/format.h>

using xvs::IPAddr;
using xvs::Prefix;

namespace {

// Asserts that `text` is refused by both parsers, with invalid_argument naming the text.
template <typename T>
void check_rejected(const std::string& text) {
  INFO("text: \"" << text << "\"");
  CHECK_FALSE(T::try_parse(text).has_value());
  try {
    T::parse(text);
    FAIL("parse accepted it");
  } catch (const xvs::Error& e) {
    CHECK(e.code() == xvs::Errc::invalid_argument);
    CHECK(std::string(e.what()).find("\"" + text + "\"") != std::string::npos);
  }
}

std::string error_of(void (*f)()) {
  try {
    f();
  } catch (const xvs::Error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("IPv4 parse and format round trip", "[address]") {
  for (const char* text : {"0.0.0.0", "1.2.3.4", "10.0.0.1", "127.0.0.1", "192.168.100.200",
                           "255.255.255.255", "224.0.0.1"}) {
    INFO(text);
    const IPAddr a = IPAddr::parse(text);
    CHECK(a.valid());
    CHECK(a.is4());
    CHECK_FALSE(a.is6());
    CHECK(a.size() == 4);
    CHECK(a.to_string() == text);
  }
  const IPAddr a = IPAddr::parse("192.0.2.33");
  CHECK(a == IPAddr::v4({192, 0, 2, 33}));
  CHECK(a.bytes()[0] == 192);
  CHECK(a.bytes()[3] == 33);
  CHECK(a.bytes()[4] == 0);  // the unused bytes stay zero, so == and hash see only the address
}

TEST_CASE("IPv6 parse and canonical (RFC 5952) format", "[address]") {
  const std::map<std::string, std::string> canonical = {
      {"::", "::"},
      {"::1", "::1"},
      {"0:0:0:0:0:0:0:0", "::"},
      {"0:0:0:0:0:0:0:1", "::1"},
      {"1::", "1::"},
      {"2001:DB8::1", "2001:db8::1"},                          // lower case
      {"2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"},  // leading zeros dropped
      {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},           // first of equal runs
      {"2001:0:0:1:0:0:0:1", "2001:0:0:1::1"},                  // longest run wins
      {"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},         // a single 0 is not compressed
      {"2001:db8::0:1", "2001:db8::1"},
      {"1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"},                   // "::" for one group, accepted
      {"::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8"},
      {"fe80::1", "fe80::1"},
      {"ff02::1:ff00:1", "ff02::1:ff00:1"},
      {"::ffff:1.2.3.4", "::ffff:1.2.3.4"},                     // IPv4-mapped keeps the quad
      {"::FFFF:0102:0304", "::ffff:1.2.3.4"},
      {"0:0:0:0:0:ffff:10.0.0.1", "::ffff:10.0.0.1"},
      {"64:ff9b::192.0.2.33", "64:ff9b::c000:221"},             // other embedded forms: hex
      {"1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304"},
      {"::1.2.3.4", "::102:304"},
  };
  for (const auto& [text, expected] : canonical) {
    INFO(text);
    const IPAddr a = IPAddr::parse(text);
    CHECK(a.is6());
    CHECK(a.size() == 16);
    CHECK(a.to_string() == expected);
    CHECK(IPAddr::parse(expected) == a);  // the canonical form parses back to the same value
  }
  std::array<std::uint8_t, 16> b{};
  b[0] = 0x20;
  b[1] = 0x01;
  b[2] = 0x0d;
  b[3] = 0xb8;
  b[15] = 1;
  CHECK(IPAddr::parse("2001:db8::1") == IPAddr::v6(b));
}

TEST_CASE("bad address texts are rejected", "[address]") {
  for (const char* text : {
           "",
           " ",
           "1.2.3",             // missing octet
           "1.2.3.4.5",         // extra octet
           "1.2.3.",            // empty octet
           ".1.2.3",
           "1..2.3",
           "256.1.1.1",         // octet out of range
           "1.2.3.1000",
           "010.1.1.1",         // leading zero (octal to some parsers)
           "1.2.3.04",
           "1.2.3.4x",          // trailing junk
           " 1.2.3.4",          // whitespace
           "1.2.3.4 ",
           "1.2.3.4/32",        // a prefix is not an address
           "0x1.2.3.4",
           "16909060",          // inet_aton's single-number form
           "1.2.3.-4",
           ":",
           ":::",
           "1:2:3:4:5:6:7:8:9", // nine groups
           "1:2:3:4:5:6:7",     // seven groups without "::"
           "1:2:3:4:5:6:7:8::",  // "::" with eight groups
           "1::2::3",           // two "::"
           ":1::2",             // single leading colon
           "1::2:",             // single trailing colon
           "12345::",           // group too long
           "g::1",
           "fe80::1%eth0",      // zone id
           "[::1]",             // brackets
           "::ffff:1.2.3",      // short embedded IPv4
           "::ffff:1.2.3.256",
           "::1.2.3.4:5",       // embedded IPv4 not last
           "1:2:3:4:5:6:7:1.2.3.4",  // embedded IPv4 makes nine groups
           "::ffff:01.2.3.4",
       }) {
    check_rejected<IPAddr>(text);
  }
  // An embedded NUL is not the end of a string_view.
  CHECK_FALSE(IPAddr::try_parse(std::string_view("1.2.3.4\0", 8)).has_value());
  CHECK_FALSE(IPAddr::try_parse(std::string_view("::1\0", 4)).has_value());
}

TEST_CASE("parse errors explain common mistakes", "[address]") {
  CHECK(error_of([] { IPAddr::parse("fe80::1%eth0"); }) ==
        "invalid IP address: \"fe80::1%eth0\" (zone ids are not supported)");
  CHECK(error_of([] { IPAddr::parse("[::1]"); }) ==
        "invalid IP address: \"[::1]\" (brackets are not part of an address)");
  CHECK(error_of([] { IPAddr::parse("10.0.0.0/8"); }) ==
        "invalid IP address: \"10.0.0.0/8\" (a prefix, not an address)");
  CHECK(error_of([] { IPAddr::parse("1.2.3"); }) == "invalid IP address: \"1.2.3\"");
}

TEST_CASE("address classification", "[address]") {
  struct Case {
    const char* text;
    bool unspecified, loopback, multicast;
  };
  for (const Case& c : {
           Case{"0.0.0.0", true, false, false},
           Case{"::", true, false, false},
           Case{"127.0.0.1", false, true, false},
           Case{"127.255.255.254", false, true, false},
           Case{"::1", false, true, false},
           Case{"224.0.0.1", false, false, true},
           Case{"239.255.255.255", false, false, true},
           Case{"ff02::1", false, false, true},
           Case{"ff05::1:3", false, false, true},
           Case{"10.0.0.1", false, false, false},
           Case{"223.255.255.255", false, false, false},
           Case{"240.0.0.1", false, false, false},
           Case{"2001:db8::1", false, false, false},
           Case{"fe80::1", false, false, false},
           Case{"::2", false, false, false},
           Case{"1::", false, false, false},
           // IPv4-mapped addresses stay IPv6: they are not classified as their IPv4 address.
           Case{"::ffff:127.0.0.1", false, false, false},
           Case{"::ffff:0.0.0.0", false, false, false},
           Case{"::ffff:224.0.0.1", false, false, false},
       }) {
    INFO(c.text);
    const IPAddr a = IPAddr::parse(c.text);
    CHECK(a.is_unspecified() == c.unspecified);
    CHECK(a.is_loopback() == c.loopback);
    CHECK(a.is_multicast() == c.multicast);
  }
  CHECK(IPAddr::parse("::ffff:1.2.3.4").is6());
  CHECK(IPAddr::parse("::ffff:1.2.3.4") != IPAddr::parse("1.2.3.4"));
}

TEST_CASE("the invalid (default) address", "[address]") {
  const IPAddr a;
  CHECK_FALSE(a.valid());
  CHECK_FALSE(a.is4());
  CHECK_FALSE(a.is6());
  CHECK(a.size() == 0);
  CHECK(a.to_string().empty());
  CHECK_FALSE(a.is_unspecified());
  CHECK_FALSE(a.is_loopback());
  CHECK_FALSE(a.is_multicast());
  CHECK(a == IPAddr());
  CHECK(a < IPAddr::parse("0.0.0.0"));
}

TEST_CASE("ordering, equality and hashing", "[address]") {
  // Family first (IPv4 before IPv6), then the bytes in network order.
  const std::vector<std::string> sorted = {"0.0.0.0",  "1.2.3.4",     "9.0.0.0",
                                           "10.0.0.1", "10.0.0.2",    "255.255.255.255",
                                           "::",       "::1",         "::ffff:0.0.0.1",
                                           "2001:db8::1", "fe80::1",  "ff02::1"};
  for (std::size_t i = 0; i + 1 < sorted.size(); ++i) {
    INFO(sorted[i] << " < " << sorted[i + 1]);
    CHECK(IPAddr::parse(sorted[i]) < IPAddr::parse(sorted[i + 1]));
    CHECK(IPAddr::parse(sorted[i + 1]) > IPAddr::parse(sorted[i]));
  }
  std::set<IPAddr> ordered;
  for (auto it = sorted.rbegin(); it != sorted.rend(); ++it) ordered.insert(IPAddr::parse(*it));
  std::vector<std::string> back;
  for (const auto& a : ordered) back.push_back(a.to_string());
  CHECK(back == sorted);

  CHECK(IPAddr::parse("2001:DB8::1") == IPAddr::parse("2001:db8:0:0:0:0:0:1"));
  CHECK(std::hash<IPAddr>{}(IPAddr::parse("2001:DB8::1")) ==
        std::hash<IPAddr>{}(IPAddr::parse("2001:db8::1")));
  // 0.0.0.0 and :: have the same (zero) bytes: family keeps them apart.
  CHECK(IPAddr::parse("0.0.0.0") != IPAddr::parse("::"));

  std::unordered_set<IPAddr> set;
  for (const auto& s : sorted) set.insert(IPAddr::parse(s));
  set.insert(IPAddr::parse("10.0.0.1"));
  CHECK(set.size() == sorted.size());
  CHECK(set.count(IPAddr::parse("0:0::1")) == 1);
}

TEST_CASE("fmt formatting", "[address]") {
  CHECK(fmt::format("{}", IPAddr::parse("10.1.2.3")) == "10.1.2.3");
  CHECK(fmt::format("{}", IPAddr::parse("2001:DB8::0:1")) == "2001:db8::1");
  CHECK(fmt::format("[{:>9}]", IPAddr::parse("1.2.3.4")) == "[  1.2.3.4]");
  CHECK(fmt::format("{}", IPAddr()) == "");
  CHECK(fmt::format("{}", Prefix::parse("10.1.2.3/24")) == "10.1.2.3/24");
}

TEST_CASE("Prefix parse and format", "[prefix]") {
  for (const char* text : {"10.1.2.0/24", "10.1.2.3/24", "0.0.0.0/0", "1.2.3.4/32",
                           "2001:db8::/32", "::/0", "2001:db8::1/128", "fe80::1/64"}) {
    INFO(text);
    CHECK(Prefix::parse(text).to_string() == text);
  }
  const Prefix p = Prefix::parse("10.1.2.3/24");
  CHECK(p.addr() == IPAddr::parse("10.1.2.3"));  // host bits kept: an interface address
  CHECK(p.bits() == 24);
  CHECK(p.valid());
  CHECK(Prefix::parse("2001:0DB8::0/48").to_string() == "2001:db8::/48");
  CHECK(Prefix(IPAddr::parse("10.0.0.0"), 8) == Prefix::parse("10.0.0.0/8"));

  const Prefix none;
  CHECK_FALSE(none.valid());
  CHECK(none.to_string().empty());
  CHECK_FALSE(none.contains(IPAddr::parse("0.0.0.0")));
}

TEST_CASE("bad prefix texts and lengths are rejected", "[prefix]") {
  for (const char* text : {"10.1.2.0", "10.1.2.0/", "10.1.2.0/33", "10.1.2.0/-1", "10.1.2.0/24/",
                           "10.1.2.0/024", "10.1.2.0/2a", "10.1.2.0/ 24", "/24", "10.1.2/24",
                           "::/129", "::/1000", "2001:db8::/", "fe80::1%eth0/64", "",
                           "10.1.2.0/24 "}) {
    check_rejected<Prefix>(text);
  }
  CHECK(error_of([] { Prefix::parse("10.1.2.0"); }) ==
        "invalid prefix: \"10.1.2.0\" (missing /bits)");
  CHECK(error_of([] { Prefix::parse("10.1.2.0/33"); }) ==
        "invalid prefix: \"10.1.2.0/33\" (bad prefix length)");
  CHECK(error_of([] { Prefix::parse("fe80::1%eth0/64"); }) ==
        "invalid prefix: \"fe80::1%eth0/64\" (zone ids are not supported)");

  CHECK_THROWS_MATCHES(Prefix(IPAddr::parse("10.0.0.0"), 33), xvs::Error,
                       Catch::Message("invalid prefix length 33 for 10.0.0.0 (0..32)"));
  CHECK_THROWS_AS(Prefix(IPAddr::parse("::"), 129), xvs::Error);
  CHECK_THROWS_AS(Prefix(IPAddr::parse("::"), -1), xvs::Error);
  CHECK_THROWS_AS(Prefix(IPAddr(), 0), xvs::Error);
  CHECK_NOTHROW(Prefix(IPAddr::parse("::"), 128));
}

TEST_CASE("Prefix contains and masked", "[prefix]") {
  const Prefix p = Prefix::parse("10.1.2.3/24");
  CHECK(p.contains(IPAddr::parse("10.1.2.0")));
  CHECK(p.contains(IPAddr::parse("10.1.2.255")));
  CHECK_FALSE(p.contains(IPAddr::parse("10.1.3.0")));
  CHECK_FALSE(p.contains(IPAddr::parse("::ffff:10.1.2.3")));  // family must match
  CHECK_FALSE(p.contains(IPAddr()));
  CHECK(p.masked() == Prefix::parse("10.1.2.0/24"));
  CHECK(p.masked().to_string() == "10.1.2.0/24");

  const Prefix odd = Prefix::parse("10.1.2.3/21");
  CHECK(odd.masked().to_string() == "10.1.0.0/21");
  CHECK(odd.contains(IPAddr::parse("10.1.7.255")));
  CHECK_FALSE(odd.contains(IPAddr::parse("10.1.8.0")));

  CHECK(Prefix::parse("0.0.0.0/0").contains(IPAddr::parse("255.1.2.3")));
  CHECK_FALSE(Prefix::parse("0.0.0.0/0").contains(IPAddr::parse("::1")));
  CHECK(Prefix::parse("::/0").contains(IPAddr::parse("::ffff:1.2.3.4")));
  CHECK(Prefix::parse("1.2.3.4/32").contains(IPAddr::parse("1.2.3.4")));
  CHECK_FALSE(Prefix::parse("1.2.3.4/32").contains(IPAddr::parse("1.2.3.5")));

  const Prefix v6 = Prefix::parse("2001:db8:abcd:12ff::1/57");
  CHECK(v6.masked().to_string() == "2001:db8:abcd:1280::/57");
  CHECK(v6.contains(IPAddr::parse("2001:db8:abcd:12ff:ffff::")));
  CHECK(v6.contains(IPAddr::parse("2001:db8:abcd:1280::")));
  CHECK_FALSE(v6.contains(IPAddr::parse("2001:db8:abcd:1200::")));
  CHECK(Prefix::parse("2001:db8::1/128").masked().to_string() == "2001:db8::1/128");
  CHECK(Prefix::parse("ff02::1/0").masked().to_string() == "::/0");
}

TEST_CASE("Prefix ordering and hashing", "[prefix]") {
  // A usable map key (Config::routes): address first, then length.
  std::map<Prefix, int> m{{Prefix::parse("10.0.0.0/16"), 1}, {Prefix::parse("10.0.0.0/8"), 2},
                          {Prefix::parse("::/0"), 3}, {Prefix::parse("9.0.0.0/8"), 4}};
  std::vector<std::string> keys;
  for (const auto& [k, v] : m) keys.push_back(k.to_string());
  CHECK(keys == std::vector<std::string>{"9.0.0.0/8", "10.0.0.0/8", "10.0.0.0/16", "::/0"});

  CHECK(Prefix::parse("10.1.2.3/24") != Prefix::parse("10.1.2.0/24"));  // host bits count
  std::unordered_set<Prefix> set{Prefix::parse("10.0.0.0/8"), Prefix::parse("10.0.0.0/16"),
                                 Prefix::parse("10.0.0.0/8")};
  CHECK(set.size() == 2);
  CHECK(std::hash<Prefix>{}(Prefix::parse("10.0.0.0/8")) !=
        std::hash<Prefix>{}(Prefix::parse("10.0.0.0/16")));
}

TEST_CASE("MAC formatting", "[address]") {
  CHECK(xvs::to_string(xvs::MAC{0x02, 0, 0, 0, 0, 0x01}) == "02:00:00:00:00:01");
  CHECK(xvs::to_string(xvs::MAC{0xff, 0xfe, 0xab, 0x0c, 0x9d, 0x10}) == "ff:fe:ab:0c:9d:10");
  CHECK(xvs::to_string(xvs::MAC{}) == "00:00:00:00:00:00");
}
