// Issue 15's model-language features on the CPU target against the reference interpreter:
// nn.Parameter, factories, tril/triu, comparisons, maskedFill(−∞) before softmax, where
// (test/fixtures/attention). Forward: rtol 1e-4, atol 1e-5 (target-helpers). Gradients of one
// training step: rtol 1e-3 with an absolute floor of 1e-4 × the tensor's largest gradient (at least 1e-2).
import { describe, expect, it } from "vitest";
import { differentiate } from "../compiler/2-autodiff/backward.ts";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { normals } from "../compiler/reference/rng.ts";
import { load, tensor } from "../runtime/index.ts";
import { compileForTestTarget, expectClose, makeInputs, referenceState, expectGradientClose } from "./target-helpers.ts";
import { yieldToRunner } from "./helpers.ts";

describe("model-language features on the CPU target (fixtures/attention)", () => {
  it("forward and one training step's gradients equal the reference", async () => {
    const { model, build } = await compileForTestTarget("test/fixtures/attention/model.ts", "build/test-cpu/language-ops");
    const graph = model.graph;
    // the parameters as PyTorch's state_dict lists them: own parameters in assignment order, then children
    expect(graph.params.map((p) => p.attrs.name)).toEqual(["pos", "scale", "qkv.weight", "qkv.bias", "wpe.weight"]);
    const m = await load(build.outDir);
    try {
      const state = referenceState(graph, 0);
      // trunc_normal_(std 0.02) and full(0.5) made it into the library's initial values
      expectClose(m.getParameter("pos").data as Float32Array, state.params.get("pos")!.data, "pos initial value");
      expect(Math.max(...Array.from(state.params.get("pos")!.data, Math.abs))).toBeLessThan(0.02 * 6.7);
      expect(Array.from(m.getParameter("scale").data as Float32Array)).toEqual(new Array(8).fill(0.5));
      m.train(false);
      for (const batch of [1, 7]) {
        const { tensors, reference } = makeInputs(graph, batch, batch);
        const got = m.forwardAllSync(...tensors);
        const want = runReference(graph, reference, state, { training: false }).outputs;
        want.forEach((w, i) => expectClose(got[i].data as Float32Array, w.data, `output ${i}, batch ${batch}`));
        await yieldToRunner();
      }
      const batch = 5;
      const { tensors, reference } = makeInputs(graph, batch, 3);
      const target = Float32Array.from(normals(batch * 32, 3, 7));
      m.train(true);
      m.trainStepSync(tensors[0], tensor(target, [batch, 4, 8]), { lr: 0 });
      await yieldToRunner();
      const { graph: stepGraph, gradients } = differentiate(graph);
      const want = runReference(stepGraph, { ...reference, target: nd([batch, 4, 8], target) }, initState(graph, 0), { training: true, seed: 0, step: 0 });
      expect([...gradients.keys()]).toContain("pos");
      for (const [name, node] of gradients) expectGradientClose(m.getParameter(`${name}.grad`).data as Float32Array, want.values.get(node)!.data, `∂L/∂${name}`);
    } finally {
      m.dispose();
    }
  }, 600_000);
});
