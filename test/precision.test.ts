// --precision tf32|bf16: GEMMs and convolutions on tensor cores through mma.sync. On the CPU target
// the shim emulates the instruction lane by lane in the PTX fragment layouts, with the hardware's
// rounding, so the numerics (and the layouts) are tested here;
// nvcc must accept the same source for sm_80 and sm_90.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileCommand } from "../compiler/6-build/build.ts";
import { findNvcc } from "../compiler/6-build/toolchain.ts";
import { generate } from "../compiler/pipeline.ts";
import { load, type Tensor } from "../runtime/index.ts";
import { makeInputs, referenceState, runReference } from "./target-helpers.ts";
import { compile } from "../compiler/pipeline.ts";

// Max-norm error relative to the largest reference value: tf32 keeps 10 mantissa bits
// (2⁻¹¹ ≈ 5e-4 per rounding), bf16 keeps 7 (2⁻⁸ ≈ 4e-3); errors add up over a layer or two.
const TOLERANCE = { tf32: 5e-3, bf16: 3e-2 } as const;

describe("tensor-core precisions on the CPU target", () => {
  for (const precision of ["tf32", "bf16"] as const)
    for (const example of ["lenet", "cifar10"])
      it(`${example} in ${precision} is within ${TOLERANCE[precision]} of the float64 reference`, async () => {
        const { model, build, generated } = await compile(`examples/${example}/model.ts`, {
          target: "cpu",
          precision,
          outDir: join("build", "test-precision", `${example}-${precision}`),
        });
        expect(generated.cu).toContain(precision === "tf32" ? "tsdp_mma_tf32_16x8x8(acc[i][j], fa[i], fb[j]);" : "tsdp_mma_bf16_16x8x16(acc[i][j], fa[i], fb[j]);");
        expect(generated.manifest.precision).toBe(precision);
        const m = await load<Tensor>(build.outDir);
        m.eval();
        const { tensors, reference } = makeInputs(model.graph, 16, 3);
        const got = m.forward(...tensors);
        const want = runReference(model.graph, reference, referenceState(model.graph)).outputs[0];
        const scale = want.data.reduce((s, v) => Math.max(s, Math.abs(v)), 0);
        const err = want.data.reduce((s, v, i) => Math.max(s, Math.abs(v - got.data[i])), 0);
        expect(err / scale).toBeLessThan(TOLERANCE[precision]);
        // and it is not accidentally exact fp32: rounding leaves a trace
        expect(err).toBeGreaterThan(0);
        m.dispose();
      });
});

describe.skipIf(!findNvcc() && !process.env.CI)("nvcc builds the tensor-core kernels for sm_80 and sm_90", () => {
  for (const precision of ["tf32", "bf16"] as const)
    it(precision, async () => {
      const { generated } = generate("examples/lenet/model.ts", { target: "cuda", precision });
      const dir = mkdtempSync(join(tmpdir(), "tsdp-tc-"));
      writeFileSync(join(dir, "model.cu"), generated.cu);
      // asynchronous, so the worker keeps answering vitest's RPC heartbeat during a long nvcc run
      // the build's own nvcc command (the harness's headers, C++20), compile only, at -O1
      const command = compileCommand("cuda", join(dir, "model.cu"), join(dir, "model.o"), ["80", "90"], false, [], true).map((a) => (a === "-O3" ? "-O1" : a));
      await promisify(execFile)(command[0], command.slice(1), { maxBuffer: 64 << 20 });
    });
});

