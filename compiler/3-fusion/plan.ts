import { stateValues, type Graph, type Node } from "../ir/node.ts";
import { reachable } from "../ir/reachable.ts";
import { opDef } from "../ops/index.ts";
import { isPointwise } from "../ops/op.ts";
import { computedByReader } from "../ops/source.ts";
import { fusionRules, type FusionRule, type FusionState } from "./rules.ts";

// The kernel plan: the graph's ops grouped into kernels by the fusion rules, in execution order.
// Views (reshape) become aliases of their input's storage and cost no kernel.

export interface Kernel {
  /** Stable, readable name: the module path and what it does ("conv1_relu_pool"). */
  readonly name: string;
  readonly anchor: Node;
  readonly epilogue: readonly Node[];
  readonly pool?: Node;
  /** Operands computed as the kernel loads them: a matrix transpose read by a GEMM (gemm-operand-transpose). */
  readonly prologue?: readonly Node[];
  /** The value this kernel writes. */
  readonly output: Node;
  /** A value it stores too, for kernels outside it (conv-pool-stored: the pre-pool activation). */
  readonly stored?: Node;
  /** The row sums of its GEMM's A operand, which it stores too (gemm-row-sums: a bias gradient). */
  readonly rowSums?: Node;
  /** A loss's gradient, which the loss kernel stores too (loss-gradient). */
  readonly gradient?: Node;
  /** Every IR node the kernel computes, anchor first. */
  readonly nodes: readonly Node[];
  /** Values it reads from memory (storage owners, after views are resolved). */
  readonly inputs: readonly Node[];
  /** The fusion rules it was built with. */
  readonly rules: readonly string[];
}

export interface KernelPlan {
  readonly kernels: readonly Kernel[];
  /** reshape node → the node whose buffer it shares. */
  readonly storageOf: (n: Node) => Node;
}

export interface PlanOptions {
  /** Fusion rules not to apply (a target whose kernels cannot do what the rule needs). */
  readonly without?: readonly string[];
}

export function planKernels(graph: Graph, outputs: readonly Node[] = graph.outputs, options: PlanOptions = {}): KernelPlan {
  // a buffer forward changed is computed by every program, and copied into the buffer at its end;
  // an op that updates state in its kernel runs whether or not its output is read
  const updatesState = graph.nodes.filter((n) => opDef(n.op).traits?.updatesState?.(opDef(n.op).attrsOf(n)));
  const roots = [...outputs, ...stateValues(graph), ...updatesState];
  const active = fusionRules.filter((r) => !options.without?.includes(r.name));
  const consumers = new Map<Node, Node[]>();
  for (const n of graph.nodes)
    for (const i of n.inputs) {
      const list = consumers.get(i);
      if (list) list.push(n);
      else consumers.set(i, [n]);
    }
  const mustStore = new Set<Node>([...graph.outputs, ...roots]);
  const storage = new Map<Node, Node>();
  const storageOf = (n: Node): Node => storage.get(n) ?? n;
  const needed = reachable(roots);

  // reshape(x)[i] = x[i] in row-major order: a view shares x's buffer. Resolved for every node
  // first, so a kernel that reads a view anywhere in the graph finds the buffer behind it.
  for (const node of graph.nodes) if (isView(node)) storage.set(node, storageOf(node.inputs[0]));

  // gemm-operand-transpose: Aᵀ read by a GEMM whose maps can swap its indices is A read in place,
  // (Aᵀ)[m, k] = A[k, m] — no transpose kernel, no buffer (a linear layer's weight gradient dyᵀ·x).
  const folded = new Set<Node>();
  for (const node of graph.nodes) {
    const transpose = opDef(node.op).traits?.matrixTranspose;
    if (!transpose || !needed.has(node) || mustStore.has(node) || !transpose(opDef(node.op).attrsOf(node))) continue;
    const uses = (consumers.get(node) ?? []).filter((c) => needed.has(c));
    const codegen = uses.length === 1 ? opDef(uses[0].op).codegen : undefined;
    if (codegen?.kind === "gemm" && codegen.readsTransposed && uses[0].inputs.filter((i) => i === node).length === 1) folded.add(node);
  }

  const kernels: Kernel[] = [];
  const done = new Set<Node>();
  const names = new Map<string, number>();
  for (const node of graph.nodes) {
    if (done.has(node) || !needed.has(node)) continue;
    const def = opDef(node.op);
    if (def.family === "source" || computedByReader(node) || def.traits?.view || folded.has(node)) continue;
    let state: FusionState = { anchor: node, epilogue: [], output: node };
    const rules: string[] = [];
    const prologue = node.inputs.filter((i) => folded.has(i));
    if (prologue.length) rules.push("gemm-operand-transpose");
    const claimed = new Set<Node>([node]);
    for (;;) {
      const uses = (consumers.get(state.output) ?? []).filter((c) => needed.has(c));
      const found = uses.length === 1 && !mustStore.has(state.output) ? soleReaderRule(active, state, uses[0], done) : keepingRule(active, state, uses, done);
      if (!found) break;
      const { rule, consumer } = found;
      state = rule.apply(state, consumer);
      claimed.add(consumer);
      rules.push(rule.name);
      // The consumer's other operands, when they are pointwise values used only here, are
      // computed in this kernel too instead of being stored and read back.
      if (rule.name === "elementwise-chain") {
        const pulled = pullProducers(consumer, claimed, done, consumers, mustStore);
        if (pulled.length) {
          // appended now, put in id order (the graph's topological order) once the kernel is done
          for (const p of pulled) (state.epilogue as Node[]).push(p);
          rules.push("elementwise-producer");
        }
      }
    }
    // Siblings: nodes that read what the anchor (or a transpose folded into its loads) reads.
    for (const c of unique([...node.inputs, ...prologue.flatMap((p) => p.inputs)].flatMap((i) => consumers.get(i) ?? []))) {
      if (c === node || claimed.has(c) || done.has(c) || !needed.has(c)) continue;
      // the kernel runs where its output is produced: the sibling's readers must come after that
      if ((consumers.get(c) ?? []).some((u) => needed.has(u) && u.id < state.output.id)) continue;
      const rule = active.find((r) => r.sibling && r.absorbs(state, c));
      if (!rule) continue;
      state = rule.apply(state, c);
      claimed.add(c);
      rules.push(rule.name);
    }
    state = { ...state, epilogue: [...state.epilogue].sort((a, b) => a.id - b.id) };
    const nodes = [state.anchor, ...state.epilogue, ...(state.pool ? [state.pool] : []), ...(state.rowSums ? [state.rowSums] : []), ...(state.gradient ? [state.gradient] : []), ...prologue];
    for (const n of nodes) done.add(n);
    const inside = new Set(nodes);
    const inputs = unique(nodes.flatMap((n) => n.inputs.filter((i) => !inside.has(i) && !computedByReader(i)).map(storageOf)));
    kernels.push({ name: uniqueName(kernelName(state), names), ...state, ...(prologue.length ? { prologue } : {}), nodes, inputs, rules: unique(rules) });
  }
  // A kernel runs where its stored value is produced: after every kernel that feeds it.
  kernels.sort((a, b) => a.output.id - b.output.id);
  return { kernels, storageOf };
}

type Found = { readonly rule: FusionRule; readonly consumer: Node } | undefined;

/** The sole reader of the kernel's output, absorbed by a rule that drops the output from memory. */
function soleReaderRule(rules: readonly FusionRule[], state: FusionState, consumer: Node, done: Set<Node>): Found {
  if (done.has(consumer)) return undefined;
  const rule = rules.find((r) => !r.keepsOutput && !r.sibling && r.absorbs(state, consumer));
  return rule && { rule, consumer };
}

/**
 * One of several readers of the kernel's output (or of an output that must be stored), absorbed by
 * a rule that keeps the output stored. The fused kernel runs where its new output is produced, so
 * every other reader must come after the absorbed one in the graph's order.
 */
function keepingRule(rules: readonly FusionRule[], state: FusionState, uses: readonly Node[], done: Set<Node>): Found {
  for (const consumer of uses) {
    if (done.has(consumer) || uses.some((u) => u !== consumer && u.id < consumer.id)) continue;
    const rule = rules.find((r) => r.keepsOutput && r.absorbs(state, consumer));
    if (rule) return { rule, consumer };
  }
  return undefined;
}

/**
 * Pointwise producers of `consumer` (transitively) that nothing else reads, in the order a
 * depth-first walk finds them; the walk keeps its own stack, as a producer chain can be 100,000 long.
 */
function pullProducers(consumer: Node, claimed: Set<Node>, done: Set<Node>, consumers: Map<Node, Node[]>, mustStore: Set<Node>): Node[] {
  const out: Node[] = [];
  const stack: { node: Node; next: number }[] = [{ node: consumer, next: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.next >= top.node.inputs.length) {
      stack.pop();
      continue;
    }
    const p = top.node.inputs[top.next++];
    if (claimed.has(p) || done.has(p) || mustStore.has(p)) continue;
    if (!isPointwise(opDef(p.op))) continue;
    if ((consumers.get(p) ?? []).length !== 1) continue;
    if (p.shape.length > top.node.shape.length) continue;
    claimed.add(p);
    out.push(p);
    stack.push({ node: p, next: 0 });
  }
  return out;
}

const isView = (n: Node) => opDef(n.op).traits?.view === true;

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

/** "conv1" + "relu" + "pool" → conv1_relu_pool; ops outside any module are named by op. */
function kernelName(s: FusionState): string {
  const base = s.anchor.scope ? s.anchor.scope.replace(/\./g, "_") : s.anchor.op;
  const parts = [base];
  if (s.anchor.scope && !opDef(s.anchor.op).traits?.layer && !base.endsWith(s.anchor.op)) parts.push(s.anchor.op);
  for (const e of s.epilogue) parts.push(e.op);
  if (s.pool) parts.push("pool");
  if (s.rowSums) parts.push(s.rowSums.op);
  if (s.gradient) parts.push("and_grad");
  // a long chain is named by where it starts and how long it is
  const name = parts.length > 5 ? `${parts.slice(0, 3).join("_")}_chain${parts.length}` : parts.join("_");
  return name.replace(/[^A-Za-z0-9_]/g, "_");
}

function uniqueName(name: string, seen: Map<string, number>): string {
  const k = seen.get(name) ?? 0;
  seen.set(name, k + 1);
  return k === 0 ? name : `${name}_${k + 1}`;
}

