/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0-only) */
/* Path-MTU discovery through DSR. A backend's packets to a client bypass the balancer, so
 * when a router on that path sends ICMP "fragmentation needed" (RFC 1191) or ICMPv6 "packet
 * too big" (RFC 8201), it sends it to the packet's source, the VIP, and it arrives here. The
 * error quotes the backend's packet (VIP:port -> client:port): reversed, that is the key of
 * the flow as the balancer sees it. The whole error goes, like a packet of that flow, to the
 * destination serving the flow (flow tables, else Maglev), without creating a flow entry. */
#ifndef XVS_PMTU_H
#define XVS_PMTU_H

#include <linux/bpf.h>
#include "icmp4_wire.h"
#include <linux/icmpv6.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include "abi.h"
#include "counters.h"
#include "encap.h"
#include "flows.h"
#include "parse.h"
#include "send.h"

#define XVS_QUOTE_PORTS 8 /* the quoted transport header must hold at least this much */
#define XVS_IP_OFFSET 0x1fff

/* The quote's ports and protocol into p->key, reversed: the client's port is the source. */
static __always_inline int xvs_quote_ports(struct xvs_pkt *p, __u8 proto, __be16 *ports)
{
	if ((void *)(ports + 2) > p->data_end)
		return XVS_R_ERR_ICMP_TRUNCATED;
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return XVS_R_ERR_ICMP_PROTOCOL;
	p->key.sport = ports[1];
	p->key.dport = ports[0];
	p->key.proto = proto;
	p->key.pad[0] = p->key.pad[1] = p->key.pad[2] = 0;
	return XVS_OK;
}

/* Checks the quote of an IPv4 error and sets p->key to the flow it names. The lengths are
 * checked against the ICMP message (so padding cannot pass for a quote) and the frame. */
static __always_inline int xvs_quote4(struct xvs_pkt *p)
{
	struct iphdr *q = p->l4 + sizeof(struct icmphdr);
	__u32 qhl;

	if ((void *)(q + 1) > p->data_end || p->l4_len < sizeof(struct icmphdr) + sizeof(*q))
		return XVS_R_ERR_ICMP_TRUNCATED;
	qhl = q->ihl * 4;
	/* A non-first fragment carries no ports. */
	if (q->version != 4 || qhl < sizeof(*q) || bpf_ntohs(q->tot_len) < qhl + XVS_QUOTE_PORTS ||
	    (q->frag_off & bpf_htons(XVS_IP_OFFSET)))
		return XVS_R_ERR_ICMP_QUOTE;
	if (p->l4_len < sizeof(struct icmphdr) + qhl + XVS_QUOTE_PORTS)
		return XVS_R_ERR_ICMP_TRUNCATED;
	if (q->saddr != p->key.daddr.a[3])
		return XVS_R_ERR_ICMP_SOURCE;
	xvs_addr_from_ip4(&p->key.saddr, q->daddr);
	return xvs_quote_ports(p, q->protocol, (void *)q + qhl);
}

/* The same for IPv6. A quote with extension headers is not walked (like packets to a VIP):
 * its next header is then neither TCP nor UDP. */
static __always_inline int xvs_quote6(struct xvs_pkt *p)
{
	struct ipv6hdr *q = p->l4 + sizeof(struct icmp6hdr);
	struct xvs_addr src;

	if ((void *)(q + 1) > p->data_end || p->l4_len < sizeof(struct icmp6hdr) + sizeof(*q))
		return XVS_R_ERR_ICMP_TRUNCATED;
	if (q->version != 6 || bpf_ntohs(q->payload_len) < XVS_QUOTE_PORTS)
		return XVS_R_ERR_ICMP_QUOTE;
	if (p->l4_len < sizeof(struct icmp6hdr) + sizeof(*q) + XVS_QUOTE_PORTS)
		return XVS_R_ERR_ICMP_TRUNCATED;
	xvs_addr_from_ip6(&src, &q->saddr);
	if (src.a[0] != p->key.daddr.a[0] || src.a[1] != p->key.daddr.a[1] ||
	    src.a[2] != p->key.daddr.a[2] || src.a[3] != p->key.daddr.a[3])
		return XVS_R_ERR_ICMP_SOURCE;
	xvs_addr_from_ip6(&p->key.saddr, &q->daddr);
	return xvs_quote_ports(p, q->nexthdr, (void *)(q + 1));
}

/* Delivers the too-big error in p (its ICMP header checked by icmp.h) to the destination of
 * the flow it quotes, through the normal send path. It is never answered with an error of
 * our own: if it would not fit the destination's tunnel, it is dropped. */
static __always_inline int xvs_pmtu(struct xdp_md *ctx, struct xvs_pkt *p,
				    const struct xvs_settings *s, struct xvs_meter *m, __u64 now)
{
	struct xvs_dest *d;
	__u32 over;
	int r;

	r = p->ipv6 ? xvs_quote6(p) : xvs_quote4(p);
	if (r != XVS_OK)
		return xvs_finish(m, r);
	d = xvs_dest_of(p, s, m, now, 0, &r);
	if (!d)
		return xvs_finish(m, r == XVS_R_ERR_NO_SERVICE ? XVS_R_ERR_ICMP_NO_SERVICE : r);
	if (d->tunnel != XVS_TUNNEL_NONE) {
		over = xvs_overhead(d);
		if (over && p->ip_len + over > d->mtu)
			return xvs_finish(m, XVS_R_ERR_ICMP_MTU);
	}
	return xvs_send(ctx, p, d, s, m);
}

#endif /* XVS_PMTU_H */
