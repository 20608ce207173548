/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0-only) */
/* The flow table: XVS_FLOW_WAYS-way buckets of compact entries in one BPF array (abi.h).
 * A lookup hashes the key once and compares at most XVS_FLOW_WAYS whole keys in adjacent
 * memory; an insert replaces the bucket's best victim (xvs_flow_victim_rank). When every
 * entry is a live established flow the new flow is refused, so a flood of packets of unknown
 * flows churns only the replaceable entries.
 *
 * Concurrency: entries are read and written by every CPU without locks, as the kernel's
 * preallocated hash maps reuse elements under readers. A reader racing with a writer of the
 * same entry may see a mixture: the whole-key comparison rejects it unless the key is whole,
 * and two CPUs inserting into one bucket at once may pick the same victim: the flow written
 * first is lost and its next packet inserts it again. */
#ifndef XVS_FLOW_TABLE_H
#define XVS_FLOW_TABLE_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "abi.h"
#include "maps.h"

static __always_inline __u32 xvs_flow_first(const struct xvs_flow_key *k,
					    const struct xvs_settings *s)
{
	return xvs_flow_bucket(k, s->flow_buckets) * XVS_FLOW_WAYS;
}

/* The entry of flow `k` (any state but free), or NULL. */
static __always_inline struct xvs_flow_entry *xvs_flow_find(const struct xvs_flow_key *k,
							    const struct xvs_settings *s)
{
	__u32 first = xvs_flow_first(k, s);

#pragma unroll
	for (__u32 w = 0; w < XVS_FLOW_WAYS; w++) {
		__u32 i = first + w;
		struct xvs_flow_entry *e = bpf_map_lookup_elem(&flows, &i);

		if (!e)
			return NULL;
		/* The cheapest test first: the most varied word of the key. */
		if (e->key.saddr.a[3] == k->saddr.a[3] && e->state != XVS_FLOW_FREE &&
		    xvs_flow_key_eq(&e->key, k))
			return e;
	}
	return NULL;
}

/* Stores flow `k` as `state` bound to destination `dest` / `generation`; 0 when every
 * entry of its bucket is kept (the flow is refused). */
static __always_inline int xvs_flow_insert(const struct xvs_flow_key *k,
					   const struct xvs_settings *s, __u16 dest,
					   __u32 generation, __u8 state, __u64 now)
{
	__u32 first = xvs_flow_first(k, s);
	struct xvs_flow_entry *victim = NULL;
	__u64 best = XVS_FLOW_KEEP;

#pragma unroll
	for (__u32 w = 0; w < XVS_FLOW_WAYS; w++) {
		__u32 i = first + w;
		struct xvs_flow_entry *e = bpf_map_lookup_elem(&flows, &i);
		__u64 rank;

		if (!e)
			return 0;
		rank = xvs_flow_victim_rank(e, k, now);
		if (rank < best) {
			best = rank;
			victim = e;
		}
	}
	if (!victim)
		return 0;
	victim->key = *k;
	victim->seen_ns = now;
	victim->generation = generation;
	victim->dest = dest;
	victim->state = state;
	victim->pad = 0;
	return 1;
}

#endif /* XVS_FLOW_TABLE_H */
