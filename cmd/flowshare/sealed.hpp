// SPDX-License-Identifier: Apache-2.0
// The flow-sharing datagram (docs/scale-out.md): a clear header naming the sender and a
// sequence number, then the payload sealed with XChaCha20-Poly1305 (libsodium) under the key
// the peers share. The header is authenticated as associated data, so neither the sender nor
// the sequence can be changed without the datagram failing to open.
//
//   0  "XVF1"           4 bytes
//   4  kind             1 byte (Kind)
//   5  zero             3 bytes
//   8  sender address   16 bytes (IPv4 as ::ffff:a.b.c.d)
//  24  sequence         8 bytes, big-endian
//  32  nonce            24 bytes, random
//  56  ciphertext       payload + 16-byte tag
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <xvs/xvs.hpp>

namespace flowshare {

inline constexpr std::size_t kKeyBytes = 32;
inline constexpr std::size_t kHeaderBytes = 56;
inline constexpr std::size_t kTagBytes = 16;
inline constexpr std::size_t kOverhead = kHeaderBytes + kTagBytes;

using Key = std::array<std::uint8_t, kKeyBytes>;

enum class Kind : std::uint8_t {
  hello = 0,    // "I am alive"; no payload
  records = 1,  // payload: [u16 length][flow record] repeated
};

struct Opened {
  Kind kind;
  xvs::IPAddr sender;
  std::uint64_t sequence;
  std::vector<std::uint8_t> payload;
};

// Initialises libsodium once; throws std::runtime_error when it cannot.
void init_sodium();

// Reads a key file: 64 hexadecimal digits (surrounding white space allowed). Throws
// std::runtime_error naming the file and the problem.
Key load_key(const std::string& file);

std::vector<std::uint8_t> seal(const Key& key, Kind kind, const xvs::IPAddr& sender,
                               std::uint64_t sequence, std::span<const std::uint8_t> payload);

// Why a datagram did not open.
enum class OpenError { malformed, forged };

// The header alone, unauthenticated: lets the receiver drop strangers before spending a
// decryption on them. nullopt when the datagram cannot be one of ours.
std::optional<xvs::IPAddr> peek_sender(std::span<const std::uint8_t> datagram);

// Authenticates and decrypts. `error` says why when it returns nullopt.
std::optional<Opened> open(const Key& key, std::span<const std::uint8_t> datagram,
                           OpenError& error);

// Splits a records payload; nullopt when the lengths do not add up.
std::optional<std::vector<std::span<const std::uint8_t>>> split_records(
    std::span<const std::uint8_t> payload);
// Appends one record to a records payload.
void append_record(std::vector<std::uint8_t>& payload, std::span<const std::uint8_t> record);

}  // namespace flowshare
