// SPDX-License-Identifier: Apache-2.0
// xvsd's log lines (cmd/xvsd/log): logfmt, quoting only what needs it, and values from the
// network (request paths, replies) unable to forge a line or a field.
#include <catch2/catch.hpp>

#include "log/log.hpp"

using xvsd::logfmt;

TEST_CASE("log lines are logfmt, quoting only what needs it") {
  CHECK(logfmt("backend_down", {{"backend", "10.0.0.1"}, {"reason", "status 503"}}) ==
        "event=backend_down backend=10.0.0.1 reason=\"status 503\"");
  CHECK(logfmt("http_listening", {{"address", "[::]:9180"}}) ==
        "event=http_listening address=[::]:9180");
  CHECK(logfmt("x", {{"a", ""}, {"b", "a=b"}}) == "event=x a=\"\" b=\"a=b\"");
}

TEST_CASE("log lines: an untrusted value cannot forge a line or a field") {
  CHECK(logfmt("http_request_failed", {{"path", "/x\nevent=forged a=\"b\\"}}) ==
        R"(event=http_request_failed path="/x\x0aevent=forged a=\"b\\")");
  CHECK(logfmt("x", {{"b", "say \"hi\"\r\n\x7f"}}) == R"(event=x b="say \"hi\"\x0d\x0a\x7f")");
}
