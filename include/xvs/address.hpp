// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <xvs/export.hpp>

namespace xvs {

// An IPv4 or IPv6 address. A default-constructed IPAddr is invalid.
// IPv4 addresses order before IPv6 addresses.
class XVS_API IPAddr {
public:
  IPAddr() = default;
  static IPAddr v4(const std::array<std::uint8_t, 4>& bytes) noexcept;
  static IPAddr v6(const std::array<std::uint8_t, 16>& bytes) noexcept;

  static IPAddr parse(std::string_view text);  // throws Error{Errc::invalid_argument}
  static std::optional<IPAddr> try_parse(std::string_view text) noexcept;

  bool valid() const noexcept { return family_ != 0; }
  bool is4() const noexcept { return family_ == 4; }
  bool is6() const noexcept { return family_ == 6; }
  bool is_unspecified() const noexcept;
  bool is_loopback() const noexcept;
  bool is_multicast() const noexcept;

  // Network-order bytes: 4 significant bytes for IPv4, 16 for IPv6.
  const std::array<std::uint8_t, 16>& bytes() const noexcept { return bytes_; }
  std::size_t size() const noexcept { return is4() ? 4 : is6() ? 16 : 0; }

  std::string to_string() const;  // "" when invalid

  auto operator<=>(const IPAddr&) const = default;
  bool operator==(const IPAddr&) const = default;

private:
  std::uint8_t family_ = 0;  // 0 invalid, 4 or 6
  std::array<std::uint8_t, 16> bytes_{};
};

// An address with a prefix length, e.g. "10.1.2.0/24" or "10.1.2.3/24" (host bits are kept, so
// a prefix can also describe an interface address).
class XVS_API Prefix {
public:
  Prefix() = default;
  Prefix(const IPAddr& addr, int bits);  // throws Error{Errc::invalid_argument}

  static Prefix parse(std::string_view text);
  static std::optional<Prefix> try_parse(std::string_view text) noexcept;

  IPAddr addr() const noexcept { return addr_; }
  int bits() const noexcept { return bits_; }
  bool valid() const noexcept { return addr_.valid(); }
  bool contains(const IPAddr& ip) const noexcept;
  Prefix masked() const;  // host bits cleared
  std::string to_string() const;

  auto operator<=>(const Prefix&) const = default;
  bool operator==(const Prefix&) const = default;

private:
  IPAddr addr_;
  int bits_ = 0;
};

using MAC = std::array<std::uint8_t, 6>;
XVS_API std::string to_string(const MAC& mac);  // "02:00:00:00:00:01"

}  // namespace xvs

template <>
struct std::hash<xvs::IPAddr> {
  XVS_API std::size_t operator()(const xvs::IPAddr& a) const noexcept;
};
template <>
struct std::hash<xvs::Prefix> {
  XVS_API std::size_t operator()(const xvs::Prefix& p) const noexcept;
};

// The fmt::formatter specialisations (<xvs/format.hpp>) come with this header when fmt is
// installed, as the API promises; they are header-only, so a program that does not format
// with fmt needs no fmt on its link line. Define XVS_NO_FMT to leave fmt out entirely.
#if !defined(XVS_NO_FMT) && __has_include(<fmt/format.h>)
#include <xvs/format.hpp>
#endif
