// SPDX-License-Identifier: Apache-2.0
#include "dataplane/flows.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include <xvs/error.hpp>

#include "dataplane/entries.hpp"
#include "api/validate.hpp"

namespace xvs::detail {

namespace {

// Offsets of the record (docs/flows.md); versions 1 and 2 differ only at kSeenAt, which
// version 1 reserves (zero).
constexpr std::size_t kVersionAt = 2, kProtocolAt = 3, kLengthAt = 4, kReservedAt = 6,
                      kClientAt = 8, kVipAt = 24, kBackendAt = 40, kClientPortAt = 56,
                      kVipPortAt = 58, kSeenAt = 60;
constexpr std::uint8_t kUntimedVersion = 1;

[[noreturn]] void invalid(const std::string& what) {
  throw Error(Errc::invalid_argument, "flow record: " + what);
}

void put16(std::uint8_t* at, std::uint16_t v) {
  at[0] = static_cast<std::uint8_t>(v >> 8);
  at[1] = static_cast<std::uint8_t>(v);
}

std::uint16_t get16(const std::uint8_t* at) {
  return static_cast<std::uint16_t>(at[0] << 8 | at[1]);
}

void put32(std::uint8_t* at, std::uint32_t v) {
  put16(at, static_cast<std::uint16_t>(v >> 16));
  put16(at + 2, static_cast<std::uint16_t>(v));
}

std::uint32_t get32(const std::uint8_t* at) {
  return std::uint32_t{get16(at)} << 16 | get16(at + 2);
}

// Addresses travel as 16 bytes, IPv4 as ::ffff:a.b.c.d, like in the data plane.
void put_addr(std::uint8_t* at, const IPAddr& a) {
  xvs_addr abi = to_abi(a);
  std::memcpy(at, abi.a, sizeof abi.a);
}

IPAddr get_addr(const std::uint8_t* at) {
  xvs_addr abi{};
  std::memcpy(abi.a, at, sizeof abi.a);
  return from_abi(abi);
}

bool all_zero(std::span<const std::uint8_t> bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t b) { return b == 0; });
}

// Throws what decode_flow prefixes with "flow record: ".
void check_content(const FlowRecord& r) {
  // The VIP and the backend obey the rules of a service and a destination.
  validate_service(service_of(r));
  Destination d;
  d.address = r.backend;
  validate_destination(d);
  // Forged sources: no packet from these reaches a VIP from outside, so a record naming
  // one can only pin flows the data plane never sees, or spoofed ones.
  if (r.client.is_unspecified() || r.client.is_multicast() || r.client.is_loopback() ||
      is_limited_broadcast(r.client))
    throw Error(Errc::invalid_argument,
                fmt::format("client address {} cannot be the source of a flow", r.client));
  if (r.client == r.vip)
    throw Error(Errc::invalid_argument,
                fmt::format("client address {} is the VIP itself", r.client));
  if (r.client.is4() != r.vip.is4())
    throw Error(Errc::invalid_argument,
                fmt::format("client {} and VIP {} are of different families", r.client, r.vip));
  if (r.client_port == 0)
    throw Error(Errc::invalid_argument, fmt::format("client {} has port 0", r.client));
}

}  // namespace

std::vector<std::uint8_t> encode_flow(const FlowRecord& r) {
  std::vector<std::uint8_t> out(kFlowRecordSize, 0);
  std::copy(std::begin(kFlowRecordMagic), std::end(kFlowRecordMagic), out.begin());
  out[kVersionAt] = r.seen ? kFlowRecordVersion : kUntimedVersion;
  out[kProtocolAt] = static_cast<std::uint8_t>(r.protocol);
  put16(&out[kLengthAt], static_cast<std::uint16_t>(kFlowRecordSize));
  put_addr(&out[kClientAt], r.client);
  put_addr(&out[kVipAt], r.vip);
  put_addr(&out[kBackendAt], r.backend);
  put16(&out[kClientPortAt], r.client_port);
  put16(&out[kVipPortAt], r.vip_port);
  put32(&out[kSeenAt], r.seen);
  return out;
}

FlowRecord decode_flow(std::span<const std::uint8_t> b) {
  if (b.size() < kReservedAt) invalid(fmt::format("{} bytes are too short for a header", b.size()));
  if (!std::equal(std::begin(kFlowRecordMagic), std::end(kFlowRecordMagic), b.begin()))
    invalid(fmt::format("bad magic {:02x}{:02x} (not a flow record)", b[0], b[1]));
  const std::uint8_t version = b[kVersionAt];
  if (version != kUntimedVersion && version != kFlowRecordVersion)
    invalid(fmt::format("unknown version {} (this library reads versions {} and {})", version,
                        kUntimedVersion, kFlowRecordVersion));
  if (b.size() != kFlowRecordSize || get16(&b[kLengthAt]) != kFlowRecordSize)
    invalid(fmt::format("{} bytes with length field {}; version {} records are {} bytes",
                        b.size(), get16(&b[kLengthAt]), version, kFlowRecordSize));
  if (!all_zero(b.subspan(kReservedAt, 2)) ||
      (version == kUntimedVersion && !all_zero(b.subspan(kSeenAt))))
    invalid("reserved bytes are not zero");
  FlowRecord r;
  r.protocol = static_cast<Protocol>(b[kProtocolAt]);
  r.client = get_addr(&b[kClientAt]);
  r.vip = get_addr(&b[kVipAt]);
  r.backend = get_addr(&b[kBackendAt]);
  r.client_port = get16(&b[kClientPortAt]);
  r.vip_port = get16(&b[kVipPortAt]);
  r.seen = get32(&b[kSeenAt]);
  if (version == kFlowRecordVersion && r.seen == 0) invalid("version 2 record without a time");
  try {
    check_content(r);
  } catch (const Error& e) {
    invalid(e.what());
  }
  return r;
}

Service service_of(const FlowRecord& r) {
  Service s;
  s.address = r.vip;
  s.port = r.vip_port;
  s.protocol = r.protocol;
  return s;
}

xvs_flow_key flow_key(const FlowRecord& r) noexcept {
  xvs_flow_key k{};
  k.saddr = to_abi(r.client);
  k.daddr = to_abi(r.vip);
  k.sport = htons(r.client_port);
  k.dport = htons(r.vip_port);
  k.proto = static_cast<std::uint8_t>(r.protocol);
  return k;
}

void check_age(const FlowRecord& r, std::int64_t now) {
  if (r.seen == 0) return;  // version 1: no time to check (docs/flows.md)
  const std::int64_t age = now - std::int64_t{r.seen};
  if (age > kFlowRecordMaxAge)
    invalid(fmt::format("the flow was last seen {} s ago (at most {} s are accepted)", age,
                        kFlowRecordMaxAge));
  if (-age > kFlowRecordMaxAhead)
    invalid(fmt::format("the flow was seen {} s in the future (the sender's clock is ahead; "
                        "at most {} s are accepted)",
                        -age, kFlowRecordMaxAhead));
}

FlowRecord flow_record(const xvs_flow_event& e, std::uint32_t seen) {
  FlowRecord r;
  r.seen = seen;
  r.client = from_abi(e.key.saddr);
  r.client_port = ntohs(e.key.sport);
  r.vip = from_abi(e.key.daddr);
  r.vip_port = ntohs(e.key.dport);
  r.protocol = static_cast<Protocol>(e.key.proto);
  r.backend = from_abi(e.backend);
  return r;
}

}  // namespace xvs::detail
