import type { Graph, Init, Node } from "../ir/node.ts";
import { boxPositions } from "../ir/init-box.ts";
import { erf, erfinv, nd, type NDArray } from "./ndarray.ts";
import { orthogonalize } from "./orthogonal.ts";
import { hash32, normals, uniforms } from "./rng.ts";

// Initial parameters and buffers, PyTorch's default distribution for each layer, drawn from a
// seed. Each tensor draws from its own stream keyed by its name, so adding a layer leaves the
// initial values of the others unchanged.

/** A model's state: its parameters and buffers by state_dict name. */
export interface ModelState {
  readonly params: Map<string, NDArray>;
  readonly buffers: Map<string, NDArray>;
}

export function initialValue(node: Node, seed: number): NDArray {
  return drawn(node.attrs.init as Init, node.shape as number[], node.attrs.name as string, seed);
}

function drawn(init: Init, shape: readonly number[], name: string, seed: number): NDArray {
  const n = shape.reduce((a, b) => a * b, 1);
  // a clone of another state's draw draws from that state's stream: the same numbers
  const stream = hash32((init.kind === "uniform" || init.kind === "normal" ? init.stream : undefined) ?? name);
  switch (init.kind) {
    case "constant":
      return nd(shape, new Float64Array(n).fill(init.value));
    case "uniform":
      return nd(shape, uniforms(n, seed, stream).map((u) => (init.center ?? 0) + (2 * u - 1) * init.bound));
    case "normal": {
      const values = (init.truncated ? truncatedNormals(n, seed, stream, init.truncated) : normals(n, seed, stream)).map((z) => (init.mean ?? 0) + z * init.std);
      if (init.zeroRow !== undefined) {
        const width = shape[1];
        values.fill(0, init.zeroRow * width, (init.zeroRow + 1) * width);
      }
      return nd(shape, values);
    }
    case "orthogonal":
      return nd(shape, orthogonalize(normals(n, seed, stream), shape[0], n / shape[0], init.gain));
    case "sparse":
      return nd(shape, sparseMatrix(shape[0], shape[1], init.std, init.zeros, seed, stream));
    case "values":
      return nd(shape, Float64Array.from(init.values));
    case "parts": {
      // the base everywhere, then each patch over its box, its draws from its own stream
      const values = drawn(init.base, shape, name, seed).data;
      init.patches.forEach((p, k) => {
        const at = boxPositions(p.box);
        // an orthogonal part is the matrix of the box's first dim by the rest, as orthogonal_ flattens
        const part = drawn(p.init, p.init.kind === "orthogonal" ? p.box.sizes : [at.length], patchStream(name, k), seed).data;
        at.forEach((pos, j) => (values[pos] = part[j]));
      });
      return nd(shape, values);
    }
    case "sliceNorm": {
      // v's draw as v holds it (float32), then each slice's 2-norm
      const v = drawn(init.of, init.siblingShape, siblingName(name, init.sibling), seed).data.map(Math.fround);
      const sums = new Float64Array(n);
      v.forEach((x, i) => (sums[Math.floor(i / init.inner) % n] += x * x));
      return nd(shape, sums.map(Math.sqrt));
    }
  }
}

/**
 * Standard normals cut to [α, β] as PyTorch's trunc_normal_ draws them: u uniform between Φ(α) and
 * Φ(β) (the stream's uniforms, as a uniform initializer's), then √2·erf⁻¹(2u − 1), clamped.
 */
function truncatedNormals(count: number, seed: number, stream: number, [lo, hi]: readonly [number, number]): Float64Array {
  const cdf = (x: number) => 0.5 * (1 + erf(x / Math.SQRT2));
  const [l, h] = [cdf(lo), cdf(hi)];
  return uniforms(count, seed, stream).map((u) => Math.min(hi, Math.max(lo, Math.SQRT2 * erfinv(2 * (l + u * (h - l)) - 1))));
}

/**
 * nn.init.sparse_: N(0, std²) draws of a rows × cols matrix, then in each column the `zeros` rows with
 * the smallest keys (ties by row) set to 0; element i's key is word 2 of its normal draw's counter
 * (runtime/harness/harness.cu sparse_init does the same).
 */
function sparseMatrix(rows: number, cols: number, std: number, zeros: number, seed: number, stream: number): Float64Array {
  const values = normals(rows * cols, seed, stream).map((z) => z * std);
  const keys = uniforms(rows * cols, seed, stream, 0, 0, 2, 1);
  for (let c = 0; c < cols; c++) {
    const order = Array.from({ length: rows }, (_, r) => r).sort((a, b) => keys[a * cols + c] - keys[b * cols + c] || a - b);
    for (const r of order.slice(0, zeros)) values[r * cols + c] = 0;
  }
  return values;
}

/** The name whose stream patch k of a "parts" initializer of `name` draws from. */
export const patchStream = (name: string, k: number) => `${name}#${k}`;

/** The state_dict name of `sibling` beside `name`: its last component replaced. */
export function siblingName(name: string, sibling: string): string {
  return name.slice(0, name.lastIndexOf(".") + 1) + sibling;
}

export function initState(graph: Graph, seed = 0): ModelState {
  return {
    params: new Map(graph.params.map((p) => [p.attrs.name as string, initialValue(p, seed)])),
    buffers: new Map(graph.buffers.map((b) => [b.attrs.name as string, initialValue(b, seed)])),
  };
}
