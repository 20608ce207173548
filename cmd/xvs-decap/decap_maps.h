/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0-only) */
/* The maps of the decapsulator, with the layouts of decap_abi.h. decapsulator.cpp finds them
 * by these names. */
#ifndef XVS_DECAP_MAPS_H
#define XVS_DECAP_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "decap_abi.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xvs_decap_config);
} decap_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XVS_DECAP_MAX_LOCALS);
	__type(key, struct xvs_addr);
	__type(value, __u8);
} decap_locals SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XVS_DECAP_MAX_VIPS);
	__type(key, struct xvs_addr);
	__type(value, __u8);
} decap_vips SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XVS_DECAP_MAX_PEERS);
	__type(key, struct xvs_addr);
	__type(value, __u8);
} decap_peers SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xvs_decap_counters);
} decap_counters SEC(".maps");

#endif /* XVS_DECAP_MAPS_H */
