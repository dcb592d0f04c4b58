import { fail } from "../diagnostics/diagnostic.ts";
import type { GraphBuilder } from "../ir/builder.ts";
import type { Attrs, Node } from "../ir/node.ts";
import { ShapeError } from "../ops/index.ts";
import { checkTensorSize } from "./size-limits.ts";
import { TensorValue, type CallSite } from "./values.ts";

/** Adds graph nodes for tensor code, placing shape errors at the user's call. */
export class GraphEmitter {
  /** Module paths of the forward calls being evaluated; the innermost names new nodes. */
  private readonly scopes: string[] = [];
  constructor(readonly builder: GraphBuilder) {}

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

  node(op: string, inputs: readonly Node[], attrs: Attrs, who: string, site: CallSite): Node {
    let node: Node;
    try {
      node = this.builder.add(op, inputs, attrs, site.loc, this.scope, who);
    } catch (e) {
      if (e instanceof ShapeError) fail(e.kind, e.message, site.loc);
      throw e;
    }
    checkTensorSize(node.shape, `the result of ${who}`, site.loc);
    return node;
  }

  tensor(op: string, inputs: readonly (Node | TensorValue)[], attrs: Attrs, who: string, site: CallSite): TensorValue {
    const nodes = inputs.map((i) => (i instanceof TensorValue ? i.node : i));
    return new TensorValue(this.node(op, nodes, attrs, who, site));
  }

  constant(value: number, site: CallSite): Node {
    return this.node("const", [], { value }, "constant", site);
  }
}
