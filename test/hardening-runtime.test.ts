// Issue 10, the runtime's half of classes 2 and 6, and checkpoint integrity:
//   class 2: every native entry is guarded by the model's state at the moment of the native call
//            (disposed, or an asynchronous operation in flight), and typed arrays are measured by
//            their internal slots, not by getters a subclass can override;
//   class 6: an error is cleared where it is reported (a small call works after an out-of-memory
//            one), and temporaries of killed saves are removed by the next process's save;
//   checksum: tsdp's checkpoints record a SHA-256 of their data, verified on load.
// The adversarial corpus (test/adversarial/runtime/api.cases.ts, checkpoints.cases.ts) has many
// more cases of each, each in a child process.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, readFileSync, readdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { compile } from "../compiler/pipeline.ts";
import {
  ModelStateError,
  NativeError,
  SAFETENSORS_CHECKSUM_KEY,
  SafetensorsError,
  decodeSafetensors,
  encodeSafetensors,
  load,
  removeStaleTemporaries,
  tensor,
  writeSafetensorsFile,
  type CompiledModel,
  type Tensor,
} from "../runtime/index.ts";
import { scratchDir } from "./helpers.ts";

let mlpDir: string;
let wideDir: string;

beforeAll(async () => {
  const [mlp, wide] = await Promise.all([
    compile("test/fixtures/hardening-mlp/model.ts", { target: "cpu", outDir: join("build", "test-hardening", "mlp") }),
    compile("test/fixtures/hardening-wide/model.ts", { target: "cpu", outDir: join("build", "test-hardening", "wide") }),
  ]);
  mlpDir = mlp.build.outDir;
  wideDir = wide.build.outDir;
}, 600_000);

const tmp = () => scratchDir("tsdp-hardening-");
const x = (batch = 2, fill = 0.5) => tensor(new Float32Array(batch * 8).fill(fill), [batch, 8]);
const y = (batch = 2) => tensor(Int32Array.from({ length: batch }, (_, i) => i % 3), [batch]);
const values = (t: Tensor | Tensor[] | { data: ArrayLike<number | bigint> }) => Array.from((Array.isArray(t) ? t[0] : t).data as ArrayLike<number>);

/** What `f` threw (or rejected with); fails the test when it returned. */
async function thrown(f: () => unknown): Promise<Error> {
  try {
    await f();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected an error");
}

async function withModel<T>(dir: string, f: (m: CompiledModel) => Promise<T> | T): Promise<T> {
  const m = await load(dir);
  try {
    return await f(m);
  } finally {
    m.dispose();
  }
}

/** Every method that reaches native code (or is refused like them), each with valid arguments. */
const calls: [string, (m: CompiledModel, file: string) => unknown][] = [
  ["forward", (m) => m.forwardSync(x())],
  ["forwardAll", (m) => m.forwardAllSync(x())],
  ["trainStep", (m) => m.trainStepSync(x(), y())],
  ["trainStepAsync", (m) => m.trainStepAsync(x(), y())],
  ["evaluate", (m) => m.evaluateSync(x(), y())],
  ["getParameter", (m) => m.getParameter("fc1.weight")],
  ["setParameter", (m) => m.setParameter("fc2.bias", tensor(new Float32Array(3), [3]))],
  ["parameters", (m) => m.parameters()],
  ["buffers", (m) => m.buffers()],
  ["describe", (m) => m.describe()],
  ["stats", (m) => m.stats()],
  ["useGraphs", (m) => m.useGraphs(false)],
  ["hardwareCounters", (m) => m.hardwareCounters()],
  ["resetHardwareCounters", (m) => m.resetHardwareCounters()],
  ["train", (m) => m.train()],
  ["eval", (m) => m.eval()],
  ["steps", (m) => m.steps],
  ["saveCheckpoint", (m, file) => m.saveCheckpoint(file)],
  ["loadCheckpoint", (m, file) => m.loadCheckpoint(file)],
];

describe("class 2: native entries are guarded by the model's state at the call", () => {
  it("every method of a disposed model throws a ModelStateError (disposed)", async () => {
    const m = await load(mlpDir);
    const file = join(tmp(), "c.safetensors");
    await m.saveCheckpoint(file);
    m.dispose();
    expect(m.disposed).toBe(true);
    for (const [method, call] of calls) {
      const e = await thrown(() => call(m, file));
      expect(e, method).toBeInstanceOf(ModelStateError);
      expect((e as ModelStateError).state, method).toBe("disposed");
      expect(e.message, method).toContain(`.${method}: the model has been disposed`);
    }
    expect(() => m.dispose()).not.toThrow();
  });

  it("every method is refused (busy) while a trainStepAsync runs, and works once it settled", async () => {
    await withModel(mlpDir, async (m) => {
      const file = join(tmp(), "c.safetensors");
      await m.saveCheckpoint(file);
      for (const [method, call] of calls) {
        if (method === "parameters" || method === "buffers") continue; // no native call: allowed to answer
        if (method === "trainStepAsync") continue; // asynchronous calls queue instead (async-api.test.ts)
        const step = m.trainStepAsync(x(32), y(32));
        const e = await thrown(() => call(m, file));
        expect(e, method).toBeInstanceOf(ModelStateError);
        expect((e as ModelStateError).state, method).toBe("busy");
        expect(Number.isFinite(await step), method).toBe(true);
        await call(m, file); // the same call succeeds now
      }
    });
  });

  it("dispose() during trainStepAsync marks the model at once, frees it after the worker, and the step rejects", async () => {
    for (let i = 0; i < 12; i++) {
      const m = await load(mlpDir);
      const step = m.trainStepAsync(x(64 + i), y(64 + i));
      m.dispose();
      expect(m.disposed).toBe(true);
      expect(() => m.forwardSync(x())).toThrow(ModelStateError);
      const e = await thrown(() => step);
      expect(e).toBeInstanceOf(ModelStateError);
      expect(e.message).toMatch(/disposed while this step ran; the step's result is discarded/);
      m.dispose(); // again: nothing to do
    }
    // the process and the library are fine afterwards
    await withModel(mlpDir, (m) => expect(values(m.forwardSync(x())).every(Number.isFinite)).toBe(true));
  });

  it("loadCheckpoint holds the model busy while it reads; dispose() meanwhile writes nothing", async () => {
    const file = join(tmp(), "c.safetensors");
    await withModel(mlpDir, async (m) => {
      m.trainStepSync(x(), y());
      await m.saveCheckpoint(file);
    });
    await withModel(mlpDir, async (m) => {
      const before = values(m.getParameter("fc1.weight"));
      const loading = m.loadCheckpoint(file);
      const e = await thrown(() => m.trainStepAsync(x(), y()));
      expect(e).toBeInstanceOf(ModelStateError);
      expect(e.message).toMatch(/a loadCheckpoint is still running/);
      expect(() => m.setParameter("fc2.bias", tensor(new Float32Array(3), [3]))).toThrow(/loadCheckpoint is still running/);
      await loading;
      expect(values(m.getParameter("fc1.weight"))).not.toEqual(before);
      expect(m.steps).toBe(1);
    });
    const m = await load(mlpDir);
    const loading = m.loadCheckpoint(file);
    m.dispose();
    const e = await thrown(() => loading);
    expect(e).toBeInstanceOf(ModelStateError);
    expect(e.message).toMatch(/disposed while the file was read; nothing was loaded/);
  });

  it("user code run in the middle of a call (getters) cannot make it use a freed or busy model", async () => {
    const attempts: [string, (m: CompiledModel) => unknown][] = [
      ["forward, data getter", (m) => m.forwardSync({ get data() { m.dispose(); return new Float32Array(16); }, shape: [2, 8] } as Tensor)],
      ["trainStep, options getter", (m) => m.trainStepSync(x(), y(), { get momentum() { m.dispose(); return 0; } })],
      ["evaluate, target shape getter", (m) => m.evaluateSync(x(), { data: new Int32Array(2), get shape() { m.dispose(); return [2]; } } as Tensor)],
      ["setParameter, shape element", (m) => {
        const shape = [3];
        Object.defineProperty(shape, 0, { get() { m.dispose(); return 3; } });
        return m.setParameter("fc2.bias", { data: new Float32Array(3), shape });
      }],
      ["trainStepAsync, input list element", (m) => {
        const list = [x()];
        Object.defineProperty(list, 0, { get() { m.dispose(); return x(); } });
        return m.trainStepAsync(list, y());
      }],
    ];
    for (const [what, attempt] of attempts) {
      const m = await load(mlpDir);
      const e = await thrown(() => attempt(m));
      expect(e, what).toBeInstanceOf(ModelStateError);
      expect((e as ModelStateError).state, what).toBe("disposed");
    }
    // a getter that starts an asynchronous step: the outer call is refused as busy
    await withModel(mlpDir, async (m) => {
      let inner: Promise<number> | undefined;
      const e = await thrown(() => m.forwardSync({ get data() { inner = m.trainStepAsync(x(), y()); return new Float32Array(16); }, shape: [2, 8] } as Tensor));
      expect((e as ModelStateError).state).toBe("busy");
      expect(Number.isFinite(await inner!)).toBe(true);
    });
  });

  it("typed arrays are measured by their internal slots: lying subclasses, Proxies, detached buffers", async () => {
    class Claims16 extends Float32Array {
      override get length() {
        return 16;
      }
      override get byteLength() {
        return 64;
      }
    }
    class PointsElsewhere extends Float32Array {
      override get buffer() {
        return new ArrayBuffer(1 << 16);
      }
      override get byteOffset() {
        return 1024;
      }
    }
    await withModel(mlpDir, (m) => {
      expect(() => m.forwardSync({ data: new Claims16(2), shape: [2, 8] })).toThrow(/holds 16 values, but data has 2/);
      expect(() => m.setParameter("fc1.bias", { data: new Claims16(1), shape: [16] })).toThrow(/holds 16 values, but data has 1/);
      expect(() => m.trainStepSync(x(4), { data: Object.assign(new (class extends Int32Array { override get length() { return 4; } })(1)), shape: [4] })).toThrow(
        /holds 4 values, data has 1/,
      );
      expect(() => m.forwardSync({ data: new Proxy(new Float32Array(16), {}), shape: [2, 8] } as unknown as Tensor)).toThrow(TypeError);
      const gone = new Float32Array(16);
      structuredClone(gone.buffer, { transfer: [gone.buffer] });
      expect(() => m.forwardSync({ data: gone, shape: [2, 8] })).toThrow(/detached/);
      // a subclass whose getters point at other memory computes on its own memory
      const honest = values(m.forwardSync(x(2, 0.75)));
      expect(values(m.forwardSync({ data: new PointsElsewhere(16).fill(0.75), shape: [2, 8] }))).toEqual(honest);
      // what setParameter stores is the array's own memory, not what its getters describe
      const bias = new PointsElsewhere(16).fill(0.125);
      m.setParameter("fc1.bias", { data: bias, shape: [16] });
      expect(values(m.getParameter("fc1.bias"))).toEqual(new Array(16).fill(0.125));
    });
    // tensor() measures the same way
    expect(() => tensor(new Claims16(2), [2, 8])).toThrow(/holds 16 values, data has 2/);
    expect(() => tensor(new Proxy(new Float32Array(4), {}) as Float32Array, [4])).toThrow(TypeError);
  });

  it("an asynchronous call's copy is made by the engine: a patched slice() cannot hand native code a shorter array", async () => {
    await withModel(mlpDir, async (m) => {
      const want = values(m.forwardSync(x(64, 0.25)));
      const slice = Object.getOwnPropertyDescriptor(Float32Array.prototype, "slice");
      Object.defineProperty(Float32Array.prototype, "slice", { value: () => new Float32Array(1), configurable: true, writable: true });
      try {
        expect(values(await m.forward(x(64, 0.25)))).toEqual(want);
        const labels = tensor(new Int32Array(64), [64]);
        const { loss } = await m.evaluate(x(64, 0.25), labels);
        expect(loss).toBeCloseTo(m.evaluateSync(x(64, 0.25), labels).loss, 6);
      } finally {
        if (slice) Object.defineProperty(Float32Array.prototype, "slice", slice);
        else delete (Float32Array.prototype as { slice?: unknown }).slice;
      }
    });
  });

  it("evaluate's accuracy counts its own copy of the labels: the caller may refill them at once", async () => {
    await withModel(mlpDir, async (m) => {
      const input = x(8, 0.3);
      const logits = values(m.forwardSync(input));
      const predicted = Int32Array.from({ length: 8 }, (_, i) => [0, 1, 2].reduce((b, c) => (logits[i * 3 + c] > logits[i * 3 + b] ? c : b), 0));
      const labels = tensor(Int32Array.from(predicted), [8]);
      const pending = m.evaluate(input, labels);
      (labels.data as Int32Array).set(predicted.map((p) => (p + 1) % 3));
      expect((await pending).accuracy).toBe(1);
    });
  });

  it("load refuses a misspelled TSDP_CUDA_GRAPHS, TSDP_ALLREDUCE or TSDP_SHIM_DEVICE_MEMORY_MB instead of ignoring it", async () => {
    const cases: [string, string, RegExp][] = [
      ["TSDP_CUDA_GRAPHS", "off", /TSDP_CUDA_GRAPHS must be 0 \(issue the step call by call\) or 1/],
      ["TSDP_ALLREDUCE", "bogus", /TSDP_ALLREDUCE must be nccl, standin or auto \(the default\), got "bogus"/],
      ["TSDP_SHIM_DEVICE_MEMORY_MB", "abc", /TSDP_SHIM_DEVICE_MEMORY_MB must be a whole number of megabytes above 0/],
      ["TSDP_SHIM_DEVICE_MEMORY_MB", "0", /TSDP_SHIM_DEVICE_MEMORY_MB must be/],
    ];
    for (const [name, value, message] of cases) {
      const before = process.env[name];
      process.env[name] = value;
      try {
        await expect(load(mlpDir)).rejects.toThrow(message);
      } finally {
        if (before === undefined) delete process.env[name];
        else process.env[name] = before;
      }
    }
    await withModel(mlpDir, (m) => expect(m.forwardAllSync(x(2))[0].shape).toEqual([2, 3]));
  });

  it("trainStep's options: detectNonFinite and nesterov are booleans, Nesterov needs momentum and no dampening, numbers fit float32", async () => {
    await withModel(mlpDir, (m) => {
      const y = tensor(new Int32Array(4), [4]);
      const before = values(m.getParameter("fc1.weight"));
      expect(() => m.trainStepSync(x(4), y, { detectNonFinite: "yes" as unknown as boolean })).toThrow(/detectNonFinite must be true or false, got/);
      expect(() => m.trainStepSync(x(4), y, { nesterov: "no" as unknown as boolean })).toThrow(/nesterov must be true or false/);
      expect(() => m.trainStepSync(x(4), y, { nesterov: true, momentum: 0 })).toThrow(/Nesterov momentum requires a momentum and zero dampening .*momentum 0 and dampening 0/);
      expect(() => m.trainStepSync(x(4), y, { nesterov: true, dampening: 0.5 })).toThrow(/requires a momentum and zero dampening/);
      expect(() => m.trainStepSync(x(4), y, { lr: 1e39 })).toThrow(/lr is 1e\+39, past float32's largest value/);
      // SGD reads no betas: refused as another optimizer's option, before its range (training.test.ts checks that on Adam)
      expect(() => m.trainStepSync(x(4), y, { betas: [0.9, 1.5] as [number, number] })).toThrow(/'betas' is not an option of SGD/);
      // nothing moved
      expect(values(m.getParameter("fc1.weight"))).toEqual(before);
      expect(Number.isFinite(m.trainStepSync(x(4), y, { nesterov: true }))).toBe(true);
    });
  });
});

describe("class 6: state after errors and leftovers", () => {
  // ≈ 8 GB of activations: more than the CPU target's 4 GiB device in the tests (vitest.config.ts),
  // within the 32,767 samples the wide model's kernels can index
  const OOM = 30_000;
  const wx = (b: number) => tensor(new Float32Array(b).fill(0.5), [b, 1]);
  const wy = (b: number) => tensor(new Int32Array(b), [b]);

  it("a forward works after an out-of-memory forward, with the same result as before it", async () => {
    await withModel(wideDir, (m) => {
      const before = values(m.forwardSync(wx(3)));
      for (let i = 0; i < 3; i++) {
        const e = (() => {
          try {
            m.forwardSync(wx(OOM + i));
          } catch (err) {
            return err as Error;
          }
          throw new Error("the huge forward succeeded");
        })();
        expect(e).toBeInstanceOf(NativeError);
        expect(e.message).toMatch(/out of memory in cudaMalloc/);
        expect(values(m.forwardSync(wx(3)))).toEqual(before);
      }
    });
  });

  it("training goes on after an out-of-memory step (sync and on the worker thread), which updated nothing", async () => {
    await withModel(wideDir, async (m) => {
      const before = values(m.getParameter("down.bias"));
      expect(() => m.trainStepSync(wx(OOM), wy(OOM))).toThrow(/out of memory/);
      expect(m.steps).toBe(0);
      expect(values(m.getParameter("down.bias"))).toEqual(before);
      expect(Number.isFinite(m.trainStepSync(wx(2), wy(2)))).toBe(true);
      await expect(m.trainStepAsync(wx(OOM), wy(OOM))).rejects.toThrow(/out of memory/);
      expect(m.steps).toBe(1);
      expect(Number.isFinite(await m.trainStepAsync(wx(2), wy(2)))).toBe(true);
      expect(values(m.evaluateSync(wx(2), wy(2)).outputs).every(Number.isFinite)).toBe(true);
      expect(m.steps).toBe(2);
    });
  });

  it("asynchronous forward, evaluate and trainStep reject with the NativeError the blocking forms throw", async () => {
    await withModel(wideDir, async (m) => {
      const calls: [string, () => unknown, () => Promise<unknown>][] = [
        ["forward", () => m.forwardSync(wx(OOM)), () => m.forward(wx(OOM))],
        ["evaluate", () => m.evaluateSync(wx(OOM), wy(OOM)), () => m.evaluate(wx(OOM), wy(OOM))],
        ["trainStep", () => m.trainStepSync(wx(OOM), wy(OOM)), () => m.trainStep(wx(OOM), wy(OOM))],
      ];
      for (const [method, sync, queued] of calls) {
        const blocking = await thrown(sync);
        const rejected = await thrown(queued);
        expect(blocking, method).toBeInstanceOf(NativeError);
        expect(rejected, method).toBeInstanceOf(NativeError);
        expect(rejected.message, method).toBe(blocking.message);
        expect((rejected as NativeError).code, method).toBe((blocking as NativeError).code);
      }
      expect(values(await m.forward(wx(2))).every(Number.isFinite)).toBe(true);
    });
  });

  it("an out-of-memory error of one model does not surface in the next call of another", async () => {
    const wide = await load(wideDir);
    expect(() => wide.forwardSync(wx(OOM))).toThrow(NativeError);
    wide.dispose();
    await withModel(mlpDir, (m) => expect(values(m.forwardSync(x())).every(Number.isFinite)).toBe(true));
  });

  it("a process can load, train and dispose many distinct model libraries: nothing piles up per library", async () => {
    // Each copy of a compiled directory is a distinct library with its own CPU shim. Its threads
    // kept their fiber stacks (hundreds of memory mappings each) after the last model was
    // disposed, and about 30 libraries exhausted vm.max_map_count (EAGAIN in tsdp_train_step).
    const mapsNow = () => readFileSync("/proc/self/maps", "utf8").split("\n").length;
    const base = tmp();
    const before = mapsNow();
    const copies = 60;
    for (let i = 0; i < copies; i++) {
      const dir = join(base, `copy${i}`);
      cpSync(mlpDir, dir, { recursive: true });
      await withModel(dir, (m) => {
        expect(Number.isFinite(m.trainStepSync(x(4), y(4)))).toBe(true);
        expect(values(m.forwardSync(x())).every(Number.isFinite)).toBe(true);
      });
    }
    // a library's code and data stay mapped (a few mappings each); its fiber stacks do not
    expect((mapsNow() - before) / copies).toBeLessThan(40);
  }, 300_000);

  it("removeStaleTemporaries removes only old temporaries of processes that are gone", async () => {
    const dir = tmp();
    const dead = await new Promise<number>((done) => {
      const c = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
      c.on("exit", () => done(c.pid!));
    });
    const make = (name: string, ageSeconds: number) => {
      writeFileSync(join(dir, name), "partial");
      const t = Date.now() / 1000 - ageSeconds;
      utimesSync(join(dir, name), t, t);
      return name;
    };
    const stale = make(`.a.safetensors.tsdp-${dead}-00112233aabb.tmp`, 3600);
    const staleOld = make(`.b.safetensors.${dead}.00112233aabb.tmp`, 3600);
    const reusedOwnPid = make(`.c.safetensors.tsdp-${process.pid}-00112233aabb.tmp`, 10 * 24 * 3600 + process.uptime());
    const fresh = make(`.d.safetensors.tsdp-${dead}-00112233aabb.tmp`, -10);
    const live = make(`.e.safetensors.tsdp-${process.ppid}-00112233aabb.tmp`, 3600);
    const other = make(`.f.safetensors.tsdp-${dead}-nothex000000.tmp`, 3600);
    const removed = await removeStaleTemporaries(dir);
    expect(removed.sort()).toEqual([stale, staleOld, reusedOwnPid].sort());
    expect(readdirSync(dir).sort()).toEqual([fresh, live, other].sort());
  });

  it("a saveCheckpoint SIGKILLed mid-write leaves a temporary that the next process's save removes", async () => {
    const dir = tmp();
    const target = join(dir, "wide.safetensors");
    const runtime = join(process.cwd(), "runtime", "index.ts");
    const temps = () => readdirSync(dir).filter((f) => f.endsWith(".tmp"));
    const script = (file: string, body: string) => {
      writeFileSync(file, `import { load } from ${JSON.stringify(runtime)};\nconst m = await load(${JSON.stringify(wideDir)});\n${body}\n`);
      return spawn(process.execPath, ["--import", "tsx", file], { stdio: "ignore" });
    };
    let caught = 0;
    for (let attempt = 0; attempt < 10 && caught === 0; attempt++) {
      // ≈ 32 MB per checkpoint, saved over and over until killed
      const saver = script(join(dir, "saver.mts"), `for (;;) await m.saveCheckpoint(${JSON.stringify(target)});`);
      const exited = new Promise((r) => saver.on("exit", (_code, signal) => r(signal)));
      const deadline = Date.now() + 60_000;
      while (temps().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      saver.kill("SIGKILL");
      expect(await exited).toBe("SIGKILL");
      caught = temps().length;
    }
    expect(caught).toBeGreaterThan(0);
    // this process started before the leftover was written: its saves leave it alone
    await withModel(wideDir, (m) => m.saveCheckpoint(join(dir, "mine.safetensors")));
    expect(temps().length).toBe(caught);
    const next = script(join(dir, "next.mts"), `await m.saveCheckpoint(${JSON.stringify(join(dir, "next.safetensors"))});\nm.dispose();`);
    expect(await new Promise((r) => next.on("exit", r))).toBe(0);
    expect(temps()).toEqual([]);
    // the checkpoint the killed process last completed is whole
    if (existsSync(target)) await withModel(wideDir, (m) => m.loadCheckpoint(target));
  }, 300_000);
});

describe("checkpoint integrity: a SHA-256 of the data, written and verified", () => {
  /** A checkpoint after one step, its bytes, and where its data starts. */
  async function checkpoint() {
    const file = join(tmp(), "ckpt.safetensors");
    await withModel(mlpDir, async (m) => {
      m.trainStepSync(x(4), y(4));
      await m.saveCheckpoint(file);
    });
    const bytes = readFileSync(file);
    return { file, bytes, start: 8 + Number(bytes.readBigUInt64LE(0)) };
  }

  it("saveCheckpoint records the SHA-256 of the bytes after the header", async () => {
    const { file, bytes, start } = await checkpoint();
    const { metadata } = decodeSafetensors(bytes, file);
    expect(metadata[SAFETENSORS_CHECKSUM_KEY]).toBe(createHash("sha256").update(bytes.subarray(start)).digest("hex"));
    expect(metadata.format).toBe("tsdp");
  });

  it("a flipped byte anywhere in the data is a SafetensorsError naming the file, and the model is unchanged", async () => {
    const { bytes, start } = await checkpoint();
    await withModel(mlpDir, async (m) => {
      const before = m.parameters().map((p) => values(m.getParameter(p.name)));
      for (const at of [start, start + 1, Math.floor((start + bytes.length) / 2), bytes.length - 1]) {
        const bad = Buffer.from(bytes);
        bad[at] ^= 0x10;
        const path = join(tmp(), `flipped-${at}.safetensors`);
        writeFileSync(path, bad);
        const e = await thrown(() => m.loadCheckpoint(path));
        expect(e).toBeInstanceOf(SafetensorsError);
        expect((e as SafetensorsError).code).toBe("ChecksumMismatch");
        expect(e.message).toContain(path);
        expect(e.message).toMatch(/SHA-256 [0-9a-f]{64}, but the file records [0-9a-f]{64}/);
        await expect(load(mlpDir, { checkpoint: path })).rejects.toThrow(/ChecksumMismatch/);
      }
      expect(m.parameters().map((p) => values(m.getParameter(p.name)))).toEqual(before);
      expect(m.steps).toBe(0);
    });
  });

  it("files without a checksum (PyTorch's) load; writeSafetensorsFile adds one only when asked", async () => {
    const { file, bytes } = await checkpoint();
    const { tensors } = decodeSafetensors(bytes, file);
    const dir = tmp();
    const plain = join(dir, "plain.safetensors");
    await writeSafetensorsFile(plain, tensors, { format: "pt" });
    expect(decodeSafetensors(readFileSync(plain)).metadata).toEqual({ format: "pt" });
    await withModel(mlpDir, async (m) => {
      await m.loadCheckpoint(plain);
      expect(m.steps).toBe(1);
    });
    const summed = join(dir, "summed.safetensors");
    await writeSafetensorsFile(summed, tensors, { format: "pt" }, { checksum: true });
    expect(Object.keys(decodeSafetensors(readFileSync(summed)).metadata)).toEqual(["format", SAFETENSORS_CHECKSUM_KEY]);
  });

  it("decodeSafetensors verifies a recorded checksum on buffers too, and refuses a malformed one", () => {
    const t = [{ name: "w", dtype: "F32" as const, shape: [2], data: new Float32Array([1, 2]) }];
    const good = createHash("sha256").update(new Uint8Array(new Float32Array([1, 2]).buffer)).digest("hex");
    expect(decodeSafetensors(encodeSafetensors(t, { [SAFETENSORS_CHECKSUM_KEY]: good })).tensors.get("w")!.data).toEqual(new Float32Array([1, 2]));
    const wrong = good.replace(/^./, (c) => (c === "0" ? "1" : "0"));
    expect(() => decodeSafetensors(encodeSafetensors(t, { [SAFETENSORS_CHECKSUM_KEY]: wrong }))).toThrow(/<buffer>.*ChecksumMismatch/);
    expect(() => decodeSafetensors(encodeSafetensors(t, { [SAFETENSORS_CHECKSUM_KEY]: good.toUpperCase() }))).toThrow(/not a SHA-256 in hex/);
    expect(() => decodeSafetensors(encodeSafetensors(t, { [SAFETENSORS_CHECKSUM_KEY]: "" }))).toThrow(/not a SHA-256 in hex/);
  });
});
