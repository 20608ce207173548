/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0-only) */
/* Stages to stop at, for measuring where a packet's time goes (scripts/ablation.sh builds
 * the program with -DXVS_BENCH_STOP=N and times it with xvs-bench --unverified;
 * docs/performance.md, "Where the nanoseconds go"). A variant returns XDP_TX at stage N and
 * counts nothing. Shipped builds do not define XVS_BENCH_STOP: every test is a constant 0.
 *
 *   0 at once                      4 after the flow lookup, when it hit
 *   1 after parsing L2/L3          5 after the flow lookup, when it missed
 *   2 after the VIP lookup         6 after Maglev chose the destination
 *   3 after settings, clock,       7 after the new flow was stored
 *     IP checks and L4 parsing     8 after the rewrite (all but the accounting) */
#ifndef XVS_ABLATION_H
#define XVS_ABLATION_H

#ifdef XVS_BENCH_STOP
#define XVS_STOP_AT(n) (XVS_BENCH_STOP == (n))
#else
#define XVS_STOP_AT(n) 0
#endif

#endif /* XVS_ABLATION_H */
