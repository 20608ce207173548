// SPDX-License-Identifier: Apache-2.0
// The data plane as users run it: a Client on the bench network, configured through its
// API for every path wanted; then the runner measures the program it attached.
#include "paths.hpp"

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <map>
#include <tuple>

#include <fmt/format.h>
#include <xvs/xvs.hpp>

#include "dataplane/bpf_loader.hpp"
#include "harness.hpp"
#include "runner.hpp"
#include "table.hpp"

namespace xvs::bench {

namespace {

// The first CPU this thread may run on, or `wanted`; the thread stays there, so that the
// flow table's per-CPU LRU list is the one filled and measured.
int pin(int wanted) {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0)
    throw Error(Errc::system, "xvs-bench: sched_getaffinity failed");
  int cpu = wanted;
  for (int i = 0; cpu < 0 && i < CPU_SETSIZE; ++i)
    if (CPU_ISSET(i, &set)) cpu = i;
  if (cpu < 0 || cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, &set))
    throw Error(Errc::invalid_argument, fmt::format("xvs-bench: CPU {} is not available", wanted));
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0)
    throw Error(Errc::system, fmt::format("xvs-bench: cannot run on CPU {}", cpu));
  return cpu;
}

void progress(const std::string& what) {
  if (isatty(STDERR_FILENO)) fmt::print(stderr, "\r\033[K{}", what);
}

// Configures every service the wanted paths need, once each, through the Client's API.
void configure(Client& client, const std::vector<Path>& wanted) {
  std::map<std::tuple<IPAddr, std::uint16_t, Protocol>, const Pool*> pools;
  for (const auto& p : wanted)
    if (p.pool)
      pools.emplace(std::tuple{p.pool->service.address, p.pool->service.port,
                               p.pool->service.protocol},
                    &*p.pool);
  for (const auto& [_, pool] : pools)
    client.set_service(pool->service, destinations(pool->v6, pool->backends, pool->tunnel,
                                                   pool->tunnel_port, pool->no_checksum));
  for (const auto& [_, pool] : pools)
    for (const auto& d : client.destinations(pool->service))
      if (d.mac == MAC{})
        throw Error(Errc::system, fmt::format("xvs-bench: destination {} did not resolve",
                                              d.destination.address));
}

// The Client's options for a data plane of s.flows flows per CPU (and s.object, if given).
Options client_options(const Settings& s) {
  Options options;
  options.flows_per_cpu = s.flows;
  if (!s.object.empty()) options.bpf_program = read_file(s.object);
  return options;
}

}  // namespace

std::vector<std::uint8_t> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<std::uint8_t> out((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof())
    throw Error(Errc::invalid_argument, fmt::format("xvs-bench: cannot read {}", path));
  return out;
}

void measure_paths(const Network& net, Report& report) {
  const Settings& s = report.settings;
  std::vector<Path> wanted;
  for (auto& p : path_table())
    if (s.wanted(p.name)) wanted.push_back(std::move(p));
  if (wanted.empty()) return;  // e.g. --filter control/: no floor to compare with either

  Client client({kInterface}, client_options(s));
  configure(client, wanted);
  report.machine.bench_cpu = pin(s.cpu);
  Harness h;
  Fd program = attached_program(net.ifindex());
  Runner runner(net, client, h, program.get(), s);

  runner.start_floor();
  for (const auto& p : wanted)
    if (!p.full_table) {
      progress(fmt::format("starting {}", p.name));
      runner.start(p);
    }
  progress("measuring");
  runner.rounds();
  report.floor = runner.floor();
  report.paths = runner.finish();

  auto full =
      std::find_if(wanted.begin(), wanted.end(), [](const Path& p) { return p.full_table; });
  if (full != wanted.end()) {
    progress(fmt::format("filling the flow table with {} flows", s.flows));
    report.fill = runner.fill(*full, s.flows);
    report.fill->capacity = std::uint64_t{s.flows} * detail::possible_cpus();
    for (; full != wanted.end(); ++full)
      if (full->full_table) runner.start(*full);
    progress("measuring with the flow table full");
    runner.rounds();
    for (auto& r : runner.finish()) report.paths.push_back(std::move(r));
  }
  progress("");
}

void measure_sweep(const Network& net, Report& report) {
  const Settings& s = report.settings;
  const std::uint64_t cpus = detail::possible_cpus();
  report.machine.bench_cpu = pin(s.cpu);
  Harness h;
  for (std::uint32_t n : s.sweep_flows) {
    const std::uint64_t capacity = std::uint64_t{n} * cpus;
    std::vector<Path> wanted;
    // Hits on one flow per 16 entries: a bucket of 8 ways then never overflows, so every
    // repetition is a hit (the runner checks that none was a new flow).
    for (Path p : sweep_table(capacity / 16)) {
      p.name = fmt::format("sweep/{}/{}", n, p.name);
      if (s.wanted(p.name)) wanted.push_back(std::move(p));
    }
    if (wanted.empty()) continue;
    Settings at = s;
    at.flows = n;
    SweepPoint point;
    point.flows_per_cpu = n;
    Client client({kInterface}, client_options(at));
    configure(client, wanted);
    Fd program = attached_program(net.ifindex());
    Runner runner(net, client, h, program.get(), at);
    progress(fmt::format("sweep: filling a table of {} flows per CPU", n));
    point.fill = runner.fill(
        wanted.front(), static_cast<std::uint32_t>(std::min<std::uint64_t>(capacity, UINT32_MAX)));
    point.fill.capacity = capacity;
    for (const auto& p : wanted) runner.start(p);
    progress(fmt::format("sweep: measuring {} flows per CPU", n));
    runner.rounds();
    point.paths = runner.finish();
    for (const auto& m : program_maps(program.get()))
      if (m.name == "flows") point.table_bytes = m.memlock;
    report.sweep.push_back(std::move(point));
  }
  progress("");
}

}  // namespace xvs::bench
