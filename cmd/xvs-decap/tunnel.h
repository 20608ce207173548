/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0-only) */
/* The tunnel header (GRE, UDP, GUE) and the inner packet it carries. Functions return XVS_OK
 * to go on, or the reason that ends the packet's journey (enum xvs_decap_reason). */
#ifndef XVS_DECAP_TUNNEL_H
#define XVS_DECAP_TUNNEL_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include "../../bpf/parse.h"
#include "decap_abi.h"
#include "outer.h"

/* RFC 2784: C (checksum present), bits 1-5 (RFC 1701's routing, key, sequence, strict
 * source route and recursion bits: "MUST discard") and the version. Bits 6-12 are reserved
 * and "MUST be ignored on receipt". */
#define XVS_GRE_REJECT_BITS 0xfc07

struct xvs_gre_hdr {
	__be16 flags; /* C, reserved0, version */
	__be16 proto; /* ethertype of the payload */
};

/* draft-ietf-intarea-gue section 3.1, variant 0: version (2 bits), C (1), Hlen (5), then
 * Proto/ctype and Flags. */
struct xvs_gue_hdr {
	__u8 vchl;
	__u8 proto;
	__be16 flags;
};

/* Sets *ipv6 from the IP protocol number naming a payload (IPIP, GUE); 0 when it names
 * neither IPv4 nor IPv6. */
static __always_inline int xvs_decap_family_of_proto(__u8 proto, __u8 *ipv6)
{
	if (proto != IPPROTO_IPIP && proto != IPPROTO_IPV6)
		return 0;
	*ipv6 = proto == IPPROTO_IPV6;
	return 1;
}

static __always_inline int xvs_decap_gre(struct xvs_decap *d)
{
	struct xvs_gre_hdr *gre = xvs_decap_at(d, d->hl);

	if (!gre || (void *)(gre + 1) > d->p.data_end || d->hl + sizeof(*gre) > d->limit)
		return XVS_DECAP_R_MALFORMED;
	if (gre->flags & bpf_htons(XVS_GRE_REJECT_BITS))
		return XVS_DECAP_R_GRE_FLAGS;
	if (gre->proto == bpf_htons(ETH_P_IP))
		d->inner_ipv6 = 0;
	else if (gre->proto == bpf_htons(ETH_P_IPV6))
		d->inner_ipv6 = 1;
	else
		return XVS_DECAP_R_UNSUPPORTED;
	d->inner = d->hl + sizeof(*gre);
	return XVS_OK;
}

/* FOU names no protocol: the inner header's version nibble does. */
static __always_inline int xvs_decap_fou(struct xvs_decap *d, __u8 *payload)
{
	if ((void *)(payload + 1) > d->p.data_end)
		return XVS_DECAP_R_MALFORMED;
	if (*payload >> 4 == 4)
		d->inner_ipv6 = 0;
	else if (*payload >> 4 == 6)
		d->inner_ipv6 = 1;
	else
		return XVS_DECAP_R_UNSUPPORTED;
	d->inner = d->hl + sizeof(struct udphdr);
	return XVS_OK;
}

static __always_inline int xvs_decap_gue(struct xvs_decap *d, struct xvs_gue_hdr *gue)
{
	if ((void *)(gue + 1) > d->p.data_end ||
	    d->hl + sizeof(struct udphdr) + sizeof(*gue) > d->limit)
		return XVS_DECAP_R_MALFORMED;
	/* Variant 0, a data message, no extension fields, no flags: what a balancer sends. */
	if (gue->vchl || gue->flags)
		return XVS_DECAP_R_GUE_HEADER;
	if (!xvs_decap_family_of_proto(gue->proto, &d->inner_ipv6))
		return XVS_DECAP_R_UNSUPPORTED;
	d->inner = d->hl + sizeof(struct udphdr) + sizeof(*gue);
	return XVS_OK;
}

/* FOU and GUE. The UDP checksum is not verified (it would cost a pass over the payload): the
 * inner packet's own checksums still protect it. A zero checksum is fine over IPv6 too, as
 * RFC 6935 allows for tunnels. */
static __always_inline int xvs_decap_udp(struct xvs_decap *d)
{
	struct udphdr *udp = xvs_decap_at(d, d->hl);
	__u32 len;

	if (!udp || (void *)(udp + 1) > d->p.data_end)
		return XVS_DECAP_R_MALFORMED;
	len = bpf_ntohs(udp->len);
	if (len < sizeof(*udp) || d->hl + len > d->limit)
		return XVS_DECAP_R_MALFORMED;
	d->limit = d->hl + len;
	if (d->kind == XVS_DECAP_R_FOU)
		return xvs_decap_fou(d, (void *)(udp + 1));
	return xvs_decap_gue(d, (void *)(udp + 1));
}

/* Sets d->inner and d->inner_ipv6 from the tunnel header. */
static __always_inline int xvs_decap_tunnel(struct xvs_decap *d)
{
	switch (d->kind) {
	case XVS_DECAP_R_IPIP:
		xvs_decap_family_of_proto(d->proto, &d->inner_ipv6);
		d->inner = d->hl;
		return XVS_OK;
	case XVS_DECAP_R_GRE:
		return xvs_decap_gre(d);
	default:
		return xvs_decap_udp(d);
	}
}

/* The inner IP header: of the announced family, complete, and its packet within the
 * tunnel's payload. The rest is the host's to check once the packet is passed on. */
static __always_inline int xvs_decap_inner(struct xvs_decap *d, struct xvs_addr *daddr)
{
	void *data_end = d->p.data_end;
	struct iphdr *ip = xvs_decap_at(d, d->inner);
	struct ipv6hdr *ip6 = (void *)ip;
	__u32 len;

	if (!ip)
		return XVS_DECAP_R_MALFORMED;
	if (d->inner_ipv6) {
		if ((void *)(ip6 + 1) > data_end || ip6->version != 6 ||
		    d->inner + sizeof(*ip6) + bpf_ntohs(ip6->payload_len) > d->limit)
			return XVS_DECAP_R_MALFORMED;
		xvs_addr_from_ip6(daddr, &ip6->daddr);
		return XVS_OK;
	}
	if ((void *)(ip + 1) > data_end)
		return XVS_DECAP_R_MALFORMED;
	len = bpf_ntohs(ip->tot_len);
	if (ip->version != 4 || ip->ihl < 5 || len < ip->ihl * 4u || d->inner + len > d->limit)
		return XVS_DECAP_R_MALFORMED;
	xvs_addr_from_ip4(daddr, ip->daddr);
	return XVS_OK;
}

#endif /* XVS_DECAP_TUNNEL_H */
