/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0-only) */
/* In-place rewrites of a packet on its way to a destination: the TTL decrement and the
 * layer-2 addresses. */
#ifndef XVS_REWRITE_H
#define XVS_REWRITE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include "abi.h"
#include "checksum.h"
#include "parse.h"

/* The caller validated the IP header, so TTL > 1 here. */
static __always_inline void xvs_decrement_ttl(struct xvs_pkt *p)
{
	if (p->ipv6) {
		struct ipv6hdr *ip6 = p->l3;

		if ((void *)(ip6 + 1) <= p->data_end)
			ip6->hop_limit--;
	} else {
		struct iphdr *ip = p->l3;
		__u16 *ttl_proto = (__u16 *)&ip->ttl;
		__u16 old;

		if ((void *)(ip + 1) > p->data_end)
			return;
		old = *ttl_proto;
		ip->ttl--;
		xvs_csum_replace(&ip->check, old, *ttl_proto);
	}
}

/* Direct Server Return on the backend's VLAN: new MACs, and the VLAN ID of an existing
 * 802.1Q tag (PCP and DEI kept). An untagged frame stays untagged. Tunnels use it too,
 * before their outer headers push the Ethernet header to the front. */
static __always_inline void xvs_l2_rewrite(struct xvs_pkt *p, const struct xvs_dest *d)
{
	struct ethhdr *eth = p->eth;
	struct xvs_vlan_hdr *vlan = p->vlan;

	if ((void *)(eth + 1) > p->data_end)
		return;
	__builtin_memcpy(eth->h_dest, d->mac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, d->src_mac, ETH_ALEN);
	if (vlan && (void *)(vlan + 1) <= p->data_end)
		vlan->tci = (vlan->tci & bpf_htons(0xf000)) | bpf_htons(d->vlan & 0x0fff);
}

#endif /* XVS_REWRITE_H */
