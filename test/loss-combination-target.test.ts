// On the CPU target's virtual devices: a loss that sums over the batch (a loss function's x.sum(),
// nn.KLDivLoss's "sum") gives 1 and 3 devices the same loss and gradients, as one device on the
// whole batch; so do means written as a sum over the batch size (x.sum().div(x.size(0)),
// "batchmean"). Batch 7 splits 3 + 3 + 1. Within rtol 1e-5 of 1 device's, which matches the float64
// reference's step within expectGradientClose's tolerance. (ir/loss-combination.ts; the rules on
// graphs: test/loss-combination.test.ts.)
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../compiler/pipeline.ts";
import { differentiate } from "../compiler/2-autodiff/backward.ts";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { load, tensor } from "../runtime/index.ts";
import { expectGradientClose } from "./target-helpers.ts";
import { header, writeFiles } from "./helpers.ts";

const source = (loss: string) => `${header}export class M extends nn.Module {
  fc = new nn.Linear(4, 3);
  forward(x: Tensor<[Batch, 4]>) {
    return this.fc(x).logSoftmax(1);
  }
}
export const training = new Training(M, { loss: ${loss}, optimizer: new optim.SGD({ lr: 0.1 }) });
`;

const LOSSES: Record<string, [string, "sum" | "mean"]> = {
  "a loss function's sum": ["(o: Tensor<[Batch, 3]>, t: Tensor<[Batch, 3]>) => o.sub(t).pow(2).sum()", "sum"],
  'nn.KLDivLoss({ reduction: "sum" })': ['new nn.KLDivLoss({ reduction: "sum" })', "sum"],
  'nn.KLDivLoss({ reduction: "batchmean" })': ['new nn.KLDivLoss({ reduction: "batchmean" })', "mean"],
  "nn.BCEWithLogitsLoss with posWeight and weight": ['new nn.BCEWithLogitsLoss({ posWeight: F.full([3], 2.5), weight: F.full([1, 3], 0.5), reduction: "sum" })', "sum"],
  "a sum over x.size(0)": ["(o: Tensor<[Batch, 3]>, t: Tensor<[Batch, 3]>) => o.sub(t).abs().sum().div(o.size(0))", "mean"],
  // each replica's b: its mean times its own share's size is its sum
  "a mean times x.size(0)": ["(o: Tensor<[Batch, 3]>, t: Tensor<[Batch, 3]>) => o.sub(t).abs().mean().mul(o.size(0))", "sum"],
};

describe("the replicas' losses make the whole batch's", () => {
  const batch = 7;
  const x = Float32Array.from({ length: batch * 4 }, (_, i) => Math.sin(1.3 * i));
  // target probabilities (rows summing to 1), as a KL divergence's
  const t = Float32Array.from({ length: batch * 3 }, (_, i) => [0.2, 0.5, 0.3][i % 3]);
  for (const [what, [loss, combination]] of Object.entries(LOSSES))
    it(`${what}: 1 and 3 devices give the same loss and gradients (combined as a ${combination})`, async () => {
      const dir = writeFiles({ "model.ts": source(loss) });
      const { model, build } = await compile(join(dir, "model.ts"), { target: "cpu", outDir: join(dir, "build") });
      expect(JSON.parse(readFileSync(join(build.outDir, "manifest.json"), "utf8")).training.reduction).toBe(combination);
      const results: { loss: number; grads: Float32Array[] }[] = [];
      for (const devices of [1, 3]) {
        const m = await load(build.outDir, { devices });
        try {
          m.train(true);
          const value = m.trainStepSync([tensor(x, [batch, 4])], tensor(t, [batch, 3]), { lr: 0 });
          results.push({ loss: value, grads: ["fc.weight", "fc.bias"].map((n) => Float32Array.from(m.getParameter(`${n}.grad`).data as Float32Array)) });
        } finally {
          m.dispose();
        }
      }
      expect(results[1].loss).toBeCloseTo(results[0].loss, 4);
      expect(Math.abs(results[1].loss - results[0].loss)).toBeLessThanOrEqual(1e-5 * Math.abs(results[0].loss));
      results[1].grads.forEach((g, k) => g.forEach((v, i) => expect(Math.abs(v - results[0].grads[k][i]), `gradient ${k}[${i}]`).toBeLessThanOrEqual(1e-5 * Math.abs(results[0].grads[k][i]) + 1e-7)));
      // and one device's is the float64 reference's on the whole batch
      const { graph: step, gradients } = differentiate(model.graph);
      const want = runReference(step, { x: nd([batch, 4], x), target: nd([batch, 3], t) }, initState(model.graph, 0), { training: true });
      expect(results[0].loss).toBeCloseTo(want.values.get(model.graph.loss!.value)!.data[0], 4);
      ["fc.weight", "fc.bias"].forEach((n, k) => expectGradientClose(results[0].grads[k], want.values.get(gradients.get(n)!)!.data, `∂L/∂${n}`));
    }, 300_000);
});
