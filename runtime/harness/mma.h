// Tensor-core and asynchronous-copy instructions of the tensor-core GEMM (templates/kernels/gemm_tc.cu.hbs),
// one small function per PTX instruction. On the GPU each body is the instruction's inline asm;
// under the CPU shim (TSDP_CUDA_SHIM) runtime/shim/mma_shim.h defines the same functions, emulating
// the warp-level semantics lane by lane, so a wrong fragment layout gives wrong numbers on the CPU
// target and its tests catch it.
//
// Fragments (PTX ISA, "Matrix Fragments for mma.m16n8k8" / "mma.m16n8k16"): lane l of a warp has
// g = l / 4 (its group) and t = l % 4 (its place in the group).
//   m16n8k8 tf32   A (16×8, row): a[r] = A[g + 8·(r % 2)][t + 4·(r / 2)]             r = 0..3
//                  B (8×8, col):  b[r] = B[t + 4·r][g]                                r = 0..1
//   m16n8k16 bf16  A (16×16, row): a[r] = A[g + 8·(r % 2)][2t + 8·(r / 2) + {0, 1}]  (two bf16, lower k in the low half)
//                  B (16×8, col):  b[r] = B[2t + 8·r + {0, 1}][g]
//   C, D (16×8, fp32, both shapes): c[r] = C[g + 8·(r / 2)][2t + r % 2]
#pragma once
#include <cstdint>

#ifdef TSDP_CUDA_SHIM
#include "mma_shim.h"
#else

// fp32 → tf32, round to nearest with ties away from zero (the low 13 bits of the result are zero).
__device__ __forceinline__ uint32_t tsdp_to_tf32(float x) {
    uint32_t r;
    asm("cvt.rna.tf32.f32 %0, %1;" : "=r"(r) : "f"(x));
    return r;
}

// Two floats → two bf16 in one register, round to nearest even; `lo` in bits 0–15 (the lower k).
__device__ __forceinline__ uint32_t tsdp_pack_bf16x2(float lo, float hi) {
    uint32_t r;
    asm("cvt.rn.bf16x2.f32 %0, %1, %2;" : "=r"(r) : "f"(hi), "f"(lo));
    return r;
}

// D = A·B + C on a 16×8×8 tile, operands tf32, accumulators fp32 (warp-wide; layouts above).
__device__ __forceinline__ void tsdp_mma_tf32_16x8x8(float (&d)[4], const uint32_t (&a)[4], const uint32_t (&b)[2]) {
    asm volatile("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};"
                 : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}

// D = A·B + C on a 16×8×16 tile, operands bf16, accumulators fp32 (warp-wide; layouts above).
__device__ __forceinline__ void tsdp_mma_bf16_16x8x16(float (&d)[4], const uint32_t (&a)[4], const uint32_t (&b)[2]) {
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};"
                 : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}

// 16 bytes global → shared without passing through registers (sm_80+), bypassing L1 (.cg: the
// tile is read once per block from global). `bytes` = 0 fills the 16 bytes with zeros instead
// (an out-of-range chunk); src must still be a valid address then.
__device__ __forceinline__ void tsdp_cp_async16(void* dst, const void* src, int bytes) {
    const unsigned s = static_cast<unsigned>(__cvta_generic_to_shared(dst));
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;" ::"r"(s), "l"(src), "r"(bytes) : "memory");
}

// Closes the copies issued so far by this thread into one group.
__device__ __forceinline__ void tsdp_cp_async_commit() { asm volatile("cp.async.commit_group;"); }

// Waits until at most N of this thread's groups are still in flight. The "memory" clobbers keep the
// compiler from moving shared-memory accesses across the copies and the wait.
template <int N>
__device__ __forceinline__ void tsdp_cp_async_wait() { asm volatile("cp.async.wait_group %0;" ::"n"(N) : "memory"); }

#endif

// ---- Shared-memory layouts of the staged tiles ------------------------------------------------
// Tiles are staged as fp32, 16 k deep, in one of two layouts, each swizzled (an XOR of the column
// by bits of the row, no padding) so that both the 16-byte cp.async stores and the fragment loads
// of every lane of a warp fall in distinct banks. Bank = word offset mod 32.

// k-major [rows][16]: a row's 16 k are 4 chunks of 16 bytes; chunk c of row r goes to c ^ s(r),
// s(r) = bit 2 of r, bit 1 of r moved to bit 1: s = 0,0,2,2,1,1,3,3 for r = 0..7.
//  - tf32 fragment loads (lane g, t reads row g, k t of a chunk c): bank = 16·(g % 2) + 4·(c ^ s(g)) + t.
//    (g % 2, s(g)) takes 8 distinct values over g = 0..7, so the 32 lanes hit 32 banks.
//  - bf16 fragment loads (8 bytes: row g, k 2t and 2t+1; a half-warp per phase, g = 0..3 or 4..7):
//    bank = 16·(g % 2) + 4·((c + t / 2) ^ s(g)) + 2·(t % 2) + {0, 1}; rows g and g+2 share 16·(g % 2)
//    and s differs by 2 between them, so their pairs of chunks are disjoint: 64 distinct words.
//  - cp.async stores (16 bytes, 8 lanes per phase: rows 2p and 2p+1, chunks 0..3 each): the two rows
//    start 16 banks apart and each permutes its 4 chunks: 32 distinct banks.
__device__ __forceinline__ int tsdp_kmajor16(int row, int k) {
    const int s = ((row >> 2) & 1) | (row & 2);
    return row * 16 + ((((k >> 2) ^ s) << 2) | (k & 3));
}

// Row-major [16][W] (W a multiple of 32; the operand is contiguous along its rows m or n in global
// memory): column c of k-row k goes to c ^ 8·f(k).
//  - tf32, f(k) = k % 4: lane g, t reads k-row t (+4) at column b + g (b a multiple of 8):
//    bank = (b + g) ^ 8t, 32 distinct over g = 0..7, t = 0..3.
//  - bf16, f(k) = (k / 2) % 4: lane g, t reads k-rows 2t and 2t+1 (+8) in two loads at column b + g:
//    bank = (b + g) ^ 8t for each, 32 distinct.
//  - cp.async stores: 8 lanes write 8 consecutive chunks of one k-row, 32 consecutive words that the
//    XOR (a multiple of 8 below 32) only permutes in whole 8-word groups: 32 distinct banks.
template <int W>
__device__ __forceinline__ int tsdp_rowmajor16_tf32(int k, int c) {
    return k * W + (c ^ ((k & 3) << 3));
}
template <int W>
__device__ __forceinline__ int tsdp_rowmajor16_bf16(int k, int c) {
    return k * W + (c ^ (((k >> 1) & 3) << 3));
}
