// SPDX-License-Identifier: Apache-2.0
// The fuzz campaign's second part, on a real Client (docs/reliability.md): peers' flows
// installed through write_flow() and then hit by mutated packets; mutated and forged flow
// records into write_flow(); mutated probes through the health-check NAT program (xvs_nat)
// and the backends' replies to them. The Client runs on a veth in a namespace of its own;
// its attached programs are run with BPF_PROG_TEST_RUN and judged against
// tests/fuzz/oracle.hpp. Hidden from the default run; ctest's "packet: fuzz campaign" runs it
// with the Lab campaign, sized by XVS_FUZZ_FRAMES / 8 and seeded by XVS_FUZZ_SEED.
#include <catch2/catch.hpp>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <chrono>
#include <cstring>
#include <ctime>
#include <map>
#include <thread>

#include <xvs/xvs.hpp>

#include "client_net.hpp"
#include "dataplane/bpf_loader.hpp"
#include "dataplane/entries.hpp"
#include "dataplane/flow_table.hpp"
#include "fuzz_campaign.hpp"
#include "net/natns.hpp"
#include "oracle.hpp"

using namespace xvs;
using namespace xvs::test;
using fuzz::Judge;
using fuzz::Mutator;
using fuzz::ProbeMapping;
using fuzz::Target;
using fuzz::View;

namespace {

const std::uint32_t kCpus = static_cast<std::uint32_t>(libbpf_num_possible_cpus());

IPAddr backend_addr(bool v6, int n) {
  return IPAddr::parse(v6 ? fmt::format("fd00::{}", n) : fmt::format("10.0.0.{}", n));
}

Backend fixture(bool v6, int n) {  // as the judge knows a destination: untagged, layer 2
  Backend b;
  b.address = backend_addr(v6, n);
  b.mac = backend_mac(static_cast<std::uint8_t>(n));
  return b;
}

xvs_flow_key key_of(const IPAddr& client, std::uint16_t cport, const IPAddr& vip,
                    std::uint16_t port, std::uint8_t proto) {
  xvs_flow_key k{};
  k.saddr = detail::to_abi(client);
  k.daddr = detail::to_abi(vip);
  k.sport = htons(cport);
  k.dport = htons(port);
  k.proto = proto;
  return k;
}

bool same_key(const xvs_flow_key& a, const xvs_flow_key& b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

std::uint32_t now_s() { return static_cast<std::uint32_t>(std::time(nullptr)); }

// --- flow records read as docs/flows.md describes them (independently of flows.cpp) -------

IPAddr record_addr(View r, std::size_t at) {
  static constexpr std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::equal(kMapped, kMapped + 12, r.begin() + static_cast<long>(at)))
    return IPAddr::v4({r[at + 12], r[at + 13], r[at + 14], r[at + 15]});
  std::array<std::uint8_t, 16> a{};
  std::copy_n(r.begin() + static_cast<long>(at), 16, a.begin());
  return IPAddr::v6(a);
}

void put_record_addr(Bytes& r, std::size_t at, const IPAddr& a) {
  std::array<std::uint8_t, 16> b{};
  if (a.is4()) {
    b[10] = b[11] = 0xff;
    std::copy_n(a.bytes().begin(), 4, b.begin() + 12);
  } else {
    std::copy_n(a.bytes().begin(), 16, b.begin());
  }
  std::copy(b.begin(), b.end(), r.begin() + static_cast<long>(at));
}

std::uint16_t get16(View b, std::size_t at) {
  return static_cast<std::uint16_t>(b[at] << 8 | b[at + 1]);
}

struct Record {
  IPAddr client, vip, backend;
  std::uint16_t client_port = 0, port = 0;
  std::uint8_t proto = 0;
  std::uint32_t seen = 0;
};

Record read_record(View r) {
  Record o;
  o.proto = r[3];
  o.client = record_addr(r, 8);
  o.vip = record_addr(r, 24);
  o.backend = record_addr(r, 40);
  o.client_port = get16(r, 56);
  o.port = get16(r, 58);
  o.seen = std::uint32_t{get16(r, 60)} << 16 | get16(r, 62);
  return o;
}

Bytes write_record(const Record& o, int version = 2) {
  Bytes r(64, 0);
  r[0] = 'X';
  r[1] = 'F';
  r[2] = static_cast<std::uint8_t>(version);
  r[3] = o.proto;
  set16(r, 4, 64);
  put_record_addr(r, 8, o.client);
  put_record_addr(r, 24, o.vip);
  put_record_addr(r, 40, o.backend);
  set16(r, 56, o.client_port);
  set16(r, 58, o.port);
  if (version == 2) {
    set16(r, 60, static_cast<std::uint16_t>(o.seen >> 16));
    set16(r, 62, static_cast<std::uint16_t>(o.seen));
  }
  return r;
}

bool is_broadcast(const IPAddr& a) {
  return a.is4() && a.bytes()[0] == 255 && a.bytes()[1] == 255 && a.bytes()[2] == 255 &&
         a.bytes()[3] == 255;
}
bool no_client(const IPAddr& a) {  // an address no client can have (docs/flows.md)
  return a.is_unspecified() || a.is_loopback() || a.is_multicast() || is_broadcast(a);
}

// Whether write_flow() must take the record at wall-clock time `now` (docs/flows.md,
// "Rejected records"), given the services and their destinations.
bool acceptable(View r, std::uint32_t now, const std::vector<Target>& ts) {
  if (r.size() != 64 || r[0] != 'X' || r[1] != 'F' || (r[2] != 1 && r[2] != 2) ||
      get16(r, 4) != 64 || r[6] || r[7])
    return false;
  const Record o = read_record(r);
  if (r[2] == 1 && o.seen) return false;
  if (r[2] == 2) {
    const std::int64_t age = std::int64_t{now} - o.seen;
    if (o.seen == 0 || age > 30 || -age > 10) return false;
  }
  if ((o.proto != IPPROTO_TCP && o.proto != IPPROTO_UDP) || !o.client_port || !o.port) return false;
  if (o.client.is4() != o.vip.is4() || no_client(o.client) || o.client == o.vip) return false;
  for (const Target& t : ts)
    if (t.svc.address == o.vip && t.svc.port == o.port &&
        static_cast<std::uint8_t>(t.svc.protocol) == o.proto)
      return std::any_of(t.backends.begin(), t.backends.end(),
                         [&](const Backend& b) { return b.address == o.backend; });
  return false;
}

// --- the peers' flows the campaign tracks --------------------------------------------------

// A flow a record was written for. `honoured`: the data plane must send its packets to
// `recorded` while its entry lasts (rebinding by address included, docs/flows.md); else Maglev
// places them. `maglev` is where a twin data plane with the same backends and no flows puts it.
struct SharedFlow {
  std::string what;
  FrameSpec frame;
  Record record;
  int version = 2;
  bool honoured = true;
  IPAddr maglev;
  IPAddr expect;  // where its packets must go now
  xvs_flow_key key{};
};

class Campaign {
public:
  Campaign(Client& c, const Attached& xdp, const Attached& nat, std::vector<Target> ts,
           std::uint64_t seed)
      : c_(c), xdp_(xdp), nat_(nat), ts_(std::move(ts)), m_(seed),
        table_(xdp.map("flows")),
        judge_{ts_, [this](const fuzz::Packet& p) { return mapping(p); }} {}

  std::vector<SharedFlow> flows;
  std::vector<FrameSpec> xdp_seeds, probe_seeds;
  std::map<IPAddr, std::pair<IPAddr, IPAddr>> pairs;  // NAT address -> (VIP, backend)
  std::uint64_t shared_hits = 0, maglev_hits = 0, rewritten = 0, records = 0, accepted = 0,
                probes = 0, replies = 0, mapped = 0, own_records = 0;
  std::map<std::string, std::uint64_t> nat_results;
  std::optional<ProbeMapping> left;  // the reply mapping the last probe left, checked

  Mutator& mutator() { return m_; }

  // The reply mapping the probe program left for `p`, read from its map "nat_conns".
  std::optional<ProbeMapping> mapping(const fuzz::Packet& p) const {
    if (p.proto != IPPROTO_TCP && p.proto != IPPROTO_UDP) return std::nullopt;
    const xvs_flow_key k = key_of(p.saddr, p.sport, p.daddr, p.dport, p.proto);
    xvs_nat_conn c{};
    if (bpf_map_lookup_elem(xdp_.map("nat_conns"), &k, &c) != 0) return std::nullopt;
    return ProbeMapping{p.saddr, p.daddr, detail::from_abi(c.nat), detail::from_abi(c.host),
                        p.sport, p.dport, ntohs(c.port), p.proto};
  }

  // Writes `f`'s record as a peer would send it now; "" or why it was refused.
  std::string share(SharedFlow& f) {
    Record r = f.record;
    r.seen = f.version == 2 ? now_s() : 0;
    try {
      c_.write_flow(write_record(r, f.version));
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  }

  // The tracked flow `k` is, with where its packets must go now (nullptr: not tracked). An
  // honoured record whose entry was replaced by newer flows of its bucket (docs/dataplane.md)
  // is shared again first, as peers do; Maglev places the flow when that is not stored.
  SharedFlow* expectation(const xvs_flow_key& k) {
    for (SharedFlow& f : flows) {
      if (!same_key(f.key, k)) continue;
      if (table_.state(k) == XVS_FLOW_FREE) {
        f.expect = f.maglev;
        if (f.honoured) {
          INFO(f.what);
          const std::string refused = share(f);
          INFO(refused);
          REQUIRE(refused.empty());
          ++rewritten;
          if (table_.state(k) == XVS_FLOW_PEER) f.expect = f.record.backend;
        }
      }
      return &f;
    }
    return nullptr;
  }

  // The flow a frame to the forwarding program belongs to, for a packet of it or a too-big
  // error about it.
  std::optional<xvs_flow_key> flow_of(View in) const {
    const std::optional<fuzz::Packet> p = fuzz::parse_valid(in);
    if (!p) return std::nullopt;
    if (p->proto == IPPROTO_TCP || p->proto == IPPROTO_UDP)
      return key_of(p->saddr, p->sport, p->daddr, p->dport, p->proto);
    if (const std::optional<fuzz::Quoted> q = fuzz::parse_too_big(in, *p))
      return key_of(q->client, q->client_port, p->daddr, q->port, q->proto);
    return std::nullopt;
  }

  // One frame through the forwarding program: "" or what is wrong.
  std::string forward(const Bytes& in) {
    SharedFlow* f = nullptr;
    if (const std::optional<xvs_flow_key> k = flow_of(in)) f = expectation(*k);
    const xvs_reasons before =
        detail::sum_percpu<xvs_reasons>(xdp_.map("reasons"), 0, kCpus, "reasons");
    const Run r = xdp_.run(in);
    const xvs_reasons after =
        detail::sum_percpu<xvs_reasons>(xdp_.map("reasons"), 0, kCpus, "reasons");
    last_ = r;
    std::uint32_t moved = 0;
    const std::uint32_t reason = fuzz::moved_reason(before, after, moved);
    if (moved != 1) return fmt::format("{} reason counts moved", moved);
    if (std::string e = judge_.judge(in, r, reason); !e.empty()) return e;
    if (f && reason == XVS_R_FORWARDED) {
      ++(f->expect == f->maglev ? maglev_hits : shared_hits);
      if (!sent_to(r.out, f->expect))
        return fmt::format("{} flow ({}, Maglev: {}) not sent to {}", f->what,
                           f->honoured ? "honoured" : "not honoured", f->maglev, f->expect);
    }
    return "";
  }

  // One (mutated) flow record into write_flow(): "" or what is wrong.
  std::string record(const Bytes& r) {
    ++records;
    const std::uint32_t t0 = now_s();
    const bool long_enough = r.size() >= 64;
    xvs_flow_key k{};
    if (long_enough) {
      const Record o = read_record(r);
      k = key_of(o.client, o.client_port, o.vip, o.port, o.proto);
    }
    const std::uint8_t state = long_enough ? table_.state(k) : std::uint8_t{XVS_FLOW_FREE};
    bool taken = true;
    std::string why;
    try {
      c_.write_flow(r);
    } catch (const Error& e) {
      if (e.code() != Errc::invalid_argument)
        return fmt::format("refused with {} ({})", static_cast<int>(e.code()), e.what());
      taken = false;
      why = e.what();
    }
    const std::uint32_t t1 = now_s();
    const bool ok0 = acceptable(r, t0, ts_), ok1 = acceptable(r, t1, ts_);
    if (taken && !ok0 && !ok1) return "a record write_flow() must refuse was taken";
    if (!taken && ok0 && ok1) return "a good record was refused: " + why;
    if (!taken)
      return long_enough && table_.state(k) != state ? "a refused record changed the flow table"
                                                     : "";
    ++accepted;
    const Record o = read_record(r);
    if (state != XVS_FLOW_FREE || table_.state(k) != XVS_FLOW_PEER) return "";  // not stored
    // Stored: its flow goes to the backend it names, a configured destination.
    for (SharedFlow& f : flows)
      if (same_key(f.key, k)) f.expect = o.backend;
    FrameSpec s = o.proto == IPPROTO_UDP ? udp("0.0.0.0", 0, "0.0.0.0", 0)
                                         : tcp("0.0.0.0", 0, "0.0.0.0", 0);
    s.saddr = o.client;
    s.daddr = o.vip;
    s.sport = o.client_port;
    s.dport = o.port;
    const Bytes in = build(s);
    if (std::string e = forward(in); !e.empty()) return "its flow: " + e;
    if (last_.verdict != XDP_TX || !sent_to(last_.out, o.backend))
      return fmt::format("its flow was not sent to {}", o.backend);
    return "";
  }

  // A record this node queued (read_flow) is one a peer takes: well formed, fresh, ours.
  std::string own_record() {
    const Bytes r = c_.read_flow();
    if (r.empty()) return "";
    ++own_records;
    if (!acceptable(r, now_s(), ts_) && !acceptable(r, now_s() - 1, ts_))
      return "read_flow() gave a record a peer must refuse:\n" + hex(r);
    try {
      c_.write_flow(r);
    } catch (const Error& e) {
      return fmt::format("write_flow() refused a record of read_flow(): {}", e.what());
    }
    return "";
  }

  // One frame through the probe program; then, for a probe it sent, the backend's reply (maybe
  // mutated) through the forwarding program. "" or what is wrong.
  std::string probe(const Bytes& in, bool must_send) {
    const int fd = nat_.map("nat_counters");
    const xvs_nat_counters before = detail::sum_percpu<xvs_nat_counters>(fd, 0, kCpus, "nat");
    const Run r = nat_.run(in);
    last_ = r;
    const xvs_nat_counters after = detail::sum_percpu<xvs_nat_counters>(fd, 0, kCpus, "nat");
    const char* names[] = {"probes", "no_pair", "not_ready", "no_port", "malformed", "not_sent"};
    const std::uint64_t* b = &before.probes;
    const std::uint64_t* a = &after.probes;
    int moved = -1, count = 0;
    for (int i = 0; i < 6; ++i)
      if (a[i] != b[i]) {
        count += static_cast<int>(a[i] - b[i]);
        moved = i;
      }
    const std::optional<fuzz::Packet> p = fuzz::parse_valid(in);
    const auto pair = p ? pairs.find(p->daddr) : pairs.end();
    const char* result = r.verdict == XDP_PASS ? "passed" : moved >= 0 ? names[moved] : "?";
    ++nat_results[result];
    if (r.verdict == XDP_PASS) {
      if (count) return "a passed probe was counted";
      if (!std::ranges::equal(in, r.out)) return "a passed frame was changed";
      if (pair != pairs.end()) return "a well-formed packet to a pair's NAT address was passed";
      return "";
    }
    if (count != 1) return fmt::format("{} NAT counts moved", count);
    if (r.verdict == XDP_DROP) {
      if (moved == 0) return "dropped, counted as a probe";
      // Every port may be taken by other probes (mutated ones too): the one legitimate drop.
      if (must_send && moved != 3)
        return fmt::format("a valid probe was dropped ({})", names[moved]);
      return "";
    }
    if (r.verdict != XDP_REDIRECT || moved != 0)
      return fmt::format("verdict {} ({})", r.verdict, result);
    if (!p) return "a malformed frame was sent";
    if (pair == pairs.end()) return "sent for an address that is no pair's";
    if (p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP)
      return "a probe that is no TCP/UDP was sent";
    ++probes;
    const auto& [vip, backend] = pair->second;
    const IPAddr ours = IPAddr::parse(vip.is6() ? kOurAddr6 : kOurAddr4);
    const std::uint16_t wire = r.out.size() >= p->l4 + 2 ? get16(r.out, p->l4) : 0;
    if (wire != p->sport && wire < 1024)
      return fmt::format("re-mapped to well-known port {}", wire);
    const fuzz::ProbeSent want{
        kOurMac, fixture(backend.is6(), last_octet(backend)).mac, ours, vip, wire, 0};
    if (std::string e = fuzz::check_probe_sent(in, *p, want, r.out); !e.empty()) return e;
    // The reply mapping it left: the backend's answer goes back to the host's socket.
    fuzz::Packet reply_p = *p;
    reply_p.saddr = vip;
    reply_p.daddr = ours;
    reply_p.sport = p->dport;
    reply_p.dport = wire;
    const std::optional<ProbeMapping> m = mapping(reply_p);
    if (!m || m->nat != p->daddr || m->host != p->saddr || m->host_port != p->sport)
      return "the probe left no reply mapping to the host's socket";
    left = m;
    if (m_.below(2)) return "";
    ++replies;
    FrameSpec s = fuzz::transport(p->proto, p->dport, wire);
    s.saddr = vip;
    s.daddr = ours;
    s.src = fixture(backend.is6(), last_octet(backend)).mac;
    s.dst = kOurMac;
    s.payload.assign(m_.below(64), 0x61);
    Bytes reply = build(s);
    const bool mutated = m_.below(2);
    if (mutated) m_.mutate(reply, s);
    if (reply.size() < 14) return "";
    if (std::string e = forward(reply); !e.empty()) return "its reply: " + e + "\n" + hex(reply);
    if (!mutated && last_.verdict != XDP_REDIRECT) return "its reply was not mapped";
    mapped += last_.verdict == XDP_REDIRECT;
    return "";
  }

  const Run& last() const { return last_; }

private:
  static int last_octet(const IPAddr& a) { return a.bytes()[a.is4() ? 3 : 15]; }

  // The frame goes to backend `a` (the backends of each family have MACs of their number).
  static bool sent_to(const Bytes& out, const IPAddr& a) {
    const MAC mac = backend_mac(static_cast<std::uint8_t>(last_octet(a)));
    return out.size() >= 6 && std::equal(mac.begin(), mac.end(), out.begin());
  }

  Client& c_;
  const Attached& xdp_;
  const Attached& nat_;
  std::vector<Target> ts_;
  Mutator m_;
  detail::FlowTable table_;
  Judge judge_;
  Run last_;
};

// Mutations of a flow record: bits, bytes, fields set to edge values, a length that is not 64.
Bytes mutate_record(Bytes r, Mutator& m, const std::vector<IPAddr>& addrs) {
  for (std::size_t n = 1 + m.below(2); n > 0; --n) {
    switch (m.below(8)) {
      case 0:
        r[m.below(r.size())] ^= static_cast<std::uint8_t>(1u << m.below(8));
        break;
      case 1:
        r[m.below(r.size())] = m.byte();
        break;
      case 2:
      case 3:  // an address field: another address of interest
        put_record_addr(r, 8 + 16 * m.below(3), addrs[m.below(addrs.size())]);
        break;
      case 4: {  // a port
        const std::uint16_t ports[] = {0, 1, 53, 80, 81, 8080, 65535,
                                       static_cast<std::uint16_t>(m.below(65536))};
        set16(r, 56 + 2 * m.below(2), ports[m.below(std::size(ports))]);
        break;
      }
      case 5: {  // the time, around the edges of validity
        const std::int64_t offs[] = {-3600, -31, -30, -29, 0, 9, 10, 11, 12, 3600};
        const std::int64_t t = std::int64_t{now_s()} + offs[m.below(std::size(offs))];
        const std::uint32_t v = m.below(8) ? static_cast<std::uint32_t>(t) : 0;
        set16(r, 60, static_cast<std::uint16_t>(v >> 16));
        set16(r, 62, static_cast<std::uint16_t>(v));
        break;
      }
      case 6: {  // a header field
        const std::size_t at = std::array<std::size_t, 5>{2, 3, 4, 5, 6}[m.below(5)];
        const std::uint8_t vals[] = {0, 1, 2, 3, 6, 17, 64, 0xff, m.byte()};
        r[at] = vals[m.below(std::size(vals))];
        break;
      }
      default:  // cut or extended
        if (m.below(2))
          r.resize(m.below(r.size()));
        else
          r.resize(r.size() + 1 + m.below(8), m.byte());
        if (r.empty()) return r;
        break;
    }
  }
  return r;
}

}  // namespace

TEST_CASE("fuzz campaign on a Client: peers' flows, flow records, health-check NAT",
          "[.][fuzz]") {
  const std::uint64_t frames = fuzz::env_or("XVS_FUZZ_FRAMES", 100000) / 8;
  const std::uint64_t seed = fuzz::campaign_seed("client", frames);
  INFO("client campaign, seed " << seed);

  ClientNetwork net;
  Options opts;
  opts.flows_per_cpu = 1024;
  Client c({"v0"}, opts);
  c.read_flow();  // queueing on: the data plane shares what it learns, as in a group

  // Per VIP: TCP 80 on backends 1-3, UDP 53 on 1-2. Records are written now; then backend 3
  // leaves port 80 and backend 4 joins (its slot, maybe), and backend 2 of port 53 is removed
  // and created again (another generation).
  struct Plan {
    std::string what;
    int backend;
    std::uint16_t port;
    int version = 2;
    std::int64_t age = 2;
    bool honoured = true;
    bool taken = true;
  };
  const std::vector<Plan> plans = {
      {"fresh", 1, 80},
      {"version 1 (no time)", 2, 80, 1},
      {"29 s old", 1, 80, 2, 29},
      {"9 s ahead", 2, 80, 2, -9},
      {"31 s old (refused)", 2, 80, 2, 31, false, false},
      {"12 s ahead (refused)", 1, 80, 2, -12, false, false},
      {"destination removed since", 3, 80, 2, 2, false},
      {"destination created again since (another generation)", 2, 53},
      {"fresh", 1, 53},
      {"backend not yet a destination (refused)", 4, 80, 2, 2, false, false},
  };
  std::vector<Target> ts;
  for (bool v6 : {false, true}) {
    const char* vip = v6 ? kVip6 : kVip4;
    const Service web = service(vip, 80), dns = service(vip, 53, Protocol::UDP);
    c.set_service(
        web, {dest(backend_addr(v6, 1)), dest(backend_addr(v6, 2)), dest(backend_addr(v6, 3))});
    c.set_service(dns, {dest(backend_addr(v6, 1)), dest(backend_addr(v6, 2))});
    ts.push_back({web, {fixture(v6, 1), fixture(v6, 2), fixture(v6, 4)}});
    ts.push_back({dns, {fixture(v6, 1), fixture(v6, 2)}});
  }

  // Where Maglev puts a flow once the changes are made: a twin data plane (the packet-test
  // Lab) holding the same backends and no flows.
  Lab twin(1024);
  twin.heartbeat();
  for (const Target& t : ts) {
    std::vector<Backend> bs;
    for (const Backend& b : t.backends)  // the Lab's backend of that number (another VLAN)
      bs.push_back(backends(b.address.is6(), 4)[b.mac[5] - 1]);
    twin.set_service(t.svc, bs);
  }
  auto twin_choice = [&](FrameSpec s) {
    if (s.proto == IPPROTO_TCP) s.tcp_flags = kSyn;  // creates no flow
    const Run r = twin.run(build(s));
    REQUIRE(r.verdict == XDP_TX);
    return backend_addr(s.daddr.is6(), backend_of(r));
  };

  Attached xdp("v0"), nat(detail::kNatHostLink);
  Campaign camp(c, xdp, nat, ts, seed);

  // The records, each for a flow Maglev would place elsewhere (so that honouring shows).
  std::uint16_t next_port = 50000;
  for (bool v6 : {false, true}) {
    const char* client = v6 ? kClient6 : kClient4;
    const char* vip = v6 ? kVip6 : kVip4;
    for (const Plan& plan : plans) {
      const bool tcp_svc = plan.port == 80;
      const IPAddr recorded = backend_addr(v6, plan.backend);
      SharedFlow f;
      f.what = fmt::format("{} ({} to {}:{})", plan.what, recorded, vip, plan.port);
      for (;; ++next_port) {
        f.frame = tcp_svc ? tcp(client, next_port, vip, 80) : udp(client, next_port, vip, 53);
        f.maglev = twin_choice(f.frame);
        // A record of a removed backend must not reach the one that took its place either.
        if (f.maglev != recorded && (plan.backend != 3 || f.maglev != backend_addr(v6, 4))) break;
      }
      ++next_port;
      f.record = {IPAddr::parse(client), IPAddr::parse(vip), recorded, f.frame.sport, plan.port,
                  static_cast<std::uint8_t>(tcp_svc ? IPPROTO_TCP : IPPROTO_UDP),
                  plan.version == 2 ? static_cast<std::uint32_t>(now_s() - plan.age) : 0};
      f.version = plan.version;
      f.honoured = plan.honoured;
      f.key = Lab::flow_key(f.frame);
      bool taken = true;
      try {
        c.write_flow(write_record(f.record, f.version));
      } catch (const Error& e) {
        INFO(f.what << ": " << e.what());
        CHECK(e.code() == Errc::invalid_argument);
        taken = false;
      }
      INFO(f.what);
      REQUIRE(taken == plan.taken);
      f.expect = f.honoured ? recorded : f.maglev;
      camp.flows.push_back(f);
    }
  }
  for (bool v6 : {false, true}) {
    const char* vip = v6 ? kVip6 : kVip4;
    c.remove_destination(service(vip, 80), dest(backend_addr(v6, 3)));
    c.create_destination(service(vip, 80), dest(backend_addr(v6, 4)));
    c.remove_destination(service(vip, 53, Protocol::UDP), dest(backend_addr(v6, 2)));
    c.create_destination(service(vip, 53, Protocol::UDP), dest(backend_addr(v6, 2)));
  }
  // Every next hop resolved (the permanent neighbours), within a bounded wait.
  const auto resolved = [&] {
    for (const Target& t : ts)
      for (const DestinationExtended& d : c.destinations(t.svc))
        if (d.mac == MAC{}) return false;
    return true;
  };
  for (int i = 0; i < 500 && !resolved(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  REQUIRE(resolved());
  // The twin agrees with the Client where no record is: it models its Maglev.
  for (const Target& t : ts)
    for (std::uint16_t port = 45000; port < 45032; ++port) {
      const bool v6 = t.svc.address.is6();
      FrameSpec s = t.svc.protocol == Protocol::UDP
                        ? udp(v6 ? kClient6 : kClient4, port, v6 ? kVip6 : kVip4, t.svc.port)
                        : tcp(v6 ? kClient6 : kClient4, port, v6 ? kVip6 : kVip4, t.svc.port, kSyn);
      const Run r = xdp.run(build(s));
      REQUIRE(r.verdict == XDP_TX);
      REQUIRE(backend_addr(v6, backend_of(r)) == twin_choice(s));
    }

  // The health-check pairs: every backend of a VIP's services has one, the removed one none.
  std::vector<FrameSpec>& probes = camp.probe_seeds;
  std::vector<bool> must_send;
  for (bool v6 : {false, true}) {
    const IPAddr vip = IPAddr::parse(v6 ? kVip6 : kVip4);
    REQUIRE_FALSE(c.nat(vip, backend_addr(v6, 3)).valid());
    const IPAddr host = detail::nat_host_address(v6);
    auto probe = [&](std::uint8_t proto, std::uint16_t sport, const IPAddr& to,
                     std::uint16_t dport, bool valid) {
      FrameSpec s = fuzz::transport(proto, sport, dport);
      if (proto == IPPROTO_TCP) s.tcp_flags = kSyn;
      s.src = detail::kNatPeerMac;  // reflected by the peer onto the host end
      s.dst = detail::kNatHostMac;
      s.saddr = host;
      s.daddr = to;
      probes.push_back(s);
      must_send.push_back(valid);
      return s;
    };
    for (int n : {1, 2, 4}) {
      const IPAddr a = c.nat(vip, backend_addr(v6, n));
      REQUIRE(a.valid());
      camp.pairs[a] = {vip, backend_addr(v6, n)};
      probe(IPPROTO_TCP, 41000, a, 80, true);
      probe(IPPROTO_UDP, 41100, a, 53, true);
      probe(IPPROTO_TCP, 41200, a, 81, true);  // a port without service: probed all the same
      probe(IPPROTO_TCP, 41300, a, 80, true);  // one host port to every backend: re-mapped
      FrameSpec big = probe(IPPROTO_UDP, 41400, a, 53, true);
      probes.pop_back();
      must_send.pop_back();
      big.payload.assign(1200, 0x6b);
      big.l4_checksum = v6;  // IPv4: no UDP checksum
      probes.push_back(big);
      must_send.push_back(true);
    }
    probe(IPPROTO_TCP, 41500, detail::nat_address(200, v6), 80, false);  // no pair's
    probe(IPPROTO_TCP, 41500, host, 80, false);                          // the host's own
    probe(IPPROTO_UDP, 41500, backend_addr(v6, 1), 53, false);           // not the NAT side
    FrameSpec ping = echo(v6 ? "2001:2:0:ffff::1" : "198.18.255.253", v6 ? kVip6 : kVip4);
    ping.daddr = c.nat(vip, backend_addr(v6, 1));
    probes.push_back(ping);
    must_send.push_back(false);
  }
  std::vector<ProbeMapping> first;  // the mappings the replies answer
  for (std::size_t i = 0; i < probes.size(); ++i) {
    INFO("probe seed " << i << "\n" << hex(build(probes[i])) << "\nout:\n" << hex(camp.last().out));
    camp.left.reset();
    const std::string e = camp.probe(build(probes[i]), must_send[i]);
    INFO(e);
    REQUIRE(e.empty());
    if (camp.left) first.push_back(*camp.left);
  }

  std::vector<FrameSpec>& xs = camp.xdp_seeds;
  for (const SharedFlow& f : camp.flows) {
    xs.push_back(f.frame);
    FrameSpec tagged = f.frame;
    tagged.vlan_tci = 0x6005;
    xs.push_back(tagged);
    if (f.frame.proto == IPPROTO_TCP) {
      FrameSpec syn = f.frame;
      syn.tcp_flags = kSyn;
      xs.push_back(syn);
    }
    const bool v6 = f.frame.daddr.is6();
    const std::string vip = f.frame.daddr.to_string(), client = f.frame.saddr.to_string();
    FrameSpec sent = f.frame.proto == IPPROTO_UDP
                         ? udp(vip.c_str(), f.frame.dport, client.c_str(), f.frame.sport)
                         : tcp(vip.c_str(), f.frame.dport, client.c_str(), f.frame.sport);
    sent.payload.assign(1400, 0x3c);
    xs.push_back(too_big(v6 ? "2001:db8:f::1" : "203.0.113.1", sent, v6 ? 1300 : 1200, 576));
  }
  for (bool v6 : {false, true}) {
    const char* client = v6 ? kClient6 : kClient4;
    const char* vip = v6 ? kVip6 : kVip4;
    xs.push_back(tcp(client, 40000, vip, 80));
    xs.push_back(udp(client, 40000, vip, 53));
    xs.push_back(tcp(client, 40000, vip, 8080));  // no service
    xs.push_back(echo(client, vip));
  }
  fuzz::reply_seeds(first, xs);

  // Addresses a forged record may name.
  std::vector<IPAddr> addrs;
  for (const char* a : {kVip4, kVip6, kClient4, kClient6, "192.0.2.99", "127.0.0.1", "::1",
                        "0.0.0.0", "::", "255.255.255.255", "224.0.0.1", "ff02::1",
                        kOurAddr4, kOurAddr6, "198.18.0.1", "::ffff:0:0", "fe80::1"})
    addrs.push_back(IPAddr::parse(a));
  for (int n = 1; n <= 4; ++n)
    for (bool v6 : {false, true}) addrs.push_back(backend_addr(v6, n));

  Mutator& m = camp.mutator();
  const auto start = std::chrono::steady_clock::now();
  for (std::uint64_t i = 0; i < frames; ++i) {
    const std::size_t channel = m.below(100);
    Bytes in;
    std::string e;
    if (channel < 50) {
      const FrameSpec& s = xs[m.below(xs.size())];
      in = build(s);
      if (m.below(10)) m.mutate(in, s);
      if (in.size() < 14) continue;
      e = camp.forward(in);
    } else if (channel < 92) {
      const std::size_t k = m.below(probes.size());
      in = build(probes[k]);
      const bool mutated = m.below(10) != 0;
      if (mutated) m.mutate(in, probes[k]);
      if (in.size() < 14) continue;
      e = camp.probe(in, !mutated && must_send[k]);
    } else if (m.below(4) == 0) {
      e = camp.own_record();
    } else {
      const Target& t = ts[m.below(ts.size())];
      const bool v6 = t.svc.address.is6();
      Record r{IPAddr::parse(v6 ? kClient6 : kClient4), t.svc.address,
               t.backends[m.below(t.backends.size())].address,
               static_cast<std::uint16_t>(52000 + m.below(8000)), t.svc.port,
               static_cast<std::uint8_t>(t.svc.protocol), now_s()};
      const int version = m.below(8) ? 2 : 1;
      in = write_record(r, version);
      if (m.below(10)) in = mutate_record(in, m, addrs);
      e = camp.record(in);
    }
    INFO("seed " << seed << " frame " << i << " (client campaign)\nin:\n" << hex(in)
                 << "\nlast out:\n" << hex(camp.last().out));
    INFO(e);
    REQUIRE(e.empty());
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("fuzz client: %llu frames in %.1f s\n", static_cast<unsigned long long>(frames),
              secs);
  std::printf(
      "fuzz client: packets of peers' flows forwarded: %llu to the recorded backend, "
      "%llu by Maglev; %llu records shared again after their entry went\n",
      static_cast<unsigned long long>(camp.shared_hits),
      static_cast<unsigned long long>(camp.maglev_hits),
      static_cast<unsigned long long>(camp.rewritten));
  std::printf(
      "fuzz client: %llu records into write_flow, %llu taken; %llu of read_flow taken back\n",
      static_cast<unsigned long long>(camp.records), static_cast<unsigned long long>(camp.accepted),
      static_cast<unsigned long long>(camp.own_records));
  std::printf("fuzz client: %llu probes sent, %llu replies run, %llu mapped back\n",
              static_cast<unsigned long long>(camp.probes),
              static_cast<unsigned long long>(camp.replies),
              static_cast<unsigned long long>(camp.mapped));
  for (const auto& [what, n] : camp.nat_results)
    std::printf("fuzz client:   xvs_nat %-10s %llu\n", what.c_str(),
                static_cast<unsigned long long>(n));
}
