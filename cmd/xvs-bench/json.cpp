// SPDX-License-Identifier: Apache-2.0
#include "json.hpp"

#include <cmath>

#include <fmt/format.h>

namespace xvs::bench {

namespace {

std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += {'\\', c};
    else if (static_cast<unsigned char>(c) < 0x20)
      out += fmt::format("\\u{:04x}", c);
    else
      out += c;
  }
  return out + "\"";
}

}  // namespace

void JsonWriter::prefix(std::string_view key) {
  if (!first_.empty()) {
    std::fputs(first_.back() ? "\n" : ",\n", out_);
    first_.back() = false;
    std::fputs(std::string(2 * first_.size(), ' ').c_str(), out_);
    if (!is_array_.back()) std::fprintf(out_, "%s: ", quoted(key).c_str());
  }
}

void JsonWriter::open(std::string_view key, char bracket) {
  prefix(key);
  std::fputc(bracket, out_);
  first_.push_back(true);
  is_array_.push_back(bracket == '[');
}

void JsonWriter::close(char bracket) {
  bool empty = first_.back();
  first_.pop_back();
  is_array_.pop_back();
  if (!empty) std::fprintf(out_, "\n%s", std::string(2 * first_.size(), ' ').c_str());
  std::fputc(bracket, out_);
}

void JsonWriter::raw(std::string_view key, const std::string& text) {
  prefix(key);
  std::fputs(text.c_str(), out_);
}

void JsonWriter::value(std::string_view key, std::string_view v) { raw(key, quoted(v)); }
void JsonWriter::value(std::string_view key, double v) {
  raw(key, std::isfinite(v) ? fmt::format("{:.3f}", v) : std::string("null"));
}
void JsonWriter::value(std::string_view key, std::uint64_t v) { raw(key, fmt::format("{}", v)); }
void JsonWriter::value(std::string_view key, int v) { raw(key, fmt::format("{}", v)); }
void JsonWriter::value(std::string_view key, bool v) { raw(key, v ? "true" : "false"); }

void JsonWriter::numbers(std::string_view key, const std::vector<double>& v) {
  std::string text = "[";
  for (std::size_t i = 0; i < v.size(); ++i)
    text += fmt::format("{}{:.3f}", i ? ", " : "", v[i]);
  raw(key, text + "]");
}

}  // namespace xvs::bench
