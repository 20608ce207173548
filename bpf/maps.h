/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0-only) */
/* The maps of the data plane, with the layouts of abi.h. lib/dataplane/dataplane.cpp finds them by
 * these names and sizes "flows" at load time. */
#ifndef XVS_MAPS_H
#define XVS_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "abi.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xvs_settings);
} settings SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XVS_MAX_VIPS);
	__type(key, struct xvs_addr);
	__type(value, struct xvs_vip);
} vips SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xvs_vip_filter);
} vip_filter SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XVS_VIP_FILTER_BITS);
	__type(key, __u32);
	__type(value, struct xvs_vip_slot);
} vip_slots SEC(".maps");

/* 16 KiB values: allocate on update rather than preallocating every slot. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XVS_MAX_SERVICES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct xvs_service_key);
	__type(value, struct xvs_service);
} services SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XVS_MAX_DESTINATIONS);
	__type(key, __u32);
	__type(value, struct xvs_dest);
} destinations SEC(".maps");

/* Set-associative buckets of XVS_FLOW_WAYS entries (flow_table.h), shared by all CPUs.
 * max_entries is replaced at load time (flows_per_cpu * possible CPUs, rounded up to whole
 * buckets). Mapped into the control plane (lib/dataplane/flow_table.cpp), which walks it without a
 * system call per batch. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 65536);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct xvs_flow_entry);
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XVS_COUNTERS_SLOTS);
	__type(key, __u32);
	__type(value, struct xvs_counters);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xvs_reasons);
} reasons SEC(".maps");

/* Flow sharing and restarts (share.h, docs/flows.md). Written by the control plane. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, XVS_FLOW_BACKENDS);
	__type(key, __u32);
	__type(value, struct xvs_addr);
} flow_backends SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, XVS_FLOW_QUEUE_SIZE);
	__type(value, struct xvs_flow_event);
} flow_queue SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XVS_MAX_DESTINATIONS);
	__type(key, struct xvs_backend_key);
	__type(value, struct xvs_backend);
} backends SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xvs_share_counters);
} share_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xvs_pin_state);
} pin_state SEC(".maps");

#endif /* XVS_MAPS_H */
