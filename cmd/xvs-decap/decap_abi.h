/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0-only) */
/*
 * The contract between decap.bpf.c and its control plane (decapsulator.cpp): maps, their
 * value layouts and the counter reasons. Addresses and ports as in bpf/abi.h: 16-byte
 * xvs_addr (IPv4 as ::ffff:a.b.c.d), ports in network order.
 */
#ifndef XVS_DECAP_ABI_H
#define XVS_DECAP_ABI_H

#include "../../bpf/abi.h"

/* Maps "decap_locals" (this host's addresses), "decap_vips" and "decap_peers":
 * HASH xvs_addr -> xvs_u8 (always 1: only the key matters). */
#define XVS_DECAP_MAX_LOCALS 4096
#define XVS_DECAP_MAX_VIPS 4096
#define XVS_DECAP_MAX_PEERS 4096

/* Map "decap_config": ARRAY[1]. */
enum xvs_decap_flags {
	XVS_DECAP_CHECK_VIPS = 1 << 0,  /* inner destination must be in decap_vips */
	XVS_DECAP_CHECK_PEERS = 1 << 1, /* outer source must be in decap_peers */
};
struct xvs_decap_config {
	xvs_u16 fou_port; /* UDP destination port of FOU, network order; 0 = off */
	xvs_u16 gue_port; /* UDP destination port of GUE, network order; 0 = off */
	xvs_u32 flags;    /* enum xvs_decap_flags */
};
XVS_STATIC_ASSERT(sizeof(struct xvs_decap_config) == 8, "xvs_decap_config layout");

/* Map "decap_counters": PERCPU_ARRAY[1] of xvs_decap_counters. Every packet is counted under
 * exactly one reason. */
enum xvs_decap_reason {
	/* passed untouched */
	XVS_DECAP_R_NOT_IP,     /* neither IPv4 nor IPv6 (ARP, ...) */
	XVS_DECAP_R_SHORT,      /* IP header cut off: cannot be classified, the host decides */
	XVS_DECAP_R_NOT_LOCAL,  /* outer destination is not this host */
	XVS_DECAP_R_NOT_TUNNEL, /* to this host, but no tunnel (or FOU/GUE port not ours) */
	/* decapsulated, inner packet passed */
	XVS_DECAP_R_IPIP,
	XVS_DECAP_R_GRE,
	XVS_DECAP_R_FOU,
	XVS_DECAP_R_GUE,
	/* dropped */
	XVS_DECAP_R_WRONG_PEER,  /* outer source is not a configured peer */
	XVS_DECAP_R_WRONG_VIP,   /* inner destination is not a configured VIP */
	XVS_DECAP_R_MALFORMED,   /* truncated or inconsistent outer, tunnel or inner header */
	XVS_DECAP_R_FRAGMENTED,  /* outer IPv4 fragment: cannot be decapsulated alone */
	XVS_DECAP_R_GRE_FLAGS,   /* GRE checksum, routing, key, sequence or version != 0 */
	XVS_DECAP_R_GUE_HEADER,  /* GUE not variant 0, control message, options or flags */
	XVS_DECAP_R_UNSUPPORTED, /* tunnel payload neither IPv4 nor IPv6 */
	XVS_DECAP_REASONS
};
/* The first reason of each group, for the verdict and for readers of the counters. */
#define XVS_DECAP_R_FIRST_DECAP XVS_DECAP_R_IPIP
#define XVS_DECAP_R_FIRST_DROP XVS_DECAP_R_WRONG_PEER

struct xvs_decap_counters {
	xvs_u64 count[XVS_DECAP_REASONS];
};
XVS_STATIC_ASSERT(sizeof(struct xvs_decap_counters) == 8 * XVS_DECAP_REASONS,
		  "xvs_decap_counters layout");

#endif /* XVS_DECAP_ABI_H */
