// counters.h — what a GPU profiler would count, measured on the CPU target (TSDP_SHIM_COUNTERS).
//
// Included by cuda_shim.h (at its end) only in counter builds:
//
//   g++ -std=c++20 -O2 -fno-tree-vectorize -fno-tree-sra -fsanitize=thread
//       --param tsan-instrument-func-entry-exit=0 -DTSDP_SHIM_COUNTERS=1 -include cuda_shim.h -c k.cu
//   g++ -shared|-o ... k.o        (linked WITHOUT -fsanitize=thread: no libtsan)
//
// How. The generated CUDA is not changed. GCC's ThreadSanitizer instrumentation puts a call before
// every load and store the compiler emits (__tsan_read4(addr), __tsan_write16(addr), ...,
// __tsan_atomic32_fetch_add(...)); this header defines those entry points itself instead of
// linking libtsan. Atomics keep real atomic semantics (seq_cst, stronger than asked). While an OS
// thread runs a kernel's blocks it counts; every other access (the harness, the shim's own
// bookkeeping, Node) returns after one thread-local test. An access counts when its address is in
// shared memory (the `__shared__` statics, which a counter build places in the section
// "tsdp_shared", or the launch's dynamic shared buffer) or in a device allocation (the shim's
// allocation registry); the rest — locals on fiber stacks, i.e. registers — is ignored.
// Counter builds run blocks one at a time (TSDP_SHIM_SERIAL_BLOCKS), so a `__shared__` array has
// one address range and the counters need no locks on the kernel's path.
//
// Warp instructions. Each CUDA thread logs its shared and global accesses (address and size, by
// kind: shared load/store/atomic, global load/store/atomic) since the last __syncthreads. When a
// barrier releases the block, and when the block ends, each warp (32 consecutive linear thread ids)
// is grouped by (kind, n): the n-th access of that kind of each lane is one warp-level request.
// This is exact when the control flow that leads to memory instructions is warp-uniform; where
// lanes diverge (a guarded tail, a data-dependent loop), lanes are matched by count, not by
// instruction, so the per-request numbers are approximate there (totals of bytes stay exact).
//
// Shared memory (Volta and later): 32 banks of 4 bytes. A request is processed in phases: accesses
// of up to 4 bytes by the whole warp in one; 8-byte accesses in 2 (lanes 0-15, 16-31); 16-byte in 4
// (8 lanes each). A phase takes as many wavefronts as the most distinct 4-byte words any one bank
// holds among its lanes' accesses (the same word for several lanes is a broadcast, no conflict).
//   shared.requests        warp-level shared instructions (loads, stores, atomics)
//   shared.wavefronts      sum of the wavefronts of each request
//   shared.idealWavefronts sum of the phases each request has lanes in (its conflict-free count)
//   bank conflicts = wavefronts - idealWavefronts (ncu: l1tex__data_bank_conflicts_pipe_lsu_mem_shared)
// Not modelled: the CC 7.x packing of uniform 128-bit loads into fewer wavefronts.
//
// Global memory: 32-byte sectors.
//   *Requests              warp-level global instructions (atomics count as stores)
//   *Sectors               distinct 32-byte sectors each request touches, summed
//   *IdealSectors          ceil(distinct bytes of the request / 32), summed: the fewest it could take
//   bytesRead / bytesWritten       sectors x 32, summed: what L2 serves
//   uniqueBytesRead / uniqueBytesWritten  distinct bytes the launch read / wrote: what DRAM would
//                          move with a perfect cache
//
// What the CPU compiler emits is what is counted, so the counter flavor compiles with
// -fno-tree-vectorize (GCC would otherwise merge a thread's adjacent scalar accesses into vector
// accesses that nvcc does not make) and -fno-tree-sra (which keeps a float4 copy from memory one
// 16-byte access, like LDS.128/LDG.128, instead of four scalar ones). Residual differences from
// nvcc: loads GCC keeps in registers or reloads differently (e.g. a value read twice where nvcc
// caches it), and sizes over 16 bytes (struct copies GCC makes with __tsan_read_range), which are
// counted as one access of that size. test/shim/counters.cu checks the known answers.
//
// Output: per launch, in launch order: the kernel's name (as spelled at the launch, without
// namespace and parentheses), grid, block and the counters above. The library exports
//   const char* tsdp_shim_counters_json()   {"version":1,"launches":[...]} (valid until the next call)
//   void tsdp_shim_counters_reset()         forgets the launches so far
// and with TSDP_SHIM_COUNTERS=/path.json in the environment writes that JSON there at exit.
// `tsdp counters model.ts` (compiler/counters.ts) adds the model, batch and program.

#pragma once
#include <string>
#include <unordered_map>

namespace tsdp {
namespace counters {

enum Kind : unsigned { kSharedLoad, kSharedStore, kSharedAtomic, kGlobalLoad, kGlobalStore, kGlobalAtomic, kKinds };

struct Launch {
  std::string kernel;
  dim3 grid, block;
  std::uint64_t sharedRequests = 0, wavefronts = 0, idealWavefronts = 0;
  std::uint64_t loadRequests = 0, loadSectors = 0, loadIdealSectors = 0;
  std::uint64_t storeRequests = 0, storeSectors = 0, storeIdealSectors = 0;
  std::uint64_t uniqueBytesRead = 0, uniqueBytesWritten = 0;
};

// An access in a thread's log: address (48 bits: user space on x86-64 and AArch64) and size.
constexpr unsigned kAddressBits = 48;
inline std::uint64_t pack(std::uintptr_t a, std::size_t size) {
  return std::uint64_t(a) | (std::uint64_t(std::min<std::size_t>(size, 0xFFFF)) << kAddressBits);
}
inline std::uintptr_t address_of(std::uint64_t e) { return std::uintptr_t(e & ((std::uint64_t(1) << kAddressBits) - 1)); }
inline unsigned size_of(std::uint64_t e) { return unsigned(e >> kAddressBits); }

struct State {
  std::mutex m;                  // launches, for a reader on another thread
  std::vector<Launch> launches;
  std::string json;              // the last tsdp_shim_counters_json() answer
  bool in_launch = false;
  // the launch in progress: bytes touched, as a byte mask per 32-byte sector
  std::unordered_map<std::uint64_t, std::uint32_t> read, written;
  // the block in progress: each thread's accesses since the last barrier, by kind
  std::vector<std::uint64_t> log[tsdp::detail::kMaxThreads][kKinds];
  unsigned threads = 0;
  std::uintptr_t dyn_lo = 0, dyn_hi = 0;      // the launch's dynamic shared memory
  std::uintptr_t alloc_lo = 0, alloc_hi = 0;  // the device allocation last hit (most accesses hit it again)
};
inline State& state() {
  static State* s = new State();  // never destroyed: kernels may run during exit
  return *s;
}

// Set while this OS thread runs a kernel's blocks and not inside the bookkeeping below (which is
// instrumented code too).
__attribute__((visibility("hidden"))) inline thread_local bool tl_counting = false;

/** Clears tl_counting for a scope: the bookkeeping's own accesses are not the kernel's. */
struct Paused {
  bool was;
  __attribute__((no_sanitize_thread)) Paused() : was(tl_counting) { tl_counting = false; }
  __attribute__((no_sanitize_thread)) ~Paused() { tl_counting = was; }
};

extern "C" __attribute__((weak, visibility("hidden"))) char __start_tsdp_shared[];
extern "C" __attribute__((weak, visibility("hidden"))) char __stop_tsdp_shared[];

inline bool in_static_shared(std::uintptr_t a) {
  return a >= reinterpret_cast<std::uintptr_t>(__start_tsdp_shared) && a < reinterpret_cast<std::uintptr_t>(__stop_tsdp_shared);
}

/** Logs one access of the current CUDA thread (called from the instrumentation). */
__attribute__((no_sanitize_thread, noinline)) inline void record(const volatile void* p, std::size_t size, int op) {
  if (!tl_counting) return;
  tl_counting = false;
  State& s = state();
  const auto a = reinterpret_cast<std::uintptr_t>(p);
  int space = -1;  // 0 shared, 1 global
  if (in_static_shared(a) || (a >= s.dyn_lo && a < s.dyn_hi)) space = 0;
  else if (a >= s.alloc_lo && a < s.alloc_hi) space = 1;
  else if (const auto ref = tsdp::detail::find_allocation(const_cast<const void*>(p)); ref.start != 0) {
    space = 1;
    s.alloc_lo = ref.start;
    s.alloc_hi = ref.end;
  }
  if (space >= 0) {
    const unsigned lin = ::threadIdx.x + ::blockDim.x * (::threadIdx.y + ::blockDim.y * ::threadIdx.z);
    if (lin < s.threads) s.log[lin][unsigned(space) * 3 + unsigned(op)].push_back(pack(a, size));
  }
  tl_counting = true;
}

// ---- One warp-level request --------------------------------------------------------------------

/** Wavefronts of a shared-memory request (its lanes' accesses, by lane; 0 = inactive lane). */
inline void shared_request(Launch& l, const std::uint64_t* lane, unsigned lanes) {
  unsigned size = 0;
  for (unsigned i = 0; i < lanes; ++i) size = std::max(size, size_of(lane[i]));
  const unsigned per_phase = size <= 4 ? 32 : size <= 8 ? 16 : 8;
  ++l.sharedRequests;
  for (unsigned p0 = 0; p0 < lanes; p0 += per_phase) {
    std::uint64_t words[32 * 4 + 32];
    unsigned n = 0;
    for (unsigned i = p0; i < std::min(lanes, p0 + per_phase); ++i) {
      if (!lane[i]) continue;
      const std::uintptr_t a = address_of(lane[i]), last = a + std::max(1u, size_of(lane[i])) - 1;
      for (std::uintptr_t w = a >> 2; w <= last >> 2 && n < std::size(words); ++w) words[n++] = w;
    }
    if (n == 0) continue;
    std::sort(words, words + n);
    n = unsigned(std::unique(words, words + n) - words);
    unsigned per_bank[32] = {};
    unsigned most = 0;
    for (unsigned i = 0; i < n; ++i) most = std::max(most, ++per_bank[words[i] & 31]);
    l.wavefronts += most;
    l.idealWavefronts += 1;
  }
}

/** Marks bytes [a, a + n) in a sector → byte-mask map. */
inline void touch(std::unordered_map<std::uint64_t, std::uint32_t>& bytes, std::uintptr_t a, std::size_t n) {
  for (std::uintptr_t b = a; b < a + n;) {
    const std::uintptr_t sector = b >> 5, end = std::min<std::uintptr_t>(a + n, (sector + 1) << 5);
    const unsigned lo = unsigned(b & 31), count = unsigned(end - b);
    bytes[sector] |= (count == 32 ? ~0u : ((1u << count) - 1u) << lo);
    b = end;
  }
}

/** Sectors of a global-memory request. */
inline void global_request(Launch& l, State& s, const std::uint64_t* lane, unsigned lanes, bool load) {
  std::pair<std::uintptr_t, std::uintptr_t> range[32];  // [start, end) per active lane
  std::uint64_t sectors[64 + 32];
  unsigned nr = 0, ns = 0;
  for (unsigned i = 0; i < lanes; ++i) {
    if (!lane[i]) continue;
    const std::uintptr_t a = address_of(lane[i]), end = a + std::max(1u, size_of(lane[i]));
    range[nr++] = {a, end};
    for (std::uintptr_t sec = a >> 5; sec <= (end - 1) >> 5 && ns < std::size(sectors); ++sec) sectors[ns++] = sec;
    touch(load ? s.read : s.written, a, end - a);
  }
  std::sort(sectors, sectors + ns);
  ns = unsigned(std::unique(sectors, sectors + ns) - sectors);
  std::sort(range, range + nr);
  std::uint64_t bytes = 0;
  std::uintptr_t covered = 0;  // ranges are merged as they are summed
  for (unsigned i = 0; i < nr; ++i) {
    const std::uintptr_t from = std::max(range[i].first, covered);
    if (range[i].second > from) bytes += range[i].second - from;
    covered = std::max(covered, range[i].second);
  }
  (load ? l.loadRequests : l.storeRequests) += 1;
  (load ? l.loadSectors : l.storeSectors) += ns;
  (load ? l.loadIdealSectors : l.storeIdealSectors) += (bytes + 31) / 32;
}

// ---- Hooks called by the shim ----------------------------------------------------------------

/** A barrier released the block, or the block ended: turn the threads' logs into warp requests. */
inline void flush() {
  State& s = state();
  if (!s.in_launch || s.launches.empty()) return;
  Paused quiet;
  Launch& l = s.launches.back();
  std::uint64_t lane[32];
  for (unsigned w0 = 0; w0 < s.threads; w0 += 32) {
    const unsigned lanes = std::min(32u, s.threads - w0);
    for (unsigned k = 0; k < kKinds; ++k) {
      std::size_t most = 0;
      for (unsigned i = 0; i < lanes; ++i) most = std::max(most, s.log[w0 + i][k].size());
      for (std::size_t n = 0; n < most; ++n) {
        for (unsigned i = 0; i < lanes; ++i) {
          const auto& log = s.log[w0 + i][k];
          lane[i] = n < log.size() ? log[n] : 0;
        }
        if (k <= kSharedAtomic) shared_request(l, lane, lanes);
        else global_request(l, s, lane, lanes, k == kGlobalLoad);
      }
      for (unsigned i = 0; i < lanes; ++i) s.log[w0 + i][k].clear();
    }
  }
}

/** The kernel's name as spelled at the launch: "(ns::gemm<64, 4>)" → "gemm<64, 4>". */
inline std::string kernel_name(const char* spelled) {
  std::string n(spelled ? spelled : "");
  while (n.size() >= 2 && n.front() == '(' && n.back() == ')') n = n.substr(1, n.size() - 2);
  const std::size_t args = n.find('<');
  const std::size_t scope = n.rfind("::", args);
  if (scope != std::string::npos) n = n.substr(scope + 2);
  return n;
}

inline void begin_launch(const char* name, dim3 grid, dim3 block) {
  Paused quiet;
  State& s = state();
  Launch l;
  l.kernel = kernel_name(name);
  l.grid = grid;
  l.block = block;
  {
    std::lock_guard<std::mutex> lk(s.m);
    s.launches.push_back(std::move(l));
  }
  s.read.clear();
  s.written.clear();
  s.in_launch = true;
}

inline std::uint64_t unique_bytes(const std::unordered_map<std::uint64_t, std::uint32_t>& bytes) {
  std::uint64_t n = 0;
  for (const auto& [sector, mask] : bytes) n += unsigned(std::popcount(mask));
  return n;
}

inline void end_launch() {
  Paused quiet;
  State& s = state();
  if (!s.in_launch) return;
  s.in_launch = false;
  std::lock_guard<std::mutex> lk(s.m);
  Launch& l = s.launches.back();
  l.uniqueBytesRead = unique_bytes(s.read);
  l.uniqueBytesWritten = unique_bytes(s.written);
}

/** This OS thread starts running a launch's blocks (threads per block, dynamic shared memory). */
inline void begin_blocks(unsigned threads, const char* dyn, std::size_t dyn_bytes) {
  State& s = state();
  s.threads = std::min(threads, tsdp::detail::kMaxThreads);
  s.dyn_lo = reinterpret_cast<std::uintptr_t>(dyn);
  s.dyn_hi = s.dyn_lo + (dyn ? dyn_bytes : 0);
  s.alloc_lo = s.alloc_hi = 0;  // allocations may have changed since the last launch
  tl_counting = s.in_launch;
}

inline void end_blocks() { tl_counting = false; }

// ---- JSON ----------------------------------------------------------------------------------------

inline void append_json(std::string& out, const Launch& l) {
  char buf[1024];
  std::string name;
  for (char c : l.kernel) {
    if (c == '"' || c == '\\') name += '\\';
    if (static_cast<unsigned char>(c) >= 0x20) name += c;
  }
  std::snprintf(buf, sizeof buf,
                "{\"kernel\":\"%s\",\"grid\":[%u,%u,%u],\"block\":[%u,%u,%u],"
                "\"shared\":{\"requests\":%llu,\"wavefronts\":%llu,\"idealWavefronts\":%llu},"
                "\"global\":{\"loadRequests\":%llu,\"loadSectors\":%llu,\"loadIdealSectors\":%llu,"
                "\"storeRequests\":%llu,\"storeSectors\":%llu,\"storeIdealSectors\":%llu,"
                "\"bytesRead\":%llu,\"bytesWritten\":%llu,\"uniqueBytesRead\":%llu,\"uniqueBytesWritten\":%llu}}",
                name.substr(0, 512).c_str(), l.grid.x, l.grid.y, l.grid.z, l.block.x, l.block.y, l.block.z,
                (unsigned long long)l.sharedRequests, (unsigned long long)l.wavefronts,
                (unsigned long long)l.idealWavefronts, (unsigned long long)l.loadRequests,
                (unsigned long long)l.loadSectors, (unsigned long long)l.loadIdealSectors,
                (unsigned long long)l.storeRequests, (unsigned long long)l.storeSectors,
                (unsigned long long)l.storeIdealSectors, (unsigned long long)(l.loadSectors * 32),
                (unsigned long long)(l.storeSectors * 32), (unsigned long long)l.uniqueBytesRead,
                (unsigned long long)l.uniqueBytesWritten);
  out += buf;
}

inline const char* json() {
  Paused quiet;
  State& s = state();
  std::lock_guard<std::mutex> lk(s.m);
  std::string out = "{\"version\":1,\"launches\":[";
  for (std::size_t i = 0; i < s.launches.size(); ++i) {
    if (i) out += ",\n";
    append_json(out, s.launches[i]);
  }
  out += "]}\n";
  s.json = std::move(out);
  return s.json.c_str();
}

inline void reset() {
  Paused quiet;
  State& s = state();
  std::lock_guard<std::mutex> lk(s.m);
  s.launches.clear();
}

/** TSDP_SHIM_COUNTERS=/path.json: the JSON is written there when the process exits. */
inline void write_at_exit() {
  const char* path = std::getenv("TSDP_SHIM_COUNTERS");
  if (!path || !*path) return;
  if (std::FILE* f = std::fopen(path, "w")) {
    std::fputs(json(), f);
    std::fclose(f);
  } else {
    std::fprintf(stderr, "tsdp cuda shim: cannot write the counters to %s (TSDP_SHIM_COUNTERS)\n", path);
  }
}
__attribute__((visibility("hidden"))) inline const bool registered_exit = [] {
  std::atexit(write_at_exit);
  return true;
}();

}  // namespace counters
}  // namespace tsdp

extern "C" __attribute__((visibility("default"))) inline const char* tsdp_shim_counters_json() { return tsdp::counters::json(); }
extern "C" __attribute__((visibility("default"))) inline void tsdp_shim_counters_reset() { tsdp::counters::reset(); }

// ---- ThreadSanitizer's entry points, defined here instead of libtsan --------------------------
// (GCC calls them from instrumented code; `used` makes every object file carry a definition.)

#define TSDP_TSAN extern "C" __attribute__((used, no_sanitize_thread, visibility("hidden"))) inline
#define TSDP_TSAN_ACCESS(N)                                                                                 \
  TSDP_TSAN void __tsan_read##N(void* p) { tsdp::counters::record(p, N, 0); }                              \
  TSDP_TSAN void __tsan_write##N(void* p) { tsdp::counters::record(p, N, 1); }                             \
  TSDP_TSAN void __tsan_unaligned_read##N(void* p) { tsdp::counters::record(p, N, 0); }                    \
  TSDP_TSAN void __tsan_unaligned_write##N(void* p) { tsdp::counters::record(p, N, 1); }                   \
  TSDP_TSAN void __tsan_volatile_read##N(void* p) { tsdp::counters::record(p, N, 0); }                     \
  TSDP_TSAN void __tsan_volatile_write##N(void* p) { tsdp::counters::record(p, N, 1); }
TSDP_TSAN_ACCESS(1)
TSDP_TSAN_ACCESS(2)
TSDP_TSAN_ACCESS(4)
TSDP_TSAN_ACCESS(8)
TSDP_TSAN_ACCESS(16)
#undef TSDP_TSAN_ACCESS
TSDP_TSAN void __tsan_read_range(void* p, unsigned long n) { tsdp::counters::record(p, n, 0); }
TSDP_TSAN void __tsan_write_range(void* p, unsigned long n) { tsdp::counters::record(p, n, 1); }
TSDP_TSAN void __tsan_init() {}
TSDP_TSAN void __tsan_func_entry(void*) {}
TSDP_TSAN void __tsan_func_exit() {}
TSDP_TSAN void __tsan_vptr_update(void**, void*) {}
TSDP_TSAN void __tsan_vptr_read(void**) {}
TSDP_TSAN void __tsan_atomic_thread_fence(int) { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
TSDP_TSAN void __tsan_atomic_signal_fence(int) { __atomic_signal_fence(__ATOMIC_SEQ_CST); }

// Atomics: the operation itself (seq_cst whatever the order asked: never weaker) and, for device
// memory, one atomic request.
#define TSDP_TSAN_ATOMIC(N, T)                                                                              \
  TSDP_TSAN T __tsan_atomic##N##_load(const volatile T* a, int) {                                            \
    tsdp::counters::record(a, sizeof(T), 0);                                                                 \
    return __atomic_load_n(a, __ATOMIC_SEQ_CST);                                                             \
  }                                                                                                          \
  TSDP_TSAN void __tsan_atomic##N##_store(volatile T* a, T v, int) {                                         \
    tsdp::counters::record(a, sizeof(T), 1);                                                                 \
    __atomic_store_n(a, v, __ATOMIC_SEQ_CST);                                                                \
  }                                                                                                          \
  TSDP_TSAN T __tsan_atomic##N##_exchange(volatile T* a, T v, int) {                                         \
    tsdp::counters::record(a, sizeof(T), 2);                                                                 \
    return __atomic_exchange_n(a, v, __ATOMIC_SEQ_CST);                                                      \
  }                                                                                                          \
  TSDP_TSAN T __tsan_atomic##N##_fetch_add(volatile T* a, T v, int) {                                        \
    tsdp::counters::record(a, sizeof(T), 2);                                                                 \
    return __atomic_fetch_add(a, v, __ATOMIC_SEQ_CST);                                                       \
  }                                                                                                          \
  TSDP_TSAN T __tsan_atomic##N##_fetch_sub(volatile T* a, T v, int) {                                        \
    tsdp::counters::record(a, sizeof(T), 2);                                                                 \
    return __atomic_fetch_sub(a, v, __ATOMIC_SEQ_CST);                                                       \
  }                                                                                                          \
  TSDP_TSAN T __tsan_atomic##N##_fetch_and(volatile T* a, T v, int) {                                        \
    tsdp::counters::record(a, sizeof(T), 2);                                                                 \
    return __atomic_fetch_and(a, v, __ATOMIC_SEQ_CST);                                                       \
  }                                                                                                          \
  TSDP_TSAN T __tsan_atomic##N##_fetch_or(volatile T* a, T v, int) {                                         \
    tsdp::counters::record(a, sizeof(T), 2);                                                                 \
    return __atomic_fetch_or(a, v, __ATOMIC_SEQ_CST);                                                        \
  }                                                                                                          \
  TSDP_TSAN T __tsan_atomic##N##_fetch_xor(volatile T* a, T v, int) {                                        \
    tsdp::counters::record(a, sizeof(T), 2);                                                                 \
    return __atomic_fetch_xor(a, v, __ATOMIC_SEQ_CST);                                                       \
  }                                                                                                          \
  TSDP_TSAN T __tsan_atomic##N##_fetch_nand(volatile T* a, T v, int) {                                       \
    tsdp::counters::record(a, sizeof(T), 2);                                                                 \
    return __atomic_fetch_nand(a, v, __ATOMIC_SEQ_CST);                                                      \
  }                                                                                                          \
  TSDP_TSAN int __tsan_atomic##N##_compare_exchange_strong(volatile T* a, T* c, T v, int, int) {             \
    tsdp::counters::record(a, sizeof(T), 2);                                                                 \
    return __atomic_compare_exchange_n(a, c, v, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);                  \
  }                                                                                                          \
  TSDP_TSAN int __tsan_atomic##N##_compare_exchange_weak(volatile T* a, T* c, T v, int, int) {               \
    tsdp::counters::record(a, sizeof(T), 2);                                                                 \
    return __atomic_compare_exchange_n(a, c, v, true, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);                   \
  }                                                                                                          \
  TSDP_TSAN T __tsan_atomic##N##_compare_exchange_val(volatile T* a, T c, T v, int, int) {                   \
    tsdp::counters::record(a, sizeof(T), 2);                                                                 \
    __atomic_compare_exchange_n(a, &c, v, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);                        \
    return c;                                                                                                \
  }
TSDP_TSAN_ATOMIC(8, unsigned char)
TSDP_TSAN_ATOMIC(16, unsigned short)
TSDP_TSAN_ATOMIC(32, unsigned int)
TSDP_TSAN_ATOMIC(64, unsigned long long)
#undef TSDP_TSAN_ATOMIC
#undef TSDP_TSAN
