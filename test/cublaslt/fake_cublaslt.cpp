// A stand-in for libcublasLt on the CPU target, for test/cublaslt.test.ts: the entry points tsdp
// uses (runtime/harness/cublaslt_decls.h), with a plain reference GEMM over the virtual devices'
// host memory. It honours what the real library does with what tsdp passes — column-major layouts,
// transposes, leading dimensions, strided batches, the epilogues tsdp maps (BIAS, RELU, RELU_BIAS,
// GELU, GELU_BIAS, BGRADB), the workspace size, the operands' alignment the heuristic was told of (a matmul on less
// aligned pointers fails, as the real one may), and the compute type's rounding of the operands (TF32: 10 mantissa
// bits, BF16: 7, both to nearest even) — and it enqueues its work on the stream with
// cudaLaunchHostFunc, so a captured CUDA graph replays it. Built with the CPU shim's header
// (-include cuda_shim.h), as the model is.
//
// FAKE_CUBLASLT_FAIL breaks it: "heuristic" returns no algorithm (tsdp falls back to its kernels),
// "matmul:N" makes the N-th cublasLtMatmul since the last cublasLtCreate return
// CUBLAS_STATUS_EXECUTION_FAILED.
// FAKE_CUBLASLT_LOG names a file that gets one line per matmul (trans, epilogue, dims) for the test.
#include "cublaslt_decls.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {
struct Desc {
    int compute, trans_a = CUBLAS_OP_N, trans_b = CUBLAS_OP_N, epilogue = CUBLASLT_EPILOGUE_DEFAULT;
    float* bias = nullptr;
};
struct Layout {
    int type;
    uint64_t rows, cols;
    int64_t ld;
    int batch = 1;
    int64_t stride = 0;
};
int matmuls = 0;

std::string failure() {
    const char* f = std::getenv("FAKE_CUBLASLT_FAIL");
    return f ? f : "";
}

float round_mantissa(float x, int dropped) {
    uint32_t u;
    std::memcpy(&u, &x, 4);
    if ((u & 0x7f800000u) == 0x7f800000u) return x;  // inf, nan
    const uint32_t half = 1u << (dropped - 1), lsb = (u >> dropped) & 1u;
    u = (u + half - 1 + lsb) & ~((1u << dropped) - 1);
    std::memcpy(&x, &u, 4);
    return x;
}
float operand(float x, int compute) {
    if (compute == CUBLAS_COMPUTE_32F_FAST_TF32) return round_mantissa(x, 13);
    if (compute == CUBLAS_COMPUTE_32F_FAST_16BF) return round_mantissa(x, 16);
    return x;
}

struct Call {
    Desc d;
    Layout la, lb, lc;
    const float *a, *b;
    float* c;
};

/** Element (i, j) of op(X), X column-major with leading dimension ld. */
float at(const float* x, const Layout& l, int trans, int64_t i, int64_t j) {
    return trans == CUBLAS_OP_N ? x[i + j * l.ld] : x[j + i * l.ld];
}

void run(void* p) {
    Call* call = static_cast<Call*>(p);
    const Call& k = *call;
    const int64_t rows = k.lc.rows, cols = k.lc.cols;
    const int64_t depth = k.d.trans_a == CUBLAS_OP_N ? k.la.cols : k.la.rows;
    for (int z = 0; z < k.lc.batch; ++z) {
        const float* a = k.a + z * k.la.stride;
        const float* b = k.b + z * k.lb.stride;
        float* c = k.c + z * k.lc.stride;
        for (int64_t j = 0; j < cols; ++j)
            for (int64_t i = 0; i < rows; ++i) {
                double s = 0;
                for (int64_t q = 0; q < depth; ++q)
                    s += (double)operand(at(a, k.la, k.d.trans_a, i, q), k.d.compute) * operand(at(b, k.lb, k.d.trans_b, q, j), k.d.compute);
                float v = (float)s;
                const int e = k.d.epilogue;
                if ((e == CUBLASLT_EPILOGUE_BIAS || e == CUBLASLT_EPILOGUE_RELU_BIAS || e == CUBLASLT_EPILOGUE_GELU_BIAS) && k.d.bias) v += k.d.bias[i];
                if (e == CUBLASLT_EPILOGUE_RELU || e == CUBLASLT_EPILOGUE_RELU_BIAS) v = v > 0.0f ? v : 0.0f;
                // cuBLASLt's GELU: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
                if (e == CUBLASLT_EPILOGUE_GELU || e == CUBLASLT_EPILOGUE_GELU_BIAS) v = 0.5f * v * (1.0f + std::tanh(0.7978845608028654f * (v + 0.044715f * v * v * v)));
                c[i + j * k.lc.ld] = v;
            }
        if (k.d.epilogue == CUBLASLT_EPILOGUE_BGRADB && k.d.bias)
            for (int64_t j = 0; j < cols; ++j) {  // per column of D: op(B)'s column j summed over k
                double s = 0;
                for (int64_t q = 0; q < depth; ++q) s += at(b, k.lb, k.d.trans_b, q, j);
                k.d.bias[j] = (float)s;
            }
    }
}
}  // namespace

extern "C" {
cublasStatus_t cublasLtCreate(cublasLtHandle_t* h) {
    matmuls = 0;  // a new model (one replica): FAKE_CUBLASLT_FAIL counts its matmuls
    *h = reinterpret_cast<cublasLtHandle_t>(new int(1));
    return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t cublasLtDestroy(cublasLtHandle_t h) {
    delete reinterpret_cast<int*>(h);
    return CUBLAS_STATUS_SUCCESS;
}
const char* cublasLtGetStatusString(cublasStatus_t s) {
    return s == CUBLAS_STATUS_EXECUTION_FAILED ? "the GPU program failed to execute (fake)" : "fake status";
}
cublasStatus_t cublasLtMatmulDescCreate(cublasLtMatmulDesc_t* d, int compute, int scale) {
    if (scale != TSDP_CUDA_R_32F) return CUBLAS_STATUS_NOT_SUPPORTED;
    if (compute != CUBLAS_COMPUTE_32F && compute != CUBLAS_COMPUTE_32F_FAST_TF32 && compute != CUBLAS_COMPUTE_32F_FAST_16BF) return CUBLAS_STATUS_NOT_SUPPORTED;
    *d = reinterpret_cast<cublasLtMatmulDesc_t>(new Desc{compute});
    return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t cublasLtMatmulDescDestroy(cublasLtMatmulDesc_t d) {
    delete reinterpret_cast<Desc*>(d);
    return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t cublasLtMatmulDescSetAttribute(cublasLtMatmulDesc_t dd, int attr, const void* buf, size_t size) {
    Desc* d = reinterpret_cast<Desc*>(dd);
    if (attr == CUBLASLT_MATMUL_DESC_BIAS_POINTER && size == sizeof(void*)) std::memcpy(&d->bias, buf, size);
    else if (size != 4) return CUBLAS_STATUS_INVALID_VALUE;
    else if (attr == CUBLASLT_MATMUL_DESC_TRANSA) std::memcpy(&d->trans_a, buf, 4);
    else if (attr == CUBLASLT_MATMUL_DESC_TRANSB) std::memcpy(&d->trans_b, buf, 4);
    else if (attr == CUBLASLT_MATMUL_DESC_EPILOGUE) std::memcpy(&d->epilogue, buf, 4);
    else return CUBLAS_STATUS_INVALID_VALUE;
    return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t cublasLtMatrixLayoutCreate(cublasLtMatrixLayout_t* l, int type, uint64_t rows, uint64_t cols, int64_t ld) {
    if (type != TSDP_CUDA_R_32F || ld < (int64_t)rows) return CUBLAS_STATUS_INVALID_VALUE;  // column-major: ld ≥ rows
    *l = reinterpret_cast<cublasLtMatrixLayout_t>(new Layout{type, rows, cols, ld});
    return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t cublasLtMatrixLayoutDestroy(cublasLtMatrixLayout_t l) {
    delete reinterpret_cast<Layout*>(l);
    return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t cublasLtMatrixLayoutSetAttribute(cublasLtMatrixLayout_t ll, int attr, const void* buf, size_t size) {
    Layout* l = reinterpret_cast<Layout*>(ll);
    if (attr == CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT && size == 4) std::memcpy(&l->batch, buf, 4);
    else if (attr == CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET && size == 8) std::memcpy(&l->stride, buf, 8);
    else return CUBLAS_STATUS_INVALID_VALUE;
    return CUBLAS_STATUS_SUCCESS;
}
struct Preference {
    uint64_t workspace = 0;
    uint32_t align[4] = {256, 256, 256, 256};  // A, B, C, D: what the heuristic may assume
};
cublasStatus_t cublasLtMatmulPreferenceCreate(cublasLtMatmulPreference_t* p) {
    *p = reinterpret_cast<cublasLtMatmulPreference_t>(new Preference());
    return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t cublasLtMatmulPreferenceDestroy(cublasLtMatmulPreference_t p) {
    delete reinterpret_cast<Preference*>(p);
    return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t cublasLtMatmulPreferenceSetAttribute(cublasLtMatmulPreference_t pp, int attr, const void* buf, size_t size) {
    Preference* p = reinterpret_cast<Preference*>(pp);
    if (attr == CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES && size == 8) std::memcpy(&p->workspace, buf, 8);
    else if (attr >= CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES && attr <= CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES && size == 4)
        std::memcpy(&p->align[attr - CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES], buf, 4);
    else return CUBLAS_STATUS_INVALID_VALUE;
    return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t cublasLtMatmulAlgoGetHeuristic(cublasLtHandle_t, cublasLtMatmulDesc_t dd, cublasLtMatrixLayout_t la, cublasLtMatrixLayout_t lb,
                                              cublasLtMatrixLayout_t lc, cublasLtMatrixLayout_t, cublasLtMatmulPreference_t p, int requested,
                                              cublasLtMatmulHeuristicResult_t* results, int* returned) {
    *returned = 0;
    if (requested < 1) return CUBLAS_STATUS_INVALID_VALUE;
    if (failure() == "heuristic") return CUBLAS_STATUS_NOT_SUPPORTED;
    const Desc* d = reinterpret_cast<Desc*>(dd);
    const Layout *a = reinterpret_cast<Layout*>(la), *b = reinterpret_cast<Layout*>(lb), *c = reinterpret_cast<Layout*>(lc);
    // the shapes must agree, as cuBLASLt checks: op(A) is rows(C) × k, op(B) is k × cols(C)
    const uint64_t ar = d->trans_a == CUBLAS_OP_N ? a->rows : a->cols, ak = d->trans_a == CUBLAS_OP_N ? a->cols : a->rows;
    const uint64_t bk = d->trans_b == CUBLAS_OP_N ? b->rows : b->cols, bc = d->trans_b == CUBLAS_OP_N ? b->cols : b->rows;
    if (ar != c->rows || bc != c->cols || ak != bk || a->batch != c->batch || b->batch != c->batch) return CUBLAS_STATUS_INVALID_VALUE;
    std::memset(results, 0, sizeof *results);
    results->workspaceSize = 1 << 20;  // what a split-K algorithm might ask for: within tsdp's workspace
    const Preference* pref = reinterpret_cast<Preference*>(p);
    if (pref->workspace < results->workspaceSize) return CUBLAS_STATUS_NOT_SUPPORTED;
    // the algorithm is chosen for the alignments the preference allows: remembered, so that a
    // matmul on less aligned pointers fails as the real library's does
    std::memcpy(&results->algo, pref->align, sizeof pref->align);
    results->state = CUBLAS_STATUS_SUCCESS;
    results->wavesCount = 1.0f;
    *returned = 1;
    return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t cublasLtMatmul(cublasLtHandle_t, cublasLtMatmulDesc_t dd, const void* alpha, const void* A, cublasLtMatrixLayout_t la,
                              const void* B, cublasLtMatrixLayout_t lb, const void* beta, const void* C, cublasLtMatrixLayout_t lc, void* D,
                              cublasLtMatrixLayout_t ld, const cublasLtMatmulAlgo_t* algo, void* workspace, size_t workspace_bytes,
                              cudaStream_t stream) {
    ++matmuls;
    const std::string f = failure();
    if (f.rfind("matmul:", 0) == 0 && std::atoi(f.c_str() + 7) == matmuls) return CUBLAS_STATUS_EXECUTION_FAILED;
    // what tsdp always passes: α = 1, β = 0, C = D, an algorithm, and a workspace the heuristic's size fits
    if (*static_cast<const float*>(alpha) != 1.0f || *static_cast<const float*>(beta) != 0.0f || C != D || lc != ld || !algo) return CUBLAS_STATUS_INVALID_VALUE;
    if (!workspace || workspace_bytes < (1u << 20)) return CUBLAS_STATUS_INVALID_VALUE;
    uint32_t align[4];
    std::memcpy(align, algo, sizeof align);
    const void* pointers[4] = {A, B, C, D};
    for (int i = 0; i < 4; ++i)
        if (reinterpret_cast<std::uintptr_t>(pointers[i]) % align[i] != 0) return CUBLAS_STATUS_INVALID_VALUE;  // misaligned for the algorithm
    auto* call = new Call{*reinterpret_cast<Desc*>(dd), *reinterpret_cast<Layout*>(la), *reinterpret_cast<Layout*>(lb), *reinterpret_cast<Layout*>(lc),
                          static_cast<const float*>(A), static_cast<const float*>(B), static_cast<float*>(D)};
    if (const char* log = std::getenv("FAKE_CUBLASLT_LOG")) {
        if (FILE* out = std::fopen(log, "a")) {
            std::fprintf(out, "matmul trans_a=%d trans_b=%d epilogue=%d compute=%d rows=%llu cols=%llu batch=%d\n", call->d.trans_a, call->d.trans_b,
                         call->d.epilogue, call->d.compute, (unsigned long long)call->lc.rows, (unsigned long long)call->lc.cols, call->lc.batch);
            std::fclose(out);
        }
    }
    // enqueued like a kernel: run now, or recorded into the graph being captured and run at each
    // replay; so the call's record is never freed (a few hundred bytes per matmul, in a test process)
    if (cudaLaunchHostFunc(stream, run, call) != cudaSuccess) {
        delete call;
        return CUBLAS_STATUS_EXECUTION_FAILED;
    }
    return CUBLAS_STATUS_SUCCESS;
}
}
