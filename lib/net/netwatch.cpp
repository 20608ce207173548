// SPDX-License-Identifier: Apache-2.0
#include "net/netwatch.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include <xvs/error.hpp>

#include "net/netlink.hpp"
#include "api/system_error.hpp"

namespace xvs::detail {
namespace {

using Clock = std::chrono::steady_clock;

// Room for a burst (an interface going down withdraws many routes and neighbours at once);
// a longer burst overruns it, which is detected (ENOBUFS) and answered with a full dump.
constexpr int kReceiveBuffer = 1 << 20;
constexpr std::size_t kMessageBuffer = 32768;

constexpr std::array<unsigned, 6> kGroups{RTNLGRP_LINK,        RTNLGRP_NEIGH,
                                          RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR,
                                          RTNLGRP_IPV4_ROUTE,  RTNLGRP_IPV6_ROUTE};

[[noreturn]] void fail(const char* what, int err) {
  throw_system(std::string("netlink events: ") + what, err);
}

struct Drained {
  const NetWatcher::Messages& messages;
  bool relevant = false;
};

// The parsers leave out what the snapshot leaves out (other tables, proxy neighbours, ...),
// so whatever one of them accepts can change a next hop. Exceptions must not cross libmnl's
// C frames: a message that cannot be parsed (out of memory) counts as a change.
int note(const nlmsghdr* nlh, void* drained) {
  auto& d = *static_cast<Drained*>(drained);
  try {
    if (d.messages ? d.messages(nlh)
                   : parse_link(nlh) || parse_address(nlh) || parse_neighbour(nlh) ||
                         parse_route(nlh) || parse_nexthop(nlh))
      d.relevant = true;
  } catch (...) {
    d.relevant = true;
  }
  return MNL_CB_OK;
}

}  // namespace

NetWatcher::NetWatcher(std::function<void()> changed, std::chrono::milliseconds settle,
                       std::chrono::milliseconds min_gap, Messages messages)
    : changed_(std::move(changed)), messages_(std::move(messages)), settle_(settle),
      min_gap_(min_gap) {
  nl_ = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | SOCK_NONBLOCK);
  if (nl_ == nullptr) fail("socket", errno);
  try {
    if (mnl_socket_bind(nl_, 0, MNL_SOCKET_AUTOPID) < 0) fail("bind", errno);
    for (unsigned group : kGroups)
      if (mnl_socket_setsockopt(nl_, NETLINK_ADD_MEMBERSHIP, &group, sizeof group) < 0)
        fail("join group", errno);
    // Nexthop objects came with Linux 5.3: a kernel without their group (EINVAL) has none.
    unsigned nexthops = RTNLGRP_NEXTHOP;
    if (mnl_socket_setsockopt(nl_, NETLINK_ADD_MEMBERSHIP, &nexthops, sizeof nexthops) < 0 &&
        errno != EINVAL)
      fail("join group", errno);
    // Best effort: the default buffer works too, it only overruns sooner.
    setsockopt(mnl_socket_get_fd(nl_), SOL_SOCKET, SO_RCVBUF, &kReceiveBuffer,
               sizeof kReceiveBuffer);
    stop_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (stop_fd_ < 0) fail("eventfd", errno);
    thread_ = std::thread([this] { run(); });
  } catch (...) {
    mnl_socket_close(nl_);
    if (stop_fd_ >= 0) close(stop_fd_);
    throw;
  }
}

NetWatcher::~NetWatcher() {
  const std::uint64_t one = 1;
  if (write(stop_fd_, &one, sizeof one) < 0) std::terminate();  // the thread would never end
  thread_.join();
  close(stop_fd_);
  mnl_socket_close(nl_);
}

NetWatcher::Ready NetWatcher::wait(int timeout_ms) {
  std::array<pollfd, 2> fds{{{mnl_socket_get_fd(nl_), POLLIN, 0}, {stop_fd_, POLLIN, 0}}};
  int n;
  do n = poll(fds.data(), fds.size(), timeout_ms);
  while (n < 0 && errno == EINTR);
  if (n < 0 || (fds[1].revents & POLLIN) != 0) return Ready::stop;
  return (fds[0].revents & POLLIN) != 0 ? Ready::events : Ready::timeout;
}

bool NetWatcher::drain() {
  Drained drained{messages_};
  const auto lost = [&] {
    drained.relevant = true;
    if (messages_) messages_(nullptr);
  };
  std::vector<char> buf(kMessageBuffer);
  for (;;) {
    const auto n = mnl_socket_recvfrom(nl_, buf.data(), buf.size());
    if (n < 0) {
      if (errno == ENOBUFS) {  // events were lost: only a full dump is sure to be right
        lost();
        continue;
      }
      return drained.relevant;  // EAGAIN: drained
    }
    const auto len = static_cast<std::size_t>(n);
    const auto whole = complete_messages(buf.data(), len);
    if (whole != len) lost();  // not from the kernel: a full dump will tell
    mnl_cb_run(buf.data(), whole, 0, 0, note, &drained);
  }
}

void NetWatcher::run() {
  auto last = Clock::now() - min_gap_;
  for (;;) {
    const Ready r = wait(-1);
    if (r == Ready::stop) return;
    if (!drain()) continue;
    // Collect the rest of the burst, and keep at least min_gap_ between calls.
    const auto due = std::max(Clock::now() + settle_, last + min_gap_);
    for (auto now = Clock::now(); now < due; now = Clock::now()) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(due - now);
      const Ready more = wait(static_cast<int>(left.count()));
      if (more == Ready::stop) return;
      if (more == Ready::events) drain();
    }
    last = Clock::now();
    changed_();
  }
}

}  // namespace xvs::detail
