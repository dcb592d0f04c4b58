// Shared by the shim's test programs (test/shim/*.cu): the launch they use under both compilers,
// and a check that ends the program with the failing call's error, file and line.
#pragma once
#include <cstdio>
#include <cstdlib>

// Under the shim, cuda_shim.h defines TSDP_LAUNCH; under nvcc it is the <<< >>> launch.
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
