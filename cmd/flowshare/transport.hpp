// SPDX-License-Identifier: Apache-2.0
// Flow sharing between balancers over UDP unicast (docs/scale-out.md). A thread of its own
// sends every record Client::read_flow() yields to each configured peer, sealed with the
// shared key (sealed.hpp), and writes the records of every datagram that passes the checks
// to Client::write_flow(). The checks, cheapest first: the source address is a configured
// peer and the header names that same address; the peer is within its rate; the datagram
// opens under the key; its sequence number is new and fresh (replay.hpp).
//
// It cannot starve the daemon: the socket is nonblocking, each round handles at most a fixed
// number of datagrams and records, and what arrives faster waits in (and overflows) the
// kernel's bounded socket buffer. Per-peer state exists only for configured peers, so a flood
// from many addresses costs one counter increment per datagram.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <xvs/xvs.hpp>

#include "rate.hpp"
#include "replay.hpp"
#include "sealed.hpp"
#include "status.hpp"

namespace flowshare {

struct Settings {
  xvs::IPAddr self;                 // our address as peers see it (the datagrams' source)
  std::vector<xvs::IPAddr> peers;   // the other balancers
  std::uint16_t port = 9470;        // the same on every balancer
  Key key{};
  double rate = 50'000;             // datagrams per second accepted from one peer
  double burst = 5'000;
  std::chrono::milliseconds hello{500};       // how often we say we are alive
  std::chrono::milliseconds peer_alive{2000}; // a peer unheard for longer is down
};

// "sent N, records_sent N, accepted N, records N, refused N, malformed N, unknown_peer N,
// rate_limited N, forged N, replayed N, send_errors N": the counters as one line.
std::string summary(const Status& s);

class FlowShare {
public:
  // Binds UDP on `self`:port and starts the thread. Throws std::runtime_error (naming the
  // address) when the settings are unusable, std::system_error when the socket fails.
  FlowShare(xvs::Client& client, Settings settings);
  ~FlowShare();
  FlowShare(const FlowShare&) = delete;
  FlowShare& operator=(const FlowShare&) = delete;

  Status status() const;
  // How many configured peers were heard within `peer_alive`.
  std::size_t peers_alive() const;
  // Waits until every peer has been heard from, at most `limit`; true when all were.
  bool wait_for_peers(std::chrono::milliseconds limit) const;

private:
  struct Peer {
    ReplayWindow replay;
    TokenBucket bucket;
    std::uint64_t heard_ns = 0;  // steady clock
    std::uint64_t accepted = 0;
  };

  void run();
  void receive_round(std::uint64_t now_wall, std::uint64_t now_steady);
  void handle(std::span<const std::uint8_t> datagram, const xvs::IPAddr& source,
              std::uint64_t now_wall, std::uint64_t now_steady);
  void send_round();
  void send_all(Kind kind, std::span<const std::uint8_t> payload);

  xvs::Client& client_;
  Settings settings_;
  int fd_ = -1;
  std::atomic<std::uint64_t> sequence_;
  std::atomic<bool> stop_{false};

  mutable std::mutex mutex_;  // peers_ and counters_
  std::map<xvs::IPAddr, Peer> peers_;
  Status counters_;
  std::thread thread_;
};

}  // namespace flowshare
