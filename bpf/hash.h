/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0-only) */
/* The flow hash that picks a Maglev slot. It must be identical on every balancer (so a flow
 * moved by ECMP lands on the same backend): fixed constants, no per-boot seed. */
#ifndef XVS_HASH_H
#define XVS_HASH_H

#include <linux/types.h>
#include <bpf/bpf_helpers.h>
#include "abi.h"

#define XVS_HASH_SEED 0x6c62272e07bb0142ull
#define XVS_HASH_MUL 0x9e3779b97f4a7c15ull

static __always_inline __u64 xvs_hash_mix(__u64 h, __u32 hi, __u32 lo)
{
	h = (h ^ (((__u64)hi << 32) | lo)) * XVS_HASH_MUL;
	return h ^ (h >> 32);
}

static __always_inline __u64 xvs_hash_addr(__u64 h, const struct xvs_addr *a)
{
	h = xvs_hash_mix(h, a->a[0], a->a[1]);
	return xvs_hash_mix(h, a->a[2], a->a[3]);
}

/* Final avalanche (the MurmurHash3 64-bit finaliser), so that the low bits used as the
 * table slot depend on every input bit. */
static __always_inline __u32 xvs_hash_final(__u64 h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return (__u32)h;
}

/* Sticky services hash the two addresses only; others the whole 5-tuple. */
static __always_inline __u32 xvs_flow_hash(const struct xvs_flow_key *k, int sticky)
{
	__u64 h = xvs_hash_addr(XVS_HASH_SEED, &k->saddr);

	h = xvs_hash_addr(h, &k->daddr);
	if (!sticky)
		h = xvs_hash_mix(h, ((__u32)k->sport << 16) | k->dport, k->proto);
	return xvs_hash_final(h);
}

#endif /* XVS_HASH_H */
