// SPDX-License-Identifier: Apache-2.0
// Malformed configurations: each is refused with a message naming the file, the line and the
// field. The table holds the exact messages.
#include <catch2/catch.hpp>

#include "config/config.hpp"

namespace {

struct Case {
  const char* what;
  const char* yaml;
  const char* message;
};

// A valid service to build on: line 2 onwards.
#define SVC "services:\n  - name: web\n    virtual: 192.0.2.1\n    servers: [10.0.0.11]\n"

const Case cases[] = {
    {"empty file", "", "t.yaml:1: the file is empty"},
    {"syntax", "services: [\n", "t.yaml:2: YAML syntax: end of sequence flow not found"},
    {"not a mapping", "- a\n- b\n", "t.yaml:1: the document: expected a mapping, got a list"},
    {"no services", "vlans: {}\n", "t.yaml:1: services: missing (a list of services)"},
    {"services not a list", "services: web\n", "t.yaml:1: services: expected a list, got \"web\""},
    {"unknown top-level key", SVC "servrs: {}\n", "t.yaml:5: servrs: unknown setting"},
    {"service not a mapping", "services:\n  - web\n",
     "t.yaml:2: services[0]: expected a mapping, got \"web\""},
    {"no name", "services:\n  - virtual: 192.0.2.1\n    servers: [10.0.0.11]\n",
     "t.yaml:2: services[0].name: missing"},
    {"name with space", "services:\n  - name: my web\n    virtual: 192.0.2.1\n    servers: [10.0.0.11]\n",
     "t.yaml:2: services[0].name: \"my web\" must be a short label without spaces or quotes"},
    {"no virtual", "services:\n  - name: web\n    servers: [10.0.0.11]\n",
     "t.yaml:2: services[0].virtual: missing (a VIP or a list of VIPs)"},
    {"bad VIP", "services:\n  - name: web\n    virtual: 192.0.2.300\n    servers: [10.0.0.11]\n",
     "t.yaml:3: services[0].virtual: \"192.0.2.300\" is not an IP address"},
    {"loopback VIP", "services:\n  - name: web\n    virtual: [192.0.2.1, 127.0.0.1]\n    servers: [10.0.0.11]\n",
     "t.yaml:3: services[0].virtual[1]: a VIP cannot be 127.0.0.1 (unspecified, loopback or multicast)"},
    {"empty virtual list", "services:\n  - name: web\n    virtual: []\n    servers: [10.0.0.11]\n",
     "t.yaml:3: services[0].virtual: no virtual addresses"},
    {"no servers", "services:\n  - name: web\n    virtual: 192.0.2.1\n",
     "t.yaml:2: services[0].servers: missing (a list of real servers)"},
    {"bad server", "services:\n  - name: web\n    virtual: 192.0.2.1\n    servers: [10.0.0.11, 10.0.0]\n",
     "t.yaml:4: services[0].servers[1]: \"10.0.0\" is not an IP address"},
    {"multicast server", "services:\n  - name: web\n    virtual: 192.0.2.1\n    servers: [224.0.0.5]\n",
     "t.yaml:4: services[0].servers[0]: a server cannot be 224.0.0.5 (unspecified, loopback or multicast)"},
    {"server twice", "services:\n  - name: web\n    virtual: 192.0.2.1\n    servers: [10.0.0.11, 10.0.0.11]\n",
     "t.yaml:4: services[0].servers[1]: server 10.0.0.11 is listed twice"},
    {"unknown server group", "services:\n  - name: web\n    virtual: 192.0.2.1\n    servers: pool\n",
     "t.yaml:4: services[0].servers: no server group \"pool\" in servers"},
    {"bad weight", "services:\n  - name: web\n    virtual: 192.0.2.1\n    servers:\n      10.0.0.11: {weight: heavy}\n",
     "t.yaml:5: services[0].servers.10.0.0.11.weight: expected a whole number 0..65535, got \"heavy\""},
    {"need too many", SVC "    need: 2\n",
     "t.yaml:5: services[0].need: need 2 is more than the 1 servers"},
    {"negative need", SVC "    need: -1\n",
     "t.yaml:5: services[0].need: expected a whole number 0..65535, got \"-1\""},
    {"sticky not boolean", SVC "    sticky: maybe\n",
     "t.yaml:5: services[0].sticky: expected true or false, got \"maybe\""},
    {"unknown service key", SVC "    polcy: {http: }\n",
     "t.yaml:5: services[0].polcy: unknown setting"},
    {"unknown policy port", SVC "    policy:\n      gopher:\n",
     "t.yaml:6: services[0].policy.gopher: not a port: use http, https, dns, dns/udp, dns/tcp, domain, PORT, PORT/tcp or PORT/udp"},
    {"port out of range", SVC "    policy:\n      70000:\n",
     "t.yaml:6: services[0].policy.70000: not a port: use http, https, dns, dns/udp, dns/tcp, domain, PORT, PORT/tcp or PORT/udp"},
    {"bad protocol", SVC "    policy:\n      53/sctp:\n",
     "t.yaml:6: services[0].policy.53/sctp: \"sctp\" is not tcp or udp"},
    {"unknown named policy", SVC "    policy: web\n",
     "t.yaml:5: services[0].policy: no policy \"web\" in policy"},
    {"checks not a list", SVC "    policy:\n      http:\n        checks: {type: http}\n",
     "t.yaml:7: services[0].policy.http.checks: expected a list of checks"},
    {"check without type", SVC "    policy:\n      http:\n        checks:\n          - path: /\n",
     "t.yaml:8: services[0].policy.http.checks[0].type: missing (http, https, syn, tcp, dns or dnstcp)"},
    {"unknown check type", SVC "    policy:\n      http:\n        checks:\n          - type: icmp\n",
     "t.yaml:8: services[0].policy.http.checks[0].type: unknown check type \"icmp\" (http, https, syn, tcp, dns or dnstcp)"},
    {"expect out of range", SVC "    policy:\n      http:\n        checks:\n          - type: http\n            expect: 42\n",
     "t.yaml:9: services[0].policy.http.checks[0].expect: expected a whole number 100..599, got \"42\""},
    {"bad method", SVC "    policy:\n      http:\n        checks:\n          - type: http\n            method: POST\n",
     "t.yaml:9: services[0].policy.http.checks[0].method: \"POST\" is not GET or HEAD"},
    {"bad path", SVC "    policy:\n      http:\n        checks:\n          - type: http\n            path: alive\n",
     "t.yaml:9: services[0].policy.http.checks[0].path: \"alive\" is not a path (starts with /, no spaces)"},
    {"check port zero", SVC "    policy:\n      http:\n        checks:\n          - type: syn\n            port: 0\n",
     "t.yaml:9: services[0].policy.http.checks[0].port: expected a whole number 1..65535, got \"0\""},
    {"unknown check key", SVC "    policy:\n      http:\n        checks:\n          - type: http\n            expected: 200\n",
     "t.yaml:9: services[0].policy.http.checks[0].expected: unknown setting"},
    {"bad interval", SVC "    interval: soon\n",
     "t.yaml:5: services[0].interval: expected a duration from 10ms to 3600s (\"2\", \"0.5s\", \"500ms\"), got \"soon\""},
    {"timeout longer than interval", SVC "    interval: 1\n    timeout: 2\n",
     "t.yaml:6: services[0].timeout: timeout 2000ms is longer than the interval 1000ms"},
    {"rise zero", SVC "    rise: 0\n",
     "t.yaml:5: services[0].rise: expected a whole number 1..100, got \"0\""},
    {"unknown tunnel", SVC "    tunnel-type: vxlan\n",
     "t.yaml:5: services[0].tunnel-type: unknown tunnel type \"vxlan\" (none, ipip, gre, fou or gue)"},
    {"fou without port", SVC "    tunnel-type: fou\n",
     "t.yaml:5: services[0].tunnel-port: missing: tunnel type fou needs a UDP port"},
    {"port without fou", SVC "    tunnel-type: gre\n    tunnel-port: 6080\n",
     "t.yaml:6: services[0].tunnel-port: only the fou and gue tunnel types take a port"},
    {"duplicate service",
     SVC "  - name: web2\n    virtual: 192.0.2.1\n    servers: [10.0.0.12]\n    policy:\n      80:\n",
     "t.yaml:6: services[1].policy.80: 192.0.2.1:80/tcp is already a service (line 2)"},
    {"vlan id out of range", "vlans:\n  4095: 10.0.0.0/24\n" SVC,
     "t.yaml:2: vlans.4095: expected a whole number 1..4094, got \"4095\""},
    {"vlan prefix bad", "vlans:\n  10: 10.0.0.0\n" SVC,
     "t.yaml:2: vlans.10: \"10.0.0.0\" is not a prefix such as 10.1.2.0/24"},
    {"vlan two IPv4 prefixes", "vlans:\n  10: [10.0.0.0/24, 10.0.1.0/24]\n" SVC,
     "t.yaml:2: vlans.10: VLAN 10 has two IPv4 prefixes"},
    {"route to unknown vlan", "vlans:\n  10: 10.0.0.0/24\nroutes:\n  10.9.0.0/16: 20\n" SVC,
     "t.yaml:4: routes.10.9.0.0/16: VLAN 20 is not in vlans"},
    {"bgp bad peer", "bgp:\n  as_number: 65000\n  peers: [10.0.0.1, router]\n" SVC,
     "t.yaml:3: bgp.peers[1]: \"router\" is not an IP address"},
    {"bgp bad asn", "bgp:\n  as_number: 0\n" SVC,
     "t.yaml:2: bgp.as_number: expected a whole number 1..4294967295, got \"0\""},
    {"bgp bad community", "bgp:\n  communities: [\"65000-1\"]\n" SVC,
     "t.yaml:2: bgp.communities[0]: \"65000-1\" is not a community ASN:VALUE (each 0..65535)"},
    {"bgp hold time", "bgp:\n  hold_time: 2\n" SVC,
     "t.yaml:2: bgp.hold_time: BGP hold time must be 0 or at least 3"},
    {"bgp unknown key", "bgp:\n  asn: 65000\n" SVC, "t.yaml:2: bgp.asn: unknown setting"},
    {"bgp and rhi", "bgp: {}\nrhi: {}\n" SVC,
     "t.yaml:2: rhi: give either bgp or its older name rhi, not both"},
    {"flow_sharing not a mapping", "flow_sharing: yes\n" SVC,
     "t.yaml:1: flow_sharing: expected a mapping, got \"yes\""},
    {"flow_sharing no address", "flow_sharing:\n  peers: [10.0.0.3]\n  key_file: k\n" SVC,
     "t.yaml:2: flow_sharing.address: missing (this balancer's address)"},
    {"flow_sharing bad address", "flow_sharing:\n  address: lb-a\n" SVC,
     "t.yaml:2: flow_sharing.address: \"lb-a\" is not an IP address"},
    {"flow_sharing no peers", "flow_sharing:\n  address: 10.0.0.2\n  key_file: k\n" SVC,
     "t.yaml:2: flow_sharing.peers: missing (the other balancers)"},
    {"flow_sharing empty peers", "flow_sharing:\n  address: 10.0.0.2\n  peers: []\n" SVC,
     "t.yaml:3: flow_sharing.peers: expected a list of addresses"},
    {"flow_sharing peer of another family",
     "flow_sharing:\n  address: 10.0.0.2\n  peers: [10.0.0.3, fd00::3]\n" SVC,
     "t.yaml:3: flow_sharing.peers[1]: fd00::3 is not of the family of address 10.0.0.2"},
    {"flow_sharing peer is self", "flow_sharing:\n  address: 10.0.0.2\n  peers: [10.0.0.2]\n" SVC,
     "t.yaml:3: flow_sharing.peers[0]: 10.0.0.2 is this balancer's address"},
    {"flow_sharing peer twice",
     "flow_sharing:\n  address: 10.0.0.2\n  peers: [10.0.0.3, 10.0.0.3]\n" SVC,
     "t.yaml:3: flow_sharing.peers[1]: peer 10.0.0.3 is listed twice"},
    {"flow_sharing no key",
     "flow_sharing:\n  address: 10.0.0.2\n  peers: [10.0.0.3]\n" SVC,
     "t.yaml:2: flow_sharing.key_file: missing (a file of 64 hexadecimal digits)"},
    {"flow_sharing bad port",
     "flow_sharing:\n  address: 10.0.0.2\n  peers: [10.0.0.3]\n  key_file: k\n  port: 0\n" SVC,
     "t.yaml:5: flow_sharing.port: expected a whole number 1..65535, got \"0\""},
    {"flow_sharing bad rate",
     "flow_sharing:\n  address: 10.0.0.2\n  peers: [10.0.0.3]\n  key_file: k\n  rate: fast\n" SVC,
     "t.yaml:5: flow_sharing.rate: expected a whole number 1..10000000, got \"fast\""},
    {"flow_sharing unknown key", "flow_sharing:\n  adress: 10.0.0.2\n" SVC,
     "t.yaml:2: flow_sharing.adress: unknown setting"},
    {"bird no include", "bird:\n  socket: /run/bird/bird.ctl\n" SVC,
     "t.yaml:2: bird.include: missing (the file xvsd writes for bird.conf)"},
    {"bird bad drain", "bird:\n  include: /run/xvsd/bird.conf\n  drain: -1\n" SVC,
     "t.yaml:3: bird.drain: expected a whole number 0..3600, got \"-1\""},
    {"bird unknown key", "bird:\n  include: x\n  control: y\n" SVC,
     "t.yaml:3: bird.control: unknown setting"},
    {"webserver port", "webserver: 99999\n" SVC,
     "t.yaml:1: webserver: expected a whole number 1..65535, got \"99999\""},
};

}  // namespace

TEST_CASE("malformed configurations are refused with file, line and field") {
  STATIC_REQUIRE(std::size(cases) >= 30);
  for (const Case& c : cases) {
    INFO(c.what);
    std::string got;
    try {
      xvsd::parse_config(c.yaml, "t.yaml");
    } catch (const xvsd::ConfigError& e) {
      got = e.what();
    }
    CHECK(got == c.message);
  }
}

TEST_CASE("a file that cannot be read is named") {
  CHECK_THROWS_WITH(xvsd::load_config("/nonexistent/xvsd.yaml"),
                    "/nonexistent/xvsd.yaml: cannot be read");
}
