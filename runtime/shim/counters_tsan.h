// counters_tsan.h — ThreadSanitizer's entry points for the counter flavor (counters.h includes it).
//
// GCC's -fsanitize=thread calls __tsan_read4(addr), __tsan_write16(addr), __tsan_atomic32_fetch_add
// (addr, v, order)... at every memory access it compiles. A counter build links without libtsan:
// these definitions stand in for it. Accesses go to counters::record with the instruction that
// made them (the hook's return address); atomics keep their semantics.
#pragma once

// `used`: every object file carries a definition (the calls are made by the instrumentation, which
// the compiler does not see as uses of an inline function). The hook's return address is the
// instruction in the kernel that made the access.
#define TSDP_TSAN extern "C" __attribute__((used, no_sanitize_thread, visibility("hidden"))) inline
#define TSDP_HOOK(name, n, op) \
  TSDP_TSAN void name(void* p) { tsdp::counters::record(p, n, op, __builtin_return_address(0)); }
#define TSDP_TSAN_ACCESS(N)                           \
  TSDP_HOOK(__tsan_read##N, N, 0)                     \
  TSDP_HOOK(__tsan_write##N, N, 1)                    \
  TSDP_HOOK(__tsan_unaligned_read##N, N, 0)           \
  TSDP_HOOK(__tsan_unaligned_write##N, N, 1)          \
  TSDP_HOOK(__tsan_volatile_read##N, N, 0)            \
  TSDP_HOOK(__tsan_volatile_write##N, N, 1)
TSDP_TSAN_ACCESS(1)
TSDP_TSAN_ACCESS(2)
TSDP_TSAN_ACCESS(4)
TSDP_TSAN_ACCESS(8)
TSDP_TSAN_ACCESS(16)
#undef TSDP_TSAN_ACCESS
#undef TSDP_HOOK
TSDP_TSAN void __tsan_read_range(void* p, unsigned long n) { tsdp::counters::record(p, n, 0, __builtin_return_address(0)); }
TSDP_TSAN void __tsan_write_range(void* p, unsigned long n) { tsdp::counters::record(p, n, 1, __builtin_return_address(0)); }
TSDP_TSAN void __tsan_init() {}
TSDP_TSAN void __tsan_func_entry(void*) {}
TSDP_TSAN void __tsan_func_exit() {}
TSDP_TSAN void __tsan_vptr_update(void**, void*) {}
TSDP_TSAN void __tsan_vptr_read(void**) {}
TSDP_TSAN void __tsan_atomic_thread_fence(int) { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
TSDP_TSAN void __tsan_atomic_signal_fence(int) { __atomic_signal_fence(__ATOMIC_SEQ_CST); }

// Atomics: the operation itself, seq_cst whatever the order asked (never weaker). They are not
// counted here: the shim's CUDA atomics (atomicAdd...) count one request each (counters::Atomic),
// however many loads and CAS retries implement them on the CPU.
#define TSDP_TSAN_ATOMIC(N, T)                                                                              \
  TSDP_TSAN T __tsan_atomic##N##_load(const volatile T* a, int) {                                            \
    return __atomic_load_n(a, __ATOMIC_SEQ_CST);                                                             \
  }                                                                                                          \
  TSDP_TSAN void __tsan_atomic##N##_store(volatile T* a, T v, int) {                                         \
    __atomic_store_n(a, v, __ATOMIC_SEQ_CST);                                                                \
  }                                                                                                          \
  TSDP_TSAN T __tsan_atomic##N##_exchange(volatile T* a, T v, int) {                                         \
    return __atomic_exchange_n(a, v, __ATOMIC_SEQ_CST);                                                      \
  }                                                                                                          \
  TSDP_TSAN T __tsan_atomic##N##_fetch_add(volatile T* a, T v, int) {                                        \
    return __atomic_fetch_add(a, v, __ATOMIC_SEQ_CST);                                                       \
  }                                                                                                          \
  TSDP_TSAN T __tsan_atomic##N##_fetch_sub(volatile T* a, T v, int) {                                        \
    return __atomic_fetch_sub(a, v, __ATOMIC_SEQ_CST);                                                       \
  }                                                                                                          \
  TSDP_TSAN T __tsan_atomic##N##_fetch_and(volatile T* a, T v, int) {                                        \
    return __atomic_fetch_and(a, v, __ATOMIC_SEQ_CST);                                                       \
  }                                                                                                          \
  TSDP_TSAN T __tsan_atomic##N##_fetch_or(volatile T* a, T v, int) {                                         \
    return __atomic_fetch_or(a, v, __ATOMIC_SEQ_CST);                                                        \
  }                                                                                                          \
  TSDP_TSAN T __tsan_atomic##N##_fetch_xor(volatile T* a, T v, int) {                                        \
    return __atomic_fetch_xor(a, v, __ATOMIC_SEQ_CST);                                                       \
  }                                                                                                          \
  TSDP_TSAN T __tsan_atomic##N##_fetch_nand(volatile T* a, T v, int) {                                       \
    return __atomic_fetch_nand(a, v, __ATOMIC_SEQ_CST);                                                      \
  }                                                                                                          \
  TSDP_TSAN int __tsan_atomic##N##_compare_exchange_strong(volatile T* a, T* c, T v, int, int) {             \
    return __atomic_compare_exchange_n(a, c, v, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);                  \
  }                                                                                                          \
  TSDP_TSAN int __tsan_atomic##N##_compare_exchange_weak(volatile T* a, T* c, T v, int, int) {               \
    return __atomic_compare_exchange_n(a, c, v, true, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);                   \
  }                                                                                                          \
  TSDP_TSAN T __tsan_atomic##N##_compare_exchange_val(volatile T* a, T c, T v, int, int) {                   \
    __atomic_compare_exchange_n(a, &c, v, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);                        \
    return c;                                                                                                \
  }
TSDP_TSAN_ATOMIC(8, unsigned char)
TSDP_TSAN_ATOMIC(16, unsigned short)
TSDP_TSAN_ATOMIC(32, unsigned int)
TSDP_TSAN_ATOMIC(64, unsigned long long)
#undef TSDP_TSAN_ATOMIC
#undef TSDP_TSAN
