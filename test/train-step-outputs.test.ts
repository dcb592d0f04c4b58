// trainStep's `outputs` (runtime/harness/step.cu: the step program's batched outputs, copied back
// only when asked): a training loop's `outputs = model(x); loss = crit(outputs, y);
// loss.backward(); optimizer.step()` then `preds = outputs.argmax(1)` — the train-mode outputs the
// loss came from, before the update. On the CPU target, 1 and 2 virtual devices, the eager warm-up,
// the captured graph and its replays: each step's outputs equal a twin's train-mode forward on the
// same parameters (BatchNorm's batch statistics per device's share, as DataParallel; another
// program's kernels: rtol 1e-5, atol 1e-6), its accuracy the argmax's, and asking for them changes
// nothing the step computes (loss and parameters bit for bit).
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../compiler/pipeline.ts";
import { load, tensor, type CompiledModel, type Evaluation, type Tensor } from "../runtime/index.ts";
import { header, scratchDir, writeFiles } from "./helpers.ts";

const source = `${header}export class M extends nn.Module {
  fc1 = new nn.Linear(5, 8);
  bn = new nn.BatchNorm1d(8);
  fc2 = new nn.Linear(8, 3);
  side = new nn.Linear(5, 2);
  forward(x: Tensor<[Batch, 5]>) {
    const logits = this.fc2(F.relu(this.bn(this.fc1(x))));
    return { logits, hidden: this.side(x).tanh() };
  }
}
export const training = new Training(M, {
  loss: (out: { logits: Tensor; hidden: Tensor }, y: Tensor<[Batch], "int32">) => F.crossEntropy(out.logits, y),
  optimizer: new optim.SGD({ lr: 0.1, momentum: 0.9 }),
});
`;

const rows = (n: number, from: number) => tensor(Float32Array.from({ length: n * 5 }, (_, i) => Math.sin(1.7 * (i + from * 5)) * 2), [n, 5]);
const labels = (n: number, from: number) => tensor(Int32Array.from({ length: n }, (_, i) => (i * 7 + from) % 3), [n]);
const floats = (t: { data: unknown }) => Array.from(t.data as Float32Array);

function expectClose(got: number[], want: number[], what: string) {
  expect(got.length, what).toBe(want.length);
  const bad = got.findIndex((g, i) => !(Math.abs(g - want[i]) <= 1e-6 + 1e-5 * Math.abs(want[i])));
  if (bad >= 0) expect.fail(`${what}: element ${bad} is ${got[bad]}, the train-mode forward gives ${want[bad]}`);
}

function argmaxAccuracy(logits: Tensor, y: Tensor): number {
  const [n, c] = logits.shape;
  const d = logits.data as Float32Array;
  let right = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let k = 1; k < c; k++) if (d[i * c + k] > d[i * c + best]) best = k;
    if (best === (y.data as Int32Array)[i]) right++;
  }
  return right / n;
}

let built: string | undefined;
async function build(): Promise<string> {
  if (built) return built;
  const dir = writeFiles({ "model.ts": source });
  built = (await compile(join(dir, "model.ts"), { target: "cpu", outDir: join(scratchDir("step-outputs-"), "build") })).build.outDir;
  return built;
}

describe("trainStep's outputs", () => {
  for (const devices of [1, 2])
    it(`are the train-mode outputs the step's loss came from, before its update, in every step mode (${devices} device${devices > 1 ? "s" : ""})`, async () => {
      const dir = await build();
      // asked: gets the outputs; plain: the same steps without them; twin: a train-mode forward before each step
      const [asked, plain, twin] = [await load(dir, { devices, seed: 5 }), await load(dir, { devices, seed: 5 }), await load(dir, { devices, seed: 5 })];
      try {
        for (const m of [asked, plain, twin]) m.train(true);
        // batch 7 (shares of 4 and 3 on two devices): steps 1 eager, 2 captured, 3–4 replayed; batch 5 eager again
        for (const [step, n] of [7, 7, 7, 7, 5].entries()) {
          const x = rows(n, step);
          const y = labels(n, step);
          const [logits, hidden] = twin.forwardAllSync(x);
          const got: Evaluation = step % 2 === 0 ? asked.trainStepSync(x, y, { outputs: true }) : await asked.trainStep(x, y, { outputs: true });
          const loss = plain.trainStepSync(x, y);
          twin.trainStepSync(x, y);
          expect(got.outputs.map((o) => o.shape)).toEqual([[n, 3], [n, 2]]);
          expectClose(floats(got.outputs[0]), floats(logits), `step ${step + 1}: logits`);
          expectClose(floats(got.outputs[1]), floats(hidden), `step ${step + 1}: hidden (an output the loss does not read)`);
          expect(got.accuracy, `step ${step + 1}: accuracy`).toBe(argmaxAccuracy(got.outputs[0], y));
          // the same step: its loss and update bit for bit
          expect(got.loss, `step ${step + 1}: loss`).toBe(loss);
        }
        for (const p of plain.parameters()) expect(floats(asked.getParameter(p.name)), p.name).toEqual(floats(plain.getParameter(p.name)));
        expect(asked.stats().graphReplays).toBeGreaterThan(0);
      } finally {
        for (const m of [asked, plain, twin]) m.dispose();
      }
    }, 300_000);

  it("with a held step (accumulate) the outputs are that batch's; options are checked before anything runs", async () => {
    const dir = await build();
    const m = await load(dir, { seed: 2 });
    const twin = await load(dir, { seed: 2 });
    try {
      const x = rows(4, 0);
      const y = labels(4, 0);
      const before = twin.forwardAllSync(x)[0];
      const held = m.trainStepSync(x, y, { accumulate: true, outputs: true });
      expectClose(floats(held.outputs[0]), floats(before), "held step: logits");
      expect(m.steps).toBe(0);
      // the caller may reuse the target at once: the accuracy reads the step's own copy
      const y2 = labels(4, 1);
      const pending = m.trainStep(x, y2, { outputs: true });
      (y2.data as Int32Array).fill(0);
      const done = await pending;
      expect(done.accuracy).toBe(argmaxAccuracy(done.outputs[0], labels(4, 1)));
      expect(() => m.trainStepSync(x, y, { outputs: "yes" as unknown as boolean })).toThrow(/outputs must be true or false, got the string "yes"/);
      expect(() => m.trainStepSync(x, y, { outputs: true, waitForLoss: false } as never)).toThrow(/outputs are read back when the step is done, so they need waitForLoss \(true, the default\)/);
      await expect(m.trainStep(x, y, { outputs: true, waitForLoss: false } as never)).rejects.toThrow(/need waitForLoss/);
      // a plain step still resolves with the number
      expect(typeof (await m.trainStep(x, y))).toBe("number");
      expect(m.steps).toBe(2);
    } finally {
      m.dispose();
      twin.dispose();
    }
  }, 300_000);
});

// (typed: a step asked for outputs is an Evaluation, the others a number)
export const typed = async (m: CompiledModel, x: Tensor, y: Tensor): Promise<[Evaluation, number]> => [await m.trainStep(x, y, { outputs: true }), await m.trainStep(x, y, { lr: 0.1 })];
