// The process group (group.h): Open MPI loaded at run time, or Gloo (through tsdp's shim) after a
// rendezvous at MASTER_ADDR:MASTER_PORT; and the watchdog on their collectives.
#define TSDP_SOURCE_NAME "group.cu"
#include "group.h"

#include "gloo_abi.h"
#include "store.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <thread>
#include <unistd.h>
#include <dlfcn.h>

namespace {
// Open MPI's handles are pointers to its predefined objects; MPI_IN_PLACE is (void*)1 in its mpi.h.
typedef void* mpi_handle;
void* const kInPlace = (void*)1;
constexpr int kMpiSuccess = 0;
constexpr int kMaxErrorString = 256;  // MPI_MAX_ERROR_STRING in Open MPI
constexpr int kThreadSerialized = 2;  // MPI_THREAD_SERIALIZED
}  // namespace

struct tsdp_group {
    // which engine sums: Open MPI (mpirun, srun) or Gloo (a torchrun-style launch)
    bool gloo = false;
    void* lib = nullptr;
    int rank = 0, size = 1;
    int (*init_thread)(int*, char***, int, int*) = nullptr;
    int (*initialized)(int*) = nullptr;
    int (*finalized)(int*) = nullptr;
    int (*finalize)() = nullptr;
    int (*comm_rank)(mpi_handle, int*) = nullptr;
    int (*comm_size)(mpi_handle, int*) = nullptr;
    int (*allreduce)(const void*, void*, int, mpi_handle, mpi_handle, mpi_handle) = nullptr;
    int (*bcast)(void*, int, mpi_handle, int, mpi_handle) = nullptr;
    int (*error_string)(int, char*, int*) = nullptr;
    mpi_handle world = nullptr, mpi_float = nullptr, mpi_double = nullptr, mpi_byte = nullptr, op_sum = nullptr;
    // Gloo: the shim's context and entry points, and the store the ranks met at
    void* gloo_context = nullptr;
    tsdp_gloo_sum_fn gloo_sum = nullptr;
    tsdp_gloo_broadcast_fn gloo_broadcast = nullptr;
    tsdp_harness::rdzv_store* store = nullptr;
    unsigned published = 0;  // group_publish's calls so far: each publishes under its own key
    // The watchdog: the collective in progress (its name) and since when (steady-clock ns; 0: none).
    double timeout_s = 0;
    std::atomic<long long> busy_since{0};
    std::atomic<const char*> busy_what{nullptr};
    char busy_text[512] = {0};
};

namespace tsdp_harness {
namespace {

std::mutex group_mutex;
tsdp_group* the_group = nullptr;  // one per process: MPI_Init may run only once

long long now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

/**
 * Ends the process when a collective outlives the timeout. Only this process can be ended from
 * here (MPI_Abort from a second thread would need MPI_THREAD_MULTIPLE); its non-zero exit makes
 * the launcher stop the others.
 */
void watch(tsdp_group* g) {
    for (;;) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        const long long since = g->busy_since.load();
        if (since == 0 || (double)(now_ns() - since) / 1e9 <= g->timeout_s) continue;
        const char* what = g->busy_what.load();
        std::fprintf(stderr,
                     "tsdp: rank %d of %d: %s did not complete within %g s: another rank died or hangs "
                     "(the timeout is load()'s distributed.timeout or TSDP_DIST_TIMEOUT); stopping this rank\n",
                     g->rank, g->size, what ? what : "a collective", g->timeout_s);
        std::fflush(stderr);
        _exit(75);
    }
}

template <typename F>
void bind(void* lib, const char* name, F* out) {
    *out = (F)dlsym(lib, name);
}

std::string mpi_error(tsdp_group* g, int code) {
    char text[kMaxErrorString + 1] = {0};
    int len = 0;
    if (g->error_string && g->error_string(code, text, &len) == kMpiSuccess) return std::string(text, (size_t)len);
    return "MPI error " + std::to_string(code);
}

/**
 * Runs one collective under the watchdog; `what` says what it sums, `call` names the engine's
 * function ("MPI_Allreduce"), and the watchdog's message names both.
 */
template <typename F>
int watched(tsdp_group* g, const char* what, const char* call, std::string* why, F run) {
    // a buffer of the group's own, never freed: the watchdog may read it from its thread at any time
    std::snprintf(g->busy_text, sizeof g->busy_text, "%s (%s)", what, call);
    g->busy_what.store(g->busy_text);
    g->busy_since.store(now_ns());
    std::string engine_why;
    const int code = run(&engine_why);
    g->busy_since.store(0);
    if (code != kMpiSuccess)
        *why = "rank " + std::to_string(g->rank) + " of " + std::to_string(g->size) + ": " + g->busy_text + " failed: " +
               (g->gloo ? engine_why + " (another rank died, hangs, or did not take the same step)" : mpi_error(g, code));
    return code;
}

}  // namespace

tsdp_group* group_join(double timeout_s, std::string* why) {
    std::lock_guard<std::mutex> lock(group_mutex);
    if (the_group) {
        the_group->timeout_s = timeout_s;
        return the_group;
    }
    // RTLD_GLOBAL: Open MPI's components (dlopen'd by libmpi) resolve their symbols in it.
    void* lib = dlopen("libmpi.so.40", RTLD_NOW | RTLD_GLOBAL);
    if (!lib) {
        *why = std::string("the CPU collective engine, Open MPI, is not installed (libmpi.so.40: ") + dlerror() +
               "); install it with `apt-get install openmpi-bin` (Debian)";
        return nullptr;
    }
    tsdp_group* g = new (std::nothrow) tsdp_group();
    if (!g) {
        *why = "out of host memory";
        return nullptr;
    }
    g->lib = lib;
    g->timeout_s = timeout_s;
    bind(lib, "MPI_Init_thread", &g->init_thread);
    bind(lib, "MPI_Initialized", &g->initialized);
    bind(lib, "MPI_Finalized", &g->finalized);
    bind(lib, "MPI_Finalize", &g->finalize);
    bind(lib, "MPI_Comm_rank", &g->comm_rank);
    bind(lib, "MPI_Comm_size", &g->comm_size);
    bind(lib, "MPI_Allreduce", &g->allreduce);
    bind(lib, "MPI_Bcast", &g->bcast);
    bind(lib, "MPI_Error_string", &g->error_string);
    g->world = dlsym(lib, "ompi_mpi_comm_world");
    g->mpi_float = dlsym(lib, "ompi_mpi_float");
    g->mpi_double = dlsym(lib, "ompi_mpi_double");
    g->mpi_byte = dlsym(lib, "ompi_mpi_byte");
    g->op_sum = dlsym(lib, "ompi_mpi_op_sum");
    if (!g->init_thread || !g->initialized || !g->finalized || !g->finalize || !g->comm_rank || !g->comm_size || !g->allreduce || !g->bcast ||
        !g->world || !g->mpi_float || !g->mpi_double || !g->mpi_byte || !g->op_sum) {
        *why = "libmpi.so.40 lacks the symbols tsdp uses (it is not Open MPI 4)";
        delete g;
        return nullptr;
    }
    int already = 0;
    g->initialized(&already);
    // SERIALIZED: the runtime calls from the main thread and from koffi's worker threads, never two at once
    int provided = 0;
    int code = already ? kMpiSuccess : g->init_thread(nullptr, nullptr, kThreadSerialized, &provided);
    if (code == kMpiSuccess) code = g->comm_rank(g->world, &g->rank);
    if (code == kMpiSuccess) code = g->comm_size(g->world, &g->size);
    if (code != kMpiSuccess) {
        *why = "MPI_Init_thread failed: " + mpi_error(g, code);
        delete g;
        return nullptr;
    }
    std::thread(watch, g).detach();
    the_group = g;
    return g;
}

namespace {

// The store as the Gloo shim sees it (gloo_abi.h).
int ops_set(void* store, const char* key, const char* data, size_t n, char* why, size_t why_len) {
    std::string text;
    const int code = store_set((rdzv_store*)store, key, std::string(data, n), &text);
    if (code != 0) std::snprintf(why, why_len, "%s", text.c_str());
    return code;
}

int ops_get(void* store, const char* key, double timeout_s, char** data, size_t* n, char* why, size_t why_len) {
    std::string value, text;
    if (store_get((rdzv_store*)store, key, timeout_s, &value, &text) != 0) {
        std::snprintf(why, why_len, "%s", text.c_str());
        return -1;
    }
    *data = (char*)std::malloc(value.size() ? value.size() : 1);
    if (!*data) {
        std::snprintf(why, why_len, "out of host memory");
        return -1;
    }
    std::memcpy(*data, value.data(), value.size());
    *n = value.size();
    return 0;
}

/** The address Gloo listens on: TSDP_GLOO_HOST, else this end of the connection to the store (an interface that reaches rank 0's machine). */
std::string gloo_host(const rdzv_store* s) {
    const char* given = std::getenv("TSDP_GLOO_HOST");
    return given && *given ? given : store_local_address(s);
}

/** The network interface Gloo listens on when one is named: GLOO_SOCKET_IFNAME, as PyTorch's Gloo backend reads it (before TSDP_GLOO_HOST's address). */
std::string gloo_iface() {
    const char* given = std::getenv("GLOO_SOCKET_IFNAME");
    return given ? given : "";
}

}  // namespace

tsdp_group* group_join_rendezvous(const rendezvous_spec& spec, double timeout_s, std::string* why) {
    std::lock_guard<std::mutex> lock(group_mutex);
    if (the_group) {
        the_group->timeout_s = timeout_s;
        return the_group;
    }
    // Load the engine before meeting the others: a rank that cannot sum must not hold them up.
    void* lib = dlopen(spec.gloo_shim.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        *why = "cannot load tsdp's Gloo shim " + spec.gloo_shim + ": " + dlerror();
        return nullptr;
    }
    auto device = (tsdp_gloo_device_fn)dlsym(lib, "tsdp_gloo_device");
    auto join = (tsdp_gloo_join_fn)dlsym(lib, "tsdp_gloo_join");
    auto sum = (tsdp_gloo_sum_fn)dlsym(lib, "tsdp_gloo_sum");
    auto broadcast = (tsdp_gloo_broadcast_fn)dlsym(lib, "tsdp_gloo_broadcast");
    if (!device || !join || !sum || !broadcast) {
        *why = spec.gloo_shim + " lacks tsdp_gloo_device, tsdp_gloo_join, tsdp_gloo_sum or tsdp_gloo_broadcast (a shim from another tsdp version)";
        return nullptr;
    }
    const bool serve = spec.rank == 0 && spec.generation == 0;
    rdzv_store* store = store_open(spec.host, spec.port, serve, spec.rank, "join" + std::to_string(spec.generation) + "/", timeout_s, why);
    if (!store) return nullptr;
    char text[1024] = {0};
    void* transport = device(gloo_host(store).c_str(), gloo_iface().c_str(), text, sizeof text);
    if (!transport) {
        *why = "rank " + std::to_string(spec.rank) + " of " + std::to_string(spec.size) + ": " + text;
        return nullptr;
    }
    // every rank arrives before any engine waits on another: a rank that never comes is named here
    if (store_barrier(store, "join", spec.rank, spec.size, timeout_s, why) != 0) return nullptr;
    // Gloo reads the store only while it connects (connectFullMesh), inside this call
    const tsdp_store_ops ops{store, ops_set, ops_get};
    void* context = join(transport, spec.rank, spec.size, &ops, timeout_s, text, sizeof text);
    if (!context) {
        *why = "rank " + std::to_string(spec.rank) + " of " + std::to_string(spec.size) + ": " + text;
        return nullptr;
    }
    tsdp_group* g = new tsdp_group();
    g->gloo = true;
    g->lib = lib;
    g->rank = spec.rank;
    g->size = spec.size;
    g->timeout_s = timeout_s;
    g->gloo_context = context;
    g->gloo_sum = sum;
    g->gloo_broadcast = broadcast;
    g->store = store;
    std::thread(watch, g).detach();
    the_group = g;
    return g;
}

tsdp_group* the_group_for_export() {
    std::lock_guard<std::mutex> lock(group_mutex);
    return the_group;
}

int group_rank(const tsdp_group* g) { return g ? g->rank : 0; }
int group_size(const tsdp_group* g) { return g ? g->size : 1; }
double group_timeout(const tsdp_group* g) { return g ? g->timeout_s : 0; }

namespace {
/** Gloo's sum through the shim (its message into *why). */
int gloo_sum(tsdp_group* g, void* data, size_t count, int is_double, std::string* why) {
    char text[1024] = {0};
    const int code = g->gloo_sum(g->gloo_context, data, count, is_double, text, sizeof text);
    *why = text;
    return code;
}
}  // namespace

int group_sum_floats(tsdp_group* g, float* data, size_t count, const char* what, std::string* why) {
    if (g->gloo) return watched(g, what, "gloo::allreduce", why, [&](std::string* w) { return gloo_sum(g, data, count, 0, w); });
    return watched(g, what, "MPI_Allreduce", why, [&](std::string*) { return g->allreduce(kInPlace, data, (int)count, g->mpi_float, g->op_sum, g->world); });
}

int group_sum_doubles(tsdp_group* g, double* data, size_t count, const char* what, std::string* why) {
    if (g->gloo) return watched(g, what, "gloo::allreduce", why, [&](std::string* w) { return gloo_sum(g, data, count, 1, w); });
    return watched(g, what, "MPI_Allreduce", why, [&](std::string*) { return g->allreduce(kInPlace, data, (int)count, g->mpi_double, g->op_sum, g->world); });
}

int group_broadcast(tsdp_group* g, void* data, size_t bytes, const char* what, std::string* why) {
    if (g->gloo)
        return watched(g, what, "gloo::broadcast", why, [&](std::string* w) {
            char text[1024] = {0};
            const int code = g->gloo_broadcast(g->gloo_context, data, bytes, text, sizeof text);
            *w = text;
            return code;
        });
    return watched(g, what, "MPI_Bcast", why, [&](std::string*) { return g->bcast(data, (int)bytes, g->mpi_byte, 0, g->world); });
}

int group_publish(tsdp_group* g, void* data, size_t bytes, const char* what, std::string* why) {
    if (!g->gloo) return group_broadcast(g, data, bytes, what, why);
    // every rank publishes in the same order, so the count names the same value on every rank
    const std::string key = "published/" + std::to_string(g->published++);
    if (g->rank == 0) return store_set(g->store, key, std::string((const char*)data, bytes), why);
    std::string value;
    if (store_get(g->store, key, g->timeout_s, &value, why) != 0) return -1;
    if (value.size() != bytes) {
        *why = std::string(what) + ": rank 0 published " + std::to_string(value.size()) + " bytes, rank " + std::to_string(g->rank) + " expected " + std::to_string(bytes);
        return -1;
    }
    std::memcpy(data, value.data(), bytes);
    return 0;
}

const char* group_engine(const tsdp_group* g) { return g && g->gloo ? "Gloo" : "Open MPI"; }

int group_finalize() {
    std::lock_guard<std::mutex> lock(group_mutex);
    tsdp_group* g = the_group;
    if (!g || g->gloo) return 0;  // Gloo's connections close with the process
    int done = 0;
    g->finalized(&done);
    if (done) return 0;
    g->busy_what.store("MPI_Finalize");
    g->busy_since.store(now_ns());
    const int code = g->finalize();
    g->busy_since.store(0);
    return code;
}

}  // namespace tsdp_harness

/** Ends this process's membership of its group (MPI_Finalize); the runtime calls it when Node exits with status 0. */
TSDP_EXPORT int tsdp_group_finalize(void) { return tsdp_harness::group_finalize(); }

/** Sums n doubles across the group in place (scripts' own reductions: evaluation's counts); -1 before a group is joined. */
TSDP_EXPORT int tsdp_group_sum(double* data, int n) {
    tsdp_group* g = tsdp_harness::the_group_for_export();
    if (!g || !data || n < 0) return -1;
    std::string why;
    return tsdp_harness::group_sum_doubles(g, data, (size_t)n, "a script's sum (tsdp_group_sum)", &why);
}
