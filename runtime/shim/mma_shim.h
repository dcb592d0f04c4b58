// mma.sync, cp.async and the tf32/bf16 conversions on the CPU shim: the functions of
// runtime/harness/mma.h (which includes this header under TSDP_CUDA_SHIM), with the semantics of
// the PTX instructions they wrap.
//
// mma.sync is a warp instruction: each lane holds a few elements of A, B and C in the fragment
// layout of the PTX ISA (listed in mma.h), and lane l's result needs other lanes' operands. Here
// every lane deposits its A and B registers in a per-warp exchange buffer, the warp meets at one
// rendezvous (the shim's warp_sync, as a shuffle does), and then each lane computes its own four
// accumulators from the deposits, reading each operand where the layout says it lives. So the
// layout is not modelled away: a kernel that builds a fragment in the wrong order gets wrong
// numbers on the CPU target, as it would on the GPU.
//
// The buffer is double-buffered by the warp's generation parity, like the shim's shuffle deposits:
// a lane released from one rendezvous may deposit for the next while slower lanes still read; it
// cannot get two ahead, because the next rendezvous waits for them.
//
// Numerics follow the hardware: tf32 keeps 10 mantissa bits (cvt.rna: nearest, ties away from
// zero; mma reads only those bits), bf16 7 (cvt.rn: nearest, ties to even); products of tf32 or
// bf16 values are exact in fp32 and are summed in fp32, k in increasing order (the hardware's order
// is unspecified).
//
// cp.async copies synchronously, so cp.async.wait_group has nothing to wait for. The copy is one
// 16-byte load and one 16-byte store, which the hardware counters (counters.h) see as such.
#pragma once
#include <cstdint>
#include <cstring>

namespace tsdp {
namespace mma_detail {

struct Exchange {
    std::uint32_t a[2][32][4];  // [generation parity][lane][register]
    std::uint32_t b[2][32][2];
};
// One OS thread runs one block at a time, so a buffer per warp of that block.
inline thread_local Exchange g_exchange[::tsdp::detail::kMaxWarps];

inline float as_float(std::uint32_t u) {
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}

inline std::uint32_t as_bits(float f) {
    std::uint32_t u;
    std::memcpy(&u, &f, 4);
    return u;
}

inline std::uint16_t bf16_bits(float f) {
    std::uint32_t u = as_bits(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) return std::uint16_t((u >> 16) | 0x40);  // quiet NaN
    u += 0x7fffu + ((u >> 16) & 1u);                                                // nearest, ties to even
    return std::uint16_t(u >> 16);
}

// Deposit this lane's operands and meet the warp. Returns the parity whose deposits to read, or -1
// (after a device fault) when the instruction is not executed by the whole warp: mma.sync.aligned
// requires all 32 lanes.
inline int deposit(const std::uint32_t (&a)[4], const std::uint32_t (&b)[2], unsigned& lane, Exchange*& x) {
    using namespace ::tsdp::detail;
    Runner* r = sync_runner();
    if (!r) {
        device_fault(cudaErrorLaunchFailure, "mma.sync in a block that cannot run as a warp");
        return -1;
    }
    const unsigned lin = r->cur->lin, w = lin >> 5;
    lane = lin & 31;
    x = &g_exchange[w];
    const unsigned p = r->warps[w].gen & 1;
    std::memcpy(x->a[p][lane], a, sizeof a);
    std::memcpy(x->b[p][lane], b, sizeof b);
    const WarpView v = warp_sync(0, 0xffffffffu);
    if (v.arrived() != 0xffffffffu) {
        device_fault(cudaErrorLaunchFailure, "mma.sync.aligned executed by only part of a warp");
        return -1;
    }
    return int(v.p);
}

}  // namespace mma_detail
}  // namespace tsdp

inline uint32_t tsdp_to_tf32(float x) {
    std::uint32_t u = ::tsdp::mma_detail::as_bits(x);
    if ((u & 0x7f800000u) != 0x7f800000u) u = (u + 0x1000u) & 0xffffe000u;  // nearest, ties away from zero
    return u;
}

inline uint32_t tsdp_pack_bf16x2(float lo, float hi) {
    return std::uint32_t(::tsdp::mma_detail::bf16_bits(hi)) << 16 | ::tsdp::mma_detail::bf16_bits(lo);
}

inline void tsdp_mma_tf32_16x8x8(float (&d)[4], const uint32_t (&a)[4], const uint32_t (&b)[2]) {
    using namespace ::tsdp::mma_detail;
    unsigned lane;
    Exchange* x;
    const int p = deposit(a, b, lane, x);
    if (p < 0) return;
    const unsigned g = lane / 4, t = lane % 4;
    float out[4];
    for (unsigned r = 0; r < 4; ++r) {
        const unsigned row = g + 8 * (r / 2), col = 2 * t + r % 2;
        float s = d[r];
        for (unsigned k = 0; k < 8; ++k) {
            // A[row][k] is register (row / 8) + 2·(k / 4) of lane 4·(row % 8) + k % 4;
            // B[k][col] is register k / 4 of lane 4·col + k % 4. mma reads only the tf32 bits.
            const float av = as_float(x->a[p][4 * (row % 8) + k % 4][row / 8 + 2 * (k / 4)] & 0xffffe000u);
            const float bv = as_float(x->b[p][4 * col + k % 4][k / 4] & 0xffffe000u);
            s += av * bv;
        }
        out[r] = s;
    }
    std::memcpy(d, out, sizeof out);
}

inline void tsdp_mma_bf16_16x8x16(float (&d)[4], const uint32_t (&a)[4], const uint32_t (&b)[2]) {
    using namespace ::tsdp::mma_detail;
    unsigned lane;
    Exchange* x;
    const int p = deposit(a, b, lane, x);
    if (p < 0) return;
    const unsigned g = lane / 4, t = lane % 4;
    // the bf16 of k in a register holding the pair (k & ~1, k | 1): the lower k in the low half
    auto half = [](std::uint32_t reg, unsigned k) { return as_float(k % 2 ? reg & 0xffff0000u : reg << 16); };
    float out[4];
    for (unsigned r = 0; r < 4; ++r) {
        const unsigned row = g + 8 * (r / 2), col = 2 * t + r % 2;
        float s = d[r];
        for (unsigned k = 0; k < 16; ++k) {
            // pair w = k / 2: A's is register (row / 8) + 2·(w / 4) of lane 4·(row % 8) + w % 4;
            // B's is register w / 4 of lane 4·col + w % 4
            const unsigned w = k / 2;
            const float av = half(x->a[p][4 * (row % 8) + w % 4][row / 8 + 2 * (w / 4)], k);
            const float bv = half(x->b[p][4 * col + w % 4][w / 4], k);
            s += av * bv;
        }
        out[r] = s;
    }
    std::memcpy(d, out, sizeof out);
}

// Always inlined: the counters tell instructions apart by the address of the access, so each
// cp.async of the kernel must be its own copy of these accesses.
__attribute__((always_inline)) inline void tsdp_cp_async16(void* dst, const void* src, int bytes) {
    // the hardware requires 16-byte aligned addresses on both sides; so does the shim
    if (reinterpret_cast<uintptr_t>(dst) % 16 != 0 || reinterpret_cast<uintptr_t>(src) % 16 != 0) {
        ::tsdp::detail::device_fault(cudaErrorMisalignedAddress, "a cp.async of 16 bytes from or to an address that is not 16-byte aligned");
        return;
    }
    if (bytes == 16) {
        *static_cast<float4*>(dst) = *static_cast<const float4*>(src);
    } else if (bytes == 0) {
        *static_cast<float4*>(dst) = float4{0.0f, 0.0f, 0.0f, 0.0f};
    } else {
        // a partial source (0 < bytes < 16): the rest is zero-filled (not used by tsdp's kernels)
        float4 v{0.0f, 0.0f, 0.0f, 0.0f};
        std::memcpy(&v, src, bytes > 0 && bytes < 16 ? bytes : 0);
        *static_cast<float4*>(dst) = v;
    }
}

inline void tsdp_cp_async_commit() {}

template <int N>
inline void tsdp_cp_async_wait() {}
