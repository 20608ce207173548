// SPDX-License-Identifier: Apache-2.0
// Running a path of the table (table.hpp): one probe repetition whose verdict and output
// frame are checked, a warm-up, then the timed rounds; afterwards the data plane's own
// counters must show that every timed repetition took the path (its reason counter) and
// created new flows or not, and the last repetition is checked like the probe.
#include "paths.hpp"

#include <linux/bpf.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include <fmt/format.h>
#include <xvs/xvs.hpp>

#include "../../bpf/abi.h"
#include "bpf_loader.hpp"
#include "harness.hpp"
#include "table.hpp"
#include "verify.hpp"

namespace xvs::bench {

namespace {

constexpr std::uint32_t kWarmup = 10000;

class Runner {
public:
  Runner(const Network& net, Client& client, Harness& h, int program, const Settings& s)
      : net_(net), client_(client), h_(h), program_(program), s_(s) {}

  Floor floor();
  PathResult run(const Path& p);
  Fill fill(const Path& p, std::uint32_t flows);

private:
  struct Counts {
    Metrics reasons;
    std::uint64_t flows = 0;
  };
  Counts counts() {
    Info i = client_.info();
    return {i.metrics, i.stats.connections};
  }
  static std::uint64_t delta(const Counts& a, const Counts& b, const char* reason) {
    return b.reasons.at(reason) - a.reasons.at(reason);
  }
  static std::string counted_as(const Counts& a, const Counts& b);
  double overhead(const Bytes& frame, const std::optional<VaryOffsets>& vary);
  void load(const Bytes& frame, const std::optional<VaryOffsets>& vary,
            std::uint64_t span = 0) {
    h_.set_frame(frame, vary, next_flow_, span);
  }
  std::string check(const Path& p, const Bytes& in, const Run& r) {
    return check_run(p, in, r, net_.mac());
  }
  Bytes frame_of(FrameSpec spec) const {  // addressed to the balancer
    spec.dst = net_.mac();
    return build(spec);
  }

  const Network& net_;
  Client& client_;
  Harness& h_;
  int program_;
  const Settings& s_;
  std::optional<Summary> nop_direct_;
  std::map<std::pair<std::size_t, bool>, double> overheads_;
  std::uint64_t next_flow_ = 0;  // varied frames never repeat a flow number
};

std::string Runner::counted_as(const Counts& a, const Counts& b) {
  std::string out;
  // Info::metrics also holds the global counters and the latency: not reasons.
  static const std::set<std::string> not_reasons{"packets", "octets", "flows", "errors", "syn",
                                                 "ack", "fin", "rst", "latency_ns",
                                                 "latency_samples"};
  for (const auto& [name, value] : b.reasons)
    if (!not_reasons.contains(name) && value != a.reasons.at(name))
      out += (out.empty() ? "" : ", ") + name;
  return out.empty() ? "no reason counted" : out;
}

// What the wrapper adds to a repetition of this frame: the wrapper tail-calling the nop,
// minus the nop run directly (the test-run loop's own cost stays in every figure, as it
// does in the floor's).
double Runner::overhead(const Bytes& frame, const std::optional<VaryOffsets>& vary) {
  auto key = std::make_pair(frame.size(), vary.has_value());
  if (auto it = overheads_.find(key); it != overheads_.end()) return it->second;
  if (!nop_direct_) nop_direct_ = h_.time_direct(h_.nop(), frame, s_.rounds, s_.repeat).ns;
  h_.set_target(h_.nop());
  load(frame, vary);
  Timed t = h_.time(s_.rounds, s_.repeat);
  if (t.last.verdict != XDP_TX)
    throw Error(Errc::system, fmt::format("xvs-bench: the wrapper returned {} around the nop",
                                          verdict_name(t.last.verdict)));
  return overheads_[key] = t.ns.median - nop_direct_->median;
}

Floor Runner::floor() {
  const Bytes frame = frame_of(reference_frame());
  Floor f;
  f.frame_bytes = frame.size();
  double cost = overhead(frame, std::nullopt);
  f.nop_direct = *nop_direct_;
  Timed direct = h_.time_direct(h_.swap(), frame, s_.rounds, s_.repeat);
  h_.set_target(h_.swap());
  load(frame, std::nullopt);
  Timed wrapped = h_.time(s_.rounds, s_.repeat);
  Bytes swapped = frame;
  std::swap_ranges(swapped.begin(), swapped.begin() + 6, swapped.begin() + 6);
  if (direct.last.verdict != XDP_TX || wrapped.last.verdict != XDP_TX || wrapped.last.out != swapped)
    throw Error(Errc::system, "xvs-bench: the trivial program did not swap the MACs and XDP_TX");
  f.swap_direct = direct.ns;
  f.swap_wrapped = wrapped.ns;
  f.swap_net = wrapped.ns.minus(cost);
  return f;
}

PathResult Runner::run(const Path& p) {
  PathResult res;
  res.name = p.name;
  const std::uint64_t span = std::min<std::uint64_t>(p.span, s_.flows / 2);
  res.description = p.span ? fmt::format(fmt::runtime(p.description), span) : p.description;
  res.backends = p.pool ? p.pool->backends : 0;
  res.target = p.target;
  const Bytes frame = frame_of(p.frame);
  res.frame_bytes = frame.size();
  std::optional<VaryOffsets> vary;
  if (p.vary) vary = vary_offsets(p.frame);
  const double cost = overhead(frame, vary);

  h_.set_target(program_);
  load(frame, vary, span);
  Counts before = counts();
  Run probe = h_.run(1);
  Counts probed = counts();
  if (p.pool && p.pool->tunnel != TunnelType::None && probe.verdict == XDP_DROP &&
      delta(before, probed, "err_tunnel") == 1) {
    res.status = "n/a (not supported by this data plane)";
    return res;
  }
  if (std::string why = check(p, frame, probe); !why.empty()) {
    res.status = fmt::format("FAILED: {} (counted as {})", why, counted_as(before, probed));
    return res;
  }

  // Long enough for a cycle of flows to be in the table before the timing starts.
  h_.run(static_cast<std::uint32_t>(std::max<std::uint64_t>(kWarmup, span)));
  Counts warm = counts();
  Timed t = h_.time(s_.rounds, s_.repeat);
  Counts after = counts();
  const std::uint64_t sent = std::uint64_t{s_.repeat} * static_cast<unsigned>(s_.rounds);
  const std::uint64_t flows = after.flows - warm.flows;
  const std::uint64_t want_flows = p.vary && !span ? sent : 0;
  if (std::string why = check(p, frame, t.last); !why.empty())
    res.status = fmt::format("FAILED in the last repetition: {}", why);
  else if (delta(warm, after, p.reason) != sent)
    res.status = fmt::format("FAILED: {} of {} repetitions counted as {} ({})",
                             delta(warm, after, p.reason), sent, p.reason,
                             counted_as(warm, after));
  else if (flows != want_flows)
    res.status = fmt::format("FAILED: {} new flows in {} repetitions, expected {}", flows, sent,
                             want_flows);
  if (p.vary) next_flow_ = h_.next_flow();
  res.raw = t.ns;
  res.net = t.ns.minus(cost);
  return res;
}

Fill Runner::fill(const Path& p, std::uint32_t flows) {
  const Bytes frame = frame_of(p.frame);
  h_.set_target(program_);
  load(frame, vary_offsets(p.frame));
  Counts before = counts();
  double ns = 0;
  Run r = h_.run(flows, &ns);
  Fill f;
  f.seconds = ns * flows / 1e9;
  f.flows = flows;
  Counts after = counts();
  next_flow_ = h_.next_flow();
  if (r.verdict != XDP_TX || after.flows - before.flows != flows)
    throw Error(Errc::system,
                fmt::format("xvs-bench: filling the flow table: {} after {} new flows of {}",
                            verdict_name(r.verdict), after.flows - before.flows, flows));
  Fd map = program_map(program_, "flows");
  f.entries = count_entries(map.get(), sizeof(xvs_flow_key));
  return f;
}

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

std::vector<std::uint8_t> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<std::uint8_t> out((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof())
    throw Error(Errc::invalid_argument, fmt::format("xvs-bench: cannot read {}", path));
  return out;
}

}  // namespace

void measure_paths(const Network& net, Report& report) {
  const Settings& s = report.settings;
  std::vector<Path> wanted;
  for (auto& p : path_table())
    if (s.wanted(p.name)) wanted.push_back(std::move(p));

  Options options;
  options.flows_per_cpu = s.flows;
  if (!s.object.empty()) options.bpf_program = read_file(s.object);
  Client client({kInterface}, options);
  configure(client, wanted);
  report.machine.bench_cpu = pin(s.cpu);
  Harness h;
  Fd program = attached_program(net.ifindex());
  h.set_target(program.get());
  Runner runner(net, client, h, program.get(), s);

  progress("floor");
  report.floor = runner.floor();
  bool filled = false;
  for (const auto& p : wanted) {
    if (p.full_table && !filled) {
      progress(fmt::format("filling the flow table with {} flows", s.flows));
      // The per-CPU LRU list of this CPU holds flows_per_cpu entries.
      report.fill = runner.fill(p, s.flows);
      report.fill->capacity = std::uint64_t{s.flows} * detail::possible_cpus();
      filled = true;
    }
    progress(p.name);
    report.paths.push_back(runner.run(p));
  }
  progress("");
}

}  // namespace xvs::bench
