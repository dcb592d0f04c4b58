import type { SourceLoc } from "../diagnostics/diagnostic.ts";
import { limitError } from "../limits.ts";
import { opDef } from "../ops/index.ts";
import type { Attrs, Graph, Loss, Node, OptimizerSpec, StateDictKey, StateUpdate } from "./node.ts";

/** Appends nodes in topological order, running each op's shape rule as it goes. */
export class GraphBuilder {
  private readonly nodes: Node[] = [];

  /** `maxOps` bounds the graph a model builds (--max-ops); the backward's builder has none. */
  constructor(private readonly maxOps = Infinity) {}
  readonly inputs: Node[] = [];
  readonly params: Node[] = [];
  readonly buffers: Node[] = [];

  /** A builder that continues `graph` (its nodes keep their ids), e.g. to add the backward pass. */
  static extending(graph: Graph): GraphBuilder {
    const b = new GraphBuilder();
    b.nodes.push(...graph.nodes);
    b.inputs.push(...graph.nodes.filter((n) => n.op === "input"));
    b.params.push(...graph.params);
    b.buffers.push(...graph.buffers);
    return b;
  }

  /** The nodes added so far, in order. */
  get allNodes(): readonly Node[] {
    return [...this.nodes];
  }

  /** How many nodes there are: a mark for `reuseSince`. */
  get size(): number {
    return this.nodes.length;
  }

  /** Nodes that an identical add returns instead of adding a new one, queued per key in order. */
  private reusable?: Map<string, Node[]>;

  /**
   * Code evaluated again (a function run once per train/eval mode) adds the nodes it added before:
   * from now until `stopReuse`, an add whose op, inputs, attributes, place and module path are
   * those of a node added since `mark` returns that node (the first not yet returned, in order), so
   * what both evaluations compute is computed once.
   */
  reuseSince(mark: number): void {
    this.reusable = new Map();
    for (const n of this.nodes.slice(mark)) {
      const key = nodeKey(n.op, n.inputs, n.attrs, n.loc, n.scope);
      const queue = this.reusable.get(key);
      if (queue) queue.push(n);
      else this.reusable.set(key, [n]);
    }
  }

  stopReuse(): void {
    this.reusable = undefined;
  }

  /** Adds a node; the op's ShapeError propagates for the caller to place in the source. */
  add(op: string, inputs: readonly Node[], attrs: Attrs, loc: SourceLoc, scope: string, who: string = op): Node {
    if (this.reusable) {
      const again = this.reusable.get(nodeKey(op, inputs, attrs, loc, scope))?.shift();
      if (again) return again;
    }
    if (this.nodes.length >= this.maxOps)
      throw limitError("graphTooLarge", "maxOps", this.maxOps, `the model's graph grows past ${this.maxOps} ops here`, loc);
    const def = opDef(op);
    const type = def.infer(inputs, attrs, who);
    const instead = def.canonical?.(inputs, attrs, type, (o, ins, at = {}) => this.add(o, ins, at, loc, scope, who));
    if (instead) return instead;
    const node: Node = Object.freeze({
      id: this.nodes.length,
      op,
      inputs: Object.freeze([...inputs]),
      attrs: Object.freeze({ ...attrs }),
      shape: Object.freeze([...type.shape]),
      dtype: type.dtype,
      loc,
      scope,
    });
    this.nodes.push(node);
    if (op === "input") this.inputs.push(node);
    if (op === "param") this.params.push(node);
    if (op === "buffer") this.buffers.push(node);
    return node;
  }

  finish(
    name: string,
    outputs: readonly Node[],
    training?: { loss?: Loss; optimizer?: OptimizerSpec; stateUpdates?: readonly StateUpdate[]; trainingRefusals?: readonly string[]; heldModes?: Readonly<Record<string, "eval" | "train">>; perSampleBatchStatistics?: readonly { readonly inTraining: boolean; readonly inEval: boolean }[]; perReplicaStatistics?: readonly Node[]; gradientsInForward?: readonly { readonly gradient: Node; readonly at: SourceLoc }[] },
    outputNames?: readonly string[],
    stateDict?: readonly StateDictKey[],
  ): Graph {
    const isTarget = (n: Node) => n === training?.loss?.target;
    return Object.freeze({
      name,
      nodes: Object.freeze([...this.nodes]),
      inputs: Object.freeze(this.inputs.filter((n) => !isTarget(n))),
      params: Object.freeze([...this.params]),
      buffers: Object.freeze([...this.buffers]),
      outputs: Object.freeze([...outputs]),
      ...(outputNames ? { outputNames: Object.freeze([...outputNames]) } : {}),
      loss: training?.loss,
      optimizer: training?.optimizer,
      ...(training?.stateUpdates?.length ? { stateUpdates: Object.freeze([...training.stateUpdates]) } : {}),
      ...(training?.trainingRefusals?.length ? { trainingRefusals: Object.freeze([...training.trainingRefusals]) } : {}),
      ...(training?.heldModes && Object.keys(training.heldModes).length ? { heldModes: Object.freeze({ ...training.heldModes }) } : {}),
      ...(training?.perSampleBatchStatistics?.length ? { perSampleBatchStatistics: Object.freeze([...training.perSampleBatchStatistics]) } : {}),
      ...(training?.perReplicaStatistics?.length ? { perReplicaStatistics: Object.freeze([...training.perReplicaStatistics]) } : {}),
      ...(training?.gradientsInForward?.length ? { gradientsInForward: Object.freeze([...training.gradientsInForward]) } : {}),
      ...(stateDict ? { stateDict: Object.freeze([...stateDict]) } : {}),
    });
  }
}

/** What makes two adds the same node: op, inputs, attributes, source place and module path. */
function nodeKey(op: string, inputs: readonly Node[], attrs: Attrs, loc: SourceLoc, scope: string): string {
  // ±Infinity and NaN are spelled out (JSON writes each as null)
  const attrText = JSON.stringify(attrs, (_, v) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v));
  return `${op}|${inputs.map((i) => i.id).join(",")}|${attrText}|${loc.file}:${loc.line}:${loc.col}|${scope}`;
}
