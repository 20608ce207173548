// SPDX-License-Identifier: Apache-2.0
// The checker against local responders on 127.0.0.1 (no privileges): each check type passes
// against a live service and fails, with its reason, against a dead one.
#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include <condition_variable>
#include <map>
#include <mutex>

#include "bench/responder.hpp"
#include "check/checker.hpp"

using namespace std::chrono_literals;

namespace {

// A port nothing listens on: bound, then closed.
std::uint16_t dead_port(int type) {
  int fd = socket(AF_INET, type, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  socklen_t len = sizeof sa;
  getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  close(fd);
  return ntohs(sa.sin_port);
}

struct Results {
  std::mutex mutex;
  std::condition_variable cv;
  std::map<std::uint64_t, xvsd::ProbeResult> first;

  // Waits (bounded) until every id in 1..n has a result.
  bool wait(std::size_t n) {
    std::unique_lock lock(mutex);
    return cv.wait_for(lock, 10s, [&] { return first.size() >= n; });
  }
};

xvsd::CheckJob job(std::uint64_t id, xvsd::CheckType type, std::uint16_t port) {
  xvsd::CheckJob j;
  j.id = id;
  j.interval = 200ms;
  j.probe.type = type;
  j.probe.address = xvs::IPAddr::parse("127.0.0.1");
  j.probe.port = port;
  j.probe.timeout = 1000ms;
  return j;
}

}  // namespace

TEST_CASE("each check type passes against a live service and fails against a dead one") {
  xvsd::bench::Responder responder(0, 2, 0);
  auto ports = responder.ports();
  Results results;
  xvsd::Checker checker([&](std::uint64_t id, const xvsd::ProbeResult& r) {
    std::lock_guard lock(results.mutex);
    results.first.emplace(id, r);
    results.cv.notify_all();
  });
  std::vector<xvsd::CheckJob> jobs{
      job(1, xvsd::CheckType::http, ports[0]),
      job(2, xvsd::CheckType::http, ports[1]),
      job(3, xvsd::CheckType::syn, ports[0]),
      job(4, xvsd::CheckType::syn, dead_port(SOCK_STREAM)),
      job(5, xvsd::CheckType::dns, responder.dns_port()),
      job(6, xvsd::CheckType::dns, dead_port(SOCK_DGRAM)),
      job(7, xvsd::CheckType::http, dead_port(SOCK_STREAM)),
      job(8, xvsd::CheckType::dnstcp, ports[0]),  // an HTTP server: never a DNS reply
  };
  jobs[1].probe.expect = 204;
  jobs[7].probe.timeout = 300ms;
  checker.set(jobs);
  REQUIRE(results.wait(jobs.size()));
  std::lock_guard lock(results.mutex);
  auto& r = results.first;
  CHECK(r[1].ok);
  CHECK(r[1].detail.empty());
  CHECK_FALSE(r[2].ok);
  CHECK(r[2].detail == "status 200");
  CHECK(r[3].ok);
  CHECK_FALSE(r[4].ok);
  CHECK(r[4].detail == "connect: Connection refused");
  CHECK(r[5].ok);
  CHECK_FALSE(r[6].ok);
  CHECK(r[6].detail == "recv: Connection refused");
  CHECK_FALSE(r[7].ok);
  CHECK(r[7].detail == "Couldn't connect to server");
  CHECK_FALSE(r[8].ok);
  CHECK_FALSE(r[8].detail.empty());
}

TEST_CASE("set() keeps running jobs, stops removed ones and runs new ones") {
  xvsd::bench::Responder responder(0, 1, 0);
  std::mutex mutex;
  std::condition_variable cv;
  std::map<std::uint64_t, unsigned> seen;
  xvsd::Checker checker([&](std::uint64_t id, const xvsd::ProbeResult&) {
    std::lock_guard lock(mutex);
    ++seen[id];
    cv.notify_all();
  });
  auto port = responder.ports()[0];
  auto a = job(1, xvsd::CheckType::syn, port), b = job(2, xvsd::CheckType::syn, port);
  a.interval = b.interval = 50ms;
  checker.set({a, b});
  {
    std::unique_lock lock(mutex);
    REQUIRE(cv.wait_for(lock, 10s, [&] { return seen[1] >= 2 && seen[2] >= 2; }));
  }
  auto c = job(3, xvsd::CheckType::syn, port);
  c.interval = 50ms;
  checker.set({a, c});
  unsigned b_then = 0;
  {
    std::unique_lock lock(mutex);
    REQUIRE(cv.wait_for(lock, 10s, [&] { return seen[3] >= 3; }));
    b_then = seen[2];
    REQUIRE(cv.wait_for(lock, 10s, [&] { return seen[3] >= 6; }));
    CHECK(seen[2] <= b_then + 1);  // at most the one in flight at set()
  }
}
