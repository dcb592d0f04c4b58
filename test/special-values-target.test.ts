// Special values (±∞, NaN, −0, float32's largest) through the ops whose C form would lose them, as
// PyTorch's kernels compute them: softplus's max(z, 0) halved before the sum (z + |z| overflows
// above FLT_MAX/2) and its threshold a select (x − softplus is ∞ − ∞ at +∞; βx is ∞ near FLT_MAX
// for β > 1, with the default threshold too); hardswish's product
// below −3 (−0, NaN at −∞); pow(x, ±½) as sqrt and rsqrt (powf differs at −0 and −∞); a
// cross-entropy whose non-target logit is −∞ (an action or vocabulary mask: finite, not
// 0·(−∞) = NaN from a smoothing term of ε = 0); NaN as a constant (torch.full(…, nan),
// torch.where(m, x, nan), masked_fill(m, nan)); ±∞ in arithmetic (x + inf, x * -inf) and as
// F.pad's value. Expected values written out from PyTorch's formulas
// in float32 (each row says which); the reference interpreter (float64) agrees wherever float32
// does not overflow, and is checked on those rows.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../compiler/pipeline.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { load, tensor } from "../runtime/index.ts";
import { referenceState } from "./target-helpers.ts";
import { header, lowerSource, writeFiles } from "./helpers.ts";

const MODEL = `${header}export class Specials extends nn.Module {
  forward(x: Tensor<[Batch, 4]>) {
    return [
      F.softplus(x),
      F.softplus(x, 2, 10),
      F.softplus(x, 2),
      F.hardswish(x),
      x.pow(-0.5),
      x.pow(0.5),
      F.where(x.gt(0), x, NaN),
      x.maskedFill(x.lt(0), NaN),
      F.fullLike(x, NaN).add(F.tensor([NaN, 1, Infinity, -Infinity])),
      x.add(Infinity),
      x.mul(-Infinity),
      x.div(Infinity),
      // timm's MaxPool2dSame: padded with −∞, then pooled without padding
      F.maxPool1d(F.pad(x.unsqueeze(1), [1, 1], "constant", -Infinity), 2, 2),
      // dropout is input · mask · scale, as PyTorch's: a dropped NaN or ∞ is NaN, a dropped −5 is −0
      F.dropout(x, 1),
      F.dropout(F.fullLike(x, NaN), 0.5),
      // ±∞ as clamp bounds, as PyTorch's
      x.clamp(-Infinity, 0.5),
      x.clampMin(Infinity),
    ];
  }
}
`;

const LOSS = `${header}export class Masked extends nn.Module {
  scale = new nn.Parameter(F.ones(3));
  forward(x: Tensor<[Batch, 3]>) {
    // class 1 masked out, as an action mask: logits + [0, −∞, 0]
    return x.mul(this.scale).add(F.tensor([0, -Infinity, 0]));
  }
}
export const training = new Training(Masked, { loss: (out: Tensor, y: Tensor<[Batch], "int32">) => F.crossEntropy(out, y), optimizer: new optim.SGD({ lr: 0.1 }) });
`;

const f32 = (v: number) => Math.fround(v);
const BIG = f32(3.4e38);
const softplus = (x: number, beta = 1) => Math.log1p(Math.exp(beta * x)) / beta;
// rows: the inputs, and each output's expected values (float32)
const xs = [
  [BIG, Infinity, -Infinity, 0],
  [-0, -5, 4, 0.5],
];
const want: number[][] = [
  // softplus, threshold 20: x where βx > 20, log1p(e^(βx))/β else
  [BIG, Infinity, 0, Math.LN2, Math.LN2, softplus(-5), 4 + Math.log1p(Math.exp(-4)), softplus(0.5)],
  // softplus β = 2, threshold 10
  [BIG, Infinity, 0, Math.LN2 / 2, Math.LN2 / 2, softplus(-5, 2), softplus(4, 2), softplus(0.5, 2)],
  // softplus β = 2, threshold 20: 2x is ∞ at BIG, past the threshold: x
  [BIG, Infinity, 0, Math.LN2 / 2, Math.LN2 / 2, softplus(-5, 2), softplus(4, 2), softplus(0.5, 2)],
  // hardswish x·min(max(x + 3, 0), 6)/6: (x·6)/6 overflows at BIG as PyTorch's; −∞·0 is NaN; −5·0 is −0
  [Infinity, Infinity, NaN, 0, -0, -0, 4, (0.5 * 3.5) / 6],
  // pow(x, −½) is rsqrt: −∞ at −0, NaN at −∞
  [1 / Math.sqrt(BIG), 0, NaN, Infinity, -Infinity, NaN, 0.5, 1 / Math.sqrt(0.5)],
  // pow(x, ½) is sqrt: −0 at −0, NaN at −∞
  [Math.sqrt(BIG), Infinity, NaN, 0, -0, NaN, 2, Math.sqrt(0.5)],
  // where(x > 0, x, NaN)
  [BIG, Infinity, NaN, NaN, NaN, NaN, 4, 0.5],
  // maskedFill(x < 0, NaN)
  [BIG, Infinity, NaN, 0, -0, NaN, 4, 0.5],
  // NaN filled, plus [NaN, 1, ∞, −∞]
  Array(8).fill(NaN),
  // x + ∞: ∞ − ∞ is NaN
  [Infinity, Infinity, NaN, Infinity, Infinity, Infinity, Infinity, Infinity],
  // x · −∞: 0 · ∞ is NaN whatever the zero's sign
  [-Infinity, -Infinity, Infinity, NaN, NaN, Infinity, -Infinity, -Infinity],
  // x / ∞: ∞/∞ is NaN, a negative over ∞ is −0
  [0, NaN, NaN, 0, -0, -0, 0, 0],
  // max pool of width 2 over [−∞, x₀, x₁, x₂, x₃, −∞]: max(−∞, −0) is −0
  [BIG, Infinity, 0, -0, 4, 0.5],
  // dropout with p = 1: x · 0
  [0, NaN, NaN, 0, -0, -0, 0, 0],
  // dropout of NaN: NaN kept or dropped
  Array(8).fill(NaN),
  // clamp(x, −∞, 0.5): the upper bound only (−0 stays −0)
  [0.5, 0.5, -Infinity, 0, -0, -5, 0.5, 0.5],
  // clamp_min(x, ∞): ∞ everywhere
  Array(8).fill(Infinity),
];

/** Equal as float32 values: NaN to NaN, the sign of 0 kept, finite values within 2 ulp. */
function expectSame(got: ArrayLike<number>, expected: readonly number[], what: string, strictZero = true) {
  expect(got.length, what).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const g = got[i];
    const e = f32(expected[i]);
    const where = `${what}[${i}]: got ${Object.is(g, -0) ? "-0" : g}, expected ${Object.is(e, -0) ? "-0" : e}`;
    if (Number.isNaN(e) || !Number.isFinite(e) || e === 0) expect(strictZero ? Object.is(g, e) : g === e || (Number.isNaN(g) && Number.isNaN(e)), where).toBe(true);
    else expect(Math.abs(g - e) <= 2 * Math.abs(e) * 2 ** -23, where).toBe(true);
  }
}

describe("special values as PyTorch's kernels compute them", () => {
  it("the reference: the same values wherever float64 does not overflow where float32 does", () => {
    const { graph } = lowerSource(MODEL);
    const outs = runReference(graph, { x: nd([2, 4], xs.flat()) }, referenceState(graph)).outputs;
    outs.forEach((o, k) => {
      // hardswish at BIG: (x·6)/6 is finite in float64
      const data = Array.from(o.data, (v, i) => (k === 3 && i === 0 ? Infinity : v));
      // float64 of the same formulas: within float32's rounding once rounded
      expectSame(data.map(f32), want[k], `reference output ${k}`);
    });
  });

  it("the CPU target computes them", async () => {
    const dir = writeFiles({ "model.ts": MODEL });
    const { build } = await compile(join(dir, "model.ts"), { target: "cpu", outDir: join(dir, "build") });
    const m = await load(build.outDir);
    try {
      const got = m.forwardAllSync(tensor(Float32Array.from(xs.flat()), [2, 4]));
      got.forEach((g, k) => expectSame(g.data as Float32Array, want[k], `output ${k}`));
    } finally {
      m.dispose();
    }
  }, 300_000);

  it("cross-entropy with a −∞ logit that is not the target is finite, in forward and as the step's loss", async () => {
    // PyTorch: −log_softmax(x)[y]; rows [0, −∞, 1] (target 0) and [1, −∞, 3] (target 2)
    const rows = [
      [0, 5, 1],
      [1, -2, 3],
    ];
    const ys = [0, 2];
    const nll = (r: number[], y: number) => Math.log(Math.exp(r[0]) + Math.exp(r[2])) - r[y];
    const expected = (nll(rows[0], 0) + nll(rows[1], 2)) / 2;
    const dir = writeFiles({ "model.ts": LOSS });
    const { build } = await compile(join(dir, "model.ts"), { target: "cpu", outDir: join(dir, "build") });
    const m = await load(build.outDir);
    try {
      const x = tensor(Float32Array.from(rows.flat()), [2, 3]);
      const y = tensor(Int32Array.from(ys), [2]);
      const evaluated = m.evaluateSync(x, y);
      expect(evaluated.loss).toBeCloseTo(expected, 6);
      const loss = m.trainStepSync(x, y);
      expect(loss).toBeCloseTo(expected, 6);
    } finally {
      m.dispose();
    }
  }, 300_000);
});
