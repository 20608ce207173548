// SPDX-License-Identifier: Apache-2.0
// Makes flow-sharing datagrams for tests/e2e/share_attack.sh: what an attacker who has (or
// guesses) a key would send. Sealed by the transport's own code (cmd/flowshare/sealed.hpp),
// numbered from the wall clock as a real sender does, so that the only thing wrong with them
// is what the test intends (the key, or the source address they are sent from).
//
//   xvs-e2e-share-seal KEYFILE SENDER hello|records COUNT
//
// Prints COUNT datagrams, one hexadecimal line each. A records datagram carries one record of
// 64 random bytes: were it ever accepted, write_flow would see (and count) it.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <random>
#include <string>
#include <vector>

#include "flowshare/sealed.hpp"

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s KEYFILE SENDER hello|records COUNT\n", argv[0]);
    return 2;
  }
  try {
    flowshare::init_sodium();
    const auto key = flowshare::load_key(argv[1]);
    const auto sender = xvs::IPAddr::parse(argv[2]);
    const std::string kind = argv[3];
    if (kind != "hello" && kind != "records") throw std::runtime_error("kind: hello or records");
    const unsigned long count = std::stoul(argv[4]);
    std::mt19937_64 random(std::random_device{}());
    auto sequence = static_cast<std::uint64_t>(
        std::chrono::system_clock::now().time_since_epoch() / std::chrono::nanoseconds(1));
    for (unsigned long i = 0; i < count; ++i) {
      std::vector<std::uint8_t> payload;
      if (kind == "records") {
        std::vector<std::uint8_t> record(64);
        for (auto& b : record) b = static_cast<std::uint8_t>(random());
        flowshare::append_record(payload, record);
      }
      const auto datagram = flowshare::seal(
          key, kind == "hello" ? flowshare::Kind::hello : flowshare::Kind::records, sender,
          sequence++, payload);
      for (const auto b : datagram) std::printf("%02x", b);
      std::printf("\n");
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "xvs-e2e-share-seal: %s\n", e.what());
    return 1;
  }
  return 0;
}
