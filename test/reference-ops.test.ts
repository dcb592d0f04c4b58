// The reference semantics of every op, on small cases worked out by hand (the arithmetic is in
// the comments). Tolerance: 1e-12 absolute, float64 rounding only.
import { describe, expect, it } from "vitest";
import type { Node } from "../compiler/ir/node.ts";
import { Batch } from "../compiler/ir/shape.ts";
import { opDef, ops, type RefContext } from "../compiler/ops/index.ts";
import { erf, nd, type NDArray } from "../compiler/reference/ndarray.ts";
import { philox4x32 } from "../compiler/reference/rng.ts";

const covered = new Set<string>();
const TOL = 1e-12;

function fakeNode(op: string, inputs: Node[] = []): Node {
  return { id: 7, op, inputs, attrs: {}, shape: [Batch], dtype: "f32", loc: { file: "t.ts", line: 1, col: 1, length: 1 }, scope: "" };
}

function ctx(op: string, extra: Partial<RefContext> = {}): RefContext {
  return {
    node: fakeNode(op),
    training: false,
    batch: 1,
    source: () => {
      throw new Error("no sources here");
    },
    writeBuffer: () => {},
    uniform: (n) => new Float64Array(n).fill(0.5),
    ...extra,
  };
}

function run(op: string, ins: NDArray[], attrs: object = {}, c: Partial<RefContext> = {}): NDArray {
  covered.add(op);
  return opDef(op).reference(ins, attrs, { ...ctx(op), ...c });
}

function expectClose(a: NDArray, shape: number[], values: number[]) {
  expect(a.shape).toEqual(shape);
  expect(a.data.length).toBe(values.length);
  a.data.forEach((v, i) => expect(Math.abs(v - values[i])).toBeLessThanOrEqual(TOL * Math.max(1, Math.abs(values[i]))));
}

describe("elementwise", () => {
  const x = nd([4], [-2, -0.5, 0, 3]);
  it("relu, leaky_relu, neg, abs", () => {
    expectClose(run("relu", [x]), [4], [0, 0, 0, 3]);
    expectClose(run("leaky_relu", [x], { slope: 0.1 }), [4], [-0.2, -0.05, 0, 3]);
    expectClose(run("neg", [x]), [4], [2, 0.5, -0, -3]);
    expectClose(run("abs", [x]), [4], [2, 0.5, 0, 3]);
  });
  it("sigmoid(0) = 1/2, tanh(0) = 0, silu(x) = x·sigmoid(x)", () => {
    const z = nd([2], [0, Math.log(3)]); // sigmoid(ln 3) = 3/4, tanh(ln 3) = (9−1)/(9+1) = 0.8
    expectClose(run("sigmoid", [z]), [2], [0.5, 0.75]);
    expectClose(run("tanh", [z]), [2], [0, 0.8]);
    expectClose(run("silu", [z]), [2], [0, Math.log(3) * 0.75]);
  });
  it("exp, log, sqrt, pow", () => {
    expectClose(run("exp", [nd([2], [0, 1])]), [2], [1, Math.E]);
    expectClose(run("log", [nd([2], [1, Math.E])]), [2], [0, 1]);
    expectClose(run("sqrt", [nd([2], [4, 2.25])]), [2], [2, 1.5]);
    expectClose(run("pow", [nd([2], [3, -2])], { exponent: 2 }), [2], [9, 4]);
  });
  it("gelu: exact uses erf, tanh approximation differs slightly", () => {
    // gelu(1) = 0.5·(1 + erf(1/√2)) = 0.5·(1 + 0.682689492137086) = 0.841344746068543
    expectClose(run("gelu", [nd([2], [0, 1])], { approximate: "none" }), [2], [0, 0.841344746068543]);
    // tanh form: 0.5·(1 + tanh(√(2/π)·(1 + 0.044715))) = 0.841191990607...
    const approx = run("gelu", [nd([1], [1])], { approximate: "tanh" }).data[0];
    expect(approx).toBeCloseTo(0.8411919906, 9);
  });
  it("erf matches tabulated values to 1e-14", () => {
    // Abramowitz & Stegun table 7.1 and known values
    const table: [number, number][] = [[0.5, 0.5204998778130465], [1, 0.8427007929497149], [2, 0.9953222650189527], [3, 0.9999779095030014], [-1.5, -0.9661051464753108]];
    for (const [x, v] of table) expect(Math.abs(erf(x) - v)).toBeLessThan(1e-14);
  });
  it("binary ops broadcast [2,1] with [3]", () => {
    const a = nd([2, 1], [1, 2]);
    const b = nd([3], [10, 20, 30]);
    expectClose(run("add", [a, b]), [2, 3], [11, 21, 31, 12, 22, 32]);
    expectClose(run("sub", [a, b]), [2, 3], [-9, -19, -29, -8, -18, -28]);
    expectClose(run("mul", [a, b]), [2, 3], [10, 20, 30, 20, 40, 60]);
    expectClose(run("div", [b, a]), [2, 3], [10, 20, 30, 5, 10, 15]);
  });
});

describe("reductions", () => {
  const x = nd([2, 3], [1, 5, 3, 4, 2, 6]);
  it("sum, mean, amax over a dim and over everything", () => {
    expectClose(run("sum", [x], { dims: [1], keepdim: false }), [2], [9, 12]);
    expectClose(run("mean", [x], { dims: [0], keepdim: true }), [1, 3], [2.5, 3.5, 4.5]);
    expectClose(run("amax", [x], { dims: null, keepdim: false }), [], [6]);
    expectClose(run("sum", [x], { dims: [-1, 0], keepdim: false }), [], [21]);
  });
  it("argmax takes the first maximum", () => {
    expectClose(run("argmax", [nd([2, 3], [1, 5, 5, 7, 2, 6])], { dims: [1], keepdim: false }), [2], [1, 0]);
  });
});

describe("movement", () => {
  it("reshape keeps the data and takes the node's shape", () => {
    covered.add("reshape");
    const x = nd([2, 3], [1, 2, 3, 4, 5, 6]);
    const input = { ...fakeNode("input"), shape: [Batch, 3] };
    const node = { ...fakeNode("reshape", [input]), shape: [3, Batch] };
    const out = opDef("reshape").reference([x], { shape: [3, -1] }, { ...ctx("reshape"), node });
    expectClose(out, [3, 2], [1, 2, 3, 4, 5, 6]);
  });
  it("permute moves dims: transpose of a 2×3", () => {
    expectClose(run("permute", [nd([2, 3], [1, 2, 3, 4, 5, 6])], { perm: [1, 0] }), [3, 2], [1, 4, 2, 5, 3, 6]);
  });
});

describe("contraction", () => {
  it("matmul 2×2 by 2×2, vector cases and broadcast batch", () => {
    // [[1,2],[3,4]]·[[5,6],[7,8]] = [[19,22],[43,50]]
    expectClose(run("matmul", [nd([2, 2], [1, 2, 3, 4]), nd([2, 2], [5, 6, 7, 8])]), [2, 2], [19, 22, 43, 50]);
    expectClose(run("matmul", [nd([2], [1, 2]), nd([2], [3, 4])]), [], [11]);
    expectClose(run("matmul", [nd([2], [1, 2]), nd([2, 2], [5, 6, 7, 8])]), [2], [19, 22]);
    const batched = run("matmul", [nd([2, 1, 2], [1, 0, 0, 1]), nd([2, 2], [5, 6, 7, 8])]);
    expectClose(batched, [2, 1, 2], [5, 6, 7, 8]);
  });
  it("linear computes x·Wᵀ + b", () => {
    // x = [1, 2]; W = [[1, 1], [2, -1], [0, 3]]; b = [0.5, 0, -1] → [3.5, 0, 5]
    expectClose(run("linear", [nd([1, 2], [1, 2]), nd([3, 2], [1, 1, 2, -1, 0, 3]), nd([3], [0.5, 0, -1])]), [1, 3], [3.5, 0, 5]);
  });
});

describe("conv and pooling", () => {
  it("conv2d with padding 1 of a 2×2 input by a 2×2 kernel", () => {
    // x = [[1,2],[3,4]], kernel of ones, pad 1 → 3×3 sums of each 2×2 window of the padded input
    const out = run("conv2d", [nd([1, 1, 2, 2], [1, 2, 3, 4]), nd([1, 1, 2, 2], [1, 1, 1, 1]), nd([1], [10])], {
      stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1,
    });
    expectClose(out, [1, 1, 3, 3], [11, 13, 12, 14, 20, 16, 13, 17, 14]);
  });
  it("conv2d with two groups keeps channels apart", () => {
    // channel 0 · 2 and channel 1 · 3, 1×1 kernels
    const out = run("conv2d", [nd([1, 2, 1, 1], [5, 7]), nd([2, 1, 1, 1], [2, 3])], { stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 2 });
    expectClose(out, [1, 2, 1, 1], [10, 21]);
  });
  it("max and avg pool 2×2 stride 2, avg counts padding (count_include_pad)", () => {
    const x = nd([1, 1, 2, 4], [1, 2, 3, 4, 5, 6, 7, 8]);
    const attrs = { kernel: [2, 2], stride: [2, 2], padding: [0, 0] };
    expectClose(run("max_pool2d", [x], attrs), [1, 1, 1, 2], [6, 8]);
    expectClose(run("avg_pool2d", [x], attrs), [1, 1, 1, 2], [3.5, 5.5]);
    // padding 1, kernel 2, stride 2 on a 2×2 [[1,2],[3,4]]: windows hold 1 real value each → v/4
    expectClose(run("avg_pool2d", [nd([1, 1, 2, 2], [1, 2, 3, 4])], { kernel: [2, 2], stride: [2, 2], padding: [1, 1] }), [1, 1, 2, 2], [0.25, 0.5, 0.75, 1]);
  });
  it("adaptive_avg_pool2d splits 3 into overlapping windows [0,2) and [1,3)", () => {
    const x = nd([1, 1, 1, 3], [1, 2, 6]);
    expectClose(run("adaptive_avg_pool2d", [x], { outputSize: [1, 2] }), [1, 1, 1, 2], [1.5, 4]);
  });
});

describe("normalization and softmax", () => {
  it("softmax of [0, ln 3] is [1/4, 3/4]; log_softmax is its log", () => {
    const x = nd([1, 2], [0, Math.log(3)]);
    expectClose(run("softmax", [x], { dim: 1 }), [1, 2], [0.25, 0.75]);
    expectClose(run("log_softmax", [x], { dim: -1 }), [1, 2], [Math.log(0.25), Math.log(0.75)]);
  });
  it("softmax is stable for large logits", () => {
    const out = run("softmax", [nd([1, 2], [1000, 1000])], { dim: 1 });
    expectClose(out, [1, 2], [0.5, 0.5]);
  });
  it("batch_norm in train mode normalizes with the batch and updates running stats", () => {
    // one channel, values [1, 3]: mean 2, biased var 1, unbiased var 2
    const writes = new Map<string, NDArray>();
    const names = ["x", "weight", "bias", "running_mean", "running_var", "num_batches_tracked"];
    const inputs = names.map((n) => ({ ...fakeNode("buffer"), attrs: { name: n } }) as Node);
    const node = { ...fakeNode("batch_norm"), inputs };
    const out = run(
      "batch_norm",
      [nd([2, 1], [1, 3]), nd([1], [2]), nd([1], [0.5]), nd([1], [0]), nd([1], [1]), nd([], [0])],
      { eps: 0, momentum: 0.1, affine: true, track: true },
      { training: true, node, writeBuffer: (n, v) => writes.set(n.attrs.name as string, v) },
    );
    expectClose(out, [2, 1], [-1.5, 2.5]); // (±1)/1 · 2 + 0.5
    expectClose(writes.get("running_mean")!, [1], [0.2]); // 0.9·0 + 0.1·2
    expectClose(writes.get("running_var")!, [1], [1.1]); // 0.9·1 + 0.1·2
    expectClose(writes.get("num_batches_tracked")!, [], [1]);
  });
  it("batch_norm in eval mode uses the running stats", () => {
    const out = run("batch_norm", [nd([2, 1], [1, 3]), nd([1], [1]), nd([1], [0]), nd([1], [1]), nd([1], [4]), nd([], [0])], { eps: 0, momentum: 0.1, affine: true, track: true });
    expectClose(out, [2, 1], [0, 1]); // (x − 1)/2
  });
  it("layer_norm normalizes the last dim", () => {
    // [1, 3]: mean 2, var 1 → [−1, 1]; weight [1, 2], bias [0, 1] → [−1, 3]
    expectClose(run("layer_norm", [nd([1, 2], [1, 3]), nd([2], [1, 2]), nd([2], [0, 1])], { normalizedShape: [2], eps: 0, hasWeight: true, hasBias: true }), [1, 2], [-1, 3]);
  });
});

describe("dropout", () => {
  it("drops where u < p and scales survivors by 1/(1−p) in train mode only", () => {
    const x = nd([4], [1, 2, 3, 4]);
    const u = Float64Array.from([0.1, 0.6, 0.3, 0.9]);
    const train = run("dropout", [x], { p: 0.5, mode: "train" }, { training: true, uniform: () => u });
    expectClose(train, [4], [0, 4, 0, 8]);
    expectClose(run("dropout", [x], { p: 0.5, mode: "train" }, { training: false, uniform: () => u }), [4], [1, 2, 3, 4]);
    expectClose(run("dropout", [x], { p: 0.5, mode: "always" }, { training: false, uniform: () => u }), [4], [0, 4, 0, 8]);
  });
});

describe("embedding", () => {
  it("gathers rows and rejects out-of-range indices", () => {
    const w = nd([3, 2], [0, 1, 10, 11, 20, 21]);
    expectClose(run("embedding", [nd([2], [2, 0]), w], { paddingIdx: null }), [2, 2], [20, 21, 0, 1]);
    expect(() => run("embedding", [nd([1], [3]), w], { paddingIdx: null })).toThrow(/out of range \[0, 3\)/);
  });
});

describe("losses", () => {
  const logits = nd([2, 2], [0, Math.log(3), 0, 0]); // p = [1/4, 3/4] and [1/2, 1/2]
  const target = nd([2], [1, 0]);
  it("cross_entropy = mean of −log p[y]", () => {
    expectClose(run("cross_entropy", [logits, target], { reduction: "mean", labelSmoothing: 0 }), [], [(-Math.log(0.75) - Math.log(0.5)) / 2]);
    expectClose(run("cross_entropy", [logits, target], { reduction: "none", labelSmoothing: 0 }), [2], [-Math.log(0.75), -Math.log(0.5)]);
  });
  it("cross_entropy with label smoothing ε mixes in the mean of −log p", () => {
    // row 0: (1−ε)(−ln ¾) + ε/2 (−ln ¼ − ln ¾), ε = 0.2
    const e = 0.2;
    const row0 = (1 - e) * -Math.log(0.75) + (e / 2) * (-Math.log(0.25) - Math.log(0.75));
    const row1 = -Math.log(0.5);
    expectClose(run("cross_entropy", [logits, target], { reduction: "sum", labelSmoothing: e }), [], [row0 + row1]);
  });
  it("nll_loss picks −input[i, y_i]", () => {
    expectClose(run("nll_loss", [nd([2, 3], [-1, -2, -3, -4, -5, -6]), nd([2], [2, 1])], { reduction: "mean" }), [], [4]);
    expect(() => run("nll_loss", [nd([1, 3], [0, 0, 0]), nd([1], [3])], { reduction: "mean" })).toThrow(/out of range/);
  });
  it("mse_loss is the mean of squared differences", () => {
    expectClose(run("mse_loss", [nd([2], [1, 2]), nd([2], [3, 2])], { reduction: "mean" }), [], [2]);
    expectClose(run("mse_loss", [nd([2], [1, 2]), nd([2], [3, 2])], { reduction: "sum" }), [], [4]);
  });
});

describe("sources", () => {
  it("const is its value; inputs, params and buffers come from the context", () => {
    expectClose(run("const", [], { value: 2.5 }), [], [2.5]);
    const v = nd([1], [42]);
    for (const op of ["input", "param", "buffer"]) expectClose(run(op, [], {}, { source: () => v }), [1], [42]);
  });
});

describe("Philox4x32-10", () => {
  it("matches the known-answer vectors of Random123", () => {
    const hex = (a: number[]) => a.map((x) => x.toString(16).padStart(8, "0"));
    expect(hex(philox4x32(0, 0, 0, 0, 0, 0))).toEqual(["6627e8d5", "e169c58d", "bc57ac4c", "9b00dbd8"]);
    const f = 0xffffffff;
    expect(hex(philox4x32(f, f, f, f, f, f))).toEqual(["408f276d", "41c83b0e", "a20bc7c6", "6d5451fd"]);
    expect(hex(philox4x32(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0))).toEqual(["d16cfe09", "94fdcceb", "5001e420", "24126ea1"]);
  });
});

describe("coverage", () => {
  it("every op's reference semantics is tested above", () => {
    expect([...ops.keys()].filter((n) => !covered.has(n))).toEqual([]);
  });
});
