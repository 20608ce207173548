// SPDX-License-Identifier: Apache-2.0
// VIP health as events: the daemon calls vip_health() whenever a VIP's health changes (and
// once per VIP at start and after a reload, so a new listener learns the whole state). Route
// health injection (announcing healthy VIPs through BIRD) is a listener.
#pragma once

#include <xvs/xvs.hpp>

namespace xvsd {

class VipListener {
public:
  virtual ~VipListener() = default;
  // Called from the daemon's state thread; must not block for long.
  virtual void vip_health(const xvs::IPAddr& vip, bool healthy) = 0;
  // The VIP is no longer configured (withdraw it, forget it).
  virtual void vip_removed(const xvs::IPAddr& vip) = 0;
};

}  // namespace xvsd
