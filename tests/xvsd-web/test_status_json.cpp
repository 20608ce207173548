// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include "sample_status.hpp"
#include "status_json.hpp"

TEST_CASE("status.json: the document of a small status") {
  const auto j = xvsd::web::status_json(xvsd::test::sample_status());
  CHECK(j.dump(2) == R"(EXPECTED)");
}
