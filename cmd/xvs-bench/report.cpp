// SPDX-License-Identifier: Apache-2.0
#include "report.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <xvs/version.hpp>

namespace xvs::bench {

namespace {

std::string grouped(std::uint64_t v) {
  std::string digits = fmt::format("{}", v), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string mib(std::uint64_t bytes) {
  return fmt::format("{:.2f} MiB", static_cast<double>(bytes) / (1 << 20));
}

// "<=50ns MISSED <=2x MISSED", "<=20ns ok", or "" when the path has no target.
std::string target_text(const Report& r, const PathResult& p) {
  if (!p.ok()) return "";
  std::string text;
  if (p.target.max_ns)
    text += fmt::format("<={:g}ns {} ", p.target.max_ns,
                        p.net.median <= p.target.max_ns ? "ok" : "MISSED");
  if (p.target.max_floor_ratio)
    text += fmt::format("<={:g}x {}", p.target.max_floor_ratio,
                        r.floor_ratio(p) <= p.target.max_floor_ratio ? "ok" : "MISSED");
  return text;
}

void print_paths(const Report& r, std::FILE* out) {
  fmt::print(out, "{:<28} {:<52} {:>4} {:>5} {:>7} {:>7} {:>6} {:>6} {:>6}  {}\n", "path",
             "what", "bknd", "frame", "raw ns", "net ns", "spread", "Mpps", "xfloor", "target");
  for (const auto& p : r.paths) {
    fmt::print(out, "{:<28} {:<52} {:>4} {:>5} ", p.name, p.description,
               p.backends ? fmt::format("{}", p.backends) : "-", p.frame_bytes);
    if (!p.ok()) {
      fmt::print(out, "{}\n", p.status);
      continue;
    }
    fmt::print(out, "{:>7.1f} {:>7.1f} {:>5.0f}% {:>6.1f} {:>6.2f}  {}\n", p.raw.median,
               p.net.median, 100 * p.raw.spread(),
               p.net.median > 0 ? 1000 / p.net.median : 0.0, r.floor_ratio(p),
               target_text(r, p));
  }
}

void print_control(const Report& r, std::FILE* out) {
  fmt::print(out, "{:<36} {:<58} {:>10} {:>10} {:>10}  {}\n", "figure", "what", "median", "min",
             "max", "target");
  for (const auto& f : r.control) {
    std::string target;
    if (f.target > 0)
      target = fmt::format("<{:g} {} {}", f.target, f.unit,
                           f.value.median < f.target ? "ok" : "MISSED");
    fmt::print(out, "{:<36} {:<58} {:>10.1f} {:>10.1f} {:>10.1f} {:<3} {}\n", f.name,
               f.description, f.value.median, f.value.min, f.value.max, f.unit, target);
  }
}

void print_memory(const Report& r, std::FILE* out) {
  for (const auto& m : r.memory) {
    fmt::print(out, "{} ({}): {} in {} maps\n", m.name, m.description, mib(m.total()),
               m.maps.size());
    for (const auto& map : m.maps)
      fmt::print(out, "    {:<16} {:<14} {:>10} entries, {:>5}-byte values {:>12}\n", map.name,
                 map_type_name(map.type), grouped(map.max_entries), map.value_size,
                 mib(map.memlock));
  }
}

void print_verifier(const Report& r, std::FILE* out) {
  fmt::print(out,
             "verifier: the kernel's work to load each program of the data plane ({} loads; "
             "time: median, min, max)\n",
             r.verifier.front().time_ms.rounds.size());
  fmt::print(out, "{:<26} {:>15} {:>10} {:>8} {:>6}  {:>8} {:>8} {:>8}\n", "program",
             "insns processed", "limit", "of limit", "states", "ms", "min", "max");
  for (const auto& v : r.verifier)
    fmt::print(out, "{:<26} {:>15} {:>10} {:>7.1f}% {:>6}  {:>8.1f} {:>8.1f} {:>8.1f}\n",
               "verifier/" + v.program, grouped(v.insns), grouped(v.limit),
               v.limit ? 100.0 * static_cast<double>(v.insns) / static_cast<double>(v.limit)
                       : 0.0,
               grouped(v.total_states), v.time_ms.median, v.time_ms.min, v.time_ms.max);
}

// The sweep as one table: a row per size, the net ns of each sweep path in a column.
void print_sweep(const Report& r, std::FILE* out) {
  fmt::print(out,
             "flow-count sweep: for each flows_per_cpu a new data plane, its table filled with "
             "flows_per_cpu x CPUs\nnew flows first; net ns per packet (median over rounds, "
             "spread in brackets)\n\n");
  std::vector<std::string> columns;
  for (const auto& point : r.sweep)
    for (const auto& p : point.paths) {
      std::string col = p.name.substr(p.name.rfind('/') + 1);
      if (std::find(columns.begin(), columns.end(), col) == columns.end()) columns.push_back(col);
    }
  fmt::print(out, "{:>13} {:>11} {:>11} {:>10}", "flows_per_cpu", "entries", "hit flows",
             "table MiB");
  for (const auto& c : columns) fmt::print(out, " {:>18}", c);
  fmt::print(out, "\n");
  for (const auto& point : r.sweep) {
    std::string hit_flows = "-";
    for (const auto& p : point.paths)
      if (p.name.ends_with("/tcp-est")) hit_flows = grouped(point.fill.capacity / 16);
    fmt::print(out, "{:>13} {:>11} {:>11} {:>10.1f}", grouped(point.flows_per_cpu),
               grouped(point.fill.capacity), hit_flows,
               static_cast<double>(point.table_bytes) / (1 << 20));
    for (const auto& c : columns) {
      std::string cell = "-";
      for (const auto& p : point.paths)
        if (p.name.ends_with("/" + c))
          cell = p.ok() ? fmt::format("{:.1f} ({:.0f}%)", p.net.median, 100 * p.raw.spread())
                        : p.status.substr(0, 18);
      fmt::print(out, " {:>18}", cell);
    }
    fmt::print(out, "\n");
  }
  for (const auto& point : r.sweep)
    for (const auto& p : point.paths)
      if (p.failed()) fmt::print(out, "{}: {}\n", p.name, p.status);
}

nlohmann::json to_json(const Summary& s) {
  return {{"median", s.median}, {"min", s.min}, {"max", s.max}, {"rounds", s.rounds}};
}

nlohmann::json to_json(const Report& r, const PathResult& p) {
  nlohmann::json j = {{"name", p.name},
                      {"description", p.description},
                      {"backends", p.backends},
                      {"frame_bytes", p.frame_bytes},
                      {"status", p.status}};
  if (p.ok()) {
    j["raw_ns"] = to_json(p.raw);
    j["net_ns"] = to_json(p.net);
    j["mpps"] = p.net.median > 0 ? 1000 / p.net.median : 0.0;
    j["floor_ratio"] = r.floor_ratio(p);
  }
  if (p.target.max_ns) j["target_ns"] = p.target.max_ns;
  if (p.target.max_floor_ratio) j["target_floor_ratio"] = p.target.max_floor_ratio;
  return j;
}

nlohmann::json to_json(const Fill& f) {
  return {{"flows", f.flows}, {"seconds", f.seconds}, {"entries", f.entries},
          {"capacity", f.capacity}};
}

}  // namespace

Machine this_machine() {
  Machine m;
  m.nproc = static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
  utsname u{};
  if (uname(&u) == 0) m.kernel = u.release;
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);)
    if (line.rfind("model name", 0) == 0) {
      m.cpu_model = line.substr(line.find(':') + 2);
      break;
    }
  return m;
}

void print_table(const Report& r, std::FILE* out) {
  const auto& s = r.settings;
  fmt::print(out, "xvs-bench {}: kernel {}, {} x {}{}\n", XVS_VERSION_STRING, r.machine.kernel,
             r.machine.nproc, r.machine.cpu_model,
             r.machine.bench_cpu >= 0 ? fmt::format(", measured on CPU {}", r.machine.bench_cpu)
                                      : std::string());
  fmt::print(out,
             "BPF_PROG_TEST_RUN, {} repetitions x {} rounds{}; ns per packet are medians over "
             "rounds,\nspread = (max - min) / median of raw; net = raw minus the frame-restoring "
             "wrapper's own cost.\n",
             grouped(s.repeat), s.rounds, s.quick ? " (--quick: not for judging speed)" : "");
  if (!s.object.empty()) fmt::print(out, "data plane: {} (not the embedded one)\n", s.object);
  if (!s.verify) fmt::print(out, "UNVERIFIED: verdicts, frames and counters not checked\n");
  if (r.floor) {
    const Floor& f = *r.floor;
    fmt::print(out,
               "\nfloor (trivial XDP: swap MACs, XDP_TX; {}-byte frame): {:.1f} ns net "
               "(direct {:.1f} ns, through the wrapper {:.1f} ns; nop direct {:.1f} ns)\n",
               f.frame_bytes, f.swap_net.median, f.swap_direct.median, f.swap_wrapped.median,
               f.nop_direct.median);
  }
  if (!r.paths.empty()) {
    fmt::print(out, "\n");
    print_paths(r, out);
  }
  if (r.fill)
    fmt::print(out,
               "\nflow table (flows_per_cpu {}): {} distinct flows sent in {:.2f} s "
               "of CPU time ({:.1f} M flows/s, one test run); {} entries of {} afterwards\n",
               grouped(s.flows), grouped(r.fill->flows), r.fill->seconds,
               r.fill->seconds > 0 ? static_cast<double>(r.fill->flows) / r.fill->seconds / 1e6
                                   : 0.0,
               grouped(r.fill->entries), grouped(r.fill->capacity));
  if (!r.sweep.empty()) {
    fmt::print(out, "\n");
    print_sweep(r, out);
  }
  if (!r.control.empty()) {
    fmt::print(out, "\n");
    print_control(r, out);
  }
  if (!r.memory.empty()) {
    fmt::print(out, "\n");
    print_memory(r, out);
  }
  if (!r.verifier.empty()) {
    fmt::print(out, "\n");
    print_verifier(r, out);
  }
}

void print_json(const Report& r, std::FILE* out) {
  nlohmann::json j;
  j["version"] = XVS_VERSION_STRING;
  j["machine"] = {{"nproc", r.machine.nproc},
                  {"kernel", r.machine.kernel},
                  {"cpu_model", r.machine.cpu_model},
                  {"bench_cpu", r.machine.bench_cpu}};
  j["settings"] = {{"repeat", r.settings.repeat},
                   {"rounds", r.settings.rounds},
                   {"flows_per_cpu", r.settings.flows},
                   {"quick", r.settings.quick},
                   {"filter", r.settings.filter},
                   {"object", r.settings.object.empty() ? "embedded" : r.settings.object},
                   {"verified", r.settings.verify},
                   {"sweep_flows", r.settings.sweep ? r.settings.sweep_flows
                                                    : std::vector<std::uint32_t>{}}};
  if (r.floor)
    j["floor"] = {{"frame_bytes", r.floor->frame_bytes},
                  {"nop_direct_ns", to_json(r.floor->nop_direct)},
                  {"swap_direct_ns", to_json(r.floor->swap_direct)},
                  {"swap_wrapped_ns", to_json(r.floor->swap_wrapped)},
                  {"swap_net_ns", to_json(r.floor->swap_net)}};
  j["paths"] = nlohmann::json::array();
  for (const auto& p : r.paths) j["paths"].push_back(to_json(r, p));
  if (r.fill) j["fill"] = to_json(*r.fill);
  j["sweep"] = nlohmann::json::array();
  for (const auto& point : r.sweep) {
    nlohmann::json paths = nlohmann::json::array();
    for (const auto& p : point.paths) paths.push_back(to_json(r, p));
    j["sweep"].push_back({{"flows_per_cpu", point.flows_per_cpu},
                          {"fill", to_json(point.fill)},
                          {"table_bytes", point.table_bytes},
                          {"paths", paths}});
  }
  j["control"] = nlohmann::json::array();
  for (const auto& f : r.control) {
    nlohmann::json c = {{"name", f.name},
                        {"description", f.description},
                        {"unit", f.unit},
                        {"value", to_json(f.value)}};
    if (f.target > 0) c["target"] = f.target;
    j["control"].push_back(c);
  }
  j["memory"] = nlohmann::json::array();
  for (const auto& m : r.memory) {
    nlohmann::json maps = nlohmann::json::array();
    for (const auto& map : m.maps)
      maps.push_back({{"name", map.name},
                      {"type", map_type_name(map.type)},
                      {"max_entries", map.max_entries},
                      {"key_size", map.key_size},
                      {"value_size", map.value_size},
                      {"memlock_bytes", map.memlock}});
    j["memory"].push_back({{"name", m.name},
                           {"description", m.description},
                           {"total_bytes", m.total()},
                           {"maps", maps}});
  }
  j["verifier"] = nlohmann::json::array();
  for (const auto& v : r.verifier)
    j["verifier"].push_back({{"program", v.program},
                             {"insns_processed", v.insns},
                             {"insn_limit", v.limit},
                             {"total_states", v.total_states},
                             {"peak_states", v.peak_states},
                             {"time_ms", to_json(v.time_ms)}});
  // Infinite or NaN figures (none expected) become null rather than invalid JSON.
  fmt::print(out, "{}\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace xvs::bench
