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

// Options::pin_path, held for one Client. An empty path stands for no pinning. Otherwise
// the path must be (or be to be created) on a BPF filesystem, checked on the nearest
// existing ancestor before any directory is created (else Error{Errc::invalid_argument});
// it is created, and locked (flock) for the object's life: a second holder of the same
// directory gets Error{Errc::in_use} and changes nothing.
class PinDirectory {
public:
  explicit PinDirectory(const std::string& dir);
  ~PinDirectory();
  PinDirectory(const PinDirectory&) = delete;
  PinDirectory& operator=(const PinDirectory&) = delete;
  const std::string& path() const noexcept { return dir_; }

private:
  std::string dir_;
  int fd_ = -1;  // the directory, locked
};

// Before `obj` is loaded: removes pins in `pins` that this object must not reuse (another
// XVS_PIN_LAYOUT, or other map parameters such as a changed flows_per_cpu), telling `log`,
// and points the maps of kPinnedMaps at their files, so that loading reuses the pinned maps
// or creates and pins new ones. Nothing when `pins` has no path.
void prepare_pins(bpf_object* obj, const PinDirectory& pins, const PinLog& log);

}  // namespace xvs::detail
