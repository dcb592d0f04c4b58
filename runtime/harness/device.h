// Device helpers the generated kernels call (templates/kernels/*.hbs and the expressions the ops
// supply): warp and block reductions, dropout, GELU's derivative. Header-only: every kernel
// inlines them.
#pragma once
#include <cmath>
#include <cstddef>
#include "bessel.h"
#include "gamma.h"
#include "philox.h"

// A loop unrolled whole, every iteration its own instruction, by either compiler: nvcc reads
// `#pragma unroll`, GCC (the CPU target) ignores it and reads its own. Where lanes skip iterations
// (a guarded shared store), the counter build (tsdp counters) pairs lanes' accesses per
// instruction, so a rolled loop would pair the n-th store of one lane with another lane's store of
// a different iteration, which the GPU, running the unrolled loop, never does.
#if defined(__CUDACC__)
#define TSDP_UNROLL_ALL _Pragma("unroll")
#else
#define TSDP_UNROLL_ALL _Pragma("GCC unroll 64")
#endif

// d/dx of PyTorch's tanh-approximated GELU.
__device__ __forceinline__ float tsdp_gelu_tanh_grad(float x) {
    const float k = 0.7978845608028654f, t = tanhf(k * (x + 0.044715f * x * x * x));
    return 0.5f * (1.0f + t) + 0.5f * x * (1.0f - t * t) * k * (1.0f + 3.0f * 0.044715f * x * x);
}

// Its second derivative (a gradient taken in forward with createGraph, then differentiated by the
// step): (1 − t²)·(u′ + ½x·(u″ − 2t·u′²)), u = k(x + c·x³).
__device__ __forceinline__ float tsdp_gelu_tanh_grad2(float x) {
    const float k = 0.7978845608028654f, c = 0.044715f, t = tanhf(k * (x + c * x * x * x));
    const float du = k * (1.0f + 3.0f * c * x * x), d2u = 6.0f * k * c * x;
    return (1.0f - t * t) * (du + 0.5f * x * (d2u - 2.0f * t * du * du));
}

// The larger of a and b, NaN if either is (PyTorch's maximum, max pool and amax keep a NaN; fmaxf
// returns the other operand, so a NaN weight could vanish behind a relu or a pool).
__device__ __forceinline__ float tsdp_max(float a, float b) { return (b > a || b != b) ? b : a; }

// An index out of range (PyTorch raises: IndexError on the CPU, a device-side assert on CUDA): the
// kernel reads nothing there, and the run's first such read records its site and value for the
// harness, which fails the call naming the site (harness.cu report_index_fault) and, in a training
// step, skips the update (step.cu). A trap would leave the CUDA context unusable; this leaves the
// model as it was.
__device__ __forceinline__ void tsdp_index_fault(int* fault, int site, int value) {
    if (atomicCAS(&fault[0], 0, site) == 0) fault[1] = value;
}

// v, recorded as out of range at `site` unless it lies in [low, limit) (op index_check; low is
// −limit where a negative index counts from the end).
__device__ __forceinline__ int tsdp_index_checked(int* fault, int site, int v, int low, int limit) {
    if (v < low || v >= limit) tsdp_index_fault(fault, site, v);
    return v;
}

// An index of a dim of `limit` whose negative values count from the end (PyTorch's advanced
// indexing): checked within [−limit, limit), then v + limit for v < 0.
__device__ __forceinline__ int tsdp_index_from_end(int* fault, int site, int v, int limit) {
    v = tsdp_index_checked(fault, site, v, -limit, limit);
    return v < 0 ? v + limit : v;
}

// Warp-wide sum and maximum by butterfly shuffles: every lane ends with the result.
__device__ __forceinline__ float tsdp_warp_sum(float v) {
    #pragma unroll
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}
__device__ __forceinline__ float tsdp_warp_max(float v) {
    #pragma unroll
    for (int o = 16; o > 0; o >>= 1) v = tsdp_max(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

// Block-wide sum for blocks of up to 1024 threads: warps reduce, then the first warp; all threads get it.
__device__ __forceinline__ float tsdp_block_sum(float v, float* scratch /* [32] shared */) {
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = (blockDim.x + 31) >> 5;
    v = tsdp_warp_sum(v);
    __syncthreads();  // scratch may still be read by a previous call
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    v = lane < warps ? scratch[lane] : 0.0f;
    return tsdp_warp_sum(v);
}

// Inverted dropout of element i: x · 0 with probability p (u < p, u = philox / 2³²), else x / (1 − p).
// A product, as PyTorch's input · mask · scale: a dropped NaN or ∞ stays NaN, a dropped −3 is −0.
// The counter (i, step, draw, 0): optimizer steps taken, and the runs since then that drew.
__device__ __forceinline__ float tsdp_dropout(float x, size_t i, double p, int active, unsigned long long seed,
                                              unsigned long long step, unsigned long long draw, uint32_t stream) {
    if (!active || p == 0.0) return x;
    const uint32_t bits = tsdp_philox_first((uint32_t)i, (uint32_t)step, (uint32_t)draw, 0u, (uint32_t)seed, tsdp_philox_key1(seed, stream));
    return x * ((double)bits < p * 4294967296.0 ? 0.0f : (float)(1.0 / (1.0 - p)));
}

// Random numbers drawn in forward (the sample op): element i's counter is (i, step, draw, 0), as
// dropout's; 24 bits make a float32 in [0, 1) that is never rounded up to 1.
__device__ __forceinline__ float tsdp_sample_uniform(size_t i, unsigned long long seed, unsigned long long step,
                                                     unsigned long long draw, uint32_t stream) {
    const uint32_t bits = tsdp_philox_first((uint32_t)i, (uint32_t)step, (uint32_t)draw, 0u, (uint32_t)seed, tsdp_philox_key1(seed, stream));
    return (float)(bits >> 8) * 5.9604644775390625e-8f;  // 2^-24
}
// torch.randint's integer in [low, low + range): the 32 bits modulo the range, as PyTorch's CUDA
// kernel draws a range below 2^32; |low|, low + range ≤ 2^24, so the float holds it exactly.
__device__ __forceinline__ float tsdp_sample_integer(size_t i, unsigned long long seed, unsigned long long step,
                                                     unsigned long long draw, uint32_t stream, int low, uint32_t range) {
    const uint32_t bits = tsdp_philox_first((uint32_t)i, (uint32_t)step, (uint32_t)draw, 0u, (uint32_t)seed, tsdp_philox_key1(seed, stream));
    return (float)(low + (int)(bits % range));
}
// A standard normal by Box–Muller on the first two words: u1 in (0, 1] keeps the log finite; cospif
// needs no large-argument reduction (no stack frame), its argument being in [0, 2).
__device__ __forceinline__ float tsdp_sample_normal(size_t i, unsigned long long seed, unsigned long long step,
                                                    unsigned long long draw, uint32_t stream) {
    uint32_t c[4] = {(uint32_t)i, (uint32_t)step, (uint32_t)draw, 0u};
    tsdp_philox4x32(c, (uint32_t)seed, tsdp_philox_key1(seed, stream));
    const float u1 = (float)(c[0] >> 8) * 5.9604644775390625e-8f + 5.9604644775390625e-8f;
    const float u2 = (float)(c[1] >> 8) * 5.9604644775390625e-8f;
    return sqrtf(-2.0f * logf(u1)) * cospif(2.0f * u2);
}

// float32 → int32 toward zero, defined everywhere as the GPU's conversion (cvt.rzi.s32.f32) defines
// it: NaN → 0, out of range → the nearest end; a C cast is undefined there, and g++'s x86 code gives
// INT_MIN for all of them. Kernels hold integers as floats: the top end here is 2^31, which
// tsdp_int_of stores as 2^31 − 1.
__device__ __forceinline__ float tsdp_to_int(float x) {
    return x != x ? 0.0f : fminf(fmaxf(truncf(x), -2147483648.0f), 2147483648.0f);
}
// A float holding an integer (tsdp_to_int's) stored into an int32 tensor, with the same saturation.
__device__ __forceinline__ int tsdp_int_of(float v) {
    return v != v ? 0 : v >= 2147483648.0f ? 2147483647 : v <= -2147483648.0f ? (-2147483647 - 1) : (int)v;
}

// Python's a // b of floats, as PyTorch's floor division computes it (compiler/ops/elementwise-math.ts
// floor_divide): from a − fmod(a, b), which b divides, so that a == (a // b)·b + a % b holds where
// floorf(a / b) would round the quotient first.
__device__ __forceinline__ float tsdp_floor_divide(float a, float b) {
    if (b == 0.0f) return a / b;
    const float mod = fmodf(a, b);
    float div = (a - mod) / b;
    if (mod != 0.0f && ((b < 0.0f) != (mod < 0.0f))) div -= 1.0f;
    if (div == 0.0f) return copysignf(0.0f, a / b);
    const float floored = floorf(div);
    return div - floored > 0.5f ? floored + 1.0f : floored;
}

// PyTorch's shifts of its int64 integers, on their float32 values (exact within ±2^24): a·2^b, and
// floor(a / 2^b), an arithmetic shift; by b < 0 or b >= 64, 0 (left) or a's sign, -1 or 0 (right), as
// aten's lshift/rshift kernels (compiler/ops/elementwise-math.ts bitwise).
__device__ __forceinline__ float tsdp_left_shift(float a, float b) {
    return (b < 0.0f || b >= 64.0f) ? 0.0f : ldexpf(a, (int)b);
}
__device__ __forceinline__ float tsdp_right_shift(float a, float b) {
    return (b < 0.0f || b >= 64.0f) ? (a < 0.0f ? -1.0f : 0.0f) : floorf(ldexpf(a, -(int)b));
}

// PyTorch's remainder of floats (Python's %): fmod moved into b's sign where it is not 0.
__device__ __forceinline__ float tsdp_remainder(float a, float b) {
    const float r = fmodf(a, b);
    return (r != 0.0f && ((r < 0.0f) != (b < 0.0f))) ? r + b : r;
}
