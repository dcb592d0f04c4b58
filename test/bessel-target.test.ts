// The modified Bessel functions on the CPU target (runtime/harness/bessel.h: tsdp_i0, tsdp_i0e,
// tsdp_i1, tsdp_i1e, the float C side of compiler/reference/bessel.ts) element by element against
// the float64 reference, rtol 1e-4 and atol 1e-5 (expectClose): 0, tiny, both sides of the series'
// range at |x| = 20, up to 80 (e^|x| overflows float32 past 88.7: I₀ and I₁ are ∞ there, as
// PyTorch's float kernels give); the scaled forms far out; ±∞ and NaN exactly; and one training
// step's gradients (their _grad kernels: i1, i0 − i1/x, …) within rtol 1e-3, atol 1e-4·max|g|.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../compiler/pipeline.ts";
import { differentiate } from "../compiler/2-autodiff/backward.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { load, tensor } from "../runtime/index.ts";
import { expectClose, expectGradientClose, referenceState } from "./target-helpers.ts";
import { header, writeFiles } from "./helpers.ts";

const MODEL = `${header}export class Bessels extends nn.Module {
  w = new nn.Parameter(F.ones(16));
  forward(x: Tensor<[Batch, 16]>) {
    const z = x.mul(this.w);
    return F.cat([z.i0(), F.special.i0e(z), F.special.i1(z), F.special.i1e(z)], 1);
  }
}
export const training = new Training(Bessels, { loss: new nn.MSELoss(), optimizer: new optim.SGD({ lr: 0.1 }) });
`;

const xs = [
  0, 1e-3, -1e-3, 0.5, -1, 2.5, 3, -5, 7.9, 8, -12.5, 15, 19.99, 20, -20, 20.01,
  -21, 25, 30, -33.3, 40, 50, -55, 60, 64.5, 70, -75, 80, 0.25, -2, 11, -19.5,
];

describe("i0, i0e, i1, i1e on the CPU target", () => {
  it("equal the reference element by element, far out (the scaled forms), at ±∞ and NaN, and in a training step's gradients", async () => {
    const dir = writeFiles({ "model.ts": MODEL });
    const { model, build } = await compile(join(dir, "model.ts"), { target: "cpu", outDir: join(dir, "build") });
    const graph = model.graph;
    const m = await load(build.outDir);
    try {
      m.train(false);
      const input = Float32Array.from(xs);
      const got = m.forwardAllSync(tensor(input, [2, 16]))[0].data as Float32Array;
      const want = runReference(graph, { x: nd([2, 16], Array.from(input)) }, referenceState(graph)).outputs[0].data;
      ["i0", "i0e", "i1", "i1e"].forEach((name, f) => {
        const part = (a: ArrayLike<number>) => [0, 1].flatMap((s) => Array.from(a).slice(s * 64 + f * 16, s * 64 + f * 16 + 16));
        expectClose(part(got), part(want), name);
      });

      // the scaled forms where I itself overflows even float64; ±∞ and NaN
      const far = Float32Array.from([700, -700, 1e4, -3e5, Infinity, -Infinity, NaN, 90, ...new Array(8).fill(1)]);
      const farGot = m.forwardAllSync(tensor(far, [1, 16]))[0].data as Float32Array;
      const farWant = runReference(graph, { x: nd([1, 16], Array.from(far)) }, referenceState(graph)).outputs[0].data;
      const at = (a: ArrayLike<number>, f: number, from: number, to: number) => Array.from(a).slice(f * 16 + from, f * 16 + to);
      expectClose(at(farGot, 1, 0, 4), at(farWant, 1, 0, 4), "i0e far out");
      expectClose(at(farGot, 3, 0, 4), at(farWant, 3, 0, 4), "i1e far out");
      expect(at(farGot, 0, 4, 8)).toEqual([Infinity, Infinity, NaN, Infinity]);
      expect(at(farGot, 1, 4, 7)).toEqual([0, 0, NaN]);
      expect(at(farGot, 2, 4, 8)).toEqual([Infinity, -Infinity, NaN, Infinity]);
      expect(at(farGot, 3, 4, 7)).toEqual([0, -0, NaN]);

      // the gradients of w, through every _grad kernel (lr 0: the step computes them, moves nothing),
      // at |x| ≤ 30 (past it ½·out² of I₀ grows past float32's range)
      m.train(true);
      const moderate = Float32Array.from(xs.map((v) => (Math.abs(v) > 30 ? v / 3 : v)));
      const target = Float32Array.from({ length: 2 * 64 }, (_, i) => Math.sin(i));
      m.trainStepSync(tensor(moderate, [2, 16]), tensor(target, [2, 64]), { lr: 0 });
      const { graph: stepGraph, gradients } = differentiate(graph);
      const step = runReference(stepGraph, { x: nd([2, 16], Array.from(moderate)), target: nd([2, 64], Array.from(target)) }, referenceState(graph), { training: true, seed: 0, step: 0 });
      expectGradientClose(m.getParameter("w.grad").data as Float32Array, step.values.get(gradients.get("w")!)!.data, "∂L/∂w");
    } finally {
      m.dispose();
    }
  }, 300_000);
});
