// Shared by the strict-rule programs (test/shim/strict_*.cu): each rule is broken once, which must
// fail with CUDA's error code, and followed by a correct twin, which must succeed.
#pragma once
#include <cstdio>
#include <cstdlib>

#ifndef TSDP_LAUNCH
#define TSDP_LAUNCH(k, g, b, s, st, ...) k<<<g, b, s, st>>>(__VA_ARGS__)
#endif

#define CHECK(x)                                                                        \
  do {                                                                                  \
    cudaError_t e_ = (x);                                                               \
    if (e_ != cudaSuccess) {                                                            \
      std::printf("FAIL %s: %s (%s:%d)\n", #x, cudaGetErrorString(e_), __FILE__, __LINE__); \
      std::exit(1);                                                                     \
    }                                                                                   \
  } while (0)

static int failures = 0;

// Prints "<what>: <error name>" and counts a mismatch with the expected code.
static void expect(const char* what, cudaError_t got, cudaError_t want) {
  std::printf("%s: %s\n", what, cudaGetErrorName(got));
  std::fflush(stdout);
  if (got != want) {
    std::printf("  expected %s\n", cudaGetErrorName(want));
    ++failures;
  }
}

static int finish() {
  std::printf(failures ? "FAILED\n" : "OK\n");
  return failures ? 1 : 0;
}
