// Deterministic inputs of a model for checks against the reference interpreter: the same values as
// runtime tensors (for a compiled model) and as float64 arrays (for the reference).
import type { Graph, Node } from "../ir/node.ts";
import { tensor, type Tensor } from "../../runtime/tensor.ts";
import { indexRangeOf } from "../5-codegen/index-limits.ts";
import { nd, type NDArray } from "./ndarray.ts";
import { normals, uniforms } from "./rng.ts";

/**
 * Inputs for every forward input of the graph, and a target for its loss when it has one:
 * deterministic from `seed`. Float values are normal draws; int32 ones (token ids, class indices)
 * are uniform in what they index (an embedding's rows, a loss's classes), else 0 or 1.
 */
export function inputsFor(graph: Graph, batch: number, seed: number): { tensors: Tensor[]; reference: Record<string, NDArray>; target?: Tensor; targetRef?: NDArray } {
  const make = (n: Node, stream: number, classes?: number) => {
    const shape = n.shape.map((d) => (typeof d === "number" ? d : d.batch * batch));
    const count = shape.reduce((a, b) => a * b, 1);
    const limit = classes ?? indexRangeOf(graph, n)?.limit ?? 2;
    const data = n.dtype === "i32" ? Int32Array.from(uniforms(count, seed, stream), (u) => Math.floor(u * limit)) : Float32Array.from(normals(count, seed, stream));
    return { tensor: tensor(data, shape), ref: nd(shape, data) };
  };
  const tensors: Tensor[] = [];
  const reference: Record<string, NDArray> = {};
  graph.inputs.forEach((input, i) => {
    const { tensor: t, ref } = make(input, 100 + i);
    tensors.push(t);
    reference[input.attrs.name as string] = ref;
  });
  const target = graph.loss?.target;
  if (!target) return { tensors, reference };
  // a class-index target indexes the loss's classes: the output's dim 1 unless its uses say otherwise
  const classes = target.dtype === "i32" ? (indexRangeOf(graph, target)?.limit ?? (graph.outputs[0].shape[1] as number)) : undefined;
  const t = make(target, 99, classes);
  return { tensors, reference, target: t.tensor, targetRef: t.ref };
}
