/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0-only) */
/* Sending a packet to its destination: the checks every path shares, the TTL decrement,
 * then the path by tunnel type (layer-2 rewrite, or encapsulation: encap.h), and the choice
 * between XDP_TX and a redirect. */
#ifndef XVS_SEND_H
#define XVS_SEND_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "abi.h"
#include "counters.h"
#include "encap.h"
#include "parse.h"
#include "rewrite.h"
#include "too_big.h"

static __always_inline int xvs_send(struct xdp_md *ctx, struct xvs_pkt *p,
				    const struct xvs_dest *d, const struct xvs_settings *s,
				    struct xvs_meter *m)
{
	struct xvs_inner in;
	__u32 over = 0;

	if (!(d->flags & XVS_DEST_READY))
		return xvs_finish(m, XVS_R_ERR_NOT_READY);
	if (d->tunnel != XVS_TUNNEL_NONE) {
		over = xvs_overhead(d);
		if (!over)
			return xvs_finish(m, XVS_R_ERR_TUNNEL);
		xvs_inner_of(p, &in);
		/* Checked before anything changes: the error quotes the packet as it came. A
		 * packet of exactly the MTU fits. */
		if (p->ip_len + over > d->mtu)
			return xvs_finish(m, xvs_opaque(xvs_too_big(ctx, &p->key, &in,
								    d->mtu > over ? d->mtu - over : 0)));
	}
	xvs_decrement_ttl(p);
	xvs_l2_rewrite(p, d);
	if (over) {
		int r = xvs_opaque(xvs_encap(ctx, d, &p->key, &in));

		if (r != XVS_OK)
			return xvs_finish(m, r);
	}
	m->reason = XVS_R_FORWARDED;
	/* Several interfaces that are not one bond: leave by the destination's interface. */
	if ((s->flags & XVS_SETTINGS_MULTI_INTERFACE) && d->ifindex &&
	    d->ifindex != ctx->ingress_ifindex)
		return bpf_redirect(d->ifindex, 0);
	return XDP_TX;
}

#endif /* XVS_SEND_H */
