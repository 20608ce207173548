// SPDX-License-Identifier: Apache-2.0
// xvs-decap [--vip ADDR]... [--peer ADDR]... [--fou-port P] [--gue-port P] [--native]
//           [-i SECS] <interface>
// Decapsulates the balancer's IPIP/GRE/FOU/GUE packets on a backend (docs/tunnels.md).
#include <csignal>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <xvs/error.hpp>

#include "dataplane/bpf_loader.hpp"
#include "dataplane/xdp_attachment.hpp"
#include "decapsulator.hpp"
#include "net/netlink.hpp"

namespace {

using Clock = std::chrono::steady_clock;
// How often this host's addresses are re-read, so that addresses added later work.
constexpr auto kRefresh = std::chrono::seconds(1);

struct Settings {
  std::string interface;
  xvs::decap::Filter filter;
  bool native = false;
  unsigned interval = 0;  // seconds between counter lines; 0: only at exit
};

Settings parse_settings(int argc, char** argv) {
  CLI::App app{
      "Backend-side tunnel decapsulator for libxvs.\n"
      "Attaches an XDP program to <interface> that removes the IPIP, GRE, FOU and GUE\n"
      "headers of packets addressed to this host and passes the inner packets on."};
  app.footer(
      "Only --vip inner destinations and --peer outer sources are accepted when given.\n"
      "Prints counters every -i seconds and at exit; SIGINT or SIGTERM detach and exit.");
  app.get_formatter()->column_width(24);

  const CLI::Validator address_check(
      [](std::string& text) -> std::string {
        return xvs::IPAddr::try_parse(text) ? "" : "not an IP address: " + text;
      },
      "ADDRESS");
  Settings s;
  std::vector<std::string> vips, peers;
  app.add_option("interface", s.interface, "Interface to attach to")->required();
  app.add_option("--vip", vips, "Accepted inner destination (repeatable; default any)")
      ->check(address_check)
      ->allow_extra_args(false);
  app.add_option("--peer", peers, "Accepted outer source, a balancer (repeatable; default any)")
      ->check(address_check)
      ->allow_extra_args(false);
  app.add_option("--fou-port", s.filter.fou_port, "Decapsulate FOU on this UDP port")
      ->check(CLI::Range(1, 65535));
  app.add_option("--gue-port", s.filter.gue_port, "Decapsulate GUE on this UDP port")
      ->check(CLI::Range(1, 65535));
  app.add_flag("--native", s.native, "Native (driver) XDP instead of generic");
  app.add_option("-i,--interval", s.interval, "Seconds between counter lines (0 = at exit)")
      ->check(CLI::Range(0, 86400));
  try {
    app.parse(argc, argv);
    if (s.filter.fou_port && s.filter.fou_port == s.filter.gue_port)
      throw CLI::ValidationError(
          "--gue-port", fmt::format("FOU and GUE cannot share port {}", s.filter.gue_port));
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);  // prints the help or the error
    std::exit(code == 0 ? 0 : 2);
  }
  for (const auto& v : vips) s.filter.vips.push_back(xvs::IPAddr::parse(v));
  for (const auto& p : peers) s.filter.peers.push_back(xvs::IPAddr::parse(p));
  return s;
}

// SIGINT/SIGTERM are blocked and taken synchronously with sigtimedwait.
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

std::string list(const std::vector<xvs::IPAddr>& addrs) {
  return addrs.empty() ? std::string("any") : fmt::format("{}", fmt::join(addrs, " "));
}

std::string describe(const Settings& s) {
  std::string tunnels = "IPIP, GRE";
  if (s.filter.fou_port) tunnels += fmt::format(", FOU port {}", s.filter.fou_port);
  if (s.filter.gue_port) tunnels += fmt::format(", GUE port {}", s.filter.gue_port);
  return fmt::format("{} ({} XDP); {}; VIPs: {}; peers: {}", s.interface,
                     s.native ? "native" : "generic", tunnels, list(s.filter.vips),
                     list(s.filter.peers));
}

// "decapsulated: ipip=1 ...; passed: not_ip=0 ...; dropped: wrong_peer=0 ..."
std::string format_counts(const xvs::decap::Counts& c) {
  const auto group = [&](const char* title, std::size_t from, std::size_t to) {
    std::string out = title;
    for (std::size_t i = from; i < to; ++i)
      out += fmt::format(" {}={}", xvs::decap::reason_name(i), c[i]);
    return out;
  };
  return group("decapsulated:", XVS_DECAP_R_FIRST_DECAP, XVS_DECAP_R_FIRST_DROP) + ";" +
         group(" passed:", 0, XVS_DECAP_R_FIRST_DECAP) + ";" +
         group(" dropped:", XVS_DECAP_R_FIRST_DROP, XVS_DECAP_REASONS);
}

void print(const std::string& line) {
  fmt::print("{}\n", line);
  std::fflush(stdout);
}

int run(const Settings& s, const sigset_t& stop) {
  const int ifindex = xvs::detail::interface_index(s.interface);
  if (ifindex == 0)
    throw xvs::Error(xvs::Errc::invalid_argument, fmt::format("no interface {}", s.interface));
  xvs::decap::Decapsulator decap(s.filter);
  decap.set_locals(xvs::decap::local_addresses());
  const xvs::detail::XdpAttachment attachment(decap.program_fd(), ifindex, s.native);
  print("xvs-decap: " + describe(s));

  const auto interval = std::chrono::seconds(s.interval);
  auto next_print = Clock::now() + interval;
  int sig = 0;
  while ((sig = wait_signal(stop, kRefresh)) == 0) {
    try {
      decap.set_locals(xvs::decap::local_addresses());
    } catch (const xvs::Error& e) {  // keep decapsulating for the addresses known so far
      fmt::print(stderr, "xvs-decap: warning: local addresses not refreshed: {}\n", e.what());
    }
    if (s.interval && Clock::now() >= next_print) {
      print(format_counts(decap.counts()));
      next_print += interval;
    }
  }
  print(format_counts(decap.counts()));
  print(fmt::format("xvs-decap: got {}, detaching from {}", sig == SIGINT ? "SIGINT" : "SIGTERM",
                    s.interface));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Settings settings = parse_settings(argc, argv);
  const sigset_t stop = stop_signals();
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  try {
    return run(settings, stop);
  } catch (const xvs::Error& e) {
    fmt::print(stderr, "xvs-decap: error ({}): {}\n", xvs::to_string(e.code()), e.what());
  } catch (const std::exception& e) {
    fmt::print(stderr, "xvs-decap: error: {}\n", e.what());
  }
  return 1;
}
