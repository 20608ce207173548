// SPDX-License-Identifier: Apache-2.0
#include "stats.hpp"

#include <algorithm>
#include <ctime>

#include <fmt/format.h>

namespace balancer {
namespace {

// Counters the table already shows in its columns (or as the latency).
bool in_columns(const std::string& key) {
  return key == "packets" || key == "octets" || key == "flows" || key.starts_with("latency");
}

std::string human_octets(std::uint64_t n) {
  static constexpr const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  auto v = static_cast<double>(n);
  std::size_t u = 0;
  while (v >= 1000 && u + 1 < std::size(units)) {
    v /= 1000;
    ++u;
  }
  return u == 0 ? fmt::format("{} B", n) : fmt::format("{:.1f} {}", v, units[u]);
}

bool resolved(const xvs::MAC& mac) {
  return std::any_of(mac.begin(), mac.end(), [](auto b) { return b != 0; });
}

std::string clock_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%H:%M:%S", &tm);
  return buf;
}

}  // namespace

std::string endpoint(const xvs::Service& s) {
  const auto addr = s.address.is6() ? fmt::format("[{}]", s.address) : s.address.to_string();
  return fmt::format("{} {}:{}", xvs::to_string(s.protocol), addr, s.port);
}

bool all_resolved(xvs::Client& client) {
  const auto services = client.services();
  if (services.empty()) return false;
  for (const auto& s : services)
    for (const auto& d : client.destinations(s.service))
      if (!resolved(d.mac)) return false;
  return true;
}

void StatsPrinter::row(const std::string& key, const std::string& label,
                       const xvs::Stats& stats, const std::string& extra,
                       const std::string& active) {
  auto& before = previous_[key];
  const auto delta = stats.incoming_packets >= before ? stats.incoming_packets - before : 0;
  before = stats.incoming_packets;
  const auto rate = elapsed_ > 0 ? static_cast<double>(delta) / elapsed_ : 0.0;
  auto line = fmt::format("{:<36}{:>11}{:>9.0f}{:>11}{:>8}{:>8}  {}", label,
                          stats.incoming_packets, rate, human_octets(stats.incoming_bytes),
                          stats.connections, active, extra);
  line.erase(line.find_last_not_of(' ') + 1);
  fmt::print(out_, "{}\n", line);
}

void StatsPrinter::print(xvs::Client& client) {
  const auto now = std::chrono::steady_clock::now();
  elapsed_ = std::chrono::duration<double>(now - last_).count();
  last_ = now;

  const auto info = client.info();
  fmt::print(out_, "{:<36}{:>11}{:>9}{:>11}{:>8}{:>8}\n", "── " + clock_now() + " ──", "packets",
             "pps", "octets", "flows", "active");
  row("", "global", info.stats, fmt::format("latency {} ns", info.latency));
  const auto services = client.services();
  for (const auto& vip : client.vips()) {
    const auto vip_name = vip.address.to_string();
    row(vip_name, "  vip " + vip_name, vip.stats, "");
    for (const auto& svc : services) {
      if (svc.service.address != vip.address) continue;
      const auto svc_name = endpoint(svc.service);
      row(svc_name, "    " + svc_name, svc.stats, svc.service.sticky ? "sticky" : "");
      for (const auto& d : client.destinations(svc.service)) {
        std::string state = resolved(d.mac) ? xvs::to_string(d.mac) : "unresolved";
        if (d.destination.disable) state += " disabled";
        if (d.destination.tunnel_type != xvs::TunnelType::None)
          state += fmt::format(" {}", xvs::to_string(d.destination.tunnel_type));
        const auto rip = d.destination.address.to_string();
        row(svc_name + " " + rip, "      -> " + rip, d.stats, state,
            std::to_string(d.active_connections));
      }
    }
  }
  std::string counters;
  for (const auto& [key, value] : info.metrics)
    if (value != 0 && !in_columns(key)) counters += fmt::format("  {} {}", key, value);
  if (!counters.empty()) fmt::print(out_, "counters:{}\n", counters);
  std::fflush(out_);
}

}  // namespace balancer
