// `tsdp compile` end to end on the CPU target: the model directory, the build cache, a plain
// Node script that loads it, concurrent compiles, missing compilers and build errors.
import { spawn } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { explainBuildError } from "../compiler/6-build/build.ts";
import { multiline } from "../compiler/diagnostics/diagnostic.ts";
import { formatDiagnostic } from "../compiler/diagnostics/format.ts";
import { load, tensor, type Tensor } from "../runtime/index.ts";
import { runNode, scratchDir } from "./helpers.ts";
import { seededCacheDir } from "./test-cache.ts";

const tsdp = (args: string[], env: NodeJS.ProcessEnv = process.env) => runNode(["bin/tsdp.js", ...args], { env });
const fresh = () => scratchDir("tsdp-build-");

// a private build cache, so the first compile really builds the model (its harness seeded: test-cache.ts)
const privateCache = await seededCacheDir("tsdp-build-cache-");

describe("tsdp compile --target cpu", () => {
  const out = fresh();
  const env = { ...process.env, TSDP_CACHE_DIR: privateCache };

  it("writes model.cu, model.h, manifest.json and libmodel.so, and a second compile is up to date", async () => {
    const first = await tsdp(["compile", "examples/lenet/model.ts", "--target", "cpu", "--out", out], env);
    expect(first.stderr).toBe("");
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/SimpleModel → .* \(cpu, 4 kernels, built in \d+ ms\)/);
    for (const f of ["model.cu", "model.h", "manifest.json", "libmodel.so"]) expect(readFileSync(join(out, f)).length).toBeGreaterThan(0);
    const second = await tsdp(["compile", "examples/lenet/model.ts", "--target", "cpu", "--out", out], env);
    expect(second.status).toBe(0);
    expect(second.stdout).toMatch(/up to date/);
  });

  it("the directory runs from a plain Node script importing 'tsdp'", async () => {
    const run = await runNode(["examples/lenet/forward.mjs", out]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("SimpleModel on cpu: logits [4,10]");
  });

  it("a changed model file is rebuilt, reusing the library cache when the generated code is the same", async () => {
    const dir = fresh();
    cpSync("examples/lenet/model.ts", join(dir, "model.ts"));
    const a = await tsdp(["compile", join(dir, "model.ts"), "--target", "cpu", "--out", join(dir, "out")], env);
    expect(a.status).toBe(0);
    writeFileSync(join(dir, "model.ts"), readFileSync(join(dir, "model.ts"), "utf8") + "\n// a comment changes the file, not the code\n");
    const b = await tsdp(["compile", join(dir, "model.ts"), "--target", "cpu", "--out", join(dir, "out")], env);
    expect(b.status).toBe(0);
    expect(b.stdout).toMatch(/cached in \d+ ms/);
  });

  it("two compiles at once into one directory both succeed and leave a loadable library", async () => {
    const dir = fresh();
    const env2 = { ...process.env, TSDP_CACHE_DIR: await seededCacheDir("tsdp-build-cache-") };
    const once = () =>
      new Promise<number>((done) => {
        const p = spawn(process.execPath, ["bin/tsdp.js", "compile", "examples/cifar10/model.ts", "--target", "cpu", "--out", dir], { env: env2, stdio: "ignore" });
        p.on("exit", (code) => done(code ?? -1));
      });
    expect(await Promise.all([once(), once()])).toEqual([0, 0]);
    const m = await load<Tensor>(dir);
    expect(m.forwardSync(tensor(new Float32Array(2 * 3 * 32 * 32), [2, 3, 32, 32])).shape).toEqual([2, 10]);
    m.dispose();
  });

  it("refuses a library built for another model", async () => {
    const dir = fresh();
    cpSync(out, dir, { recursive: true });
    const other = fresh();
    expect((await tsdp(["compile", "examples/cifar10/model.ts", "--target", "cpu", "--out", other], env)).status).toBe(0);
    copyFileSync(join(other, "libmodel.so"), join(dir, "libmodel.so"));
    await expect(load(dir)).rejects.toThrow(/libmodel.so is not the library .*manifest.json was built with/);
  });

  it("bad input to the real library: clear errors, and the model keeps working", async () => {
    const m = await load<Tensor>(out);
    const good = tensor(new Float32Array(3 * 784), [3, 1, 28, 28]);
    const before = m.forwardSync(good);
    expect(() => m.forwardSync({ data: new Float32Array(100), shape: [3, 1, 28, 28] })).toThrow(/length|holds|elements/);
    expect(() => m.forwardSync({ data: new Float32Array(0), shape: [0, 1, 28, 28] })).toThrow(/batch/);
    expect(() => m.forwardSync({ data: new Float32Array(784), shape: [NaN, 1, 28, 28] })).toThrow(/batch|finite|integer/);
    expect(() => m.forwardSync({ data: new Int32Array(784), shape: [1, 1, 28, 28] })).toThrow(/Float32Array|float32/);
    expect(() => m.getParameter("fc3.weight")).toThrow(/no parameter or buffer named "fc3.weight"/);
    expect(() => m.setParameter("fc1.weight", tensor(new Float32Array(10), [10]))).toThrow(/shape|\[500, 800\]/);
    expect(Array.from(m.forwardSync(good).data)).toEqual(Array.from(before.data));
    m.dispose();
  });
});

describe("toolchain errors", () => {
  it("a missing nvcc says how to fix it", async () => {
    const r = await tsdp(["compile", "examples/lenet/model.ts", "--target", "cuda", "--out", fresh()], { ...process.env, TSDP_NVCC: "/nonexistent/nvcc" });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/error TSDP6002: nvcc was not found: install the CUDA toolkit and put nvcc on PATH \(or set TSDP_NVCC\), or build for the CPU with --target cpu/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  it("a bad TSDP_CACHE_MAX_MB stops the compile before its work, as TSDP3004 (not an internal error after the build)", async () => {
    const [cache, out] = [join(fresh(), "cache"), join(fresh(), "out")];
    const r = await tsdp(["compile", "examples/mlp/model.ts", "--target", "cpu", "--out", out], { ...process.env, TSDP_CACHE_DIR: cache, TSDP_CACHE_MAX_MB: "lots" });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error TSDP3004: TSDP_CACHE_MAX_MB must be a positive number of megabytes, got "lots"$/m);
    expect(r.stderr).not.toContain("internal error");
    // nothing was built or written
    expect(existsSync(cache)).toBe(false);
    expect(existsSync(out)).toBe(false);
  });

  it("a bad TSDP_CPU_OPT_LEVEL stops a CPU-target compile before its work, as TSDP3004", async () => {
    const [cache, out] = [join(fresh(), "cache"), join(fresh(), "out")];
    const r = await tsdp(["compile", "examples/mlp/model.ts", "--target", "cpu", "--out", out], { ...process.env, TSDP_CACHE_DIR: cache, TSDP_CPU_OPT_LEVEL: "fast" });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error TSDP3004: TSDP_CPU_OPT_LEVEL must be 0, 1, 2 or 3 \(g\+\+'s -O level of CPU-target builds\), got "fast"$/m);
    expect(r.stderr).not.toContain("internal error");
    expect(existsSync(cache)).toBe(false);
    expect(existsSync(out)).toBe(false);
  });

  it("compiled into an npm project's own directory (--out .), leaves its CommonJS package.json alone: TSDP6007, nothing written", async () => {
    const [cache, out] = [join(fresh(), "cache"), fresh()];
    const pkg = JSON.stringify({ name: "my-app", version: "1.0.0", dependencies: { tsdp: "*" } }, null, 2);
    writeFileSync(join(out, "package.json"), pkg);
    const r = await tsdp(["compile", "examples/mlp/model.ts", "--target", "cpu", "--out", out], { ...process.env, TSDP_CACHE_DIR: cache });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error TSDP6007: .*package\.json is your package's, not a build's: the compiled model's index\.js is an ES module/m);
    expect(readFileSync(join(out, "package.json"), "utf8")).toBe(pkg);
    expect(existsSync(join(out, "model.cu"))).toBe(false);
    // an ES-module project's own index.js (no earlier build there): not replaced either
    const esm = fresh();
    writeFileSync(join(esm, "package.json"), JSON.stringify({ name: "app", type: "module" }));
    writeFileSync(join(esm, "index.js"), "console.log('mine');\n");
    const r2 = await tsdp(["compile", "examples/mlp/model.ts", "--target", "cpu", "--out", esm], { ...process.env, TSDP_CACHE_DIR: cache });
    expect(r2.status).toBe(1);
    expect(r2.stderr).toMatch(/^error TSDP6007: .* holds index\.js and no earlier build of tsdp/m);
    expect(readFileSync(join(esm, "index.js"), "utf8")).toBe("console.log('mine');\n");
    // the same after a build of the same command line elsewhere, which the next compile copies
    // when it can (the fast path): it wrote { "type": "module" } over the package.json and its own index.js
    const built = await tsdp(["compile", "examples/mlp/model.ts", "--target", "cpu", "--out", join(fresh(), "elsewhere")], { ...process.env, TSDP_CACHE_DIR: cache });
    expect(built.status).toBe(0);
    writeFileSync(join(out, "index.js"), "module.exports = 1;\n");
    for (const dir of [out, esm]) {
      const again = await tsdp(["compile", "examples/mlp/model.ts", "--target", "cpu", "--out", dir], { ...process.env, TSDP_CACHE_DIR: cache });
      expect(again.status, again.stdout).toBe(1);
      expect(again.stderr).toMatch(/^error TSDP6007: /m);
    }
    expect(readFileSync(join(out, "package.json"), "utf8")).toBe(pkg);
    expect(readFileSync(join(out, "index.js"), "utf8")).toBe("module.exports = 1;\n");
    expect(readFileSync(join(esm, "index.js"), "utf8")).toBe("console.log('mine');\n");
  });

  it("a directory of the user's is left whole: a manifest.json of another kind, a folder named like a temporary, CommonJS scripts, the root", async () => {
    const cache = join(fresh(), "cache");
    const env = { ...process.env, TSDP_CACHE_DIR: cache };
    // a web app's manifest.json: refused as model.cu or index.js are
    const webapp = fresh();
    writeFileSync(join(webapp, "manifest.json"), '{"name": "My PWA", "icons": []}');
    const r = await tsdp(["compile", "examples/mlp/model.ts", "--target", "cpu", "--out", webapp], env);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error TSDP6007: .* holds manifest\.json and no earlier build of tsdp/m);
    expect(readFileSync(join(webapp, "manifest.json"), "utf8")).toBe('{"name": "My PWA", "icons": []}');
    // a folder whose name looks like a compile's temporary (old, its "pid" gone): not a compile's, kept
    const photos = fresh();
    mkdirSync(join(photos, "photos.build-2023-ff"));
    writeFileSync(join(photos, "photos.build-2023-ff", "img1.txt"), "irreplaceable");
    const old = Date.now() / 1000 - 2 * 24 * 3600;
    utimesSync(join(photos, "photos.build-2023-ff"), old, old);
    writeFileSync(join(photos, "notes.tmp-99999999-0badf00d"), "mine too");
    utimesSync(join(photos, "notes.tmp-99999999-0badf00d"), old, old);
    const built = await tsdp(["compile", "examples/mlp/model.ts", "--target", "cpu", "--out", photos], env);
    expect(built.status, built.stderr).toBe(0);
    expect(readFileSync(join(photos, "photos.build-2023-ff", "img1.txt"), "utf8")).toBe("irreplaceable");
    expect(readFileSync(join(photos, "notes.tmp-99999999-0badf00d"), "utf8")).toBe("mine too");
    // a CommonJS script beside the model (--out .): a package.json with "type": "module" would break it
    const scripts = fresh();
    writeFileSync(join(scripts, "util.js"), "require('fs');\n");
    const cjs = await tsdp(["compile", "examples/mlp/model.ts", "--target", "cpu", "--out", scripts], env);
    expect(cjs.status).toBe(1);
    expect(cjs.stderr).toMatch(/^error TSDP6007: .* holds util\.js, and the build would add a package\.json with "type": "module"/m);
    // refused before anything is built or staged there: the directory is as it was
    expect(readdirSync(scripts)).toEqual(["util.js"]);
    // the root of the file system
    const root = await tsdp(["compile", "examples/mlp/model.ts", "--target", "cpu", "--out", "/"], env);
    expect(root.status).toBe(1);
    expect(root.stderr).toMatch(/^error TSDP6007: \/ is the root of the file system/m);
  });

  it("a missing g++ says how to fix it", async () => {
    const r = await tsdp(["compile", "examples/lenet/model.ts", "--target", "cpu", "--out", fresh()], { ...process.env, PATH: "/nonexistent", CXX: "", TSDP_CACHE_DIR: fresh() });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/error TSDP6002: g\+\+ was not found/);
  });

  it("a compiler error names the generated line and the TypeScript line behind it", async () => {
    const cu = readFileSync(join(await tmpdirOf(), "model.cu"), "utf8");
    const line = cu.split("\n").findIndex((l) => l.includes("v = (v <= 0.0f ? 0.0f : v);")) + 1;
    const text = explainBuildError(`model.cu(${line}): error: identifier "v" is undefined`, cu, "/usr/local/bin/nvcc");
    expect(text).toContain(`generated line ${line}: v = (v <= 0.0f ? 0.0f : v);`);
    expect(text).toContain("in kernel conv1_relu_pool, from:\n    model.ts:12  x = this.pool(F.relu(this.conv1(x)));");
  });

  it("prints a compiler's report as lines under the message, not as one line with \\n in it", async () => {
    const cu = readFileSync(join(await tmpdirOf(), "model.cu"), "utf8");
    const line = cu.split("\n").findIndex((l) => l.includes("v = (v <= 0.0f ? 0.0f : v);")) + 1;
    const d = multiline("buildFailed", explainBuildError(`model.cu(${line}): error: identifier "v" is \u001b[2Jundefined`, cu, "/usr/local/bin/nvcc"));
    const shown = formatDiagnostic(d).split("\n");
    expect(shown[0]).toBe("error TSDP6003: nvcc failed to build the generated code:");
    expect(shown).toContain(`    generated line ${line}: v = (v <= 0.0f ? 0.0f : v);`);
    expect(shown).toContain("      model.ts:12  x = this.pool(F.relu(this.conv1(x)));");
    expect(shown.join("\n")).not.toContain("\\n");
    // a note is escaped as the message is: no terminal control sequence gets through
    expect(shown.join("\n")).not.toContain("\u001b");
    expect(shown.join("\n")).toContain("\\x1b[2J");
  });
});

async function tmpdirOf(): Promise<string> {
  // the first describe's output directory holds a generated model.cu
  const dir = fresh();
  expect((await tsdp(["compile", "examples/lenet/model.ts", "--target", "cpu", "--out", dir])).status).toBe(0);
  return dir;
}
