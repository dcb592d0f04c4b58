// bin/tsdp.js's shortcut for an up-to-date `tsdp compile` (compiler/6-build/up-to-date.mjs), on a
// hand-made output directory (no compiler runs): it answers only the exact command line a full
// run resolved, in the same directory and environment, and only while every input and output
// still hashes as recorded. The full CLI's answers are in test/build.test.ts and
// test/hardening-builddir.test.ts (class 3), which go through the shortcut.
import { createHash } from "node:crypto";
import { appendFileSync, mkdirSync, readdirSync, readFileSync, truncateSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fastUpToDate, isFreshBuild, MAX_RESOLUTIONS, MODULE_SCOPE, needsModuleScope, ownPackageJson, rememberResolution, tsdpFingerprint } from "../compiler/6-build/up-to-date.mjs";
import { scratchDir } from "./helpers.ts";

const sha = (s: string | Buffer) => createHash("sha256").update(s).digest("hex");

/** An output directory as a compile writes it, for model file `file`; returns the options it records. */
function fakeBuild(dir: string, file: string): string {
  const options = JSON.stringify({ model: null, target: "cpu", archs: [], precision: "fp32", bucketCapMb: 25 });
  mkdirSync(dir, { recursive: true });
  const library = Buffer.from("\x7fELF a library");
  const files: Record<string, string> = { "model.cu": "// kernels", "model.h": "// header", "index.js": "// the typed module", "index.d.ts": "// its types", "manifest.json": JSON.stringify({ model: "Net", kernels: [{}, {}], library: "libmodel.so", libraryBytes: library.length, librarySha256: sha(library) }) };
  // a directory outside any ES module project gets the package.json that makes index.js one
  if (needsModuleScope(dir)) files["package.json"] = MODULE_SCOPE;
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  writeFileSync(join(dir, "libmodel.so"), library);
  // the build cache's entry of that library, with its digest
  mkdirSync(join(dir, "..", "entry"), { recursive: true });
  writeFileSync(join(dir, "..", "entry", "libmodel.so"), library);
  writeFileSync(join(dir, "..", "entry", "libmodel.so.sha256"), `${sha(library)} ${library.length}\n`);
  const record = {
    version: 2,
    file,
    tsdp: tsdpFingerprint(),
    options,
    sources: { [file]: sha(`// model`) },
    outputs: Object.fromEntries(Object.entries(files).map(([n, t]) => [n, sha(t)])),
  };
  writeFileSync(join(dir, "build.json"), JSON.stringify(record));
  return options;
}

describe("the typed module's package scope", () => {
  it("is written where the enclosing package.json does not make .js files ES modules, and only there", () => {
    const work = scratchDir("tsdp-scope-");
    mkdirSync(join(work, "esm", "build", "m"), { recursive: true });
    writeFileSync(join(work, "esm", "package.json"), JSON.stringify({ name: "p", type: "module" }));
    mkdirSync(join(work, "cjs", "build", "m"), { recursive: true });
    writeFileSync(join(work, "cjs", "package.json"), JSON.stringify({ name: "q", version: "1.0.0" }));
    mkdirSync(join(work, "broken", "m"), { recursive: true });
    writeFileSync(join(work, "broken", "package.json"), "{ not json");
    expect(needsModuleScope(join(work, "esm", "build", "m"))).toBe(false);
    expect(needsModuleScope(join(work, "cjs", "build", "m"))).toBe(true);
    expect(needsModuleScope(join(work, "broken", "m"))).toBe(true);
    // the directory's own package.json (one an earlier compile wrote) does not decide
    writeFileSync(join(work, "esm", "build", "m", "package.json"), MODULE_SCOPE);
    expect(needsModuleScope(join(work, "esm", "build", "m"))).toBe(false);
    expect(ownPackageJson(join(work, "esm", "build", "m"))).toBeUndefined();
    // a package.json of the user's in the directory itself decides (a CommonJS one: buildModel refuses)
    mkdirSync(join(work, "esm", "app"), { recursive: true });
    writeFileSync(join(work, "esm", "app", "package.json"), JSON.stringify({ name: "app", dependencies: { x: "1" } }));
    expect(ownPackageJson(join(work, "esm", "app"))).toMatchObject({ name: "app" });
    expect(needsModuleScope(join(work, "esm", "app"))).toBe(true);
    writeFileSync(join(work, "cjs", "build", "m", "package.json"), JSON.stringify({ name: "esm-app", type: "module" }));
    expect(needsModuleScope(join(work, "cjs", "build", "m"))).toBe(false);
  });
});

describe("the up-to-date shortcut", () => {
  const work = scratchDir("tsdp-up-to-date-");
  const file = join(work, "model.ts");
  writeFileSync(file, "// model");
  const out = join(work, "out");
  const options = fakeBuild(out, file);
  const env = { TSDP_CACHE_DIR: join(work, "cache"), PATH: "/usr/bin" };
  const argv = ["compile", file, "--target", "cpu", "--out", out];

  it("checks the record, the sources and the outputs", () => {
    expect(isFreshBuild(out, file, options)).toBe(true);
    expect(isFreshBuild(out, file, options.replace("fp32", "tf32"))).toBe(false);
  });

  it("answers nothing before a full run resolved the command", () => {
    expect(fastUpToDate(argv, env, work)).toBeUndefined();
  });

  it("answers the resolved command with the full CLI's line, and nothing for any other", () => {
    rememberResolution(argv, { file, outDir: out, target: "cpu", options, cacheEntry: join(work, "entry") }, env, work);
    expect(fastUpToDate(argv, env, work)).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} → ${out.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} \\(cpu, up to date, \\d+ ms\\)\\n$`));
    expect(fastUpToDate([...argv, "--precision", "tf32"], env, work)).toBeUndefined();
    expect(fastUpToDate(argv, { ...env, TSDP_SHIM_MEMCHECK: "1" }, work)).toBeUndefined();
    expect(fastUpToDate(argv, { ...env, CXX: "clang++" }, work)).toBeUndefined();
    expect(fastUpToDate(argv, env, join(work, "elsewhere"))).toBeUndefined();
    expect(fastUpToDate(["inspect", file], env, work)).toBeUndefined();
  });

  it("keeps at most MAX_RESOLUTIONS commands' records: past it the least recently written go, down to 80 %", () => {
    const cache = join(work, "bounded");
    const records = join(cache, "commands");
    mkdirSync(records, { recursive: true });
    const now = Date.now();
    // records of earlier commands, the one at i written i minutes after the first
    for (let i = 0; i < MAX_RESOLUTIONS; i++) {
      const path = join(records, `${String(i).padStart(64, "0")}.json`);
      writeFileSync(path, "{}\n");
      const at = new Date(now - (MAX_RESOLUTIONS - i) * 60_000);
      utimesSync(path, at, at);
    }
    const bounded = { ...env, TSDP_CACHE_DIR: cache };
    rememberResolution(argv, { file, outDir: out, target: "cpu", options, cacheEntry: join(work, "entry") }, bounded, work);
    const left = readdirSync(records).sort();
    expect(left.length).toBe(0.8 * MAX_RESOLUTIONS);
    // the oldest went; the newest earlier ones and the one just written stayed, and it still answers
    expect(left).not.toContain(`${"0".repeat(64)}.json`);
    expect(left).toContain(`${String(MAX_RESOLUTIONS - 1).padStart(64, "0")}.json`);
    const earlier = new Set(Array.from({ length: MAX_RESOLUTIONS }, (_, i) => `${String(i).padStart(64, "0")}.json`));
    expect(left.filter((n) => !earlier.has(n))).toHaveLength(1);
    expect(fastUpToDate(argv, bounded, work)).toMatch(/up to date/);
  });

  it("answers nothing once a source, an output or the library changed", () => {
    const damages: [string, () => void][] = [
      ["an edited model file", () => appendFileSync(file, "\n// edited")],
      ["an edited model.cu", () => appendFileSync(join(out, "model.cu"), "\n// edited")],
      ["a truncated library", () => truncateSync(join(out, "libmodel.so"), 3)],
      ["a broken build.json", () => writeFileSync(join(out, "build.json"), "{")],
    ];
    for (const [what, damage] of damages) {
      writeFileSync(file, "// model");
      fakeBuild(out, file);
      expect(fastUpToDate(argv, env, work), `${what}: before`).toBeDefined();
      damage();
      expect(fastUpToDate(argv, env, work), what).toBeUndefined();
    }
  });

  it("fills a new output directory from the last intact one of the same command, and reports it as cached", () => {
    writeFileSync(file, "// model");
    fakeBuild(out, file);
    rememberResolution(argv, { file, outDir: out, target: "cpu", options, cacheEntry: join(work, "entry") }, env, work);
    const other = join(work, "other");
    expect(fastUpToDate(["compile", file, "--target", "cpu", `--out=${other}`], env, work)).toMatch(/^Net → .*other \(cpu, 2 kernels, cached in \d+ ms\)\n$/);
    for (const f of ["model.cu", "model.h", "index.js", "index.d.ts", "libmodel.so", "manifest.json", "build.json"]) expect(readFileSync(join(other, f)).equals(readFileSync(join(out, f))), f).toBe(true);
    expect(fastUpToDate(["compile", file, "--target", "cpu", "-o", other], env, work)).toMatch(/up to date/);
    // a directory with a build of its own in it is left to the full CLI; so are spellings it does not read
    const taken = join(work, "taken");
    mkdirSync(taken);
    writeFileSync(join(taken, "manifest.json"), "{}");
    expect(fastUpToDate(["compile", file, "--target", "cpu", "--out", taken], env, work)).toBeUndefined();
    expect(fastUpToDate(["compile", file, "--target", "cpu", `-o${join(work, "x")}`], env, work)).toBeUndefined();
    expect(fastUpToDate(["compile", file, "--target", "cpu", "--out", join(work, "y"), "--out", join(work, "z")], env, work)).toBeUndefined();
    // a cache entry that no longer holds the sealed library: nothing is copied (the full CLI rebuilds it)
    writeFileSync(join(work, "entry", "libmodel.so.sha256"), "");
    expect(fastUpToDate(["compile", file, "--target", "cpu", "--out", join(work, "v")], env, work)).toBeUndefined();
    fakeBuild(out, file);
    expect(fastUpToDate(["compile", file, "--target", "cpu", "--out", join(work, "u")], env, work)).toMatch(/cached in/);
    // an output directory that cannot be created: no shortcut, and no hang
    expect(fastUpToDate(["compile", file, "--target", "cpu", "--out", "/proc/tsdp-cannot-be-here"], env, work)).toBeUndefined();
    // the source changed since: nothing is copied
    appendFileSync(file, "\n// edited");
    expect(fastUpToDate(["compile", file, "--target", "cpu", "--out", join(work, "w")], env, work)).toBeUndefined();
  });
});
