// x.detach(): the value passes, the gradient does not. Checked on the reference interpreter with
// hand-derived expectations (not against autodiff's own rule): float64, tolerance 1e-12 relative.
import { describe, expect, it } from "vitest";
import { differentiate } from "../compiler/2-autodiff/backward.ts";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { normals } from "../compiler/reference/rng.ts";
import { header, lowerSource } from "./helpers.ts";

const model = (forward: string) =>
  `${header}export class M extends nn.Module {\n  a = new nn.Linear(3, 2);\n  b = new nn.Linear(3, 2);\n  forward(x: Tensor<[Batch, 3]>) {\n    ${forward}\n  }\n}\n` +
  `export const training = new Training(M, { loss: new nn.MSELoss({ reduction: "sum" }), optimizer: new optim.SGD({ lr: 0.1 }) });\n`;

/** Forward outputs and every parameter's gradient, on the reference, for a batch of 4. */
function run(forward: string) {
  const { graph } = lowerSource(model(forward));
  const { graph: step, gradients } = differentiate(graph);
  const x = nd([4, 3], normals(12, 5, 1));
  const target = nd([4, 2], new Float64Array(8));
  const values = runReference(step, { x, target }, initState(graph, 0), { training: true }).values;
  return {
    output: Array.from(values.get(step.outputs[0])!.data),
    grad: (name: string) => Array.from(values.get(gradients.get(name)!)!.data),
  };
}

const close = (got: number[], want: number[]) => {
  expect(got).toHaveLength(want.length);
  got.forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want[i]))));
};

describe("detach", () => {
  it("passes the value unchanged", () => {
    close(run("return this.a(x).detach().add(this.b(x));").output, run("return this.a(x).add(this.b(x));").output);
  });
  it("stops the gradient: a branch through detach gets none, the other branch all of its own", () => {
    const detached = run("return this.a(x).detach().add(this.b(x));");
    expect(detached.grad("a.weight").every((g) => g === 0)).toBe(true);
    expect(detached.grad("a.bias").every((g) => g === 0)).toBe(true);
    expect(detached.grad("b.weight").some((g) => g !== 0)).toBe(true);
  });
  it("treats the detached factor as a constant: L = Σ(y·sg(y))² has ∂L/∂y = 2y³, half of d(Σy⁴)/dy", () => {
    const half = run("const y = this.a(x);\n    return y.mul(y.detach());");
    const whole = run("const y = this.a(x);\n    return y.mul(y);");
    close(half.output, whole.output);
    close(half.grad("a.weight"), whole.grad("a.weight").map((g) => g / 2));
  });
});
