// SPDX-License-Identifier: Apache-2.0
// Loading a BPF object from memory and the generic pieces around it (XDP attachment, per-CPU
// map reads), shared by the data plane (dataplane.cpp) and the tools in cmd/.
#pragma once

#include <bpf/bpf.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "api/system_error.hpp"

struct bpf_object;

namespace xvs::detail {

// A BPF object opened from memory and loaded into the kernel; unloaded on destruction.
class BpfObject {
public:
  // `object` is a BPF ELF file or zlib-compressed one; `name` names it in the kernel and in
  // errors. `before_load` may adjust the opened object (e.g. size maps) before it is
  // loaded. Throws Error{Errc::invalid_argument} for data that is not an object, and
  // Error{Errc::system} carrying the end of libbpf's and the verifier's log when loading fails.
  BpfObject(std::span<const std::uint8_t> object, const char* name,
            const std::function<void(bpf_object*)>& before_load = {});
  ~BpfObject();
  BpfObject(const BpfObject&) = delete;
  BpfObject& operator=(const BpfObject&) = delete;

  int program_fd(const char* name) const;  // throws Error{Errc::system} when missing
  int map_fd(const char* name) const;      // throws Error{Errc::system} when missing

private:
  bpf_object* obj_ = nullptr;
};

// The interface's name for messages; "ifindex N" when it has none (any more).
std::string interface_name(int ifindex);

// Attaches `prog_fd` as the XDP program of `ifindex` (generic XDP unless `native`),
// replacing any program already there. Throws Error{Errc::system} naming the interface.
void attach_xdp(int prog_fd, int ifindex, bool native);
// Detaches `prog_fd` from `ifindex`; whatever replaced it since is left alone.
void detach_xdp(int prog_fd, int ifindex, bool native) noexcept;

std::uint32_t possible_cpus();  // throws Error{Errc::system}


// One value per possible CPU of slot `key` of per-CPU array `fd` (named `map` in errors).
template <typename T>
std::vector<T> read_percpu(int fd, std::uint32_t key, std::uint32_t cpus, const char* map) {
  // The kernel lays per-CPU values out at 8-byte strides: only then are they read in place.
  static_assert(sizeof(T) % 8 == 0, "per-CPU values are read in place");
  std::vector<T> values(cpus);
  if (bpf_map_lookup_elem(fd, &key, values.data()) != 0)
    throw_system(std::string("reading map ") + map + " slot " + std::to_string(key), errno);
  return values;
}

// Slot `key` of per-CPU array `fd` summed over CPUs, for values made of 64-bit counters only
// (every counter struct of bpf/abi.h): added word by word.
template <typename T>
T sum_percpu(int fd, std::uint32_t key, std::uint32_t cpus, const char* map) {
  static_assert(std::is_trivially_copyable_v<T> && sizeof(T) % sizeof(std::uint64_t) == 0);
  constexpr std::size_t n = sizeof(T) / sizeof(std::uint64_t);
  std::array<std::uint64_t, n> sum{};
  for (const T& v : read_percpu<T>(fd, key, cpus, map)) {
    std::array<std::uint64_t, n> words;
    std::memcpy(words.data(), &v, sizeof v);
    for (std::size_t i = 0; i < n; ++i) sum[i] += words[i];
  }
  T out;
  std::memcpy(&out, sum.data(), sizeof out);
  return out;
}

}  // namespace xvs::detail
