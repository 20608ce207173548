// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include "exposition.hpp"
#include "metrics.hpp"
#include "sample_status.hpp"

using namespace xvsd::web;

TEST_CASE("metrics: exact text of a small status") {
  CHECK(render_metrics(xvsd::test::sample_status()) == R"(EXPECTED)");
}

TEST_CASE("metrics: label values escape backslash, double quote and line feed") {
  CHECK(escape_label_value(R"(a\b"c)" "\nd") == R"(a\\b\"c\nd)");
  CHECK(escape_label_value("plain:80/tcp") == "plain:80/tcp");

  auto st = xvsd::test::sample_status();
  st.vips[0].services[0].name = "say \"hi\"\\\n";
  const auto text = render_metrics(st);
  CHECK_THAT(text, Catch::Contains(
                       R"(xvsd_service_healthy{vip="192.0.2.1",service="192.0.2.1:80/tcp",)"
                       R"(service_name="say \"hi\"\\\n"} 1)"));
  // The raw line feed never reaches the output: every line is a comment or a sample.
  std::size_t start = 0;
  while (start < text.size()) {
    const auto end = text.find('\n', start);
    const auto line = text.substr(start, end - start);
    CHECK((line.starts_with("# HELP xvsd_") || line.starts_with("# TYPE xvsd_") ||
           line.starts_with("xvsd_")));
    start = end + 1;
  }
}

TEST_CASE("metrics: a family's samples stay together after its HELP and TYPE") {
  Exposition e;
  const Family a{"a_total", "counter", "A, with a \\ and a\nline feed."};
  const Family b{"b", "gauge", "B."};
  e.add(a, {{"x", "1"}}, std::uint64_t{1});
  e.add(b, {}, 0.5);
  e.add(a, {{"x", "2"}}, std::uint64_t{2});
  CHECK(e.text() ==
        "# HELP a_total A, with a \\\\ and a\\nline feed.\n# TYPE a_total counter\n"
        "a_total{x=\"1\"} 1\na_total{x=\"2\"} 2\n"
        "# HELP b B.\n# TYPE b gauge\nb 0.5\n");
}
