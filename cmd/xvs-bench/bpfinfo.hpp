// SPDX-License-Identifier: Apache-2.0
// What the kernel says about the data plane a Client attached: its program and its maps
// (found by ID, as bpftool does), and the memory each map holds.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace xvs::bench {

// An owned file descriptor.
class Fd {
public:
  explicit Fd(int fd = -1) noexcept : fd_(fd) {}
  ~Fd();
  Fd(Fd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  Fd& operator=(Fd&&) = delete;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const noexcept { return fd_; }

private:
  int fd_;
};

// The generic-mode XDP program attached to `ifindex`. Throws xvs::Error when there is none.
Fd attached_program(int ifindex);

struct MapInfo {
  std::string name;
  std::uint32_t type = 0, max_entries = 0, key_size = 0, value_size = 0;
  std::uint64_t memlock = 0;  // bytes the kernel charges for it (fdinfo "memlock:")
};

std::vector<MapInfo> program_maps(int prog_fd);
Fd program_map(int prog_fd, const std::string& name);  // throws when the program has none

const char* map_type_name(std::uint32_t type);

}  // namespace xvs::bench
