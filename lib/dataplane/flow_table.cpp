// SPDX-License-Identifier: Apache-2.0
#include "dataplane/flow_table.hpp"

#include <bpf/bpf.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>
#include <xvs/error.hpp>

#include "dataplane/bpf_loader.hpp"

namespace xvs::detail {

namespace {

static_assert(sizeof(xvs_flow_entry) % 8 == 0, "array elements are the value, unpadded");

}  // namespace

FlowTable::FlowTable(int flows, int flow_backends) : backends_fd_(flow_backends) {
  bpf_map_info info{};
  std::uint32_t len = sizeof info;
  if (bpf_obj_get_info_by_fd(flows, &info, &len) != 0) throw_system("reading map flows", errno);
  if (info.type != BPF_MAP_TYPE_ARRAY || info.value_size != sizeof(xvs_flow_entry) ||
      info.max_entries % XVS_FLOW_WAYS != 0 || !(info.map_flags & BPF_F_MMAPABLE))
    throw Error(Errc::system, "map flows is not a table of flow buckets");
  entries_ = info.max_entries;
  buckets_ = entries_ / XVS_FLOW_WAYS;
  const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  bytes_ = (std::size_t{entries_} * sizeof(xvs_flow_entry) + page - 1) / page * page;
  void* at = mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_SHARED, flows, 0);
  if (at == MAP_FAILED) throw_system("mapping map flows", errno);
  table_ = static_cast<xvs_flow_entry*>(at);
}

FlowTable::~FlowTable() { munmap(table_, bytes_); }

xvs_flow_entry* FlowTable::bucket(const xvs_flow_key& k) const {
  return table_ + std::size_t{xvs_flow_bucket(&k, buckets_)} * XVS_FLOW_WAYS;
}

xvs_flow_entry* FlowTable::victim(const xvs_flow_key& k, std::uint64_t now_ns,
                                  bool even_kept) const {
  xvs_flow_entry* b = bucket(k);
  xvs_flow_entry* best = even_kept ? b : nullptr;
  std::uint64_t rank = XVS_FLOW_KEEP;
  for (int w = 0; w < XVS_FLOW_WAYS; ++w)
    if (std::uint64_t r = xvs_flow_victim_rank(&b[w], &k, now_ns); r < rank) {
      rank = r;
      best = &b[w];
    }
  return best;
}

std::optional<xvs_flow> FlowTable::find(const xvs_flow_key& k) const {
  const xvs_flow_entry* b = bucket(k);
  for (int w = 0; w < XVS_FLOW_WAYS; ++w) {
    const xvs_flow_entry& e = b[w];
    if ((e.state != XVS_FLOW_NEW && e.state != XVS_FLOW_ESTABLISHED) ||
        !xvs_flow_key_eq(&e.key, &k))
      continue;
    xvs_flow f;
    f.generation = e.generation;
    f.dest = e.dest;
    f.state = e.state;
    f.seen_ns = e.seen_ns;
    if (backends_fd_ >= 0) bpf_map_lookup_elem(backends_fd_, &f.generation, &f.backend);
    return f;
  }
  return std::nullopt;
}

std::uint8_t FlowTable::state(const xvs_flow_key& k) const {
  const xvs_flow_entry* b = bucket(k);
  for (int w = 0; w < XVS_FLOW_WAYS; ++w)
    if (b[w].state != XVS_FLOW_FREE && xvs_flow_key_eq(&b[w].key, &k)) return b[w].state;
  return XVS_FLOW_FREE;
}

void FlowTable::put(const xvs_flow_key& k, const xvs_flow& f) {
  xvs_flow_entry* e = victim(k, f.seen_ns, true);
  e->key = k;
  e->seen_ns = f.seen_ns;
  e->generation = f.generation;
  e->dest = f.dest;
  e->state = f.state;
  e->pad = 0;
  if (f.backend.a[0] | f.backend.a[1] | f.backend.a[2] | f.backend.a[3])
    name_backend(f.generation, f.backend);
}

bool FlowTable::put_peer(const xvs_flow_key& k, std::uint16_t dest, std::uint32_t generation,
                         std::uint64_t now_ns) {
  if (find(k)) return false;
  xvs_flow_entry* e = victim(k, now_ns, false);
  if (!e) return false;
  // The state last: the data plane takes no entry half written for a peer's.
  e->state = XVS_FLOW_FREE;
  e->key = k;
  e->seen_ns = now_ns;
  e->generation = generation;
  e->dest = dest;
  e->pad = 0;
  __atomic_store_n(&e->state, std::uint8_t{XVS_FLOW_PEER}, __ATOMIC_RELEASE);
  return true;
}

void FlowTable::name_backend(std::uint32_t g, const xvs_addr& backend) {
  if (backends_fd_ < 0) return;
  if (bpf_map_update_elem(backends_fd_, &g, &backend, BPF_ANY) != 0)
    throw_system(fmt::format("writing generation {} into map flow_backends", g), errno);
}

void FlowTable::for_each(const std::function<void(const xvs_flow_entry&)>& fn) const {
  for (std::uint32_t i = 0; i < entries_; ++i)
    if (table_[i].state != XVS_FLOW_FREE) fn(table_[i]);
}

std::size_t FlowTable::count(std::uint8_t state) const {
  std::size_t n = 0;
  for (std::uint32_t i = 0; i < entries_; ++i) n += table_[i].state == state;
  return n;
}

}  // namespace xvs::detail
