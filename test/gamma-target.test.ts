// The gamma family on the CPU target (runtime/harness/gamma.h: tsdp_lgamma, tsdp_digamma,
// tsdp_polygamma, the float C side of compiler/reference/gamma.ts) element by element against the
// float64 reference, rtol 1e-4 and atol 1e-5 (expectClose): both sides of 0, tiny and large
// arguments, digamma's root near 1.46; one training step's gradients (their _grad kernels: ψ, ψ⁽¹⁾,
// ψ⁽ⁿ⁺¹⁾) within rtol 1e-3, atol 1e-4·max|g| (expectGradientClose); and PyTorch's values at the poles
// exactly. The reference's own values: test/reference-ops.test.ts.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../compiler/pipeline.ts";
import { differentiate } from "../compiler/2-autodiff/backward.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { load, tensor } from "../runtime/index.ts";
import { expectClose, expectGradientClose, referenceState } from "./target-helpers.ts";
import { header, writeFiles } from "./helpers.ts";

const MODEL = `${header}export class Gammas extends nn.Module {
  w = new nn.Parameter(F.ones(16));
  forward(x: Tensor<[Batch, 16]>) {
    const z = x.mul(this.w);
    return F.cat([z.lgamma(), z.digamma(), F.polygamma(1, z), z.polygamma(2), F.special.polygamma(3, z), z.abs().add(2).mvlgamma(3)], 1);
  }
}
export const training = new Training(Gammas, { loss: new nn.MSELoss(), optimizer: new optim.SGD({ lr: 0.1 }) });
`;

// two samples: negative non-integers (the reflections), tiny, around digamma's root, mid-range, large
const xs = [
  -7.3, -3.75, -2.5, -1.9, -1.1, -0.5, -0.2, -0.01, 1e-4, 0.03, 0.3, 0.9, 1, 1.4616, 1.5, 2,
  2.7, 3.3, 4.5, 7.25, 9.5, 9.99, 10, 10.01, 13.7, 25, 55.5, 99, 250, 1000, 31415, 1e6,
];
// the poles: lgamma +∞; digamma −∞ at +0, +∞ at −0, NaN at the negative integers; polygamma ±∞
const poles = [0, -0, -1, -3];

describe("lgamma, digamma, polygamma on the CPU target", () => {
  it("equal the reference element by element, in a training step's gradients, and at the poles", async () => {
    const dir = writeFiles({ "model.ts": MODEL });
    const { model, build } = await compile(join(dir, "model.ts"), { target: "cpu", outDir: join(dir, "build") });
    const graph = model.graph;
    const m = await load(build.outDir);
    try {
      m.train(false);
      const input = Float32Array.from(xs);
      const got = m.forwardAllSync(tensor(input, [2, 16]))[0].data as Float32Array;
      const want = runReference(graph, { x: nd([2, 16], Array.from(input)) }, referenceState(graph)).outputs[0].data;
      const names = ["lgamma", "digamma", "polygamma 1", "polygamma 2", "polygamma 3", "mvlgamma 3"];
      for (let f = 0; f < 6; f++) {
        const part = (a: ArrayLike<number>) => [0, 1].flatMap((s) => Array.from(a).slice(s * 96 + f * 16, s * 96 + f * 16 + 16));
        expectClose(part(got), part(want), names[f]);
      }

      // the gradients of w, through every _grad kernel (lr 0: the step computes them, moves nothing)
      m.train(true);
      const target = Float32Array.from({ length: 2 * 96 }, (_, i) => Math.sin(i));
      m.trainStepSync(tensor(input, [2, 16]), tensor(target, [2, 96]), { lr: 0 });
      const { graph: stepGraph, gradients } = differentiate(graph);
      const step = runReference(stepGraph, { x: nd([2, 16], Array.from(input)), target: nd([2, 96], Array.from(target)) }, referenceState(graph), { training: true, seed: 0, step: 0 });
      expectGradientClose(m.getParameter("w.grad").data as Float32Array, step.values.get(gradients.get("w")!)!.data, "∂L/∂w");

      m.train(false);
      const atPoles = Float32Array.from([...poles, ...new Array(12).fill(1)]);
      const values = m.forwardAllSync(tensor(atPoles, [1, 16]))[0].data as Float32Array;
      const at = (f: number) => Array.from(values.slice(f * 16, f * 16 + 4));
      expect(at(0)).toEqual([Infinity, Infinity, Infinity, Infinity]);
      expect(at(1)).toEqual([-Infinity, Infinity, NaN, NaN]);
      expect(at(2)).toEqual([Infinity, Infinity, Infinity, Infinity]);
      expect(at(3)).toEqual([-Infinity, -Infinity, -Infinity, -Infinity]);
    } finally {
      m.dispose();
    }
  }, 300_000);
});
