// Kernels with the same code emitted once (compiler/5-codegen/shared-kernels.ts): ResNet's repeated
// blocks against the same model generated with every kernel written out in full. That the aliases
// compile is test/nvcc.test.ts (ResNet for sm_90) and every CPU-target test of a model with
// repeated layers; this file checks the text: what is shared, what is not, and what eject and
// overrides see.
import { describe, expect, it } from "vitest";
import { generate } from "../compiler/pipeline.ts";
import { kernelSections } from "../compiler/6-build/kernel-records.ts";
import { withOverrides, type Override } from "../compiler/6-build/overrides.ts";
import { withKernelAliases } from "../compiler/6-build/resources.ts";
import { shareIdenticalKernels, type KernelAliasView } from "../compiler/5-codegen/shared-kernels.ts";
import { join } from "node:path";
import { header, writeFiles } from "./helpers.ts";

const shared = generate("examples/resnet/model.ts", { target: "cpu" }).generated.cu;
const full = generate("examples/resnet/model.ts", { target: "cpu", shareKernels: false }).generated.cu;
const NAMESPACE_END = "}  // namespace tsdp_kernels";
const kernelFunctions = (cu: string) => cu.match(/^__global__ /gm)?.length ?? 0;
const aliasLines = (cu: string) => cu.match(/^constexpr auto \w+ = \w+;$/gm) ?? [];

describe("kernels with the same code, compiled once", () => {
  it("emits ResNet's repeated blocks' kernels once and launches the copies under their own names", () => {
    // each alias line stands for one kernel function no longer compiled
    expect(aliasLines(shared).length).toBeGreaterThan(60);
    expect(kernelFunctions(shared) + aliasLines(shared).length).toBe(kernelFunctions(full));
    expect(aliasLines(full)).toEqual([]);
    // the host code is the same line for line: every launch keeps its name, arguments and configuration
    const host = (cu: string) => cu.slice(cu.indexOf(NAMESPACE_END)).replace(/\b[0-9a-f]{64}\b/g, "<hash>");
    expect(host(shared)).toBe(host(full));
    expect(shared.length).toBeLessThan(full.length * 0.92);
  });

  it("reads an alias section as the kernel it stands for: the text tsdp eject writes and the record overrides check", () => {
    const whole = new Map(kernelSections(full).map((s) => [s.name, s]));
    const sections = kernelSections(shared);
    expect(sections.map((s) => s.name)).toEqual([...whole.keys()]);
    for (const s of sections) {
      expect(s.text, s.name).toBe(whole.get(s.name)!.text);
      expect(s.record, s.name).toEqual(whole.get(s.name)!.record);
      if (s.sharesCodeOf !== undefined) expect(shared.slice(s.start, s.end)).toContain(`constexpr auto ${s.name}_kernel = ${s.sharesCodeOf}_kernel;`);
    }
    const copies = sections.filter((s) => s.sharesCodeOf !== undefined).length;
    expect(copies).toBe(aliasLines(shared).length);
    // the file's header says how many
    expect(shared).toContain(`\n//            ${copies} of the kernel sections below have an earlier one's code: aliases of it, compiled once\n`);
    expect(full).not.toContain("kernel sections below have");
  });

  it("writes out the copies of an overridden kernel in full: the user's file replaces that one kernel", () => {
    const sections = kernelSections(shared);
    const target = sections.find((s) => sections.filter((c) => c.sharesCodeOf === s.name).length >= 2)!;
    const copies = sections.filter((c) => c.sharesCodeOf === target.name);
    const text = `// tsdp-override: ${target.name}\n${target.text}`;
    const override: Override = { name: target.name, file: `/x/${target.name}.cu`, shown: `kernels/${target.name}.cu`, lineName: `kernels/${target.name}.cu`, text, sha256: "", fingerprint: "" };
    const spliced = withOverrides(shared, [override]);
    for (const c of copies) {
      expect(spliced).not.toContain(`constexpr auto ${c.name}_kernel = ${target.name}_kernel;`);
      expect(spliced).toContain(c.text);
    }
    // the copies of kernels not overridden stay aliases
    expect(aliasLines(spliced).length).toBe(aliasLines(shared).length - copies.length);
  });

  it("gives each alias the resources ptxas reported for the kernel it launches", () => {
    const [alias, of] = /^constexpr auto (\w+) = (\w+);$/m.exec(shared)!.slice(1);
    const resources = withKernelAliases([{ kernel: of, arch: "sm_90", registers: 40, sharedBytes: 1024, spillStoreBytes: 0, spillLoadBytes: 0, stackBytes: 0, barriers: 1 }], shared);
    expect(resources.find((r) => r.kernel === alias)).toEqual({ kernel: alias, arch: "sm_90", registers: 40, sharedBytes: 1024, spillStoreBytes: 0, spillLoadBytes: 0, stackBytes: 0, barriers: 1 });
  });
});

// Three blocks of the same shapes: their GEMMs are the same code (TSDP_GEMM_MICROKERNEL's tile helper, declared in the section)
const BLOCKS = `${header}
class Block extends nn.Module {
  fc = new nn.Linear(16, 16);
  forward(x: Tensor) {
    return F.relu(this.fc(x));
  }
}
export class Net extends nn.Module {
  blocks = new nn.ModuleList([new Block(), new Block(), new Block()]);
  forward(x: Tensor<[Batch, 16]>) {
    for (const b of this.blocks) x = b(x);
    return x;
  }
}
`;

describe("GEMM kernels", () => {
  // were never shared (ResNet's convolutions included: 0 of its GEMM sections): their tile helper is
  // declared as `TSDP_GEMM_MICROKERNEL void NAME_tile_fma(…)`, which the declarations did not count,
  // so the section read as calling a helper declared elsewhere
  it("shares the GEMMs of repeated layers: ResNet's convolutions and a stack of Linear layers", () => {
    expect(aliasLines(shared).filter((l) => /conv/.test(l)).length).toBeGreaterThan(20);
    const cu = generate(join(writeFiles({ "model.ts": BLOCKS }), "model.ts"), { target: "cpu" }).generated.cu;
    expect(aliasLines(cu)).toEqual(expect.arrayContaining(["constexpr auto blocks_1_fc_relu_kernel = blocks_0_fc_relu_kernel;", "constexpr auto blocks_2_fc_relu_kernel = blocks_0_fc_relu_kernel;"]));
  });

  it("stops sharing a kernel the tuning file gives other knobs: its tile is in its code", () => {
    const tune = JSON.stringify({ kernels: { blocks_1_fc_relu: { tile: "64x64" } } });
    const cu = generate(join(writeFiles({ "model.ts": BLOCKS, "model.tune.json": tune }), "model.ts"), { target: "cpu" }).generated.cu;
    expect(aliasLines(cu)).toContain("constexpr auto blocks_2_fc_relu_kernel = blocks_0_fc_relu_kernel;");
    expect(cu).toMatch(/^__global__ void __launch_bounds__\(256, 1\) blocks_1_fc_relu_kernel\(/m);
  });
});

describe("what is not shared", () => {
  const section = (name: string, code: string) => `// ${"-".repeat(93)}\n// ${name}: a test kernel\n//   model.ts:1  x\n\n${code.replaceAll("NAME", name)}\n`;
  const alias = (v: KernelAliasView) => `ALIAS ${v.header[1]} OF ${v.of}: ${v.aliases.map((a) => `${a.name}=${a.of}`).join(" ")}`;

  it("shares two kernels that differ in their names and comments only, each function aliased", () => {
    const code = "__device__ __forceinline__ float NAME_f(float x) { return x * 2.0f; }  // NAME's helper\n__global__ void NAME_kernel(float* x) { x[0] = NAME_f(x[0]); }";
    const out = shareIdenticalKernels([section("a", code), section("b", code)], alias);
    expect(out.shared).toBe(1);
    expect(out.texts[1]).toBe("ALIAS // b: a test kernel OF a: b_kernel=a_kernel");
  });

  it("does not share a kernel that calls a helper named after it but declared elsewhere: renamed, the call would reach another kernel's helper", () => {
    const code = "__global__ void NAME_kernel(float* x) { x[0] = NAME_scale_f(x[0]); }";
    expect(shareIdenticalKernels([section("a", code), section("b", code)], alias).shared).toBe(0);
  });

  it("compares code, not comments: a // inside a string literal is code", () => {
    const a = section("a", '__global__ void NAME_kernel(float* x) { printf("//one"); }');
    const b = section("b", '__global__ void NAME_kernel(float* x) { printf("//two"); }');
    expect(shareIdenticalKernels([a, b], alias).shared).toBe(0);
  });

  it("does not share kernels whose code differs in a constant", () => {
    const a = section("a", "__global__ void NAME_kernel(float* x) { x[0] = 1.0f; }");
    const b = section("b", "__global__ void NAME_kernel(float* x) { x[0] = 2.0f; }");
    expect(shareIdenticalKernels([a, b], alias).shared).toBe(0);
  });
});
