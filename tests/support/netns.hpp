// SPDX-License-Identifier: Apache-2.0
// Test support: run the calling thread in a fresh, anonymous network namespace. Nothing
// needs cleaning up by name: the namespace disappears with its last user, even if the test
// dies. Threads created while inside it (e.g. a Client's) inherit it.
#pragma once

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>
#include <string>

namespace xvs::test {

class ScopedNetns {
public:
  ScopedNetns() {
    saved_ = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (saved_ < 0 || unshare(CLONE_NEWNET) != 0)
      throw std::runtime_error("cannot create a network namespace (root needed)");
    sh("ip link set lo up");
  }
  ~ScopedNetns() {
    if (setns(saved_, CLONE_NEWNET) != 0) std::abort();  // the test could not go on sanely
    close(saved_);
  }
  ScopedNetns(const ScopedNetns&) = delete;
  ScopedNetns& operator=(const ScopedNetns&) = delete;

  // Runs a fixture command (ip, sysctl) inside the namespace; throws when it fails.
  static void sh(const std::string& cmd) {
    if (std::system((cmd + " >/dev/null 2>&1").c_str()) != 0)
      throw std::runtime_error("fixture command failed: " + cmd);
  }

private:
  int saved_ = -1;
};

}  // namespace xvs::test
