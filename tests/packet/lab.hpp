// SPDX-License-Identifier: Apache-2.0
// The packet-test harness: the real data-plane object loaded through Dataplane, services
// programmed through the Client's own service table (control/service_table.hpp) with next
// hops from the fixtures instead of the kernel's, frames run with BPF_PROG_TEST_RUN. One Lab
// per test case, so counters and flows start empty.
#pragma once

#include <linux/bpf.h>  // XDP_* verdicts
#include <sched.h>

#include <cstdint>
#include <map>
#include <optional>
#include <tuple>
#include <vector>

#include <xvs/types.hpp>

#include "control/paths.hpp"
#include "control/service_maps.hpp"
#include "control/service_table.hpp"
#include "dataplane/dataplane.hpp"
#include "dataplane/entries.hpp"
#include "dataplane/flow_maps.hpp"
#include "dataplane/flow_table.hpp"
#include "frame.hpp"
#include "test_run.hpp"
#include "net/netinfo.hpp"
#include "tunnel_frames.hpp"

namespace xvs::test {

// Ends the process with ctest's skip code (SKIP_RETURN_CODE 77) unless we are root.
void require_root();

struct Backend {
  IPAddr address;
  MAC mac{};                 // next-hop MAC
  std::uint16_t vlan = 0;    // VLAN ID it is reached on
  int ifindex = 1;           // egress interface (1 = lo, the ingress of a test run)
  bool ready = true;         // neighbour resolved
  bool in_table = true;      // takes new flows (false: like Destination::disable)
  std::uint16_t weight = 1;
  TunnelType tunnel = TunnelType::None;
  std::uint16_t tunnel_port = 0;  // FOU / GUE
  bool no_checksum = false;       // Destination::tunnel_encap_no_checksum
  IPAddr src;                     // our address on its VLAN (outer source); tunnels need it
  std::uint32_t mtu = 1500;       // of its VLAN's interface
  std::optional<detail::NextHop> hop;  // when set, used as it is (e.g. from resolve())
};

// The MAC used for backend number n (1-based) in these tests: 02:bb:00:00:00:n.
MAC backend_mac(std::uint8_t n);
inline constexpr MAC kOurMac{0x02, 0xaa, 0, 0, 0, 0x01};  // our MAC on every VLAN

struct Run {
  int verdict = -1;
  Bytes out;
};

// Backends 1..n of one family: 10.0.0.n or fd00::n, MAC backend_mac(n), VLAN 100 + n.
std::vector<Backend> backends(bool v6, std::uint8_t n);
// Backend n of backends(v6, n) reached through `tunnel` (FOU on port 5555, GUE on 6080), our
// address on its VLAN kOurAddr4 / kOurAddr6.
Backend tunnel_backend(TunnelType tunnel, bool v6, std::uint8_t n = 1);
inline constexpr const char* kOurAddr4 = "10.0.0.254";
inline constexpr const char* kOurAddr6 = "fd00::fe";
// Which of those backends a forwarded frame went to (by destination MAC), 0 for none.
int backend_of(const Run&);

// What `in` looks like after forwarding to `b` (through b.hop when set): MACs, VLAN ID
// (PCP/DEI kept) and TTL.
FrameSpec as_forwarded(FrameSpec in, const Backend& b);

// The data plane's flow hash of `s` (all five fields), computed here from its definition.
std::uint32_t flow_hash(const FrameSpec& s);
// The outer headers the data plane puts around `in` for the tunnel destination `b`: from
// b.src to b.address, the inner DSCP, flow entropy from the hash in the UDP source port
// (0x8000 | its top 15 bits) and the IPv6 flow label (its top 20 bits), UDP checksum unless
// disabled or the inner UDP packet has none.
Outer tunnel_outer(const FrameSpec& in, const Backend& b);
// The frame `in` becomes when sent to the tunnel destination `b`.
Bytes as_encapsulated(const FrameSpec& in, const Backend& b);

// The addresses used throughout the tests.
inline constexpr const char* kVip4 = "192.0.2.10";
inline constexpr const char* kVip6 = "2001:db8::10";
inline constexpr const char* kClient4 = "198.51.100.7";
inline constexpr const char* kClient6 = "2001:db8:c::7";
Service service(const char* vip, std::uint16_t port, Protocol = Protocol::TCP,
                bool sticky = false);

// The first `n` addresses of a's family, other than `a`, whose VIP filter bit
// (xvs_vip_filter_bit) is a's: found by trying every value of a's last 24 bits.
std::vector<IPAddr> filter_twins(const IPAddr& a, std::size_t n);

// The CPUs the calling thread may run on.
std::vector<int> allowed_cpus();

// Keeps the calling thread on `cpu` while it lives (per-CPU maps, or two threads that must
// really run at the same time), then restores its affinity. Throws when it cannot.
class PinnedCpu {
public:
  explicit PinnedCpu(int cpu);
  ~PinnedCpu();
  PinnedCpu(const PinnedCpu&) = delete;
  PinnedCpu& operator=(const PinnedCpu&) = delete;

private:
  cpu_set_t saved_{};
};

struct RootOnly {
  RootOnly() { require_root(); }
};

// Next hops as the fixtures give them: each backend's from its Backend.
class FixturePaths final : public detail::Paths {
public:
  void set(const Backend&);
  detail::Resolution resolve(const IPAddr& backend, bool layer2) const override;
  IPAddr address_on(int, bool) const override { return {}; }

private:
  std::map<IPAddr, detail::NextHop> hops_;
};

// The Client's map layer, except that a destination's generation only names its backend
// ("flow_backends"): flows are re-bound to a new generation only where a test binds it
// (FlowMaps::bind_backend), so that the tests see re-hashing and re-binding apart.
class FixtureMaps final : public detail::DataplaneMaps {
public:
  FixtureMaps(detail::Dataplane& dp, detail::FlowMaps& fm, detail::FlowTable& flows)
      : DataplaneMaps(dp, fm), flows_table_(flows) {}
  void bind_backend(const Service&, const IPAddr& backend, std::uint16_t,
                    std::uint32_t generation) override {
    flows_table_.name_backend(generation, detail::to_abi(backend));
  }
  void unbind_backend(const Service&, const IPAddr&) noexcept override {}

private:
  detail::FlowTable& flows_table_;
};

class Lab : RootOnly {
public:
  // `object`: a data-plane object to load instead of the embedded one.
  explicit Lab(std::uint32_t flows_per_cpu = 4096, std::span<const std::uint8_t> object = {});

  detail::Dataplane dp;
  detail::FlowTable flows{dp.map_fd("flows"), dp.map_fd("flow_backends")};

  void heartbeat(std::int64_t offset_ns = 0, std::uint32_t flags = 0);  // now + offset
  // The host end of the health-check pair, written by heartbeat() when set (nat.h).
  std::uint32_t nat_ifindex = 0;

  // Makes the service's destinations exactly these backends (ServiceTable::set_service):
  // Backend::in_table false is Destination::disable, Backend::ready the neighbour state.
  void set_service(const Service&, const std::vector<Backend>&);
  void remove_service(const Service& s) { table_.remove_service(s); }
  // Moves the destination slot of `backend` on to a new generation (slot reused): the
  // destination is removed and created again, as the Client does it.
  void bump_generation(const Service&, const IPAddr& backend);

  std::uint32_t vip_slot(const IPAddr&) const;
  std::uint32_t service_slot(const Service&) const;
  std::uint16_t dest_index(const Service&, const IPAddr& backend) const;
  // A "nat_addrs" entry for the pair (the service's VIP, `backend`): probes leave from our
  // address of the VIP's family (kOurAddr4 / kOurAddr6) for the backend's destination in the
  // service, with an 802.1Q tag of VLAN `vlan` unless 0. Tests write NAT pairs themselves
  // (NatPairs), with the tags they examine.
  xvs_nat nat_entry(const Service&, const IPAddr& backend, std::uint16_t vlan = 0) const;

  Run run(const Bytes& frame, std::uint32_t ingress_ifindex = 0);
  int run_errno(const Bytes& frame);  // for frames the kernel refuses: -errno, 0 if it ran
  Run run_program(const char* name, const Bytes& frame);  // another program, e.g. "xvs_nat"

  static xvs_flow_key flow_key(const FrameSpec&);
  std::optional<xvs_flow> flow(const FrameSpec&) const;  // this node's entry, not a peer's
  void set_flow(const FrameSpec& s, const xvs_flow& f) { flows.put(flow_key(s), f); }
  std::size_t flow_count() const;  // this node's entries
  std::uint64_t reason(std::uint32_t r) const { return dp.reasons().count[r]; }
  std::uint64_t reasons_total() const;

private:
  const detail::DestState& dest(const Service&, const IPAddr& backend) const;

  detail::FlowMaps flow_maps_{dp};
  FixtureMaps maps_{dp, flow_maps_, flows};
  FixturePaths paths_;
  detail::ServiceTable table_{maps_, paths_, 0};
};

}  // namespace xvs::test
