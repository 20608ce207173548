/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0-only) */
/*
 * The contract between the data plane and the control plane: map value layouts, limits,
 * counter indices and drop/pass reasons. Included by the BPF program and by lib/ (C++), so
 * the layouts cannot drift; every struct has a static size assertion.
 *
 * Conventions: addresses are 16 bytes in network order, IPv4 stored IPv4-mapped
 * (::ffff:a.b.c.d); ports are in network order; everything else is host order.
 */
#ifndef XVS_ABI_H
#define XVS_ABI_H

#ifdef __BPF__
#include <linux/types.h>
typedef __u8 xvs_u8;
typedef __u16 xvs_u16;
typedef __u32 xvs_u32;
typedef __u64 xvs_u64;
#else
#include <stdint.h>
typedef uint8_t xvs_u8;
typedef uint16_t xvs_u16;
typedef uint32_t xvs_u32;
typedef uint64_t xvs_u64;
#endif

#ifdef __cplusplus
#define XVS_STATIC_ASSERT(c, m) static_assert(c, m)
#else
#define XVS_STATIC_ASSERT(c, m) _Static_assert(c, m)
#endif

/* Capacity of the data plane. Destination indices are u16 and 0 means "none". */
#define XVS_MAX_VIPS 1024
#define XVS_MAX_SERVICES 1024
#define XVS_MAX_DESTINATIONS 16384 /* (service, destination) pairs, index 0 unused */
#define XVS_MAX_BACKENDS 255       /* enabled destinations per service */
/* Power of two: the slot is hash & (size - 1). 16384 rather than 8192 so that exactly
 * balanced tables still move at most 1.5x the ideal share when one of 64 backends changes. */
#define XVS_MAGLEV_SIZE 16384
#define XVS_DEFAULT_FLOWS_PER_CPU 1000000
#define XVS_WATCHDOG_NS (60ull * 1000000000ull)
#define XVS_LATENCY_SAMPLE_MASK 63 /* time one packet in 64 per CPU */

struct xvs_addr {
	xvs_u32 a[4];
};
XVS_STATIC_ASSERT(sizeof(struct xvs_addr) == 16, "xvs_addr layout");

/* Map "settings": ARRAY[1]. Written by the control plane about once a second. */
enum xvs_settings_flags {
	XVS_SETTINGS_MULTI_INTERFACE = 1 << 0, /* several interfaces and not bonded: redirect */
	XVS_SETTINGS_QUEUE_FLOWS = 1 << 1,     /* queue flows for read_flow() (it was called) */
	XVS_SETTINGS_SHARED_FLOWS = 1 << 2,    /* use peers' entries (write_flow() stored one) */
};
struct xvs_settings {
	xvs_u64 heartbeat_ns; /* CLOCK_MONOTONIC of the last refresh; stale -> fail open */
	xvs_u32 flags;
	xvs_u32 nat_ifindex;     /* host end of the health-check veth pair (0: none) */
	xvs_u8 nat_mac[6];       /* its MAC */
	xvs_u8 nat_peer_mac[6];  /* the MAC of its peer in the NAT namespace */
	/* Buckets of "flows" (entries / XVS_FLOW_WAYS); Dataplane::set_settings fills it in. */
	xvs_u32 flow_buckets;
};
XVS_STATIC_ASSERT(sizeof(struct xvs_settings) == 32, "xvs_settings layout");

/* Map "vips": HASH xvs_addr -> xvs_vip. Anything not in it is passed to the host. */
struct xvs_vip {
	xvs_u32 index; /* 1..XVS_MAX_VIPS, counter slot */
	xvs_u32 pad;
};
XVS_STATIC_ASSERT(sizeof(struct xvs_vip) == 8, "xvs_vip layout");

/* Map "vip_filter": ARRAY[1], a bitmap over hashed addresses with the bit of every VIP set.
 * A clear bit proves "not a VIP" without the hash lookup in "vips", on the path most of a
 * host's traffic takes. lib/dataplane/dataplane.cpp maintains it together with "vips". */
#define XVS_VIP_FILTER_BITS 65536
struct xvs_vip_filter {
	xvs_u64 bits[XVS_VIP_FILTER_BITS / 64];
};
XVS_STATIC_ASSERT(sizeof(struct xvs_vip_filter) == XVS_VIP_FILTER_BITS / 8, "vip_filter layout");

/* The filter bit of an address: its four words folded, then multiplicative hashing (the top
 * 16 bits of the low 64 bits of the product). Here so that both sides compute it alike. */
static inline xvs_u32 xvs_vip_filter_bit(const struct xvs_addr *a)
{
	xvs_u64 x = a->a[0] ^ a->a[1] ^ a->a[2] ^ a->a[3];

	return (xvs_u32)((x * 0x9e3779b97f4a7c15ull) >> 48);
}

/* Map "vip_slots": ARRAY[XVS_VIP_FILTER_BITS], indexed by filter bit: the VIP with that bit,
 * so that a packet to a VIP is recognised without the hash lookup in "vips". vip.index 0: no
 * VIP has this bit (addr is stale); XVS_VIP_COLLIDED: several do, and "vips", which always
 * holds every VIP, decides. lib/dataplane/dataplane.cpp changes addr only while vip.index is 0 or
 * XVS_VIP_COLLIDED, and never addr and vip.index in one write, so that a reader seeing a
 * half-written slot never takes one address for another VIP. */
#define XVS_VIP_COLLIDED 0xffffffffu
struct xvs_vip_slot {
	struct xvs_addr addr;
	struct xvs_vip vip;
};
XVS_STATIC_ASSERT(sizeof(struct xvs_vip_slot) == 24, "xvs_vip_slot layout");

/* Map "services": HASH xvs_service_key -> xvs_service (maglev table inline, so one lookup
 * yields everything a new flow needs; replacing the element is atomic for readers). */
struct xvs_service_key {
	struct xvs_addr addr;
	xvs_u16 port; /* network order */
	xvs_u8 proto; /* IPPROTO_TCP / IPPROTO_UDP */
	xvs_u8 pad;
};
XVS_STATIC_ASSERT(sizeof(struct xvs_service_key) == 20, "xvs_service_key layout");

enum xvs_service_flags {
	XVS_SERVICE_STICKY = 1 << 0, /* hash L3 addresses only */
};
struct xvs_service {
	xvs_u32 index;     /* 1..XVS_MAX_SERVICES, counter slot */
	xvs_u32 vip_index; /* counter slot of the VIP */
	xvs_u32 flags;
	xvs_u32 backends; /* number of destinations in the table; 0 = no backend */
	xvs_u16 table[XVS_MAGLEV_SIZE]; /* destination index per Maglev slot */
};
XVS_STATIC_ASSERT(sizeof(struct xvs_service) == 16 + 2 * XVS_MAGLEV_SIZE, "xvs_service layout");

/* Map "destinations": ARRAY[XVS_MAX_DESTINATIONS] of xvs_dest, everything needed to send. */
enum xvs_dest_flags {
	XVS_DEST_READY = 1 << 0,       /* next-hop MAC known: may be sent to */
	XVS_DEST_NO_UDP_CSUM = 1 << 1, /* FOU/GUE: outer UDP checksum 0 */
};
struct xvs_dest {
	xvs_u8 mac[6];       /* next hop: the backend, or the VLAN's gateway */
	xvs_u8 src_mac[6];   /* our MAC on the backend's VLAN */
	xvs_u16 vlan;        /* VLAN ID written into an existing 802.1Q tag */
	xvs_u16 mtu;         /* egress MTU */
	xvs_u32 ifindex;     /* egress interface */
	xvs_u32 service;     /* the owning service's slot: its counters add this one's */
	xvs_u32 generation;  /* bumped when the index is reused; flows remember it */
	xvs_u8 tunnel;       /* enum xvs_tunnel */
	xvs_u8 flags;        /* enum xvs_dest_flags */
	xvs_u16 tunnel_port; /* network order */
	struct xvs_addr saddr; /* our address on the backend's VLAN (outer source) */
	struct xvs_addr daddr; /* the backend's address */
};
XVS_STATIC_ASSERT(sizeof(struct xvs_dest) == 64, "xvs_dest layout");

enum xvs_tunnel {
	XVS_TUNNEL_NONE = 0,
	XVS_TUNNEL_IPIP = 1,
	XVS_TUNNEL_GRE = 2,
	XVS_TUNNEL_FOU = 3,
	XVS_TUNNEL_GUE = 4,
};

/* Map "flows": ARRAY of xvs_flow_entry, XVS_FLOW_WAYS consecutive entries per bucket; the
 * bucket of a flow is xvs_flow_bucket(key). One table for this node's flows and for flows
 * written by peers (write_flow), shared by all CPUs. */
struct xvs_flow_key {
	struct xvs_addr saddr;
	struct xvs_addr daddr;
	xvs_u16 sport; /* network order */
	xvs_u16 dport; /* network order */
	xvs_u8 proto;
	xvs_u8 pad[3];
};
XVS_STATIC_ASSERT(sizeof(struct xvs_flow_key) == 40, "xvs_flow_key layout");

#define XVS_FLOW_WAYS 8
/* An established flow idle this long may be replaced by a new one; a younger one is never:
 * a flood of packets of unknown flows cannot evict live connections (flows.h). */
#define XVS_FLOW_PROTECT_NS (60ull * 1000000000ull)

enum xvs_flow_state {
	XVS_FLOW_FREE = 0,        /* unused entry */
	XVS_FLOW_NEW = 1,         /* created by one packet, not seen again yet: replaceable */
	XVS_FLOW_ESTABLISHED = 2, /* a later packet hit it: protected while active */
	XVS_FLOW_PEER = 3,        /* written by write_flow(), no packet here yet: replaceable */
};

struct xvs_flow_entry {
	struct xvs_flow_key key; /* the whole key: a hit is verified, never guessed */
	xvs_u64 seen_ns;         /* coarse monotonic time of the last packet (peer: of the write) */
	xvs_u32 generation;      /* of the destination when the flow was bound to it */
	xvs_u16 dest;            /* destination index */
	xvs_u8 state;            /* enum xvs_flow_state */
	xvs_u8 pad;
};
XVS_STATIC_ASSERT(sizeof(struct xvs_flow_entry) == 56, "xvs_flow_entry layout");

/* The bucket of a flow among `buckets`: the key's five 64-bit words multiplied through, the
 * top 32 bits scaled to the bucket count (no division, any count). Here so that the control
 * plane places peers' flows where the data plane looks. Fixed constants: an attacker who
 * aims many flows at one bucket only competes with the replaceable entries there. */
static inline xvs_u32 xvs_flow_bucket(const struct xvs_flow_key *k, xvs_u32 buckets)
{
	const xvs_u64 m = 0x9e3779b97f4a7c15ull;
	xvs_u64 h = 0x243f6a8885a308d3ull;

	h = (h ^ ((xvs_u64)k->saddr.a[0] << 32 | k->saddr.a[1])) * m;
	h = (h ^ ((xvs_u64)k->saddr.a[2] << 32 | k->saddr.a[3])) * m;
	h = (h ^ ((xvs_u64)k->daddr.a[0] << 32 | k->daddr.a[1])) * m;
	h = (h ^ ((xvs_u64)k->daddr.a[2] << 32 | k->daddr.a[3])) * m;
	h = (h ^ ((xvs_u64)k->sport << 48 | (xvs_u64)k->dport << 32 | k->proto)) * m;
	h ^= h >> 29;
	h *= m;
	return (xvs_u32)(((h >> 32) * buckets) >> 32);
}

static inline int xvs_flow_key_eq(const struct xvs_flow_key *a, const struct xvs_flow_key *b)
{
	return ((a->saddr.a[0] ^ b->saddr.a[0]) | (a->saddr.a[1] ^ b->saddr.a[1]) |
		(a->saddr.a[2] ^ b->saddr.a[2]) | (a->saddr.a[3] ^ b->saddr.a[3]) |
		(a->daddr.a[0] ^ b->daddr.a[0]) | (a->daddr.a[1] ^ b->daddr.a[1]) |
		(a->daddr.a[2] ^ b->daddr.a[2]) | (a->daddr.a[3] ^ b->daddr.a[3]) |
		(((xvs_u32)a->sport << 16 | a->dport) ^ ((xvs_u32)b->sport << 16 | b->dport)) |
		(xvs_u32)(a->proto ^ b->proto)) == 0;
}

/* How willing an insert of flow `k` at time `now` is to replace entry `e` (smaller: sooner;
 * XVS_FLOW_KEEP: never): the key's own entry or a free one, else the oldest new or peer
 * entry, else the oldest established one idle for XVS_FLOW_PROTECT_NS. Both sides insert
 * by it: the data plane its flows, the control plane peers' flows. */
#define XVS_FLOW_KEEP (~0ull)
/* The rank of an entry that does not hold the key being inserted: the data plane's lookup
 * compared the keys already and ranks the entries it passed in the same pass. */
static inline xvs_u64 xvs_flow_other_rank(const struct xvs_flow_entry *e, xvs_u64 now)
{
	if (e->state == XVS_FLOW_FREE)
		return 0;
	if (e->state != XVS_FLOW_ESTABLISHED)
		return (1ull << 62) | (e->seen_ns >> 2);
	if (now - e->seen_ns > XVS_FLOW_PROTECT_NS)
		return (2ull << 62) | (e->seen_ns >> 2);
	return XVS_FLOW_KEEP;
}

/* Any entry: the key's own entry ranks first. */
static inline xvs_u64 xvs_flow_victim_rank(const struct xvs_flow_entry *e,
					   const struct xvs_flow_key *k, xvs_u64 now)
{
	return xvs_flow_key_eq(&e->key, k) ? 0 : xvs_flow_other_rank(e, now);
}

/* Map "flow_backends": LRU_HASH generation -> the backend's address. Generations are unique
 * across processes (pin_state), so this names the backend of a flow entry whose destination
 * slot moved on; "backends" then finds it in the current numbering (share.h). */
#define XVS_FLOW_BACKENDS 65536

/* Map "counters": PERCPU_ARRAY of xvs_counters, one slot per object: 0 global, then VIPs,
 * services and destinations at the offsets below. A packet is counted in one slot only, the
 * most specific it reached (counters.h); the global slot stays 0 and the library adds the
 * levels up (lib/dataplane/counter_levels.hpp). */
struct xvs_counters {
	xvs_u64 packets;
	xvs_u64 octets;
	xvs_u64 flows; /* new flows (first packet that chose a backend by Maglev) */
	xvs_u64 errors;
	xvs_u64 syn;
	xvs_u64 ack;
	xvs_u64 fin;
	xvs_u64 rst;
};
XVS_STATIC_ASSERT(sizeof(struct xvs_counters) == 64, "xvs_counters layout");

#define XVS_COUNTERS_GLOBAL 0
#define XVS_COUNTERS_VIP(i) (i)
#define XVS_COUNTERS_SERVICE(i) (XVS_MAX_VIPS + (i))
#define XVS_COUNTERS_DEST(i) (XVS_MAX_VIPS + XVS_MAX_SERVICES + 1 + (i))
#define XVS_COUNTERS_SLOTS (XVS_MAX_VIPS + XVS_MAX_SERVICES + 1 + XVS_MAX_DESTINATIONS)

/* Map "reasons": PERCPU_ARRAY[1] of xvs_reasons. Every packet the program sees is counted
 * under exactly one reason, so the reasons add up to the packets seen. */
enum xvs_reason {
	/* passed to the host */
	XVS_R_NOT_IP,      /* not IPv4/IPv6 */
	XVS_R_NOT_A_VIP,   /* IP, destination is not a VIP */
	XVS_R_WATCHDOG,    /* control plane stale: fail open */
	XVS_R_PROBE_REPLY, /* health-check reply: redirected into the NAT namespace (nat.h) */
	/* handled */
	XVS_R_FORWARDED,   /* sent to a destination (XDP_TX or redirect) */
	XVS_R_ICMP_ECHO,   /* echo request to a VIP answered */
	XVS_R_TOO_BIG,     /* ICMP too-big sent to the client */
	/* dropped */
	XVS_R_ERR_MALFORMED,   /* truncated or inconsistent headers */
	XVS_R_ERR_FRAGMENTED,  /* IP fragment to a VIP */
	XVS_R_ERR_TTL,         /* TTL / hop limit would expire */
	XVS_R_ERR_IP_OPTIONS,  /* IPv6 extension header to a VIP */
	XVS_R_ERR_PROTOCOL,    /* VIP, but neither TCP, UDP nor ICMP echo */
	XVS_R_ERR_ICMP,        /* unsupported ICMP to a VIP */
	XVS_R_ERR_NO_SERVICE,  /* VIP, but no service on that port/protocol */
	XVS_R_ERR_NO_BACKEND,  /* service has no usable destination */
	XVS_R_ERR_NOT_READY,   /* destination's next hop not resolved */
	XVS_R_ERR_INTERNAL,    /* a map that must hold an entry did not */
	XVS_R_ERR_TUNNEL,      /* tunnel type not supported / encapsulation failed */
	/* ICMP too-big to a VIP that cannot be delivered to a backend (pmtu.h) */
	XVS_R_ERR_ICMP_TRUNCATED,  /* quote shorter than the quoted IP header + 8 bytes */
	XVS_R_ERR_ICMP_QUOTE,      /* quoted IP header inconsistent, or a non-first fragment */
	XVS_R_ERR_ICMP_SOURCE,     /* quoted packet not from the VIP the ICMP was sent to */
	XVS_R_ERR_ICMP_PROTOCOL,   /* quoted packet neither TCP nor UDP */
	XVS_R_ERR_ICMP_NO_SERVICE, /* no service for the quoted port/protocol */
	XVS_R_ERR_ICMP_MTU,        /* would not fit its backend's tunnel (ICMP is not answered) */
	XVS_REASONS
};

struct xvs_reasons {
	xvs_u64 count[XVS_REASONS];
	xvs_u64 latency_ns;      /* sum over sampled packets */
	xvs_u64 latency_samples; /* number of sampled packets */
	xvs_u64 seen;            /* packets seen (drives sampling) */
};
XVS_STATIC_ASSERT(sizeof(struct xvs_reasons) == 8 * (XVS_REASONS + 3), "xvs_reasons layout");

/* Flow sharing between balancers and flow tables kept across restarts (docs/flows.md). */
#define XVS_FLOW_QUEUE_SIZE 65536 /* records awaiting read_flow(); more are counted, not queued */
/* A flow is queued again when a refresh of its seen_ns crosses a 2^32 ns (~4.3 s) boundary:
 * at most once per period per flow, with no extra field in the flow entry. */
#define XVS_SHARE_PERIOD_SHIFT 32
/* Bumped whenever the layout or meaning of a pinned map changes: a process finding pins of
 * another layout starts afresh instead of misreading them. */
#define XVS_PIN_LAYOUT 2

/* Map "flow_queue": QUEUE of xvs_flow_event, pushed when a flow is created (or promoted from
 * a peer's entry) and periodically while it lives; popped by read_flow(). */
struct xvs_flow_event {
	struct xvs_flow_key key;
	struct xvs_addr backend;
	xvs_u64 time_ns; /* coarse monotonic time of the push */
};
XVS_STATIC_ASSERT(sizeof(struct xvs_flow_event) == 64, "xvs_flow_event layout");

/* Map "backends": HASH (service, backend address) -> this process's destination index and
 * generation, maintained by the control plane for every destination. */
struct xvs_backend_key {
	struct xvs_service_key service;
	struct xvs_addr addr;
};
XVS_STATIC_ASSERT(sizeof(struct xvs_backend_key) == 36, "xvs_backend_key layout");

struct xvs_backend {
	xvs_u32 generation;
	xvs_u16 dest;
	xvs_u16 pad;
};
XVS_STATIC_ASSERT(sizeof(struct xvs_backend) == 8, "xvs_backend layout");

/* Map "share_counters": PERCPU_ARRAY[1]. Not reasons: these count flows, not packets. */
struct xvs_share_counters {
	xvs_u64 queued;      /* flow events pushed into "flow_queue" */
	xvs_u64 queue_full;  /* flow events lost because "flow_queue" was full */
	xvs_u64 shared_hits; /* packets placed by a peer's entry (XVS_FLOW_PEER) */
	xvs_u64 rebound;     /* flow entries re-bound to their backend by address */
	xvs_u64 refused;     /* new flows not stored: every entry of their bucket protected */
};
XVS_STATIC_ASSERT(sizeof(struct xvs_share_counters) == 40, "xvs_share_counters layout");

/* Map "pin_state": ARRAY[1], pinned with "flows" and "flow_backends"; never read by the
 * program. generation: every generation a process may have given a destination is below
 * it, so a new process never reuses one that a kept flow entry names. */
struct xvs_pin_state {
	xvs_u32 layout; /* XVS_PIN_LAYOUT; 0 in a map just created */
	xvs_u32 generation;
};
XVS_STATIC_ASSERT(sizeof(struct xvs_pin_state) == 8, "xvs_pin_state layout");

/* Health-check NAT (docs/healthchecks.md). The host reaches NAT address N over a veth pair
 * whose peer reflects everything back; the program on the host end rewrites host:port -> N
 * into ours:port' -> VIP and sends it to the pair's destination like client traffic; the
 * backend's reply (VIP -> ours:port') is rewritten back and sent into the pair. The
 * benchmarking ranges (RFC 2544, RFC 5180) hold the addresses: no production network routes
 * them, and they are the same in every network namespace. */
#define XVS_NAT4_NET 0xc6120000u   /* 198.18.0.0/16: NAT addresses 198.18.0.1 and up */
#define XVS_NAT4_HOST 0xc612fffdu  /* 198.18.255.253/30: the host end */
#define XVS_NAT4_PEER 0xc612fffeu  /* 198.18.255.254: next hop to the NAT addresses */
#define XVS_NAT6_NET 0x20010002u   /* 2001:2::/48 (first word): NAT addresses 2001:2::1 and up */
#define XVS_NAT6_HOST_WORD2 0x0000ffffu /* 2001:2:0:ffff::1/64: the host end, ::2 the peer */
#define XVS_NAT_CONNS 65536        /* probe connections remembered (LRU) */
#define XVS_NAT_PORT_TRIES 8       /* source ports tried before a probe is dropped */

/* Map "nat_addrs": HASH NAT address -> xvs_nat, one per (VIP, backend) pair in use. */
struct xvs_nat {
	struct xvs_addr vip;
	struct xvs_addr saddr; /* our address of the VIP's family on the backend's network */
	xvs_u32 generation;    /* of `dest`: a stale entry drops rather than misdirects */
	xvs_u16 dest;          /* destination whose path the probes take */
	xvs_u16 vlan;          /* 802.1Q tag to push (the probe arrives untagged), 0: none */
};
XVS_STATIC_ASSERT(sizeof(struct xvs_nat) == 40, "xvs_nat layout");

/* Map "nat_conns": LRU_HASH reply key -> xvs_nat_conn. The key is the reply as the backend
 * sends it, in xvs_flow_key form: saddr VIP, daddr ours, sport the service port, dport the
 * probe's source port on the wire. */
struct xvs_nat_conn {
	struct xvs_addr nat;  /* the NAT address the host connected to */
	struct xvs_addr host; /* the host end's address */
	xvs_u16 port;         /* the host's source port */
	xvs_u16 pad[3];
};
XVS_STATIC_ASSERT(sizeof(struct xvs_nat_conn) == 40, "xvs_nat_conn layout");

/* Map "nat_ports": LRU_HASH probe key (saddr host, daddr NAT address, the host's ports) ->
 * the source port used on the wire. Usually the host's own; another when a probe to another
 * backend of the same VIP already uses that one. */
struct xvs_nat_port {
	xvs_u16 port;
	xvs_u16 pad[3];
};
XVS_STATIC_ASSERT(sizeof(struct xvs_nat_port) == 8, "xvs_nat_port layout");

/* Map "nat_counters": PERCPU_ARRAY[1]. Packets of the programs on the veth pair. */
struct xvs_nat_counters {
	xvs_u64 probes;      /* sent towards a backend */
	xvs_u64 no_pair;     /* to a NAT address no (VIP, backend) pair has */
	xvs_u64 not_ready;   /* the pair's destination cannot be sent to (or is stale) */
	xvs_u64 no_port;     /* every source port tried was taken */
	xvs_u64 malformed;   /* not a well-formed TCP/UDP packet */
	xvs_u64 not_sent;    /* the send path refused it (too big for the tunnel, ...) */
	xvs_u64 pad[2];
};
XVS_STATIC_ASSERT(sizeof(struct xvs_nat_counters) == 64, "xvs_nat_counters layout");

#endif /* XVS_ABI_H */
