// Stream capture rules: while a capture is open (Global or ThreadLocal mode), cudaMalloc and
// synchronizations fail with cudaErrorStreamCaptureUnsupported, a synchronous cudaMemcpy or work
// on the legacy default stream with cudaErrorStreamCaptureImplicit, and either invalidates the
// capture (cudaStreamEndCapture: cudaErrorStreamCaptureInvalidated). A captured copy from the host
// needs page-locked memory. The correct twin: a capture of async work on pinned memory, replayed.
#include "strict_common.h"

__global__ void add(float* p, float v, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) p[i] += v;
}

// Begins a capture, runs `broken` (which must fail with `code`), and checks that the capture ends
// invalidated.
template <class F>
static void broken_capture(const char* what, cudaStream_t s, cudaStreamCaptureMode mode, cudaError_t code, F broken) {
  CHECK(cudaStreamBeginCapture(s, mode));
  expect(what, broken(), code);
  cudaGraph_t g = nullptr;
  char line[160];
  std::snprintf(line, sizeof line, "  the capture after it");
  expect(line, cudaStreamEndCapture(s, &g), cudaErrorStreamCaptureInvalidated);
  if (g) cudaGraphDestroy(g);
  (void)cudaGetLastError();
}

int main() {
  const int n = 1000;
  cudaStream_t s;
  CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
  float *d, *pinned, *pageable = static_cast<float*>(std::malloc(n * sizeof(float)));
  CHECK(cudaMalloc(&d, n * sizeof(float)));
  CHECK(cudaMallocHost(&pinned, n * sizeof(float)));
  for (int i = 0; i < n; ++i) pinned[i] = pageable[i] = float(i);

  void* extra = nullptr;
  broken_capture("cudaMalloc during a global capture", s, cudaStreamCaptureModeGlobal, cudaErrorStreamCaptureUnsupported,
                 [&] { return cudaMalloc(&extra, 256); });
  broken_capture("cudaDeviceSynchronize during a thread-local capture", s, cudaStreamCaptureModeThreadLocal,
                 cudaErrorStreamCaptureUnsupported, [&] { return cudaDeviceSynchronize(); });
  broken_capture("synchronous cudaMemcpy during a capture", s, cudaStreamCaptureModeThreadLocal, cudaErrorStreamCaptureImplicit,
                 [&] { return cudaMemcpy(d, pinned, n * sizeof(float), cudaMemcpyHostToDevice); });
  broken_capture("a kernel on the legacy default stream during a capture", s, cudaStreamCaptureModeGlobal,
                 cudaErrorStreamCaptureImplicit, [&] {
                   TSDP_LAUNCH(add, (n + 255) / 256, 256, 0, 0, d, 1.0f, n);
                   return cudaGetLastError();
                 });

  // pageable memory in a captured copy (no invalidation needed: the copy itself is refused)
  CHECK(cudaStreamBeginCapture(s, cudaStreamCaptureModeThreadLocal));
  expect("captured cudaMemcpyAsync from pageable memory",
         cudaMemcpyAsync(d, pageable, n * sizeof(float), cudaMemcpyHostToDevice, s), cudaErrorStreamCaptureUnsupported);
  (void)cudaGetLastError();
  expect("captured cudaMemcpyAsync from pinned memory", cudaMemcpyAsync(d, pinned, n * sizeof(float), cudaMemcpyHostToDevice, s),
         cudaSuccess);
  TSDP_LAUNCH(add, (n + 255) / 256, 256, 0, s, d, 0.5f, n);
  expect("a captured kernel", cudaGetLastError(), cudaSuccess);
  expect("captured cudaMemcpyAsync to pinned memory", cudaMemcpyAsync(pinned, d, n * sizeof(float), cudaMemcpyDeviceToHost, s),
         cudaSuccess);
  cudaGraph_t graph;
  expect("the correct capture", cudaStreamEndCapture(s, &graph), cudaSuccess);

  // Relaxed mode permits cudaMalloc during a capture.
  cudaStream_t other;
  CHECK(cudaStreamCreateWithFlags(&other, cudaStreamNonBlocking));
  CHECK(cudaStreamBeginCapture(other, cudaStreamCaptureModeRelaxed));
  expect("cudaMalloc during a relaxed capture", cudaMalloc(&extra, 256), cudaSuccess);
  cudaGraph_t relaxed;
  expect("the relaxed capture", cudaStreamEndCapture(other, &relaxed), cudaSuccess);
  CHECK(cudaGraphDestroy(relaxed));

  cudaGraphExec_t exec;
  CHECK(cudaGraphInstantiate(&exec, graph, 0));
  CHECK(cudaGraphLaunch(exec, s));
  CHECK(cudaGraphLaunch(exec, s));
  CHECK(cudaStreamSynchronize(s));
  int wrong = 0;
  for (int i = 0; i < n; ++i) wrong += pinned[i] != float(i) + 1.0f;  // each replay adds 0.5 to the last
  std::printf("replayed graph: %s\n", wrong ? "MISMATCH" : "match");
  if (wrong) ++failures;

  CHECK(cudaGraphExecDestroy(exec));
  CHECK(cudaGraphDestroy(graph));
  CHECK(cudaFree(extra));
  CHECK(cudaFree(d));
  CHECK(cudaFreeHost(pinned));
  std::free(pageable);
  CHECK(cudaStreamDestroy(other));
  CHECK(cudaStreamDestroy(s));
  return finish();
}
