// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0-only)
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "abi.h"

SEC("xdp")
int xvs_xdp(struct xdp_md* ctx) {
	(void)ctx;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
