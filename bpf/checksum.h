/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0-only) */
/* Internet checksum helpers, folded inline: bpf_csum_diff is a helper call and costs more
 * than the few additions needed here. */
#ifndef XVS_CHECKSUM_H
#define XVS_CHECKSUM_H

#include <linux/types.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>

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

	/* Options: at most 10 more words. A constant trip count keeps the loop verifiable;
	 * each word is bounds-checked because the verifier cannot relate hl to data_end. */
	for (__u32 i = 5; i < 15; i++) {
		if (i * 4 >= hl)
			break;
		if ((void *)(w + i + 1) > data_end)
			return 0;
		s += w[i];
	}
	return xvs_fold64(s) == 0xffff;
}

#endif /* XVS_CHECKSUM_H */
