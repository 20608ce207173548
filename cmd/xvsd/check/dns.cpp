// SPDX-License-Identifier: Apache-2.0
#include "check/dns.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

namespace xvsd::dns {

namespace {

constexpr std::size_t header_size = 12;

std::uint16_t be16(std::span<const std::uint8_t> b, std::size_t at) {
  return static_cast<std::uint16_t>(b[at] << 8 | b[at + 1]);
}

void put16(std::vector<std::uint8_t>& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}

std::optional<std::vector<std::uint8_t>> encode_name(std::string_view name) {
  std::vector<std::uint8_t> out;
  if (name.ends_with('.')) name.remove_suffix(1);
  while (!name.empty()) {
    auto dot = name.find('.');
    std::string_view label = name.substr(0, dot);
    if (label.empty() || label.size() > 63) return std::nullopt;
    out.push_back(static_cast<std::uint8_t>(label.size()));
    out.insert(out.end(), label.begin(), label.end());
    name = dot == std::string_view::npos ? std::string_view{} : name.substr(dot + 1);
  }
  out.push_back(0);
  if (out.size() > 255) return std::nullopt;
  return out;
}

}  // namespace

Question check_question(const std::string& name) {
  if (name.empty()) return Question{"version.bind", type_txt, class_chaos};
  return Question{name, type_a, class_in};
}

std::optional<std::vector<std::uint8_t>> query(std::uint16_t id, const Question& q) {
  auto name = encode_name(q.name);
  if (!name) return std::nullopt;
  std::vector<std::uint8_t> out;
  put16(out, id);
  put16(out, 0);  // a standard query, recursion not desired
  put16(out, 1);  // one question
  put16(out, 0);
  put16(out, 0);
  put16(out, 0);
  out.insert(out.end(), name->begin(), name->end());
  put16(out, q.type);
  put16(out, q.klass);
  return out;
}

std::string reply_problem(std::span<const std::uint8_t> reply, std::uint16_t id,
                          const Question& q) {
  if (reply.size() < header_size)
    return fmt::format("short DNS reply ({} bytes)", reply.size());
  if (be16(reply, 0) != id) return "DNS reply for another query (id mismatch)";
  std::uint16_t flags = be16(reply, 2);
  if (!(flags & 0x8000)) return "DNS message is not a reply (QR clear)";
  if (((flags >> 11) & 0xf) != 0) return "DNS reply with another opcode";
  if (flags & 0x0200) return "DNS reply truncated";
  unsigned rcode = flags & 0xf;
  if (be16(reply, 4) != 1) return "DNS reply does not echo the one question";
  // The question echoed: the same name (case-insensitive, no compression allowed here),
  // type and class.
  auto expected = encode_name(q.name);
  std::size_t at = header_size;
  if (!expected || reply.size() < at + expected->size() + 4)
    return "DNS reply ends inside its question";
  auto lower = [](std::uint8_t c) { return static_cast<std::uint8_t>(std::tolower(c)); };
  for (std::size_t i = 0; i < expected->size(); ++i)
    if (lower(reply[at + i]) != lower((*expected)[i])) return "DNS reply to another question";
  at += expected->size();
  if (be16(reply, at) != q.type || be16(reply, at + 2) != q.klass)
    return "DNS reply to another question";
  if (rcode != 0 && rcode != 3) return fmt::format("DNS rcode {}", rcode);
  return {};
}

}  // namespace xvsd::dns
