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

/** The nodes `roots` read, the roots included, each after its operands (an explicit stack: graphs can be 100,000 ops deep). */
export function postOrder(roots: readonly Node[]): Node[] {
  const order: Node[] = [];
  const seen = new Set<Node>();
  for (const root of roots) {
    if (seen.has(root)) continue;
    seen.add(root);
    const stack: { node: Node; next: number }[] = [{ node: root, next: 0 }];
    while (stack.length) {
      const top = stack[stack.length - 1];
      const operand = top.node.inputs[top.next++];
      if (operand === undefined) {
        order.push(top.node);
        stack.pop();
      } else if (!seen.has(operand)) {
        seen.add(operand);
        stack.push({ node: operand, next: 0 });
      }
    }
  }
  return order;
}
