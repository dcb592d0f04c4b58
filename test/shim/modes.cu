// Execution modes and block semantics:
//  - an elementwise kernel over a 3-D grid of 3-D blocks (every built-in index checked);
//  - a kernel that reaches __syncthreads only when a flag is set, launched first without and then
//    with the flag (both must be right: a kernel is not judged barrier-free by its first launch);
//  - __syncthreads_count / _and / _or;
//  - threads that exit early do not hold up a barrier of the others;
//  - a shuffle among half a warp (partial mask) inside a branch, followed by __syncthreads;
//  - in the CPU shim, a barrier-free kernel runs without a single fiber switch (direct mode), and
//    invalid divergent warp code (a full-mask shuffle reached by half the warp) does not hang.
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "check.h"

static int bad = 0;
static void report(const char* what, bool ok) {
  std::printf("%s: %s\n", what, ok ? "match" : "MISMATCH");
  if (!ok) ++bad;
}

// out[global linear id] = packed (block, thread) coordinates
__global__ void indices(unsigned* out) {
  unsigned bl = blockIdx.x + gridDim.x * (blockIdx.y + gridDim.y * blockIdx.z);
  unsigned tl = threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z);
  unsigned g = bl * (blockDim.x * blockDim.y * blockDim.z) + tl;
  out[g] = (blockIdx.z << 28) | (blockIdx.y << 24) | (blockIdx.x << 16) | (threadIdx.z << 12) |
           (threadIdx.y << 8) | threadIdx.x;
}

__global__ void saxpy(int n, float a, const float* x, float* y) {
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) y[i] = a * x[i] + y[i];
}

// With use_barrier: out[i] = in[next thread in the block]; without: out[i] = in[i].
__global__ void maybe_barrier(const int* in, int* out, int use_barrier) {
  __shared__ int s[256];
  int t = threadIdx.x, i = blockIdx.x * blockDim.x + t;
  if (use_barrier) {
    s[t] = in[i];
    __syncthreads();
    out[i] = s[(t + 1) % blockDim.x];
  } else {
    out[i] = in[i];
  }
}

__global__ void votes(int* out) {
  int t = threadIdx.x;
  int c = __syncthreads_count(t % 3 == 0);
  int all_small = __syncthreads_and(t < 1000);
  int all_even = __syncthreads_and(t % 2 == 0);
  int any_big = __syncthreads_or(t == 150);
  int any_huge = __syncthreads_or(t > 5000);
  if (t == 0) {
    out[blockIdx.x * 5 + 0] = c;
    out[blockIdx.x * 5 + 1] = all_small;
    out[blockIdx.x * 5 + 2] = all_even;
    out[blockIdx.x * 5 + 3] = any_big;
    out[blockIdx.x * 5 + 4] = any_huge;
  }
}

// Threads >= active leave at once; the others still synchronize among themselves.
// Threads exit after the block's last barrier (exiting before one that others reach is a divergent
// barrier, which the strict shim refuses: test/shim/strict_faults.cu).
__global__ void early_exit(int* out, int active) {
  __shared__ int s[256];
  int t = threadIdx.x;
  s[t] = t < active ? t * 10 : -1;
  __syncthreads();
  if (t >= active) return;
  out[blockIdx.x * blockDim.x + t] = s[active - 1 - t];
}

// Lanes 0-15 of each warp exchange with their neighbour (mask 0x0000ffff); lanes 16-31 do not.
__global__ void half_warp(int* out) {
  int t = threadIdx.x, lane = t % 32;
  int v = t;
  if (lane < 16) v += __shfl_xor_sync(0x0000ffffu, v, 1);
  __syncthreads();
  out[blockIdx.x * blockDim.x + t] = v;
}

#ifdef TSDP_CUDA_SHIM
// Not valid CUDA: a full-mask shuffle that only half of each warp reaches.
__global__ void divergent(int* out) {
  int t = threadIdx.x, lane = t % 32;
  int v = t;
  if (lane < 16) v = __shfl_xor_sync(0xffffffffu, v, 1);
  __syncthreads();
  out[t] = v;
}
#endif

int main() {
  {  // indices
    dim3 grid(3, 2, 2), block(8, 4, 2);
    int n = 3 * 2 * 2 * 8 * 4 * 2;
    unsigned* d;
    CHECK(cudaMalloc(&d, n * sizeof(unsigned)));
    TSDP_LAUNCH(indices, grid, block, 0, 0, d);
    CHECK(cudaGetLastError());
    std::vector<unsigned> h(n);
    CHECK(cudaMemcpy(h.data(), d, n * sizeof(unsigned), cudaMemcpyDeviceToHost));
    bool ok = true;
    int g = 0;
    for (unsigned bz = 0; bz < 2; ++bz)
      for (unsigned by = 0; by < 2; ++by)
        for (unsigned bx = 0; bx < 3; ++bx)
          for (unsigned tz = 0; tz < 2; ++tz)
            for (unsigned ty = 0; ty < 4; ++ty)
              for (unsigned tx = 0; tx < 8; ++tx)
                ok = ok && h[g++] == ((bz << 28) | (by << 24) | (bx << 16) | (tz << 12) | (ty << 8) | tx);
    report("3-D indices", ok);
    CHECK(cudaFree(d));
  }
  {  // saxpy, direct mode
    const int n = (1 << 20) + 3;
    std::vector<float> hx(n), hy(n);
    for (int i = 0; i < n; ++i) {
      hx[i] = float(i % 100);
      hy[i] = float(i % 7);
    }
    float *x, *y;
    CHECK(cudaMalloc(&x, n * sizeof(float)));
    CHECK(cudaMalloc(&y, n * sizeof(float)));
    CHECK(cudaMemcpy(x, hx.data(), n * sizeof(float), cudaMemcpyHostToDevice));
    CHECK(cudaMemcpy(y, hy.data(), n * sizeof(float), cudaMemcpyHostToDevice));
#ifdef TSDP_CUDA_SHIM
    unsigned long long before = tsdp_shim_fiber_switches();
#endif
    TSDP_LAUNCH(saxpy, 512, 256, 0, 0, n, 2.0f, x, y);
    CHECK(cudaGetLastError());
#ifdef TSDP_CUDA_SHIM
    std::printf("direct-switches=%llu\n", tsdp_shim_fiber_switches() - before);
#endif
    std::vector<float> r(n);
    CHECK(cudaMemcpy(r.data(), y, n * sizeof(float), cudaMemcpyDeviceToHost));
    bool ok = true;
    for (int i = 0; i < n; ++i) ok = ok && r[i] == 2.0f * hx[i] + hy[i];
    report("saxpy", ok);
    CHECK(cudaFree(x));
    CHECK(cudaFree(y));
  }
  {  // a barrier only on the second launch
    const int blocks = 8, n = blocks * 256;
    std::vector<int> h(n), r(n);
    for (int i = 0; i < n; ++i) h[i] = i * 3 + 1;
    int *in, *out;
    CHECK(cudaMalloc(&in, n * sizeof(int)));
    CHECK(cudaMalloc(&out, n * sizeof(int)));
    CHECK(cudaMemcpy(in, h.data(), n * sizeof(int), cudaMemcpyHostToDevice));
    for (int use = 0; use <= 1; ++use) {
#ifdef TSDP_CUDA_SHIM
      unsigned long long before = tsdp_shim_fiber_switches();
#endif
      TSDP_LAUNCH(maybe_barrier, blocks, 256, 0, 0, in, out, use);
      CHECK(cudaGetLastError());
#ifdef TSDP_CUDA_SHIM
      std::printf("maybe-barrier(%d) switches=%llu\n", use, tsdp_shim_fiber_switches() - before);
#endif
      CHECK(cudaMemcpy(r.data(), out, n * sizeof(int), cudaMemcpyDeviceToHost));
      bool ok = true;
      for (int i = 0; i < n; ++i) {
        int b = i / 256, t = i % 256;
        ok = ok && r[i] == (use ? h[b * 256 + (t + 1) % 256] : h[i]);
      }
      report(use ? "barrier on second launch" : "no barrier on first launch", ok);
    }
    CHECK(cudaFree(in));
    CHECK(cudaFree(out));
  }
  {  // __syncthreads_count/and/or
    int* d;
    CHECK(cudaMalloc(&d, 3 * 5 * sizeof(int)));
    TSDP_LAUNCH(votes, 3, 200, 0, 0, d);
    CHECK(cudaGetLastError());
    int h[15];
    CHECK(cudaMemcpy(h, d, sizeof h, cudaMemcpyDeviceToHost));
    bool ok = true;
    for (int b = 0; b < 3; ++b)
      ok = ok && h[b * 5] == 67 && h[b * 5 + 1] == 1 && h[b * 5 + 2] == 0 && h[b * 5 + 3] == 1 && h[b * 5 + 4] == 0;
    report("__syncthreads_count/and/or", ok);
    CHECK(cudaFree(d));
  }
  {  // early exit
    const int blocks = 4, active = 100;
    int* d;
    CHECK(cudaMalloc(&d, blocks * 256 * sizeof(int)));
    CHECK(cudaMemset(d, 0xff, blocks * 256 * sizeof(int)));
    TSDP_LAUNCH(early_exit, blocks, 256, 0, 0, d, active);
    CHECK(cudaGetLastError());
    std::vector<int> h(blocks * 256);
    CHECK(cudaMemcpy(h.data(), d, h.size() * sizeof(int), cudaMemcpyDeviceToHost));
    bool ok = true;
    for (int b = 0; b < blocks; ++b)
      for (int t = 0; t < 256; ++t) ok = ok && h[b * 256 + t] == (t < active ? (active - 1 - t) * 10 : -1);
    report("early exit", ok);
    CHECK(cudaFree(d));
  }
  {  // half-warp shuffle
    const int blocks = 3, threads = 96;
    int* d;
    CHECK(cudaMalloc(&d, blocks * threads * sizeof(int)));
    TSDP_LAUNCH(half_warp, blocks, threads, 0, 0, d);
    CHECK(cudaGetLastError());
    std::vector<int> h(blocks * threads);
    CHECK(cudaMemcpy(h.data(), d, h.size() * sizeof(int), cudaMemcpyDeviceToHost));
    bool ok = true;
    for (int i = 0; i < blocks * threads; ++i) {
      int t = i % threads;
      ok = ok && h[i] == (t % 32 < 16 ? t + (t ^ 1) : t);
    }
    report("half-warp shuffle", ok);
#ifdef TSDP_CUDA_SHIM
    TSDP_LAUNCH(divergent, 1, 64, 0, 0, d);
    std::printf("divergent warp code: %s\n", cudaGetErrorName(cudaGetLastError()));
#endif
    CHECK(cudaFree(d));
  }
  std::printf(bad ? "FAILED\n" : "OK\n");
  return bad ? 1 : 0;
}
