// SPDX-License-Identifier: Apache-2.0
#include "bpfinfo.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/if_link.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include <fmt/format.h>
#include <xvs/error.hpp>

#include "api/system_error.hpp"

namespace xvs::bench {

namespace {

[[noreturn]] void fail(const std::string& what, int err) {
  detail::throw_system("xvs-bench: " + what, err);
}

std::vector<std::uint32_t> map_ids(int prog_fd) {
  bpf_prog_info info{};
  std::uint32_t len = sizeof info;
  if (bpf_obj_get_info_by_fd(prog_fd, &info, &len) != 0) fail("reading program info", errno);
  std::vector<std::uint32_t> ids(info.nr_map_ids);
  bpf_prog_info again{};
  again.nr_map_ids = info.nr_map_ids;
  again.map_ids = reinterpret_cast<std::uint64_t>(ids.data());
  len = sizeof again;
  if (bpf_obj_get_info_by_fd(prog_fd, &again, &len) != 0) fail("reading program map IDs", errno);
  ids.resize(std::min(ids.size(), std::size_t{again.nr_map_ids}));
  return ids;
}

bpf_map_info map_info(int fd) {
  bpf_map_info info{};
  std::uint32_t len = sizeof info;
  if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0) fail("reading map info", errno);
  return info;
}

std::uint64_t memlock_of(int fd) {
  std::ifstream in(fmt::format("/proc/self/fdinfo/{}", fd));
  std::string key;
  std::uint64_t value = 0;
  while (in >> key) {
    if (key == "memlock:" && in >> value) return value;
    in.ignore(1 << 20, '\n');
  }
  return 0;
}

}  // namespace

Fd::~Fd() {
  if (fd_ >= 0) close(fd_);
}

Fd attached_program(int ifindex) {
  std::uint32_t id = 0;
  if (int err = bpf_xdp_query_id(ifindex, XDP_FLAGS_SKB_MODE, &id)) fail("querying XDP", -err);
  if (id == 0) throw Error(Errc::system, "xvs-bench: no XDP program attached to the bench veth");
  int fd = bpf_prog_get_fd_by_id(id);
  if (fd < 0) fail(fmt::format("opening program {}", id), errno);
  return Fd(fd);
}

std::vector<MapInfo> program_maps(int prog_fd) {
  std::vector<MapInfo> out;
  for (std::uint32_t id : map_ids(prog_fd)) {
    Fd fd(bpf_map_get_fd_by_id(id));
    if (fd.get() < 0) fail(fmt::format("opening map {}", id), errno);
    bpf_map_info info = map_info(fd.get());
    out.push_back(MapInfo{info.name, info.type, info.max_entries, info.key_size,
                          info.value_size, memlock_of(fd.get())});
  }
  return out;
}

Fd program_map(int prog_fd, const std::string& name) {
  for (std::uint32_t id : map_ids(prog_fd)) {
    Fd fd(bpf_map_get_fd_by_id(id));
    if (fd.get() >= 0 && map_info(fd.get()).name == name) return fd;
  }
  throw Error(Errc::system, fmt::format("xvs-bench: the data plane has no map {}", name));
}

const char* map_type_name(std::uint32_t type) {
  switch (type) {
    case BPF_MAP_TYPE_HASH: return "hash";
    case BPF_MAP_TYPE_ARRAY: return "array";
    case BPF_MAP_TYPE_PERCPU_ARRAY: return "percpu_array";
    case BPF_MAP_TYPE_LRU_HASH: return "lru_hash";
    case BPF_MAP_TYPE_PERCPU_HASH: return "percpu_hash";
    case BPF_MAP_TYPE_LRU_PERCPU_HASH: return "lru_percpu_hash";
    case BPF_MAP_TYPE_PROG_ARRAY: return "prog_array";
    case BPF_MAP_TYPE_DEVMAP: return "devmap";
    case BPF_MAP_TYPE_DEVMAP_HASH: return "devmap_hash";
    case BPF_MAP_TYPE_HASH_OF_MAPS: return "hash_of_maps";
    case BPF_MAP_TYPE_ARRAY_OF_MAPS: return "array_of_maps";
    case BPF_MAP_TYPE_RINGBUF: return "ringbuf";
    case BPF_MAP_TYPE_QUEUE: return "queue";
  }
  return "other";
}

}  // namespace xvs::bench
