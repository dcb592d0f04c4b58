// The C ABI between the harness (group.cu) and tsdp's Gloo shim (gloo_shim.cpp), which the runtime
// builds on first use against Debian's libgloo-dev and caches (runtime/gloo-shim.ts), and which
// group.cu dlopens only under a torchrun-style launch. Gloo is a C++ library: the shim keeps its
// templates, exceptions and std types on its side of this line, so a model library never links
// Gloo and works without it, alone or under mpirun.
#pragma once
#include <stddef.h>

extern "C" {

/** The rendezvous store (store.h) as the shim sees it: Gloo's rendezvous::Store is implemented over it. */
struct tsdp_store_ops {
    void* store;
    /** 0, or non-zero with a message in why (why_len bytes, NUL-terminated). */
    int (*set)(void* store, const char* key, const char* data, size_t n, char* why, size_t why_len);
    /** Waits up to timeout_s for the key; *data is malloc'd (the shim frees it). */
    int (*get)(void* store, const char* key, double timeout_s, char** data, size_t* n, char* why, size_t why_len);
};

/**
 * Gloo's TCP transport on the network interface `iface` when it is not empty, else on `hostname`
 * (this machine's address); a device, or NULL and why. Made before the ranks meet, so that a rank
 * whose transport cannot start never arrives and is named by the others.
 */
typedef void* (*tsdp_gloo_device_fn)(const char* hostname, const char* iface, char* why, size_t why_len);
/**
 * Connects this rank to every other over `device` (addresses exchanged through the store) within
 * `join_s` seconds, all of it (the join's deadline: what its earlier steps left of the timeout); its
 * collectives then time out after timeout_s. A context, or NULL and why.
 */
typedef void* (*tsdp_gloo_join_until_fn)(void* device, int rank, int size, const tsdp_store_ops* ops, double timeout_s, double join_s, char* why, size_t why_len);
/** As tsdp_gloo_join_until with join_s = timeout_s, for a model library from before it (each of Gloo's waits then had the timeout). */
typedef void* (*tsdp_gloo_join_fn)(void* device, int rank, int size, const tsdp_store_ops* ops, double timeout_s, char* why, size_t why_len);
/** In-place sum across the ranks of count floats (is_double 0) or doubles (1); 0, or non-zero and why. */
typedef int (*tsdp_gloo_sum_fn)(void* context, void* data, size_t count, int is_double, char* why, size_t why_len);
/** Rank 0's bytes to every rank; 0, or non-zero and why. */
typedef int (*tsdp_gloo_broadcast_fn)(void* context, void* data, size_t bytes, char* why, size_t why_len);

}
