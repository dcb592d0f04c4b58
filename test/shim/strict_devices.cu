// Devices own their streams and events (run with 2 devices). A kernel launch into a stream of
// another device than the current one fails with cudaErrorInvalidResourceHandle, as on a GPU; so
// does recording an event into a stream of another device, and timing events of two devices.
// The current device is per host thread: a new thread starts on device 0. Memory belongs to the
// device current at its cudaMalloc: a kernel given a pointer into another device's memory faults
// (cudaErrorIllegalAddress) unless peer access was enabled; managed memory is reachable from all.
// cudaFree takes only what cudaMalloc returned, once.
#include <thread>
#include "strict_common.h"

__global__ void bump(int* p) { atomicAdd(p, 1); }

int main() {
  int count = 0;
  CHECK(cudaGetDeviceCount(&count));
  if (count < 2) {
    std::printf("needs 2 devices, has %d\n", count);
    return 1;
  }
  int* counter;
  CHECK(cudaMallocManaged(&counter, sizeof(int)));
  *counter = 0;
  cudaStream_t s0, s1;
  cudaEvent_t e0, e1;
  CHECK(cudaSetDevice(0));
  CHECK(cudaStreamCreate(&s0));
  CHECK(cudaEventCreate(&e0));
  CHECK(cudaSetDevice(1));
  CHECK(cudaStreamCreate(&s1));
  CHECK(cudaEventCreate(&e1));

  CHECK(cudaSetDevice(0));
  TSDP_LAUNCH(bump, 1, 1, 0, s1, counter);
  expect("launch into device 1's stream on device 0", cudaGetLastError(), cudaErrorInvalidResourceHandle);
  CHECK(cudaSetDevice(1));
  TSDP_LAUNCH(bump, 1, 1, 0, s1, counter);
  expect("launch into device 1's stream on device 1", cudaGetLastError(), cudaSuccess);
  CHECK(cudaStreamSynchronize(s1));

  expect("record device 0's event into device 1's stream", cudaEventRecord(e0, s1), cudaErrorInvalidResourceHandle);
  (void)cudaGetLastError();
  expect("record device 1's event into device 1's stream", cudaEventRecord(e1, s1), cudaSuccess);
  // waiting on another device's event is allowed (cross-device synchronization)
  CHECK(cudaSetDevice(0));
  CHECK(cudaEventRecord(e0, s0));
  expect("device 1's stream waits for device 0's event", cudaStreamWaitEvent(s1, e0, 0), cudaSuccess);
  CHECK(cudaEventSynchronize(e0));
  CHECK(cudaEventSynchronize(e1));
  float ms = 0;
  expect("elapsed time between events of two devices", cudaEventElapsedTime(&ms, e0, e1), cudaErrorInvalidResourceHandle);
  (void)cudaGetLastError();

  // another host thread starts on device 0 whatever this one selected
  CHECK(cudaSetDevice(1));
  cudaError_t other = cudaSuccess, fixed = cudaSuccess;
  std::thread([&] {
    TSDP_LAUNCH(bump, 1, 1, 0, s1, counter);
    other = cudaGetLastError();
    cudaSetDevice(1);
    TSDP_LAUNCH(bump, 1, 1, 0, s1, counter);
    fixed = cudaGetLastError();
  }).join();
  expect("a new host thread launching into device 1's stream", other, cudaErrorInvalidResourceHandle);
  expect("the same after its own cudaSetDevice(1)", fixed, cudaSuccess);
  CHECK(cudaDeviceSynchronize());
  std::printf("kernels that ran: %d\n", *counter);
  if (*counter != 2) ++failures;

  // memory of device 1, used by a kernel on device 0: refused until peer access is enabled
  int* on1;
  CHECK(cudaSetDevice(1));
  CHECK(cudaMalloc(&on1, sizeof(int)));
  CHECK(cudaMemset(on1, 0, sizeof(int)));
  CHECK(cudaSetDevice(0));
  TSDP_LAUNCH(bump, 1, 1, 0, s0, on1);
  expect("kernel on device 0 given device 1's memory", cudaGetLastError(), cudaErrorIllegalAddress);
  cudaGraph_t graph;
  cudaGraphExec_t exec;
  CHECK(cudaStreamBeginCapture(s0, cudaStreamCaptureModeGlobal));
  TSDP_LAUNCH(bump, 1, 1, 0, s0, on1);
  CHECK(cudaStreamEndCapture(s0, &graph));
  CHECK(cudaGraphInstantiate(&exec, graph, 0));
  // a graph reports a kernel's fault from the launch, the synchronization or the last error
  cudaError_t replay = cudaGraphLaunch(exec, s0);
  if (replay == cudaSuccess) replay = cudaStreamSynchronize(s0);
  if (replay == cudaSuccess) replay = cudaGetLastError();
  expect("the same kernel replayed from a graph on device 0", replay, cudaErrorIllegalAddress);
  (void)cudaGetLastError();
  expect("device 0 enables peer access to device 1", cudaDeviceEnablePeerAccess(1, 0), cudaSuccess);
  expect("and enables it again", cudaDeviceEnablePeerAccess(1, 0), cudaErrorPeerAccessAlreadyEnabled);
  (void)cudaGetLastError();
  TSDP_LAUNCH(bump, 1, 1, 0, s0, on1);
  expect("kernel on device 0 given device 1's memory after peer access", cudaGetLastError(), cudaSuccess);
  CHECK(cudaGraphLaunch(exec, s0));
  CHECK(cudaStreamSynchronize(s0));
  expect("the graph replayed after peer access", cudaGetLastError(), cudaSuccess);
  int seen = 0;
  CHECK(cudaMemcpy(&seen, on1, sizeof(int), cudaMemcpyDeviceToHost));
  std::printf("device 1's counter: %d\n", seen);
  if (seen != 2) ++failures;
  CHECK(cudaGraphExecDestroy(exec));
  CHECK(cudaGraphDestroy(graph));
  CHECK(cudaFree(on1));
  expect("cudaFree of the same pointer twice", cudaFree(on1), cudaErrorInvalidValue);
  (void)cudaGetLastError();
  expect("cudaFree of a pointer inside an allocation", cudaFree(counter + 1), cudaErrorInvalidValue);
  (void)cudaGetLastError();

  CHECK(cudaSetDevice(1));
  CHECK(cudaStreamDestroy(s1));
  CHECK(cudaEventDestroy(e1));
  CHECK(cudaSetDevice(0));
  CHECK(cudaStreamDestroy(s0));
  CHECK(cudaEventDestroy(e0));
  CHECK(cudaFree(counter));
  return finish();
}
