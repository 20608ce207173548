// SPDX-License-Identifier: Apache-2.0
#include "control/service_maps.hpp"

#include "dataplane/dataplane.hpp"
#include "dataplane/flow_maps.hpp"
#include "dataplane/nat_pairs.hpp"

namespace xvs::detail {

void DataplaneMaps::set_vip(const xvs_addr& a, const xvs_vip& v) { dp_.set_vip(a, v); }
void DataplaneMaps::erase_vip(const xvs_addr& a) noexcept { dp_.erase_vip(a); }
void DataplaneMaps::set_service(const xvs_service_key& k, const xvs_service& v) {
  dp_.set_service(k, v);
}
void DataplaneMaps::erase_service(const xvs_service_key& k) noexcept { dp_.erase_service(k); }
void DataplaneMaps::set_dest(std::uint16_t index, const xvs_dest& d) { dp_.set_dest(index, d); }
void DataplaneMaps::reset_counters(std::uint32_t slot) { dp_.reset_counters(slot); }
void DataplaneMaps::bind_backend(const Service& s, const IPAddr& backend, std::uint16_t index,
                                 std::uint32_t generation) {
  flows_.bind_backend(s, backend, index, generation);
}
void DataplaneMaps::unbind_backend(const Service& s, const IPAddr& backend) noexcept {
  flows_.unbind_backend(s, backend);
}
void DataplaneMaps::reserve_generation(std::uint32_t g) { flows_.reserve_generation(g); }
void DataplaneMaps::set_nat(const IPAddr& vip, const std::map<IPAddr, xvs_nat>& entries) {
  if (nat_) nat_->set(vip, entries);
}

}  // namespace xvs::detail
