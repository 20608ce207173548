// SPDX-License-Identifier: Apache-2.0
#include "control.hpp"

#include <chrono>
#include <functional>

#include <fmt/format.h>
#include <xvs/xvs.hpp>

#include "../../bpf/abi.h"
#include "control/maglev.hpp"

namespace xvs::bench {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::uint32_t kSmallFlows = 16384;  // flows_per_cpu of the "small" data plane
constexpr int kCallsPerRound = 3;             // set_service calls averaged per round

double micros_since(Clock::time_point start) {
  return std::chrono::duration<double, std::micro>(Clock::now() - start).count();
}

// Microseconds per call of `f`, one value per round; a round repeats `f` until `budget`
// has passed (at least once).
Summary time_calls(int rounds, std::chrono::microseconds budget, const std::function<void()>& f) {
  std::vector<double> values;
  for (int r = 0; r < rounds; ++r) {
    auto start = Clock::now();
    int n = 0;
    do {
      f();
      ++n;
    } while (Clock::now() - start < budget);
    values.push_back(micros_since(start) / n);
  }
  return Summary::of(values);
}

Options small_options(std::uint32_t flows = kSmallFlows) {
  Options o;
  o.flows_per_cpu = flows;
  return o;
}

MemoryCase memory_of(const Network& net, std::string name, std::string description) {
  Fd prog = attached_program(net.ifindex());
  return MemoryCase{std::move(name), std::move(description), program_maps(prog.get())};
}

void maglev(const Settings& s, Report& r) {
  std::vector<int> sizes{1, 2, 4, 8, 16, 32, 64, 128, 255};
  if (s.quick) sizes = {1, 16, 255};
  const auto budget = std::chrono::milliseconds(s.quick ? 2 : 50);
  for (bool mixed : {false, true})
    for (int n : sizes) {
      std::string name = fmt::format("control/maglev/{}/b{}", mixed ? "mixed" : "equal", n);
      if (!s.wanted(name)) continue;
      std::vector<detail::MaglevBackend> backends(static_cast<std::size_t>(n));
      for (int i = 0; i < n; ++i) {
        backends[i].key = backend_address(false, i + 1).bytes();
        backends[i].weight = static_cast<std::uint16_t>(mixed ? 1 + i % 10 : 1);
      }
      std::size_t slots = 0;
      Summary t = time_calls(s.rounds, budget, [&] {
        slots = detail::maglev_table(backends, XVS_MAGLEV_SIZE).size();
      });
      if (slots != XVS_MAGLEV_SIZE)
        throw Error(Errc::system, fmt::format("xvs-bench: Maglev gave {} slots", slots));
      r.control.push_back({name,
                           fmt::format("Maglev table ({} slots), {} backends, {} weights",
                                       XVS_MAGLEV_SIZE, n, mixed ? "mixed 1..10" : "equal"),
                           "us", t, n == XVS_MAX_BACKENDS ? 1000.0 : 0.0});
    }
}

std::vector<Destination> weighted(std::vector<Destination> ds, bool mixed) {
  for (std::size_t i = 0; i < ds.size(); ++i)
    ds[i].weight = static_cast<std::uint16_t>(mixed ? 1 + i % 10 : 1);
  return ds;
}

// set_service with 255 destinations: a new service each call, the same service with
// other weights (the Maglev table is rebuilt), the same service unchanged.
void set_service_255(const Settings& s, Report& r) {
  const char* fresh = "control/set_service/new/b255";
  const char* update = "control/set_service/update/b255";
  const char* same = "control/set_service/unchanged/b255";
  if (!s.wanted(fresh) && !s.wanted(update) && !s.wanted(same)) return;
  Client c({kInterface}, small_options());
  const auto ds = destinations(false, XVS_MAX_BACKENDS);
  int next = 0;
  auto service = [](int k) {
    return Service{IPAddr::parse(fmt::format("198.51.100.{}", k + 1)), 80, Protocol::TCP, false};
  };
  auto per_call = [&](const std::function<void()>& f) {
    std::vector<double> values;
    for (int round = 0; round < s.rounds; ++round) {
      auto start = Clock::now();
      for (int i = 0; i < kCallsPerRound; ++i) f();
      values.push_back(micros_since(start) / kCallsPerRound);
    }
    return Summary::of(values);
  };
  Summary t_new = per_call([&] { c.set_service(service(next++), ds); });
  for (const auto& d : c.destinations(service(0)))
    if (d.mac == MAC{})
      throw Error(Errc::system, "xvs-bench: set_service left a destination unresolved");
  bool mixed = false;
  Summary t_update = per_call([&] { c.set_service(service(0), weighted(ds, mixed = !mixed)); });
  Summary t_same = per_call([&] { c.set_service(service(0), weighted(ds, mixed)); });
  auto add = [&](const char* name, const char* what, const Summary& t) {
    if (s.wanted(name)) r.control.push_back({name, what, "us", t, 5000});
  };
  add(fresh, "set_service, 255 destinations, new service", t_new);
  add(update, "set_service, 255 destinations, new weights (rebuild)", t_update);
  add(same, "set_service, 255 destinations, unchanged", t_same);
}

// 1,000 services of 16 destinations each, each on its own VIP, through set_service; then
// the memory that data plane holds.
void thousand_services(const Network& net, const Settings& s, Report& r) {
  const char* name = "control/services/1000x16";
  const char* memory = "memory/small-1000x16";
  if (!s.wanted(name) && !s.wanted(memory)) return;
  Client c({kInterface}, small_options());
  const auto ds = destinations(false, 16);
  auto start = Clock::now();
  for (int k = 0; k < 1000; ++k)
    c.set_service(Service{IPAddr::parse(fmt::format("100.64.{}.{}", k / 250, k % 250 + 1)), 80,
                          Protocol::TCP, false},
                  ds);
  double us = micros_since(start);
  if (c.services().size() != 1000)
    throw Error(Errc::system, "xvs-bench: 1000 services were not all created");
  if (s.wanted(name))
    r.control.push_back({name, "1,000 services x 16 destinations (set_service each), total",
                         "ms", Summary::of({us / 1000}), 0});
  if (s.wanted(memory))
    r.memory.push_back(memory_of(net, memory,
                                 fmt::format("flows_per_cpu {}, 1,000 services x 16 destinations",
                                             kSmallFlows)));
}

void memory(const Network& net, const Settings& s, Report& r) {
  if (s.wanted("memory/default")) {
    Client c({kInterface});
    r.memory.push_back(memory_of(net, "memory/default",
                                 fmt::format("default flows_per_cpu ({}), no service",
                                             XVS_DEFAULT_FLOWS_PER_CPU)));
  }
  if (s.wanted("memory/small")) {
    Client c({kInterface}, small_options());
    r.memory.push_back(memory_of(net, "memory/small",
                                 fmt::format("flows_per_cpu {}, no service", kSmallFlows)));
  }
}

}  // namespace

void measure_control(const Network& net, Report& report) {
  const Settings& s = report.settings;
  maglev(s, report);
  set_service_255(s, report);
  thousand_services(net, s, report);
  memory(net, s, report);
}

}  // namespace xvs::bench
