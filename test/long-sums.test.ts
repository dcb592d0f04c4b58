// Long float32 sums as accurate as PyTorch's blocked or pairwise ones (accum54): a sum of n terms in
// one float accumulator loses up to n·ulp — 6e-4 for a Linear's K = 2^16 of equal terms, 2.6e-4 for
// a column sum over 2^20 rows — where a CPU BLAS's blocked K loop or a pairwise sum stays near
// (√n or log n)·ulp. The CPU target's GEMMs sum K in blocks of 256 (gemm.cu.hbs kBlock), the strided
// reductions in runs of 256 passes per accumulator (reduce_columns/reduce_channels runs), the loss
// kernel each thread's losses in runs of 256 (3.9e-5 over 2^22 equal terms before). Equal
// terms (0.1f) are the worst case: every rounding goes the same way. Tolerance 2e-5 relative to the
// exact sum of the float32 inputs, the bound (256 + n/256)·2^-24 for the blocked sum at these
// sizes; a single accumulator is 15–30× over it.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../compiler/pipeline.ts";
import { load, tensor } from "../runtime/index.ts";
import { header, writeFiles } from "./helpers.ts";

async function build(source: string) {
  const dir = writeFiles({ "model.ts": source });
  return (await compile(join(dir, "model.ts"), { target: "cpu", outDir: join(dir, "build") })).build.outDir;
}

const relative = (got: number, exact: number) => Math.abs(got - exact) / Math.abs(exact);

describe("long float32 sums", () => {
  it("a Linear over K = 2^16 sums K in blocks (the CPU target's GEMM)", async () => {
    const K = 1 << 16;
    const m = await load(await build(`${header}export class M extends nn.Module {\n  fc = new nn.Linear(${K}, 1, { bias: false });\n  forward(x: Tensor<[Batch, ${K}]>) { return this.fc(x); }\n}\n`));
    try {
      m.setParameter("fc.weight", tensor(new Float32Array(K).fill(1), [1, K]));
      const x = new Float32Array(K).fill(0.1);
      const [y] = m.forwardAllSync(tensor(x, [1, K]));
      expect(relative((y.data as Float32Array)[0], K * Math.fround(0.1))).toBeLessThan(2e-5);
    } finally {
      m.dispose();
    }
  }, 300_000);

  it("an MSE over 2^22 elements sums each thread's losses in runs (the loss kernel)", async () => {
    const N = 1 << 20;
    const m = await load(
      await build(`${header}export class M extends nn.Module {\n  s = new nn.Parameter(F.ones(1));\n  forward(x: Tensor<[Batch, ${N}]>) { return x.mul(this.s); }\n}\nexport const training = new Training(M, { loss: new nn.MSELoss({ reduction: "sum" }), optimizer: new optim.SGD({ lr: 0 }) });\n`),
    );
    try {
      const v = Math.fround(Math.sqrt(0.1));
      const term = Math.fround(v * v);
      const { loss } = m.evaluateSync(tensor(new Float32Array(4 * N).fill(v), [4, N]), tensor(new Float32Array(4 * N), [4, N]));
      expect(relative(loss, 4 * N * term)).toBeLessThan(2e-5);
    } finally {
      m.dispose();
    }
  }, 300_000);

  it("a sum over the leading dims into 4 columns, 2^20 rows, runs its accumulators in runs", async () => {
    const R = 1 << 20;
    const m = await load(await build(`${header}export class M extends nn.Module {\n  forward(c: Tensor<[Batch, ${R}, 4]>, z: Tensor<[Batch, 4]>) { return z.add(c.sum([0, 1])); }\n}\n`));
    try {
      const [y] = m.forwardAllSync(tensor(new Float32Array(R * 4).fill(0.1), [1, R, 4]), tensor(new Float32Array(4), [1, 4]));
      for (const v of y.data as Float32Array) expect(relative(v, R * Math.fround(0.1))).toBeLessThan(2e-5);
    } finally {
      m.dispose();
    }
  }, 300_000);
});
