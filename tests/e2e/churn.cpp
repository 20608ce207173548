// SPDX-License-Identifier: Apache-2.0
// xvs-e2e-churn: a control plane that never stops changing the data plane, for tests that
// kill it with SIGKILL in the middle of an update, and the BPF object queries they need.
//
//   xvs-e2e-churn run <interface> <prefix> <vip> <rip>...
//       A Client on <interface> (VLAN 1 = <prefix>); prints "ok" after its first update,
//       then loops forever: set_service(TCP <vip>:80) with a random non-empty subset of the
//       rips and random weights; create (with destinations) or remove one of the services
//       <vip>:8000-8007; update_destination with a new weight; remove and re-create a
//       destination of port 80.
//   xvs-e2e-churn objects <interface>
//       "PROG MAP..." : the ID of the XDP program attached to <interface> and of its maps;
//       nothing when none is attached.
//   xvs-e2e-churn alive ID...
//       Each ID is "pN" (program) or "mN" (map); prints those that still exist, one per
//       line, and exits 1 if any does.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <unistd.h>

#include <cerrno>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include <xvs/xvs.hpp>

namespace {

int run(const std::string& interface, const std::string& prefix, const std::string& vip_text,
        const std::vector<std::string>& rips) {
  xvs::Options options;
  options.flows_per_cpu = 1024;
  const auto vlan = xvs::Prefix::parse(prefix);
  (vlan.addr().is4() ? options.ipv4_vlans : options.ipv6_vlans)[1] = vlan;
  xvs::Client c({interface}, options);
  const auto vip = xvs::IPAddr::parse(vip_text);
  const xvs::Service web{vip, 80};
  std::vector<xvs::Destination> all;
  for (const auto& r : rips) all.push_back({xvs::IPAddr::parse(r)});
  std::mt19937 rng(static_cast<unsigned>(getpid()));
  auto subset = [&] {
    std::vector<xvs::Destination> ds;
    for (auto d : all) {
      d.weight = static_cast<std::uint16_t>(1 + rng() % 5);
      if (rng() % 2) ds.push_back(d);
    }
    if (ds.empty()) ds.push_back(all[rng() % all.size()]);
    return ds;
  };
  c.set_service(web, all);
  std::cout << "ok" << std::endl;
  for (;;) {
    const auto ds = subset();
    c.set_service(web, ds);
    const xvs::Service extra{vip, static_cast<std::uint16_t>(8000 + rng() % 8)};
    try {
      c.remove_service(extra);
    } catch (const xvs::Error& e) {
      if (e.code() != xvs::Errc::service_not_found) throw;
      c.create_service(extra);
      for (const auto& d : subset()) c.create_destination(extra, d);
    }
    auto d = ds[rng() % ds.size()];
    d.weight = static_cast<std::uint16_t>(1 + rng() % 10);
    c.update_destination(web, d);
    c.remove_destination(web, d);
    c.create_destination(web, d);
  }
}

int objects(const std::string& interface) {
  const auto ifindex = if_nametoindex(interface.c_str());
  std::uint32_t id = 0;
  if (ifindex == 0 || bpf_xdp_query_id(static_cast<int>(ifindex), 0, &id) != 0) {
    std::cerr << "cannot query " << interface << "\n";
    return 2;
  }
  if (id == 0) return 0;
  const int fd = bpf_prog_get_fd_by_id(id);
  std::vector<std::uint32_t> maps(64);
  bpf_prog_info info{};
  info.nr_map_ids = static_cast<std::uint32_t>(maps.size());
  info.map_ids = reinterpret_cast<std::uintptr_t>(maps.data());
  std::uint32_t len = sizeof info;
  if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len) != 0) {
    std::cerr << "cannot read program " << id << "\n";
    return 2;
  }
  close(fd);
  std::cout << 'p' << id;
  for (std::uint32_t i = 0; i < info.nr_map_ids && i < maps.size(); ++i)
    std::cout << " m" << maps[i];
  std::cout << std::endl;
  return 0;
}

int alive(const std::vector<std::string>& ids) {
  int status = 0;
  for (const auto& s : ids) {
    const auto id = static_cast<std::uint32_t>(std::stoul(s.substr(1)));
    const int fd = s[0] == 'p' ? bpf_prog_get_fd_by_id(id) : bpf_map_get_fd_by_id(id);
    if (fd >= 0) {
      close(fd);
      std::cout << s << "\n";
      status = 1;
    } else if (errno != ENOENT) {
      std::cerr << "cannot look up " << s << "\n";
      return 2;
    }
  }
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  try {
    if (args.size() >= 5 && args[0] == "run")
      return run(args[1], args[2], args[3], {args.begin() + 4, args.end()});
    if (args.size() == 2 && args[0] == "objects") return objects(args[1]);
    if (!args.empty() && args[0] == "alive") return alive({args.begin() + 1, args.end()});
  } catch (const std::exception& e) {
    std::cout << "error: " << e.what() << std::endl;
    return 1;
  }
  std::cerr << "usage: xvs-e2e-churn run <interface> <prefix> <vip> <rip>... | objects "
               "<interface> | alive ID...\n";
  return 2;
}
