// SPDX-License-Identifier: Apache-2.0
// Who may change the daemon over HTTP. The console and the read-only documents are for anyone
// who can reach the port; POST /reload only for a client on the balancer itself, over
// loopback: anyone else could make the daemon re-read its file at a moment of their choosing
// (a half-edited config, a flap of every changed check), and a web page in any browser that
// reaches the port could send the POST without asking. SIGHUP stays the operator's way in.
#pragma once

#include <string>
#include <string_view>

namespace xvsd::web {

// True for a numeric IPv4 address in 127.0.0.0/8, ::1, or an IPv4-mapped IPv6 address in
// ::ffff:127.0.0.0/104 (a dual-stack listener's view of an IPv4 loopback client); false for
// anything else, including text that is not an address.
bool is_loopback_peer(std::string_view address);

// The address as an operator reads it in a log: an IPv4-mapped IPv6 address ("::ffff:10.0.0.1",
// how a dual-stack listener sees an IPv4 client) as IPv4; anything else unchanged.
std::string display_peer(std::string_view address);

}  // namespace xvsd::web
