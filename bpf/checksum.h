/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0-only) */
/* Internet checksum helpers, folded inline: bpf_csum_diff is a helper call and costs more
 * than the few additions needed here. */
#ifndef XVS_CHECKSUM_H
#define XVS_CHECKSUM_H

#include <linux/types.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include "abi.h"

static __always_inline __u16 xvs_fold32(__u32 s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)s;
}

static __always_inline __u16 xvs_fold64(__u64 s)
{
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffffffff) + (s >> 32);
	return xvs_fold32((__u32)s);
}

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), for one 16-bit word m changed to m'. Works on
 * the words as they lie in memory, so no byte swapping is needed. */
static __always_inline void xvs_csum_replace(__u16 *sum, __u16 old, __u16 new)
{
	__u32 s = (__u32)(__u16)~*sum + (__u16)~old + new;
	*sum = (__u16)~xvs_fold32(s);
}

/* The header checksum of an IPv4 header of `hl` bytes (20..60) is correct. The caller has
 * proven the first 20 bytes readable. */
static __always_inline int xvs_ip4_csum_ok(struct iphdr *ip, __u32 hl, void *data_end)
{
	__u32 *w = (__u32 *)ip;
	__u64 s = (__u64)w[0] + w[1] + w[2] + w[3] + w[4];
	/* Each exit of the loop below must leave the verifier the same state, or whatever
	 * follows the check is verified once per header length (which doubled the verifier's
	 * work on xvs_xdp). So the loop ends on a count of its own, which clang cannot turn
	 * back into a comparison with hl (that would leave another exact hl at each exit), and
	 * reads through `opt`, ip plus an offset that is 0 but unknown to the verifier: opt's
	 * bounds checks then widen the proven range of opt alone, not of every packet pointer
	 * (ip, the Ethernet header) the way checks on w + i do. */
	__u32 words = hl / 4, zero = hl;
	__u32 *opt;

	barrier_var(words);
	barrier_var(zero);
	opt = (void *)ip + (zero ^ hl);
	/* Options: at most 10 more words. A constant trip count keeps the loop verifiable;
	 * each word is bounds-checked because the verifier cannot relate hl to data_end. */
	for (__u32 i = 5; i < 15; i++) {
		/* Opaque to clang, which would otherwise fold the two exits into one count
		 * derived from data_end that the verifier cannot follow. */
		asm volatile("" : "+r"(i));
		if (i >= words)
			break;
		if ((void *)(opt + i + 1) > data_end)
			return 0;
		s += opt[i];
	}
	return xvs_fold64(s) == 0xffff;
}

/* The sum of an address's 16-bit words (IPv4: the last 4 bytes of the mapped form), for
 * pseudo-headers. Not folded. */
static __always_inline __u64 xvs_sum_addr(const struct xvs_addr *a, int v6)
{
	if (!v6)
		return a->a[3];
	return (__u64)a->a[0] + a->a[1] + a->a[2] + a->a[3];
}

#define XVS_SUM_MAX 1240 /* the longest ICMP error message (IPv6: 1280 - 40) */

/* The sum (not folded) of the `len` bytes at `start` (len <= XVS_SUM_MAX), which the caller
 * has proven to lie inside the frame. A loop over the bytes (16 per round): only the rare
 * ICMP error path may use it. The last len % 16 bytes are summed first, so that the loop's
 * exits lead straight out: the verifier walks what follows a loop once per exit. */
static __always_inline __u64 xvs_sum_bytes(void *start, __u32 len, void *data_end)
{
	__u32 *w = start;
	__u32 blocks = len / 16;
	__u8 *tail = start + blocks * 16;
	__u64 s = 0;

	if (len > XVS_SUM_MAX)
		return 0;
#pragma unroll
	for (__u32 i = 0; i < 3; i++) {
		if ((len & 12) <= i * 4)
			break;
		if ((void *)(tail + 4) > data_end)
			return 0;
		s += *(__u32 *)tail;
		tail += 4;
	}
	if (len & 2) {
		if ((void *)(tail + 2) > data_end)
			return 0;
		s += *(__u16 *)tail;
		tail += 2;
	}
	if (len & 1) {
		/* The last byte is the high-order byte of a word padded with zero (RFC 1071). */
		__u8 word[2] = {0, 0};

		if ((void *)(tail + 1) > data_end)
			return 0;
		word[0] = *tail;
		s += *(__u16 *)word;
	}
#pragma clang loop unroll(disable)
	for (__u32 i = 0; i < XVS_SUM_MAX / 16; i++) {
		if (i >= blocks || (void *)(w + 4 * i + 4) > data_end)
			break;
		s += (__u64)w[4 * i] + w[4 * i + 1] + w[4 * i + 2] + w[4 * i + 3];
	}
	return s;
}

#endif /* XVS_CHECKSUM_H */
