// SPDX-License-Identifier: Apache-2.0
// A minimal streaming JSON writer: enough for xvs-bench's report, no dependency.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace xvs::bench {

class JsonWriter {
public:
  explicit JsonWriter(std::FILE* out) : out_(out) {}
  ~JsonWriter() { std::fputc('\n', out_); }

  // `key` is used inside objects and ignored inside arrays and at the top level.
  void begin_object(std::string_view key = {}) { open(key, '{'); }
  void begin_array(std::string_view key = {}) { open(key, '['); }
  void end_object() { close('}'); }
  void end_array() { close(']'); }

  void value(std::string_view key, std::string_view v);
  void value(std::string_view key, const char* v) { value(key, std::string_view(v)); }
  void value(std::string_view key, double v);
  void value(std::string_view key, std::uint64_t v);
  void value(std::string_view key, int v);
  void value(std::string_view key, bool v);
  void numbers(std::string_view key, const std::vector<double>& v);

private:
  void open(std::string_view key, char bracket);
  void close(char bracket);
  void prefix(std::string_view key);  // comma, indentation and "key": as needed
  void raw(std::string_view key, const std::string& text);

  std::FILE* out_;
  std::vector<bool> first_;     // per open container: nothing written in it yet
  std::vector<bool> is_array_;
};

}  // namespace xvs::bench
