import type { Graph, Init, Node } from "../ir/node.ts";
import { nd, type NDArray } from "./ndarray.ts";
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
  const init = node.attrs.init as Init;
  const shape = node.shape as number[];
  const n = shape.reduce((a, b) => a * b, 1);
  const stream = hash32(node.attrs.name as string);
  switch (init.kind) {
    case "constant":
      return nd(shape, new Float64Array(n).fill(init.value));
    case "uniform":
      return nd(shape, uniforms(n, seed, stream).map((u) => (init.center ?? 0) + (2 * u - 1) * init.bound));
    case "normal": {
      const values = normals(n, seed, stream).map((z) => (init.mean ?? 0) + z * init.std);
      if (init.zeroRow !== undefined) {
        const width = shape[1];
        values.fill(0, init.zeroRow * width, (init.zeroRow + 1) * width);
      }
      return nd(shape, values);
    }
    case "orthogonal":
      return nd(shape, orthogonalize(normals(n, seed, stream), shape[0], n / shape[0], init.gain));
    case "values":
      return nd(shape, Float64Array.from(init.values));
  }
}

export function initState(graph: Graph, seed = 0): ModelState {
  return {
    params: new Map(graph.params.map((p) => [p.attrs.name as string, initialValue(p, seed)])),
    buffers: new Map(graph.buffers.map((b) => [b.attrs.name as string, initialValue(b, seed)])),
  };
}
