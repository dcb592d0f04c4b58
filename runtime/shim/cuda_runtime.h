// Stand-in for <cuda_runtime.h> when a .cu file is compiled for the CPU with -I runtime/shim:
// everything lives in cuda_shim.h (which is normally force-included with -include).
#pragma once
#if defined(__CUDACC__)
#include_next <cuda_runtime.h>
#else
#include "cuda_shim.h"
#endif
