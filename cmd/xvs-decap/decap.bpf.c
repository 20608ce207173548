// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0-only)
/* xvs-decap's XDP program: removes the IPIP, GRE, FOU and GUE headers of tunnel packets
 * addressed to this host and passes the inner packet to the stack (docs/tunnels.md). Every
 * other packet passes untouched. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../../bpf/parse.h"
#include "decap_abi.h"
#include "decap_maps.h"
#include "outer.h"
#include "strip.h"
#include "tunnel.h"

static __always_inline int xvs_decap_handle(struct xdp_md *ctx)
{
	const __u32 zero = 0;
	struct xvs_decap_config *c;
	struct xvs_decap d = {};
	struct xvs_addr inner_daddr;
	int r;

	r = xvs_parse_l3(ctx, &d.p);
	if (r == XVS_R_NOT_IP)
		return XVS_DECAP_R_NOT_IP;
	if (r != XVS_OK)
		return XVS_DECAP_R_SHORT;
	/* Most of a host's traffic leaves here, after one hash lookup. */
	if (!bpf_map_lookup_elem(&decap_locals, &d.p.key.daddr))
		return XVS_DECAP_R_NOT_LOCAL;
	c = bpf_map_lookup_elem(&decap_config, &zero);
	if (!c)
		return XVS_DECAP_R_NOT_TUNNEL; /* cannot happen: slot 0 of an array */

	r = xvs_decap_classify(&d, c);
	if (r != XVS_OK)
		return r;
	if ((c->flags & XVS_DECAP_CHECK_PEERS) &&
	    !bpf_map_lookup_elem(&decap_peers, &d.p.key.saddr))
		return XVS_DECAP_R_WRONG_PEER;
	r = xvs_decap_outer(&d);
	if (r != XVS_OK)
		return r;
	r = xvs_decap_tunnel(&d);
	if (r != XVS_OK)
		return r;
	r = xvs_decap_inner(&d, &inner_daddr);
	if (r != XVS_OK)
		return r;
	if ((c->flags & XVS_DECAP_CHECK_VIPS) && !bpf_map_lookup_elem(&decap_vips, &inner_daddr))
		return XVS_DECAP_R_WRONG_VIP;
	r = xvs_decap_strip(ctx, &d);
	return r == XVS_OK ? d.kind : r;
}

SEC("xdp")
int xvs_decap(struct xdp_md *ctx)
{
	const __u32 zero = 0;
	struct xvs_decap_counters *counters;
	__u32 reason = (__u32)xvs_decap_handle(ctx);

	counters = bpf_map_lookup_elem(&decap_counters, &zero);
	/* The bound is for the verifier: every reason returned is in range. */
	if (counters && reason < XVS_DECAP_REASONS)
		counters->count[reason]++;
	return reason < XVS_DECAP_R_FIRST_DROP ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
