// SPDX-License-Identifier: Apache-2.0
// xvs-e2e-driver: an xvs::Client that end-to-end tests steer at run time, one command per
// line on stdin, one answer line ("ok ..." or "error: ...") per command on stdout.
//
//   xvs-e2e-driver [-f FLOWS] [bond:]<interface>[,<interface>...] [<prefix> [<prefix>]]
//     (-f: Options::flows_per_cpu; bond: sets Options::bonding; each prefix VLAN 1 of its
//     family; none: the interfaces' own networks)
//
//   set VIP PORT RIP...     set_service(TCP VIP:PORT) with exactly these destinations
//   add VIP PORT RIP        create_destination
//   disable VIP PORT RIP    update_destination with disable = true
//   remove VIP PORT         remove_service
//   ready VIP PORT SECS     wait (at most SECS) until every destination's MAC is known
//   show VIP PORT           "ok RIP:packets/flows/MAC ..."
//   mac VIP PORT RIP        "ok MAC" of that destination (00:00:00:00:00:00 unresolved)
//   active VIP PORT         "ok A S V G": sum of the destinations' active_connections, and
//                           metric "current" of the service, its VIP and info()
//   config [PREFIX...]      set_config with these VLAN prefixes (VLAN 1 of each family)
//   share PORT SELF KEYFILE PEER...  flow sharing over UDP PORT (cmd/flowshare, as
//                           examples/balancer does), from our address SELF
//   shared                  "ok sent N, ..., records N, ..., unknown_peer N, ..." (its counters)
//   metric NAME             "ok VALUE" of Client::info().metrics
//
// EOF, SIGINT or SIGTERM end it cleanly: the Client's destructor detaches XDP.
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <xvs/xvs.hpp>

#include "flowshare/transport.hpp"

namespace {

using Words = std::vector<std::string>;

// VLAN 1 of each family; later prefixes of a family are ignored.
template <class It>
xvs::Config vlan_config(It begin, It end) {
  xvs::Config c;
  for (auto it = begin; it != end; ++it) {
    const auto p = xvs::Prefix::parse(*it);
    (p.addr().is4() ? c.ipv4_vlans : c.ipv6_vlans).emplace(1, p);
  }
  return c;
}

xvs::Service service_of(const Words& w) {
  if (w.size() < 3) throw xvs::Error(xvs::Errc::invalid_argument, "missing VIP PORT");
  return {xvs::IPAddr::parse(w[1]), static_cast<std::uint16_t>(std::stoul(w[2]))};
}

xvs::Destination find_destination(xvs::Client& c, const xvs::Service& s, const std::string& rip) {
  const auto address = xvs::IPAddr::parse(rip);
  for (const auto& d : c.destinations(s))
    if (d.destination.address == address) return d.destination;
  throw xvs::Error(xvs::Errc::destination_not_found, "no destination " + rip);
}

bool resolved(const xvs::DestinationExtended& d) {
  return std::any_of(d.mac.begin(), d.mac.end(), [](auto b) { return b != 0; });
}

std::string execute(xvs::Client& c, const Words& w) {
  const auto& cmd = w.at(0);
  const auto svc = service_of(w);
  if (cmd == "set") {
    std::vector<xvs::Destination> ds;
    for (auto it = w.begin() + 3; it != w.end(); ++it) ds.push_back({xvs::IPAddr::parse(*it)});
    c.set_service(svc, ds);
  } else if (cmd == "add" && w.size() == 4) {
    c.create_destination(svc, {xvs::IPAddr::parse(w[3])});
  } else if (cmd == "disable" && w.size() == 4) {
    auto d = find_destination(c, svc, w[3]);
    d.disable = true;
    c.update_destination(svc, d);
  } else if (cmd == "remove") {
    c.remove_service(svc);
  } else if (cmd == "ready" && w.size() == 4) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(std::stoul(w[3]));
    for (;;) {
      const auto ds = c.destinations(svc);
      if (std::all_of(ds.begin(), ds.end(), resolved)) break;
      if (std::chrono::steady_clock::now() > deadline) return "error: destinations unresolved";
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  } else if (cmd == "mac" && w.size() == 4) {
    const auto address = xvs::IPAddr::parse(w[3]);
    for (const auto& d : c.destinations(svc))
      if (d.destination.address == address) return "ok " + xvs::to_string(d.mac);
    return "error: no destination " + w[3];
  } else if (cmd == "active") {
    std::uint64_t sum = 0;
    for (const auto& d : c.destinations(svc)) sum += d.active_connections;
    return fmt::format("ok {} {} {} {}", sum, c.service(svc).metrics.at("current"),
                       c.vip(svc.address).metrics.at("current"), c.info().metrics.at("current"));
  } else if (cmd == "show") {
    std::string out = "ok";
    for (const auto& d : c.destinations(svc))
      out += fmt::format(" {}:{}/{}/{}", d.destination.address, d.stats.incoming_packets,
                         d.stats.connections, xvs::to_string(d.mac));
    return out;
  } else {
    return "error: unknown command or wrong arguments: " + cmd;
  }
  return "ok";
}

using Exchange = std::unique_ptr<flowshare::FlowShare>;

// The commands that name no service: flow sharing and global metrics.
std::string execute_global(xvs::Client& c, const Words& w, Exchange& exchange) {
  if (w[0] == "config") {
    c.set_config(vlan_config(w.begin() + 1, w.end()));
    return "ok";
  }
  if (w[0] == "shared")
    return exchange ? "ok " + flowshare::summary(exchange->status()) : "error: not sharing";
  if (w[0] == "metric" && w.size() == 2) {
    const auto m = c.info().metrics;
    const auto it = m.find(w[1]);
    return it == m.end() ? "error: no metric " + w[1] : fmt::format("ok {}", it->second);
  }
  if (w.size() < 5 || exchange) return "error: share PORT SELF KEYFILE PEER..., once";
  flowshare::Settings s{.self = xvs::IPAddr::parse(w[2]),
                          .peers = {},
                          .port = static_cast<std::uint16_t>(std::stoul(w[1])),
                          .key = flowshare::load_key(w[3])};
  for (auto it = w.begin() + 4; it != w.end(); ++it) s.peers.push_back(xvs::IPAddr::parse(*it));
  exchange = std::make_unique<flowshare::FlowShare>(c, std::move(s));
  return "ok";
}

// Reads stdin until EOF or a stop signal, executing each line.
void serve(xvs::Client& client, int signal_fd) {
  Exchange exchange;  // destroyed before the client
  pollfd fds[2] = {{.fd = STDIN_FILENO, .events = POLLIN, .revents = 0},
                   {.fd = signal_fd, .events = POLLIN, .revents = 0}};
  std::string pending;
  char buf[4096];
  while (poll(fds, 2, -1) >= 0 && !(fds[1].revents & POLLIN)) {
    const auto n = read(STDIN_FILENO, buf, sizeof buf);
    if (n <= 0) return;
    pending.append(buf, static_cast<std::size_t>(n));
    for (auto nl = pending.find('\n'); nl != std::string::npos; nl = pending.find('\n')) {
      std::istringstream line(pending.substr(0, nl));
      pending.erase(0, nl + 1);
      Words words;
      for (std::string word; line >> word;) words.push_back(word);
      if (words.empty()) continue;
      std::string answer;
      try {
        const bool global = words[0] == "share" || words[0] == "shared" ||
                            words[0] == "metric" || words[0] == "config";
        answer = global ? execute_global(client, words, exchange) : execute(client, words);
      } catch (const std::exception& e) {
        answer = fmt::format("error: {}", e.what());
      }
      std::cout << answer << std::endl;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  xvs::Options options;
  if (argc > 2 && std::string_view(argv[1]) == "-f") {
    options.flows_per_cpu = static_cast<std::uint32_t>(std::stoul(argv[2]));
    argv += 2;
    argc -= 2;
  }
  if (argc < 2) {
    std::cerr << "usage: xvs-e2e-driver [-f FLOWS] [bond:]<interface>[,<interface>...] "
                 "[<prefix>...]\n";
    return 2;
  }
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);  // before the Client starts its threads
  const int signal_fd = signalfd(-1, &stop, SFD_CLOEXEC);
  try {
    const xvs::Config vlans = vlan_config(argv + 2, argv + argc);
    options.ipv4_vlans = vlans.ipv4_vlans;
    options.ipv6_vlans = vlans.ipv6_vlans;
    std::vector<std::string> interfaces;
    std::string_view list = argv[1];
    options.bonding = list.starts_with("bond:");
    if (options.bonding) list.remove_prefix(5);
    std::istringstream names{std::string(list)};
    for (std::string name; std::getline(names, name, ',');) interfaces.push_back(name);
    xvs::Client client(interfaces, options);
    std::cout << "ok attached to " << argv[1] << std::endl;
    serve(client, signal_fd);
  } catch (const std::exception& e) {
    std::cout << "error: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}
