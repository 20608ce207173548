// SPDX-License-Identifier: Apache-2.0
// Maglev table properties: evenness, weights, minimal disruption, independence from input
// order, and a golden table that pins the algorithm (tables must be identical across
// balancers and releases, or shared flows land on different backends).
#include <catch2/catch.hpp>
#include <xvs/address.hpp>
#include <xvs/error.hpp>

#include "../../bpf/abi.h"
#include "control/maglev.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

using xvs::detail::maglev_table;
using xvs::detail::MaglevBackend;
using Key = std::array<std::uint8_t, 16>;

namespace {

constexpr std::size_t kSize = XVS_MAGLEV_SIZE;  // what the data plane uses

MaglevBackend backend(const std::string& addr, std::uint16_t weight = 1) {
  return {xvs::IPAddr::parse(addr).bytes(), weight};
}

// Backends 10.0.<i/250>.<i%250+1> for i in [first, first + n): realistic, similar keys.
std::vector<MaglevBackend> backends(std::size_t n, std::size_t first = 0) {
  std::vector<MaglevBackend> out;
  for (std::size_t i = first; i < first + n; ++i)
    out.push_back(backend(fmt::format("10.0.{}.{}", i / 250, i % 250 + 1)));
  return out;
}

std::vector<std::size_t> counts(const std::vector<std::uint16_t>& table, std::size_t n) {
  REQUIRE(std::all_of(table.begin(), table.end(), [n](std::uint16_t i) { return i < n; }));
  std::vector<std::size_t> c(n);
  for (auto i : table) ++c[i];
  return c;
}

// The table as backend keys, which is what must not depend on input order.
std::vector<Key> keys_of(const std::vector<std::uint16_t>& table,
                         const std::vector<MaglevBackend>& in) {
  std::vector<Key> out;
  out.reserve(table.size());
  for (auto i : table) out.push_back(in.at(i).key);
  return out;
}

std::size_t moved(const std::vector<Key>& a, const std::vector<Key>& b) {
  REQUIRE(a.size() == b.size());
  std::size_t n = 0;
  for (std::size_t s = 0; s < a.size(); ++s) n += a[s] != b[s];
  return n;
}

}  // namespace

TEST_CASE("equal weights: shares differ by at most one slot", "[maglev]") {
  std::vector<std::size_t> sizes;
  for (std::size_t n = 1; n <= 64; ++n) sizes.push_back(n);
  for (std::size_t n : {65, 100, 127, 128, 200, 254, 255}) sizes.push_back(n);
  for (std::size_t n : sizes) {
    INFO("backends: " << n);
    const auto in = backends(n);
    const auto table = maglev_table(in, kSize);
    REQUIRE(table.size() == kSize);
    const auto c = counts(table, n);
    const auto [lo, hi] = std::minmax_element(c.begin(), c.end());
    CHECK(*hi - *lo <= 1);
    CHECK(*lo == kSize / n);
  }
}

TEST_CASE("weights are honoured within one slot of the ideal share", "[maglev]") {
  SECTION("weights 1..10: within 2 % of weight / sum") {
    std::vector<MaglevBackend> in = backends(10);
    for (std::size_t i = 0; i < in.size(); ++i) in[i].weight = std::uint16_t(i + 1);
    const auto c = counts(maglev_table(in, kSize), in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
      const double ideal = double(kSize) * double(i + 1) / 55.0;
      INFO("weight " << i + 1 << ": " << c[i] << " slots, ideal " << ideal);
      CHECK(std::abs(double(c[i]) - ideal) <= 0.02 * ideal);
      CHECK(std::abs(double(c[i]) - ideal) < 1.0);
    }
  }
  SECTION("random weights 1..10, up to 64 backends") {
    std::mt19937 rng(42);
    for (int trial = 0; trial < 50; ++trial) {
      std::vector<MaglevBackend> in = backends(1 + rng() % 64, std::size_t(trial) * 64);
      double sum = 0;
      for (auto& b : in) sum += b.weight = std::uint16_t(1 + rng() % 10);
      const auto c = counts(maglev_table(in, kSize), in.size());
      for (std::size_t i = 0; i < in.size(); ++i) {
        const double ideal = double(kSize) * in[i].weight / sum;
        INFO("trial " << trial << ", backend " << i << ": " << c[i] << ", ideal " << ideal);
        CHECK(std::abs(double(c[i]) - ideal) < 1.0);
      }
    }
  }
  SECTION("extreme weights") {
    std::vector<MaglevBackend> in = {backend("10.0.0.1", 65535), backend("10.0.0.2", 1)};
    const auto c = counts(maglev_table(in, 8192), in.size());
    CHECK(c[0] == 8192);  // 8192 / 65536 of a slot rounds to none
    in[1].weight = 8;
    CHECK(counts(maglev_table(in, 8192), in.size())[1] == 1);  // 8192 * 8 / 65543 = 0.9999
  }
}

TEST_CASE("weight 0 takes no slots and changes nothing", "[maglev]") {
  CHECK(maglev_table({}, kSize).empty());
  std::vector<MaglevBackend> zeros = backends(5);
  for (auto& b : zeros) b.weight = 0;
  CHECK(maglev_table(zeros, kSize).empty());

  std::vector<MaglevBackend> in = backends(6);
  const auto without = keys_of(maglev_table(in, kSize), in);
  in.insert(in.begin() + 2, backend("10.0.0.200", 0));
  const auto table = maglev_table(in, kSize);
  CHECK(std::count(table.begin(), table.end(), 2) == 0);
  CHECK(keys_of(table, in) == without);
}

// Moving a backend's share is unavoidable; what Maglev bounds is the collateral movement
// between the others: at most 1.5x the ideal share for N <= 64. Exact balance (shares within
// one slot) costs about 0.8 * sqrt(table size) slots of rebalancing per change, which is why
// the data plane's table has 16384 slots: with 8192 this algorithm measured 1.74x worst at
// N = 64 (classic Maglev: 2.2x); with 16384, 1.43x worst and 1.35x mean. See lib/control/maglev.cpp.
TEST_CASE("adding or removing one backend moves little more than its share", "[maglev]") {
  double worst_mean = 0;
  for (std::size_t n = 2; n <= 64; ++n) {
    const double limit = 1.5;
    const auto all = backends(n + 1);
    const std::vector<MaglevBackend> in(all.begin(), all.end() - 1);
    const auto before = keys_of(maglev_table(in, kSize), in);

    const double added = double(moved(before, keys_of(maglev_table(all, kSize), all)));
    INFO("adding the backend number " << n + 1 << " moved " << added << " slots");
    CHECK(added <= limit * double(kSize) / double(n + 1));

    double sum = 0;
    for (std::size_t r = 0; r < n; ++r) {
      auto less = in;
      less.erase(less.begin() + std::ptrdiff_t(r));
      const double m = double(moved(before, keys_of(maglev_table(less, kSize), less)));
      INFO("removing backend " << r << " of " << n << " moved " << m << " slots");
      CHECK(m <= limit * double(kSize) / double(n));
      sum += m / (double(kSize) / double(n));
    }
    worst_mean = std::max(worst_mean, sum / double(n));
  }
  CHECK(worst_mean <= 1.4);
}

TEST_CASE("the table depends only on the set of backends, not their order", "[maglev]") {
  std::mt19937 rng(7);
  for (std::size_t n : {2, 3, 10, 64, 255}) {
    std::vector<MaglevBackend> in = backends(n);
    for (auto& b : in) b.weight = std::uint16_t(rng() % 4);  // zeros included
    in.push_back(backend(fmt::format("2001:db8::{:x}", n), 3));
    const auto reference = keys_of(maglev_table(in, kSize), in);
    REQUIRE(!reference.empty());
    CHECK(keys_of(maglev_table(in, kSize), in) == reference);  // same input, same table
    for (int round = 0; round < 5; ++round) {
      std::shuffle(in.begin(), in.end(), rng);
      INFO("backends: " << n << ", shuffle " << round);
      CHECK(keys_of(maglev_table(in, kSize), in) == reference);
    }
  }
}

// Computed once from this implementation. If this test fails, the table changed for every
// existing deployment: balancers of different releases would disagree about backends, and
// flows would move on upgrade. Change it only deliberately, and say so in the release notes.
TEST_CASE("golden table", "[maglev]") {
  const std::vector<MaglevBackend> in = {backend("10.0.0.1", 1), backend("10.0.0.2", 1),
                                         backend("10.0.0.3", 2), backend("2001:db8::1", 3)};
  constexpr std::size_t kGolden = 8192;  // any fixed size pins the algorithm
  const auto table = maglev_table(in, kGolden);
  REQUIRE(table.size() == kGolden);
  CHECK(counts(table, in.size()) == std::vector<std::size_t>{1170, 1170, 2341, 3511});

  std::string head;
  for (std::size_t s = 0; s < 32; ++s) head += char('0' + table[s]);
  CHECK(head == "32032133321223213233132021220213");
  std::uint64_t fnv = 0xcbf29ce484222325ULL;  // FNV-1a over the whole table
  for (auto i : table) fnv = (fnv ^ i) * 0x100000001b3ULL;
  CHECK(fmt::format("{:016x}", fnv) == "448f9f49e17ee41c");
  CHECK(table[kGolden - 1] == 2);
}

TEST_CASE("small and invalid table sizes", "[maglev]") {
  const auto in = backends(3);
  CHECK(maglev_table(in, 1).size() == 1);
  CHECK(counts(maglev_table(in, 2), 3) == std::vector<std::size_t>{1, 1, 0});
  for (std::size_t size : {0, 3, 100, 8191}) {
    INFO("size " << size);
    CHECK_THROWS_MATCHES(maglev_table(in, size), xvs::Error,
                         Catch::Predicate<xvs::Error>([](const xvs::Error& e) {
                           return e.code() == xvs::Errc::invalid_argument;
                         }));
  }
}

// How long a build takes is measured, not asserted here (a loaded or instrumented machine is
// slower): xvs-bench's control/maglev/* figures, with a 1 ms target for 255 backends
// (docs/performance.md).
