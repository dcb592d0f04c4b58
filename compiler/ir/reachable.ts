import type { Node } from "./node.ts";

/** Every node `roots` read, directly or not, the roots included (an explicit stack: graphs can be deep). */
export function reachable(roots: readonly Node[]): Set<Node> {
  const seen = new Set<Node>();
  const stack = [...roots];
  while (stack.length) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    stack.push(...n.inputs);
  }
  return seen;
}
