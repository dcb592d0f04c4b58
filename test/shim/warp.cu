// Warp shuffles and votes against the CUDA programming guide's rules, computed on the host:
// __shfl_sync / _up / _down / _xor with and without width, for float, int, unsigned and double;
// __ballot_sync, __any_sync, __all_sync, __syncwarp; a warp inclusive scan and a butterfly sum.
// Two blocks of 96 threads in a 2-D block shape (32 x 3), so lanes follow the linear thread id.
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "check.h"

constexpr int kOut = 16;  // results per thread
constexpr unsigned FULL = 0xffffffffu;

__global__ void warp_ops(double* out) {
  int t = threadIdx.x + threadIdx.y * blockDim.x;
  int g = blockIdx.x * blockDim.x * blockDim.y + t;
  int lane = t % 32;
  float f = float(g * 3 + 1);
  int i = g * 5 - 7;
  unsigned u = unsigned(g) * 2654435761u;
  double d = g * 0.5 + 0.25;
  double* o = out + g * kOut;
  o[0] = __shfl_sync(FULL, f, (lane + 3) % 32);
  o[1] = __shfl_sync(FULL, i, 5);
  o[2] = __shfl_up_sync(FULL, f, 3);
  o[3] = __shfl_down_sync(FULL, i, 7);
  o[4] = __shfl_xor_sync(FULL, u, 6);
  o[5] = __shfl_down_sync(FULL, f, 2, 8);
  o[6] = __shfl_up_sync(FULL, i, 1, 4);
  o[7] = __shfl_sync(FULL, d, lane + 35, 16);
  o[8] = __shfl_xor_sync(FULL, d, 9, 8);
  o[9] = __ballot_sync(FULL, lane % 3 == 0 || g == 40);
  o[10] = __any_sync(FULL, g == 77);
  o[11] = __all_sync(FULL, lane < 32) + 2 * __all_sync(FULL, lane < 31);
  // inclusive scan of (lane + 1)
  int s = lane + 1;
  for (int k = 1; k < 32; k <<= 1) {
    int y = __shfl_up_sync(FULL, s, k);
    if (lane >= k) s += y;
  }
  o[12] = s;
  // butterfly sum of f: every lane gets the warp's total
  float b = f;
  for (int k = 16; k > 0; k >>= 1) b += __shfl_xor_sync(FULL, b, k);
  o[13] = b;
  __syncwarp();
  o[14] = __activemask() == FULL;
  // a value written by lane 0 before __syncwarp is visible to all lanes after it
  __shared__ int flag[3];
  if (lane == 0) flag[t / 32] = g + 1000;
  __syncwarp();
  o[15] = flag[t / 32];
}

static double expect(int g, int k) {
  int lane = g % 32, base = g - lane;
  auto F = [](int x) { return double(float(x * 3 + 1)); };
  auto I = [](int x) { return double(x * 5 - 7); };
  auto U = [](int x) { return double(unsigned(x) * 2654435761u); };
  auto D = [](int x) { return x * 0.5 + 0.25; };
  switch (k) {
    case 0: return F(base + (lane + 3) % 32);
    case 1: return I(base + 5);
    case 2: return lane >= 3 ? F(g - 3) : F(g);
    case 3: return lane + 7 < 32 ? I(g + 7) : I(g);
    case 4: return U(base + (lane ^ 6));
    case 5: return lane % 8 + 2 < 8 ? F(g + 2) : F(g);
    case 6: return lane % 4 >= 1 ? I(g - 1) : I(g);
    case 7: return D(base + (lane / 16) * 16 + (lane + 35) % 16);
    case 8: {
      int src = lane ^ 9;
      return src >= (lane / 8) * 8 + 8 ? D(g) : D(base + src);
    }
    case 9: {
      unsigned m = 0;
      for (int l = 0; l < 32; ++l)
        if (l % 3 == 0 || base + l == 40) m |= 1u << l;
      return m;
    }
    case 10: return base <= 77 && 77 < base + 32;
    case 11: return 1;
    case 12: return (lane + 1) * (lane + 2) / 2;
    case 13: {
      double t = 0;
      for (int l = 0; l < 32; ++l) t += F(base + l);
      return t;
    }
    case 14: return 1;
    case 15: return base + 1000;
  }
  return 0;
}

int main() {
  const int blocks = 2, n = blocks * 96;
  double* dout;
  CHECK(cudaMalloc(&dout, n * kOut * sizeof(double)));
  TSDP_LAUNCH(warp_ops, blocks, dim3(32, 3), 0, 0, dout);
  CHECK(cudaGetLastError());
  std::vector<double> h(n * kOut);
  CHECK(cudaMemcpy(h.data(), dout, h.size() * sizeof(double), cudaMemcpyDeviceToHost));
  CHECK(cudaFree(dout));
  int bad = 0;
  for (int g = 0; g < n; ++g)
    for (int k = 0; k < kOut; ++k) {
      double e = expect(g, k);
      if (h[g * kOut + k] != e) {
        if (bad < 10) std::printf("thread %d result %d: %.17g, expected %.17g\n", g, k, h[g * kOut + k], e);
        ++bad;
      }
    }
  std::printf(bad ? "FAILED (%d differ)\n" : "OK\n", bad);
  return bad ? 1 : 0;
}
