// SPDX-License-Identifier: Apache-2.0
// The DNS check's query, and its validation of replies (untrusted input).
#include <catch2/catch.hpp>

#include "check/dns.hpp"

using namespace xvsd;

namespace {

std::vector<std::uint8_t> reply_to(std::vector<std::uint8_t> q, std::uint8_t rcode = 0) {
  q[2] |= 0x80;
  q[3] = static_cast<std::uint8_t>((q[3] & 0xf0) | rcode);
  return q;
}

}  // namespace

TEST_CASE("the default question is CHAOS TXT version.bind") {
  auto q = dns::query(0x1234, dns::check_question(""));
  REQUIRE(q);
  const std::vector<std::uint8_t> want{0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0,
                                       7, 'v', 'e', 'r', 's', 'i', 'o', 'n',
                                       4, 'b', 'i', 'n', 'd', 0, 0, 16, 0, 3};
  CHECK(*q == want);
}

TEST_CASE("names that cannot be encoded are refused") {
  CHECK_FALSE(dns::query(1, {std::string(64, 'a') + ".example", dns::type_a, dns::class_in}));
  CHECK_FALSE(dns::query(1, {"a..b", dns::type_a, dns::class_in}));
  std::string long_name;
  for (int i = 0; i < 30; ++i) long_name += "abcdefghi.";
  CHECK_FALSE(dns::query(1, {long_name, dns::type_a, dns::class_in}));
}

TEST_CASE("replies are validated") {
  auto question = dns::check_question("www.example.com");
  auto q = *dns::query(77, question);
  CHECK(dns::reply_problem(reply_to(q), 77, question).empty());
  CHECK(dns::reply_problem(reply_to(q, 3), 77, question).empty());  // NXDOMAIN: alive
  CHECK(dns::reply_problem(reply_to(q, 2), 77, question) == "DNS rcode 2");
  CHECK(dns::reply_problem(reply_to(q, 5), 77, question) == "DNS rcode 5");
  CHECK(dns::reply_problem(reply_to(q), 78, question) == "DNS reply for another query (id mismatch)");
  CHECK(dns::reply_problem(q, 77, question) == "DNS message is not a reply (QR clear)");
  CHECK(dns::reply_problem({q.data(), 5}, 77, question) == "short DNS reply (5 bytes)");
  auto cut = reply_to(q);
  cut.resize(20);
  CHECK(dns::reply_problem(cut, 77, question) == "DNS reply ends inside its question");
  auto other = reply_to(q);
  other[13] = 'W';  // case differs: still the same name
  CHECK(dns::reply_problem(other, 77, question).empty());
  other[14] = 'x';
  CHECK(dns::reply_problem(other, 77, question) == "DNS reply to another question");
  auto truncated = reply_to(q);
  truncated[2] |= 0x02;
  CHECK(dns::reply_problem(truncated, 77, question) == "DNS reply truncated");
  auto two = reply_to(q);
  two[5] = 2;
  CHECK(dns::reply_problem(two, 77, question) == "DNS reply does not echo the one question");
}
