// SPDX-License-Identifier: Apache-2.0
// What the flow-sharing transport (transport.hpp) counts: datagrams and records by outcome,
// and which peers are alive. xvsd exports it on /metrics and /status.json.
#pragma once

#include <cstdint>
#include <vector>

#include <xvs/xvs.hpp>

namespace flowshare {

struct PeerStatus {
  xvs::IPAddr address;
  bool alive = false;               // heard from within the liveness interval
  std::uint64_t accepted = 0;       // datagrams accepted from it
};

struct Status {
  bool enabled = false;
  std::uint64_t sent = 0;           // datagrams sent (one per peer)
  std::uint64_t send_errors = 0;    // sendto failed (peer unreachable, buffer full)
  std::uint64_t records_sent = 0;   // flow records read from the Client and sent
  std::uint64_t accepted = 0;       // datagrams that passed every check
  std::uint64_t records = 0;        // records handed to write_flow
  std::uint64_t refused = 0;        // records write_flow refused (unknown service, ...)
  // Datagrams dropped, by the check that dropped them (docs/scale-out.md):
  std::uint64_t malformed = 0;      // not a flow-sharing datagram
  std::uint64_t unknown_peer = 0;   // from an address that is not a configured peer
  std::uint64_t rate_limited = 0;   // the peer was over its rate
  std::uint64_t forged = 0;         // failed to authenticate under the key
  std::uint64_t replayed = 0;       // sequence number seen before or not fresh
  std::vector<PeerStatus> peers;
};

}  // namespace flowshare
