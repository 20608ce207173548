// SPDX-License-Identifier: Apache-2.0
// xvs-bench: how fast this library's data plane and control plane are on this kernel and
// this CPU. See --help and docs/performance.md.
//
// Exit status: 0 measured and verified; 1 a path failed its verification, or an error;
// 2 bad command line; 77 not permitted (needs root: BPF, XDP and a network namespace).
#include <unistd.h>

#include <cstdio>
#include <exception>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <xvs/error.hpp>

#include "control.hpp"
#include "fixture.hpp"
#include "paths.hpp"
#include "report.hpp"
#include "verifier_cost.hpp"

namespace {

constexpr int kNotPermitted = 77;

}  // namespace

int main(int argc, char** argv) {
  using namespace xvs::bench;
  Settings s;
  CLI::App app{"xvs-bench: data-plane and control-plane figures of libxvs on this machine.\n"
               "Runs in a private network namespace; needs root."};
  app.add_flag("--json", s.json, "Print JSON instead of tables");
  app.add_flag("--quick", s.quick,
               "Small repeats and few rounds, done in seconds (proves it works; not for judging "
               "speed)");
  auto* repeat = app.add_option("--repeat", s.repeat, "BPF_PROG_TEST_RUN repetitions per round")
                     ->check(CLI::Range(1u, 100000000u));
  auto* rounds = app.add_option("--rounds", s.rounds, "Rounds per figure (median and spread)")
                     ->check(CLI::Range(1, 1000));
  auto* flows = app.add_option("--flows", s.flows,
                               "flows_per_cpu of the measured data plane; the flow table is "
                               "filled with this many flows before the full/* paths")
                    ->check(CLI::Range(1024u, 100000000u));
  app.add_flag("--sweep", s.sweep,
               "Also the flow-count sweep (figures sweep/N/*): for each size N of --sweep-flows "
               "a data plane with flows_per_cpu N, its table filled with N x CPUs flows, then "
               "hits on established flows and new flows into the full table");
  auto* sweep_flows =
      app.add_option("--sweep-flows", s.sweep_flows,
                     "flows_per_cpu of the sweep, comma-separated (implies --sweep; default "
                     "1024,16384,65536,262144,1000000, with --quick 1024,16384)")
          ->delimiter(',')
          ->check(CLI::Range(1024u, 100000000u));
  app.add_option("--filter", s.filter,
                 "Only figures whose name matches this regular expression (e.g. 'l2/|floor')");
  app.add_option("--object", s.object,
                 "Measure this BPF object (e.g. a modified bpf/xvs.bpf.o) instead of the "
                 "embedded data plane")
      ->check(CLI::ExistingFile);
  app.add_flag("--unverified", [&s](std::int64_t) { s.verify = false; },
               "Time every path without checking its verdict, frame or counters: for data-plane "
               "variants that stop part way (scripts/ablation.sh), never for figures of a real "
               "data plane");
  app.add_option("--cpu", s.cpu, "CPU to measure on (default: the first allowed)");
  CLI11_PARSE(app, argc, argv);
  if (s.quick) {
    if (!repeat->count()) s.repeat = 20000;
    if (!rounds->count()) s.rounds = 3;
    if (!flows->count()) s.flows = 65536;
    if (!sweep_flows->count()) s.sweep_flows = {1024, 16384};
  }
  if (sweep_flows->count()) s.sweep = true;
  try {
    s.filter_re = std::regex(s.filter, std::regex::extended);
  } catch (const std::regex_error& e) {
    fmt::print(stderr, "xvs-bench: --filter {}: {}\n", s.filter, e.what());
    return 2;
  }
  if (geteuid() != 0) {
    fmt::print(stderr, "xvs-bench: needs root (BPF, XDP and a network namespace)\n");
    return kNotPermitted;
  }

  Report report;
  report.machine = this_machine();
  report.settings = s;
  try {
    Network net;
    measure_paths(net, report);
    if (s.sweep) measure_sweep(net, report);
    measure_control(net, report);
    measure_verifier(report);
  } catch (const std::exception& e) {
    fmt::print(stderr, "\n{}\n", e.what());
    return 1;
  }
  if (s.json)
    print_json(report, stdout);
  else
    print_table(report, stdout);
  if (report.failed()) {
    fmt::print(stderr, "xvs-bench: some paths FAILED their verification (see above)\n");
    return 1;
  }
  return 0;
}
