// SPDX-License-Identifier: Apache-2.0
// The flow-sharing datagram: what opens, and why what does not.
#include <catch2/catch.hpp>

#include <cstdio>
#include <unistd.h>

#include <fstream>

#include "flowshare/sealed.hpp"

using namespace flowshare;

namespace {

Key key_of(std::uint8_t fill) {
  Key k;
  k.fill(fill);
  return k;
}

const xvs::IPAddr alice = xvs::IPAddr::parse("10.0.0.2");

std::string temp_key_file(const std::string& text) {
  char name[] = "/tmp/xvsd-key.XXXXXX";
  const int fd = mkstemp(name);
  REQUIRE(fd >= 0);
  REQUIRE(write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  close(fd);
  return name;
}

}  // namespace

TEST_CASE("a sealed datagram opens under the same key with sender, sequence and payload") {
  init_sodium();
  const std::vector<std::uint8_t> payload{1, 2, 3, 4, 5};
  const auto d = seal(key_of(7), Kind::records, alice, 0x0102030405060708, payload);
  CHECK(d.size() == kOverhead + payload.size());
  CHECK(peek_sender(d) == alice);
  OpenError why{};
  const auto o = open(key_of(7), d, why);
  REQUIRE(o);
  CHECK(o->kind == Kind::records);
  CHECK(o->sender == alice);
  CHECK(o->sequence == 0x0102030405060708);
  CHECK(o->payload == payload);

  const auto v6 = xvs::IPAddr::parse("fd00::2");
  const auto o6 = open(key_of(7), seal(key_of(7), Kind::hello, v6, 1, {}), why);
  REQUIRE(o6);
  CHECK(o6->sender == v6);
  CHECK(o6->payload.empty());
}

TEST_CASE("a datagram under another key, or with any byte changed, is forged") {
  init_sodium();
  const std::vector<std::uint8_t> payload(40, 0xab);
  const auto d = seal(key_of(7), Kind::records, alice, 99, payload);
  OpenError why{};
  CHECK_FALSE(open(key_of(8), d, why));
  CHECK(why == OpenError::forged);
  // The sender (8..23), the sequence (24..31), the nonce and the ciphertext are all covered.
  for (std::size_t i : {8u, 20u, 24u, 31u, 40u, 56u, 60u}) {
    auto bad = d;
    bad[i] ^= 1;
    CHECK_FALSE(open(key_of(7), bad, why));
    CHECK(why == OpenError::forged);
  }
  auto last = d;
  last.back() ^= 0x80;
  CHECK_FALSE(open(key_of(7), last, why));
}

TEST_CASE("what cannot be a flow-sharing datagram is malformed") {
  init_sodium();
  OpenError why{};
  const std::vector<std::uint8_t> junk{'j', 'u', 'n', 'k'};
  CHECK_FALSE(peek_sender(junk));
  CHECK_FALSE(open(key_of(7), junk, why));
  CHECK(why == OpenError::malformed);
  auto d = seal(key_of(7), Kind::hello, alice, 1, {});
  d[4] = 9;  // unknown kind
  CHECK_FALSE(open(key_of(7), d, why));
  CHECK(why == OpenError::malformed);
  d = seal(key_of(7), Kind::hello, alice, 1, {});
  d.pop_back();  // shorter than header + tag
  CHECK_FALSE(open(key_of(7), d, why));
  CHECK(why == OpenError::malformed);
}

TEST_CASE("records payloads split back into their records, bad lengths are refused") {
  std::vector<std::uint8_t> p;
  const std::vector<std::uint8_t> a{1, 2, 3}, b(300, 9);
  append_record(p, a);
  append_record(p, b);
  const auto parts = split_records(p);
  REQUIRE(parts);
  REQUIRE(parts->size() == 2);
  CHECK(std::vector<std::uint8_t>((*parts)[0].begin(), (*parts)[0].end()) == a);
  CHECK((*parts)[1].size() == 300);
  p.pop_back();
  CHECK_FALSE(split_records(p));
  CHECK_FALSE(split_records(std::vector<std::uint8_t>{0, 0}));  // empty record
  CHECK_FALSE(split_records(std::vector<std::uint8_t>{5}));
}

TEST_CASE("a key file holds 64 hexadecimal digits, anything else names the file and problem") {
  const auto good = temp_key_file("  00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF\n");
  const Key k = load_key(good);
  CHECK(k[0] == 0x00);
  CHECK(k[1] == 0x11);
  CHECK(k[31] == 0xff);
  std::remove(good.c_str());

  const auto short_file = temp_key_file("0011");
  CHECK_THROWS_WITH(load_key(short_file), Catch::Contains(short_file) &&
                                              Catch::Contains("64 hexadecimal digits"));
  std::remove(short_file.c_str());
  const auto bad = temp_key_file(std::string(63, 'a') + "g");
  CHECK_THROWS_WITH(load_key(bad), Catch::Contains("non-hexadecimal digit at position 64"));
  std::remove(bad.c_str());
  CHECK_THROWS_WITH(load_key("/nonexistent/key"), Catch::Contains("/nonexistent/key"));
}
