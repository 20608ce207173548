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
#include "share.h"

#define XVS_FLOW_REFRESH_NS 1000000000ull

/* A TCP SYN does not create a flow (a SYN flood cannot flush the table); every other packet
 * that Maglev places does, and counts as a new flow: for TCP that is the handshake's ACK, so
 * "flows" approximates established connections. */
static __always_inline int xvs_creates_flow(const struct xvs_pkt *p)
{
	return p->proto != IPPROTO_TCP ||
	       (p->tcp_flags & (XVS_TCP_SYN | XVS_TCP_ACK)) != XVS_TCP_SYN;
}

/* A peer's entry (write_flow) for a flow this node has not seen yet: used once sharing is
 * on, and taken over by a packet of the flow that is not a SYN (not counted as new here). */
static __always_inline struct xvs_dest *xvs_peer_dest(struct xvs_pkt *p,
						      const struct xvs_settings *s,
						      struct xvs_flow_entry *e, __u64 now, int learn,
						      __u32 *idx)
{
	struct xvs_share_counters *c;
	struct xvs_dest *d;

	if (!(s->flags & XVS_SETTINGS_SHARED_FLOWS))
		return NULL;
	d = xvs_entry_dest(e, &p->key, idx);
	if (!d)
		return NULL;
	c = xvs_share_counters();
	if (c)
		c->shared_hits++;
	if (learn && xvs_creates_flow(p)) {
		e->state = XVS_FLOW_ESTABLISHED;
		e->seen_ns = now;
		if (s->flags & XVS_SETTINGS_QUEUE_FLOWS)
			xvs_share_flow(&p->key, &d->daddr, now);
	}
	return d;
}

/* The destination of the flow's entry, or NULL when there is none or its backend is no
 * longer a destination of the service (see xvs_entry_dest). A hit needs neither the services
 * map nor the hash: it is counted in the destination's own slot. Only a packet of the
 * flow (`learn`) refreshes the entry, and its first hit makes it established. *slot says
 * where an insert of the flow would go. */
static __always_inline struct xvs_dest *xvs_flow_dest(struct xvs_pkt *p,
						      const struct xvs_settings *s,
						      struct xvs_meter *m, __u64 now, int learn,
						      struct xvs_flow_slot *slot)
{
	struct xvs_flow_entry *e;
	struct xvs_dest *d;
	__u32 idx;

	xvs_flow_walk(&p->key, s, now, slot);
	e = slot->entry;
	if (!e)
		return NULL;
	if (e->state == XVS_FLOW_PEER) {
		d = xvs_peer_dest(p, s, e, now, learn, &idx);
	} else {
		d = xvs_entry_dest(e, &p->key, &idx);
		if (d && learn) {
			if (e->state == XVS_FLOW_NEW)
				e->state = XVS_FLOW_ESTABLISHED;
			/* Write at most about once a second: a store per packet would bounce the
			 * entry's cache line between CPUs serving the same flow. A live flow is
			 * shared again when the refresh starts a new sharing period. */
			if (now - e->seen_ns > XVS_FLOW_REFRESH_NS) {
				if ((s->flags & XVS_SETTINGS_QUEUE_FLOWS) &&
				    ((now ^ e->seen_ns) >> XVS_SHARE_PERIOD_SHIFT))
					xvs_share_flow(&p->key, &d->daddr, now);
				e->seen_ns = now;
			}
		}
	}
	if (!d)
		return NULL;
	m->slot = XVS_COUNTERS_DEST(idx);
	return d;
}

/* Enters the flow into this node's table (queued for peers when sharing is on). A refused
 * insert (its bucket full of live established flows) is counted and only costs the flow its
 * memory: the next packet is placed the same way. */
static __always_inline void xvs_remember_flow(const struct xvs_pkt *p,
					      const struct xvs_settings *s,
					      const struct xvs_flow_slot *slot,
					      const struct xvs_dest *d, __u32 idx, __u64 now)
{
	struct xvs_share_counters *c;

	if (!xvs_flow_store(slot, &p->key, (__u16)idx, d->generation, XVS_FLOW_NEW, now)) {
		c = xvs_share_counters();
		if (c)
			c->refused++;
		return;
	}
	if (s->flags & XVS_SETTINGS_QUEUE_FLOWS)
		xvs_share_flow(&p->key, &d->daddr, now);
}

/* The destination of the flow p->key; on failure NULL with the reason in *reason. With
 * `learn` 0 (a packet about the flow, not of it: an ICMP error) the tables are only read:
 * nothing is created, refreshed, promoted or counted as a new flow. */
static __always_inline struct xvs_dest *xvs_find_dest(struct xvs_pkt *p,
						      const struct xvs_settings *s,
						      struct xvs_meter *m, __u64 now, int learn,
						      int *reason)
{
	struct xvs_flow_slot slot;
	struct xvs_service_key sk;
	struct xvs_service *svc;
	struct xvs_dest *d;
	__u32 idx;

	d = xvs_flow_dest(p, s, m, now, learn, &slot);
	if (XVS_STOP_AT(d ? 4 : 5)) {
		*reason = XVS_R_FORWARDED;
		return NULL;
	}
	if (d)
		return d;

	sk.addr = p->key.daddr;
	sk.port = p->key.dport;
	sk.proto = p->key.proto;
	sk.pad = 0;
	svc = bpf_map_lookup_elem(&services, &sk);
	if (!svc) {
		*reason = XVS_R_ERR_NO_SERVICE;
		return NULL;
	}
	m->slot = XVS_COUNTERS_SERVICE(svc->index);
	if (!svc->backends) {
		*reason = XVS_R_ERR_NO_BACKEND;
		return NULL;
	}
	idx = svc->table[xvs_flow_hash(&p->key, svc->flags & XVS_SERVICE_STICKY) &
			 (XVS_MAGLEV_SIZE - 1)];
	d = idx ? bpf_map_lookup_elem(&destinations, &idx) : NULL;
	if (!d) {
		*reason = XVS_R_ERR_NO_BACKEND;
		return NULL;
	}
	m->slot = XVS_COUNTERS_DEST(idx);
	if (XVS_STOP_AT(6)) {
		*reason = XVS_R_FORWARDED;
		return NULL;
	}
	if (learn && xvs_creates_flow(p)) {
		xvs_remember_flow(p, s, &slot, d, idx, now);
		m->new_flow = 1;
	}
	if (XVS_STOP_AT(7)) {
		*reason = XVS_R_FORWARDED;
		return NULL;
	}
	return d;
}

/* The destination for this packet of its flow; on failure NULL with the reason in *reason. */
static __always_inline struct xvs_dest *xvs_pick_dest(struct xvs_pkt *p,
						      const struct xvs_settings *s,
						      struct xvs_meter *m, __u64 now, int *reason)
{
	return xvs_find_dest(p, s, m, now, 1, reason);
}

#endif /* XVS_FLOWS_H */
