// Session 7's model-language additions on the CPU target against the reference interpreter
// (test/fixtures/model-ops): Conv1d, GroupNorm, MultiheadAttention, Upsample/interpolate, the
// composite activations' layers and a tied weight. Forward: rtol 1e-4, atol 1e-5 (target-helpers).
// Gradients of one training step: rtol 1e-3 with an absolute floor of 1e-4 × the tensor's largest
// gradient (at least 1e-2), as test/language-ops.test.ts.
import { describe, expect, it } from "vitest";
import { differentiate } from "../compiler/2-autodiff/backward.ts";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { normals } from "../compiler/reference/rng.ts";
import { load, tensor } from "../runtime/index.ts";
import { compileForTestTarget, makeInputs, expectGradientClose, expectEvalForwardClose } from "./target-helpers.ts";
import { yieldToRunner } from "./helpers.ts";

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
      const batch = 3;
      const { tensors, reference } = makeInputs(graph, batch, 2);
      const target = Float32Array.from(normals(batch * 42, 3, 7));
      m.train(true);
      m.trainStepSync(tensors[0], tensor(target, [batch, 6, 7]), { lr: 0 });
      await yieldToRunner();
      const { graph: stepGraph, gradients } = differentiate(graph);
      const want = runReference(stepGraph, { ...reference, target: nd([batch, 6, 7], target) }, initState(graph, 0), { training: true, seed: 0, step: 0 });
      expect([...gradients.keys()]).toContain("tok.weight");
      for (const [name, node] of gradients) expectGradientClose(m.getParameter(`${name}.grad`).data as Float32Array, want.values.get(node)!.data, `∂L/∂${name}`);
    } finally {
      m.dispose();
    }
  }, 600_000);
});
