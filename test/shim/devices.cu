// Devices: prints "devices=N" (the CPU shim has TSDP_SHIM_DEVICES virtual devices, default 1).
// Then one host thread per device selects its device (the current device is per host thread),
// and all of them launch multi-block kernels with barriers at the same time.
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "check.h"

// out[block] = sum of in[block*256 .. +256) * factor, through shared memory.
__global__ void block_sums(const int* in, int* out, int factor) {
  __shared__ int s[256];
  int t = threadIdx.x;
  s[t] = in[blockIdx.x * 256 + t] * factor;
  __syncthreads();
  for (int stride = 128; stride > 0; stride >>= 1) {
    if (t < stride) s[t] += s[t + stride];
    __syncthreads();
  }
  if (t == 0) out[blockIdx.x] = s[0];
}

int main() {
  int count = 0;
  CHECK(cudaGetDeviceCount(&count));
  std::printf("devices=%d\n", count);
  cudaDeviceProp prop;
  CHECK(cudaGetDeviceProperties(&prop, 0));
  std::printf("device 0: %s, %d multiprocessors, warp size %d\n", prop.name, prop.multiProcessorCount,
              prop.warpSize);

  std::vector<int> failures(count, 0);
  std::vector<std::thread> threads;
  for (int d = 0; d < count; ++d) {
    threads.emplace_back([d, &failures] {
      CHECK(cudaSetDevice(d));
      const int blocks = 40, n = blocks * 256;
      std::vector<int> h(n), r(blocks);
      for (int i = 0; i < n; ++i) h[i] = (i * 31 + d) % 97;
      int *din, *dout;
      CHECK(cudaMalloc(&din, n * sizeof(int)));
      CHECK(cudaMalloc(&dout, blocks * sizeof(int)));
      CHECK(cudaMemcpy(din, h.data(), n * sizeof(int), cudaMemcpyHostToDevice));
      for (int rep = 0; rep < 20; ++rep) {
        TSDP_LAUNCH(block_sums, blocks, 256, 0, 0, din, dout, d + 1);
        CHECK(cudaGetLastError());
        CHECK(cudaMemcpy(r.data(), dout, blocks * sizeof(int), cudaMemcpyDeviceToHost));
        for (int b = 0; b < blocks; ++b) {
          int want = 0;
          for (int i = 0; i < 256; ++i) want += h[b * 256 + i] * (d + 1);
          if (r[b] != want) ++failures[d];
        }
      }
      int current = -1;
      CHECK(cudaGetDevice(&current));
      if (current != d) ++failures[d];
      CHECK(cudaFree(din));
      CHECK(cudaFree(dout));
    });
  }
  for (auto& t : threads) t.join();
  int bad = 0;
  for (int d = 0; d < count; ++d) {
    std::printf("device %d: %s\n", d, failures[d] ? "MISMATCH" : "match");
    bad += failures[d];
  }
  std::printf(bad ? "FAILED\n" : "OK\n");
  return bad ? 1 : 0;
}
