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

#include "../bpf/abi.h"

namespace xvs::detail {

inline constexpr std::uint8_t kFlowRecordMagic[2] = {'X', 'F'};
inline constexpr std::uint8_t kFlowRecordVersion = 1;
inline constexpr std::size_t kFlowRecordSize = 64;

// One flow: the client's connection to a service, and the backend that serves it.
struct FlowRecord {
  IPAddr client;
  std::uint16_t client_port = 0;
  IPAddr vip;
  std::uint16_t vip_port = 0;
  Protocol protocol = Protocol::TCP;
  IPAddr backend;
  bool operator==(const FlowRecord&) const = default;
};

std::vector<std::uint8_t> encode_flow(const FlowRecord&);

// The record in `bytes`, or Error{Errc::invalid_argument} naming what is wrong: length,
// magic, version, reserved bytes, protocol, ports, addresses (the VIP and backend must pass
// the checks of a service and a destination; client and VIP are of one family).
FlowRecord decode_flow(std::span<const std::uint8_t> bytes);

Service service_of(const FlowRecord&);
xvs_flow_key flow_key(const FlowRecord&) noexcept;
FlowRecord flow_record(const xvs_flow_event&);

}  // namespace xvs::detail
