// SPDX-License-Identifier: Apache-2.0
// IP address and prefix values. The parsers are written out rather than delegated to
// inet_pton so that the accepted grammar is exactly the documented one on every libc: strict
// dotted quads (no leading zeros, which some tools read as octal), the RFC 4291 IPv6 forms,
// and nothing else (no zone ids, brackets, whitespace or embedded NULs).
#include <xvs/address.hpp>
#include <xvs/error.hpp>

#include <algorithm>

#include <fmt/format.h>

namespace xvs {
namespace {

using Bytes4 = std::array<std::uint8_t, 4>;
using Bytes16 = std::array<std::uint8_t, 16>;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

int hex_value(char c) {
  if (is_digit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A decimal number of 1..max_digits digits without a leading zero (except "0" itself), at
// most `max`. Advances `pos` past it.
std::optional<unsigned> parse_decimal(std::string_view s, std::size_t& pos, int max_digits,
                                      unsigned max) {
  const std::size_t start = pos;
  unsigned value = 0;
  while (pos < s.size() && is_digit(s[pos]) && pos - start < std::size_t(max_digits)) {
    value = value * 10 + unsigned(s[pos] - '0');
    ++pos;
  }
  const std::size_t len = pos - start;
  if (len == 0 || (pos < s.size() && is_digit(s[pos]))) return std::nullopt;
  if (len > 1 && s[start] == '0') return std::nullopt;
  if (value > max) return std::nullopt;
  return value;
}

std::optional<Bytes4> parse4(std::string_view s) {
  Bytes4 out{};
  std::size_t pos = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (i > 0) {
      if (pos >= s.size() || s[pos] != '.') return std::nullopt;
      ++pos;
    }
    auto octet = parse_decimal(s, pos, 3, 255);
    if (!octet) return std::nullopt;
    out[i] = std::uint8_t(*octet);
  }
  if (pos != s.size()) return std::nullopt;
  return out;
}

// RFC 4291 section 2.2: eight groups of 1..4 hex digits, one "::" standing for one or more
// zero groups, and optionally a dotted quad as the last 32 bits.
std::optional<Bytes16> parse6(std::string_view s) {
  std::array<std::uint16_t, 8> groups{};
  std::size_t n = 0;
  std::optional<std::size_t> gap;  // index in `groups` where "::" stands
  std::size_t pos = 0;

  if (s.substr(0, 2) == "::") {
    gap = 0;
    pos = 2;
  }
  while (pos < s.size()) {
    const std::string_view rest = s.substr(pos);
    if (rest.find(':') == std::string_view::npos && rest.find('.') != std::string_view::npos) {
      auto v4 = parse4(rest);
      if (!v4 || n > 6) return std::nullopt;
      groups[n++] = std::uint16_t((*v4)[0] << 8 | (*v4)[1]);
      groups[n++] = std::uint16_t((*v4)[2] << 8 | (*v4)[3]);
      pos = s.size();
      break;
    }
    if (n == groups.size()) return std::nullopt;
    unsigned value = 0;
    std::size_t digits = 0;
    for (; pos < s.size() && hex_value(s[pos]) >= 0; ++pos, ++digits) {
      if (digits == 4) return std::nullopt;
      value = value << 4 | unsigned(hex_value(s[pos]));
    }
    if (digits == 0) return std::nullopt;
    groups[n++] = std::uint16_t(value);
    if (pos == s.size()) break;
    if (s[pos] != ':') return std::nullopt;
    ++pos;
    if (pos < s.size() && s[pos] == ':') {
      if (gap) return std::nullopt;
      gap = n;
      ++pos;
    } else if (pos == s.size()) {
      return std::nullopt;  // a single trailing colon
    }
  }

  if (gap ? n > 7 : n != 8) return std::nullopt;
  std::array<std::uint16_t, 8> full{};
  if (gap) {
    const std::size_t tail = n - *gap;
    std::copy_n(groups.begin(), *gap, full.begin());
    std::copy_n(groups.begin() + std::ptrdiff_t(*gap), tail, full.end() - std::ptrdiff_t(tail));
  } else {
    full = groups;
  }
  Bytes16 out{};
  for (std::size_t i = 0; i < full.size(); ++i) {
    out[2 * i] = std::uint8_t(full[i] >> 8);
    out[2 * i + 1] = std::uint8_t(full[i]);
  }
  return out;
}

// Why a text is not an address, for the common mistakes; empty when nothing specific.
std::string_view parse_hint(std::string_view s) {
  if (s.find('%') != std::string_view::npos) return " (zone ids are not supported)";
  if (s.find('/') != std::string_view::npos) return " (a prefix, not an address)";
  if (s.find_first_of("[]") != std::string_view::npos)
    return " (brackets are not part of an address)";
  if (s.find_first_of(" \t\r\n") != std::string_view::npos) return " (contains whitespace)";
  return {};
}

std::string format6(const Bytes16& b) {
  std::array<unsigned, 8> g{};
  for (std::size_t i = 0; i < g.size(); ++i) g[i] = unsigned(b[2 * i]) << 8 | b[2 * i + 1];

  // RFC 5952 section 5: IPv4-mapped addresses keep the dotted quad.
  const bool mapped = std::all_of(g.begin(), g.begin() + 5, [](unsigned x) { return x == 0; }) &&
                      g[5] == 0xffff;
  if (mapped) return fmt::format("::ffff:{}.{}.{}.{}", b[12], b[13], b[14], b[15]);

  // RFC 5952 section 4.2: compress the longest run (the first on a tie) of two or more zero
  // groups.
  std::size_t best_at = g.size(), best_len = 0;
  for (std::size_t i = 0; i < g.size();) {
    if (g[i] != 0) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < g.size() && g[j] == 0) ++j;
    if (j - i > best_len) {
      best_at = i;
      best_len = j - i;
    }
    i = j;
  }
  if (best_len < 2) best_at = g.size();

  std::string out;
  for (std::size_t i = 0; i < g.size(); ++i) {
    if (i == best_at) {
      out += "::";
      i += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    out += fmt::format("{:x}", g[i]);
  }
  return out;
}

// A 64-bit finaliser (SplitMix64); hashing is in-process only, so any good mix will do.
std::uint64_t mix64(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

IPAddr IPAddr::v4(const std::array<std::uint8_t, 4>& bytes) noexcept {
  IPAddr a;
  a.family_ = 4;
  std::copy(bytes.begin(), bytes.end(), a.bytes_.begin());
  return a;
}

IPAddr IPAddr::v6(const std::array<std::uint8_t, 16>& bytes) noexcept {
  IPAddr a;
  a.family_ = 6;
  a.bytes_ = bytes;
  return a;
}

std::optional<IPAddr> IPAddr::try_parse(std::string_view text) noexcept {
  if (text.find(':') != std::string_view::npos) {
    if (auto b = parse6(text)) return v6(*b);
  } else if (auto b = parse4(text)) {
    return v4(*b);
  }
  return std::nullopt;
}

IPAddr IPAddr::parse(std::string_view text) {
  if (auto a = try_parse(text)) return *a;
  throw Error(Errc::invalid_argument,
              fmt::format("invalid IP address: \"{}\"{}", text, parse_hint(text)));
}

bool IPAddr::is_unspecified() const noexcept {
  return valid() && std::all_of(bytes_.begin(), bytes_.begin() + std::ptrdiff_t(size()),
                                [](std::uint8_t b) { return b == 0; });
}

bool IPAddr::is_loopback() const noexcept {
  if (is4()) return bytes_[0] == 127;
  return is6() && std::all_of(bytes_.begin(), bytes_.end() - 1,
                              [](std::uint8_t b) { return b == 0; }) &&
         bytes_[15] == 1;
}

bool IPAddr::is_multicast() const noexcept {
  if (is4()) return (bytes_[0] & 0xf0) == 0xe0;
  return is6() && bytes_[0] == 0xff;
}

std::string IPAddr::to_string() const {
  if (is4()) return fmt::format("{}.{}.{}.{}", bytes_[0], bytes_[1], bytes_[2], bytes_[3]);
  if (is6()) return format6(bytes_);
  return {};
}

Prefix::Prefix(const IPAddr& addr, int bits) : addr_(addr), bits_(bits) {
  if (!addr.valid()) throw Error(Errc::invalid_argument, "invalid prefix: address is not set");
  const int max = addr.is4() ? 32 : 128;
  if (bits < 0 || bits > max)
    throw Error(Errc::invalid_argument,
                fmt::format("invalid prefix length {} for {} (0..{})", bits, addr, max));
}

std::optional<Prefix> Prefix::try_parse(std::string_view text) noexcept {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto addr = IPAddr::try_parse(text.substr(0, slash));
  if (!addr) return std::nullopt;
  const std::string_view len = text.substr(slash + 1);
  std::size_t pos = 0;
  auto bits = parse_decimal(len, pos, 3, addr->is4() ? 32 : 128);
  if (!bits || pos != len.size()) return std::nullopt;
  return Prefix(*addr, int(*bits));
}

Prefix Prefix::parse(std::string_view text) {
  if (auto p = try_parse(text)) return *p;
  const auto slash = text.find('/');
  std::string_view why;
  if (slash == std::string_view::npos)
    why = " (missing /bits)";
  else if (!IPAddr::try_parse(text.substr(0, slash)))
    why = parse_hint(text.substr(0, slash));
  else
    why = " (bad prefix length)";
  throw Error(Errc::invalid_argument, fmt::format("invalid prefix: \"{}\"{}", text, why));
}

Prefix Prefix::masked() const {
  if (!valid()) return *this;
  auto b = addr_.bytes();
  for (std::size_t i = 0; i < b.size(); ++i) {
    const int keep = std::clamp(bits_ - int(i) * 8, 0, 8);
    b[i] &= std::uint8_t(0xff00u >> keep);
  }
  if (addr_.is4()) return Prefix(IPAddr::v4({b[0], b[1], b[2], b[3]}), bits_);
  return Prefix(IPAddr::v6(b), bits_);
}

bool Prefix::contains(const IPAddr& ip) const noexcept {
  if (!valid() || ip.is4() != addr_.is4() || ip.is6() != addr_.is6()) return false;
  const auto& a = addr_.bytes();
  const auto& b = ip.bytes();
  for (std::size_t i = 0; i < a.size(); ++i) {
    const int keep = std::clamp(bits_ - int(i) * 8, 0, 8);
    const auto mask = std::uint8_t(0xff00u >> keep);
    if ((a[i] & mask) != (b[i] & mask)) return false;
  }
  return true;
}

std::string Prefix::to_string() const {
  if (!valid()) return {};
  return fmt::format("{}/{}", addr_, bits_);
}

std::string to_string(const MAC& mac) {
  return fmt::format("{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", mac[0], mac[1], mac[2], mac[3],
                     mac[4], mac[5]);
}

}  // namespace xvs

std::size_t std::hash<xvs::IPAddr>::operator()(const xvs::IPAddr& a) const noexcept {
  const auto& b = a.bytes();
  std::uint64_t h = a.is4() ? 4 : a.is6() ? 6 : 0;
  for (std::size_t i = 0; i < b.size(); i += 8) {
    std::uint64_t word = 0;
    for (std::size_t j = 0; j < 8; ++j) word = word << 8 | b[i + j];
    h = xvs::mix64(h ^ word);
  }
  return std::size_t(h);
}

std::size_t std::hash<xvs::Prefix>::operator()(const xvs::Prefix& p) const noexcept {
  return std::size_t(xvs::mix64(std::hash<xvs::IPAddr>{}(p.addr()) ^ std::uint64_t(p.bits())));
}
