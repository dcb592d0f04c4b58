// Philox4x32-10: the counter-based generator of the reference interpreter
// (compiler/reference/rng.ts). The one copy tsdp's C++ has: the harness draws initial weights
// with it on the host, dropout draws its masks with it on the device, and both agree bit for bit
// with the reference.
#pragma once
#include <cstdint>

#ifndef TSDP_CUDA_SHIM  // defined by runtime/shim/cuda_shim.h
#include <cuda_runtime.h>
#endif

/** The ten rounds on counter c (updated in place) with key (k0, k1). */
__host__ __device__ __forceinline__ void tsdp_philox4x32(uint32_t c[4], uint32_t k0, uint32_t k1) {
#ifdef __CUDA_ARCH__
#pragma unroll
#endif
    for (int round = 0; round < 10; ++round) {
        const unsigned long long p0 = 0xD2511F53ull * c[0], p1 = 0xCD9E8D57ull * c[2];
        const uint32_t x0 = (uint32_t)(p1 >> 32) ^ c[1] ^ k0, x2 = (uint32_t)(p0 >> 32) ^ c[3] ^ k1;
        c[0] = x0; c[1] = (uint32_t)p1; c[2] = x2; c[3] = (uint32_t)p0;
        k0 += 0x9E3779B9u; k1 += 0xBB67AE85u;
    }
}

/**
 * The key's second word for a 64-bit seed: the stream, with the seed's high 32 bits mixed in by a
 * bijection (an odd multiplier), so that seeds equal modulo 2^32 draw differently; a seed below
 * 2^32 keeps the stream as it is. The first key word is the seed's low 32 bits.
 */
__host__ __device__ __forceinline__ uint32_t tsdp_philox_key1(unsigned long long seed, uint32_t stream) {
    return stream ^ ((uint32_t)(seed >> 32) * 0x9E3779B1u);
}

/** The first word of the block: what dropout needs. */
__host__ __device__ __forceinline__ uint32_t tsdp_philox_first(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3, uint32_t k0, uint32_t k1) {
    uint32_t c[4] = {c0, c1, c2, c3};
    tsdp_philox4x32(c, k0, k1);
    return c[0];
}
