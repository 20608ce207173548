// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <xvs/address.hpp>
#include <xvs/error.hpp>
#include <xvs/export.hpp>
#include <xvs/types.hpp>

namespace xvs {

// A load balancer bound to a set of interfaces. Every method is safe to call from several
// threads. Failures throw xvs::Error.
class XVS_API Client {
public:
  explicit Client(std::vector<std::string> interfaces, Options options = {});
  ~Client();  // detaches XDP, removes everything it created
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  Info info();
  Config config();
  void set_config(const Config&);

  std::vector<ServiceExtended> services();
  ServiceExtended service(const Service&);
  void create_service(const Service&);
  void update_service(const Service&);
  void remove_service(const Service&);

  std::vector<DestinationExtended> destinations(const Service&);
  void create_destination(const Service&, const Destination&);
  void update_destination(const Service&, const Destination&);
  void remove_destination(const Service&, const Destination&);

  // Creates or updates the service so that its destinations are exactly `ds`.
  void set_service(const Service&, const std::vector<Destination>& ds);

  std::vector<VIP> vips();
  VIP vip(const IPAddr&);

  IPAddr nat(const IPAddr& vip, const IPAddr& rip);  // invalid IPAddr when unknown
  std::vector<std::uint8_t> read_flow();             // empty when none queued
  void write_flow(std::span<const std::uint8_t>);

private:
  class Impl;  // lib/client.cpp; not part of the API
  std::unique_ptr<Impl> impl_;
};

}  // namespace xvs
