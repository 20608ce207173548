// SPDX-License-Identifier: Apache-2.0
// Loading a BPF object from memory and the generic pieces around it (XDP attachment, per-CPU
// map reads), shared by the data plane (dataplane.cpp) and the tools in cmd/.
#pragma once

#include <bpf/bpf.h>

#include <cerrno>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

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

// Attaches `prog_fd` as the XDP program of `ifindex` (generic XDP unless `native`),
// replacing any program already there. Throws Error{Errc::system} naming the interface.
void attach_xdp(int prog_fd, int ifindex, bool native);
// Detaches `prog_fd` from `ifindex`; whatever replaced it since is left alone.
void detach_xdp(int prog_fd, int ifindex, bool native) noexcept;

std::uint32_t possible_cpus();  // throws Error{Errc::system}

// Throws Error{Errc::system}: "<what>: <strerror(err)>".
[[noreturn]] void throw_system(const std::string& what, int err);

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

}  // namespace xvs::detail
