// Error handling: bad launch configurations set the last error (cudaErrorInvalidConfiguration),
// which cudaGetLastError returns and clears, and the process carries on; cudaSetDevice with an
// ordinal past the device count fails with cudaErrorInvalidDevice; an impossible cudaMalloc
// fails with cudaErrorMemoryAllocation; a bad memcpy direction is rejected.
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "check.h"

__global__ void fill(int* p, int v) { p[blockIdx.x * blockDim.x + threadIdx.x] = v; }

static int bad = 0;

static void expect(const char* what, cudaError_t got, cudaError_t want) {
  std::printf("%s: %s (%d)\n", what, cudaGetErrorName(got), int(got));
  if (got != want) {
    std::printf("  expected %s (%d)\n", cudaGetErrorName(want), int(want));
    ++bad;
  }
}

int main() {
  int* p;
  CHECK(cudaMalloc(&p, 4096 * sizeof(int)));
  CHECK(cudaMemset(p, 0, 4096 * sizeof(int)));

  TSDP_LAUNCH(fill, 1, 2048, 0, 0, p, 7);
  expect("2048 threads per block", cudaGetLastError(), cudaErrorInvalidConfiguration);
  expect("last error after reading it", cudaGetLastError(), cudaSuccess);
  TSDP_LAUNCH(fill, 0, 64, 0, 0, p, 7);
  expect("empty grid, peek", cudaPeekAtLastError(), cudaErrorInvalidConfiguration);
  expect("empty grid", cudaGetLastError(), cudaErrorInvalidConfiguration);
  TSDP_LAUNCH(fill, 1, dim3(32, 32, 2), 0, 0, p, 7);
  expect("32x32x2 threads per block", cudaGetLastError(), cudaErrorInvalidConfiguration);

  int h[4096];
  CHECK(cudaMemcpy(h, p, sizeof h, cudaMemcpyDeviceToHost));
  int touched = 0;
  for (int v : h) touched += v != 0;
  std::printf("elements written by failed launches: %d\n", touched);
  if (touched) ++bad;

  TSDP_LAUNCH(fill, 4, 1024, 0, 0, p, 9);  // the process carries on: a valid launch works
  expect("1024 threads per block", cudaGetLastError(), cudaSuccess);
  CHECK(cudaMemcpy(h, p, sizeof h, cudaMemcpyDeviceToHost));
  int nines = 0;
  for (int v : h) nines += v == 9;
  std::printf("elements written by the valid launch: %d\n", nines);
  if (nines != 4096) ++bad;

  int count = 0;
  CHECK(cudaGetDeviceCount(&count));
  expect("cudaSetDevice(5)", cudaSetDevice(5), count > 5 ? cudaSuccess : cudaErrorInvalidDevice);
  expect("cudaSetDevice(-1)", cudaSetDevice(-1), cudaErrorInvalidDevice);
  cudaGetLastError();
  int dev = -1;
  CHECK(cudaGetDevice(&dev));
  std::printf("current device: %d\n", dev);
  if (dev != 0 && count <= 5) ++bad;

  void* huge = nullptr;
  expect("cudaMalloc(1 << 62)", cudaMalloc(&huge, size_t(1) << 62), cudaErrorMemoryAllocation);
  expect("last error after failed cudaMalloc", cudaGetLastError(), cudaErrorMemoryAllocation);
  expect("memcpy with kind 7", cudaMemcpy(h, p, 16, cudaMemcpyKind(7)), cudaErrorInvalidMemcpyDirection);
  cudaGetLastError();

  const char* s = cudaGetErrorString(cudaErrorInvalidConfiguration);
  std::printf("error string: %s\n", s);
  if (!s || !*s) ++bad;
  if (std::strcmp(cudaGetErrorName(cudaErrorInvalidConfiguration), "cudaErrorInvalidConfiguration") != 0) ++bad;
  if (int(cudaErrorInvalidValue) != 1 || int(cudaErrorMemoryAllocation) != 2 ||
      int(cudaErrorInvalidConfiguration) != 9 || int(cudaErrorInvalidDevice) != 101) {
    std::printf("unexpected enum values\n");
    ++bad;
  }
  CHECK(cudaFree(p));
  CHECK(cudaFree(nullptr));
  std::printf(bad ? "FAILED\n" : "OK\n");
  return bad ? 1 : 0;
}
