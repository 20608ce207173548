/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0-only) */
/* The client's packet would not fit the path to its backend once encapsulated: the client
 * gets ICMP "fragmentation needed" (RFC 792, RFC 1191) or ICMPv6 "packet too big" (RFC 4443)
 * from the VIP, built in place around its own packet, which the error quotes. Rare by
 * construction (the client lowers its path MTU), so it may afford a loop over the quote. */
#ifndef XVS_TOO_BIG_H
#define XVS_TOO_BIG_H

#include <linux/bpf.h>
#include "icmp4_wire.h"
#include <linux/icmpv6.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include "abi.h"
#include "checksum.h"
#include "icmp.h"
#include "parse.h"
#include "prepend.h"

/* The largest error datagrams: IPv4 576 (RFC 1812 4.3.2.3), IPv6 the minimum MTU 1280
 * (RFC 4443 2.4 (c)). The quote is as much of the packet as fits. */
#define XVS_ICMP4_ERROR_MAX 576
#define XVS_ICMP6_ERROR_MAX 1280
#define XVS_ICMP_HDR_LEN 8

/* Turns the packet into the error for `mtu` (the largest IP packet that fits) and returns
 * XVS_R_TOO_BIG (sent back with XDP_TX), or the reason to drop it. Sent for IPv4 without DF
 * too: XDP cannot fragment, and a client told the MTU at least shrinks its TCP segments.
 * A global function (see struct xvs_inner), defined here and included by xvs.bpf.c only. */
__noinline int xvs_too_big(struct xdp_md *ctx, const struct xvs_flow_key *key,
			   const struct xvs_inner *in, __u32 mtu)
{
	__u32 hl, quote;
	void *data_end, *l3;
	int v6;
	__u64 s;

	if (!key || !in)
		return XVS_R_ERR_TUNNEL;
	v6 = in->flags & XVS_INNER_IPV6;
	hl = v6 ? sizeof(struct ipv6hdr) : sizeof(struct iphdr);
	quote = (v6 ? XVS_ICMP6_ERROR_MAX : XVS_ICMP4_ERROR_MAX) - hl - XVS_ICMP_HDR_LEN;
	if (in->ip_len < quote)
		quote = in->ip_len;
	if (!xvs_inner_l3(ctx, in, &data_end) ||
	    (void *)(long)ctx->data + sizeof(struct ethhdr) > data_end)
		return XVS_R_ERR_TUNNEL;
	/* Back to the router it came from; the 802.1Q tag stays as it came. */
	xvs_swap_macs((void *)(long)ctx->data);
	l3 = xvs_prepend(ctx, in, quote, hl + XVS_ICMP_HDR_LEN,
			 v6 ? bpf_htons(ETH_P_IPV6) : bpf_htons(ETH_P_IP), &data_end);
	if (!l3)
		return XVS_R_ERR_TUNNEL;

	/* From the VIP to the client: the addresses of the flow key, swapped. The checksums
	 * are summed last, over the message as it lies in the frame (checksum field 0), so
	 * that little follows the loop: the verifier walks what follows once per exit. */
	if (v6) {
		struct ipv6hdr *ip6 = l3;
		struct icmp6hdr *icmp = (void *)(ip6 + 1);
		__u32 len = XVS_ICMP_HDR_LEN + quote;

		if ((void *)(icmp + 1) > data_end)
			return XVS_R_ERR_TUNNEL;
		xvs_put_ip6(ip6, bpf_htonl(0x60000000), len, IPPROTO_ICMPV6, &key->daddr,
			    &key->saddr);
		icmp->icmp6_type = ICMPV6_PKT_TOOBIG;
		icmp->icmp6_code = 0;
		icmp->icmp6_cksum = 0;
		icmp->icmp6_mtu = bpf_htonl(mtu);
		/* RFC 8200 8.1 pseudo-header, then the message. */
		s = xvs_sum_addr(&key->daddr, 1) + xvs_sum_addr(&key->saddr, 1) +
		    bpf_htons((__u16)len) + bpf_htons(IPPROTO_ICMPV6);
		s += xvs_sum_bytes(icmp, len, data_end);
		icmp->icmp6_cksum = (__u16)~xvs_fold64(s);
	} else {
		struct iphdr *ip = l3;
		struct icmphdr *icmp = (void *)(ip + 1);

		if ((void *)(icmp + 1) > data_end)
			return XVS_R_ERR_TUNNEL;
		xvs_put_ip4(ip, 0, hl + XVS_ICMP_HDR_LEN + quote, IPPROTO_ICMP, key->daddr.a[3],
			    key->saddr.a[3]);
		icmp->type = ICMP_DEST_UNREACH;
		icmp->code = ICMP_FRAG_NEEDED;
		icmp->checksum = 0;
		icmp->un.frag.__unused = 0;
		icmp->un.frag.mtu = bpf_htons((__u16)mtu);
		s = xvs_sum_bytes(icmp, XVS_ICMP_HDR_LEN + quote, data_end);
		icmp->checksum = (__u16)~xvs_fold64(s);
	}
	return XVS_R_TOO_BIG;
}

#endif /* XVS_TOO_BIG_H */
