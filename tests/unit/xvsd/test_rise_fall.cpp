// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include "check/rise_fall.hpp"

TEST_CASE("the first result decides, then rise and fall count results in a row") {
  xvsd::RiseFall h(2, 3);
  CHECK_FALSE(h.known());
  CHECK(h.record(true));
  CHECK(h.healthy());
  CHECK_FALSE(h.record(false));
  CHECK_FALSE(h.record(false));
  CHECK_FALSE(h.record(true));   // the streak of failures is broken
  CHECK_FALSE(h.record(false));
  CHECK_FALSE(h.record(false));
  CHECK(h.record(false));        // three in a row
  CHECK_FALSE(h.healthy());
  CHECK_FALSE(h.record(true));
  CHECK(h.record(true));         // two in a row
  CHECK(h.healthy());
}
