// SPDX-License-Identifier: Apache-2.0
#include "test_run.hpp"

#include <bpf/bpf.h>

#include <ctime>

namespace xvs::test {

namespace {

// Room for the largest growth of a frame: an IPv6 + UDP + GUE encapsulation, with margin.
constexpr std::size_t kGrowth = 256;

double thread_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

}  // namespace

int test_run(int prog_fd, const Bytes& in, Bytes& out, xdp_md* ctx, std::uint32_t& retval,
             std::uint32_t repeat, double* ns_per_repetition) {
  out.resize(in.size() + kGrowth);
  bpf_test_run_opts opts{};
  opts.sz = sizeof opts;
  opts.data_in = in.data();
  opts.data_size_in = static_cast<std::uint32_t>(in.size());
  opts.data_out = out.data();
  opts.data_size_out = static_cast<std::uint32_t>(out.size());
  opts.ctx_in = ctx;
  opts.ctx_size_in = ctx ? sizeof *ctx : 0;
  opts.repeat = static_cast<int>(repeat);
  const double start = ns_per_repetition ? thread_ns() : 0;
  int err = bpf_prog_test_run_opts(prog_fd, &opts);
  if (ns_per_repetition) *ns_per_repetition = (thread_ns() - start) / repeat;
  out.resize(err ? 0 : opts.data_size_out);
  retval = opts.retval;
  return err;
}

}  // namespace xvs::test
