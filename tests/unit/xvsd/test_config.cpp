// SPDX-License-Identifier: Apache-2.0
// vc5 configurations expand to one service per (VIP, port, protocol) with its checks.
#include <catch2/catch.hpp>

#include "config/config.hpp"

using xvs::IPAddr;
using xvs::Protocol;

namespace {

const xvsd::ServiceConfig& find(const xvsd::Config& c, const char* vip, std::uint16_t port,
                                Protocol p = Protocol::TCP) {
  for (const auto& s : c.services)
    if (s.service.address == IPAddr::parse(vip) && s.service.port == port && s.service.protocol == p)
      return s;
  FAIL("no service " << vip << ":" << port);
  throw;
}

}  // namespace

TEST_CASE("vc5's default policy is http and https with path and host") {
  auto c = xvsd::parse_config(R"(
services:
  - name: nginx
    virtual: [192.168.101.1, 192.168.101.2]
    servers: [10.1.10.1, 10.1.10.2]
    host: foo.example.com
    path: /alive
)", "t.yaml");
  REQUIRE(c.services.size() == 4);
  const auto& s = find(c, "192.168.101.2", 443);
  REQUIRE(s.checks.size() == 1);
  CHECK(s.checks[0].type == xvsd::CheckType::https);
  CHECK(s.checks[0].port == 443);
  CHECK(s.checks[0].path == "/alive");
  CHECK(s.checks[0].host == "foo.example.com");
  CHECK(s.checks[0].expect == 200);
  CHECK(s.need == 1);
  CHECK(s.backends.size() == 2);
  CHECK(s.timing == xvsd::CheckTiming{});
}

TEST_CASE("domain makes a UDP and a TCP service on port 53") {
  auto c = xvsd::parse_config("services:\n  - name: bind\n    virtual: 192.0.2.4\n"
                              "    servers: dns\n    policy:\n      domain:\n"
                              "servers:\n  dns: [10.0.0.1, 10.0.0.2]\n", "t.yaml");
  REQUIRE(c.services.size() == 2);
  CHECK(find(c, "192.0.2.4", 53, Protocol::UDP).checks.at(0).type == xvsd::CheckType::dns);
  CHECK(find(c, "192.0.2.4", 53, Protocol::TCP).checks.at(0).type == xvsd::CheckType::dnstcp);
}

TEST_CASE("flow_sharing and bird: settings and defaults") {
  auto c = xvsd::parse_config("flow_sharing:\n  address: 10.0.0.2\n  peers: [10.0.0.3, 10.0.0.4]\n"
                              "  key_file: /etc/xvsd/share.key\n  rate: 1000\n"
                              "bird:\n  include: /run/xvsd/bird.conf\n"
                              "services:\n  - name: web\n    virtual: 192.0.2.1\n"
                              "    servers: [10.0.0.11]\n", "t.yaml");
  CHECK(c.flow_sharing.configured);
  CHECK(c.flow_sharing.address == IPAddr::parse("10.0.0.2"));
  CHECK(c.flow_sharing.peers == std::vector{IPAddr::parse("10.0.0.3"), IPAddr::parse("10.0.0.4")});
  CHECK(c.flow_sharing.key_file == "/etc/xvsd/share.key");
  CHECK(c.flow_sharing.port == 9470);
  CHECK(c.flow_sharing.rate == 1000);
  CHECK(c.flow_sharing.burst == 5000);
  CHECK(c.flow_sharing.peer_wait == 10);
  CHECK(c.bird.include == "/run/xvsd/bird.conf");
  CHECK(c.bird.socket == "/run/bird/bird.ctl");
  CHECK(c.bird.drain == 3);

  auto none = xvsd::parse_config("services:\n  - name: web\n    virtual: 192.0.2.1\n"
                                 "    servers: [10.0.0.11]\n", "t.yaml");
  CHECK_FALSE(none.flow_sharing.configured);
  CHECK(none.bird.include.empty());
}

TEST_CASE("the sample configuration loads") {
  auto c = xvsd::load_config(XVSD_SAMPLE_CONFIG);
  CHECK(c.services.size() == 2 * 2 + 2 + 1);
  CHECK(c.ipv4_vlans.size() == 2);
  CHECK(c.ipv6_vlans.at(20).to_string() == "fd00:20::/64");
  CHECK(c.bgp.configured);
  CHECK(c.bgp.as_number == 65000);
  CHECK(c.bgp.hold_time == 9);
  CHECK(c.bgp.peers == std::vector{IPAddr::parse("10.1.10.254")});
  CHECK(c.bgp.communities == std::vector<std::string>{"65000:100"});
  CHECK(c.bgp.learn == 5);
  CHECK(c.webserver == ":8080");
  CHECK(c.bird.include == "/run/xvsd/bird.conf");
  CHECK(c.flow_sharing.peers == std::vector{IPAddr::parse("10.1.10.3")});
  const auto& web = find(c, "192.168.101.1", 80);
  CHECK(web.need == 2);
  CHECK(web.timing.rise == 2);
  CHECK(web.timing.fall == 3);
  const auto& api = find(c, "192.168.101.4", 8443);
  CHECK(api.service.sticky);
  CHECK(api.tunnel == xvs::TunnelType::GUE);
  CHECK(api.tunnel_port == 6080);
  REQUIRE(api.backends.size() == 3);
  CHECK(api.backends[0].weight == 2);
  CHECK(api.backends[2].disabled);
  REQUIRE(api.checks.size() == 2);
  CHECK(api.checks[0].type == xvsd::CheckType::https);
  CHECK(api.checks[0].port == 8443);
  CHECK(api.checks[0].expect == 204);
  CHECK(api.checks[1].type == xvsd::CheckType::syn);
  CHECK(api.checks[1].port == 8444);
}

TEST_CASE("policy ports, checks on other ports, timing and vc5 keys xvsd ignores") {
  auto c = xvsd::parse_config(R"(
multicast: 224.0.0.1:9999
services:
  - name: lines
    virtual: fd00:1::1
    servers: {fd00::11: b1, fd00::12: b2}
    leastconns: true
    interval: 500ms
    timeout: 0.4
    fall: 1
    policy:
      7000:
        need: 2
        checks:
          - type: http
            port: 8080
            method: HEAD
            expt: 204
      5000/udp:
)", "t.yaml");
  REQUIRE(c.services.size() == 2);
  const auto& lines = find(c, "fd00:1::1", 7000);
  CHECK(lines.need == 2);
  CHECK(lines.backends[1].name == "b2");
  CHECK(lines.timing.interval == std::chrono::milliseconds(500));
  CHECK(lines.timing.timeout == std::chrono::milliseconds(400));
  CHECK(lines.timing.fall == 1);
  CHECK(lines.checks.at(0).port == 8080);
  CHECK(lines.checks.at(0).method == "HEAD");
  CHECK(lines.checks.at(0).expect == 204);
  CHECK(find(c, "fd00:1::1", 5000, Protocol::UDP).checks.empty());
  REQUIRE(c.warnings.size() == 2);
  CHECK(c.warnings[0] == "t.yaml:2: .multicast: vc5 setting not used by xvsd");
  CHECK(c.warnings[1] == "t.yaml:7: services[0].leastconns: vc5 setting not used by xvsd");
}
