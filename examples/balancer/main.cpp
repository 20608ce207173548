// SPDX-License-Identifier: Apache-2.0
// balancer [options] <interface> <prefix> <vip> <rip>... — see --help and docs/design.md.
#include <csignal>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <memory>
#include <set>

#include <fmt/format.h>

#include "flowshare/transport.hpp"
#include "options.hpp"
#include "stats.hpp"

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto tick = std::chrono::milliseconds(100);

// SIGINT/SIGTERM are blocked in every thread (the Client's threads inherit the mask) and
// taken synchronously with sigtimedwait, so no handler runs in an arbitrary context.
sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

// Waits up to `timeout` for a stop signal; returns it, or 0.
int wait_signal(const sigset_t& set, Clock::duration timeout) {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(timeout).count();
  const timespec ts{.tv_sec = static_cast<time_t>(ns / 1000000000),
                    .tv_nsec = static_cast<long>(ns % 1000000000)};
  const int sig = sigtimedwait(&set, nullptr, &ts);
  return sig > 0 ? sig : 0;
}

int run(const balancer::Settings& s, const sigset_t& stop) {
  xvs::Client client({s.interface}, s.client_options());
  const auto services = s.services();
  const auto destinations = s.destinations();
  for (const auto& svc : services) client.set_service(svc, destinations);
  // After the services exist: records about them are refused before.
  std::unique_ptr<flowshare::FlowShare> exchange;
  if (s.flow_port) {
    exchange = std::make_unique<flowshare::FlowShare>(
        client, flowshare::Settings{.self = s.share_self,
                                      .peers = s.peers,
                                      .port = s.flow_port,
                                      .key = flowshare::load_key(s.flow_key)});
  }
  fmt::print("balancer: {} ({}{}), {} XDP; {} service(s) x {} destination(s){}\n", s.interface,
             s.prefix, s.other_prefix ? ", " + s.other_prefix->to_string() : "",
             s.native ? "native" : "generic", services.size(), destinations.size(),
             s.run_seconds ? fmt::format("; running {} s", s.run_seconds) : "");
  // Health checks: a connection to the NAT address reaches the VIP on that backend.
  std::set<xvs::IPAddr> vips;
  for (const auto& svc : services)
    if (vips.insert(svc.address).second)
      for (const auto& d : destinations)
        fmt::print("nat {} -> {} on {}\n", client.nat(svc.address, d.address), svc.address,
                   d.address);
  std::fflush(stdout);

  balancer::StatsPrinter printer(stdout);
  const auto start = Clock::now();
  const auto interval = std::chrono::seconds(s.interval);
  auto next_stats = start + interval;
  bool ready = false;
  int sig = 0;
  while (sig == 0) {
    const auto now = Clock::now();
    if (s.run_seconds && now - start >= std::chrono::seconds(s.run_seconds)) break;
    if (!ready && (ready = balancer::all_resolved(client))) {
      fmt::print("ready after {:.1f} s: every destination's MAC is resolved\n",
                 std::chrono::duration<double>(now - start).count());
      std::fflush(stdout);
    }
    if (now >= next_stats) {
      printer.print(client);
      if (exchange) fmt::print("flow sharing: {}\n", flowshare::summary(exchange->status()));
      std::fflush(stdout);
      next_stats += interval;
    }
    sig = wait_signal(stop, tick);
  }

  printer.print(client);
  if (exchange) fmt::print("flow sharing: {}\n", flowshare::summary(exchange->status()));
  exchange.reset();
  for (const auto& svc : services) client.remove_service(svc);
  fmt::print("balancer: {}; services removed, detaching\n",
             sig ? fmt::format("got {}", sig == SIGINT ? "SIGINT" : "SIGTERM")
                 : std::string("run time over"));
  std::fflush(stdout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const auto settings = balancer::parse_settings(argc, argv);
  const sigset_t stop = stop_signals();
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  // A closed stdout (`balancer ... | head`) must not kill us before ~Client detaches XDP:
  // with SIGPIPE ignored, writes just fail and the balancer runs and exits as usual.
  std::signal(SIGPIPE, SIG_IGN);
  try {
    return run(settings, stop);
  } catch (const xvs::Error& e) {
    fmt::print(stderr, "balancer: error ({}): {}\n", xvs::to_string(e.code()), e.what());
  } catch (const std::exception& e) {
    fmt::print(stderr, "balancer: error: {}\n", e.what());
  }
  return 1;
}
