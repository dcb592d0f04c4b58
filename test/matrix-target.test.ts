// Square matrices on the CPU target (templates/kernels/matrix_pivot.cu.hbs: a Gauss–Jordan
// elimination with partial pivoting, one block per matrix) against the float64 reference: inverse,
// slogdet, det and solve of 4×4 matrices and the inverse and log|det| of 96×96 ones (the kernel's
// largest), each a permutation matrix plus small noise so that every column pivots on another row
// and the sign follows the swaps — forward values within rtol 1e-4, atol 1e-5 (expectClose), a
// training step's gradients within rtol 1e-3, atol 1e-4·max|g| (expectGradientClose); and a
// singular matrix as PyTorch gives it (sign 0, log|det| −∞) with an inverse of NaNs.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../compiler/pipeline.ts";
import { differentiate } from "../compiler/2-autodiff/backward.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { normals } from "../compiler/reference/rng.ts";
import { load, tensor } from "../runtime/index.ts";
import { expectClose, expectGradientClose, referenceState } from "./target-helpers.ts";
import { header, writeFiles, yieldToRunner } from "./helpers.ts";

const BIG = 96;
const MODEL = `${header}export class Matrices extends nn.Module {
  w = new nn.Parameter(F.randn(4, 4).mul(0.05));
  forward(x: Tensor<[Batch, 4, 4]>, big: Tensor<[Batch, ${BIG}, ${BIG}]>) {
    const a = x.add(this.w);
    const s = F.linalg.slogdet(a);
    const b = big.add(this.w.sum().mul(0.01));
    const small = [a.inverse().flatten(1), s.sign.unsqueeze(1), s.logabsdet.unsqueeze(1), F.linalg.det(a).unsqueeze(1), F.linalg.solve(a, x.sum(2))];
    return F.cat([...small, b.inverse().flatten(1), F.slogdet(b).logabsdet.unsqueeze(1), F.slogdet(b).sign.unsqueeze(1)], 1);
  }
}
export const training = new Training(Matrices, { loss: new nn.MSELoss(), optimizer: new optim.SGD({ lr: 0.1 }) });
`;
const WIDTH = 16 + 1 + 1 + 1 + 4 + BIG * BIG + 1 + 1;

/** `count` n×n matrices, each a random permutation matrix plus noise·N(0, 1) (seeded). */
function permutedMatrices(count: number, n: number, noise: number, seed: number): Float32Array {
  const out = new Float32Array(count * n * n);
  const z = normals(count * n * n, seed, 1);
  const u = normals(count * n, seed, 2);
  for (let c = 0; c < count; c++) {
    const order = Array.from({ length: n }, (_, i) => i).sort((p, q) => u[c * n + p] - u[c * n + q]);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[c * n * n + i * n + j] = (order[i] === j ? 1 : 0) + noise * z[c * n * n + i * n + j];
  }
  return out;
}

describe("square matrices on the CPU target", () => {
  it("inverse, slogdet, det and solve equal the reference, forward and gradients; a singular matrix as PyTorch gives it", async () => {
    const dir = writeFiles({ "model.ts": MODEL });
    const { model, build } = await compile(join(dir, "model.ts"), { target: "cpu", outDir: join(dir, "build") });
    const graph = model.graph;
    const m = await load(build.outDir);
    try {
      const batch = 3;
      const x = permutedMatrices(batch, 4, 0.1, 5);
      const big = permutedMatrices(batch, BIG, 0.02, 6);
      const inputs = { x: nd([batch, 4, 4], Array.from(x)), big: nd([batch, BIG, BIG], Array.from(big)) };
      m.train(false);
      const got = m.forwardAllSync(tensor(x, [batch, 4, 4]), tensor(big, [batch, BIG, BIG]))[0].data as Float32Array;
      const want = runReference(graph, inputs, referenceState(graph)).outputs[0].data;
      expectClose(got, want, "eval forward");
      // the signs follow the row swaps: both occur among 3 random permutations of 4 and of 96
      const signs = (at: number) => [0, 1, 2].map((s) => want[s * WIDTH + at]);
      expect(new Set([...signs(16), ...signs(WIDTH - 1)])).toEqual(new Set([-1, 1]));
      await yieldToRunner();

      m.train(true);
      const target = Float32Array.from(normals(batch * WIDTH, 7, 1));
      m.trainStepSync([tensor(x, [batch, 4, 4]), tensor(big, [batch, BIG, BIG])], tensor(target, [batch, WIDTH]), { lr: 0 });
      const { graph: stepGraph, gradients } = differentiate(graph);
      const step = runReference(stepGraph, { ...inputs, target: nd([batch, WIDTH], Array.from(target)) }, referenceState(graph), { training: true, seed: 0, step: 0 });
      expectGradientClose(m.getParameter("w.grad").data as Float32Array, step.values.get(gradients.get("w")!)!.data, "∂L/∂w");

      // a zero matrix minus w: every matrix w's negative plus w is 0, singular
      m.train(false);
      const w = m.getParameter("w").data as Float32Array;
      const zero = Float32Array.from({ length: 16 }, (_, i) => -w[i]);
      const out = m.forwardAllSync(tensor(zero, [1, 4, 4]), tensor(big.slice(0, BIG * BIG), [1, BIG, BIG]))[0].data as Float32Array;
      expect(Array.from(out.slice(0, 16)).every(Number.isNaN)).toBe(true);
      expect([out[16], out[17], out[18]]).toEqual([0, -Infinity, 0]);
    } finally {
      m.dispose();
    }
  }, 600_000);
});
