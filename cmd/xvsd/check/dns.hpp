// SPDX-License-Identifier: Apache-2.0
// The DNS messages of the dns and dnstcp checks: a one-question query, and validation of the
// reply, which comes from the network and is treated as untrusted input.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace xvsd::dns {

constexpr std::uint16_t type_a = 1, type_txt = 16;
constexpr std::uint16_t class_in = 1, class_chaos = 3;

struct Question {
  std::string name;             // "version.bind"; "" or "." = the root
  std::uint16_t type = type_txt;
  std::uint16_t klass = class_chaos;
};

// The question a check sends: vc5's CHAOS TXT version.bind, or `name` IN A when given.
Question check_question(const std::string& name);

// A query with `id` and recursion not desired. Nullopt when the name cannot be encoded
// (a label longer than 63 bytes, a name longer than 255).
std::optional<std::vector<std::uint8_t>> query(std::uint16_t id, const Question&);

// Empty when `reply` answers the query `id` for `q` (QR set, opcode QUERY, the question
// echoed, rcode NOERROR or NXDOMAIN: the server is up and answering); otherwise why not.
std::string reply_problem(std::span<const std::uint8_t> reply, std::uint16_t id,
                          const Question& q);

}  // namespace xvsd::dns
