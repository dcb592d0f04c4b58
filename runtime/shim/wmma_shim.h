// WMMA on the CPU shim: nvcuda::wmma fragments, and the bf16/tf32 conversions the tensor-core
// GEMMs use, so that --precision tf32|bf16 code runs (and is tested) without a GPU.
//
// On a GPU a fragment is spread over the 32 lanes of a warp, each lane holding a few elements in
// an unspecified order. Here every lane holds the whole tile: loads, mma and stores act on the
// full tile in every lane, which gives the same results (each lane writes identical values) at
// 32× the arithmetic. Element-wise loops over frag.x[0 .. num_elements) keep working because
// they touch every element exactly once per lane.
//
// Numerics follow the hardware: tf32 operands are rounded to 10 mantissa bits (round to nearest,
// ties away from zero, like cvt.rna.tf32.f32), bf16 operands to 7 bits (round to nearest even,
// like __float2bfloat16), and products accumulate in fp32.
#pragma once
#include <cstdint>
#include <cstring>
#include <type_traits>

struct __nv_bfloat16 {
    uint16_t bits;
};

inline float __bfloat162float(__nv_bfloat16 h) {
    const uint32_t u = uint32_t(h.bits) << 16;
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}

inline __nv_bfloat16 __float2bfloat16(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u) return __nv_bfloat16{uint16_t((u >> 16) | 0x40)};  // quiet NaN
    u += 0x7fffu + ((u >> 16) & 1u);                                                           // nearest, ties to even
    return __nv_bfloat16{uint16_t(u >> 16)};
}

namespace nvcuda {
namespace wmma {

struct matrix_a {};
struct matrix_b {};
struct accumulator {};
struct row_major {};
struct col_major {};
namespace precision {
struct tf32 {};
}  // namespace precision
enum layout_t { mem_row_major, mem_col_major };

inline float __float_to_tf32(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    if ((u & 0x7f800000u) != 0x7f800000u) u = (u + 0x1000u) & 0xffffe000u;  // nearest, ties away from zero
    float r;
    std::memcpy(&r, &u, 4);
    return r;
}

namespace detail {
template <typename Use, int M, int N, int K> struct dims;
template <int M, int N, int K> struct dims<matrix_a, M, N, K> { static constexpr int rows = M, cols = K; };
template <int M, int N, int K> struct dims<matrix_b, M, N, K> { static constexpr int rows = K, cols = N; };
template <int M, int N, int K> struct dims<accumulator, M, N, K> { static constexpr int rows = M, cols = N; };
template <typename T> struct storage { using type = T; };
template <> struct storage<precision::tf32> { using type = float; };
inline float value(float v) { return v; }
inline float value(__nv_bfloat16 v) { return __bfloat162float(v); }

// CUDA's rules for load_matrix_sync / store_matrix_sync: "mptr must be a 256-bit aligned pointer"
// and "ldm must be a multiple of 8 for __half element type or multiple of 4 for float element
// type" (16 bytes either way). The hardware faults with a misaligned address; so does the shim.
template <typename P>
inline void check_tile(const P* p, unsigned ldm, const char* call) {
    const bool aligned = reinterpret_cast<uintptr_t>(p) % 32 == 0;
    const bool stride = (ldm * sizeof(P)) % 16 == 0;
    if (aligned && stride) return;
#ifdef TSDP_CUDA_SHIM
    ::tsdp::detail::device_fault(cudaErrorMisalignedAddress,
                                 !aligned ? "a WMMA tile pointer that is not 32-byte (256-bit) aligned (__align__(32) on shared tiles)"
                                          : "a WMMA ldm that is not a multiple of 16 bytes (8 bf16/half or 4 float elements)");
#endif
    (void)call;
}
}  // namespace detail

template <typename Use, int M, int N, int K, typename T, typename Layout = void>
struct fragment {
    using element_type = typename detail::storage<T>::type;
    static constexpr int rows = detail::dims<Use, M, N, K>::rows;
    static constexpr int cols = detail::dims<Use, M, N, K>::cols;
    static constexpr int num_elements = rows * cols;
    element_type x[num_elements];  // row-major [rows][cols], in every lane
};

template <typename Use, int M, int N, int K, typename T, typename L>
inline void fill_fragment(fragment<Use, M, N, K, T, L>& f, typename fragment<Use, M, N, K, T, L>::element_type v) {
    for (int i = 0; i < f.num_elements; ++i) f.x[i] = v;
}

template <typename Use, int M, int N, int K, typename T, typename L, typename P>
inline void load_matrix_sync(fragment<Use, M, N, K, T, L>& f, const P* p, unsigned ldm) {
    TSDP_SHIM_UNCOUNTED;  // the GPU's fragment layout is not modelled (counters.h)
    detail::check_tile(p, ldm, "load_matrix_sync");
    constexpr bool col = std::is_same<L, col_major>::value;
    for (int r = 0; r < f.rows; ++r)
        for (int c = 0; c < f.cols; ++c) f.x[r * f.cols + c] = col ? p[c * ldm + r] : p[r * ldm + c];
}

template <int M, int N, int K, typename P>
inline void load_matrix_sync(fragment<accumulator, M, N, K, float>& f, const P* p, unsigned ldm, layout_t layout) {
    TSDP_SHIM_UNCOUNTED;  // the GPU's fragment layout is not modelled (counters.h)
    detail::check_tile(p, ldm, "load_matrix_sync");
    for (int r = 0; r < f.rows; ++r)
        for (int c = 0; c < f.cols; ++c) f.x[r * f.cols + c] = layout == mem_col_major ? p[c * ldm + r] : p[r * ldm + c];
}

template <int M, int N, int K>
inline void store_matrix_sync(float* p, const fragment<accumulator, M, N, K, float>& f, unsigned ldm, layout_t layout) {
    TSDP_SHIM_UNCOUNTED;
    detail::check_tile(p, ldm, "store_matrix_sync");
    for (int r = 0; r < f.rows; ++r)
        for (int c = 0; c < f.cols; ++c) (layout == mem_col_major ? p[c * ldm + r] : p[r * ldm + c]) = f.x[r * f.cols + c];
}

template <int M, int N, int K, typename T, typename LA, typename LB>
inline void mma_sync(fragment<accumulator, M, N, K, float>& d, const fragment<matrix_a, M, N, K, T, LA>& a,
                     const fragment<matrix_b, M, N, K, T, LB>& b, const fragment<accumulator, M, N, K, float>& c) {
    float out[M * N];
    for (int i = 0; i < M; ++i)
        for (int j = 0; j < N; ++j) {
            float s = c.x[i * N + j];
            for (int k = 0; k < K; ++k) s += detail::value(a.x[i * K + k]) * detail::value(b.x[k * N + j]);
            out[i * N + j] = s;
        }
    std::memcpy(d.x, out, sizeof out);
}

}  // namespace wmma
}  // namespace nvcuda
