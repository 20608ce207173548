// SPDX-License-Identifier: Apache-2.0
// BIRD's control-socket reply lines and the BIRD file xvsd generates.
#include <catch2/catch.hpp>

#include "bird_config.hpp"
#include "bird_control.hpp"

using namespace xvsd::rhi;

TEST_CASE("reply lines: continuation, end, and the text of a continued code") {
  Reply r;
  CHECK_FALSE(parse_reply_line("0002-Reading configuration from /etc/bird/bird.conf", r));
  CHECK(parse_reply_line("0003 Reconfigured", r));
  CHECK(r.ok());
  CHECK(r.final_code == 3);
  CHECK(r.text() == "Reading configuration from /etc/bird/bird.conf; Reconfigured");

  Reply e;
  CHECK_FALSE(parse_reply_line("8002-/etc/bird/xvsd.conf:3:9 syntax error", e));
  CHECK_FALSE(parse_reply_line(" more detail", e));
  CHECK(parse_reply_line("8002 done", e));
  CHECK_FALSE(e.ok());
  CHECK(e.lines[1].code == 0);

  Reply bad;
  CHECK_THROWS_WITH(parse_reply_line("hello", bad), Catch::Contains("\"hello\""));
  CHECK_THROWS(parse_reply_line("12a4 x", bad));
  CHECK_THROWS(parse_reply_line("1234+x", bad));
}

TEST_CASE("the include file announces each healthy VIP as a host route, by family") {
  const std::set<xvs::IPAddr> vips{xvs::IPAddr::parse("192.0.2.10"),
                                   xvs::IPAddr::parse("2001:db8::10")};
  const std::string text = render_bird_include(vips, {});
  CHECK_THAT(text, Catch::Contains("protocol static xvsd_vips4 {\n  ipv4 { import all; export none; };\n"
                                   "  route 192.0.2.10/32 blackhole;\n}"));
  CHECK_THAT(text, Catch::Contains("protocol static xvsd_vips6 {\n  ipv6 { import all; export none; };\n"
                                   "  route 2001:db8::10/128 blackhole;\n}"));
  CHECK_THAT(text, !Catch::Contains("protocol bgp"));
  // With nothing healthy the protocols stay (empty), so BIRD withdraws rather than errs.
  const std::string none = render_bird_include({}, {});
  CHECK_THAT(none, Catch::Contains("protocol static xvsd_vips4"));
  CHECK_THAT(none, !Catch::Contains("blackhole"));
}

TEST_CASE("a bgp section becomes one session per peer exporting only our routes") {
  xvsd::BgpConfig bgp;
  bgp.configured = true;
  bgp.as_number = 65000;
  bgp.hold_time = 3;
  bgp.peers = {xvs::IPAddr::parse("10.1.10.254"), xvs::IPAddr::parse("fd00::fe")};
  bgp.communities = {"65000:100"};
  const std::string text = render_bird_include({}, bgp);
  CHECK_THAT(text, Catch::Contains("protocol bgp xvsd_peer1 {\n  local as 65000;\n"
                                   "  neighbor 10.1.10.254 as 65000;\n  hold time 3;\n  ipv4 {"));
  CHECK_THAT(text, Catch::Contains(
                       "if proto = \"xvsd_vips4\" then { bgp_community.add((65000,100)); accept; }"));
  CHECK_THAT(text, Catch::Contains("neighbor fd00::fe as 65000;"));
  CHECK_THAT(text, Catch::Contains("if proto = \"xvsd_vips6\""));
  CHECK_THAT(text, Catch::Contains("import none;"));
}
