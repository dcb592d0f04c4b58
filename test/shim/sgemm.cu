// Register-tiled SGEMM: C[M,N] = A[M,K] * B[K,N], row-major. 64x64 tile per block, 256 threads,
// each computing 4x4 outputs; 64x16 / 16x64 shared tiles loaded cooperatively, two __syncthreads
// per k-tile. Checked against a host triple loop on integer-valued floats (exact).
//   sgemm                  the test sizes (256x192x320 and a ragged 100x70x45)
//   sgemm M N K [reps]     one size; with reps > 0 also prints the time and GFLOP/s
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "check.h"

constexpr int BM = 64, BN = 64, BK = 16, TM = 4, TN = 4;

__global__ void __launch_bounds__(256)
    sgemm_64x64(int M, int N, int K, const float* __restrict__ A, const float* __restrict__ B,
                float* __restrict__ C) {
  __shared__ __align__(16) float As[BK][BM];  // A tile, transposed: As[k][m]
  __shared__ __align__(16) float Bs[BK][BN];
  const int tid = threadIdx.x;
  const int tx = tid % 16, ty = tid / 16;
  const int row0 = blockIdx.y * BM, col0 = blockIdx.x * BN;
  float acc[TM][TN];
#pragma unroll
  for (int i = 0; i < TM; ++i)
#pragma unroll
    for (int j = 0; j < TN; ++j) acc[i][j] = 0.0f;

  for (int k0 = 0; k0 < K; k0 += BK) {
#pragma unroll
    for (int l = 0; l < (BM * BK) / 256; ++l) {
      int e = tid + l * 256;
      int m = e / BK, k = e % BK;
      int gm = row0 + m, gk = k0 + k;
      As[k][m] = (gm < M && gk < K) ? A[gm * K + gk] : 0.0f;
    }
#pragma unroll
    for (int l = 0; l < (BK * BN) / 256; ++l) {
      int e = tid + l * 256;
      int k = e / BN, n = e % BN;
      int gk = k0 + k, gn = col0 + n;
      Bs[k][n] = (gk < K && gn < N) ? B[gk * N + gn] : 0.0f;
    }
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < BK; ++kk) {
      float4 a4 = *reinterpret_cast<const float4*>(&As[kk][ty * TM]);
      float4 b4 = *reinterpret_cast<const float4*>(&Bs[kk][tx * TN]);
      const float a[TM] = {a4.x, a4.y, a4.z, a4.w}, b[TN] = {b4.x, b4.y, b4.z, b4.w};
#pragma unroll
      for (int i = 0; i < TM; ++i)
#pragma unroll
        for (int j = 0; j < TN; ++j) acc[i][j] += a[i] * b[j];
    }
    __syncthreads();
  }
#pragma unroll
  for (int i = 0; i < TM; ++i) {
    int gm = row0 + ty * TM + i;
    if (gm >= M) continue;
#pragma unroll
    for (int j = 0; j < TN; ++j) {
      int gn = col0 + tx * TN + j;
      if (gn < N) C[gm * N + gn] = acc[i][j];
    }
  }
}

// Returns the number of mismatches.
static long run(int M, int N, int K, int reps) {
  std::vector<float> hA(size_t(M) * K), hB(size_t(K) * N), hC(size_t(M) * N), ref(size_t(M) * N, 0.0f);
  for (size_t i = 0; i < hA.size(); ++i) hA[i] = float(int((i * 7 + 3) % 9) - 4);
  for (size_t i = 0; i < hB.size(); ++i) hB[i] = float(int((i * 5 + 1) % 7) - 3);
  for (int m = 0; m < M; ++m)
    for (int k = 0; k < K; ++k) {
      float a = hA[size_t(m) * K + k];
      for (int n = 0; n < N; ++n) ref[size_t(m) * N + n] += a * hB[size_t(k) * N + n];
    }
  float *dA, *dB, *dC;
  CHECK(cudaMalloc(&dA, hA.size() * sizeof(float)));
  CHECK(cudaMalloc(&dB, hB.size() * sizeof(float)));
  CHECK(cudaMalloc(&dC, hC.size() * sizeof(float)));
  CHECK(cudaMemcpy(dA, hA.data(), hA.size() * sizeof(float), cudaMemcpyHostToDevice));
  CHECK(cudaMemcpy(dB, hB.data(), hB.size() * sizeof(float), cudaMemcpyHostToDevice));
  CHECK(cudaMemset(dC, 0, hC.size() * sizeof(float)));
  dim3 grid((N + BN - 1) / BN, (M + BM - 1) / BM);
  TSDP_LAUNCH(sgemm_64x64, grid, 256, 0, 0, M, N, K, dA, dB, dC);
  CHECK(cudaGetLastError());
  CHECK(cudaDeviceSynchronize());
  if (reps > 0) {
    cudaEvent_t start, stop;
    CHECK(cudaEventCreate(&start));
    CHECK(cudaEventCreate(&stop));
    CHECK(cudaEventRecord(start, 0));
    for (int r = 0; r < reps; ++r) TSDP_LAUNCH(sgemm_64x64, grid, 256, 0, 0, M, N, K, dA, dB, dC);
    CHECK(cudaEventRecord(stop, 0));
    CHECK(cudaEventSynchronize(stop));
    float ms = 0;
    CHECK(cudaEventElapsedTime(&ms, start, stop));
    double gflops = 2.0 * M * N * K * reps / (ms * 1e-3) / 1e9;
    std::printf("sgemm %dx%dx%d: %.3f ms per launch, %.2f GFLOP/s\n", M, N, K, ms / reps, gflops);
    CHECK(cudaEventDestroy(start));
    CHECK(cudaEventDestroy(stop));
  }
  CHECK(cudaMemcpy(hC.data(), dC, hC.size() * sizeof(float), cudaMemcpyDeviceToHost));
  long bad = 0;
  for (size_t i = 0; i < hC.size(); ++i)
    if (hC[i] != ref[i]) {
      if (bad < 5) std::printf("C[%zu] = %g, expected %g\n", i, hC[i], ref[i]);
      ++bad;
    }
  CHECK(cudaFree(dA));
  CHECK(cudaFree(dB));
  CHECK(cudaFree(dC));
  std::printf("sgemm %dx%dx%d: %s\n", M, N, K, bad ? "MISMATCH" : "match");
  return bad;
}

int main(int argc, char** argv) {
  long bad = 0;
  if (argc >= 4) {
    bad += run(std::atoi(argv[1]), std::atoi(argv[2]), std::atoi(argv[3]), argc >= 5 ? std::atoi(argv[4]) : 0);
  } else {
    bad += run(256, 192, 320, 0);
    bad += run(100, 70, 45, 0);
  }
  std::printf(bad ? "FAILED\n" : "OK\n");
  return bad ? 1 : 0;
}
