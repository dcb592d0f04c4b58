// Gradient accumulation and loss scaling (trainStep's `accumulate` and `lossScale`,
// runtime/harness/step.cu held_gradients_kernel), as PyTorch's `(loss * s).backward()` calls add
// into .grad before one `optimizer.step()`: micro-batches of n_k samples, each scaled by n_k/N,
// then one update, equal ONE step on the concatenated N (a mean loss: Σ (n_k/N)·mean_k = the mean);
// unscaled, the gradients add up (DCGAN's two backward() calls). On the CPU target, 1 and 2 virtual
// devices: parameters, the read-back gradient and the step count against the same build
// (float32 sums in another order: rtol 1e-5, atol 1e-6).
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../compiler/pipeline.ts";
import { load, tensor, type CompiledModel } from "../runtime/index.ts";
import { scratchDir, writeFiles } from "./helpers.ts";

const source = (loss: string, optimizer: string, target: string) => `import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";
export class M extends nn.Module {
  fc1 = new nn.Linear(5, 8);
  fc2 = new nn.Linear(8, 3);
  forward(x: Tensor<[Batch, 5]>) {
    return this.fc2(F.tanh(this.fc1(x)));
  }
}
export const training = new Training(M, { loss: ${loss}, optimizer: ${optimizer} });
// target: ${target}
`;

const NAMES = ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"];
const rows = (n: number, from: number) => Float32Array.from({ length: n * 5 }, (_, i) => Math.sin(1.3 * (i + from * 5)));
const values = (m: CompiledModel, name: string) => Array.from(m.getParameter(name).data as Float32Array);

function expectSame(got: number[], want: number[], what: string) {
  expect(got.length, what).toBe(want.length);
  const bad = got.findIndex((g, i) => !(Math.abs(g - want[i]) <= 1e-6 + 1e-5 * Math.abs(want[i])));
  if (bad >= 0) expect.fail(`${what}: element ${bad} is ${got[bad]}, one step on the whole batch gives ${want[bad]}`);
}

async function build(loss: string, optimizer: string) {
  const dir = writeFiles({ "model.ts": source(loss, optimizer, "") });
  const { build } = await compile(join(dir, "model.ts"), { target: "cpu", outDir: join(scratchDir("accumulate-"), "build") });
  return build.outDir;
}

/** Class targets of `n` samples from `from`; every third one ignore_index (−100) when `ignore`. */
const classes = (n: number, from: number, ignore: boolean) => tensor(Int32Array.from({ length: n }, (_, i) => (ignore && (i + from) % 3 === 1 ? -100 : (i + from) % 3)), [n]);

describe("gradient accumulation", () => {
  for (const devices of [1, 2])
    it(`held steps scaled by their share, then an update, equal one step on the whole batch (Adam, clipping; ${devices} device${devices > 1 ? "s" : ""})`, async () => {
      const dir = await build("new nn.CrossEntropyLoss()", "new optim.Adam({ lr: 0.01 })");
      const [held, whole] = [await load(dir, { devices, seed: 7 }), await load(dir, { devices, seed: 7 })];
      try {
        // micro-batches of 3, 2 and 4 samples, each loss scaled by its share of the 9
        const sizes = [3, 2, 4];
        const starts = [0, 3, 5];
        const second = whole.evaluateSync(tensor(rows(2, 3), [2, 5]), classes(2, 3, false)).loss;
        const losses = sizes.map((n, k) => held.trainStepSync(tensor(rows(n, starts[k]), [n, 5]), classes(n, starts[k], false), { accumulate: k < 2, lossScale: n / 9, clipGradNorm: 0.05 }));
        whole.trainStepSync(tensor(rows(9, 0), [9, 5]), classes(9, 0, false), { clipGradNorm: 0.05 });
        // one optimizer step, and each held step's loss is its own batch's
        expect(held.steps).toBe(1);
        expect(whole.steps).toBe(1);
        for (const name of NAMES) {
          expectSame(values(held, name), values(whole, name), name);
          // .grad: the clipped total, as PyTorch's accumulated .grad after clip_grad_norm_
          expectSame(values(held, `${name}.grad`), values(whole, `${name}.grad`), `${name}.grad`);
        }
        // each step's loss is its own batch's, unscaled
        expect(losses[1]).toBeCloseTo(second, 5);
        // the next steps go on alike: nothing is held any more
        held.trainStepSync(tensor(rows(4, 9), [4, 5]), classes(4, 9, false));
        whole.trainStepSync(tensor(rows(4, 9), [4, 5]), classes(4, 9, false));
        for (const name of NAMES) expectSame(values(held, name), values(whole, name), `${name} after one more step`);
      } finally {
        held.dispose();
        whole.dispose();
      }
    }, 300_000);

  it("unscaled, the gradients add up, as two backward() calls (a summed loss, SGD with momentum); .grad reads the sum so far; the parameters wait for the update", async () => {
    const dir = await build("new nn.MSELoss({ reduction: 'sum' })", "new optim.SGD({ lr: 0.01, momentum: 0.9 })");
    const [held, whole] = [await load(dir, { seed: 3 }), await load(dir, { seed: 3 })];
    try {
      const y = (n: number, from: number) => tensor(Float32Array.from({ length: n * 3 }, (_, i) => Math.cos(i + from * 3)), [n, 3]);
      const before = values(held, "fc1.weight");
      const first = held.trainStepSync(tensor(rows(2, 0), [2, 5]), y(2, 0), { accumulate: true });
      expect(first).toBeCloseTo(held.evaluateSync(tensor(rows(2, 0), [2, 5]), y(2, 0)).loss, 5);
      expect(values(held, "fc1.weight")).toEqual(before);
      // after one held step, .grad is that step's gradient (a step at lr 0 on the same batch gives it)
      const probe = await load(dir, { seed: 3 });
      try {
        probe.trainStepSync(tensor(rows(2, 0), [2, 5]), y(2, 0), { lr: 0 });
        for (const name of NAMES) expectSame(values(held, `${name}.grad`), values(probe, `${name}.grad`), `${name}.grad after one held step`);
      } finally {
        probe.dispose();
      }
      expect(held.steps).toBe(0);
      held.trainStepSync(tensor(rows(3, 2), [3, 5]), y(3, 2));
      whole.trainStepSync(tensor(rows(5, 0), [5, 5]), y(5, 0));
      for (const name of NAMES) expectSame(values(held, name), values(whole, name), name);
      // the momentum buffers began with the same (total) gradient
      held.trainStepSync(tensor(rows(5, 0), [5, 5]), y(5, 0));
      whole.trainStepSync(tensor(rows(5, 0), [5, 5]), y(5, 0));
      for (const name of NAMES) expectSame(values(held, name), values(whole, name), `${name}, second step`);
    } finally {
      held.dispose();
      whole.dispose();
    }
  }, 300_000);

  it("a held batch whose targets are all ignored adds nothing (its gradient is 0, as PyTorch's); a checkpoint loaded drops held gradients; the options are checked", async () => {
    const dir = await build("new nn.CrossEntropyLoss({ ignoreIndex: -100 })", "new optim.SGD({ lr: 0.1 })");
    const [held, plain] = [await load(dir, { seed: 1 }), await load(dir, { seed: 1 })];
    try {
      const file = join(scratchDir("accumulate-ckpt-"), "start.safetensors");
      await held.saveCheckpoint(file);
      held.trainStepSync(tensor(rows(3, 0), [3, 5]), classes(3, 0, false), { accumulate: true });
      await held.loadCheckpoint(file);
      held.trainStepSync(tensor(rows(3, 3), [3, 5]), classes(3, 3, false));
      plain.trainStepSync(tensor(rows(3, 3), [3, 5]), classes(3, 3, false));
      for (const name of NAMES) expect(values(held, name), name).toEqual(values(plain, name));
      const ignored = tensor(Int32Array.from({ length: 3 }, () => -100), [3]);
      held.trainStepSync(tensor(rows(3, 0), [3, 5]), ignored, { accumulate: true });
      held.trainStepSync(tensor(rows(3, 6), [3, 5]), classes(3, 6, false));
      plain.trainStepSync(tensor(rows(3, 6), [3, 5]), classes(3, 6, false));
      for (const name of NAMES) expect(values(held, name), `${name} after an ignored batch`).toEqual(values(plain, name));
      expect(() => held.trainStepSync(tensor(rows(3, 0), [3, 5]), classes(3, 0, false), { accumulate: "yes" as unknown as boolean })).toThrow(/accumulate must be true or false, got the string "yes"/);
      expect(() => held.trainStepSync(tensor(rows(3, 0), [3, 5]), classes(3, 0, false), { lossScale: Number.NaN })).toThrow(/lossScale must be a finite number other than 0/);
      expect(() => held.trainStepSync(tensor(rows(3, 0), [3, 5]), classes(3, 0, false), { lossScale: 0 })).toThrow(/a step that should not move the parameters is lr: 0\), got 0/);
    } finally {
      held.dispose();
      plain.dispose();
    }
  }, 300_000);
});
