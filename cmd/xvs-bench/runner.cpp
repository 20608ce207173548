// SPDX-License-Identifier: Apache-2.0
#include "runner.hpp"

#include <linux/bpf.h>

#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <xvs/error.hpp>

#include "../../bpf/abi.h"
#include "bpfinfo.hpp"
#include "dataplane/flow_table.hpp"
#include "verify.hpp"

namespace xvs::bench {

namespace {

constexpr std::uint32_t kWarmup = 10000;

std::uint64_t delta(const Metrics& a, const Metrics& b, const char* reason) {
  return b.at(reason) - a.at(reason);
}

// The reasons whose counters moved between `a` and `b`, for error messages.
std::string counted_as(const Metrics& a, const Metrics& b) {
  // Info::metrics also holds the global counters and the latency: not reasons.
  static const std::set<std::string> not_reasons{"packets", "octets", "flows", "errors", "syn",
                                                 "ack", "fin", "rst", "latency_ns",
                                                 "latency_samples"};
  std::string out;
  for (const auto& [name, value] : b)
    if (!not_reasons.contains(name) && value != a.at(name))
      out += (out.empty() ? "" : ", ") + name;
  return out.empty() ? "no reason counted" : out;
}

}  // namespace

Runner::Runner(const Network& net, Client& client, Harness& h, int program, const Settings& s)
    : net_(net),
      client_(client),
      h_(h),
      program_(program),
      s_(s),
      reference_(frame_of(reference_frame())) {}

Runner::Counts Runner::counts() {
  Info i = client_.info();
  return {i.metrics, i.stats.connections};
}

Bytes Runner::frame_of(FrameSpec spec) const {
  spec.dst = net_.mac();
  return build(spec);
}

std::size_t Runner::add(std::function<double()> round) {
  series_.push_back({std::move(round), {}});
  return series_.size() - 1;
}

// The nop run directly. Subtracted from the wrapper around it, it leaves the wrapper's own
// cost: the test-run loop's cost stays in every figure, as it stays in the floor's.
std::size_t Runner::nop_series() {
  if (!nop_)
    nop_ = add([this] {
      double ns = 0;
      if (Run r = h_.run_direct(h_.nop(), reference_, s_.repeat, &ns); r.verdict != XDP_TX)
        throw Error(Errc::system, "xvs-bench: the nop did not return XDP_TX");
      return ns;
    });
  return *nop_;
}

// The wrapper tail-calling the nop, for frames of this length and vary mode.
std::size_t Runner::cost_series(const Bytes& frame, const std::optional<VaryOffsets>& vary) {
  auto key = std::make_pair(frame.size(), vary.has_value());
  if (auto it = costs_.find(key); it != costs_.end()) return it->second;
  return costs_[key] = add([this, frame, vary] {
           h_.set_target(h_.nop());
           h_.set_frame(frame, vary);
           double ns = 0;
           if (Run r = h_.run(s_.repeat, &ns); r.verdict != XDP_TX)
             throw Error(Errc::system, fmt::format("xvs-bench: the wrapper returned {}",
                                                   verdict_name(r.verdict)));
           return ns;
         });
}

Summary Runner::net(const std::vector<double>& raw, std::size_t cost, std::size_t nop) const {
  std::vector<double> out;
  for (std::size_t i = 0; i < raw.size(); ++i)
    out.push_back(raw[i] - (series_[cost].ns.at(i) - series_[nop].ns.at(i)));
  return Summary::of(out);
}

void Runner::start_floor() {
  Bytes swapped = reference_;
  std::swap_ranges(swapped.begin(), swapped.begin() + 6, swapped.begin() + 6);
  nop_direct_ = nop_series();
  swap_direct_ = add([this] {
    double ns = 0;
    if (Run r = h_.run_direct(h_.swap(), reference_, s_.repeat, &ns); r.verdict != XDP_TX)
      throw Error(Errc::system, "xvs-bench: the trivial program did not return XDP_TX");
    return ns;
  });
  swap_wrapped_ = add([this, swapped] {
    h_.set_target(h_.swap());
    h_.set_frame(reference_);
    double ns = 0;
    Run r = h_.run(s_.repeat, &ns);
    if (r.verdict != XDP_TX || r.out != swapped)
      throw Error(Errc::system, "xvs-bench: the trivial program did not swap the MACs");
    return ns;
  });
  floor_cost_ = cost_series(reference_, std::nullopt);
}

Floor Runner::floor() const {
  Floor f;
  f.frame_bytes = reference_.size();
  f.nop_direct = Summary::of(series_[nop_direct_].ns);
  f.swap_direct = Summary::of(series_[swap_direct_].ns);
  f.swap_wrapped = Summary::of(series_[swap_wrapped_].ns);
  f.swap_net = net(series_[swap_wrapped_].ns, floor_cost_, nop_direct_);
  return f;
}

void Runner::load(const Live& lv) {
  h_.set_target(program_);
  h_.set_frame(lv.frame, lv.vary, lv.span ? lv.first : next_flow_, lv.span);
}

void Runner::start(const Path& p) {
  Live& lv = lives_.emplace_back();
  PathResult& res = lv.result;
  lv.path = &p;
  lv.span = std::min<std::uint64_t>(p.span, s_.flows / 2);
  lv.first = next_flow_;
  res.name = p.name;
  res.description = p.span ? fmt::format(fmt::runtime(p.description), lv.span) : p.description;
  res.backends = p.pool && p.expect == Expect::forward ? p.pool->backends : 0;
  res.target = p.target;
  lv.frame = frame_of(p.frame);
  res.frame_bytes = lv.frame.size();
  if (p.vary) lv.vary = vary_offsets(p.frame);

  load(lv);
  Counts before = counts();
  Run probe = h_.run(1);
  Counts probed = counts();
  if (s_.verify && p.pool && p.pool->tunnel != TunnelType::None && probe.verdict == XDP_DROP &&
      delta(before.reasons, probed.reasons, "err_tunnel") == 1) {
    res.status = "n/a (not supported by this data plane)";
    return;
  }
  if (std::string why = s_.verify ? check_run(p, lv.frame, probe, net_.mac()) : "";
      !why.empty()) {
    res.status =
        fmt::format("FAILED: {} (counted as {})", why, counted_as(before.reasons, probed.reasons));
    return;
  }
  // Long enough for a whole cycle of flows to be in the table before any timing.
  h_.run(static_cast<std::uint32_t>(std::max<std::uint64_t>(kWarmup, lv.span)));
  next_flow_ = lv.span ? lv.first + lv.span : h_.next_flow();
  lv.nop = nop_series();
  lv.cost = cost_series(lv.frame, lv.vary);
  lv.series = add([this, &lv] { return round(lv); });
}

double Runner::round(Live& lv) {
  load(lv);
  h_.run(1);
  Counts a = counts();
  double ns = 0;
  Run r = h_.run(s_.repeat, &ns);
  Counts b = counts();
  if (lv.vary && !lv.span) next_flow_ = h_.next_flow();
  lv.sent += s_.repeat;
  lv.counted += delta(a.reasons, b.reasons, lv.path->reason);
  lv.new_flows += b.flows - a.flows;
  if (std::string why = s_.verify ? check_run(*lv.path, lv.frame, r, net_.mac()) : "";
      !why.empty() && lv.failure.empty())
    lv.failure = fmt::format("FAILED in round {}: {} (counted as {})",
                             series_[*lv.series].ns.size() + 1, why,
                             counted_as(a.reasons, b.reasons));
  return ns;
}

void Runner::rounds() {
  for (int i = 0; i < s_.rounds; ++i)
    for (auto& s : series_)
      if (s.ns.size() < static_cast<std::size_t>(s_.rounds)) s.ns.push_back(s.round());
  // The next group measures its own nop and wrapper cost, in its own rounds.
  nop_.reset();
  costs_.clear();
}

std::vector<PathResult> Runner::finish() {
  std::vector<PathResult> out;
  for (; finished_ < lives_.size(); ++finished_) {
    Live& lv = lives_[finished_];
    PathResult& res = lv.result;
    if (lv.series) {
      const std::uint64_t want_flows = lv.vary && !lv.span ? lv.sent : 0;
      res.raw = Summary::of(series_[*lv.series].ns);
      res.net = net(series_[*lv.series].ns, lv.cost, lv.nop);
      if (!s_.verify) {
        // --unverified: the figures only.
      } else if (!lv.failure.empty()) {
        res.status = lv.failure;
      } else if (lv.counted != lv.sent) {
        res.status = fmt::format("FAILED: {} of {} repetitions counted as {}", lv.counted,
                                 lv.sent, lv.path->reason);
      } else if (lv.new_flows != want_flows) {
        res.status = fmt::format("FAILED: {} new flows in {} repetitions, expected {}",
                                 lv.new_flows, lv.sent, want_flows);
      }
    }
    out.push_back(res);
  }
  return out;
}

Fill Runner::fill(const Path& p, std::uint32_t flows) {
  h_.set_target(program_);
  h_.set_frame(frame_of(p.frame), vary_offsets(p.frame), next_flow_);
  Counts before = counts();
  double ns = 0;
  Run r = h_.run(flows, &ns);
  Counts after = counts();
  next_flow_ = h_.next_flow();
  if (s_.verify && (r.verdict != XDP_TX || after.flows - before.flows != flows))
    throw Error(Errc::system,
                fmt::format("xvs-bench: filling the flow table: {} after {} new flows of {}",
                            verdict_name(r.verdict), after.flows - before.flows, flows));
  Fill f;
  f.flows = flows;
  f.seconds = ns * flows / 1e9;
  // A variant that stops before the flow table (--unverified) has no "flows" map.
  if (!s_.verify) return f;
  Fd map = program_map(program_, "flows");
  const detail::FlowTable table(map.get());
  f.entries = table.count(XVS_FLOW_NEW) + table.count(XVS_FLOW_ESTABLISHED);
  return f;
}

}  // namespace xvs::bench
