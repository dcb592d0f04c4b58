// The asynchronous runtime API (issue 15 item 4): forward, forwardAll, evaluate and trainStep run
// on koffi's worker thread and return Promises; calls on one model queue and run one after
// another in call order; their errors are the blocking forms' (same class, same message).
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { compile } from "../compiler/pipeline.ts";
import { ModelStateError, load, tensor, type CompiledModel, type Tensor } from "../runtime/index.ts";

let dir: string;

beforeAll(async () => {
  dir = (await compile("test/fixtures/hardening-mlp/model.ts", { target: "cpu", outDir: join("build", "test-async-api", "mlp") })).build.outDir;
}, 600_000);

/** Deterministic inputs of the MLP (x: [Batch, 8], 3 classes), different per `salt`. */
const x = (batch: number, salt = 0) => tensor(Float32Array.from({ length: batch * 8 }, (_, i) => Math.sin(i * 0.37 + salt)), [batch, 8]);
const y = (batch: number, salt = 0) => tensor(Int32Array.from({ length: batch }, (_, i) => (i + salt) % 3), [batch]);

async function withModel<T>(f: (m: CompiledModel) => Promise<T>): Promise<T> {
  const m = await load(dir, { seed: 7 });
  try {
    return await f(m);
  } finally {
    m.dispose();
  }
}

/** How many setImmediate turns the event loop takes while `work` is pending. */
async function ticksDuring(work: () => Promise<unknown>): Promise<number> {
  let ticks = 0;
  let done = false;
  const spin = () => {
    if (done) return;
    ticks++;
    setImmediate(spin);
  };
  setImmediate(spin);
  await work();
  done = true;
  return ticks;
}

async function rejection(p: () => Promise<unknown>): Promise<Error> {
  try {
    await p();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a rejection");
}

describe("the asynchronous runtime API", () => {
  it("the event loop keeps turning while a long trainStep runs (and does not while trainStepSync does)", async () => {
    await withModel(async (m) => {
      // big enough that the step outlasts many turns of the loop (milliseconds on the CPU target)
      const [bx, by] = [x(16_000), y(16_000)];
      const blocking = await ticksDuring(async () => m.trainStepSync(bx, by, { lr: 0 }));
      const queued = await ticksDuring(() => m.trainStep(bx, by, { lr: 0 }));
      expect(blocking).toBe(0);
      expect(queued).toBeGreaterThan(1);
      // a forward is a fraction of a step: 4× the rows, so that it too outlasts a few turns (at
      // 16,000 rows CI once saw it resolve within one turn)
      const forwarded = await ticksDuring(() => m.forward(x(64_000)));
      expect(forwarded).toBeGreaterThan(1);
    });
  }, 120_000);

  it("concurrent calls on one model serialize in call order: the same bits as the blocking calls one by one", async () => {
    const blocking = await withModel(async (m) => {
      const a = m.trainStepSync(x(32, 1), y(32, 1));
      const f = m.forwardSync(x(4, 2)) as Tensor;
      const b = m.trainStepSync(x(32, 3), y(32, 3));
      const e = m.evaluateSync(x(16, 4), y(16, 4));
      const all = m.forwardAllSync(x(4, 5));
      return { losses: [a, b, e.loss], f: Array.from(f.data), e: Array.from(e.outputs[0].data), all: Array.from(all[0].data) };
    });
    const queued = await withModel(async (m) => {
      // issued together, none awaited before the next: they must not overlap in native code
      const [a, f, b, e, all] = await Promise.all([
        m.trainStep(x(32, 1), y(32, 1)),
        m.forward(x(4, 2)) as Promise<Tensor>,
        m.trainStep(x(32, 3), y(32, 3)),
        m.evaluate(x(16, 4), y(16, 4)),
        m.forwardAll(x(4, 5)),
      ]);
      expect(m.steps).toBe(2);
      return { losses: [a, b, e.loss], f: Array.from(f.data), e: Array.from(e.outputs[0].data), all: Array.from(all[0].data) };
    });
    expect(queued).toEqual(blocking);
    // and the steps did change the model between the two forwards (else the order would not show)
    expect(queued.f).not.toEqual(queued.all);
  });

  it("inputs are copied when the call is made: changing them before it runs changes nothing", async () => {
    await withModel(async (m) => {
      const input = x(4, 9);
      const want = Array.from((m.forwardSync(input) as Tensor).data);
      const step = m.trainStep(x(8), y(8), { lr: 0 });
      const out = m.forward(input) as Promise<Tensor>;
      (input.data as Float32Array).fill(100);
      await step;
      expect(Array.from((await out).data)).toEqual(want);
    });
  });

  it("bad input rejects with the error the blocking form throws; a blocking call while one is queued is busy", async () => {
    await withModel(async (m) => {
      const bad = tensor(new Float32Array(2 * 7), [2, 7]);
      const cases: [() => unknown, () => Promise<unknown>][] = [
        [() => m.forwardSync(bad), () => m.forward(bad)],
        [() => m.evaluateSync(bad, y(2)), () => m.evaluate(bad, y(2))],
        [() => m.trainStepSync(x(2), tensor(new Float32Array(2), [2])), () => m.trainStep(x(2), tensor(new Float32Array(2), [2]))],
      ];
      for (const [sync, queued] of cases) {
        let thrown: Error | undefined;
        try {
          sync();
        } catch (e) {
          thrown = e as Error;
        }
        const rejected = await rejection(queued);
        expect(thrown).toBeDefined();
        expect(rejected.constructor).toBe(thrown!.constructor);
        expect(rejected.message).toBe(thrown!.message);
      }
      const pending = m.forward(x(2));
      expect(() => m.forwardSync(x(2))).toThrow(/a forward is still running on this model; await it first/);
      await pending;
      expect((m.forwardSync(x(2)) as Tensor).shape).toEqual([2, 3]);
    });
  });

  it("`await using` (Symbol.asyncDispose) lets the queued calls finish before it disposes", async () => {
    const m = await load(dir, { seed: 7 });
    const step = m.trainStep(x(64), y(64));
    const out = m.forward(x(2)) as Promise<Tensor>;
    await m[Symbol.asyncDispose]();
    expect(m.disposed).toBe(true);
    expect(Number.isFinite(await step)).toBe(true);
    expect((await out).shape).toEqual([2, 3]);
  });

  it("calls queued behind one that dispose() interrupts reject as disposed; nothing runs on the freed model", async () => {
    const m = await load(dir, { seed: 7 });
    const step = rejection(() => m.trainStep(x(20_000), y(20_000)));
    const next = rejection(() => m.forward(x(2)));
    m.dispose();
    const [a, b] = await Promise.all([step, next]);
    expect(a).toBeInstanceOf(ModelStateError);
    expect(a.message).toMatch(/disposed while this step ran/);
    expect(b).toBeInstanceOf(ModelStateError);
    expect(b.message).toMatch(/disposed before this call ran/);
    expect((await rejection(() => m.forward(x(2)))).message).toMatch(/has been disposed/);
  });
});
