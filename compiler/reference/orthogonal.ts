// nn.init.orthogonal_: a (semi-)orthogonal matrix from normal draws, as PyTorch's. PyTorch takes
// the QR decomposition of an N(0, 1) matrix (transposed when it is wide) and multiplies Q by the
// signs of R's diagonal; a QR whose R has a positive diagonal is unique, and Gram–Schmidt's is that
// one, so orthonormalizing the columns in order gives the same Q. Modified Gram–Schmidt run twice
// per column ("twice is enough") keeps Q orthonormal to float64 rounding for these well-conditioned
// random matrices. The harness (runtime/harness/harness.cu, orthogonal_init) runs the same steps in
// the same order, so both give the same float32 values.

/**
 * `a`: rows × cols, row-major (the tensor flattened after its first dim); the result the same
 * shape, gain·Q (rows ≥ cols: orthonormal columns; rows < cols: orthonormal rows).
 */
export function orthogonalize(a: Float64Array, rows: number, cols: number, gain: number): Float64Array {
  const tall = rows >= cols;
  // work on a tall m × k matrix, m ≥ k, stored column by column
  const m = tall ? rows : cols;
  const k = tall ? cols : rows;
  const q = new Float64Array(m * k);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) q[tall ? c * m + r : r * m + c] = a[r * cols + c];
  for (let j = 0; j < k; j++) {
    const v = j * m;
    for (let pass = 0; pass < 2; pass++)
      for (let i = 0; i < j; i++) {
        const u = i * m;
        let dot = 0;
        for (let t = 0; t < m; t++) dot += q[u + t] * q[v + t];
        for (let t = 0; t < m; t++) q[v + t] -= dot * q[u + t];
      }
    let norm = 0;
    for (let t = 0; t < m; t++) norm += q[v + t] * q[v + t];
    norm = Math.sqrt(norm);
    for (let t = 0; t < m; t++) q[v + t] /= norm;
  }
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * cols + c] = gain * q[tall ? c * m + r : r * m + c];
  return out;
}
