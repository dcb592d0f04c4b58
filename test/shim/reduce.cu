// Block reduction: warp shuffles, then one value per warp through shared memory, then warp 0.
// Sum of 100,000 integer-valued floats (exact), with block sizes that are and are not multiples
// of 32 (the last warp of a 200-thread block has 8 lanes).
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "check.h"

// Sum over the `lanes` lanes of the caller's warp that exist (lane 0 gets the total).
__device__ __forceinline__ float warp_sum(float v, unsigned lanes) {
  unsigned lane = threadIdx.x % 32;
  unsigned mask = lanes == 32 ? 0xffffffffu : (1u << lanes) - 1;
  for (unsigned offset = 16; offset > 0; offset >>= 1) {
    float other = __shfl_down_sync(mask, v, offset);
    if (lane + offset < lanes) v += other;
  }
  return v;
}

__global__ void block_sum(const float* __restrict__ x, int n, float* __restrict__ partial) {
  __shared__ float per_warp[32];
  float v = 0.0f;
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) v += x[i];
  unsigned warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  unsigned nwarps = (blockDim.x + 31) / 32;
  unsigned lanes = min(32u, blockDim.x - warp * 32);
  v = warp_sum(v, lanes);
  if (lane == 0) per_warp[warp] = v;
  __syncthreads();
  if (warp == 0) {
    v = lane < nwarps ? per_warp[lane] : 0.0f;
    v = warp_sum(v, min(32u, blockDim.x));
    if (lane == 0) partial[blockIdx.x] = v;
  }
}

static int check(int n, int threads, int blocks) {
  std::vector<float> h(n);
  double expect = 0;
  for (int i = 0; i < n; ++i) {
    h[i] = float(i % 7 - 3 + (i % 13 == 0 ? 5 : 0));
    expect += h[i];
  }
  float *dx, *dpart, *dtotal;
  CHECK(cudaMalloc(&dx, n * sizeof(float)));
  CHECK(cudaMalloc(&dpart, blocks * sizeof(float)));
  CHECK(cudaMalloc(&dtotal, sizeof(float)));
  CHECK(cudaMemcpy(dx, h.data(), n * sizeof(float), cudaMemcpyHostToDevice));
  TSDP_LAUNCH(block_sum, blocks, threads, 0, 0, dx, n, dpart);
  CHECK(cudaGetLastError());
  TSDP_LAUNCH(block_sum, 1, threads, 0, 0, dpart, blocks, dtotal);
  CHECK(cudaGetLastError());
  float total = 0;
  CHECK(cudaMemcpy(&total, dtotal, sizeof(float), cudaMemcpyDeviceToHost));
  CHECK(cudaFree(dx));
  CHECK(cudaFree(dpart));
  CHECK(cudaFree(dtotal));
  bool ok = double(total) == expect;
  std::printf("sum n=%d threads=%d blocks=%d: %.1f (expected %.1f) %s\n", n, threads, blocks, total, expect,
              ok ? "match" : "MISMATCH");
  return ok ? 0 : 1;
}

int main() {
  int bad = 0;
  bad += check(100000, 256, 64);
  bad += check(100000, 200, 50);
  bad += check(100000, 1024, 7);
  bad += check(100000, 45, 300);
  bad += check(1000, 7, 3);
  std::printf(bad ? "FAILED\n" : "OK\n");
  return bad ? 1 : 0;
}
