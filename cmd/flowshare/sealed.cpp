// SPDX-License-Identifier: Apache-2.0
#include "sealed.hpp"

#include <sodium.h>

#include <cctype>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace flowshare {
namespace {

constexpr std::uint8_t kMagic[4] = {'X', 'V', 'F', '1'};
constexpr std::size_t kNonceOffset = 32;
static_assert(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES == 24);
static_assert(crypto_aead_xchacha20poly1305_ietf_ABYTES == kTagBytes);
static_assert(crypto_aead_xchacha20poly1305_ietf_KEYBYTES == kKeyBytes);

std::array<std::uint8_t, 16> mapped(const xvs::IPAddr& a) {
  if (a.is6()) return a.bytes();
  std::array<std::uint8_t, 16> m{};
  m[10] = m[11] = 0xff;
  std::memcpy(m.data() + 12, a.bytes().data(), 4);
  return m;
}

xvs::IPAddr unmapped(const std::uint8_t* p) {
  static constexpr std::uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(p, prefix, sizeof prefix) == 0) return xvs::IPAddr::v4({p[12], p[13], p[14], p[15]});
  std::array<std::uint8_t, 16> b;
  std::memcpy(b.data(), p, 16);
  return xvs::IPAddr::v6(b);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

void init_sodium() {
  if (sodium_init() < 0) throw std::runtime_error("flow sharing: libsodium failed to initialise");
}

Key load_key(const std::string& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error(file + ": cannot read the flow-sharing key");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  std::size_t start = 0;
  while (start < text.size() && std::isspace(static_cast<unsigned char>(text[start]))) ++start;
  text = text.substr(start);
  if (text.size() != 2 * kKeyBytes)
    throw std::runtime_error(file + ": the flow-sharing key must be 64 hexadecimal digits, found " +
                             std::to_string(text.size()) + " characters");
  Key key{};
  for (std::size_t i = 0; i < kKeyBytes; ++i) {
    const int hi = hex_value(text[2 * i]), lo = hex_value(text[2 * i + 1]);
    if (hi < 0 || lo < 0)
      throw std::runtime_error(file + ": the flow-sharing key has a non-hexadecimal digit at " +
                               "position " + std::to_string(2 * i + (hi < 0 ? 1 : 2)));
    key[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return key;
}

std::vector<std::uint8_t> seal(const Key& key, Kind kind, const xvs::IPAddr& sender,
                               std::uint64_t sequence, std::span<const std::uint8_t> payload) {
  std::vector<std::uint8_t> d(kOverhead + payload.size());
  std::memcpy(d.data(), kMagic, 4);
  d[4] = static_cast<std::uint8_t>(kind);
  const auto who = mapped(sender);
  std::memcpy(d.data() + 8, who.data(), 16);
  for (int i = 0; i < 8; ++i) d[24 + i] = static_cast<std::uint8_t>(sequence >> (56 - 8 * i));
  randombytes_buf(d.data() + kNonceOffset, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
  unsigned long long written = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(d.data() + kHeaderBytes, &written, payload.data(),
                                             payload.size(), d.data(), kNonceOffset, nullptr,
                                             d.data() + kNonceOffset, key.data());
  d.resize(kHeaderBytes + written);
  return d;
}

std::optional<xvs::IPAddr> peek_sender(std::span<const std::uint8_t> d) {
  if (d.size() < kOverhead || std::memcmp(d.data(), kMagic, 4) != 0) return std::nullopt;
  return unmapped(d.data() + 8);
}

std::optional<Opened> open(const Key& key, std::span<const std::uint8_t> d, OpenError& error) {
  error = OpenError::malformed;
  const auto sender = peek_sender(d);
  if (!sender || d[5] != 0 || d[6] != 0 || d[7] != 0) return std::nullopt;
  if (d[4] != static_cast<std::uint8_t>(Kind::hello) &&
      d[4] != static_cast<std::uint8_t>(Kind::records))
    return std::nullopt;
  Opened o{static_cast<Kind>(d[4]), *sender, 0, {}};
  for (int i = 0; i < 8; ++i) o.sequence = o.sequence << 8 | d[24 + i];
  o.payload.resize(d.size() - kOverhead);
  unsigned long long length = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          o.payload.data(), &length, nullptr, d.data() + kHeaderBytes, d.size() - kHeaderBytes,
          d.data(), kNonceOffset, d.data() + kNonceOffset, key.data()) != 0) {
    error = OpenError::forged;
    return std::nullopt;
  }
  o.payload.resize(length);
  return o;
}

std::optional<std::vector<std::span<const std::uint8_t>>> split_records(
    std::span<const std::uint8_t> payload) {
  std::vector<std::span<const std::uint8_t>> out;
  std::size_t at = 0;
  while (at < payload.size()) {
    if (payload.size() - at < 2) return std::nullopt;
    const std::size_t n = static_cast<std::size_t>(payload[at]) << 8 | payload[at + 1];
    at += 2;
    if (n == 0 || payload.size() - at < n) return std::nullopt;
    out.push_back(payload.subspan(at, n));
    at += n;
  }
  return out;
}

void append_record(std::vector<std::uint8_t>& payload, std::span<const std::uint8_t> record) {
  payload.push_back(static_cast<std::uint8_t>(record.size() >> 8));
  payload.push_back(static_cast<std::uint8_t>(record.size()));
  payload.insert(payload.end(), record.begin(), record.end());
}

}  // namespace flowshare
