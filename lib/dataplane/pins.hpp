// SPDX-License-Identifier: Apache-2.0
// The maps kept across restarts when Options::pin_path is set (docs/flows.md): the flow
// table (with peers' flows), the backend of each generation its entries name, and
// "pin_state" (layout version, generation floor).
#pragma once

#include <array>
#include <functional>
#include <string>

struct bpf_object;

namespace xvs::detail {

inline constexpr std::array<const char*, 3> kPinnedMaps{"flows", "flow_backends", "pin_state"};

// Called with a sentence saying what was discarded and why.
using PinLog = std::function<void(const std::string&)>;

// Before `obj` is loaded: makes sure `dir` exists on a BPF filesystem (else
// Error{Errc::invalid_argument}), removes pins that this object must not reuse (another
// XVS_PIN_LAYOUT, or other map parameters such as a changed flows_per_cpu), telling `log`,
// and points the maps of kPinnedMaps at their files, so that loading reuses the pinned maps
// or creates and pins new ones.
void prepare_pins(bpf_object* obj, const std::string& dir, const PinLog& log);

}  // namespace xvs::detail
