// Verified kernel overrides (issue 18, item 3): `tsdp eject` copies a generated kernel of LeNet
// into kernels/NAME.cu; a compile uses the user's file in place of the generated kernel while the
// record in its header (signatures, tensor shapes, launch) matches, and installs the library only
// after it agrees with the float64 reference (compiler/6-build/verify-overrides.ts).
// Numbers: the forward of the accepted library against the reference interpreter, rtol 1e-4,
// atol 1e-5 (test/target-helpers.ts expectClose). Builds: two CPU-target libraries at -O0 (the
// correct and the wrong edit, and the wrong edit's GPU-shaped twin) and one g++ run that fails; nvcc
// never runs (the CUDA-target case is refused before it).
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ejectKernel } from "../compiler/eject.ts";
import { compile, generate } from "../compiler/pipeline.ts";
import { ejectedText, findOverrides, kernelSections, kernelsDirectory, overrideFiles, overridesRecord, withOverrides, type Override } from "../compiler/6-build/overrides.ts";
import { CompileError, type Diagnostic } from "../compiler/diagnostics/diagnostic.ts";
import { load } from "../runtime/index.ts";
import { runNode, writeFiles } from "./helpers.ts";
import { expectClose, makeInputs, referenceState, runReference } from "./target-helpers.ts";

const root = join(import.meta.dirname, "..");
const lenet = readFileSync(join(root, "examples", "lenet", "model.ts"), "utf8");
const KERNEL = "fc1_relu";

/** The diagnostics a compile fails with (it must fail). */
async function failure(p: Promise<unknown>): Promise<readonly Diagnostic[]> {
  try {
    await p;
  } catch (e) {
    if (e instanceof CompileError) return e.diagnostics;
    throw e;
  }
  throw new Error("expected the compile to fail");
}

/** `text` with `from` replaced once; fails when `from` is not there (the test would test nothing). */
function edit(text: string, from: string, to: string): string {
  expect(text).toContain(from);
  return text.replace(from, to);
}

describe("tsdp eject", () => {
  it("writes the kernel with the record of what it was generated for", () => {
    const dir = writeFiles({ "model.ts": lenet });
    const path = ejectKernel(join(dir, "model.ts"), KERNEL, { target: "cpu" });
    expect(path).toBe(join(dir, "kernels", `${KERNEL}.cu`));
    const text = readFileSync(path, "utf8");
    expect(text.split("\n")[0]).toBe(`// tsdp-override: ${KERNEL}`);
    expect(text).toMatch(/^\/\/ tsdp-signature: fc1_relu_kernel\(const float\* __restrict__ a, .*int M, int batch\)$/m);
    expect(text).toContain("// tsdp-shape: fc1.weight [500, 800]");
    expect(text).toMatch(/^\/\/ tsdp-launch: const int M = batch; grid dim3\(.*\) block dim3\(\d+\)$/m);
    // the generated section itself: the TypeScript line it came from, the __global__ function
    expect(text).toContain("model.ts:15  x = F.relu(this.fc1(x));");
    expect(text).toContain("__global__ void");
  });

  it("names the nearest kernels for an unknown name, and never overwrites a file", () => {
    const dir = writeFiles({ "model.ts": lenet });
    const file = join(dir, "model.ts");
    let caught: unknown;
    try {
      ejectKernel(file, "fc1_rleu", { target: "cpu" });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(CompileError);
    const d = (caught as CompileError).diagnostics[0];
    expect(d.code).toBe("TSDP7101");
    expect(d.notes?.[0]).toMatch(/^did you mean fc1_relu\b.*kernels: conv1_relu_pool, /);
    ejectKernel(file, KERNEL, { target: "cpu" });
    expect(() => ejectKernel(file, KERNEL, { target: "cpu" })).toThrow(/TSDP7102/);
  });

  it("leaves a file of the user's named kernels alone: compile reads no overrides from it, eject says why it cannot write there", () => {
    const dir = writeFiles({ "model.ts": lenet, kernels: "my notes on kernels\n" });
    const file = join(dir, "model.ts");
    expect(overrideFiles(kernelsDirectory(file)).size).toBe(0);
    expect(findOverrides(generate(file, { target: "cpu" }).generated.cu, kernelsDirectory(file), dir)).toEqual([]);
    expect(() => ejectKernel(file, KERNEL, { target: "cpu" })).toThrow(/TSDP7108.*kernels is a file, not a directory/);
    expect(readFileSync(join(dir, "kernels"), "utf8")).toBe("my notes on kernels\n");
  });

  it("refuses a dangling symlink at the kernel's file with TSDP7102 naming the link (sec57 F9: it was an internal EEXIST), writing nothing", () => {
    const dir = writeFiles({ "model.ts": lenet });
    mkdirSync(join(dir, "kernels"));
    const missing = join(dir, "elsewhere", "missing.cu");
    symlinkSync(missing, join(dir, "kernels", `${KERNEL}.cu`));
    let caught: unknown;
    try {
      ejectKernel(join(dir, "model.ts"), KERNEL, { target: "cpu" });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(CompileError);
    const d = (caught as CompileError).diagnostics[0];
    expect(d.code).toBe("TSDP7102");
    expect(d.message).toContain(`as a symbolic link to ${missing} (which does not exist)`);
    expect(existsSync(missing)).toBe(false);
  });
});

describe("tsdp eject and tsdp inspect on the command line", () => {
  it("ejects into kernels/, refuses a second time, and inspect lists the kernel as the user's", async () => {
    const dir = writeFiles({ "model.ts": lenet });
    const tsdp = (...args: string[]) => runNode([join(root, "bin", "tsdp.js"), ...args], { cwd: dir });
    const first = await tsdp("eject", "model.ts", KERNEL, "--target", "cuda");
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toBe(`${KERNEL} → ${join(dir, "kernels", `${KERNEL}.cu`)}\n  edit it; tsdp compile uses it in place of the generated kernel once it matches the float64 reference\n`);
    const again = await tsdp("eject", "model.ts", KERNEL, "--target", "cuda");
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/^error TSDP7102: .*fc1_relu\.cu exists already/);
    // inspect shows the CUDA code with the GPU's kernel shapes: the kernel ejected for it fits
    const inspected = await tsdp("inspect", "model.ts");
    expect(inspected.status, inspected.stderr).toBe(0);
    expect(inspected.stdout).toContain("User kernels (kernels/; tsdp eject)\n  fc1_relu  user override (kernels/fc1_relu.cu), verified at compile\n");
  });
});

describe("splicing user kernels into model.cu", () => {
  it("puts each file in place of its section, with #line naming the file and then model.cu's own line", () => {
    const dir = writeFiles({ "model.ts": lenet });
    const file = join(dir, "model.ts");
    const cu = generate(file, { target: "cpu" }).generated.cu;
    const sections = kernelSections(cu);
    expect(sections.length).toBe(17);
    const overrides: Override[] = sections.map((s) => {
      const text = ejectedText(s, file);
      return { name: s.name, file: `/x/${s.name}.cu`, shown: `kernels/${s.name}.cu`, lineName: `kernels/${s.name}.cu`, text, sha256: "", fingerprint: "" };
    });
    const spliced = withOverrides(cu, overrides);
    const lines = spliced.split("\n");
    // the text without the directives and the files' headers is model.cu again
    let back = spliced.replace(/^#line .*\n/gm, "");
    for (const o of overrides) back = back.replace(o.text.slice(0, o.text.indexOf("// ----")), "");
    expect(back).toBe(cu);
    // every "#line N "model.cu"" names the line that follows it
    const restores = lines.flatMap((l, i) => (/^#line (\d+) "model\.cu"$/.test(l) ? [[Number(l.split(" ")[1]), i + 2]] : []));
    expect(restores.length).toBe(17);
    for (const [named, actual] of restores) expect(named).toBe(actual);
    expect(lines.filter((l) => l === '#line 1 "kernels/fc1_relu.cu"')).toHaveLength(1);
  });
});

describe("a compile with an ejected LeNet kernel", () => {
  let dir = "";
  let kernelFile = "";
  let generated = "";
  const outDir = () => join(dir, "build");
  const build = (file = "model.ts") => compile(join(dir, file), { target: "cpu", outDir: outDir(), fastBuild: true });

  beforeAll(() => {
    dir = writeFiles({ "model.ts": lenet });
    kernelFile = ejectKernel(join(dir, "model.ts"), KERNEL, { target: "cpu" });
    generated = readFileSync(kernelFile, "utf8");
  });

  it("uses a correct edit (another loop order) once it matches the reference", async () => {
    // j outer, i inner: the same 16 independent accumulators, updated in another order
    const swapped = edit(
      generated,
      "for (int i = 0; i < 4; ++i)\n            #pragma unroll\n            for (int j = 0; j < 4; ++j) acc[i][j] = fmaf(ra[i], rb[j], acc[i][j]);",
      "for (int j = 0; j < 4; ++j)\n            #pragma unroll\n            for (int i = 0; i < 4; ++i) acc[i][j] = fmaf(ra[i], rb[j], acc[i][j]); // user: j outer",
    );
    writeFileSync(kernelFile, swapped);
    const compiled = await build();
    expect((compiled.build as { verified?: string[] }).verified?.[0]).toMatch(/^CPU target: verified fc1_relu \(kernels\/fc1_relu\.cu\) against the float64 reference/);
    const manifest = JSON.parse(readFileSync(join(outDir(), "manifest.json"), "utf8"));
    expect(manifest.overrides).toEqual([expect.objectContaining({ kernel: KERNEL, file: "kernels/fc1_relu.cu" })]);
    expect(readFileSync(join(outDir(), "model.cu"), "utf8")).toContain("// user: j outer");

    const m = await load(outDir());
    try {
      expect(m.describe()).toMatch(/user kernels: fc1_relu \(kernels\/fc1_relu\.cu\)$/);
      const graph = compiled.model.graph;
      const { tensors, reference } = makeInputs(graph, 3, 11);
      const got = m.forwardAllSync(...tensors);
      const want = runReference(graph, reference, referenceState(graph));
      expectClose(got[0].data as Float32Array, want.outputs[0].data, "forward with the user's fc1_relu");
    } finally {
      m.dispose();
    }
  }, 300_000); // the describe's first build: LeNet, the verification's reference, and the library (125 s on a loaded 2-core machine)

  it("refuses an off-by-one in a bound, names the kernel and where, and keeps the previous build", async () => {
    const before = readFileSync(join(outDir(), "manifest.json"), "utf8");
    // the last column of k (input feature 799 of fc1) is dropped
    writeFileSync(kernelFile, edit(generated, "c.ok = k < 800;", "c.ok = k < 799;"));
    const [d, ...rest] = await failure(build());
    expect(rest).toEqual([]);
    expect(d.code).toBe("TSDP7106");
    expect(d.message).toMatch(/your kernel fc1_relu \(kernels\/fc1_relu\.cu\) disagrees with the float64 reference: largest error \d\.\d+e[-+]\d+ in .+ at \[\d+(, \d+)*\] \(got /);
    expect(d.loc?.file).toBe(kernelFile);
    // nothing was installed: the accepted build is still there, and loads
    expect(readFileSync(join(outDir(), "manifest.json"), "utf8")).toBe(before);
    const m = await load(outDir());
    m.dispose();
  });

  it("refuses a kernel right on the first rows and wrong past them: checked at batch 67 too (past a 64-row tile)", async () => {
    expect(generated).toContain("v = (v <= 0.0f ? 0.0f : v);");
    writeFileSync(kernelFile, edit(generated, "v = (v <= 0.0f ? 0.0f : v);", "v = (v <= 0.0f ? 0.0f : v) + (m >= 8 ? 1.0f : 0.0f);"));
    const [d] = await failure(build());
    expect(d.code).toBe("TSDP7106");
    // a sample past the first 8: found at batch 67
    expect(d.message, d.message).toMatch(/ at \[(?:[89]|[1-6]\d)(?:, \d+)*\] \(got /);
  }, 300_000); // the verification builds and runs at two batches (190 s on a 2-core machine at load 13)

  it("reports a kernel that does not compile at the user's file and line", async () => {
    const lines = generated.split("\n");
    const at = lines.findIndex((l) => l.includes("const int kBegin = 0, kEnd = 800;"));
    expect(at).toBeGreaterThan(0);
    lines[at] = "    const int kBegin = 0, kEnd = 800 +;";
    writeFileSync(kernelFile, lines.join("\n"));
    const [d] = await failure(build());
    expect(d.code).toBe("TSDP7105");
    expect(d.message).toMatch(/^your kernel fc1_relu does not compile: /);
    expect(d.loc).toMatchObject({ file: kernelFile, line: at + 1 });
  });

  it("reads none with --no-kernels (kernelsDir false): a model directory's kernels/ is its author's native code, which the verification would build and run", async () => {
    // the kernel that does not compile (the test above) is still in kernels/
    expect(readFileSync(kernelFile, "utf8")).toContain("kEnd = 800 +;");
    const out = join(dir, "no-kernels");
    const compiled = await compile(join(dir, "model.ts"), { target: "cpu", outDir: out, fastBuild: true, kernelsDir: false });
    expect((compiled.build as { verified?: string[] }).verified).toBeUndefined();
    expect(JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")).overrides).toBeUndefined();
    expect(readFileSync(join(out, "model.cu"), "utf8")).not.toContain("kernels/fc1_relu.cu");
  });

  it("stops a kernel that faults in a process of its own: the compiler lives, names the faulting line (AddressSanitizer), keeps the previous build", async () => {
    const before = readFileSync(join(outDir(), "manifest.json"), "utf8");
    const lines = generated.split("\n");
    const store = "*reinterpret_cast<float4*>(&out[at]) = make_float4(r[0], r[1], r[2], r[3]);";
    const at = lines.findIndex((l) => l.includes(store));
    expect(at).toBeGreaterThan(0);
    // a store 400 MB past the output: outside any allocation, where the plain library faults
    lines[at] = lines[at].replace("&out[at]", "&out[at + ((size_t)100 << 20)]");
    writeFileSync(kernelFile, lines.join("\n"));
    const [d, ...rest] = await failure(build());
    expect(rest).toEqual([]);
    expect(d.code).toBe("TSDP7107");
    expect(d.message).toMatch(/^the library with your kernel fc1_relu \(kernels\/fc1_relu\.cu\) was killed by SIGSEGV during the eval-mode forward \(its check at batch 8/);
    // the memcheck rerun placed the access: the notes name the line, and the code frame is there
    const notes = (d.notes ?? []).join("\n");
    expect(notes).toMatch(/memcheck \(AddressSanitizer, the same check\): SEGV/);
    expect(notes).toContain(`fc1_relu_kernel at kernels/fc1_relu.cu:${at + 1}`);
    expect(d.loc).toMatchObject({ file: kernelFile, line: at + 1 });
    expect(readFileSync(join(outDir(), "manifest.json"), "utf8")).toBe(before);
  }, 300_000); // two builds: the plain library, then its AddressSanitizer twin

  it("verifies a CUDA build's override on the CPU target with the GPU's kernel shapes, and refuses a wrong one before nvcc runs", async () => {
    const gpuDir = writeFiles({ "model.ts": lenet });
    const file = ejectKernel(join(gpuDir, "model.ts"), KERNEL, { target: "cuda" });
    const gpuKernel = readFileSync(file, "utf8");
    // the GPU's tiles differ from the CPU target's: the record says so, and the CPU-target kernel would be stale
    expect(gpuKernel).not.toBe(generated);
    writeFileSync(file, edit(gpuKernel, "c.ok = k < 800;", "c.ok = k < 799;"));
    const [d] = await failure(compile(join(gpuDir, "model.ts"), { target: "cuda", archs: ["90"], outDir: join(gpuDir, "build") }));
    expect(d.code).toBe("TSDP7106");
    expect(d.message).toMatch(/your kernel fc1_relu .* largest error/);
  });

  it("reports a stale override after a model change, saying what changed", async () => {
    writeFileSync(kernelFile, generated);
    writeFileSync(join(dir, "wider.ts"), edit(edit(lenet, "nn.Linear(50 * 4 * 4, 500)", "nn.Linear(50 * 4 * 4, 400)"), "nn.Linear(500, 10)", "nn.Linear(400, 10)"));
    const [d] = await failure(build("wider.ts"));
    expect(d.code).toBe("TSDP7104");
    expect(d.message).toBe("kernels/fc1_relu.cu was ejected for another version of kernel fc1_relu:");
    expect(d.notes).toContain("tensor 2 (fc1.weight): shape [500, 800] became [400, 800]");
    expect(d.loc?.file).toBe(kernelFile);
  });

  it("refuses a file whose record was edited, and keys builds by the files' contents", () => {
    const recorded = overridesRecord(join(dir, "model.ts")).overrides?.[KERNEL];
    writeFileSync(kernelFile, edit(generated, "// tsdp-shape: fc1.weight [500, 800]", "// tsdp-shape: fc1.weight [500, 801]"));
    expect(overridesRecord(join(dir, "model.ts")).overrides?.[KERNEL]).not.toBe(recorded);
    return failure(build()).then(([d]) => {
      expect(d.code).toBe("TSDP7103");
      expect(d.message).toMatch(/header lines were edited/);
    });
  });
});
