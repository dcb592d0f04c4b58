// The tensor-core instructions of runtime/harness/mma.h against the PTX ISA's fragment layouts,
// independently of the GEMM template: each lane builds its A, B and C registers from whole
// matrices by the layouts' formulas (written here from the ISA's tables), one warp runs one mma,
// and every lane writes its D registers back by the same formulas; the host compares with an exact
// product (small integers: every product and sum is exact in fp32, tf32 and bf16). Also the
// roundings (tf32 ties away from zero, bf16 ties to even), cp.async with its zero fill, and the
// faults: mma.sync by part of a warp, cp.async from a misaligned address.
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "check.h"
#include "mma.h"

__global__ void mma_tf32(const float* A /* [16][8] */, const float* B /* [8][8] */, const float* C /* [16][8] */, float* D) {
    const int lane = threadIdx.x, g = lane / 4, t = lane % 4;
    uint32_t a[4], b[2];
    float d[4];
    for (int r = 0; r < 4; ++r) a[r] = tsdp_to_tf32(A[(g + 8 * (r % 2)) * 8 + t + 4 * (r / 2)]);
    for (int r = 0; r < 2; ++r) b[r] = tsdp_to_tf32(B[(t + 4 * r) * 8 + g]);
    for (int r = 0; r < 4; ++r) d[r] = C[(g + 8 * (r / 2)) * 8 + 2 * t + r % 2];
    tsdp_mma_tf32_16x8x8(d, a, b);
    for (int r = 0; r < 4; ++r) D[(g + 8 * (r / 2)) * 8 + 2 * t + r % 2] = d[r];
}

__global__ void mma_bf16(const float* A /* [16][16] */, const float* B /* [16][8] */, const float* C /* [16][8] */, float* D) {
    const int lane = threadIdx.x, g = lane / 4, t = lane % 4;
    uint32_t a[4], b[2];
    float d[4];
    for (int r = 0; r < 4; ++r) {
        const int row = g + 8 * (r % 2), k = 2 * t + 8 * (r / 2);
        a[r] = tsdp_pack_bf16x2(A[row * 16 + k], A[row * 16 + k + 1]);
    }
    for (int r = 0; r < 2; ++r) {
        const int k = 2 * t + 8 * r;
        b[r] = tsdp_pack_bf16x2(B[k * 8 + g], B[(k + 1) * 8 + g]);
    }
    for (int r = 0; r < 4; ++r) d[r] = C[(g + 8 * (r / 2)) * 8 + 2 * t + r % 2];
    tsdp_mma_bf16_16x8x16(d, a, b);
    for (int r = 0; r < 4; ++r) D[(g + 8 * (r / 2)) * 8 + 2 * t + r % 2] = d[r];
}

__global__ void roundings(float* out) {
    // 1 + 2^-11 is halfway between two tf32 values: away from zero gives 1 + 2^-10
    const uint32_t t = tsdp_to_tf32(1.00048828125f);
    out[0] = __uint_as_float(t);
    // bf16 of (1 + 2^-8, 1 + 3·2^-8): both halfway; to even gives 1 and 1 + 2^-6, lo in bits 0-15
    const uint32_t p = tsdp_pack_bf16x2(1.00390625f, 1.01171875f);
    out[1] = __uint_as_float(p << 16);
    out[2] = __uint_as_float(p & 0xffff0000u);
}

__global__ void copies(const float* src, float* out) {
    __shared__ __align__(16) float tile[8];
    tsdp_cp_async16(tile, src, 16);
    tsdp_cp_async16(tile + 4, src, 0);  // zero fill
    tsdp_cp_async_commit();
    tsdp_cp_async_wait<0>();
    __syncthreads();
    for (int i = 0; i < 8; ++i) out[i] = tile[i];
}

__global__ void misaligned_copy(const float* src) {
    __shared__ __align__(16) float tile[8];
    tsdp_cp_async16(tile, src + 1, 16);
}

int main() {
    float hA[16 * 16], hB[16 * 8], hC[16 * 8], hD[16 * 8];
    float *A, *B, *C, *D, *out;
    CHECK(cudaMalloc(&A, sizeof hA));
    CHECK(cudaMalloc(&B, sizeof hB));
    CHECK(cudaMalloc(&C, sizeof hC));
    CHECK(cudaMalloc(&D, sizeof hD));
    CHECK(cudaMalloc(&out, 8 * sizeof(float)));
    for (int i = 0; i < 16 * 8; ++i) hC[i] = float(i % 9) - 4;
    for (const int K : {8, 16}) {
        for (int i = 0; i < 16 * K; ++i) hA[i] = float((i * 7) % 11) - 5;  // A [16][K]
        for (int i = 0; i < K * 8; ++i) hB[i] = float((i * 5) % 7) - 3;   // B [K][8]
        CHECK(cudaMemcpy(A, hA, sizeof hA, cudaMemcpyHostToDevice));
        CHECK(cudaMemcpy(B, hB, sizeof hB, cudaMemcpyHostToDevice));
        CHECK(cudaMemcpy(C, hC, sizeof hC, cudaMemcpyHostToDevice));
        if (K == 8) TSDP_LAUNCH(mma_tf32, dim3(1), dim3(32), 0, 0, A, B, C, D);
        else TSDP_LAUNCH(mma_bf16, dim3(1), dim3(32), 0, 0, A, B, C, D);
        CHECK(cudaGetLastError());
        CHECK(cudaMemcpy(hD, D, sizeof hD, cudaMemcpyDeviceToHost));
        for (int i = 0; i < 16; ++i)
            for (int j = 0; j < 8; ++j) {
                float want = hC[i * 8 + j];
                for (int k = 0; k < K; ++k) want += hA[i * K + k] * hB[k * 8 + j];
                if (hD[i * 8 + j] != want) {
                    std::printf("FAIL %s D[%d][%d] = %g, expected %g\n", K == 8 ? "tf32" : "bf16", i, j, hD[i * 8 + j], want);
                    return 1;
                }
            }
    }

    float r[8];
    TSDP_LAUNCH(roundings, dim3(1), dim3(1), 0, 0, out);
    CHECK(cudaGetLastError());
    CHECK(cudaMemcpy(r, out, 3 * sizeof(float), cudaMemcpyDeviceToHost));
    if (r[0] != 1.0009765625f || r[1] != 1.0f || r[2] != 1.015625f) {
        std::printf("FAIL roundings: %.9g %.9g %.9g\n", r[0], r[1], r[2]);
        return 1;
    }

    const float hs[4] = {1.5f, -2.0f, 3.25f, 7.0f};
    CHECK(cudaMemcpy(A, hs, sizeof hs, cudaMemcpyHostToDevice));
    TSDP_LAUNCH(copies, dim3(1), dim3(1), 0, 0, A, out);
    CHECK(cudaGetLastError());
    CHECK(cudaMemcpy(r, out, sizeof r, cudaMemcpyDeviceToHost));
    for (int i = 0; i < 8; ++i)
        if (r[i] != (i < 4 ? hs[i] : 0.0f)) {
            std::printf("FAIL cp.async: tile[%d] = %g\n", i, r[i]);
            return 1;
        }

    // mma.sync.aligned needs the whole warp: 16 threads fault as on the GPU
    TSDP_LAUNCH(mma_tf32, dim3(1), dim3(16), 0, 0, A, B, C, D);
    if (cudaGetLastError() != cudaErrorLaunchFailure) {
        std::printf("FAIL mma.sync by half a warp did not fault\n");
        return 1;
    }
    TSDP_LAUNCH(misaligned_copy, dim3(1), dim3(1), 0, 0, A);
    if (cudaGetLastError() != cudaErrorMisalignedAddress) {
        std::printf("FAIL cp.async from a 4-byte aligned address did not fault\n");
        return 1;
    }
    std::printf("OK\n");
    return 0;
}
