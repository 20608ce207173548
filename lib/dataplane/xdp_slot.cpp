// SPDX-License-Identifier: Apache-2.0
#include "dataplane/xdp_slot.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <unistd.h>

#include <cerrno>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <xvs/error.hpp>

#include "dataplane/bpf_loader.hpp"

namespace xvs::detail {
namespace {

struct Occupant {
  std::uint32_t id = 0;
  const char* mode = "";
  std::string name;
};

// The name the program was loaded with; "" when it is gone already.
std::string program_name(std::uint32_t id) {
  const int fd = bpf_prog_get_fd_by_id(id);
  if (fd < 0) return "";
  bpf_prog_info info{};
  std::uint32_t len = sizeof info;
  const bool ok = bpf_obj_get_info_by_fd(fd, &info, &len) == 0;
  close(fd);
  return ok ? std::string(info.name) : "";
}

std::vector<Occupant> occupants(int ifindex) {
  bpf_xdp_query_opts q{};
  q.sz = sizeof q;
  if (int err = bpf_xdp_query(ifindex, 0, &q))
    throw_system(fmt::format("reading the XDP programs of {}", interface_name(ifindex)), -err);
  std::vector<Occupant> out;
  for (auto [id, mode] : {std::pair{q.skb_prog_id, "generic"}, std::pair{q.drv_prog_id, "native"},
                          std::pair{q.hw_prog_id, "offloaded"}})
    if (id != 0) out.push_back({id, mode, program_name(id)});
  return out;
}

}  // namespace

void attach_xdp_guarded(int prog_fd, int ifindex, bool native, const std::string& ours,
                        bool replace_foreign) {
  const std::string where = interface_name(ifindex);
  const char* const our_mode = native ? "native" : "generic";
  std::uint32_t replaced = 0;  // the program in our mode's slot
  for (const Occupant& o : occupants(ifindex)) {
    if (o.name != ours && !replace_foreign)
      throw Error(Errc::in_use,
                  fmt::format("{} already has another XDP program, \"{}\" (id {}, {}); left "
                              "attached (Options::replace_xdp replaces it)",
                              where, o.name, o.id, o.mode));
    if (std::string_view(o.mode) == our_mode) replaced = o.id;
  }

  std::uint32_t flags = native ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE;
  bpf_xdp_attach_opts opts{};
  opts.sz = sizeof opts;
  int old_fd = -1;
  if (replaced != 0) {
    old_fd = bpf_prog_get_fd_by_id(replaced);
    if (old_fd < 0) throw Error(Errc::in_use, fmt::format("the XDP program of {} changed", where));
    opts.old_prog_fd = old_fd;
    flags |= XDP_FLAGS_REPLACE;
  } else {
    flags |= XDP_FLAGS_UPDATE_IF_NOEXIST;
  }
  const int err = bpf_xdp_attach(ifindex, prog_fd, flags, &opts);
  if (old_fd >= 0) close(old_fd);
  if (err == -EBUSY || err == -EEXIST)
    throw Error(Errc::in_use,
                fmt::format("another XDP program was attached to {} meanwhile; left attached",
                            where));
  if (err != 0) throw_system(fmt::format("attaching XDP ({}) to {}", our_mode, where), -err);
}

}  // namespace xvs::detail
