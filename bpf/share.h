/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0-only) */
/* Flow sharing and flow entries that outlive the numbering of destinations (docs/flows.md):
 * queueing flows for read_flow(), and finding a flow's backend again by address when its
 * destination slot moved on. */
#ifndef XVS_SHARE_H
#define XVS_SHARE_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "abi.h"
#include "maps.h"

static __always_inline struct xvs_share_counters *xvs_share_counters(void)
{
	const __u32 zero = 0;

	return bpf_map_lookup_elem(&share_counters, &zero);
}

/* Queues the flow for read_flow(). Never waits: when the queue is full the event is lost
 * and counted; the packet goes on regardless. */
static __always_inline void xvs_share_flow(const struct xvs_flow_key *key,
					   const struct xvs_addr *backend, __u64 now)
{
	struct xvs_flow_event e = {
		.key = *key,
		.backend = *backend,
		.time_ns = now,
	};
	struct xvs_share_counters *c = xvs_share_counters();
	long err = bpf_map_push_elem(&flow_queue, &e, 0);

	if (!c)
		return;
	if (err)
		c->queue_full++;
	else
		c->queued++;
}

/* The destination flow entry `f` (of flow `k`) names, its index in *idx; NULL when there is
 * none. When the slot moved to another generation (reused, or numbered by a process before a
 * restart), the backend that generation was given to ("flow_backends") is looked up by
 * (service, address) in the current numbering and the entry re-bound to it, so the
 * connection stays where its state is. */
static __always_inline struct xvs_dest *xvs_entry_dest(struct xvs_flow_entry *f,
						       const struct xvs_flow_key *k, __u32 *idx)
{
	struct xvs_share_counters *c;
	struct xvs_backend_key bk;
	struct xvs_backend *b;
	struct xvs_addr *addr;
	struct xvs_dest *d;
	__u32 i = f->dest;
	__u32 g = f->generation;

	d = bpf_map_lookup_elem(&destinations, &i);
	if (d && d->generation == g) {
		*idx = i;
		return d;
	}
	addr = bpf_map_lookup_elem(&flow_backends, &g);
	if (!addr)
		return NULL;
	bk.service.addr = k->daddr;
	bk.service.port = k->dport;
	bk.service.proto = k->proto;
	bk.service.pad = 0;
	bk.addr = *addr;
	b = bpf_map_lookup_elem(&backends, &bk);
	if (!b)
		return NULL;
	i = b->dest;
	d = bpf_map_lookup_elem(&destinations, &i);
	if (!d || d->generation != b->generation)
		return NULL;
	f->dest = b->dest;
	f->generation = b->generation;
	c = xvs_share_counters();
	if (c)
		c->rebound++;
	*idx = i;
	return d;
}

#endif /* XVS_SHARE_H */
