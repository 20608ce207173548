// SPDX-License-Identifier: Apache-2.0
// Control-plane misuse: every public method with arguments breaking each validation rule of
// docs/api.md, or naming what does not exist, throws the documented Errc and leaves services,
// destinations, VIPs and config exactly as they were; the destination capacity is exact.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <xvs/xvs.hpp>

#include "../support/netns.hpp"
#include "client_state.hpp"
#include "dataplane/flows.hpp"

using namespace xvs;
using xvs::test::error_of;
using xvs::test::Network;
using xvs::test::ScopedNetns;
using xvs::test::state_of;

namespace {

Service svc(const IPAddr& a, std::uint16_t port = 80, Protocol p = Protocol::TCP) {
  return Service{a, port, p, false};
}

Destination dest(const IPAddr& a) {
  Destination d;
  d.address = a;
  return d;
}

// Addresses no service or destination may have: invalid, unspecified, loopback, multicast.
std::vector<IPAddr> bad_addresses() {
  std::vector<IPAddr> out{IPAddr{}};
  for (const char* a :
       {"0.0.0.0", "::", "127.0.0.1", "127.9.9.9", "::1", "224.0.0.1", "239.1.2.3", "ff02::1"})
    out.push_back(IPAddr::parse(a));
  return out;
}

// Services breaking one rule each.
std::vector<Service> bad_services() {
  std::vector<Service> out;
  for (const IPAddr& a : bad_addresses()) out.push_back(svc(a));
  out.push_back(svc(IPAddr::parse("192.0.2.10"), 0));
  out.push_back(svc(IPAddr::parse("192.0.2.10"), 80, static_cast<Protocol>(1)));      // ICMP
  out.push_back(svc(IPAddr::parse("2001:db8::10"), 80, static_cast<Protocol>(132)));  // SCTP
  return out;
}

// Destinations breaking one rule each.
std::vector<Destination> bad_destinations() {
  std::vector<Destination> out;
  for (const IPAddr& a : bad_addresses()) out.push_back(dest(a));
  for (TunnelType t : {TunnelType::FOU, TunnelType::GUE}) {
    Destination d = dest(IPAddr::parse("10.0.0.9"));
    d.tunnel_type = t;  // without a tunnel port
    out.push_back(d);
  }
  Destination odd = dest(IPAddr::parse("10.0.0.9"));
  odd.tunnel_type = static_cast<TunnelType>(9);
  out.push_back(odd);
  return out;
}

// Configs breaking one rule each.
std::vector<Config> bad_configs() {
  std::vector<Config> out;
  for (int vlan : {0, 4095, 5000}) {
    Config c;
    c.ipv4_vlans[static_cast<std::uint16_t>(vlan)] = Prefix::parse("10.0.0.1/24");
    out.push_back(c);
    Config c6;
    c6.ipv6_vlans[static_cast<std::uint16_t>(vlan)] = Prefix::parse("fd00::1/64");
    out.push_back(c6);
  }
  Config wrong4, wrong6;
  wrong4.ipv4_vlans[10] = Prefix::parse("fd00::1/64");
  wrong6.ipv6_vlans[10] = Prefix::parse("10.0.0.1/24");
  out.push_back(wrong4);
  out.push_back(wrong6);
  return out;
}

}  // namespace

TEST_CASE("misuse: every method rejects each invalid argument and changes nothing") {
  Network net;
  Client c({"v0"}, xvs::test::small_options());
  const Service web = svc(IPAddr::parse("192.0.2.10"));
  const Service dns = svc(IPAddr::parse("2001:db8::10"), 53, Protocol::UDP);
  c.set_service(web, {dest(IPAddr::parse("10.0.0.2")), dest(IPAddr::parse("10.0.0.3"))});
  c.set_service(dns, {dest(IPAddr::parse("fd00::2"))});
  Config config;
  config.ipv4_vlans[7] = Prefix::parse("10.0.7.1/24");
  c.set_config(config);
  const auto before = state_of(c);
  const Destination good = dest(IPAddr::parse("10.0.0.4"));

  for (const Service& s : bad_services()) {
    CAPTURE(s.address.valid() ? s.address.to_string() : "invalid", s.port,
            static_cast<int>(s.protocol));
    CHECK(error_of([&] { c.create_service(s); }) == Errc::invalid_argument);
    CHECK(error_of([&] { c.update_service(s); }) == Errc::invalid_argument);
    CHECK(error_of([&] { c.set_service(s, {good}); }) == Errc::invalid_argument);
    CHECK(error_of([&] { c.set_service(s, {}); }) == Errc::invalid_argument);
    CHECK(error_of([&] { c.create_destination(s, good); }) == Errc::invalid_argument);
  }
  for (const Destination& d : bad_destinations()) {
    CAPTURE(d.address.valid() ? d.address.to_string() : "invalid", static_cast<int>(d.tunnel_type));
    CHECK(error_of([&] { c.create_destination(web, d); }) == Errc::invalid_argument);
    CHECK(error_of([&] { c.update_destination(web, d); }) == Errc::invalid_argument);
    CHECK(error_of([&] { c.set_service(web, {good, d}); }) == Errc::invalid_argument);
    // A new service with a bad destination is not created either.
    CHECK(error_of([&] { c.set_service(svc(IPAddr::parse("192.0.2.77")), {d}); }) ==
          Errc::invalid_argument);
  }
  for (const Config& bad : bad_configs())
    CHECK(error_of([&] { c.set_config(bad); }) == Errc::invalid_argument);

  // Duplicates within one list.
  CHECK(error_of([&] { c.set_service(web, {good, good}); }) == Errc::invalid_argument);
  // Flow records that do not decode.
  CHECK(error_of([&] { c.write_flow({}); }) == Errc::invalid_argument);
  std::vector<std::uint8_t> record(detail::kFlowRecordSize, 0);
  CHECK(error_of([&] { c.write_flow(record); }) == Errc::invalid_argument);

  CHECK(state_of(c) == before);
}

TEST_CASE("misuse: what exists or not is checked before anything changes") {
  Network net;
  Client c({"v0"}, xvs::test::small_options());
  const Service web = svc(IPAddr::parse("192.0.2.10"));
  const Service other = svc(IPAddr::parse("192.0.2.10"), 81);
  const Destination a = dest(IPAddr::parse("10.0.0.2"));
  const Destination b = dest(IPAddr::parse("10.0.0.3"));
  c.set_service(web, {a});
  const auto before = state_of(c);

  CHECK(error_of([&] { c.create_service(web); }) == Errc::service_exists);
  CHECK(error_of([&] { c.update_service(other); }) == Errc::service_not_found);
  CHECK(error_of([&] { c.remove_service(other); }) == Errc::service_not_found);
  CHECK(error_of([&] { c.service(other); }) == Errc::service_not_found);
  CHECK(error_of([&] { c.destinations(other); }) == Errc::service_not_found);
  CHECK(error_of([&] { c.create_destination(other, a); }) == Errc::service_not_found);
  CHECK(error_of([&] { c.update_destination(other, a); }) == Errc::service_not_found);
  CHECK(error_of([&] { c.remove_destination(other, a); }) == Errc::service_not_found);
  CHECK(error_of([&] { c.create_destination(web, a); }) == Errc::destination_exists);
  CHECK(error_of([&] { c.update_destination(web, b); }) == Errc::destination_not_found);
  CHECK(error_of([&] { c.remove_destination(web, b); }) == Errc::destination_not_found);
  CHECK(error_of([&] { c.vip(IPAddr::parse("192.0.2.11")); }) == Errc::service_not_found);
  CHECK_FALSE(c.nat(IPAddr::parse("192.0.2.11"), a.address).valid());

  // Records naming a service or backend this node does not have are refused (docs/flows.md).
  detail::FlowRecord r;
  r.client = IPAddr::parse("198.51.100.7");
  r.client_port = 40000;
  r.vip = other.address;
  r.vip_port = other.port;
  r.backend = a.address;
  CHECK(error_of([&] { c.write_flow(detail::encode_flow(r)); }) == Errc::invalid_argument);
  r.vip_port = web.port;
  r.backend = b.address;
  CHECK(error_of([&] { c.write_flow(detail::encode_flow(r)); }) == Errc::invalid_argument);

  CHECK(state_of(c) == before);
}

TEST_CASE("capacity: 16383 destinations across services, and one more changes nothing") {
  Network net;
  Client c({"v0"}, xvs::test::small_options());
  // Disabled destinations take a destination slot but no Maglev slot: quick to add.
  constexpr int kTotal = XVS_MAX_DESTINATIONS - 1, kPerService = 256;
  int made = 0;
  for (int s = 0; made < kTotal; ++s) {
    std::vector<Destination> ds;
    for (int i = 0; i < kPerService && made < kTotal; ++i, ++made) {
      Destination d =
          dest(IPAddr::parse(fmt::format("10.{}.{}.{}", 100 + s, i / 250, 1 + i % 250)));
      d.disable = true;
      ds.push_back(d);
    }
    c.set_service(svc(IPAddr::parse("192.0.2.10"), static_cast<std::uint16_t>(1000 + s)), ds);
  }
  const auto full = state_of(c);
  std::size_t total = 0;
  for (const auto& ds : full.destinations) total += ds.size();
  REQUIRE(total == kTotal);

  const Service first = full.services.front();
  Destination extra = dest(IPAddr::parse("10.99.0.1"));
  extra.disable = true;
  CHECK(error_of([&] { c.create_destination(first, extra); }) == Errc::capacity);
  std::vector<Destination> more = full.destinations.front();
  more.push_back(extra);
  CHECK(error_of([&] { c.set_service(first, more); }) == Errc::capacity);
  const Service fresh = svc(IPAddr::parse("192.0.2.10"), 999);
  CHECK(error_of([&] { c.set_service(fresh, {extra}); }) == Errc::capacity);
  CHECK(state_of(c) == full);

  // Freeing one slot makes room for exactly one.
  c.remove_destination(first, full.destinations.front().back());
  c.create_destination(first, extra);
  CHECK(error_of([&] { c.create_destination(first, full.destinations.front().back()); }) ==
        Errc::capacity);
}
