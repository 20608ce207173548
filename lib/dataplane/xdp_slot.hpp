// SPDX-License-Identifier: Apache-2.0
// Attaching the forwarding program to an interface without displacing another tool's XDP
// program (issue 17, coexistence): an interface has one XDP slot per mode, and whatever is
// in it decides whether we may take it.
#pragma once

#include <cstdint>
#include <string>

namespace xvs::detail {

// The forwarding program's name, by which a program a dead Client left attached is known.
inline constexpr const char* kForwardingProgram = "xvs_xdp";

// Attaches `prog_fd` as the XDP program of `ifindex` (generic unless `native`). A program
// already attached (in any mode) is replaced only when it is named `ours` — one left by a
// Client that died: a live one in this network namespace was refused earlier — or when
// `replace_foreign`; any other throws Error{Errc::in_use} naming the program, and leaves it
// attached. Exactly the program seen is replaced (XDP_FLAGS_REPLACE), or only an empty slot
// filled (XDP_FLAGS_UPDATE_IF_NOEXIST), so a program attached meanwhile is never overwritten
// either. Other failures throw Error{Errc::system} naming the interface.
void attach_xdp_guarded(int prog_fd, int ifindex, bool native, const std::string& ours,
                        bool replace_foreign);

}  // namespace xvs::detail
