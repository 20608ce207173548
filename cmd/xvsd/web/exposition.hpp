// SPDX-License-Identifier: Apache-2.0
// Prometheus text exposition format, version 0.0.4: families of samples, each family once
// with its HELP and TYPE lines and all its samples together, whatever order they arrive in.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace xvsd::web {

struct Family {
  std::string_view name;  // "xvsd_vip_packets_total"
  std::string_view type;  // "counter" or "gauge"
  std::string_view help;
};

using Labels = std::vector<std::pair<std::string_view, std::string>>;

class Exposition {
public:
  void add(const Family& family, const Labels& labels, std::uint64_t value);
  void add(const Family& family, const Labels& labels, double value);
  std::string text() const;  // families in the order they were first added

private:
  void add_sample(const Family& family, const Labels& labels, std::string_view value);
  struct Block {
    const Family* family;
    std::string samples;
  };
  std::vector<Block> blocks_;
};

// A label value with backslash, double quote and line feed escaped as the format requires.
std::string escape_label_value(std::string_view value);

}  // namespace xvsd::web
