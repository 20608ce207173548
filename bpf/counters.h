/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0-only) */
/* Accounting. While a packet is handled, struct xvs_meter collects what is known about it
 * (reason, the VIP/service/destination it touched, length, TCP flags, new flow); the counters
 * are updated once, at the end, in one per-CPU slot. */
#ifndef XVS_COUNTERS_H
#define XVS_COUNTERS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "abi.h"
#include "maps.h"
#include "parse.h"

struct xvs_meter {
	__u32 reason;
	__u32 slot; /* the most specific counter slot it reached: VIP, service, destination;
		     * 0 (global, never counted in) while it reached no VIP */
	__u32 dest; /* the destination's index once xvs_find_dest found it: a global function
		     * returns no pointer, so its caller looks the destination up again */
	__u32 len;  /* octets: the IP length once the header is validated */
	__u8 tcp_flags;
	__u8 new_flow;
};

/* Ends the packet with `reason` and returns its verdict. Relies on the order of enum
 * xvs_reason: pass reasons, then handled (sent back out), then drops. FORWARDED does not
 * come here: its verdict (TX or redirect) is the sender's. */
static __always_inline int xvs_finish(struct xvs_meter *m, __u32 reason)
{
	m->reason = reason;
	if (reason < XVS_R_FORWARDED)
		return XDP_PASS;
	if (reason < XVS_R_ERR_MALFORMED)
		return XDP_TX;
	return XDP_DROP;
}

/* Fields that most packets leave alone are written only when they change: a predicted
 * branch is cheaper than a read-modify-write. */
static __always_inline void xvs_count(__u32 slot, const struct xvs_meter *m, int drop)
{
	struct xvs_counters *c = bpf_map_lookup_elem(&counters, &slot);
	__u8 f = m->tcp_flags;

	if (!c)
		return;
	c->packets++;
	c->octets += m->len;
	if (m->new_flow)
		c->flows++;
	if (drop)
		c->errors++;
	if (f & XVS_TCP_ACK)
		c->ack++;
	if (f & (XVS_TCP_SYN | XVS_TCP_FIN | XVS_TCP_RST)) {
		if (f & XVS_TCP_SYN)
			c->syn++;
		if (f & XVS_TCP_FIN)
			c->fin++;
		if (f & XVS_TCP_RST)
			c->rst++;
	}
}

/* Counts a packet to a VIP once, in the most specific slot it reached (m->slot): its
 * destination's, else its service's, else its VIP's. The library adds the levels up when it
 * reads them (lib/dataplane/counter_levels.hpp): one slot per packet instead of four.
 * "errors" counts the packets that did not reach a destination: drops, and packets answered
 * with an ICMP too-big error (which the destination's counters thus show, for its MTU). */
static __always_inline void xvs_account(const struct xvs_meter *m, int action)
{
	int drop = action == XDP_DROP || m->reason == XVS_R_TOO_BIG;

	if (m->slot)
		xvs_count(m->slot, m, drop);
}

/* The packet's reason and, when it was sampled (start != 0), its latency. */
static __always_inline void xvs_account_reason(struct xvs_reasons *rs, __u32 reason, __u64 start)
{
	/* Bounds the index for the verifier; every reason set by the program is in range. */
	if (reason >= XVS_REASONS)
		reason = XVS_R_ERR_INTERNAL;
	rs->count[reason]++;
	if (start) {
		rs->latency_ns += bpf_ktime_get_ns() - start;
		rs->latency_samples++;
	}
}

#endif /* XVS_COUNTERS_H */
