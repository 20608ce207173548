/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0-only) */
/* The flow table: XVS_FLOW_WAYS-way buckets of compact entries in one BPF array (abi.h).
 * A lookup hashes the key once and walks the bucket once: it compares the whole key of each
 * entry in turn and, until it finds the flow, ranks the entries it passed as victims
 * (xvs_flow_other_rank), so an insert after a miss writes without reading the bucket again.
 * When every entry is a live established flow the new flow is refused, so a flood of packets
 * of unknown flows churns only the replaceable entries.
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

/* What one walk of a flow's bucket found. */
struct xvs_flow_slot {
	struct xvs_flow_entry *entry;  /* the flow's entry (any state but free), or NULL */
	struct xvs_flow_entry *victim; /* where to store the flow: its own entry when there is
					* one, else the best victim; NULL: refused */
};

/* A cheap first test before the whole key: the source address's last word and the ports
 * together, so that neither many flows of one client nor one port of many clients makes
 * every entry of a bucket a candidate. */
static __always_inline __u32 xvs_flow_tag(const struct xvs_flow_key *k)
{
	return k->saddr.a[3] ^ ((__u32)k->sport << 16 | k->dport);
}

static __always_inline void xvs_flow_walk(const struct xvs_flow_key *k,
					  const struct xvs_settings *s, __u64 now,
					  struct xvs_flow_slot *out)
{
	__u32 first = xvs_flow_bucket(k, s->flow_buckets) * XVS_FLOW_WAYS;
	__u32 tag = xvs_flow_tag(k);
	__u64 best = XVS_FLOW_KEEP;

	out->entry = NULL;
	out->victim = NULL;
#pragma unroll
	for (__u32 w = 0; w < XVS_FLOW_WAYS; w++) {
		__u32 i = first + w;
		struct xvs_flow_entry *e = bpf_map_lookup_elem(&flows, &i);
		__u64 rank;

		if (!e)
			return;
		if (xvs_flow_tag(&e->key) == tag && e->state != XVS_FLOW_FREE &&
		    xvs_flow_key_eq(&e->key, k)) {
			out->entry = e;
			out->victim = e;
			return;
		}
		rank = xvs_flow_other_rank(e, now);
		if (rank < best) {
			best = rank;
			out->victim = e;
		}
	}
}

/* Stores flow `k` as `state` bound to destination `dest` / `generation` in slot->victim
 * (from xvs_flow_walk); 0 when there is none (the flow is refused). */
static __always_inline int xvs_flow_store(const struct xvs_flow_slot *slot,
					  const struct xvs_flow_key *k, __u16 dest,
					  __u32 generation, __u8 state, __u64 now)
{
	struct xvs_flow_entry *victim = slot->victim;

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
