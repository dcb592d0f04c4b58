// The NaN watch of memcheck builds (issue 16): with TSDP_SHIM_NAN_WATCH=N at run time, a library
// built with `tsdp compile --memcheck` (TSDP_SHIM_MEMCHECK=1) scans every kernel's outputs for NaN
// right after it runs, and names on stderr the first N kernels that left one, each with the
// TypeScript lines it came from. Memcheck fills fresh device memory with NaN, so the first kernel
// named either read memory that nothing wrote (a lifetime or an index that is wrong), left part of
// its output unwritten, or computed a NaN itself (log of a negative number); the kernels after it
// only pass the NaN on, which is why the loss alone cannot say where it came from.
//
// The scan is a kernel of its own, launched into the replica's stream after the kernel it watches,
// so it runs in stream order, inside a captured CUDA graph too. It is a one-thread loop: a debug
// tool for the small models of tests and the fuzzer. Everywhere else (other CPU builds, the GPU)
// TSDP_NAN_WATCH is nothing; on a GPU, compute-sanitizer --tool initcheck finds such reads.
#pragma once

#if defined(TSDP_CUDA_SHIM) && defined(TSDP_SHIM_MEMCHECK)
#include <atomic>
#include <cmath>
#include <cstdio>

namespace tsdp_nan_watch {
/** How many kernels to name (TSDP_SHIM_NAN_WATCH; 0, the default: the watch is off). */
inline long reports_wanted() {
  static const long n = ::tsdp::detail::env_long("TSDP_SHIM_NAN_WATCH", 0, 0, 1000000);
  return n;
}
/** Kernels named so far in this process (every replica and every load of the library share it). */
inline std::atomic<long>& reported() {
  static std::atomic<long> n{0};
  return n;
}
}  // namespace tsdp_nan_watch

/** Scans n floats at p; `kernel`, `what` ("left NaN in its output %12") and `where` are string literals of model.cu. */
__global__ void tsdp_nan_watch_kernel(const float* p, size_t n, const char* kernel, const char* what, const char* where) {
  size_t first = n, count = 0;
  for (size_t i = 0; i < n; ++i)
    if (std::isnan(p[i])) {
      if (first == n) first = i;
      ++count;
    }
  if (count == 0 || tsdp_nan_watch::reported().fetch_add(1) >= tsdp_nan_watch::reports_wanted()) return;
  std::fprintf(stderr, "tsdp nan watch: %s %s (%zu of %zu elements, the first at %zu); from %s\n", kernel, what, count, n, first, where);
}

#define TSDP_NAN_WATCH(stream, p, n, kernel, what, where)                                                                   \
  do {                                                                                                                      \
    if (::tsdp_nan_watch::reports_wanted() > 0)                                                                             \
      TSDP_LAUNCH(tsdp_nan_watch_kernel, dim3(1), dim3(1), 0, stream, (const float*)(p), (size_t)(n), kernel, what, where); \
  } while (0)
#else
#define TSDP_NAN_WATCH(stream, p, n, kernel, what, where) ((void)0)
#endif
