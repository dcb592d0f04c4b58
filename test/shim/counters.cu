// Kernels with known hardware-counter answers (runtime/shim/counters.h): each is launched once,
// checks its results, and in a counter build (-DTSDP_SHIM_COUNTERS, see test/shim-counters.test.ts)
// the program prints the counters' JSON between "COUNTERS" and "END" lines. The expected numbers
// are in the test, with the reasoning.
#include <cstdio>
#include <cstdlib>
#include <vector>

#ifndef TSDP_DYNAMIC_SHARED
#define TSDP_DYNAMIC_SHARED(type, name) extern __shared__ type name[]
#endif
#include "check.h"

// 32×32 transpose through a shared tile, one block of 32×32 threads: the tile is written by rows
// and read by columns. With 32 floats per row, a column is 32 words in one bank.
__global__ void transpose_conflicted(const float* in, float* out) {
  __shared__ float tile[32][32];
  const int x = threadIdx.x, y = threadIdx.y;
  tile[y][x] = in[y * 32 + x];
  __syncthreads();
  out[y * 32 + x] = tile[x][y];
}

// The same with one float of padding per row: a column spans all 32 banks.
__global__ void transpose_padded(const float* in, float* out) {
  __shared__ float tile[32][33];
  const int x = threadIdx.x, y = threadIdx.y;
  tile[y][x] = in[y * 32 + x];
  __syncthreads();
  out[y * 32 + x] = tile[x][y];
}

// Adjacent threads copy adjacent floats: a warp reads 128 contiguous bytes.
__global__ void copy_coalesced(const float* in, float* out) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  out[i] = in[i];
}

// Adjacent threads read floats 32 apart (128 bytes): every lane its own sector.
__global__ void copy_strided(const float* in, float* out) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  out[i] = in[i * 32];
}

// One warp loads a float4 each from 32 consecutive 16-byte slots of shared memory (LDS.128),
// staged by 4 conflict-free stores of 32 consecutive floats.
__global__ void shared_float4(const float* in, float* out) {
  __shared__ __align__(16) float s[128];
  const int t = threadIdx.x;
  for (int i = 0; i < 4; ++i) s[i * 32 + t] = in[i * 32 + t];
  __syncthreads();
  const float4 v = *reinterpret_cast<const float4*>(&s[t * 4]);
  out[t] = v.x + v.y + v.z + v.w;
}

// Every lane reads the same shared word.
__global__ void shared_broadcast(const float* in, float* out) {
  __shared__ float s[32];
  const int t = threadIdx.x;
  s[t] = in[t];
  __syncthreads();
  out[t] = s[7];
}

// Reverse 64 floats through dynamic shared memory (sized by the launch): per warp one store and
// one load, each of 32 consecutive words.
__global__ void dynamic_reverse(const float* in, float* out) {
  TSDP_DYNAMIC_SHARED(float, buf);
  const int t = threadIdx.x;
  buf[t] = in[t];
  __syncthreads();
  out[t] = buf[blockDim.x - 1 - t];
}

// Every lane adds to one float: one atomic request per warp (RED on the GPU), one sector.
__global__ void atomic_sum(const float* in, float* out) {
  atomicAdd(&out[0], in[threadIdx.x]);
}

// Even lanes load one float more than odd ones (a guarded load), then all load one: two
// instructions, the first with 16 active lanes. Matched by instruction: 2 requests of 4 sectors.
// (Matched by count, the odd lanes' second load would join the even lanes' first: 12 sectors.)
__global__ void divergent_loads(const float* in, float* out) {
  const int t = threadIdx.x;
  float v = 0.0f;
  if (t % 2 == 0) v = in[t + 32];
  v += in[t];
  out[t] = v;
}

int main() {
  const int n = 32 * 32 * 32;  // the strided copy reads 32 floats per thread of 1024
  std::vector<float> host(n);
  for (int i = 0; i < n; ++i) host[i] = float(i % 1000);
  float *in, *out;
  CHECK(cudaMalloc(&in, n * sizeof(float)));
  CHECK(cudaMalloc(&out, n * sizeof(float)));
  CHECK(cudaMemcpy(in, host.data(), n * sizeof(float), cudaMemcpyHostToDevice));
  std::vector<float> got(1024);
  int bad = 0;
  auto fetch = [&](int count) {
    CHECK(cudaGetLastError());
    CHECK(cudaDeviceSynchronize());
    CHECK(cudaMemcpy(got.data(), out, count * sizeof(float), cudaMemcpyDeviceToHost));
  };
#ifdef TSDP_SHIM_COUNTERS
  tsdp_shim_counters_reset();  // the counters of this program's launches only
#endif

  TSDP_LAUNCH(transpose_conflicted, dim3(1), dim3(32, 32), 0, 0, in, out);
  fetch(1024);
  for (int y = 0; y < 32; ++y)
    for (int x = 0; x < 32; ++x) bad += got[y * 32 + x] != host[x * 32 + y];
  TSDP_LAUNCH(transpose_padded, dim3(1), dim3(32, 32), 0, 0, in, out);
  fetch(1024);
  for (int y = 0; y < 32; ++y)
    for (int x = 0; x < 32; ++x) bad += got[y * 32 + x] != host[x * 32 + y];
  TSDP_LAUNCH(copy_coalesced, dim3(4), dim3(256), 0, 0, in, out);
  fetch(1024);
  for (int i = 0; i < 1024; ++i) bad += got[i] != host[i];
  TSDP_LAUNCH(copy_strided, dim3(4), dim3(256), 0, 0, in, out);
  fetch(1024);
  for (int i = 0; i < 1024; ++i) bad += got[i] != host[i * 32];
  TSDP_LAUNCH(shared_float4, dim3(1), dim3(32), 0, 0, in, out);
  fetch(32);
  for (int t = 0; t < 32; ++t) bad += got[t] != host[t * 4] + host[t * 4 + 1] + host[t * 4 + 2] + host[t * 4 + 3];
  TSDP_LAUNCH(shared_broadcast, dim3(1), dim3(32), 0, 0, in, out);
  fetch(32);
  for (int t = 0; t < 32; ++t) bad += got[t] != host[7];
  TSDP_LAUNCH(dynamic_reverse, dim3(1), dim3(64), 64 * sizeof(float), 0, in, out);
  fetch(64);
  for (int t = 0; t < 64; ++t) bad += got[t] != host[63 - t];
  CHECK(cudaMemset(out, 0, sizeof(float)));
  TSDP_LAUNCH(atomic_sum, dim3(1), dim3(64), 0, 0, in, out);
  fetch(1);
  float sum = 0;
  for (int t = 0; t < 64; ++t) sum += host[t];
  bad += got[0] != sum;  // integers: exact in any order
  TSDP_LAUNCH(divergent_loads, dim3(1), dim3(32), 0, 0, in, out);
  fetch(32);
  for (int t = 0; t < 32; ++t) bad += got[t] != host[t] + (t % 2 == 0 ? host[t + 32] : 0.0f);

  std::printf("mismatches: %d\n", bad);
#ifdef TSDP_SHIM_COUNTERS
  std::printf("COUNTERS\n%sEND\n", tsdp_shim_counters_json());
#endif
  CHECK(cudaFree(in));
  CHECK(cudaFree(out));
  if (bad) return 1;
  std::printf("OK\n");
  return 0;
}
