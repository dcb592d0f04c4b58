// cuBLASLt, loaded at run time (issue 20), the way step.cu loads NCCL: dlopen of libcublasLt.so.13
// or .12 (TSDP_CUBLASLT_LIBRARY overrides the path; on the CPU target only that path is tried, a
// test's fake library), a handle and a preallocated workspace per replica at tsdp_create, and a
// plan per GEMM shape — descriptor, layouts, and the algorithm the heuristic chose — made at the
// first run of that shape and cached. Every batch size runs eagerly once before the harness
// captures it (step.cu's warm-up), so the heuristic query never happens inside a graph capture,
// and a matmul with a preallocated workspace is capturable. Absent, or off, every site launches
// tsdp's own kernel instead (cublaslt.h).
#include "harness.h"
#include "harness_internal.h"
#include "cublaslt.h"
#include "cublaslt_decls.h"

#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <new>
#include <tuple>
#include <dlfcn.h>

namespace {
/**
 * cuBLAS's recommended workspace on Hopper (32 MiB; 4 MiB suffices before it). Allocated once per
 * replica at load: no allocation may happen inside a graph capture.
 */
constexpr size_t WORKSPACE_BYTES = 32u << 20;

using PlanKey = std::tuple<int, int, long long, long long, long long, long long, int>;  // replica, site, M, N, K, batch_count, alignments

struct Plan {
    cublasLtMatmulDesc_t desc = nullptr;
    cublasLtMatrixLayout_t a = nullptr, b = nullptr, c = nullptr;  // cuBLAS's A (tsdp's B), B (tsdp's A), C = D
    cublasLtMatmulAlgo_t algo{};
    bool ok = false;
};

/** The largest power of two up to 256 that divides the address: the alignment the heuristic may assume. */
uint32_t alignment_of(const void* p) {
    uint32_t a = 256;
    while (a > 4 && (reinterpret_cast<std::uintptr_t>(p) % a) != 0) a /= 2;
    return a;
}
int alignment_code(const tsdp_lt_operands& o) {
    return (int)(alignment_of(o.a) | (alignment_of(o.b) << 9) | (alignment_of(o.c) << 18));
}
}  // namespace

struct tsdp_cublaslt {
    void* lib = nullptr;
    std::string library;
    tsdp_cublaslt_api api{};
    struct Replica {
        cublasLtHandle_t handle = nullptr;
        void* workspace = nullptr;
    };
    std::vector<Replica> replicas;
    std::mutex mutex;  // plans are made by whichever host thread runs a replica first
    std::map<PlanKey, Plan> plans;
    std::string broken;  // why cuBLASLt was turned off after a failure
};

namespace tsdp_harness {
namespace {
std::string status_text(tsdp_cublaslt* lt, cublasStatus_t s) {
    const char* text = lt->api.status_string ? lt->api.status_string(s) : nullptr;
    return text ? std::string(text) + " (" + std::to_string(s) + ")" : "status " + std::to_string(s);
}

/** The library's entry points, or false when one is missing. */
bool bind(tsdp_cublaslt* lt) {
    tsdp_cublaslt_api& a = lt->api;
    auto sym = [&](const char* name) { return dlsym(lt->lib, name); };
    a.create = (decltype(a.create))sym("cublasLtCreate");
    a.destroy = (decltype(a.destroy))sym("cublasLtDestroy");
    a.status_string = (decltype(a.status_string))sym("cublasLtGetStatusString");
    a.desc_create = (decltype(a.desc_create))sym("cublasLtMatmulDescCreate");
    a.desc_destroy = (decltype(a.desc_destroy))sym("cublasLtMatmulDescDestroy");
    a.desc_set = (decltype(a.desc_set))sym("cublasLtMatmulDescSetAttribute");
    a.layout_create = (decltype(a.layout_create))sym("cublasLtMatrixLayoutCreate");
    a.layout_destroy = (decltype(a.layout_destroy))sym("cublasLtMatrixLayoutDestroy");
    a.layout_set = (decltype(a.layout_set))sym("cublasLtMatrixLayoutSetAttribute");
    a.pref_create = (decltype(a.pref_create))sym("cublasLtMatmulPreferenceCreate");
    a.pref_destroy = (decltype(a.pref_destroy))sym("cublasLtMatmulPreferenceDestroy");
    a.pref_set = (decltype(a.pref_set))sym("cublasLtMatmulPreferenceSetAttribute");
    a.heuristic = (decltype(a.heuristic))sym("cublasLtMatmulAlgoGetHeuristic");
    a.matmul = (decltype(a.matmul))sym("cublasLtMatmul");
    return a.create && a.destroy && a.desc_create && a.desc_destroy && a.desc_set && a.layout_create && a.layout_destroy && a.layout_set &&
           a.pref_create && a.pref_destroy && a.pref_set && a.heuristic && a.matmul;
}

void free_plan(tsdp_cublaslt* lt, Plan& p) {
    if (p.desc) lt->api.desc_destroy(p.desc);
    for (cublasLtMatrixLayout_t l : {p.a, p.b, p.c})
        if (l) lt->api.layout_destroy(l);
    p = Plan{};
}

int epilogue_value(int e) {
    switch (e) {
        case TSDP_LT_BIAS: return CUBLASLT_EPILOGUE_BIAS;
        case TSDP_LT_RELU: return CUBLASLT_EPILOGUE_RELU;
        case TSDP_LT_RELU_BIAS: return CUBLASLT_EPILOGUE_RELU_BIAS;
        case TSDP_LT_GELU: return CUBLASLT_EPILOGUE_GELU;
        case TSDP_LT_GELU_BIAS: return CUBLASLT_EPILOGUE_GELU_BIAS;
        case TSDP_LT_BGRADB: return CUBLASLT_EPILOGUE_BGRADB;
        default: return CUBLASLT_EPILOGUE_DEFAULT;
    }
}

/** A column-major layout of `rows` × `cols` (leading dimension ld), `count` matrices `stride` apart. */
cublasLtMatrixLayout_t layout(tsdp_cublaslt* lt, long long rows, long long cols, long long ld, long long count, long long stride) {
    cublasLtMatrixLayout_t l = nullptr;
    if (lt->api.layout_create(&l, TSDP_CUDA_R_32F, (uint64_t)rows, (uint64_t)cols, (int64_t)ld) != CUBLAS_STATUS_SUCCESS) return nullptr;
    if (count > 1) {
        const int n = (int)count;
        const int64_t s = stride;
        lt->api.layout_set(l, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, &n, sizeof n);
        lt->api.layout_set(l, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, &s, sizeof s);
    }
    return l;
}

/** The plan of this site and shape on replica `ri`: made (and the heuristic asked) the first time. */
Plan& plan_for(tsdp_cublaslt* lt, int ri, const tsdp_lt_gemm& g, const tsdp_lt_operands& o) {
    std::lock_guard<std::mutex> lock(lt->mutex);
    const PlanKey key{ri, g.site, o.M, o.N, o.K, o.batch_count, alignment_code(o)};
    auto found = lt->plans.find(key);
    if (found != lt->plans.end()) return found->second;
    Plan& p = lt->plans[key];
    const int compute = g.precision == TSDP_LT_TF32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : g.precision == TSDP_LT_BF16 ? CUBLAS_COMPUTE_32F_FAST_16BF : CUBLAS_COMPUTE_32F;
    if (lt->api.desc_create(&p.desc, compute, TSDP_CUDA_R_32F) != CUBLAS_STATUS_SUCCESS) {
        p.desc = nullptr;
        return p;
    }
    // the swap of cublaslt.h: cuBLAS's A is tsdp's B (column-major [N, K], or its transpose stored
    // [K, N] when tsdp's B is stored [N, K]), cuBLAS's B is tsdp's A
    const int trans_a = g.b_transposed ? CUBLAS_OP_T : CUBLAS_OP_N;
    const int trans_b = g.a_transposed ? CUBLAS_OP_T : CUBLAS_OP_N;
    const int epilogue = epilogue_value(g.epilogue);
    lt->api.desc_set(p.desc, CUBLASLT_MATMUL_DESC_TRANSA, &trans_a, sizeof trans_a);
    lt->api.desc_set(p.desc, CUBLASLT_MATMUL_DESC_TRANSB, &trans_b, sizeof trans_b);
    lt->api.desc_set(p.desc, CUBLASLT_MATMUL_DESC_EPILOGUE, &epilogue, sizeof epilogue);
    if (o.bias) lt->api.desc_set(p.desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &o.bias, sizeof o.bias);
    p.a = g.b_transposed ? layout(lt, o.K, o.N, o.K, o.batch_count, o.stride_b) : layout(lt, o.N, o.K, o.N, o.batch_count, o.stride_b);
    p.b = g.a_transposed ? layout(lt, o.M, o.K, o.M, o.batch_count, o.stride_a) : layout(lt, o.K, o.M, o.K, o.batch_count, o.stride_a);
    p.c = layout(lt, o.N, o.M, o.N, o.batch_count, o.M * o.N);
    if (!p.a || !p.b || !p.c) {
        free_plan(lt, p);
        return p;
    }
    cublasLtMatmulPreference_t pref = nullptr;
    if (lt->api.pref_create(&pref) != CUBLAS_STATUS_SUCCESS) {
        free_plan(lt, p);
        return p;
    }
    const uint64_t workspace = WORKSPACE_BYTES;
    lt->api.pref_set(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &workspace, sizeof workspace);
    // the operands' real alignment (an activation at offset·batch may be 4-byte aligned only): by
    // default the heuristic assumes 256 bytes and may choose an algorithm this call cannot run
    const uint32_t align_a = alignment_of(o.b), align_b = alignment_of(o.a), align_c = alignment_of(o.c);
    lt->api.pref_set(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, &align_a, sizeof align_a);
    lt->api.pref_set(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES, &align_b, sizeof align_b);
    lt->api.pref_set(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, &align_c, sizeof align_c);
    lt->api.pref_set(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES, &align_c, sizeof align_c);
    cublasLtMatmulHeuristicResult_t result{};
    int returned = 0;
    const cublasStatus_t s = lt->api.heuristic(lt->replicas[ri].handle, p.desc, p.a, p.b, p.c, p.c, pref, 1, &result, &returned);
    lt->api.pref_destroy(pref);
    // no algorithm for this shape, epilogue or alignment: the site runs tsdp's kernel for it
    if (s != CUBLAS_STATUS_SUCCESS || returned < 1 || result.workspaceSize > WORKSPACE_BYTES) {
        free_plan(lt, p);
        return p;
    }
    p.algo = result.algo;
    p.ok = true;
    return p;
}

tsdp_cublaslt* usable(tsdp_model* m) {
    tsdp_cublaslt* lt = m->cublaslt;
    return lt && lt->broken.empty() ? lt : nullptr;
}
}  // namespace

void cublaslt_open(tsdp_model* m) {
    const int sites = tsdp_model_description.cublaslt_sites;
    if (sites == 0) {
        m->cublaslt_note = "not used (no GEMM chosen for it at compile time: --gemm tsdp, or none above the --gemm auto threshold)";
        return;
    }
    std::vector<std::string> candidates;
    const char* override_path = std::getenv("TSDP_CUBLASLT_LIBRARY");
    if (override_path && *override_path) candidates.push_back(override_path);
#ifdef TSDP_CUDA_SHIM
    // The CPU target has no cuBLAS: tests give it a fake one that computes on the virtual devices'
    // host memory (test/cublaslt/fake_cublaslt.cpp), through TSDP_CUBLASLT_LIBRARY only.
    if (candidates.empty()) {
        m->cublaslt_note = "not used (the CPU target has no cuBLASLt; TSDP_CUBLASLT_LIBRARY names a stand-in)";
        return;
    }
#else
    if (candidates.empty()) candidates = {"libcublasLt.so.13", "libcublasLt.so.12", "libcublasLt.so.11"};
#endif
    auto* lt = new (std::nothrow) tsdp_cublaslt();
    if (!lt) return;
    std::string tried;
    for (const std::string& c : candidates) {
        lt->lib = dlopen(c.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (lt->lib) {
            lt->library = c;
            break;
        }
        const char* why = dlerror();
        tried += (tried.empty() ? "" : "; ") + (why ? std::string(why) : c + " not found");
    }
    std::string why;
    if (!lt->lib) why = "library not loaded: " + tried;
    else if (!bind(lt)) why = lt->library + " lacks the entry points tsdp uses";
    else {
        lt->replicas.resize(m->replicas.size());
        for (size_t i = 0; i < m->replicas.size() && why.empty(); ++i) {
            cudaSetDevice(m->replicas[i].device);
            const cublasStatus_t s = lt->api.create(&lt->replicas[i].handle);
            if (s != CUBLAS_STATUS_SUCCESS) {
                lt->replicas[i].handle = nullptr;
                why = "cublasLtCreate failed: " + status_text(lt, s);
            } else if (cudaMalloc(&lt->replicas[i].workspace, WORKSPACE_BYTES) != cudaSuccess) {
                (void)cudaGetLastError();
                lt->replicas[i].workspace = nullptr;
                why = "no device memory for its " + std::to_string(WORKSPACE_BYTES >> 20) + " MiB workspace";
            }
        }
    }
    if (!why.empty()) {
        m->cublaslt = lt;
        cublaslt_close(m);
        m->cublaslt_note = "not used (" + why + "); tsdp's kernels run every GEMM";
        return;
    }
    m->cublaslt = lt;
    m->cublaslt_note = "";
}

void cublaslt_close(tsdp_model* m) {
    tsdp_cublaslt* lt = m->cublaslt;
    if (!lt) return;
    for (auto& [key, plan] : lt->plans) free_plan(lt, plan);
    for (size_t i = 0; i < lt->replicas.size(); ++i) {
        if (i < m->replicas.size()) cudaSetDevice(m->replicas[i].device);
        if (lt->replicas[i].workspace) cudaFree(lt->replicas[i].workspace);
        if (lt->replicas[i].handle) lt->api.destroy(lt->replicas[i].handle);
    }
    if (lt->lib) dlclose(lt->lib);
    delete lt;
    m->cublaslt = nullptr;
}

std::string describe_cublaslt(tsdp_model* m) {
    const int sites = tsdp_model_description.cublaslt_sites;
    if (m->cublaslt && !m->cublaslt->broken.empty()) return "; cuBLASLt: off after an error (" + m->cublaslt->broken + "); tsdp's kernels run every GEMM";
    if (m->cublaslt) return "; cuBLASLt: " + m->cublaslt->library + " for " + std::to_string(sites) + " GEMM site(s) (tsdp's kernel where it has no algorithm)";
    return "; cuBLASLt: " + m->cublaslt_note;
}

bool lt_will_run(tsdp_model* m, tsdp_replica* r, const tsdp_lt_gemm& g, const tsdp_lt_operands& o) {
    tsdp_cublaslt* lt = usable(m);
    if (!lt || o.M < 1 || o.N < 1 || o.K < 1 || o.batch_count < 1) return false;
    return plan_for(lt, (int)(r - m->replicas.data()), g, o).ok;
}

int lt_gemm(tsdp_model* m, tsdp_replica* r, const tsdp_lt_gemm& g, const tsdp_lt_operands& o) {
    if (!lt_will_run(m, r, g, o)) return 0;
    tsdp_cublaslt* lt = m->cublaslt;
    const int ri = (int)(r - m->replicas.data());
    Plan& p = plan_for(lt, ri, g, o);
    // the bias (or bias-gradient) address is the replica's: set it on every call, as the plan is cached per shape
    if (o.bias) lt->api.desc_set(p.desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &o.bias, sizeof o.bias);
    const float one = 1.0f, zero = 0.0f;
    const cublasStatus_t s = lt->api.matmul(lt->replicas[ri].handle, p.desc, &one, o.b, p.a, o.a, p.b, &zero, o.c, p.c, o.c, p.c, &p.algo,
                                            lt->replicas[ri].workspace, WORKSPACE_BYTES, r->stream);
    if (s != CUBLAS_STATUS_SUCCESS) {
        // this run's results are incomplete: fail it with cuBLASLt's reason; later runs use tsdp's kernels
        lt->broken = std::string("cublasLtMatmul for ") + g.name + " failed: " + status_text(lt, s);
        return fail(m, -1, lt->broken + "; cuBLASLt is off for this model from now on (tsdp's kernels)");
    }
    return 1;
}
}  // namespace tsdp_harness
