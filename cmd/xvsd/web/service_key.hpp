// SPDX-License-Identifier: Apache-2.0
// The one text that names a service everywhere the HTTP side shows it (metric label, JSON,
// console): "192.0.2.1:80/tcp", "[2001:db8::1]:53/udp".
#pragma once

#include <string>

#include <xvs/xvs.hpp>

namespace xvsd::web {

std::string service_key(const xvs::Service& service);

}  // namespace xvsd::web
