// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0-only)
/* The forwarding program of libxvs (docs/dataplane.md describes the path step by step).
 * Everything is inlined but the pieces that many paths reach: those are BPF global functions
 * (prepend.h), which the verifier checks once each (docs/dataplane.md, "The verifier's
 * work"). On the fast path that is one call, the destination choice (flows.h). */
#include <linux/bpf.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include "abi.h"
#include "ablation.h"
#include "counters.h"
#include "flows.h"
#include "icmp.h"
#include "maps.h"
#include "nat.h"
#include "parse.h"
#include "pmtu.h"
#include "send.h"

/* False when "vip_filter" proves that no VIP has filter bit `bit`; true means "look it up". */
static __always_inline int xvs_maybe_vip(__u32 bit)
{
	const __u32 zero = 0;
	struct xvs_vip_filter *f = bpf_map_lookup_elem(&vip_filter, &zero);

	return !f || (f->bits[bit / 64] & (1ull << (bit % 64)));
}

/* The counter index of the VIP `a`, 0 when it is none. The bitmap first: it is the one
 * cache line most of a host's traffic touches. Then the slot of the bit, and "vips" only for
 * a bit several VIPs share. The index is read once: the control plane may rewrite the slot
 * meanwhile (abi.h says in which order). */
static __always_inline __u32 xvs_find_vip(const struct xvs_addr *a)
{
	__u32 bit = xvs_vip_filter_bit(a);
	struct xvs_vip_slot *slot;
	struct xvs_vip *vip;
	__u32 index;

	if (!xvs_maybe_vip(bit))
		return 0;
	slot = bpf_map_lookup_elem(&vip_slots, &bit);
	index = slot ? *(volatile __u32 *)&slot->vip.index : XVS_VIP_COLLIDED;
	if (slot && index != XVS_VIP_COLLIDED)
		return index && xvs_addr_eq(&slot->addr, a) ? index : 0;
	vip = bpf_map_lookup_elem(&vips, a);
	return vip ? vip->index : 0;
}

static __always_inline int xvs_handle(struct xdp_md *ctx, struct xvs_meter *m)
{
	const __u32 zero = 0;
	struct xvs_settings *s;
	struct xvs_dest *d;
	struct xvs_pkt p;
	__u32 vip;
	__u64 now;
	int r;

	r = xvs_parse_l3(ctx, &p);
	if (r != XVS_OK)
		return xvs_finish(m, r);
	if (XVS_STOP_AT(1))
		return XDP_TX;
	/* Most of a host's traffic leaves here, after one bit test, without a clock read. */
	vip = xvs_find_vip(&p.key.daddr);
	if (XVS_STOP_AT(2))
		return XDP_TX;
	if (!vip) {
		/* From a VIP: perhaps the reply to a health-check probe. */
		if (xvs_maybe_vip(xvs_vip_filter_bit(&p.key.saddr))) {
			r = xvs_opaque(xvs_nat_reply(ctx, m));
			if (r != XVS_OK)
				return r;
		}
		return xvs_finish(m, XVS_R_NOT_A_VIP);
	}
	m->slot = XVS_COUNTERS_VIP(vip);

	s = bpf_map_lookup_elem(&settings, &zero);
	if (!s)
		return xvs_finish(m, XVS_R_ERR_INTERNAL);
	/* The control plane writes CLOCK_MONOTONIC, the coarse clock may lag it by a tick:
	 * a signed difference keeps a fresh heartbeat "in the future" from looking stale. */
	now = bpf_ktime_get_coarse_ns();
	if ((__s64)(now - s->heartbeat_ns) > (__s64)XVS_WATCHDOG_NS)
		return xvs_finish(m, XVS_R_WATCHDOG);

	r = p.ipv6 ? xvs_check_ip6(&p) : xvs_check_ip4(&p);
	if (r == XVS_R_ERR_MALFORMED)
		return xvs_finish(m, r);
	m->len = p.ip_len;
	if (r != XVS_OK)
		return xvs_finish(m, r);

	if (p.proto == (p.ipv6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP)) {
		r = p.ipv6 ? xvs_icmp6(&p) : xvs_icmp4(&p);
		return r == XVS_OK ? xvs_pmtu(ctx, &p, s, m, now) : xvs_finish(m, r);
	}
	r = xvs_parse_l4(&p);
	if (r != XVS_OK)
		return xvs_finish(m, r);
	m->tcp_flags = p.tcp_flags;
	if (XVS_STOP_AT(3))
		return XDP_TX;

	d = xvs_pick_dest(&p, s, m, now, &r);
	if (!d)
		return xvs_finish(m, r);
	return xvs_send(ctx, &p, d, s, m);
}

SEC("xdp")
int xvs_xdp(struct xdp_md *ctx)
{
	const __u32 zero = 0;
	struct xvs_meter m = {};
	struct xvs_reasons *rs;
	__u64 start = 0;
	int action;

	if (XVS_STOP_AT(0))
		return XDP_TX;
	rs = bpf_map_lookup_elem(&reasons, &zero);
	if (!rs)
		return XDP_PASS; /* cannot happen: slot 0 of a per-CPU array */
	/* Time one packet in XVS_LATENCY_SAMPLE_MASK + 1: the precise clock is too dear for
	 * every packet. */
	if (!(rs->seen++ & XVS_LATENCY_SAMPLE_MASK))
		start = bpf_ktime_get_ns();
	action = xvs_handle(ctx, &m);
#ifdef XVS_BENCH_STOP
	return action;
#endif
	xvs_account(&m, action);
	xvs_account_reason(rs, m.reason, start);
	return action;
}

/* On the host end of the health-check veth pair (nat.h). */
SEC("xdp")
int xvs_nat(struct xdp_md *ctx)
{
	const __u32 zero = 0;
	struct xvs_nat_counters *nc = bpf_map_lookup_elem(&nat_counters, &zero);

	return nc ? xvs_nat_probe(ctx, nc) : XDP_DROP;
}

/* On the peer in the NAT namespace: everything addressed to the NAT side goes back. */
SEC("xdp")
int xvs_nat_reflect(struct xdp_md *ctx)
{
	struct xvs_pkt p;

	if (xvs_parse_l3(ctx, &p) != XVS_OK || p.vlan || !xvs_nat_side(&p.key.daddr, p.ipv6))
		return XDP_PASS;
	if ((void *)(p.eth + 1) > p.data_end)
		return XDP_PASS;
	xvs_swap_macs(p.eth);
	return XDP_TX;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
