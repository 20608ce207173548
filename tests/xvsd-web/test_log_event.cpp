// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include "log_event.hpp"

using xvsd::web::format_event;

TEST_CASE("log lines: key=value, quoting only what needs it") {
  CHECK(format_event("listening", {{"address", "[::]:9180"}}) ==
        "xvsd: component=http event=listening address=[::]:9180");
  CHECK(format_event("request-failed", {{"error", "no snapshot"}, {"path", ""}}) ==
        R"(xvsd: component=http event=request-failed error="no snapshot" path="")");
}

TEST_CASE("log lines: an untrusted value cannot forge a line or a field") {
  CHECK(format_event("request-failed", {{"path", "/x\nxvsd: event=forged a=\"b\\"}}) ==
        R"(xvsd: component=http event=request-failed path="/x\x0axvsd: event=forged a=\"b\\")");
}
