// Work on a non-blocking stream runs concurrently with a synchronous cudaMemcpy or cudaMemset on a
// GPU, so a synchronous copy of memory that such work still uses is a race: right on the CPU
// target (which runs the work at once), wrong on a GPU some of the time. CUDA reports nothing; the
// shim reports each one on stderr and counts it (tsdp_shim_races). Each case prints how many races
// it saw: the racy ones 1, their correct twins (the host waited first, in each of CUDA's ways) 0.
#include "strict_common.h"

#ifdef TSDP_CUDA_SHIM
static unsigned long long races() { return tsdp_shim_races(); }
#else
static unsigned long long races() { return 0; }  // nvcc: the program only has to compile
#endif

__global__ void fill(float* p, int n, float v) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) p[i] = v;
}

static unsigned long long last = 0;
// Prints "<what>: <races since the last case>" and counts a mismatch.
static void races_in(const char* what, unsigned long long want) {
  unsigned long long now = races(), got = now - last;
  last = now;
  std::printf("%s: %llu race%s\n", what, got, got == 1 ? "" : "s");
  std::fflush(stdout);
#ifdef TSDP_CUDA_SHIM
  if (got != want) {
    std::printf("  expected %llu\n", want);
    ++failures;
  }
#else
  (void)want;
#endif
}

int main() {
  const int n = 256;
  float *a, *b, host[n];
  CHECK(cudaMalloc(&a, n * sizeof(float)));
  CHECK(cudaMalloc(&b, n * sizeof(float)));
  cudaStream_t s1, s2, blocking;
  CHECK(cudaStreamCreateWithFlags(&s1, cudaStreamNonBlocking));
  CHECK(cudaStreamCreateWithFlags(&s2, cudaStreamNonBlocking));
  CHECK(cudaStreamCreate(&blocking));
  cudaEvent_t ev;
  CHECK(cudaEventCreateWithFlags(&ev, cudaEventDisableTiming));

  TSDP_LAUNCH(fill, 1, n, 0, s1, a, n, 1.0f);
  CHECK(cudaMemcpy(host, a, n * sizeof(float), cudaMemcpyDeviceToHost));
  races_in("copy out of memory a non-blocking stream's kernel writes, not waited for", 1);
  CHECK(cudaMemcpy(host, b, n * sizeof(float), cudaMemcpyDeviceToHost));
  races_in("copy out of other memory meanwhile", 0);
  CHECK(cudaMemset(a, 0, n * sizeof(float)));
  races_in("memset of that memory, still not waited for", 1);
  CHECK(cudaStreamSynchronize(s1));
  CHECK(cudaMemcpy(host, a, n * sizeof(float), cudaMemcpyDeviceToHost));
  races_in("the copy after cudaStreamSynchronize", 0);

  TSDP_LAUNCH(fill, 1, n, 0, s1, a, n, 2.0f);
  CHECK(cudaEventRecord(ev, s1));
  CHECK(cudaEventSynchronize(ev));
  CHECK(cudaMemcpy(host, a, n * sizeof(float), cudaMemcpyDeviceToHost));
  races_in("the copy after an event recorded behind the kernel was synchronized", 0);

  TSDP_LAUNCH(fill, 1, n, 0, s1, a, n, 3.0f);
  CHECK(cudaEventRecord(ev, s1));
  CHECK(cudaStreamWaitEvent(s2, ev, 0));
  CHECK(cudaStreamSynchronize(s2));
  CHECK(cudaMemcpy(host, a, n * sizeof(float), cudaMemcpyDeviceToHost));
  races_in("the copy after synchronizing a stream that waited for the kernel's stream", 0);

  TSDP_LAUNCH(fill, 1, n, 0, s1, a, n, 4.0f);
  CHECK(cudaMemcpyAsync(b, a, n * sizeof(float), cudaMemcpyDeviceToDevice, s1));
  CHECK(cudaMemcpy(host, b, n * sizeof(float), cudaMemcpyDeviceToHost));
  races_in("copy out of an async copy's destination, not waited for", 1);
  CHECK(cudaDeviceSynchronize());
  CHECK(cudaMemcpy(host, b, n * sizeof(float), cudaMemcpyDeviceToHost));
  races_in("the same after cudaDeviceSynchronize", 0);

  TSDP_LAUNCH(fill, 1, n, 0, blocking, a, n, 5.0f);
  CHECK(cudaMemcpy(host, a, n * sizeof(float), cudaMemcpyDeviceToHost));
  races_in("copy after a blocking stream's kernel (the legacy stream waits for it)", 0);

  // a graph's work belongs to the stream it was launched into
  cudaGraph_t graph;
  cudaGraphExec_t exec;
  CHECK(cudaStreamBeginCapture(s2, cudaStreamCaptureModeGlobal));
  TSDP_LAUNCH(fill, 1, n, 0, s2, b, n, 6.0f);
  CHECK(cudaStreamEndCapture(s2, &graph));
  CHECK(cudaGraphInstantiate(&exec, graph, 0));
  races_in("capturing a graph", 0);
  CHECK(cudaGraphLaunch(exec, s1));
  CHECK(cudaMemcpy(host, b, n * sizeof(float), cudaMemcpyDeviceToHost));
  races_in("copy out of memory a graph launched into a non-blocking stream writes", 1);
  CHECK(cudaStreamSynchronize(s1));
  CHECK(cudaMemcpy(host, b, n * sizeof(float), cudaMemcpyDeviceToHost));
  races_in("the same after synchronizing that stream", 0);
  if (host[0] != 6.0f) {
    std::printf("graph result %g, expected 6\n", host[0]);
    ++failures;
  }

  CHECK(cudaGraphExecDestroy(exec));
  CHECK(cudaGraphDestroy(graph));
  CHECK(cudaEventDestroy(ev));
  CHECK(cudaStreamDestroy(s1));
  CHECK(cudaStreamDestroy(s2));
  CHECK(cudaStreamDestroy(blocking));
  CHECK(cudaFree(a));
  CHECK(cudaFree(b));
  return finish();
}
