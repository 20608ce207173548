/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0-only) */
/* The ICMPv4 header and the few type/code values the data plane uses.
 *
 * Why not <linux/icmp.h>: since the RFC 8335 (PROBE) additions it includes <linux/if.h>,
 * which includes glibc's <sys/socket.h>. Compiled for -target bpf, glibc's <gnu/stubs.h>
 * sees no 64-bit ABI macro and asks for <gnu/stubs-32.h>, which only the multilib package
 * libc6-dev-i386 provides. Keeping every libc header out of bpf/ lets the BPF objects build
 * with kernel and libbpf headers alone. The layout is the wire format (RFC 792). */
#ifndef XVS_ICMP4_WIRE_H
#define XVS_ICMP4_WIRE_H

#include <linux/types.h>

#define ICMP_ECHOREPLY    0
#define ICMP_DEST_UNREACH 3
#define ICMP_ECHO         8
#define ICMP_FRAG_NEEDED  4 /* code of ICMP_DEST_UNREACH */

struct icmphdr {
	__u8 type;
	__u8 code;
	__sum16 checksum;
	union {
		struct {
			__be16 id;
			__be16 sequence;
		} echo;
		__be32 gateway;
		struct {
			__be16 __unused;
			__be16 mtu;
		} frag;
	} un;
};

_Static_assert(sizeof(struct icmphdr) == 8, "ICMPv4 header is 8 bytes on the wire");

#endif
