/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0-only) */
/* Bounds-checked header parsing. xvs_parse_l3 does only what the not-a-VIP path needs
 * (find the destination address); the VIP path then validates the IP header fully
 * (xvs_check_ip4/6) and the transport header (xvs_parse_l4). Functions return XVS_OK to go
 * on, or the reason that ends the packet's journey. */
#ifndef XVS_PARSE_H
#define XVS_PARSE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include "abi.h"
#include "checksum.h"

#define XVS_OK (-1)

#define XVS_IP_FRAG_BITS 0x3fff /* MF flag and fragment offset */

#define XVS_TCP_FIN 0x01
#define XVS_TCP_SYN 0x02
#define XVS_TCP_RST 0x04
#define XVS_TCP_ACK 0x10

struct xvs_vlan_hdr {
	__be16 tci; /* PCP (3 bits), DEI (1), VID (12) */
	__be16 proto;
};

/* What is known about the packet being handled. */
struct xvs_pkt {
	struct xvs_flow_key key; /* addresses, then ports and protocol once parsed */
	void *data_end;
	struct ethhdr *eth;
	struct xvs_vlan_hdr *vlan; /* NULL when untagged */
	void *l3;                  /* struct iphdr or struct ipv6hdr */
	void *l4;
	__u32 ip_len; /* IP packet length from the header, padding excluded */
	__u32 l4_len; /* ip_len minus the IP header */
	__u8 ipv6;
	__u8 proto;
	__u8 tcp_flags;
};

static __always_inline void xvs_addr_from_ip4(struct xvs_addr *a, __be32 ip)
{
	a->a[0] = 0;
	a->a[1] = 0;
	a->a[2] = bpf_htonl(0xffff);
	a->a[3] = ip;
}

static __always_inline void xvs_addr_from_ip6(struct xvs_addr *a, const struct in6_addr *ip)
{
	a->a[0] = ip->in6_u.u6_addr32[0];
	a->a[1] = ip->in6_u.u6_addr32[1];
	a->a[2] = ip->in6_u.u6_addr32[2];
	a->a[3] = ip->in6_u.u6_addr32[3];
}

/* Ethernet, one optional 802.1Q tag, and the IP addresses. A cut-off Ethernet/VLAN/IP
 * fixed header cannot even be classified: malformed. */
static __always_inline int xvs_parse_l3(struct xdp_md *ctx, struct xvs_pkt *p)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	void *l3 = eth + 1;
	__be16 proto;

	if (l3 > data_end)
		return XVS_R_ERR_MALFORMED;
	p->data_end = data_end;
	p->eth = eth;
	p->vlan = NULL;
	proto = eth->h_proto;
	if (proto == bpf_htons(ETH_P_8021Q)) {
		struct xvs_vlan_hdr *vlan = l3;

		if ((void *)(vlan + 1) > data_end)
			return XVS_R_ERR_MALFORMED;
		p->vlan = vlan;
		proto = vlan->proto;
		l3 = vlan + 1;
	}
	p->l3 = l3;

	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = l3;

		if ((void *)(ip + 1) > data_end)
			return XVS_R_ERR_MALFORMED;
		p->ipv6 = 0;
		xvs_addr_from_ip4(&p->key.saddr, ip->saddr);
		xvs_addr_from_ip4(&p->key.daddr, ip->daddr);
		return XVS_OK;
	}
	if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = l3;

		if ((void *)(ip6 + 1) > data_end)
			return XVS_R_ERR_MALFORMED;
		p->ipv6 = 1;
		xvs_addr_from_ip6(&p->key.saddr, &ip6->saddr);
		xvs_addr_from_ip6(&p->key.daddr, &ip6->daddr);
		return XVS_OK;
	}
	return XVS_R_NOT_IP;
}

/* Full IPv4 validation for a packet to a VIP. IPv4 options are allowed (skipped). */
static __always_inline int xvs_check_ip4(struct xvs_pkt *p)
{
	struct iphdr *ip = p->l3;
	__u32 hl, len;

	/* Re-proven here: the verifier does not carry the range through the spilled pointer. */
	if ((void *)(ip + 1) > p->data_end)
		return XVS_R_ERR_MALFORMED;
	hl = ip->ihl * 4;
	len = bpf_ntohs(ip->tot_len);
	/* Ethernet padding may follow the packet: only a length beyond the frame is wrong. */
	if (ip->version != 4 || hl < sizeof(*ip) || len < hl || (void *)ip + len > p->data_end)
		return XVS_R_ERR_MALFORMED;
	p->ip_len = len;
	/* Verified on the VIP path only: we must never forward a corrupt header. */
	if (!xvs_ip4_csum_ok(ip, hl, p->data_end))
		return XVS_R_ERR_MALFORMED;
	if (ip->frag_off & bpf_htons(XVS_IP_FRAG_BITS))
		return XVS_R_ERR_FRAGMENTED;
	if (ip->ttl <= 1)
		return XVS_R_ERR_TTL;
	p->proto = ip->protocol;
	p->l4 = (void *)ip + hl;
	p->l4_len = len - hl;
	return XVS_OK;
}

static __always_inline int xvs_ip6_ext_header(__u8 next)
{
	switch (next) {
	case IPPROTO_HOPOPTS:
	case IPPROTO_ROUTING:
	case IPPROTO_DSTOPTS:
	case IPPROTO_AH:
	case IPPROTO_MH:
	case 139: /* HIP */
	case 140: /* Shim6 */
	case 253: /* experimentation (RFC 3692) */
	case 254:
		return 1;
	}
	return 0;
}

/* Full IPv6 validation for a packet to a VIP. Extension headers are not walked: a fragment
 * header drops as a fragment, any other extension header as IP options. */
static __always_inline int xvs_check_ip6(struct xvs_pkt *p)
{
	struct ipv6hdr *ip6 = p->l3;
	__u32 len;

	if ((void *)(ip6 + 1) > p->data_end)
		return XVS_R_ERR_MALFORMED;
	len = bpf_ntohs(ip6->payload_len);
	if (ip6->version != 6 || (void *)(ip6 + 1) + len > p->data_end)
		return XVS_R_ERR_MALFORMED;
	p->ip_len = len + sizeof(*ip6);
	if (ip6->nexthdr == IPPROTO_FRAGMENT)
		return XVS_R_ERR_FRAGMENTED;
	if (xvs_ip6_ext_header(ip6->nexthdr))
		return XVS_R_ERR_IP_OPTIONS;
	if (ip6->hop_limit <= 1)
		return XVS_R_ERR_TTL;
	p->proto = ip6->nexthdr;
	p->l4 = ip6 + 1;
	p->l4_len = len;
	return XVS_OK;
}

/* TCP or UDP header: complete in the frame and within the IP length (so padding cannot
 * pass for a header). Fills the ports and protocol of the flow key. */
static __always_inline int xvs_parse_l4(struct xvs_pkt *p)
{
	p->key.proto = p->proto;
	p->key.pad[0] = p->key.pad[1] = p->key.pad[2] = 0;
	p->tcp_flags = 0;
	if (p->proto == IPPROTO_TCP) {
		struct tcphdr *tcp = p->l4;

		if ((void *)(tcp + 1) > p->data_end || p->l4_len < sizeof(*tcp) || tcp->doff < 5 ||
		    tcp->doff * 4u > p->l4_len)
			return XVS_R_ERR_MALFORMED;
		p->key.sport = tcp->source;
		p->key.dport = tcp->dest;
		p->tcp_flags = ((__u8 *)tcp)[13];
		return XVS_OK;
	}
	if (p->proto == IPPROTO_UDP) {
		struct udphdr *udp = p->l4;

		/* The UDP length may be shorter than the IP payload (trailing bytes, which the
		 * receiver trims) but not longer, nor shorter than the header. */
		if ((void *)(udp + 1) > p->data_end || p->l4_len < sizeof(*udp) ||
		    bpf_ntohs(udp->len) < sizeof(*udp) || bpf_ntohs(udp->len) > p->l4_len)
			return XVS_R_ERR_MALFORMED;
		p->key.sport = udp->source;
		p->key.dport = udp->dest;
		return XVS_OK;
	}
	return XVS_R_ERR_PROTOCOL;
}

#endif /* XVS_PARSE_H */
