// The reference interpreter on the seed's LeNet: reproducible initialization with PyTorch's
// distributions, and a deterministic forward whose samples do not interact in eval mode.
import { describe, expect, it } from "vitest";
import { lowerModel } from "../compiler/1-frontend/lower.ts";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd, type NDArray } from "../compiler/reference/ndarray.ts";
import { normals } from "../compiler/reference/rng.ts";

const { graph } = lowerModel("examples/lenet/model.ts");
const B = 7;
const x = nd([B, 1, 28, 28], normals(B * 784, 123, 1));
const y = nd([B], [0, 1, 2, 3, 4, 5, 6]);

describe("parameter initialization", () => {
  it("is reproducible from a seed and differs between seeds", () => {
    const a = initState(graph, 1);
    const b = initState(graph, 1);
    const c = initState(graph, 2);
    for (const [name, v] of a.params) {
      expect(b.params.get(name)!.data).toEqual(v.data);
      expect(c.params.get(name)!.data).not.toEqual(v.data);
    }
  });

  it("draws Linear and Conv2d weights from U(−1/√fan_in, 1/√fan_in), as PyTorch's kaiming_uniform_(a=√5)", () => {
    const s = initState(graph, 0);
    const check = (name: string, fanIn: number) => {
      const v = s.params.get(name)!.data;
      const bound = 1 / Math.sqrt(fanIn);
      expect(v.reduce((m, q) => Math.max(m, q), -Infinity)).toBeLessThanOrEqual(bound);
      expect(v.reduce((m, q) => Math.min(m, q), Infinity)).toBeGreaterThanOrEqual(-bound);
      // a uniform on [−b, b] has variance b²/3; 400,000 draws pin it within 1%
      const mean = v.reduce((p, q) => p + q, 0) / v.length;
      const variance = v.reduce((p, q) => p + (q - mean) ** 2, 0) / v.length;
      return { mean, variance, expected: bound ** 2 / 3 };
    };
    const fc1 = check("fc1.weight", 800);
    expect(Math.abs(fc1.variance / fc1.expected - 1)).toBeLessThan(0.01);
    expect(Math.abs(fc1.mean)).toBeLessThan(1e-3);
    check("conv1.weight", 25);
    check("conv1.bias", 25);
    check("conv2.weight", 500);
    check("fc2.bias", 500);
  });
});

describe("reference forward", () => {
  const state = initState(graph, 0);
  const run = (input: NDArray) => runReference(graph, { x: input }, state).outputs[0];

  it("is deterministic for a fixed input and seed", () => {
    const a = run(x);
    const b = runReference(graph, { x }, initState(graph, 0)).outputs[0];
    expect(a.shape).toEqual([B, 10]);
    expect(b.data).toEqual(a.data);
    expect(a.data.every(Number.isFinite)).toBe(true);
  });

  it("computes each sample independently in eval mode (batch of 7 = seven batches of 1)", () => {
    const batched = run(x);
    for (let i = 0; i < B; i++) {
      const one = run(nd([1, 1, 28, 28], x.data.subarray(i * 784, (i + 1) * 784)));
      for (let k = 0; k < 10; k++) expect(one.data[k]).toBeCloseTo(batched.data[i * 10 + k], 12);
    }
  });

  it("gives a loss near ln 10 at initialization", () => {
    const { loss } = runReference(graph, { x, target: y }, state);
    // PyTorch's default init leaves the logits small, so softmax is near uniform
    expect(Math.abs(loss! - Math.log(10))).toBeLessThan(0.3);
  });

  it("rejects inputs of the wrong shape with a message that names the input", () => {
    expect(() => runReference(graph, { x: nd([2, 1, 28, 27]) }, state)).toThrow(/input 'x' dim 3 is 27, expected 28/);
    expect(() => runReference(graph, {}, state)).toThrow(/missing input 'x'/);
  });
});
