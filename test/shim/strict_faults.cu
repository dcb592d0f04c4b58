// Rules the GPU enforces while a kernel runs, which fail the launch: WMMA tile pointers must be
// 32-byte (256-bit) aligned and ldm a multiple of 16 bytes, a float4 (any 16-byte vector) is loaded
// and stored only at 16-byte aligned addresses (cudaErrorMisalignedAddress), and a
// __syncthreads must be reached by every thread of the block (here: half the block returned
// first; cudaErrorLaunchFailure). Each is followed by its correct twin.
#ifdef TSDP_CUDA_SHIM
#include "../../runtime/shim/wmma_shim.h"
#else
#include <mma.h>
#endif
#include "strict_common.h"
using namespace nvcuda;

// One 16×16×8 tf32 product of A (row-major, lda) and B (column-major, ldb): out = A·B.
__global__ void tile_product(const float* a, unsigned lda, const float* b, float* out) {
  wmma::fragment<wmma::matrix_a, 16, 16, 8, wmma::precision::tf32, wmma::row_major> fa;
  wmma::fragment<wmma::matrix_b, 16, 16, 8, wmma::precision::tf32, wmma::col_major> fb;
  wmma::fragment<wmma::accumulator, 16, 16, 8, float> acc;
  wmma::fill_fragment(acc, 0.0f);
  wmma::load_matrix_sync(fa, a, lda);
  wmma::load_matrix_sync(fb, b, 8);
  wmma::mma_sync(acc, fa, fb, acc);
  wmma::store_matrix_sync(out, acc, 16, wmma::mem_row_major);
}

// Sums a block's values through shared memory; with `early`, threads past `early` return first.
__global__ void block_sum(const int* in, int* out, int early) {
  __shared__ int s[128];
  int t = threadIdx.x;
  if (early && t >= early) return;
  s[t] = in[t];
  __syncthreads();
  if (t == 0) {
    int sum = 0;
    for (int i = 0; i < 128; ++i) sum += s[i];
    *out = sum;
  }
}

// Copies n float4 from `in` to `out`, each thread one vector: both pointers must be 16-byte aligned.
__global__ void copy_vectors(const float* in, float* out, int n) {
  int i = threadIdx.x;
  if (i < n) reinterpret_cast<float4*>(out)[i] = reinterpret_cast<const float4*>(in)[i];
}

int main() {
  float *a, *b, *out;
  CHECK(cudaMalloc(&a, 16 * 16 * sizeof(float) + 64));
  CHECK(cudaMalloc(&b, 16 * 8 * sizeof(float)));
  CHECK(cudaMalloc(&out, 16 * 16 * sizeof(float)));
  CHECK(cudaMemset(a, 0, 16 * 16 * sizeof(float) + 64));
  CHECK(cudaMemset(b, 0, 16 * 8 * sizeof(float)));

  TSDP_LAUNCH(tile_product, 1, 32, 0, 0, a + 4, 8, b, out);  // 16 bytes past a 256-byte allocation
  expect("WMMA load from a 16-byte aligned pointer", cudaGetLastError(), cudaErrorMisalignedAddress);
  TSDP_LAUNCH(tile_product, 1, 32, 0, 0, a, 6, b, out);
  expect("WMMA load with ldm 6 floats", cudaGetLastError(), cudaErrorMisalignedAddress);
  TSDP_LAUNCH(tile_product, 1, 32, 0, 0, a + 8, 8, b, out);
  expect("WMMA load from a 32-byte aligned pointer, ldm 8", cudaGetLastError(), cudaSuccess);

  float *vin, *vout;
  CHECK(cudaMallocManaged(&vin, 64 * sizeof(float)));
  CHECK(cudaMallocManaged(&vout, 64 * sizeof(float)));
  for (int i = 0; i < 64; ++i) vin[i] = float(i);
  TSDP_LAUNCH(copy_vectors, 1, 8, 0, 0, vin + 1, vout, 8);
  expect("float4 load from a 4-byte aligned pointer", cudaGetLastError(), cudaErrorMisalignedAddress);
  TSDP_LAUNCH(copy_vectors, 1, 8, 0, 0, vin, vout + 2, 8);
  expect("float4 store to an 8-byte aligned pointer", cudaGetLastError(), cudaErrorMisalignedAddress);
  TSDP_LAUNCH(copy_vectors, 1, 8, 0, 0, vin + 4, vout, 8);
  expect("float4 copy between 16-byte aligned pointers", cudaGetLastError(), cudaSuccess);
  CHECK(cudaDeviceSynchronize());
  for (int i = 0; i < 32; ++i)
    if (vout[i] != float(i + 4)) {
      std::printf("float4 copy: element %d is %g, expected %d\n", i, vout[i], i + 4);
      ++failures;
    }
  CHECK(cudaFree(vin));
  CHECK(cudaFree(vout));

  int *in, *sum;
  CHECK(cudaMallocManaged(&in, 128 * sizeof(int)));
  CHECK(cudaMallocManaged(&sum, sizeof(int)));
  for (int i = 0; i < 128; ++i) in[i] = i;
  TSDP_LAUNCH(block_sum, 1, 128, 0, 0, in, sum, 64);
  expect("__syncthreads reached by half of the block", cudaGetLastError(), cudaErrorLaunchFailure);
  *sum = 0;
  TSDP_LAUNCH(block_sum, 1, 128, 0, 0, in, sum, 0);
  expect("__syncthreads reached by the whole block", cudaGetLastError(), cudaSuccess);
  CHECK(cudaDeviceSynchronize());
  std::printf("block sum: %d\n", *sum);
  if (*sum != 127 * 128 / 2) ++failures;

  CHECK(cudaFree(a));
  CHECK(cudaFree(b));
  CHECK(cudaFree(out));
  CHECK(cudaFree(in));
  CHECK(cudaFree(sum));
  return finish();
}
