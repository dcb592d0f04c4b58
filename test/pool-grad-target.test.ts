// Max-pool gradients on the CPU target against the reference interpreter where ties decide where the
// gradient goes: inputs of small integers, so most windows hold their maximum more than once and the
// forward's choice (the first maximum in scan order) is what the gradient must follow. Two pools read
// the same y = x·w (w a parameter of ones): a 2×2 pool of stride 2, whose windows tile y (a thread per
// window, pool_window_grad.cu.hbs), and a 3×3 pool of stride 2 and padding 1, whose windows overlap
// (a thread per element, summing the windows that chose it). ∂L/∂w = x · ∂L/∂y puts each window's
// gradient where the kernel sent it. Adaptive average pools of y² ride along: to 1×1 (a warp per
// plane, the reduce kernel) and to 4×3 (uneven, overlapping windows: a thread per output). Tolerances as test/model-ops-target.test.ts (rtol 1e-3, an
// absolute floor of 1e-4 × the largest gradient).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { differentiate } from "../compiler/2-autodiff/backward.ts";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { load, tensor } from "../runtime/index.ts";
import { compileForTestTarget, expectGradientClose } from "./target-helpers.ts";
import { writeFiles } from "./helpers.ts";

const MODEL = `import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";
export class Pools extends nn.Module {
  w = new nn.Parameter(F.full([1, 2, 6, 8], 1.0));
  forward(x: Tensor<[Batch, 2, 6, 8]>) {
    const y = x.mul(this.w);
    const tiled = F.maxPool2d(y, 2).flatten(1);
    const overlapping = F.maxPool2d(y, 3, 2, 1).flatten(1);
    const global = F.adaptiveAvgPool2d(y.mul(y), 1).flatten(1);
    const uneven = F.adaptiveAvgPool2d(y.mul(y), [4, 3]).flatten(1);
    return tiled.sum(1, true).add(overlapping.sum(1, true)).add(tiled.mul(tiled).sum(1, true)).add(global.sum(1, true)).add(uneven.sum(1, true));
  }
}
export const training = new Training(Pools, { loss: new nn.MSELoss(), optimizer: new optim.SGD({ lr: 0.1 }) });
`;

describe("pools' forward and gradients with ties (CPU target against the reference)", () => {
  it("sends each window's gradient to its first maximum: windows that tile the input and windows that overlap", async () => {
    const dir = writeFiles({ "model.ts": MODEL });
    const { model, build } = await compileForTestTarget(join(dir, "model.ts"), join(dir, "build"));
    const graph = model.graph;
    const batch = 3;
    // values 0, 1, 2 (and −1): a 2×2 window holds 4 of them, so most windows have a tied maximum
    const count = batch * 2 * 6 * 8;
    const x = Float32Array.from({ length: count }, (_, i) => ((i * 7 + (i >> 3) * 3) % 4) - 1);
    const target = Float32Array.from({ length: batch }, (_, i) => i);
    const m = await load(build.outDir);
    try {
      m.train(true);
      m.trainStepSync(tensor(x, [batch, 2, 6, 8]), tensor(target, [batch, 1]), { lr: 0 });
      const { graph: stepGraph, gradients } = differentiate(graph);
      const want = runReference(stepGraph, { x: nd([batch, 2, 6, 8], x), target: nd([batch, 1], target) }, initState(graph, 0), { training: true, seed: 0, step: 0 });
      const got = m.getParameter("w.grad").data as Float32Array;
      const expected = want.values.get(gradients.get("w")!)!.data;
      expectGradientClose(got, expected, "∂L/∂w");
    } finally {
      m.dispose();
    }
    // the tiled pool's gradient is the window kernel, the overlapping one the per-element kernel
    const cu = readFileSync(join(build.outDir, "model.cu"), "utf8");
    expect(cu).toContain("One thread per pooling window");
    expect(cu).toMatch(/max_pool2d_grad[^\n]*\n(?:\/\/[^\n]*\n)*\/\/ One thread per output element\./);
    expect(cu).toContain("adaptive_avg_pool2d to 1×1, a mean over each 6×8 plane");
  }, 600_000);
});
