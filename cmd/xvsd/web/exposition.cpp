// SPDX-License-Identifier: Apache-2.0
#include "exposition.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace xvsd::web {

namespace {

// HELP text escapes backslash and line feed (not the double quote).
std::string escape_help(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

}  // namespace

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

void Exposition::add(const Family& family, const Labels& labels, std::uint64_t value) {
  add_sample(family, labels, fmt::format("{}", value));
}

void Exposition::add(const Family& family, const Labels& labels, double value) {
  add_sample(family, labels, fmt::format("{}", value));
}

void Exposition::add_sample(const Family& family, const Labels& labels,
                            std::string_view value) {
  auto block = std::find_if(blocks_.begin(), blocks_.end(),
                            [&](const Block& b) { return b.family->name == family.name; });
  if (block == blocks_.end()) block = blocks_.insert(blocks_.end(), Block{&family, {}});
  std::string& out = block->samples;
  out += family.name;
  if (!labels.empty()) {
    out += '{';
    for (std::size_t i = 0; i < labels.size(); ++i) {
      if (i) out += ',';
      out += fmt::format("{}=\"{}\"", labels[i].first, escape_label_value(labels[i].second));
    }
    out += '}';
  }
  out += fmt::format(" {}\n", value);
}

std::string Exposition::text() const {
  std::string out;
  for (const auto& b : blocks_) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", b.family->name,
                       escape_help(b.family->help), b.family->name, b.family->type);
    out += b.samples;
  }
  return out;
}

}  // namespace xvsd::web
