// Shared by the strict-rule programs (test/shim/strict_*.cu): each rule is broken once, which must
// fail with CUDA's error code, and followed by a correct twin, which must succeed.
#pragma once
#include <cstdio>
#include <cstdlib>

#include "check.h"

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
