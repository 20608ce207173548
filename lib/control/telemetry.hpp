// SPDX-License-Identifier: Apache-2.0
// What the Client reports: the API's extended views of services, destinations and VIPs,
// and Info, assembled from the service table and the data plane's counters.
#pragma once

#include <xvs/types.hpp>

#include "control/latency_window.hpp"
#include "control/service_table.hpp"
#include "dataplane/dataplane.hpp"
#include "dataplane/flow_maps.hpp"
#include "dataplane/nat_pairs.hpp"

namespace xvs::detail {

DestinationExtended extended(const DestState&, const Dataplane&);
ServiceExtended extended(const ServiceState&, const Dataplane&);
VIP vip_view(const IPAddr&, const VipState&, const ServiceTable&, const Dataplane&);

// The global view, its latency over `latency`'s window. `nat_ipv6`: the health-check
// namespace has IPv6 addresses. The caller holds the lock that guards `table` and `nat`.
Info info_view(const Dataplane&, const FlowMaps&, const NatPairs&, const ServiceTable&,
               const LatencyWindow& latency, bool nat_ipv6);

}  // namespace xvs::detail
