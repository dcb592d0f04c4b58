// Stream capture into a CUDA graph, then cudaGraphLaunch twice: the captured kernels, memset and
// memcpy must run only at launch (not while capturing), twice, and with the kernel arguments as
// they were at capture time. A second stream joins the capture through an event (fork/join).
// Also: events around the launches give a non-negative elapsed time.
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "check.h"

__global__ void add(float* x, int n, float v) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) x[i] += v;
}

__global__ void scale_into(const float* x, float* y, int n, float s) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) y[i] = x[i] * s;
}

int main() {
  const int n = 1000;
  const size_t bytes = n * sizeof(float);
  float *x, *y, *z, *w;
  CHECK(cudaMalloc(&x, bytes));
  CHECK(cudaMalloc(&y, bytes));
  CHECK(cudaMalloc(&z, bytes));
  CHECK(cudaMalloc(&w, bytes));
  CHECK(cudaMemset(x, 0, bytes));
  CHECK(cudaMemset(y, 0, bytes));
  CHECK(cudaMemset(w, 0, bytes));
  std::vector<float> ones(n, 1.0f);
  CHECK(cudaMemcpy(z, ones.data(), bytes, cudaMemcpyHostToDevice));

  cudaStream_t s, s2;
  CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
  CHECK(cudaStreamCreate(&s2));
  cudaEvent_t fork, join;
  CHECK(cudaEventCreateWithFlags(&fork, cudaEventDisableTiming));
  CHECK(cudaEventCreateWithFlags(&join, cudaEventDisableTiming));

  float inc = 1.5f;
  cudaGraph_t graph;
  CHECK(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal));
  cudaStreamCaptureStatus status;
  CHECK(cudaStreamIsCapturing(s, &status));
  if (status != cudaStreamCaptureStatusActive) {
    std::printf("stream not capturing\n");
    return 1;
  }
  TSDP_LAUNCH(add, (n + 127) / 128, 128, 0, s, x, n, inc);           // x += 1.5
  CHECK(cudaMemsetAsync(z, 0, bytes, s));                             // z = 0
  CHECK(cudaEventRecord(fork, s));
  CHECK(cudaStreamWaitEvent(s2, fork, 0));
  TSDP_LAUNCH(add, (n + 255) / 256, 256, 0, s2, w, n, 2.0f);          // w += 2 (forked stream)
  CHECK(cudaEventRecord(join, s2));
  CHECK(cudaStreamWaitEvent(s, join, 0));
  TSDP_LAUNCH(scale_into, (n + 127) / 128, 128, 0, s, x, y, n, 2.0f); // y = 2x
  CHECK(cudaMemcpyAsync(z, y, bytes, cudaMemcpyDeviceToDevice, s));   // z = y
  CHECK(cudaStreamEndCapture(s, &graph));
  CHECK(cudaGetLastError());
  inc = 100.0f;  // must not affect the captured launch

  int bad = 0;
  std::vector<float> hx(n), hy(n), hz(n), hw(n);
  auto fetch = [&] {
    CHECK(cudaMemcpy(hx.data(), x, bytes, cudaMemcpyDeviceToHost));
    CHECK(cudaMemcpy(hy.data(), y, bytes, cudaMemcpyDeviceToHost));
    CHECK(cudaMemcpy(hz.data(), z, bytes, cudaMemcpyDeviceToHost));
    CHECK(cudaMemcpy(hw.data(), w, bytes, cudaMemcpyDeviceToHost));
  };
  auto expect = [&](const char* when, float ex, float ey, float ez, float ew) {
    for (int i = 0; i < n; ++i)
      if (hx[i] != ex || hy[i] != ey || hz[i] != ez || hw[i] != ew) {
        std::printf("%s: element %d is x=%g y=%g z=%g w=%g, expected %g %g %g %g\n", when, i, hx[i], hy[i],
                    hz[i], hw[i], ex, ey, ez, ew);
        ++bad;
        return;
      }
    std::printf("%s: as expected\n", when);
  };
  fetch();
  expect("after capture", 0.0f, 0.0f, 1.0f, 0.0f);

  cudaGraphExec_t exec;
  CHECK(cudaGraphInstantiate(&exec, graph, 0));
  CHECK(cudaGraphDestroy(graph));  // the executable graph keeps its own copy
  cudaEvent_t start, stop;
  CHECK(cudaEventCreate(&start));
  CHECK(cudaEventCreate(&stop));
  CHECK(cudaEventRecord(start, s));
  CHECK(cudaGraphLaunch(exec, s));
  CHECK(cudaStreamSynchronize(s));
  fetch();
  expect("after launch 1", 1.5f, 3.0f, 3.0f, 2.0f);
  CHECK(cudaGraphLaunch(exec, s));
  CHECK(cudaEventRecord(stop, s));
  CHECK(cudaStreamSynchronize(s));
  fetch();
  expect("after launch 2", 3.0f, 6.0f, 6.0f, 4.0f);
  float ms = -1;
  CHECK(cudaEventElapsedTime(&ms, start, stop));
  if (!(ms >= 0.0f)) {
    std::printf("elapsed time %g ms\n", ms);
    ++bad;
  }

  CHECK(cudaGraphExecDestroy(exec));
  CHECK(cudaEventDestroy(start));
  CHECK(cudaEventDestroy(stop));
  CHECK(cudaEventDestroy(fork));
  CHECK(cudaEventDestroy(join));
  CHECK(cudaStreamDestroy(s));
  CHECK(cudaStreamDestroy(s2));
  CHECK(cudaFree(x));
  CHECK(cudaFree(y));
  CHECK(cudaFree(z));
  CHECK(cudaFree(w));
  std::printf(bad ? "FAILED\n" : "OK\n");
  return bad ? 1 : 0;
}
