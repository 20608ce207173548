// SPDX-License-Identifier: Apache-2.0
#include "fixture.hpp"

#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include <fmt/format.h>
#include <xvs/error.hpp>

namespace xvs::bench {

namespace {

// Runs `ip -batch -` with these commands (a tool may set up its fixture with ip; one
// process for the ~500 neighbour entries).
void ip_batch(const std::string& commands) {
  std::FILE* p = popen("ip -batch - >/dev/null", "w");
  if (!p) throw Error(Errc::system, fmt::format("xvs-bench: running ip: {}", std::strerror(errno)));
  std::fputs(commands.c_str(), p);
  int status = pclose(p);
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw Error(Errc::system, "xvs-bench: setting up the bench network with ip failed");
}

// By ioctl: /sys/class/net shows the namespace sysfs was mounted in, not ours.
MAC read_mac(const char* dev) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, dev, IFNAMSIZ - 1);
  bool ok = fd >= 0 && ioctl(fd, SIOCGIFHWADDR, &ifr) == 0;
  if (fd >= 0) close(fd);
  if (!ok) throw Error(Errc::system, fmt::format("xvs-bench: cannot read the MAC of {}", dev));
  MAC m{};
  std::memcpy(m.data(), ifr.ifr_hwaddr.sa_data, m.size());
  return m;
}

}  // namespace

Network::Network() {
  if (unshare(CLONE_NEWNET) != 0)
    throw Error(Errc::system, fmt::format("xvs-bench: cannot create a network namespace: {}",
                                          std::strerror(errno)));
  ip_batch("link set lo up\nlink add xb0 type veth peer name xb1\n");
  // Nothing may arrive on xb0 but the bench's own test runs (the pass paths count every
  // packet): no IPv6 on the peer, so no router solicitations or MLD reports from it.
  if (!(std::ofstream("/proc/sys/net/ipv6/conf/xb1/disable_ipv6") << "1\n"))
    throw Error(Errc::system, "xvs-bench: cannot disable IPv6 on xb1");
  std::string cmds =
      "addr add 10.1.0.1/16 dev xb0\n"
      "addr add fd00::1/64 dev xb0 nodad\n"
      "link set xb0 up\n"
      "link set xb1 up\n";
  for (bool v6 : {false, true})
    for (int i = 1; i <= kMaxBackends; ++i)
      cmds += fmt::format("neigh replace {} lladdr {} dev xb0 nud permanent\n",
                          backend_address(v6, i), to_string(backend_mac(v6, i)));
  ip_batch(cmds);
  ifindex_ = static_cast<int>(if_nametoindex(kInterface));
  if (ifindex_ == 0) throw Error(Errc::system, "xvs-bench: xb0 did not appear");
  mac_ = read_mac(kInterface);
}

IPAddr backend_address(bool v6, int i) {
  return IPAddr::parse(v6 ? fmt::format("fd00::1:{:x}", i) : fmt::format("10.1.1.{}", i));
}

MAC backend_mac(bool v6, int i) {
  return {0x02, static_cast<std::uint8_t>(v6 ? 0xb6 : 0xb4), 0, 0, 0, static_cast<std::uint8_t>(i)};
}

int backend_of(const MAC& mac, bool v6, int n) {
  MAC base = backend_mac(v6, 0);
  if (!std::equal(base.begin(), base.end() - 1, mac.begin())) return 0;
  return mac[5] >= 1 && mac[5] <= n ? mac[5] : 0;
}

std::vector<Destination> destinations(bool v6, int n, TunnelType tunnel,
                                      std::uint16_t tunnel_port, bool no_checksum) {
  std::vector<Destination> out;
  for (int i = 1; i <= n; ++i) {
    Destination d;
    d.address = backend_address(v6, i);
    d.tunnel_type = tunnel;
    d.tunnel_port = tunnel_port;
    d.tunnel_encap_no_checksum = no_checksum;
    out.push_back(d);
  }
  return out;
}

}  // namespace xvs::bench
