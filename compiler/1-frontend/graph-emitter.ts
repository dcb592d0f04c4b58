import { fail, type SourceLoc } from "../diagnostics/diagnostic.ts";
import type { GraphBuilder } from "../ir/builder.ts";
import type { Attrs, Init, Node } from "../ir/node.ts";
import { formatShape, isBatch, MAX_BATCH_DIMS } from "../ir/shape.ts";
import { ShapeError } from "../ops/index.ts";
import { INLINE_LITERAL_VALUES } from "../ops/factory.ts";
import type { ConstructorTensors } from "./constructor-tensors.ts";
import { CounterBuffers } from "./counter-buffers.ts";
import { boolActivationRefusal, countsBooleans, floatFamilyRefusal, floatKernelRefusal, intArithmetic } from "./int-arithmetic.ts";
import { writtenAsFloat } from "./float-literals.ts";
import { checkTensorSize } from "./size-limits.ts";
import { checkConstantIndexes } from "./constant-indexes.ts";
import { stateTensor } from "./state-updates.ts";
import { TensorValue, type BatchNumber, type CallSite, type LayerParamRef, type ParameterValue, type SymInt } from "./values.ts";

/**
 * Adds graph nodes for tensor code, placing shape errors at the user's call: to forward's graph
 * inside forward, else to the constructor's constants (constructor-tensors.ts), which forward's
 * graph copies in where it reads them.
 */
export class GraphEmitter {
  /** Module paths of the forward calls being evaluated; the innermost names new nodes. */
  private readonly scopes: string[] = [];
  /**
   * Draws one parameter copied into another in a constructor (MoCo's and BYOL's target encoder:
   * param_k.data.copy_(param_q.data)), each with the law copied: registration gives the copy the
   * source's stream, so both hold the same numbers (parameter-init.ts).
   */
  readonly parameterCopies: { readonly target: LayerParamRef | ParameterValue; readonly source: LayerParamRef | ParameterValue; readonly init: Init }[] = [];
  constructor(
    readonly builder: GraphBuilder,
    readonly constants: ConstructorTensors,
    private readonly inForward: () => boolean,
    /** The mode the code being evaluated runs in: one branch of a test of this.training, or undefined for both. */
    private readonly assumedMode: () => boolean | undefined = () => undefined,
  ) {}

  get scope(): string {
    return this.scopes[this.scopes.length - 1] ?? "";
  }

  within<T>(path: string, f: () => T): T {
    this.scopes.push(path);
    try {
      return f();
    } finally {
      this.scopes.pop();
    }
  }

  /** Why PyTorch refuses train mode for this model (Graph.trainingRefusals), each naming its file:line. */
  readonly trainingRefusals: string[] = [];
  /** Batch statistics over one value per sample and channel (Graph.perSampleBatchStatistics). */
  readonly perSampleBatchStatistics: { readonly inTraining: boolean; readonly inEval: boolean }[] = [];

  /**
   * Records why PyTorch refuses train mode — except for code that runs in eval mode only (after
   * `if (this.training) return …`), which a train-mode call never reaches — once: code before a
   * test of this.training is evaluated again for each mode.
   */
  refuseTraining(why: string): void {
    if (this.assumedMode() !== false && !this.trainingRefusals.includes(why)) this.trainingRefusals.push(why);
  }

  /**
   * Records batch statistics over one value per sample and channel, taken in train mode and, where
   * `inEval`, in eval too — in the modes the code being evaluated runs in.
   */
  takesPerSampleStatistics(inEval: boolean): void {
    const mode = this.assumedMode();
    const [inTraining, evalToo] = [mode !== false, inEval && mode !== true];
    if (inTraining || evalToo) this.perSampleBatchStatistics.push({ inTraining, inEval: evalToo });
  }

  /** Batch statistics a composition takes by design, each device's share's (Graph.perReplicaStatistics). */
  readonly perReplicaStatistics: Node[] = [];
  /** Gradients F.autograd.grad takes in forward, and where it is called (Graph.gradientsInForward). */
  readonly gradientsInForward: { readonly gradient: Node; readonly at: SourceLoc }[] = [];

  /** The integer buffers held as state because forward advances them, and those found so (counter-buffers.ts). */
  counters = new CounterBuffers();

  /** Each buffer's tensor in forward (state-updates.ts): its value as forward has changed it so far. */
  readonly stateValues = new Map<Node, TensorValue>();

  /** The tensor a buffer is in forward: one per buffer, so a change through any read of it is the buffer's. */
  stateValue(node: Node): TensorValue {
    let t = this.stateValues.get(node);
    if (!t) this.stateValues.set(node, (t = stateTensor(node)));
    return t;
  }

  node(op: string, inputs: readonly Node[], attrs: Attrs, who: string, site: CallSite): Node {
    // gelu, softmax, layer_norm, … of an integer or bool tensor: PyTorch's kernels refuse it (int-arithmetic.ts)
    const refused = inputs.length > 0 ? (floatKernelRefusal(op, inputs[0], who) ?? floatFamilyRefusal(op, inputs, who) ?? (op === "relu" ? boolActivationRefusal("relu", inputs[0], who) : undefined)) : undefined;
    if (refused) fail("dtypeMismatch", refused, site.loc);
    let node: Node;
    try {
      node = this.add(op, inputs, attrs, who, site);
      // a bool mask counted or scaled by integers (mask.sum(1), mask * 2): PyTorch's int64, int32 here
      if (node.dtype === "f32" && countsBooleans(op, inputs)) node = this.add("to_int", [node], {}, who, site);
    } catch (e) {
      if (!(e instanceof ShapeError)) throw e;
      // an op of float32 operands given int32 ones (i.add(1), idx.clamp(0, n − 1)): int-arithmetic.ts
      const promoted = e.kind === "dtypeMismatch" ? this.promoted(op, inputs, attrs, who, site) : undefined;
      if (!promoted) fail(e.kind, e.message, site.loc);
      // integers computed in float32 are exact within ±2²⁴: a larger number (a spatial hash's prime) would not be
      const large = promoted.dtype === "i32" ? inputs.find((i) => (i.op === "const" || i.op === "full") && Math.abs(i.attrs.value as number) > 2 ** 24) : undefined;
      if (large)
        fail("invalidArgument", `${who}: int32 arithmetic computes in float32 here, exact within ±2²⁴ (16,777,216); ${large.attrs.value} is past it, so the result would not be PyTorch's (its integers wrap at 64 bits); where PyTorch's number is a float, make the operand one first (x.float())${op === "mul" ? hashHint(large.attrs.value as number) : ""}`, site.loc);
      node = promoted;
    }
    checkTensorSize(node.shape, `the result of ${who}`, site.loc);
    checkConstantIndexes(this, node, who, site);
    // [Batch, Batch] (u @ v.T over the batch) pairs each device's own samples (shape.ts); a third
    // batch dim ([Batch, Batch, Batch]: triplets) would hold batch³ values per device
    const batchDims = node.shape.filter(isBatch).length;
    if (batchDims > MAX_BATCH_DIMS)
      fail("shapeMismatch", `${who}: the result ${formatShape(node.shape)} has the batch in ${batchDims} dims; at most ${MAX_BATCH_DIMS} (an in-batch pair matrix [Batch, Batch], each device's own samples paired) are supported`, site.loc);
    return node;
  }

  /**
   * The op on int32 operands computed in float32 (int-arithmetic.ts); its operands' shapes are
   * checked only now (F.arange(2).add(x) of [Batch, 3]), so a shape error is the user's: a diagnostic.
   */
  private promoted(op: string, inputs: readonly Node[], attrs: Attrs, who: string, site: CallSite): Node | undefined {
    try {
      return intArithmetic(op, inputs, (o, i, a = attrs) => this.add(o, i, a, who, site), attrs);
    } catch (e) {
      if (!(e instanceof ShapeError)) throw e;
      return fail(e.kind, e.message, site.loc);
    }
  }

  private add(op: string, inputs: readonly Node[], attrs: Attrs, who: string, site: CallSite): Node {
    return this.inForward()
      ? this.builder.add(op, inputs.map((i) => this.forwardNode(i)), attrs, site.loc, this.scope, who)
      : this.constants.add(op, inputs, attrs, site.loc, this.scope, who);
  }

  /** `n` as forward's graph holds it: a constructor's constant is copied in where forward first reads it. */
  forwardNode(n: Node): Node {
    if (!this.constants.owns(n)) return n;
    return this.constants.copyInto(n, (op, inputs, attrs, loc, scope) => {
      // a table of listed values read in forward is computed in its reader's kernel: small ones only
      if (op === "literal" && attrs.values.length > INLINE_LITERAL_VALUES)
        fail(
          "invalidArgument",
          `F.tensor: ${attrs.values.length} listed values read in forward, past the ${INLINE_LITERAL_VALUES} a kernel computes in place; register them as a float32 buffer, which is state (this.registerBuffer("table", F.tensor([...]))), and read it with .long() where it indexes (an int32 buffer is a constant the kernels compute, as a listed table of this size cannot be)`,
          loc,
        );
      return this.builder.add(op, inputs, attrs, loc, scope);
    });
  }

  tensor(op: string, inputs: readonly (Node | TensorValue)[], attrs: Attrs, who: string, site: CallSite): TensorValue {
    const nodes = inputs.map((i) => (i instanceof TensorValue ? i.node : i));
    return new TensorValue(this.node(op, nodes, attrs, who, site));
  }

  /**
   * A bool mask's 0/1 values as a float32 tensor that is not a mask (x.float() of a bool tensor, a
   * bool written into a float one): x·1, which bypasses countsBooleans (mask * 1 is an integer there).
   */
  floatOfMask(mask: Node, who: string, site: CallSite): Node {
    return this.add("mul", [mask, this.constant(1, site)], {}, who, site);
  }

  /**
   * A scalar of the call at `site`; `float`: written there as a float literal (`x.mul(1.0)`, a whole
   * number: a fractional one is a float anyway), which PyTorch's type promotion reads as a float
   * (float-literals.ts) — decided here, so that every op's numbers are read alike.
   */
  constant(value: number, site: CallSite, float = Number.isInteger(value) && writtenAsFloat(site, value)): Node {
    return this.node("const", [], float ? { value, float } : { value }, "constant", site);
  }

  /**
   * x.size(0) as a number in tensor arithmetic (PyTorch's Python int): each replica's own batch
   * times its multiple, plus an offset for b − 1 (factory.ts batch_size), which the reader computes in place.
   */
  batchSize(b: SymInt | BatchNumber, who: string, site: CallSite): TensorValue {
    const offset = "offset" in b ? b.offset : 0;
    return this.tensor("batch_size", [], offset === 0 ? { c: b.coef } : { c: b.coef, d: offset }, who, site);
  }
}

/**
 * A spatial hash (Instant-NGP's (x·1 ⊕ y·2654435761 ⊕ z·805459861) mod 2^T) keeps only a product's
 * low T bits, which the prime's low T bits alone decide: the prime reduced mod 2^T gives them exactly.
 */
function hashHint(prime: number): string {
  return `; a hash reduced mod 2^T afterwards (Instant-NGP's (x·π₁ ⊕ y·π₂) & (2^T − 1)) keeps only the product's low T bits, which the number's low T bits decide: multiply by it mod 2^T (${prime} % 2 ** T)`;
}
