// Session 7's model-language additions on the CPU target against the reference interpreter
// (test/fixtures/model-ops): Conv1d, GroupNorm, MultiheadAttention, Upsample/interpolate, the
// composite activations' layers and a tied weight. Forward: rtol 1e-4, atol 1e-5 (target-helpers).
// Gradients of one training step: rtol 1e-3 with an absolute floor of 1e-4 × the tensor's largest
// gradient (at least 1e-2), as test/language-ops.test.ts.
import { describe, expect, it } from "vitest";
import { load, tensor } from "../runtime/index.ts";
import { compileForTestTarget, expectClose, expectGradientClose, expectEvalForwardClose, makeInputs, referenceState, stepWithFloatTarget } from "./target-helpers.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { compile } from "../compiler/pipeline.ts";
import { readFileSync } from "node:fs";
import { join } from "node:path";

// Built at -O0, not the suite's -O1 (vitest.config.ts): each model here runs one forward and one
// step, so g++'s time is this file's and the kernels' is not; -O0 compiles the generated code in
// about half -O1's time (port-idioms' 600 kernels: 10 s against 22 s of g++). The file's CPU time
// from an empty cache: 45 s at -O1, 28 s at -O0. The values are the same code's at any level within the tolerances.
process.env.TSDP_CPU_OPT_LEVEL = "0";

describe("session 7's layers on the CPU target (fixtures/model-ops)", () => {
  it("forward and one training step's gradients equal the reference; the tied weight is one parameter", async () => {
    const { model, build } = await compileForTestTarget("test/fixtures/model-ops/model.ts", "build/test-cpu/model-ops");
    const graph = model.graph;
    expect(graph.params.map((p) => p.attrs.name)).toEqual([
      "tok.weight",
      "conv.weight",
      "conv.bias",
      "gn.weight",
      "gn.bias",
      "attn.in_proj_weight",
      "attn.in_proj_bias",
      "attn.out_proj.weight",
      "attn.out_proj.bias",
    ]);
    const m = await load(build.outDir);
    try {
      await expectEvalForwardClose(m, graph, [1, 5]);
      const { want, gradients } = await stepWithFloatTarget(m, graph, [3, 6, 7]);
      expect([...gradients.keys()]).toContain("tok.weight");
      for (const [name, node] of gradients) expectGradientClose(m.getParameter(`${name}.grad`).data as Float32Array, want.values.get(node)!.data, `∂L/∂${name}`);
    } finally {
      m.dispose();
    }
  }, 600_000);
});

// Row-wise kernels (softmax, log-softmax) over a dim before the batch: the row's stride holds the
// batch, a kernel argument (it was NaN in the generated code, which g++ refused).
describe("softmax rows strided by the batch on the CPU target (fixtures/rows-before-batch)", () => {
  it("forward and one training step's gradients equal the reference", async () => {
    const { model, build, generated } = await compileForTestTarget("test/fixtures/rows-before-batch/model.ts", "build/test-cpu/rows-before-batch");
    expect(generated.cu).toMatch(/__global__ void \w*softmax\w*_kernel\(.*size_t rows, size_t inner\)/);
    const m = await load(build.outDir);
    try {
      await expectEvalForwardClose(m, model.graph, [1, 5]);
      const { want, gradients } = await stepWithFloatTarget(m, model.graph, [3, 3, 4]);
      for (const [name, node] of gradients) expectGradientClose(m.getParameter(`${name}.grad`).data as Float32Array, want.values.get(node)!.data, `∂L/∂${name}`);
    } finally {
      m.dispose();
    }
  }, 600_000);
});

// nn.LSTM (two layers, dropout between them), a bidirectional nn.GRU and a relu nn.RNN, unrolled
// (compiler/1-frontend/recurrent.ts): forward in eval mode and one training step's gradients
// (backpropagation through time, dropout masks included) against the reference, tolerances as above.
describe("recurrent layers on the CPU target (fixtures/recurrent)", () => {
  it("forward and one training step's gradients equal the reference", async () => {
    const { model, build } = await compileForTestTarget("test/fixtures/recurrent/model.ts", "build/test-cpu/recurrent");
    const graph = model.graph;
    const m = await load(build.outDir);
    try {
      await expectEvalForwardClose(m, graph, [1, 5]);
      const { want, gradients } = await stepWithFloatTarget(m, graph, [4, 4]);
      expect(gradients.size).toBe(graph.params.length);
      for (const [name, node] of gradients) expectGradientClose(m.getParameter(`${name}.grad`).data as Float32Array, want.values.get(node)!.data, `∂L/∂${name}`);
    } finally {
      m.dispose();
    }
  }, 600_000);
});

// pointwise-composites.ts in float32 on the target, at the inputs that tell forms apart: bounds,
// a tie, and ±1e8, where x + 3 and x − 3 round to x (relu(x + 3) − relu(x − 3) was 0 there, so the
// former hardswish gave 0 for 1e8), and −20, where 1 + eˣ rounds to 1 (softplus and mish were 0 there,
// as log(1 + eˣ); PyTorch takes log1p). Want: PyTorch's formulas, rounded to float32; within 2 ulp.
describe("pointwise compositions at their bounds on the target (fixtures/bounds)", () => {
  it("hardswish, relu6, clamp, hardsigmoid, elu, logsigmoid, maximum, softsign, softplus, mish; nn.Hardtanh, nn.ELU", async () => {
    const { build } = await compileForTestTarget("test/fixtures/bounds/model.ts", "build/test-cpu/bounds");
    const xs = [-1e8, -20, -3, -1, 0, 2, 3, 6, 1e8];
    const softplus = (v: number) => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
    const f = Math.fround;
    const want = [
      xs.map((v) => (v * Math.min(Math.max(v + 3, 0), 6)) / 6),
      xs.map((v) => Math.min(Math.max(v, 0), 6)),
      xs.map((v) => Math.min(Math.max(v, -1), 2)),
      xs.map((v) => Math.min(Math.max(v + 3, 0), 6) / 6),
      xs.map((v) => (v > 0 ? v : 0.5 * Math.expm1(v))),
      xs.map((v) => Math.min(v, 0) - Math.log1p(Math.exp(-Math.abs(v)))),
      xs.map((v) => Math.max(v, 1)),
      xs.map((v) => v / (1 + Math.abs(v))),
      xs.map((v) => Math.min(Math.max(v, -2), 2)),
      xs.map((v) => (v > 0 ? v : 0.5 * Math.expm1(v))),
      xs.map((v) => Math.max(v, 0)),
      xs.map(softplus),
      xs.map((v) => v * Math.tanh(softplus(v))),
    ];
    expect(want.length).toBe(13);
    const m = await load(build.outDir);
    try {
      const got = m.forwardAllSync(tensor(Float32Array.from(xs), [1, xs.length]));
      want.forEach((w, k) =>
        w.forEach((v, i) => {
          const g = got[k].data[i] as number;
          expect(Math.abs(g - f(v)), `output ${k} at x = ${xs[i]}: ${g} against ${f(v)}`).toBeLessThanOrEqual(2 * 2 ** -23 * Math.max(Math.abs(v), 2 ** -10));
        }),
      );
    } finally {
      m.dispose();
    }
  }, 600_000);
});

// PyTorch keeps a NaN through relu (relu(NaN) = NaN), a max pool's window, amax and softmax; C's
// fmaxf, which the kernels took for a maximum, drops it (fmaxf(NaN, 0) = 0), so a model whose
// weights went NaN could still give finite outputs. Eval mode, so that conv + relu + pool is one
// GEMM with the pool in its epilogue; the reference's NaNs are PyTorch's. Tolerance as above.
describe("a NaN propagates as in PyTorch on the target (fixtures/nan-propagation)", () => {
  it("relu, max pool (alone and in a conv's epilogue), amax across a warp, softmax, argmax", async () => {
    const { model, build } = await compileForTestTarget("test/fixtures/nan-propagation/model.ts", "build/test-cpu/nan-propagation");
    const graph = model.graph;
    const { tensors, reference } = makeInputs(graph, 2, 5);
    // sample 0: one NaN pixel (row 3, column 4) and one NaN feature (100); sample 1 none
    for (const [input, at] of [[0, 3 * 8 + 4], [1, 100]] as const) {
      (tensors[input].data as Float32Array)[at] = NaN;
      reference[graph.inputs[input].attrs.name as string].data[at] = NaN;
    }
    const m = await load(build.outDir);
    try {
      m.train(false);
      const got = m.forwardAllSync(...tensors);
      const want = runReference(graph, reference, referenceState(graph, 0), { training: false });
      const outs = graph.outputs.map((o) => want.values.get(o)!.data);
      outs.forEach((w, i) => expectClose(got[i].data as Float32Array, w, `output ${i}`));
      // what PyTorch gives, spelled out: relu(NaN), the row's amax, the pool windows and the softmax row
      const nan = (i: number) => Array.from(got[i].data as Float32Array, Number.isNaN);
      expect(nan(0).filter(Boolean)).toHaveLength(1);
      expect(nan(1)).toEqual([true, false]);
      expect(nan(2).slice(0, 32).filter(Boolean).length, "the conv's 3×3 spread of the NaN pixel reaches 4 windows a channel").toBe(8);
      expect(nan(2).slice(32).some(Boolean)).toBe(false);
      expect(nan(3)).toEqual(Array.from({ length: 32 }, (_, i) => i === 1 * 4 + 2));
      expect(nan(4).slice(0, 256).every(Boolean) && !nan(4).slice(256).some(Boolean)).toBe(true);
      expect(nan(5)).toEqual([true, false]);
      expect(Array.from(got[6].data as Int32Array)[0], "argmax of the row holding a NaN").toBe(100);
      // the tensor-core GEMM's pool epilogue (its lanes' shuffles) keeps the same windows' NaNs
      const tf32 = await compile("test/fixtures/nan-propagation/model.ts", { target: "cpu", precision: "tf32", outDir: "build/test-cpu/nan-propagation-tf32" });
      expect(readFileSync(join(tf32.build.outDir, "model.cu"), "utf8")).toContain("tsdp_max(v, __shfl_xor_sync(0xffffffffu, v, 4))");
      const tc = await load(tf32.build.outDir);
      try {
        tc.train(false);
        expect(Array.from(tc.forwardAllSync(...tensors)[2].data as Float32Array, Number.isNaN)).toEqual(nan(2));
      } finally {
        tc.dispose();
      }
    } finally {
      m.dispose();
    }
  }, 600_000);
});

// Tensors computed in constructors (test/fixtures/constructor-tensors): the positional table, the
// 0/1 and the −∞ causal masks as buffers, a parameter from math on factories, a scaled random
// draw and a plain constant field. The compiled model's state is the compiler's values bit for
// bit (they are written into model.cu), whatever the seed, while the draw follows the seed; its
// forward and one step's gradients equal the reference (tolerances as above).
describe("tensors computed in constructors on the CPU target (fixtures/constructor-tensors)", () => {
  it("state holds the computed values at any seed; forward and one training step's gradients equal the reference", async () => {
    const { model, build } = await compileForTestTarget("test/fixtures/constructor-tensors/model.ts", "build/test-cpu/constructor-tensors");
    const graph = model.graph;
    const computed = [...graph.params, ...graph.buffers].filter((n) => n.attrs.init.kind === "values");
    expect(computed.map((n) => n.attrs.name).sort()).toEqual(["attn.bias", "causal", "mix", "pos.pe"]);
    const m = await load(build.outDir);
    const reseeded = await load(build.outDir, { seed: 7 });
    try {
      for (const n of computed) {
        const want = n.attrs.init.values as Float32Array;
        expect(Float32Array.from(m.getParameter(n.attrs.name).data as Float32Array), n.attrs.name).toEqual(want);
        expect(Float32Array.from(reseeded.getParameter(n.attrs.name).data as Float32Array), `${n.attrs.name} at seed 7`).toEqual(want);
      }
      expect(reseeded.getParameter("classEmbedding").data).not.toEqual(m.getParameter("classEmbedding").data);
      await expectEvalForwardClose(m, graph, [1, 5]);
      const { want, gradients } = await stepWithFloatTarget(m, graph, [4, 4, 8]);
      expect([...gradients.keys()]).toContain("mix");
      for (const [name, node] of gradients) expectGradientClose(m.getParameter(`${name}.grad`).data as Float32Array, want.values.get(node)!.data, `∂L/∂${name}`);
    } finally {
      m.dispose();
      reseeded.dispose();
    }
  }, 600_000);
});
