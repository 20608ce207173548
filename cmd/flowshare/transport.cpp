// SPDX-License-Identifier: Apache-2.0
#include "transport.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>

namespace flowshare {
namespace {

constexpr int kPollMs = 10;                // how long a queued record may wait to be sent
constexpr int kDatagramsPerRound = 256;    // then send, then look again
constexpr int kRecordsPerRound = 2048;
constexpr std::size_t kMaxPayload = 1400 - kOverhead;  // fits a 1500-byte MTU with headers
constexpr std::size_t kMaxDatagram = 2048;

std::uint64_t nanos(std::chrono::nanoseconds d) { return static_cast<std::uint64_t>(d.count()); }
std::uint64_t wall_ns() { return nanos(std::chrono::system_clock::now().time_since_epoch()); }
std::uint64_t steady_ns() { return nanos(std::chrono::steady_clock::now().time_since_epoch()); }

struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;
};

SocketAddress socket_address(const xvs::IPAddr& a, std::uint16_t port) {
  SocketAddress s;
  if (a.is4()) {
    auto* in = reinterpret_cast<sockaddr_in*>(&s.storage);
    in->sin_family = AF_INET;
    in->sin_port = htons(port);
    std::memcpy(&in->sin_addr, a.bytes().data(), 4);
    s.length = sizeof *in;
  } else {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&s.storage);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(port);
    std::memcpy(&in6->sin6_addr, a.bytes().data(), 16);
    s.length = sizeof *in6;
  }
  return s;
}

xvs::IPAddr address_of(const sockaddr_storage& s) {
  if (s.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&s);
    std::array<std::uint8_t, 4> b;
    std::memcpy(b.data(), &in->sin_addr, 4);
    return xvs::IPAddr::v4(b);
  }
  const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&s);
  std::array<std::uint8_t, 16> b;
  std::memcpy(b.data(), &in6->sin6_addr, 16);
  return xvs::IPAddr::v6(b);
}

}  // namespace

std::string summary(const Status& s) {
  return "sent " + std::to_string(s.sent) + ", records_sent " + std::to_string(s.records_sent) +
         ", accepted " + std::to_string(s.accepted) + ", records " + std::to_string(s.records) +
         ", refused " + std::to_string(s.refused) + ", malformed " + std::to_string(s.malformed) +
         ", unknown_peer " + std::to_string(s.unknown_peer) + ", rate_limited " +
         std::to_string(s.rate_limited) + ", forged " + std::to_string(s.forged) +
         ", replayed " + std::to_string(s.replayed) + ", send_errors " +
         std::to_string(s.send_errors);
}

FlowShare::FlowShare(xvs::Client& client, Settings settings)
    : client_(client), settings_(std::move(settings)), sequence_(wall_ns()) {
  init_sodium();
  const auto& self = settings_.self;
  if (!self.valid() || self.is_unspecified())
    throw std::runtime_error("flow sharing: our own address must be given (the peers see it)");
  if (settings_.peers.empty()) throw std::runtime_error("flow sharing: no peers configured");
  for (const auto& p : settings_.peers) {
    if (p.is4() != self.is4())
      throw std::runtime_error("flow sharing: peer " + p.to_string() +
                               " is not of the same family as our address " + self.to_string());
    if (p == self)
      throw std::runtime_error("flow sharing: peer " + p.to_string() + " is our own address");
    peers_.emplace(p, Peer{{}, TokenBucket(settings_.rate, settings_.burst), 0, 0});
  }
  counters_.enabled = true;
  fd_ = socket(self.is4() ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "flow sharing: socket");
  const auto at = socket_address(self, settings_.port);
  if (bind(fd_, reinterpret_cast<const sockaddr*>(&at.storage), at.length) != 0) {
    const int err = errno;
    close(fd_);
    throw std::system_error(err, std::generic_category(),
                            "flow sharing: binding " + self.to_string() + " port " +
                                std::to_string(settings_.port));
  }
  thread_ = std::thread([this] { run(); });
}

FlowShare::~FlowShare() {
  stop_ = true;
  thread_.join();
  close(fd_);
}

Status FlowShare::status() const {
  std::lock_guard lock(mutex_);
  Status s = counters_;
  const auto now = steady_ns();
  for (const auto& [address, p] : peers_)
    s.peers.push_back({address, p.heard_ns && now - p.heard_ns <= nanos(settings_.peer_alive),
                       p.accepted});
  return s;
}

std::size_t FlowShare::peers_alive() const {
  std::size_t n = 0;
  for (const auto& p : status().peers) n += p.alive;
  return n;
}

bool FlowShare::wait_for_peers(std::chrono::milliseconds limit) const {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (peers_alive() < settings_.peers.size()) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

void FlowShare::run() {
  std::uint64_t next_hello = 0;
  while (!stop_) {
    pollfd p{.fd = fd_, .events = POLLIN, .revents = 0};
    poll(&p, 1, kPollMs);
    const auto steady = steady_ns();
    receive_round(wall_ns(), steady);
    send_round();
    if (steady >= next_hello) {
      send_all(Kind::hello, {});
      next_hello = steady + nanos(settings_.hello);
    }
  }
}

void FlowShare::receive_round(std::uint64_t now_wall, std::uint64_t now_steady) {
  std::uint8_t buf[kMaxDatagram];
  for (int i = 0; i < kDatagramsPerRound; ++i) {
    sockaddr_storage from{};
    socklen_t length = sizeof from;
    const ssize_t n = recvfrom(fd_, buf, sizeof buf, MSG_TRUNC,
                               reinterpret_cast<sockaddr*>(&from), &length);
    if (n < 0) return;  // EAGAIN: nothing more pending
    if (static_cast<std::size_t>(n) > sizeof buf) {
      std::lock_guard lock(mutex_);
      ++counters_.malformed;
      continue;
    }
    handle({buf, static_cast<std::size_t>(n)}, address_of(from), now_wall, now_steady);
  }
}

void FlowShare::handle(std::span<const std::uint8_t> datagram, const xvs::IPAddr& source,
                       std::uint64_t now_wall, std::uint64_t now_steady) {
  std::vector<std::span<const std::uint8_t>> records;
  std::optional<Opened> opened;
  {
    std::lock_guard lock(mutex_);
    const auto it = peers_.find(source);
    if (it == peers_.end()) {
      ++counters_.unknown_peer;
      return;
    }
    Peer& peer = it->second;
    if (!peer.bucket.take(now_steady)) {
      ++counters_.rate_limited;
      return;
    }
    const auto sender = peek_sender(datagram);
    if (!sender) {
      ++counters_.malformed;
      return;
    }
    if (*sender != source) {  // a peer's datagram re-sent from another peer's address
      ++counters_.forged;
      return;
    }
    OpenError why{};
    opened = open(settings_.key, datagram, why);
    if (!opened) {
      ++(why == OpenError::forged ? counters_.forged : counters_.malformed);
      return;
    }
    if (!peer.replay.accept(opened->sequence, now_wall)) {
      ++counters_.replayed;
      return;
    }
    peer.heard_ns = now_steady;
    ++peer.accepted;
    ++counters_.accepted;
    if (opened->kind == Kind::hello) return;
    auto split = split_records(opened->payload);
    if (!split) {
      ++counters_.malformed;  // authentic but wrong: a peer of another version
      return;
    }
    records = std::move(*split);
  }
  // Outside the lock: write_flow enters the Client.
  std::uint64_t ok = 0, refused = 0;
  for (const auto& r : records) {
    try {
      client_.write_flow(r);
      ++ok;
    } catch (const xvs::Error&) {
      ++refused;  // about a service or backend we do not have
    }
  }
  std::lock_guard lock(mutex_);
  counters_.records += ok;
  counters_.refused += refused;
}

void FlowShare::send_round() {
  std::vector<std::uint8_t> payload;
  std::uint64_t records = 0;
  for (int i = 0; i < kRecordsPerRound; ++i) {
    std::vector<std::uint8_t> record;
    try {
      record = client_.read_flow();
    } catch (const xvs::Error&) {
      std::lock_guard lock(mutex_);
      ++counters_.send_errors;  // the kernel refused to read the queue: next round
      break;
    }
    if (record.empty() || record.size() + 2 > kMaxPayload) break;
    if (payload.size() + record.size() + 2 > kMaxPayload) {
      send_all(Kind::records, payload);
      payload.clear();
    }
    append_record(payload, record);
    ++records;
  }
  if (!payload.empty()) send_all(Kind::records, payload);
  std::lock_guard lock(mutex_);
  counters_.records_sent += records;
}

void FlowShare::send_all(Kind kind, std::span<const std::uint8_t> payload) {
  const auto datagram = seal(settings_.key, kind, settings_.self, sequence_++, payload);
  std::uint64_t sent = 0, errors = 0;
  for (const auto& peer : settings_.peers) {
    const auto to = socket_address(peer, settings_.port);
    if (sendto(fd_, datagram.data(), datagram.size(), MSG_DONTWAIT,
               reinterpret_cast<const sockaddr*>(&to.storage), to.length) ==
        static_cast<ssize_t>(datagram.size()))
      ++sent;
    else
      ++errors;
  }
  std::lock_guard lock(mutex_);
  counters_.sent += sent;
  counters_.send_errors += errors;
}

}  // namespace flowshare
