import type { Node } from "./node.ts";

/** Where the answers are kept: a Map for one question, a WeakMap for answers kept across calls. */
export interface Answers {
  has(n: Node): boolean;
  get(n: Node): boolean | undefined;
  set(n: Node, answer: boolean): unknown;
}

/** How a node's answer is decided: by itself, or from its operands' answers (a missing operand answers no). */
export type Rule = boolean | { readonly needs: "all" | "any"; readonly operands: readonly (Node | undefined)[] };

/**
 * A yes/no property of `node` that follows from its op or from its operands' answers — whether it
 * is a bool mask, whether it needs a gradient. Operands are asked in order and the first answer that
 * settles it stops the asking, as `every`/`some` would; the walk keeps an explicit stack (graphs can
 * be 100,000 ops deep) and its answers in `known`, so a caller asking of each new node pays once.
 */
export function decide(node: Node, known: Answers, rule: (n: Node) => Rule): boolean {
  const pending: Node[] = [node];
  while (pending.length > 0) {
    const n = pending[pending.length - 1];
    if (known.has(n)) {
      pending.pop();
      continue;
    }
    const r = rule(n);
    let answer: boolean | undefined = typeof r === "boolean" ? r : r.needs === "all";
    if (typeof r !== "boolean") {
      // "all" is settled by the first no, "any" by the first yes
      const settles = r.needs !== "all";
      for (const operand of r.operands) {
        const a = operand === undefined ? false : known.get(operand);
        if (a === undefined) {
          pending.push(operand!);
          answer = undefined;
          break;
        }
        if (a === settles) {
          answer = settles;
          break;
        }
      }
    }
    if (answer !== undefined) {
      known.set(n, answer);
      pending.pop();
    }
  }
  return known.get(node)!;
}
