// trainStep({ waitForLoss: false }) (issue 13, finding 7: no per-step synchronization the API does
// not need): the step is issued and the call resolves at once, without its loss, so the host
// prepares the next batch while the device runs this one; the next call that needs the model's
// memory waits for it. On the CPU target the shim runs a stream's work at call time, so these tests
// show the API's contract — the same training, bit for bit, whichever steps waited — not the overlap.
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compile } from "../compiler/pipeline.ts";
import { load, tensor, type CompiledModel, type Tensor, type TrainStepOptions } from "../runtime/index.ts";
import { scratchDir } from "./helpers.ts";

let dir: string;
const scratch = scratchDir("tsdp-nowait-");

beforeAll(async () => {
  dir = (await compile("test/fixtures/hardening-mlp/model.ts", { target: "cpu", outDir: join("build", "test-step-nowait", "mlp") })).build.outDir;
}, 600_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Deterministic inputs of the MLP (x: [Batch, 8], 3 classes), different per `salt`. */
const x = (batch: number, salt = 0) => tensor(Float32Array.from({ length: batch * 8 }, (_, i) => Math.sin(i * 0.37 + salt)), [batch, 8]);
const y = (batch: number, salt = 0) => tensor(Int32Array.from({ length: batch }, (_, i) => (i + salt) % 3), [batch]);

/** Every parameter with its gradient and SGD's momentum buffer, as bytes: equal only bit for bit. */
function state(m: CompiledModel): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const { name } of m.parameters())
    for (const key of [name, `${name}.grad`, `${name}.momentum_buffer`]) out[key] = Array.from(new Uint32Array((m.getParameter(key).data as Float32Array).slice().buffer));
  return out;
}

/** Two instances of the MLP from one seed, disposed after `f`: one steps without waiting, one waits. */
async function withPair(seed: number, f: (issued: CompiledModel, waiting: CompiledModel) => Promise<void>): Promise<void> {
  const [issued, waiting] = [await load(dir, { seed }), await load(dir, { seed })];
  try {
    await f(issued, waiting);
  } finally {
    issued.dispose();
    waiting.dispose();
  }
}

describe("trainStep without waiting for the loss", () => {
  it("trains exactly as waiting steps do: parameters, gradients, momentum, step count, the next loss and forward", async () => {
    await withPair(7, async (issued, waiting) => {
      const batches = [5, 3, 7, 5];
      for (const [s, batch] of batches.entries()) {
        const loss = await waiting.trainStep(x(batch, s), y(batch, s), { lr: 0.05 });
        expect(Number.isFinite(loss)).toBe(true);
        // resolves without a loss, and counts the step at once
        const none = await issued.trainStep(x(batch, s), y(batch, s), { lr: 0.05, waitForLoss: false });
        expect(none).toBeUndefined();
        expect(issued.steps).toBe(s + 1);
      }
      // read right after a step that did not wait: the reads wait for it
      expect(state(issued)).toEqual(state(waiting));
      expect(issued.steps).toBe(waiting.steps);
      // several in a row without awaiting each (the queue keeps their order), then one that waits
      const pending = [0, 1, 2].map((s) => issued.trainStep(x(4, 10 + s), y(4, 10 + s), { waitForLoss: false }));
      for (const s of [0, 1, 2]) await waiting.trainStep(x(4, 10 + s), y(4, 10 + s));
      const last = issued.trainStep(x(6, 20), y(6, 20));
      expect(await Promise.all(pending)).toEqual([undefined, undefined, undefined]);
      expect(await last).toBe(await waiting.trainStep(x(6, 20), y(6, 20)));
      await issued.trainStep(x(2, 30), y(2, 30), { waitForLoss: false });
      await waiting.trainStep(x(2, 30), y(2, 30));
      const [a, b] = [issued, waiting].map((m) => Array.from(m.eval().forwardAllSync(x(3, 40))[0].data as Float32Array));
      expect(a).toEqual(b);
      expect(state(issued)).toEqual(state(waiting));
    });
  }, 120_000);

  it("trainStepSync returns undefined once the step is issued; a checkpoint and evaluate after it hold that step", async () => {
    await withPair(3, async (m, reference) => {
      expect(m.trainStepSync(x(5), y(5), { waitForLoss: false })).toBeUndefined();
      reference.trainStepSync(x(5), y(5));
      expect((await m.evaluate(x(4, 1), y(4, 1))).loss).toBe((await reference.evaluate(x(4, 1), y(4, 1))).loss);
      m.train(true);
      reference.train(true);
      m.trainStepSync(x(5, 2), y(5, 2), { waitForLoss: false });
      reference.trainStepSync(x(5, 2), y(5, 2));
      const file = join(scratch, "after-nowait.safetensors");
      await m.saveCheckpoint(file);
      const restored = await load(dir, { seed: 99, checkpoint: file });
      try {
        expect(restored.steps).toBe(2);
        // parameters and momentum (a checkpoint holds no gradients)
        const kept = (o: Record<string, number[]>) => Object.fromEntries(Object.entries(o).filter(([k]) => !k.endsWith(".grad")));
        expect(kept(state(restored))).toEqual(kept(state(reference)));
      } finally {
        restored.dispose();
      }
    });
  }, 120_000);

  it("refuses a waitForLoss that is not a boolean, and detectNonFinite without the loss it checks", async () => {
    const m = await load(dir, { seed: 1 });
    try {
      expect(() => m.trainStepSync(x(2), y(2), { waitForLoss: "no" as unknown as boolean })).toThrow(/waitForLoss must be true or false, got the string "no"/);
      // tsc refuses the combination in a literal (TrainStepChecked); a TrainStepOptions value may still hold it
      const both: TrainStepOptions = { waitForLoss: false, detectNonFinite: true };
      expect(() => m.trainStepSync(x(2), y(2), both)).toThrow(/detectNonFinite checks the step's loss, so it needs waitForLoss/);
      await expect(m.trainStep(x(2), y(2), both)).rejects.toThrow(TypeError);
      // the target left out of a model whose loss takes one: named, not read from the options object
      const options = { waitForLoss: false } as unknown as Tensor;
      expect(() => m.trainStepSync(x(2), options)).toThrow(/^\w+\.trainStep: this model's loss takes a target \(int32 \[Batch\]\), got an options object in its place: call trainStep\(inputs, target\) or trainStep\(inputs, target, options\)$/);
      expect(() => (m.trainStepSync as (i: Tensor) => number)(x(2))).toThrow(/this model's loss takes a target \(int32 \[Batch\]\), got none/);
      await expect((m.evaluate as (i: Tensor) => Promise<unknown>)(x(2))).rejects.toThrow(/^\w+\.evaluate: this model's loss takes a target \(int32 \[Batch\]\), got none: call evaluate\(inputs, target\)$/);
      // nothing was issued
      expect(m.steps).toBe(0);
    } finally {
      m.dispose();
    }
  });

  it("a model disposed right after a step that did not wait is freed once the step is done", async () => {
    for (let i = 0; i < 3; i++) {
      const m = await load(dir, { seed: i });
      await m.trainStep(x(64, i), y(64, i), { waitForLoss: false });
      m.dispose();
    }
    const m = await load(dir, { seed: 0 });
    try {
      expect(Number.isFinite(await m.trainStep(x(3), y(3)))).toBe(true);
    } finally {
      m.dispose();
    }
  });
});

