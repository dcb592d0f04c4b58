import { execFileSync } from "node:child_process";
import { lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeAtomic, writeExclusive } from "../compiler/6-build/cache.ts";
import { measureCounters } from "../compiler/counters.ts";
import { tune } from "../compiler/tuning/tune.ts";
import { SafetensorsError, writeSafetensorsFile } from "../runtime/safetensors.ts";
import { header, writeFiles } from "./helpers.ts";

// sec57 F1/F2: a file tsdp writes never goes through a symlink someone planted at its name (in a
// model's directory, a build directory): the file the link points to stays as it was. Every write
// is a file created exclusively ("wx"), renamed onto its destination where it replaces one.

const HEAD = `${header}export class Head extends nn.Module {\n  fc = new nn.Linear(8, 4);\n  forward(x: Tensor<[Batch, 8]>) {\n    return this.fc(x);\n  }\n}\n`;
const VICTIM = "the victim's own text\n";

/** A directory with a victim file outside the place tsdp writes to. */
function withVictim(files: Record<string, string> = {}): { dir: string; victim: string } {
  const dir = writeFiles({ ...files, "outside/victim.txt": VICTIM });
  return { dir, victim: join(dir, "outside", "victim.txt") };
}

describe("writes never follow a planted symlink", () => {
  it("writeExclusive replaces a link at its name (dangling or not); writeAtomic's rename replaces a link at the destination", () => {
    const { dir, victim } = withVictim();
    const link = join(dir, "pending.json");
    symlinkSync(victim, link);
    writeExclusive(link, "{}\n");
    expect(readFileSync(victim, "utf8")).toBe(VICTIM);
    expect(lstatSync(link).isSymbolicLink()).toBe(false);
    const dangling = join(dir, "dangling.json");
    symlinkSync(join(dir, "outside", "new.txt"), dangling);
    writeExclusive(dangling, "{}\n");
    expect(() => lstatSync(join(dir, "outside", "new.txt"))).toThrow(/ENOENT/);
    const out = join(dir, "out.json");
    symlinkSync(victim, out);
    writeAtomic(out, "{}\n");
    expect(readFileSync(victim, "utf8")).toBe(VICTIM);
    expect(readFileSync(out, "utf8")).toBe("{}\n");
    expect(lstatSync(out).isSymbolicLink()).toBe(false);
  });

  it("tsdp tune: a link planted at its pending file's name (its own pid) is not written through, and the tuning file is a file", async () => {
    const { dir, victim } = withVictim({ "model.ts": HEAD });
    mkdirSync(join(dir, "tuning"));
    // the pending name is predictable: .<pid>.pending.tune.json (tune runs in this process)
    symlinkSync(victim, join(dir, "tuning", `.${process.pid}.pending.tune.json`));
    const out = join(dir, "tuning", "head.tune.json");
    const r = await tune(join(dir, "model.ts"), { batch: 8, gpu: "h100", by: "model", verifyDir: join(dir, "verify"), out });
    expect(r.verification.ok, r.verification.problems.join("\n")).toBe(true);
    expect(readFileSync(victim, "utf8")).toBe(VICTIM);
    expect(lstatSync(out).isFile()).toBe(true);
    expect(JSON.parse(readFileSync(out, "utf8"))).toHaveProperty("kernels");
  }, 600_000);

  it("tsdp counters: a link planted at the default counters file in the build directory is replaced, not written through", async () => {
    const { dir, victim } = withVictim({ "model.ts": HEAD });
    const buildDir = join(dir, "build");
    mkdirSync(buildDir);
    const planted = join(buildDir, "counters-forward-b4.json");
    symlinkSync(victim, planted);
    const r = await measureCounters(join(dir, "model.ts"), { batch: 4, program: "forward", buildDir });
    expect(r.path).toBe(planted);
    expect(readFileSync(victim, "utf8")).toBe(VICTIM);
    expect(lstatSync(planted).isFile()).toBe(true);
    expect(JSON.parse(readFileSync(planted, "utf8")).program).toBe("forward");
    // a path the user names with --out is written where it leads (rev59: out.json -> /dev/stdout)
    const target = join(dir, "outside", "results.json");
    const named = join(dir, "out.json");
    symlinkSync(target, named);
    await measureCounters(join(dir, "model.ts"), { batch: 4, program: "forward", buildDir, out: named });
    expect(lstatSync(named).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(target, "utf8")).program).toBe("forward");
  }, 600_000);
});

describe("an atomic write's rename never replaces a device, FIFO or directory at its name", () => {
  const tensors = { w: { dtype: "F32" as const, shape: [2], data: new Float32Array([1, 2]) } };
  const writeError = (path: string) => writeSafetensorsFile(path, tensors).then(() => undefined, (e: unknown) => e as SafetensorsError);

  it("writeSafetensorsFile (saveCheckpoint) refuses them before writing anything (probe62: saveCheckpoint(\"/dev/null\") as root replaced /dev/null with a file)", async () => {
    const dir = writeFiles({});
    const fifo = join(dir, "fifo.safetensors");
    execFileSync("mkfifo", [fifo]);
    // a link to the FIFO, not to /dev/null: run against a writer without the check, as root, this
    // test would itself replace the machine's /dev/null
    symlinkSync(fifo, join(dir, "link.safetensors"));
    mkdirSync(join(dir, "sub.safetensors"));
    const fifoError = await writeError(fifo);
    expect([fifoError?.code, fifoError?.message]).toEqual(["IoError", `${fifo}: cannot write the file: it is not a regular file (a device, FIFO or socket), which the write's rename would replace; give the path of a file [IoError]`]);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    expect((await writeError(join(dir, "link.safetensors")))?.message).toContain(`${fifo}, where it leads, is not a regular file`);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    // a directory failed only at the rename, after the whole file was written beside it (in its parent)
    expect((await writeError(join(dir, "sub.safetensors")))?.message).toBe(`${join(dir, "sub.safetensors")}: cannot write the file: it is a directory; give the path of a file [IoError]`);
    expect(readdirSync(dir).sort()).toEqual(["fifo.safetensors", "link.safetensors", "sub.safetensors"]);
  });

  it("tsdp tune --out a FIFO is a usage error before the search", async () => {
    const dir = writeFiles({ "model.ts": HEAD });
    const out = join(dir, "fifo.tune.json");
    execFileSync("mkfifo", [out]);
    await expect(tune(join(dir, "model.ts"), { batch: 8, gpu: "h100", by: "model", verifyDir: join(dir, "verify"), out })).rejects.toThrow(
      `--out ${out} is not a regular file (a device, FIFO or socket), which writing the tuning file would replace`,
    );
    expect(lstatSync(out).isFIFO()).toBe(true);
  });
});
