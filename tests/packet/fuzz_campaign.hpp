// SPDX-License-Identifier: Apache-2.0
// What the data-plane fuzz campaigns share (test_fuzz.cpp on the packet-test Lab,
// test_fuzz_client.cpp on a real Client): the seed, the mutations, and the judge of the
// forwarding program's verdicts, which reads frames through tests/fuzz/oracle.hpp.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "lab.hpp"
#include "oracle.hpp"

namespace xvs::test::fuzz {

std::uint64_t env_or(const char* name, std::uint64_t fallback);

// XVS_FUZZ_SEED, else a new random seed (so CI explores new frames every run); printed with
// the part's name and frame count so that a failure can be replayed.
std::uint64_t campaign_seed(const char* part, std::uint64_t frames);

// A service and its destinations, as the judge expects forwarded frames to reach them.
struct Target {
  Service svc;
  std::vector<Backend> backends;
};

// A TCP (SYN+ACK, as a server answers) or UDP packet between the given ports, no addresses.
FrameSpec transport(std::uint8_t proto, std::uint16_t sport, std::uint16_t dport);

// Replies to the probes `ms` left, and near misses: a wrong port on either side, the other
// protocol, an unprobed port of our address, a packet from a VIP to a client.
void reply_seeds(const std::vector<ProbeMapping>& ms, std::vector<FrameSpec>& out);

class Mutator {
public:
  explicit Mutator(std::uint64_t seed) : rng_(seed) {}

  std::size_t below(std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_);
  }
  std::uint8_t byte() { return static_cast<std::uint8_t>(below(256)); }

  // 1-3 mutations of `b`, built from `s` (docs/reliability.md lists them).
  void mutate(Bytes& b, const FrameSpec& s);

private:
  void once(Bytes& b, const FrameSpec& s);
  std::mt19937_64 rng_;
};

// The one reason whose counter moved from `before` to `after` (XVS_REASONS if none); `moved`
// is by how much all of them moved together.
std::uint32_t moved_reason(const xvs_reasons& before, const xvs_reasons& after,
                           std::uint32_t& moved);

// The forwarding program's verdict on one frame, judged by the oracle's reading of it.
struct Judge {
  const std::vector<Target>& targets;
  // The reply mapping a probe left for the well-formed packet, if any (docs/healthchecks.md).
  std::function<std::optional<ProbeMapping>(const Packet&)> mapping;

  const Target* target_of(const IPAddr& vip, std::uint16_t port, std::uint8_t proto) const;
  bool is_vip(const IPAddr& a) const;
  // The probe `in` is a well-formed reply to (docs/dataplane.md step 2), if any.
  std::optional<ProbeMapping> reply_to(View in) const;
  // "" when the verdict, the reason and the output agree with the input, else what does not.
  std::string judge(View in, const Run& r, std::uint32_t reason) const;

  std::string forwarded(View in, const Packet& p, const Target& t, View out) const;
  std::string echo_reply(View in, const Packet& p, View out) const;
  static std::string same_inner(View in, const Packet& p, View inner);
  static std::string answer(View in, const Packet& p, View out);
  static std::string too_big(View in, const Packet& p, View out);
};

}  // namespace xvs::test::fuzz
