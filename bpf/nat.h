/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0-only) */
/* Health-check NAT (docs/healthchecks.md, the addresses in abi.h). Three pieces:
 *  - xvs_nat_probe, on the host end of the veth pair: a packet from the host to NAT address
 *    N of pair (VIP, backend) becomes ours:port' -> VIP:port and leaves like client traffic
 *    to that backend (layer 2 or its tunnel);
 *  - xvs_nat_reply, on the forwarding path: the backend's answer (VIP -> ours:port') becomes
 *    N -> host:port and is sent into the pair;
 *  - xvs_nat_reflect, on the peer in the NAT namespace: sends both directions back to the
 *    host end, whose program (or the host's stack) takes them from there.
 * Addresses and ports change, so the transport checksum is patched for the pseudo-header
 * and the port: the host end has transmit checksum offload off, so its sums are complete. */
#ifndef XVS_NAT_H
#define XVS_NAT_H

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
#include "hash.h"
#include "icmp.h"
#include "maps.h"
#include "parse.h"
#include "send.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XVS_MAX_DESTINATIONS);
	__type(key, struct xvs_addr);
	__type(value, struct xvs_nat);
} nat_addrs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, XVS_NAT_CONNS);
	__type(key, struct xvs_flow_key);
	__type(value, struct xvs_nat_conn);
} nat_conns SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, XVS_NAT_CONNS);
	__type(key, struct xvs_flow_key);
	__type(value, struct xvs_nat_port);
} nat_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xvs_nat_counters);
} nat_counters SEC(".maps");

static __always_inline int xvs_addr_eq(const struct xvs_addr *a, const struct xvs_addr *b)
{
	return a->a[0] == b->a[0] && a->a[1] == b->a[1] && a->a[2] == b->a[2] &&
	       a->a[3] == b->a[3];
}

/* Inside 198.18.0.0/16 or 2001:2::/48, where every NAT-side address lies. */
static __always_inline int xvs_nat_side(const struct xvs_addr *a, int v6)
{
	if (!v6)
		return (bpf_ntohl(a->a[3]) & 0xffff0000u) == XVS_NAT4_NET;
	return a->a[0] == bpf_htonl(XVS_NAT6_NET) && !(a->a[1] & bpf_htonl(0xffff0000u));
}

/* The host end's address of the family. */
static __always_inline int xvs_nat_host(const struct xvs_addr *a, int v6)
{
	if (!v6)
		return a->a[3] == bpf_htonl(XVS_NAT4_HOST);
	return a->a[0] == bpf_htonl(XVS_NAT6_NET) && a->a[1] == bpf_htonl(XVS_NAT6_HOST_WORD2) &&
	       !a->a[2] && a->a[3] == bpf_htonl(1);
}

/* Writes an address into the IP header (where the parser found the old one). */
static __always_inline void xvs_put_addr(void *field, const struct xvs_addr *a, int v6)
{
	if (v6)
		__builtin_memcpy(field, a, 16);
	else
		__builtin_memcpy(field, &a->a[3], 4);
}

/* Rewrites source and destination address and the port at `port_off` (0: source port, 2:
 * destination port) of a validated TCP/UDP packet, with every checksum patched. `p->key`
 * follows, so later steps (encapsulation) see the packet as it now is. */
static __always_inline int xvs_nat_rewrite(struct xvs_pkt *p, const struct xvs_addr *saddr,
					   const struct xvs_addr *daddr, int port_off,
					   __u16 port)
{
	__u64 old = xvs_sum_addr(&p->key.saddr, p->ipv6) + xvs_sum_addr(&p->key.daddr, p->ipv6);
	__u64 new = xvs_sum_addr(saddr, p->ipv6) + xvs_sum_addr(daddr, p->ipv6);
	__u16 *ports = p->l4;
	__u16 *check;

	if ((void *)(ports + 2) > p->data_end)
		return 0;
	if (p->proto == IPPROTO_TCP) {
		struct tcphdr *tcp = p->l4;

		if ((void *)(tcp + 1) > p->data_end)
			return 0;
		check = &tcp->check;
	} else {
		struct udphdr *udp = p->l4;

		if ((void *)(udp + 1) > p->data_end)
			return 0;
		check = &udp->check;
	}
	/* The L4 sum covers addresses (pseudo-header) and port; the IPv4 header only the
	 * addresses. An IPv4 UDP checksum of 0 means "none" and stays so. */
	if (p->proto == IPPROTO_TCP || p->ipv6 || *check) {
		__u16 mold = port_off ? ports[1] : ports[0];
		__u32 s = (__u32)(__u16)~*check + (__u16)~xvs_fold64(old + mold) +
			  xvs_fold64(new + port);

		*check = (__u16)~xvs_fold32(s);
		if (p->proto == IPPROTO_UDP && !*check)
			*check = 0xffff;
	}
	if (port_off)
		ports[1] = port;
	else
		ports[0] = port;

	if (p->ipv6) {
		struct ipv6hdr *ip6 = p->l3;

		if ((void *)(ip6 + 1) > p->data_end)
			return 0;
		xvs_put_addr(&ip6->saddr, saddr, 1);
		xvs_put_addr(&ip6->daddr, daddr, 1);
	} else {
		struct iphdr *ip = p->l3;
		__u32 s;

		if ((void *)(ip + 1) > p->data_end)
			return 0;
		s = (__u32)(__u16)~ip->check + (__u16)~xvs_fold64(old) + xvs_fold64(new);
		ip->check = (__u16)~xvs_fold32(s);
		xvs_put_addr(&ip->saddr, saddr, 0);
		xvs_put_addr(&ip->daddr, daddr, 0);
	}
	p->key.saddr = *saddr;
	p->key.daddr = *daddr;
	if (port_off)
		p->key.dport = port;
	else
		p->key.sport = port;
	return 1;
}

/* On the forwarding path, for a packet from a VIP to something that is not a VIP: a reply
 * to a probe goes into the NAT pair; anything else is the host's (XVS_OK). */
static __always_inline int xvs_nat_reply(struct xdp_md *ctx, struct xvs_pkt *p,
					 struct xvs_meter *m)
{
	const __u32 zero = 0;
	struct xvs_settings *s = bpf_map_lookup_elem(&settings, &zero);
	struct xvs_nat_conn *c;
	struct ethhdr *eth;

	if (!s || !s->nat_ifindex)
		return XVS_OK;
	if ((p->ipv6 ? xvs_check_ip6(p) : xvs_check_ip4(p)) != XVS_OK || xvs_parse_l4(p) != XVS_OK)
		return XVS_OK;
	c = bpf_map_lookup_elem(&nat_conns, &p->key);
	if (!c)
		return XVS_OK;
	if (!xvs_nat_rewrite(p, &c->nat, &c->host, 2, c->port))
		return XVS_OK;
	/* Into the pair untagged, addressed to the peer, which reflects it to the host. */
	if (p->vlan) {
		struct ethhdr copy;

		eth = p->eth;
		if ((void *)(eth + 1) > p->data_end)
			return XVS_OK;
		copy = *eth;
		copy.h_proto = p->vlan->proto;
		if (bpf_xdp_adjust_head(ctx, sizeof(struct xvs_vlan_hdr)))
			return XVS_OK;
		eth = (void *)(long)ctx->data;
		if ((void *)(eth + 1) > (void *)(long)ctx->data_end)
			return XVS_OK;
		*eth = copy;
	} else {
		eth = p->eth;
		if ((void *)(eth + 1) > p->data_end)
			return XVS_OK;
	}
	__builtin_memcpy(eth->h_source, s->nat_mac, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, s->nat_peer_mac, ETH_ALEN);
	m->reason = XVS_R_PROBE_REPLY;
	return bpf_redirect(s->nat_ifindex, 0);
}

/* The reply entry leads back to this probe's socket: the same NAT address, host address and
 * host port (a probe from another source address of the host is another connection). */
static __always_inline int xvs_nat_conn_eq(const struct xvs_nat_conn *c,
					   const struct xvs_nat_conn *back)
{
	return xvs_addr_eq(&c->nat, &back->nat) && xvs_addr_eq(&c->host, &back->host) &&
	       c->port == back->port;
}

/* The source port on the wire for a probe: the host's own unless another probe to the same
 * VIP and port already replies to it (other backends share the VIP). The reply entry is
 * claimed atomically (BPF_NOEXIST), so two CPUs cannot take one port for two probes. */
static __always_inline int xvs_nat_port(const struct xvs_flow_key *probe,
					struct xvs_flow_key *reply, const struct xvs_nat_conn *back,
					__u16 *port)
{
	struct xvs_nat_port *known = bpf_map_lookup_elem(&nat_ports, probe);
	struct xvs_nat_port chosen = {};
	struct xvs_nat_conn *c;
	__u64 h;

	if (known) {
		reply->dport = known->port;
		c = bpf_map_lookup_elem(&nat_conns, reply);
		/* Still ours unless the reply entry was evicted and claimed by another probe. */
		if (c && xvs_nat_conn_eq(c, back)) {
			*port = known->port;
			return 1;
		}
	}
	h = xvs_hash_addr(XVS_HASH_SEED, &probe->daddr);
	for (__u32 i = 0; i < XVS_NAT_PORT_TRIES; i++) {
		__u16 cand = probe->sport;

		if (i) {
			h = xvs_hash_mix(h, probe->sport, i);
			/* Above the well-known ports, where the host's own ephemeral ones lie too. */
			cand = bpf_htons(1024 + (__u16)(xvs_hash_final(h) % (65536 - 1024)));
		}
		reply->dport = cand;
		c = bpf_map_lookup_elem(&nat_conns, reply);
		if (c) {
			if (!xvs_nat_conn_eq(c, back))
				continue;
		} else if (bpf_map_update_elem(&nat_conns, reply, back, BPF_NOEXIST)) {
			continue;
		}
		chosen.port = cand;
		bpf_map_update_elem(&nat_ports, probe, &chosen, BPF_ANY);
		*port = cand;
		return 1;
	}
	return 0;
}

/* Gives an untagged probe the 802.1Q tag of its backend's VLAN, then parses it again (the
 * head moved: every packet pointer is stale). */
static __always_inline int xvs_nat_push_vlan(struct xdp_md *ctx, struct xvs_pkt *p, __u16 vid)
{
	struct ethhdr *eth;
	struct xvs_vlan_hdr *vlan;
	__be16 proto;

	if (bpf_xdp_adjust_head(ctx, -(int)sizeof(struct xvs_vlan_hdr)))
		return 0;
	eth = (void *)(long)ctx->data;
	vlan = (void *)(eth + 1);
	if ((void *)(vlan + 1) + sizeof(struct ethhdr) > (void *)(long)ctx->data_end)
		return 0;
	/* The old header starts 4 bytes further on: its addresses move forward, its type
	 * becomes the tag's. */
	__builtin_memmove(eth, (void *)eth + sizeof(*vlan), 2 * ETH_ALEN);
	proto = ((struct ethhdr *)((void *)eth + sizeof(*vlan)))->h_proto;
	eth->h_proto = bpf_htons(ETH_P_8021Q);
	vlan->tci = bpf_htons(vid & 0x0fff);
	vlan->proto = proto;
	return xvs_parse_l3(ctx, p) == XVS_OK &&
	       (p->ipv6 ? xvs_check_ip6(p) : xvs_check_ip4(p)) == XVS_OK &&
	       xvs_parse_l4(p) == XVS_OK;
}

/* A packet from the host on the host end of the pair. Returns the verdict. */
static __always_inline int xvs_nat_probe(struct xdp_md *ctx, struct xvs_nat_counters *nc)
{
	const __u32 zero = 0;
	struct xvs_flow_key probe, reply = {};
	struct xvs_nat_conn back = {};
	struct xvs_meter m = {};
	struct xvs_settings *s;
	struct xvs_nat *n;
	struct xvs_dest *d;
	struct xvs_pkt p;
	__u16 port;
	__u32 idx;

	if (xvs_parse_l3(ctx, &p) != XVS_OK)
		return XDP_PASS;
	n = bpf_map_lookup_elem(&nat_addrs, &p.key.daddr);
	if (!n) {
		/* Replies the peer reflected are the host's; the rest of the NAT side is
		 * addresses no pair holds (now). */
		if (xvs_nat_host(&p.key.daddr, p.ipv6) || !xvs_nat_side(&p.key.daddr, p.ipv6))
			return XDP_PASS;
		nc->no_pair++;
		return XDP_DROP;
	}
	if ((p.ipv6 ? xvs_check_ip6(&p) : xvs_check_ip4(&p)) != XVS_OK ||
	    xvs_parse_l4(&p) != XVS_OK) {
		nc->malformed++;
		return XDP_DROP;
	}
	idx = n->dest;
	d = bpf_map_lookup_elem(&destinations, &idx);
	s = bpf_map_lookup_elem(&settings, &zero);
	/* A stale control plane fails health checks too, rather than probing on old state. */
	if (!d || !s || d->generation != n->generation || !(d->flags & XVS_DEST_READY) ||
	    !(n->saddr.a[0] | n->saddr.a[1] | n->saddr.a[2] | n->saddr.a[3]) ||
	    (__s64)(bpf_ktime_get_coarse_ns() - s->heartbeat_ns) > (__s64)XVS_WATCHDOG_NS) {
		nc->not_ready++;
		return XDP_DROP;
	}

	probe = p.key;
	reply.saddr = n->vip;
	reply.daddr = n->saddr;
	reply.sport = p.key.dport;
	reply.proto = p.key.proto;
	back.nat = p.key.daddr;
	back.host = p.key.saddr;
	back.port = p.key.sport;
	if (!xvs_nat_port(&probe, &reply, &back, &port)) {
		nc->no_port++;
		return XDP_DROP;
	}
	if (!xvs_nat_rewrite(&p, &n->saddr, &n->vip, 0, port) ||
	    (n->vlan && !xvs_nat_push_vlan(ctx, &p, n->vlan))) {
		nc->malformed++;
		return XDP_DROP;
	}
	xvs_send(ctx, &p, d, s, &m);
	/* Not forwarded: too big for the tunnel (the veth's MTU leaves room, so only when the
	 * path's MTU shrank), or the tunnel failed. No ICMP back to the host: just a failure. */
	if (m.reason != XVS_R_FORWARDED) {
		nc->not_sent++;
		return XDP_DROP;
	}
	nc->probes++;
	return bpf_redirect(d->ifindex, 0);
}

#endif /* XVS_NAT_H */
