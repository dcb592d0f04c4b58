// Parameters the loss does not reach (an unused layer, a threshold read only through a comparison)
// are left as they are by the optimizer step, as PyTorch's optimizers skip a parameter whose .grad
// is None (zero_grad's default since 2.0) — where a zero gradient with AdamW's weight decay would
// shrink them every step. On the CPU target: three AdamW steps leave them bit for bit, while the
// trained ones move; with the model's own param groups too; the manifest lists only the model's
// groups; and with Adam's eps 0, where an update from a zero gradient is 0/0. A parameter in no declared group
// (PyTorch's optimizer over the others) joins them: reached, with a gradient, and still left as it is.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { differentiate } from "../compiler/2-autodiff/backward.ts";
import { compile } from "../compiler/pipeline.ts";
import { lowerSource } from "./helpers.ts";
import { load, tensor } from "../runtime/index.ts";
import { scratchDir, writeFiles } from "./helpers.ts";

const source = (optimizer: string) => `import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";
export class M extends nn.Module {
  fc = new nn.Linear(3, 2);
  unused = new nn.Linear(3, 2);
  thr = new nn.Parameter(F.full([2], 0.5));
  forward(x: Tensor<[Batch, 3]>) {
    // thr decides which outputs pass, through a comparison: no gradient reaches it
    return this.fc(x).mul(x.narrow(1, 0, 2).gt(this.thr).float().add(1));
  }
}
export const training = new Training(M, { loss: new nn.MSELoss(), optimizer: ${optimizer} });
`;

describe("parameters the loss does not reach", () => {
  it("autodiff names them", () => {
    const { graph } = lowerSource(source("new optim.AdamW({ lr: 0.1 })"));
    expect([...differentiate(graph).unreached].sort()).toEqual(["thr", "unused.bias", "unused.weight"]);
  });

  for (const [label, optimizer, groups] of [
    ["AdamW's default weight decay", "new optim.AdamW({ lr: 0.1 })", undefined],
    // eps 0 (PyTorch allows it): an update from their zero gradient would be lr·0/(0 + 0), NaN
    ["Adam with eps 0", "new optim.Adam({ lr: 0.1, eps: 0 })", undefined],
    ["SGD with weight decay and the model's own param groups", "new optim.SGD([{ params: (name: string) => name.startsWith('fc'), weightDecay: 0.01 }, { params: (name: string) => !name.startsWith('fc') }], { lr: 0.1, momentum: 0.9, weightDecay: 0.1 })", 2],
    // fc.bias, which the loss reaches, in no group: PyTorch's optimizer over the others never updates it (one skipped group with the unreached)
    ["AdamW over fc.weight alone (fc.bias in no group)", "new optim.AdamW([{ params: (name: string) => name === 'fc.weight' }], { lr: 0.1 })", 1],
  ] as const)
    it(`keep their values through three steps (${label}); the trained ones move`, async () => {
      const dir = writeFiles({ "model.ts": source(optimizer) });
      const { build } = await compile(join(dir, "model.ts"), { target: "cpu", outDir: join(scratchDir("unreached-"), "build") });
      const m = await load(build.outDir);
      try {
        expect(m.manifest.training?.paramGroups?.length).toBe(groups);
        const before = new Map(["fc.weight", "fc.bias", "unused.weight", "unused.bias", "thr"].map((n) => [n, Float32Array.from(m.getParameter(n).data as Float32Array)]));
        const x = tensor(Float32Array.from({ length: 12 }, (_, i) => Math.sin(i)), [4, 3]);
        const y = tensor(Float32Array.from({ length: 8 }, (_, i) => Math.cos(i)), [4, 2]);
        for (let step = 0; step < 3; step++) m.trainStepSync(x, y);
        const kept = groups === 1 ? ["unused.weight", "unused.bias", "thr", "fc.bias"] : ["unused.weight", "unused.bias", "thr"];
        for (const n of kept) expect(Array.from(m.getParameter(n).data as Float32Array), n).toEqual(Array.from(before.get(n)!));
        expect(Array.from(m.getParameter("fc.weight").data as Float32Array)).not.toEqual(Array.from(before.get("fc.weight")!));
      } finally {
        m.dispose();
      }
    }, 300_000);
});
