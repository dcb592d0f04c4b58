// Flat staging of a short, packed operand (issue 13, finding 4; compiler/5-codegen/kernels/
// gemm-flat.ts): the transpose's layout check, and where flat staging is chosen. Generated CUDA
// only; test/gemm-shapes.test.ts runs the staged kernels against the reference and re-reads the
// transpose's index math from the generated code, test/shim-counters.test.ts counts their sectors.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generate } from "../compiler/pipeline.ts";
import { flatConflicts, flatRowLength } from "../compiler/5-codegen/kernels/gemm-flat.ts";
import { header, writeFiles } from "./helpers.ts";

const LENET = join(import.meta.dirname, "..", "examples", "lenet", "model.ts");

/** The kernels that stage an operand flat, as "name:a" or "name:b". */
function flatOperands(cu: string): string[] {
  return [...cu.matchAll(/\n\s+(\w+)_stage_([ab])_flat\([AB]s, [ab], [mn]0, z, batch, tid, M\);/g)].map((m) => `${m[1]}:${m[2]}`).sort();
}

describe("flat staging", () => {
  it("transposes without bank conflicts for every K that is not a multiple of 8, on tiles of 32 rows or more, with the box K allows", () => {
    for (let K = 1; K < 32; K++) {
      if (K % 8 === 0) continue;
      const P = K % 2 ? 32 : K % 4 ? 16 : 8;
      for (const rows of [32, 64, 128])
        for (const threads of [128, 256]) expect(flatConflicts(K, rows, P, flatRowLength(rows, P), 32, threads), `K ${K}, ${rows} rows, ${threads} threads`).toBe(0);
    }
  });

  it("finds the conflicts of a row length that does not match the box, and of deeper boxes on short tiles", () => {
    // K = 10: boxes of 16 rows × 2 k; with rows of 36 words, k and k + 1 put row r and r + 4 in one bank
    expect(flatRowLength(32, 16) % 32).toBe(16);
    expect(flatConflicts(10, 32, 16, 36, 32, 128)).toBeGreaterThan(0);
    // K = 12: boxes of 8 rows × 4 k need rows ≡ 8 (mod 32)
    expect(flatRowLength(64, 8) % 32).toBe(8);
    expect(flatConflicts(12, 64, 8, 68, 32, 128)).toBeGreaterThan(0);
    expect(flatConflicts(12, 64, 8, 72, 32, 128)).toBe(0);
    // K = 25 on a 16-row tile: 16 rows × 2 k reads rows r and r + 9 in one bank (25 · 9 ≡ 1 mod 32)
    expect(flatConflicts(25, 16, 16, flatRowLength(16, 16), 32, 128)).toBeGreaterThan(0);
  });

  it("stages LeNet's conv1 weights (rows of 25) and fc2's output gradient (rows of 10) flat on the GPU's shapes; nothing on the CPU target's", () => {
    const gpu = generate(LENET, { target: "cuda", tune: false }).generated.cu;
    expect(flatOperands(gpu)).toEqual(["conv1_relu_pool:b", "conv1_relu_pool_step:b", "fc2_matmul_relu_grad:a"]);
    // the flat operand's ring is gone, and its tile multiplies from slot 0
    expect(gpu).not.toMatch(/conv1_relu_pool_step_stage_b_ring/);
    expect(gpu).toMatch(/conv1_relu_pool_step_tile_fma\(As, Bs, tx, ty, acc\);/);
    expect(flatOperands(generate(LENET, { target: "cpu", tune: false }).generated.cu)).toEqual([]);
  });

  it("is not taken where rows are whole sectors (K a multiple of 8), K takes more than one k-step, or the operand is gathered", () => {
    const dir = writeFiles({
      "model.ts": `${header}export class Widths extends nn.Module {\n  conv = new nn.Conv2d(3, 4, 3);\n  fc0 = new nn.Linear(64, 16);\n  fc1 = new nn.Linear(16, 24);\n  fc2 = new nn.Linear(24, 40);\n  fc3 = new nn.Linear(40, 7);\n  forward(x: Tensor<[Batch, 3, 6, 6]>) {\n    const h = F.relu(this.fc0(F.relu(this.conv(x)).view(-1, 64)));\n    return this.fc3(F.relu(this.fc2(F.relu(this.fc1(h)))));\n  }\n}\nexport const training = new Training(Widths, { loss: new nn.CrossEntropyLoss(), optimizer: new optim.SGD({ lr: 0.01 }) });\n`,
    });
    const cu = generate(join(dir, "model.ts"), { target: "cuda", tune: false }).generated.cu;
    const flat = flatOperands(cu);
    // fc1 (K 16), fc2 (K 24): whole sectors; fc0 (K 64), fc3 (K 40): two k-steps; the conv's x (K 27):
    // gathered. Its weights (rows of 27, packed) and fc3's input gradient's dy (rows of 7) are flat.
    for (const name of ["fc0_relu", "fc1_relu", "fc2_relu", "fc3"]) expect(flat.filter((f) => f.startsWith(`${name}:`)), name).toEqual([]);
    expect(flat).toContain("conv_relu:b");
    expect(flat).not.toContain("conv_relu:a");
    expect(flat).toContain("fc3_matmul_relu_grad:a");
  });
});
