// F.ctcLoss / nn.CTCLoss (compiler/1-frontend/ctc-loss.ts) against the CTC forward recursion
// written out here in float64 with true −∞ (Graves et al. 2006, as PyTorch's ctc_loss computes it):
// per-sample losses to 1e-9 relative, with repeated labels (no skip between equal labels), varying
// input and target lengths (an empty target), PyTorch's reductions ("mean" divides each loss by its
// target length), +∞ where no alignment fits and 0 with zeroInfinity; gradients by finite differences.
import { describe, expect, it } from "vitest";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { gradCheck } from "./gradcheck.ts";
import { diagnosticsOf, header, lowerSource } from "./helpers.ts";

const logAdd = (a: number, b: number) => (a === -Infinity ? b : b === -Infinity ? a : Math.max(a, b) + Math.log1p(Math.exp(-Math.abs(a - b))));

/** −log p(target | lp) for one sample: lp[t][c] log-probabilities over its first `frames` frames. */
function ctcWritten(lp: number[][], target: number[], frames: number, blank: number): number {
  const ext = [blank, ...target.flatMap((y) => [y, blank])];
  const E = ext.length;
  let alpha = ext.map((l, s) => (s < 2 ? lp[0][l] : -Infinity));
  for (let t = 1; t < frames; t++)
    alpha = ext.map((l, s) => {
      let sum = alpha[s];
      if (s >= 1) sum = logAdd(sum, alpha[s - 1]);
      if (s >= 2 && l !== blank && l !== ext[s - 2]) sum = logAdd(sum, alpha[s - 2]);
      return sum + lp[t][l];
    });
  return -(E > 1 ? logAdd(alpha[E - 1], alpha[E - 2]) : alpha[E - 1]);
}

const [T, C, S] = [6, 5, 3];
const model = (call: string) =>
  `${header}export class M extends nn.Module {\n  forward(x: Tensor<[Batch, ${T}, ${C}]>, y: Tensor<[Batch, ${S}], "int32">, inLen: Tensor<[Batch], "int32">, yLen: Tensor<[Batch], "int32">) {\n    const lp = x.logSoftmax(2).transpose(0, 1);\n    return ${call};\n  }\n}\n`;

/** Log-softmax of x [N, T, C] as lp[n][t][c]. */
function logSoftmax(x: number[], N: number): number[][][] {
  return Array.from({ length: N }, (_, n) =>
    Array.from({ length: T }, (_, t) => {
      const row = x.slice((n * T + t) * C, (n * T + t + 1) * C);
      const m = Math.max(...row);
      const z = Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0)) + m;
      return row.map((v) => v - z);
    }),
  );
}

// four samples: a repeated label (1, 1 needs a blank between), a target of 1, an empty one, one whose 3 labels do not fit 2 frames
const N = 4;
const x = Array.from({ length: N * T * C }, (_, i) => Math.sin(i * 1.3) * 2);
const targets = [[1, 1, 2], [3, 0, 0], [0, 0, 0], [2, 3, 4]];
const inputLengths = [6, 4, 5, 2];
const targetLengths = [3, 1, 0, 3];

function run(call: string) {
  const { graph } = lowerSource(model(call));
  const inputs = { x: nd([N, T, C], x), y: nd([N, S], targets.flat()), inLen: nd([N], inputLengths), yLen: nd([N], targetLengths) };
  return Array.from(runReference(graph, inputs, initState(graph, 0)).outputs[0].data);
}

describe("F.ctcLoss and nn.CTCLoss", () => {
  const lp = logSoftmax(x, N);
  const want = targets.map((y, n) => ctcWritten(lp[n], y.slice(0, targetLengths[n]), inputLengths[n], 0));

  it("per sample: the forward recursion's −log p, with repeats, shorter inputs and an empty target; +∞ where none fits", () => {
    expect(want[3]).toBe(Infinity);
    const got = run("F.ctcLoss(lp, y, inLen, yLen, { reduction: 'none' }).view(-1, 1)");
    for (let n = 0; n < 3; n++) expect(Math.abs(got[n] - want[n]) / want[n]).toBeLessThan(1e-9);
    expect(got[3]).toBe(Infinity);
    // the repeated label matters: (1, 2, 2) is another loss than (1, 1, 2)
    expect(Math.abs(ctcWritten(lp[0], [1, 2, 2], 6, 0) - want[0])).toBeGreaterThan(1e-3);
  });

  it("zeroInfinity, PyTorch's mean (each loss over its target length, then over the batch) and sum; nn.CTCLoss is the function; another blank", () => {
    const zeroed = run("F.ctcLoss(lp, y, inLen, yLen, { reduction: 'none', zeroInfinity: true }).view(-1, 1)");
    expect(zeroed[3]).toBe(0);
    const finite = [want[0], want[1], want[2], 0];
    const mean = finite.reduce((a, v, n) => a + v / Math.max(targetLengths[n], 1), 0) / N;
    expect(run("F.ctcLoss(lp, y, inLen, yLen, { zeroInfinity: true }).expand(x.size(0)).view(-1, 1)")[0]).toBeCloseTo(mean, 10);
    expect(run("F.ctcLoss(lp, y, inLen, yLen, { reduction: 'sum', zeroInfinity: true }).expand(x.size(0)).view(-1, 1)")[0]).toBeCloseTo(finite.reduce((a, v) => a + v, 0), 10);
    const layer = lowerSource(model("this.ctc(lp, y, inLen, yLen).view(-1, 1)").replace("  forward(", "  ctc = new nn.CTCLoss({ reduction: 'none', zeroInfinity: true });\n  forward("));
    const inputs = { x: nd([N, T, C], x), y: nd([N, S], targets.flat()), inLen: nd([N], inputLengths), yLen: nd([N], targetLengths) };
    expect(Array.from(runReference(layer.graph, inputs, initState(layer.graph, 0)).outputs[0].data)).toEqual(zeroed);
    // blank 4, every sample over all 6 frames (a number for every sample), targets of length 2
    const got = run("F.ctcLoss(lp, y.remainder(4), 6, 2, { blank: 4, reduction: 'none' }).view(-1, 1)");
    targets.forEach((y, n) => expect(Math.abs(got[n] - ctcWritten(lp[n], y.slice(0, 2).map((v) => v % 4), 6, 4)) / got[n]).toBeLessThan(1e-9));
  });

  it("its gradient is the loss's (finite differences through the log-softmax)", () => {
    const src = `export class M extends nn.Module {\n  fc = new nn.Linear(3, ${C});\n  forward(x: Tensor<[Batch, ${T}, 3]>, y: Tensor<[Batch, 2], "int32">) {\n    const lp = this.fc(x).logSoftmax(2).transpose(0, 1);\n    return F.ctcLoss(lp, y.add(1), 5, 2, { reduction: 'none' }).view(-1, 1);\n  }\n}\n`;
    expect(gradCheck(src, { intLimit: C - 1 }).checked).toBeGreaterThan(0);
  });

  it("refuses what PyTorch's layout does not say: batch-first log-probabilities, concatenated targets, a float target, lengths as arrays", () => {
    const first = (call: string) => diagnosticsOf(model(call)).map((d) => `${d.code} ${d.message}`)[0];
    expect(first("F.ctcLoss(lp.transpose(0, 1), y, inLen, yLen, { reduction: 'none' })")).toMatch(/^TSDP4001 F.ctcLoss: logProbs is \[T, N, C\].*a batch-first \[N, T, C\] is logProbs.transpose\(0, 1\), got \[Batch, 6, 5\]/);
    expect(first("F.ctcLoss(lp, y.flatten(), inLen, yLen, { reduction: 'none' })")).toMatch(/^TSDP4001 F.ctcLoss: targets are padded, one row per sample \[N, S\]/);
    expect(first("F.ctcLoss(lp, y.float(), inLen, yLen, { reduction: 'none' })")).toMatch(/^TSDP4002 F.ctcLoss: targets are int32 class indices/);
    expect(first("F.ctcLoss(lp, y, [6, 6], yLen, { reduction: 'none' })")).toMatch(/F.ctcLoss: inputLengths is a tensor of one length per sample \[N\] or a number for every sample, got .*an array cannot be as long as the batch/);
    expect(first("F.ctcLoss(lp, y, 7, yLen, { reduction: 'none' })")).toMatch(/F.ctcLoss: inputLengths must be an integer from 0 to 6, got 7/);
  });
});
