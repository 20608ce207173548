/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0-only) */
/* Building packets around the client's IP packet (tunnel encapsulation, ICMP errors that
 * quote it): the IP packet stays where it is, new headers go between it and the Ethernet
 * header, which moves to the new front. Also how the builders receive the packet, and the
 * writers of the new IP headers, with their checksums folded inline. */
#ifndef XVS_PREPEND_H
#define XVS_PREPEND_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include "abi.h"
#include "checksum.h"
#include "parse.h"

#define XVS_PREPEND_MAX 52 /* the most ever prepended: IPv6 + UDP + GUE */
#define XVS_NEW_TTL 64     /* TTL / hop limit of every IP header the program writes */
#define XVS_IP_DF 0x4000

/* The builders (xvs_encap, xvs_too_big) are global functions: the verifier checks each once,
 * on its own, instead of once for every path that reaches it (inlined, they made the program
 * too large to verify), for the price of a call. Packet pointers cannot be passed to them:
 * they get the flow key and this, and find the packet again from ctx (xvs_inner_l3). Small,
 * because the stacks of caller and callee count against one limit of 512 bytes. */
/* The compiler sees a global function's body and may infer the few values it returns, then
 * drop range checks that the verifier, which assumes any value, needs: a caller launders the
 * result through this. */
static __always_inline int xvs_opaque(int v)
{
	asm volatile("" : "+r"(v));
	return v;
}

enum xvs_inner_flags {
	XVS_INNER_TAGGED = 1 << 0, /* an 802.1Q tag precedes the IP header */
	XVS_INNER_IPV6 = 1 << 1,
};
struct xvs_inner {
	__u32 ip_len;
	__u16 l4_len;
	__u8 proto;
	__u8 flags; /* enum xvs_inner_flags */
};

static __always_inline void xvs_inner_of(const struct xvs_pkt *p, struct xvs_inner *in)
{
	in->ip_len = p->ip_len;
	in->l4_len = (__u16)p->l4_len;
	in->proto = p->proto;
	in->flags = (p->vlan ? XVS_INNER_TAGGED : 0) | (p->ipv6 ? XVS_INNER_IPV6 : 0);
}

/* The layer-2 header's length, by arithmetic rather than a branch: a pointer this far into
 * the frame is then one verifier state, 14 to 18 bytes in, and what follows is verified once
 * for both layouts (as a branch, twice: over half of xvs_encap's and xvs_too_big's work). */
static __always_inline __u32 xvs_inner_l2(const struct xvs_inner *in)
{
	_Static_assert(XVS_INNER_TAGGED == 1, "the flag is the tag count");
	return sizeof(struct ethhdr) + (in->flags & XVS_INNER_TAGGED) * sizeof(struct xvs_vlan_hdr);
}

/* The IP header, with the whole IP packet proven to lie in the frame (nothing is known of a
 * global function's arguments); *end is the frame's end. NULL if not. */
static __always_inline void *xvs_inner_l3(struct xdp_md *ctx, const struct xvs_inner *in,
					  void **end)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *l3 = (void *)(long)ctx->data + xvs_inner_l2(in);
	__u32 len = in->ip_len;

	/* Bounds len for the verifier: IPv6 allows 40 + 65535. */
	if (len > 40 + 0xffff || l3 + len > data_end)
		return NULL;
	*end = data_end;
	return l3;
}

/* Keeps the first `keep` bytes of the IP packet (cutting Ethernet padding, or what an ICMP
 * error does not quote), opens `grow` bytes (even, 20..XVS_PREPEND_MAX) in front of it and
 * moves the Ethernet header, 802.1Q tag included, to the new front with ethertype `proto`.
 * Returns where the new headers go, with *end the frame's end; NULL if the frame cannot be
 * resized (the packet is then only fit to drop).
 *
 * The helpers invalidate every packet pointer, the verifier's proofs with them: everything
 * below works from ctx again, and each header written later is bounds-checked once more. */
static __always_inline void *xvs_prepend(struct xdp_md *ctx, const struct xvs_inner *in,
					 __u32 keep, __u32 grow, __be16 proto, void **end)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 frame = data_end - data, tail;
	__u16 *to, *from;

	/* Else clang may fold the layer-2 length into the pointers' difference, as 32-bit
	 * arithmetic on a packet pointer, which the verifier refuses. */
	barrier_var(frame);
	tail = frame - xvs_inner_l2(in); /* bytes from the IP header on */

	if (tail > keep && bpf_xdp_adjust_tail(ctx, -(int)(tail - keep)))
		return NULL;
	if (grow > XVS_PREPEND_MAX || bpf_xdp_adjust_head(ctx, -(int)grow))
		return NULL;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	/* The frame now holds grow + the old L2 header + at least an IP header. */
	to = data;
	from = data + grow;
	if ((void *)(from + 9) > data_end)
		return NULL;
	/* Two-byte words: frames start at an even address and grow is even. The source lies
	 * wholly after the destination (grow >= 20 > 18), so copying forward is safe. */
#pragma unroll
	for (int i = 0; i < 6; i++) /* destination and source MAC */
		to[i] = from[i];
	*end = data_end;
	if (in->flags & XVS_INNER_TAGGED) {
		to[6] = from[6]; /* TPID */
		to[7] = from[7]; /* TCI, as the caller left it */
		to[8] = proto;
	} else {
		to[6] = proto;
	}
	return (void *)to + xvs_inner_l2(in);
}

/* An IPv4 header without options: DF set, so ID 0 (RFC 6864 4.1: the ID of an atomic
 * datagram has no meaning), TTL 64. */
static __always_inline void xvs_put_ip4(struct iphdr *ip, __u8 tos, __u32 tot_len, __u8 proto,
					__be32 saddr, __be32 daddr)
{
	__u64 s;

	*(__u8 *)ip = 0x45; /* version 4, 5 words */
	ip->tos = tos;
	ip->tot_len = bpf_htons((__u16)tot_len);
	ip->id = 0;
	ip->frag_off = bpf_htons(XVS_IP_DF);
	ip->ttl = XVS_NEW_TTL;
	ip->protocol = proto;
	ip->saddr = saddr;
	ip->daddr = daddr;
	/* Sum of the header's words as they lie in memory (so no byte swapping), check 0. */
	s = (__u64)bpf_htons(0x4500 | tos) + bpf_htons((__u16)tot_len) + bpf_htons(XVS_IP_DF) +
	    bpf_htons(XVS_NEW_TTL << 8 | proto) + saddr + daddr;
	ip->check = (__u16)~xvs_fold64(s);
}

/* An IPv6 header: `first` is the version / traffic class / flow label word (network
 * order), hop limit 64, addresses from the ABI form. */
static __always_inline void xvs_put_ip6(struct ipv6hdr *ip6, __be32 first, __u32 payload_len,
					__u8 nexthdr, const struct xvs_addr *saddr,
					const struct xvs_addr *daddr)
{
	*(__be32 *)ip6 = first;
	ip6->payload_len = bpf_htons((__u16)payload_len);
	ip6->nexthdr = nexthdr;
	ip6->hop_limit = XVS_NEW_TTL;
#pragma unroll
	for (int i = 0; i < 4; i++) {
		ip6->saddr.in6_u.u6_addr32[i] = saddr->a[i];
		ip6->daddr.in6_u.u6_addr32[i] = daddr->a[i];
	}
}

#endif /* XVS_PREPEND_H */
