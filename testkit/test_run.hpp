// SPDX-License-Identifier: Apache-2.0
// One BPF_PROG_TEST_RUN of an XDP program, for the packet tests and xvs-bench alike.
#pragma once

#include <linux/bpf.h>  // struct xdp_md, XDP_* verdicts

#include <cstdint>

#include "frame.hpp"

namespace xvs::test {

// Runs `prog_fd` `repeat` times over `in` (`ctx` may be null: the kernel then runs it as
// received on the loopback device); the output frame of the last run lands in `out`
// (resized to it), its verdict in `retval`. With `ns_per_repetition`, the thread's CPU time
// per repetition around the call (CLOCK_THREAD_CPUTIME_ID: time spent preempted is not
// counted). Returns 0 or -errno.
int test_run(int prog_fd, const Bytes& in, Bytes& out, xdp_md* ctx, std::uint32_t& retval,
             std::uint32_t repeat = 1, double* ns_per_repetition = nullptr);

}  // namespace xvs::test
