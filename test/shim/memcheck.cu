// Planted memory bugs for the memcheck mode (test/memcheck.test.ts). `memcheck clean` runs the
// correct kernels; `memcheck global` reads one float past a cudaMalloc'd array, `memcheck shared`
// one past a block's dynamic shared memory, `memcheck static` one past a static __shared__ array,
// and `memcheck uninit` copies device memory that nothing wrote. Built with -fsanitize=address and
// -DTSDP_SHIM_MEMCHECK, the three planted reads must stop with an AddressSanitizer report naming
// the kernel, and `uninit` must print NaN.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#ifndef TSDP_DYNAMIC_SHARED
#define TSDP_DYNAMIC_SHARED(type, name) extern __shared__ type name[]
#endif

#include "check.h"

// out[i] = in[i + shift]: with shift 1 the last thread reads in[n], one past the end.
__global__ void read_past_global(const float* in, float* out, int n, int shift) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) out[i] = in[i + shift];
}

// Stages the block's slice in dynamic shared memory (blockDim.x floats) and reads it back shifted:
// with shift 1 the last thread reads buf[blockDim.x], one past the end.
__global__ void read_past_shared(const float* in, float* out, int shift) {
  TSDP_DYNAMIC_SHARED(float, buf);
  int t = threadIdx.x, i = blockIdx.x * blockDim.x + t;
  buf[t] = in[i];
  __syncthreads();
  out[i] = buf[t + shift];
}

// The same through a static __shared__ tile of 128 floats: with shift 28 thread 99 reads tile[127]
// (in bounds) and with shift 29 tile[128], one past the end.
__global__ void read_past_static_shared(const float* in, float* out, int shift) {
  __shared__ float tile[128];
  int t = threadIdx.x, i = blockIdx.x * blockDim.x + t;
  tile[t] = in[i];
  if (t < 28) tile[100 + t] = 0.0f;
  __syncthreads();
  out[i] = tile[t + shift];
}

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "clean";
  const int threads = 100, blocks = 10, n = threads * blocks;  // 4,000 bytes: not a multiple of 256
  std::vector<float> h(n), r(n);
  for (int i = 0; i < n; ++i) h[i] = float(i);
  float *din, *dout;
  CHECK(cudaMalloc(&din, n * sizeof(float)));
  CHECK(cudaMalloc(&dout, n * sizeof(float)));
  if (std::strcmp(mode, "uninit") == 0) {
    // din is never written: its bytes are whatever the device had.
    TSDP_LAUNCH(read_past_global, blocks, threads, 0, 0, din, dout, n, 0);
    CHECK(cudaMemcpy(r.data(), dout, n * sizeof(float), cudaMemcpyDeviceToHost));
    int nans = 0;
    for (float v : r) nans += std::isnan(v);
    std::printf("uninit: %d of %d outputs are NaN\n", nans, n);
    CHECK(cudaFree(din));
    CHECK(cudaFree(dout));
    return 0;
  }
  CHECK(cudaMemcpy(din, h.data(), n * sizeof(float), cudaMemcpyHostToDevice));
  bool clean = std::strcmp(mode, "clean") == 0;
  if (clean || std::strcmp(mode, "global") == 0) {
    // The clean run reads in[i + 0]; the planted one in[i + 1].
    TSDP_LAUNCH(read_past_global, blocks, threads, 0, 0, din, dout, n, clean ? 0 : 1);
    CHECK(cudaDeviceSynchronize());
  }
  if (clean || std::strcmp(mode, "shared") == 0) {
    TSDP_LAUNCH(read_past_shared, blocks, threads, threads * sizeof(float), 0, din, dout, clean ? 0 : 1);
    CHECK(cudaDeviceSynchronize());
  }
  if (std::strcmp(mode, "static") == 0) {
    TSDP_LAUNCH(read_past_static_shared, blocks, threads, 0, 0, din, dout, 29);
    CHECK(cudaDeviceSynchronize());
  }
  if (clean) {  // in bounds: the last thread reads tile[127]
    TSDP_LAUNCH(read_past_static_shared, blocks, threads, 0, 0, din, dout, 28);
    CHECK(cudaDeviceSynchronize());
    TSDP_LAUNCH(read_past_global, blocks, threads, 0, 0, din, dout, n, 0);  // restore out = in
    CHECK(cudaDeviceSynchronize());
  }
  CHECK(cudaMemcpy(r.data(), dout, n * sizeof(float), cudaMemcpyDeviceToHost));
  for (int i = 0; i < n; ++i)
    if (clean && r[i] != h[i]) {
      std::printf("FAIL out[%d] = %g, want %g\n", i, r[i], h[i]);
      return 1;
    }
  CHECK(cudaFree(din));
  CHECK(cudaFree(dout));
  std::printf("%s: done\n", mode);
  return 0;
}
