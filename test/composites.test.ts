// Activations that are compositions of existing ops (F.softplus, F.mish): the frontend lowers each
// to pointwise ops, the reference interpreter runs them against PyTorch's formulas, and the fusion
// planner puts each whole composition in one elementwise kernel. F.hardswish, checked beside them,
// is an op of its own (its gradient is a select a composition cannot give without extra kernels).
// Tolerance: 1e-12, relative to max(1, |value|) (float64 rounding only).
import { describe, expect, it } from "vitest";
import { planKernels } from "../compiler/3-fusion/plan.ts";
import { ops as registry } from "../compiler/ops/index.ts";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { header, lowerSource } from "./helpers.ts";

const TOL = 1e-12;

// PyTorch's definitions (torch.nn.functional docs), in float64
const relu6 = (x: number) => Math.min(Math.max(x, 0), 6);
const hardswish = (x: number) => (x * relu6(x + 3)) / 6;
const softplus = (x: number, beta = 1, threshold = 20) => (beta * x > threshold ? x : Math.log1p(Math.exp(beta * x)) / beta);
const mish = (x: number) => x * Math.tanh(Math.log1p(Math.exp(x)));

// −40 and 40 reach the far sides of every formula (e^±40 overflows nothing in the stable form);
// ±3 are hardswish's kinks; 0.5 is the second softplus's threshold βx = 1
const xs = [-40, -6, -3.5, -3, -1.25, -0.5, 0, 0.25, 0.5, 0.75, 1, 2.5, 3, 3.5, 7, 19.5, 20.5, 25, 40];

const source =
  header +
  `export class M extends nn.Module {
  forward(x: Tensor<[Batch, ${xs.length}]>) {
    return [F.hardswish(x), F.softplus(x), F.softplus(x, 2, 1), F.softplus(x, { beta: 0.5, threshold: 30 }), F.mish(x)];
  }
}`;

describe("composite activations", () => {
  const { graph } = lowerSource(source);

  it("lower to existing ops only: no op of their own", () => {
    const used = new Set(graph.nodes.map((n) => n.op));
    for (const name of ["softplus", "mish"]) expect(registry.has(name)).toBe(false);
    expect(registry.has("hardswish")).toBe(true);
    expect([...used].every((op) => registry.has(op))).toBe(true);
    // softplus as max(z, 0) + log1p(e^−|z|), max(z, 0) written z/2 + |z|/2
    expect(["log1p", "abs", "exp"].every((op) => used.has(op))).toBe(true);
  });

  it("compute PyTorch's values (hardswish, softplus with β and threshold, mish)", () => {
    const { outputs } = runReference(graph, { x: nd([1, xs.length], xs) }, initState(graph));
    const want = [xs.map(hardswish), xs.map((x) => softplus(x)), xs.map((x) => softplus(x, 2, 1)), xs.map((x) => softplus(x, 0.5, 30)), xs.map(mish)];
    outputs.forEach((out, k) =>
      out.data.forEach((v, i) => {
        // Above a threshold ≥ 15 PyTorch returns x, the lowering its stable form, which is larger
        // by log1p(e^−βx)/β — here 1.25e-9 at x = 20.5 — and equal once rounded to float32
        const above = k === 1 && xs[i] > 20;
        const tol = (above ? Math.log1p(Math.exp(-xs[i])) : 0) + TOL * Math.max(1, Math.abs(want[k][i]));
        if (!(Math.abs(v - want[k][i]) <= tol)) expect.fail(`output ${k} at x = ${xs[i]}: ${v}, expected ${want[k][i]}`);
        if (above) expect(Math.fround(v)).toBe(Math.fround(want[k][i]));
      }),
    );
  });

  it("each fuses into one elementwise kernel", () => {
    const plan = planKernels(graph);
    // one kernel per output, each holding every op of its composition
    expect(plan.kernels).toHaveLength(5);
    for (const [k, out] of plan.kernels.map((k) => [k, k.output] as const)) {
      expect(graph.outputs).toContain(out);
      // hardswish (output 0) is one op: a kernel of its own, no chain
      if (out !== graph.outputs[0]) expect(k.rules).toContain("elementwise-chain");
    }
    // the softplus with a threshold that matters carries its select (a where) in the same kernel
    const thresholded = plan.kernels.find((k) => k.output === graph.outputs[2])!;
    expect(thresholded.nodes.map((n) => n.op)).toContain("where");
    // every non-source node of the graph is in some kernel: nothing is left to its own kernel
    const inKernels = new Set(plan.kernels.flatMap((k) => k.nodes));
    expect(graph.nodes.filter((n) => !["input", "const"].includes(n.op) && !inKernels.has(n))).toEqual([]);
  });
});
