// The classification losses' gradient, computed in the loss's kernel (fusion rule loss-gradient,
// templates/kernels/loss.cu.hbs) by the gradient op's statements: a warp per row takes the row's max
// and Σ exp once, then writes each class — O(C) per row where a thread per element recomputing them
// was O(C²). LeNet's 10 classes fit in one lane each; here 300
// classes take ten strided passes with a partial last one, and a batch of 9 leaves most warps of
// the second block without a row. Gradients against the float64 reference: rtol 1e-3, atol 1e-4
// of the largest gradient (as test/training.test.ts).
import { describe, expect, it } from "vitest";
import { differentiate } from "../compiler/2-autodiff/backward.ts";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { normals, uniforms } from "../compiler/reference/rng.ts";
import { load, tensor } from "../runtime/index.ts";
import { header, writeFiles } from "./helpers.ts";
import { compileForTestTarget } from "./target-helpers.ts";
import { generate } from "../compiler/pipeline.ts";

const CLASSES = 300;

function modelFile(output: string, loss: string): string {
  const dir = writeFiles({
    "model.ts": `${header}
export class Wide extends nn.Module {
  fc = new nn.Linear(8, ${CLASSES});
  forward(x: Tensor<[Batch, 8]>) { return ${output}; }
}
export const training = new Training(Wide, { loss: ${loss}, optimizer: new optim.SGD({ lr: 0.1 }) });
`,
  });
  return `${dir}/model.ts`;
}

const cases = [
  { name: "cross_entropy, label smoothing 0.1, mean", output: "this.fc(x)", loss: "new nn.CrossEntropyLoss({ labelSmoothing: 0.1 })" },
  { name: "cross_entropy, sum", output: "this.fc(x)", loss: 'new nn.CrossEntropyLoss({ reduction: "sum" })' },
  { name: "nll_loss after log_softmax, mean", output: "F.logSoftmax(this.fc(x), 1)", loss: "new nn.NLLLoss()" },
];

describe(`classification gradients over ${CLASSES} classes, a warp per row`, () => {
  for (const c of cases)
    it(c.name, async () => {
      const { model, build, generated } = await compileForTestTarget(modelFile(c.output, c.loss), `build/test-loss-grad/${c.name.replace(/\W+/g, "-")}`);
      // one kernel for the loss and its gradient, and no gradient kernel of its own
      expect(generated.cu).toContain("// the row's gradient (fusion rule loss-gradient)");
      expect(generated.cu).not.toContain(`// One warp per row of ${CLASSES} classes`);
      const graph = model.graph;
      const m = await load(build.outDir);
      try {
        const batch = 9;
        const x = Float32Array.from(normals(batch * 8, 5, 1), (v) => 3 * v);
        const y = Int32Array.from(uniforms(batch, 5, 2), (u) => Math.floor(u * CLASSES));
        const loss = m.trainStepSync(tensor(x, [batch, 8]), tensor(y, [batch]), { lr: 0 });
        const { graph: step, gradients } = differentiate(graph);
        const want = runReference(step, { x: nd([batch, 8], x), target: nd([batch], y) }, initState(graph, 0), { training: true });
        // the loss the same kernel summed (rtol 1e-5: fp32 sums of 9 rows)
        const wantLoss = want.values.get(step.loss!.value)!.data[0];
        expect(Math.abs(loss - wantLoss), `loss ${loss}, expected ${wantLoss}`).toBeLessThanOrEqual(1e-5 * Math.abs(wantLoss));
        const scale = Math.max(...[...gradients.values()].map((g) => want.values.get(g)!.data.reduce((s, v) => Math.max(s, Math.abs(v)), 0)));
        for (const [name, node] of gradients) {
          const got = m.getParameter(`${name}.grad`).data as Float32Array;
          want.values.get(node)!.data.forEach((w, i) => {
            if (!(Math.abs(got[i] - w) <= 1e-4 * scale + 1e-3 * Math.abs(w))) expect.fail(`∂L/∂${name}[${i}]: ${got[i]}, expected ${w} (rtol 1e-3, atol ${(1e-4 * scale).toExponential(2)})`);
          });
        }
      } finally {
        m.dispose();
      }
    }, 600_000);
});

describe("fusion rule loss-gradient", () => {
  it("fuses the training loss's gradient (dy: the loss scale), not that of a loss inside the model (dy: the backward's)", () => {
    const plan = (file: string) => generate(file, { target: "cpu" }).training!.step.plan;
    const lenet = plan("examples/lenet/model.ts");
    expect(lenet.kernels.filter((k) => k.rules.includes("loss-gradient")).map((k) => k.gradient!.inputs[0].op)).toEqual(["loss_scale"]);
    // all-ops-train: F.crossEntropy(…, { reduction: "none" }) in the forward, whose dy the backward
    // computes after it; fused, the loss kernel read dy before it was written (wrong gradients)
    const allOps = plan("test/fixtures/all-ops-train/model.ts");
    const grads = allOps.kernels.filter((k) => k.anchor.op === "cross_entropy_grad" || k.gradient?.op === "cross_entropy_grad");
    expect(grads.length).toBeGreaterThan(0);
    for (const k of grads) expect(k.rules, k.name).not.toContain("loss-gradient");
  });
});
