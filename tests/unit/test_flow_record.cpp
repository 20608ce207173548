// SPDX-License-Identifier: Apache-2.0
// The flow record of read_flow() / write_flow(): the byte layout documented in
// docs/flows.md, round trips, and the strict decoder that refuses anything malformed or
// nonsensical with Errc::invalid_argument.
#include <catch2/catch.hpp>

#include <arpa/inet.h>

#include <string>
#include <vector>

#include <xvs/error.hpp>

#include "dataplane/flows.hpp"

using namespace xvs;
using namespace xvs::detail;

namespace {

using Bytes = std::vector<std::uint8_t>;

FlowRecord record4() {
  FlowRecord r;
  r.client = IPAddr::parse("198.51.100.7");
  r.client_port = 50000;
  r.vip = IPAddr::parse("192.0.2.10");
  r.vip_port = 80;
  r.protocol = Protocol::TCP;
  r.backend = IPAddr::parse("10.0.0.11");
  return r;
}

FlowRecord record6() {
  FlowRecord r;
  r.client = IPAddr::parse("2001:db8:c::7");
  r.client_port = 443;
  r.vip = IPAddr::parse("2001:db8::10");
  r.vip_port = 53;
  r.protocol = Protocol::UDP;
  r.backend = IPAddr::parse("fd00::11");
  return r;
}

// `r` as a version-2 record, last seen at 2026-05-18 15:12:00 UTC.
FlowRecord timed(FlowRecord r) {
  r.seen = 0x6a0b2c40;
  return r;
}

void rejects(const Bytes& b, const std::string& needle) {
  try {
    decode_flow(b);
    FAIL("accepted; expected an error mentioning \"" << needle << "\"");
  } catch (const Error& e) {
    CHECK(e.code() == Errc::invalid_argument);
    CHECK_THAT(e.what(), Catch::Matchers::Contains(needle));
  }
}

// The record of `r` with bytes [at, at + n) set from `value`.
Bytes patched(const FlowRecord& r, std::size_t at, std::initializer_list<std::uint8_t> value) {
  Bytes b = encode_flow(r);
  std::copy(value.begin(), value.end(), b.begin() + static_cast<std::ptrdiff_t>(at));
  return b;
}

}  // namespace

TEST_CASE("flow record: version 1 layout, byte by byte") {
  const Bytes b = encode_flow(record4());
  const Bytes want{
      'X',  'F',  1,    6,    0,    64,   0,    0,                          // header
      0,    0,    0,    0,    0,    0,    0,    0,    0, 0, 0xff, 0xff,     // client
      198,  51,   100,  7,                                                  //
      0,    0,    0,    0,    0,    0,    0,    0,    0, 0, 0xff, 0xff,     // VIP
      192,  0,    2,    10,                                                 //
      0,    0,    0,    0,    0,    0,    0,    0,    0, 0, 0xff, 0xff,     // backend
      10,   0,    0,    11,                                                 //
      0xc3, 0x50, 0,    80,                                                 // ports
      0,    0,    0,    0};                                                 // reserved
  CHECK(b == want);
  CHECK(b.size() == kFlowRecordSize);
}

TEST_CASE("flow record: version 2 is version 1 with the time last seen in the last 4 bytes") {
  const Bytes v1 = encode_flow(record4());
  const Bytes v2 = encode_flow(timed(record4()));
  CHECK(v2[2] == 2);
  CHECK(Bytes(v2.begin() + 60, v2.end()) == Bytes{0x6a, 0x0b, 0x2c, 0x40});  // big-endian
  CHECK(Bytes(v2.begin() + 3, v2.begin() + 60) == Bytes(v1.begin() + 3, v1.begin() + 60));
  CHECK(decode_flow(v2) == timed(record4()));
}

TEST_CASE("flow record: a stale or future record is refused, an untimed one is not") {
  const FlowRecord r = timed(record4());
  const std::int64_t seen = r.seen;
  CHECK_NOTHROW(check_age(r, seen));
  CHECK_NOTHROW(check_age(r, seen + kFlowRecordMaxAge));
  CHECK_NOTHROW(check_age(r, seen - kFlowRecordMaxAhead));
  const auto refused = [&](std::int64_t now, const std::string& needle) {
    try {
      check_age(r, now);
      FAIL("accepted at " << now);
    } catch (const Error& e) {
      CHECK(e.code() == Errc::invalid_argument);
      CHECK_THAT(e.what(), Catch::Matchers::Contains(needle));
    }
  };
  refused(seen + kFlowRecordMaxAge + 1, "31 s ago");
  refused(seen + 86400 * 365, "s ago");  // a replay a year later
  refused(seen - kFlowRecordMaxAhead - 1, "11 s in the future");
  CHECK_NOTHROW(check_age(record4(), seen + 86400));  // version 1 carries no time
}

TEST_CASE("flow record: round trips, both families and mixed") {
  FlowRecord mixed = record4();
  mixed.backend = IPAddr::parse("fd00::11");  // an IPv4 VIP tunnelled to an IPv6 backend
  for (const FlowRecord& r : {record4(), record6(), mixed, timed(record4()), timed(record6())}) {
    CAPTURE(r.client.to_string(), r.backend.to_string());
    CHECK(decode_flow(encode_flow(r)) == r);
  }
}

TEST_CASE("flow record: from the data plane's event, and to its flow key") {
  const FlowRecord r = record6();
  xvs_flow_event e{};
  e.key = flow_key(r);
  e.backend.a[0] = htonl(0xfd000000);
  e.backend.a[3] = htonl(0x11);
  e.time_ns = 12345;
  CHECK(flow_record(e, 0) == r);
  CHECK(flow_record(e, 1234).seen == 1234);
  CHECK(ntohs(e.key.sport) == 443);
  CHECK(ntohs(e.key.dport) == 53);
  CHECK(e.key.proto == 17);
  CHECK(service_of(r) == Service{r.vip, 53, Protocol::UDP, false});
}

TEST_CASE("flow record: wrong length, magic or version") {
  const Bytes good = encode_flow(record4());
  rejects({}, "too short");
  rejects(Bytes(good.begin(), good.begin() + 5), "too short");
  rejects(Bytes(good.begin(), good.end() - 1), "63 bytes");
  Bytes longer = good;
  longer.push_back(0);
  rejects(longer, "65 bytes");
  rejects(patched(record4(), 4, {0, 65}), "length field 65");
  rejects(patched(record4(), 0, {'X', 'G'}), "bad magic");
  rejects(patched(record4(), 2, {3}), "unknown version 3");
  rejects(patched(record4(), 2, {0}), "unknown version 0");
  // A longer record of a future version is refused for its version, not its length.
  Bytes future = patched(record4(), 2, {3});
  future.resize(80);
  rejects(future, "unknown version 3");
  // Version 2 must carry its time; version 1 has none (those bytes are reserved).
  rejects(patched(record4(), 2, {2}), "without a time");
  rejects(patched(timed(record4()), 2, {1}), "reserved");
}

TEST_CASE("flow record: reserved bytes must be zero") {
  rejects(patched(record4(), 6, {1}), "reserved");
  rejects(patched(record4(), 7, {1}), "reserved");
  rejects(patched(record4(), 63, {1}), "reserved");
}

TEST_CASE("flow record: nonsensical content") {
  rejects(patched(record4(), 3, {1}), "protocol 1");     // ICMP
  rejects(patched(record4(), 3, {0}), "protocol 0");
  rejects(patched(record4(), 56, {0, 0}), "port 0");     // client port
  rejects(patched(record4(), 58, {0, 0}), "port 0");     // VIP port
  rejects(patched(record4(), 36, {0, 0, 0, 0}), "unspecified");       // VIP 0.0.0.0
  rejects(patched(record4(), 36, {224, 0, 0, 1}), "multicast");       // VIP
  rejects(patched(record4(), 52, {127, 0, 0, 1}), "loopback");        // backend
  rejects(patched(record4(), 52, {0, 0, 0, 0}), "unspecified");       // backend
  rejects(patched(record4(), 20, {0, 0, 0, 0}), "cannot be the source");  // client
  rejects(patched(record4(), 20, {239, 1, 2, 3}), "cannot be the source");
  // Forged sources: loopback, broadcast, the VIP itself.
  rejects(patched(record4(), 20, {127, 0, 0, 1}), "cannot be the source");
  rejects(patched(record4(), 20, {255, 255, 255, 255}), "cannot be the source");
  rejects(patched(record4(), 20, {192, 0, 2, 10}), "is the VIP itself");
  FlowRecord loop6 = record6();
  loop6.client = IPAddr::parse("::1");
  rejects(encode_flow(loop6), "cannot be the source");
  FlowRecord self6 = record6();
  self6.client = self6.vip;
  rejects(encode_flow(self6), "is the VIP itself");
  rejects(patched(record4(), 52, {255, 255, 255, 255}), "broadcast");  // backend
  rejects(patched(record4(), 36, {255, 255, 255, 255}), "broadcast");  // VIP
  FlowRecord v6_client = record4();
  v6_client.client = IPAddr::parse("2001:db8:c::7");
  rejects(encode_flow(v6_client), "different families");
  // All zero (an unset buffer with a valid header) names no flow at all.
  const Bytes good = encode_flow(record4());
  Bytes blank(kFlowRecordSize, 0);
  std::copy_n(good.begin(), 8, blank.begin());
  rejects(blank, "unspecified");
}
