// The element losses and detach on the CPU target against the reference interpreter
// (test/fixtures/element-losses): each loss unreduced in the forward, all of them reduced in the
// training loss, and one step's gradients. Forward and loss: rtol 1e-4, atol 1e-5
// (target-helpers). Gradients: rtol 1e-3 with an absolute floor of 1e-4 × the tensor's largest
// gradient (at least 1e-2), as test/model-ops-target.test.ts. Also: a loss module of this family
// takes a float target shaped like the output.
import { describe, expect, it } from "vitest";
import { lowerModel } from "../compiler/1-frontend/lower.ts";
import { load } from "../runtime/index.ts";
import { compileForTestTarget, expectClose, expectGradientClose, expectEvalForwardClose, stepWithFloatTarget } from "./target-helpers.ts";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { scratchDir } from "./helpers.ts";

describe("element losses on the CPU target (fixtures/element-losses)", () => {
  it("unreduced losses, the reduced training loss and one step's gradients equal the reference", async () => {
    const { model, build } = await compileForTestTarget("test/fixtures/element-losses/model.ts", "build/test-cpu/element-losses");
    const graph = model.graph;
    const ops = new Set(graph.nodes.map((n) => n.op));
    for (const op of ["l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits"]) expect(ops).toContain(op);
    const m = await load(build.outDir);
    try {
      await expectEvalForwardClose(m, graph, [1, 5]);
      const { loss, want, stepGraph, gradients } = await stepWithFloatTarget(m, graph, [3, 48]);
      expectClose([loss], want.values.get(stepGraph.loss!.value)!.data, "the training loss");
      expect([...gradients.keys()].sort()).toEqual(["fc.bias", "fc.weight"]);
      for (const [name, node] of gradients) expectGradientClose(m.getParameter(`${name}.grad`).data as Float32Array, want.values.get(node)!.data, `∂L/∂${name}`);
    } finally {
      m.dispose();
    }
  }, 600_000);

  it("a BCE-with-logits, L1, smooth-L1, Huber or BCE loss module takes a float target shaped like the output", () => {
    const dir = scratchDir("tsdp-element-loss-");
    for (const loss of ["new nn.BCEWithLogitsLoss()", "new nn.L1Loss()", "new nn.SmoothL1Loss({ beta: 0.5 })", "new nn.HuberLoss({ delta: 2 })", "new nn.BCELoss()"]) {
      const file = join(dir, "model.ts");
      writeFileSync(
        file,
        `import { nn, optim, Training, type Tensor, type Batch } from "tsdp/dsl";\n` +
          `export class M extends nn.Module {\n  fc = new nn.Linear(4, 3);\n  forward(x: Tensor<[Batch, 4]>) {\n    return this.fc(x).sigmoid();\n  }\n}\n` +
          `export const training = new Training(M, { loss: ${loss}, optimizer: new optim.SGD({ lr: 0.1 }) });\n`,
      );
      const { graph } = lowerModel(file);
      const target = graph.loss!.target;
      expect({ dtype: target!.dtype, shape: String(target!.shape) }, loss).toEqual({ dtype: "f32", shape: String(graph.outputs[0].shape) });
    }
  });
});
