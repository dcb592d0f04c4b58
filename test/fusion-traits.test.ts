// The fusion rules ask each op for its traits (compiler/ops/op.ts), never for its name: these
// cases pin the decisions that follow from a trait, on small models.
import { describe, expect, it } from "vitest";
import { kernelCost } from "../compiler/3-fusion/cost.ts";
import { planKernels } from "../compiler/3-fusion/plan.ts";
import { trainingPrograms } from "../compiler/pipeline.ts";
import { header, lowerSource } from "./helpers.ts";

function plan(fields: string, forward: string, input = "x: Tensor<[Batch, 4, 8, 8]>") {
  const { graph } = lowerSource(`${header}export class M extends nn.Module {\n  ${fields}\n  forward(${input}) {\n    ${forward}\n  }\n}`);
  const p = planKernels(graph);
  return { graph, plan: p, kernels: p.kernels.map((k) => ({ name: k.name, ops: k.nodes.map((n) => n.op), rules: k.rules })) };
}

describe("fusion by traits", () => {
  it("conv-pool folds a 2×2 max pool after a monotone activation, and not after a decreasing one", () => {
    // leaky_relu is monotone for a slope ≥ 0 only: with −0.5, max(act(a), act(b)) ≠ act(max(a, b))
    const rising = plan("conv = new nn.Conv2d(4, 4, 3, { padding: 1 });", "return F.maxPool2d(F.leakyRelu(this.conv(x), 0.2), 2);");
    expect(rising.kernels).toEqual([{ name: "conv_leaky_relu_pool", ops: ["conv2d", "leaky_relu", "max_pool2d"], rules: ["gemm-epilogue", "conv-pool"] }]);
    const falling = plan("conv = new nn.Conv2d(4, 4, 3, { padding: 1 });", "return F.maxPool2d(F.leakyRelu(this.conv(x), -0.5), 2);");
    expect(falling.kernels.map((k) => k.ops)).toEqual([["conv2d", "leaky_relu"], ["max_pool2d"]]);
  });

  it("conv-pool needs a 2×2, stride-2, unpadded max pool: an average pool or a 3×3 window stays apart", () => {
    const avg = plan("conv = new nn.Conv2d(4, 4, 3, { padding: 1 });", "return F.avgPool2d(F.relu(this.conv(x)), 2);");
    expect(avg.kernels.map((k) => k.ops)).toEqual([["conv2d", "relu"], ["avg_pool2d"]]);
    const wide = plan("conv = new nn.Conv2d(4, 4, 3, { padding: 1 });", "return F.maxPool2d(F.relu(this.conv(x)), 3, 2, 1);");
    expect(wide.kernels.map((k) => k.ops)).toEqual([["conv2d", "relu"], ["max_pool2d"]]);
  });

  it("a layer's GEMM (ConvTranspose2d too) takes its activation as gemm-epilogue and is named by its module", () => {
    const up = plan("up = new nn.ConvTranspose2d(4, 2, 3, { stride: 2, padding: 1, outputPadding: 1 });", "return F.tanh(this.up(x));");
    expect(up.kernels).toEqual([{ name: "up_tanh", ops: ["conv_transpose2d", "tanh"], rules: ["gemm-epilogue"] }]);
    // its cost: a multiply-add per input value (4·8·8 per sample) and weight of its group (2·3·3) —
    // not per (input channel, tap) of each output, 4× that, most of it the stride's holes — and the tanh
    const k = up.plan.kernels[0];
    expect(kernelCost(k, up.plan).flops).toEqual({ perSample: 2 * (4 * 8 * 8) * (2 * 3 * 3) + 2 * 16 * 16, fixed: 0 });
  });

  it("dropout (random trait) stays out of a GEMM epilogue, which has no random-stream arguments", () => {
    const p = plan("fc = new nn.Linear(8, 8);", "return F.dropout(this.fc(x), 0.5).mul(2);", "x: Tensor<[Batch, 8]>");
    expect(p.kernels.map((k) => k.ops)).toEqual([["linear"], ["dropout", "mul"]]);
  });

  it("a view (reshape) costs no kernel: the linear after a flatten reads the conv's buffer", () => {
    const p = plan("conv = new nn.Conv2d(4, 2, 1); fc = new nn.Linear(128, 3);", "return this.fc(this.conv(x).flatten(1));");
    expect(p.kernels.map((k) => k.ops)).toEqual([["conv2d"], ["linear"]]);
    expect(p.plan.kernels[1].inputs[0]).toBe(p.plan.kernels[0].output);
  });
  it("gemm-operand-transpose: a GEMM reads a 2-D transpose used only by it in place; a batched or shared transpose stays a kernel", () => {
    const folded = plan("", "const g = x.t().matmul(x);\n    return x.matmul(g);", "x: Tensor<[Batch, 8]>");
    expect(folded.kernels.map((k) => [k.ops, k.rules])).toEqual([[["matmul", "permute"], ["gemm-operand-transpose"]], [["matmul"], []]]);
    // (Aᵀ)[m, k] = A[k, m]: the kernel reads x itself, and the transpose has no buffer
    expect(folded.plan.kernels[0].inputs.map((n) => n.op)).toEqual(["input"]);
    const shared = plan("", "const t = x.t();\n    return x.matmul(t.matmul(x).add(t.matmul(x.mul(2))));", "x: Tensor<[Batch, 8]>");
    expect(shared.kernels.map((k) => k.ops)).toContainEqual(["permute"]);
    const batched = plan("", "return x.matmul(x.transpose(1, 2));", "x: Tensor<[Batch, 4, 8]>");
    expect(batched.kernels.map((k) => k.ops)).toContainEqual(["permute"]);
  });

  it("element-epilogue: a pooling gradient (perElement trait) applies the activation's gradient before its store", () => {
    /** The training step's kernels of a conv → activation → pool → linear model with an MSE loss. */
    const stepOps = (forward: string) => {
      const { graph } = lowerSource(
        `${header}export class M extends nn.Module {\n  conv = new nn.Conv2d(4, 4, 3, { padding: 1 }); fc = new nn.Linear(64, 1);\n` +
          `  forward(x: Tensor<[Batch, 4, 8, 8]>) {\n    ${forward}\n  }\n}\n` +
          `export const training = new Training(M, { loss: new nn.MSELoss(), optimizer: new optim.SGD({ lr: 0.1 }) });\n`,
      );
      return trainingPrograms(graph)!.step.plan.kernels.filter((k) => k.rules.includes("element-epilogue")).map((k) => k.nodes.map((n) => n.op));
    };
    expect(stepOps("return this.fc(F.maxPool2d(F.relu(this.conv(x)), 2).flatten(1));")).toEqual([["max_pool2d_grad", "relu_grad"]]);
    // any pointwise gradient, after any pooling gradient: tanh's after an average pool's
    expect(stepOps("return this.fc(F.avgPool2d(F.tanh(this.conv(x)), 2).flatten(1));")).toEqual([["avg_pool2d_grad", "tanh_grad"]]);
    // the pool's gradient feeds the conv's weight gradient (a GEMM), not a pointwise op: nothing to fold
    expect(stepOps("return this.fc(F.maxPool2d(this.conv(x), 2).flatten(1));")).toEqual([]);
  });

  describe("gemm-row-sums: a GEMM computes the row sums of its A operand in an extra column of ones", () => {
    it("a sum of x over dim 0 beside xᵀ·y (a transpose read in place) comes from the GEMM; a sum over dim 1 does not", () => {
      const rows = plan("", "return x.matmul(x.t().matmul(x).add(x.sum(0)));", "x: Tensor<[Batch, 8]>");
      expect(rows.kernels[0]).toEqual({ name: "matmul_sum", ops: ["matmul", "sum", "permute"], rules: ["gemm-operand-transpose", "gemm-row-sums"] });
      expect(rows.plan.kernels[0].rowSums?.op).toBe("sum");
      // Σ over dim 1 of x is the column sums of xᵀ, not its row sums: a kernel of its own
      const columns = plan("", "return x.matmul(x.t().matmul(x).add(x.sum(1).sum()));", "x: Tensor<[Batch, 8]>");
      expect(columns.kernels[0].rules).toEqual(["gemm-operand-transpose"]);
      expect(columns.kernels.map((k) => k.ops[0])).toContain("sum");
    });

    it("in the training step each layer's bias gradient comes from its weight gradient's GEMM, except with tensor cores", () => {
      const source =
        `${header}export class M extends nn.Module {\n  conv = new nn.Conv2d(2, 4, 3); fc = new nn.Linear(144, 3);\n` +
        `  forward(x: Tensor<[Batch, 2, 8, 8]>) {\n    return this.fc(F.relu(this.conv(x)).flatten(1));\n  }\n}\n` +
        `export const training = new Training(M, { loss: new nn.MSELoss(), optimizer: new optim.SGD({ lr: 0.1 }) });\n`;
      const { graph } = lowerSource(source);
      const fused = trainingPrograms(graph)!.step.plan.kernels.filter((k) => k.rowSums);
      expect(fused.map((k) => [k.anchor.op, k.rowSums!.op, k.rowSums!.inputs[0] === k.anchor.inputs[0] || k.rowSums!.inputs[0] === k.anchor.inputs[0].inputs[0]])).toEqual([
        ["matmul", "sum", true],
        ["conv2d_grad_weight", "sum", true],
      ]);
      const tc = trainingPrograms(lowerSource(source).graph, undefined, "gpu", "tf32")!.step.plan.kernels;
      expect(tc.filter((k) => k.rowSums)).toEqual([]);
      expect(tc.filter((k) => k.anchor.op === "sum")).toHaveLength(2);
    });
  });

  describe("conv-pool-stored: the training forward pools in the conv's epilogue and stores the pre-pool value for the backward", () => {
    /** The training step's kernels of a conv → activation → 2×2 max pool → linear model, input H×W. */
    const step = (forward: string, size = 8) => {
      const pooled = Math.floor(size / 2) ** 2 * 4;
      const { graph } = lowerSource(
        `${header}export class M extends nn.Module {
  conv = new nn.Conv2d(4, 4, 3, { padding: 1 }); fc = new nn.Linear(${pooled}, 1);
` +
          `  forward(x: Tensor<[Batch, 4, ${size}, ${size}]>) {
    ${forward}
  }
}
` +
          `export const training = new Training(M, { loss: new nn.MSELoss(), optimizer: new optim.SGD({ lr: 0.1 }) });
`,
      );
      return trainingPrograms(graph)!.step.plan;
    };

    it("one kernel computes relu(conv), stores it, and pools it; the pool's and relu's gradients read the stored value", () => {
      const plan = step("return this.fc(F.maxPool2d(F.relu(this.conv(x)), 2).flatten(1));");
      const conv = plan.kernels.find((k) => k.anchor.op === "conv2d")!;
      expect(conv.nodes.map((n) => n.op)).toEqual(["conv2d", "relu", "max_pool2d"]);
      expect(conv.rules).toEqual(["gemm-epilogue", "conv-pool-stored"]);
      expect(conv.stored?.op).toBe("relu");
      expect(plan.kernels.filter((k) => k.anchor.op === "max_pool2d")).toEqual([]);
      // the backward's readers of relu's output run after the fused kernel and read its stored value
      const readers = plan.kernels.filter((k) => k.inputs.includes(conv.stored!));
      expect(readers.map((k) => k.nodes.map((n) => n.op))).toEqual([["max_pool2d_grad", "relu_grad"]]);
      expect(plan.kernels.indexOf(readers[0])).toBeGreaterThan(plan.kernels.indexOf(conv));
    });

    it("needs windows that cover the conv output: an odd size (the last row outside every window) keeps the pool apart", () => {
      const plan = step("return this.fc(F.maxPool2d(F.relu(this.conv(x)), 2).flatten(1));", 9);
      expect(plan.kernels.filter((k) => k.anchor.op === "conv2d").map((k) => k.nodes.map((n) => n.op))).toEqual([["conv2d", "relu"]]);
      expect(plan.kernels.filter((k) => k.anchor.op === "max_pool2d")).toHaveLength(1);
    });

    it("needs a monotone activation, as conv-pool does", () => {
      const plan = step("return this.fc(F.maxPool2d(F.leakyRelu(this.conv(x), -0.5), 2).flatten(1));");
      expect(plan.kernels.some((k) => k.rules.includes("conv-pool-stored"))).toBe(false);
    });
  });
});
