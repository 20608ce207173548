// SPDX-License-Identifier: Apache-2.0
#include "verifier_cost.hpp"

#include <bpf/libbpf.h>

#include <cstdio>
#include <cstring>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <xvs/error.hpp>

#include "dataplane/bpf_loader.hpp"
#include "dataplane/dataplane.hpp"
#include "paths.hpp"

namespace xvs::bench {

namespace {

// BPF_LOG_STATS: the verifier's summary of each program, without its instruction trace.
constexpr std::uint32_t kLogStats = 4;
constexpr std::size_t kLogBytes = 1 << 16;

struct Stats {
  std::uint64_t insns = 0, limit = 0, total_states = 0, peak_states = 0;
  double time_ms = 0;
};

// Thrown by the load's hook when the filter wants no program: nothing is loaded then.
struct NoneWanted {};

// The figures of the statistics the verifier writes at the end of a program's log.
Stats parse(const std::string& program, const char* log) {
  unsigned long long usec = 0, insns = 0, limit = 0, per_insn = 0, total = 0, peak = 0;
  const char* time = std::strstr(log, "verification time ");
  const char* processed = std::strstr(log, "processed ");
  if (!time || !processed || std::sscanf(time, "verification time %llu usec", &usec) != 1 ||
      std::sscanf(processed,
                  "processed %llu insns (limit %llu) max_states_per_insn %llu total_states "
                  "%llu peak_states %llu",
                  &insns, &limit, &per_insn, &total, &peak) != 5)
    throw Error(Errc::system,
                fmt::format("xvs-bench: the verifier's log of {} has no statistics:\n{}",
                            program, log));
  return Stats{insns, limit, total, peak, static_cast<double>(usec) / 1000};
}

using Loaded = std::vector<std::pair<std::string, Stats>>;  // in the object's order

// Loads `object` once, with statistics, for the programs `s` wants (verifier/<program>);
// the others are not loaded. Empty when it wants none.
Loaded load_once(std::span<const std::uint8_t> object, const Settings& s) {
  std::vector<std::string> names;
  std::vector<std::vector<char>> logs;
  try {
    detail::BpfObject loaded(object, "xvs", [&](bpf_object* obj) {
      bpf_program* p;
      bpf_object__for_each_program(p, obj) names.push_back(bpf_program__name(p));
      logs.assign(names.size(), std::vector<char>(kLogBytes));
      std::size_t i = 0, wanted = 0;
      bpf_object__for_each_program(p, obj) {
        if (s.wanted("verifier/" + names[i])) {
          bpf_program__set_log_level(p, kLogStats);
          bpf_program__set_log_buf(p, logs[i].data(), logs[i].size());
          ++wanted;
        } else {
          bpf_program__set_autoload(p, false);
        }
        ++i;
      }
      if (!wanted) throw NoneWanted{};
    });
  } catch (const NoneWanted&) {
    return {};
  }
  Loaded out;
  for (std::size_t i = 0; i < names.size(); ++i)
    if (s.wanted("verifier/" + names[i]))
      out.emplace_back(names[i], parse(names[i], logs[i].data()));
  return out;
}

}  // namespace

void measure_verifier(Report& report) {
  const Settings& s = report.settings;
  std::vector<std::uint8_t> file;
  if (!s.object.empty()) file = read_file(s.object);
  std::span<const std::uint8_t> object = file.empty() ? detail::embedded_object() : file;
  // Instruction and state counts are the same at every load; the time is not.
  Loaded first;
  std::vector<std::vector<double>> times;
  for (int round = 0; round < s.rounds; ++round) {
    Loaded loaded = load_once(object, s);
    if (loaded.empty()) return;
    if (round == 0) {
      first = loaded;
      times.resize(loaded.size());
    }
    for (std::size_t i = 0; i < loaded.size(); ++i) times[i].push_back(loaded[i].second.time_ms);
  }
  for (std::size_t i = 0; i < first.size(); ++i) {
    const auto& [name, stats] = first[i];
    report.verifier.push_back(VerifierCost{name, stats.insns, stats.limit, stats.total_states,
                                           stats.peak_states, Summary::of(times[i])});
  }
}

}  // namespace xvs::bench
