// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0-only)
// A valid XDP object that is not libxvs's data plane: tests pass it as Options::bpf_program
// to prove the replacement is really the object loaded (it lacks the maps, so it is refused).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xvs_xdp(struct xdp_md* ctx) {
	(void)ctx;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
