import type { Node } from "../ir/node.ts";
import { opDef } from "../ops/index.ts";
import { isMonotone, isPointwise } from "../ops/op.ts";
import { maxReduction, sumReduction } from "../ops/reduce.ts";

// Fusion as declarative rules. A kernel starts at an anchor op; a rule lets it absorb the single
// consumer of its current result, so the intermediate value stays in registers instead of a
// round trip through memory. Each rule states the algebra that makes the fused kernel compute
// exactly what the unfused ops would.

export interface FusionState {
  /** The op that starts the kernel (a GEMM-like op, an elementwise op, ...). */
  readonly anchor: Node;
  /** Ops applied to the anchor's result in registers, in order. */
  readonly epilogue: readonly Node[];
  /** A max pool folded into a conv kernel. */
  readonly pool?: Node;
  /**
   * A value the kernel stores besides its output, because kernels outside it read it too: in the
   * training step, the pre-pool activation that the pool's and the activation's gradients read.
   */
  readonly stored?: Node;
  /** The node whose value the kernel currently stores. */
  readonly output: Node;
  /** A sum of the GEMM's A rows the kernel computes and stores too (gemm-row-sums: a bias gradient). */
  readonly rowSums?: Node;
  /** A loss's gradient the loss kernel computes and stores too, row by row (loss-gradient). */
  readonly gradient?: Node;
}

export interface FusionRule {
  readonly name: string;
  /** The identity the fused kernel relies on. */
  readonly algebra: string;
  /** May the kernel in `state` absorb `consumer`, the single consumer of its output? */
  readonly absorbs: (state: FusionState, consumer: Node) => boolean;
  /**
   * The rule keeps the kernel's current output stored (FusionState.stored), so it may absorb one
   * of several readers of that output; other rules absorb only a sole reader of a value nothing
   * else needs.
   */
  readonly keepsOutput?: boolean;
  /**
   * The rule absorbs a sibling: a node that reads what the kernel's anchor reads, rather than the
   * kernel's output; the kernel stores the sibling's value too.
   */
  readonly sibling?: boolean;
  readonly apply: (state: FusionState, consumer: Node) => FusionState;
}

const traitsOf = (n: Node) => opDef(n.op).traits ?? {};
const gemmOf = (n: Node) => {
  const codegen = opDef(n.op).codegen;
  return codegen?.kind === "gemm" ? codegen : undefined;
};
/** A GEMM-like op with a bias input: its epilogue adds the bias, then may apply an activation. */
const isBiasedGemm = (n: Node) => gemmOf(n)?.biased === true;
/** Pointwise ops (elementwise and dropout) have a scalar C expression and fuse freely. */
const isElementwise = (n: Node) => isPointwise(opDef(n.op));
const sameShape = (a: Node, b: Node) => a.shape.length === b.shape.length && a.shape.every((d, i) => JSON.stringify(d) === JSON.stringify(b.shape[i]));
/** A 2×2 stride-2 unpadded max pool: the four rows a GEMM thread owns are one window. */
const isPool2x2Max = (n: Node) => {
  const pool = traitsOf(n).pool;
  if (pool?.reduction !== maxReduction) return false;
  const w = pool.window(opDef(n.op).attrsOf(n));
  return JSON.stringify([w.kernel, w.stride, w.padding]) === "[[2,2],[2,2],[0,0]]";
};
/**
 * 2×2 windows cover every element of the [N, C, H, W] pool input when H and W are even: a kernel
 * that computes the input window by window then computes (and can store) all of it.
 */
const windowsTile = (x: Node) => x.shape.length === 4 && x.shape.slice(2).every((d) => typeof d === "number" && d % 2 === 0);
/**
 * Is `c` a sum of `source` over `dims` (keepdim false)? Seen through a 2-D transpose: the sum of Tᵀ
 * over dim 1 is the sum of T over dim 0, and over dim 0 that of T over dim 1.
 */
function isSumOf(c: Node, source: Node, dims: readonly number[]): boolean {
  const reduction = traitsOf(c).reduction;
  const a = c.attrs as { dims?: readonly number[] | null; keepdim?: boolean };
  if (reduction !== sumReduction || a.keepdim !== false || !Array.isArray(a.dims) || c.inputs.length !== 1) return false;
  const rank = c.inputs[0].shape.length;
  const own = [...a.dims].map((d) => (d < 0 ? d + rank : d)).sort((p, q) => p - q);
  if (c.inputs[0] === source) return JSON.stringify(own) === JSON.stringify(dims);
  const transpose = traitsOf(source).matrixTranspose;
  const isTranspose = transpose !== undefined && transpose(opDef(source.op).attrsOf(source)) && source.inputs[0] === c.inputs[0];
  return isTranspose && dims.length === 1 && JSON.stringify(own) === JSON.stringify([1 - dims[0]]);
}
/**
 * May a kernel that stores each output element once apply `c` to the element before the store?
 * `c` is pointwise, of the output's shape, and its other operands are f32 values from outside the
 * kernel with that shape too, read at the element's own index. Dropout draws from the elementwise
 * kernels' random-stream arguments, and mode_select reads their train/eval flag, which GEMM and
 * gather kernels lack.
 */
const isPointwiseAtOwnIndex = (s: FusionState, c: Node) =>
  isElementwise(c) &&
  // these kernels store float values (float4 runs among them): an int32 result (to_int) is a kernel's own
  c.dtype === "f32" &&
  traitsOf(c).random !== true &&
  traitsOf(c).readsMode !== true &&
  c.inputs.includes(s.output) &&
  sameShape(c, s.output) &&
  c.inputs.every((i) => i === s.output || (sameShape(i, c) && i.dtype === "f32" && !s.epilogue.includes(i) && i !== s.anchor));
/**
 * The planner owns each kernel's epilogue array and drops the previous state when a rule applies,
 * so the array grows in place: copying it per absorbed op made a 20,000-op chain quadratic.
 */
const extend = (s: FusionState, n: Node): FusionState => {
  (s.epilogue as Node[]).push(n);
  return { ...s, output: n };
};

export const fusionRules: readonly FusionRule[] = [
  {
    name: "gemm-epilogue",
    algebra: "act(x·Wᵀ + b)[i,j] = act(Σₖ x[i,k]·W[j,k] + b[j]): bias and activation are applied to the accumulator before the one store",
    absorbs: (s, c) => isBiasedGemm(s.anchor) && s.epilogue.length === 0 && !s.pool && traitsOf(c).activation === true,
    apply: extend,
  },
  {
    name: "conv-pool",
    algebra:
      "maxpool₂ₓ₂(act(conv + b)) = act(maxpool₂ₓ₂(conv) + b) when act never decreases and b is per channel: " +
      "each thread owns the four conv outputs of one pooling window and keeps only their maximum",
    absorbs: (s, c) =>
      gemmOf(s.anchor)?.foldsPool === true &&
      !s.pool &&
      s.epilogue.every((e) => isMonotone(opDef(e.op), e)) &&
      isPool2x2Max(c),
    apply: (s, c) => ({ ...s, pool: c, output: c }),
  },
  {
    // In the training step the pre-pool activation y = act(conv + b) has three readers: the pool,
    // and in the backward max_pool2d_grad (its window scan) and the activation's gradient (its
    // mask). The kernel stores y in full, as the unfused conv kernel did, and pools the same four
    // registers: the pool kernel and its read of y are gone, and the backward reads the same y.
    name: "conv-pool-stored",
    algebra:
      "maxpool₂ₓ₂(y)[w] = max(y[4w], …, y[4w+3]), y = act(conv + b): each thread owns one window's four outputs, stores each of them " +
      "as y, and keeps their maximum in the pool's scan order (the first maximum; NaN wins) as the pooled value",
    keepsOutput: true,
    absorbs: (s, c) =>
      gemmOf(s.anchor)?.foldsPool === true &&
      !s.pool &&
      !s.stored &&
      s.epilogue.every((e) => isMonotone(opDef(e.op), e) && e.inputs.length === 1) &&
      isPool2x2Max(c) &&
      windowsTile(c.inputs[0]),
    apply: (s, c) => ({ ...s, pool: c, stored: s.output, output: c }),
  },
  {
    // In the training step: relu_grad(g, y) = g·[y > 0], where g = g_next·W (linear's input
    // gradient, a matmul) or conv2d_grad_input(g_next, W) is a GEMM. Other operands the consumer
    // reads have the GEMM result's shape, so they are read at the element's own index.
    name: "gemm-pointwise-epilogue",
    algebra:
      "f(A·B, y₁, …)[i,j] = f(Σₖ A[i,k]·B[k,j], y₁[i,j], …): a pointwise consumer of a GEMM is applied to the accumulator, " +
      "reading its other operands at the output element, before the one store",
    absorbs: (s, c) => gemmOf(s.anchor) !== undefined && !s.pool && isPointwiseAtOwnIndex(s, c),
    apply: extend,
  },
  {
    // In the training step: relu_grad(maxpool_grad(dy, y), y) — the pooling gradient's gather and
    // the activation's mask — is one pass: each thread gathers its element's gradient from the
    // windows that hold it, masks it, and stores it once.
    name: "element-epilogue",
    algebra:
      "f(g(…), y₁, …)[i] = f(g(…)[i], y₁[i], …): a kernel that computes each output element on its own applies a pointwise " +
      "consumer to the element before its one store, reading the consumer's other operands at the same index",
    absorbs: (s, c) => traitsOf(s.anchor).perElement === true && !s.pool && isPointwiseAtOwnIndex(s, c),
    apply: extend,
  },
  {
    // In the training step: a layer's bias gradient Σ dy next to its weight gradient dyᵀ·x (linear)
    // or conv2d_grad_weight(dy, x), both reading dy.
    name: "gemm-row-sums",
    algebra:
      "A·[B | 1] = [A·B | A·1]: a column of ones appended to B gives the row sums Σₖ A[m, k] in the extra output column; with A = dyᵀ, " +
      "dW = dyᵀ·x and db = Σ dy over the rows come from one GEMM, each summed in the GEMM's fixed k order (split-K: its splits in order)",
    sibling: true,
    absorbs: (s, c) => {
      const rowSums = gemmOf(s.anchor)?.rowSums?.(s.anchor, opDef(s.anchor.op).attrsOf(s.anchor));
      return rowSums !== undefined && s.epilogue.length === 0 && !s.pool && !s.rowSums && !isBiasedGemm(s.anchor) && rowSums.sums.some((r) => isSumOf(c, r.source, r.dims));
    },
    apply: (s, c) => ({ ...s, rowSums: c }),
  },
  {
    // In the training step: a classification loss and its gradient read the same scores and labels
    // (the gradient's dy is the step's loss scale, not the loss): one pass over each row gives both.
    name: "loss-gradient",
    algebra:
      "ℓ = Σᵢ lossᵢ(x[i], y[i]) and ∂ℓ/∂x[i, c] = gradᵢ,c(x[i], y[i])·s read the same row: the warp that computes row i's loss " +
      "writes its gradient next, from the same row; the loss is summed as before, the gradient's statements are the gradient op's own",
    sibling: true,
    absorbs: (s, c) => {
      const loss = opDef(s.anchor.op).codegen;
      const grad = opDef(c.op).codegen;
      return (
        loss?.kind === "kernel" && loss.builder === "loss" && !loss.loss.perElement &&
        grad?.kind === "kernel" && grad.builder === "classification_grad" &&
        s.epilogue.length === 0 && !s.gradient &&
        c.inputs[1] === s.anchor.inputs[0] && c.inputs[2] === s.anchor.inputs[1] &&
        JSON.stringify(c.attrs) === JSON.stringify(s.anchor.attrs) &&
        // dy must exist when the loss runs: the step's loss scale (a source), or a value computed
        // before the loss — not the backward's gradient of a loss used inside the model
        (opDef(c.inputs[0].op).family === "source" || c.inputs[0].id < s.anchor.id)
      );
    },
    apply: (s, c) => ({ ...s, gradient: c }),
  },
  {
    name: "elementwise-chain",
    algebra: "g(f(x), y)[i] = g(f(x[i]), y[i]): a chain of pointwise ops is one pass over memory, each input read once",
    absorbs: (s, c) => isElementwise(s.anchor) && isElementwise(c) && sameShape(c, s.output),
    apply: extend,
  },
];
