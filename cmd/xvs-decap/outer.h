/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0-only) */
/* The outer packet: which tunnel (if any) an IP packet to this host carries, and whether its
 * IP header is sound. Functions return XVS_OK to go on, or the reason that ends the packet's
 * journey (enum xvs_decap_reason). */
#ifndef XVS_DECAP_OUTER_H
#define XVS_DECAP_OUTER_H

#include <linux/bpf.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include "../../bpf/parse.h"
#include "decap_abi.h"

#define XVS_IP_OFFSET_BITS 0x1fff /* IPv4 fragment offset */
/* The largest offset of an inner header: IPv4 with options, UDP and GUE. */
#define XVS_DECAP_MAX_OFFSET (60 + 8 + 4)

/* A packet on its way through the decapsulator. Offsets count from the outer IP header. */
struct xvs_decap {
	struct xvs_pkt p; /* Ethernet, 802.1Q tag, outer IP header and addresses */
	__u32 hl;         /* outer IP header length */
	__u32 limit;      /* end of the tunnel's payload (outer IP or UDP length) */
	__u32 inner;      /* the inner IP header */
	__u8 proto;       /* outer protocol / next header */
	__u8 kind;        /* XVS_DECAP_R_IPIP .. XVS_DECAP_R_GUE */
	__u8 inner_ipv6;
};

/* The packet at `offset` from the outer IP header, NULL beyond any header's offset. The
 * verifier loses an offset's bounds while it is kept in *d: they are restated here, where it
 * becomes a pointer. */
static __always_inline void *xvs_decap_at(const struct xvs_decap *d, __u32 offset)
{
	if (offset > XVS_DECAP_MAX_OFFSET)
		return NULL;
	return d->p.l3 + offset;
}

/* Sets d->kind when the packet is a tunnel packet: IP protocol 4, 41 or 47, or UDP to a
 * configured FOU/GUE port. Anything else belongs to the host. IPv6 extension headers are not
 * walked: a packet with one goes to the host. */
static __always_inline int xvs_decap_classify(struct xvs_decap *d,
					      const struct xvs_decap_config *c)
{
	void *data_end = d->p.data_end;
	struct udphdr *udp;
	__u32 hl, later = 0;

	if (d->p.ipv6) {
		struct ipv6hdr *ip6 = d->p.l3;

		if ((void *)(ip6 + 1) > data_end)
			return XVS_DECAP_R_SHORT;
		d->proto = ip6->nexthdr;
		hl = sizeof(*ip6);
	} else {
		struct iphdr *ip = d->p.l3;

		if ((void *)(ip + 1) > data_end)
			return XVS_DECAP_R_SHORT;
		d->proto = ip->protocol;
		hl = ip->ihl * 4;
		later = ip->frag_off & bpf_htons(XVS_IP_OFFSET_BITS);
	}
	d->hl = hl;
	switch (d->proto) {
	case IPPROTO_IPIP:
	case IPPROTO_IPV6:
		d->kind = XVS_DECAP_R_IPIP;
		return XVS_OK;
	case IPPROTO_GRE:
		d->kind = XVS_DECAP_R_GRE;
		return XVS_OK;
	case IPPROTO_UDP:
		break;
	default:
		return XVS_DECAP_R_NOT_TUNNEL;
	}
	/* A later fragment carries no UDP header; a bad header length hides it. */
	if (later || hl < sizeof(struct iphdr))
		return XVS_DECAP_R_NOT_TUNNEL;
	udp = d->p.l3 + hl;
	if ((void *)(udp + 1) > data_end)
		return XVS_DECAP_R_SHORT;
	if (c->fou_port && udp->dest == c->fou_port)
		d->kind = XVS_DECAP_R_FOU;
	else if (c->gue_port && udp->dest == c->gue_port)
		d->kind = XVS_DECAP_R_GUE;
	else
		return XVS_DECAP_R_NOT_TUNNEL;
	return XVS_OK;
}

/* The outer IP header of a tunnel packet: complete, consistent, not a fragment. Sets
 * d->limit to the IP length (Ethernet padding may follow). The outer TTL is not looked at:
 * the packet is delivered here, not forwarded. */
static __always_inline int xvs_decap_outer(struct xvs_decap *d)
{
	void *data_end = d->p.data_end;
	__u32 len;

	if (d->p.ipv6) {
		struct ipv6hdr *ip6 = d->p.l3;

		if ((void *)(ip6 + 1) > data_end)
			return XVS_DECAP_R_MALFORMED;
		len = sizeof(*ip6) + bpf_ntohs(ip6->payload_len);
		if (ip6->version != 6 || (void *)ip6 + len > data_end)
			return XVS_DECAP_R_MALFORMED;
	} else {
		struct iphdr *ip = d->p.l3;

		if ((void *)(ip + 1) > data_end)
			return XVS_DECAP_R_MALFORMED;
		len = bpf_ntohs(ip->tot_len);
		if (ip->version != 4 || d->hl < sizeof(*ip) || len < d->hl ||
		    (void *)ip + len > data_end)
			return XVS_DECAP_R_MALFORMED;
		/* Once stripped nobody would check it: a corrupt header must not pass as ours. */
		if (!xvs_ip4_csum_ok(ip, d->hl, data_end))
			return XVS_DECAP_R_MALFORMED;
		if (ip->frag_off & bpf_htons(XVS_IP_FRAG_BITS))
			return XVS_DECAP_R_FRAGMENTED;
	}
	d->limit = len;
	return XVS_OK;
}

#endif /* XVS_DECAP_OUTER_H */
