// Random numbers drawn in forward (F.randn / F.rand with the batch's size, F.randnLike, F.randLike,
// F.bernoulli: test/fixtures/random-draws) and forward code that tests this.training (drop path,
// train-mode noise: test/fixtures/mode-branches) on the CPU target, with the CPU's and the GPU's
// kernel shapes: each call draws
// afresh — in eval mode too, as PyTorch's, unless every draw is behind this.training — element i at Philox counter (i, step, draw, 0) as the
// reference draws it, so the forward is the reference's within rtol 1e-4, atol 1e-5 (expectClose)
// call after call, a training step's gradients are the reference's with the step's draw within
// rtol 1e-3, atol 1e-4·max|g| (expectGradientClose), and two devices draw what one draws; a seed
// past 2^32 draws its own numbers (its high bits are in Philox's key).
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../compiler/pipeline.ts";
import { differentiate } from "../compiler/2-autodiff/backward.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { load, tensor } from "../runtime/index.ts";
import { expectClose, expectGradientClose, makeInputs, referenceState } from "./target-helpers.ts";
import { scratchDir } from "./helpers.ts";

const BATCH = 6;

// each fixture's target: MSE against a float tensor, cross-entropy against class indices
const FIXTURES = {
  "random-draws": (n: number) => ({ data: Float32Array.from({ length: n * 8 }, (_, i) => Math.sin(i)), shape: [n, 8] }),
  "mode-branches": (n: number) => ({ data: Int32Array.from({ length: n }, (_, i) => (i * 3) % 5), shape: [n] }),
};

describe("random draws and this.training in forward, on the CPU target", () => {
  for (const [fixture, targetOf] of Object.entries(FIXTURES))
  for (const shapeFor of ["cpu", "gpu"] as const)
    it(`${fixture}: fresh draws per call as the reference draws them, each mode's forward, the step's gradients, and 2 devices as 1 (${shapeFor === "gpu" ? "the GPU's" : "the CPU's"} kernel shapes)`, async () => {
      const { model, build } = await compile(`test/fixtures/${fixture}/model.ts`, { target: "cpu", shapeFor, outDir: join(scratchDir(`${fixture}-${shapeFor}`), "build") });
      const graph = model.graph;
      const m = await load(build.outDir);
      const one = await load(build.outDir, { devices: 1, seed: 5 });
      const two = await load(build.outDir, { devices: 2, seed: 5 });
      try {
        const { tensors, reference } = makeInputs(graph, BATCH, 3);
        const state = referenceState(graph, 0);
        // the harness's initial values are the reference's: nn.init.orthogonal_'s Q included (float64 both, then float32)
        for (const [name, want] of state.params) expectClose(m.getParameter(name).data as Float32Array, want.data, `initial ${name}`);
        const want = (training: boolean, draw: number) => runReference(graph, reference, state, { training, draw }).outputs[0].data;
        m.train(true);
        const first = m.forwardAllSync(...tensors)[0].data as Float32Array;
        const second = m.forwardAllSync(...tensors)[0].data as Float32Array;
        expect(Array.from(first)).not.toEqual(Array.from(second));
        expectClose(first, want(true, 0), "first call (draw 0)");
        expectClose(second, want(true, 1), "second call (draw 1)");
        // eval mode draws as well where forward draws in every mode (random-draws), and advances the
        // counter; where every draw sits behind this.training (mode-branches: drop path, train-mode
        // noise) PyTorch's eval call draws nothing, so two eval calls leave the counter where it was
        m.train(false);
        expectClose(m.forwardAllSync(...tensors)[0].data as Float32Array, want(false, 2), "eval call (draw 2)");
        expectClose(m.forwardAllSync(...tensors)[0].data as Float32Array, want(false, 3), "second eval call");
        const stepDraw = fixture === "random-draws" ? 4 : 2;

        const target = targetOf(BATCH);
        const { graph: step, gradients } = differentiate(graph);
        const stepWant = runReference(step, { ...reference, target: nd(target.shape, target.data) }, state, { training: true, step: 0, draw: stepDraw });
        m.train(true);
        m.trainStepSync(tensors[0], tensor(target.data, target.shape), { lr: 0 });
        for (const [name, node] of gradients)
          expectGradientClose(m.getParameter(`${name}.grad`).data as Float32Array, stepWant.values.get(node)!.data, `∂L/∂${name} (step 0, draw ${stepDraw})`);

        // a seed's high 32 bits draw too: 2^32 + 5 is not 5 (the key mixes them in), for initial values and draws
        const high = await load(build.outDir, { devices: 1, seed: 2 ** 32 + 5 });
        try {
          const highState = referenceState(graph, 2 ** 32 + 5);
          for (const [name, want] of highState.params) expectClose(high.getParameter(name).data as Float32Array, want.data, `initial ${name}, seed 2^32 + 5`);
          const [firstParam] = state.params.keys();
          expect(Array.from(high.getParameter(firstParam).data as Float32Array)).not.toEqual(Array.from(one.getParameter(firstParam).data as Float32Array));
          high.train(true);
          expectClose(high.forwardAllSync(...tensors)[0].data as Float32Array, runReference(graph, reference, highState, { training: true, draw: 0, seed: 2 ** 32 + 5 }).outputs[0].data, "first call, seed 2^32 + 5");
        } finally {
          high.dispose();
        }

        // each replica draws its rows' numbers of the whole batch, and the batch-free draw once
        for (const r of [one, two]) r.train(true);
        for (let call = 0; call < 2; call++)
          expect(Array.from(two.forwardAllSync(...tensors)[0].data), `call ${call}`).toEqual(Array.from(one.forwardAllSync(...tensors)[0].data));
      } finally {
        m.dispose();
        one.dispose();
        two.dispose();
      }
    }, 600_000);
});
