// SPDX-License-Identifier: Apache-2.0
#include "fuzz_campaign.hpp"

#include <netinet/in.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>

#include "dataplane/metrics.hpp"
#include "dataplane/nat_pairs.hpp"
#include "net/natns.hpp"

namespace xvs::test::fuzz {

std::uint64_t env_or(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtoull(v, nullptr, 0) : fallback;
}

std::uint64_t campaign_seed(const char* part, std::uint64_t frames) {
  const std::uint64_t seed =
      env_or("XVS_FUZZ_SEED", std::uint64_t{std::random_device{}()} << 32 | std::random_device{}());
  std::printf("fuzz %s: seed %llu, %llu frames (XVS_FUZZ_SEED=%llu reproduces this run)\n", part,
              static_cast<unsigned long long>(seed), static_cast<unsigned long long>(frames),
              static_cast<unsigned long long>(seed));
  return seed;
}

FrameSpec transport(std::uint8_t proto, std::uint16_t sport, std::uint16_t dport) {
  return proto == IPPROTO_UDP ? udp("0.0.0.0", sport, "0.0.0.0", dport)
                              : tcp("0.0.0.0", sport, "0.0.0.0", dport, kSyn | kAck);
}

void reply_seeds(const std::vector<ProbeMapping>& ms, std::vector<FrameSpec>& out) {
  for (std::size_t i = 0; i < ms.size(); ++i) {
    const ProbeMapping& m = ms[i];
    FrameSpec r = transport(m.proto, m.vip_port, m.wire_port);
    r.saddr = m.vip;
    r.daddr = m.ours;
    out.push_back(r);
    if (m.proto == IPPROTO_UDP && m.vip.is4()) {  // a UDP checksum of 0: none
      r.l4_checksum = false;
      out.push_back(r);
      r.l4_checksum = true;
    }
    FrameSpec wrong = r;  // a wrong port on either side, or the other protocol
    if (i % 3 == 0) wrong.sport = static_cast<std::uint16_t>(m.vip_port + 1);
    if (i % 3 == 1) wrong.dport = static_cast<std::uint16_t>(m.wire_port + 1);
    if (i % 3 == 2) {
      wrong = transport(m.proto == IPPROTO_UDP ? IPPROTO_TCP : IPPROTO_UDP, m.vip_port,
                        m.wire_port);
      wrong.saddr = m.vip;
      wrong.daddr = m.ours;
    }
    out.push_back(wrong);
    if (i % 4 == 0) {  // no probe left from that port, or to that address
      r.dport = 41999;
      out.push_back(r);
      r.dport = m.wire_port;
      r.daddr = IPAddr::parse(m.vip.is6() ? kClient6 : kClient4);
      out.push_back(r);
    }
  }
}


namespace {

// Where a mutation of a header field lands: offset and width in a frame built from `s`.
struct Field {
  std::size_t at, width;
};

std::vector<Field> fields(const FrameSpec& s) {
  const std::size_t l3 = l3_offset(s), l4 = l4_offset(s);
  std::vector<Field> f{{12, 2},     {l3, 1},     {l3 + 1, 1},  {l4, 2},
                       {l4 + 2, 2}, {l4 + 4, 2}, {l4 + 12, 1}, {l4, 1}};
  if (s.vlan_tci) f.push_back({16, 2});
  if (s.icmp_rest && s.payload.size() >= (s.daddr.is6() ? 48 : 28)) {  // a too-big's quote
    const std::size_t q = l4 + 8, hl = s.daddr.is6() ? 40 : 20;
    f.insert(f.end(), {{l4 + 1, 1}, {q, 1}, {q + hl, 2}, {q + hl + 2, 2}});
    if (s.daddr.is6())
      f.insert(f.end(), {{q + 4, 2}, {q + 6, 1}, {q + 23, 1}});
    else
      f.insert(f.end(), {{q + 2, 2}, {q + 6, 2}, {q + 9, 1}, {q + 15, 1}});
  }
  if (s.daddr.is6())
    f.insert(f.end(), {{l3 + 4, 2}, {l3 + 6, 1}, {l3 + 7, 1}, {l3 + 40, 1}});
  else
    f.insert(f.end(), {{l3 + 2, 2}, {l3 + 6, 2}, {l3 + 8, 1}, {l3 + 9, 1}, {l3 + 10, 2}});
  return f;
}

// BPF_PROG_TEST_RUN takes an XDP frame of at most a page less head- and tailroom.
constexpr std::size_t kMaxFrame = 3000;

// Recomputes the IPv4 header checksum when the frame (untagged or one tag) has a header.
void fix_ipv4_checksum(Bytes& b) {
  std::size_t l3 = 14;
  if (b.size() >= 18 && b[12] == 0x81 && b[13] == 0) l3 = 18;
  if (b.size() < l3 + 20 || b[l3 - 2] != 0x08 || b[l3 - 1] != 0) return;
  const std::size_t ihl = (b[l3] & 0xfu) * 4u;
  if (ihl < 20 || l3 + ihl > b.size()) return;
  set16(b, l3 + 10, 0);
  set16(b, l3 + 10, checksum(View(b).subspan(l3, ihl)));
}

}  // namespace

void Mutator::mutate(Bytes& b, const FrameSpec& s) {
  const std::size_t rounds = 1 + below(3);
  for (std::size_t i = 0; i < rounds && b.size() > 14; ++i) once(b, s);
  if (b.size() > kMaxFrame) b.resize(kMaxFrame);
  if (below(2)) fix_ipv4_checksum(b);  // else most IPv4 mutations end at the checksum
}

void Mutator::once(Bytes& b, const FrameSpec& s) {
  switch (below(8)) {
    case 0:  // truncated anywhere
      b.resize(14 + below(b.size() - 14));
      break;
    case 1:
    case 2: {  // bytes flipped, mostly in the headers
      const std::size_t span = below(4) ? std::min<std::size_t>(b.size(), 100) : b.size();
      for (std::size_t n = 1 + below(4); n > 0; --n)
        b[below(span)] ^= static_cast<std::uint8_t>(1u << below(8));
      break;
    }
    case 3:
    case 4:
    case 5: {  // a header field set to an edge or random value
      const std::vector<Field> fs = fields(s);
      const Field f = fs[below(fs.size())];
      if (f.at + f.width > b.size()) break;
      const std::uint32_t old = f.width == 1 ? b[f.at] : (b[f.at] << 8 | b[f.at + 1]);
      const std::uint32_t top = f.width == 1 ? 0xff : 0xffff;
      const std::uint32_t picks[] = {0,
                                     1,
                                     top,
                                     old + 1,
                                     old - 1,
                                     old + 4,
                                     old - 4,
                                     static_cast<std::uint32_t>(b.size()),
                                     static_cast<std::uint32_t>(below(top + 1)),
                                     0x45,
                                     0x4f,
                                     0x60,
                                     0x8100,
                                     0x86dd,
                                     0x0800};
      const std::uint32_t v = picks[below(std::size(picks))] & top;
      if (f.width == 1)
        b[f.at] = static_cast<std::uint8_t>(v);
      else
        set16(b, f.at, static_cast<std::uint16_t>(v));
      break;
    }
    case 6: {  // bytes inserted into the headers (every later offset shifts)
      const std::size_t at = 12 + below(std::min<std::size_t>(b.size(), 80) - 12);
      const std::size_t n = 1 + below(8);
      for (std::size_t k = 0; k < n; ++k) b.insert(b.begin() + static_cast<long>(at), byte());
      break;
    }
    default:  // trailing bytes: padding, or an oversize frame
      for (std::size_t n = below(4) ? 1 + below(64) : 1 + below(1600); n > 0; --n)
        b.push_back(byte());
      break;
  }
}

std::uint32_t moved_reason(const xvs_reasons& before, const xvs_reasons& after,
                           std::uint32_t& moved) {
  std::uint32_t reason = XVS_REASONS;
  moved = 0;
  for (std::uint32_t k = 0; k < XVS_REASONS; ++k)
    if (after.count[k] != before.count[k]) {
      moved += static_cast<std::uint32_t>(after.count[k] - before.count[k]);
      reason = k;
    }
  return reason;
}

const Target* Judge::target_of(const IPAddr& vip, std::uint16_t port, std::uint8_t proto) const {
  if (proto != IPPROTO_TCP && proto != IPPROTO_UDP) return nullptr;
  const Protocol want = proto == IPPROTO_TCP ? Protocol::TCP : Protocol::UDP;
  for (const Target& t : targets)
    if (t.svc.address == vip && t.svc.port == port && t.svc.protocol == want) return &t;
  return nullptr;
}
bool Judge::is_vip(const IPAddr& a) const {
  return std::any_of(targets.begin(), targets.end(),
                     [&](const Target& t) { return t.svc.address == a; });
}

std::optional<ProbeMapping> Judge::reply_to(View in) const {
  const std::optional<Packet> p = parse_valid(in);
  if (!p || is_vip(p->daddr)) return std::nullopt;
  std::optional<ProbeMapping> m = mapping(*p);
  if (m && !answers(*p, *m)) return std::nullopt;
  return m;
}

std::string Judge::judge(View in, const Run& r, std::uint32_t reason) const {
  const std::optional<ProbeMapping> reply = reply_to(in);
  if (reply && reason != XVS_R_PROBE_REPLY)
    return fmt::format("a probe's reply under {}", detail::reason_name(reason));
  if (!reply && reason == XVS_R_PROBE_REPLY) return "a probe reply that answers no probe";
  if (reply && r.verdict != XDP_REDIRECT) return "a probe reply not redirected";
  const std::optional<fuzz::Addresses> a = fuzz::addresses(in);
  if (!reply && a && !is_vip(a->daddr) && reason != XVS_R_NOT_A_VIP)
    return fmt::format("a frame to no VIP under {}", detail::reason_name(reason));
  const bool sent = r.verdict == XDP_TX || r.verdict == XDP_REDIRECT;
  const bool handled = reason == XVS_R_FORWARDED || reason == XVS_R_ICMP_ECHO ||
                       reason == XVS_R_TOO_BIG || reason == XVS_R_PROBE_REPLY;
  const bool passed = reason < XVS_R_PROBE_REPLY;
  if (sent != handled || (r.verdict == XDP_PASS) != passed ||
      (r.verdict == XDP_DROP) != (!sent && !passed))
    return fmt::format("verdict {} with reason {}", r.verdict, detail::reason_name(reason));
  if (passed) return std::ranges::equal(in, r.out) ? "" : "a passed frame was changed";
  if (!sent) return "";
  const std::optional<fuzz::Packet> p = fuzz::parse_valid(in);
  if (!p) return "a malformed frame was sent";
  if (reply)
    return fuzz::check_probe_reply(in, *p, *reply, detail::kNatHostMac, detail::kNatPeerMac,
                                   r.out);
  if (reason == XVS_R_ICMP_ECHO) return echo_reply(in, *p, r.out);
  if (reason == XVS_R_FORWARDED && p->proto == (p->v6 ? int{IPPROTO_ICMPV6} : int{IPPROTO_ICMP})) {
    // A too-big error goes, like a packet of the flow it quotes, to that flow's service.
    const std::optional<fuzz::Quoted> q = fuzz::parse_too_big(in, *p);
    if (!q) return "an ICMP message that is no deliverable too-big error was forwarded";
    const Target* t = target_of(p->daddr, q->port, q->proto);
    if (!t) return "a too-big error about no service was forwarded";
    return forwarded(in, *p, *t, r.out);
  }
  const Target* t = target_of(p->daddr, p->dport, p->proto);
  if (!t) return "a frame for no service was sent";
  if (reason == XVS_R_TOO_BIG) return too_big(in, *p, r.out);
  return forwarded(in, *p, *t, r.out);
}

std::string Judge::same_inner(View in, const Packet& p, View inner) {
  if (inner.size() < p.ip_len) return "inner packet cut";
  inner = inner.first(p.ip_len);
  if (std::string e = fuzz::check_ip(inner); !e.empty()) return "inner: " + e;
  const View orig = in.subspan(p.l3, p.ip_len);
  const std::size_t ttl_at = p.v6 ? 7 : 8;
  if (inner[ttl_at] != orig[ttl_at] - 1) return "TTL not decremented by one";
  for (std::size_t i = 0; i < orig.size(); ++i)
    if (i != ttl_at && (p.v6 || (i != 10 && i != 11)) && inner[i] != orig[i])
      return fmt::format("inner packet differs at byte {}", i);
  // Well formed at layer 4 too: a UDP length from 8 up to the IP payload (shorter than the
  // payload is legal, RFC 768: the receiver trims the rest, as Linux does), and a transport
  // checksum that verifies exactly when the client's did (DSR does not repair or break it).
  const std::size_t l4 = p.l4 - p.l3;
  if (p.proto == IPPROTO_UDP) {
    const std::size_t udp_len =
        inner.size() < l4 + 8 ? 0 : static_cast<std::size_t>(inner[l4 + 4] << 8 | inner[l4 + 5]);
    if (udp_len < 8 || udp_len > inner.size() - l4) return "inner UDP length";
  }
  const bool no_udp_checksum =
      p.proto == IPPROTO_UDP && !p.v6 && (inner[l4 + 6] | inner[l4 + 7]) == 0;
  if (!no_udp_checksum && fuzz::l4_checksum_ok(inner) != fuzz::l4_checksum_ok(orig))
    return "inner transport checksum";
  return "";
}

std::string Judge::forwarded(View in, const Packet& p, const Target& t, View out) const {
  if (out.size() < p.l3) return "output cut";
  const auto b = std::find_if(t.backends.begin(), t.backends.end(), [&](const Backend& x) {
    return x.ready && std::equal(x.mac.begin(), x.mac.end(), out.begin());
  });
  if (b == t.backends.end()) return "sent to no destination of the service";
  if (!std::equal(kOurMac.begin(), kOurMac.end(), out.begin() + 6)) return "source MAC";
  // Only the VLAN ID of an existing tag may change, and the ethertype to the outer family.
  if (p.tagged && (out[12] != 0x81 || out[13] != 0 || (out[14] & 0xf0) != (in[14] & 0xf0) ||
                   ((out[14] & 0x0f) << 8 | out[15]) != b->vlan))
    return "802.1Q tag";
  const bool outer6 = b->tunnel == TunnelType::None ? p.v6 : b->address.is6();
  if ((out[p.l3 - 2] << 8 | out[p.l3 - 1]) != (outer6 ? 0x86dd : 0x0800)) return "ethertype";
  const View ip = out.subspan(p.l3);
  if (b->tunnel == TunnelType::None) return same_inner(in, p, ip);
  if (std::string e = fuzz::check_ip(ip); !e.empty()) return "outer: " + e;
  const bool o6 = ip[0] >> 4 == 6;
  if (o6 != b->address.is6()) return "outer family";
  const std::size_t oh = o6 ? 40 : 20;
  const std::uint8_t proto = ip[o6 ? 6 : 9];
  std::size_t inner = oh;
  if (b->tunnel == TunnelType::IPIP) {
    if (proto != (p.v6 ? 41 : 4)) return "IPIP protocol";
  } else if (b->tunnel == TunnelType::GRE) {
    if (proto != 47 || ip.size() < oh + 4 ||
        (ip[oh + 2] << 8 | ip[oh + 3]) != (p.v6 ? 0x86dd : 0x0800))
      return "GRE header";
    inner += 4;
  } else {
    if (proto != IPPROTO_UDP || ip.size() < oh + 8) return "UDP header";
    const View u = ip.subspan(oh);
    if ((u[2] << 8 | u[3]) != b->tunnel_port ||
        static_cast<std::size_t>(u[4] << 8 | u[5]) != u.size())
      return "UDP port or length";
    // 0 exactly when disabled or when the inner UDP packet has none (docs/tunnels.md).
    const bool zero = (u[6] | u[7]) == 0;
    const bool want_zero =
        b->no_checksum || (p.proto == IPPROTO_UDP && (in[p.l4 + 6] | in[p.l4 + 7]) == 0);
    if (zero != want_zero) return "outer UDP checksum present or absent";
    // Derived from the client's checksum (docs/tunnels.md): right exactly when that is.
    if (!zero && fuzz::l4_checksum_ok(ip) != fuzz::l4_checksum_ok(in.subspan(p.l3, p.ip_len)))
      return "outer UDP checksum";
    inner += b->tunnel == TunnelType::GUE ? 12 : 8;
  }
  return same_inner(in, p, ip.subspan(inner));
}

std::string Judge::answer(View in, const Packet& p, View out) {
  if (out.size() < p.l3 + 20 || !std::equal(in.begin() + 6, in.begin() + 12, out.begin()))
    return "answer not sent back to the client's MAC";
  const std::size_t len = out[p.l3] >> 4 == 6 ? 40u + (out[p.l3 + 4] << 8 | out[p.l3 + 5])
                                              : (out[p.l3 + 2] << 8 | out[p.l3 + 3]);
  if (p.l3 + len > out.size()) return "answer length";
  const View ip = out.subspan(p.l3, len);
  if (std::string e = fuzz::check_ip(ip); !e.empty()) return "answer: " + e;
  return "";
}

std::string Judge::echo_reply(View in, const Packet& p, View out) const {
  if (!is_vip(p.daddr) || p.icmp_type != (p.v6 ? 128 : 8))
    return "an echo answered that was none";
  if (std::string e = answer(in, p, out); !e.empty()) return e;
  const std::optional<fuzz::Packet> o = fuzz::parse_valid(out);
  if (!o || o->saddr != p.daddr || o->daddr != p.saddr || o->icmp_type != (p.v6 ? 129 : 0))
    return "echo reply headers";
  // The reply carries the request's checksum state (docs/dataplane.md).
  if (fuzz::l4_checksum_ok(out.subspan(o->l3, o->ip_len)) !=
      fuzz::l4_checksum_ok(in.subspan(p.l3, p.ip_len)))
    return "echo reply ICMP checksum";
  return "";
}

std::string Judge::too_big(View in, const Packet& p, View out) {
  if (std::string e = answer(in, p, out); !e.empty()) return e;
  const std::optional<fuzz::Packet> o = fuzz::parse_valid(out);
  if (!o || o->daddr != p.saddr || o->icmp_type != (p.v6 ? 2 : 3)) return "too-big headers";
  if (!fuzz::l4_checksum_ok(out.subspan(o->l3, o->ip_len))) return "too-big ICMP checksum";
  return "";
}

}  // namespace xvs::test::fuzz
