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
// bookkeeping) returns after one test of a global flag. An access counts when its address is in
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
// Where lanes diverge (a guarded load, a loop some lanes leave early), lanes are matched by
// instruction instead: each access carries the address of its call to the hook (the instruction
// in the CPU code), and the n-th execution of an instruction by each lane is one request — what
// the warp does when it runs that instruction with those lanes active. Two caveats: GCC's
// instructions are not nvcc's (it may hoist, merge or duplicate an access differently), and
// atomics, inlined into the kernel, have no instruction of their own and are matched by count.
//
// Shared memory (Volta and later): 32 banks of 4 bytes. A request is processed in phases: accesses
// of up to 4 bytes by the whole warp in one; 8-byte accesses in 2 (lanes 0-15, 16-31); 16-byte in 4
// (8 lanes each). A phase takes as many wavefronts as the most distinct 4-byte words any one bank
// holds among its lanes' accesses (the same word for several lanes is a broadcast, no conflict).
//   shared.requests        warp-level shared instructions (loads, stores, atomics)
//   shared.wavefronts      sum of the wavefronts of each request
//   shared.idealWavefronts sum of the phases each request has lanes in (its conflict-free count)
//   bank conflicts = wavefronts - idealWavefronts (ncu: l1tex__data_bank_conflicts_pipe_lsu_mem_shared)
// Not modelled: the CC 7.x packing of uniform 128-bit loads into fewer wavefronts. Not counted:
// WMMA fragment loads and stores (wmma_shim.h gives every lane the whole tile; the GPU's fragment
// layout is not modelled), so tensor-core builds count only their other accesses.
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
// namespace and parentheses), grid, block, the counters above, and the same counts by site: each
// memory instruction of the kernel that made requests, as its offset in the library ("at", for
// addr2line; the counter flavor keeps line tables, -g1), with its requests and its wavefronts or
// sectors beside their ideal. A launch's sites add up to its totals. The library exports
//   const char* tsdp_shim_counters_json()   {"version":1,"launches":[...]} (valid until the next call)
//   void tsdp_shim_counters_reset()         forgets the launches so far
// and with TSDP_SHIM_COUNTERS=/path.json in the environment writes that JSON there at exit.
// `tsdp counters model.ts` (compiler/counters.ts) adds the model, batch and program.

#pragma once
#include <dlfcn.h>
#include <pthread.h>
#include <string>
#include <unordered_map>

// Every function on the counting path is compiled without instrumentation (its own accesses are
// not the kernel's) and uses no standard-library templates: GCC does not inline instrumented code
// into uninstrumented functions, so each std:: call would be an out-of-line call that re-enters
// the hooks.
#define TSDP_COUNTERS_FN __attribute__((no_sanitize_thread)) inline

namespace tsdp {
namespace counters {

enum Kind : unsigned { kSharedLoad, kSharedStore, kSharedAtomic, kGlobalLoad, kGlobalStore, kGlobalAtomic, kKinds };

/**
 * One instruction's requests in a launch (a site, as Nsight Compute's source view counts them):
 * shared-memory wavefronts, or global sectors, with their ideal. The instruction is the hook's
 * return address; atomics have none (pc 0).
 */
struct Site {
  std::uintptr_t pc = 0;
  unsigned kind = 0;  // Kind
  std::uint64_t requests = 0, units = 0, ideal = 0;
};

struct Launch {
  std::string kernel;
  std::vector<Site> sites;
  std::unordered_map<std::uint64_t, std::size_t> site_at;  // (pc, kind) → index in sites
  dim3 grid, block;
  std::uint64_t sharedRequests = 0, wavefronts = 0, idealWavefronts = 0;
  std::uint64_t loadRequests = 0, loadSectors = 0, loadIdealSectors = 0;
  std::uint64_t storeRequests = 0, storeSectors = 0, storeIdealSectors = 0;
  std::uint64_t uniqueBytesRead = 0, uniqueBytesWritten = 0;
};

// An access in a thread's log: address (48 bits: user space on x86-64 and AArch64) and size.
constexpr unsigned kAddressBits = 48;
TSDP_COUNTERS_FN std::uint64_t pack(std::uintptr_t a, std::size_t size) {
  return std::uint64_t(a) | (std::uint64_t(size < 0xFFFF ? size : 0xFFFF) << kAddressBits);
}
TSDP_COUNTERS_FN std::uintptr_t address_of(std::uint64_t e) { return std::uintptr_t(e & ((std::uint64_t(1) << kAddressBits) - 1)); }
TSDP_COUNTERS_FN unsigned size_of(std::uint64_t e) {
  const unsigned n = unsigned(e >> kAddressBits);
  return n ? n : 1;
}

/** One access: address and size (pack), and the instruction that made it (its call to the hook). */
struct Access {
  std::uint64_t e;
  std::uintptr_t pc;
};
/** A thread's accesses of one kind: a growable array (malloc'ed: see TSDP_COUNTERS_FN). */
struct Log {
  Access* data = nullptr;
  std::size_t size = 0, cap = 0;
};
TSDP_COUNTERS_FN void push(Log& l, std::uint64_t e, std::uintptr_t pc) {
  if (l.size == l.cap) {
    const std::size_t cap = l.cap ? 2 * l.cap : 64;
    auto* grown = static_cast<Access*>(std::realloc(l.data, cap * sizeof(Access)));
    if (!grown) return;  // out of memory: the access goes uncounted
    l.data = grown;
    l.cap = cap;
  }
  l.data[l.size++] = Access{e, pc};
}

/** A byte mask per 32-byte sector: the bytes a launch read or wrote. */
using SectorBytes = std::unordered_map<std::uint64_t, std::uint32_t>;

struct State {
  std::mutex m;                  // launches, for a reader on another thread
  std::vector<Launch> launches;
  std::string json;              // the last tsdp_shim_counters_json() answer
  bool in_launch = false;
  std::unique_ptr<Launch> current;  // the launch in progress (in launches once it ended)
  SectorBytes read, written;        // the bytes it touched
  // the block in progress: each thread's accesses since the last barrier, by kind
  Log log[tsdp::detail::kMaxThreads][kKinds];
  unsigned threads = 0;
  std::uintptr_t dyn_lo = 0, dyn_hi = 0;  // the launch's dynamic shared memory
  // The device allocations as the launch began ([start, end), sorted by start): a kernel cannot
  // allocate. Plain arrays, searched by hand (see TSDP_COUNTERS_FN).
  std::vector<std::uintptr_t> starts, ends;
  // The allocation last hit and the gap between allocations last hit (fiber stacks, the shim's
  // state): most accesses fall in the same one as the access before them.
  std::uintptr_t hit_lo = 0, hit_hi = 0, gap_lo = 0, gap_hi = 0;
  // The thread that runs the blocks (thread_identity), and its Runner (which CUDA thread runs now).
  const void* thread = nullptr;
  const tsdp::detail::Runner* runner = nullptr;
};
__attribute__((visibility("hidden"))) inline State* const g_state = new State();  // never destroyed: kernels may run during exit
TSDP_COUNTERS_FN State& state() { return *g_state; }

// Set while a kernel's blocks run, and not inside the bookkeeping below (which is instrumented code
// too). A plain global, not a thread_local: in a dlopen'ed library every thread_local read is a
// call into the dynamic linker (_dl_tlsdesc_dynamic), and this one is read at every access of the
// whole library; it took 40% of a counted LeNet step. Blocks run one at a time in a counter build,
// and accesses of other threads are told apart by their thread pointer (thread_identity).
__attribute__((visibility("hidden"))) inline bool g_counting = false;

/** Clears g_counting for a scope: the bookkeeping's own accesses are not the kernel's. */
struct Paused {
  bool was;
  TSDP_COUNTERS_FN Paused() : was(g_counting) { g_counting = false; }
  TSDP_COUNTERS_FN ~Paused() { g_counting = was; }
};

extern "C" __attribute__((weak, visibility("hidden"))) char __start_tsdp_shared[];
extern "C" __attribute__((weak, visibility("hidden"))) char __stop_tsdp_shared[];

TSDP_COUNTERS_FN bool in_static_shared(std::uintptr_t a) {
  return a >= reinterpret_cast<std::uintptr_t>(__start_tsdp_shared) && a < reinterpret_cast<std::uintptr_t>(__stop_tsdp_shared);
}

/**
 * The calling thread's identity: its thread pointer (no call, no dynamic linker). Not its stack:
 * koffi runs native calls on stacks of its own, and fibers run on theirs.
 */
TSDP_COUNTERS_FN const void* thread_identity() {
#if defined(__x86_64__) || defined(__aarch64__)
  return __builtin_thread_pointer();
#else
  return reinterpret_cast<const void*>(pthread_self());
#endif
}

/**
 * 0: shared memory, 1: device memory, -1: neither (registers on a fiber stack, the shim's state).
 * Other threads (host code of another model of this library) may call this while a kernel runs:
 * they only read the caches, and are turned away before the search that updates them.
 */
TSDP_COUNTERS_FN int space_of(State& s, std::uintptr_t a) {
  if (in_static_shared(a) || (a >= s.dyn_lo && a < s.dyn_hi)) return 0;
  if (a >= s.hit_lo && a < s.hit_hi) return 1;
  if (a >= s.gap_lo && a < s.gap_hi) return -1;
  if (thread_identity() != s.thread) return -1;
  // the number of allocations that start at or before a
  std::size_t lo = 0, hi = s.starts.size();
  const std::uintptr_t* starts = s.starts.data();
  const std::uintptr_t* ends = s.ends.data();
  while (lo < hi) {
    const std::size_t mid = (lo + hi) / 2;
    if (starts[mid] <= a) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0 && a < ends[lo - 1]) {
    s.hit_lo = starts[lo - 1];
    s.hit_hi = ends[lo - 1];
    return 1;
  }
  s.gap_lo = lo > 0 ? ends[lo - 1] : 0;
  s.gap_hi = lo < s.starts.size() ? starts[lo] : UINTPTR_MAX;
  return -1;
}

/** The linear id of the CUDA thread running now (threadIdx, without reading a thread_local). */
TSDP_COUNTERS_FN unsigned current_thread(const tsdp::detail::Runner& r) {
  return r.fiber_mode ? r.cur->lin : tsdp::detail::direct_at(r, r.dpos);
}

/** Logs one access of the current CUDA thread (called from the instrumentation). */
__attribute__((no_sanitize_thread, noinline)) inline void record(const volatile void* p, std::size_t size, int op, const void* pc) {
  if (!__atomic_load_n(&g_counting, __ATOMIC_RELAXED)) return;
  State& s = state();
  const auto a = reinterpret_cast<std::uintptr_t>(p);
  const int space = space_of(s, a);
  if (space < 0 || thread_identity() != s.thread) return;
  const unsigned lin = current_thread(*s.runner);
  if (lin < s.threads) push(s.log[lin][unsigned(space) * 3 + unsigned(op)], pack(a, size), reinterpret_cast<std::uintptr_t>(pc));
}

// ---- One warp-level request --------------------------------------------------------------------

/** Sorts a few values (at most a few hundred, usually nearly sorted: lanes access in order). */
TSDP_COUNTERS_FN void sort_small(std::uint64_t* v, unsigned n) {
  for (unsigned i = 1; i < n; ++i) {
    const std::uint64_t x = v[i];
    unsigned j = i;
    for (; j > 0 && v[j - 1] > x; --j) v[j] = v[j - 1];
    v[j] = x;
  }
}

/** What one request took: wavefronts or sectors, and the fewest it could have taken. */
struct Took {
  std::uint64_t units = 0, ideal = 0;
};

/** Wavefronts of a shared-memory request (its lanes' accesses, by lane; 0 = inactive lane). */
TSDP_COUNTERS_FN Took shared_request(Launch& l, const std::uint64_t* lane, unsigned lanes) {
  Took took;
  unsigned size = 0;
  for (unsigned i = 0; i < lanes; ++i)
    if (lane[i] && size_of(lane[i]) > size) size = size_of(lane[i]);
  const unsigned per_phase = size <= 4 ? 32 : size <= 8 ? 16 : 8;
  ++l.sharedRequests;
  for (unsigned p0 = 0; p0 < lanes; p0 += per_phase) {
    // the distinct words of the phase, by bank (a bank that holds k distinct words takes k wavefronts)
    std::uintptr_t words[32][32];
    unsigned count[32] = {}, most = 0;
    for (unsigned i = p0; i < lanes && i < p0 + per_phase; ++i) {
      if (!lane[i]) continue;
      const std::uintptr_t a = address_of(lane[i]), last = a + size_of(lane[i]) - 1;
      for (std::uintptr_t w = a >> 2; w <= last >> 2; ++w) {
        const unsigned b = unsigned(w & 31);
        unsigned k = 0;
        while (k < count[b] && words[b][k] != w) ++k;
        if (k < count[b] || count[b] == 32) continue;  // a broadcast (or an access wider than 16 bytes)
        words[b][count[b]++] = w;
        if (count[b] > most) most = count[b];
      }
    }
    if (most == 0) continue;
    took.units += most;
    took.ideal += 1;
  }
  l.wavefronts += took.units;
  l.idealWavefronts += took.ideal;
  return took;
}

/** Marks bytes [a, a + n) as touched; `last` caches the sector touched before. */
TSDP_COUNTERS_FN void touch(SectorBytes& bytes, std::uintptr_t a, std::size_t n, std::uint64_t& last_sector, std::uint32_t*& last_mask) {
  Paused quiet;  // the map is the standard library's (instrumented) code
  for (std::uintptr_t b = a; b < a + n;) {
    const std::uintptr_t sector = b >> 5, end = (a + n) < ((sector + 1) << 5) ? a + n : (sector + 1) << 5;
    const unsigned lo = unsigned(b & 31), count = unsigned(end - b);
    if (!last_mask || last_sector != sector) {
      last_mask = &bytes[sector];
      last_sector = sector;
    }
    *last_mask |= (count == 32 ? ~0u : ((1u << count) - 1u) << lo);
    b = end;
  }
}

/** Sectors of a global-memory request. */
TSDP_COUNTERS_FN Took global_request(Launch& l, State& s, const std::uint64_t* lane, unsigned lanes, bool load) {
  std::uint64_t starts[32], sectors[32 * 2];  // an access of up to 16 bytes spans at most 2 sectors
  std::uintptr_t end_of[32];
  unsigned nr = 0, ns = 0;
  std::uint64_t bytes = 0;
  std::uint64_t last_sector = 0;
  std::uint32_t* last_mask = nullptr;
  for (unsigned i = 0; i < lanes; ++i) {
    if (!lane[i]) continue;
    const std::uintptr_t a = address_of(lane[i]), end = a + size_of(lane[i]);
    starts[nr] = (std::uint64_t(a) << 5) | nr;  // sortable by start, lane index kept
    end_of[nr++] = end;
    for (std::uintptr_t sec = a >> 5; sec <= (end - 1) >> 5; ++sec)
      if (ns < 64) sectors[ns++] = sec;
    touch(load ? s.read : s.written, a, end - a, last_sector, last_mask);
  }
  sort_small(sectors, ns);
  unsigned distinct = 0;
  for (unsigned i = 0; i < ns; ++i) distinct += i == 0 || sectors[i] != sectors[i - 1];
  sort_small(starts, nr);
  std::uintptr_t covered = 0;  // the lanes' byte ranges, merged as they are summed
  for (unsigned i = 0; i < nr; ++i) {
    const std::uintptr_t a = std::uintptr_t(starts[i] >> 5), end = end_of[starts[i] & 31];
    const std::uintptr_t from = a > covered ? a : covered;
    if (end > from) bytes += end - from;
    if (end > covered) covered = end;
  }
  (load ? l.loadRequests : l.storeRequests) += 1;
  (load ? l.loadSectors : l.storeSectors) += distinct;
  (load ? l.loadIdealSectors : l.storeIdealSectors) += (bytes + 31) / 32;
  return Took{distinct, (bytes + 31) / 32};
}

// ---- Hooks called by the shim ----------------------------------------------------------------

/** One warp-level request from its lanes' accesses (0 = a lane without one), made by instruction pc. */
TSDP_COUNTERS_FN void request(Launch& l, State& s, unsigned kind, const std::uint64_t* lane, unsigned lanes, std::uintptr_t pc) {
  const Took took = kind <= kSharedAtomic ? shared_request(l, lane, lanes) : global_request(l, s, lane, lanes, kind == kGlobalLoad);
  // (callers hold Paused: the map is the standard library's code)
  const std::uint64_t key = (std::uint64_t(pc) << 3) | kind;
  auto [it, added] = l.site_at.try_emplace(key, l.sites.size());
  if (added) l.sites.push_back(Site{pc, kind});
  Site& site = l.sites[it->second];
  site.requests += 1;
  site.units += took.units;
  site.ideal += took.ideal;
}

/**
 * The requests of one warp's accesses of one kind, where its lanes did not all make the same
 * instructions (divergence: a guarded load, a loop some lanes leave early): the n-th execution of
 * an instruction by each lane is one request, as when the warp runs it with those lanes active.
 */
inline void divergent_requests(Launch& l, State& s, unsigned kind, const Log* logs, unsigned lanes) {
  struct Key {
    std::uintptr_t pc;
    std::size_t n;
    unsigned lane;
    std::uint64_t e;
  };
  std::vector<Key> keys;
  std::unordered_map<std::uintptr_t, std::size_t> seen;
  for (unsigned i = 0; i < lanes; ++i) {
    seen.clear();
    for (std::size_t j = 0; j < logs[i].size; ++j) {
      const Access& a = logs[i].data[j];
      keys.push_back(Key{a.pc, seen[a.pc]++, i, a.e});
    }
  }
  std::sort(keys.begin(), keys.end(), [](const Key& a, const Key& b) { return a.pc != b.pc ? a.pc < b.pc : a.n < b.n; });
  std::uint64_t lane[32];
  for (std::size_t g = 0; g < keys.size();) {
    std::fill(lane, lane + 32, 0);
    std::size_t h = g;
    for (; h < keys.size() && keys[h].pc == keys[g].pc && keys[h].n == keys[g].n; ++h) lane[keys[h].lane] = keys[h].e;
    request(l, s, kind, lane, lanes, keys[g].pc);
    g = h;
  }
}

/** A barrier released the block, or the block ended: turn the threads' logs into warp requests. */
TSDP_COUNTERS_FN void flush() {
  State& s = state();
  if (!s.in_launch) return;
  Paused quiet;
  Launch& l = *s.current;
  std::uint64_t lane[32];
  for (unsigned w0 = 0; w0 < s.threads; w0 += 32) {
    const unsigned lanes = s.threads - w0 < 32 ? s.threads - w0 : 32;
    Log warp[32];
    for (unsigned k = 0; k < kKinds; ++k) {
      std::size_t most = 0;
      for (unsigned i = 0; i < lanes; ++i) warp[i] = s.log[w0 + i][k];
      for (unsigned i = 0; i < lanes; ++i)
        if (warp[i].size > most) most = warp[i].size;
      // Usually every lane made the same instructions in the same order (warp-uniform control
      // flow): the n-th access of each lane is one request. Otherwise match by instruction.
      // (A lane without any access of the kind is simply inactive in all of them.)
      unsigned ref = 0;
      while (ref < lanes && warp[ref].size == 0) ++ref;
      bool uniform = true;
      for (unsigned i = ref + 1; i < lanes && uniform; ++i) {
        if (warp[i].size == 0) continue;
        if (warp[i].size != most) uniform = false;
        for (std::size_t n = 0; n < most && uniform; ++n) uniform = warp[i].data[n].pc == warp[ref].data[n].pc;
      }
      if (ref < lanes && warp[ref].size != most) uniform = false;
      if (!uniform) {
        divergent_requests(l, s, k, warp, lanes);
      } else {
        for (std::size_t n = 0; n < most; ++n) {
          for (unsigned i = 0; i < lanes; ++i) lane[i] = n < warp[i].size ? warp[i].data[n].e : 0;
          request(l, s, k, lane, lanes, warp[ref].data[n].pc);
        }
      }
      for (unsigned i = 0; i < lanes; ++i) s.log[w0 + i][k].size = 0;
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
  s.current = std::make_unique<Launch>(std::move(l));
  s.read.clear();
  s.written.clear();
  s.starts.clear();
  s.ends.clear();
  {
    tsdp::detail::Allocations& all = tsdp::detail::allocations();
    std::lock_guard<std::mutex> lk(all.m);
    for (const auto& [start, info] : all.by_start) {
      s.starts.push_back(start);
      s.ends.push_back(start + info.first);
    }
  }
  s.hit_lo = s.hit_hi = s.gap_lo = s.gap_hi = 0;
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
  s.current->uniqueBytesRead = unique_bytes(s.read);
  s.current->uniqueBytesWritten = unique_bytes(s.written);
  std::lock_guard<std::mutex> lk(s.m);
  s.launches.push_back(std::move(*s.current));
  s.current.reset();
}

/** This OS thread starts running a launch's blocks (threads per block, dynamic shared memory). */
/** The calling thread's stack: [lo, hi). */
inline std::pair<std::uintptr_t, std::uintptr_t> own_stack() {
  static thread_local std::pair<std::uintptr_t, std::uintptr_t> range{0, UINTPTR_MAX};
  static thread_local bool known = false;
  if (!known) {
    known = true;
    pthread_attr_t attr;
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
      void* addr = nullptr;
      std::size_t size = 0;
      if (pthread_attr_getstack(&attr, &addr, &size) == 0 && addr)
        range = {reinterpret_cast<std::uintptr_t>(addr), reinterpret_cast<std::uintptr_t>(addr) + size};
      pthread_attr_destroy(&attr);
    }
  }
  return range;
}

/** This OS thread starts running a launch's blocks (one at a time, see TSDP_SHIM_SERIAL_BLOCKS). */
inline void begin_blocks(const tsdp::detail::Runner& r, std::size_t dyn_bytes) {
  State& s = state();
  s.runner = &r;
  s.threads = std::min(r.n, tsdp::detail::kMaxThreads);
  s.dyn_lo = reinterpret_cast<std::uintptr_t>(r.dyn);
  s.dyn_hi = s.dyn_lo + (r.dyn ? dyn_bytes : 0);
  s.thread = thread_identity();
  g_counting = s.in_launch;
}

TSDP_COUNTERS_FN void end_blocks() { g_counting = false; }

TSDP_COUNTERS_FN Atomic::Atomic(const volatile void* p, std::size_t bytes) : was(g_counting) {
  record(p, bytes, 2, nullptr);  // inlined into the kernel: no instruction of its own (grouped by count)
  g_counting = false;
}
TSDP_COUNTERS_FN Atomic::~Atomic() { g_counting = was; }

TSDP_COUNTERS_FN Uncounted::Uncounted() : was(g_counting) { g_counting = false; }
TSDP_COUNTERS_FN Uncounted::~Uncounted() { g_counting = was; }

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
  out.pop_back();  // the launch's closing brace: its sites follow
  out += ",\"sites\":[";
  for (std::size_t i = 0; i < l.sites.size(); ++i) {
    const Site& site = l.sites[i];
    // "at": the instruction's offset in its library (what addr2line -e <library> reads): one byte
    // before the hook's return address, inside the call, so that the line is the access's own.
    // -1 for atomics, which have no instruction of their own.
    long long at = -1;
    Dl_info info;
    if (site.pc && dladdr(reinterpret_cast<void*>(site.pc), &info) && info.dli_fbase)
      at = (long long)(site.pc - reinterpret_cast<std::uintptr_t>(info.dli_fbase) - 1);
    const bool shared = site.kind <= kSharedAtomic;
    const char* access = shared ? "shared" : site.kind == kGlobalLoad ? "load" : "store";
    std::snprintf(buf, sizeof buf, "%s{\"at\":%lld,\"access\":\"%s\",\"requests\":%llu,\"%s\":%llu,\"%s\":%llu}", i ? "," : "", at, access,
                  (unsigned long long)site.requests, shared ? "wavefronts" : "sectors", (unsigned long long)site.units,
                  shared ? "idealWavefronts" : "idealSectors", (unsigned long long)site.ideal);
    out += buf;
  }
  out += "]}";
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

extern "C" __attribute__((used, visibility("default"))) inline const char* tsdp_shim_counters_json() { return tsdp::counters::json(); }
extern "C" __attribute__((used, visibility("default"))) inline void tsdp_shim_counters_reset() { tsdp::counters::reset(); }

// GCC's instrumentation calls these; they call record().
#include "counters_tsan.h"
