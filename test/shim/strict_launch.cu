// Launch limits as CUDA enforces them: at most 1024 threads per block and 1024/1024/64 per
// dimension, grid.y and grid.z at most 65,535 (grid.x 2^31-1), and dynamic shared memory above
// 48 KB only for a kernel that opted in with cudaFuncSetAttribute(MaxDynamicSharedMemorySize),
// never above 227 KB per block.
#include "strict_common.h"

#ifndef TSDP_DYNAMIC_SHARED
#define TSDP_DYNAMIC_SHARED(type, name) extern __shared__ type name[]
#endif

__global__ void count(int* p) {
  if (threadIdx.x == 0 && threadIdx.y == 0 && threadIdx.z == 0) atomicAdd(p, 1);
}

// Fills the whole dynamic buffer and checks it, so that a too-small buffer would show.
__global__ void use_shared(int* bad, int words) {
  TSDP_DYNAMIC_SHARED(int, buf);
  for (int i = threadIdx.x; i < words; i += blockDim.x) buf[i] = i;
  __syncthreads();
  for (int i = threadIdx.x; i < words; i += blockDim.x)
    if (buf[i] != i) atomicAdd(bad, 1);
}

int main() {
  int* n;
  CHECK(cudaMallocManaged(&n, 2 * sizeof(int)));
  n[0] = n[1] = 0;

  TSDP_LAUNCH(count, 1, dim3(1025), 0, 0, n);
  expect("block of 1025 threads", cudaGetLastError(), cudaErrorInvalidConfiguration);
  TSDP_LAUNCH(count, 1, dim3(1024), 0, 0, n);
  expect("block of 1024 threads", cudaGetLastError(), cudaSuccess);
  TSDP_LAUNCH(count, 1, dim3(1, 1, 65), 0, 0, n);
  expect("block.z of 65", cudaGetLastError(), cudaErrorInvalidConfiguration);
  TSDP_LAUNCH(count, 1, dim3(1, 2, 64), 0, 0, n);
  expect("block.z of 64", cudaGetLastError(), cudaSuccess);
  TSDP_LAUNCH(count, dim3(1, 65536), 1, 0, 0, n);
  expect("grid.y of 65536", cudaGetLastError(), cudaErrorInvalidConfiguration);
  TSDP_LAUNCH(count, dim3(1, 1, 65536), 1, 0, 0, n);
  expect("grid.z of 65536", cudaGetLastError(), cudaErrorInvalidConfiguration);
  TSDP_LAUNCH(count, dim3(70000), 1, 0, 0, n);
  expect("grid.x of 70000", cudaGetLastError(), cudaSuccess);
  TSDP_LAUNCH(count, dim3(1, 65535), 1, 0, 0, n);
  expect("grid.y of 65535", cudaGetLastError(), cudaSuccess);
  CHECK(cudaDeviceSynchronize());
  std::printf("blocks that ran: %d\n", n[0]);
  if (n[0] != 1 + 1 + 70000 + 65535) ++failures;

  const int big = 64 * 1024;
  TSDP_LAUNCH(use_shared, 1, 256, big, 0, n + 1, big / 4);
  expect("64 KB of dynamic shared memory without opting in", cudaGetLastError(), cudaErrorInvalidValue);
  TSDP_LAUNCH(use_shared, 1, 256, 48 * 1024, 0, n + 1, 48 * 1024 / 4);
  expect("48 KB without opting in", cudaGetLastError(), cudaSuccess);
  expect("opting in to 228 KB", cudaFuncSetAttribute(use_shared, cudaFuncAttributeMaxDynamicSharedMemorySize, 228 * 1024),
         cudaErrorInvalidValue);
  (void)cudaGetLastError();
  CHECK(cudaFuncSetAttribute(use_shared, cudaFuncAttributeMaxDynamicSharedMemorySize, big));
  TSDP_LAUNCH(use_shared, 1, 256, big, 0, n + 1, big / 4);
  expect("64 KB after opting in to 64 KB", cudaGetLastError(), cudaSuccess);
  TSDP_LAUNCH(use_shared, 1, 256, big + 4, 0, n + 1, big / 4 + 1);
  expect("64 KB + 4 after opting in to 64 KB", cudaGetLastError(), cudaErrorInvalidValue);
  CHECK(cudaDeviceSynchronize());
  if (n[1] != 0) ++failures;
  CHECK(cudaFree(n));
  return finish();
}
