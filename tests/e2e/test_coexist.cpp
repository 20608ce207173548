// SPDX-License-Identifier: Apache-2.0
// Coexistence (issue 17): what a Client refuses rather than take from another — a live
// Client's health-check pair in the same network namespace, another tool's XDP program, a
// pin directory another Client holds, a pin_path off bpffs — each with Errc::in_use or
// invalid_argument, the other side untouched, and nothing of the refused Client left behind.
#include <catch2/catch.hpp>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <thread>

#include <xvs/xvs.hpp>

#include "../support/netns.hpp"
#include "client_state.hpp"

using namespace xvs;
using xvs::test::Network;
using xvs::test::ScopedNetns;

namespace {

std::uint32_t xdp_prog_id(const char* dev) {
  std::uint32_t id = 0;
  bpf_xdp_query_id(static_cast<int>(if_nametoindex(dev)), XDP_FLAGS_SKB_MODE, &id);
  return id;
}

std::size_t open_fds() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

std::size_t links() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/sys/class/net")) ++n;
  return n;
}

// The error a Client constructor throws; FAILs when it does not throw.
Error refusal(const std::vector<std::string>& ifs, const Options& o) {
  try {
    Client c(ifs, o);
  } catch (const Error& e) {
    return e;
  }
  FAIL("the Client was not refused");
  return Error(Errc::system, "");
}

// Another tool's XDP program: "return XDP_PASS", loaded under a name that is not ours.
struct ForeignProgram {
  int fd = -1;
  ForeignProgram() {
    const bpf_insn insns[] = {
        {BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, XDP_PASS},
        {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},
    };
    fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "other_tool", "GPL", insns, 2, nullptr);
    if (fd < 0) throw std::runtime_error("cannot load the foreign XDP program");
  }
  ~ForeignProgram() { close(fd); }
  std::uint32_t id() const {
    bpf_prog_info info{};
    std::uint32_t len = sizeof info;
    bpf_obj_get_info_by_fd(fd, &info, &len);
    return info.id;
  }
};

// A BPF filesystem of the test's own on a temporary directory.
struct Bpffs {
  std::string dir;
  Bpffs() {
    char tmpl[] = "/tmp/xvs-coexist.XXXXXX";
    if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    dir = tmpl;
    if (mount("bpf", tmpl, "bpf", 0, nullptr) != 0) {
      rmdir(tmpl);
      throw std::runtime_error("cannot mount a BPF filesystem");
    }
  }
  ~Bpffs() {
    umount2(dir.c_str(), MNT_DETACH);
    rmdir(dir.c_str());
  }
};

const Service kWeb{IPAddr::parse("192.0.2.10"), 80, Protocol::TCP, false};

}  // namespace

TEST_CASE("a second Client in one network namespace is refused, the first keeps its pair") {
  Network net;
  std::optional<Client> first;
  first.emplace(std::vector<std::string>{"v0"}, xvs::test::small_options());
  Destination d;
  d.address = IPAddr::parse("10.0.0.2");
  first->set_service(kWeb, {d});
  const IPAddr nat = first->nat(kWeb.address, d.address);
  const unsigned pair = if_nametoindex("xvsnat0");
  const std::uint32_t prog = xdp_prog_id("v0");
  REQUIRE(pair != 0);
  const std::size_t fds = open_fds(), nlinks = links();

  const Error e = refusal({"v0"}, xvs::test::small_options());
  CHECK(e.code() == Errc::in_use);
  CHECK_THAT(e.what(), Catch::Matchers::Contains("another xvs Client in this network namespace"));

  CHECK(if_nametoindex("xvsnat0") == pair);  // the same pair, not a new one
  CHECK(xdp_prog_id("v0") == prog);
  CHECK(first->nat(kWeb.address, d.address) == nat);
  CHECK(std::system("ip route get 198.18.0.7 | grep -q 'dev xvsnat0' >/dev/null 2>&1") == 0);
  CHECK(open_fds() == fds);
  CHECK(links() == nlinks);

  SECTION("once the first is gone, a new one starts") {
    first.reset();
    CHECK(if_nametoindex("xvsnat0") == 0);
    Client next({"v0"}, xvs::test::small_options());
    CHECK(if_nametoindex("xvsnat0") != 0);
  }
}

TEST_CASE("another tool's XDP program is not replaced unless Options::replace_xdp") {
  Network net;
  ForeignProgram other;
  const int v0 = static_cast<int>(if_nametoindex("v0"));
  REQUIRE(bpf_xdp_attach(v0, other.fd, XDP_FLAGS_SKB_MODE, nullptr) == 0);
  const std::size_t fds = open_fds(), nlinks = links();

  const Error e = refusal({"v0"}, xvs::test::small_options());
  CHECK(e.code() == Errc::in_use);
  CHECK_THAT(e.what(), Catch::Matchers::Contains("v0 already has another XDP program, "
                                                 "\"other_tool\""));
  CHECK_THAT(e.what(), Catch::Matchers::Contains("replace_xdp"));
  CHECK(xdp_prog_id("v0") == other.id());
  CHECK(open_fds() == fds);
  CHECK(links() == nlinks);  // the refused Client's health-check pair is gone again

  SECTION("with replace_xdp the Client takes the interface") {
    Options o = xvs::test::small_options();
    o.replace_xdp = true;
    {
      Client c({"v0"}, o);
      CHECK(xdp_prog_id("v0") != 0);
      CHECK(xdp_prog_id("v0") != other.id());
    }
    CHECK(xdp_prog_id("v0") == 0);  // ours detached; the other tool's is not restored
  }
  SECTION("the second of two interfaces: the first is detached again") {
    ScopedNetns::sh("ip link add w0 type veth peer name w1");
    ScopedNetns::sh("ip link set w0 up");
    ScopedNetns::sh("ip link set w1 up");
    CHECK(refusal({"w0", "v0"}, xvs::test::small_options()).code() == Errc::in_use);
    CHECK(xdp_prog_id("w0") == 0);
    CHECK(xdp_prog_id("v0") == other.id());
  }
}

TEST_CASE("pin_path is checked for bpffs before any directory is created") {
  Network net;
  char tmpl[] = "/tmp/xvs-notbpf.XXXXXX";
  REQUIRE(mkdtemp(tmpl));
  const std::string base = tmpl;
  Options o = xvs::test::small_options();
  o.pin_path = base + "/a/b";
  const Error e = refusal({"v0"}, o);
  CHECK(e.code() == Errc::invalid_argument);
  CHECK_THAT(e.what(), Catch::Matchers::Contains("is not on a BPF filesystem"));
  CHECK_FALSE(std::filesystem::exists(base + "/a"));
  CHECK(xdp_prog_id("v0") == 0);
  std::filesystem::remove_all(base);
}

TEST_CASE("two Clients on one pin directory: the second is refused, the first's pins kept") {
  Bpffs fs;
  const std::string pins = fs.dir + "/lb";
  Options o = xvs::test::small_options();
  o.pin_path = pins;
  Network net;
  Client first({"v0"}, o);
  const auto pinned = [&] {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(pins))
      names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  };
  const auto before = pinned();
  REQUIRE_FALSE(before.empty());
  const int flows = bpf_obj_get((pins + "/flows").c_str());
  REQUIRE(flows >= 0);
  bpf_map_info info{};
  std::uint32_t len = sizeof info;
  REQUIRE(bpf_obj_get_info_by_fd(flows, &info, &len) == 0);
  close(flows);

  // From another network namespace, so that only the pin directory is shared.
  Errc code = Errc::system;
  std::string what;
  std::thread([&] {
    Network other;
    o.flows_per_cpu = 2048;  // would discard the pins, were the directory not refused
    const Error e = refusal({"v0"}, o);
    code = e.code();
    what = e.what();
  }).join();
  CHECK(code == Errc::in_use);
  CHECK_THAT(what, Catch::Matchers::Contains("pin_path " + pins + " is in use by another Client"));
  CHECK(pinned() == before);
  const int again = bpf_obj_get((pins + "/flows").c_str());
  bpf_map_info now{};
  len = sizeof now;
  REQUIRE(bpf_obj_get_info_by_fd(again, &now, &len) == 0);
  close(again);
  CHECK(now.id == info.id);  // the same map, not a new one
}
