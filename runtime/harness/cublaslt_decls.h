// The few cuBLASLt types, enum values and entry points tsdp uses, declared by tsdp itself: the
// machines that build have nvcc and the CUDA runtime only, no cuBLAS headers, and the library is
// loaded at run time (cublaslt.cu). Used by the harness and by the tests' fake library
// (test/cublaslt/fake_cublaslt.cpp), never by generated code.
//
// Source of every value and layout below: NVIDIA's cublasLt.h (cuBLAS 11.x–13.x; read through the
// `search` tool in a repository vendoring it) and the cuBLAS documentation's cublasLtEpilogue_t,
// cublasLtMatmulDescAttributes_t and cublasLtMatrixLayoutAttribute_t tables. These enums have been
// stable across cuBLAS 11, 12 and 13 (values are appended, never renumbered).
#pragma once
#include <cstddef>
#include <cstdint>

typedef int cublasStatus_t;  // CUBLAS_STATUS_SUCCESS = 0
enum : int {
    CUBLAS_STATUS_SUCCESS = 0,
    CUBLAS_STATUS_NOT_INITIALIZED = 1,
    CUBLAS_STATUS_INVALID_VALUE = 7,
    CUBLAS_STATUS_EXECUTION_FAILED = 13,
    CUBLAS_STATUS_NOT_SUPPORTED = 15,
};

typedef struct cublasLtContext* cublasLtHandle_t;
typedef struct { uint64_t data[12]; } cublasLtMatmulDescOpaque_t;
typedef cublasLtMatmulDescOpaque_t* cublasLtMatmulDesc_t;
typedef struct { uint64_t data[8]; } cublasLtMatrixLayoutOpaque_t;
typedef cublasLtMatrixLayoutOpaque_t* cublasLtMatrixLayout_t;
typedef struct { uint64_t data[10]; } cublasLtMatmulPreferenceOpaque_t;
typedef cublasLtMatmulPreferenceOpaque_t* cublasLtMatmulPreference_t;
/** 64 bytes, trivially copyable: cached per GEMM shape. */
typedef struct { uint64_t data[8]; } cublasLtMatmulAlgo_t;
/** 96 bytes: algo (64), workspaceSize (8), state (4), wavesCount (4), reserved[4] (16). */
typedef struct {
    cublasLtMatmulAlgo_t algo;
    size_t workspaceSize;
    cublasStatus_t state;
    float wavesCount;
    int reserved[4];
} cublasLtMatmulHeuristicResult_t;
static_assert(sizeof(cublasLtMatmulHeuristicResult_t) == 96, "cuBLASLt's heuristic result is 96 bytes");

// cudaDataType_t (library_types.h)
enum : int { TSDP_CUDA_R_32F = 0, TSDP_CUDA_R_16BF = 14 };
// cublasComputeType_t
enum : int { CUBLAS_COMPUTE_32F = 68, CUBLAS_COMPUTE_32F_FAST_16BF = 75, CUBLAS_COMPUTE_32F_FAST_TF32 = 77 };
// cublasOperation_t
enum : int { CUBLAS_OP_N = 0, CUBLAS_OP_T = 1 };
// cublasLtMatmulDescAttributes_t
enum : int {
    CUBLASLT_MATMUL_DESC_TRANSA = 3,
    CUBLASLT_MATMUL_DESC_TRANSB = 4,
    CUBLASLT_MATMUL_DESC_EPILOGUE = 7,
    CUBLASLT_MATMUL_DESC_BIAS_POINTER = 8,
    CUBLASLT_MATMUL_DESC_BIAS_BATCH_STRIDE = 10,
};
// cublasLtMatrixLayoutAttribute_t
enum : int { CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT = 5, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET = 6 };
// cublasLtMatmulPreferenceAttributes_t
enum : int {
    CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES = 1,  // uint64_t
    CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES = 5,  // uint32_t each, default 256
    CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES = 6,
    CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES = 7,
    CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES = 8,
};
// cublasLtEpilogue_t (the ones tsdp maps; GELU is the tanh approximation; DRELU/DGELU need the
// forward's aux output, which tsdp's fusion does not produce)
enum : int {
    CUBLASLT_EPILOGUE_DEFAULT = 1,
    CUBLASLT_EPILOGUE_RELU = 2,
    CUBLASLT_EPILOGUE_BIAS = 4,
    CUBLASLT_EPILOGUE_RELU_BIAS = 6,
    CUBLASLT_EPILOGUE_GELU = 32,
    CUBLASLT_EPILOGUE_GELU_BIAS = 36,
    CUBLASLT_EPILOGUE_BGRADB = 512,
};

/** The entry points, as function-pointer types for dlsym. */
struct tsdp_cublaslt_api {
    cublasStatus_t (*create)(cublasLtHandle_t*);
    cublasStatus_t (*destroy)(cublasLtHandle_t);
    const char* (*status_string)(cublasStatus_t);
    cublasStatus_t (*desc_create)(cublasLtMatmulDesc_t*, int compute, int scale_type);
    cublasStatus_t (*desc_destroy)(cublasLtMatmulDesc_t);
    cublasStatus_t (*desc_set)(cublasLtMatmulDesc_t, int attr, const void* buf, size_t size);
    cublasStatus_t (*layout_create)(cublasLtMatrixLayout_t*, int type, uint64_t rows, uint64_t cols, int64_t ld);
    cublasStatus_t (*layout_destroy)(cublasLtMatrixLayout_t);
    cublasStatus_t (*layout_set)(cublasLtMatrixLayout_t, int attr, const void* buf, size_t size);
    cublasStatus_t (*pref_create)(cublasLtMatmulPreference_t*);
    cublasStatus_t (*pref_destroy)(cublasLtMatmulPreference_t);
    cublasStatus_t (*pref_set)(cublasLtMatmulPreference_t, int attr, const void* buf, size_t size);
    cublasStatus_t (*heuristic)(cublasLtHandle_t, cublasLtMatmulDesc_t, cublasLtMatrixLayout_t, cublasLtMatrixLayout_t,
                                cublasLtMatrixLayout_t, cublasLtMatrixLayout_t, cublasLtMatmulPreference_t, int requested,
                                cublasLtMatmulHeuristicResult_t* results, int* returned);
    cublasStatus_t (*matmul)(cublasLtHandle_t, cublasLtMatmulDesc_t, const void* alpha, const void* A, cublasLtMatrixLayout_t,
                             const void* B, cublasLtMatrixLayout_t, const void* beta, const void* C, cublasLtMatrixLayout_t, void* D,
                             cublasLtMatrixLayout_t, const cublasLtMatmulAlgo_t* algo, void* workspace, size_t workspace_bytes,
                             cudaStream_t stream);
};
