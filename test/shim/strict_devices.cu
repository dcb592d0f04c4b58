// Devices own their streams and events (run with 2 devices). A kernel launch into a stream of
// another device than the current one fails with cudaErrorInvalidResourceHandle, as on a GPU; so
// does recording an event into a stream of another device, and timing events of two devices.
// The current device is per host thread: a new thread starts on device 0.
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

  CHECK(cudaStreamDestroy(s1));
  CHECK(cudaEventDestroy(e1));
  CHECK(cudaSetDevice(0));
  CHECK(cudaStreamDestroy(s0));
  CHECK(cudaEventDestroy(e0));
  CHECK(cudaFree(counter));
  return finish();
}
