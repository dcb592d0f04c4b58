// softmax, log_softmax and cross-entropy on rows PyTorch handles without trouble and a sum of the
// maximum and log Σ exp would not: a row masked whole with finfo(float32).min (Bloom's and Hugging
// Face's attention masks), and logits near 1e5, where m + log s in float32 rounds log s to a
// multiple of 2⁻⁷. Both the float64 reference and the CPU target compute exp(x − m)/s and
// (x − m) − log s (compiler/ops/norm.ts shiftedSum). And CLIP's mask, filled with −∞ before triu_. Reference against numbers written out here
// (1e-12); the target against the reference, rtol 1e-4 and atol 1e-5 (expectClose) — the old
// target's log_softmax missed the large row by ~4e-3. Along the batch dim (a softmax over samples,
// each replica's share as sum over it is) both are the composition exp(x − max)/Σ (ops/norm.ts).
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../compiler/pipeline.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { load, tensor } from "../runtime/index.ts";
import { expectClose, referenceState } from "./target-helpers.ts";
import { header, lowerSource, writeFiles } from "./helpers.ts";

const MODEL = `${header}export class Rows extends nn.Module {
  forward(x: Tensor<[Batch, 4]>, y: Tensor<[Batch], "int32">) {
    const masked = x.maskedFill(x.gt(-100), F.finfo("float32").min);
    const big = x.add(1e5);
    const B = x.size(0);
    // CLIP's causal mask: torch.empty(n, n).fill_(float("-inf")).triu_(1)
    const causal = F.empty(4, 4);
    causal.fill_(-Infinity);
    causal.triu_(1);
    return [masked.softmax(-1), masked.logSoftmax(-1), big.logSoftmax(-1), big.softmax(-1), F.crossEntropy(masked, y, { reduction: "none" }).view(B, 1), F.crossEntropy(big, y, { reduction: "none" }).view(B, 1), x.view(B, 1, 4).add(causal).softmax(-1).flatten(1), x.softmax(0), F.logSoftmax(x.add(1e5), 0)];
  }
}
`;

const xs = [0.5, -1.25, 2, 0.75, 3, 0.125, -0.5, 1];
const ys = [2, 0];

describe("softmax rows with a large maximum", () => {
  it("the reference: a row masked whole with finfo.min is uniform (log −log 4); logits near 1e5 lose no digit of log Σ exp", () => {
    const { graph } = lowerSource(MODEL);
    const outs = runReference(graph, { x: nd([2, 4], xs), y: nd([2], ys) }, referenceState(graph)).outputs.map((o) => Array.from(o.data));
    expect(outs[0]).toEqual(new Array(8).fill(0.25));
    outs[1].forEach((v) => expect(v).toBeCloseTo(-Math.log(4), 12));
    const logSoftmax = (row: number[]) => {
      const m = Math.max(...row);
      const ls = Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
      return row.map((v) => v - m - ls);
    };
    const want = [...logSoftmax(xs.slice(0, 4)), ...logSoftmax(xs.slice(4))];
    outs[2].forEach((v, i) => expect(v).toBeCloseTo(want[i], 9));
    outs[3].forEach((v, i) => expect(v).toBeCloseTo(Math.exp(want[i]), 9));
    expect(outs[4]).toEqual([expect.closeTo(Math.log(4), 12), expect.closeTo(Math.log(4), 12)]);
    expect(outs[5]).toEqual([expect.closeTo(-want[ys[0]], 9), expect.closeTo(-want[4 + ys[1]], 9)]);
    // row r of the causal softmax: softmax of the sample's first r + 1 values, 0 after
    const causal = outs[6].slice(0, 16);
    for (let r = 0; r < 4; r++) {
      const seen = xs.slice(0, r + 1);
      const z = seen.reduce((a, v) => a + Math.exp(v), 0);
      causal.slice(r * 4, r * 4 + 4).forEach((v, c) => expect(v).toBeCloseTo(c <= r ? Math.exp(xs[c]) / z : 0, 12));
    }
    // along the batch (dim 0, each replica's share of it: here the whole batch), column by column
    const column = (c: number) => [xs[c], xs[4 + c]];
    for (let c = 0; c < 4; c++) {
      const ls = logSoftmax(column(c));
      expect([outs[7][c], outs[7][4 + c]]).toEqual(ls.map((v) => expect.closeTo(Math.exp(v), 12)));
      expect([outs[8][c], outs[8][4 + c]]).toEqual(ls.map((v) => expect.closeTo(v, 9)));
    }
  });

  it("the CPU target computes what the reference does", async () => {
    const dir = writeFiles({ "model.ts": MODEL });
    const { model, build } = await compile(join(dir, "model.ts"), { target: "cpu", outDir: join(dir, "build") });
    const m = await load(build.outDir);
    try {
      const got = m.forwardAllSync(tensor(Float32Array.from(xs), [2, 4]), tensor(Int32Array.from(ys), [2]));
      const want = runReference(model.graph, { x: nd([2, 4], Array.from(Float32Array.from(xs))), y: nd([2], ys) }, referenceState(model.graph)).outputs;
      got.forEach((g, k) => expectClose(g.data as Float32Array, want[k].data, `output ${k}`));
    } finally {
      m.dispose();
    }
  }, 300_000);
});
