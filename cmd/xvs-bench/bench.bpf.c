// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0-only)
/* The measuring harness of xvs-bench (docs/performance.md, "Method").
 *
 * BPF_PROG_TEST_RUN with repeat > 1 runs the program again on the frame the previous
 * repetition left behind: rewritten, encapsulated, TTL already decremented. bench_wrapper
 * puts the original frame back before every repetition and tail-calls the program under
 * test (slot 0 of bench_target), so every repetition does the work of a fresh packet.
 * bench_nop measures what the wrapper itself costs; bench_swap is the floor: the least an
 * XDP forwarder can do (swap the MACs, send back out).
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define BENCH_MAX_FRAME 1024

/* Bit of bench_frame.vary: make every repetition a different flow. */
#define BENCH_VARY_FLOW 1

struct bench_frame {
	__u64 counter;	 /* repetitions so far (BENCH_VARY_FLOW) */
	__u64 first;	 /* flow number of repetition 0 */
	__u64 span;	 /* 0: every repetition a new flow; else cycle through this many */
	__u32 len;	 /* bytes of data[] */
	__u32 vary;	 /* BENCH_VARY_* */
	/* Offsets into the frame of what BENCH_VARY_FLOW rewrites: the L4 source port, the
	 * last 16 bits of the source address (zero in data[]), and the IPv4 header checksum
	 * (0 for IPv6, which has none). */
	__u16 sport_off;
	__u16 saddr_off;
	__u16 csum_off;
	__u16 pad;
	__u8 data[BENCH_MAX_FRAME];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bench_frame);
} bench_frames SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} bench_target SEC(".maps");

static __always_inline int bench_put16(struct xdp_md *ctx, __u32 off, __u16 value)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u16 *p = data + (off & (BENCH_MAX_FRAME - 1));

	if ((void *)(p + 1) > data_end)
		return -1;
	*p = value;
	return 0;
}

/* Flow number c becomes source port c mod 2^16 and source address (last 16 bits)
 * c / 2^16 + 1: never 0, so a varied flow never equals the unvaried frame's. The address
 * word was zero when the IPv4 checksum was computed, so adding the new word is the whole
 * incremental update (RFC 1624). */
static __always_inline int bench_vary(struct xdp_md *ctx, struct bench_frame *f)
{
	__u64 i = f->counter++;
	__u64 c = f->first + (f->span ? i % f->span : i);
	__u16 hi = bpf_htons((__u16)((c >> 16) + 1));
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u16 *csum;
	__u32 s;

	if (bench_put16(ctx, f->sport_off, bpf_htons((__u16)c)) ||
	    bench_put16(ctx, f->saddr_off, hi))
		return -1;
	if (!f->csum_off)
		return 0;
	csum = data + (f->csum_off & (BENCH_MAX_FRAME - 1));
	if ((void *)(csum + 1) > data_end)
		return -1;
	s = (__u16)~*csum + (__u32)hi;
	s = (s & 0xffff) + (s >> 16);
	*csum = (__u16)~((s & 0xffff) + (s >> 16));
	return 0;
}

SEC("xdp")
int bench_wrapper(struct xdp_md *ctx)
{
	const __u32 zero = 0;
	struct bench_frame *f = bpf_map_lookup_elem(&bench_frames, &zero);
	long have;
	__u32 len;

	if (!f)
		return XDP_ABORTED;
	len = f->len;
	if (len < ETH_HLEN || len > BENCH_MAX_FRAME)
		return XDP_ABORTED;
	/* An encapsulation moved the start of the frame: move it back (the kernel keeps the
	 * buffer between repetitions). */
	have = (long)ctx->data_end - (long)ctx->data;
	if (have != len && bpf_xdp_adjust_head(ctx, (int)(have - len)))
		return XDP_ABORTED;
	if (bpf_xdp_store_bytes(ctx, 0, f->data, len))
		return XDP_ABORTED;
	if ((f->vary & BENCH_VARY_FLOW) && bench_vary(ctx, f))
		return XDP_ABORTED;
	bpf_tail_call(ctx, &bench_target, 0);
	return XDP_ABORTED; /* no program in the slot */
}

SEC("xdp")
int bench_nop(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_TX;
}

SEC("xdp")
int bench_swap(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u8 tmp[ETH_ALEN];

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	__builtin_memcpy(tmp, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, tmp, ETH_ALEN);
	return XDP_TX;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
