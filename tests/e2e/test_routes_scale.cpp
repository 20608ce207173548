// SPDX-License-Identifier: Apache-2.0
// Routes at scale: a Client in a namespace whose main table holds 500,000 routes (a full
// BGP table is about twice that) keeps following its destinations' next hops. Correctness
// is asserted (each destination ends up on the next hop its route names); the reaction time
// to a route change and the Client's CPU use are measured and printed, with an empty table
// and with the full one, for docs/performance.md. Timing is not asserted beyond generous
// bounds.
#include <catch2/catch.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <xvs/xvs.hpp>

#include "client_state.hpp"
#include "next_hops.hpp"

using namespace xvs;
using xvs::test::kMacA;
using xvs::test::kMacB;
using xvs::test::Network;
using xvs::test::ScopedNetns;
using xvs::test::react;
using xvs::test::tunnelled;
using xvs::test::wait_mac;
using xvs::test::web;

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kRoutes = 500000;
constexpr auto kCpuWindow = std::chrono::seconds(5);

const MAC kMacLocal{0x02, 0, 0, 0, 0, 0x09};

// CPU time (user + system) of this process over kCpuWindow, in milliseconds per second. The
// test's own thread sleeps meanwhile, so this is the Client's threads.
double cpu_ms_per_s() {
  const auto used = [] {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e3 +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e3;
  };
  const double before = used();
  std::this_thread::sleep_for(kCpuWindow);
  return (used() - before) / std::chrono::duration<double>(kCpuWindow).count();
}

// Moves 172.16.0.0/24 between the routers `rounds` times; the median reaction in ms.
double median_reaction(Client& c, int rounds) {
  std::vector<double> ms;
  for (int i = 0; i < rounds; i++) {
    const bool to_b = i % 2 == 0;
    const double t = react(c, "172.16.0.5",
                           std::string("ip route replace 172.16.0.0/24 via ") +
                               (to_b ? "10.0.0.3" : "10.0.0.2") + " dev v0",
                           to_b ? kMacB : kMacA);
    REQUIRE(t >= 0);
    ms.push_back(t);
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

// kRoutes /24 routes via router A from 30.0.0.0 on, as `ip -batch` input.
std::string write_routes() {
  char path[] = "/tmp/xvs-routes-XXXXXX";
  const int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  close(fd);
  std::ofstream out(path);
  for (int i = 0; i < kRoutes; i++)
    out << "route add " << 30 + (i >> 16) << '.' << ((i >> 8) & 0xff) << '.' << (i & 0xff)
        << ".0/24 via 10.0.0.2 dev v0\n";
  return path;
}

struct Removed {
  std::string path;
  ~Removed() { std::remove(path.c_str()); }
};

}  // namespace

TEST_CASE("with 500,000 routes the Client follows next hops as fast, at flat CPU use") {
  Network net;  // anonymous namespace: its routes go with it, whatever happens
  xvs::test::add_routers();
  ScopedNetns::sh("ip neigh replace 10.0.0.9 lladdr 02:00:00:00:00:09 dev v0 nud permanent");
  ScopedNetns::sh("ip route add 172.16.0.0/24 via 10.0.0.2 dev v0");
  ScopedNetns::sh("ip route add 172.16.1.0/24 via 10.0.0.2 dev v0");
  const Removed batch{write_routes()};

  Client c({"v0"}, xvs::test::small_options());
  c.create_service(web());
  c.create_destination(web(), tunnelled("172.16.0.5"));
  c.create_destination(web(), tunnelled("172.16.1.5"));
  Destination local;
  local.address = IPAddr::parse("10.0.0.9");
  c.create_destination(web(), local);
  REQUIRE(wait_mac(c, "172.16.0.5", kMacA));
  REQUIRE(wait_mac(c, "172.16.1.5", kMacA));
  REQUIRE(wait_mac(c, "10.0.0.9", kMacLocal));

  const double empty_cpu = cpu_ms_per_s();
  const double empty_react = median_reaction(c, 6);

  const auto start = Clock::now();
  ScopedNetns::sh("ip -batch " + batch.path);
  const double install_s = std::chrono::duration<double>(Clock::now() - start).count();
  // The burst of events has been absorbed when a change after it is seen.
  REQUIRE(react(c, "172.16.1.5", "ip route replace 172.16.1.0/24 via 10.0.0.3 dev v0",
                kMacB) >= 0);

  const double full_cpu = cpu_ms_per_s();
  const double full_react = median_reaction(c, 6);

  // Among the many routes: a more specific route added, then withdrawn, moves the next hop.
  const double add_ms =
      react(c, "172.16.1.5", "ip route add 172.16.1.0/28 via 10.0.0.2 dev v0", kMacA);
  CHECK(add_ms >= 0);
  const double del_ms =
      react(c, "172.16.1.5", "ip route del 172.16.1.0/28 via 10.0.0.2 dev v0", kMacB);
  CHECK(del_ms >= 0);
  // A destination added now is resolved through its route among the many.
  ScopedNetns::sh("ip route add 172.16.2.0/24 via 10.0.0.3 dev v0");
  c.create_destination(web(), tunnelled("172.16.2.5"));
  const auto added = Clock::now();
  CHECK(wait_mac(c, "172.16.2.5", kMacB));
  const double new_dest_ms =
      std::chrono::duration<double, std::milli>(Clock::now() - added).count();
  // A route of the big table still leads where it says.
  c.create_destination(web(), tunnelled("30.0.1.5"));
  CHECK(wait_mac(c, "30.0.1.5", kMacA));

  std::printf(
      "routes at scale: %d routes installed in %.1f s\n"
      "  next-hop change reaction (median of 6): empty table %.1f ms, %d routes %.1f ms\n"
      "  Client CPU (ms per s, %lld s window): empty table %.1f, %d routes %.1f\n"
      "  more specific route added %.1f ms, withdrawn %.1f ms; new destination %.1f ms\n",
      kRoutes, install_s, empty_react, kRoutes, full_react,
      static_cast<long long>(kCpuWindow.count()), empty_cpu, kRoutes, full_cpu, add_ms,
      del_ms, new_dest_ms);
  std::fflush(stdout);
}
