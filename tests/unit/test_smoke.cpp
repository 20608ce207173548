// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>
#include <xvs/error.hpp>

TEST_CASE("Error carries its code and message") {
  xvs::Error e(xvs::Errc::capacity, "too many services: 1025");
  CHECK(e.code() == xvs::Errc::capacity);
  CHECK(std::string(e.what()) == "too many services: 1025");
  CHECK(std::string(xvs::to_string(xvs::Errc::service_not_found)) == "service_not_found");
}
