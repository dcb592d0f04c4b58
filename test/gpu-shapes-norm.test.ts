// BatchNorm with few channels on the GPU's shape (compiler/5-codegen/kernels/batch-norm-split.ts):
// each channel's statistics and an input gradient's channel sums over many blocks, merged in a fixed
// order by the channel's last block, then an elementwise pass — run on the CPU target and checked
// against the float64 reference: a training step's gradients (rtol 1e-3, atol 1e-4·max|g|, as
// test/gemm-shapes.test.ts), the running statistics it moves (rtol 1e-4, atol 1e-5), then the eval
// forward on them (rtol 1e-4, atol 1e-5).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../compiler/pipeline.ts";
import { differentiate } from "../compiler/2-autodiff/backward.ts";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { normals } from "../compiler/reference/rng.ts";
import { load, tensor } from "../runtime/index.ts";
import { expectClose, expectGradientClose, makeInputs } from "./target-helpers.ts";
import { header, writeFiles, yieldToRunner } from "./helpers.ts";

describe("BatchNorm split over blocks (the GPU shape, run on the CPU target)", () => {
  it("a training step's gradients and running statistics, and the eval forward on them, equal the reference", async () => {
    // 4 channels of 32×32 maps: at batch 9 each channel's 9,216 values take 5 blocks (≥ 2,048
    // each), at batch 2 one; bn1 is affine with running statistics, bn2 neither
    const dir = writeFiles({
      "model.ts":
        `${header}export class Norms extends nn.Module {\n` +
        `  conv = new nn.Conv2d(3, 4, 3, { padding: 1 });\n` +
        `  bn1 = new nn.BatchNorm2d(4);\n` +
        `  bn2 = new nn.BatchNorm2d(4, { affine: false, trackRunningStats: false });\n` +
        `  fc = new nn.Linear(4 * 32 * 32, 10);\n` +
        `  forward(x: Tensor<[Batch, 3, 32, 32]>) {\n` +
        `    return this.fc(this.bn2(F.relu(this.bn1(this.conv(x)))).flatten(1));\n` +
        `  }\n}\n` +
        `export const training = new Training(Norms, { loss: new nn.CrossEntropyLoss(), optimizer: new optim.SGD({ lr: 0.01 }) });\n`,
    });
    const { model, build } = await compile(join(dir, "model.ts"), { target: "cpu", shapeFor: "gpu", outDir: join(dir, "gpu") });
    const cu = readFileSync(join(build.outDir, "model.cu"), "utf8");
    // the forward's and the gradient's statistics kernels, and the input gradients' sums
    expect(cu.match(/__global__ void __launch_bounds__\(256\) \w+_parts_stats_kernel\(/g)?.length).toBeGreaterThanOrEqual(3);
    expect(cu).toMatch(/__global__ void __launch_bounds__\(256\) \w+_parts_sums_kernel\(/);
    const graph = model.graph;
    const { graph: stepGraph, gradients } = differentiate(graph);
    const state = initState(graph, 0);
    const m = await load(build.outDir);
    try {
      m.train(true);
      for (const [step, batch] of [9, 2].entries()) {
        const { tensors, reference } = makeInputs(graph, batch, 31 + batch);
        const labels = Int32Array.from(normals(batch, 31 + batch, 2), (u) => Math.abs(Math.floor(u * 3)) % 10);
        // lr 0: the step computes the gradients and moves the running statistics, not the parameters
        m.trainStepSync(tensors[0], tensor(labels, [batch]), { lr: 0 });
        await yieldToRunner();
        const want = runReference(stepGraph, { ...reference, target: nd([batch], labels) }, state, { training: true, seed: 0, step });
        for (const [name, node] of gradients) expectGradientClose(m.getParameter(`${name}.grad`).data as Float32Array, want.values.get(node)!.data, `∂L/∂${name}, batch ${batch}`);
        for (const name of ["bn1.running_mean", "bn1.running_var"]) expectClose(m.getParameter(name).data as Float32Array, state.buffers.get(name)!.data, `${name} after step ${step + 1}`);
        expect(Number((m.getParameter("bn1.num_batches_tracked").data as BigInt64Array)[0])).toBe(step + 1);
      }
      m.train(false);
      const { tensors, reference } = makeInputs(graph, 5, 5);
      expectClose(m.forwardAllSync(...tensors)[0].data as Float32Array, runReference(graph, reference, state, { training: false }).outputs[0].data, "eval forward, batch 5");
    } finally {
      m.dispose();
    }
  }, 600_000);
});

describe("BatchNorm with momentum None (PyTorch's cumulative average), both kernel shapes", () => {
  it("the running statistics average the batches seen, counted from num_batches_tracked as loaded; the count moves by one per step", async () => {
    // factor 1/(n + 1) with n the count before the step: starting from a loaded n = 4 the factors
    // are 1/5, 1/6, 1/7 — a kernel that read the count after another block moved it would use 1/6
    // for some channels in the first step (rtol 1e-4, atol 1e-5 against the float64 reference)
    const dir = writeFiles({
      "model.ts":
        `${header}export class Cumulative extends nn.Module {\n` +
        `  conv = new nn.Conv2d(3, 4, 3, { padding: 1 });\n` +
        `  bn = new nn.BatchNorm2d(4, { momentum: null });\n` +
        `  fc = new nn.Linear(4 * 32 * 32, 10);\n` +
        `  forward(x: Tensor<[Batch, 3, 32, 32]>) {\n` +
        `    return this.fc(F.relu(this.bn(this.conv(x))).flatten(1));\n` +
        `  }\n}\n` +
        `export const training = new Training(Cumulative, { loss: new nn.CrossEntropyLoss(), optimizer: new optim.SGD({ lr: 0.01 }) });\n`,
    });
    for (const shapeFor of ["gpu", "cpu"] as const) {
      const { model, build } = await compile(join(dir, "model.ts"), { target: "cpu", shapeFor, outDir: join(dir, shapeFor) });
      const cu = readFileSync(join(build.outDir, "model.cu"), "utf8");
      expect(cu.includes("_parts_stats_kernel("), shapeFor).toBe(shapeFor === "gpu");
      const graph = model.graph;
      const state = initState(graph, 0);
      state.buffers.set("bn.num_batches_tracked", nd([], [4]));
      const m = await load(build.outDir);
      try {
        m.setParameter("bn.num_batches_tracked", { data: BigInt64Array.of(4n), shape: [] });
        m.train(true);
        for (const [step, batch] of [9, 2, 5].entries()) {
          const { tensors, reference } = makeInputs(graph, batch, 17 + batch);
          m.forwardAllSync(...tensors);
          await yieldToRunner();
          runReference(graph, reference, state, { training: true, seed: 0, step });
          for (const name of ["bn.running_mean", "bn.running_var"]) expectClose(m.getParameter(name).data as Float32Array, state.buffers.get(name)!.data, `${shapeFor}: ${name} after step ${step + 1}`);
          expect(Number((m.getParameter("bn.num_batches_tracked").data as BigInt64Array)[0]), shapeFor).toBe(5 + step);
          expect(state.buffers.get("bn.num_batches_tracked")!.data[0]).toBe(5 + step);
        }
        // eval reads the averaged statistics and moves nothing
        m.train(false);
        const { tensors, reference } = makeInputs(graph, 3, 3);
        expectClose(m.forwardAllSync(...tensors)[0].data as Float32Array, runReference(graph, reference, state, { training: false }).outputs[0].data, `${shapeFor}: eval forward`);
        expect(Number((m.getParameter("bn.num_batches_tracked").data as BigInt64Array)[0])).toBe(7);
      } finally {
        m.dispose();
      }
    }
  }, 600_000);
});

describe("one BatchNorm called twice in a forward (a shared encoder on two views), both kernel shapes", () => {
  it("updates its running statistics once per call, the second from the first's result, as PyTorch's in-place update", async () => {
    // momentum 0.5 and None: a reference that started both calls from the loaded statistics would
    // keep only the second call's update (and count one batch); rtol 1e-4, atol 1e-5
    for (const momentum of ["0.5", "null"]) {
      const dir = writeFiles({
        "model.ts":
          `${header}export class Siamese extends nn.Module {\n` +
          `  conv = new nn.Conv2d(3, 4, 3, { padding: 1 });\n` +
          `  bn = new nn.BatchNorm2d(4, { momentum: ${momentum} });\n` +
          `  forward(a: Tensor<[Batch, 3, 8, 8]>, b: Tensor<[Batch, 3, 8, 8]>) {\n` +
          `    return [this.bn(this.conv(a)), this.bn(this.conv(b.mul(3).add(1)))];\n` +
          `  }\n}\n`,
      });
      for (const shapeFor of ["gpu", "cpu"] as const) {
        const { model, build } = await compile(join(dir, "model.ts"), { target: "cpu", shapeFor, outDir: join(dir, shapeFor) });
        const graph = model.graph;
        const state = initState(graph, 0);
        const m = await load(build.outDir);
        try {
          m.train(true);
          const { tensors, reference } = makeInputs(graph, 4, 9);
          m.forwardAllSync(...tensors);
          await yieldToRunner();
          runReference(graph, reference, state, { training: true, seed: 0, step: 0 });
          for (const name of ["bn.running_mean", "bn.running_var"]) expectClose(m.getParameter(name).data as Float32Array, state.buffers.get(name)!.data, `momentum ${momentum}, ${shapeFor}: ${name}`);
          expect(Number((m.getParameter("bn.num_batches_tracked").data as BigInt64Array)[0])).toBe(2);
          expect(state.buffers.get("bn.num_batches_tracked")!.data[0]).toBe(2);
        } finally {
          m.dispose();
        }
      }
    }
  }, 600_000);
});

describe("a BatchNorm an overridden train(mode) holds in train mode, on the GPU's shape", () => {
  it("a BatchNorm held in train mode (an overridden train) runs the split kernels in train mode in eval calls: the statistics move as the reference's", async () => {
    const dir = writeFiles({
      "model.ts": `${header}export class M extends nn.Module {\n  bn = new nn.BatchNorm2d(2);\n  train(mode = true) { super.train(mode); this.bn.train(); return this; }\n  forward(x: Tensor<[Batch, 2, 32, 32]>) { return this.bn(x); }\n}\n`,
    });
    const { model, build } = await compile(join(dir, "model.ts"), { target: "cpu", shapeFor: "gpu", outDir: join(dir, "gpu") });
    expect(readFileSync(join(build.outDir, "model.cu"), "utf8")).toMatch(/_parts_stats_kernel\(/);
    const xs = Float32Array.from(normals(9 * 2 * 1024, 3, 1));
    const state = initState(model.graph, 0);
    const m = await load(build.outDir, { devices: [0] });
    try {
      m.train(false);
      for (let call = 0; call < 2; call++) {
        const want = runReference(model.graph, { x: nd([9, 2, 32, 32], xs) }, state, { training: false }).outputs[0].data;
        expectClose(m.forwardAllSync(tensor(xs, [9, 2, 32, 32]))[0].data as Float32Array, want, `eval call ${call}`);
      }
      for (const name of ["bn.running_mean", "bn.running_var"]) expectClose(m.getParameter(name).data as Float32Array, state.buffers.get(name)!.data, name);
      expect(m.getParameter("bn.num_batches_tracked").data).toEqual(BigInt64Array.of(2n));
    } finally {
      m.dispose();
    }
  }, 300_000);
});
