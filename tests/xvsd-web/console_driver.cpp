// SPDX-License-Identifier: Apache-2.0
// xvsd-web-test-driver: serves a real xvsd::web::Server whose StatusSource is a made-up
// balancer whose counters grow with time, so that the console has rates to show without a
// data plane. Prints "url=<console URL>" on stdout once listening; exits on SIGINT/SIGTERM or
// after --seconds.
//   xvsd-web-test-driver [--listen 127.0.0.1:0] [--seconds 300]
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>

#include <fmt/format.h>

#include "sample_status.hpp"
#include "server.hpp"

namespace {

using Clock = std::chrono::steady_clock;

std::uint64_t wall_ms() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

// Adds `per_second` packets (of 500 bytes, one new flow per 10) for every elapsed second.
void grow(xvs::Stats& s, double seconds, double per_second) {
  const auto packets = static_cast<std::uint64_t>(seconds * per_second);
  s.incoming_packets += packets;
  s.incoming_bytes += packets * 500;
  s.connections += packets / 10;
}

// The sample status plus a second, IPv6 VIP whose only backend fails its check; the healthy
// backend of the first VIP takes 120 packets/s, the IPv6 one nothing.
class FakeDaemon {
public:
  xvsd::Status snapshot() {
    const double t = std::chrono::duration<double>(Clock::now() - start_).count();
    xvsd::Status st = xvsd::test::sample_status();
    st.started_ms = started_ms_;
    st.taken_ms = wall_ms();
    {
      std::lock_guard lock(mutex_);
      st.config_generation = generation_;
    }
    xvsd::VipStatus v6 = st.vips[0];  // copied before its counters grow: it gets no traffic
    v6.address = xvs::IPAddr::parse("2001:db8::1");
    v6.data.address = v6.address;
    v6.healthy = false;
    auto& dns = v6.services[0];
    dns.name = "dns";
    dns.description = "resolver";
    dns.healthy = false;
    dns.data.service = {v6.address, 53, xvs::Protocol::UDP};
    dns.data.metrics = v6.data.metrics = {{"current", 0}};
    dns.backends.resize(1);
    auto& b = dns.backends[0];
    b.address = xvs::IPAddr::parse("2001:db8:1::2");
    b.nat = xvs::IPAddr::parse("fd6e:6174::2");
    b.healthy = false;
    b.data.active_connections = 0;
    b.checks = {{"dns", "[fd6e:6174::2]:53", false, "timeout", st.taken_ms, 2000000}};

    auto& vip = st.vips[0];
    auto& svc = vip.services[0];
    grow(svc.backends[0].data.stats, t, 120);
    for (auto* s : {&svc.data.stats, &vip.data.stats, &st.info.stats}) grow(*s, t, 120);
    for (auto& backend : svc.backends)
      for (auto& c : backend.checks) c.last_run_ms = st.taken_ms;
    st.vips.push_back(v6);
    // Healthy things have been since the start, failing ones for the last 42 s of it.
    auto since = [&](bool healthy) { return healthy ? started_ms_ : start_ms_ - 42000; };
    for (auto& v : st.vips) {
      v.since_ms = since(v.healthy);
      for (auto& s : v.services) {
        s.since_ms = since(s.healthy);
        for (auto& backend : s.backends) backend.since_ms = since(backend.healthy);
      }
    }
    return st;
  }

  xvsd::ReloadResult reload() {
    std::lock_guard lock(mutex_);
    return {true, fmt::format("generation {}", ++generation_)};
  }

private:
  const Clock::time_point start_ = Clock::now();
  const std::uint64_t start_ms_ = wall_ms();
  const std::uint64_t started_ms_ = start_ms_ - 3723000;  // "up 1h 2m 3s" at start
  std::mutex mutex_;
  std::uint64_t generation_ = 2;
};

}  // namespace

int main(int argc, char** argv) {
  std::string listen = "127.0.0.1:0";
  long seconds = 300;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--listen")) listen = argv[i + 1];
    else if (!std::strcmp(argv[i], "--seconds")) seconds = std::stol(argv[i + 1]);
    else {
      fmt::print(stderr, "usage: {} [--listen ADDR] [--seconds N]\n", argv[0]);
      return 2;
    }
  }
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // before the server's threads inherit the mask

  try {
    FakeDaemon daemon;
    xvsd::web::Server server(listen, {[&] { return daemon.snapshot(); },
                                      [&] { return daemon.reload(); }});
    fmt::print("url={}\n", server.url());
    std::fflush(stdout);
    const timespec timeout{seconds, 0};
    sigtimedwait(&set, nullptr, &timeout);
  } catch (const std::exception& e) {
    fmt::print(stderr, "xvsd-web-test-driver: {}\n", e.what());
    return 1;
  }
  return 0;
}
