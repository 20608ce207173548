// SPDX-License-Identifier: Apache-2.0
// xvs::Client against the real kernel: construction and teardown on a veth, the service and
// destination API with its errors, and that a failed call changes nothing.
#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>

#include <xvs/xvs.hpp>

#include "../support/netns.hpp"
#include "client_state.hpp"

using namespace xvs;
using xvs::test::error_of;
using xvs::test::Network;
using xvs::test::ScopedNetns;
using xvs::test::State;
using xvs::test::state_of;

namespace {

bool xdp_attached(const char* dev) {
  return std::system(
             (std::string("ip -o link show dev ") + dev + " | grep -q ' xdp'").c_str()) == 0;
}

Service web(const char* vip = "192.0.2.10", std::uint16_t port = 80) {
  return Service{IPAddr::parse(vip), port, Protocol::TCP, false};
}

Destination real(const char* addr, std::uint16_t weight = 1) {
  Destination d;
  d.address = IPAddr::parse(addr);
  d.weight = weight;
  return d;
}

}  // namespace

TEST_CASE("a client attaches to its interfaces and detaches when destroyed") {
  Network net;
  {
    Client c({"v0"}, xvs::test::small_options());
    CHECK(xdp_attached("v0"));
    CHECK_FALSE(xdp_attached("v1"));
  }
  CHECK_FALSE(xdp_attached("v0"));
}

TEST_CASE("a failed construction throws a clear error and leaves nothing attached") {
  Network net;
  auto message = [](auto&& make) -> std::string {
    try {
      make();
    } catch (const Error& e) {
      return e.what();
    }
    return "no error";
  };
  CHECK(error_of([] { Client c({}, xvs::test::small_options()); }) == Errc::invalid_argument);
  CHECK_THAT(message([] { Client c({"v0", "nope-xvs0"}, xvs::test::small_options()); }),
             Catch::Matchers::Contains("unknown interface \"nope-xvs0\""));
  CHECK(error_of([] { Client c({"v0", "v0"}, xvs::test::small_options()); }) == Errc::invalid_argument);

  Options bad_vlan = xvs::test::small_options();
  bad_vlan.ipv4_vlans[5000] = Prefix::parse("10.0.0.1/24");
  CHECK_THAT(message([&] { Client c({"v0"}, bad_vlan); }),
             Catch::Matchers::Contains("VLAN ID 5000"));

  Options garbage = xvs::test::small_options();
  garbage.bpf_program = {1, 2, 3, 4, 5};
  CHECK(error_of([&] { Client c({"v0", "v1"}, garbage); }) == Errc::invalid_argument);
  CHECK_FALSE(xdp_attached("v0"));
  CHECK_FALSE(xdp_attached("v1"));
}

TEST_CASE("Options::bpf_program replaces the embedded data plane") {
  Network net;
  std::ifstream f(XVS_TEST_BPF_OBJECT, std::ios::binary);
  REQUIRE(f);
  Options o = xvs::test::small_options();
  o.bpf_program.assign(std::istreambuf_iterator<char>(f), {});

  SECTION("the same object given as a plain ELF file works") {
    Client c({"v0"}, o);
    CHECK(xdp_attached("v0"));
  }
  SECTION("a different object is really the one loaded: one lacking our maps is refused") {
    std::ifstream alt(XVS_TEST_ALT_BPF_OBJECT, std::ios::binary);
    REQUIRE(alt);
    o.bpf_program.assign(std::istreambuf_iterator<char>(alt), {});
    CHECK(error_of([&] { Client c({"v0"}, o); }) == Errc::system);
    CHECK_FALSE(xdp_attached("v0"));
  }
}

TEST_CASE("services and destinations: create, update, list, remove") {
  Network net;
  Client c({"v0"}, xvs::test::small_options());
  const Service s = web();

  c.create_service(s);
  CHECK(error_of([&] { c.create_service(s); }) == Errc::service_exists);
  REQUIRE(c.services().size() == 1);
  CHECK(c.service(s).service == s);
  REQUIRE(c.vips().size() == 1);
  CHECK(c.vip(s.address).address == s.address);

  Service sticky = s;
  sticky.sticky = true;
  c.update_service(sticky);
  CHECK(c.service(s).service.sticky);

  c.create_destination(s, real("10.0.0.2"));
  CHECK(error_of([&] { c.create_destination(s, real("10.0.0.2")); }) ==
        Errc::destination_exists);
  Destination heavier = real("10.0.0.2", 5);
  c.update_destination(s, heavier);
  auto ds = c.destinations(s);
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].destination == heavier);
  CHECK(ds[0].mac == MAC{});  // nobody answers ARP on v1: unresolved

  CHECK(error_of([&] { c.update_destination(s, real("10.0.0.9")); }) ==
        Errc::destination_not_found);
  CHECK(error_of([&] { c.remove_destination(s, real("10.0.0.9")); }) ==
        Errc::destination_not_found);
  CHECK(error_of([&] { c.destinations(web("192.0.2.99")); }) == Errc::service_not_found);
  CHECK(error_of([&] { c.create_destination(web("192.0.2.99"), real("10.0.0.3")); }) ==
        Errc::service_not_found);

  c.remove_destination(s, heavier);
  CHECK(c.destinations(s).empty());
  c.remove_service(s);
  CHECK(c.services().empty());
  CHECK(c.vips().empty());
  CHECK(error_of([&] { c.remove_service(s); }) == Errc::service_not_found);
  CHECK(error_of([&] { c.vip(s.address); }) == Errc::service_not_found);
}

TEST_CASE("set_service makes the destinations exactly the given list") {
  Network net;
  Client c({"v0"}, xvs::test::small_options());
  const Service s = web("2001:db8::10", 443);

  c.set_service(s, {real("10.0.0.2"), real("10.0.0.3"), real("fd00::4")});
  CHECK(c.destinations(s).size() == 3);

  Destination off = real("10.0.0.3");
  off.disable = true;
  c.set_service(s, {real("10.0.0.2", 3), off, real("10.0.0.5")});
  State st = state_of(c);
  REQUIRE(st.destinations.size() == 1);
  std::vector<Destination> want{real("10.0.0.2", 3), off, real("10.0.0.5")};
  CHECK(st.destinations[0] == want);  // ordered by address

  c.set_service(s, {});
  CHECK(c.destinations(s).empty());
  CHECK(c.services().size() == 1);
}

TEST_CASE("invalid calls throw and change nothing") {
  Network net;
  Client c({"v0"}, xvs::test::small_options());
  c.set_service(web(), {real("10.0.0.2"), real("10.0.0.3")});
  const State before = state_of(c);

  Destination fou = real("10.0.0.7");
  fou.tunnel_type = TunnelType::FOU;  // no tunnel_port
  CHECK(error_of([&] { c.create_service(web("0.0.0.0")); }) == Errc::invalid_argument);
  CHECK(error_of([&] { c.create_service(web("192.0.2.11", 0)); }) == Errc::invalid_argument);
  CHECK(error_of([&] { c.set_service(web("127.0.0.1"), {}); }) == Errc::invalid_argument);
  CHECK(error_of([&] { c.set_service(web(), {real("10.0.0.2"), fou}); }) ==
        Errc::invalid_argument);
  CHECK(error_of([&] { c.set_service(web(), {real("10.0.0.4"), real("10.0.0.4")}); }) ==
        Errc::invalid_argument);
  CHECK(error_of([&] { c.create_destination(web(), real("224.0.0.1")); }) ==
        Errc::invalid_argument);
  Config bad;
  bad.ipv4_vlans[1] = Prefix::parse("fd00::1/64");
  CHECK(error_of([&] { c.set_config(bad); }) == Errc::invalid_argument);

  CHECK(state_of(c) == before);
}

TEST_CASE("capacity: 255 enabled destinations per service, and the service limit") {
  Network net;
  Client c({"v0"}, xvs::test::small_options());
  std::vector<Destination> ds;
  for (int i = 0; i < 256; i++)
    ds.push_back(real(fmt::format("10.1.{}.{}", i / 200, 1 + i % 200).c_str()));

  std::vector<Destination> most(ds.begin(), ds.begin() + 255);
  c.set_service(web(), most);
  const State before = state_of(c);
  CHECK(error_of([&] { c.set_service(web(), ds); }) == Errc::capacity);
  CHECK(error_of([&] { c.create_destination(web(), ds.back()); }) == Errc::capacity);
  CHECK(state_of(c) == before);

  Destination spare = ds.back();
  spare.disable = true;  // a disabled destination takes no Maglev slot, so it fits
  c.create_destination(web(), spare);
  CHECK(c.destinations(web()).size() == 256);

  c.set_service(web(), {});
  for (int i = 1; i < 1024; i++) c.create_service(web("192.0.2.10", std::uint16_t(1000 + i)));
  CHECK(c.services().size() == 1024);
  const State full = state_of(c);
  CHECK(error_of([&] { c.create_service(web("192.0.2.20")); }) == Errc::capacity);
  CHECK(state_of(c) == full);
}

TEST_CASE("info, services, destinations and VIPs expose stats and documented metrics") {
  Network net;
  Client c({"v0"}, xvs::test::small_options());
  c.set_service(web(), {real("10.0.0.2")});
  Info i = c.info();
  for (const char* key : {"packets", "octets", "flows", "errors", "syn", "ack", "fin", "rst",
                          "not_a_vip", "err_no_backend", "forwarded"})
    CHECK(i.metrics.contains(key));
  CHECK(c.service(web()).metrics.contains("packets"));
  CHECK(c.destinations(web()).at(0).metrics.contains("flows"));
  CHECK(c.vip(web().address).metrics.contains("errors"));
}
