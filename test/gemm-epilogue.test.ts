// Fusion of pointwise consumers into the GEMM epilogue in the training step (rule
// "gemm-pointwise-epilogue"): the backward of relu(linear(x)) is relu_grad(g, y) with g = g_next·W,
// a matmul, so relu_grad is applied to the matmul's accumulator instead of being a kernel of its own.
// relu_grad reads relu's output y, so the GEMM before a relu has no other reader in the step and
// takes the relu in its epilogue (rule "gemm-epilogue") in training too.
// The values are checked where the whole step is: test/cpu-target.test.ts compares LeNet's compiled
// gradients with the float64 reference (rtol 1e-3).
import { describe, expect, it } from "vitest";
import { generate, trainingPrograms } from "../compiler/pipeline.ts";
import { lowerModel } from "../compiler/1-frontend/lower.ts";
import { programSource } from "./helpers.ts";

const lenet = lowerModel("examples/lenet/model.ts");
const step = trainingPrograms(lenet.graph)!.step.plan;
const cu = generate("examples/lenet/model.ts", { target: "cpu" }).generated.cu;
const stepProgram = programSource(cu, "step");

describe("relu backward in the GEMM epilogue (LeNet training step)", () => {
  it("folds fc1's relu_grad into the matmul that computes its incoming gradient", () => {
    const fused = step.kernels.filter((k) => k.rules.includes("gemm-pointwise-epilogue"));
    expect(fused.map((k) => `${k.name}: ${k.nodes.map((n) => n.op).join("+")}`)).toEqual(["fc2_matmul_relu_grad: matmul+relu_grad"]);
    // the conv layers' relu_grads, whose incoming gradient comes from max_pool2d_grad, are folded
    // into that gather instead (element-epilogue): no relu_grad is a kernel of its own
    expect(step.kernels.filter((k) => k.anchor.op === "relu_grad")).toEqual([]);
    const pooled = step.kernels.filter((k) => k.rules.includes("element-epilogue"));
    expect(pooled.map((k) => k.nodes.map((n) => n.op).join("+"))).toEqual(["max_pool2d_grad+relu_grad", "max_pool2d_grad+relu_grad"]);
  });

  it("the training forward applies each relu in its GEMM's epilogue, as inference does: relu_grad reads relu's output", () => {
    const forward = step.kernels.filter((k) => k.rules.includes("gemm-epilogue"));
    // the convs pool in the epilogue too, storing relu's output for the backward (conv-pool-stored)
    expect(forward.map((k) => `${k.name}: ${k.nodes.map((n) => n.op).join("+")}`)).toEqual([
      "conv1_relu_pool: conv2d+relu+max_pool2d",
      "conv2_relu_pool: conv2d+relu+max_pool2d",
      "fc1_relu: linear+relu",
    ]);
    expect(forward.map((k) => k.stored?.op)).toEqual(["relu", "relu", undefined]);
    for (const k of step.kernels) for (const n of k.nodes) if (n.op === "relu_grad") expect(n.inputs[1].op).toBe("relu");
  });

  it("launches 14 kernels in the step, where relu and relu_grad as kernels of their own, the transposes before the linear weight gradients, the pools, the bias sums and the loss's gradient made 29", () => {
    // fc1's and fc2's weight-gradient GEMMs read dyᵀ in place (gemm-operand-transpose)
    expect(step.kernels.filter((k) => k.rules.includes("gemm-operand-transpose")).map((k) => k.name)).toEqual(["fc2_matmul_sum", "fc1_matmul_sum"]);
    // the two max pools are in the convs' epilogues (conv-pool-stored)
    expect(step.kernels.filter((k) => k.anchor.op === "max_pool2d")).toEqual([]);
    // every bias gradient comes from its weight gradient's GEMM (gemm-row-sums): no sum is a kernel of its own
    expect(step.kernels.filter((k) => k.anchor.op === "sum")).toEqual([]);
    expect(step.kernels.filter((k) => k.rules.includes("gemm-row-sums")).map((k) => `${k.anchor.op} + ${k.rowSums!.op}`)).toEqual([
      "matmul + sum",
      "matmul + sum",
      "conv2d_grad_weight + sum",
      "conv2d_grad_weight + sum",
    ]);
    // the loss and its gradient are one pass over the scores (loss-gradient)
    expect(step.kernels.filter((k) => k.rules.includes("loss-gradient")).map((k) => `${k.anchor.op} + ${k.gradient!.op}`)).toEqual(["cross_entropy + cross_entropy_grad"]);
    expect(step.kernels.filter((k) => k.anchor.op === "cross_entropy_grad")).toEqual([]);
    expect(step.kernels).toHaveLength(14);
    expect(stepProgram.match(/TSDP_LAUNCH\((?:tsdp_kernels::)?\w+_kernel,/g)).toHaveLength(14);
  });

  it("stores each pre-pool value and pools them with the pool's own comparison (the first maximum; NaN wins)", () => {
    const at = cu.indexOf("conv1_relu_pool_step_kernel(");
    const body = cu.slice(at, cu.indexOf("\n}\n", at));
    expect(body).toContain("float* __restrict__ unpooled, float* __restrict__ out,");
    expect(body).toContain("float best = -INFINITY;");
    // row m = 4·window + 2·(oh mod 2) + (ow mod 2) of conv1's [B, 20, 24, 24] output; a window's
    // rows 4w, 4w + 1 (one row of two pixels) and 4w + 2, 4w + 3 are one float2 each
    const index = "(((size_t)((m >> 2) / 144) * 20 + z * 20 + n) * 24 + 2 * (((m >> 2) / 12) % 12) + ((m & 3) >> 1)) * 24 + 2 * ((m >> 2) % 12) + (m & 1)";
    expect(body).toContain(`{ const int m = w0 + 0; *reinterpret_cast<float2*>(&unpooled[${index}]) = make_float2(vs[0], vs[1]); }`);
    expect(body).toContain(`{ const int m = w0 + 2; *reinterpret_cast<float2*>(&unpooled[${index}]) = make_float2(vs[2], vs[3]); }`);
    expect(body).not.toContain(`unpooled[${index}] = v;`);
    expect(body).toContain("best = (v > best || v != v) ? v : best;");
  });

  it("reads relu's output at the stored element's own index", () => {
    const kernel = cu.slice(cu.indexOf("__global__ void __launch_bounds__(256, 1) fc2_matmul_relu_grad_kernel("));
    const body = kernel.slice(0, kernel.indexOf("\n}\n"));
    expect(body).toContain("const float* __restrict__ e0,");
    // 500 columns come in runs of 4 (storeRun "n"): a thread's 4 columns nRun..nRun+3 of row m are one
    // float4 of the output and one of relu's output, both at the run's index; element j is column nRun + j
    expect(body).toContain("const size_t at = (size_t)z * batch * 500 + (size_t)m * 500 + nRun;");
    expect(body).toContain("const float4 x0v = *reinterpret_cast<const float4*>(&e0[at]);");
    expect(body).toContain("const int n = nRun + j;");
    // threshold_backward's select: a dead unit passes 0 whatever v is (a NaN from above included)
    expect(body).toContain("v = (x0[j] <= 0.0f ? 0.0f : v * 1.0f);");
    expect(body).toContain("*reinterpret_cast<float4*>(&out[at]) = make_float4(r[0], r[1], r[2], r[3]);");
  });
});
