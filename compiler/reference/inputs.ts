// Deterministic inputs of a model for checks against the reference interpreter: the same values as
// runtime tensors (for a compiled model) and as float64 arrays (for the reference).
import type { Graph } from "../ir/node.ts";
import { tensor, type Tensor } from "../../runtime/tensor.ts";
import { nd, type NDArray } from "./ndarray.ts";
import { normals, uniforms } from "./rng.ts";

/** Inputs for every forward input of the graph, and a target for its loss: deterministic from `seed`. */
export function inputsFor(graph: Graph, batch: number, seed: number): { tensors: Tensor[]; reference: Record<string, NDArray>; target: Tensor; targetRef: NDArray } {
  const tensors: Tensor[] = [];
  const reference: Record<string, NDArray> = {};
  graph.inputs.forEach((input, i) => {
    const shape = input.shape.map((d) => (typeof d === "number" ? d : d.batch * batch));
    const data = Float32Array.from(normals(shape.reduce((a, b) => a * b, 1), seed, 100 + i));
    tensors.push(tensor(data, shape));
    reference[input.attrs.name as string] = nd(shape, data);
  });
  const target = graph.loss!.target;
  const shape = target.shape.map((d) => (typeof d === "number" ? d : d.batch * batch));
  const n = shape.reduce((a, b) => a * b, 1);
  const classes = graph.outputs[0].shape[1] as number;
  const data = target.dtype === "i32" ? Int32Array.from(uniforms(n, seed, 99), (u) => Math.floor(u * classes)) : Float32Array.from(normals(n, seed, 99));
  return { tensors, reference, target: tensor(data, shape), targetRef: nd(shape, data) };
}
