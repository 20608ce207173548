/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0-only) */
/* Removing the outer headers: the frame becomes the original Ethernet header (MACs and an
 * 802.1Q tag kept, ethertype of the inner family) followed by the inner packet, unchanged. */
#ifndef XVS_DECAP_STRIP_H
#define XVS_DECAP_STRIP_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include "../../bpf/parse.h"
#include "decap_abi.h"
#include "outer.h"

static __always_inline int xvs_decap_strip(struct xdp_md *ctx, struct xvs_decap *d)
{
	__be16 type = bpf_htons(d->inner_ipv6 ? ETH_P_IPV6 : ETH_P_IP);
	__u8 macs[2 * ETH_ALEN];
	struct xvs_vlan_hdr *vlan;
	struct ethhdr *eth = d->p.eth;
	__be16 tci = 0;
	void *data, *data_end;
	int tagged = d->p.vlan != NULL;

	/* Re-proven: the verifier does not carry the ranges through the spilled pointers. */
	if ((void *)(eth + 1) > d->p.data_end)
		return XVS_DECAP_R_MALFORMED;
	__builtin_memcpy(macs, eth, sizeof(macs));
	if (tagged) {
		vlan = (void *)(eth + 1);
		if ((void *)(vlan + 1) > d->p.data_end)
			return XVS_DECAP_R_MALFORMED;
		tci = vlan->tci;
	}

	/* Cannot fail: the inner IP header (20 bytes or more) stays in the frame. */
	if (bpf_xdp_adjust_head(ctx, (int)d->inner))
		return XVS_DECAP_R_MALFORMED;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	vlan = (void *)(eth + 1);
	if ((void *)(vlan + 1) > data_end)
		return XVS_DECAP_R_MALFORMED;
	__builtin_memcpy(eth, macs, sizeof(macs));
	if (tagged) {
		eth->h_proto = bpf_htons(ETH_P_8021Q);
		vlan->tci = tci;
		vlan->proto = type;
	} else {
		eth->h_proto = type;
	}
	return XVS_OK;
}

#endif /* XVS_DECAP_STRIP_H */
