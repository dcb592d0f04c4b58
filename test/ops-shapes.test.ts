// Every op's shape rule, on symbolic shapes (Batch) and on the errors it must raise.
import { describe, expect, it } from "vitest";
import type { DType } from "../compiler/ir/node.ts";
import { Batch, batchTimes, formatShape, type Dim } from "../compiler/ir/shape.ts";
import { opDef, ops, ShapeError } from "../compiler/ops/index.ts";

const t = (shape: Dim[], dtype: DType = "f32") => ({ shape, dtype });
const covered = new Set<string>();

function infer(op: string, ins: ReturnType<typeof t>[], attrs: object = {}, who = op) {
  covered.add(op);
  const r = opDef(op).infer(ins, attrs, who);
  return `${r.dtype}${formatShape(r.shape)}`;
}

function rejects(op: string, ins: ReturnType<typeof t>[], attrs: object, message: RegExp) {
  covered.add(op);
  let error: unknown;
  try {
    opDef(op).infer(ins, attrs, op);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ShapeError);
  expect((error as Error).message).toMatch(message);
}

describe("source ops", () => {
  it("input, param, buffer take their type from attributes", () => {
    expect(infer("input", [], { name: "x", shape: [Batch, 3], dtype: "f32" })).toBe("f32[Batch, 3]");
    expect(infer("param", [], { name: "w", shape: [4, 3], dtype: "f32", init: { kind: "constant", value: 0 } })).toBe("f32[4, 3]");
    expect(infer("buffer", [], { name: "n", shape: [], dtype: "i64", init: { kind: "constant", value: 0 } })).toBe("i64[]");
  });
  it("const is a float scalar: NaN and ±Infinity too, not a finite number past float32's range", () => {
    expect(infer("const", [], { value: 2 })).toBe("f32[]");
    expect(infer("const", [], { value: -Infinity })).toBe("f32[]");
    expect(infer("const", [], { value: NaN })).toBe("f32[]");
    rejects("const", [], { value: 1e39 }, /outside float32's range/);
  });
});

// ops/elementwise-math.ts: the rest of torch's pointwise math, and the rounding ops (no gradient op)
const MATH_OPS = ["rsqrt", "reciprocal", "erf", "erfc", "erfinv", "entr", "logit", "i0", "i0e", "i1", "i1e", "lgamma", "digamma", "polygamma", "exp2", "log2", "log10", "tan", "sinh", "cosh", "asin", "acos", "atan", "asinh", "acosh", "atanh"];
const ROUNDING_OPS = ["floor", "ceil", "round", "trunc", "sign"];

describe("elementwise", () => {
  for (const op of ["relu", "hardswish", "tanh", "sigmoid", "silu", "neg", "exp", "log", "sqrt", "abs", "expm1", "log1p", "sin", "cos", ...MATH_OPS, ...ROUNDING_OPS])
    it(`${op} keeps the shape and needs float32`, () => {
      expect(infer(op, [t([Batch, 5, 7])])).toBe("f32[Batch, 5, 7]");
      rejects(op, [t([Batch], "i32")], {}, /expects a float32 input, got i32/);
    });
  it("gelu, leaky_relu and pow keep the shape", () => {
    expect(infer("gelu", [t([Batch, 8])], { approximate: "none" })).toBe("f32[Batch, 8]");
    expect(infer("leaky_relu", [t([2, 3])], { slope: 0.1 })).toBe("f32[2, 3]");
    expect(infer("pow", [t([Batch])], { exponent: 2 })).toBe("f32[Batch]");
  });
  it("binary ops broadcast like PyTorch", () => {
    for (const op of ["add", "sub", "mul", "div"]) {
      expect(infer(op, [t([Batch, 3, 1, 5]), t([4, 1])])).toBe("f32[Batch, 3, 4, 5]");
      expect(infer(op, [t([Batch, 10]), t([])])).toBe("f32[Batch, 10]");
      expect(infer(op, [t([1, 10]), t([Batch, 1])])).toBe("f32[Batch, 10]");
    }
  });
  it("binary ops reject shapes that do not broadcast, including Batch against a constant", () => {
    rejects("add", [t([Batch, 3]), t([Batch, 4])], {}, /\[Batch, 3\] \+ \[Batch, 4\] do not broadcast/);
    rejects("mul", [t([Batch, 3]), t([5, 3])], {}, /do not broadcast/);
    rejects("sub", [t([Batch]), t([Batch], "i32")], {}, /float32 right operand/);
  });
});

describe("reductions", () => {
  it("sum/mean/amax over dims, with and without keepdim", () => {
    expect(infer("sum", [t([Batch, 3, 4])], { dims: [1], keepdim: false })).toBe("f32[Batch, 4]");
    expect(infer("mean", [t([Batch, 3, 4])], { dims: [-1, 1], keepdim: true })).toBe("f32[Batch, 1, 1]");
    expect(infer("amax", [t([Batch, 3])], { dims: null, keepdim: false })).toBe("f32[]");
  });
  it("to_float makes an int32 tensor float32 of its shape, and takes int32 only", () => {
    expect(infer("to_float", [t([Batch, 3], "i32")])).toBe("f32[Batch, 3]");
    rejects("to_float", [t([Batch, 3])], {}, /converts an int32 tensor, got f32/);
  });
  it("argmax gives int32", () => {
    expect(infer("argmax", [t([Batch, 10])], { dims: [1], keepdim: false })).toBe("i32[Batch]");
    rejects("argmax", [t([Batch, 10])], { dims: null, keepdim: false }, /exactly one dim/);
  });
  it("rejects dims out of range or repeated", () => {
    rejects("sum", [t([Batch, 3])], { dims: [2], keepdim: false }, /dim 2 is out of range for \[Batch, 3\] \(expected -2 to 1\)/);
    rejects("mean", [t([Batch, 3])], { dims: [1, -1], keepdim: false }, /appears twice/);
  });
});

describe("movement", () => {
  it("reshape resolves -1 against the batch", () => {
    expect(infer("reshape", [t([Batch, 50, 4, 4])], { shape: [-1, 800] })).toBe("f32[Batch, 800]");
    expect(infer("reshape", [t([Batch, 10])], { shape: [-1] })).toBe("f32[10*Batch]");
    expect(infer("reshape", [t([batchTimes(10)])], { shape: [-1, 10] })).toBe("f32[Batch, 10]");
    expect(infer("reshape", [t([Batch, 6])], { shape: [Batch, -1] })).toBe("f32[Batch, 6]");
    expect(infer("reshape", [t([Batch, 6])], { shape: [Batch, 2, 3] })).toBe("f32[Batch, 2, 3]");
    expect(infer("reshape", [t([Batch, 6])], { shape: [-1, Batch] })).toBe("f32[6, Batch]");
  });
  it("reshape rejects sizes that do not divide, two holes, and a second batch dim", () => {
    rejects("reshape", [t([Batch, 50, 5, 5])], { shape: [-1, 800] }, /cannot reshape \[Batch, 50, 5, 5\] \(1250\*Batch elements\): 1250\*Batch is not a multiple of 800$/);
    // sizes in front of the -1 that ask for a factor of the batch (view(group, -1, …)) say so
    rejects("reshape", [t([Batch, 8, 4])], { shape: [4, -1, 8, 4] }, /32\*Batch is not a multiple of 128 \(the sizes would split the batch into groups/);
    rejects("reshape", [t([Batch, 6])], { shape: [-1, -1] }, /only one dimension can be -1/);
    rejects("reshape", [t([Batch, 6])], { shape: [Batch, 5] }, /cannot reshape/);
    rejects("reshape", [t([Batch, 6])], { shape: [Batch, Batch] }, /cannot reshape/);
  });
  it("permute reorders dims and checks it is a permutation", () => {
    expect(infer("permute", [t([Batch, 3, 5])], { perm: [0, 2, 1] })).toBe("f32[Batch, 5, 3]");
    rejects("permute", [t([Batch, 3, 5])], { perm: [0, 1, 1] }, /not a permutation/);
  });
});

describe("contraction", () => {
  it("matmul follows torch.matmul for 1-D, 2-D and batched operands", () => {
    expect(infer("matmul", [t([Batch, 3, 4]), t([4, 5])])).toBe("f32[Batch, 3, 5]");
    expect(infer("matmul", [t([4]), t([4, 5])])).toBe("f32[5]");
    expect(infer("matmul", [t([3, 4]), t([4])])).toBe("f32[3]");
    expect(infer("matmul", [t([4]), t([4])])).toBe("f32[]");
    expect(infer("matmul", [t([Batch, 1, 3, 4]), t([6, 4, 2])])).toBe("f32[Batch, 6, 3, 2]");
    rejects("matmul", [t([Batch, 3, 4]), t([5, 6])], {}, /last dim \(4\) must equal the right operand's second-to-last dim \(5\)/);
  });
  it("pair_dot pairs the rows of [M, K] and [N, K]: an in-batch pair matrix [Batch, Batch]", () => {
    expect(infer("pair_dot", [t([Batch, 4]), t([Batch, 4])])).toBe("f32[Batch, Batch]");
    expect(infer("pair_dot", [t([Batch, 4]), t([batchTimes(2), 4])])).toBe("f32[Batch, 2*Batch]");
    rejects("pair_dot", [t([Batch, 4]), t([Batch, 3])], {}, /expects \[\.\.\., M, K\] and \[\.\.\., N, K\] with the same leading dims of fixed size, got \[Batch, 4\] and \[Batch, 3\]/);
    // over leading dims of fixed size (SAINT's heads attending across the batch)
    expect(infer("pair_dot", [t([1, 2, Batch, 4]), t([1, 2, Batch, 4])])).toBe("f32[1, 2, Batch, Batch]");
    rejects("pair_dot", [t([2, Batch, 4]), t([3, Batch, 4])], {}, /the same leading dims of fixed size/);
  });
  it("linear maps the last dim and names the flattened shape on mismatch", () => {
    expect(infer("linear", [t([Batch, 800]), t([500, 800]), t([500])])).toBe("f32[Batch, 500]");
    expect(infer("linear", [t([Batch, 7, 16]), t([32, 16])])).toBe("f32[Batch, 7, 32]");
    covered.add("linear");
    expect(() =>
      opDef("linear").infer([t([Batch, 1250]), t([500, 800]), t([500])], { flattenedFrom: [Batch, 50, 5, 5] }, "nn.Linear"),
    ).toThrow("nn.Linear expects 800 input features, got 1250 from [Batch, 50, 5, 5]");
  });
});

describe("conv and pooling", () => {
  const conv = { stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 1 };
  it("conv2d output size is floor((in + 2p − d(k−1) − 1)/s) + 1", () => {
    expect(infer("conv2d", [t([Batch, 1, 28, 28]), t([20, 1, 5, 5]), t([20])], conv)).toBe("f32[Batch, 20, 24, 24]");
    expect(infer("conv2d", [t([Batch, 3, 32, 32]), t([16, 3, 3, 3])], { ...conv, stride: [2, 2], padding: [1, 1] })).toBe("f32[Batch, 16, 16, 16]");
    expect(infer("conv2d", [t([Batch, 8, 10, 10]), t([8, 2, 3, 3])], { ...conv, groups: 4, dilation: [2, 2] })).toBe("f32[Batch, 8, 6, 6]");
  });
  it("conv_transpose2d output size is (in − 1)·s − 2p + d(k−1) + output_padding + 1, with the batch kept symbolic", () => {
    const tconv = { ...conv, outputPadding: [0, 0] };
    // (12 − 1)·2 − 2 + 1·4 + 1 + 1 = 26: a stride-2 upsampling of a 12×12 map by a 5×5 kernel
    expect(infer("conv_transpose2d", [t([Batch, 16, 12, 12]), t([16, 6, 5, 5]), t([6])], { ...tconv, stride: [2, 2], padding: [1, 1], outputPadding: [1, 1] })).toBe("f32[Batch, 6, 26, 26]");
    // groups 4: weight [8, 3, 3, 3] gives 3·4 = 12 output channels; (6 − 1) + 2·2 + 1 = 10
    expect(infer("conv_transpose2d", [t([Batch, 8, 6, 6]), t([8, 3, 3, 3])], { ...tconv, groups: 4, dilation: [2, 2] })).toBe("f32[Batch, 12, 10, 10]");
    rejects("conv_transpose2d", [t([Batch, 3, 6, 6]), t([8, 3, 3, 3])], tconv, /expects 8 input channels, got 3/);
    rejects("conv_transpose2d", [t([Batch, 8, 6, 6]), t([8, 3, 3, 3]), t([4])], tconv, /bias must be \[3\]/);
    rejects("conv_transpose2d", [t([Batch, 8, 1, 1]), t([8, 3, 1, 1])], { ...tconv, padding: [1, 1] }, /leaves no output/);
    rejects("conv_transpose2d", [t([Batch, 8, 6, 6]), t([8, 3, 3, 3])], { ...tconv, stride: [2, 2], outputPadding: [0, 3] }, /output_padding \(3\) must be smaller than either stride \(2\) or dilation \(1\)/);
  });
  it("conv2d rejects wrong channels and inputs smaller than the kernel", () => {
    rejects("conv2d", [t([Batch, 3, 28, 28]), t([20, 1, 5, 5])], conv, /expects 1 input channels, got 3 from \[Batch, 3, 28, 28\]/);
    rejects("conv2d", [t([Batch, 1, 4, 4]), t([20, 1, 5, 5])], conv, /too small for a 5×5 kernel/);
    rejects("conv2d", [t([Batch, 28, 28]), t([20, 1, 5, 5])], conv, /4-D input/);
  });
  it("pools halve with kernel 2 stride 2 and check padding", () => {
    const pool = { kernel: [2, 2], stride: [2, 2], padding: [0, 0] };
    expect(infer("max_pool2d", [t([Batch, 20, 24, 24])], pool)).toBe("f32[Batch, 20, 12, 12]");
    expect(infer("avg_pool2d", [t([Batch, 20, 25, 25])], pool)).toBe("f32[Batch, 20, 12, 12]");
    rejects("max_pool2d", [t([Batch, 20, 24, 24])], { ...pool, padding: [2, 2] }, /at most half the kernel/);
  });
  it("adaptive_avg_pool2d gives the requested size", () => {
    expect(infer("adaptive_avg_pool2d", [t([Batch, 64, 7, 5])], { outputSize: [1, 1] })).toBe("f32[Batch, 64, 1, 1]");
    rejects("adaptive_avg_pool2d", [t([Batch, 64, 7, 5])], { outputSize: [0, 1] }, /positive integers/);
  });
});

describe("normalization, softmax", () => {
  it("batch_norm keeps the shape and checks channels", () => {
    expect(infer("batch_norm", [t([Batch, 16, 8, 8]), t([16]), t([16])], { eps: 1e-5, momentum: 0.1, affine: true, track: true })).toBe("f32[Batch, 16, 8, 8]");
    rejects("batch_norm", [t([Batch, 8, 8, 8]), t([16]), t([16])], { eps: 1e-5, momentum: 0.1, affine: true, track: true }, /expects 16 channels, got 8/);
  });
  it("layer_norm checks the trailing dims", () => {
    expect(infer("layer_norm", [t([Batch, 7, 32]), t([32]), t([32])], { normalizedShape: [32], eps: 1e-5, hasWeight: true, hasBias: true })).toBe("f32[Batch, 7, 32]");
    rejects("layer_norm", [t([Batch, 7, 32])], { normalizedShape: [7], eps: 1e-5, hasWeight: false, hasBias: false }, /last dims \[7\]/);
  });
  it("softmax and log_softmax keep the shape and check dim", () => {
    expect(infer("softmax", [t([Batch, 10])], { dim: 1 })).toBe("f32[Batch, 10]");
    expect(infer("log_softmax", [t([Batch, 10])], { dim: -1 })).toBe("f32[Batch, 10]");
    rejects("softmax", [t([Batch, 10])], { dim: 2 }, /out of range/);
  });
  it("to_int makes an int32 tensor of a float32 one's shape, and only of a float32 one", () => {
    expect(infer("to_int", [t([Batch, 6])])).toBe("i32[Batch, 6]");
    rejects("to_int", [t([Batch, 6], "i32")], {}, /converts a float32 tensor, got i32/);
  });
  it("cumsum keeps the shape; its dim is in range, fixed-size and of a float32 tensor", () => {
    expect(infer("cumsum", [t([Batch, 6, 4])], { dim: 1, reverse: false })).toBe("f32[Batch, 6, 4]");
    expect(infer("cumsum", [t([Batch, 6, 4])], { dim: -1, reverse: true })).toBe("f32[Batch, 6, 4]");
    rejects("cumsum", [t([Batch, 6])], { dim: 2, reverse: false }, /out of range/);
    rejects("cumsum", [t([Batch, 6])], { dim: 0, reverse: false }, /dim 0 of \[Batch, 6\] is the batch/);
    rejects("cumsum", [t([Batch, 6], "i32")], { dim: 1, reverse: false }, /float32/);
  });
});

describe("dropout, embedding, losses", () => {
  it("dropout keeps the shape and checks p", () => {
    expect(infer("dropout", [t([Batch, 10])], { p: 0.5, mode: "train" })).toBe("f32[Batch, 10]");
    rejects("dropout", [t([Batch, 10])], { p: 1.5, mode: "train" }, /between 0 and 1/);
  });
  it("embedding appends the embedding dim and needs int32 indices", () => {
    expect(infer("embedding", [t([Batch, 16], "i32"), t([100, 32])], { paddingIdx: null })).toBe("f32[Batch, 16, 32]");
    rejects("embedding", [t([Batch, 16]), t([100, 32])], { paddingIdx: null }, /int32 indices, got f32/);
  });
  it("cross_entropy and nll_loss take [N, C] and int32 [N]", () => {
    expect(infer("cross_entropy", [t([Batch, 10]), t([Batch], "i32")], { reduction: "mean", labelSmoothing: 0 })).toBe("f32[]");
    expect(infer("nll_loss", [t([Batch, 10]), t([Batch], "i32")], { reduction: "none" })).toBe("f32[Batch]");
    rejects("cross_entropy", [t([Batch, 10]), t([Batch])], { reduction: "mean", labelSmoothing: 0 }, /int32 class indices/);
    rejects("nll_loss", [t([Batch, 10]), t([5], "i32")], { reduction: "mean" }, /target \[Batch\]/);
  });
  it("mse_loss needs equal shapes", () => {
    expect(infer("mse_loss", [t([Batch, 3]), t([Batch, 3])], { reduction: "mean" })).toBe("f32[]");
    rejects("mse_loss", [t([Batch, 3]), t([Batch, 1])], { reduction: "mean" }, /same shape/);
  });
  it("the element losses and their two derivatives need equal float shapes; beta ≥ 0, delta > 0", () => {
    for (const op of ["l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits"]) {
      const attrs = { reduction: "mean", beta: 1, delta: 1 };
      expect(infer(op, [t([Batch, 3]), t([Batch, 3])], attrs)).toBe("f32[]");
      expect(infer(op, [t([Batch, 3]), t([Batch, 3])], { ...attrs, reduction: "none" })).toBe("f32[Batch, 3]");
      rejects(op, [t([Batch, 3]), t([Batch, 1])], attrs, /same shape/);
      rejects(op, [t([Batch, 3]), t([Batch, 3], "i32")], attrs, /target/);
      for (const d of ["dinput", "dtarget"]) {
        expect(infer(`${op}_${d}`, [t([Batch, 3]), t([Batch, 3])], attrs)).toBe("f32[Batch, 3]");
        rejects(`${op}_${d}`, [t([2, 3]), t([3, 2])], attrs, /same shape/);
      }
    }
    // the second partials h·ℓ_ab(x, t) (l1's are all 0: it has none)
    const seconds = [...ops.keys()].filter((n) => /_d(xx|xt|tt)$/.test(n));
    expect(seconds.sort()).toEqual(
      ["binary_cross_entropy_dxt", "binary_cross_entropy_dxx", "binary_cross_entropy_with_logits_dxt", "binary_cross_entropy_with_logits_dxx"]
        .concat(["huber_loss", "smooth_l1_loss"].flatMap((l) => ["dtt", "dxt", "dxx"].map((ab) => `${l}_${ab}`)))
        .sort(),
    );
    for (const op of seconds) {
      expect(infer(op, [t([Batch, 3]), t([Batch, 3]), t([Batch, 3])], { reduction: "mean", beta: 1, delta: 1 })).toBe("f32[Batch, 3]");
      rejects(op, [t([Batch, 2]), t([Batch, 3]), t([Batch, 3])], { reduction: "mean", beta: 1, delta: 1 }, /same shape/);
    }
    rejects("smooth_l1_loss", [t([Batch, 3]), t([Batch, 3])], { reduction: "mean", beta: -1 }, /beta must be non-negative/);
    rejects("huber_loss", [t([Batch, 3]), t([Batch, 3])], { reduction: "mean", delta: 0 }, /delta must be positive/);
  });
  it("detach keeps its input's type", () => {
    expect(infer("detach", [t([Batch, 3])])).toBe("f32[Batch, 3]");
  });
  it("unrecorded is its new value's type, which must be the old one's", () => {
    expect(infer("unrecorded", [t([Batch, 3]), t([Batch, 3])])).toBe("f32[Batch, 3]");
    rejects("unrecorded", [t([Batch, 3]), t([Batch, 4])], {}, /must have the old one's type/);
    rejects("unrecorded", [t([Batch, 3], "i32"), t([Batch, 3])], {}, /must have the old one's type/);
  });
  it("custom_gradient is its value's type (the source and the recipe's reads only take part in the gradient); gradient_stand_in its input's", () => {
    const recipe = { steps: [], results: [{ dy: true }] };
    expect(infer("custom_gradient", [t([Batch, 3]), t([Batch, 3]), t([1])], { recipe })).toBe("f32[Batch, 3]");
    rejects("custom_gradient", [t([Batch, 3])], { recipe }, /needs the tensor it is the gradient of/);
    expect(infer("gradient_stand_in", [t([Batch, 3])])).toBe("f32[Batch, 3]");
  });
});

describe("gradient ops of the pointwise, reduce and movement families", () => {
  it("each unary op's _grad(dy, x) has dy's shape", () => {
    for (const op of ["relu", "leaky_relu", "hardswish", "tanh", "sigmoid", "silu", "gelu", "neg", "exp", "log", "sqrt", "abs", "pow", "expm1", "log1p", "sin", "cos", ...MATH_OPS])
      expect(infer(`${op}_grad`, [t([Batch, 3]), t([Batch, 3])], { slope: 0.1, approximate: "none", exponent: 2 })).toBe("f32[Batch, 3]");
  });
  it("each higher derivative op _gradK(h, x) (withHigherDerivatives) has h's shape", () => {
    const higher = [...ops.keys()].filter((n) => /_grad\d$/.test(n));
    expect(higher.length).toBeGreaterThan(30);
    for (const op of higher) expect(infer(op, [t([Batch, 3]), t([Batch, 3])], { approximate: "none", exponent: 2, n: 1 })).toBe("f32[Batch, 3]");
  });
  it("loss_scale is a float scalar set at run time", () => {
    expect(infer("loss_scale", [])).toBe("f32[]");
  });
  it("div_count, eq_mask and expand", () => {
    expect(infer("div_count", [t([Batch, 3])], { c: 3, p: 1 })).toBe("f32[Batch, 3]");
    expect(infer("eq_mask", [t([Batch, 3]), t([Batch, 3])])).toBe("f32[Batch, 3]");
    expect(infer("expand", [t([Batch, 1])], { shape: [Batch, 4] })).toBe("f32[Batch, 4]");
    expect(infer("expand", [t([])], { shape: [2, 3] })).toBe("f32[2, 3]");
    rejects("expand", [t([Batch, 2])], { shape: [Batch, 4] }, /cannot expand \[Batch, 2\] to \[Batch, 4\]/);
  });
});

describe("gradient ops of the conv family", () => {
  const conv = { stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 1 };
  it("conv2d_grad_input gives [N, C, H, W] from inputShape and checks dy against it", () => {
    expect(infer("conv2d_grad_input", [t([Batch, 20, 24, 24]), t([20, 1, 5, 5])], { ...conv, inputShape: [1, 28, 28] })).toBe("f32[Batch, 1, 28, 28]");
    // stride 2: both 32 and 31 give 16 outputs, which is why the input size is an attribute
    const s2 = { ...conv, stride: [2, 2], padding: [1, 1] };
    expect(infer("conv2d_grad_input", [t([Batch, 16, 16, 16]), t([16, 3, 3, 3])], { ...s2, inputShape: [3, 31, 31] })).toBe("f32[Batch, 3, 31, 31]");
    rejects("conv2d_grad_input", [t([Batch, 16, 16, 16]), t([16, 3, 3, 3])], { ...s2, inputShape: [3, 30, 30] }, /gradient \[Batch, 16, 16, 16\] should be \[Batch, 16, 15, 15\]/);
  });
  it("conv2d_grad_weight gives weightShape and checks channels", () => {
    const g4 = { ...conv, groups: 4, dilation: [2, 2], weightShape: [8, 2, 3, 3] };
    expect(infer("conv2d_grad_weight", [t([Batch, 8, 6, 6]), t([Batch, 8, 10, 10])], g4)).toBe("f32[8, 2, 3, 3]");
    rejects("conv2d_grad_weight", [t([Batch, 8, 6, 6]), t([Batch, 6, 10, 10])], g4, /6 input channels do not match the weight \[8, 2, 3, 3\] with 4 groups/);
  });
  it("pool gradients give the input's shape", () => {
    const pool = { kernel: [2, 2], stride: [2, 2], padding: [0, 0] };
    expect(infer("max_pool2d_grad", [t([Batch, 20, 12, 12]), t([Batch, 20, 24, 24])], pool)).toBe("f32[Batch, 20, 24, 24]");
    rejects("max_pool2d_grad", [t([Batch, 20, 11, 12]), t([Batch, 20, 24, 24])], pool, /should be \[Batch, 20, 12, 12\]/);
    // its transpose reads the gradient at the pooled input's maxima: the pooled shape
    expect(infer("max_pool2d_pick", [t([Batch, 20, 24, 24]), t([Batch, 20, 24, 24])], pool)).toBe("f32[Batch, 20, 12, 12]");
    rejects("max_pool2d_pick", [t([Batch, 20, 12, 12]), t([Batch, 20, 24, 24])], pool, /should have the pooled input's shape \[Batch, 20, 24, 24\]/);
    expect(infer("avg_pool2d_grad", [t([Batch, 20, 12, 12])], { ...pool, inputSize: [25, 25] })).toBe("f32[Batch, 20, 25, 25]");
    rejects("avg_pool2d_grad", [t([Batch, 20, 12, 12])], { ...pool, inputSize: [26, 22] }, /should be \[Batch, 20, 13, 11\]/);
    expect(infer("adaptive_avg_pool2d_grad", [t([Batch, 64, 1, 1])], { inputSize: [7, 5] })).toBe("f32[Batch, 64, 7, 5]");
    rejects("adaptive_avg_pool2d_grad", [t([Batch, 64, 1, 1])], { inputSize: [0, 5] }, /positive integers/);
  });
});

describe("gradient ops of the norm, random, gather and loss families", () => {
  const ln = { normalizedShape: [32], eps: 1e-5, hasWeight: true, hasBias: true };
  const bn = { eps: 1e-5, momentum: 0.1, affine: true, track: true };
  it("layer_norm_grad_input gives x's shape and checks dy and the weight", () => {
    expect(infer("layer_norm_grad_input", [t([Batch, 7, 32]), t([Batch, 7, 32]), t([32])], ln)).toBe("f32[Batch, 7, 32]");
    expect(infer("layer_norm_grad_input", [t([Batch, 32]), t([Batch, 32])], { ...ln, hasWeight: false })).toBe("f32[Batch, 32]");
    rejects("layer_norm_grad_input", [t([Batch, 7, 16]), t([Batch, 7, 32]), t([32])], ln, /dy \[Batch, 7, 16\] and x \[Batch, 7, 32\] differ/);
    rejects("layer_norm_grad_input", [t([Batch, 7, 32]), t([Batch, 7, 32]), t([7])], ln, /expects a weight \[32\], got \[7\]/);
    rejects("layer_norm_grad_input", [t([Batch, 7, 32]), t([Batch, 7, 32])], { ...ln, normalizedShape: [7], hasWeight: false }, /last dims \[7\]/);
  });
  it("batch_norm_grad_input and batch_norm_xhat give x's shape and check the per-channel inputs", () => {
    expect(infer("batch_norm_grad_input", [t([Batch, 16, 8, 8]), t([Batch, 16, 8, 8]), t([16]), t([16]), t([16])], bn)).toBe("f32[Batch, 16, 8, 8]");
    expect(infer("batch_norm_grad_input", [t([Batch, 4]), t([Batch, 4])], { ...bn, affine: false, track: false })).toBe("f32[Batch, 4]");
    rejects("batch_norm_grad_input", [t([Batch, 16, 8, 8]), t([Batch, 16, 8, 8]), t([8])], { ...bn, track: false }, /per-channel vectors \[16\], got \[8\]/);
    rejects("batch_norm_grad_input", [t([Batch, 16, 4, 4]), t([Batch, 16, 8, 8])], { ...bn, affine: false, track: false }, /dy \[Batch, 16, 4, 4\] and x \[Batch, 16, 8, 8\] differ/);
    expect(infer("batch_norm_xhat", [t([Batch, 16, 8, 8]), t([16]), t([16])], bn)).toBe("f32[Batch, 16, 8, 8]");
    expect(infer("batch_norm_xhat", [t([Batch, 3])], { ...bn, track: false })).toBe("f32[Batch, 3]");
    rejects("batch_norm_xhat", [t([Batch])], { ...bn, track: false }, /input \[N, C, \.\.\.\], got \[Batch\]/);
  });
  it("atan2, hypot, fmod, remainder, floor_divide, pow_tensor and copysign broadcast their two float32 operands", () => {
    for (const op of ["atan2", "hypot", "fmod", "remainder", "floor_divide", "pow_tensor", "copysign"]) {
      expect(infer(op, [t([Batch, 4]), t([])], {})).toBe("f32[Batch, 4]");
      rejects(op, [t([Batch, 4]), t([3])], {}, /do not broadcast/);
    }
  });
  it("bitwise broadcasts its two float32 operands (int32 values the frontend converts), whatever its function", () => {
    for (const fn of ["and", "or", "xor", "left_shift", "right_shift"]) {
      expect(infer("bitwise", [t([Batch, 4]), t([])], { fn })).toBe("f32[Batch, 4]");
      rejects("bitwise", [t([Batch, 4]), t([3])], { fn }, /do not broadcast/);
    }
  });
  it("signbit keeps its float32 operand's shape and refuses an int32 one (the frontend compares those with 0)", () => {
    expect(infer("signbit", [t([Batch, 4])], {})).toBe("f32[Batch, 4]");
    rejects("signbit", [t([Batch, 4], "i32")], {}, /float32|f32/);
  });
  it("mode_select broadcasts its two float32 operands, as where does", () => {
    expect(infer("mode_select", [t([Batch, 4]), t([1])], {})).toBe("f32[Batch, 4]");
    rejects("mode_select", [t([Batch, 4]), t([Batch, 3])], {}, /do not broadcast/);
    rejects("mode_select", [t([Batch, 4], "i32"), t([Batch, 4])], {}, /float32|f32/);
  });
  it("sample takes its shape from attrs, with at most one batch dim", () => {
    expect(infer("sample", [], { shape: [Batch, 3], distribution: "normal" })).toBe("f32[Batch, 3]");
    expect(infer("sample", [], { shape: [4], distribution: "uniform" })).toBe("f32[4]");
    expect(infer("sample", [], { shape: [2, Batch], distribution: "uniform" })).toBe("f32[2, Batch]");
    rejects("sample", [], { shape: [Batch, Batch], distribution: "uniform" }, /one batch dim/);
    rejects("sample", [], { shape: [2.5], distribution: "uniform" }, /non-negative integers/);
  });
  it("dropout accepts the stream of another node", () => {
    expect(infer("dropout", [t([Batch, 10])], { p: 0.5, mode: "train", stream: 3 })).toBe("f32[Batch, 10]");
  });
  it("embedding_grad gives [numEmbeddings, dim] and checks dy against the indices", () => {
    expect(infer("embedding_grad", [t([Batch, 16, 32]), t([Batch, 16], "i32")], { numEmbeddings: 100, paddingIdx: null })).toBe("f32[100, 32]");
    rejects("embedding_grad", [t([Batch, 15, 32]), t([Batch, 16], "i32")], { numEmbeddings: 100, paddingIdx: 0 }, /dy \[\.\.\.indices, dim\] for indices \[Batch, 16\], got \[Batch, 15, 32\]/);
    rejects("embedding_grad", [t([Batch, 16, 32]), t([Batch, 16])], { numEmbeddings: 100, paddingIdx: null }, /int32 indices, got f32/);
  });
  it("cross_entropy_grad and nll_loss_grad give the input's shape and check dy against the reduction", () => {
    expect(infer("cross_entropy_grad", [t([]), t([Batch, 10]), t([Batch], "i32")], { reduction: "mean", labelSmoothing: 0.1 })).toBe("f32[Batch, 10]");
    expect(infer("nll_loss_grad", [t([Batch]), t([Batch, 10]), t([Batch], "i32")], { reduction: "none" })).toBe("f32[Batch, 10]");
    rejects("cross_entropy_grad", [t([]), t([Batch, 10]), t([Batch], "i32")], { reduction: "none", labelSmoothing: 0 }, /expects dy \[Batch\] \(reduction none\), got \[\]/);
    rejects("nll_loss_grad", [t([]), t([Batch, 10]), t([5], "i32")], { reduction: "sum" }, /target \[Batch\]/);
  });
});

describe("factories and selection (compiler/ops/factory.ts, select.ts)", () => {
  it("factories have fixed shapes; the batch cannot size them", () => {
    expect(infer("full", [], { shape: [2, 3], value: -Infinity })).toBe("f32[2, 3]");
    rejects("full", [], { shape: [Batch, 3], value: 0 }, /cannot depend on the batch size/);
    // NaN is a fill as in PyTorch (torch.full(…, nan))
    expect(infer("full", [], { shape: [2], value: NaN })).toBe("f32[2]");
    expect(infer("literal", [], { shape: [3, 1], values: [0.485, 0.456, 0.406] })).toBe("f32[3, 1]");
    rejects("literal", [], { shape: [2, 2], values: [1, 2, 3] }, /3 values for shape \[2, 2\]/);
    rejects("literal", [], { shape: [Batch], values: [1] }, /cannot depend on the batch size/);
    expect(infer("arange", [], { start: 0, step: 2, length: 5 })).toBe("f32[5]");
    rejects("arange", [], { start: Infinity, step: 1, length: 1 }, /start must be a finite/);
    expect(infer("linspace", [], { start: 0, end: 1, steps: 7 })).toBe("f32[7]");
    expect(infer("eye", [], { n: 3, m: 4 })).toBe("f32[3, 4]");
    expect(infer("arange_int", [], { start: 2, step: 3, length: 4 })).toBe("i32[4]");
    rejects("arange_int", [], { start: 0.5, step: 1, length: 4 }, /integer start and step/);
    // a 0-dim whole number, float32 as the constants it stands beside (int-arithmetic.ts reads it as an integer)
    expect(infer("batch_size", [], { c: 2 })).toBe("f32[]");
    rejects("batch_size", [], { c: 0.5 }, /whole number/);
    expect(infer("batch_size", [], { c: 1, d: -1 })).toBe("f32[]");
    rejects("batch_size", [], { c: 1, d: 0.5 }, /offset must be a whole number/);
  });
  it("resample_weights is [in, out], both positive integers", () => {
    expect(infer("resample_weights", [], { inSize: 3, outSize: 7, mode: "bilinear", alignCorners: false, scaleFactor: null })).toBe("f32[3, 7]");
    rejects("resample_weights", [], { inSize: 0, outSize: 2, mode: "nearest", alignCorners: false, scaleFactor: null }, /positive integers/);
  });
  it("triangle keeps its input's shape and needs two fixed matrix dims", () => {
    expect(infer("triangle", [t([Batch, 2, 5, 4])], { diagonal: -1, upper: false })).toBe("f32[Batch, 2, 5, 4]");
    rejects("triangle", [t([Batch])], { diagonal: 0, upper: true }, /at least 2 dims/);
    rejects("triangle", [t([Batch, 4])], { diagonal: 0, upper: true }, /cannot be the batch/);
    rejects("triangle", [t([4, 4], "i32")], { diagonal: 0, upper: true }, /float32/);
  });
  it("comparisons broadcast like arithmetic and give float masks", () => {
    for (const op of ["gt", "ge", "lt", "le", "eq", "ne"]) expect(infer(op, [t([Batch, 1, 4]), t([3, 1])])).toBe("f32[Batch, 3, 4]");
    rejects("gt", [t([Batch, 3]), t([4])], {}, /do not broadcast/);
  });
  it("masked_fill keeps x's shape; the mask must broadcast to it", () => {
    expect(infer("masked_fill", [t([Batch, 2, 4, 4]), t([4, 4])], { value: -Infinity })).toBe("f32[Batch, 2, 4, 4]");
    rejects("masked_fill", [t([Batch, 4]), t([Batch, 2, 4])], { value: 0 }, /does not broadcast to the input's shape/);
    expect(infer("masked_fill", [t([Batch, 4]), t([4])], { value: NaN })).toBe("f32[Batch, 4]");
  });
  it("where broadcasts its three operands", () => {
    expect(infer("where", [t([4, 1]), t([Batch, 1, 3]), t([])])).toBe("f32[Batch, 4, 3]");
    rejects("where", [t([4]), t([Batch, 3]), t([])], {}, /do not broadcast/);
  });
});

describe("joins and slices (compiler/ops/join.ts)", () => {
  it("concat adds up the joined dim; the others must match; the joined dim cannot be the batch, which may come before or after it", () => {
    expect(infer("concat", [t([Batch, 2, 3]), t([Batch, 5, 3])], { dim: 1 })).toBe("f32[Batch, 7, 3]");
    rejects("concat", [t([Batch, 2, 3]), t([Batch, 2, 4])], { dim: 1 }, /must match except in dimension 1/);
    rejects("concat", [t([Batch, 2]), t([Batch, 2])], { dim: 0 }, /along dim 0 of \[Batch, 2\]: it is the batch/);
    // recurrent states [layers, N, H] stacked along dim 0
    expect(infer("concat", [t([1, Batch, 3]), t([2, Batch, 3])], { dim: 0 })).toBe("f32[3, Batch, 3]");
    rejects("concat", [t([1, Batch, 3]), t([1, 2, 3])], { dim: 0 }, /must match except in dimension 0/);
    rejects("concat", [t([2, 3]), t([2, 3], "i32")], { dim: 0 }, /float32/);
    // the Relation Network's coord_tensor, made for args.batch_size: says the batch meets a fixed size, and to expand
    rejects("concat", [t([Batch, 9, 24]), t([4, 9, 2])], { dim: 2 }, /dim 0 is the batch in one and 4 in the other, a tensor made for a fixed batch size.*expand it to the batch/);
    rejects("concat", [t([Batch, 2, 3]), t([Batch, 2, 4])], { dim: 1 }, /tensor 1 is \[Batch, 2, 4\]$/);
  });
  it("narrow keeps a window inside the dim; pad_dim puts it back", () => {
    expect(infer("narrow", [t([Batch, 6, 3])], { dim: 1, start: 2, length: 3 })).toBe("f32[Batch, 3, 3]");
    rejects("narrow", [t([Batch, 6, 3])], { dim: 1, start: 4, length: 3 }, /not inside dim 1 of size 6/);
    expect(infer("pad_dim", [t([Batch, 3, 3])], { dim: 1, start: 2, length: 3, size: 6 })).toBe("f32[Batch, 6, 3]");
    rejects("pad_dim", [t([Batch, 2, 3])], { dim: 1, start: 2, length: 3, size: 6 }, /dy's dim 1 must be 3/);
    expect(infer("narrow", [t([4, Batch, 3])], { dim: 0, start: 3, length: 1 })).toBe("f32[1, Batch, 3]");
    expect(infer("pad_dim", [t([1, Batch, 3])], { dim: 0, start: 3, length: 1, size: 4 })).toBe("f32[4, Batch, 3]");
    rejects("narrow", [t([Batch, 6])], { dim: 0, start: 0, length: 1 }, /it is the batch/);
  });
  it("take: index_select's 1-D index sets the dim's size; gather's index gives the output's shape", () => {
    expect(infer("take", [t([Batch, 6, 3]), t([4], "i32")], { dim: 1, mode: "vector" })).toBe("f32[Batch, 4, 3]");
    expect(infer("take", [t([Batch, 6, 3]), t([Batch, 2, 3], "i32")], { dim: 1, mode: "elementwise" })).toBe("f32[Batch, 2, 3]");
    rejects("take", [t([Batch, 6, 3]), t([4])], { dim: 1, mode: "vector" }, /int32 indices/);
    rejects("take", [t([Batch, 6, 3]), t([Batch, 2, 2], "i32")], { dim: 1, mode: "elementwise" }, /must have the input's shape/);
    rejects("take", [t([Batch, 6]), t([2], "i32")], { dim: 0, mode: "vector" }, /cannot index along dim 0 of \[Batch, 6\]: it is the batch/);
    expect(infer("take", [t([2, Batch, 3]), t([2], "i32")], { dim: 0, mode: "vector" })).toBe("f32[2, Batch, 3]");
    expect(infer("take_grad", [t([Batch, 4, 3]), t([4], "i32")], { dim: 1, mode: "vector", size: 6 })).toBe("f32[Batch, 6, 3]");
    rejects("take_grad", [t([Batch, 5, 3]), t([4], "i32")], { dim: 1, mode: "vector", size: 6 }, /does not fit the index/);
    // an index as long as the batch takes a table's rows, one per sample; from a batched tensor it would index across devices
    expect(infer("take", [t([10, 3]), t([Batch], "i32")], { dim: 0, mode: "vector" })).toBe("f32[Batch, 3]");
    expect(infer("take", [t([10]), t([Batch], "i32")], { dim: 0, mode: "elementwise" })).toBe("f32[Batch]");
    expect(infer("take_grad", [t([Batch, 3]), t([Batch], "i32")], { dim: 0, mode: "vector", size: 10 })).toBe("f32[10, 3]");
    rejects("take", [t([3, Batch]), t([Batch], "i32")], { dim: 0, mode: "vector" }, /takes from a tensor without a batch dim/);
  });
  it("index_check: an int32 identity (an index checked where a composition compares it), int32 only", () => {
    expect(infer("index_check", [t([Batch, 3], "i32")], { limit: 4, what: "one_hot" })).toBe("i32[Batch, 3]");
    rejects("index_check", [t([Batch, 3])], { limit: 4, what: "one_hot" }, /int32 indices/);
  });
  it("the scans keep the shape (cum_extreme's indices int32), along a fixed-size dim; their gradients take inputs of that shape", () => {
    expect(infer("cumprod", [t([Batch, 6, 4])], { dim: 1 })).toBe("f32[Batch, 6, 4]");
    expect(infer("logcumsumexp", [t([Batch, 6])], { dim: -1 })).toBe("f32[Batch, 6]");
    expect(infer("cum_extreme", [t([Batch, 6])], { dim: 1, largest: true, indices: false })).toBe("f32[Batch, 6]");
    expect(infer("cum_extreme", [t([Batch, 6])], { dim: 1, largest: false, indices: true })).toBe("i32[Batch, 6]");
    expect(infer("cumprod_grad", [t([Batch, 6]), t([Batch, 6])], { dim: 1 })).toBe("f32[Batch, 6]");
    expect(infer("logcumsumexp_grad", [t([Batch, 6]), t([Batch, 6]), t([Batch, 6])], { dim: 1 })).toBe("f32[Batch, 6]");
    expect(infer("cum_extreme_grad", [t([Batch, 6]), t([Batch, 6])], { dim: 1, largest: true })).toBe("f32[Batch, 6]");
    rejects("cumprod", [t([Batch, 6])], { dim: 0 }, /dim 0 of \[Batch, 6\] is the batch/);
    rejects("logcumsumexp", [t([Batch, 6])], { dim: 2 }, /out of range/);
    rejects("cum_extreme", [t([Batch, 6], "i32")], { dim: 1, largest: true, indices: false }, /float32/);
    rejects("cumprod_grad", [t([Batch, 6]), t([Batch, 5])], { dim: 1 }, /inputs of different shapes/);
  });
});

describe("square matrices (ops/linalg.ts)", () => {
  it("inverse keeps [..., n, n]; log|det| and its sign drop the matrix dims; qr's factors are [m, k] and [k, n]", () => {
    expect(infer("inverse", [t([Batch, 3, 3])])).toBe("f32[Batch, 3, 3]");
    expect(infer("logabsdet", [t([2, Batch, 4, 4])])).toBe("f32[2, Batch]");
    expect(infer("det_sign", [t([5, 5])])).toBe("f32[]");
    expect(infer("qr", [t([4, 3])], { factor: "q" })).toBe("f32[4, 3]");
    expect(infer("qr", [t([2, 3, 5])], { factor: "r" })).toBe("f32[2, 3, 5]");
    rejects("inverse", [t([Batch, 3, 2])], {}, /expects square matrices, got \[Batch, 3, 2\] \(3×2\)/);
    rejects("logabsdet", [t([3, Batch])], {}, /the matrices' own dims \[3, Batch\] hold the batch/);
    rejects("det_sign", [t([4])], {}, /a square matrix or a stack of them/);
    rejects("inverse", [t([3, 3], "i32")], {}, /float32/);
    rejects("qr", [t([Batch, 3, 3])], { factor: "q" }, /holds the batch; tsdp computes a QR factorization in a constructor only/);
  });
});

describe("coverage", () => {
  it("every op in the registry has its shape rule tested above", () => {
    const missing = [...ops.keys()].filter((name) => !covered.has(name));
    expect(missing).toEqual([]);
  });
});
