// SPDX-License-Identifier: Apache-2.0
// read_flow() / write_flow() and Options::pin_path on a real Client: malformed and
// nonsensical records are refused and store nothing; pinned flow tables outlive a Client;
// pins of another layout or size are discarded with a logged message instead of stopping a
// start; a program left attached by a dead process is replaced.
#include <catch2/catch.hpp>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <sys/mount.h>
#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <mutex>

#include <xvs/xvs.hpp>

#include "../support/netns.hpp"
#include "dataplane/dataplane.hpp"
#include "dataplane/flow_table.hpp"
#include "dataplane/flows.hpp"

using namespace xvs;
using xvs::test::ScopedNetns;

namespace {

// A veth pair in a fresh namespace (the balancer owns 10.0.0.1/24 on v0) and a BPF
// filesystem of its own on a temporary directory, unmounted at the end.
struct Fixture {
  ScopedNetns ns;
  std::string bpffs;
  Fixture() {
    ScopedNetns::sh("ip link add v0 type veth peer name v1");
    ScopedNetns::sh("ip addr add 10.0.0.1/24 dev v0");
    ScopedNetns::sh("ip link set v0 up");
    ScopedNetns::sh("ip link set v1 up");
    char dir[] = "/tmp/xvs-pins.XXXXXX";
    if (!mkdtemp(dir)) throw std::runtime_error("mkdtemp failed");
    bpffs = dir;
    if (mount("bpf", dir, "bpf", 0, nullptr) != 0) {
      rmdir(dir);
      throw std::runtime_error("cannot mount a BPF filesystem");
    }
  }
  ~Fixture() {
    umount2(bpffs.c_str(), MNT_DETACH);
    rmdir(bpffs.c_str());
  }
  std::string pins() const { return bpffs + "/lb"; }
};

struct Log : Logger {
  std::mutex mu;
  std::vector<std::string> lines;
  void debug(std::string_view msg,
             const std::vector<std::pair<std::string, std::string>>& fields) override {
    std::lock_guard lock(mu);
    std::string line(msg);
    for (const auto& [k, v] : fields) line += " " + k + "=" + v;
    lines.push_back(line);
  }
  bool said(const std::string& needle) {
    std::lock_guard lock(mu);
    for (const auto& l : lines)
      if (l.find(needle) != std::string::npos) return true;
    return false;
  }
};

Options options(const std::string& pin_path, std::shared_ptr<Log> log = {},
                std::uint32_t flows = 1024) {
  Options o;
  o.flows_per_cpu = flows;
  o.pin_path = pin_path;
  o.logger = std::move(log);
  return o;
}

const Service kWeb{IPAddr::parse("192.0.2.10"), 80, Protocol::TCP, false};

void configure(Client& c) {
  Destination a, b;
  a.address = IPAddr::parse("10.0.0.11");
  b.address = IPAddr::parse("10.0.0.12");
  c.set_service(kWeb, {a, b});
}

detail::FlowRecord flow(std::uint16_t client_port, const char* backend = "10.0.0.11") {
  detail::FlowRecord r;
  r.client = IPAddr::parse("198.51.100.7");
  r.client_port = client_port;
  r.vip = kWeb.address;
  r.vip_port = kWeb.port;
  r.protocol = Protocol::TCP;
  r.backend = IPAddr::parse(backend);
  return r;
}

// Peers' flows (write_flow) in the flow table pinned at `path`.
std::size_t pinned_entries(const std::string& path) {
  int fd = bpf_obj_get(path.c_str());
  if (fd < 0) return 0;
  std::size_t n = detail::FlowTable(fd).count(XVS_FLOW_PEER);
  close(fd);
  return n;
}

xvs_pin_state pin_state(const std::string& dir) {
  xvs_pin_state s{};
  int fd = bpf_obj_get((dir + "/pin_state").c_str());
  const std::uint32_t key = 0;
  if (fd >= 0) {
    bpf_map_lookup_elem(fd, &key, &s);
    close(fd);
  }
  return s;
}

Errc write_error(Client& c, const std::vector<std::uint8_t>& bytes) {
  try {
    c.write_flow(bytes);
  } catch (const Error& e) {
    return e.code();
  }
  FAIL("write_flow accepted a bad record");
  return Errc::system;
}

std::uint32_t xdp_prog_id(const char* dev) {
  std::uint32_t id = 0;
  bpf_xdp_query_id(static_cast<int>(if_nametoindex(dev)), XDP_FLAGS_SKB_MODE, &id);
  return id;
}

}  // namespace

TEST_CASE("write_flow refuses bad records and stores nothing, good ones land in the table") {
  Fixture fx;
  Client c({"v0"}, options(fx.pins()));
  configure(c);
  const std::string shared = fx.pins() + "/flows";
  CHECK(c.read_flow().empty());

  auto good = detail::encode_flow(flow(50000));
  c.write_flow(good);
  CHECK(pinned_entries(shared) == 1);

  std::vector<std::uint8_t> shorter(good.begin(), good.end() - 1);
  auto version = good;
  version[2] = 2;
  auto protocol = good;
  protocol[3] = 1;
  auto port = good;
  port[56] = port[57] = 0;
  CHECK(write_error(c, shorter) == Errc::invalid_argument);
  CHECK(write_error(c, version) == Errc::invalid_argument);
  CHECK(write_error(c, protocol) == Errc::invalid_argument);
  CHECK(write_error(c, port) == Errc::invalid_argument);
  CHECK(write_error(c, {}) == Errc::invalid_argument);
  // Well formed, but this node has no such service, or the backend is not one of its
  // destinations: refused too (the peers' configurations differ).
  auto other_service = flow(50001);
  other_service.vip_port = 443;
  CHECK(write_error(c, detail::encode_flow(other_service)) == Errc::invalid_argument);
  CHECK(write_error(c, detail::encode_flow(flow(50002, "10.0.0.99"))) == Errc::invalid_argument);
  CHECK(pinned_entries(shared) == 1);

  // Forged and replayed records: a source no client can have, and a time too old (a
  // capture replayed later) or too far ahead. A fresh timed record is taken.
  const auto now = static_cast<std::uint32_t>(std::time(nullptr));
  for (const char* forged : {"127.0.0.1", "255.255.255.255", "192.0.2.10"}) {
    auto r = flow(50003);
    r.client = IPAddr::parse(forged);
    r.seen = now;
    CAPTURE(forged);
    CHECK(write_error(c, detail::encode_flow(r)) == Errc::invalid_argument);
  }
  auto stale = flow(50004);
  stale.seen = now - 3600;
  CHECK(write_error(c, detail::encode_flow(stale)) == Errc::invalid_argument);
  auto ahead = flow(50005);
  ahead.seen = now + 3600;
  CHECK(write_error(c, detail::encode_flow(ahead)) == Errc::invalid_argument);
  CHECK(pinned_entries(shared) == 1);
  auto fresh = flow(50006);
  fresh.seen = now - 2;
  c.write_flow(detail::encode_flow(fresh));
  CHECK(pinned_entries(shared) == 2);

  // Sharing counters are part of the global metrics; every refusal above is counted.
  auto m = c.info().metrics;
  for (const char* key : {"flows_queued", "flow_queue_full", "flows_expired",
                          "flow_records_refused", "shared_hits", "flows_rebound"})
    CHECK(m.count(key) == 1);
  CHECK(m["flow_records_refused"] == 7 + 5);
}

TEST_CASE("pinned flow tables outlive the Client, incompatible pins are discarded, logged") {
  Fixture fx;
  const std::string shared = fx.pins() + "/flows";
  std::uint32_t first_floor = 0;
  {
    Client c({"v0"}, options(fx.pins()));
    configure(c);
    c.write_flow(detail::encode_flow(flow(50000)));
    first_floor = pin_state(fx.pins()).generation;
    CHECK(first_floor > 2);  // generations 1 and 2 given, a block reserved beyond
  }
  CHECK(pin_state(fx.pins()).layout == XVS_PIN_LAYOUT);
  CHECK(pinned_entries(shared) == 1);

  SECTION("the same settings reuse the pins, numbering destinations above the floor") {
    auto log = std::make_shared<Log>();
    Client c({"v0"}, options(fx.pins(), log));
    configure(c);
    CHECK(pinned_entries(shared) == 1);
    CHECK_FALSE(log->said("discarded"));
    CHECK(pin_state(fx.pins()).generation > first_floor);
  }
  SECTION("another table size starts with empty tables") {
    auto log = std::make_shared<Log>();
    Client c({"v0"}, options(fx.pins(), log, 2048));
    CHECK(log->said("discarded pinned map " + fx.pins() + "/flows"));
    CHECK(log->said("entries, this client is configured for"));
    CHECK(pinned_entries(shared) == 0);
  }
  SECTION("another layout version starts afresh") {
    int fd = bpf_obj_get((fx.pins() + "/pin_state").c_str());
    REQUIRE(fd >= 0);
    const std::uint32_t key = 0;
    const xvs_pin_state future{XVS_PIN_LAYOUT + 1, 7};
    REQUIRE(bpf_map_update_elem(fd, &key, &future, BPF_ANY) == 0);
    close(fd);
    auto log = std::make_shared<Log>();
    Client c({"v0"}, options(fx.pins(), log));
    CHECK(log->said("this library uses layout"));
    CHECK(pinned_entries(shared) == 0);
    CHECK(pin_state(fx.pins()).layout == XVS_PIN_LAYOUT);
  }
  SECTION("pins without a pin_state (an unknown version) are discarded") {
    std::filesystem::remove(fx.pins() + "/pin_state");
    auto log = std::make_shared<Log>();
    Client c({"v0"}, options(fx.pins(), log));
    CHECK(log->said("left by an unknown version"));
    CHECK(pin_state(fx.pins()).layout == XVS_PIN_LAYOUT);
  }
}

TEST_CASE("pin_path must be on a BPF filesystem") {
  Fixture fx;
  char dir[] = "/tmp/xvs-notbpf.XXXXXX";
  REQUIRE(mkdtemp(dir));
  try {
    Client c({"v0"}, options(dir));
    FAIL("a pin_path outside a BPF filesystem was accepted");
  } catch (const Error& e) {
    CHECK(e.code() == Errc::invalid_argument);
    CHECK_THAT(e.what(), Catch::Matchers::Contains("not on a BPF filesystem"));
  }
  rmdir(dir);
  CHECK(xdp_prog_id("v0") == 0);
}

TEST_CASE("a Client replaces a program left attached by a process that died") {
  Fixture fx;
  // The leftover: attached and never detached, as after SIGKILL.
  detail::Dataplane dead(detail::embedded_object(), 1024);
  detail::attach_xdp(dead.program_fd(), static_cast<int>(if_nametoindex("v0")), false);
  const std::uint32_t leftover = xdp_prog_id("v0");
  REQUIRE(leftover != 0);
  {
    Client c({"v0"}, options(""));
    CHECK(xdp_prog_id("v0") != 0);
    CHECK(xdp_prog_id("v0") != leftover);
  }
  CHECK(xdp_prog_id("v0") == 0);
}
