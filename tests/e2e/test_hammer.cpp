// SPDX-License-Identifier: Apache-2.0
// Concurrency: every Client method called from several threads at once, for
// XVS_HAMMER_SECONDS (default 2; the documented sanitizer runs use 60). A call may meet the
// errors that another thread's change makes legitimate (a service removed just before, a
// destination created twice); any other error, or a thread's own state changed behind its
// back, is a failure.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <xvs/xvs.hpp>

#include "client_state.hpp"
#include "dataplane/flows.hpp"

using namespace xvs;
using xvs::test::Network;

namespace {

int hammer_seconds() {
  const char* s = std::getenv("XVS_HAMMER_SECONDS");
  return s ? std::max(1, std::atoi(s)) : 2;
}

Destination real(const std::string& addr, std::uint16_t weight = 1) {
  Destination d;
  d.address = IPAddr::parse(addr);
  d.weight = weight;
  return d;
}

class Hammer {
public:
  // Runs `body(round)` on a new thread until stop(); an Error whose code is in `expected`
  // is a legitimate outcome of the race, anything else a failure.
  template <typename F>
  void run(std::string name, std::vector<Errc> expected, F body) {
    threads_.emplace_back([this, name = std::move(name), expected = std::move(expected), body] {
      std::uint64_t round = 0;
      for (; !stop_; ++round) {
        try {
          body(round);
        } catch (const Error& e) {
          if (std::find(expected.begin(), expected.end(), e.code()) == expected.end())
            failed(name + ": " + e.what());
        } catch (const std::exception& e) {
          failed(name + ": " + e.what());
        }
      }
      std::lock_guard lock(mutex_);
      rounds_.push_back(fmt::format("{} {}", name, round));
    });
  }

  void failed(const std::string& what) {
    std::lock_guard lock(mutex_);
    if (messages_.size() < 10) messages_.push_back(what);
    failures_++;
  }

  void stop() {
    stop_ = true;
    for (auto& t : threads_) t.join();
  }

  // "name rounds" of each thread, once stopped.
  std::string rounds() const { return fmt::format("{}", fmt::join(rounds_, ", ")); }
  int failures() const { return failures_; }
  std::string messages() const { return fmt::format("{}", fmt::join(messages_, "\n")); }

private:
  std::vector<std::thread> threads_;
  std::atomic<bool> stop_{false};
  std::atomic<int> failures_{0};
  std::mutex mutex_;
  std::vector<std::string> messages_;
  std::vector<std::string> rounds_;
};

}  // namespace

TEST_CASE("every method may be called from several threads at once", "[hammer]") {
  Network net;
  Client c({"v0"}, xvs::test::small_options());
  const Service shared{IPAddr::parse("192.0.2.50"), 80, Protocol::TCP, false};
  Config vlans4, vlans46;
  vlans4.ipv4_vlans.emplace(1, Prefix::parse("10.0.0.1/24"));
  vlans46 = vlans4;
  vlans46.ipv6_vlans.emplace(1, Prefix::parse("fd00::1/64"));
  const Config initial = c.config();
  Hammer h;

  // Owners: each thread alone changes its own service, so it knows what it must read back.
  for (int id = 0; id < 2; ++id) {
    h.run(fmt::format("owner {}", id), {}, [&, id](std::uint64_t round) {
      Service s{IPAddr::parse(fmt::format("192.0.2.{}", 20 + id)), 80, Protocol::TCP, false};
      c.set_service(s, {real("10.0.0.2"), real("10.0.0.3")});
      s.sticky = round % 2;
      c.update_service(s);
      c.update_destination(s, real("10.0.0.2", static_cast<std::uint16_t>(1 + round % 5)));
      const auto ds = c.destinations(s);
      if (ds.size() != 2 || c.service(s).service.sticky != s.sticky)
        h.failed(fmt::format("owner {}: its service changed behind its back", id));
      c.remove_service(s);
    });
  }
  // One service that four threads fight over.
  h.run("create/remove service", {Errc::service_exists, Errc::service_not_found},
        [&](std::uint64_t round) {
          if (round % 2)
            c.remove_service(shared);
          else
            c.create_service(shared);
        });
  h.run("create/update/remove destination",
        {Errc::service_not_found, Errc::destination_exists, Errc::destination_not_found},
        [&](std::uint64_t round) {
          const auto d = real(fmt::format("10.0.0.{}", 4 + round % 4));
          switch (round % 3) {
            case 0: c.create_destination(shared, d); break;
            case 1: c.update_destination(shared, real(d.address.to_string(), 3)); break;
            default: c.remove_destination(shared, d);
          }
        });
  h.run("set_service", {}, [&](std::uint64_t round) {
    std::vector<Destination> ds{real("10.0.0.4")};
    if (round % 2) ds.push_back(real("10.0.0.5", 2));
    c.set_service(shared, ds);
  });
  h.run("write_flow/read_flow", {Errc::invalid_argument}, [&](std::uint64_t round) {
    detail::FlowRecord r;
    r.client = IPAddr::parse("198.51.100.7");
    r.client_port = static_cast<std::uint16_t>(1024 + round % 60000);
    r.vip = shared.address;
    r.vip_port = shared.port;
    r.backend = IPAddr::parse("10.0.0.4");
    c.write_flow(detail::encode_flow(r));  // invalid_argument while 10.0.0.4 is not there
    c.read_flow();
  });
  h.run("set_config", {}, [&](std::uint64_t round) { c.set_config(round % 2 ? vlans4 : vlans46); });
  h.run("reads", {Errc::service_not_found}, [&](std::uint64_t) {
    for (const auto& se : c.services()) c.destinations(se.service);  // may vanish meanwhile
    const auto config = c.config();
    if (config != initial && config != vlans4 && config != vlans46)
      h.failed("config() returned a configuration nobody set");
    c.info();
    c.vips();
    c.nat(shared.address, IPAddr::parse("10.0.0.4"));
    c.vip(shared.address);
    c.service(shared);
  });

  std::this_thread::sleep_for(std::chrono::seconds(hammer_seconds()));
  h.stop();
  WARN("rounds in " << hammer_seconds() << " s: " << h.rounds());
  INFO(h.messages());
  CHECK(h.failures() == 0);
  try {
    c.remove_service(shared);
  } catch (const Error& e) {
    CHECK(e.code() == Errc::service_not_found);
  }
  CHECK(c.services().empty());
  CHECK(c.vips().empty());
}
