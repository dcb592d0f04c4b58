// A kernel with a missing __syncthreads: each thread writes its slot of shared memory and then
// reads its left neighbour's slot without a barrier in between. On the CPU shim it happens to be
// right when threads run in forward order (the neighbour already ran) and must be wrong in
// reverse or shuffled order (TSDP_SHIM_ORDER), which is how the tests catch such bugs.
//   racy-direct: no barrier at all (the block runs in direct mode)
//   racy-fiber:  an earlier barrier puts the block in fiber mode, the exchange lacks its own
//   synced:      the correct kernel; right in every order
// The program fails (exit 1) only if `synced` is wrong; the racy results are reported.
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "check.h"

constexpr int kThreads = 128;

__global__ void shift_racy_direct(const int* in, int* out) {
  __shared__ int s[kThreads];
  int t = threadIdx.x, i = blockIdx.x * blockDim.x + t;
  s[t] = in[i];
  // missing __syncthreads();
  out[i] = t > 0 ? s[t - 1] : -1;
}

__global__ void shift_racy_fiber(const int* in, int* out) {
  __shared__ int s[kThreads];
  __shared__ int base;
  int t = threadIdx.x, i = blockIdx.x * blockDim.x + t;
  if (t == 0) base = in[blockIdx.x * blockDim.x] - in[blockIdx.x * blockDim.x];  // 0
  __syncthreads();
  s[t] = in[i] + base;
  // missing __syncthreads();
  out[i] = t > 0 ? s[t - 1] : -1;
}

__global__ void shift_synced(const int* in, int* out) {
  __shared__ int s[kThreads];
  int t = threadIdx.x, i = blockIdx.x * blockDim.x + t;
  s[t] = in[i];
  __syncthreads();
  out[i] = t > 0 ? s[t - 1] : -1;
}

typedef void (*Kernel)(const int*, int*);

// Returns true if the kernel's output is right.
static bool right(Kernel k, const int* din, int* dout, int blocks) {
  int n = blocks * kThreads;
  CHECK(cudaMemset(dout, 0, n * sizeof(int)));
  TSDP_LAUNCH(k, blocks, kThreads, 0, 0, din, dout);
  CHECK(cudaGetLastError());
  std::vector<int> h(n);
  CHECK(cudaMemcpy(h.data(), dout, n * sizeof(int), cudaMemcpyDeviceToHost));
  for (int i = 0; i < n; ++i) {
    int expect = i % kThreads == 0 ? -1 : 7 * (i - 1) + 1;
    if (h[i] != expect) return false;
  }
  return true;
}

int main() {
  const int blocks = 24, n = blocks * kThreads;
  std::vector<int> h(n);
  for (int i = 0; i < n; ++i) h[i] = 7 * i + 1;
  int *din, *dout;
  CHECK(cudaMalloc(&din, n * sizeof(int)));
  CHECK(cudaMalloc(&dout, n * sizeof(int)));
  CHECK(cudaMemcpy(din, h.data(), n * sizeof(int), cudaMemcpyHostToDevice));
  bool racy_direct = right(shift_racy_direct, din, dout, blocks);
  bool racy_fiber = right(shift_racy_fiber, din, dout, blocks);
  bool synced = right(shift_synced, din, dout, blocks);
  std::printf("racy-direct: %s\n", racy_direct ? "RIGHT" : "WRONG");
  std::printf("racy-fiber: %s\n", racy_fiber ? "RIGHT" : "WRONG");
  std::printf("synced: %s\n", synced ? "RIGHT" : "WRONG");
#ifdef TSDP_CUDA_SHIM
  // The same through the run-time switch; the environment's order is restored afterwards.
  int saved = tsdp_shim_get_order();
  const char* names[] = {"forward", "reverse", "shuffle"};
  for (int order = 0; order < 3; ++order) {
    tsdp_shim_set_order(order);
    bool a = right(shift_racy_direct, din, dout, blocks);
    bool b = right(shift_racy_fiber, din, dout, blocks);
    bool c = right(shift_synced, din, dout, blocks);
    std::printf("api-%s: racy-direct %s, racy-fiber %s, synced %s\n", names[order], a ? "RIGHT" : "WRONG",
                b ? "RIGHT" : "WRONG", c ? "RIGHT" : "WRONG");
    synced = synced && c;
  }
  tsdp_shim_set_order(saved);
#endif
  CHECK(cudaFree(din));
  CHECK(cudaFree(dout));
  std::printf(synced ? "OK\n" : "FAILED\n");
  return synced ? 0 : 1;
}
