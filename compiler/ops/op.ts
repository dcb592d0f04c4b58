import type { DType, Node } from "../ir/node.ts";
import type { Shape } from "../ir/shape.ts";
import type { NDArray } from "../reference/ndarray.ts";

export type OpFamily =
  | "source" // inputs, parameters, buffers, constants
  | "elementwise"
  | "reduce"
  | "movement" // reshape and permute: no arithmetic, no copy on the device
  | "contraction" // matmul, linear
  | "conv" // convolution and pooling
  | "norm" // batch norm, layer norm, softmax
  | "random" // dropout
  | "gather" // embedding
  | "loss";

export interface TensorType {
  readonly shape: Shape;
  readonly dtype: DType;
}

/** What the reference interpreter gives an op besides its inputs. */
export interface RefContext {
  readonly node: Node;
  readonly training: boolean;
  /** The run's batch size (what Batch stands for). */
  readonly batch: number;
  /** Value of a source node (input, parameter, buffer). */
  source(node: Node): NDArray;
  /** Writes a buffer (BatchNorm's running statistics in train mode). */
  writeBuffer(node: Node, value: NDArray): void;
  /**
   * Uniform [0, 1) numbers, reproducible from the run's seed and step. `stream` defaults to this
   * node's id; a gradient op passes its forward node's id to redraw the same numbers.
   */
  uniform(count: number, stream?: number): Float64Array;
}

/**
 * What a gradient rule works with. The rule receives the gradient of the node's output (`dy`,
 * same shape as the node) and returns the gradient of each input, built from IR ops, so the
 * backward pass is a graph that fusion and codegen treat like the forward.
 */
export interface GradContext {
  /** The forward node; its inputs are `node.inputs`, its value is `node` itself. */
  readonly node: Node;
  /** ∂loss/∂node. */
  readonly dy: Node;
  /** Adds a node to the backward graph (shape-checked; placed at the forward node's source line). */
  emit(op: string, inputs: readonly Node[], attrs?: Record<string, unknown>): Node;
  /** A float32 scalar constant. */
  constant(value: number): Node;
  /** Sums `g` over the dims it was broadcast along, back to `shape` (for broadcasting ops). */
  sumTo(g: Node, shape: Shape): Node;
  /** Broadcasts `g` to `shape` (the gradient of a reduction). */
  expand(g: Node, shape: Shape): Node;
}

/**
 * One op, defined in one place: its inputs, its shape and dtype rule, its float64 reference
 * semantics (PyTorch's), its gradient rule and its lowering to CUDA. Adding an op touches this
 * definition and at most one kernel template.
 */
export interface OpDef<A = any> {
  readonly name: string;
  readonly family: OpFamily;
  /** Input names in order, for the printer and messages; a trailing "?" marks optional ones. */
  readonly inputs: readonly string[];
  /**
   * Shape and dtype of the result. `who` names the construct in the user's code
   * ("nn.Linear", "F.relu", "view") for error messages; throw ShapeError when invalid.
   */
  infer(ins: readonly TensorType[], attrs: A, who: string): TensorType;
  /** PyTorch's semantics in float64. */
  reference(ins: readonly NDArray[], attrs: A, ctx: RefContext): NDArray;
  /**
   * How the op becomes CUDA: a pointwise op gives its C expression over its operands' values
   * (fused into elementwise kernels and GEMM epilogues); other ops name their kernel template.
   */
  readonly lowering?: Lowering<A>;
  /**
   * Reverse mode: the gradient of each input (null for inputs without one, such as class
   * indices). Omitted for ops that nothing differentiates through (sources, argmax).
   */
  readonly grad?: (ctx: GradContext) => readonly (Node | null)[];
}

/** What a pointwise expression may refer to besides its operands. */
export interface PointwiseContext {
  /** The flat index of the element (a size_t C expression). */
  readonly index: string;
  /** The IR node, whose id keys its random stream. */
  readonly node: Node;
}

export type Lowering<A> =
  | { readonly kind: "pointwise"; readonly expr: (operands: readonly string[], attrs: A, ctx: PointwiseContext) => string }
  | { readonly kind: "kernel"; readonly template: string };

export type ShapeErrorKind = "shapeMismatch" | "dtypeMismatch" | "invalidArgument";

/** A shape rule's verdict that the inputs do not fit; the frontend adds the source location. */
export class ShapeError extends Error {
  constructor(
    message: string,
    readonly kind: ShapeErrorKind = "shapeMismatch",
  ) {
    super(message);
  }
}

export function defineOp<A>(def: OpDef<A>): OpDef<A> {
  return def;
}

export function requireFloat(t: TensorType, who: string, what = "input"): void {
  if (t.dtype !== "f32") throw new ShapeError(`${who} expects a float32 ${what}, got ${t.dtype}`, "dtypeMismatch");
}
