// SPDX-License-Identifier: Apache-2.0
#include "report.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>

#include <fmt/format.h>
#include <xvs/version.hpp>

#include "json.hpp"

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

void json_summary(JsonWriter& j, std::string_view key, const Summary& s) {
  j.begin_object(key);
  j.value("median", s.median);
  j.value("min", s.min);
  j.value("max", s.max);
  j.numbers("rounds", s.rounds);
  j.end_object();
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
  if (!r.control.empty()) {
    fmt::print(out, "\n");
    print_control(r, out);
  }
  if (!r.memory.empty()) {
    fmt::print(out, "\n");
    print_memory(r, out);
  }
}

void print_json(const Report& r, std::FILE* out) {
  JsonWriter j(out);
  j.begin_object();
  j.value("version", XVS_VERSION_STRING);
  j.begin_object("machine");
  j.value("nproc", r.machine.nproc);
  j.value("kernel", r.machine.kernel);
  j.value("cpu_model", r.machine.cpu_model);
  j.value("bench_cpu", r.machine.bench_cpu);
  j.end_object();
  j.begin_object("settings");
  j.value("repeat", std::uint64_t{r.settings.repeat});
  j.value("rounds", r.settings.rounds);
  j.value("flows_per_cpu", std::uint64_t{r.settings.flows});
  j.value("quick", r.settings.quick);
  j.value("filter", r.settings.filter);
  j.value("object", r.settings.object.empty() ? "embedded" : r.settings.object);
  j.end_object();
  if (r.floor) {
    j.begin_object("floor");
    j.value("frame_bytes", std::uint64_t{r.floor->frame_bytes});
    json_summary(j, "nop_direct_ns", r.floor->nop_direct);
    json_summary(j, "swap_direct_ns", r.floor->swap_direct);
    json_summary(j, "swap_wrapped_ns", r.floor->swap_wrapped);
    json_summary(j, "swap_net_ns", r.floor->swap_net);
    j.end_object();
  }
  j.begin_array("paths");
  for (const auto& p : r.paths) {
    j.begin_object();
    j.value("name", p.name);
    j.value("description", p.description);
    j.value("backends", p.backends);
    j.value("frame_bytes", std::uint64_t{p.frame_bytes});
    j.value("status", p.status);
    if (p.ok()) {
      json_summary(j, "raw_ns", p.raw);
      json_summary(j, "net_ns", p.net);
      j.value("mpps", p.net.median > 0 ? 1000 / p.net.median : 0.0);
      j.value("floor_ratio", r.floor_ratio(p));
    }
    if (p.target.max_ns) j.value("target_ns", p.target.max_ns);
    if (p.target.max_floor_ratio) j.value("target_floor_ratio", p.target.max_floor_ratio);
    j.end_object();
  }
  j.end_array();
  if (r.fill) {
    j.begin_object("fill");
    j.value("flows", r.fill->flows);
    j.value("seconds", r.fill->seconds);
    j.value("entries", r.fill->entries);
    j.value("capacity", r.fill->capacity);
    j.end_object();
  }
  j.begin_array("control");
  for (const auto& f : r.control) {
    j.begin_object();
    j.value("name", f.name);
    j.value("description", f.description);
    j.value("unit", f.unit);
    json_summary(j, "value", f.value);
    if (f.target > 0) j.value("target", f.target);
    j.end_object();
  }
  j.end_array();
  j.begin_array("memory");
  for (const auto& m : r.memory) {
    j.begin_object();
    j.value("name", m.name);
    j.value("description", m.description);
    j.value("total_bytes", m.total());
    j.begin_array("maps");
    for (const auto& map : m.maps) {
      j.begin_object();
      j.value("name", map.name);
      j.value("type", map_type_name(map.type));
      j.value("max_entries", std::uint64_t{map.max_entries});
      j.value("key_size", std::uint64_t{map.key_size});
      j.value("value_size", std::uint64_t{map.value_size});
      j.value("memlock_bytes", map.memlock);
      j.end_object();
    }
    j.end_array();
    j.end_object();
  }
  j.end_array();
  j.end_object();
}

}  // namespace xvs::bench
