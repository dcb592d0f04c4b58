// The process group (group.h): Open MPI loaded at run time, or Gloo (through tsdp's shim) after a
// rendezvous at MASTER_ADDR:MASTER_PORT; and the watchdog on their collectives.
#define TSDP_SOURCE_NAME "group.cu"
#include "group.h"

#include "gloo_abi.h"
#include "store.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <thread>
#include <vector>
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
    int (*set_errhandler)(mpi_handle, mpi_handle) = nullptr;
    mpi_handle errors_return = nullptr;
    mpi_handle world = nullptr, mpi_float = nullptr, mpi_double = nullptr, mpi_byte = nullptr, op_sum = nullptr;
    // Gloo: the shim's context and entry points, and the store the ranks met at
    void* gloo_context = nullptr;
    tsdp_gloo_sum_fn gloo_sum = nullptr;
    tsdp_gloo_broadcast_fn gloo_broadcast = nullptr;
    tsdp_harness::rdzv_store* store = nullptr;
    unsigned published = 0;  // group_publish's calls so far: each publishes under its own key
    // Every host collective carries a tag per rank (its kind and this group's count of collectives),
    // so that a rank in another collective than the others (it skipped a step, or called
    // allReduceSum another number of times) is named instead of summing the wrong values.
    unsigned long long calls = 0;
    std::vector<std::string> kinds;  // the `what` of each kind seen here, to name another rank's
    std::vector<float> float_scratch;
    std::vector<double> double_scratch;
    // The watchdog: the collective in progress (its name) and since when (steady-clock ns; 0: none).
    double timeout_s = 0;
    std::atomic<long long> busy_since{0};
    std::atomic<const char*> busy_what{nullptr};
    std::atomic<bool> joining{false};  // busy in MPI_Init_thread: waiting for every rank to reach load()
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
        if (g->joining.load()) {
            std::fprintf(stderr,
                         "tsdp: rank %d of %d: waited %g s in load() for the other ranks to join the group (MPI_Init_thread): "
                         "another rank is slow, hangs or died before its load() (the timeout is load()'s distributed.timeout or TSDP_DIST_TIMEOUT); stopping this rank\n",
                         g->rank, g->size, g->timeout_s);
            std::fflush(stderr);
            _exit(75);
        }
        std::fprintf(stderr,
                     "tsdp: rank %d of %d: %s did not complete within %g s: another rank died or hangs "
                     "(the timeout is load()'s distributed.timeout or TSDP_DIST_TIMEOUT); stopping this rank\n",
                     g->rank, g->size, what ? what : "a collective", g->timeout_s);
        std::fflush(stderr);
        _exit(75);
    }
}

/** Starts the watchdog; false and *why when no thread can be had (RLIMIT_NPROC, memory): an uncaught std::system_error would end the Node process. */
bool start_watchdog(tsdp_group* g, std::string* why) {
    try {
        std::thread(watch, g).detach();  // the group is never freed once the watchdog holds it
        return true;
    } catch (const std::exception& e) {
        *why = "rank " + std::to_string(g->rank) + " of " + std::to_string(g->size) + ": cannot start the collectives' watchdog thread: " + e.what();
        return false;
    }
}

template <typename F>
void bind(void* lib, const char* name, F* out) {
    *out = (F)dlsym(lib, name);
}

std::string mpi_error(tsdp_group* g, int code) {
    char text[kMaxErrorString + 1] = {0};
    int len = 0;
    std::string message = g->error_string && g->error_string(code, text, &len) == kMpiSuccess ? std::string(text, (size_t)len) : "MPI error " + std::to_string(code);
    // another rank's collective sent more data than this one's takes: it was another collective
    // (Open MPI's text for its error class, as it names it; its mpi.h is not installed to compare codes)
    if (message.rfind("MPI_ERR_TRUNCATE", 0) == 0)
        message += " (another rank's collective was of another size: the ranks did not take the same steps — one skipped or added a step, or called allReduceSum another number of times)";
    return message;
}

/**
 * Runs one collective under the watchdog (unless `watch` is false: the end of the job, which waits
 * as long as the other ranks work); `what` says what it sums, `call` names the engine's function
 * ("MPI_Allreduce"), and the watchdog's message names both.
 */
template <typename F>
int watched(tsdp_group* g, const char* what, const char* call, std::string* why, F run, bool watch = true) {
    // a buffer of the group's own, never freed: the watchdog may read it from its thread at any time
    std::snprintf(g->busy_text, sizeof g->busy_text, "%s (%s)", what, call);
    g->busy_what.store(g->busy_text);
    if (watch) g->busy_since.store(now_ns());
    std::string engine_why;
    const int code = run(&engine_why);
    g->busy_since.store(0);
    if (code != kMpiSuccess)
        *why = "rank " + std::to_string(g->rank) + " of " + std::to_string(g->size) + ": " + g->busy_text + " failed: " +
               (g->gloo ? engine_why + " (another rank died, hangs, or did not take the same step)" : mpi_error(g, code));
    return code;
}

}  // namespace

namespace {
int verify_model(tsdp_group* g, std::string* why);

/** The launcher's rank and size for the watchdog's message before MPI knows them (-1: not given). */
int env_int(const char* a, const char* b) {
    for (const char* name : {a, b}) {
        const char* v = std::getenv(name);
        if (v && *v) return std::atoi(v);
    }
    return -1;
}

tsdp_group* join_mpi(double timeout_s, std::string* why) {
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
    bind(lib, "MPI_Comm_set_errhandler", &g->set_errhandler);
    g->errors_return = dlsym(lib, "ompi_mpi_errors_return");
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
    // MPI_Init_thread waits until every rank has called it: the watchdog covers it too, so that a
    // rank that never reaches load() ends the others after the timeout instead of holding them forever
    g->rank = env_int("OMPI_COMM_WORLD_RANK", "SLURM_PROCID");
    g->size = env_int("OMPI_COMM_WORLD_SIZE", "SLURM_NTASKS");
    if (!already) {
        g->joining.store(true);
        g->busy_what.store("joining the group (MPI_Init_thread)");
        g->busy_since.store(now_ns());
    }
    if (!start_watchdog(g, why)) return nullptr;
    // SERIALIZED: the runtime calls from the main thread and from koffi's worker threads, never two at once
    int provided = 0;
    int code = already ? kMpiSuccess : g->init_thread(nullptr, nullptr, kThreadSerialized, &provided);
    g->busy_since.store(0);
    g->joining.store(false);
    if (code == kMpiSuccess) code = g->comm_rank(g->world, &g->rank);
    if (code == kMpiSuccess) code = g->comm_size(g->world, &g->size);
    // errors come back to the caller, which names the rank and the collective (MPI's default ends the job unnamed)
    if (code == kMpiSuccess && g->set_errhandler && g->errors_return) code = g->set_errhandler(g->world, g->errors_return);
    if (code != kMpiSuccess) {
        *why = "MPI_Init_thread failed: " + mpi_error(g, code);
        return nullptr;
    }
    the_group = g;
    return g;
}
}  // namespace

tsdp_group* group_join(double timeout_s, std::string* why) {
    tsdp_group* g = join_mpi(timeout_s, why);
    return g && verify_model(g, why) == 0 ? g : nullptr;
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

namespace {
tsdp_group* join_gloo(const rendezvous_spec& spec, double timeout_s, std::string* why) {
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
    auto join = (tsdp_gloo_join_until_fn)dlsym(lib, "tsdp_gloo_join_until");
    auto sum = (tsdp_gloo_sum_fn)dlsym(lib, "tsdp_gloo_sum");
    auto broadcast = (tsdp_gloo_broadcast_fn)dlsym(lib, "tsdp_gloo_broadcast");
    if (!device || !join || !sum || !broadcast) {
        *why = spec.gloo_shim + " lacks tsdp_gloo_device, tsdp_gloo_join_until, tsdp_gloo_sum or tsdp_gloo_broadcast (a shim from another tsdp version)";
        return nullptr;
    }
    const bool serve = spec.rank == 0 && spec.generation == 0;
    // The timeout bounds the whole join, not each of its waits: reaching the store, the barrier and
    // Gloo's connections share one deadline (a rank that publishes its address and never connects
    // made rank 0 wait the timeout per wait, and Gloo 5 times it per connection).
    const deadline_type deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds((long long)(timeout_s * 1000));
    rdzv_store* store = store_open(spec.host, spec.port, serve, spec.size, spec.rank, "join" + std::to_string(spec.generation) + "/", timeout_s, deadline, why);
    if (!store) return nullptr;
    // a failed join lets go of its connection: rank 0's store serves a world size's worth and a few more
    struct closer {
        rdzv_store*& s;
        ~closer() { store_close(s); }
    } close_on_failure{store};
    char text[1024] = {0};
    void* transport = device(gloo_host(store).c_str(), gloo_iface().c_str(), text, sizeof text);
    if (!transport) {
        *why = "rank " + std::to_string(spec.rank) + " of " + std::to_string(spec.size) + ": " + text;
        return nullptr;
    }
    // every rank arrives before any engine waits on another: a rank that never comes is named here
    if (store_barrier(store, "join", spec.rank, spec.size, timeout_s, deadline, why) != 0) return nullptr;
    // Gloo reads the store only while it connects (connectFullMesh), inside this call
    const tsdp_store_ops ops{store, ops_set, ops_get};
    const double left_s = std::max(0.0, std::chrono::duration<double>(deadline - std::chrono::steady_clock::now()).count());
    void* context = join(transport, spec.rank, spec.size, &ops, timeout_s, left_s, text, sizeof text);
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
    store = nullptr;  // the group holds it now
    if (!start_watchdog(g, why)) return nullptr;
    the_group = g;
    return g;
}
}  // namespace

tsdp_group* group_join_rendezvous(const rendezvous_spec& spec, double timeout_s, std::string* why) {
    tsdp_group* g = join_gloo(spec, timeout_s, why);
    return g && verify_model(g, why) == 0 ? g : nullptr;
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

namespace {
/** A small code for the kind of collective (its `what`), remembered to name another rank's kind. */
unsigned kind_code(tsdp_group* g, const char* what) {
    unsigned h = 2166136261u;
    for (const char* c = what; *c; ++c) h = (h ^ (unsigned char)*c) * 16777619u;
    const unsigned code = h % 255 + 1;
    if (std::find(g->kinds.begin(), g->kinds.end(), what) == g->kinds.end()) g->kinds.push_back(what);
    return code;
}

std::string kind_name(tsdp_group* g, unsigned code) {
    for (const auto& k : g->kinds)
        if (kind_code(g, k.c_str()) == code) return k;
    return "";
}

/**
 * The tag of this rank's next collective: its kind (8 bits) and the group's count of collectives
 * (16 bits), exact in a float; 0 never occurs.
 */
unsigned next_tag(tsdp_group* g, const char* what) { return (kind_code(g, what) << 16) | (unsigned)(g->calls++ & 0xffff); }

/** After a sum of the ranks' tags (rank r's at [r], 0 elsewhere): the first rank whose tag differs from this rank's, named; "" when all agree. */
template <typename T>
std::string tag_mismatch(tsdp_group* g, const T* tags, unsigned mine) {
    const char* const advice = ": the ranks did not take the same steps (one skipped or added a step, or called allReduceSum another number of times)";
    // this rank's own tag not back: another rank sent data of another size or type (its collective was of another kind)
    if (!(tags[g->rank] == (T)mine)) return std::string("the ranks were in different collectives (the sum came back without this rank's own tag)") + advice;
    for (int r = 0; r < g->size; ++r) {
        const unsigned theirs = (unsigned)tags[r];
        if (theirs == mine) continue;
        const std::string kind = kind_name(g, theirs >> 16);
        return "rank " + std::to_string(r) + " was in another collective (" + (kind.empty() ? "another kind" : kind) + ", its host collective #" +
               std::to_string(theirs & 0xffff) + "; this rank's #" + std::to_string(mine & 0xffff) +
               " mod 65536)" + advice;
    }
    return "";
}

/** An in-place sum with each rank's tag appended (size elements more): a rank in another collective is named, not summed. */
template <typename T>
int tagged_sum(tsdp_group* g, T* data, size_t count, const char* what, std::string* why, std::vector<T>& scratch, mpi_handle type, int is_double,
               bool watch = true) {
    const unsigned tag = next_tag(g, what);
    scratch.assign(count + (size_t)g->size, T(0));
    if (count) std::memcpy(scratch.data(), data, count * sizeof(T));
    scratch[count + (size_t)g->rank] = (T)tag;
    const char* call = g->gloo ? "gloo::allreduce" : "MPI_Allreduce";
    int code = watched(g, what, call, why, [&](std::string* w) {
        if (g->gloo) return gloo_sum(g, scratch.data(), scratch.size(), is_double, w);
        return g->allreduce(kInPlace, scratch.data(), (int)scratch.size(), type, g->op_sum, g->world);
    }, watch);
    if (code != 0) return code;
    const std::string other = tag_mismatch(g, scratch.data() + count, tag);
    if (!other.empty()) {
        *why = "rank " + std::to_string(g->rank) + " of " + std::to_string(g->size) + ": " + g->busy_text + " failed: " + other;
        return -1;
    }
    if (count) std::memcpy(data, scratch.data(), count * sizeof(T));
    return 0;
}
}  // namespace

int group_sum_floats(tsdp_group* g, float* data, size_t count, const char* what, std::string* why) {
    return tagged_sum(g, data, count, what, why, g->float_scratch, g->mpi_float, 0);
}

int group_sum_doubles(tsdp_group* g, double* data, size_t count, const char* what, std::string* why) {
    return tagged_sum(g, data, count, what, why, g->double_scratch, g->mpi_double, 1);
}

int group_broadcast(tsdp_group* g, void* data, size_t bytes, const char* what, std::string* why) {
    // the tags first (a broadcast has no room for them): every rank is about to broadcast the same thing
    if (int code = group_sum_doubles(g, nullptr, 0, what, why)) return code;
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

namespace {
const char* const kOptimizers[] = {"SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adamax", "Adadelta", "NAdam", "RAdam"};

/**
 * What every rank's model must agree on, a line each: its parameters and buffers (names, bytes,
 * dtypes, offsets), the gradient buckets, the loss's reduction and the optimizer (PyTorch's DDP
 * checks the parameters' shapes at construction, _verify_param_shape_across_processes).
 */
std::string model_fingerprint() {
    const tsdp_model_desc& d = tsdp_model_description;
    std::string s;
#ifdef TSDP_CUDA_SHIM
    s += "target cpu\n";
#else
    s += "target cuda\n";
#endif
    // the tensors first: the first difference then names one
    for (int i = 0; i < d.state_count; ++i) {
        const tsdp_tensor_info& t = d.state[i].t;
        s += std::string("tensor ") + (t.name ? t.name : "?") + ": " + std::to_string(t.bytes) + " bytes at " + std::to_string(t.offset) + ", dtype " +
             std::to_string(t.dtype) + "\n";
    }
    s += "parameters and buffers " + std::to_string(d.state_count) + ", " + std::to_string(d.param_bytes) + " bytes\n";
    s += "inputs " + std::to_string(d.input_count) + ", outputs " + std::to_string(d.output_count) + "\n";
    if (const tsdp_training_desc* t = d.training) {
        s += std::string("loss reduction ") + (t->mean_loss ? "mean" : "sum") + (t->count_targets ? " over counted targets" : "") + "\n";
        s += "ignore_index " + std::to_string(t->ignore_index) + ", class weights " + std::to_string(t->class_weights ? t->class_count : 0) + "\n";
        s += "counted target elements per sample " + std::to_string(t->target_offsets ? t->target_offset_count : t->targets_per_sample) + "\n";
        const int k = t->optimizer;
        s += std::string("optimizer ") + (k >= 0 && k < (int)(sizeof kOptimizers / sizeof *kOptimizers) ? kOptimizers[k] : std::to_string(k).c_str()) +
             ", flags " + std::to_string(t->optimizer_flags) + ", param groups " + std::to_string(t->group_count) + "\n";
        s += "trained floats " + std::to_string(t->param_floats) + "\n";
        s += "gradient buckets " + std::to_string(t->bucket_count) + "\n";
        for (int b = 0; b < t->bucket_count; ++b)
            s += "bucket " + std::to_string(b) + ": " + std::to_string(t->buckets[b].count) + " floats at " + std::to_string(t->buckets[b].offset) + "\n";
    } else
        s += "no training step\n";
    return s;
}

std::vector<std::string> lines_of(const std::string& s) {
    std::vector<std::string> out;
    size_t at = 0;
    while (at < s.size()) {
        size_t nl = s.find('\n', at);
        if (nl == std::string::npos) nl = s.size();
        out.push_back(s.substr(at, nl - at));
        at = nl + 1;
    }
    return out;
}

/** The first line where `mine` differs from rank 0's; "" when they are equal. */
std::string first_difference(const std::string& rank0, const std::string& mine, int rank) {
    const auto a = lines_of(rank0), b = lines_of(mine);
    for (size_t i = 0; i < a.size() || i < b.size(); ++i) {
        const std::string x = i < a.size() ? a[i] : "(nothing)", y = i < b.size() ? b[i] : "(nothing)";
        if (x != y) return "rank 0 has \"" + x + "\", rank " + std::to_string(rank) + " has \"" + y + "\"";
    }
    return "";
}

constexpr size_t kReasonChars = 480;

/**
 * Before any rank sends its parameters, each compares its model with rank 0's (sent to all); every
 * rank learns the first rank that differs and its first difference, and every rank refuses.
 */
int verify_model(tsdp_group* g, std::string* why) {
    if (g->size <= 1) return 0;
    const std::string mine = model_fingerprint();
    double length = g->rank == 0 ? (double)mine.size() : 0;
    if (group_sum_doubles(g, &length, 1, "the comparison of the ranks' models (its length)", why) != 0) return -1;
    std::string rank0(g->rank == 0 ? mine : std::string((size_t)length, '\0'));
    if (group_broadcast(g, &rank0[0], rank0.size(), "the comparison of the ranks' models (rank 0's)", why) != 0) return -1;
    const std::string difference = first_difference(rank0, mine, g->rank);
    // which ranks differ, and the first one's difference (a rank writes only its own places: the sum gathers)
    std::vector<double> report((size_t)g->size, 0.0);
    if (!difference.empty()) report[(size_t)g->rank] = 1;
    if (group_sum_doubles(g, report.data(), (size_t)g->size, "the comparison of the ranks' models (who differs)", why) != 0) return -1;
    int first = -1, count = 0;
    for (int r = 0; r < g->size; ++r)
        if (report[(size_t)r] != 0) {
            if (first < 0) first = r;
            ++count;
        }
    if (first < 0) return 0;
    std::vector<double> text(kReasonChars, 0.0);
    if (g->rank == first)
        for (size_t i = 0; i < difference.size() && i < kReasonChars; ++i) text[i] = (unsigned char)difference[i];
    if (group_sum_doubles(g, text.data(), text.size(), "the comparison of the ranks' models (the difference)", why) != 0) return -1;
    std::string said;
    for (double c : text)
        if (c != 0) said += (char)(int)c;
    *why = "rank " + std::to_string(g->rank) + " of " + std::to_string(g->size) + ": the ranks loaded different models: rank " + std::to_string(first) +
           "'s differs from rank 0's" + (count > 1 ? " (and " + std::to_string(count - 1) + " more rank" + (count > 2 ? "s'" : "'s") + ")" : "") +
           "; first difference: " + said + ". Every rank must load the same build (the same model, loss and optimizer)";
    return -1;
}
}  // namespace

const char* group_engine(const tsdp_group* g) { return g && g->gloo ? "Gloo" : "Open MPI"; }

int group_finalize() {
    std::lock_guard<std::mutex> lock(group_mutex);
    tsdp_group* g = the_group;
    if (!g || g->gloo) return 0;  // Gloo's connections close with the process
    int done = 0;
    g->finalized(&done);
    if (done) return 0;
    // A last tagged collective first, so that a rank that ends while another still takes steps (it
    // skipped one) is caught there, on both sides, rather than leaving the other to wait out the
    // timeout in a sum this rank never joins. Neither it nor MPI_Finalize is under the watchdog: a
    // rank that works on alone at the end (rank 0's checkpoint, an evaluation) may take longer than
    // a collective's timeout. A rank that dies meanwhile is seen by mpirun, which stops the job.
    std::string why;
    if (tagged_sum(g, (double*)nullptr, 0, "the end of this rank's steps", &why, g->double_scratch, g->mpi_double, 1, false) != 0) {
        // no MPI_Finalize: the process ends non-zero and mpirun stops the others
        std::fprintf(stderr, "tsdp: %s\n", why.c_str());
        return -1;
    }
    return g->finalize();
}

}  // namespace tsdp_harness

/** Ends this process's membership of its group (MPI_Finalize); the runtime calls it when Node exits with status 0. */
TSDP_EXPORT int tsdp_group_finalize(void) { return tsdp_harness::group_finalize(); }

/** Sums n doubles across the group in place (scripts' own reductions: evaluation's counts); -1 before a group is joined. */
TSDP_EXPORT int tsdp_group_sum(double* data, int n) {
    tsdp_group* g = tsdp_harness::the_group_for_export();
    if (!g || !data || n < 0) return -1;
    std::string why;
    const int code = tsdp_harness::group_sum_doubles(g, data, (size_t)n, "a script's sum (allReduceSum)", &why);
    // the reason, for tsdp_last_error(NULL) on this thread
    if (code != 0) tsdp_harness::fail(nullptr, code, why);
    return code;
}
