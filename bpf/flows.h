/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0-only) */
/* Choosing the destination of a TCP/UDP packet: the flow table first (this node's flows and
 * peers' flows), then Maglev. */
#ifndef XVS_FLOWS_H
#define XVS_FLOWS_H

#include <linux/bpf.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include "abi.h"
#include "ablation.h"
#include "counters.h"
#include "flow_table.h"
#include "hash.h"
#include "maps.h"
#include "parse.h"
#include "prepend.h"
#include "share.h"

#define XVS_FLOW_REFRESH_NS 1000000000ull

/* A TCP SYN does not create a flow (a SYN flood cannot flush the table); every other packet
 * that Maglev places does, and counts as a new flow: for TCP that is the handshake's ACK, so
 * "flows" approximates established connections. */
static __always_inline int xvs_creates_flow(const struct xvs_flow_key *k, __u8 tcp_flags)
{
	return k->proto != IPPROTO_TCP || (tcp_flags & (XVS_TCP_SYN | XVS_TCP_ACK)) != XVS_TCP_SYN;
}

/* A peer's entry (write_flow) for a flow this node has not seen yet: used once sharing is
 * on, and taken over by a packet of the flow that is not a SYN (not counted as new here). */
static __always_inline struct xvs_dest *xvs_peer_dest(const struct xvs_flow_key *k,
						      const struct xvs_settings *s,
						      const struct xvs_meter *m,
						      struct xvs_flow_entry *e, __u64 now, int learn,
						      __u32 *idx)
{
	struct xvs_share_counters *c;
	struct xvs_dest *d;

	if (!(s->flags & XVS_SETTINGS_SHARED_FLOWS))
		return NULL;
	d = xvs_entry_dest(e, k, idx);
	if (!d)
		return NULL;
	c = xvs_share_counters();
	if (c)
		c->shared_hits++;
	if (learn && xvs_creates_flow(k, m->tcp_flags)) {
		e->state = XVS_FLOW_ESTABLISHED;
		e->seen_ns = now;
		if (s->flags & XVS_SETTINGS_QUEUE_FLOWS)
			xvs_share_flow(k, &d->daddr, now);
	}
	return d;
}

/* The destination of the flow's entry, or NULL when there is none or its backend is no
 * longer a destination of the service (see xvs_entry_dest). A hit needs neither the services
 * map nor the hash: it is counted in the destination's own slot. Only a packet of the
 * flow (`learn`) refreshes the entry, and its first hit makes it established. *slot says
 * where an insert of the flow would go. */
static __always_inline struct xvs_dest *xvs_flow_dest(const struct xvs_flow_key *k,
						      const struct xvs_settings *s,
						      struct xvs_meter *m, __u64 now, int learn,
						      struct xvs_flow_slot *slot)
{
	struct xvs_flow_entry *e;
	struct xvs_dest *d;
	__u32 idx;

	xvs_flow_walk(k, s, now, slot);
	e = slot->entry;
	if (!e)
		return NULL;
	if (e->state == XVS_FLOW_PEER) {
		d = xvs_peer_dest(k, s, m, e, now, learn, &idx);
	} else {
		d = xvs_entry_dest(e, k, &idx);
		if (d && learn) {
			if (e->state == XVS_FLOW_NEW)
				e->state = XVS_FLOW_ESTABLISHED;
			/* Write at most about once a second: a store per packet would bounce the
			 * entry's cache line between CPUs serving the same flow. A live flow is
			 * shared again when the refresh starts a new sharing period. */
			if (now - e->seen_ns > XVS_FLOW_REFRESH_NS) {
				if ((s->flags & XVS_SETTINGS_QUEUE_FLOWS) &&
				    ((now ^ e->seen_ns) >> XVS_SHARE_PERIOD_SHIFT))
					xvs_share_flow(k, &d->daddr, now);
				e->seen_ns = now;
			}
		}
	}
	if (!d)
		return NULL;
	m->slot = XVS_COUNTERS_DEST(idx);
	m->dest = idx;
	return d;
}

/* Enters the flow into this node's table (queued for peers when sharing is on). A refused
 * insert (its bucket full of live established flows) is counted and only costs the flow its
 * memory: the next packet is placed the same way. */
static __always_inline void xvs_remember_flow(const struct xvs_flow_key *k,
					      const struct xvs_settings *s,
					      const struct xvs_flow_slot *slot,
					      const struct xvs_dest *d, __u32 idx, __u64 now)
{
	struct xvs_share_counters *c;

	if (!xvs_flow_store(slot, k, (__u16)idx, d->generation, XVS_FLOW_NEW, now)) {
		c = xvs_share_counters();
		if (c)
			c->refused++;
		return;
	}
	if (s->flags & XVS_SETTINGS_QUEUE_FLOWS)
		xvs_share_flow(k, &d->daddr, now);
}

/* Finds the destination of flow `k`: XVS_OK with its index in m->dest, or the reason; m->slot
 * is the most specific counter slot reached either way. With `learn` 0 (a packet about the
 * flow, not of it: an ICMP error) the tables are only read: nothing is created, refreshed,
 * promoted or counted as a new flow; with 1, m->tcp_flags are the packet's.
 * A global function (see prepend.h), defined here and included by xvs.bpf.c only: the walk
 * of the bucket's ways, each of which may end it, take its entry or make it the victim, gave
 * the verifier some hundred states per way for every path that reached it (ICMP errors and
 * packets, IPv4 and IPv6, tagged or not), most of the program's processed instructions;
 * called, it is verified once. Destinations are passed as indices: a global function
 * returns no pointers. The ablation stops (ablation.h) return XVS_R_FORWARDED. */
__noinline int xvs_find_dest(const struct xvs_flow_key *k, const struct xvs_settings *s,
			     struct xvs_meter *m, __u64 now, int learn)
{
	struct xvs_flow_slot slot;
	struct xvs_service_key sk;
	struct xvs_service *svc;
	struct xvs_dest *d;
	__u32 idx;

	if (!k || !s || !m)
		return XVS_R_ERR_INTERNAL;
	d = xvs_flow_dest(k, s, m, now, learn, &slot);
	if (XVS_STOP_AT(d ? 4 : 5))
		return XVS_R_FORWARDED;
	if (d)
		return XVS_OK;

	sk.addr = k->daddr;
	sk.port = k->dport;
	sk.proto = k->proto;
	sk.pad = 0;
	svc = bpf_map_lookup_elem(&services, &sk);
	if (!svc)
		return XVS_R_ERR_NO_SERVICE;
	m->slot = XVS_COUNTERS_SERVICE(svc->index);
	if (!svc->backends)
		return XVS_R_ERR_NO_BACKEND;
	idx = svc->table[xvs_flow_hash(k, svc->flags & XVS_SERVICE_STICKY) & (XVS_MAGLEV_SIZE - 1)];
	d = idx ? bpf_map_lookup_elem(&destinations, &idx) : NULL;
	if (!d)
		return XVS_R_ERR_NO_BACKEND;
	m->slot = XVS_COUNTERS_DEST(idx);
	m->dest = idx;
	if (XVS_STOP_AT(6))
		return XVS_R_FORWARDED;
	if (learn && xvs_creates_flow(k, m->tcp_flags)) {
		xvs_remember_flow(k, s, &slot, d, idx, now);
		m->new_flow = 1;
	}
	if (XVS_STOP_AT(7))
		return XVS_R_FORWARDED;
	return XVS_OK;
}

/* The destination of the flow p->key (xvs_find_dest); on failure NULL with the reason in
 * *reason. */
static __always_inline struct xvs_dest *xvs_dest_of(const struct xvs_pkt *p,
						    const struct xvs_settings *s,
						    struct xvs_meter *m, __u64 now, int learn,
						    int *reason)
{
	struct xvs_dest *d;
	__u32 idx;
	int r;

	r = xvs_opaque(xvs_find_dest(&p->key, s, m, now, learn));
	if (r != XVS_OK) {
		*reason = r;
		return NULL;
	}
	idx = m->dest;
	d = bpf_map_lookup_elem(&destinations, &idx);
	if (!d)
		*reason = XVS_R_ERR_INTERNAL; /* cannot happen: xvs_find_dest found it */
	return d;
}

/* The destination for this packet of its flow; on failure NULL with the reason in *reason. */
static __always_inline struct xvs_dest *xvs_pick_dest(struct xvs_pkt *p,
						      const struct xvs_settings *s,
						      struct xvs_meter *m, __u64 now, int *reason)
{
	return xvs_dest_of(p, s, m, now, 1, reason);
}

#endif /* XVS_FLOWS_H */
