// nvcc accepts the generated CUDA of every example for sm_90 (compile only, no GPU needed), and the
// main job's LeNet for sm_80 too, without spills or impossible launches; split from
// test/codegen.test.ts because nvcc takes most of a minute per example, which belongs in the native
// project, not the unit one. Every model for both architectures doubled the file's time (ResNet
// alone took a minute and, on a loaded machine, past the test's timeout): the kernels are shaped for
// the H100/H200 (sm_90), and sm_80's ptxas is checked on the model a new user runs first (and on
// the tensor-core kernels, test/precision.test.ts). MNIST was built for both too until Dec 6: its
// whole two-architecture compile took 12.4 s of CPU against 5.2 s for sm_90's kernels alone, and
// its convolutions, GEMMs and pooling come from the templates LeNet's sm_80 build puts through
// ptxas (its dropout kernels are checked on sm_90 only now).
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findNvcc } from "../compiler/6-build/toolchain.ts";
import { launchConfigs, parsePtxasLog, resourceProblems, trigKernels } from "../compiler/6-build/resources.ts";
import { generate } from "../compiler/pipeline.ts";
import { compileCommand } from "../compiler/6-build/build.ts";
import { scratchDir } from "./helpers.ts";

const examples = readdirSync("examples").filter((d) => !d.startsWith("."));
// the model-language features of issue 15 (factories, masks, joins, take, attention) and a port that
// uses them; torch's pointwise math (CUDA's rsqrtf, erff, rintf, asinhf, …) and PyTorch's other spellings;
// random numbers drawn in forward (Philox, logf and cospif in the kernels that read them)
const fixtures = ["test/fixtures/attention/model.ts", "test/fixtures/ports/nanogpt.ts", "test/fixtures/pytorch-spellings/model.ts", "test/fixtures/random-draws/model.ts", "test/fixtures/port-idioms/model.ts", "test/fixtures/volumes/model.ts", "test/fixtures/folded-batch/model.ts"];

// Without nvcc on a developer's machine this part cannot run; CI has nvcc and must run it.
// The same build reports each kernel's resources (-Xptxas -v): no kernel may spill or keep a
// local-memory stack, and no launch may ask for more than its kernel's resources allow.
describe.skipIf(!findNvcc() && !process.env.CI)("nvcc builds every example for sm_90 (and the first ones for sm_80), without spills or impossible launches", () => {
  // and bench/models/gemm-mlp.ts, whose 4096-wide GEMMs take the GPU's 8×8 thread tiles (64 accumulators a thread)
  const models = [...examples.map((ex) => [ex, `examples/${ex}/model.ts`]), ...fixtures.map((f) => [f, f]), ["gemm-mlp (8×8 thread tiles)", "bench/models/gemm-mlp.ts"]];
  const withSm80 = new Set(["lenet"]);
  expect([...withSm80].every((ex) => examples.includes(ex))).toBe(true);
  for (const [name, file] of models)
    it(withSm80.has(name) ? `${name} (sm_80 and sm_90)` : name, async () => {
      const archs = withSm80.has(name) ? ["80", "90"] : ["90"];
      const { generated } = generate(file, { target: "cuda" });
      const dir = scratchDir("tsdp-nvcc-");
      writeFileSync(join(dir, "model.cu"), generated.cu);
      // -c: compile only; the architectures in one invocation. Asynchronous: nvcc can take over a
      // minute, and a worker blocked that long misses vitest's RPC heartbeat. The models built for
      // sm_80 too are compiled whole (host code and kernels, as tsdp compile does); the others'
      // kernels only (-cubin, as tsdp inspect --arch: cudafe++ and the host compiler skipped, ptxas's
      // report the same), as their host code is the harness's and the launches' that the CPU target
      // compiles with g++ in every native test: ResNet 51 s → 32 s of this machine's CPU.
      const whole = withSm80.has(name);
      const command = compileCommand("cuda", join(dir, "model.cu"), join(dir, whole ? "model.o" : "model.cubin"), archs, false, [], whole ? true : "kernels").map((a) => (a === "-O3" ? "-O1" : a));
      const { stdout, stderr } = await promisify(execFile)(command[0], command.slice(1), { maxBuffer: 64 << 20 });
      const resources = parsePtxasLog(stdout + stderr);
      const defined = [...generated.cu.matchAll(/^__global__ void(?: __launch_bounds__\(\d+(?:, \d+)?\))? (\w+)\(/gm)].map((m) => m[1]);
      // every kernel of the code is reported once per architecture (a kernel missed is a spill missed)
      for (const arch of archs.map((a) => `sm_${a}`)) expect(resources.filter((r) => r.arch === arch && defined.includes(r.kernel)).map((r) => r.kernel).sort()).toEqual([...defined].sort());
      const launches = launchConfigs(generated.cu);
      expect(launches.length).toBe(generated.cu.split("TSDP_LAUNCH(").length - 1); // every launch (the macro is defined in runtime/harness/harness.h)
      expect(resourceProblems(resources, launches, trigKernels(generated.cu))).toEqual([]);
      // nvcc takes a minute on ResNet alone, twice that on a loaded 2-core machine
    }, 300_000);

  it("a kernels-only compile (tsdp inspect --arch) is one cubin for one architecture, with the build's options", () => {
    const whole = compileCommand("cuda", "model.cu", "model.o", ["90"], false, [], true);
    const kernels = compileCommand("cuda", "model.cu", "model.cubin", ["90"], false, [], "kernels");
    expect(kernels).toEqual(whole.map((a) => (a === "-c" ? "-cubin" : a === "model.o" ? "model.cubin" : a)));
    expect(() => compileCommand("cuda", "model.cu", "model.cubin", ["80", "90"], false, [], "kernels")).toThrow(RangeError);
    expect(() => compileCommand("cpu", "model.cu", "model.cubin", [], false, [], "kernels")).toThrow(RangeError);
  });

  it("tsdp inspect --arch sm_90 shows every kernel's registers, spills, stack and shared memory", async () => {
    const r = await promisify(execFile)(process.execPath, ["bin/tsdp.js", "inspect", "examples/mlp/model.ts", "--json", "--arch", "sm_90"], { maxBuffer: 64 << 20 });
    const report = JSON.parse(r.stdout);
    expect(report.resources.archs).toEqual(["sm_90"]);
    const names = report.resources.kernels.map((k: { kernel: string }) => k.kernel);
    for (const k of report.kernels) expect(names).toContain(`${k.name}_kernel`); // every forward kernel, and the step's
    for (const k of report.resources.kernels) {
      expect(k.arch).toBe("sm_90");
      expect(k.registers).toBeGreaterThan(0);
      expect(k.registers).toBeLessThanOrEqual(255);
    }
    // the GPU's 64×64 tile (128 threads of 8×4 outputs): As[32][68] and Bs[32][68] floats, rows padded
    // against bank conflicts (17,408 bytes), and split-K's one-byte flag for the tile's last block
    expect(report.resources.kernels.find((k: { kernel: string }) => k.kernel === "body_0_kernel")).toMatchObject({ threads: 128, sharedBytes: 17409 });
    expect(report.resources.problems).toEqual([]);
  });
});

