import { join } from "node:path";
import { load, tensor, type CompiledModel, type Tensor } from "../../../runtime/index.ts";
import type { RuntimeCase } from "../runtime-case.ts";
import { withModel, x, y } from "./model-support.ts";

// Class 2 (native crashes from the Node API): calls on a disposed model, calls while a
// trainStepAsync or loadCheckpoint is in flight, user code (getters, Proxies) that disposes the
// model or changes a value between the check and the native call, and typed arrays that lie
// about their size or whose memory is gone. None may reach native code with a freed handle or a
// wrong size; each must be a ModelStateError, TypeError or RangeError, or work correctly.



/** A disposed model of the fixture. */
async function disposed(dir: string): Promise<CompiledModel> {
  const m = await load(dir);
  m.dispose();
  return m;
}

/** Runs `during` while a trainStepAsync is in flight; rethrows what `during` threw after the step settled. */
async function whileStepRuns(m: CompiledModel, during: () => unknown): Promise<void> {
  const step = m.trainStepAsync(x(64), y(64));
  let thrown: unknown;
  let threw = false;
  try {
    await during();
  } catch (e) {
    [thrown, threw] = [e, true];
  }
  const loss = await step;
  if (!Number.isFinite(loss)) throw new Error(`the step in flight gave loss ${loss}`);
  if (threw) throw thrown;
}

function expectEqual(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  if (a.length !== b.length) throw new Error(`${what}: lengths ${a.length} and ${b.length}`);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) throw new Error(`${what}: element ${i} is ${a[i]}, expected ${b[i]}`);
}

const DISPOSED = { error: "ModelStateError", message: /has been disposed/ } as const;
const BUSY = { error: "ModelStateError", message: /trainStepAsync is still running.*await it first/ } as const;

/** One case per method: called on a disposed model, it must throw a ModelStateError. */
const afterDispose: [string, (m: CompiledModel) => unknown][] = [
  ["forward", (m) => m.forwardSync(x())],
  ["forwardAll", (m) => m.forwardAllSync(x())],
  ["trainStep", (m) => m.trainStepSync(x(), y())],
  ["trainStepAsync", (m) => m.trainStepAsync(x(), y())],
  ["evaluate", (m) => m.evaluateSync(x(), y())],
  ["forward (asynchronous)", (m) => m.forward(x())],
  ["forwardAll (asynchronous)", (m) => m.forwardAll(x())],
  ["trainStep (asynchronous)", (m) => m.trainStep(x(), y())],
  ["evaluate (asynchronous)", (m) => m.evaluate(x(), y())],
  ["getParameter", (m) => m.getParameter("fc1.weight")],
  ["setParameter", (m) => m.setParameter("fc1.bias", tensor(new Float32Array(16), [16]))],
  ["parameters", (m) => m.parameters()],
  ["buffers", (m) => m.buffers()],
  ["describe", (m) => m.describe()],
  ["stats", (m) => m.stats()],
  ["useGraphs", (m) => m.useGraphs(false)],
  ["train", (m) => m.train()],
  ["eval", (m) => m.eval()],
  ["steps", (m) => m.steps],
  ["saveCheckpoint", (m) => m.saveCheckpoint("/nonexistent-dir/never-written.safetensors")],
  ["loadCheckpoint", (m) => m.loadCheckpoint("/nonexistent-dir/never-read.safetensors")],
];

/**
 * One case per method: called while a trainStepAsync runs, it must throw a ModelStateError (busy).
 * The asynchronous calls are not here: they queue behind the step (a case below).
 */
const duringStep: [string, (m: CompiledModel, tmp: string) => unknown][] = [
  ["forward", (m) => m.forwardSync(x())],
  ["trainStep", (m) => m.trainStepSync(x(), y())],
  ["evaluate", (m) => m.evaluateSync(x(), y())],
  ["getParameter", (m) => m.getParameter("fc2.weight")],
  ["setParameter", (m) => m.setParameter("fc2.bias", tensor(new Float32Array(3), [3]))],
  ["saveCheckpoint", (m, tmp) => m.saveCheckpoint(join(tmp, "during.safetensors"))],
  ["loadCheckpoint", (m, tmp) => m.loadCheckpoint(join(tmp, "during.safetensors"))],
  ["describe", (m) => m.describe()],
  ["stats", (m) => m.stats()],
  ["train(false)", (m) => m.train(false)],
  ["useGraphs", (m) => m.useGraphs(true)],
  ["steps", (m) => m.steps],
];

/** A Float32Array subclass whose size getters say what the test wants, not what it holds. */
function lyingArray(real: number, claims: number): Float32Array {
  class Lying extends Float32Array {
    override get length() {
      return claims;
    }
    override get byteLength() {
      return claims * 4;
    }
  }
  return new Lying(real).fill(1);
}

export const cases: RuntimeCase[] = [
  ...afterDispose.map(
    ([method, call]): RuntimeCase => ({
      name: `api: ${method} after dispose() is a ModelStateError`,
      class: 2,
      model: "mlp-train",
      expect: DISPOSED,
      async run({ dir }) {
        await call(await disposed(dir));
      },
    }),
  ),
  ...duringStep.map(
    ([method, call]): RuntimeCase => ({
      name: `api: ${method} while a trainStepAsync runs is a ModelStateError (busy)`,
      class: 2,
      model: "mlp-train",
      expect: BUSY,
      async run({ dir, tmp }) {
        await withModel(dir, async (m) => {
          await m.saveCheckpoint(join(tmp, "during.safetensors"));
          await whileStepRuns(m, () => call(m, tmp));
        });
      },
    }),
  ),
  {
    name: "api: asynchronous calls made while a trainStepAsync runs queue behind it, in order",
    class: 2,
    model: "mlp-train",
    expect: "ok",
    async run({ dir }) {
      await withModel(dir, async (m) => {
        const before = m.forwardSync(x(4)) as Tensor;
        const order: string[] = [];
        const step = m.trainStepAsync(x(64), y(64), { lr: 0.5 }).then(() => order.push("step"));
        const after = m.forward(x(4)).then((t) => (order.push("forward"), t as Tensor));
        const second = m.trainStep(x(64), y(64), { lr: 0.5 }).then(() => order.push("second step"));
        const evaluated = m.evaluate(x(4), y(4)).then((r) => (order.push("evaluate"), r));
        await Promise.all([step, after, second, evaluated]);
        if (order.join() !== "step,forward,second step,evaluate") throw new Error(`settled in the order ${order.join()}`);
        // the forward ran after the first step (its parameters moved), the evaluation after the second
        const first = (await after).data;
        if (Array.from(first).every((v, i) => v === before.data[i])) throw new Error("the queued forward saw the parameters before the step");
        expectEqual((await evaluated).outputs[0].data, (m.forwardSync(x(4)) as Tensor).data, "the queued evaluate's outputs");
        if (m.steps !== 2) throw new Error(`${m.steps} steps taken, expected 2`);
      });
    },
  },
  {
    name: "api: dispose() twice does nothing the second time",
    class: 2,
    model: "mlp-train",
    expect: "ok",
    async run({ dir }) {
      const m = await disposed(dir);
      m.dispose();
      if (!m.disposed) throw new Error("disposed is false after dispose()");
    },
  },
  {
    name: "api: dispose() during trainStepAsync frees after the worker; the step rejects as disposed",
    class: 2,
    model: "mlp-train",
    expect: { error: "ModelStateError", message: /disposed while this step ran/ },
    async run({ dir }) {
      const m = await load(dir);
      const step = m.trainStepAsync(x(256), y(256));
      m.dispose();
      if (!m.disposed) throw new Error("dispose() did not mark the model disposed");
      await step;
    },
  },
  {
    name: "api: dispose() during an unawaited trainStepAsync, then garbage collection, then a new model",
    class: 2,
    model: "mlp-train",
    expect: "ok",
    async run({ dir }) {
      const m = await load(dir);
      const step = m.trainStepAsync(x(256), y(256)).catch((e: Error) => e);
      m.dispose();
      const outcome = await step;
      if (!(outcome instanceof Error) || outcome.name !== "ModelStateError") throw new Error(`the step settled with ${String(outcome)}`);
      (globalThis as { gc?: () => void }).gc?.();
      await withModel(dir, (again) => again.forwardSync(x()));
    },
  },
  {
    name: "api: many trainStepAsync/dispose races on fresh models never crash",
    class: 2,
    model: "mlp-train",
    expect: "ok",
    timeoutSeconds: 120,
    async run({ dir }) {
      for (let i = 0; i < 20; i++) {
        const m = await load(dir);
        const step = m.trainStepAsync(x(8 + i), y(8 + i)).catch((e: Error) => e);
        // dispose at different points: at once, after a tick, after the step
        if (i % 3 === 0) m.dispose();
        else if (i % 3 === 1) await new Promise((r) => setImmediate(r)).then(() => m.dispose());
        const r = await step;
        m.dispose();
        if (i % 3 === 2 && typeof r !== "number") throw new Error(`an undisturbed step failed: ${String(r)}`);
      }
    },
  },
  {
    name: "api: loadCheckpoint then dispose() before it settles rejects, having written nothing",
    class: 2,
    model: "mlp-train",
    expect: { error: "ModelStateError", message: /disposed while the file was read; nothing was loaded/ },
    async run({ dir, tmp }) {
      const file = join(tmp, "a.safetensors");
      await withModel(dir, (m) => m.saveCheckpoint(file));
      const m = await load(dir);
      const pending = m.loadCheckpoint(file);
      m.dispose();
      await pending;
    },
  },
  {
    name: "api: trainStepAsync while loadCheckpoint reads its file is a ModelStateError (busy)",
    class: 2,
    model: "mlp-train",
    expect: { error: "ModelStateError", message: /loadCheckpoint is still running/ },
    async run({ dir, tmp }) {
      const file = join(tmp, "a.safetensors");
      await withModel(dir, async (m) => {
        await m.saveCheckpoint(file);
        const pending = m.loadCheckpoint(file);
        try {
          await m.trainStepAsync(x(), y());
        } finally {
          await pending;
        }
      });
    },
  },
  {
    name: "api: forward while loadCheckpoint reads its file is a ModelStateError (busy)",
    class: 2,
    model: "mlp-adam",
    expect: { error: "ModelStateError", message: /loadCheckpoint is still running/ },
    async run({ dir, tmp }) {
      const file = join(tmp, "a.safetensors");
      await withModel(dir, async (m) => {
        await m.saveCheckpoint(file);
        const pending = m.loadCheckpoint(file);
        try {
          m.forwardSync(x());
        } finally {
          await pending;
        }
      });
    },
  },
  {
    name: "api: getParameter of optimizer state while loadCheckpoint reads its file is a ModelStateError (busy)",
    class: 2,
    model: "mlp-adam",
    expect: { error: "ModelStateError", message: /getParameter: a loadCheckpoint is still running/ },
    async run({ dir, tmp }) {
      const file = join(tmp, "a.safetensors");
      await withModel(dir, async (m) => {
        await m.saveCheckpoint(file);
        const pending = m.loadCheckpoint(file);
        try {
          m.getParameter("fc1.weight.exp_avg_sq");
        } finally {
          await pending;
        }
      });
    },
  },
  {
    name: "api: two loadCheckpoint at once: the second is refused, the first completes",
    class: 2,
    model: "mlp-train",
    expect: "ok",
    async run({ dir, tmp }) {
      const file = join(tmp, "a.safetensors");
      await withModel(dir, async (m) => {
        await m.saveCheckpoint(file);
        const first = m.loadCheckpoint(file);
        const second = await m.loadCheckpoint(file).catch((e: Error) => e);
        await first;
        if (!(second instanceof Error) || second.name !== "ModelStateError") throw new Error(`the second load gave ${String(second)}`);
        m.forwardSync(x());
      });
    },
  },
  {
    name: "api: saveCheckpoint then trainStepAsync at once: the file holds the state before the step",
    class: 2,
    model: "mlp-train",
    expect: "ok",
    async run({ dir, tmp }) {
      const file = join(tmp, "a.safetensors");
      await withModel(dir, async (m) => {
        const before = m.getParameter("fc1.weight").data as Float32Array;
        const saving = m.saveCheckpoint(file);
        await m.trainStepAsync(x(16), y(16));
        await saving;
        const after = m.getParameter("fc1.weight").data as Float32Array;
        if (after.every((v, i) => v === before[i])) throw new Error("the step changed nothing");
        await m.loadCheckpoint(file);
        expectEqual(m.getParameter("fc1.weight").data as Float32Array, before, "fc1.weight from the checkpoint");
      });
    },
  },
  {
    name: "api: saveCheckpoint then dispose() at once: the file is complete and loads",
    class: 2,
    model: "mlp-adam",
    expect: "ok",
    async run({ dir, tmp }) {
      const file = join(tmp, "a.safetensors");
      const m = await load(dir);
      const want = m.getParameter("fc2.weight").data as Float32Array;
      const saving = m.saveCheckpoint(file);
      m.dispose();
      await saving;
      await withModel(dir, async (again) => {
        await again.loadCheckpoint(file);
        expectEqual(again.getParameter("fc2.weight").data as Float32Array, want, "fc2.weight");
      });
    },
  },
  {
    name: "api: a data getter that disposes the model makes forward a ModelStateError",
    class: 2,
    model: "mlp-train",
    expect: DISPOSED,
    async run({ dir }) {
      const m = await load(dir);
      const data = new Float32Array(16);
      m.forwardSync({ get data() { m.dispose(); return data; }, shape: [2, 8] } as Tensor);
    },
  },
  {
    name: "api: a shape element getter that disposes the model makes trainStep a ModelStateError",
    class: 2,
    model: "mlp-train",
    expect: DISPOSED,
    async run({ dir }) {
      const m = await load(dir);
      const shape = [2, 8];
      Object.defineProperty(shape, 1, { get() { m.dispose(); return 8; } });
      m.trainStepSync({ data: new Float32Array(16), shape }, y());
    },
  },
  {
    name: "api: a target getter that disposes the model makes evaluate a ModelStateError",
    class: 2,
    model: "mlp-train",
    expect: DISPOSED,
    async run({ dir }) {
      const m = await load(dir);
      const labels = new Int32Array([0, 1]);
      m.evaluateSync(x(), { get data() { m.dispose(); return labels; }, shape: [2] } as Tensor);
    },
  },
  {
    name: "api: an options getter that disposes the model makes trainStep a ModelStateError",
    class: 2,
    model: "mlp-train",
    expect: DISPOSED,
    async run({ dir }) {
      const m = await load(dir);
      m.trainStepSync(x(), y(), { get lr() { m.dispose(); return 0.1; } });
    },
  },
  {
    name: "api: an options getter that starts a trainStepAsync makes trainStep a ModelStateError (busy)",
    class: 2,
    model: "mlp-train",
    expect: BUSY,
    async run({ dir }) {
      await withModel(dir, async (m) => {
        let inner: Promise<number> | undefined;
        try {
          m.trainStepSync(x(), y(), { get lr() { inner = m.trainStepAsync(x(), y()); return 0.1; } });
        } finally {
          await inner;
        }
      });
    },
  },
  {
    name: "api: a setParameter value whose data getter disposes the model is a ModelStateError",
    class: 2,
    model: "mlp-train",
    expect: DISPOSED,
    async run({ dir }) {
      const m = await load(dir);
      const data = new Float32Array(16);
      m.setParameter("fc1.bias", { get data() { m.dispose(); return data; }, shape: [16] } as Tensor);
    },
  },
  {
    name: "api: a Float32Array subclass claiming 16 values but holding 2 is a RangeError",
    class: 2,
    model: "mlp-train",
    expect: { error: "RangeError", message: /holds 16 values, but data has 2/ },
    async run({ dir }) {
      await withModel(dir, (m) => m.forwardSync({ data: lyingArray(2, 16), shape: [2, 8] }));
    },
  },
  {
    name: "api: a lying subclass given to setParameter is measured by its real size (RangeError)",
    class: 2,
    model: "mlp-train",
    expect: { error: "RangeError", message: /holds 128 values, but data has 1/ },
    async run({ dir }) {
      await withModel(dir, (m) => m.setParameter("fc1.weight", { data: lyingArray(1, 128), shape: [16, 8] }));
    },
  },
  {
    name: "api: a lying Int32Array target subclass is measured by its real size (RangeError)",
    class: 2,
    model: "mlp-train",
    expect: { error: "RangeError", message: /holds 4 values, data has 1/ },
    async run({ dir }) {
      class Lying extends Int32Array {
        override get length() {
          return 4;
        }
      }
      await withModel(dir, (m) => m.trainStepSync(x(4), { data: new Lying(1), shape: [4] }));
    },
  },
  {
    name: "api: a subclass whose buffer/byteOffset getters point elsewhere computes on its own memory",
    class: 2,
    model: "mlp-train",
    expect: "ok",
    async run({ dir }) {
      const decoy = new ArrayBuffer(1 << 20);
      class Pointing extends Float32Array {
        override get buffer() {
          return decoy;
        }
        override get byteOffset() {
          return 4096;
        }
      }
      await withModel(dir, (m) => {
        const honest = m.forwardSync(x(2, 0.25)) as Tensor;
        const odd = m.forwardSync({ data: new Pointing(16).fill(0.25), shape: [2, 8] }) as Tensor;
        expectEqual(odd.data, honest.data, "output");
      });
    },
  },
  {
    name: "api: a Proxy around a Float32Array is refused with a TypeError",
    class: 2,
    model: "mlp-train",
    expect: { error: "TypeError", message: /typed array/ },
    async run({ dir }) {
      await withModel(dir, (m) => m.forwardSync({ data: new Proxy(new Float32Array(16), {}), shape: [2, 8] } as unknown as Tensor));
    },
  },
  {
    name: "api: an array-like with a forged Symbol.toStringTag is refused with a TypeError",
    class: 2,
    model: "mlp-train",
    expect: { error: "TypeError", message: /typed array/ },
    async run({ dir }) {
      const fake = { length: 16, byteLength: 64, [Symbol.toStringTag]: "Float32Array" };
      Object.setPrototypeOf(fake, Float32Array.prototype);
      await withModel(dir, (m) => m.forwardSync({ data: fake, shape: [2, 8] } as unknown as Tensor));
    },
  },
  {
    name: "api: a detached buffer (transferred away) is refused with a TypeError",
    class: 2,
    model: "mlp-train",
    expect: { error: "TypeError", message: /detached/ },
    async run({ dir }) {
      const data = new Float32Array(16);
      structuredClone(data.buffer, { transfer: [data.buffer] });
      await withModel(dir, (m) => m.forwardSync({ data, shape: [2, 8] }));
    },
  },
  {
    name: "api: a view whose resizable buffer shrank below it is refused with a TypeError",
    class: 2,
    model: "mlp-train",
    expect: { error: "TypeError", message: /resizable ArrayBuffer was shrunk/ },
    async run({ dir }) {
      const buffer = new (ArrayBuffer as unknown as new (n: number, o: object) => ArrayBuffer & { resize(n: number): void })(64, { maxByteLength: 128 });
      const data = new Float32Array(buffer, 0, 16);
      buffer.resize(8);
      await withModel(dir, (m) => m.forwardSync({ data, shape: [2, 8] }));
    },
  },
  {
    name: "api: a length-tracking view of a resizable buffer of the right size works",
    class: 2,
    model: "mlp-train",
    expect: "ok",
    async run({ dir }) {
      const buffer = new (ArrayBuffer as unknown as new (n: number, o: object) => ArrayBuffer & { resize(n: number): void })(32, { maxByteLength: 256 });
      buffer.resize(64);
      const data = new Float32Array(buffer).fill(0.5);
      await withModel(dir, (m) => expectEqual((m.forwardSync({ data, shape: [2, 8] }) as Tensor).data, (m.forwardSync(x()) as Tensor).data, "output"));
    },
  },
  {
    name: "api: a Float32Array over a SharedArrayBuffer works",
    class: 2,
    model: "mlp-train",
    expect: "ok",
    async run({ dir }) {
      const data = new Float32Array(new SharedArrayBuffer(64)).fill(0.5);
      await withModel(dir, (m) => expectEqual((m.forwardSync({ data, shape: [2, 8] }) as Tensor).data, (m.forwardSync(x()) as Tensor).data, "output"));
    },
  },
  {
    name: "api: a subarray at an offset is read from its offset",
    class: 2,
    model: "mlp-train",
    expect: "ok",
    async run({ dir }) {
      const big = new Float32Array(100).fill(9);
      big.fill(0.5, 40, 56);
      await withModel(dir, (m) =>
        expectEqual((m.forwardSync({ data: big.subarray(40, 56), shape: [2, 8] }) as Tensor).data, (m.forwardSync(x()) as Tensor).data, "output"),
      );
    },
  },
  {
    name: "api: a DataView as tensor data is a TypeError",
    class: 2,
    model: "mlp-train",
    expect: { error: "TypeError", message: /typed array/ },
    async run({ dir }) {
      await withModel(dir, (m) => m.forwardSync({ data: new DataView(new ArrayBuffer(64)), shape: [2, 8] } as unknown as Tensor));
    },
  },
  {
    name: "api: a shape Proxy claiming 2^32 dimensions is a RangeError, copied no further",
    class: 2,
    model: "mlp-train",
    expect: { error: "RangeError", message: /at most 64 dimensions/ },
    async run({ dir }) {
      const shape = new Proxy([2, 8], { get: (t, k) => (k === "length" ? 2 ** 32 : Reflect.get(t, k)) });
      await withModel(dir, (m) => m.forwardSync({ data: new Float32Array(16), shape }));
    },
  },
  {
    name: "api: a shape whose batch getter changes between reads is read once",
    class: 2,
    model: "mlp-train",
    expect: "ok",
    async run({ dir }) {
      let reads = 0;
      const shape = [0, 8];
      Object.defineProperty(shape, 0, { get: () => (reads++ === 0 ? 2 : 1_000_000) });
      await withModel(dir, (m) => {
        const out = m.forwardSync({ data: new Float32Array(16), shape }) as Tensor;
        if (out.shape.join() !== "2,3" || reads !== 1) throw new Error(`output shape ${out.shape} after ${reads} reads`);
      });
    },
  },
  {
    name: "api: an inputs list claiming a huge length is a RangeError",
    class: 2,
    model: "mlp-train",
    expect: { error: "RangeError", message: /at most 1024 inputs/ },
    async run({ dir }) {
      const list = new Proxy([x()], { get: (t, k) => (k === "length" ? 2 ** 31 : Reflect.get(t, k)) });
      await withModel(dir, (m) => m.trainStepSync(list, y()));
    },
  },
  {
    name: "api: a BigInt64Array for a float32 parameter is a TypeError",
    class: 2,
    model: "mlp-train",
    expect: { error: "TypeError", message: /float32/ },
    async run({ dir }) {
      await withModel(dir, (m) => m.setParameter("fc1.bias", { data: new BigInt64Array(16), shape: [16] } as never));
    },
  },
  {
    name: "api: useGraphs with a non-boolean is a TypeError",
    class: 2,
    model: "mlp-train",
    expect: { error: "TypeError", message: /true or false/ },
    async run({ dir }) {
      await withModel(dir, (m) => m.useGraphs("yes" as never));
    },
  },
  {
    name: "api: an options getter that throws leaves the model usable",
    class: 2,
    model: "mlp-adam",
    expect: "ok",
    async run({ dir }) {
      await withModel(dir, async (m) => {
        const e = await m.trainStepAsync(x(), y(), { get lr(): number { throw new Error("boom"); } }).catch((err: Error) => err);
        if (!(e instanceof Error) || e.message !== "boom") throw new Error(`expected the getter's error, got ${String(e)}`);
        if (!Number.isFinite(await m.trainStepAsync(x(), y()))) throw new Error("the next step failed");
      });
    },
  },
  {
    name: "api: a model whose only reference is a running trainStepAsync finishes its step",
    class: 2,
    model: "mlp-train",
    expect: "ok",
    async run({ dir }) {
      const step = (await load(dir)).trainStepAsync(x(128), y(128));
      (globalThis as { gc?: () => void }).gc?.();
      const loss = await step;
      if (!Number.isFinite(loss)) throw new Error(`loss ${loss}`);
    },
  },
];
