// SPDX-License-Identifier: Apache-2.0
#include "listen_address.hpp"

#include <charconv>

#include <fmt/format.h>
#include <xvs/xvs.hpp>

namespace xvsd::web {

namespace {

[[noreturn]] void refuse(std::string_view text, std::string_view why) {
  throw xvs::Error(xvs::Errc::invalid_argument,
                   fmt::format("listen address \"{}\": {} (want e.g. 127.0.0.1:9180 or "
                               "[::]:9180)",
                               text, why));
}

}  // namespace

std::string ListenAddress::to_string() const {
  return host.find(':') == std::string::npos ? fmt::format("{}:{}", host, port)
                                             : fmt::format("[{}]:{}", host, port);
}

ListenAddress parse_listen_address(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) refuse(text, "no port");
  std::string_view host = text.substr(0, colon);
  const std::string_view port = text.substr(colon + 1);
  const bool bracketed = host.size() >= 2 && host.front() == '[' && host.back() == ']';
  if (bracketed) host = host.substr(1, host.size() - 2);

  const auto ip = xvs::IPAddr::try_parse(host);
  if (host.empty() || !ip) refuse(text, fmt::format("\"{}\" is not an IP address", host));
  if (ip->is6() != bracketed)
    refuse(text, ip->is6() ? "an IPv6 address needs brackets" : "brackets are for IPv6");

  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || value > 65535)
    refuse(text, fmt::format("port \"{}\" is not a number from 0 to 65535", port));
  return ListenAddress{std::string(host), static_cast<std::uint16_t>(value)};
}

}  // namespace xvsd::web
