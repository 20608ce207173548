// SPDX-License-Identifier: Apache-2.0
// NetWatcher against the real kernel, in a throw-away namespace: a change of links and
// addresses is reported promptly, a burst is coalesced, and what the snapshot leaves out (a
// route of another table) is not reported.
#include <catch2/catch.hpp>

#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

#include "../support/netns.hpp"
#include "netwatch.hpp"

using namespace std::chrono_literals;
using xvs::detail::NetWatcher;
using xvs::test::ScopedNetns;

namespace {

class Calls {
public:
  void add() {
    {
      std::lock_guard lock(mu_);
      n_++;
    }
    cv_.notify_all();
  }
  // The number of calls once it exceeds `than`, or after `limit` without that.
  int above(int than, std::chrono::milliseconds limit) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, limit, [&] { return n_ > than; });
    return n_;
  }

private:
  std::mutex mu_;
  std::condition_variable cv_;
  int n_ = 0;
};

// Runs in a namespace of its own thread, so that the fixture commands run there too.
void scenario() {
  ScopedNetns ns;
  ScopedNetns::sh("ip link add xa type veth peer name xb");
  Calls calls;
  NetWatcher watcher([&] { calls.add(); });

  const auto start = std::chrono::steady_clock::now();
  ScopedNetns::sh("ip link set xa up");
  CHECK(calls.above(0, 1000ms) == 1);
  const auto took = std::chrono::steady_clock::now() - start;
  CHECK(took < 500ms);
  WARN("link change reported after "
       << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms");

  // 40 address changes from one process: far fewer calls than events.
  const int before = calls.above(1, 300ms);
  ScopedNetns::sh(
      "for i in $(seq 1 40); do echo addr add 10.7.0.$i/32 dev xa; done | ip -batch -");
  const int after = calls.above(before, 1000ms);
  CHECK(after > before);
  std::this_thread::sleep_for(300ms);  // let a straggling burst settle
  CHECK(calls.above(after, 0ms) - before <= 3);

  // A route outside the main table is not part of the snapshot: no call.
  const int quiet = calls.above(1000, 300ms);
  ScopedNetns::sh("ip route add 10.9.0.0/24 dev xa table 100");
  CHECK(calls.above(quiet, 500ms) == quiet);
}

}  // namespace

TEST_CASE("netlink events wake the refresh promptly, coalesced and filtered", "[netwatch]") {
  std::exception_ptr error;
  std::thread([&] {
    try {
      scenario();
    } catch (...) {
      error = std::current_exception();
    }
  }).join();
  if (error) std::rethrow_exception(error);
}
