// Session 7's model-language additions on the CPU target against the reference interpreter
// (test/fixtures/model-ops): Conv1d, GroupNorm, MultiheadAttention, Upsample/interpolate, the
// composite activations' layers and a tied weight. Forward: rtol 1e-4, atol 1e-5 (target-helpers).
// Gradients of one training step: rtol 1e-3 with an absolute floor of 1e-4 × the tensor's largest
// gradient (at least 1e-2), as test/language-ops.test.ts.
import { describe, expect, it } from "vitest";
import { load } from "../runtime/index.ts";
import { compileForTestTarget, expectGradientClose, expectEvalForwardClose, stepWithFloatTarget } from "./target-helpers.ts";

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
