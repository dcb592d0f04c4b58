// Atomics from many blocks at once (the CPU shim runs blocks on several OS threads):
// atomicAdd on float, double, int, unsigned and unsigned long long; atomicSub; atomicMax and
// atomicMin on int and unsigned; atomicCAS (a CAS-loop add); atomicExch; a shared-memory
// histogram combined into global memory with atomicAdd.
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "check.h"

struct Totals {
  float fsum;
  double dsum;
  int isum;
  unsigned usum;
  unsigned long long ullsum;
  int isub;
  int imax;
  int imin;
  unsigned umax;
  unsigned umin;
  int cas_sum;
  int exch;
  int hist[16];
};

__device__ int value_of(int i) { return (i * 7919) % 100003 - 50000; }

__global__ void hammer(Totals* t, int n) {
  __shared__ int hist[16];
  if (threadIdx.x < 16) hist[threadIdx.x] = 0;
  __syncthreads();
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
    int v = value_of(i);
    atomicAdd(&t->fsum, float(i % 5));
    atomicAdd(&t->dsum, 0.5 * (i % 3));
    atomicAdd(&t->isum, v);
    atomicAdd(&t->usum, unsigned(i % 11));
    atomicAdd(&t->ullsum, 1ull << 33);
    atomicSub(&t->isub, 2);
    atomicMax(&t->imax, v);
    atomicMin(&t->imin, v);
    atomicMax(&t->umax, unsigned(v + 50000));
    atomicMin(&t->umin, unsigned(v + 50000));
    int old = t->cas_sum, assumed;
    do {
      assumed = old;
      old = atomicCAS(&t->cas_sum, assumed, assumed + 3);
    } while (old != assumed);
    atomicExch(&t->exch, i);
    atomicAdd(&hist[i % 16], 1);
  }
  __syncthreads();
  if (threadIdx.x < 16) atomicAdd(&t->hist[threadIdx.x], hist[threadIdx.x]);
}

int main() {
  const int n = 1 << 16;
  Totals init = {};
  init.imax = INT_MIN;
  init.imin = INT_MAX;
  init.umax = 0;
  init.umin = 0xffffffffu;
  init.exch = -1;
  Totals* dt;
  CHECK(cudaMalloc(&dt, sizeof(Totals)));
  CHECK(cudaMemcpy(dt, &init, sizeof(Totals), cudaMemcpyHostToDevice));
  TSDP_LAUNCH(hammer, 48, 192, 0, 0, dt, n);
  CHECK(cudaGetLastError());
  CHECK(cudaDeviceSynchronize());
  Totals got;
  CHECK(cudaMemcpy(&got, dt, sizeof(Totals), cudaMemcpyDeviceToHost));
  CHECK(cudaFree(dt));

  double fsum = 0, dsum = 0;
  long long isum = 0;
  unsigned usum = 0;
  int imax = INT_MIN, imin = INT_MAX;
  for (int i = 0; i < n; ++i) {
    int v = (i * 7919) % 100003 - 50000;
    fsum += i % 5;
    dsum += 0.5 * (i % 3);
    isum += v;
    usum += unsigned(i % 11);
    imax = v > imax ? v : imax;
    imin = v < imin ? v : imin;
  }
  int bad = 0;
#define EXPECT(name, got_, want_)                                                              \
  if (!((got_) == (want_))) {                                                                  \
    std::printf("%s: got %.17g, expected %.17g\n", name, double(got_), double(want_));       \
    ++bad;                                                                                     \
  }
  EXPECT("atomicAdd float", got.fsum, fsum);
  EXPECT("atomicAdd double", got.dsum, dsum);
  EXPECT("atomicAdd int", got.isum, int(isum));
  EXPECT("atomicAdd unsigned", got.usum, usum);
  EXPECT("atomicAdd ull", got.ullsum, (unsigned long long)n << 33);
  EXPECT("atomicSub", got.isub, -2 * n);
  EXPECT("atomicMax int", got.imax, imax);
  EXPECT("atomicMin int", got.imin, imin);
  EXPECT("atomicMax unsigned", got.umax, unsigned(imax + 50000));
  EXPECT("atomicMin unsigned", got.umin, unsigned(imin + 50000));
  EXPECT("atomicCAS loop", got.cas_sum, 3 * n);
  EXPECT("atomicExch in range", got.exch >= 0 && got.exch < n, true);
  for (int b = 0; b < 16; ++b) EXPECT("shared histogram", got.hist[b], n / 16);
  std::printf(bad ? "FAILED\n" : "OK\n");
  return bad ? 1 : 0;
}
