import { fail, type SourceLoc } from "../diagnostics/diagnostic.ts";
import { INLINE_LITERAL_VALUES } from "../ops/factory.ts";
import { GraphBuilder } from "../ir/builder.ts";
import type { Attrs, Init, Node } from "../ir/node.ts";
import { opDef } from "../ops/index.ts";
import type { NDArray } from "../reference/ndarray.ts";
import { formatShape, numel } from "../ir/shape.ts";
import { reachable } from "../ir/reachable.ts";

// Tensor math outside forward: in a constructor (and in a module-level const), tensors are
// constants computed from factories — PyTorch's
//
//   pe = torch.zeros(max_len, d); ... torch.sin(position * div_term) ...; self.register_buffer("pe", pe)
//   self.register_buffer("bias", torch.tril(torch.ones(T, T)).view(1, 1, T, T))
//   self.gamma = nn.Parameter(layer_scale_init * torch.ones(dim))
//
// Such tensors are nodes of a graph of their own, built by the same ops (shape rules, errors) as
// forward's. What they become depends on where they go:
//   - nn.Parameter / registerBuffer: the node is evaluated now, by the ops' reference semantics
//     (float64, rounded once to float32), and the values initialize the state (Init "values"), so
//     they are in the state_dict as PyTorch's are; a plain fill stays a constant initializer;
//     A buffer made so reads back in later constructor code as this tensor (HF's rotary embedding);
//   - a plain field read in forward (this.mask = F.tril(...)), or a buffer with persistent false:
//     its nodes are copied into forward's graph where first used, a constant computed in the
//     kernels, as if forward had written it (not state, as in PyTorch).
// Nothing random or stateful runs here: dropout, layers' parameters and inputs exist in forward.

/** The most elements a model's computed initial values may hold: they are written into model.cu. */
export const MAX_COMPUTED_STATE = 1 << 22;
/** The most multiply-adds the constant tensors of a model may take (float64, in JavaScript: seconds). */
export const MAX_COMPUTED_WORK = 4e9;
/**
 * The most elements the constant tensors a model computes at compile time may hold, all together.
 * Each computed value is kept (float64, 8 bytes an element) until the compile ends, so this bounds
 * the compiler's memory: 2^26 is 512 MB (a 2^24 arange took 481 MB resident in all; 2^30 filled
 * the machine's memory, below TSDP4006's 2^31). Real tables are far smaller: Swin's relative
 * index tables ~10^4 values, the largest int table the manifest exports 2^20; a float32 buffer at
 * MAX_COMPUTED_STATE (2^22: the Transformer tutorial's positional table at its largest) computed
 * through its ~10 steps (arange, products, sin/cos, writes through views) stays under it.
 */
export const MAX_COMPUTED_ELEMENTS = 1 << 26;

export class ConstructorTensors {
  readonly builder: GraphBuilder;
  private readonly owned = new Set<Node>();
  /** Constructor nodes already copied into the forward graph, so two reads share one copy. */
  private readonly copies = new Map<Node, Node>();
  private readonly values = new Map<Node, NDArray>();
  private computedElements = 0;
  private computedWork = 0;
  /** Elements of the values computed so far (`values`), which the compile holds to its end. */
  private heldElements = 0;

  constructor(maxOps: number) {
    this.builder = new GraphBuilder(maxOps);
  }

  owns(n: Node): boolean {
    return this.owned.has(n);
  }

  /** Adds a node outside forward; the op must be a pure function of its inputs. */
  add(op: string, inputs: readonly Node[], attrs: Attrs, loc: SourceLoc, scope: string, who: string): Node {
    const def = opDef(op);
    if (def.family === "random")
      fail("nonConstant", `${who} draws random numbers on every call; outside forward a tensor is a constant computed once (write it in forward, where it draws per step)`, loc);
    if (def.family === "source" && op !== "const")
      fail("nonConstant", `${who} reads a model input or parameter, which exist only inside forward`, loc);
    const node = this.builder.add(op, inputs, attrs, loc, scope, who);
    this.owned.add(node);
    return node;
  }

  /** `n` in the forward graph: its constructor nodes copied in (once), inputs first. */
  copyInto(n: Node, add: (op: string, inputs: readonly Node[], attrs: Attrs, loc: SourceLoc, scope: string) => Node): Node {
    const done = this.copies.get(n);
    if (done) return done;
    const copy = add(n.op, n.inputs.map((i) => this.copyInto(i, add)), n.attrs, n.loc, n.scope);
    this.copies.set(n, copy);
    return copy;
  }

  /** Whether `n` is computed from a listed table too long to compute in place in a kernel (graph-emitter.ts forwardNode). */
  hasLongLiteral(n: Node): boolean {
    // each node once: a constant built as a DAG (t = min(t, t) in a loop) shares its inputs, and a
    // walk of its paths doubled with every level (60 levels hung the compile)
    return [...reachable([n])].some((m) => m.op === "literal" && (m.attrs.values as readonly number[]).length > INLINE_LITERAL_VALUES);
  }

  /** The initializer of a parameter or buffer whose value is `n`: a fill stays one, the rest is computed now. */
  initOf(n: Node, who: string, loc: SourceLoc, integer = false): Init {
    if (n.dtype !== "f32" && !integer) fail("wrongArgumentType", `${who}: a parameter or buffer is float32; this tensor is ${n.dtype === "i32" ? "int32" : n.dtype} (convert it with .float(); F.tensor and F.full of integers, as PyTorch's int64, are int32: write a float literal, F.tensor([1.0, 2]) or F.full(size, 1.0), as PyTorch's nn.Parameter needs a float tensor too)`, loc);
    const fill = constantFill(n);
    if (fill !== undefined) return { kind: "constant", value: fill };
    const values = Float32Array.from(this.evaluate(n).data);
    // an integer buffer's initial values are carried as float32, as every computed table (Init "values")
    if (integer && values.some((v) => Math.abs(v) > 2 ** 24))
      fail("invalidArgument", `${who}: an integer buffer forward changes starts from values within ±2²⁴ (its initial values are written into model.cu as float32); this one holds larger ones`, loc);
    // every element the same (F.ones(dim).mul(initValues)): a constant initializer, no table
    if (values.length > 0 && values.every((v) => Object.is(v, values[0]))) return { kind: "constant", value: values[0] };
    const count = values.length;
    if (this.computedElements + count > MAX_COMPUTED_STATE)
      fail("computedStateTooLarge", `${who}: the model's computed initial values would hold ${this.computedElements + count} elements, more than ${MAX_COMPUTED_STATE} (they are written into model.cu); compute this tensor in forward instead, where it folds into the kernels`, loc);
    this.computedElements += count;
    return { kind: "values", values };
  }

  /**
   * `n`'s value by the ops' reference semantics, its inputs first (float64). Without recursion: a
   * table written element by element in a constructor loop (the Transformer tutorial's
   * `pe[pos, i] = sin(…)` over 80×64 positions) is a chain of thousands of writes, past the stack.
   */
  evaluate(n: Node): NDArray {
    const known = this.values.get(n);
    if (known) return known;
    // the unevaluated nodes under n, inputs before their users
    const order: Node[] = [];
    const visited = new Set<Node>();
    const stack: { node: Node; next: number }[] = [{ node: n, next: 0 }];
    visited.add(n);
    while (stack.length) {
      const top = stack[stack.length - 1];
      const input = top.node.inputs[top.next++];
      if (input === undefined) {
        order.push(top.node);
        stack.pop();
      } else if (!visited.has(input) && !this.values.has(input)) {
        visited.add(input);
        stack.push({ node: input, next: 0 });
      }
    }
    for (const m of order) this.compute(m);
    return this.values.get(n)!;
  }

  /** `n`'s value from its inputs' (evaluated already), kept. */
  private compute(n: Node): void {
    const inputs = n.inputs.map((i) => this.values.get(i)!);
    // the reference computes in the compiler's process: its work is bounded as the ops' count is
    this.computedWork += workOf(n);
    if (this.computedWork > MAX_COMPUTED_WORK)
      fail("tensorTooLarge", `${n.op}: computing this model's constant tensors takes more than ${MAX_COMPUTED_WORK.toExponential(0)} multiply-adds (${formatShape(n.shape)} here); use a smaller constant, or load its values into a buffer from a checkpoint`, n.loc);
    this.holdElements(n);
    const value = opDef(n.op).reference(inputs, n.attrs, {
      node: n,
      training: false,
      batch: 1,
      source: () => {
        throw new Error(`constructor tensors: ${n.op} read a source`);
      },
      writeBuffer: () => {
        throw new Error(`constructor tensors: ${n.op} wrote a buffer`);
      },
      readBuffer: () => {
        throw new Error(`constructor tensors: ${n.op} read a buffer`);
      },
      uniform: () => {
        throw new Error(`constructor tensors: ${n.op} drew random numbers`);
      },
    });
    this.values.set(n, value);
  }

  /** Counts `n`'s value against MAX_COMPUTED_ELEMENTS before it is computed (and kept). */
  private holdElements(n: Node): void {
    // constructor tensors have no batch dim: numel's count is the element count
    const held = this.heldElements + numel(n.shape).c;
    // a refused value is not kept, so it is not counted: other constants still compute after the error
    if (held > MAX_COMPUTED_ELEMENTS)
      fail(
        "computedStateTooLarge",
        `${n.op}: the constant tensors this model computes at compile time would hold ${held} elements (${formatShape(n.shape)} here), more than the ${MAX_COMPUTED_ELEMENTS} the compiler keeps in memory; ` +
          // a write through a view (views.ts) is a where over the whole tensor, kept per write
          (n.op === "where"
            ? `a tensor written element by element in a loop keeps a copy of itself per write: write it a slice at a time (the Transformer's pe.index(":", "0::2").copy_(F.sin(position.mul(divTerm))))`
            : `compute a table this large in forward (a constant the kernels compute where they read it), or register a float32 buffer of its shape and load its values from a checkpoint`),
        n.loc,
      );
    this.heldElements = held;
  }
}

/** Multiply-adds the reference spends on `n`, about: n³ per square matrix, m·k·n per product, else one per element. */
function workOf(n: Node): number {
  // constructor tensors have no batch dim: numel's count is the element count
  const last = (shape: Node["shape"]) => numel(shape.slice(-1)).c;
  if (n.op === "inverse" || n.op === "logabsdet" || n.op === "det_sign" || n.op === "qr") return numel(n.inputs[0].shape).c * last(n.inputs[0].shape);
  if (n.op === "matmul" || n.op === "linear") return numel(n.shape).c * last(n.inputs[0].shape);
  return numel(n.shape).c;
}

/** The one value every element of `n` holds when `n` is a fill, expanded or reshaped at most. */
function constantFill(n: Node): number | undefined {
  if (n.op === "full") return n.attrs.value as number;
  if (n.op === "const") return n.attrs.value as number;
  if (opDef(n.op).family === "movement" || n.op === "expand") return n.inputs.length === 1 ? constantFill(n.inputs[0]) : undefined;
  return undefined;
}
