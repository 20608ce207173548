// SPDX-License-Identifier: Apache-2.0
// Several rounds of one measurement, summarised.
#pragma once

#include <algorithm>
#include <vector>

namespace xvs::bench {

struct Summary {
  std::vector<double> rounds;  // one value per round
  double median = 0, min = 0, max = 0;

  static Summary of(std::vector<double> values) {
    Summary s;
    s.rounds = values;
    if (values.empty()) return s;
    std::sort(values.begin(), values.end());
    std::size_t n = values.size();
    s.median = n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    s.min = values.front();
    s.max = values.back();
    return s;
  }
  // (max - min) / median: how far apart the rounds were.
  double spread() const { return median > 0 ? (max - min) / median : 0; }
};

}  // namespace xvs::bench
