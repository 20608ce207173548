/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0-only) */
/* Layer-3 tunnels: the client's packet (TTL decremented, nothing else changed) inside an
 * outer IPv4 or IPv6 header to the destination, as IPIP, GRE, FOU or GUE. docs/tunnels.md
 * has the wire formats. One head adjustment, no loop over the payload: the outer UDP
 * checksum is derived from the inner packet's own transport checksum. */
#ifndef XVS_ENCAP_H
#define XVS_ENCAP_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include "abi.h"
#include "checksum.h"
#include "hash.h"
#include "parse.h"
#include "prepend.h"

#define XVS_GRE_LEN 4 /* RFC 2784 without checksum */
#define XVS_UDP_LEN 8
#define XVS_GUE_LEN 4 /* variant 0 without extension fields */

static __always_inline int xvs_addr_is4(const struct xvs_addr *a)
{
	return !a->a[0] && !a->a[1] && a->a[2] == bpf_htonl(0xffff);
}

/* Bytes the tunnel of `d` adds in front of the IP packet (outer IP + tunnel header); 0 for
 * a type this program does not know. */
static __always_inline __u32 xvs_overhead(const struct xvs_dest *d)
{
	__u32 ip = xvs_addr_is4(&d->daddr) ? sizeof(struct iphdr) : sizeof(struct ipv6hdr);

	switch (d->tunnel) {
	case XVS_TUNNEL_IPIP:
		return ip;
	case XVS_TUNNEL_GRE:
		return ip + XVS_GRE_LEN;
	case XVS_TUNNEL_FOU:
		return ip + XVS_UDP_LEN;
	case XVS_TUNNEL_GUE:
		return ip + XVS_UDP_LEN + XVS_GUE_LEN;
	}
	return 0;
}

/* The inner packet's DSCP, copied to the outer header so that the network between us and
 * the backend keeps the client's class of service. ECN stays Not-ECT outside (RFC 6040's
 * compatibility mode): a decapsulator that does not copy CE inwards would lose the mark. */
static __always_inline __u8 xvs_dscp(void *l3, int v6, void *data_end)
{
	struct ipv6hdr *ip6 = l3;
	struct iphdr *ip = l3;

	if ((void *)(ip6 + 1) > data_end) /* the longer header: enough for both */
		return 0;
	if (v6)
		return (bpf_ntohl(*(__be32 *)ip6) >> 20) & 0xfc;
	return ip->tos & 0xfc;
}

/* The sum of the whole inner IP packet (memory order, not folded), without reading its
 * payload: a TCP/UDP segment with a correct checksum sums to the negated sum of its
 * pseudo-header (the identity behind Linux's "local checksum offload"). Then
 *   IPv4: the header, its checksum valid, sums to zero: total = -pseudo;
 *   IPv6: header - pseudo, where addresses and length cancel: total = first word +
 *         (next header, hop limit) - next header.
 *         An ICMPv6 message sums like TCP/UDP; ICMPv4 differently (below).
 * Returns 0 when the sum is unknown: UDP without checksum. A corrupt inner checksum gives a
 * wrong outer one, so the backend drops what it would have dropped anyway. Reads the packet
 * as it will be sent (after the TTL decrement). */
static __always_inline int xvs_inner_sum(void *l3, void *data_end, const struct xvs_flow_key *key,
					 const struct xvs_inner *in, __u64 *sum)
{
	if (in->proto == IPPROTO_UDP) {
		/* l4_len <= ip_len and the header is at most 60 bytes: the bounds are for the
		 * verifier, which knows nothing of in. */
		__u32 hl = (in->ip_len - in->l4_len) & 63;
		struct udphdr *udp = l3 + hl;

		if ((void *)(udp + 1) > data_end || !udp->check)
			return 0;
	}
	if (in->flags & XVS_INNER_IPV6) {
		struct ipv6hdr *ip6 = l3;

		if ((void *)(ip6 + 1) > data_end)
			return 0;
		*sum = (__u64) * (__u32 *)ip6 + *((__u16 *)ip6 + 3) + (__u16)~bpf_htons(in->proto);
		return 1;
	}
	/* An ICMP error on its way to a backend (pmtu.h; key is then the flow it quotes, not
	 * its addresses): ICMP has no pseudo-header, a correct message sums to zero, and so
	 * does the whole packet. */
	if (in->proto == IPPROTO_ICMP)
		*sum = 0;
	else
		*sum = (__u16)~xvs_fold64(xvs_sum_addr(&key->saddr, 0) +
					  xvs_sum_addr(&key->daddr, 0) + bpf_htons(in->proto) +
					  bpf_htons(in->l4_len));
	return 1;
}

/* UDP (FOU) or UDP + GUE header at `udp`, for `len` bytes of UDP datagram; `sum` is the
 * inner packet's (when csum). The source port carries the flow hash (its top bits: the low
 * ones picked the Maglev slot, so among the flows of one backend they vary little), so the
 * backend's RSS spreads flows over its queues. */
static __always_inline int xvs_put_udp(struct udphdr *udp, void *data_end,
				       const struct xvs_dest *d, const struct xvs_inner *in,
				       __u32 len, __u32 hash, int csum, __u64 sum)
{
	/* GUE version 0, C 0, Hlen 0, then the inner protocol; flags 0. */
	__be16 gue = bpf_htons(in->flags & XVS_INNER_IPV6 ? IPPROTO_IPV6 : IPPROTO_IPIP);

	if ((void *)(udp + 1) > data_end)
		return XVS_R_ERR_TUNNEL;
	udp->source = bpf_htons(0x8000 | hash >> 17);
	udp->dest = d->tunnel_port;
	udp->len = bpf_htons((__u16)len);
	udp->check = 0;
	if (d->tunnel == XVS_TUNNEL_GUE) {
		__be16 *g = (void *)(udp + 1);

		if ((void *)(g + 2) > data_end)
			return XVS_R_ERR_TUNNEL;
		g[0] = gue;
		g[1] = 0;
	} else {
		gue = 0; /* FOU: the inner packet follows the UDP header */
	}
	if (csum) {
		int v6 = !xvs_addr_is4(&d->daddr);

		/* Pseudo-header (RFC 768 / RFC 8200 8.1), UDP header, GUE header, inner packet. */
		sum += xvs_sum_addr(&d->saddr, v6) + xvs_sum_addr(&d->daddr, v6) +
		       bpf_htons(IPPROTO_UDP) + 2 * (__u32)bpf_htons((__u16)len) + udp->source +
		       udp->dest + gue;
		udp->check = (__u16)~xvs_fold64(sum) ?: 0xffff; /* 0 would mean "none" */
	}
	return XVS_OK;
}

/* Encapsulates the packet for `d`, whose tunnel it fits (xvs_overhead, the MTU: the caller
 * checked), after the TTL decrement and the layer-2 rewrite. Returns XVS_OK, or the reason
 * to drop it. A global function (see struct xvs_inner), defined here and included by
 * xvs.bpf.c only. */
__noinline int xvs_encap(struct xdp_md *ctx, const struct xvs_dest *d,
			 const struct xvs_flow_key *key, const struct xvs_inner *in)
{
	__u32 over, ohl, len, hash = 0;
	void *data_end, *l3, *t;
	__u8 proto, tos;
	__u64 sum = 0;
	int v6, csum = 0;

	if (!d || !key || !in)
		return XVS_R_ERR_TUNNEL;
	l3 = xvs_inner_l3(ctx, in, &data_end);
	over = xvs_overhead(d);
	if (!l3 || !over)
		return XVS_R_ERR_TUNNEL;
	v6 = !xvs_addr_is4(&d->daddr);
	ohl = v6 ? sizeof(struct ipv6hdr) : sizeof(struct iphdr);
	len = over + in->ip_len; /* the outer IP packet */
	if (d->tunnel == XVS_TUNNEL_IPIP)
		proto = in->flags & XVS_INNER_IPV6 ? IPPROTO_IPV6 : IPPROTO_IPIP;
	else if (d->tunnel == XVS_TUNNEL_GRE)
		proto = IPPROTO_GRE;
	else
		proto = IPPROTO_UDP;

	/* The hash gives UDP source ports and IPv6 flow labels (RFC 6438) flow entropy: the
	 * whole 5-tuple, even for sticky services, so that a client's flows still spread. */
	if (proto == IPPROTO_UDP || v6)
		hash = xvs_flow_hash(key, 0);
	tos = xvs_dscp(l3, in->flags & XVS_INNER_IPV6, data_end);
	if (proto == IPPROTO_UDP && !(d->flags & XVS_DEST_NO_UDP_CSUM))
		csum = xvs_inner_sum(l3, data_end, key, in, &sum);

	l3 = xvs_prepend(ctx, in, in->ip_len, over,
			 v6 ? bpf_htons(ETH_P_IPV6) : bpf_htons(ETH_P_IP), &data_end);
	if (!l3)
		return XVS_R_ERR_TUNNEL;
	if (v6) {
		struct ipv6hdr *ip6 = l3;

		if ((void *)(ip6 + 1) > data_end)
			return XVS_R_ERR_TUNNEL;
		xvs_put_ip6(ip6, bpf_htonl(6 << 28 | (__u32)tos << 20 | hash >> 12),
			    len - sizeof(*ip6), proto, &d->saddr, &d->daddr);
		t = ip6 + 1;
	} else {
		struct iphdr *ip = l3;

		if ((void *)(ip + 1) > data_end)
			return XVS_R_ERR_TUNNEL;
		xvs_put_ip4(ip, tos, len, proto, d->saddr.a[3], d->daddr.a[3]);
		t = ip + 1;
	}

	if (proto == IPPROTO_UDP)
		return xvs_put_udp(t, data_end, d, in, len - ohl, hash, csum, sum);
	if (proto == IPPROTO_GRE) {
		__be16 *gre = t;

		if ((void *)(gre + 2) > data_end)
			return XVS_R_ERR_TUNNEL;
		gre[0] = 0; /* no checksum, key or sequence number; version 0 */
		gre[1] = in->flags & XVS_INNER_IPV6 ? bpf_htons(ETH_P_IPV6) : bpf_htons(ETH_P_IP);
	}
	return XVS_OK;
}

#endif /* XVS_ENCAP_H */
