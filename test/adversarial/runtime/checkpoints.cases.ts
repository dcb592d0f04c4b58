import { spawn } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  SAFETENSORS_CHECKSUM_KEY,
  decodeSafetensors,
  encodeSafetensors,
  load,
  tensor,
  type CompiledModel,
  type Tensor,
} from "../../../runtime/index.ts";
import type { RuntimeCase } from "../runtime-case.ts";
import { withModel, x, y } from "./model-support.ts";

// Class 6 (state after errors and leftovers) and checkpoint integrity: a model works again after
// an out-of-memory error; temporary files of killed saves are removed by the next save (and those
// of live saves are not); a checkpoint whose data bytes were flipped is refused by its SHA-256,
// naming the file, while files without one (PyTorch's) still load; a refused file changes nothing.



/** A checkpoint of the fixture after one training step (so the optimizer state is not all zero). */
async function saved(dir: string, tmp: string, name = "ckpt.safetensors"): Promise<string> {
  const file = join(tmp, name);
  await withModel(dir, async (m) => {
    m.trainStepSync(x(4), y(4));
    await m.saveCheckpoint(file);
  });
  return file;
}

type Tensors = Map<string, { dtype: string; shape: number[]; data: unknown }>;

/** The fixture's checkpoint rewritten as PyTorch writes one (format "pt", no checksum), its tensors edited first. */
async function pytorchStyle(dir: string, tmp: string, name: string, edit: (tensors: Tensors) => void = () => {}): Promise<string> {
  const file = await saved(dir, tmp);
  const { tensors } = decodeSafetensors(readFileSync(file), file);
  edit(tensors as never);
  const out = join(tmp, name);
  writeFileSync(out, encodeSafetensors(tensors as never, { format: "pt" }));
  return out;
}

const dataStart = (bytes: Buffer) => 8 + Number(bytes.readBigUInt64LE(0));

/** Rewrites `file` with `edit` applied to its bytes. */
function editFile(file: string, edit: (bytes: Buffer) => void): void {
  const bytes = readFileSync(file);
  edit(bytes);
  writeFileSync(file, bytes);
}

/** Loads `file` into a fresh model, and checks that a refused load left every tensor as it was. */
async function loadKeepsStateOnError(dir: string, file: string): Promise<void> {
  await withModel(dir, async (m) => {
    const before = m.parameters().map((p) => [p.name, Array.from(m.getParameter(p.name).data as Float32Array)] as const);
    try {
      await m.loadCheckpoint(file);
    } catch (e) {
      for (const [name, values] of before) {
        const now = m.getParameter(name).data as Float32Array;
        if (now.some((v, i) => v !== values[i])) throw new Error(`a refused load changed ${name}`);
      }
      throw e;
    }
  });
}

const CHECKSUM = (file: RegExp) => ({ error: "SafetensorsError", message: new RegExp(`${file.source}.*SHA-256.*ChecksumMismatch`) }) as const;

/** Temporary files of a save in `dir`. */
const temporaries = (dir: string) => readdirSync(dir).filter((f) => f.endsWith(".tmp"));

/** A file named like a save's temporary, by process `pid`, last modified `ageSeconds` ago. */
function fakeTemporary(dir: string, pid: number, ageSeconds: number, style: "tsdp" | "old" = "tsdp"): string {
  const name = style === "tsdp" ? `.model.safetensors.tsdp-${pid}-0123456789ab.tmp` : `.model.safetensors.${pid}.0123456789ab.tmp`;
  const file = join(dir, name);
  writeFileSync(file, Buffer.alloc(4096, 7));
  const t = Date.now() / 1000 - ageSeconds;
  utimesSync(file, t, t);
  return name;
}

/** A process id that runs nothing (a child that has exited). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await new Promise((r) => child.on("exit", r));
  return child.pid!;
}

/** Runs a Node script (ES module, may import the runtime by absolute path) to its end. */
function runScript(root: string, file: string, source: string): Promise<number | null> {
  writeFileSync(file, source);
  const child = spawn(process.execPath, ["--import", "tsx", file], { cwd: root, stdio: "ignore" });
  return new Promise((r) => child.on("exit", (code) => r(code)));
}

/** The out-of-memory fixture: megabytes of activations per sample (compiled once, cached). */
async function wideModel(root: string): Promise<CompiledModel> {
  const { compile } = await import("../../../compiler/pipeline.ts");
  const built = await compile(join(root, "test", "fixtures", "hardening-wide", "model.ts"), { target: "cpu", outDir: join(root, "build", "adversarial", "oom-wide") });
  return load(built.build.outDir);
}

// ≈ 8 GB of activations: more than the CPU target's 4 GiB device in the tests (vitest.config.ts),
// within the 32,767 samples the wide model's kernels can index
const OOM_BATCH = 30_000;
const wideX = (batch: number) => tensor(new Float32Array(batch).fill(0.5), [batch, 1]);
const wideY = (batch: number) => tensor(new Int32Array(batch), [batch]);

/** Runs `huge` (which must fail with a NativeError saying out of memory), then `small`, which must work. */
async function afterOutOfMemory(root: string, huge: (m: CompiledModel) => unknown, small: (m: CompiledModel) => void): Promise<void> {
  const m = await wideModel(root);
  try {
    let error: unknown;
    try {
      await huge(m);
    } catch (e) {
      error = e;
    }
    if (!(error instanceof Error) || error.name !== "NativeError" || !/out of memory/.test(error.message))
      throw new Error(`the huge batch should fail with an out-of-memory NativeError, got ${String(error)}`);
    small(m);
  } finally {
    m.dispose();
  }
}

function finiteOutput(out: Tensor | Tensor[]): void {
  const t = Array.isArray(out) ? out[0] : out;
  if (!Array.from(t.data).every(Number.isFinite)) throw new Error("the output is not finite");
}

export const cases: RuntimeCase[] = [
  // ---- out of memory, then a good call -------------------------------------------------------
  {
    name: "checkpoints: forward works again after an out-of-memory forward",
    class: 6,
    model: "mlp-train",
    expect: "ok",
    timeoutSeconds: 180,
    async run({ root }) {
      await afterOutOfMemory(root, (m) => m.forwardSync(wideX(OOM_BATCH)), (m) => finiteOutput(m.forwardSync(wideX(2))));
    },
  },
  {
    name: "checkpoints: trainStep works again after an out-of-memory trainStep",
    class: 6,
    model: "mlp-train",
    expect: "ok",
    timeoutSeconds: 180,
    async run({ root }) {
      await afterOutOfMemory(
        root,
        (m) => m.trainStepSync(wideX(OOM_BATCH), wideY(OOM_BATCH)),
        (m) => {
          if (!Number.isFinite(m.trainStepSync(wideX(2), wideY(2)))) throw new Error("the small step's loss is not finite");
        },
      );
    },
  },
  {
    name: "checkpoints: forward works after an out-of-memory trainStepAsync (another thread)",
    class: 6,
    model: "mlp-train",
    expect: "ok",
    timeoutSeconds: 180,
    async run({ root }) {
      await afterOutOfMemory(root, (m) => m.trainStepAsync(wideX(OOM_BATCH), wideY(OOM_BATCH)), (m) => finiteOutput(m.forwardSync(wideX(3))));
    },
  },
  {
    name: "checkpoints: evaluate works again after an out-of-memory evaluate",
    class: 6,
    model: "mlp-train",
    expect: "ok",
    timeoutSeconds: 180,
    async run({ root }) {
      await afterOutOfMemory(root, (m) => m.evaluateSync(wideX(OOM_BATCH), wideY(OOM_BATCH)), (m) => finiteOutput(m.evaluateSync(wideX(2), wideY(2)).outputs));
    },
  },
  {
    name: "checkpoints: an out-of-memory forward is a NativeError saying out of memory",
    class: 6,
    model: "mlp-train",
    expect: { error: "NativeError", message: /tsdp_forward failed.*out of memory in cudaMalloc/ },
    timeoutSeconds: 180,
    async run({ root }) {
      const m = await wideModel(root);
      try {
        m.forwardSync(wideX(OOM_BATCH));
      } finally {
        m.dispose();
      }
    },
  },
  {
    name: "checkpoints: an out-of-memory error in one model does not surface in another",
    class: 6,
    model: "mlp-train",
    expect: "ok",
    timeoutSeconds: 180,
    async run({ root, dir }) {
      const wide = await wideModel(root);
      try {
        wide.forwardSync(wideX(OOM_BATCH));
      } catch {
        // expected: out of memory
      } finally {
        wide.dispose();
      }
      await withModel(dir, (m) => finiteOutput(m.forwardSync(x())));
    },
  },

  {
    name: "checkpoints: a forward works after a batch refused for its size (past what the kernels index)",
    class: 6,
    model: "mlp-train",
    expect: "ok",
    timeoutSeconds: 180,
    async run({ root }) {
      const m = await wideModel(root);
      try {
        const before = Array.from((m.forwardSync(wideX(3)) as Tensor).data);
        const limit = m.manifest.maxSamplesPerDevice!;
        let error: unknown;
        try {
          m.forwardSync(wideX(limit + 1));
        } catch (e) {
          error = e;
        }
        if (!(error instanceof RangeError) || !new RegExp(`more than the ${limit}`).test(error.message))
          throw new Error(`expected a RangeError naming the limit ${limit}, got ${String(error)}`);
        const after = Array.from((m.forwardSync(wideX(3)) as Tensor).data);
        if (after.some((v, i) => v !== before[i])) throw new Error("the small forward changed after the refused batch");
      } finally {
        m.dispose();
      }
    },
  },

  // ---- checksums -------------------------------------------------------------------------------
  {
    name: "checkpoints: save then load restores every tensor and the step count",
    class: 6,
    model: "mlp-adam",
    expect: "ok",
    async run({ dir, tmp }) {
      const file = join(tmp, "ckpt.safetensors");
      const want = await withModel(dir, async (m) => {
        m.trainStepSync(x(4), y(4));
        m.trainStepSync(x(4, 1), y(4));
        await m.saveCheckpoint(file);
        return Array.from(m.getParameter("fc1.weight.exp_avg").data as Float32Array);
      });
      const meta = decodeSafetensors(readFileSync(file), file).metadata;
      if (!/^[0-9a-f]{64}$/.test(meta[SAFETENSORS_CHECKSUM_KEY] ?? "")) throw new Error(`no checksum in the metadata: ${JSON.stringify(meta)}`);
      await withModel(dir, async (m) => {
        await m.loadCheckpoint(file);
        if (m.steps !== 2) throw new Error(`steps ${m.steps}`);
        const got = m.getParameter("fc1.weight.exp_avg").data as Float32Array;
        if (got.some((v, i) => v !== want[i])) throw new Error("exp_avg differs");
      });
    },
  },
  ...[0, 0.25, 0.5, 0.999].map(
    (where): RuntimeCase => ({
      name: `checkpoints: one flipped data bit at ${where * 100}% of the data is refused by the SHA-256, naming the file`,
      class: 6,
      model: "mlp-train",
      expect: CHECKSUM(/flipped\.safetensors/),
      async run({ dir, tmp }) {
        const file = await saved(dir, tmp, "flipped.safetensors");
        editFile(file, (b) => {
          const start = dataStart(b);
          b[start + Math.floor(where * (b.length - start))] ^= 0x01;
        });
        await loadKeepsStateOnError(dir, file);
      },
    }),
  ),
  {
    name: "checkpoints: two tensors' data swapped (same sizes, valid header) is refused by the SHA-256",
    class: 6,
    model: "mlp-train",
    expect: CHECKSUM(/swapped\.safetensors/),
    async run({ dir, tmp }) {
      const file = await saved(dir, tmp, "swapped.safetensors");
      editFile(file, (b) => {
        // fc1.weight and its momentum buffer have the same size: exchange their first values
        const { tensors } = decodeSafetensors(b, file);
        const names = [...tensors.keys()];
        const start = dataStart(b);
        let at = start;
        const offsets = new Map<string, number>();
        for (const n of names) {
          offsets.set(n, at);
          at += (tensors.get(n)!.data as Float32Array).byteLength;
        }
        const a = offsets.get("fc1.weight")!;
        const c = offsets.get("optimizer.fc1.weight.momentum_buffer")!;
        const tmpBytes = Buffer.from(b.subarray(a, a + 16));
        b.copy(b, a, c, c + 16);
        tmpBytes.copy(b, c);
      });
      await loadKeepsStateOnError(dir, file);
    },
  },
  {
    name: "checkpoints: a changed checksum in the header is refused",
    class: 6,
    model: "mlp-train",
    expect: CHECKSUM(/rehashed\.safetensors/),
    async run({ dir, tmp }) {
      const file = await saved(dir, tmp, "rehashed.safetensors");
      editFile(file, (b) => {
        const at = b.indexOf(`"${SAFETENSORS_CHECKSUM_KEY}":"`) + SAFETENSORS_CHECKSUM_KEY.length + 4;
        b[at] = b[at] === 0x30 ? 0x31 : 0x30; // another hex digit
      });
      await loadKeepsStateOnError(dir, file);
    },
  },
  {
    name: "checkpoints: a checksum that is not hex is refused as an altered header",
    class: 6,
    model: "mlp-train",
    expect: { error: "SafetensorsError", message: /nothex\.safetensors.*not a SHA-256 in hex/ },
    async run({ dir, tmp }) {
      const file = await saved(dir, tmp, "nothex.safetensors");
      editFile(file, (b) => {
        const at = b.indexOf(`"${SAFETENSORS_CHECKSUM_KEY}":"`) + SAFETENSORS_CHECKSUM_KEY.length + 4;
        b.write("ZZ", at, "latin1");
      });
      await loadKeepsStateOnError(dir, file);
    },
  },
  {
    name: "checkpoints: a file without a checksum (as PyTorch writes) still loads",
    class: 6,
    model: "mlp-train",
    expect: "ok",
    async run({ dir, tmp }) {
      const plain = await pytorchStyle(dir, tmp, "pytorch.safetensors");
      await withModel(dir, (m) => m.loadCheckpoint(plain));
    },
  },
  {
    name: "checkpoints: a PyTorch-style file of parameters only (no optimizer state, no checksum) loads",
    class: 6,
    model: "mlp-adam",
    expect: "ok",
    async run({ dir, tmp }) {
      const file = await saved(dir, tmp);
      const { tensors } = decodeSafetensors(readFileSync(file), file);
      const params = [...tensors].filter(([n]) => !n.startsWith("optimizer."));
      const plain = join(tmp, "weights.safetensors");
      writeFileSync(plain, encodeSafetensors(new Map(params)));
      await withModel(dir, async (m) => {
        await m.loadCheckpoint(plain);
        const want = params.find(([n]) => n === "fc2.bias")![1].data as Float32Array;
        const got = m.getParameter("fc2.bias").data as Float32Array;
        if (got.some((v, i) => v !== want[i])) throw new Error("fc2.bias not loaded");
      });
    },
  },
  {
    name: "checkpoints: a PyTorch-style file with fc2.bias as float64 loads it rounded to float32, as load_state_dict's copy_",
    class: 6,
    model: "mlp-train",
    expect: "ok",
    async run({ dir, tmp }) {
      const bias = Float64Array.of(0.1, -1 / 3, 1e39);
      const edited = await pytorchStyle(dir, tmp, "f64.safetensors", (t) => t.set("fc2.bias", { dtype: "F64", shape: [3], data: bias }));
      await withModel(dir, async (m) => {
        await m.loadCheckpoint(edited);
        const got = Array.from(m.getParameter("fc2.bias").data as Float32Array);
        if (got.some((v, i) => v !== Math.fround(bias[i]))) throw new Error(`fc2.bias is ${got}, not ${Array.from(bias, Math.fround)}`);
      });
    },
  },
  {
    name: "checkpoints: a foreign file whose metadata carries a correct checksum loads",
    class: 6,
    model: "mlp-train",
    expect: "ok",
    async run({ dir, tmp }) {
      const file = await saved(dir, tmp);
      const bytes = readFileSync(file);
      const { tensors, metadata } = decodeSafetensors(bytes, file);
      const other = join(tmp, "other.safetensors");
      writeFileSync(other, encodeSafetensors(tensors, { format: "pt", [SAFETENSORS_CHECKSUM_KEY]: metadata[SAFETENSORS_CHECKSUM_KEY] }));
      await withModel(dir, (m) => m.loadCheckpoint(other));
    },
  },
  ...(
    [
      ["an optimizer.step of 2^60", (t: Tensors) => t.set("optimizer.step", { dtype: "I64", shape: [], data: BigInt64Array.of(1n << 60n) }), "RangeError", /optimizer\.step is/],
      ["fc1.weight transposed", (t: Tensors) => t.set("fc1.weight", { ...t.get("fc1.weight")!, shape: [8, 16] }), "RangeError", /"fc1\.weight" has shape \[8, 16\], the model's fc1\.weight is \[16, 8\]/],
      // F64 converts, as load_state_dict's copy_ (the case above); a complex value does not
      ["fc2.bias as complex64", (t: Tensors) => t.set("fc2.bias", { dtype: "C64", shape: [3], data: new Float32Array(6) }), "TypeError", /"fc2\.bias" is C64, the model's fc2\.bias is float32: C64 does not convert to float32/],
    ] as const
  ).map(
    ([what, edit, error, message]): RuntimeCase => ({
      name: `checkpoints: a PyTorch-style file with ${what} is refused and changes nothing`,
      class: 6,
      model: "mlp-train",
      expect: { error, message },
      async run({ dir, tmp }) {
        await loadKeepsStateOnError(dir, await pytorchStyle(dir, tmp, "edited.safetensors", edit));
      },
    }),
  ),
  {
    name: "checkpoints: a truncated checkpoint is a SafetensorsError naming the file",
    class: 6,
    model: "mlp-train",
    expect: { error: "SafetensorsError", message: /short\.safetensors.*(truncated|missing)/ },
    async run({ dir, tmp }) {
      const file = await saved(dir, tmp, "short.safetensors");
      writeFileSync(file, readFileSync(file).subarray(0, -10));
      await loadKeepsStateOnError(dir, file);
    },
  },
  {
    name: "checkpoints: a missing checkpoint file is a SafetensorsError naming it",
    class: 6,
    model: "mlp-train",
    expect: { error: "SafetensorsError", message: /nowhere\.safetensors.*cannot read/ },
    async run({ dir, tmp }) {
      await withModel(dir, (m) => m.loadCheckpoint(join(tmp, "nowhere.safetensors")));
    },
  },
  {
    name: "checkpoints: an Adam checkpoint into the SGD model is refused, naming the tensor",
    class: 6,
    model: "mlp-train",
    expect: { error: "RangeError", message: /unexpected tensor "optimizer\.fc1\.weight\.exp_avg"/ },
    async run({ dir, tmp, root }) {
      const file = join(tmp, "adam.safetensors");
      await withModel(join(root, "build", "adversarial", "mlp-adam"), (m) => m.saveCheckpoint(file));
      await loadKeepsStateOnError(dir, file);
    },
  },
  {
    name: "checkpoints: a checkpoint after a refused one loads normally",
    class: 6,
    model: "mlp-train",
    expect: "ok",
    async run({ dir, tmp }) {
      const good = await saved(dir, tmp, "good.safetensors");
      const bad = join(tmp, "bad.safetensors");
      writeFileSync(bad, readFileSync(good));
      editFile(bad, (b) => (b[b.length - 1] ^= 0x80));
      await withModel(dir, async (m) => {
        const refused = await m.loadCheckpoint(bad).catch((e: Error) => e);
        if (!(refused instanceof Error) || refused.name !== "SafetensorsError") throw new Error(`the bad file gave ${String(refused)}`);
        await m.loadCheckpoint(good);
        if (m.steps !== 1) throw new Error(`steps ${m.steps}`);
      });
    },
  },
  {
    name: "checkpoints: saving into a missing directory is a SafetensorsError naming the path",
    class: 6,
    model: "mlp-train",
    expect: { error: "SafetensorsError", message: /no-such-dir.*cannot write/ },
    async run({ dir, tmp }) {
      await withModel(dir, (m) => m.saveCheckpoint(join(tmp, "no-such-dir", "c.safetensors")));
    },
  },
  {
    name: "checkpoints: saving over a directory is a SafetensorsError and leaves no temporary",
    class: 6,
    model: "mlp-train",
    expect: { error: "SafetensorsError", message: /is-a-dir/ },
    async run({ dir, tmp }) {
      mkdirSync(join(tmp, "is-a-dir"));
      try {
        await withModel(dir, (m) => m.saveCheckpoint(join(tmp, "is-a-dir")));
      } finally {
        if (temporaries(tmp).length) throw new Error(`temporaries left: ${temporaries(tmp)}`);
      }
    },
  },
  {
    name: "checkpoints: two concurrent saves to one path both complete; the file is whole, no temporaries",
    class: 6,
    model: "mlp-train",
    expect: "ok",
    async run({ dir, tmp }) {
      const file = join(tmp, "c.safetensors");
      await withModel(dir, async (m) => {
        await Promise.all([m.saveCheckpoint(file), m.saveCheckpoint(file), m.saveCheckpoint(file)]);
        await m.loadCheckpoint(file);
      });
      if (temporaries(tmp).length) throw new Error(`temporaries left: ${temporaries(tmp)}`);
    },
  },

  // ---- temporaries of killed saves -------------------------------------------------------------
  {
    name: "checkpoints: a stale temporary of a dead process is removed by the next save",
    class: 6,
    model: "mlp-train",
    expect: "ok",
    async run({ dir, tmp }) {
      const name = fakeTemporary(tmp, await deadPid(), 3600);
      await saved(dir, tmp);
      if (existsSync(join(tmp, name))) throw new Error(`${name} was kept`);
    },
  },
  {
    name: "checkpoints: a stale temporary in the old naming is removed too",
    class: 6,
    model: "mlp-train",
    expect: "ok",
    async run({ dir, tmp }) {
      const name = fakeTemporary(tmp, await deadPid(), 3600, "old");
      await saved(dir, tmp);
      if (existsSync(join(tmp, name))) throw new Error(`${name} was kept`);
    },
  },
  {
    name: "checkpoints: fifty stale temporaries are all removed by one save",
    class: 6,
    model: "mlp-train",
    expect: "ok",
    async run({ dir, tmp }) {
      const pid = await deadPid();
      for (let i = 0; i < 50; i++) writeFileSync(join(tmp, `.c${i}.safetensors.tsdp-${pid}-${i.toString(16).padStart(12, "0")}.tmp`), "x");
      for (const f of temporaries(tmp)) utimesSync(join(tmp, f), 1e9, 1e9);
      await saved(dir, tmp);
      if (temporaries(tmp).length) throw new Error(`left: ${temporaries(tmp).length}`);
    },
  },
  {
    name: "checkpoints: a temporary of a live process (a concurrent save) is kept",
    class: 6,
    model: "mlp-train",
    expect: "ok",
    async run({ dir, tmp }) {
      const sleeper = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
      try {
        const name = fakeTemporary(tmp, sleeper.pid!, 3600);
        await saved(dir, tmp);
        if (!existsSync(join(tmp, name))) throw new Error("a live process's temporary was removed");
      } finally {
        sleeper.kill("SIGKILL");
      }
    },
  },
  {
    name: "checkpoints: a temporary newer than this process is kept (it may be a save in progress)",
    class: 6,
    model: "mlp-train",
    expect: "ok",
    async run({ dir, tmp }) {
      const name = fakeTemporary(tmp, await deadPid(), -5);
      await saved(dir, tmp);
      if (!existsSync(join(tmp, name))) throw new Error("a fresh temporary was removed");
    },
  },
  {
    name: "checkpoints: names like a temporary that are a directory, a symlink or another pattern are kept",
    class: 6,
    model: "mlp-train",
    expect: "ok",
    async run({ dir, tmp }) {
      const pid = await deadPid();
      const victim = join(tmp, "victim.txt");
      writeFileSync(victim, "keep me");
      const kept = [
        `.d.safetensors.tsdp-${pid}-0123456789ab.tmp`,
        `.l.safetensors.tsdp-${pid}-0123456789ab.tmp`,
        `notes.${pid}.tmp`,
        `.x.safetensors.tsdp-${pid}-XYZ.tmp`,
      ];
      mkdirSync(join(tmp, kept[0]));
      symlinkSync(victim, join(tmp, kept[1]));
      writeFileSync(join(tmp, kept[2]), "user file");
      writeFileSync(join(tmp, kept[3]), "user file");
      for (const k of kept) utimesSync(join(tmp, k), 1e9, 1e9);
      await saved(dir, tmp);
      for (const k of kept) if (!lstatSync(join(tmp, k), { throwIfNoEntry: false })) throw new Error(`${k} was removed`);
      if (readFileSync(victim, "utf8") !== "keep me") throw new Error("the symlink's target changed");
    },
  },
  {
    name: "checkpoints: a save SIGKILLed mid-write leaves a temporary that the next process's save removes",
    class: 6,
    model: "mlp-train",
    expect: "ok",
    timeoutSeconds: 180,
    async run({ dir, tmp, root }) {
      const target = join(tmp, "big.safetensors");
      const runtime = join(root, "runtime", "index.ts");
      const saverFile = join(tmp, "saver.mts");
      writeFileSync(
        saverFile,
        `import { writeSafetensorsFile } from ${JSON.stringify(runtime)};\n` +
          `const data = new Float32Array(16 << 20).fill(1.5);\n` +
          `for (;;) await writeSafetensorsFile(${JSON.stringify(target)}, [{ name: "w", dtype: "F32", shape: [data.length], data }], {}, { checksum: true });\n`,
      );
      let left: string[] = [];
      for (let attempt = 0; attempt < 10 && left.length === 0; attempt++) {
        const saver = spawn(process.execPath, ["--import", "tsx", saverFile], { cwd: root, stdio: "ignore" });
        const exited = new Promise((r) => saver.on("exit", r));
        const deadline = Date.now() + 60_000;
        while (temporaries(tmp).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
        saver.kill("SIGKILL");
        await exited;
        left = temporaries(tmp);
      }
      if (left.length === 0) throw new Error("no save was caught mid-write in 10 attempts");
      // This process is older than the leftover, so its own saves must leave it alone …
      await saved(dir, tmp, "mine.safetensors");
      if (temporaries(tmp).length === 0) throw new Error("a temporary newer than this process was removed");
      // … and a process started after the kill removes it with its next save.
      const code = await runScript(
        root,
        join(tmp, "next.mts"),
        `import { load } from ${JSON.stringify(runtime)};\nconst m = await load(${JSON.stringify(dir)});\nawait m.saveCheckpoint(${JSON.stringify(join(tmp, "next.safetensors"))});\nm.dispose();\n`,
      );
      if (code !== 0) throw new Error(`the next save's process exited with ${code}`);
      if (temporaries(tmp).length) throw new Error(`left after the next save: ${temporaries(tmp)}`);
    },
  },
];
