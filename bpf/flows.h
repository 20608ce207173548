/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0-only) */
/* Choosing the destination of a TCP/UDP packet: the flow table first, then Maglev. */
#ifndef XVS_FLOWS_H
#define XVS_FLOWS_H

#include <linux/bpf.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include "abi.h"
#include "counters.h"
#include "hash.h"
#include "maps.h"
#include "parse.h"

#define XVS_FLOW_REFRESH_NS 1000000000ull

/* A flow entry's destination, or NULL when there is none or it is stale: the destination
 * slot was reused or cleared since (its generation moved on). A hit needs neither the
 * services map nor the hash: the destination names its service's counter slot. */
static __always_inline struct xvs_dest *xvs_flow_dest(struct xvs_pkt *p, struct xvs_meter *m,
						      __u64 now)
{
	struct xvs_flow *f = bpf_map_lookup_elem(&flows, &p->key);
	struct xvs_dest *d;
	__u32 idx;

	if (!f)
		return NULL;
	idx = f->dest;
	d = bpf_map_lookup_elem(&destinations, &idx);
	if (!d || d->generation != f->generation)
		return NULL;
	/* Write at most about once a second: a store per packet would bounce the entry's
	 * cache line between CPUs serving the same flow. */
	if (now - f->seen_ns > XVS_FLOW_REFRESH_NS)
		f->seen_ns = now;
	m->svc = d->service;
	m->dest = idx;
	return d;
}

/* A TCP SYN does not create a flow (a SYN flood cannot flush the table); every other packet
 * that Maglev places does, and counts as a new flow: for TCP that is the handshake's ACK, so
 * "flows" approximates established connections. */
static __always_inline int xvs_creates_flow(const struct xvs_pkt *p)
{
	return p->proto != IPPROTO_TCP ||
	       (p->tcp_flags & (XVS_TCP_SYN | XVS_TCP_ACK)) != XVS_TCP_SYN;
}

/* The destination for this packet; on failure NULL with the reason in *reason. */
static __always_inline struct xvs_dest *xvs_pick_dest(struct xvs_pkt *p, struct xvs_meter *m,
						      __u64 now, int *reason)
{
	struct xvs_service_key sk;
	struct xvs_service *svc;
	struct xvs_dest *d;
	__u32 idx;

	d = xvs_flow_dest(p, m, now);
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
	m->svc = svc->index;
	m->dest = 0;
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
	m->dest = idx;
	if (xvs_creates_flow(p)) {
		struct xvs_flow f = {
			.generation = d->generation,
			.dest = (__u16)idx,
			.seen_ns = now,
		};

		/* A failed insert only costs the flow its memory: Maglev still places it. */
		bpf_map_update_elem(&flows, &p->key, &f, BPF_ANY);
		m->new_flow = 1;
	}
	return d;
}

#endif /* XVS_FLOWS_H */
