// Dynamic shared memory (sized by the launch): reverse each block's slice through a float buffer,
// then a launch with a larger buffer split into a float and an int region, then a small one again.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#ifndef TSDP_DYNAMIC_SHARED
#define TSDP_DYNAMIC_SHARED(type, name) extern __shared__ type name[]
#endif

#include "check.h"

__global__ void reverse_block(const float* in, float* out, int* misaligned) {
  TSDP_DYNAMIC_SHARED(float, buf);
  int t = threadIdx.x, i = blockIdx.x * blockDim.x + t;
  if (t == 0 && reinterpret_cast<uintptr_t>(buf) % 16 != 0) atomicAdd(misaligned, 1);
  buf[t] = in[i];
  __syncthreads();
  out[i] = buf[blockDim.x - 1 - t];
}

// First blockDim.x floats, then blockDim.x ints: out[i] = in[mirror] + (t * 2).
__global__ void two_regions(const float* in, float* out) {
  TSDP_DYNAMIC_SHARED(unsigned char, raw);
  float* f = reinterpret_cast<float*>(raw);
  int* k = reinterpret_cast<int*>(raw + blockDim.x * sizeof(float));
  int t = threadIdx.x, i = blockIdx.x * blockDim.x + t;
  f[t] = in[i];
  k[t] = t * 2;
  __syncthreads();
  int m = blockDim.x - 1 - t;
  out[i] = f[m] + float(k[m] - 2 * m + 2 * t);
}

static int run(int blocks, int threads, bool regions) {
  int n = blocks * threads;
  std::vector<float> h(n), r(n);
  for (int i = 0; i < n; ++i) h[i] = float(i * 3 % 1001);
  float *din, *dout;
  int* dmis;
  CHECK(cudaMalloc(&din, n * sizeof(float)));
  CHECK(cudaMalloc(&dout, n * sizeof(float)));
  CHECK(cudaMalloc(&dmis, sizeof(int)));
  CHECK(cudaMemset(dmis, 0, sizeof(int)));
  CHECK(cudaMemcpy(din, h.data(), n * sizeof(float), cudaMemcpyHostToDevice));
  if (regions) {
    TSDP_LAUNCH(two_regions, blocks, threads, threads * (sizeof(float) + sizeof(int)), 0, din, dout);
  } else {
    TSDP_LAUNCH(reverse_block, blocks, threads, threads * sizeof(float), 0, din, dout, dmis);
  }
  CHECK(cudaGetLastError());
  CHECK(cudaMemcpy(r.data(), dout, n * sizeof(float), cudaMemcpyDeviceToHost));
  int mis = 0;
  CHECK(cudaMemcpy(&mis, dmis, sizeof(int), cudaMemcpyDeviceToHost));
  int bad = mis ? 1 : 0;
  if (mis) std::printf("dynamic shared memory not 16-byte aligned\n");
  for (int i = 0; i < n; ++i) {
    int b = i / threads, t = i % threads, m = threads - 1 - t;
    float want = regions ? h[b * threads + m] + float(2 * t) : h[b * threads + m];
    if (r[i] != want) {
      if (bad < 5) std::printf("out[%d] = %g, expected %g\n", i, r[i], want);
      ++bad;
    }
  }
  CHECK(cudaFree(din));
  CHECK(cudaFree(dout));
  CHECK(cudaFree(dmis));
  std::printf("%s blocks=%d threads=%d: %s\n", regions ? "two-regions" : "reverse", blocks, threads,
              bad ? "MISMATCH" : "match");
  return bad;
}

int main() {
  int bad = 0;
  bad += run(10, 64, false);
  bad += run(6, 1000, true);
  bad += run(33, 96, false);
  std::printf(bad ? "FAILED\n" : "OK\n");
  return bad ? 1 : 0;
}
