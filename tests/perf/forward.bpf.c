// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0-only)
/* Helpers of throughput.sh, compiled by it with one of:
 *   -DFWD_DST=0x02,...  -DFWD_SRC=0x02,...   the trivial forwarder: the frame goes to one
 *                                            fixed next hop (new MACs), XDP_TX
 *   -DSINK                                   XDP_DROP every IPv4 TCP segment (a backend
 *                                            that only counts: its interface's rx counter is
 *                                            the measurement), pass the rest (ARP, pings)
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int perf_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
#ifdef SINK
	struct iphdr *ip = (void *)(eth + 1);

	if ((void *)(ip + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	return ip->protocol == IPPROTO_TCP ? XDP_DROP : XDP_PASS;
#else
	static const __u8 dst[ETH_ALEN] = {FWD_DST}, src[ETH_ALEN] = {FWD_SRC};

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	__builtin_memcpy(eth->h_dest, dst, ETH_ALEN);
	__builtin_memcpy(eth->h_source, src, ETH_ALEN);
	return XDP_TX;
#endif
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
