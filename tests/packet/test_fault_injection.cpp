// SPDX-License-Identifier: Apache-2.0
// Every mutator of the service table is all-or-nothing: for each mutator and each of its map
// writes in turn, that write fails (ENOMEM or E2BIG, as the kernel reports a full or
// oversized map), and afterwards the data plane's maps and the table's view must equal what
// they were before the call. The table is the one the Client delegates to, over a really
// loaded data plane.
#include <bpf/bpf.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <xvs/error.hpp>
#include <fmt/format.h>

#include "dataplane/nat_pairs.hpp"
#include "lab.hpp"

namespace xvs::test {
namespace {

using detail::DataplaneMaps;

// The real maps, except that call number `fail_at` (counted over every call that writes)
// throws before writing anything. Deletions cannot fail: they are noexcept by contract.
class FailingMaps final : public DataplaneMaps {
public:
  using DataplaneMaps::DataplaneMaps;

  int fail_at = 0;  // 0: never
  int calls = 0;

  void set_vip(const xvs_addr& a, const xvs_vip& v) override {
    tick("set_vip");
    DataplaneMaps::set_vip(a, v);
  }
  void set_service(const xvs_service_key& k, const xvs_service& v) override {
    tick("set_service");
    DataplaneMaps::set_service(k, v);
  }
  void set_dest(std::uint16_t i, const xvs_dest& d) override {
    tick("set_dest");
    DataplaneMaps::set_dest(i, d);
  }
  void reset_counters(std::uint32_t slot) override {
    tick("reset_counters");
    DataplaneMaps::reset_counters(slot);
  }
  void bind_backend(const Service& s, const IPAddr& b, std::uint16_t i,
                    std::uint32_t g) override {
    tick("bind_backend");
    DataplaneMaps::bind_backend(s, b, i, g);
  }
  void reserve_generation(std::uint32_t g) override {
    tick("reserve_generation");
    DataplaneMaps::reserve_generation(g);
  }
  void set_nat(const IPAddr& vip, const std::map<IPAddr, xvs_nat>& e) override {
    tick("set_nat");
    DataplaneMaps::set_nat(vip, e);
  }

private:
  void tick(const char* what) {
    if (++calls != fail_at) return;
    const int err = calls % 2 ? ENOMEM : E2BIG;
    throw Error(Errc::system, fmt::format("injected failure of {} (call {}): {}", what, calls,
                                          std::strerror(err)));
  }
};

// Every entry of a map, as bytes.
using MapDump = std::map<std::vector<std::uint8_t>, std::vector<std::uint8_t>>;

MapDump dump(int fd) {
  bpf_map_info info{};
  std::uint32_t len = sizeof info;
  REQUIRE(bpf_obj_get_info_by_fd(fd, &info, &len) == 0);
  MapDump out;
  std::vector<std::uint8_t> key(info.key_size), next(info.key_size), value(info.value_size);
  void* prev = nullptr;
  while (bpf_map_get_next_key(fd, prev, next.data()) == 0) {
    if (bpf_map_lookup_elem(fd, next.data(), value.data()) != 0) FAIL("map lookup failed");
    out.emplace(next, value);
    key = next;
    prev = key.data();
  }
  return out;
}

std::string hex(const std::vector<std::uint8_t>& b) {
  std::string out;
  for (std::size_t i = 0; i < b.size() && i < 24; ++i) out += fmt::format("{:02x}", b[i]);
  return b.size() > 24 ? out + "..." : out;
}

// The entries that differ, for the failure message; empty when the dumps are equal.
std::string differences(const MapDump& want, const MapDump& got) {
  std::string out;
  for (const auto& [k, v] : want) {
    const auto it = got.find(k);
    if (it == got.end())
      out += fmt::format("missing {}\n", hex(k));
    else if (it->second != v)
      out += fmt::format("changed {}: {} -> {}\n", hex(k), hex(v), hex(it->second));
  }
  for (const auto& [k, v] : got)
    if (!want.contains(k)) out += fmt::format("added {} = {}\n", hex(k), hex(v));
  return out;
}

// The maps that service programming writes. Left out: the counters (a slot taken by a failed
// call is zeroed, and nobody reads a free slot), and "flow_backends", whose entry names a
// generation that a failed call used and that is never given out again.
constexpr const char* kMaps[] = {"vips", "services", "destinations", "vip_filter",
                                 "vip_slots", "backends", "nat_addrs"};

// The table as the Client reports it, and where it put things.
std::string view(const detail::ServiceTable& t) {
  std::string out;
  for (const auto& [addr, v] : t.vips())
    out += fmt::format("vip {} slot {} services {}\n", addr, v.slot, v.services);
  for (const auto& [_, ss] : t.services()) {
    out += fmt::format("service {} sticky {} slot {}\n", detail::describe(ss.config),
                       ss.config.sticky, ss.slot);
    for (const auto& [addr, d] : ss.dests)
      out += fmt::format("  dest {} weight {} disable {} index {} generation {} ready {}\n",
                         addr, d.config.weight, d.config.disable, d.index, d.generation,
                         d.ready());
  }
  return out;
}

struct Model {
  std::string table;
  std::map<std::string, MapDump> maps;
  bool operator==(const Model&) const = default;
};

struct Fixture : RootOnly {
  detail::Dataplane dp{{}, 1024};
  detail::FlowMaps flow_maps{dp};
  detail::NatPairs nat{dp};
  FailingMaps maps{dp, flow_maps, &nat};
  FixturePaths paths;
  detail::ServiceTable table{maps, paths, 0};

  Model model() const {
    Model m{view(table), {}};
    for (const char* name : kMaps) m.maps[name] = dump(dp.map_fd(name));
    return m;
  }
};

Destination dest(const Backend& b, std::uint16_t weight = 1) {
  Destination d;
  d.address = b.address;
  d.weight = weight;
  return d;
}

std::vector<Destination> dests(const std::vector<Backend>& bs, std::size_t from, std::size_t n) {
  std::vector<Destination> out;
  for (std::size_t i = from; i < from + n; ++i) out.push_back(dest(bs[i]));
  return out;
}

struct Operation {
  const char* name;
  std::function<void(detail::ServiceTable&)> call;
};

}  // namespace

TEST_CASE("every mutator is all-or-nothing at every failing map write") {
  Fixture fx;
  auto v4 = backends(false, 8);
  auto v6 = backends(true, 4);
  v4[7].ready = false;  // one destination waiting for its next hop
  for (const auto& b : v4) fx.paths.set(b);
  for (const auto& b : v6) fx.paths.set(b);

  const Service web = service(kVip4, 80), tls = service(kVip4, 443), dns6 =
      service(kVip6, 53, Protocol::UDP);
  fx.table.set_service(web, dests(v4, 0, 4));
  fx.table.set_service(tls, dests(v4, 2, 4));
  fx.table.set_service(dns6, dests(v6, 0, 3));

  Service web_sticky = web;
  web_sticky.sticky = true;
  Destination heavier = dest(v4[1], 5);
  std::vector<Destination> reshaped = dests(v4, 1, 3);  // drops .1, keeps .2-.4
  reshaped.push_back(dest(v4[6]));
  reshaped.push_back(dest(v4[7]));
  reshaped[0].weight = 3;
  const Operation operations[] = {
      {"create_service on a new VIP",
       [&](auto& t) { t.create_service(service("192.0.2.20", 80)); }},
      {"create_service on a VIP in use", [&](auto& t) { t.create_service(service(kVip4, 8080)); }},
      {"update_service (sticky: the table is rebuilt)", [&](auto& t) { t.update_service(web_sticky); }},
      {"remove_service, the VIP keeps another", [&](auto& t) { t.remove_service(tls); }},
      {"remove_service, the VIP's last", [&](auto& t) { t.remove_service(dns6); }},
      {"create_destination", [&](auto& t) { t.create_destination(web, dest(v4[5])); }},
      {"update_destination", [&](auto& t) { t.update_destination(web, heavier); }},
      {"remove_destination", [&](auto& t) { t.remove_destination(web, dest(v4[0])); }},
      {"set_service on an existing service", [&](auto& t) { t.set_service(web, reshaped); }},
      {"set_service creating a service and its VIP",
       [&](auto& t) { t.set_service(service("2001:db8::20", 443), dests(v6, 1, 3)); }},
  };

  int failure_points = 0;
  for (const Operation& op : operations) {
    INFO(op.name);
    const Model before = fx.model();
    // Fail the first write, then the second, ... until the call needs fewer writes.
    for (int n = 1;; ++n) {
      INFO("failing write " << n);
      fx.maps.calls = 0;
      fx.maps.fail_at = n;
      bool failed = false;
      try {
        op.call(fx.table);
      } catch (const Error& e) {
        failed = true;
        CHECK(e.code() == Errc::system);
      }
      fx.maps.fail_at = 0;
      if (!failed) {
        // It went through: undo it for the next operation, which starts from the same state.
        REQUIRE(fx.model() != before);
        break;
      }
      ++failure_points;
      const Model after = fx.model();
      CHECK(after.table == before.table);
      for (const char* name : kMaps) {
        INFO("map " << name);
        CHECK(differences(before.maps.at(name), after.maps.at(name)) == "");
      }
      REQUIRE(n < 1000);
    }
    // Back to the common starting state, through the table itself.
    fx.table.set_service(web, dests(v4, 0, 4));
    fx.table.set_service(tls, dests(v4, 2, 4));
    fx.table.set_service(dns6, dests(v6, 0, 3));
    for (const Service& extra : {service("192.0.2.20", 80), service(kVip4, 8080),
                                 service("2001:db8::20", 443)})
      if (fx.table.services().contains(detail::id_of(extra))) fx.table.remove_service(extra);
    fx.table.update_service(web);
  }
  // Printed for the record (docs/reliability.md quotes it).
  WARN(fmt::format("{} operations x failure points exercised: {}", std::size(operations),
                   failure_points));
  CHECK(failure_points >= static_cast<int>(std::size(operations)));
}

}  // namespace xvs::test
