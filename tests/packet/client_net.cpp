// SPDX-License-Identifier: Apache-2.0
#include "client_net.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <unistd.h>

#include <stdexcept>

#include <fmt/format.h>

namespace xvs::test {

ClientNetwork::ClientNetwork() {
  ScopedNetns::sh("ip link add v0 type veth peer name v1");
  ScopedNetns::sh("sysctl -qw net.ipv6.conf.v1.disable_ipv6=1");
  ScopedNetns::sh("ip link set v0 address " + to_string(kOurMac));
  ScopedNetns::sh(fmt::format("ip addr add {}/24 dev v0", kOurAddr4));
  ScopedNetns::sh(fmt::format("ip addr add {}/64 dev v0 nodad", kOurAddr6));
  ScopedNetns::sh("ip link set v0 up");
  ScopedNetns::sh("ip link set v1 up");
  for (int n = 1; n <= 4; ++n)
    for (const char* net : {"10.0.0.{}", "fd00::{}"})
      ScopedNetns::sh(fmt::format("ip neigh replace {} lladdr {} dev v0 nud permanent",
                                  fmt::format(fmt::runtime(net), n),
                                  to_string(backend_mac(static_cast<std::uint8_t>(n)))));
}

Attached::Attached(const char* dev) : ifindex_(static_cast<int>(if_nametoindex(dev))) {
  std::uint32_t id = 0;
  if (ifindex_ == 0 || bpf_xdp_query_id(ifindex_, XDP_FLAGS_SKB_MODE, &id) != 0 || id == 0)
    throw std::runtime_error(fmt::format("no XDP program on {}", dev));
  prog_ = bpf_prog_get_fd_by_id(id);
  std::uint32_t ids[64] = {};
  bpf_prog_info info{};
  info.nr_map_ids = 64;
  info.map_ids = reinterpret_cast<std::uint64_t>(ids);
  std::uint32_t len = sizeof info;
  if (prog_ < 0 || bpf_obj_get_info_by_fd(prog_, &info, &len) != 0)
    throw std::runtime_error(fmt::format("reading the program on {}", dev));
  for (std::uint32_t i = 0; i < info.nr_map_ids && i < 64; ++i) {
    const int fd = bpf_map_get_fd_by_id(ids[i]);
    bpf_map_info mi{};
    std::uint32_t ml = sizeof mi;
    if (fd >= 0 && bpf_obj_get_info_by_fd(fd, &mi, &ml) == 0)
      maps_[mi.name] = fd;
    else if (fd >= 0)
      close(fd);
  }
}

Attached::~Attached() {
  for (const auto& [name, fd] : maps_) close(fd);
  close(prog_);
}

int Attached::map(const char* name) const {
  const auto it = maps_.find(name);
  if (it == maps_.end()) throw std::runtime_error(fmt::format("no map {}", name));
  return it->second;
}

Run Attached::run(const Bytes& frame) const {
  xdp_md ctx{};
  ctx.data_end = static_cast<std::uint32_t>(frame.size());
  ctx.ingress_ifindex = static_cast<std::uint32_t>(ifindex_);
  Run r;
  std::uint32_t retval = 0;
  if (int err = test_run(prog_, frame, r.out, &ctx, retval))
    throw std::runtime_error(fmt::format("BPF_PROG_TEST_RUN on {} bytes: {}", frame.size(), err));
  r.verdict = static_cast<int>(retval);
  return r;
}

Destination dest(const IPAddr& a) {
  Destination d;
  d.address = a;
  return d;
}

}  // namespace xvs::test
