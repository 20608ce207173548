/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0-only) */
/* ICMP to a VIP: echo requests are answered in place (the VIP is ours to answer for);
 * too-big errors are left to pmtu.h (XVS_OK), which delivers them to a backend; anything
 * else is dropped. */
#ifndef XVS_ICMP_H
#define XVS_ICMP_H

#include "icmp4_wire.h"
#include <linux/icmpv6.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include "checksum.h"
#include "parse.h"

#define XVS_ECHO_TTL 64

static __always_inline void xvs_swap_macs(struct ethhdr *eth)
{
	__u8 tmp[ETH_ALEN];

	__builtin_memcpy(tmp, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, tmp, ETH_ALEN);
}

/* Swapping the addresses leaves every checksum as it is (the sums are commutative); only
 * the type and the TTL change, and are patched incrementally. */
static __always_inline int xvs_icmp4(struct xvs_pkt *p)
{
	struct icmphdr *icmp = p->l4;
	struct iphdr *ip = p->l3;
	__u16 *type_code = p->l4; /* type and code as one checksummed word */
	__u16 *ttl_proto = (__u16 *)&ip->ttl;
	__u16 old;
	__be32 addr;

	if ((void *)(icmp + 1) > p->data_end || (void *)(ip + 1) > p->data_end ||
	    p->l4_len < sizeof(*icmp))
		return XVS_R_ERR_MALFORMED;
	if (icmp->type == ICMP_DEST_UNREACH && icmp->code == ICMP_FRAG_NEEDED)
		return XVS_OK;
	if (icmp->type != ICMP_ECHO)
		return XVS_R_ERR_ICMP;
	old = *type_code;
	icmp->type = ICMP_ECHOREPLY;
	xvs_csum_replace(&icmp->checksum, old, *type_code);

	old = *ttl_proto;
	ip->ttl = XVS_ECHO_TTL;
	xvs_csum_replace(&ip->check, old, *ttl_proto);
	addr = ip->saddr;
	ip->saddr = ip->daddr;
	ip->daddr = addr;
	xvs_swap_macs(p->eth);
	return XVS_R_ICMP_ECHO;
}

static __always_inline int xvs_icmp6(struct xvs_pkt *p)
{
	struct icmp6hdr *icmp = p->l4;
	struct ipv6hdr *ip6 = p->l3;
	__u16 *type_code = p->l4;
	struct in6_addr addr;
	__u16 old;

	if ((void *)(icmp + 1) > p->data_end || (void *)(ip6 + 1) > p->data_end ||
	    p->l4_len < sizeof(*icmp))
		return XVS_R_ERR_MALFORMED;
	/* The code is ignored by the receiver (RFC 4443 3.2). */
	if (icmp->icmp6_type == ICMPV6_PKT_TOOBIG)
		return XVS_OK;
	if (icmp->icmp6_type != ICMPV6_ECHO_REQUEST)
		return XVS_R_ERR_ICMP;
	old = *type_code;
	icmp->icmp6_type = ICMPV6_ECHO_REPLY;
	xvs_csum_replace(&icmp->icmp6_cksum, old, *type_code);

	ip6->hop_limit = XVS_ECHO_TTL;
	addr = ip6->saddr;
	ip6->saddr = ip6->daddr;
	ip6->daddr = addr;
	xvs_swap_macs(p->eth);
	return XVS_R_ICMP_ECHO;
}

#endif /* XVS_ICMP_H */
