// SPDX-License-Identifier: Apache-2.0
#include "options.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstdlib>
#include <map>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

namespace balancer {
namespace {

const CLI::Validator address_check(
    [](std::string& text) -> std::string {
      return xvs::IPAddr::try_parse(text) ? "" : "not an IP address: " + text;
    },
    "ADDRESS");

const CLI::Validator prefix_check(
    [](std::string& text) -> std::string {
      return xvs::Prefix::try_parse(text) ? "" : "not an address/prefix: " + text;
    },
    "ADDRESS/BITS");

std::vector<xvs::IPAddr> parse_all(const std::vector<std::string>& texts) {
  std::vector<xvs::IPAddr> out;
  for (const auto& t : texts) out.push_back(xvs::IPAddr::parse(t));
  return out;
}

// The option giving the tunnel port that a real server needs; nullptr when it needs none.
const char* port_option(xvs::TunnelType tunnel, const xvs::IPAddr& rip) {
  if (tunnel == xvs::TunnelType::GUE) return "-G";
  if (tunnel == xvs::TunnelType::FOU) return rip.is4() ? "-4" : "-6";
  return nullptr;
}

// Addresses configured on this host's interfaces.
std::vector<xvs::IPAddr> own_addresses() {
  std::vector<xvs::IPAddr> out;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return out;
  for (const ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
    if (i->ifa_addr == nullptr) continue;
    char text[INET6_ADDRSTRLEN] = {};
    const int family = i->ifa_addr->sa_family;
    const void* addr = nullptr;
    if (family == AF_INET) addr = &reinterpret_cast<const sockaddr_in*>(i->ifa_addr)->sin_addr;
    if (family == AF_INET6) addr = &reinterpret_cast<const sockaddr_in6*>(i->ifa_addr)->sin6_addr;
    if (addr && inet_ntop(family, addr, text, sizeof text))
      if (auto ip = xvs::IPAddr::try_parse(text)) out.push_back(*ip);
  }
  freeifaddrs(list);
  return out;
}

bool has(const std::vector<xvs::IPAddr>& list, const xvs::IPAddr& a) {
  return std::find(list.begin(), list.end(), a) != list.end();
}

// This host's address in a VLAN prefix, read as the Client reads it (docs/api.md, "VLANs"):
// the prefix's own address when it is one of ours, else (it names the router, or the host
// part is zero) our address inside the prefix; unspecified when we have none there.
xvs::IPAddr own_address_in(const xvs::Prefix& prefix, const std::vector<xvs::IPAddr>& own) {
  if (has(own, prefix.addr())) return prefix.addr();
  for (const auto& a : own)
    if (prefix.contains(a)) return a;
  return {};
}

// A peer receives our flow records: one other balancer, never ourselves (we would feed our
// own records back), the VLAN's router, nor a group address (anyone on it could read them).
// Sets s.share_self, our address in the peers' family as they see it.
void check_peers(Settings& s) {
  if (s.peers.empty()) return;
  const std::vector<xvs::IPAddr> own = own_addresses();
  for (const auto& p : s.peers) {
    const auto& b = p.bytes();
    const bool broadcast = p.is4() && b[0] == 255 && b[1] == 255 && b[2] == 255 && b[3] == 255;
    if (p.is_unspecified() || p.is_multicast() || broadcast || p.is_loopback())
      throw CLI::ValidationError("--peer", p.to_string() + " is not the unicast address of a peer");
    if (has(own, p)) throw CLI::ValidationError("--peer", p.to_string() + " is this host's own address");
    if (has(s.vips, p))
      throw CLI::ValidationError("--peer", p.to_string() + " is a VIP of this balancer");
    for (const auto& prefix : {std::optional{s.prefix}, s.other_prefix})
      if (prefix && prefix->addr() == p)
        throw CLI::ValidationError("--peer", p.to_string() + " is VLAN 1's router (given in " +
                                                 prefix->to_string() + "), not a balancer");
  }
  const bool v4 = s.peers.front().is4();
  for (const auto& prefix : {std::optional{s.prefix}, s.other_prefix})
    if (prefix && prefix->addr().is4() == v4) s.share_self = own_address_in(*prefix, own);
  if (!s.share_self.valid())
    throw CLI::ValidationError("--peer", "this host has no " + std::string(v4 ? "IPv4" : "IPv6") +
                                             " address in the VLAN 1 prefix of the peers' family "
                                             "to share flows from");
}

}  // namespace

Settings parse_settings(int argc, char** argv) {
  CLI::App app{
      "Layer-4 Direct Server Return load balancer (libxvs example).\n"
      "Attaches to <interface>, where <prefix> is VLAN 1: its router (as in xvs, e.g.\n"
      "10.1.2.254/24) or this host's address on it, and balances\n"
      "TCP connections to <vip> (and each -v) on port 80 (or each -p) over every <rip>."};
  app.footer(
      "Prints statistics every -i seconds. SIGINT, SIGTERM or the end of -r remove the services\n"
      "and detach. --native on a veth: its peer must run an XDP program (or GRO) and the\n"
      "senders must not offload checksums, or forwarded frames are lost.");
  app.get_formatter()->column_width(24);

  Settings s;
  std::string prefix, other_prefix, vip;
  std::vector<std::string> vips, rips, peers;
  const std::map<std::string, xvs::TunnelType> tunnels{
      {"none", xvs::TunnelType::None}, {"ipip", xvs::TunnelType::IPIP},
      {"gre", xvs::TunnelType::GRE},   {"fou", xvs::TunnelType::FOU},
      {"gue", xvs::TunnelType::GUE}};

  app.add_option("interface", s.interface, "Interface to attach to")->required();
  app.add_option("prefix", prefix,
                 "VLAN 1's router/prefix (10.1.2.254/24) or this host's (10.1.2.3/24)")
      ->required()->check(prefix_check);
  app.add_option("vip", vip, "Virtual IP address")->required()->check(address_check);
  app.add_option("rip", rips, "Real server addresses")->required()->check(address_check);
  // One value per use: otherwise "-v X eth0 ..." would swallow the positionals.
  app.add_option("-v,--vip", vips, "Another VIP (repeatable)")
      ->check(address_check)->allow_extra_args(false);
  app.add_option("-p,--port", s.ports, "TCP port (repeatable; default 80)")
      ->check(CLI::Range(1, 65535))->allow_extra_args(false);
  app.add_option("-P,--other-prefix", other_prefix,
                 "The same for the other family (router or this host's address/prefix)")
      ->check(prefix_check);
  app.add_option("-r,--run", s.run_seconds, "Seconds to run, then remove services and exit "
                 "(0 = until SIGINT/SIGTERM)");
  std::string tunnel = "none";
  app.add_option("-t,--tunnel", tunnel, "Encapsulation to the real servers")
      ->check(CLI::IsMember({"none", "ipip", "gre", "fou", "gue"}));
  app.add_flag("-s,--sticky", s.sticky, "Hash only the L3 addresses");
  app.add_option("-f,--flows", s.flows_per_cpu, "Flow table entries per CPU (0 = default)");
  app.add_option("-4", s.fou4_port, "FOU port for IPv4 real servers")
      ->check(CLI::Range(1, 65535));
  app.add_option("-6", s.fou6_port, "FOU port for IPv6 real servers")
      ->check(CLI::Range(1, 65535));
  app.add_option("-G", s.gue_port, "GUE port")->check(CLI::Range(1, 65535));
  app.add_flag("--native", s.native, "Native (driver) XDP instead of generic");
  app.add_option("-i,--interval", s.interval, "Seconds between statistics")
      ->check(CLI::Range(1, 3600));
  auto* flow_port = app.add_option("--flow-port", s.flow_port,
                                   "UDP port to exchange flows with peers on (docs/flows.md)")
                        ->check(CLI::Range(1, 65535));
  // One address per --peer: a vector option would otherwise swallow the positionals.
  app.add_option("--peer", peers, "Peer balancer to send flows to (repeatable)")
      ->check(address_check)
      ->allow_extra_args(false)
      ->needs(flow_port);
  // Flows from the network are trusted only when they open under the shared key
  // (cmd/flowshare, docs/scale-out.md): a stranger could otherwise pin clients' flows.
  auto* flow_key = app.add_option("--flow-key", s.flow_key,
                                  "File with the peers' shared key (64 hex digits); datagrams "
                                  "not sealed with it are dropped")
                       ->check(CLI::ExistingFile)
                       ->needs(flow_port);
  flow_port->needs(flow_key);
  app.add_option("--pin", s.pin_path,
                 "bpffs directory keeping the flow tables across restarts");

  try {
    app.parse(argc, argv);
    s.tunnel = tunnels.at(tunnel);
    s.prefix = xvs::Prefix::parse(prefix);
    if (!other_prefix.empty()) {
      s.other_prefix = xvs::Prefix::parse(other_prefix);
      if (s.other_prefix->addr().is4() == s.prefix.addr().is4())
        throw CLI::ValidationError("--other-prefix", "must be of the other address family than " +
                                                    prefix + ": " + other_prefix);
    }
    s.vips.push_back(xvs::IPAddr::parse(vip));
    for (const auto& v : parse_all(vips)) s.vips.push_back(v);
    s.rips = parse_all(rips);
    s.peers = parse_all(peers);
    check_peers(s);
    if (s.flow_port && s.peers.empty())
      throw CLI::ValidationError("--flow-port", "flow sharing needs at least one --peer");
    for (const auto& d : s.destinations())
      if (const char* option = port_option(s.tunnel, d.address); option && d.tunnel_port == 0)
        throw CLI::ValidationError(
            "--tunnel", fmt::format("{} to {} needs {} PORT", tunnel, d.address, option));
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);  // prints the help or the error
    std::exit(code == 0 ? 0 : 2);
  }
  if (s.ports.empty()) s.ports.push_back(80);
  return s;
}

xvs::Options Settings::client_options() const {
  xvs::Options o;
  o.driver_mode = native;
  o.flows_per_cpu = flows_per_cpu;
  o.pin_path = pin_path;
  for (const auto& p : {std::optional{prefix}, other_prefix}) {
    if (!p) continue;
    (p->addr().is4() ? o.ipv4_vlans : o.ipv6_vlans).emplace(1, *p);
  }
  return o;
}

std::vector<xvs::Service> Settings::services() const {
  std::vector<xvs::Service> out;
  for (const auto& vip : vips)
    for (auto port : ports) out.push_back({vip, port, xvs::Protocol::TCP, sticky});
  return out;
}

std::vector<xvs::Destination> Settings::destinations() const {
  std::vector<xvs::Destination> out;
  for (const auto& rip : rips) {
    xvs::Destination d{.address = rip, .tunnel_type = tunnel};
    if (tunnel == xvs::TunnelType::FOU) d.tunnel_port = rip.is4() ? fou4_port : fou6_port;
    if (tunnel == xvs::TunnelType::GUE) d.tunnel_port = gue_port;
    out.push_back(d);
  }
  return out;
}

}  // namespace balancer
