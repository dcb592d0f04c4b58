// Class 3 (and 6): a model directory someone hands you. Each case corrupts its private copy of a
// compiled fixture and loads it, or runs tsdp compile over it. The manifest and the library are
// sealed together (runtime/manifest.ts, runtime/build-directory.ts): nothing damaged is mapped,
// every refusal is a BuildDirectoryError naming the file and the command that rebuilds it.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ABI_VERSION, manifestContentHash, sha256 } from "../../../runtime/manifest.ts";
import type { FixtureModel, RuntimeCase } from "../runtime-case.ts";
import { compileInto, editManifest, followAdvice, loadAndRun, rebuiltAfter, refusal, rewriteLibrary } from "./builddir-support.ts";

const EDITED = /manifest\.json was edited after tsdp compile wrote it .*: rebuild with tsdp compile \S+ --out /;
const NOT_THE_LIBRARY = /libmodel\.so is not the library .*manifest\.json was built with: .*: rebuild with tsdp compile \S+ --out /;

/** A hand edit of one manifest field, sourceHash kept. */
const edit = (name: string, model: FixtureModel, f: (m: Record<string, any>) => void): RuntimeCase => ({
  name: `builddir: manifest edited (${name}) is refused`,
  class: 3,
  model,
  expect: { error: "BuildDirectoryError", message: EDITED },
  run: async ({ dir }) => {
    editManifest(dir, f);
    await loadAndRun(dir);
  },
});

/** The library's bytes damaged; the manifest untouched. */
const damaged = (name: string, model: FixtureModel, f: (b: Buffer) => Buffer): RuntimeCase => ({
  name: `builddir: library ${name} is refused before it is mapped`,
  class: 3,
  model,
  expect: { error: "BuildDirectoryError", message: NOT_THE_LIBRARY },
  run: async ({ dir }) => {
    rewriteLibrary(dir, f);
    await loadAndRun(dir);
  },
});

/** tsdp compile over a damaged directory rebuilds it (never "up to date") and it then runs. */
const rebuilds = (name: string, damage: (dir: string) => void): RuntimeCase => ({
  name: `builddir: tsdp compile over ${name} rebuilds`,
  class: 3,
  model: "mlp-train",
  expect: "ok",
  timeoutSeconds: 300,
  run: (ctx) => rebuiltAfter(ctx, damage),
});

const OTHER_MODEL = `import { nn, F, type Tensor, type Batch } from "tsdp/dsl";
export class Other extends nn.Module {
  fc = new nn.Linear(8, 5);
  forward(x: Tensor<[Batch, 8]>) {
    return F.relu(this.fc(x));
  }
}
`;

const mkfifo = (path: string) => {
  rmSync(path, { force: true });
  execFileSync("mkfifo", [path]);
};

export const cases: RuntimeCase[] = [
  // --- the manifest, edited by hand (each field the runtime trusts, and some it does not) ---
  edit("input shape", "mlp-train", (m) => (m.inputs[0].shape = ["Batch", 4096])),
  edit("input dtype", "mlp-train", (m) => (m.inputs[0].dtype = "int32")),
  edit("output shape", "mlp-train", (m) => (m.outputs[0].shape = ["Batch", 100000])),
  edit("output dtype", "cnn-forward", (m) => (m.outputs[0].dtype = "int32")),
  edit("parameter shape", "mlp-adam", (m) => (m.params[0].shape = [1])),
  edit("parameters reordered", "mlp-train", (m) => m.params.reverse()),
  edit("buffer added", "cnn-forward", (m) => m.buffers.push({ name: "extra", dtype: "float32", shape: [1 << 20] })),
  edit("target cuda", "mlp-train", (m) => (m.target = "cuda")),
  edit("optimizer learning rate", "mlp-train", (m) => (m.training.optimizer.lr = 1e30)),
  edit("optimizer kind", "mlp-adam", (m) => (m.training.optimizer.kind = "SGD")),
  edit("training removed", "mlp-train", (m) => delete m.training),
  edit("training target dtype", "mlp-train", (m) => (m.training.target.dtype = "float32")),
  edit("model renamed", "cnn-forward", (m) => (m.model = "Renamed")),
  edit("library renamed", "mlp-train", (m) => (m.library = "libother.so")),
  edit("sourceHash replaced", "mlp-train", (m) => (m.sourceHash = "0".repeat(64))),
  {
    name: "builddir: manifest re-serialized (keys reordered, no indentation) still loads",
    class: 3,
    model: "mlp-train",
    expect: "ok",
    run: async ({ dir }) => {
      const file = join(dir, "manifest.json");
      const m = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
      writeFileSync(file, JSON.stringify(Object.fromEntries(Object.entries(m).reverse())));
      await loadAndRun(dir);
    },
  },
  {
    name: "builddir: manifest edited and re-sealed is refused by the hash inside the library",
    class: 3,
    model: "mlp-train",
    expect: { error: "BuildDirectoryError", message: /libmodel\.so was built for a different model\/manifest .*: rebuild with tsdp compile/ },
    run: async ({ dir }) => {
      editManifest(dir, (m) => {
        m.outputs[0].shape = ["Batch", 1000];
        m.sourceHash = manifestContentHash(m);
      });
      await loadAndRun(dir);
    },
  },
  {
    name: "builddir: manifest librarySha256 changed is refused",
    class: 3,
    model: "mlp-train",
    expect: { error: "BuildDirectoryError", message: /its sha256 is [0-9a-f]{64}, the manifest says f{64}/ },
    run: async ({ dir }) => {
      editManifest(dir, (m) => (m.librarySha256 = "f".repeat(64)));
      await loadAndRun(dir);
    },
  },
  {
    name: "builddir: manifest libraryBytes changed is refused",
    class: 3,
    model: "cnn-forward",
    expect: { error: "BuildDirectoryError", message: /it has \d+ bytes, the manifest says 12/ },
    run: async ({ dir }) => {
      editManifest(dir, (m) => (m.libraryBytes = 12));
      await loadAndRun(dir);
    },
  },
  {
    name: "builddir: manifest seal fields removed is refused",
    class: 3,
    model: "mlp-train",
    expect: { error: "BuildDirectoryError", message: /"librarySha256" must be a hex sha256.*\n.*"libraryBytes" must be the library's size/s },
    run: async ({ dir }) => {
      editManifest(dir, (m) => {
        delete m.librarySha256;
        delete m.libraryBytes;
      });
      await loadAndRun(dir);
    },
  },
  {
    name: "builddir: manifest not JSON is refused with the command",
    class: 3,
    model: "mlp-train",
    expect: { error: "BuildDirectoryError", message: /manifest\.json is not valid JSON .*: rebuild with tsdp compile/ },
    run: async ({ dir }) => {
      writeFileSync(join(dir, "manifest.json"), '{"format": "tsdp-model", ');
      await loadAndRun(dir);
    },
  },
  {
    name: "builddir: manifest empty is refused",
    class: 3,
    model: "cnn-forward",
    expect: { error: "BuildDirectoryError", message: /manifest\.json is not valid JSON/ },
    run: async ({ dir }) => {
      writeFileSync(join(dir, "manifest.json"), "");
      await loadAndRun(dir);
    },
  },
  {
    name: "builddir: manifest missing is refused",
    class: 3,
    model: "mlp-train",
    expect: { error: "BuildDirectoryError", message: /manifest\.json not found: is this a model directory produced by tsdp compile\?/ },
    run: async ({ dir }) => {
      rmSync(join(dir, "manifest.json"));
      await loadAndRun(dir);
    },
  },
  {
    name: "builddir: manifest is a directory is refused",
    class: 3,
    model: "mlp-train",
    expect: { error: "BuildDirectoryError", message: /cannot read .*manifest\.json: .*is a directory/ },
    run: async ({ dir }) => {
      rmSync(join(dir, "manifest.json"));
      mkdirSync(join(dir, "manifest.json"));
      await loadAndRun(dir);
    },
  },
  {
    name: "builddir: manifest is a FIFO is refused at once (no hang)",
    class: 3,
    model: "mlp-train",
    timeoutSeconds: 20,
    expect: { error: "BuildDirectoryError", message: /manifest\.json is not a regular file: rebuild with tsdp compile/ },
    run: async ({ dir }) => {
      mkfifo(join(dir, "manifest.json"));
      await loadAndRun(dir);
    },
  },
  {
    name: "builddir: manifest is a link to /dev/zero is refused at once",
    class: 3,
    model: "cnn-forward",
    timeoutSeconds: 20,
    expect: { error: "BuildDirectoryError", message: /manifest\.json is not a regular file/ },
    run: async ({ dir }) => {
      rmSync(join(dir, "manifest.json"));
      symlinkSync("/dev/zero", join(dir, "manifest.json"));
      await loadAndRun(dir);
    },
  },
  {
    name: "builddir: manifest with the next ABI version is refused",
    class: 3,
    model: "mlp-train",
    expect: { error: "BuildDirectoryError", message: new RegExp(`"abiVersion" is ${ABI_VERSION + 1}, this runtime supports ${ABI_VERSION}`) },
    run: async ({ dir }) => {
      editManifest(dir, (m) => (m.abiVersion = ABI_VERSION + 1));
      await loadAndRun(dir);
    },
  },

  // --- the library, damaged (each would fault in dlopen or at the first call: SIGBUS, SIGSEGV) ---
  damaged("truncated to nothing", "mlp-train", () => Buffer.alloc(0)),
  damaged("truncated to its ELF header", "mlp-train", (b) => b.subarray(0, 64)),
  damaged("truncated to 4 KiB", "cnn-forward", (b) => b.subarray(0, 4096)),
  damaged("truncated to half", "mlp-adam", (b) => b.subarray(0, b.length >> 1)),
  damaged("one byte short", "mlp-train", (b) => b.subarray(0, b.length - 1)),
  damaged("with a byte appended", "mlp-train", (b) => Buffer.concat([b, Buffer.from([0])])),
  damaged("with a byte flipped in its code", "cnn-forward", (b) => {
    const c = Buffer.from(b);
    c[c.length >> 1] ^= 0x5a;
    return c;
  }),
  damaged("zeroed", "mlp-train", (b) => Buffer.alloc(b.length)),
  damaged("replaced by text", "mlp-train", () => Buffer.from("not a library\n")),
  {
    name: "builddir: library missing is refused with the command",
    class: 3,
    model: "mlp-train",
    expect: { error: "BuildDirectoryError", message: /libmodel\.so \(the library named in .*manifest\.json\) is missing: rebuild with tsdp compile/ },
    run: async ({ dir }) => {
      rmSync(join(dir, "libmodel.so"));
      await loadAndRun(dir);
    },
  },
  {
    name: "builddir: library is a directory is refused",
    class: 3,
    model: "cnn-forward",
    expect: { error: "BuildDirectoryError", message: /libmodel\.so \(the library named in .*\) is a directory/ },
    run: async ({ dir }) => {
      rmSync(join(dir, "libmodel.so"));
      mkdirSync(join(dir, "libmodel.so"));
      await loadAndRun(dir);
    },
  },
  {
    name: "builddir: library is a FIFO is refused at once (no hang)",
    class: 3,
    model: "mlp-train",
    timeoutSeconds: 20,
    expect: { error: "BuildDirectoryError", message: /libmodel\.so is not the library .*: is not a regular file/ },
    run: async ({ dir }) => {
      mkfifo(join(dir, "libmodel.so"));
      await loadAndRun(dir);
    },
  },
  {
    name: "builddir: library is a link to /dev/zero is refused at once",
    class: 3,
    model: "mlp-train",
    timeoutSeconds: 20,
    expect: { error: "BuildDirectoryError", message: /is not a regular file/ },
    run: async ({ dir }) => {
      rmSync(join(dir, "libmodel.so"));
      symlinkSync("/dev/zero", join(dir, "libmodel.so"));
      await loadAndRun(dir);
    },
  },
  {
    name: "builddir: library is a link to a truncated copy is refused",
    class: 3,
    model: "mlp-train",
    expect: { error: "BuildDirectoryError", message: NOT_THE_LIBRARY },
    run: async ({ dir, tmp }) => {
      const copy = join(tmp, "short.so");
      writeFileSync(copy, readFileSync(join(dir, "libmodel.so")).subarray(0, 10_000));
      rmSync(join(dir, "libmodel.so"));
      symlinkSync(copy, join(dir, "libmodel.so"));
      await loadAndRun(dir);
    },
  },
  {
    name: "builddir: truncated library with a manifest re-sealed around it is refused by the ELF bounds check",
    class: 3,
    model: "mlp-train",
    expect: { error: "BuildDirectoryError", message: /cannot load .*libmodel\.so: .*(past the end of the file|truncated)/ },
    run: async ({ dir }) => {
      rewriteLibrary(dir, (b) => b.subarray(0, b.length >> 1));
      const bytes = readFileSync(join(dir, "libmodel.so"));
      editManifest(dir, (m) => {
        m.librarySha256 = sha256(bytes);
        m.libraryBytes = bytes.length;
      });
      await loadAndRun(dir);
    },
  },
  {
    name: "builddir: library of another build under this manifest (half-updated directory) is refused",
    class: 3,
    model: "mlp-train",
    timeoutSeconds: 300,
    expect: { error: "BuildDirectoryError", message: NOT_THE_LIBRARY },
    run: async (ctx) => {
      // another model, built beside it
      const other = join(ctx.tmp, "other.ts");
      writeFileSync(other, OTHER_MODEL);
      compileInto(ctx, join(ctx.tmp, "other"), other);
      writeFileSync(join(ctx.dir, "libmodel.so"), readFileSync(join(ctx.tmp, "other", "libmodel.so")));
      await loadAndRun(ctx.dir);
    },
  },

  // --- a loaded model while its directory changes underneath ---
  {
    name: "builddir: library overwritten in place while loaded: the model keeps running",
    class: 3,
    model: "mlp-train",
    expect: "ok",
    run: async ({ dir }) => {
      const { load, tensor } = await import("../../../runtime/index.ts");
      const m = await load(dir);
      const x = tensor(new Float32Array(16).fill(0.5), [2, 8]);
      const before = Array.from((m.forwardSync(x) as { data: Float32Array }).data);
      // same inode, new contents: what used to SIGBUS a process that mapped this file
      writeFileSync(join(dir, "libmodel.so"), Buffer.alloc(4096, 0xcc));
      truncateSync(join(dir, "libmodel.so"), 100);
      const after = Array.from((m.forwardSync(x) as { data: Float32Array }).data);
      m.dispose();
      if (JSON.stringify(before) !== JSON.stringify(after)) throw new Error("forward changed after the file was overwritten");
    },
  },
  {
    name: "builddir: directory rebuilt by tsdp compile while a model from it is loaded: both run",
    class: 3,
    model: "cnn-forward",
    timeoutSeconds: 300,
    expect: "ok",
    run: async (ctx) => {
      const { load } = await import("../../../runtime/index.ts");
      const old = await load(ctx.dir);
      rmSync(join(ctx.dir, "build.json"), { force: true });
      compileInto(ctx);
      await loadAndRun(ctx.dir);
      old.dispose();
    },
  },

  // --- the advice in a refusal works, and tsdp compile repairs what load refuses ---
  {
    name: "builddir: the command in a truncated library's refusal rebuilds the directory",
    class: 3,
    model: "mlp-train",
    timeoutSeconds: 300,
    expect: "ok",
    run: async (ctx) => {
      compileInto(ctx);
      truncateSync(join(ctx.dir, "libmodel.so"), 5000);
      await followAdvice(ctx, (await refusal(ctx.dir)).message);
    },
  },
  {
    name: "builddir: the command in an edited manifest's refusal rebuilds the directory",
    class: 3,
    model: "mlp-train",
    timeoutSeconds: 300,
    expect: "ok",
    run: async (ctx) => {
      compileInto(ctx);
      editManifest(ctx.dir, (m) => (m.outputs[0].shape = ["Batch", 7]));
      await followAdvice(ctx, (await refusal(ctx.dir)).message);
    },
  },
  rebuilds("a truncated library", (d) => truncateSync(join(d, "libmodel.so"), 1000)),
  rebuilds("an edited manifest", (d) => editManifest(d, (m) => (m.outputs[0].dtype = "int32"))),
  rebuilds("a deleted manifest", (d) => rmSync(join(d, "manifest.json"))),
  rebuilds("a deleted library", (d) => rmSync(join(d, "libmodel.so"))),
  rebuilds("a garbage build.json", (d) => writeFileSync(join(d, "build.json"), "{]")),
  rebuilds("an emptied model.h", (d) => writeFileSync(join(d, "model.h"), "")),
  rebuilds("a FIFO in place of model.cu", (d) => mkfifo(join(d, "model.cu"))),
  rebuilds("a library with its manifest re-sealed around a flipped byte", (d) => {
    rewriteLibrary(d, (b) => {
      const c = Buffer.from(b);
      c[c.length >> 1] ^= 1;
      return c;
    });
    const bytes = readFileSync(join(d, "libmodel.so"));
    editManifest(d, (m) => {
      m.librarySha256 = sha256(bytes);
      m.libraryBytes = bytes.length;
    });
  }),
];
