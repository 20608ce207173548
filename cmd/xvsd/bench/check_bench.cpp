// SPDX-License-Identifier: Apache-2.0
// xvsd-check-bench: how many health checks a second xvsd's checker sustains. N backends
// (listeners on 127.0.0.1), one check each, every INTERVAL, for SECONDS; prints the checks
// completed per second, how many passed, and the CPU the process used. Unprivileged.
//   xvsd-check-bench [--backends 1000] [--type http|syn|dns] [--interval-ms 50]
//                    [--timeout-ms 1000] [--seconds 10]
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>

#include <CLI/CLI.hpp>

#include "bench/responder.hpp"
#include "check/checker.hpp"

namespace {

double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"xvsd-check-bench: health checks per second against local responders"};
  unsigned backends = 1000, interval_ms = 50, timeout_ms = 1000, seconds = 10;
  std::uint16_t first_port = 20000;
  std::string type = "http";
  app.add_option("--backends", backends, "backends, one check each")->check(CLI::Range(1u, 20000u));
  app.add_option("--interval-ms", interval_ms, "check interval")->check(CLI::Range(1u, 60000u));
  app.add_option("--timeout-ms", timeout_ms, "check timeout (a job waits for its check)")
      ->check(CLI::Range(1u, 60000u));
  app.add_option("--seconds", seconds, "measured run time")->check(CLI::Range(1u, 600u));
  app.add_option("--type", type, "check type")->check(CLI::IsMember({"http", "syn", "dns"}));
  app.add_option("--first-port", first_port, "first listening port on 127.0.0.1");
  CLI11_PARSE(app, argc, argv);

  xvsd::bench::Responder responder(first_port, backends, static_cast<std::uint16_t>(first_port - 1));
  std::atomic<std::uint64_t> passed{0};
  std::atomic<std::uint64_t> failed{0};
  std::mutex mutex;
  std::map<std::string, std::uint64_t> reasons;  // why checks failed, for the report
  xvsd::Checker checker([&](std::uint64_t, const xvsd::ProbeResult& r) {
    (r.ok ? passed : failed).fetch_add(1, std::memory_order_relaxed);
    if (!r.ok) {
      std::lock_guard lock(mutex);
      ++reasons[r.detail];
    }
  });
  std::vector<xvsd::CheckJob> jobs;
  auto lo = xvs::IPAddr::parse("127.0.0.1");
  for (unsigned i = 0; i < backends; ++i) {
    xvsd::CheckJob j;
    j.id = i + 1;
    j.interval = std::chrono::milliseconds(interval_ms);
    j.probe.address = lo;
    j.probe.timeout = std::chrono::milliseconds(timeout_ms);
    if (type == "http") {
      j.probe.type = xvsd::CheckType::http;
      j.probe.port = static_cast<std::uint16_t>(first_port + i);
    } else if (type == "syn") {
      j.probe.type = xvsd::CheckType::syn;
      j.probe.port = static_cast<std::uint16_t>(first_port + i);
    } else {
      j.probe.type = xvsd::CheckType::dns;
      j.probe.port = static_cast<std::uint16_t>(first_port - 1);
    }
    jobs.push_back(j);
  }
  checker.set(jobs);
  std::this_thread::sleep_for(std::chrono::seconds(1));  // warm-up: every job started once
  std::uint64_t p0 = passed, f0 = failed;
  double c0 = cpu_seconds();
  auto t0 = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::uint64_t p = passed - p0, f = failed - f0;
  double cpu = cpu_seconds() - c0;
  std::printf("%s checks: %u backends, interval %u ms, %u s: %.0f checks/s (%.0f asked), "
              "%llu passed, %llu failed, CPU %.0f%% of one core (checker and responder)\n",
              type.c_str(), backends, interval_ms, seconds, static_cast<double>(p + f) / wall,
              1000.0 * backends / interval_ms, static_cast<unsigned long long>(p),
              static_cast<unsigned long long>(f), 100 * cpu / wall);
  std::lock_guard lock(mutex);
  for (const auto& [why, n] : reasons)
    std::printf("  failed: %llu x %s\n", static_cast<unsigned long long>(n), why.c_str());
  return f == 0 ? 0 : 1;
}
