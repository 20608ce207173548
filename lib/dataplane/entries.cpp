// SPDX-License-Identifier: Apache-2.0
#include "dataplane/entries.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <limits>

#include "net/natns.hpp"

namespace xvs::detail {

namespace {

constexpr std::uint32_t kDefaultMtu = 1500;

// ::ffff:0:0/96, the IPv4-mapped prefix.
constexpr std::array<std::uint8_t, 12> kMapped{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

}  // namespace

xvs_addr to_abi(const IPAddr& ip) noexcept {
  xvs_addr out{};
  auto* bytes = reinterpret_cast<std::uint8_t*>(out.a);
  if (ip.is4()) {
    std::memcpy(bytes, kMapped.data(), kMapped.size());
    std::memcpy(bytes + kMapped.size(), ip.bytes().data(), 4);
  } else if (ip.is6()) {
    std::memcpy(bytes, ip.bytes().data(), 16);
  }
  return out;
}

IPAddr from_abi(const xvs_addr& addr) noexcept {
  std::array<std::uint8_t, 16> bytes{};
  std::memcpy(bytes.data(), addr.a, bytes.size());
  if (std::equal(kMapped.begin(), kMapped.end(), bytes.begin()))
    return IPAddr::v4({bytes[12], bytes[13], bytes[14], bytes[15]});
  return IPAddr::v6(bytes);
}

xvs_service_key service_key(const Service& s) noexcept {
  xvs_service_key key{};
  key.addr = to_abi(s.address);
  key.port = htons(s.port);
  key.proto = static_cast<std::uint8_t>(s.protocol);
  return key;
}

std::array<std::uint8_t, 16> maglev_key(const IPAddr& ip) noexcept {
  std::array<std::uint8_t, 16> key{};
  const xvs_addr a = to_abi(ip);
  std::memcpy(key.data(), a.a, key.size());
  return key;
}

xvs_dest dest_entry(const Destination& d, const NextHop* hop, std::uint32_t service_slot,
                    std::uint32_t generation) noexcept {
  xvs_dest e{};
  e.service = service_slot;
  e.generation = generation;
  e.tunnel = static_cast<std::uint8_t>(d.tunnel_type);
  e.tunnel_port = htons(d.tunnel_port);
  e.daddr = to_abi(d.address);
  if (d.tunnel_encap_no_checksum) e.flags |= XVS_DEST_NO_UDP_CSUM;
  if (!hop) return e;
  std::memcpy(e.mac, hop->hop_mac.data(), sizeof e.mac);
  std::memcpy(e.src_mac, hop->src_mac.data(), sizeof e.src_mac);
  e.vlan = hop->vlan_id;
  // Tunnels answer packets that would outgrow it with ICMP too-big; 0 means unknown.
  e.mtu = static_cast<std::uint16_t>(std::min<std::uint32_t>(
      hop->mtu ? hop->mtu : kDefaultMtu, std::numeric_limits<std::uint16_t>::max()));
  e.ifindex = static_cast<std::uint32_t>(hop->ifindex);
  e.saddr = to_abi(hop->src);
  // A tunnel's outer header needs our address of the backend's family, or it is garbage.
  const bool source_ok = d.tunnel_type == TunnelType::None ||
                         (hop->src.valid() && hop->src.is4() == d.address.is4());
  if (hop->resolved && source_ok) e.flags |= XVS_DEST_READY;
  return e;
}

void fill_service(xvs_service& out, const Service& s, std::uint32_t service_slot,
                  std::uint32_t vip_slot, std::span<const std::uint16_t> maglev,
                  std::span<const std::uint16_t> dest_index) noexcept {
  out.index = service_slot;
  out.vip_index = vip_slot;
  out.flags = s.sticky ? XVS_SERVICE_STICKY : 0;
  out.backends = maglev.empty() ? 0 : static_cast<std::uint32_t>(dest_index.size());
  // A table of another size repeats (a smaller power of two keeps the same shares); a slot
  // naming no destination holds 0, which the data plane treats as "no backend".
  for (std::size_t slot = 0; slot < XVS_MAGLEV_SIZE; ++slot) {
    std::uint16_t backend = maglev.empty() ? 0 : maglev[slot % maglev.size()];
    out.table[slot] = backend < dest_index.size() ? dest_index[backend] : 0;
  }
}

xvs_settings settings_entry(std::uint64_t heartbeat_ns, std::uint32_t flags,
                            int nat_ifindex) noexcept {
  xvs_settings s{};
  s.heartbeat_ns = heartbeat_ns;
  s.flags = flags;
  s.nat_ifindex = static_cast<std::uint32_t>(nat_ifindex);
  std::copy(kNatHostMac.begin(), kNatHostMac.end(), s.nat_mac);
  std::copy(kNatPeerMac.begin(), kNatPeerMac.end(), s.nat_peer_mac);
  return s;
}

}  // namespace xvs::detail
