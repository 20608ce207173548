// SPDX-License-Identifier: Apache-2.0
// The measuring harness: bench.bpf.c loaded, and BPF_PROG_TEST_RUN driven through it.
//
// run() goes through bench_wrapper, which restores the frame set with set_frame() before
// every repetition and tail-calls the target program; run_direct() runs a program on its
// own (for programs that leave the frame valid for the next repetition: the nop and the
// MAC swap). Times are CPU time of this thread per repetition (CLOCK_THREAD_CPUTIME_ID
// around the syscall: sub-nanosecond resolution, and time the thread spends preempted is
// not counted).
#pragma once

#include <cstdint>
#include <optional>

#include "dataplane/bpf_loader.hpp"
#include "frame.hpp"  // testkit/: the frames the packet tests send too

namespace xvs::bench {

using test::Bytes;
using test::FrameSpec;
using test::kAck;
using test::kSyn;

// Where BENCH_VARY_FLOW (bench.bpf.c) rewrites a frame built from a FrameSpec.
struct VaryOffsets {
  std::uint16_t sport = 0;  // L4 source port
  std::uint16_t saddr = 0;  // last 16 bits of the source address
  std::uint16_t csum = 0;   // IPv4 header checksum; 0 for IPv6
};
VaryOffsets vary_offsets(const FrameSpec&);

struct Run {
  int verdict = -1;  // XDP_* of the last repetition
  Bytes out;         // the frame it left
};

class Harness {
public:
  Harness();  // throws xvs::Error
  Harness(const Harness&) = delete;
  Harness& operator=(const Harness&) = delete;

  int nop() const noexcept { return nop_fd_; }    // returns XDP_TX, touches nothing
  int swap() const noexcept { return swap_fd_; }  // the floor: swaps the MACs, XDP_TX

  void set_target(int prog_fd);
  // The frame every repetition starts from. With `vary`, repetition i is made flow
  // number first_flow + i, or first_flow + i mod span when span > 0 (a distinct source
  // port/address per number, see bench.bpf.c); the frame's last 16 bits of source address
  // must then be zero.
  void set_frame(const Bytes& frame, const std::optional<VaryOffsets>& vary = {},
                 std::uint64_t first_flow = 0, std::uint64_t span = 0);
  // One past the highest flow number used since set_frame().
  std::uint64_t next_flow() const;

  Run run(std::uint32_t repeat, double* ns_per_repetition = nullptr);
  Run run_direct(int prog_fd, const Bytes& frame, std::uint32_t repeat,
                 double* ns_per_repetition = nullptr);

private:
  detail::BpfObject obj_;
  int wrapper_fd_ = -1, nop_fd_ = -1, swap_fd_ = -1, frames_fd_ = -1, target_fd_ = -1;
  Bytes frame_;
};

}  // namespace xvs::bench
