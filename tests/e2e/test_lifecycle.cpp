// SPDX-License-Identifier: Apache-2.0
// Lifecycle: a Client constructed and destroyed 200 times on one interface leaks no file
// descriptors, BPF maps or programs, links or XDP attachments.
#include <catch2/catch.hpp>

#include <bpf/bpf.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <set>
#include <thread>

#include <xvs/xvs.hpp>

#include "../support/netns.hpp"

using namespace xvs;
using xvs::test::ScopedNetns;

namespace {

std::size_t open_fds() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

// The IDs of every BPF map (or program) of the system.
std::set<std::uint32_t> bpf_ids(int (*next)(std::uint32_t, std::uint32_t*)) {
  std::set<std::uint32_t> ids;
  for (std::uint32_t id = 0; next(id, &id) == 0;) ids.insert(id);
  return ids;
}

std::size_t links() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/sys/class/net")) ++n;
  return n;
}

// Objects in `now` that `before` did not have.
std::set<std::uint32_t> added(const std::set<std::uint32_t>& before,
                              const std::set<std::uint32_t>& now) {
  std::set<std::uint32_t> out;
  for (std::uint32_t id : now)
    if (!before.contains(id)) out.insert(id);
  return out;
}

}  // namespace

TEST_CASE("200 clients in a row on one interface leak nothing") {
  ScopedNetns ns;
  ScopedNetns::sh("ip link add v0 type veth peer name v1");
  ScopedNetns::sh("ip addr add 10.0.0.1/24 dev v0");
  ScopedNetns::sh("ip link set v0 up");
  ScopedNetns::sh("ip link set v1 up");
  Options o;
  o.flows_per_cpu = 1024;
  const Service web{IPAddr::parse("192.0.2.10"), 80, Protocol::TCP, false};
  Destination d;
  d.address = IPAddr::parse("10.0.0.2");
  auto cycle = [&] {
    Client c({"v0"}, o);
    c.set_service(web, {d});
    c.info();
  };
  cycle();  // anything a first use sets up once (e.g. in libbpf) is not a leak

  const std::size_t fds = open_fds(), nlinks = links();
  const auto maps = bpf_ids(bpf_map_get_next_id), progs = bpf_ids(bpf_prog_get_next_id);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 200; ++i) cycle();
  WARN("200 clients in "
       << std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() << " s");

  CHECK(open_fds() == fds);
  CHECK(links() == nlinks);
  CHECK(std::system("ip -o link show dev v0 | grep -q ' xdp'") != 0);
  // Map and program IDs are system-wide and other processes may be loading objects at the
  // same time: a leak would leave one object set per client, so whatever is new must be
  // gone after a while or be far fewer than 200 sets (one set is about a dozen maps).
  auto new_maps = added(maps, bpf_ids(bpf_map_get_next_id));
  auto new_progs = added(progs, bpf_ids(bpf_prog_get_next_id));
  for (int wait = 0; wait < 50 && !(new_maps.empty() && new_progs.empty()); ++wait) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    new_maps = added(maps, bpf_ids(bpf_map_get_next_id));
    new_progs = added(progs, bpf_ids(bpf_prog_get_next_id));
  }
  INFO(new_maps.size() << " new maps, " << new_progs.size() << " new programs remain");
  CHECK(new_maps.size() < 200);
  CHECK(new_progs.size() < 200);
}
