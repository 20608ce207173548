// SPDX-License-Identifier: Apache-2.0
// The maps the service table programs, as one interface: the data plane's service,
// destination and VIP maps with their counters, the flow maps' backend bindings, and the
// NAT pairs. The Client, the packet tests and xvs-bench all use DataplaneMaps over a real
// loaded object; a test may wrap it (tests/packet/test_fault_injection.cpp fails calls).
#pragma once

#include <cstdint>
#include <map>

#include <xvs/address.hpp>
#include <xvs/types.hpp>

#include "../../bpf/abi.h"

namespace xvs::detail {

class Dataplane;
class FlowMaps;
class NatPairs;

class ServiceMaps {
public:
  virtual ~ServiceMaps() = default;

  virtual void set_vip(const xvs_addr&, const xvs_vip&) = 0;
  virtual void erase_vip(const xvs_addr&) noexcept = 0;
  virtual void set_service(const xvs_service_key&, const xvs_service&) = 0;
  virtual void erase_service(const xvs_service_key&) noexcept = 0;
  virtual void set_dest(std::uint16_t index, const xvs_dest&) = 0;
  virtual void reset_counters(std::uint32_t slot) = 0;
  // Destination `index` / `generation` is `backend` of `s` (flow_maps.hpp).
  virtual void bind_backend(const Service& s, const IPAddr& backend, std::uint16_t index,
                            std::uint32_t generation) = 0;
  virtual void unbind_backend(const Service& s, const IPAddr& backend) noexcept = 0;
  virtual void reserve_generation(std::uint32_t generation) = 0;
  // The NAT pairs of `vip` become exactly these (nat_pairs.hpp).
  virtual void set_nat(const IPAddr& vip, const std::map<IPAddr, xvs_nat>& entries) = 0;
};

// The maps of a loaded data plane. Without `nat`, NAT entries are not kept (a data plane
// that runs no health-check namespace, like the packet tests').
class DataplaneMaps : public ServiceMaps {
public:
  DataplaneMaps(Dataplane& dp, FlowMaps& flows, NatPairs* nat = nullptr)
      : dp_(dp), flows_(flows), nat_(nat) {}

  void set_vip(const xvs_addr&, const xvs_vip&) override;
  void erase_vip(const xvs_addr&) noexcept override;
  void set_service(const xvs_service_key&, const xvs_service&) override;
  void erase_service(const xvs_service_key&) noexcept override;
  void set_dest(std::uint16_t index, const xvs_dest&) override;
  void reset_counters(std::uint32_t slot) override;
  void bind_backend(const Service&, const IPAddr&, std::uint16_t index,
                    std::uint32_t generation) override;
  void unbind_backend(const Service&, const IPAddr&) noexcept override;
  void reserve_generation(std::uint32_t generation) override;
  void set_nat(const IPAddr& vip, const std::map<IPAddr, xvs_nat>& entries) override;

protected:
  Dataplane& dp_;
  FlowMaps& flows_;
  NatPairs* nat_;
};

}  // namespace xvs::detail
