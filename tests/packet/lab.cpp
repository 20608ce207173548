// SPDX-License-Identifier: Apache-2.0
#include "lab.hpp"

#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>

#include <fmt/format.h>

#include <xvs/error.hpp>

#include "dataplane/clock.hpp"
#include "dataplane/entries.hpp"

namespace xvs::test {

using namespace detail;

namespace {

}  // namespace

void require_root() {
  if (geteuid() == 0) return;
  std::fprintf(stderr, "SKIPPED: packet tests need root (BPF_PROG_TEST_RUN)\n");
  std::exit(77);
}

MAC backend_mac(std::uint8_t n) { return {0x02, 0xbb, 0, 0, 0, n}; }

std::vector<Backend> backends(bool v6, std::uint8_t n) {
  std::vector<Backend> out;
  for (std::uint8_t i = 1; i <= n; ++i) {
    Backend b;
    b.address = IPAddr::parse(v6 ? fmt::format("fd00::{}", i) : fmt::format("10.0.0.{}", i));
    b.mac = backend_mac(i);
    b.vlan = static_cast<std::uint16_t>(100 + i);
    out.push_back(b);
  }
  return out;
}

Backend tunnel_backend(TunnelType tunnel, bool v6, std::uint8_t n) {
  Backend b = backends(v6, n).back();
  b.tunnel = tunnel;
  b.tunnel_port = tunnel == TunnelType::FOU ? 5555 : tunnel == TunnelType::GUE ? 6080 : 0;
  b.src = IPAddr::parse(v6 ? kOurAddr6 : kOurAddr4);
  return b;
}

int backend_of(const Run& r) {
  if (r.out.size() < 6) return 0;
  MAC dst{};
  std::copy_n(r.out.begin(), dst.size(), dst.begin());
  MAC base = backend_mac(0);
  return std::equal(dst.begin(), dst.end() - 1, base.begin()) ? dst[5] : 0;
}

FrameSpec as_forwarded(FrameSpec s, const Backend& b) {
  s.dst = b.hop ? b.hop->hop_mac : b.mac;
  s.src = b.hop ? b.hop->src_mac : kOurMac;
  const std::uint16_t vlan = b.hop ? b.hop->vlan_id : b.vlan;
  if (s.vlan_tci) s.vlan_tci = static_cast<std::uint16_t>((*s.vlan_tci & 0xf000) | vlan);
  --s.ttl;
  return s;
}

std::uint32_t flow_hash(const FrameSpec& s) {
  const xvs_flow_key k = Lab::flow_key(s);
  const auto mix = [](std::uint64_t h, std::uint32_t hi, std::uint32_t lo) {
    h = (h ^ (std::uint64_t{hi} << 32 | lo)) * 0x9e3779b97f4a7c15ull;
    return h ^ (h >> 32);
  };
  std::uint64_t h = 0x6c62272e07bb0142ull;
  for (const xvs_addr* a : {&k.saddr, &k.daddr}) {
    h = mix(h, a->a[0], a->a[1]);
    h = mix(h, a->a[2], a->a[3]);
  }
  h = mix(h, std::uint32_t{k.sport} << 16 | k.dport, k.proto);
  h ^= h >> 33;  // MurmurHash3's 64-bit finaliser
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return static_cast<std::uint32_t>(h);
}

Outer tunnel_outer(const FrameSpec& in, const Backend& b) {
  Outer o;
  o.type = b.tunnel;
  o.saddr = b.hop ? b.hop->src : b.src;
  o.daddr = b.address;
  o.dport = b.tunnel_port;
  const std::uint32_t hash = flow_hash(in);
  o.sport = static_cast<std::uint16_t>(0x8000 | hash >> 17);
  if (o.daddr.is6()) o.flow_label = hash >> 12;
  o.tos = in.tos & 0xfc;
  o.udp_checksum = !b.no_checksum && (in.proto != IPPROTO_UDP || in.l4_checksum);
  return o;
}

Bytes as_encapsulated(const FrameSpec& in, const Backend& b) {
  return encapsulate(as_forwarded(in, b), tunnel_outer(in, b));
}

Service service(const char* vip, std::uint16_t port, Protocol proto, bool sticky) {
  Service s;
  s.address = IPAddr::parse(vip);
  s.port = port;
  s.protocol = proto;
  s.sticky = sticky;
  return s;
}

Lab::Lab(std::uint32_t flows_per_cpu, std::span<const std::uint8_t> object)
    : dp(object, flows_per_cpu) {
  heartbeat();
}

void Lab::heartbeat(std::int64_t offset_ns, std::uint32_t flags) {
  const auto now = static_cast<std::int64_t>(monotonic_ns());
  dp.set_settings(settings_entry(static_cast<std::uint64_t>(now + offset_ns), flags,
                                 static_cast<int>(nat_ifindex)));
}

void FixturePaths::set(const Backend& b) {
  NextHop hop;
  hop.vlan_id = b.vlan;
  hop.ifindex = b.ifindex;
  hop.mtu = b.mtu;
  hop.src_mac = kOurMac;
  hop.src = b.src.valid() ? b.src : b.address;  // layer 2: unused
  hop.hop = b.address;
  hop.hop_mac = b.mac;
  hop.resolved = b.ready;
  hops_[b.address] = b.hop ? *b.hop : hop;
}

Resolution FixturePaths::resolve(const IPAddr& backend, bool) const {
  const auto it = hops_.find(backend);
  if (it == hops_.end()) return {{}, fmt::format("no fixture for {}", backend)};
  return {it->second, {}};
}

void Lab::set_service(const Service& s, const std::vector<Backend>& backends) {
  std::vector<Destination> ds;
  for (const Backend& b : backends) {
    paths_.set(b);
    Destination d;
    d.address = b.address;
    d.weight = b.weight;
    d.disable = !b.in_table;
    d.tunnel_type = b.tunnel;
    d.tunnel_port = b.tunnel_port;
    d.tunnel_encap_no_checksum = b.no_checksum;
    ds.push_back(d);
  }
  table_.set_service(s, ds);
}

void Lab::bump_generation(const Service& s, const IPAddr& backend) {
  const Destination d = dest(s, backend).config;
  table_.remove_destination(s, d);
  table_.create_destination(s, d);
}

std::vector<IPAddr> filter_twins(const IPAddr& a, std::size_t n) {
  const xvs_addr target = to_abi(a);
  const std::uint32_t bit = xvs_vip_filter_bit(&target);
  std::vector<IPAddr> twins;
  std::array<std::uint8_t, 16> b = a.bytes();
  const std::size_t last = a.size() - 1;
  for (std::uint32_t i = 0; twins.size() < n && i < (1u << 24); ++i) {
    b[last - 2] = static_cast<std::uint8_t>(i >> 16);
    b[last - 1] = static_cast<std::uint8_t>(i >> 8);
    b[last] = static_cast<std::uint8_t>(i);
    IPAddr c = a.is4() ? IPAddr::v4({b[0], b[1], b[2], b[3]}) : IPAddr::v6(b);
    xvs_addr abi = to_abi(c);
    if (c != a && xvs_vip_filter_bit(&abi) == bit) twins.push_back(c);
  }
  return twins;
}

std::vector<int> allowed_cpus() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) != 0) throw_system("sched_getaffinity", errno);
  std::vector<int> cpus;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
    if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
  return cpus;
}

PinnedCpu::PinnedCpu(int cpu) {
  if (sched_getaffinity(0, sizeof saved_, &saved_) != 0) throw_system("sched_getaffinity", errno);
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpu, &one);
  if (sched_setaffinity(0, sizeof one, &one) != 0)
    throw_system(fmt::format("pinning to CPU {}", cpu), errno);
}

PinnedCpu::~PinnedCpu() { sched_setaffinity(0, sizeof saved_, &saved_); }

std::uint32_t Lab::vip_slot(const IPAddr& a) const { return table_.vips().at(a).slot; }

std::uint32_t Lab::service_slot(const Service& s) const { return table_.find(s).slot; }

const DestState& Lab::dest(const Service& s, const IPAddr& backend) const {
  return table_.find(s).dests.at(backend);
}

std::uint16_t Lab::dest_index(const Service& s, const IPAddr& backend) const {
  return dest(s, backend).index;
}

xvs_nat Lab::nat_entry(const Service& s, const IPAddr& backend, std::uint16_t vlan) const {
  const DestState& d = dest(s, backend);
  xvs_nat e{};
  e.vip = detail::to_abi(s.address);
  e.saddr = detail::to_abi(IPAddr::parse(s.address.is6() ? kOurAddr6 : kOurAddr4));
  e.dest = d.index;
  e.generation = d.generation;
  e.vlan = vlan;
  return e;
}

namespace {

Run run_once(int prog_fd, const Bytes& frame, std::uint32_t ingress_ifindex) {
  // Without a context the kernel runs the frame as received on the loopback device.
  xdp_md ctx{};
  ctx.data_end = static_cast<std::uint32_t>(frame.size());
  ctx.ingress_ifindex = ingress_ifindex;
  Run r;
  std::uint32_t retval = 0;
  if (int err = test_run(prog_fd, frame, r.out, ingress_ifindex ? &ctx : nullptr, retval))
    throw Error(Errc::system, fmt::format("BPF_PROG_TEST_RUN on {} bytes: {}", frame.size(), err));
  r.verdict = static_cast<int>(retval);
  return r;
}

}  // namespace

Run Lab::run(const Bytes& frame, std::uint32_t ingress_ifindex) {
  return run_once(dp.program_fd(), frame, ingress_ifindex);
}

Run Lab::run_program(const char* name, const Bytes& frame) {
  return run_once(dp.program_fd(name), frame, 0);
}

int Lab::run_errno(const Bytes& frame) {
  Bytes out;
  std::uint32_t retval = 0;
  return test_run(dp.program_fd(), frame, out, nullptr, retval);
}

xvs_flow_key Lab::flow_key(const FrameSpec& s) {
  xvs_flow_key key{};
  key.saddr = to_abi(s.saddr);
  key.daddr = to_abi(s.daddr);
  key.sport = htons(s.sport);
  key.dport = htons(s.dport);
  key.proto = s.proto;
  return key;
}

std::optional<xvs_flow> Lab::flow(const FrameSpec& s) const { return flows.find(flow_key(s)); }

std::size_t Lab::flow_count() const {
  return flows.count(XVS_FLOW_NEW) + flows.count(XVS_FLOW_ESTABLISHED);
}

std::uint64_t Lab::reasons_total() const {
  xvs_reasons r = dp.reasons();
  std::uint64_t n = 0;
  for (std::uint64_t c : r.count) n += c;
  return n;
}

}  // namespace xvs::test
