import type { Node } from "../ir/node.ts";

// Which tensors autograd tracks (PyTorch's requires_grad): a trained parameter, a tensor the model
// marks with x.requiresGrad_() (PINN collocation points, WGAN-GP's interpolates: the leaves
// F.autograd.grad differentiates with respect to, autograd-grad.ts), and what is computed from
// either — except through detach, a comparison's mask or an integer, which carry no gradient.

/** Tensors marked with requiresGrad_() (or requiresGrad = true): PyTorch's leaves that require grad. */
const marked = new WeakSet<Node>();

export function markRequiresGrad(n: Node): void {
  marked.add(n);
}

/** The ops whose float result carries no gradient to its operands (a comparison's 0/1 mask). */
const GRADIENTLESS = new Set(["detach", "eq", "ne", "gt", "ge", "lt", "le"]);

/** Whether autograd tracks n: PyTorch's x.requires_grad. */
export function requiresGradient(n: Node): boolean {
  const seen = new Set<Node>();
  const stack = [n];
  while (stack.length) {
    const m = stack.pop()!;
    if (seen.has(m) || m.dtype !== "f32" || GRADIENTLESS.has(m.op)) continue;
    if (m.op === "param" || marked.has(m)) return true;
    seen.add(m);
    stack.push(...m.inputs);
  }
  return false;
}
