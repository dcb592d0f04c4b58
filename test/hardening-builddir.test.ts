// Issue 10, classes 3, 6 and 7: a build directory is checked before anything in it is mapped
// (manifest and library sealed together), "up to date" checks the outputs, the library cache
// checks what it serves, a killed compile leaves nothing running and nothing behind for long,
// and every bad command line is a one-line usage error.
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { elfProblem, rebuildCommand } from "../runtime/build-directory.ts";
import { BuildDirectoryError, load, tensor, type Tensor } from "../runtime/index.ts";
import { manifestContentHash, sha256 } from "../runtime/manifest.ts";
import { header, runNode, scratchDir } from "./helpers.ts";
import { seededCacheDir } from "./test-cache.ts";

const fresh = (tag = "bd") => scratchDir(`tsdp-hardening-${tag}-`);
// private caches seeded with the shared harness (test-cache.ts): these tests are about libraries
const cache = await seededCacheDir("tsdp-hardening-cache-");
const env = { ...process.env, TSDP_CACHE_DIR: cache };
const tsdp = (args: string[], e: NodeJS.ProcessEnv = env) => runNode(["bin/tsdp.js", ...args], { env: e });

const mlp = (hidden: number) => `${header}
export class Small extends nn.Module {
  fc1 = new nn.Linear(8, ${hidden});
  fc2 = new nn.Linear(${hidden}, 3);
  forward(x: Tensor<[Batch, 8]>) {
    return this.fc2(F.relu(this.fc1(x)));
  }
}
export const training = new Training(Small, { loss: new nn.CrossEntropyLoss(), optimizer: new optim.SGD({ lr: 0.1, momentum: 0.9 }) });
`;

const work = fresh("work");
const modelA = join(work, "a.ts");
const modelB = join(work, "b.ts");
const outA = join(work, "out-a");
const outB = join(work, "out-b");
writeFileSync(modelA, mlp(16));
writeFileSync(modelB, mlp(12));

/** A private copy of a compiled directory, free to corrupt; its build.json still names modelA. */
const copyOf = (dir: string) => {
  const d = fresh("dir");
  cpSync(dir, d, { recursive: true });
  return d;
};
const readJson = (file: string) => JSON.parse(readFileSync(file, "utf8")) as Record<string, any>;
const writeJson = (file: string, v: unknown) => writeFileSync(file, JSON.stringify(v, null, 2));

/** The error load(dir) throws (the test fails if it loads). */
async function loadError(dir: string): Promise<BuildDirectoryError> {
  try {
    const m = await load(dir);
    m.dispose();
  } catch (e) {
    return e as BuildDirectoryError;
  }
  throw new Error(`load(${dir}) succeeded`);
}

/** Runs the command a refusal's message ends with ("rebuild with tsdp compile …") and checks the directory loads after it. */
async function followAdvice(message: string, dir: string): Promise<string> {
  const command = /rebuild with (tsdp compile \S.*)$/.exec(message)?.[1];
  expect(command, message).toBeDefined();
  const words = command!.split(" ");
  expect(words.slice(0, 2)).toEqual(["tsdp", "compile"]);
  const run = await tsdp(words.slice(1));
  expect(run.stderr).toBe("");
  expect(run.status).toBe(0);
  expect(run.stdout).not.toMatch(/up to date/);
  const m = await load<Tensor>(dir);
  expect(m.forwardSync(tensor(new Float32Array(16), [2, 8])).shape).toEqual([2, 3]);
  m.dispose();
  return run.stdout;
}

beforeAll(async () => {
  for (const [file, out] of [
    [modelA, outA],
    [modelB, outB],
  ]) {
    const r = await tsdp(["compile", file, "--target", "cpu", "--out", out]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  }
}, 240_000);

describe("class 3: the manifest and the library are sealed together", () => {
  it("the seal: sourceHash is the manifest's content hash, the library embeds it, the manifest records the library's sha256 and size", () => {
    const m = readJson(join(outA, "manifest.json"));
    const lib = readFileSync(join(outA, "libmodel.so"));
    expect(m.sourceHash).toBe(manifestContentHash(m));
    expect(m.librarySha256).toBe(sha256(lib));
    expect(m.libraryBytes).toBe(lib.length);
    expect(lib.includes(Buffer.from(m.sourceHash))).toBe(true);
    expect(elfProblem(lib)).toBeNull();
  });

  // Each edit keeps the sourceHash, as a hand edit would.
  const edits: [string, (m: Record<string, any>) => void][] = [
    ["an input's shape", (m) => (m.inputs[0].shape = ["Batch", 4096])],
    ["an output's shape", (m) => (m.outputs[0].shape = ["Batch", 1000])],
    ["an output's dtype", (m) => (m.outputs[0].dtype = "int32")],
    ["a parameter's shape", (m) => (m.params[0].shape = [1, 1])],
    ["a parameter removed", (m) => m.params.pop()],
    ["the target", (m) => (m.target = "cuda")],
    ["the optimizer's learning rate", (m) => (m.training.optimizer.lr = 1e9)],
    ["the training target's dtype", (m) => (m.training.target.dtype = "float32")],
    ["the model name", (m) => (m.model = "Other")],
    ["a field added", (m) => (m.extra = true)],
  ];
  for (const [what, edit] of edits)
    it(`an edited manifest (${what}) is refused before the library is mapped, naming the file and the command`, async () => {
      const dir = copyOf(outA);
      const m = readJson(join(dir, "manifest.json"));
      edit(m);
      writeJson(join(dir, "manifest.json"), m);
      const e = await loadError(dir);
      expect(e).toBeInstanceOf(BuildDirectoryError);
      expect(e.file).toBe(join(dir, "manifest.json"));
      expect(e.message).toMatch(/manifest.json was edited after tsdp compile wrote it/);
      expect(e.message).toContain(`rebuild with tsdp compile ${modelA} --out ${dir} --target cpu`);
    });

  it("an edited manifest whose seal is recomputed is still refused, by the hash the library carries", async () => {
    const dir = copyOf(outA);
    const m = readJson(join(dir, "manifest.json"));
    m.outputs[0].shape = ["Batch", 1000];
    m.sourceHash = manifestContentHash(m);
    writeJson(join(dir, "manifest.json"), m);
    const e = await loadError(dir);
    expect(e).toBeInstanceOf(BuildDirectoryError);
    expect(e.file).toBe(join(dir, "libmodel.so"));
    expect(e.message).toMatch(/was built for a different model\/manifest/);
  });

  for (const [what, damage] of [
    ["truncated to nothing", (f: string) => truncateSync(f, 0)],
    ["truncated to 100 bytes", (f: string) => truncateSync(f, 100)],
    ["truncated to half", (f: string) => truncateSync(f, readFileSync(f).length >> 1)],
    ["one byte short", (f: string) => truncateSync(f, readFileSync(f).length - 1)],
    ["one byte appended", (f: string) => writeFileSync(f, Buffer.concat([readFileSync(f), Buffer.from([0])]))],
    ["one byte flipped", (f: string) => { const b = readFileSync(f); b[b.length >> 1] ^= 0xff; writeFileSync(f, b); }],
  ] as const)
    it(`a library ${what} is refused before dlopen (no SIGBUS), naming the library and the command`, async () => {
      const dir = copyOf(outA);
      damage(join(dir, "libmodel.so"));
      const e = await loadError(dir);
      expect(e).toBeInstanceOf(BuildDirectoryError);
      expect(e.file).toBe(join(dir, "libmodel.so"));
      expect(e.message).toMatch(/libmodel.so is not the library .*manifest.json was built with: (it has \d+ bytes|its sha256 is)/);
      expect(e.message).toContain(`rebuild with tsdp compile ${modelA} --out ${dir}`);
    });

  it("a library that is missing or a directory is refused, naming it and the command", async () => {
    for (const [what, damage] of [
      ["is missing", (f: string) => rmSync(f)],
      ["is a directory", (f: string) => { rmSync(f); mkdirSync(f); }],
    ] as const) {
      const dir = copyOf(outA);
      damage(join(dir, "libmodel.so"));
      const e = await loadError(dir);
      expect(e).toBeInstanceOf(BuildDirectoryError);
      expect(e.file).toBe(join(dir, "libmodel.so"));
      expect(e.message).toContain(`libmodel.so (the library named in ${dir}/manifest.json) ${what}: rebuild with tsdp compile ${modelA} --out ${dir}`);
    }
  });

  it("a truncated library whose manifest was re-sealed around it is still refused before dlopen (ELF bounds)", async () => {
    const dir = copyOf(outA);
    const lib = join(dir, "libmodel.so");
    truncateSync(lib, readFileSync(lib).length >> 1);
    const m = readJson(join(dir, "manifest.json"));
    const bytes = readFileSync(lib);
    writeJson(join(dir, "manifest.json"), { ...m, librarySha256: sha256(bytes), libraryBytes: bytes.length });
    const e = await loadError(dir);
    expect(e).toBeInstanceOf(BuildDirectoryError);
    expect(e.message).toMatch(/cannot load .*libmodel.so: .*(past the end of the file|truncated)/);
  });

  it("a half-updated directory (library of model B, manifest of model A) is refused, and the command it gives rebuilds it", async () => {
    const dir = copyOf(outA);
    cpSync(join(outB, "libmodel.so"), join(dir, "libmodel.so"));
    const e = await loadError(dir);
    expect(e).toBeInstanceOf(BuildDirectoryError);
    expect(e.message).toMatch(/is not the library/);
    await followAdvice(e.message, dir);
  });

  it("a library overwritten in place while its model is loaded does not crash the process", async () => {
    const dir = copyOf(outA);
    const script = `
      import { writeFileSync, readFileSync } from "node:fs";
      import { load, tensor } from "tsdp";
      const m = await load(${JSON.stringify(dir)});
      const x = tensor(new Float32Array(16).fill(1), [2, 8]);
      const before = Array.from(m.forwardSync(x).data);
      // in place: same inode, new contents (another build's library, then garbage)
      writeFileSync(${JSON.stringify(join(dir, "libmodel.so"))}, readFileSync(${JSON.stringify(join(outB, "libmodel.so"))}));
      writeFileSync(${JSON.stringify(join(dir, "libmodel.so"))}, Buffer.alloc(64));
      const after = Array.from(m.forwardSync(x).data);
      m.dispose();
      console.log(JSON.stringify({ same: JSON.stringify(before) === JSON.stringify(after), n: after.length }));`;
    const run = await runNode(["--input-type=module", "-e", script]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout.trim().split("\n").pop()!)).toEqual({ same: true, n: 6 });
  });
});

describe("class 3: 'up to date' verifies the outputs; the cache verifies what it serves", () => {
  const damages: [string, (dir: string) => void][] = [
    ["a truncated library", (d) => truncateSync(join(d, "libmodel.so"), 1000)],
    ["an edited manifest", (d) => { const m = readJson(join(d, "manifest.json")); m.outputs[0].shape = ["Batch", 9]; writeJson(join(d, "manifest.json"), m); }],
    ["the library of another model", (d) => cpSync(join(outB, "libmodel.so"), join(d, "libmodel.so"))],
    ["a deleted model.h", (d) => writeFileSync(join(d, "model.h"), "")],
    ["an edited model.cu", (d) => writeFileSync(join(d, "model.cu"), readFileSync(join(d, "model.cu"), "utf8") + "\n// edited\n")],
    ["an emptied library", (d) => truncateSync(join(d, "libmodel.so"), 0)],
    ["a deleted library", (d) => rmSync(join(d, "libmodel.so"))],
    ["a deleted manifest", (d) => rmSync(join(d, "manifest.json"))],
  ];
  for (const [what, damage] of damages)
    it(`tsdp compile over ${what} rebuilds instead of saying "up to date"`, async () => {
      const dir = copyOf(outA);
      const again = await tsdp(["compile", modelA, "--target", "cpu", "--out", dir]);
      expect(again.stdout).toMatch(/up to date/);
      damage(dir);
      const run = await tsdp(["compile", modelA, "--target", "cpu", "--out", dir]);
      expect(run.stderr).toBe("");
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(/Small → .* \(cpu, \d+ kernels, cached in \d+ ms\)/);
      const m = await load<Tensor>(dir);
      expect(m.forwardSync(tensor(new Float32Array(8), [1, 8])).shape).toEqual([1, 3]);
      m.dispose();
    });

  it("the command in a refusal works even when build.json is gone (the model file is left to fill in)", async () => {
    const dir = copyOf(outA);
    truncateSync(join(dir, "libmodel.so"), 10);
    writeFileSync(join(dir, "build.json"), "{");
    const e = await loadError(dir);
    expect(e.message).toContain(`rebuild with tsdp compile <a.ts> --out ${dir}`);
    await followAdvice(e.message.replace("<a.ts>", modelA), dir);
  });

  it("a build whose model file changed since it was compiled loads with a warning naming the file and the command (it runs the old model)", async () => {
    const dir = copyOf(outA);
    const source = join(dir, "edited.ts");
    writeFileSync(source, "// the model as it is now\n");
    const record = readJson(join(dir, "build.json"));
    const warnings: Error[] = [];
    const listen = (w: Error) => warnings.push(w);
    process.on("warning", listen);
    try {
      // as compiled: the recorded hash is the file's
      writeJson(join(dir, "build.json"), { ...record, sources: { [source]: sha256(readFileSync(source)) } });
      (await load<Tensor>(dir)).dispose();
      await new Promise((r) => setImmediate(r));
      expect(warnings.filter((w) => (w as { code?: string }).code === "TSDP_STALE_BUILD")).toEqual([]);
      // edited since, and a recorded source that is gone (a build copied elsewhere) says nothing
      writeJson(join(dir, "build.json"), { ...record, sources: { [source]: sha256(Buffer.from("// the model as it was\n")), [join(dir, "gone.ts")]: "0".repeat(64) } });
      (await load<Tensor>(dir)).dispose();
      await new Promise((r) => setImmediate(r));
      const stale = warnings.filter((w) => (w as { code?: string }).code === "TSDP_STALE_BUILD");
      expect(stale).toHaveLength(1);
      expect(stale[0].message).toBe(`${dir} was compiled from ${source}, which has changed since: it runs the model as it was then; rebuild with tsdp compile ${modelA} --out ${dir} --target cpu`);
    } finally {
      process.off("warning", listen);
    }
  });

  it("the command rebuilds the same kind of build: the kernel shapes, GEMM library, memcheck, counters and tuning file it was made with", () => {
    const dir = mkdtempSync(join(tmpdir(), "tsdp-rebuild-command-"));
    const record = (options: object) => writeFileSync(join(dir, "build.json"), JSON.stringify({ version: 2, file: "/m/a.ts", options: JSON.stringify(options) }));
    record({ model: null, target: "cpu", archs: [], precision: "fp32", bucketCapMb: 25, shapeFor: "gpu", gemm: "tsdp", tune: "/m/a.tune.json" });
    expect(rebuildCommand(dir)).toBe(`tsdp compile /m/a.ts --out ${dir} --target cpu --shape-for gpu --gemm tsdp --tune /m/a.tune.json`);
    record({ model: "Net", target: "cpu", archs: [], precision: "bf16", bucketCapMb: 25, memcheck: true, tune: false });
    expect(rebuildCommand(dir)).toBe(`tsdp compile /m/a.ts --out ${dir} --target cpu --model Net --precision bf16 --memcheck --no-tune`);
    // tsdp tune's in-memory candidate has no file to name
    record({ model: null, target: "cpu", archs: [], precision: "fp32", bucketCapMb: 25, counters: true, tune: `/m/a.ts@${"0".repeat(64)}` });
    expect(rebuildCommand(dir)).toBe(`tsdp compile /m/a.ts --out ${dir} --target cpu --counters`);
    rmSync(dir, { recursive: true, force: true });
  });

  /** The cache entry directories (hex keys) of a cache. */
  const entries = (c: string) => readdirSync(c).filter((n) => /^[0-9a-f]{32}$/.test(n));

  it("a truncated, edited or unvouched library in the cache is dropped and rebuilt, never copied into an output", async () => {
    const c = await seededCacheDir("tsdp-hardening-cache-verify-");
    const e2 = { ...env, TSDP_CACHE_DIR: c };
    const first = await tsdp(["compile", modelA, "--target", "cpu", "--out", join(c, "o1")], e2);
    expect(first.status).toBe(0);
    // the build linked the seeded harness: an entry means the same objects in any cache directory
    expect(readdirSync(c).filter((n) => n.startsWith("harness-"))).toHaveLength(1);
    const [key] = entries(c);
    const cached = join(c, key, "libmodel.so");
    for (const [what, damage] of [
      ["truncated", () => truncateSync(cached, 4096)],
      ["digest missing", () => writeFileSync(join(c, key, "libmodel.so.sha256"), "")],
      ["another model's library with a matching digest", () => {
        const other = readFileSync(join(outB, "libmodel.so"));
        writeFileSync(cached, other);
        writeFileSync(join(c, key, "libmodel.so.sha256"), `${sha256(other)} ${other.length}\n`);
      }],
    ] as const) {
      damage();
      const out = join(c, `o-${what.replace(/\W/g, "")}`);
      const run = await tsdp(["compile", modelA, "--target", "cpu", "--out", out], e2);
      expect(run.status, what).toBe(0);
      expect(run.stdout, what).toMatch(/built in \d+ ms/);
      expect(readFileSync(join(out, "libmodel.so")).equals(readFileSync(join(outA, "libmodel.so"))), what).toBe(true);
      const m = await load(out);
      m.dispose();
      // the rebuilt entry is sound again: the next compile is served from it
      const next = await tsdp(["compile", modelA, "--target", "cpu", "--out", `${out}-next`], e2);
      expect(next.stdout, what).toMatch(/cached in \d+ ms/);
    }
  }, 300_000);
});

/** Pids of processes whose command line mentions `text` (the compiler's children name their work directory). */
function processesMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const p of readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
    try {
      if (readFileSync(`/proc/${p}/cmdline`, "utf8").includes(text)) pids.push(Number(p));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

const until = async (what: string, f: () => boolean, tries = 600) => {
  for (let i = 0; i < tries; i++) {
    if (f()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
};

describe("class 6: interrupted compiles and their leftovers", () => {
  for (const signal of ["SIGTERM", "SIGINT"] as const)
    it(`${signal} during the native build kills g++ and its children and removes the work directory`, async () => {
      const c = fresh(`cache-${signal}`);
      const child = spawn(process.execPath, ["bin/tsdp.js", "compile", modelA, "--target", "cpu", "--out", join(c, "out")], {
        env: { ...env, TSDP_CACHE_DIR: c },
        stdio: "ignore",
      });
      const exited = new Promise<{ code: number | null; signal: string | null }>((r) => child.on("exit", (code, sig) => r({ code, signal: sig })));
      // the compiler proper (cc1plus) is running on the work directory's model.cu
      await until("cc1plus", () => processesMentioning(`${c}/`).some((p) => readFileSync(`/proc/${p}/cmdline`, "utf8").includes("cc1plus")));
      child.kill(signal);
      const end = await exited;
      expect(end.signal ?? String(end.code)).toBe(signal);
      await until("no process left on the work directory", () => processesMentioning(`${c}/`).length === 0, 50);
      expect(readdirSync(c).filter((n) => n.includes(".build-"))).toEqual([]);
      expect(existsSync(join(c, "out", "manifest.json"))).toBe(false);
    }, 120_000);

  it("a compile killed with SIGKILL (no chance to clean up) leaves a work directory that the next compile removes", async () => {
    const c = await seededCacheDir("tsdp-hardening-cache-SIGKILL-");
    const run = () => spawn(process.execPath, ["bin/tsdp.js", "compile", modelA, "--target", "cpu", "--out", join(c, "out")], { env: { ...env, TSDP_CACHE_DIR: c }, stdio: "ignore" });
    const child = run();
    const exited = new Promise((r) => child.on("exit", r));
    await until("cc1plus", () => processesMentioning(`${c}/`).some((p) => readFileSync(`/proc/${p}/cmdline`, "utf8").includes("cc1plus")));
    child.kill("SIGKILL");
    await exited;
    // the library's work directory, and the precompiled shim's and the harness's too when they were
    // not cached yet
    const left = readdirSync(c).filter((n) => n.includes(".build-"));
    expect(left.filter((n) => /^[0-9a-f]{32}\.build-/.test(n))).toHaveLength(1);
    expect(left.every((n) => /^(harness-|pch-)?[0-9a-f]{32}\.build-/.test(n))).toBe(true);
    // the orphaned compilers finish on their own (each is in its own process group, which nobody killed)
    for (const dir of left) await until("the orphaned compiler to finish", () => processesMentioning(`${c}/${dir}`).length === 0, 1200);
    const next = run();
    expect(await new Promise((r) => next.on("exit", r))).toBe(0);
    expect(readdirSync(c).filter((n) => n.includes(".build-"))).toEqual([]);
    const m = await load(join(c, "out"));
    m.dispose();
  }, 300_000);

  it("the next compile removes temporaries of dead compiles, and never a live compile's", async () => {
    const c = await seededCacheDir("tsdp-hardening-cache-stale-");
    const out = join(c, "out");
    mkdirSync(out);
    const old = new Date(Date.now() - 3600_000);
    // pid 2^22+1 is above Linux's pid_max limit: no such process can exist
    const dead = 4194305;
    const stale = [join(c, `0123abcd.build-${dead}-00aa11bb`), join(c, `0123abcd.build-${dead}-ffee0011`)];
    const staleFiles = [join(out, `libmodel.so.tmp-${dead}-0badf00d`), join(out, `manifest.json.tmp-${dead}-12345678`)];
    const live = [join(c, `0123abcd.build-${process.pid}-00aa11bb`), join(c, `0123abcd.build-1-00aa11bb`)];
    for (const d of [...stale, ...live]) {
      mkdirSync(d);
      writeFileSync(join(d, "model.cu"), "// half-built");
      utimesSync(d, old, old);
    }
    for (const f of staleFiles) {
      writeFileSync(f, "half-written");
      utimesSync(f, old, old);
    }
    // leftovers younger than the compile are kept even when their pid looks dead: they may belong
    // to a compile in another PID namespace sharing the cache
    const young = join(c, `0123abcd.build-${dead}-0000beef`);
    mkdirSync(young);
    const later = new Date(Date.now() + 3600_000);
    utimesSync(young, later, later);
    const run = await tsdp(["compile", modelA, "--target", "cpu", "--out", out], { ...env, TSDP_CACHE_DIR: c });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    for (const p of [...stale, ...staleFiles]) expect(existsSync(p), p).toBe(false);
    for (const p of [...live]) expect(existsSync(p), p).toBe(true);
    expect(existsSync(young)).toBe(true);
  }, 120_000);
});

describe("class 7: the command line", () => {
  const dirArg = fresh("cli");
  const aFile = join(dirArg, "file.txt");
  writeFileSync(aFile, "x");
  const pyFile = join(dirArg, "model.py");
  writeFileSync(pyFile, "import torch\n");
  const bad: [string, string[], RegExp][] = [
    ["a Python model file", ["compile", pyFile], /model\.py is Python: tsdp compiles a TypeScript port of the model/],
    ["no model file", ["compile"], /missing required argument 'model.ts'/],
    ["an empty model file name", ["compile", ""], /the model file name is empty/],
    ["a blank model file name", ["compile", "   "], /the model file name is empty/],
    ["a directory as the model file", ["compile", dirArg], /is a directory; pass the model's .ts file/],
    ["a missing model file", ["compile", join(dirArg, "nope.ts")], /nope.ts: no such file/],
    ["a model file under a file", ["compile", join(aFile, "m.ts")], /no such file/],
    ["a device as the model file", ["compile", "/dev/null"], /is not a regular file/],
    ["--arch sm_xx", ["compile", modelA, "--arch", "sm_xx"], /'xx' is not a GPU architecture/],
    ["--arch sm_8", ["compile", modelA, "--arch", "sm_8"], /'8' is not a GPU architecture/],
    ["--arch sm_20", ["compile", modelA, "--arch", "sm_20"], /'20' is not a GPU architecture/],
    ["--arch with an empty entry", ["compile", modelA, "--arch", "sm_80,"], /'' is not a GPU architecture/],
    ["--arch ''", ["compile", modelA, "--arch", ""], /'' is not a GPU architecture/],
    ["--out ''", ["compile", modelA, "--out", ""], /the output directory is empty/],
    ["--out a file", ["compile", modelA, "--out", aFile], /is a file, not a directory/],
    ["--out under a file", ["compile", modelA, "--out", join(aFile, "sub")], /a part of the path is a file/],
    ["launch of a script that does not exist", ["launch", "--nproc", "2", join(aFile, "..", "no-such-script.mts")], /no-such-script\.mts: no such file/],
    ["launch of a directory", ["launch", "--nproc", "2", join(aFile, "..")], /is a directory; pass the training script/],
    ["--kernels a directory that does not exist", ["compile", modelA, "--kernels", join(aFile, "..", "no-such-kernels")], /no-such-kernels does not exist \(the directory your kernels are read from\)/],
    ["--bucket-cap-mb 0", ["compile", modelA, "--bucket-cap-mb", "0"], /'0' is not a positive number of megabytes/],
    ["--bucket-cap-mb -1", ["compile", modelA, "--bucket-cap-mb", "-1"], /'-1' is not a positive number/],
    ["--bucket-cap-mb NaN", ["compile", modelA, "--bucket-cap-mb", "NaN"], /'NaN' is not a positive number/],
    ["--bucket-cap-mb 1e999", ["compile", modelA, "--bucket-cap-mb", "1e999"], /'1e999' is not a positive number/],
    ["--bucket-cap-mb abc", ["compile", modelA, "--bucket-cap-mb", "abc"], /'abc' is not a positive number/],
    ["--bucket-cap-mb 0x10", ["compile", modelA, "--bucket-cap-mb", "0x10"], /'0x10' is not a positive number/],
    ["--bucket-cap-mb ''", ["compile", modelA, "--bucket-cap-mb", ""], /'' is not a positive number/],
    ["--target tpu", ["compile", modelA, "--target", "tpu"], /argument 'tpu' is invalid. Allowed choices are cuda, cpu/],
    ["--precision fp8", ["compile", modelA, "--precision", "fp8"], /argument 'fp8' is invalid. Allowed choices are fp32, tf32, bf16/],
    ["--emit asm", ["compile", modelA, "--emit", "asm"], /Allowed choices are ir/],
    ["--model ''", ["compile", modelA, "--model", ""], /'' is not a class name/],
    ["--model 1x", ["compile", modelA, "--model", "1x"], /'1x' is not a class name/],
    ["an unknown option", ["compile", modelA, "--targt", "cpu"], /unknown option '--targt' \(Did you mean --target\?\)/],
    ["two model files", ["compile", modelA, modelB], /too many arguments for 'compile'/],
    ["an unknown command", ["compiel", modelA], /unknown command 'compiel'/],
    ["help on an unknown command", ["help", "compiel"], /unknown command 'compiel' \(the commands: compile, inspect/],
    ["inspect --batch 0", ["inspect", modelA, "--batch", "0"], /'0' is not a batch size/],
    ["inspect --batch -4", ["inspect", modelA, "--batch", "-4"], /'-4' is not a batch size/],
    ["inspect --batch 1.5", ["inspect", modelA, "--batch", "1.5"], /'1.5' is not a batch size/],
    ["inspect --batch NaN", ["inspect", modelA, "--batch", "NaN"], /'NaN' is not a batch size/],
    ["inspect --batch 1e999", ["inspect", modelA, "--batch", "1e999"], /'1e999' is not a batch size/],
    ["inspect --batch abc", ["inspect", modelA, "--batch", "abc"], /'abc' is not a batch size/],
    ["inspect --batch 2^31", ["inspect", modelA, "--batch", String(2 ** 31)], /is not a batch size/],
    ["inspect a directory", ["inspect", dirArg], /is a directory/],
    ["inspect ''", ["inspect", ""], /the model file name is empty/],
  ];
  for (const [what, args, message] of bad)
    it(`${what}: one usage line, exit code 2, no stack, nothing built`, async () => {
      const cwd = fresh("cwd");
      const run = await runNode([join(process.cwd(), "bin/tsdp.js"), ...args], { env, cwd });
      expect(run.status).toBe(2);
      expect(run.stdout).toBe("");
      expect(run.stderr.trimEnd().split("\n")).toHaveLength(1);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).not.toMatch(/internal error|\n\s+at |Error:/);
      // nothing was written where the command ran (--out "" used to build into the current directory)
      expect(readdirSync(cwd)).toEqual([]);
    });

  it("--precision tf32/bf16 with an architecture before sm_80 is TSDP6008 before any build (ptxas refused cp.async and .bf16 in hundreds of lines)", async () => {
    for (const args of [["compile", modelA, "--target", "cuda", "--arch", "sm_75,sm_90", "--precision", "bf16", "--out", join(fresh("old"), "o")], ["inspect", modelA, "--arch", "sm_75", "--precision", "tf32"]]) {
      const run = await tsdp(args);
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(/^error TSDP6008: --precision (bf16|tf32) needs sm_80 or newer; --arch includes sm_75\n {3}= help: .*--precision fp32/);
      expect(run.stderr).not.toMatch(/ptxas|nvcc/);
    }
  });

  it("an output directory that cannot be created is a one-line error (exit 1), not a hang or an internal error", async () => {
    const run = await tsdp(["compile", modelA, "--target", "cpu", "--out", "/proc/tsdp-cannot-be-here"]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^tsdp: \/proc\/tsdp-cannot-be-here: no such file or directory, and it cannot be created here \(ENOENT\)\n$/);
  });

  it("good values are accepted: --arch lists, decimal numbers, inspect --batch", async () => {
    const cuda = await tsdp(["compile", modelA, "--target", "cpu", "--arch", "sm_80,90,compute_90a", "--bucket-cap-mb", "0.5", "--out", join(fresh("ok"), "o")]);
    expect(cuda.stderr).toBe("");
    expect(cuda.status).toBe(0);
    const inspect = await tsdp(["inspect", modelA, "--batch", "2147483647", "--json"]);
    expect(inspect.status).toBe(0);
    expect(JSON.parse(inspect.stdout)).toBeTypeOf("object");
  });
});
