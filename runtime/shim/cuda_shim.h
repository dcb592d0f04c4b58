// cuda_shim.h — compile CUDA C++ with a host C++20 compiler and run it on the CPU.
//
//   g++ -std=c++20 -O2 -x c++ -include runtime/shim/cuda_shim.h kernels.cu -pthread
//
// (With -Wall add -Wno-unknown-pragmas: GCC warns about CUDA's `#pragma unroll`. For speed add
// -march=native or at least -mfma: without FMA hardware, fmaf() is a slow library call. A .cu that
// says `#include <cuda_runtime.h>` also needs -I runtime/shim, where a stand-in header lives.)
//
// The same .cu file that nvcc builds for the GPU builds here for the CPU: CI (which has no GPU)
// executes the generated CUDA this way, and it is the CPU target of users without a GPU.
//
// ---- Design ----------------------------------------------------------------------------------
//
// Grid. A launch is a job of gridDim.x*y*z blocks. A persistent pool of OS threads (one per core,
// TSDP_SHIM_THREADS overrides; the launching thread is one of them) takes blocks from an atomic
// counter. A block runs start to finish on one OS thread, and an OS thread runs one block at a
// time. The launch returns when every block has finished, so launches are synchronous and
// streams are trivially ordered.
//
// Threads of a block are fibers. CUDA threads of a block must be able to wait for each other
// (__syncthreads, warp shuffles), so each one gets its own stack and the block's threads take turns
// on their OS thread: a thread runs until it reaches a barrier, then the next runnable thread runs.
// Switching is a hand-written x86-64 routine that saves the callee-saved registers (rbx, rbp,
// r12-r15), the stack pointer, MXCSR and the x87 control word: a few nanoseconds and no system
// call (swapcontext makes a sigprocmask syscall per switch). Other architectures, or
// -DTSDP_SHIM_USE_UCONTEXT, use ucontext instead. Stacks are mmap'ed once per OS thread and reused
// by every block (64 KiB per thread by default, TSDP_SHIM_STACK_KB overrides; a guard page below
// each; stack tops are staggered so 256 fibers do not all map to the same cache sets).
//
// Built-in variables. threadIdx, blockIdx, blockDim and gridDim are real (thread_local) variables
// in the global namespace, so `blockIdx.x * blockDim.x + threadIdx.x` reads them directly. The
// scheduler writes threadIdx before every fiber switch; blockIdx per block; blockDim/gridDim per
// launch. Since a fiber never moves to another OS thread, its threadIdx is always its own.
//
// Shared memory. `__shared__` is `static thread_local` (16-byte aligned, for float4 accesses): all
// fibers of a block run on the same OS thread, and one OS thread runs one block at a time, so a
// thread_local array is exactly "one copy per resident block". (Like on a GPU its contents are left
// over from the previous block.)
// Dynamic shared memory (TSDP_DYNAMIC_SHARED) is a per-OS-thread buffer of the launch's
// sharedBytes, 128-byte aligned.
//
// Direct mode. Most kernels (elementwise, pooling...) have no barrier, and for them fibers are pure
// overhead. Every block therefore starts in direct mode: its threads run one after another as a
// plain loop on the OS thread's own stack. When a thread reaches the first barrier or warp
// operation of the block, the block is *promoted* to fiber mode on the spot: the threads that
// already ran are finished (that is a legal CUDA schedule: they never reached a barrier, so nothing
// waited for them), the current thread becomes a fiber that lives on the OS thread's stack, and the
// threads that have not started yet get fresh fibers. This serves the purpose of a "barrier-free
// kernel" cache keyed by the kernel pointer, but is exact even when a kernel only sometimes reaches
// a barrier (a cache filled by a launch that happened not to reach it would be wrong later). The cost
// for barrier kernels is nil: promotion happens when the first thread reaches its first barrier.
// tsdp_shim_fiber_switches() counts switches, so tests can check that a kernel ran in direct mode.
//
// Barriers. __syncthreads: the fiber counts itself as arrived and yields; when all live fibers
// have arrived they are all made runnable again, in the configured order. A barrier that some
// threads of the block never reach (they exited first, or wait at a warp operation) is refused:
// CUDA allows __syncthreads in conditional code only where the condition is the same for the whole
// block, and the launch fails with cudaErrorLaunchFailure (see "Strict rules"). Warp operations (shuffles, votes, __syncwarp) are a rendezvous of
// the live lanes of one warp (lanes = consecutive linear thread ids; the last warp of a block may
// be partial): each lane deposits its value, yields, and when the last lane arrives, all read. The
// deposit buffers are double-buffered per warp so a fast lane can enter the next shuffle while
// slower ones still read the previous one. If every fiber is waiting and none can proceed
// (warp-synchronous code with a partial mask, or a divergence bug), the waiting warps are released
// with the lanes that arrived; a full-mask operation released that way prints a one-time warning.
//
// Debug orders. TSDP_SHIM_ORDER=forward|reverse|shuffle (or tsdp_shim_set_order(0|1|2)) chooses
// the order in which a block's threads run, between barriers and in direct mode. Code with a
// missing __syncthreads often works by luck in forward order and fails in reverse or shuffled order.
// The shuffle is deterministic (fixed seed, per block and per barrier).
//
// Runtime API. Device memory is host memory (256-byte aligned). Kernel launches, memcpy and memset
// run at call time, except on a stream that is being captured: there they are recorded (kernel
// arguments copied by value) into the graph and run by cudaGraphLaunch. Errors go to a per-host-
// thread "last error" as in CUDA; nothing in the shim aborts the process. Devices are virtual
// (TSDP_SHIM_DEVICES, default 1): they share the host memory and the worker pool.
//
// Strict rules. The shim refuses what CUDA refuses, with CUDA's error code, and names the broken
// rule on stderr ("tsdp cuda shim: ... refused (code): rule"; TSDP_SHIM_QUIET=1 silences it), so
// that code which passes on the CPU target is right on a GPU the first time: streams and events
// belong to the device current at their creation, kernels launch only into streams of the
// current device (per host thread), events are recorded only into streams of their device; launch
// limits (block 1024 threads, 1024/1024/64; grid.y/z 65,535; dynamic shared memory above 48 KB
// only after cudaFuncSetAttribute(MaxDynamicSharedMemorySize), at most 227 KB); while a capture is
// open (Global mode: any thread; ThreadLocal: its thread) no cudaMalloc/cudaFree/synchronization,
// synchronous copy or legacy-stream work, and captured host copies only from or to pinned memory.
// Device-side rules fail the launch: WMMA tile pointers 32-byte aligned and ldm a multiple of 16
// bytes (cudaErrorMisalignedAddress, wmma_shim.h), 16-byte vectors (float4, int4, double2, ...)
// loaded and stored only at 16-byte aligned addresses (cudaErrorMisalignedAddress; checked with
// TSDP_SHIM_CHECK_VECTORS, on in memcheck builds, see "Vector types"), every
// __syncthreads reached by the whole block (cudaErrorLaunchFailure). Memory belongs to the device
// current at its cudaMalloc: a kernel given a pointer into another device's memory fails with
// cudaErrorIllegalAddress unless cudaDeviceEnablePeerAccess allowed it (managed memory is
// everyone's); cudaFree takes only what an allocation returned, once. Async copies into another
// device's stream are allowed, as in CUDA. A synchronous copy or set of memory that a non-blocking
// stream's unwaited work uses is reported as a race (see "Unwaited work"). Static __shared__ is not
// counted toward the 227 KB per block here (the shim cannot see its size); the ptxas resource check
// (compiler/6-build/resources.ts) counts static plus dynamic shared memory for every generated kernel.
//
// Limits. Kernels must be launched with TSDP_LAUNCH (no <<< >>>), kernel templates with explicit
// template arguments, parenthesized if they contain a comma: TSDP_LAUNCH((k<64, 4>), ...), which
// nvcc accepts too. Dynamic shared memory is declared with TSDP_DYNAMIC_SHARED inside the kernel
// body. A warp operation waits for all live lanes of its
// warp; code in which only the lanes of a partial mask take part still works, but those lanes are
// released only when nothing else in the block can run. Fibers switch only at barriers and warp
// operations, so a thread that busy-waits for another thread of its block hangs, and so does a
// block that busy-waits for a later block; warp-synchronous code relying on implicit lockstep
// (no __syncwarp) is not supported (not legal CUDA since Volta either). At most 1024 threads per
// block; no WMMA, half types, textures, cooperative groups or dynamic parallelism; atomics are
// relaxed (std::atomic_ref), __threadfence is a seq_cst fence. Sanitizers do not know about the
// fiber stacks. A kernel that overflows its fiber stack hits a guard page (SIGSEGV).
//
// Memcheck (the CPU side of compute-sanitizer; tsdp compile --memcheck builds with
// -fsanitize=address -DTSDP_SHIM_MEMCHECK). Under AddressSanitizer every fiber switch is announced
// to it (ctx_switch), reused and unmapped fiber stacks are unpoisoned, the rounding slack of each
// device allocation and the part of the dynamic shared buffer beyond the launch's size are
// poisoned, and `__shared__` arrays become plain statics, which ASan surrounds with redzones (so
// blocks then run one at a time, process-wide). With TSDP_SHIM_MEMCHECK fresh device memory is
// filled with 0xFF bytes, NaN in every float format, so reads of memory nothing wrote show up
// (in other builds too, for allocations made while TSDP_SHIM_FRESH_NAN=1). runtime/harness/nan_watch.h
// then names the kernel that read it (TSDP_SHIM_NAN_WATCH=1).
//
// Counters (what a GPU profiler would count; tsdp counters, tsdp compile --counters: compiled with
// GCC's -fsanitize=thread and -DTSDP_SHIM_COUNTERS, linked without libtsan). counters.h defines the
// instrumentation's entry points and counts, per kernel launch, shared-memory wavefronts and
// conflicts and global sectors per warp request; `__shared__` arrays are statics in one section
// and blocks run one at a time. See counters.h.

#pragma once
#ifndef TSDP_CUDA_SHIM
#define TSDP_CUDA_SHIM 1

#if defined(__CUDACC__)
#error "cuda_shim.h is for host C++ compilers; nvcc uses the real CUDA runtime"
#endif
#if __cplusplus < 202002L
#error "cuda_shim.h needs C++20 (-std=c++20)"
#endif

// Standard headers first: <memory> (shared_ptr_base.h) spells __attribute__((__noinline__)), which
// must be parsed before __noinline__ becomes a macro below.
#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <chrono>
#include <climits>
#include <cmath>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <math.h>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>
#include <sys/mman.h>
#include <unistd.h>
#ifdef __SANITIZE_ADDRESS__
#include <pthread.h>
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

#if defined(__x86_64__) && !defined(TSDP_SHIM_USE_UCONTEXT)
#define TSDP_SHIM_ASM_SWITCH 1
#else
#define TSDP_SHIM_ASM_SWITCH 0
#include <ucontext.h>
#endif

// ---- Qualifiers ------------------------------------------------------------------------------

#define __global__
#define __device__
#define __host__
#define __constant__
#define __managed__
#define __grid_constant__
#define __forceinline__ inline __attribute__((always_inline))
#define __noinline__ __attribute__((noinline))
#define __launch_bounds__(...)
// The GEMM template's inner k-step (templates/kernels/gemm.cu.hbs) as a separate function: inlined
// into a kernel with large gathers, GCC stops vectorizing the 4×4 update and spills it as scalars.
#define TSDP_GEMM_MICROKERNEL __attribute__((noinline))
#define __align__(n) __attribute__((aligned(n)))
// One copy per resident block: see "Shared memory" above. 16-byte aligned because kernels load
// shared arrays as float4 (the GPU's shared memory allocation is at least that aligned).
#if defined(TSDP_SHIM_MEMCHECK) && defined(__SANITIZE_ADDRESS__)
// Memcheck: ASan puts redzones around statics but not around thread_locals, so here shared arrays
// are plain statics, and blocks run one at a time in the whole process (see memcheck_serial).
#define __shared__ static __attribute__((aligned(16)))
#define TSDP_SHIM_SERIAL_BLOCKS 1
#elif defined(TSDP_SHIM_COUNTERS)
// Counters (counters.h): plain statics too, gathered in one section whose bounds the linker
// provides (__start_tsdp_shared, __stop_tsdp_shared), so an address says whether it is shared.
#define __shared__ static __attribute__((aligned(16), section("tsdp_shared")))
#define TSDP_SHIM_SERIAL_BLOCKS 1
#else
#define __shared__ static thread_local __attribute__((aligned(16)))
#define TSDP_SHIM_SERIAL_BLOCKS 0
#endif
// __restrict__ is a native GCC/Clang keyword and needs no definition.

// ---- Where the runtime is compiled -------------------------------------------------------------
// The shim's runtime entry points (TSDP_SHIM_RUNTIME_FN: the CUDA API functions and what a launch
// or a barrier calls) pull in the block scheduler, the worker pool and the stream and graph
// bookkeeping. Compiled at -O3 into every model, that code took about a sixth of LeNet's build. A
// library's objects (the model's and the harness's; compiler/6-build/build.ts) are compiled with
// TSDP_SHIM_RUNTIME_APART and call one copy of them, compiled once per flavor into the object of
// runtime/harness/shim_runtime.cu (TSDP_SHIM_RUNTIME_OBJECT). A program built from this header
// alone (the shim's tests, bench/shim-sgemm.sh) defines neither and gets them inline.
#if defined(TSDP_SHIM_RUNTIME_APART) && defined(__GNUC__) && !defined(__clang__)
#if defined(TSDP_SHIM_RUNTIME_OBJECT)
#define TSDP_SHIM_RUNTIME_FN
#else
// gnu_inline: a body only for inlining, never compiled on its own here. optimize("O0"): GCC does
// not inline an -O0 function into an optimized caller, so it is not inlined either, and every call
// goes to the runtime object's definition (test/harness.test.ts checks a model's object for that).
#define TSDP_SHIM_RUNTIME_FN inline __attribute__((gnu_inline, optimize("O0")))
#endif
#else
// Another compiler: inline everywhere (and the runtime object empty), as if built alone.
#define TSDP_SHIM_RUNTIME_FN inline
#endif

// ---- Vector types ----------------------------------------------------------------------------

struct uint3 {
  unsigned int x, y, z;
};

struct dim3 {
  unsigned int x, y, z;
  constexpr dim3(unsigned int vx = 1, unsigned int vy = 1, unsigned int vz = 1) : x(vx), y(vy), z(vz) {}
  constexpr dim3(uint3 v) : x(v.x), y(v.y), z(v.z) {}
  constexpr operator uint3() const { return uint3{x, y, z}; }
};

// may_alias: kernels reinterpret float* as float4* for vector loads.
#define TSDP_VEC1(T, N, A)                                                   \
  struct __attribute__((aligned(A), may_alias)) N##1 { T x; };               \
  inline constexpr N##1 make_##N##1(T x) { return N##1{x}; }
#define TSDP_VEC2(T, N, A)                                                   \
  struct __attribute__((aligned(A), may_alias)) N##2 { T x, y; };            \
  inline constexpr N##2 make_##N##2(T x, T y) { return N##2{x, y}; }
#define TSDP_VEC3(T, N, A)                                                   \
  struct __attribute__((aligned(A), may_alias)) N##3 { T x, y, z; };         \
  inline constexpr N##3 make_##N##3(T x, T y, T z) { return N##3{x, y, z}; }
#define TSDP_VEC4(T, N, A)                                                   \
  struct __attribute__((aligned(A), may_alias)) N##4 { T x, y, z, w; };      \
  inline constexpr N##4 make_##N##4(T x, T y, T z, T w) { return N##4{x, y, z, w}; }
// A 16-byte vector as CUDA's hardware treats it: a load or store through a pointer that is not
// 16-byte aligned faults (cudaErrorMisalignedAddress). With TSDP_SHIM_CHECK_VECTORS (on in memcheck
// builds, which run every example's forward and training step in CI), every copy from or into
// memory goes through these members, which check the address first and then copy with memcpy (an
// unaligned x86 load), so a misaligned access fails the launch instead of taking the process down
// with an aligned SSE instruction. It is off otherwise: a non-trivial copy in the GEMM's inner loop
// made LeNet's CPU-target training step 1.9x slower. 8-byte vectors stay trivially copyable,
// because warp operations take them.
#ifndef TSDP_SHIM_CHECK_VECTORS
#ifdef TSDP_SHIM_MEMCHECK
#define TSDP_SHIM_CHECK_VECTORS 1
#else
#define TSDP_SHIM_CHECK_VECTORS 0
#endif
#endif
#if TSDP_SHIM_CHECK_VECTORS
#define TSDP_VEC16_MEMBERS(N)                                           \
  N() = default;                                                        \
  N(const N& o) {                                                       \
    ::tsdp_check_vector_alignment(&o, #N, "load");                      \
    std::memcpy(static_cast<void*>(this), &o, 16);                      \
  }                                                                     \
  N& operator=(const N& o) {                                            \
    ::tsdp_check_vector_alignment(&o, #N, "load");                      \
    ::tsdp_check_vector_alignment(this, #N, "store");                   \
    std::memcpy(static_cast<void*>(this), &o, 16);                      \
    return *this;                                                       \
  }
#else
#define TSDP_VEC16_MEMBERS(N) N() = default;
#endif
#define TSDP_VEC16_4(T, N)                                                                      \
  struct __attribute__((aligned(16), may_alias)) N##4 {                                       \
    T x, y, z, w;                                                                               \
    constexpr N##4(T vx, T vy, T vz, T vw) : x(vx), y(vy), z(vz), w(vw) {}                      \
    TSDP_VEC16_MEMBERS(N##4)                                                                    \
  };                                                                                            \
  inline constexpr N##4 make_##N##4(T x, T y, T z, T w) { return N##4{x, y, z, w}; }
#define TSDP_VEC16_2(T, N)                                                                      \
  struct __attribute__((aligned(16), may_alias)) N##2 {                                       \
    T x, y;                                                                                     \
    constexpr N##2(T vx, T vy) : x(vx), y(vy) {}                                                \
    TSDP_VEC16_MEMBERS(N##2)                                                                    \
  };                                                                                            \
  inline constexpr N##2 make_##N##2(T x, T y) { return N##2{x, y}; }

// Defined with the launch machinery below: fails the running launch on a misaligned 16-byte access.
inline void tsdp_check_vector_alignment(const void* at, const char* type, const char* access);

TSDP_VEC1(float, float, 4) TSDP_VEC2(float, float, 8) TSDP_VEC3(float, float, 4) TSDP_VEC16_4(float, float)
TSDP_VEC1(int, int, 4) TSDP_VEC2(int, int, 8) TSDP_VEC3(int, int, 4) TSDP_VEC16_4(int, int)
TSDP_VEC1(unsigned int, uint, 4) TSDP_VEC2(unsigned int, uint, 8) TSDP_VEC16_4(unsigned int, uint)
TSDP_VEC16_2(double, double)
TSDP_VEC2(short, short, 4) TSDP_VEC2(unsigned short, ushort, 4)
TSDP_VEC2(signed char, char, 2) TSDP_VEC4(signed char, char, 4)
TSDP_VEC2(unsigned char, uchar, 2) TSDP_VEC4(unsigned char, uchar, 4)
TSDP_VEC16_2(long long, longlong) TSDP_VEC16_2(unsigned long long, ulonglong)
inline constexpr uint3 make_uint3(unsigned int x, unsigned int y, unsigned int z) { return uint3{x, y, z}; }

#undef TSDP_VEC1
#undef TSDP_VEC2
#undef TSDP_VEC3
#undef TSDP_VEC4
#undef TSDP_VEC16_4
#undef TSDP_VEC16_2
#undef TSDP_VEC16_MEMBERS

// ---- Built-in variables ----------------------------------------------------------------------
// Hidden visibility: in a shared library (-fPIC) a hidden thread_local is reached with one
// __tls_get_addr per function (local-dynamic model) instead of one per variable access. (Building
// with -mtls-dialect=gnu2 makes even that call nearly free.) Each DSO has its own shim state.
#define TSDP_SHIM_TLS __attribute__((visibility("hidden"))) inline thread_local

TSDP_SHIM_TLS uint3 threadIdx{0, 0, 0};  // written by the scheduler before every switch
TSDP_SHIM_TLS uint3 blockIdx{0, 0, 0};   // written per block
TSDP_SHIM_TLS dim3 blockDim;             // written per launch
TSDP_SHIM_TLS dim3 gridDim;              // written per launch
inline constexpr int warpSize = 32;

// ---- Runtime types and error codes -----------------------------------------------------------

enum cudaError {
  cudaSuccess = 0,
  cudaErrorInvalidValue = 1,
  cudaErrorMemoryAllocation = 2,
  cudaErrorInitializationError = 3,
  cudaErrorCudartUnloading = 4,
  cudaErrorInvalidConfiguration = 9,
  cudaErrorInvalidPitchValue = 12,
  cudaErrorInvalidSymbol = 13,
  cudaErrorInvalidHostPointer = 16,
  cudaErrorInvalidDevicePointer = 17,
  cudaErrorInvalidMemcpyDirection = 21,
  cudaErrorNotYetImplemented = 31,
  cudaErrorMissingConfiguration = 52,
  cudaErrorInvalidDeviceFunction = 98,
  cudaErrorNoDevice = 100,
  cudaErrorInvalidDevice = 101,
  cudaErrorInvalidKernelImage = 200,
  cudaErrorPeerAccessUnsupported = 217,
  cudaErrorInvalidResourceHandle = 400,
  cudaErrorIllegalState = 401,
  cudaErrorNotReady = 600,
  cudaErrorIllegalAddress = 700,
  cudaErrorLaunchOutOfResources = 701,
  cudaErrorMisalignedAddress = 716,
  cudaErrorPeerAccessAlreadyEnabled = 704,
  cudaErrorPeerAccessNotEnabled = 705,
  cudaErrorLaunchFailure = 719,
  cudaErrorNotSupported = 801,
  cudaErrorStreamCaptureUnsupported = 900,
  cudaErrorStreamCaptureInvalidated = 901,
  cudaErrorStreamCaptureUnmatched = 903,
  cudaErrorStreamCaptureImplicit = 906,
  cudaErrorUnknown = 999,
};
typedef enum cudaError cudaError_t;

enum cudaMemcpyKind {
  cudaMemcpyHostToHost = 0,
  cudaMemcpyHostToDevice = 1,
  cudaMemcpyDeviceToHost = 2,
  cudaMemcpyDeviceToDevice = 3,
  cudaMemcpyDefault = 4,
};

enum cudaStreamCaptureMode {
  cudaStreamCaptureModeGlobal = 0,
  cudaStreamCaptureModeThreadLocal = 1,
  cudaStreamCaptureModeRelaxed = 2,
};

enum cudaStreamCaptureStatus {
  cudaStreamCaptureStatusNone = 0,
  cudaStreamCaptureStatusActive = 1,
  cudaStreamCaptureStatusInvalidated = 2,
};

enum cudaFuncAttribute {
  cudaFuncAttributeMaxDynamicSharedMemorySize = 8,
  cudaFuncAttributePreferredSharedMemoryCarveout = 9,
};

enum cudaDeviceAttr {
  cudaDevAttrMaxThreadsPerBlock = 1,
  cudaDevAttrMaxBlockDimX = 2,
  cudaDevAttrMaxBlockDimY = 3,
  cudaDevAttrMaxBlockDimZ = 4,
  cudaDevAttrMaxGridDimX = 5,
  cudaDevAttrMaxGridDimY = 6,
  cudaDevAttrMaxGridDimZ = 7,
  cudaDevAttrMaxSharedMemoryPerBlock = 8,
  cudaDevAttrWarpSize = 10,
  cudaDevAttrMultiProcessorCount = 16,
  cudaDevAttrComputeCapabilityMajor = 75,
  cudaDevAttrComputeCapabilityMinor = 76,
  cudaDevAttrMaxSharedMemoryPerBlockOptin = 97,
};

#define cudaStreamDefault 0x00
#define cudaStreamNonBlocking 0x01
#define cudaEventDefault 0x00
#define cudaEventBlockingSync 0x01
#define cudaEventDisableTiming 0x02
#define cudaHostAllocDefault 0x00
#define cudaHostAllocPortable 0x01
#define cudaHostAllocMapped 0x02
#define cudaHostAllocWriteCombined 0x04
#define cudaHostRegisterDefault 0x00
#define cudaGraphInstantiateFlagAutoFreeOnLaunch 1
#define cudaStreamLegacy ((cudaStream_t)0x1)
#define cudaStreamPerThread ((cudaStream_t)0x2)

struct CUstream_st;
struct CUevent_st;
struct CUgraph_st;
struct CUgraphExec_st;
typedef CUstream_st* cudaStream_t;
typedef CUevent_st* cudaEvent_t;
typedef CUgraph_st* cudaGraph_t;
typedef CUgraphExec_st* cudaGraphExec_t;
typedef void (*cudaHostFn_t)(void* userData);

struct cudaDeviceProp {
  char name[256];
  size_t totalGlobalMem;
  size_t sharedMemPerBlock;
  int regsPerBlock;
  int warpSize;
  int maxThreadsPerBlock;
  int maxThreadsDim[3];
  int maxGridSize[3];
  size_t totalConstMem;
  int major;
  int minor;
  int multiProcessorCount;
  int l2CacheSize;
  int maxThreadsPerMultiProcessor;
  size_t sharedMemPerMultiprocessor;
  size_t sharedMemPerBlockOptin;
  int memoryBusWidth;
  int unifiedAddressing;
  int managedMemory;
  int concurrentKernels;
};

// ---- Fiber context switch --------------------------------------------------------------------

#if TSDP_SHIM_ASM_SWITCH
// void tsdp_shim_switch(void** save_sp, void* load_sp)
//   pushes rbp rbx r12-r15 and MXCSR/x87-CW on the current stack, stores rsp in *save_sp, loads
//   load_sp and pops the same from there, then returns on the other stack.
// tsdp_shim_trampoline: first "return address" of a new fiber: calls r13(r12) (entry(arg)).
// The code lives in a COMDAT group so every translation unit may include this header.
extern "C" __attribute__((visibility("hidden"))) void tsdp_shim_switch(void** save_sp, void* load_sp);
extern "C" __attribute__((visibility("hidden"))) void tsdp_shim_trampoline();
__asm__(
    ".pushsection .text.tsdp_shim_switch,\"axG\",@progbits,tsdp_shim_switch,comdat\n"
    ".globl tsdp_shim_switch\n"
    ".hidden tsdp_shim_switch\n"
    ".type tsdp_shim_switch,@function\n"
    ".p2align 4\n"
    "tsdp_shim_switch:\n"
    "  pushq %rbp\n"
    "  pushq %rbx\n"
    "  pushq %r12\n"
    "  pushq %r13\n"
    "  pushq %r14\n"
    "  pushq %r15\n"
    "  subq $8, %rsp\n"
    "  stmxcsr (%rsp)\n"
    "  fnstcw 4(%rsp)\n"
    "  movq %rsp, (%rdi)\n"
    "  movq %rsi, %rsp\n"
    "  ldmxcsr (%rsp)\n"
    "  fldcw 4(%rsp)\n"
    "  addq $8, %rsp\n"
    "  popq %r15\n"
    "  popq %r14\n"
    "  popq %r13\n"
    "  popq %r12\n"
    "  popq %rbx\n"
    "  popq %rbp\n"
    "  ret\n"
    ".size tsdp_shim_switch, .-tsdp_shim_switch\n"
    ".globl tsdp_shim_trampoline\n"
    ".hidden tsdp_shim_trampoline\n"
    ".type tsdp_shim_trampoline,@function\n"
    ".p2align 4\n"
    "tsdp_shim_trampoline:\n"
    "  movq %r12, %rdi\n"
    "  callq *%r13\n"
    "  ud2\n"
    ".size tsdp_shim_trampoline, .-tsdp_shim_trampoline\n"
    ".popsection\n");
#endif

namespace tsdp {
namespace detail {

// Under AddressSanitizer a context also knows its stack's bounds (see ctx_switch below).
#ifdef __SANITIZE_ADDRESS__
#define TSDP_SHIM_CTX_STACK_FIELDS \
  const void* stack_lo = nullptr;  \
  std::size_t stack_size = 0;
template <class C>
inline void ctx_note_stack(C* c, char* lo, char* top) {
  c->stack_lo = lo;
  c->stack_size = static_cast<std::size_t>(top - lo);
  // A fiber stack is reused by the next block, but the fiber that finished last never returned
  // from its frames (it switched away): their redzones are still poisoned, and the new fiber's
  // frames would land on them.
  ASAN_UNPOISON_MEMORY_REGION(lo, c->stack_size);
}
#else
#define TSDP_SHIM_CTX_STACK_FIELDS
template <class C>
inline void ctx_note_stack(C*, char*, char*) {}
#endif

#if TSDP_SHIM_ASM_SWITCH
struct Ctx {
  void* sp = nullptr;
  TSDP_SHIM_CTX_STACK_FIELDS
};
inline void ctx_switch_raw(Ctx* from, Ctx* to) { tsdp_shim_switch(&from->sp, to->sp); }
// A new context whose first switch-in calls entry(arg) on the stack that ends at `top`.
inline void ctx_make(Ctx* c, char* lo, char* top, void (*entry)(void*), void* arg) {
  ctx_note_stack(c, lo, top);
  auto t = reinterpret_cast<std::uintptr_t>(top) & ~std::uintptr_t(15);
  auto* sp = reinterpret_cast<std::uint64_t*>(t - 80);  // 16-aligned; trampoline runs at sp+64
  std::uint32_t mxcsr;
  std::uint16_t fpucw;
  __asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
  __asm__ volatile("fnstcw %0" : "=m"(fpucw));
  sp[0] = std::uint64_t(mxcsr) | (std::uint64_t(fpucw) << 32);
  sp[1] = 0;                                            // r15
  sp[2] = 0;                                            // r14
  sp[3] = reinterpret_cast<std::uint64_t>(entry);       // r13
  sp[4] = reinterpret_cast<std::uint64_t>(arg);         // r12
  sp[5] = 0;                                            // rbx
  sp[6] = 0;                                            // rbp
  sp[7] = reinterpret_cast<std::uint64_t>(&tsdp_shim_trampoline);
  sp[8] = sp[9] = 0;
  c->sp = sp;
}
#else
struct Ctx {
  ucontext_t uc;
  TSDP_SHIM_CTX_STACK_FIELDS
};
TSDP_SHIM_TLS void (*tl_uc_entry)(void*) = nullptr;
TSDP_SHIM_TLS void* tl_uc_arg = nullptr;
inline void uc_trampoline() { tl_uc_entry(tl_uc_arg); }
inline void ctx_switch_raw(Ctx* from, Ctx* to) { swapcontext(&from->uc, &to->uc); }
// The entry and argument are read from thread_locals at first switch-in; every fiber of this
// shim has the same entry, which finds its own state through the scheduler.
inline void ctx_make(Ctx* c, char* lo, char* top, void (*entry)(void*), void* arg) {
  ctx_note_stack(c, lo, top);
  getcontext(&c->uc);
  c->uc.uc_stack.ss_sp = lo;
  c->uc.uc_stack.ss_size = static_cast<std::size_t>(top - lo) & ~std::size_t(15);
  c->uc.uc_link = nullptr;
  tl_uc_entry = entry;
  tl_uc_arg = arg;
  makecontext(&c->uc, uc_trampoline, 0);
}
#endif

#ifdef __SANITIZE_ADDRESS__
// AddressSanitizer must know which stack the code runs on, or it takes a fiber's frames for
// stack overflows and its shadow for another stack's. Every switch is announced
// (__sanitizer_start_switch_fiber with the bounds of the stack it goes to) and confirmed on arrival
// (__sanitizer_finish_switch_fiber). A context records the stack it was on when it switched away;
// tl_stack_lo/size follow the stack this OS thread is on, starting with its own (pthread's bounds).
TSDP_SHIM_TLS const void* tl_stack_lo = nullptr;
TSDP_SHIM_TLS std::size_t tl_stack_size = 0;
inline void current_stack(const void** lo, std::size_t* size) {
  if (!tl_stack_lo) {
    pthread_attr_t a;
    void* base = nullptr;
    std::size_t n = 0;
    if (pthread_getattr_np(pthread_self(), &a) == 0) {
      pthread_attr_getstack(&a, &base, &n);
      pthread_attr_destroy(&a);
    }
    tl_stack_lo = base;
    tl_stack_size = n;
  }
  *lo = tl_stack_lo;
  *size = tl_stack_size;
}
inline void ctx_switch(Ctx* from, Ctx* to) {
  current_stack(&from->stack_lo, &from->stack_size);
  void* fake_stack = nullptr;
  __sanitizer_start_switch_fiber(&fake_stack, to->stack_lo, to->stack_size);
  tl_stack_lo = to->stack_lo;
  tl_stack_size = to->stack_size;
  ctx_switch_raw(from, to);
  // Back on `from`'s stack: whoever switched here set tl_stack_* to its bounds.
  __sanitizer_finish_switch_fiber(fake_stack, nullptr, nullptr);
}
// First code of a new fiber, on its own stack.
inline void fiber_started() { __sanitizer_finish_switch_fiber(nullptr, nullptr, nullptr); }
#else
inline void ctx_switch(Ctx* from, Ctx* to) { ctx_switch_raw(from, to); }
inline void fiber_started() {}
#endif

// Fiber stacks go back to the system clean: under ASan, the redzones of frames that never
// returned would otherwise stay in the shadow and be reported against whatever is mapped there next.
inline void unmap_stacks(char* p, std::size_t bytes) {
#ifdef __SANITIZE_ADDRESS__
  ASAN_UNPOISON_MEMORY_REGION(p, bytes);
#endif
  munmap(p, bytes);
}

// ---- Configuration (environment) -------------------------------------------------------------

inline long env_long(const char* name, long dflt, long lo, long hi) {
  const char* s = std::getenv(name);
  if (!s || !*s) return dflt;
  char* end = nullptr;
  long v = std::strtol(s, &end, 10);
  if (end == s) return dflt;
  return std::clamp(v, lo, hi);
}

inline std::size_t stack_bytes() {
  static const std::size_t v = std::size_t(env_long("TSDP_SHIM_STACK_KB", 64, 16, 1 << 20)) * 1024;
  return v;
}

inline unsigned pool_threads() {
  static const unsigned v = [] {
    if (TSDP_SHIM_SERIAL_BLOCKS) return 1u;  // one copy of each __shared__ array: one block at a time
    unsigned hc = std::thread::hardware_concurrency();
    return unsigned(env_long("TSDP_SHIM_THREADS", hc ? hc : 1, 1, 1024));
  }();
  return v;
}

inline int device_count() {
  static const int v = int(env_long("TSDP_SHIM_DEVICES", 1, 0, 1024));
  return v;
}

enum Order { kForward = 0, kReverse = 1, kShuffle = 2 };

inline std::atomic<int>& order_setting() {
  static std::atomic<int> v{[] {
    const char* s = std::getenv("TSDP_SHIM_ORDER");
    if (s && std::strcmp(s, "reverse") == 0) return int(kReverse);
    if (s && std::strcmp(s, "shuffle") == 0) return int(kShuffle);
    return int(kForward);
  }()};
  return v;
}

inline std::atomic<unsigned long long> g_switches{0};   // fiber switches, all launches
inline std::atomic<unsigned long long> g_promotions{0}; // blocks promoted to fiber mode
inline std::atomic<bool> g_warned_divergence{false};

// ---- Block scheduler -------------------------------------------------------------------------

using ThreadFn = void (*)(const void*);

#ifdef TSDP_SHIM_COUNTERS
struct Runner;
}  // namespace detail
// Hardware counters (counters.h, included at the end of this header).
namespace counters {
inline void begin_launch(const char* name, dim3 grid, dim3 block);
inline void end_launch();
inline void begin_blocks(const detail::Runner& r, std::size_t dyn_bytes);
inline void end_blocks();
inline void flush();
/** One CUDA atomic: one atomic request, whatever loads and CAS retries implement it here. */
struct Atomic {
  inline Atomic(const volatile void* p, std::size_t bytes);
  inline ~Atomic();
  bool was;
};
/** Accesses not counted in a scope: WMMA fragment loads and stores, whose GPU layout is not modelled. */
struct Uncounted {
  inline Uncounted();
  inline ~Uncounted();
  bool was;
};
}  // namespace counters
namespace detail {
#define TSDP_SHIM_COUNT(call) ::tsdp::counters::call
#define TSDP_SHIM_COUNT_ATOMIC(p) const ::tsdp::counters::Atomic tsdp_counted_atomic_((p), sizeof(*(p)))
#define TSDP_SHIM_UNCOUNTED const ::tsdp::counters::Uncounted tsdp_uncounted_
#else
#define TSDP_SHIM_COUNT(call) ((void)0)
#define TSDP_SHIM_COUNT_ATOMIC(p) ((void)0)
#define TSDP_SHIM_UNCOUNTED ((void)0)
#endif

constexpr unsigned kMaxThreads = 1024;
constexpr unsigned kMaxWarps = kMaxThreads / 32;

enum : unsigned char { kRunnable, kBlockWait, kWarpWait, kDone };

struct Fiber {
  Ctx ctx;
  uint3 tid;
  unsigned lin;
  unsigned char state;
};

struct Warp {
  unsigned alive, arrived, gen;
  std::uint32_t arrived_mask[2];  // lanes that deposited, per generation parity
  std::uint32_t mask_and[2];      // AND of the masks they passed
  std::uint64_t val[2][32];       // deposits, per generation parity
};

// Everything one OS thread needs to run blocks. Allocated once per OS thread.
struct Runner {
  // the launch
  ThreadFn fn = nullptr;
  const void* task = nullptr;
  unsigned n = 0;        // threads per block
  unsigned bx = 1, bxy = 1;
  int order = kForward;
  std::uint64_t block = 0;  // linear block index (seeds the shuffle)
  std::uint64_t rng = 0;
  // the block
  bool fiber_mode = false;
  bool failed = false;
  int fault = 0;         // a cudaError_t the kernel broke a device-side rule with (first one wins)
  unsigned dpos = 0;     // direct mode: position in the order
  unsigned alive = 0;    // fiber mode: threads not finished
  unsigned bar_arrived = 0, bar_count = 0, res_count = 0, res_total = 0;
  Fiber* cur = nullptr;
  Ctx sched;             // the OS thread's own stack, parked while fibers finish
  unsigned qhead = 0, qcount = 0;
  unsigned long long switches = 0;
  unsigned queue[kMaxThreads];
  unsigned perm[kMaxThreads];
  Warp warps[kMaxWarps];
  Fiber fibers[kMaxThreads];
  // memory
  char* stacks = nullptr;
  std::size_t slot = 0;
  unsigned nstacks = 0;
  char* dyn = nullptr;
  std::size_t dyn_cap = 0;
  // Held while this thread runs blocks, and by release_idle_memory while it frees the memory above.
  std::atomic<bool> in_use{false};

  void free_memory() {
    if (stacks) unmap_stacks(stacks, slot * nstacks);
    stacks = nullptr;
    nstacks = 0;
    std::free(dyn);
    dyn = nullptr;
    dyn_cap = 0;
  }
  ~Runner();
};

// Every thread's Runner, so that their memory can be released when no model of this library is
// left (release_idle_memory). Never destroyed: threads may exit after static destructors ran.
struct RunnerRegistry {
  std::mutex m;
  std::vector<Runner*> all;
};
inline RunnerRegistry& runner_registry() {
  static RunnerRegistry* r = new RunnerRegistry();
  return *r;
}

inline Runner::~Runner() {
  {
    RunnerRegistry& reg = runner_registry();
    std::lock_guard<std::mutex> lk(reg.m);
    reg.all.erase(std::remove(reg.all.begin(), reg.all.end(), this), reg.all.end());
  }
  free_memory();
}

TSDP_SHIM_TLS Runner* tl_run = nullptr;     // set while this OS thread executes blocks
TSDP_SHIM_TLS char* tl_dyn_shared = nullptr; // the dynamic shared memory of the block

inline Runner& runner() {
  static thread_local std::unique_ptr<Runner> r;
  if (!r) {
    r.reset(new Runner());
    RunnerRegistry& reg = runner_registry();
    std::lock_guard<std::mutex> lk(reg.m);
    reg.all.push_back(r.get());
  }
  return *r;
}

/** Holds a Runner's in_use flag for a scope (waits while release_idle_memory frees its memory). */
struct RunnerInUse {
  Runner& r;
  explicit RunnerInUse(Runner& runner) : r(runner) {
    bool idle = false;
    while (!r.in_use.compare_exchange_weak(idle, true, std::memory_order_acquire)) {
      idle = false;
      std::this_thread::yield();
    }
  }
  ~RunnerInUse() { r.in_use.store(false, std::memory_order_release); }
};

/**
 * Frees the fiber stacks and dynamic shared memory that threads keep between kernels. Each thread
 * that ran blocks keeps a mapping with a guard page per fiber slot (two memory mappings per slot,
 * hundreds per thread), and each model library has its own copy of this shim: a process that
 * loads many libraries would run out of mappings (vm.max_map_count) and fail with EAGAIN. The
 * harness calls this when a library's last model is destroyed; a thread running blocks right
 * now keeps its memory.
 */
inline void release_idle_memory() {
  RunnerRegistry& reg = runner_registry();
  std::lock_guard<std::mutex> lk(reg.m);
  for (Runner* r : reg.all) {
    bool idle = false;
    if (!r->in_use.compare_exchange_strong(idle, true, std::memory_order_acquire)) continue;
    r->free_memory();
    r->in_use.store(false, std::memory_order_release);
  }
}

inline std::uint64_t splitmix(std::uint64_t& s) {
  std::uint64_t z = (s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

inline void shuffle_perm(Runner& r, unsigned* p, unsigned count) {
  for (unsigned i = 0; i < count; ++i) p[i] = i;
  for (unsigned i = count; i > 1; --i) {
    unsigned j = unsigned(splitmix(r.rng) % i);
    std::swap(p[i - 1], p[j]);
  }
}

inline uint3 tid_of(const Runner& r, unsigned lin) {
  if (r.bx == r.n) return uint3{lin, 0, 0};
  return uint3{lin % r.bx, (lin % r.bxy) / r.bx, lin / r.bxy};
}

// Direct mode: the k-th thread to run.
inline unsigned direct_at(const Runner& r, unsigned k) {
  switch (r.order) {
    case kReverse: return r.n - 1 - k;
    case kShuffle: return r.perm[k];
    default: return k;
  }
}

inline void push(Runner& r, unsigned lin) {
  r.queue[(r.qhead + r.qcount++) % kMaxThreads] = lin;
  r.fibers[lin].state = kRunnable;
}

inline unsigned pop(Runner& r) {
  unsigned lin = r.queue[r.qhead];
  r.qhead = (r.qhead + 1) % kMaxThreads;
  --r.qcount;
  return lin;
}

// A kernel broke a rule that CUDA's hardware enforces (a misaligned WMMA or vector access, a
// divergent barrier): the launch fails with `code`, and the rule is named once per launch and
// OS thread. The kernel keeps running (the shim cannot unwind a fiber), but its results are void.
TSDP_SHIM_RUNTIME_FN void device_fault(cudaError_t code, const char* rule) {
  Runner* r = tl_run;
  if (!r) return;
  if (!r->fault) {
    r->fault = int(code);
    static const bool quiet = env_long("TSDP_SHIM_QUIET", 0, 0, 1) != 0;
    if (!quiet)
      std::fprintf(stderr, "tsdp cuda shim: kernel fault in block (%u,%u,%u) thread (%u,%u,%u): %s\n", ::blockIdx.x,
                   ::blockIdx.y, ::blockIdx.z, ::threadIdx.x, ::threadIdx.y, ::threadIdx.z, rule);
  }
}

// All live fibers have reached __syncthreads: make them runnable in the configured order.
inline void release_block(Runner& r) {
  // Every thread of the block must reach a __syncthreads (CUDA: "allowed in conditional code only
  // if the condition evaluates identically across the entire thread block"); threads that exited,
  // or wait at a warp operation, instead make it a divergent barrier.
  if (r.bar_arrived < r.n)
    device_fault(cudaErrorLaunchFailure,
                 "a __syncthreads reached by only part of the block (the others exited or wait elsewhere)");
  TSDP_SHIM_COUNT(flush());  // the accesses before a barrier are the requests of one epoch
  r.res_count = r.bar_count;
  r.res_total = r.bar_arrived;
  r.bar_count = 0;
  r.bar_arrived = 0;
  if (r.order == kShuffle) shuffle_perm(r, r.perm, r.n);
  for (unsigned k = 0; k < r.n; ++k) {
    unsigned lin = r.order == kForward ? k : r.order == kReverse ? r.n - 1 - k : r.perm[k];
    if (r.fibers[lin].state == kBlockWait) push(r, lin);
  }
}

// All live lanes of warp w have arrived (or the scheduler forces it): release them.
inline void release_warp(Runner& r, unsigned w) {
  Warp& W = r.warps[w];
  W.arrived = 0;
  ++W.gen;
  unsigned p = W.gen & 1;
  W.arrived_mask[p] = 0;
  W.mask_and[p] = ~0u;
  unsigned lanes = std::min(32u, r.n - w * 32);
  unsigned lp[32];
  if (r.order == kShuffle) shuffle_perm(r, lp, lanes);
  for (unsigned k = 0; k < lanes; ++k) {
    unsigned lane = r.order == kForward ? k : r.order == kReverse ? lanes - 1 - k : lp[k];
    unsigned lin = w * 32 + lane;
    if (r.fibers[lin].state == kWarpWait) push(r, lin);
  }
}

// Every live fiber waits and none can proceed: release the warps that have waiting lanes.
inline void break_deadlock(Runner& r) {
  for (unsigned w = 0; w * 32 < r.n; ++w) {
    Warp& W = r.warps[w];
    if (W.arrived == 0) continue;
    if (W.mask_and[W.gen & 1] == ~0u && !g_warned_divergence.exchange(true)) {
      std::fprintf(stderr,
                   "tsdp cuda shim: warning: a full-mask warp operation was reached by only %u of "
                   "%u live lanes of a warp (divergent warp-synchronous code); continuing\n",
                   W.arrived, W.alive);
    }
    release_warp(r, w);
  }
  if (r.qcount == 0 && r.bar_arrived > 0) release_block(r);
}

inline void switch_to(Runner& r, Ctx* save, Fiber* next) {
  r.cur = next;
  ::threadIdx = next->tid;
  ++r.switches;
  ctx_switch(save, &next->ctx);
}

// The current fiber waits (its state is already set): run the next runnable one.
inline void yield_to_next(Runner& r) {
  Fiber* self = r.cur;
  if (r.qcount == 0) break_deadlock(r);
  Fiber* next = &r.fibers[pop(r)];
  if (next != self) switch_to(r, &self->ctx, next);
}

// The current fiber's kernel function returned.
inline void retire(Runner& r) {
  Fiber* self = r.cur;
  self->state = kDone;
  --r.alive;
  Warp& W = r.warps[self->lin >> 5];
  --W.alive;
  if (W.arrived > 0 && W.arrived == W.alive) release_warp(r, self->lin >> 5);
  if (r.bar_arrived > 0 && r.bar_arrived == r.alive) release_block(r);
  if (r.qcount == 0 && r.alive > 0) break_deadlock(r);
}

// Entry of every fiber that runs on a fiber stack.
inline void fiber_entry(void*) {
  fiber_started();
  Runner& r = *tl_run;
  r.fn(r.task);
  retire(r);
  Fiber* self = r.cur;
  if (r.qcount == 0) {
    ctx_switch(&self->ctx, &r.sched);  // the last fiber: back to the OS thread's stack
  } else {
    switch_to(r, &self->ctx, &r.fibers[pop(r)]);
  }
  __builtin_trap();  // a finished fiber is never resumed
}

inline std::size_t guard_bytes() {
  static const std::size_t v = [] {
    long p = sysconf(_SC_PAGESIZE);
    return p > 0 && (p & (p - 1)) == 0 ? std::size_t(p) : std::size_t(4096);
  }();
  return v;
}

// Fiber stacks for n threads: one mapping per OS thread, a guard page at the bottom of each slot.
inline bool ensure_stacks(Runner& r, unsigned n) {
  if (r.nstacks >= n) return true;
  const std::size_t page = guard_bytes(), stagger = 16384;
  std::size_t slot = (stack_bytes() + page + stagger + page - 1) & ~(page - 1);
  unsigned want = n <= 256 ? 256 : kMaxThreads;
  void* p = mmap(nullptr, slot * want, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) return false;
  if (r.stacks) unmap_stacks(r.stacks, r.slot * r.nstacks);
  r.stacks = static_cast<char*>(p);
  r.slot = slot;
  r.nstacks = want;
  for (unsigned i = 0; i < want; ++i) mprotect(r.stacks + i * slot, page, PROT_NONE);  // guard
  return true;
}

// The thread at direct position r.dpos reached a barrier or warp operation: switch the block to
// fiber mode. Threads before it have finished; it becomes a fiber on the OS thread's stack; the
// threads after it get fresh fibers, runnable in direct order.
inline bool promote(Runner& r) {
  if (!ensure_stacks(r, r.n)) {
    if (!r.failed) std::fprintf(stderr, "tsdp cuda shim: cannot allocate fiber stacks\n");
    r.failed = true;
    return false;
  }
  g_promotions.fetch_add(1, std::memory_order_relaxed);
  r.fiber_mode = true;
  r.qhead = r.qcount = 0;
  r.bar_arrived = r.bar_count = 0;
  for (unsigned w = 0; w * 32 < r.n; ++w) {
    Warp& W = r.warps[w];
    W.alive = std::min(32u, r.n - w * 32);
    W.arrived = W.gen = 0;
    W.arrived_mask[0] = W.arrived_mask[1] = 0;
    W.mask_and[0] = W.mask_and[1] = ~0u;
  }
  for (unsigned k = 0; k < r.dpos; ++k) {
    unsigned lin = direct_at(r, k);
    r.fibers[lin].state = kDone;
    --r.warps[lin >> 5].alive;
  }
  r.alive = r.n - r.dpos;
  unsigned self = direct_at(r, r.dpos);
  Fiber& me = r.fibers[self];
  me.tid = ::threadIdx;
  me.lin = self;
  me.state = kRunnable;
  r.cur = &me;
  for (unsigned k = r.dpos + 1; k < r.n; ++k) {
    unsigned lin = direct_at(r, k);
    Fiber& f = r.fibers[lin];
    f.tid = tid_of(r, lin);
    f.lin = lin;
    char* lo = r.stacks + std::size_t(lin) * r.slot;
    char* top = lo + r.slot - (std::size_t(lin) * 576) % 16384;
    ctx_make(&f.ctx, lo + guard_bytes(), top, &fiber_entry, nullptr);
    push(r, lin);
  }
  return true;
}

// The fiber on the OS thread's stack finished: wait (parked in r.sched) for the others.
inline void native_done(Runner& r) {
  retire(r);
  if (r.alive == 0) return;
  if (r.qcount == 0) return;  // unreachable: retire() released someone
  switch_to(r, &r.sched, &r.fibers[pop(r)]);
}

inline void run_block(Runner& r) {
  r.fiber_mode = false;
  r.rng = 0x7D5EEDull ^ (r.block * 0x9E3779B97F4A7C15ull);
  if (r.order == kShuffle) shuffle_perm(r, r.perm, r.n);
  for (r.dpos = 0; r.dpos < r.n; ++r.dpos) {
    ::threadIdx = tid_of(r, direct_at(r, r.dpos));
    r.fn(r.task);
    if (r.fiber_mode) {
      native_done(r);
      break;
    }
  }
  TSDP_SHIM_COUNT(flush());
}

// Barrier entry: in direct mode, promote first. Returns false where no fiber scheduling is
// possible (called outside a kernel, or fiber stacks unavailable): the operation is then local.
inline Runner* sync_runner() {
  Runner* r = tl_run;
  if (!r) return nullptr;
  if (!r->fiber_mode && !promote(*r)) return nullptr;
  return r;
}

TSDP_SHIM_RUNTIME_FN void block_sync(int pred) {
  Runner* r = sync_runner();
  if (!r) return;
  r->cur->state = kBlockWait;
  ++r->bar_arrived;
  r->bar_count += pred != 0;
  if (r->bar_arrived == r->alive) release_block(*r);
  yield_to_next(*r);
}

TSDP_SHIM_RUNTIME_FN int syncthreads_reduce(int pred, int op) {
  Runner* r = sync_runner();
  if (!r) return op == 0 ? (pred != 0) : (pred != 0);
  block_sync(pred);
  switch (op) {
    case 0: return int(r->res_count);
    case 1: return r->res_count == r->res_total;
    default: return r->res_count != 0;
  }
}

// Warp rendezvous: deposit `bits`, wait for the warp. Returns the warp, the generation parity
// whose deposits to read, and the caller's lane.
struct WarpView {
  const Warp* w;
  unsigned p;
  unsigned lane;
  std::uint64_t own;
  std::uint64_t get(unsigned src) const {
    return src < 32 && (w->arrived_mask[p] >> src & 1u) ? w->val[p][src] : own;
  }
  std::uint32_t arrived() const { return w->arrived_mask[p]; }
};

inline WarpView warp_sync(std::uint64_t bits, unsigned mask) {
  Runner* r = sync_runner();
  if (!r) {
    static thread_local Warp solo;  // outside a kernel: a warp of one lane
    solo.val[0][0] = bits;
    solo.arrived_mask[0] = 1;
    return WarpView{&solo, 0, 0, bits};
  }
  Fiber* self = r->cur;
  unsigned w = self->lin >> 5, lane = self->lin & 31;
  Warp& W = r->warps[w];
  unsigned p = W.gen & 1;
  W.val[p][lane] = bits;
  W.arrived_mask[p] |= 1u << lane;
  W.mask_and[p] &= mask;
  ++W.arrived;
  self->state = kWarpWait;
  if (W.arrived == W.alive) release_warp(*r, w);
  yield_to_next(*r);
  return WarpView{&W, p, lane, bits};
}

template <class T>
inline std::uint64_t to_bits(T v) {
  static_assert(sizeof(T) <= 8 && std::is_trivially_copyable_v<T>, "warp operations take 1-8 byte values");
  std::uint64_t b = 0;
  std::memcpy(&b, &v, sizeof(T));
  return b;
}

template <class T>
inline T from_bits(std::uint64_t b) {
  T v;
  std::memcpy(&v, &b, sizeof(T));
  return v;
}

inline unsigned clamp_width(int width) {
  unsigned w = width <= 0 ? 32u : std::min(32u, unsigned(width));
  return std::bit_floor(w);
}

// ---- Worker pool -----------------------------------------------------------------------------

struct Job {
  ThreadFn fn;
  const void* task;
  dim3 grid, block;
  std::size_t shmem;
  std::uint64_t total;
  std::atomic<std::uint64_t> next{0};
  std::atomic<bool> failed{false};
  std::atomic<int> fault{0};  // a device-side rule broken by some block (see device_fault)
  unsigned users = 0;  // pool threads working on it (guarded by the pool mutex)
};

// Runs blocks of `j` on the calling OS thread until none are left.
inline void run_blocks(Job& j) {
  Runner& r = runner();
  RunnerInUse hold(r);
  if (j.shmem > r.dyn_cap) {
    std::size_t cap = (j.shmem + 127) & ~std::size_t(127);
    void* p = std::aligned_alloc(128, cap);
    if (!p) {
      j.failed = true;
      j.next = j.total;
      return;
    }
    std::free(r.dyn);
    r.dyn = static_cast<char*>(p);
    r.dyn_cap = cap;
  }
#ifdef __SANITIZE_ADDRESS__
  // Dynamic shared memory is the launch's size, not the buffer kept from a larger launch: the
  // rest is poisoned, so a read past the end is reported as an overflow of this buffer.
  if (r.dyn) {
    ASAN_UNPOISON_MEMORY_REGION(r.dyn, r.dyn_cap);
    ASAN_POISON_MEMORY_REGION(r.dyn + j.shmem, r.dyn_cap - j.shmem);
  }
#endif
  r.fn = j.fn;
  r.task = j.task;
  r.n = j.block.x * j.block.y * j.block.z;
  r.bx = j.block.x;
  r.bxy = j.block.x * j.block.y;
  r.order = order_setting().load(std::memory_order_relaxed);
  r.failed = false;
  r.fault = 0;
  ::blockDim = j.block;
  ::gridDim = j.grid;
  tl_dyn_shared = r.dyn;
  tl_run = &r;
  TSDP_SHIM_COUNT(begin_blocks(r, j.shmem));
  const std::uint64_t gx = j.grid.x, gxy = std::uint64_t(j.grid.x) * j.grid.y;
  for (;;) {
    std::uint64_t b = j.next.fetch_add(1, std::memory_order_relaxed);
    if (b >= j.total) break;
    ::blockIdx = uint3{unsigned(b % gx), unsigned((b % gxy) / gx), unsigned(b / gxy)};
    r.block = b;
    run_block(r);
  }
  TSDP_SHIM_COUNT(end_blocks());
  tl_run = nullptr;
  if (r.failed) j.failed = true;
  if (r.fault) {
    int none = 0;
    j.fault.compare_exchange_strong(none, r.fault);
  }
  if (r.switches) {
    g_switches.fetch_add(r.switches, std::memory_order_relaxed);
    r.switches = 0;
  }
}

class Pool {
 public:
  static Pool& get() {
    static Pool* p = new Pool();  // never destroyed: workers may outlive static destructors
    return *p;
  }

  // Runs all blocks of `j`, the calling thread included; returns when all have finished.
  void run(Job& j) {
    {
      std::lock_guard<std::mutex> lk(m_);
      jobs_.push_back(&j);
    }
    std::uint64_t helpers = std::min<std::uint64_t>(j.total - 1, workers_);
    if (helpers >= workers_) cv_work_.notify_all();
    else for (std::uint64_t i = 0; i < helpers; ++i) cv_work_.notify_one();
    run_blocks(j);
    std::unique_lock<std::mutex> lk(m_);
    remove(&j);
    cv_done_.wait(lk, [&] { return j.users == 0; });
  }

 private:
  Pool() : workers_(pool_threads() - 1) {
    for (unsigned i = 0; i < workers_; ++i) std::thread([this] { loop(); }).detach();
  }

  void remove(Job* j) {
    auto it = std::find(jobs_.begin(), jobs_.end(), j);
    if (it != jobs_.end()) jobs_.erase(it);
  }

  void loop() {
    std::unique_lock<std::mutex> lk(m_);
    for (;;) {
      cv_work_.wait(lk, [&] { return !jobs_.empty(); });
      Job* j = jobs_.front();
      if (j->next.load(std::memory_order_relaxed) >= j->total) {
        remove(j);
        continue;
      }
      ++j->users;
      lk.unlock();
      run_blocks(*j);
      lk.lock();
      remove(j);
      if (--j->users == 0) cv_done_.notify_all();
    }
  }

  std::mutex m_;
  std::condition_variable cv_work_, cv_done_;
  std::vector<Job*> jobs_;
  unsigned workers_;
};

inline cudaError_t check_config(dim3 g, dim3 b, std::size_t shmem) {
  std::uint64_t threads = std::uint64_t(b.x) * b.y * b.z;
  if (g.x == 0 || g.y == 0 || g.z == 0 || threads == 0) return cudaErrorInvalidConfiguration;
  if (threads > kMaxThreads || b.x > 1024 || b.y > 1024 || b.z > 64) return cudaErrorInvalidConfiguration;
  if (g.x > 0x7FFFFFFFu || g.y > 65535 || g.z > 65535) return cudaErrorInvalidConfiguration;
  if (shmem > (std::size_t(1) << 30)) return cudaErrorInvalidValue;
  return cudaSuccess;
}

inline cudaError_t execute(ThreadFn fn, const void* task, dim3 g, dim3 b, std::size_t shmem) {
  if (cudaError_t e = check_config(g, b, shmem)) return e;
  Job j;
  j.fn = fn;
  j.task = task;
  j.grid = g;
  j.block = b;
  j.shmem = shmem;
  j.total = std::uint64_t(g.x) * g.y * g.z;
  if (tl_run) return cudaErrorNotSupported;  // a launch from inside a kernel (dynamic parallelism)
#if TSDP_SHIM_SERIAL_BLOCKS
  // Kernels launched from several host threads (streams, devices) take turns: they may be the
  // same kernel, with the same static shared arrays. No kernel here waits for another one.
  static std::mutex memcheck_serial;
  std::lock_guard<std::mutex> turn(memcheck_serial);
#endif
  if (j.total == 1 || pool_threads() == 1) run_blocks(j);
  else Pool::get().run(j);
  if (int f = j.fault.load()) return cudaError_t(f);
  return j.failed ? cudaErrorLaunchOutOfResources : cudaSuccess;
}

// ---- Runtime state: errors, devices, streams, events, graphs ---------------------------------

TSDP_SHIM_TLS cudaError_t tl_last_error = cudaSuccess;
TSDP_SHIM_TLS int tl_device = 0;

TSDP_SHIM_RUNTIME_FN cudaError_t fail(cudaError_t e) {
  if (e != cudaSuccess) tl_last_error = e;
  return e;
}

}  // namespace detail
}  // namespace tsdp

// The report is out of line and cold, so the check in a kernel's inner loop is one test and a
// branch that is never taken.
[[gnu::noinline, gnu::cold]] inline void tsdp_vector_misaligned(const char* type, const char* access) {
  char rule[96];
  std::snprintf(rule, sizeof rule, "a %s %s %s an address that is not 16-byte aligned", type, access,
                std::strcmp(access, "load") == 0 ? "from" : "to");
  ::tsdp::detail::device_fault(cudaErrorMisalignedAddress, rule);
}
inline void tsdp_check_vector_alignment(const void* at, const char* type, const char* access) {
  if (__builtin_expect((reinterpret_cast<std::uintptr_t>(at) & 15) != 0, 0)) tsdp_vector_misaligned(type, access);
}
TSDP_SHIM_RUNTIME_FN const char* cudaGetErrorName(cudaError_t e);
namespace tsdp {
namespace detail {

// Strict rules: where CUDA refuses a call, the shim refuses it too, with CUDA's error code, and
// says which rule was broken on stderr (CUDA's code alone, "invalid resource handle", does not say
// that the stream belongs to another device). Every refusal is a bug in the program, so printing
// each one is affordable; TSDP_SHIM_QUIET=1 silences them (the code is returned either way).
TSDP_SHIM_RUNTIME_FN cudaError_t refuse(cudaError_t e, const char* call, const char* rule) {
  static const bool quiet = env_long("TSDP_SHIM_QUIET", 0, 0, 1) != 0;
  if (!quiet) std::fprintf(stderr, "tsdp cuda shim: %s refused (%s): %s\n", call, cudaGetErrorName(e), rule);
  return fail(e);
}

using Node = std::function<void()>;

// Dynamic shared memory: 48 KB per block unless the kernel opted in to more with
// cudaFuncSetAttribute(MaxDynamicSharedMemorySize); never above the 227 KB a block may have.
constexpr std::size_t kDefaultDynamicShared = 48 * 1024, kMaxSharedPerBlock = 227 * 1024;

struct SharedOptIns {
  std::mutex m;
  std::vector<std::pair<const void*, std::size_t>> limits;  // kernel -> opted-in bytes
};
inline SharedOptIns& shared_opt_ins() {
  static SharedOptIns* o = new SharedOptIns();  // never destroyed: launches may run during exit
  return *o;
}
inline cudaError_t set_dynamic_shared_limit(const void* kernel, int bytes) {
  if (!kernel || bytes < 0 || std::size_t(bytes) > kMaxSharedPerBlock) return cudaErrorInvalidValue;
  auto& o = shared_opt_ins();
  std::lock_guard<std::mutex> lk(o.m);
  for (auto& [k, v] : o.limits)
    if (k == kernel) {
      v = std::size_t(bytes);
      return cudaSuccess;
    }
  o.limits.emplace_back(kernel, std::size_t(bytes));
  return cudaSuccess;
}
TSDP_SHIM_RUNTIME_FN cudaError_t check_dynamic_shared(const void* kernel, std::size_t bytes) {
  if (bytes <= kDefaultDynamicShared) return cudaSuccess;
  auto& o = shared_opt_ins();
  std::lock_guard<std::mutex> lk(o.m);
  for (auto& [k, v] : o.limits)
    if (k == kernel) return bytes <= v ? cudaSuccess : cudaErrorInvalidValue;
  return cudaErrorInvalidValue;
}

}  // namespace detail
}  // namespace tsdp

struct CUgraph_st {
  std::vector<tsdp::detail::Node> nodes;
  std::vector<CUstream_st*> streams;  // the streams capturing into this graph
  int mode = 0;                       // cudaStreamCaptureMode of the capture
  std::thread::id owner{};            // the thread that began the capture
  bool invalidated = false;           // a prohibited call during the capture: EndCapture fails
  std::vector<std::uintptr_t> touched;  // allocations its nodes use (see "Unwaited work")
};

struct CUgraphExec_st {
  std::vector<tsdp::detail::Node> nodes;
  std::vector<std::uintptr_t> touched;
};

// Streams and events belong to the device that was current when they were created.
struct CUstream_st {
  unsigned flags = 0;
  int device = 0;
  CUgraph_st* capture = nullptr;
};

struct CUevent_st {
  unsigned flags = 0;
  int device = 0;
  bool recorded = false;
  CUstream_st* stream = nullptr;  // where it was last recorded (a created stream), and that
  unsigned long long seq = 0;     // stream's work count then (see "Unwaited work")
  std::chrono::steady_clock::time_point time{};
  CUgraph_st* capture = nullptr;
};

namespace tsdp {
namespace detail {

inline bool is_special(cudaStream_t s) { return reinterpret_cast<std::uintptr_t>(s) <= 2; }  // 0, legacy, per-thread

inline CUgraph_st* capturing(cudaStream_t s) {
  if (is_special(s)) return nullptr;
  return s->capture;
}

// Captures in progress, for CUDA's rules on what may happen while one is open: in Global mode no
// thread may make an unsafe call (cudaMalloc, a synchronization, a synchronous copy, the legacy
// stream), in ThreadLocal mode not the capturing thread, in Relaxed mode anyone may.
struct Captures {
  std::mutex m;
  std::vector<CUgraph_st*> open;
};
inline Captures& captures() {
  static Captures* c = new Captures();
  return *c;
}
inline void capture_opened(CUgraph_st* g) {
  std::lock_guard<std::mutex> lk(captures().m);
  captures().open.push_back(g);
}
inline void capture_closed(CUgraph_st* g) {
  std::lock_guard<std::mutex> lk(captures().m);
  auto& v = captures().open;
  v.erase(std::remove(v.begin(), v.end(), g), v.end());
}
/** Whether an unsafe call from this thread is prohibited now; invalidates the captures it breaks. */
inline bool unsafe_during_capture() {
  auto& c = captures();
  std::lock_guard<std::mutex> lk(c.m);
  bool prohibited = false;
  for (CUgraph_st* g : c.open)
    if (g->mode == 0 || (g->mode == 1 && g->owner == std::this_thread::get_id())) {
      g->invalidated = true;
      prohibited = true;
    }
  return prohibited;
}
/** Refuses an unsafe call during a capture (see Captures), or returns cudaSuccess. */
TSDP_SHIM_RUNTIME_FN cudaError_t check_capture_safe(const char* call, cudaError_t code = cudaErrorStreamCaptureUnsupported) {
  if (!unsafe_during_capture()) return cudaSuccess;
  return refuse(code, call, code == cudaErrorStreamCaptureImplicit
                                ? "the legacy default stream or a synchronous copy while a stream capture is open (use cudaMemcpyAsync on a stream)"
                                : "cudaMalloc, cudaFree and synchronizations are not permitted while a stream capture is open");
}

// Page-locked host memory (cudaMallocHost, cudaHostAlloc, cudaHostRegister): a captured copy from
// or to the host must use it, since a graph replays the copy asynchronously.
struct PinnedRanges {
  std::mutex m;
  std::vector<std::pair<std::uintptr_t, std::size_t>> ranges;
};
inline PinnedRanges& pinned() {
  static PinnedRanges* p = new PinnedRanges();
  return *p;
}
inline void pin(const void* p, std::size_t n) {
  std::lock_guard<std::mutex> lk(pinned().m);
  pinned().ranges.emplace_back(reinterpret_cast<std::uintptr_t>(p), n);
}
inline void unpin(const void* p) {
  std::lock_guard<std::mutex> lk(pinned().m);
  auto& r = pinned().ranges;
  auto a = reinterpret_cast<std::uintptr_t>(p);
  r.erase(std::remove_if(r.begin(), r.end(), [a](auto& x) { return x.first == a; }), r.end());
}
inline bool is_pinned(const void* p, std::size_t n) {
  std::lock_guard<std::mutex> lk(pinned().m);
  auto a = reinterpret_cast<std::uintptr_t>(p);
  for (auto& [b, len] : pinned().ranges)
    if (a >= b && a + n <= b + len) return true;
  return false;
}

// The device a stream's work runs on: its creator's, or the current one for the default streams.
inline int stream_device(cudaStream_t s) { return is_special(s) ? tl_device : s->device; }

// Runs `op` now, or records it into the graph the stream is capturing.
template <class F>
inline cudaError_t stream_op(cudaStream_t s, F&& op, const char* call = "an asynchronous call") {
  if (s == nullptr || s == cudaStreamLegacy)
    if (cudaError_t e = check_capture_safe(call, cudaErrorStreamCaptureImplicit)) return e;
  if (CUgraph_st* g = capturing(s)) g->nodes.emplace_back(std::forward<F>(op));
  else op();
  return cudaSuccess;
}

// Profile (TSDP_SHIM_PROFILE=1): wall time and launch count per kernel name, summed over the
// process and printed to stderr at exit, heaviest first. For finding where a CPU-target step spends
// its time; off by default, when it costs one predictable branch per launch.
struct ProfileEntry {
  const char* name;
  unsigned long long launches;
  double seconds;
};

class Profile {
 public:
  static Profile* get() {
    static Profile* p = env_long("TSDP_SHIM_PROFILE", 0, 0, 1) ? new Profile() : nullptr;
    return p;
  }
  void add(const char* name, double seconds) {
    std::lock_guard<std::mutex> lk(m_);
    for (auto& e : entries_)
      if (std::strcmp(e.name, name) == 0) {
        ++e.launches;
        e.seconds += seconds;
        return;
      }
    entries_.push_back({name, 1, seconds});
  }
  ~Profile() {
    std::sort(entries_.begin(), entries_.end(), [](auto& a, auto& b) { return a.seconds > b.seconds; });
    double total = 0;
    for (auto& e : entries_) total += e.seconds;
    std::fprintf(stderr, "tsdp cuda shim profile: %.3f s in kernels\n", total);
    for (auto& e : entries_)
      std::fprintf(stderr, "  %8.3f ms/launch %6.1f%%  %8llu x  %s\n", 1e3 * e.seconds / double(e.launches),
                   total > 0 ? 100 * e.seconds / total : 0.0, e.launches, e.name);
  }

 private:
  Profile() { std::atexit([] { delete get(); }); }
  std::mutex m_;
  std::vector<ProfileEntry> entries_;
};

TSDP_SHIM_RUNTIME_FN cudaError_t execute_named(const char* name, ThreadFn fn, const void* task, dim3 g, dim3 b, std::size_t shmem) {
#ifdef TSDP_SHIM_COUNTERS
  // Launches from several host threads take turns (TSDP_SHIM_SERIAL_BLOCKS): one launch is counted at a time.
  static std::mutex one_launch;
  std::lock_guard<std::mutex> turn(one_launch);
  counters::begin_launch(name, g, b);
  const cudaError_t counted = execute(fn, task, g, b, shmem);
  counters::end_launch();
  return counted;
#endif
  Profile* p = Profile::get();
  if (!p) return execute(fn, task, g, b, shmem);
  auto t0 = std::chrono::steady_clock::now();
  cudaError_t e = execute(fn, task, g, b, shmem);
  p->add(name, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  return e;
}

// Device allocations and the device each belongs to (CUDA's unified addressing: a pointer says which
// device's memory it is). A kernel reads or writes another device's memory only after
// cudaDeviceEnablePeerAccess; otherwise the access faults (cudaErrorIllegalAddress). Managed memory
// (device -1) is reachable from every device.
struct Allocations {
  std::mutex m;
  std::map<std::uintptr_t, std::pair<std::size_t, int>> by_start;  // start -> (bytes, device)
  bool peer[64][64] = {};                                              // [accessing][owner]
};
inline Allocations& allocations() {
  static Allocations* a = new Allocations();
  return *a;
}
inline void record_allocation(void* p, std::size_t n, int device) {
  if (!p) return;
  std::lock_guard<std::mutex> lk(allocations().m);
  allocations().by_start[reinterpret_cast<std::uintptr_t>(p)] = {n, device};
}
/** Forgets an allocation; false when `p` is not the start of one (cudaFree's invalid value). */
inline bool forget_allocation(void* p) {
  std::lock_guard<std::mutex> lk(allocations().m);
  return allocations().by_start.erase(reinterpret_cast<std::uintptr_t>(p)) == 1;
}
/** The allocation a pointer falls in: its start (0 for none) and device (-1 managed, -2 none). */
struct AllocationRef {
  std::uintptr_t start = 0;
  int device = -2;
};
TSDP_SHIM_RUNTIME_FN AllocationRef find_allocation(const void* p) {
  std::lock_guard<std::mutex> lk(allocations().m);
  auto& a = allocations().by_start;
  auto a_p = reinterpret_cast<std::uintptr_t>(p);
  auto it = a.upper_bound(a_p);
  if (it == a.begin()) return {};
  --it;
  return a_p < it->first + it->second.first ? AllocationRef{it->first, it->second.second} : AllocationRef{};
}
inline std::uintptr_t allocation_start(const void* p) { return find_allocation(p).start; }
/** The allocation a kernel argument points into (none when it is not a pointer). */
template <class T>
inline AllocationRef argument_allocation(const T& arg) {
  if constexpr (std::is_pointer_v<T>) return find_allocation(static_cast<const void*>(arg));
  else return {};
}
/** Whether a kernel on `device` may use memory of every device in `owners` (peer access). */
TSDP_SHIM_RUNTIME_FN bool reachable(const int* owners, std::size_t n, int device) {
  std::lock_guard<std::mutex> lk(allocations().m);
  for (std::size_t i = 0; i < n; ++i) {
    const int o = owners[i];
    if (o >= 0 && o != device && !(device < 64 && o < 64 && allocations().peer[device][o])) return false;
  }
  return true;
}


// Unwaited work. Streams created with cudaStreamNonBlocking do not order with the legacy default
// stream, so a synchronous cudaMemcpy or cudaMemset runs concurrently with the work they still
// have. The shim runs that work at once, so such a copy reads the right values here and not on a
// GPU. So the shim remembers, per created stream, which allocations the work issued to it uses
// (kernel pointer arguments, async copies and sets, graphs launched into it) until the host waits
// for it (stream, event or device synchronization, or a query that says it completed; waits
// between streams carry over), and a synchronous copy or set that uses one of those allocations
// while a non-blocking stream has not been waited for is reported as a race on stderr
// ("tsdp cuda shim: race: ..."; the count is tsdp_shim_races()). CUDA reports nothing there; the
// results are simply wrong, sometimes.
struct StreamWork {
  unsigned long long seq = 0;  // work items issued so far
  struct Item {
    unsigned long long seq;
    std::uintptr_t allocation;        // 0 for a wait on another stream
    CUstream_st* waits_for = nullptr;  // that stream, up to its work count `upto`
    unsigned long long upto = 0;
  };
  std::vector<Item> items;  // issued and not yet waited for
};
struct UnwaitedWork {
  std::mutex m;
  std::map<CUstream_st*, StreamWork> streams;
};
inline UnwaitedWork& unwaited() {
  static UnwaitedWork* u = new UnwaitedWork();
  return *u;
}
inline std::atomic<unsigned long long> g_races{0};

inline void stream_created(CUstream_st* s) {
  std::lock_guard<std::mutex> lk(unwaited().m);
  unwaited().streams[s] = StreamWork{};
}
inline void stream_destroyed(CUstream_st* s) {
  std::lock_guard<std::mutex> lk(unwaited().m);
  unwaited().streams.erase(s);
}
/** Work issued to `s` uses these allocations (starts; 0s are ignored). */
TSDP_SHIM_RUNTIME_FN void note_work(cudaStream_t s, const std::uintptr_t* starts, std::size_t n) {
  if (is_special(s)) return;  // the legacy stream orders with the synchronous calls
  if (CUgraph_st* g = s->capture) {
    for (std::size_t i = 0; i < n; ++i)
      if (starts[i]) g->touched.push_back(starts[i]);
    return;
  }
  std::lock_guard<std::mutex> lk(unwaited().m);
  auto it = unwaited().streams.find(s);
  if (it == unwaited().streams.end()) return;
  StreamWork& w = it->second;
  ++w.seq;
  for (std::size_t i = 0; i < n; ++i)
    if (starts[i]) w.items.push_back({w.seq, starts[i]});
}
inline void note_pointers(cudaStream_t s, std::initializer_list<const void*> ptrs) {
  std::uintptr_t starts[4] = {};
  std::size_t n = 0;
  for (const void* p : ptrs)
    if (n < 4) starts[n++] = allocation_start(p);
  note_work(s, starts, n);
}
/** The host has waited for `s`'s work up to its count `upto` (and for what that work waited on). */
inline void settle_locked(CUstream_st* s, unsigned long long upto, int depth = 0) {
  auto it = unwaited().streams.find(s);
  if (it == unwaited().streams.end() || depth > 64) return;
  std::vector<std::pair<CUstream_st*, unsigned long long>> carried;
  auto& items = it->second.items;
  for (auto& item : items)
    if (item.seq <= upto && item.waits_for) carried.emplace_back(item.waits_for, item.upto);
  items.erase(std::remove_if(items.begin(), items.end(), [upto](auto& item) { return item.seq <= upto; }), items.end());
  for (auto& [other, other_upto] : carried) settle_locked(other, other_upto, depth + 1);
}
inline void settle(cudaStream_t s) {
  if (is_special(s)) return;
  std::lock_guard<std::mutex> lk(unwaited().m);
  auto it = unwaited().streams.find(s);
  if (it != unwaited().streams.end()) settle_locked(s, it->second.seq);
}
inline void settle_event(CUevent_st* e) {
  if (!e->stream) return;
  std::lock_guard<std::mutex> lk(unwaited().m);
  settle_locked(e->stream, e->seq);
}
/** The host waits for every stream of `device`, or only for its blocking ones (the legacy stream's implicit synchronization). */
inline void settle_device(int device, bool blocking_only) {
  std::lock_guard<std::mutex> lk(unwaited().m);
  for (auto& [s, w] : unwaited().streams)
    if (s->device == device && (!blocking_only || !(s->flags & cudaStreamNonBlocking))) settle_locked(s, w.seq);
}
/** Freed memory: work that used it is forgotten (a later allocation may get the same address). */
inline void forget_unwaited(const void* p) {
  auto a = reinterpret_cast<std::uintptr_t>(p);
  std::lock_guard<std::mutex> lk(unwaited().m);
  for (auto& [s, w] : unwaited().streams)
    w.items.erase(std::remove_if(w.items.begin(), w.items.end(), [a](auto& item) { return item.allocation == a; }), w.items.end());
}
inline unsigned long long stream_seq(CUstream_st* s) {
  std::lock_guard<std::mutex> lk(unwaited().m);
  auto it = unwaited().streams.find(s);
  return it == unwaited().streams.end() ? 0 : it->second.seq;
}
/** `s` waits for `other`'s work up to `upto` (cudaStreamWaitEvent). */
inline void note_stream_wait(cudaStream_t s, CUstream_st* other, unsigned long long upto) {
  if (is_special(s) || !other || s->capture) return;
  std::lock_guard<std::mutex> lk(unwaited().m);
  auto it = unwaited().streams.find(s);
  if (it == unwaited().streams.end()) return;
  StreamWork& w = it->second;
  w.items.push_back({++w.seq, 0, other, upto});
}
/** A synchronous copy or set on the current device that uses `a` and `b` (either may be host memory). */
inline void check_synchronous(const char* call, const void* a, const void* b) {
  settle_device(tl_device, true);
  std::uintptr_t sa = allocation_start(a), sb = b ? allocation_start(b) : 0;
  if (!sa && !sb) return;
  std::lock_guard<std::mutex> lk(unwaited().m);
  for (auto& [s, w] : unwaited().streams)
    for (auto& item : w.items)
      if (item.allocation && (item.allocation == sa || item.allocation == sb)) {
        unsigned long long n = ++g_races;
        static const bool quiet = env_long("TSDP_SHIM_QUIET", 0, 0, 1) != 0;
        if (!quiet && n <= 20)
          std::fprintf(stderr,
                       "tsdp cuda shim: race: %s uses memory that work issued to a %s stream of device %d may still be using "
                       "(the host has not waited for that stream: cudaStreamSynchronize, an event, or cudaDeviceSynchronize first)\n",
                       call, (s->flags & cudaStreamNonBlocking) ? "non-blocking" : "blocking", s->device);
        return;
      }
}

// Fault injection for tests of error paths: TSDP_SHIM_FAIL_LAUNCH=n makes the n-th kernel launch of
// the process (counting from 1, every TSDP_LAUNCH call including those a capture records) fail
// with cudaErrorLaunchOutOfResources, as a launch asking for too many registers would on a GPU.
TSDP_SHIM_RUNTIME_FN bool injected_launch_failure() {
  static const long target = env_long("TSDP_SHIM_FAIL_LAUNCH", 0, 0, LONG_MAX);
  static std::atomic<long> launches{0};
  return target > 0 && ++launches == target;
}

// Launch: convert the arguments to the kernel's parameter types (as CUDA does), keep them in a
// tuple, and give every CUDA thread its own copy of them. `name` is the kernel's spelling at the
// launch site (for the profile).
template <class... P, class... A>
inline void launch_named(const char* name, void (*kernel)(P...), dim3 grid, dim3 block, std::size_t shmem,
                         cudaStream_t stream, A&&... args) {
  static_assert(sizeof...(P) == sizeof...(A), "TSDP_LAUNCH: wrong number of kernel arguments");
  using Args = std::tuple<std::decay_t<P>...>;
  struct Task {
    void (*kernel)(P...);
    Args args;
    static void run(const void* p) {
      const Task* t = static_cast<const Task*>(p);
      std::apply(t->kernel, t->args);
    }
  };
  if (injected_launch_failure()) {
    refuse(cudaErrorLaunchOutOfResources, name, "the launch TSDP_SHIM_FAIL_LAUNCH names (an injected failure, for tests of error paths)");
    return;
  }
  if (cudaError_t e = check_config(grid, block, shmem)) {
    refuse(e, name, "launch configuration: block <= 1024 threads (x, y <= 1024, z <= 64), grid.x <= 2^31-1, grid.y and grid.z <= 65535, none 0");
    return;
  }
  if (stream == nullptr || stream == cudaStreamLegacy)
    if (check_capture_safe(name, cudaErrorStreamCaptureImplicit)) return;
  if (stream_device(stream) != tl_device) {
    refuse(cudaErrorInvalidResourceHandle, name, "a kernel launch into a stream of another device than the current one (cudaSetDevice first)");
    return;
  }
  if (cudaError_t e = check_dynamic_shared(reinterpret_cast<const void*>(kernel), shmem)) {
    refuse(e, name, "dynamic shared memory above 48 KB needs cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, bytes) first, and at most 227 KB per block");
    return;
  }
  Task task{kernel, Args(std::forward<A>(args)...)};
  // A pointer to another device's memory faults when the kernel touches it (the shim assumes it
  // does: a kernel is passed a pointer to use it). The check is at launch, or at replay for a graph.
  // One lookup per pointer argument serves both checks: which device owns it (peer access) and which
  // allocation the work uses (unwaited work). Ownership does not change; peer access may, so a
  // graph checks it again at replay.
  const int device = stream_device(stream);
  constexpr std::size_t kArgs = sizeof...(P) + 1;
  std::array<std::uintptr_t, kArgs> starts{};
  std::array<int, kArgs> owners;
  owners.fill(-2);
  {
    std::size_t i = 0;
    auto put = [&](const auto& v) {
      const AllocationRef r = argument_allocation(v);
      starts[i] = r.start;
      owners[i] = r.device;
      ++i;
    };
    std::apply([&](const auto&... v) { (put(v), ...); }, task.args);
  }
  note_work(stream, starts.data(), kArgs);
  constexpr const char* kPeerRule = "a kernel reads or writes another device's memory only after cudaDeviceEnablePeerAccess";
  if (CUgraph_st* g = capturing(stream)) {
    g->nodes.emplace_back([name, task, grid, block, shmem, owners, device] {
      if (!reachable(owners.data(), owners.size(), device)) refuse(cudaErrorIllegalAddress, name, kPeerRule);
      else fail(execute_named(name, &Task::run, &task, grid, block, shmem));
    });
    return;
  }
  if (!reachable(owners.data(), owners.size(), device)) {
    refuse(cudaErrorIllegalAddress, name, kPeerRule);
    return;
  }
  fail(execute_named(name, &Task::run, &task, grid, block, shmem));
}

template <class... P, class... A>
inline void launch(void (*kernel)(P...), dim3 grid, dim3 block, std::size_t shmem, cudaStream_t stream,
                   A&&... args) {
  launch_named("(kernel)", kernel, grid, block, shmem, stream, std::forward<A>(args)...);
}

inline bool valid_kind(cudaMemcpyKind k) { return unsigned(k) <= unsigned(cudaMemcpyDefault); }

/**
 * The "device memory" of the CPU target: the machine's physical memory (cudaGetDeviceProperties
 * says the same), or less with TSDP_SHIM_DEVICE_MEMORY_MB — a GPU's memory is smaller than its
 * host's, and tests of the out-of-memory paths need a device they can fill with a batch the
 * kernels can still index.
 */
inline std::size_t device_memory_bytes() {
  static const std::size_t bytes = [] {
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
    const std::size_t physical = pages > 0 && page > 0 ? std::size_t(pages) * std::size_t(page) : std::numeric_limits<std::size_t>::max();
    if (const char* mb = std::getenv("TSDP_SHIM_DEVICE_MEMORY_MB")) {
      char* end = nullptr;
      const unsigned long long v = std::strtoull(mb, &end, 10);
      if (*mb != '\0' && *end == '\0' && v > 0 && v < (1ull << 40)) return std::min<std::size_t>(physical, std::size_t(v) << 20);
    }
    return physical;
  }();
  return bytes;
}

// Like cudaMalloc on a GPU, an allocation larger than the device's memory fails at once with
// cudaErrorMemoryAllocation (not sticky: the next call works), instead of succeeding lazily under
// Linux's overcommit and getting the process killed when the memory is touched.
inline cudaError_t host_alloc(void** p, std::size_t size) {
  if (!p) return fail(cudaErrorInvalidValue);
  *p = nullptr;
  if (size == 0) return cudaSuccess;
  if (size > device_memory_bytes() || size > std::numeric_limits<std::size_t>::max() - 4096) return fail(cudaErrorMemoryAllocation);
  std::size_t rounded = (size + 255) & ~std::size_t(255);
  void* m = std::aligned_alloc(256, rounded);
  if (!m) return fail(cudaErrorMemoryAllocation);
#ifdef TSDP_SHIM_MEMCHECK
  // Device memory starts with whatever was there: here, a pattern that reads as NaN in fp32,
  // fp16 and bf16 (and -1 as an integer), so a kernel that reads memory nobody wrote produces
  // NaN outputs the memcheck tests look for, instead of the zeros fresh pages would give.
  std::memset(m, 0xFF, rounded);
#else
  // The same in any build while TSDP_SHIM_FRESH_NAN=1 (read at each allocation, so that one
  // process can create one model instance so and another not: the fuzzer compares the two).
  if (const char* nan = std::getenv("TSDP_SHIM_FRESH_NAN"); nan && std::strcmp(nan, "1") == 0) std::memset(m, 0xFF, rounded);
#endif
#ifdef __SANITIZE_ADDRESS__
  // The rounding slack is not the allocation's: ASan reports a read or write there as
  // heap-buffer-overflow, as it does past `rounded`.
  ASAN_POISON_MEMORY_REGION(static_cast<char*>(m) + size, rounded - size);
#endif
  *p = m;
  return cudaSuccess;
}

}  // namespace detail

// Launch a kernel: TSDP_LAUNCH(kernel, grid, block, sharedBytes, stream, args...).
using detail::launch;
// Free the memory threads keep between kernels (see detail::release_idle_memory).
using detail::release_idle_memory;

}  // namespace tsdp

// ---- Launch and dynamic shared memory macros -------------------------------------------------

#define TSDP_LAUNCH(k, g, b, s, st, ...) ::tsdp::detail::launch_named(#k, k, g, b, s, st __VA_OPT__(, ) __VA_ARGS__)
#define TSDP_DYNAMIC_SHARED(type, name) type* name = reinterpret_cast<type*>(::tsdp::detail::tl_dyn_shared)

// ---- Debug and statistics hooks (C linkage) --------------------------------------------------

// 0: forward, 1: reverse, 2: shuffle (fixed seed). Applies to launches that start afterwards.
extern "C" inline void tsdp_shim_set_order(int order) {
  tsdp::detail::order_setting().store(order == 1 ? 1 : order == 2 ? 2 : 0);
}
extern "C" inline int tsdp_shim_get_order() { return tsdp::detail::order_setting().load(); }
// Fiber switches and fiber-mode blocks so far (0 for kernels that only ran in direct mode).
extern "C" inline unsigned long long tsdp_shim_fiber_switches() { return tsdp::detail::g_switches.load(); }
extern "C" inline unsigned long long tsdp_shim_fiber_blocks() { return tsdp::detail::g_promotions.load(); }
// Synchronous copies and sets that used memory a not-yet-waited-for stream's work uses (see "Unwaited work").
extern "C" inline unsigned long long tsdp_shim_races() { return tsdp::detail::g_races.load(); }

// ---- Synchronization -------------------------------------------------------------------------

inline void __syncthreads() { tsdp::detail::block_sync(1); }
inline int __syncthreads_count(int pred) { return tsdp::detail::syncthreads_reduce(pred, 0); }
inline int __syncthreads_and(int pred) { return tsdp::detail::syncthreads_reduce(pred, 1); }
inline int __syncthreads_or(int pred) { return tsdp::detail::syncthreads_reduce(pred, 2); }
inline void __syncwarp(unsigned mask = 0xFFFFFFFFu) { tsdp::detail::warp_sync(0, mask); }
inline void __threadfence() { std::atomic_thread_fence(std::memory_order_seq_cst); }
inline void __threadfence_system() { std::atomic_thread_fence(std::memory_order_seq_cst); }
inline void __threadfence_block() { std::atomic_signal_fence(std::memory_order_seq_cst); }

// ---- Warp shuffles and votes -----------------------------------------------------------------
// Rules as in the CUDA programming guide: width (a power of two <= 32) splits the warp into
// segments; a source outside the caller's segment (up/down/xor) or a lane that does not exist
// returns the caller's own value.

template <class T>
inline T __shfl_sync(unsigned mask, T var, int srcLane, int width = warpSize) {
  auto v = tsdp::detail::warp_sync(tsdp::detail::to_bits(var), mask);
  unsigned w = tsdp::detail::clamp_width(width);
  unsigned src = (v.lane & ~(w - 1)) + (unsigned(srcLane) & (w - 1));
  return tsdp::detail::from_bits<T>(v.get(src));
}

template <class T>
inline T __shfl_up_sync(unsigned mask, T var, unsigned delta, int width = warpSize) {
  auto v = tsdp::detail::warp_sync(tsdp::detail::to_bits(var), mask);
  unsigned w = tsdp::detail::clamp_width(width);
  if ((v.lane & (w - 1)) < delta) return var;
  return tsdp::detail::from_bits<T>(v.get(v.lane - delta));
}

template <class T>
inline T __shfl_down_sync(unsigned mask, T var, unsigned delta, int width = warpSize) {
  auto v = tsdp::detail::warp_sync(tsdp::detail::to_bits(var), mask);
  unsigned w = tsdp::detail::clamp_width(width);
  if ((v.lane & (w - 1)) + delta >= w) return var;
  return tsdp::detail::from_bits<T>(v.get(v.lane + delta));
}

template <class T>
inline T __shfl_xor_sync(unsigned mask, T var, int laneMask, int width = warpSize) {
  auto v = tsdp::detail::warp_sync(tsdp::detail::to_bits(var), mask);
  unsigned w = tsdp::detail::clamp_width(width);
  unsigned src = v.lane ^ unsigned(laneMask);
  if (src >= (v.lane & ~(w - 1)) + w) return var;  // later segment: own value
  return tsdp::detail::from_bits<T>(v.get(src));
}

inline unsigned __ballot_sync(unsigned mask, int pred) {
  auto v = tsdp::detail::warp_sync(pred != 0, mask);
  unsigned out = 0;
  for (std::uint32_t m = v.arrived(); m; m &= m - 1) {
    unsigned lane = unsigned(std::countr_zero(m));
    if (v.get(lane)) out |= 1u << lane;
  }
  return out & mask;
}

inline int __any_sync(unsigned mask, int pred) { return __ballot_sync(mask, pred) != 0; }

inline int __all_sync(unsigned mask, int pred) {
  auto v = tsdp::detail::warp_sync(pred != 0, mask);
  for (std::uint32_t m = v.arrived() & mask; m; m &= m - 1)
    if (!v.get(unsigned(std::countr_zero(m)))) return 0;
  return 1;
}

// Lanes of the caller's warp that exist in this block (all of them take part in warp operations).
inline unsigned __activemask() {
  unsigned lin = threadIdx.x + threadIdx.y * blockDim.x + threadIdx.z * blockDim.x * blockDim.y;
  unsigned n = blockDim.x * blockDim.y * blockDim.z;
  unsigned lanes = std::min(32u, n - (lin & ~31u));
  return lanes >= 32 ? 0xFFFFFFFFu : (1u << lanes) - 1;
}

#define TSDP_WARP_REDUCE(NAME, T, INIT, OP)                                            \
  inline T NAME(unsigned mask, T value) {                                             \
    auto v = tsdp::detail::warp_sync(tsdp::detail::to_bits(value), mask);             \
    T acc = INIT;                                                                     \
    for (std::uint32_t m = v.arrived() & mask; m; m &= m - 1) {                       \
      T x = tsdp::detail::from_bits<T>(v.get(unsigned(std::countr_zero(m))));         \
      acc = OP;                                                                       \
    }                                                                                 \
    return acc;                                                                       \
  }
TSDP_WARP_REDUCE(__reduce_add_sync, int, 0, acc + x)
TSDP_WARP_REDUCE(__reduce_add_sync, unsigned, 0u, acc + x)
TSDP_WARP_REDUCE(__reduce_min_sync, int, INT_MAX, std::min(acc, x))
TSDP_WARP_REDUCE(__reduce_min_sync, unsigned, UINT_MAX, std::min(acc, x))
TSDP_WARP_REDUCE(__reduce_max_sync, int, INT_MIN, std::max(acc, x))
TSDP_WARP_REDUCE(__reduce_max_sync, unsigned, 0u, std::max(acc, x))
TSDP_WARP_REDUCE(__reduce_and_sync, unsigned, ~0u, acc & x)
TSDP_WARP_REDUCE(__reduce_or_sync, unsigned, 0u, acc | x)
TSDP_WARP_REDUCE(__reduce_xor_sync, unsigned, 0u, acc ^ x)
#undef TSDP_WARP_REDUCE

// ---- Atomics ---------------------------------------------------------------------------------
// Blocks run concurrently on several OS threads; fibers of one block share an OS thread.
// CUDA atomics are relaxed; std::atomic_ref gives the same on ordinary memory.

namespace tsdp {
namespace detail {
template <class T>
inline std::atomic_ref<T> aref(T* p) {
  return std::atomic_ref<T>(*p);
}
template <class T, class F>
inline T atomic_update(T* p, F f) {
  auto a = aref(p);
  T old = a.load(std::memory_order_relaxed);
  while (!a.compare_exchange_weak(old, f(old), std::memory_order_relaxed)) {
  }
  return old;
}
}  // namespace detail
}  // namespace tsdp

#define TSDP_ATOMIC_FETCH(NAME, T, OP)                                         \
  inline T NAME(T* address, T val) {                                           \
    TSDP_SHIM_COUNT_ATOMIC(address);                                           \
    return tsdp::detail::aref(address).OP(val, std::memory_order_relaxed);     \
  }
TSDP_ATOMIC_FETCH(atomicAdd, int, fetch_add)
TSDP_ATOMIC_FETCH(atomicAdd, unsigned int, fetch_add)
TSDP_ATOMIC_FETCH(atomicAdd, unsigned long long, fetch_add)
TSDP_ATOMIC_FETCH(atomicAdd, float, fetch_add)
TSDP_ATOMIC_FETCH(atomicAdd, double, fetch_add)
TSDP_ATOMIC_FETCH(atomicSub, int, fetch_sub)
TSDP_ATOMIC_FETCH(atomicSub, unsigned int, fetch_sub)
TSDP_ATOMIC_FETCH(atomicAnd, int, fetch_and)
TSDP_ATOMIC_FETCH(atomicAnd, unsigned int, fetch_and)
TSDP_ATOMIC_FETCH(atomicAnd, unsigned long long, fetch_and)
TSDP_ATOMIC_FETCH(atomicOr, int, fetch_or)
TSDP_ATOMIC_FETCH(atomicOr, unsigned int, fetch_or)
TSDP_ATOMIC_FETCH(atomicOr, unsigned long long, fetch_or)
TSDP_ATOMIC_FETCH(atomicXor, int, fetch_xor)
TSDP_ATOMIC_FETCH(atomicXor, unsigned int, fetch_xor)
TSDP_ATOMIC_FETCH(atomicXor, unsigned long long, fetch_xor)
TSDP_ATOMIC_FETCH(atomicExch, int, exchange)
TSDP_ATOMIC_FETCH(atomicExch, unsigned int, exchange)
TSDP_ATOMIC_FETCH(atomicExch, unsigned long long, exchange)
TSDP_ATOMIC_FETCH(atomicExch, float, exchange)
#undef TSDP_ATOMIC_FETCH

#define TSDP_ATOMIC_MINMAX(T)                                                                          \
  inline T atomicMax(T* address, T val) {                                                              \
    TSDP_SHIM_COUNT_ATOMIC(address);                                                                   \
    return tsdp::detail::atomic_update(address, [val](T old) { return old < val ? val : old; });       \
  }                                                                                                    \
  inline T atomicMin(T* address, T val) {                                                              \
    TSDP_SHIM_COUNT_ATOMIC(address);                                                                   \
    return tsdp::detail::atomic_update(address, [val](T old) { return val < old ? val : old; });       \
  }
TSDP_ATOMIC_MINMAX(int)
TSDP_ATOMIC_MINMAX(unsigned int)
TSDP_ATOMIC_MINMAX(long long)
TSDP_ATOMIC_MINMAX(unsigned long long)
#undef TSDP_ATOMIC_MINMAX

#define TSDP_ATOMIC_CAS(T)                                                        \
  inline T atomicCAS(T* address, T compare, T val) {                              \
    TSDP_SHIM_COUNT_ATOMIC(address);                                              \
    tsdp::detail::aref(address).compare_exchange_strong(compare, val, std::memory_order_relaxed); \
    return compare;                                                               \
  }
TSDP_ATOMIC_CAS(int)
TSDP_ATOMIC_CAS(unsigned int)
TSDP_ATOMIC_CAS(unsigned long long)
TSDP_ATOMIC_CAS(unsigned short)
#undef TSDP_ATOMIC_CAS

inline unsigned atomicInc(unsigned* address, unsigned val) {
  TSDP_SHIM_COUNT_ATOMIC(address);
  return tsdp::detail::atomic_update(address, [val](unsigned old) { return old >= val ? 0u : old + 1; });
}
inline unsigned atomicDec(unsigned* address, unsigned val) {
  TSDP_SHIM_COUNT_ATOMIC(address);
  return tsdp::detail::atomic_update(address,
                                     [val](unsigned old) { return (old == 0 || old > val) ? val : old - 1; });
}

// ---- Math and bit intrinsics -----------------------------------------------------------------
// <cmath>/<math.h> provide expf, logf, sqrtf, tanhf, erff, fmaxf, fminf, fabsf, powf, fmaf,
// isfinite, isnan, ... in the global namespace; CUDA's extra names follow.

inline float rsqrtf(float x) { return 1.0f / std::sqrt(x); }
#include "../harness/erfinv.h"  // relative to this header: the shim is used beside the harness
// CUDA's erfinvf: the harness's erf⁻¹ in double (as the reference's erfinv computes it), rounded once to float
inline float erfinvf(float y) { return (float)tsdp_erfinv(y); }
inline double rsqrt(double x) { return 1.0 / std::sqrt(x); }
inline float rcbrtf(float x) { return 1.0f / std::cbrt(x); }
inline float __expf(float x) { return std::exp(x); }
inline float __exp10f(float x) { return std::pow(10.0f, x); }
inline float __logf(float x) { return std::log(x); }
inline float __log2f(float x) { return std::log2(x); }
inline float __log10f(float x) { return std::log10(x); }
inline float __powf(float x, float y) { return std::pow(x, y); }
inline float __sinf(float x) { return std::sin(x); }
inline float __cosf(float x) { return std::cos(x); }
inline float __tanf(float x) { return std::tan(x); }
// cos(πx), sin(πx): CUDA's, within an ulp; computed in double here, where π·x rounds no further
inline float cospif(float x) { return (float)std::cos(3.141592653589793 * (double)x); }
inline float sinpif(float x) { return (float)std::sin(3.141592653589793 * (double)x); }
inline void __sincosf(float x, float* s, float* c) { *s = std::sin(x); *c = std::cos(x); }
inline float __tanhf(float x) { return std::tanh(x); }
inline float __fdividef(float x, float y) { return x / y; }
inline float fdividef(float x, float y) { return x / y; }
inline float __frcp_rn(float x) { return 1.0f / x; }
inline float __fsqrt_rn(float x) { return std::sqrt(x); }
inline float __frsqrt_rn(float x) { return 1.0f / std::sqrt(x); }
inline float __fadd_rn(float x, float y) { return x + y; }
inline float __fsub_rn(float x, float y) { return x - y; }
inline float __fmul_rn(float x, float y) { return x * y; }
inline float __fdiv_rn(float x, float y) { return x / y; }
inline float __fmaf_rn(float x, float y, float z) { return std::fma(x, y, z); }
inline double __fma_rn(double x, double y, double z) { return std::fma(x, y, z); }
inline double __drcp_rn(double x) { return 1.0 / x; }
inline float __saturatef(float x) { return x >= 1.0f ? 1.0f : x > 0.0f ? x : 0.0f; }  // NaN -> 0
inline float normcdff(float x) { return 0.5f * std::erfc(-x * 0.70710678118654752f); }
inline double normcdf(double x) { return 0.5 * std::erfc(-x * 0.70710678118654752); }

inline int __float2int_rn(float x) { return int(std::nearbyint(x)); }
inline int __float2int_rz(float x) { return int(x); }
inline int __float2int_rd(float x) { return int(std::floor(x)); }
inline int __float2int_ru(float x) { return int(std::ceil(x)); }
inline unsigned __float2uint_rn(float x) { return unsigned(std::nearbyint(x)); }
inline long long __float2ll_rn(float x) { return (long long)std::nearbyint(x); }
inline float __int2float_rn(int x) { return float(x); }
inline float __uint2float_rn(unsigned x) { return float(x); }
inline int __double2int_rn(double x) { return int(std::nearbyint(x)); }
inline float __double2float_rn(double x) { return float(x); }
inline float __int_as_float(int x) { return std::bit_cast<float>(x); }
inline int __float_as_int(float x) { return std::bit_cast<int>(x); }
inline unsigned __float_as_uint(float x) { return std::bit_cast<unsigned>(x); }
inline float __uint_as_float(unsigned x) { return std::bit_cast<float>(x); }
inline long long __double_as_longlong(double x) { return std::bit_cast<long long>(x); }
inline double __longlong_as_double(long long x) { return std::bit_cast<double>(x); }

inline int __popc(unsigned x) { return std::popcount(x); }
inline int __popcll(unsigned long long x) { return std::popcount(x); }
inline int __clz(int x) { return std::countl_zero(unsigned(x)); }
inline int __clzll(long long x) { return std::countl_zero((unsigned long long)x); }
inline int __ffs(int x) { return x == 0 ? 0 : std::countr_zero(unsigned(x)) + 1; }
inline int __ffsll(long long x) { return x == 0 ? 0 : std::countr_zero((unsigned long long)x) + 1; }
inline unsigned __brev(unsigned x) {
  x = ((x >> 1) & 0x55555555u) | ((x & 0x55555555u) << 1);
  x = ((x >> 2) & 0x33333333u) | ((x & 0x33333333u) << 2);
  x = ((x >> 4) & 0x0F0F0F0Fu) | ((x & 0x0F0F0F0Fu) << 4);
  x = ((x >> 8) & 0x00FF00FFu) | ((x & 0x00FF00FFu) << 8);
  return (x >> 16) | (x << 16);
}
inline int __mul24(int x, int y) { return int((long long)(x << 8 >> 8) * (y << 8 >> 8)); }
inline unsigned __umul24(unsigned x, unsigned y) { return (x & 0xFFFFFFu) * (y & 0xFFFFFFu); }
inline int __mulhi(int x, int y) { return int(((long long)x * y) >> 32); }
inline unsigned __umulhi(unsigned x, unsigned y) { return unsigned(((unsigned long long)x * y) >> 32); }
namespace tsdp::detail {
__extension__ typedef __int128 i128;
__extension__ typedef unsigned __int128 u128;
}  // namespace tsdp::detail
inline unsigned long long __umul64hi(unsigned long long x, unsigned long long y) {
  return (unsigned long long)((tsdp::detail::u128(x) * y) >> 64);
}
inline long long __mul64hi(long long x, long long y) { return (long long)((tsdp::detail::i128(x) * y) >> 64); }

// min/max for any mix of arithmetic types (usual arithmetic conversions, like CUDA's overloads).
template <class A, class B>
  requires(std::is_arithmetic_v<A> && std::is_arithmetic_v<B>)
inline constexpr std::common_type_t<A, B> min(A a, B b) {
  using C = std::common_type_t<A, B>;
  if constexpr (std::is_floating_point_v<C>) return std::fmin(C(a), C(b));
  else return C(b) < C(a) ? C(b) : C(a);
}
template <class A, class B>
  requires(std::is_arithmetic_v<A> && std::is_arithmetic_v<B>)
inline constexpr std::common_type_t<A, B> max(A a, B b) {
  using C = std::common_type_t<A, B>;
  if constexpr (std::is_floating_point_v<C>) return std::fmax(C(a), C(b));
  else return C(a) < C(b) ? C(b) : C(a);
}

template <class T>
inline T __ldg(const T* p) { return *p; }
template <class T>
inline T __ldcg(const T* p) { return *p; }
template <class T>
inline T __ldcs(const T* p) { return *p; }
template <class T>
inline void __stcg(T* p, T v) { *p = v; }
template <class T>
inline void __stcs(T* p, T v) { *p = v; }

inline long long clock64() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch()).count();
}
inline void __nanosleep(unsigned) {}

// ---- Runtime API: errors ---------------------------------------------------------------------

TSDP_SHIM_RUNTIME_FN const char* cudaGetErrorName(cudaError_t e) {
  switch (e) {
#define TSDP_NAME(x) case x: return #x;
    TSDP_NAME(cudaSuccess) TSDP_NAME(cudaErrorInvalidValue) TSDP_NAME(cudaErrorMemoryAllocation)
    TSDP_NAME(cudaErrorInitializationError) TSDP_NAME(cudaErrorCudartUnloading)
    TSDP_NAME(cudaErrorInvalidConfiguration) TSDP_NAME(cudaErrorInvalidPitchValue)
    TSDP_NAME(cudaErrorInvalidSymbol) TSDP_NAME(cudaErrorInvalidHostPointer)
    TSDP_NAME(cudaErrorInvalidDevicePointer) TSDP_NAME(cudaErrorInvalidMemcpyDirection)
    TSDP_NAME(cudaErrorNotYetImplemented) TSDP_NAME(cudaErrorMissingConfiguration)
    TSDP_NAME(cudaErrorInvalidDeviceFunction) TSDP_NAME(cudaErrorNoDevice) TSDP_NAME(cudaErrorInvalidDevice)
    TSDP_NAME(cudaErrorInvalidKernelImage) TSDP_NAME(cudaErrorPeerAccessUnsupported)
    TSDP_NAME(cudaErrorInvalidResourceHandle) TSDP_NAME(cudaErrorIllegalState) TSDP_NAME(cudaErrorNotReady)
    TSDP_NAME(cudaErrorIllegalAddress) TSDP_NAME(cudaErrorLaunchOutOfResources) TSDP_NAME(cudaErrorMisalignedAddress)
    TSDP_NAME(cudaErrorPeerAccessAlreadyEnabled) TSDP_NAME(cudaErrorPeerAccessNotEnabled)
    TSDP_NAME(cudaErrorLaunchFailure) TSDP_NAME(cudaErrorNotSupported)
    TSDP_NAME(cudaErrorStreamCaptureUnsupported) TSDP_NAME(cudaErrorStreamCaptureInvalidated)
    TSDP_NAME(cudaErrorStreamCaptureUnmatched) TSDP_NAME(cudaErrorStreamCaptureImplicit)
    TSDP_NAME(cudaErrorUnknown)
#undef TSDP_NAME
  }
  return "unrecognized error code";
}

TSDP_SHIM_RUNTIME_FN const char* cudaGetErrorString(cudaError_t e) {
  switch (e) {
    case cudaSuccess: return "no error";
    case cudaErrorInvalidValue: return "invalid argument";
    case cudaErrorMemoryAllocation: return "out of memory";
    case cudaErrorInitializationError: return "initialization error";
    case cudaErrorInvalidConfiguration: return "invalid configuration argument";
    case cudaErrorInvalidSymbol: return "invalid device symbol";
    case cudaErrorInvalidMemcpyDirection: return "invalid copy direction for memcpy";
    case cudaErrorNoDevice: return "no CUDA-capable device is detected";
    case cudaErrorInvalidDevice: return "invalid device ordinal";
    case cudaErrorInvalidResourceHandle: return "invalid resource handle";
    case cudaErrorIllegalState: return "the operation cannot be performed in the present state";
    case cudaErrorNotReady: return "device not ready";
    case cudaErrorLaunchOutOfResources: return "too many resources requested for launch";
    case cudaErrorMisalignedAddress: return "misaligned address";
    case cudaErrorLaunchFailure: return "unspecified launch failure";
    case cudaErrorNotSupported: return "operation not supported";
    case cudaErrorStreamCaptureUnsupported: return "operation not permitted when stream is capturing";
    default: return cudaGetErrorName(e);
  }
}

TSDP_SHIM_RUNTIME_FN cudaError_t cudaGetLastError() {
  cudaError_t e = tsdp::detail::tl_last_error;
  tsdp::detail::tl_last_error = cudaSuccess;
  return e;
}
TSDP_SHIM_RUNTIME_FN cudaError_t cudaPeekAtLastError() { return tsdp::detail::tl_last_error; }

// ---- Runtime API: devices --------------------------------------------------------------------

TSDP_SHIM_RUNTIME_FN cudaError_t cudaGetDeviceCount(int* count) {
  if (!count) return tsdp::detail::fail(cudaErrorInvalidValue);
  *count = tsdp::detail::device_count();
  return *count > 0 ? cudaSuccess : tsdp::detail::fail(cudaErrorNoDevice);
}
TSDP_SHIM_RUNTIME_FN cudaError_t cudaSetDevice(int device) {
  if (device < 0 || device >= tsdp::detail::device_count()) return tsdp::detail::fail(cudaErrorInvalidDevice);
  tsdp::detail::tl_device = device;
  return cudaSuccess;
}
TSDP_SHIM_RUNTIME_FN cudaError_t cudaGetDevice(int* device) {
  if (!device) return tsdp::detail::fail(cudaErrorInvalidValue);
  *device = tsdp::detail::tl_device;
  return cudaSuccess;
}
TSDP_SHIM_RUNTIME_FN cudaError_t cudaDeviceSynchronize() {  // launches are synchronous: only the capture rule
  if (cudaError_t e = tsdp::detail::check_capture_safe("cudaDeviceSynchronize")) return e;
  tsdp::detail::settle_device(tsdp::detail::tl_device, false);
  return cudaSuccess;
}
TSDP_SHIM_RUNTIME_FN cudaError_t cudaDeviceReset() { return cudaSuccess; }
TSDP_SHIM_RUNTIME_FN cudaError_t cudaSetDeviceFlags(unsigned) { return cudaSuccess; }
TSDP_SHIM_RUNTIME_FN cudaError_t cudaDeviceCanAccessPeer(int* can, int device, int peer) {
  if (!can) return tsdp::detail::fail(cudaErrorInvalidValue);
  int n = tsdp::detail::device_count();
  if (device < 0 || device >= n || peer < 0 || peer >= n) return tsdp::detail::fail(cudaErrorInvalidDevice);
  *can = device != peer;
  return cudaSuccess;
}
TSDP_SHIM_RUNTIME_FN cudaError_t cudaDeviceEnablePeerAccess(int peer, unsigned flags) {
  int self = tsdp::detail::tl_device;
  if (peer < 0 || peer >= tsdp::detail::device_count() || peer == self) return tsdp::detail::fail(cudaErrorInvalidDevice);
  if (flags != 0) return tsdp::detail::fail(cudaErrorInvalidValue);
  std::lock_guard<std::mutex> lk(tsdp::detail::allocations().m);
  bool& on = tsdp::detail::allocations().peer[self][peer];
  if (on) return tsdp::detail::fail(cudaErrorPeerAccessAlreadyEnabled);
  on = true;
  return cudaSuccess;
}
TSDP_SHIM_RUNTIME_FN cudaError_t cudaDeviceDisablePeerAccess(int peer) {
  int self = tsdp::detail::tl_device;
  if (peer < 0 || peer >= tsdp::detail::device_count() || peer == self) return tsdp::detail::fail(cudaErrorInvalidDevice);
  std::lock_guard<std::mutex> lk(tsdp::detail::allocations().m);
  bool& on = tsdp::detail::allocations().peer[self][peer];
  if (!on) return tsdp::detail::fail(cudaErrorPeerAccessNotEnabled);
  on = false;
  return cudaSuccess;
}

TSDP_SHIM_RUNTIME_FN cudaError_t cudaGetDeviceProperties(cudaDeviceProp* prop, int device) {
  if (!prop) return tsdp::detail::fail(cudaErrorInvalidValue);
  if (device < 0 || device >= tsdp::detail::device_count()) return tsdp::detail::fail(cudaErrorInvalidDevice);
  std::memset(prop, 0, sizeof *prop);
  std::snprintf(prop->name, sizeof prop->name, "tsdp CPU shim (%u threads)", tsdp::detail::pool_threads());
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  prop->totalGlobalMem = pages > 0 && page > 0 ? std::size_t(pages) * std::size_t(page) : 0;
  prop->sharedMemPerBlock = 48 * 1024;
  prop->sharedMemPerBlockOptin = 227 * 1024;
  prop->sharedMemPerMultiprocessor = 228 * 1024;
  prop->regsPerBlock = 65536;
  prop->warpSize = 32;
  prop->maxThreadsPerBlock = 1024;
  prop->maxThreadsDim[0] = 1024;
  prop->maxThreadsDim[1] = 1024;
  prop->maxThreadsDim[2] = 64;
  prop->maxGridSize[0] = 0x7FFFFFFF;
  prop->maxGridSize[1] = 65535;
  prop->maxGridSize[2] = 65535;
  prop->totalConstMem = 65536;
  prop->major = 8;
  prop->minor = 0;
  prop->multiProcessorCount = int(tsdp::detail::pool_threads());
  prop->l2CacheSize = 1 << 20;
  prop->maxThreadsPerMultiProcessor = 1024;
  prop->memoryBusWidth = 64;
  prop->unifiedAddressing = 1;
  prop->managedMemory = 1;
  prop->concurrentKernels = 1;
  return cudaSuccess;
}

TSDP_SHIM_RUNTIME_FN cudaError_t cudaDeviceGetAttribute(int* value, cudaDeviceAttr attr, int device) {
  cudaDeviceProp p;
  if (!value) return tsdp::detail::fail(cudaErrorInvalidValue);
  if (cudaError_t e = cudaGetDeviceProperties(&p, device)) return e;
  switch (attr) {
    case cudaDevAttrMaxThreadsPerBlock: *value = p.maxThreadsPerBlock; break;
    case cudaDevAttrMaxBlockDimX: *value = p.maxThreadsDim[0]; break;
    case cudaDevAttrMaxBlockDimY: *value = p.maxThreadsDim[1]; break;
    case cudaDevAttrMaxBlockDimZ: *value = p.maxThreadsDim[2]; break;
    case cudaDevAttrMaxGridDimX: *value = p.maxGridSize[0]; break;
    case cudaDevAttrMaxGridDimY: *value = p.maxGridSize[1]; break;
    case cudaDevAttrMaxGridDimZ: *value = p.maxGridSize[2]; break;
    case cudaDevAttrMaxSharedMemoryPerBlock: *value = int(p.sharedMemPerBlock); break;
    case cudaDevAttrMaxSharedMemoryPerBlockOptin: *value = int(p.sharedMemPerBlockOptin); break;
    case cudaDevAttrWarpSize: *value = 32; break;
    case cudaDevAttrMultiProcessorCount: *value = p.multiProcessorCount; break;
    case cudaDevAttrComputeCapabilityMajor: *value = p.major; break;
    case cudaDevAttrComputeCapabilityMinor: *value = p.minor; break;
    default: return tsdp::detail::fail(cudaErrorInvalidValue);
  }
  return cudaSuccess;
}

TSDP_SHIM_RUNTIME_FN cudaError_t cudaFuncSetAttribute(const void* func, cudaFuncAttribute attr, int value) {
  if (attr != cudaFuncAttributeMaxDynamicSharedMemorySize) return func ? cudaSuccess : tsdp::detail::fail(cudaErrorInvalidDeviceFunction);
  if (cudaError_t e = tsdp::detail::set_dynamic_shared_limit(func, value))
    return tsdp::detail::refuse(e, "cudaFuncSetAttribute", "MaxDynamicSharedMemorySize must be between 0 and 227 KB");
  return cudaSuccess;
}
template <class T>
inline cudaError_t cudaFuncSetAttribute(T* func, cudaFuncAttribute attr, int value) {
  return cudaFuncSetAttribute(reinterpret_cast<const void*>(func), attr, value);
}

// ---- Runtime API: memory ---------------------------------------------------------------------

TSDP_SHIM_RUNTIME_FN cudaError_t cudaMalloc(void** devPtr, std::size_t size) {
  if (cudaError_t e = tsdp::detail::check_capture_safe("cudaMalloc")) return e;
  cudaError_t e = tsdp::detail::host_alloc(devPtr, size);
  if (e == cudaSuccess) tsdp::detail::record_allocation(*devPtr, size, tsdp::detail::tl_device);
  return e;
}
TSDP_SHIM_RUNTIME_FN cudaError_t cudaMallocHost(void** ptr, std::size_t size) {
  if (cudaError_t e = tsdp::detail::check_capture_safe("cudaMallocHost")) return e;
  cudaError_t e = tsdp::detail::host_alloc(ptr, size);
  if (e == cudaSuccess && *ptr) tsdp::detail::pin(*ptr, size);
  return e;
}
TSDP_SHIM_RUNTIME_FN cudaError_t cudaHostAlloc(void** ptr, std::size_t size, unsigned /*flags*/) {
  return cudaMallocHost(ptr, size);
}
TSDP_SHIM_RUNTIME_FN cudaError_t cudaMallocManaged(void** ptr, std::size_t size, unsigned /*flags*/ = 1) {
  cudaError_t e = tsdp::detail::host_alloc(ptr, size);
  if (e == cudaSuccess) tsdp::detail::record_allocation(*ptr, size, -1);
  return e;
}
template <class T>
inline cudaError_t cudaMalloc(T** devPtr, std::size_t size) {
  return cudaMalloc(reinterpret_cast<void**>(devPtr), size);
}
template <class T>
inline cudaError_t cudaMallocHost(T** ptr, std::size_t size) {
  return cudaMallocHost(reinterpret_cast<void**>(ptr), size);
}
template <class T>
inline cudaError_t cudaHostAlloc(T** ptr, std::size_t size, unsigned flags) {
  return cudaHostAlloc(reinterpret_cast<void**>(ptr), size, flags);
}
template <class T>
inline cudaError_t cudaMallocManaged(T** ptr, std::size_t size, unsigned flags = 1) {
  return cudaMallocManaged(reinterpret_cast<void**>(ptr), size, flags);
}
TSDP_SHIM_RUNTIME_FN cudaError_t cudaFree(void* devPtr) {
  if (cudaError_t e = tsdp::detail::check_capture_safe("cudaFree")) return e;
  // cudaFree waits for the device; work elsewhere that still used the memory is the caller's bug.
  tsdp::detail::settle_device(tsdp::detail::tl_device, false);
  if (devPtr) tsdp::detail::forget_unwaited(devPtr);
  if (devPtr && !tsdp::detail::forget_allocation(devPtr))
    return tsdp::detail::refuse(cudaErrorInvalidValue, "cudaFree", "cudaFree takes a pointer cudaMalloc or cudaMallocManaged returned, once");
  std::free(devPtr);
  return cudaSuccess;
}
TSDP_SHIM_RUNTIME_FN cudaError_t cudaFreeHost(void* ptr) {
  if (cudaError_t e = tsdp::detail::check_capture_safe("cudaFreeHost")) return e;
  tsdp::detail::unpin(ptr);
  std::free(ptr);
  return cudaSuccess;
}
TSDP_SHIM_RUNTIME_FN cudaError_t cudaHostRegister(void* ptr, std::size_t size, unsigned) {
  if (!ptr || size == 0) return tsdp::detail::fail(cudaErrorInvalidValue);
  tsdp::detail::pin(ptr, size);
  return cudaSuccess;
}
TSDP_SHIM_RUNTIME_FN cudaError_t cudaHostUnregister(void* ptr) {
  tsdp::detail::unpin(ptr);
  return cudaSuccess;
}
TSDP_SHIM_RUNTIME_FN cudaError_t cudaHostGetDevicePointer(void** pDevice, void* pHost, unsigned) {
  if (!pDevice) return tsdp::detail::fail(cudaErrorInvalidValue);
  *pDevice = pHost;
  return cudaSuccess;
}
TSDP_SHIM_RUNTIME_FN cudaError_t cudaMemGetInfo(std::size_t* freeBytes, std::size_t* totalBytes) {
  long page = sysconf(_SC_PAGE_SIZE), total = sysconf(_SC_PHYS_PAGES), avail = sysconf(_SC_AVPHYS_PAGES);
  if (freeBytes) *freeBytes = avail > 0 && page > 0 ? std::size_t(avail) * std::size_t(page) : 0;
  if (totalBytes) *totalBytes = total > 0 && page > 0 ? std::size_t(total) * std::size_t(page) : 0;
  return cudaSuccess;
}

TSDP_SHIM_RUNTIME_FN cudaError_t cudaMemcpyAsync(void* dst, const void* src, std::size_t count, cudaMemcpyKind kind,
                                   cudaStream_t stream = 0) {
  if (!tsdp::detail::valid_kind(kind)) return tsdp::detail::fail(cudaErrorInvalidMemcpyDirection);
  if (count == 0) return cudaSuccess;
  if (!dst || !src) return tsdp::detail::fail(cudaErrorInvalidValue);
  if (tsdp::detail::capturing(stream) &&
      ((kind == cudaMemcpyHostToDevice && !tsdp::detail::is_pinned(src, count)) ||
       (kind == cudaMemcpyDeviceToHost && !tsdp::detail::is_pinned(dst, count))))
    return tsdp::detail::refuse(cudaErrorStreamCaptureUnsupported, "cudaMemcpyAsync",
                                "a captured copy from or to the host needs page-locked memory (cudaMallocHost or cudaHostRegister)");
  tsdp::detail::note_pointers(stream, {dst, src});
  return tsdp::detail::stream_op(stream, [dst, src, count] { std::memmove(dst, src, count); }, "cudaMemcpyAsync");
}
TSDP_SHIM_RUNTIME_FN cudaError_t cudaMemcpy(void* dst, const void* src, std::size_t count, cudaMemcpyKind kind) {
  if (!tsdp::detail::valid_kind(kind)) return tsdp::detail::fail(cudaErrorInvalidMemcpyDirection);
  if (count == 0) return cudaSuccess;
  if (!dst || !src) return tsdp::detail::fail(cudaErrorInvalidValue);
  if (cudaError_t e = tsdp::detail::check_capture_safe("cudaMemcpy", cudaErrorStreamCaptureImplicit)) return e;
  tsdp::detail::check_synchronous("cudaMemcpy", dst, src);
  std::memmove(dst, src, count);
  return cudaSuccess;
}
TSDP_SHIM_RUNTIME_FN cudaError_t cudaMemcpy2DAsync(void* dst, std::size_t dpitch, const void* src, std::size_t spitch,
                                     std::size_t width, std::size_t height, cudaMemcpyKind kind,
                                     cudaStream_t stream = 0) {
  if (!tsdp::detail::valid_kind(kind)) return tsdp::detail::fail(cudaErrorInvalidMemcpyDirection);
  if (width > dpitch || width > spitch) return tsdp::detail::fail(cudaErrorInvalidPitchValue);
  if (width == 0 || height == 0) return cudaSuccess;
  if (!dst || !src) return tsdp::detail::fail(cudaErrorInvalidValue);
  tsdp::detail::note_pointers(stream, {dst, src});
  return tsdp::detail::stream_op(stream, [=] {
    for (std::size_t r = 0; r < height; ++r)
      std::memmove(static_cast<char*>(dst) + r * dpitch, static_cast<const char*>(src) + r * spitch, width);
  });
}
TSDP_SHIM_RUNTIME_FN cudaError_t cudaMemcpy2D(void* dst, std::size_t dpitch, const void* src, std::size_t spitch,
                                std::size_t width, std::size_t height, cudaMemcpyKind kind) {
  if (dst && src && width && height) tsdp::detail::check_synchronous("cudaMemcpy2D", dst, src);
  return cudaMemcpy2DAsync(dst, dpitch, src, spitch, width, height, kind, 0);
}
TSDP_SHIM_RUNTIME_FN cudaError_t cudaMemcpyPeerAsync(void* dst, int, const void* src, int, std::size_t count,
                                       cudaStream_t stream = 0) {
  return cudaMemcpyAsync(dst, src, count, cudaMemcpyDeviceToDevice, stream);
}
TSDP_SHIM_RUNTIME_FN cudaError_t cudaMemcpyPeer(void* dst, int, const void* src, int, std::size_t count) {
  return cudaMemcpy(dst, src, count, cudaMemcpyDeviceToDevice);
}
TSDP_SHIM_RUNTIME_FN cudaError_t cudaMemsetAsync(void* devPtr, int value, std::size_t count, cudaStream_t stream = 0) {
  if (count == 0) return cudaSuccess;
  if (!devPtr) return tsdp::detail::fail(cudaErrorInvalidValue);
  tsdp::detail::note_pointers(stream, {devPtr});
  return tsdp::detail::stream_op(stream, [devPtr, value, count] { std::memset(devPtr, value, count); }, "cudaMemsetAsync");
}
TSDP_SHIM_RUNTIME_FN cudaError_t cudaMemset(void* devPtr, int value, std::size_t count) {
  if (count == 0) return cudaSuccess;
  if (!devPtr) return tsdp::detail::fail(cudaErrorInvalidValue);
  if (cudaError_t e = tsdp::detail::check_capture_safe("cudaMemset", cudaErrorStreamCaptureImplicit)) return e;
  tsdp::detail::check_synchronous("cudaMemset", devPtr, nullptr);
  std::memset(devPtr, value, count);
  return cudaSuccess;
}
// __device__ / __constant__ variables are ordinary globals here.
template <class T>
inline cudaError_t cudaMemcpyToSymbol(T& symbol, const void* src, std::size_t count, std::size_t offset = 0,
                                      cudaMemcpyKind kind = cudaMemcpyHostToDevice) {
  if (offset + count > sizeof(T)) return tsdp::detail::fail(cudaErrorInvalidValue);
  return cudaMemcpy(reinterpret_cast<char*>(&symbol) + offset, src, count, kind);
}
template <class T>
inline cudaError_t cudaMemcpyFromSymbol(void* dst, const T& symbol, std::size_t count, std::size_t offset = 0,
                                        cudaMemcpyKind kind = cudaMemcpyDeviceToHost) {
  if (offset + count > sizeof(T)) return tsdp::detail::fail(cudaErrorInvalidValue);
  return cudaMemcpy(dst, reinterpret_cast<const char*>(&symbol) + offset, count, kind);
}
TSDP_SHIM_RUNTIME_FN cudaError_t cudaMallocAsync(void** ptr, std::size_t size, cudaStream_t stream) {
  if (tsdp::detail::capturing(stream)) return tsdp::detail::fail(cudaErrorStreamCaptureUnsupported);
  return tsdp::detail::host_alloc(ptr, size);
}
template <class T>
inline cudaError_t cudaMallocAsync(T** ptr, std::size_t size, cudaStream_t stream) {
  return cudaMallocAsync(reinterpret_cast<void**>(ptr), size, stream);
}
TSDP_SHIM_RUNTIME_FN cudaError_t cudaFreeAsync(void* ptr, cudaStream_t stream) {
  if (tsdp::detail::capturing(stream)) return tsdp::detail::fail(cudaErrorStreamCaptureUnsupported);
  std::free(ptr);
  return cudaSuccess;
}

// ---- Runtime API: streams and events ---------------------------------------------------------

TSDP_SHIM_RUNTIME_FN cudaError_t cudaStreamCreateWithFlags(cudaStream_t* stream, unsigned flags) {
  if (!stream) return tsdp::detail::fail(cudaErrorInvalidValue);
  *stream = new (std::nothrow) CUstream_st();
  if (!*stream) return tsdp::detail::fail(cudaErrorMemoryAllocation);
  (*stream)->flags = flags;
  (*stream)->device = tsdp::detail::tl_device;
  tsdp::detail::stream_created(*stream);
  return cudaSuccess;
}
TSDP_SHIM_RUNTIME_FN cudaError_t cudaStreamCreate(cudaStream_t* stream) { return cudaStreamCreateWithFlags(stream, 0); }
TSDP_SHIM_RUNTIME_FN cudaError_t cudaStreamCreateWithPriority(cudaStream_t* stream, unsigned flags, int) {
  return cudaStreamCreateWithFlags(stream, flags);
}
TSDP_SHIM_RUNTIME_FN cudaError_t cudaStreamDestroy(cudaStream_t stream) {
  if (reinterpret_cast<std::uintptr_t>(stream) <= 2) return tsdp::detail::fail(cudaErrorInvalidResourceHandle);
  tsdp::detail::stream_destroyed(stream);
  delete stream;
  return cudaSuccess;
}
TSDP_SHIM_RUNTIME_FN cudaError_t cudaStreamSynchronize(cudaStream_t stream) {
  if (tsdp::detail::capturing(stream)) return tsdp::detail::fail(cudaErrorStreamCaptureUnsupported);
  if (cudaError_t e = tsdp::detail::check_capture_safe("cudaStreamSynchronize")) return e;
  if (tsdp::detail::is_special(stream)) tsdp::detail::settle_device(tsdp::detail::tl_device, true);
  else tsdp::detail::settle(stream);
  return cudaSuccess;
}
TSDP_SHIM_RUNTIME_FN cudaError_t cudaStreamQuery(cudaStream_t stream) {  // everything has completed by now
  if (!tsdp::detail::is_special(stream)) tsdp::detail::settle(stream);
  return cudaSuccess;
}

TSDP_SHIM_RUNTIME_FN cudaError_t cudaEventCreateWithFlags(cudaEvent_t* event, unsigned flags) {
  if (!event) return tsdp::detail::fail(cudaErrorInvalidValue);
  *event = new (std::nothrow) CUevent_st();
  if (!*event) return tsdp::detail::fail(cudaErrorMemoryAllocation);
  (*event)->flags = flags;
  (*event)->device = tsdp::detail::tl_device;
  return cudaSuccess;
}
TSDP_SHIM_RUNTIME_FN cudaError_t cudaEventCreate(cudaEvent_t* event) { return cudaEventCreateWithFlags(event, 0); }
TSDP_SHIM_RUNTIME_FN cudaError_t cudaEventDestroy(cudaEvent_t event) {
  if (!event) return tsdp::detail::fail(cudaErrorInvalidResourceHandle);
  delete event;
  return cudaSuccess;
}
TSDP_SHIM_RUNTIME_FN cudaError_t cudaEventRecord(cudaEvent_t event, cudaStream_t stream = 0) {
  if (!event) return tsdp::detail::fail(cudaErrorInvalidResourceHandle);
  if (event->device != tsdp::detail::stream_device(stream))
    return tsdp::detail::refuse(cudaErrorInvalidResourceHandle, "cudaEventRecord",
                                "an event is recorded only into a stream of the device it was created on");
  if (CUgraph_st* g = tsdp::detail::capturing(stream)) {
    event->capture = g;  // lets other streams join the capture via cudaStreamWaitEvent
    return cudaSuccess;
  }
  event->capture = nullptr;
  event->recorded = true;
  event->stream = tsdp::detail::is_special(stream) ? nullptr : stream;
  event->seq = event->stream ? tsdp::detail::stream_seq(stream) : 0;
  event->time = std::chrono::steady_clock::now();
  return cudaSuccess;
}
TSDP_SHIM_RUNTIME_FN cudaError_t cudaEventRecordWithFlags(cudaEvent_t event, cudaStream_t stream = 0, unsigned = 0) {
  return cudaEventRecord(event, stream);
}
TSDP_SHIM_RUNTIME_FN cudaError_t cudaEventSynchronize(cudaEvent_t event) {
  if (!event) return tsdp::detail::fail(cudaErrorInvalidResourceHandle);
  if (cudaError_t e = tsdp::detail::check_capture_safe("cudaEventSynchronize")) return e;
  tsdp::detail::settle_event(event);
  return cudaSuccess;
}
TSDP_SHIM_RUNTIME_FN cudaError_t cudaEventQuery(cudaEvent_t event) {
  if (!event) return tsdp::detail::fail(cudaErrorInvalidResourceHandle);
  tsdp::detail::settle_event(event);
  return cudaSuccess;
}
TSDP_SHIM_RUNTIME_FN cudaError_t cudaEventElapsedTime(float* ms, cudaEvent_t start, cudaEvent_t end) {
  if (!ms) return tsdp::detail::fail(cudaErrorInvalidValue);
  if (start && end && start->device != end->device)
    return tsdp::detail::refuse(cudaErrorInvalidResourceHandle, "cudaEventElapsedTime", "both events must belong to the same device");
  if (!start || !end || !start->recorded || !end->recorded || (start->flags & cudaEventDisableTiming) ||
      (end->flags & cudaEventDisableTiming))
    return tsdp::detail::fail(cudaErrorInvalidResourceHandle);
  *ms = std::chrono::duration<float, std::milli>(end->time - start->time).count();
  return cudaSuccess;
}
TSDP_SHIM_RUNTIME_FN cudaError_t cudaStreamWaitEvent(cudaStream_t stream, cudaEvent_t event, unsigned /*flags*/ = 0) {
  if (!event) return tsdp::detail::fail(cudaErrorInvalidResourceHandle);
  CUgraph_st* g = event->capture;
  if (g && reinterpret_cast<std::uintptr_t>(stream) > 2 && !stream->capture) {
    stream->capture = g;  // fork: the stream joins the capture (nodes run in program order)
    g->streams.push_back(stream);
  }
  if (!g && event->stream) tsdp::detail::note_stream_wait(stream, event->stream, event->seq);
  return cudaSuccess;
}
TSDP_SHIM_RUNTIME_FN cudaError_t cudaLaunchHostFunc(cudaStream_t stream, cudaHostFn_t fn, void* userData) {
  if (!fn) return tsdp::detail::fail(cudaErrorInvalidValue);
  return tsdp::detail::stream_op(stream, [fn, userData] { fn(userData); });
}

// ---- Runtime API: graphs ---------------------------------------------------------------------

TSDP_SHIM_RUNTIME_FN cudaError_t cudaStreamBeginCapture(cudaStream_t stream, cudaStreamCaptureMode mode) {
  if (reinterpret_cast<std::uintptr_t>(stream) <= 2) return tsdp::detail::fail(cudaErrorStreamCaptureUnsupported);
  if (stream->capture) return tsdp::detail::fail(cudaErrorIllegalState);
  auto* g = new (std::nothrow) CUgraph_st();
  if (!g) return tsdp::detail::fail(cudaErrorMemoryAllocation);
  g->streams.push_back(stream);
  g->mode = int(mode);
  g->owner = std::this_thread::get_id();
  stream->capture = g;
  tsdp::detail::capture_opened(g);
  return cudaSuccess;
}
TSDP_SHIM_RUNTIME_FN cudaError_t cudaStreamEndCapture(cudaStream_t stream, cudaGraph_t* graph) {
  if (!graph) return tsdp::detail::fail(cudaErrorInvalidValue);
  CUgraph_st* g = tsdp::detail::capturing(stream);
  if (!g) return tsdp::detail::fail(cudaErrorIllegalState);
  for (CUstream_st* s : g->streams) s->capture = nullptr;
  g->streams.clear();
  tsdp::detail::capture_closed(g);
  if (g->invalidated) {
    delete g;
    *graph = nullptr;
    return tsdp::detail::fail(cudaErrorStreamCaptureInvalidated);
  }
  *graph = g;
  return cudaSuccess;
}
TSDP_SHIM_RUNTIME_FN cudaError_t cudaStreamIsCapturing(cudaStream_t stream, cudaStreamCaptureStatus* status) {
  if (!status) return tsdp::detail::fail(cudaErrorInvalidValue);
  *status = tsdp::detail::capturing(stream) ? cudaStreamCaptureStatusActive : cudaStreamCaptureStatusNone;
  return cudaSuccess;
}
TSDP_SHIM_RUNTIME_FN cudaError_t cudaGraphCreate(cudaGraph_t* graph, unsigned /*flags*/) {
  if (!graph) return tsdp::detail::fail(cudaErrorInvalidValue);
  *graph = new (std::nothrow) CUgraph_st();
  return *graph ? cudaSuccess : tsdp::detail::fail(cudaErrorMemoryAllocation);
}
TSDP_SHIM_RUNTIME_FN cudaError_t cudaGraphInstantiate(cudaGraphExec_t* exec, cudaGraph_t graph, unsigned long long /*flags*/ = 0) {
  if (!exec || !graph) return tsdp::detail::fail(cudaErrorInvalidValue);
  auto* e = new (std::nothrow) CUgraphExec_st();
  if (!e) return tsdp::detail::fail(cudaErrorMemoryAllocation);
  e->nodes = graph->nodes;
  e->touched = graph->touched;
  *exec = e;
  return cudaSuccess;
}
TSDP_SHIM_RUNTIME_FN cudaError_t cudaGraphInstantiateWithFlags(cudaGraphExec_t* exec, cudaGraph_t graph,
                                                 unsigned long long flags = 0) {
  return cudaGraphInstantiate(exec, graph, flags);
}
TSDP_SHIM_RUNTIME_FN cudaError_t cudaGraphLaunch(cudaGraphExec_t exec, cudaStream_t stream) {
  if (!exec) return tsdp::detail::fail(cudaErrorInvalidResourceHandle);
  if (CUgraph_st* g = tsdp::detail::capturing(stream)) {
    g->nodes.insert(g->nodes.end(), exec->nodes.begin(), exec->nodes.end());
    g->touched.insert(g->touched.end(), exec->touched.begin(), exec->touched.end());
    return cudaSuccess;
  }
  tsdp::detail::note_work(stream, exec->touched.data(), exec->touched.size());
  for (auto& node : exec->nodes) node();
  return cudaSuccess;
}
TSDP_SHIM_RUNTIME_FN cudaError_t cudaGraphExecDestroy(cudaGraphExec_t exec) {
  delete exec;
  return cudaSuccess;
}
TSDP_SHIM_RUNTIME_FN cudaError_t cudaGraphDestroy(cudaGraph_t graph) {
  delete graph;
  return cudaSuccess;
}

#ifdef TSDP_SHIM_COUNTERS
#include "counters.h"
#endif

#endif  // TSDP_CUDA_SHIM
