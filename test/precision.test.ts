// --precision tf32|bf16: GEMMs and convolutions on tensor cores through mma.sync. On the CPU target
// the shim emulates the instruction lane by lane in the PTX fragment layouts, with the hardware's
// rounding, so the numerics (and the layouts) are tested here;
// nvcc must accept the same source for sm_80 and sm_90.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileCommand } from "../compiler/6-build/build.ts";
import { findNvcc } from "../compiler/6-build/toolchain.ts";
import { launchConfigs, parsePtxasLog, resourceProblems } from "../compiler/6-build/resources.ts";
import { generate } from "../compiler/pipeline.ts";
import { load, type Tensor } from "../runtime/index.ts";
import { makeInputs, referenceState, runReference } from "./target-helpers.ts";
import { compile } from "../compiler/pipeline.ts";
import { scratchDir } from "./helpers.ts";

// Max-norm error relative to the largest reference value: tf32 keeps 10 mantissa bits
// (2⁻¹¹ ≈ 5e-4 per rounding), bf16 keeps 7 (2⁻⁸ ≈ 4e-3); errors add up over a layer or two.
const TOLERANCE = { tf32: 5e-3, bf16: 3e-2 } as const;

describe("tensor-core precisions on the CPU target", () => {
  // LeNet in bf16 also with the GPU's kernel shapes, the maps nvcc gets (x staged along m in the
  // forward; the col2im epilogue is the fp32 template's only); nvcc builds both precisions below
  for (const precision of ["tf32", "bf16"] as const)
    for (const [example, shapeFor] of [["lenet", "cpu"], ["cifar10", "cpu"], ...(precision === "bf16" ? [["lenet", "gpu"] as const] : [])] as const)
      it(`${example} in ${precision}${shapeFor === "gpu" ? " with the GPU's kernel shapes" : ""} is within ${TOLERANCE[precision]} of the float64 reference`, async () => {
        const { model, build, generated } = await compile(`examples/${example}/model.ts`, {
          target: "cpu",
          precision,
          shapeFor,
          outDir: join("build", "test-precision", `${example}-${precision}-${shapeFor}`),
        });
        expect(generated.cu).toContain(precision === "tf32" ? "tsdp_mma_tf32_16x8x8(acc[i][j], fa[i], fb[j]);" : "tsdp_mma_bf16_16x8x16(acc[i][j], fa[i], fb[j]);");
        expect(generated.manifest.precision).toBe(precision);
        const m = await load<Tensor>(build.outDir);
        m.eval();
        const { tensors, reference } = makeInputs(model.graph, 16, 3);
        const got = m.forwardSync(...tensors);
        const want = runReference(model.graph, reference, referenceState(model.graph)).outputs[0];
        const scale = want.data.reduce((s, v) => Math.max(s, Math.abs(v)), 0);
        const err = want.data.reduce((s, v, i) => Math.max(s, Math.abs(v - got.data[i])), 0);
        expect(err / scale).toBeLessThan(TOLERANCE[precision]);
        // and it is not accidentally exact fp32: rounding leaves a trace
        expect(err).toBeGreaterThan(0);
        m.dispose();
      });
});

// LeNet (128×64 and 64×64 tiles, gathers) and the 4096-wide MLP (128×128 tiles: 64 accumulators a
// thread and the fragments): no kernel may spill or keep a local-memory stack (-Xptxas -v).
describe.skipIf(!findNvcc() && !process.env.CI)("nvcc builds the tensor-core kernels for sm_80 and sm_90, without spills", () => {
  for (const precision of ["tf32", "bf16"] as const)
    for (const model of ["examples/lenet/model.ts", "bench/models/gemm-mlp.ts"])
      it(`${model} in ${precision}`, async () => {
        const { generated } = generate(model, { target: "cuda", precision });
        if (model.includes("gemm-mlp")) expect(generated.cu).toMatch(/Tensor cores \([a-z0-9]+, mma\.sync m16n8k\d+\): 128×128 of C/);
        const dir = scratchDir("tsdp-tc-");
        writeFileSync(join(dir, "model.cu"), generated.cu);
        // asynchronous, so the worker keeps answering vitest's RPC heartbeat during a long nvcc run
        // the build's own nvcc command (the harness's headers, C++20), compile only, at -O1
        const command = compileCommand("cuda", join(dir, "model.cu"), join(dir, "model.o"), ["80", "90"], false, [], true).map((a) => (a === "-O3" ? "-O1" : a));
        const { stdout, stderr } = await promisify(execFile)(command[0], command.slice(1), { maxBuffer: 64 << 20 });
        const resources = parsePtxasLog(stdout + stderr);
        // every kernel reported on both architectures (a kernel missed is a spill missed)
        const defined = [...generated.cu.matchAll(/^__global__ void(?: __launch_bounds__\(\d+(?:, \d+)?\))? (\w+)\(/gm)].map((m) => m[1]).sort();
        for (const arch of ["sm_80", "sm_90"]) expect(resources.filter((r) => r.arch === arch && defined.includes(r.kernel)).map((r) => r.kernel).sort()).toEqual(defined);
        expect(resourceProblems(resources, launchConfigs(generated.cu))).toEqual([]);
      });
});
