import { GraphBuilder } from "../ir/builder.ts";
import type { Graph, Node } from "../ir/node.ts";
import { formatShape, shapeEq, type Shape } from "../ir/shape.ts";
import { opDef, ShapeError, type GradContext } from "../ops/index.ts";
import { fail } from "../diagnostics/diagnostic.ts";

// Reverse-mode automatic differentiation on the IR. Starting from ∂loss/∂loss = 1, nodes are
// visited in reverse topological order; each op's gradient rule (in its definition) turns the
// gradient of its output into gradients of its inputs, as new IR nodes. Contributions to a value
// used several times are added. The result is one graph — forward, loss and backward — that the
// rest of the compiler fuses, plans and generates as a whole.

export interface Differentiated {
  /** The runtime-set seed ∂L/∂loss, when differentiated with seed "loss_scale". */
  readonly lossScale?: Node;
  /** The forward graph extended with the backward nodes. */
  readonly graph: Graph;
  /** ∂loss/∂p for every parameter p, by parameter name. */
  readonly gradients: ReadonlyMap<string, Node>;
  /** The parameters the loss does not reach (their gradient is zero): PyTorch leaves their .grad None, so its optimizers skip them. */
  readonly unreached: ReadonlySet<string>;
}

export interface DifferentiateOptions {
  /** What to differentiate with respect to: the parameters, and inputs for gradient checks. */
  readonly wrt?: readonly Node[];
  /** The scalar to differentiate; the training declaration's loss by default. */
  readonly loss?: Node;
  /** Where `loss` was built, when it is not part of `graph` yet. */
  readonly builder?: GraphBuilder;
  /**
   * ∂L/∂loss, 1 by default. The training step seeds it with a `loss_scale` node whose value the
   * harness sets per replica (its share of the batch), so that summing the replicas' gradients
   * gives the gradient of the whole batch.
   */
  readonly seed?: "constant" | "loss_scale";
}

export function differentiate(graph: Graph, options: DifferentiateOptions = {}): Differentiated {
  const wrt = options.wrt ?? graph.params;
  const loss = options.loss ?? graph.loss?.value;
  if (!loss) fail("autodiffNoLoss", `differentiate: ${graph.name} has no loss (the frontend lets only models with a training declaration through)`);
  if (loss.shape.length !== 0) fail("autodiffNoLoss", `differentiate: the loss must be a scalar, got ${formatShape(loss.shape)}`, loss.loc);
  const b = options.builder ?? GraphBuilder.extending(graph);
  const emitAt = gradientEmitter(b);
  const seed = options.seed === "loss_scale" ? emitAt(loss)("loss_scale", [], {}) : emitAt(loss)("const", [], { value: 1 });
  const reached = backpropagate(b, [[loss, seed]], wrt);

  const gradients = new Map<string, Node>();
  const unreached = new Set<string>();
  for (const p of wrt) {
    const g = reached.get(p);
    // a parameter the loss does not depend on has gradient zero (the step's buffers hold one for
    // every parameter); the optimizer leaves it as it is (pipeline.ts skipUnreached)
    if (!g) unreached.add(p.attrs.name as string);
    gradients.set(p.attrs.name as string, g ?? emitAt(p)("expand", [emitAt(p)("const", [], { value: 0 })], { shape: p.shape }));
  }
  const extended = b.finish(graph.name, graph.outputs, { loss: graph.loss, optimizer: graph.optimizer, stateUpdates: graph.stateUpdates, trainingRefusals: graph.trainingRefusals, perSampleBatchStatistics: graph.perSampleBatchStatistics });
  return { graph: extended, gradients, unreached, lossScale: options.seed === "loss_scale" ? seed : undefined };
}

/** Adds one gradient node (GradContext.emit). */
type Emit = GradContext["emit"];

/**
 * What each gradient node is a derivative of — the forward op and the order, 1 for the gradient of a
 * forward node, 2 for the gradient of that gradient — for the message when the loss needs a
 * derivative no rule gives.
 */
const derivativeOf = new WeakMap<Node, { readonly op: string; readonly order: number }>();

/** Adds gradient nodes to `b`, each placed at the forward node it is the gradient of (its line and scope). */
export function gradientEmitter(b: GraphBuilder): (at: Node) => Emit {
  return (at) => (op, inputs, attrs = {}) => {
    try {
      const n = b.add(op, inputs, attrs, at.loc, at.scope, `${op} (gradient of ${at.op})`);
      const of = derivativeOf.get(at);
      if (!derivativeOf.has(n)) derivativeOf.set(n, { op: of?.op ?? at.op, order: (of?.order ?? 0) + 1 });
      return n;
    } catch (e) {
      if (e instanceof ShapeError) fail("autodiffWrongRule", `the gradient rule of ${at.op} (%${at.id}) is wrong: ${e.message}`, at.loc);
      throw e;
    }
  };
}

/**
 * The reverse sweep: adds to `b` the gradient of Σₖ ⟨outputₖ, seedₖ⟩ with respect to each of `wrt`,
 * each seed a node of its output's shape (∂L/∂loss = 1 for the training step; autograd.grad's
 * grad_outputs inside forward, autograd-grad.ts). Returns each wrt node's gradient, or undefined for
 * one no output depends on. Nodes are the builder's so far, in topological order. `partial`: the
 * partial derivatives, each wrt node taken as an independent argument (a composed op's arguments).
 */
export function backpropagate(b: GraphBuilder, seeded: readonly (readonly [Node, Node])[], wrt: readonly Node[], partial = false): Map<Node, Node | undefined> {
  const nodes = b.allNodes;
  const emitAt = gradientEmitter(b);
  // Only nodes on a path from a wrt node to an output need a gradient.
  const wrtSet = new Set<Node>(wrt);
  const dependsOnWrt = new Set<Node>(wrt);
  for (const n of nodes) if (n.inputs.some((i) => dependsOnWrt.has(i))) dependsOnWrt.add(n);
  const feedsOutput = new Set<Node>(seeded.map(([output]) => output));
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i];
    if (feedsOutput.has(n)) for (const input of n.inputs) feedsOutput.add(input);
  }
  const needed = (n: Node) => dependsOnWrt.has(n) && feedsOutput.has(n);

  const contributions = new Map<Node, Node[]>();
  const add = (n: Node, g: Node) => {
    const list = contributions.get(n);
    if (list) list.push(g);
    else contributions.set(n, [g]);
  };
  for (const [output, seed] of seeded) add(output, seed);

  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i];
    const parts = contributions.get(node);
    if (!parts || !needed(node)) continue;
    const emit = emitAt(node);
    const dy = parts.reduce((sum, g) => emit("add", [sum, g]));
    contributions.set(node, [dy]);
    // partial derivatives (a composed op's, GradContext.vjp): each wrt node an independent argument,
    // so no gradient goes on through it to another (autograd.grad's are total, as PyTorch's)
    if (node.inputs.length === 0 || (partial && wrtSet.has(node))) continue;
    const rule = opDef(node.op).grad;
    if (!rule) fail(derivativeOf.has(node) ? "higherDerivative" : "autodiffNoGradient", noGradientRule(node), node.loc);
    const ctx: GradContext = {
      node,
      dy: shapeEq(dy.shape, node.shape) ? dy : emit("expand", [dy], { shape: node.shape }),
      emit,
      constant: (value) => emit("const", [], { value }),
      sumTo: (g, shape) => sumTo(emit, g, shape),
      expand: (g, shape) => (shapeEq(g.shape, shape) ? g : emit("expand", [g], { shape })),
      vjp: vectorJacobian(b),
    };
    const grads = rule(ctx);
    node.inputs.forEach((input, k) => {
      const g = grads[k];
      if (!g || !needed(input)) return;
      if (!shapeEq(g.shape, input.shape))
        fail("autodiffWrongRule", `the gradient rule of ${node.op} gives ${formatShape(g.shape)} for input ${k} of shape ${formatShape(input.shape)}`, node.loc);
      add(input, g);
    });
  }
  return new Map(wrt.map((n) => [n, contributions.get(n)?.[0]]));
}

/**
 * Why a node has no gradient: an op whose gradient is not defined, or — for a node that is itself a
 * derivative, which a gradient taken inside forward with createGraph puts on the loss's path — a
 * higher derivative tsdp does not have.
 */
function noGradientRule(node: Node): string {
  const of = derivativeOf.get(node);
  if (of !== undefined) {
    const nth = (k: number) => ["second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth"][k - 2] ?? `${k}th`;
    return `the loss depends on %${node.id} (${node.op}), a derivative of ${of.op} taken in forward by F.autograd.grad with createGraph: true, and the ${nth(of.order + 1)} derivative of ${of.op} that its gradient needs is not implemented`;
  }
  return `${node.op} has no gradient rule, but the loss depends on it through %${node.id}`;
}

/** GradContext.vjp over `b`: the partial derivatives of a composed value, by the sweep. */
export function vectorJacobian(b: GraphBuilder): GradContext["vjp"] {
  return (output, seed, of) => {
    const reached = backpropagate(b, [[output, seed]], of, true);
    return of.map((n) => reached.get(n) ?? null);
  };
}

/** Sums g over the dims along which a value of `shape` was broadcast to g's shape. */
export function sumTo(emit: Emit, g: Node, shape: Shape): Node {
  if (shapeEq(g.shape, shape)) return g;
  const lead = g.shape.length - shape.length;
  const dims: number[] = [];
  for (let d = 0; d < g.shape.length; d++) {
    if (d < lead) dims.push(d);
    else if (shape[d - lead] === 1 && g.shape[d] !== 1) dims.push(d);
  }
  const summed = dims.length ? emit("sum", [g], { dims, keepdim: true }) : g;
  return shapeEq(summed.shape, shape) ? summed : emit("reshape", [summed], { shape });
}
