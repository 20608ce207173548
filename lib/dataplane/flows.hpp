// SPDX-License-Identifier: Apache-2.0
// The flow record that balancers exchange through read_flow() / write_flow(): encoding,
// strict decoding, and conversion from/to the data plane's structs. The byte layout is
// documented in docs/flows.md; everything on the wire is in network byte order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include <xvs/address.hpp>
#include <xvs/types.hpp>

#include "../../bpf/abi.h"

namespace xvs::detail {

inline constexpr std::uint8_t kFlowRecordMagic[2] = {'X', 'F'};
// Version 2 adds the time the flow was last seen (docs/flows.md); version 1 is still read.
inline constexpr std::uint8_t kFlowRecordVersion = 2;
inline constexpr std::size_t kFlowRecordSize = 64;

// One flow: the client's connection to a service, and the backend that serves it.
struct FlowRecord {
  IPAddr client;
  std::uint16_t client_port = 0;
  IPAddr vip;
  std::uint16_t vip_port = 0;
  Protocol protocol = Protocol::TCP;
  IPAddr backend;
  // Wall-clock seconds (Unix time, sender's clock) when the data plane last saw the flow;
  // 0 only in version-1 records, which carry no time (encode_flow writes version 1 then).
  std::uint32_t seen = 0;
  bool operator==(const FlowRecord&) const = default;
};

std::vector<std::uint8_t> encode_flow(const FlowRecord&);

// The record in `bytes`, or Error{Errc::invalid_argument} naming what is wrong: length,
// magic, version, reserved bytes, protocol, ports, addresses (the VIP and backend must pass
// the checks of a service and a destination; client and VIP are of one family).
FlowRecord decode_flow(std::span<const std::uint8_t> bytes);

// How old a record may be, and how far ahead the sender's clock, when write_flow() takes
// it: a live flow is re-shared every ~4.3 s, so older records are replays or leftovers.
inline constexpr std::int64_t kFlowRecordMaxAge = 30, kFlowRecordMaxAhead = 10;  // seconds
// Throws Error{Errc::invalid_argument} when `r` (version 2) is older than kFlowRecordMaxAge
// or from further ahead than kFlowRecordMaxAhead at `now` (Unix seconds).
void check_age(const FlowRecord& r, std::int64_t now);

Service service_of(const FlowRecord&);
xvs_flow_key flow_key(const FlowRecord&) noexcept;
// The record of a queued flow; `seen`: when the event was pushed, in Unix seconds.
FlowRecord flow_record(const xvs_flow_event&, std::uint32_t seen);

}  // namespace xvs::detail
