// What generated code calls to run a GEMM on cuBLASLt (issue 20). The harness (cublaslt.cu) loads
// libcublasLt at run time; a build never needs it. Each call site in model.cu keeps tsdp's own
// kernel as its fallback: lt_gemm returns 0 when cuBLASLt is absent, turned off or has no
// algorithm for the shape, and the site then launches the kernel it would have launched anyway.
//
// Layouts. tsdp's tensors are row-major; cuBLAS's matrices column-major. A row-major X[R, C] is a
// column-major Xᵀ[C, R] with the same leading dimension C, so the row-major product
// C[M, N] = A[M, K]·B[K, N] is computed as the column-major Cᵀ[N, M] = Bᵀ[N, K]·Aᵀ[K, M]: cuBLAS's
// "A" is tsdp's B and cuBLAS's "B" is tsdp's A, and nothing is copied. A tsdp operand stored
// transposed (the weight gradient's dyᵀ, stored as dy[K, M]; linear's W stored as [N, K]) is the
// same swap with CUBLAS_OP_T. cuBLAS's bias is per row of its D, i.e. per tsdp column n; its
// BGRADB reduces its B (tsdp's A) over k, i.e. db[m] = Σ_k A[m, k].
#pragma once
#include "harness.h"

/** What a call site fixes at compile time. */
struct tsdp_lt_gemm {
    int site;           // index of the site in the model (the plan cache's key, with the shape)
    const char* name;   // the kernel it replaces, for messages
    int a_transposed;   // tsdp's A stored as [K, M] (row-major) rather than [M, K]
    int b_transposed;   // tsdp's B stored as [N, K] rather than [K, N]
    int epilogue;       // tsdp_lt_epilogue
    int precision;      // tsdp_lt_precision
};

enum tsdp_lt_epilogue { TSDP_LT_NONE = 0, TSDP_LT_BIAS = 1, TSDP_LT_RELU = 2, TSDP_LT_RELU_BIAS = 3, TSDP_LT_GELU = 4, TSDP_LT_GELU_BIAS = 5, TSDP_LT_BGRADB = 6 };
/** fp32: CUBLAS_COMPUTE_32F; tf32: 32F_FAST_TF32; bf16: 32F_FAST_16BF (fp32 operands rounded to bf16 inside cuBLAS). */
enum tsdp_lt_precision { TSDP_LT_FP32 = 0, TSDP_LT_TF32 = 1, TSDP_LT_BF16 = 2 };

/** One call's operands: C[z] = A[z]·B[z] for z < batch_count, row-major, strides in elements (0: shared). */
struct tsdp_lt_operands {
    long long M, N, K, batch_count;
    const float* a;
    long long stride_a;
    const float* b;
    long long stride_b;
    float* c;
    float* bias;  // the bias read (BIAS, RELU_BIAS) or the bias gradient written (BGRADB)
};

namespace tsdp_harness {
/**
 * Runs the GEMM on cuBLASLt on r's stream: 1 done, 0 not on cuBLASLt (launch tsdp's kernel), or an
 * error code recorded on m (a failed matmul; cuBLASLt is then off for the model's later runs).
 */
int lt_gemm(tsdp_model* m, tsdp_replica* r, const tsdp_lt_gemm& g, const tsdp_lt_operands& o);
/** Whether lt_gemm will run this shape on cuBLASLt (a BGRADB site's bias-gradient kernel is skipped then). */
bool lt_will_run(tsdp_model* m, tsdp_replica* r, const tsdp_lt_gemm& g, const tsdp_lt_operands& o);
}  // namespace tsdp_harness
