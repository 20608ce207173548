// SPDX-License-Identifier: Apache-2.0
// Network facts from the real kernel: dump_network() over a veth pair between two throw-away
// namespaces, resolve() on that snapshot, and the Pinger getting neighbours resolved.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "../support/netns.hpp"
#include "net/netlink.hpp"
#include "net/pinger.hpp"

using namespace xvs;
using namespace xvs::detail;
using xvs::test::ScopedNetns;

namespace {

// Runs `f` on a thread of its own (so it may change its network namespace), rethrowing here.
template <class F>
void on_thread(F f) {
  std::exception_ptr error;
  std::thread([&] {
    try {
      f();
    } catch (...) {
      error = std::current_exception();
    }
  }).join();
  if (error) std::rethrow_exception(error);
}

// A second anonymous namespace for the far end of the veth, kept alive by a descriptor (it
// disappears with it, taking its veth end along, even if the test fails).
class PeerNetns {
public:
  PeerNetns() {
    on_thread([this] {
      if (unshare(CLONE_NEWNET) != 0) throw std::runtime_error("unshare(CLONE_NEWNET) failed");
      fd_ = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    });
    if (fd_ < 0) throw std::runtime_error("cannot open the peer namespace");
  }
  ~PeerNetns() { close(fd_); }
  PeerNetns(const PeerNetns&) = delete;
  PeerNetns& operator=(const PeerNetns&) = delete;

  // What `ip link ... netns` accepts.
  std::string path() const { return fmt::format("/proc/{}/fd/{}", getpid(), fd_); }

  void sh(const std::string& cmd) const {
    on_thread([&] {
      if (setns(fd_, CLONE_NEWNET) != 0) throw std::runtime_error("setns failed");
      ScopedNetns::sh(cmd);
    });
  }

private:
  int fd_ = -1;
};

const MAC our_mac{0x02, 0, 0, 0, 0x01, 0x01};
const MAC peer_mac{0x02, 0, 0, 0, 0x01, 0x02};
const MAC static_mac{0x02, 0, 0, 0, 0x01, 0x07};
const MAC gateway_mac{0x02, 0, 0, 0, 0x01, 0xfe};

// This namespace: va (10.99.0.1/24, fd99::1/64, MTU 1400); the peer namespace: vb
// (10.99.0.2/24, fd99::2/64).
struct Network {
  ScopedNetns ns;
  PeerNetns peer;
  Network() {
    ScopedNetns::sh("ip link add va type veth peer name vb netns " + peer.path());
    ScopedNetns::sh(fmt::format("ip link set va address {} mtu 1400 up", to_string(our_mac)));
    ScopedNetns::sh("ip addr add 10.99.0.1/24 dev va");
    ScopedNetns::sh("ip addr add fd99::1/64 dev va nodad");
    peer.sh(fmt::format("ip link set vb address {} up", to_string(peer_mac)));
    peer.sh("ip addr add 10.99.0.2/24 dev vb");
    peer.sh("ip addr add fd99::2/64 dev vb nodad");
  }
};

IPAddr ip(const char* text) { return IPAddr::parse(text); }
Prefix pfx(const char* text) { return Prefix::parse(text); }

template <class T, class Pred>
std::vector<T> all_of(const std::vector<T>& items, Pred pred) {
  std::vector<T> out;
  std::copy_if(items.begin(), items.end(), std::back_inserter(out), pred);
  return out;
}

const Neighbour* neighbour(const NetSnapshot& net, const IPAddr& a) {
  auto it = std::find_if(net.neighbours.begin(), net.neighbours.end(),
                         [&](const Neighbour& n) { return n.ip == a; });
  return it == net.neighbours.end() ? nullptr : &*it;
}

const Route* route(const NetSnapshot& net, const char* dst) {
  auto it = std::find_if(net.routes.begin(), net.routes.end(),
                         [&](const Route& r) { return r.dst == pfx(dst); });
  return it == net.routes.end() ? nullptr : &*it;
}

// Bytes queued on this namespace's raw sockets of `protocol` (from /proc/net/raw or raw6,
// whose local "port" is the protocol number).
std::vector<unsigned long> raw_rx_queues(const char* table, unsigned protocol) {
  std::ifstream in(std::string("/proc/thread-self/net/") + table);
  std::string line;
  std::getline(in, line);  // header
  std::vector<unsigned long> out;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state, queues;
    fields >> slot >> local >> remote >> state >> queues;
    if (std::stoul(local.substr(local.find(':') + 1), nullptr, 16) == protocol)
      out.push_back(std::stoul(queues.substr(queues.find(':') + 1), nullptr, 16));
  }
  return out;
}

// A counter of this namespace's /proc/thread-self/net/<file>: in "snmp" the field `name` of
// the row `row` ("Icmp"), in "snmp6" the line `name`, in "dev" the transmitted packets of the
// interface `name`.
unsigned long net_counter(const std::string& file, const std::string& row,
                          const std::string& name) {
  std::ifstream in("/proc/thread-self/net/" + file);
  std::string line;
  if (file == "snmp") {
    std::string header;
    while (std::getline(in, header) && std::getline(in, line)) {
      if (header.rfind(row + ":", 0) != 0) continue;
      std::istringstream names(header), values(line);
      std::string n, v;
      while (names >> n && values >> v)
        if (n == name) return std::stoul(v);
    }
  } else if (file == "snmp6") {
    std::string n;
    unsigned long v = 0;
    while (in >> n >> v)
      if (n == name) return v;
  } else if (file == "dev") {
    while (std::getline(in, line)) {
      const auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::istringstream head(line.substr(0, colon));
      std::string ifname;
      head >> ifname;
      if (ifname != name) continue;
      std::istringstream fields(line.substr(colon + 1));
      unsigned long v = 0;
      for (int i = 0; i < 10; ++i) fields >> v;  // rx: 8 fields, then tx bytes, tx packets
      return v;
    }
  }
  throw std::runtime_error(fmt::format("no counter {} {} in {}", row, name, file));
}

// Polls `done` every 10 ms for at most `limit`; true when it held.
template <class F>
bool eventually(F done, std::chrono::milliseconds limit = std::chrono::seconds(3)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

}  // namespace

TEST_CASE("dump_network sees links, addresses, neighbours and routes") {
  Network n;
  // A tentative address (DAD held back for a minute) is not ours yet.
  ScopedNetns::sh("sysctl -w net.ipv6.neigh.va.retrans_time_ms=60000");
  ScopedNetns::sh("ip addr add fd99::99/64 dev va");
  ScopedNetns::sh(fmt::format("ip neigh add 10.99.0.7 lladdr {} dev va nud permanent",
                              to_string(static_mac)));
  ScopedNetns::sh(fmt::format("ip neigh add fd99::7 lladdr {} dev va nud permanent",
                              to_string(static_mac)));
  ScopedNetns::sh(fmt::format("ip neigh add 10.99.0.254 lladdr {} dev va nud permanent",
                              to_string(gateway_mac)));
  ScopedNetns::sh("ip route add default via 10.99.0.254 dev va metric 10");
  ScopedNetns::sh("ip route add 192.0.2.0/24 via 10.99.0.254 dev va metric 50");
  ScopedNetns::sh("ip -6 route add 2001:db8::/32 via fd99::fe dev va metric 60");
  ScopedNetns::sh("ip route add 203.0.113.0/24 nexthop via 10.99.0.253 dev va "
                  "nexthop via 10.99.0.254 dev va");
  ScopedNetns::sh("ip route add 198.51.100.0/24 via 10.99.0.254 dev va table 100");
  ScopedNetns::sh("ip route add blackhole 198.18.0.0/15");

  const NetSnapshot net = dump_network();
  const int va = interface_index("va");
  REQUIRE(va > 0);
  CHECK(interface_index("no-such-if") == 0);

  SECTION("links") {
    const auto links = all_of(net.links, [&](const Link& l) { return l.ifindex == va; });
    REQUIRE(links.size() == 1);
    CHECK(links[0].name == "va");
    CHECK(links[0].mac == our_mac);
    CHECK(links[0].mtu == 1400);
    CHECK(links[0].up);
    CHECK(links[0].parent == 0);  // a veth's IFLA_LINK is its peer, not a parent
    CHECK(links[0].vlan_id == 0);
    CHECK(std::any_of(net.links.begin(), net.links.end(),
                      [](const Link& l) { return l.name == "lo" && l.up; }));
  }
  SECTION("addresses") {
    const auto ours = all_of(net.addresses, [&](const Address& a) { return a.ifindex == va; });
    const auto has = [&](const char* p) {
      return std::any_of(ours.begin(), ours.end(),
                         [&](const Address& a) { return a.prefix == pfx(p); });
    };
    CHECK(has("10.99.0.1/24"));
    CHECK(has("fd99::1/64"));
    CHECK_FALSE(has("fd99::99/64"));
  }
  SECTION("neighbours") {
    for (const char* a : {"10.99.0.7", "fd99::7"}) {
      INFO(a);
      const Neighbour* nb = neighbour(net, ip(a));
      REQUIRE(nb != nullptr);
      CHECK(nb->ifindex == va);
      CHECK(nb->mac == static_mac);
      CHECK(nb->usable);
    }
  }
  SECTION("routes") {
    const Route* def = route(net, "0.0.0.0/0");
    REQUIRE(def != nullptr);
    CHECK(def->gateway == ip("10.99.0.254"));
    CHECK(def->priority == 10);
    const Route* r4 = route(net, "192.0.2.0/24");
    REQUIRE(r4 != nullptr);
    CHECK(r4->gateway == ip("10.99.0.254"));
    CHECK(r4->ifindex == va);
    CHECK(r4->priority == 50);
    const Route* r6 = route(net, "2001:db8::/32");
    REQUIRE(r6 != nullptr);
    CHECK(r6->gateway == ip("fd99::fe"));
    CHECK(r6->ifindex == va);
    CHECK(r6->priority == 60);
    const Route* connected = route(net, "10.99.0.0/24");
    REQUIRE(connected != nullptr);
    CHECK_FALSE(connected->gateway.valid());
    CHECK(connected->ifindex == va);
    const Route* multipath = route(net, "203.0.113.0/24");
    REQUIRE(multipath != nullptr);
    CHECK(multipath->gateway == ip("10.99.0.253"));
    CHECK(multipath->ifindex == va);
    CHECK(route(net, "198.51.100.0/24") == nullptr);  // table 100
    CHECK(route(net, "198.18.0.0/15") == nullptr);    // blackhole
  }
  SECTION("resolve() on the real snapshot") {
    const std::vector<int> attached{va};
    Config c;
    c.ipv4_vlans = {{1, pfx("10.99.0.1/24")}};

    const NextHop local{1, va, 1400, our_mac, ip("10.99.0.1"), ip("10.99.0.7"), static_mac, true, va};
    const Resolution r1 = resolve(net, c, attached, ip("10.99.0.7"), true);
    INFO(r1.problem);
    CHECK(r1.next_hop == local);

    const NextHop remote{1, va, 1400, our_mac, ip("10.99.0.1"), ip("10.99.0.254"), gateway_mac,
                         true, va};
    CHECK(resolve(net, c, attached, ip("192.0.2.10"), false).next_hop == remote);

    // No IPv6 VLAN configured: va's own network, untagged; never the link-local source.
    const NextHop local6{0, va, 1400, our_mac, ip("fd99::1"), ip("fd99::7"), static_mac, true, va};
    CHECK(resolve(net, c, attached, ip("fd99::7"), true).next_hop == local6);
    const NextHop remote6{0, va, 1400, our_mac, ip("fd99::1"), ip("fd99::fe"), MAC{}, false, va};
    CHECK(resolve(net, c, attached, ip("2001:db8::5"), false).next_hop == remote6);
  }
}

TEST_CASE("Pinger resolves an IPv6 link-local neighbour (a router) on the given interface") {
  Network n;
  // Link-local addresses without duplicate detection: usable at once.
  ScopedNetns::sh("ip addr add fe80::99:1/64 dev va nodad");
  n.peer.sh("ip addr add fe80::99:2/64 dev vb nodad");
  // Another link, which the routing table prefers for that address: only the interface of
  // the neighbour entry tells the kernel which fe80::99:2 is meant.
  ScopedNetns::sh("ip link add vx type veth peer name vy");
  ScopedNetns::sh("ip link set vx up");
  ScopedNetns::sh("ip link set vy up");
  ScopedNetns::sh("ip -6 route add fe80::99:2/128 dev vx");
  const IPAddr router = ip("fe80::99:2");
  const auto resolved = [&] {
    const NetSnapshot net = dump_network();  // neighbour() points into it
    const Neighbour* nb = neighbour(net, router);
    return nb != nullptr && nb->usable && nb->mac == peer_mac &&
           nb->ifindex == interface_index("va");
  };
  Pinger pinger;
  // Without the interface the request leaves by the other link, unanswered: once a packet
  // left on vx, the neighbour on va is still unknown.
  const unsigned long vx_sent = net_counter("dev", "", "vx");
  pinger.ping(router);
  REQUIRE(eventually([&] { return net_counter("dev", "", "vx") > vx_sent; }));
  CHECK_FALSE(resolved());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (std::chrono::steady_clock::now() < deadline && !resolved()) {
    pinger.ping(router, interface_index("va"));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(resolved());
}

TEST_CASE("Pinger makes the kernel resolve a neighbour") {
  Network n;
  const MAC none{};
  const auto mac_of = [](const NetSnapshot& net, const IPAddr& a) {
    const Neighbour* nb = neighbour(net, a);
    return nb != nullptr && nb->usable ? nb->mac : MAC{};
  };
  const IPAddr peer4 = ip("10.99.0.2"), peer6 = ip("fd99::2");
  NetSnapshot net = dump_network();
  REQUIRE(mac_of(net, peer4) == none);
  REQUIRE(mac_of(net, peer6) == none);

  Pinger pinger;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (std::chrono::steady_clock::now() < deadline &&
         (mac_of(net, peer4) == none || mac_of(net, peer6) == none)) {
    pinger.ping(peer4);
    pinger.ping(peer6);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    net = dump_network();
  }
  CHECK(mac_of(net, peer4) == peer_mac);
  CHECK(mac_of(net, peer6) == peer_mac);

  // The peer answers every echo request; the sockets' filters keep the replies from queueing.
  // The kernel counts an echo reply after handing it to the raw sockets, so once the counters
  // show the replies to one more pair of pings, those replies have met the filters.
  const unsigned long replies4 = net_counter("snmp", "Icmp", "InEchoReps");
  const unsigned long replies6 = net_counter("snmp6", "", "Icmp6InEchoReplies");
  pinger.ping(peer4);
  pinger.ping(peer6);
  REQUIRE(eventually([&] {
    return net_counter("snmp", "Icmp", "InEchoReps") > replies4 &&
           net_counter("snmp6", "", "Icmp6InEchoReplies") > replies6;
  }));
  CHECK(raw_rx_queues("raw", 1) == std::vector<unsigned long>{0});
  CHECK(raw_rx_queues("raw6", 58) == std::vector<unsigned long>{0});
}
