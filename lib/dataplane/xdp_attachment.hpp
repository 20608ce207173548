// SPDX-License-Identifier: Apache-2.0
// An XDP program attached to an interface for as long as this object lives, so that a
// constructor that throws half way leaves no program behind.
#pragma once

#include <utility>

#include "dataplane/bpf_loader.hpp"
#include "dataplane/xdp_slot.hpp"

namespace xvs::detail {

class XdpAttachment {
public:
  // Replacing whatever is attached. Throws Error{Errc::system} naming the interface
  // (attach_xdp()).
  XdpAttachment(int prog_fd, int ifindex, bool native)
      : prog_fd_(prog_fd), ifindex_(ifindex), native_(native) {
    attach_xdp(prog_fd, ifindex, native);
  }
  // The forwarding program: over one of ours a dead Client left, over another tool's only
  // with `replace_foreign`, else Error{Errc::in_use}; Error{Errc::system} naming the
  // interface when the kernel refuses (xdp_slot.hpp).
  XdpAttachment(int prog_fd, int ifindex, bool native, bool replace_foreign)
      : prog_fd_(prog_fd), ifindex_(ifindex), native_(native) {
    attach_xdp_guarded(prog_fd, ifindex, native, kForwardingProgram, replace_foreign);
  }
  ~XdpAttachment() {
    if (ifindex_ > 0) detach_xdp(prog_fd_, ifindex_, native_);
  }
  XdpAttachment(XdpAttachment&& o) noexcept
      : prog_fd_(o.prog_fd_), ifindex_(std::exchange(o.ifindex_, 0)), native_(o.native_) {}
  XdpAttachment& operator=(XdpAttachment&&) = delete;
  XdpAttachment(const XdpAttachment&) = delete;
  XdpAttachment& operator=(const XdpAttachment&) = delete;

  int ifindex() const noexcept { return ifindex_; }

private:
  int prog_fd_, ifindex_;
  bool native_;
};

}  // namespace xvs::detail
