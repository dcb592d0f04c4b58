// A BatchNorm over [N, C] takes its statistics from each device's share of the batch: PyTorch
// refuses one value per channel ("Expected more than 1 value per channel when training"), so the
// manifest says the fewest samples a share may hold (2) and the runtime refuses a batch that
// leaves a device one — in train mode, and in eval mode too where the BatchNorm keeps no running
// statistics — while a BatchNorm2d with H·W > 1 values per sample takes any batch.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatReport, modelReport } from "../compiler/inspect.ts";
import { compile, generate } from "../compiler/pipeline.ts";
import { load, tensor } from "../runtime/index.ts";
import { header, writeFiles } from "./helpers.ts";

const model = (bn: string) => `${header}export class Head extends nn.Module {
  fc = new nn.Linear(4, 6);
  bn = ${bn};
  out = new nn.Linear(6, 3);
  forward(x: Tensor<[Batch, 4]>) {
    return this.out(F.relu(this.bn(this.fc(x))));
  }
}
export const training = new Training(Head, { loss: new nn.CrossEntropyLoss(), optimizer: new optim.SGD({ lr: 0.1 }) });
`;

describe("a BatchNorm's share of the batch", () => {
  it("the manifest says 2 for BatchNorm1d of [N, C] (eval too without running statistics), nothing for BatchNorm2d", () => {
    const dir = writeFiles({
      "bn1d.ts": model("new nn.BatchNorm1d(6)"),
      "stateless.ts": model("new nn.BatchNorm1d(6, { trackRunningStats: false })"),
      "bn2d.ts": `${header}export class Conv extends nn.Module {\n  bn = new nn.BatchNorm2d(2);\n  forward(x: Tensor<[Batch, 2, 3, 3]>) {\n    return this.bn(x);\n  }\n}\n`,
    });
    expect(generate(join(dir, "bn1d.ts"), { target: "cpu" }).generated.manifest.minSamplesPerDevice).toEqual({ training: 2, eval: 1 });
    expect(generate(join(dir, "stateless.ts"), { target: "cpu" }).generated.manifest.minSamplesPerDevice).toEqual({ training: 2, eval: 2 });
    expect(generate(join(dir, "bn2d.ts"), { target: "cpu" }).generated.manifest.minSamplesPerDevice).toBeUndefined();
  });

  it("each mode counts the BatchNorms its forward reaches: one behind `if (this.training)` does not limit eval's batch, one in eval only not train's", () => {
    // PyTorch's eval call never runs a BatchNorm reached in train mode only, so one sample per device is valid there
    // (and a tracking one reached in eval only normalizes by its running statistics, any batch)
    const branch = (bn: string, test: string) => model(bn).replace("return this.out(F.relu(this.bn(this.fc(x))));", `let h = this.fc(x);\n    if (${test}) h = this.bn(h);\n    return this.out(F.relu(h));`);
    const dir = writeFiles({
      "trainOnly.ts": branch("new nn.BatchNorm1d(6, { trackRunningStats: false })", "this.training"),
      "evalOnlyStateless.ts": branch("new nn.BatchNorm1d(6, { trackRunningStats: false })", "!this.training"),
      "evalOnly.ts": branch("new nn.BatchNorm1d(6)", "!this.training"),
    });
    const fewest = (file: string) => generate(join(dir, file), { target: "cpu" }).generated.manifest.minSamplesPerDevice;
    expect(fewest("trainOnly.ts")).toEqual({ training: 2, eval: 1 });
    expect(fewest("evalOnlyStateless.ts")).toEqual({ training: 1, eval: 2 });
    expect(fewest("evalOnly.ts")).toBeUndefined();
  });

  it("the runtime refuses a share of one sample in train mode, on one device and on the last of two; eval takes it", async () => {
    const dir = writeFiles({ "model.ts": model("new nn.BatchNorm1d(6)") });
    const { build } = await compile(join(dir, "model.ts"), { target: "cpu", outDir: join(dir, "build") });
    const x = (b: number) => tensor(Float32Array.from({ length: 4 * b }, (_, i) => Math.sin(i)), [b, 4]);
    const y = (b: number) => tensor(Int32Array.from({ length: b }, (_, i) => i % 3), [b]);
    const one = await load(build.outDir);
    try {
      const before = Array.from(one.getParameter("bn.running_mean").data as Float32Array);
      expect(() => one.trainStepSync(x(1), y(1))).toThrow(/expected more than 1 value per channel when training \(PyTorch's error\): a batch of 1 on 1 device\(s\) leaves 1 sample on its device.*use a batch of 2 \(or eval\(\) for inference\)/);
      expect(() => one.forwardSync(x(1))).toThrow(/more than 1 value per channel when training/);
      expect(Array.from(one.getParameter("bn.running_mean").data as Float32Array)).toEqual(before);
      expect(Number.isFinite(one.trainStepSync(x(2), y(2)))).toBe(true);
      one.eval();
      expect(one.forwardAllSync(x(1))[0].shape).toEqual([1, 3]);
    } finally {
      one.dispose();
    }
    const two = await load(build.outDir, { devices: [0, 1] });
    try {
      // 3 samples on 2 devices: chunks of 2 and 1
      expect(() => two.trainStepSync(x(3), y(3))).toThrow(/a batch of 3 on 2 device\(s\) leaves 1 sample on the last.*use a batch of 4/);
      // 1 sample on 2 devices: one share of 1, the other device none (not "1 sample on each")
      expect(() => two.trainStepSync(x(1), y(1))).toThrow(/a batch of 1 on 2 device\(s\) leaves 1 sample on the one device it fills.*use a batch of 4/);
      expect(Number.isFinite(two.trainStepSync(x(4), y(4)))).toBe(true);
    } finally {
      two.dispose();
    }
    const three = await load(build.outDir, { devices: [0, 1, 2] });
    try {
      // 7 on 3 devices: 3, 3, 1; the batches that fit are the nearest ones that split well (6: 2, 2, 2; 8: 3, 3, 2), not "at least 6"
      expect(() => three.trainStepSync(x(7), y(7))).toThrow(/a batch of 7 on 3 device\(s\) leaves 1 sample on the last.*use a batch of 6 or 8/);
      for (const b of [6, 8]) expect(Number.isFinite(three.trainStepSync(x(b), y(b)))).toBe(true);
    } finally {
      three.dispose();
    }
  }, 300_000);
});

describe("batch statistics PyTorch refuses whatever the batch, and F.batchNorm's share", () => {
  const withInput = (body: string, fields: string, input = "x: Tensor<[Batch, 4]>") =>
    `${header}export class M extends nn.Module {\n  ${fields}\n  forward(${input}) {\n    ${body}\n  }\n}\n`;
  it("F.batchNorm over [N, C] gets BatchNorm1d's share check; one value per channel in a fixed shape, or one spatial element of a tracking InstanceNorm, refuses train mode (compile-time where every mode would)", () => {
    const dir = writeFiles({
      "always.ts": withInput("return F.batchNorm(x, null, null, { training: true });", ""),
      "tracked.ts": withInput("return F.batchNorm(x, this.m, this.v, { training: this.training });", "constructor() { super(); this.registerBuffer('m', F.zeros(4)); this.registerBuffer('v', F.ones(4)); }"),
      "instance.ts": withInput("return this.n(x.view(-1, 4, 1, 1)).flatten(1);", "n = new nn.InstanceNorm2d(4, { trackRunningStats: true });"),
      "fixed.ts": withInput("return x.add(this.bn(x.mean(0, true)));", "bn = new nn.BatchNorm1d(4);"),
      "fixedStateless.ts": withInput("return x.add(this.bn(x.mean(0, true)));", "bn = new nn.BatchNorm1d(4, { trackRunningStats: false });"),
      // reached in eval mode only: a train-mode call never runs them, so PyTorch trains (train mode was refused)
      "evalOnly.ts": withInput("if (this.training) return x; return this.n(x.view(-1, 4, 1, 1)).flatten(1).add(this.bn(x.mean(0, true)));", "n = new nn.InstanceNorm2d(4, { trackRunningStats: true }); bn = new nn.BatchNorm1d(4);"),
      "beforeModeTest.ts": withInput("const h = this.n(x.view(-1, 4, 1, 1)).flatten(1);\n    if (this.training) return h;\n    return h.mul(2);", "n = new nn.InstanceNorm2d(4, { trackRunningStats: true });"),
      "evalOnlyFunctional.ts": withInput("if (this.training) return x; return F.batchNorm(x, null, null, { training: true });", ""),
    });
    const manifest = (file: string) => generate(join(dir, file), { target: "cpu" }).generated.manifest;
    expect(manifest("always.ts").minSamplesPerDevice).toEqual({ training: 2, eval: 2 });
    expect(manifest("tracked.ts").minSamplesPerDevice).toEqual({ training: 2, eval: 1 });
    expect(manifest("instance.ts").refusedInTraining).toEqual([
      "nn.InstanceNorm2d (instance.ts:5): expected more than 1 spatial element when training (PyTorch's error), got input size [Batch, 4, 1, 1]: each sample's channel is normalized over its own positions, and one position has no variance",
    ]);
    expect(manifest("fixed.ts").refusedInTraining).toEqual(["nn.BatchNorm1d (fixed.ts:5): expected more than 1 value per channel when training (PyTorch's error), got input size [1, 4]: a channel's statistics over one value"]);
    expect(manifest("evalOnly.ts").refusedInTraining).toBeUndefined();
    // code before a test of this.training runs again per mode: its refusal is listed once
    expect(manifest("beforeModeTest.ts").refusedInTraining).toHaveLength(1);
    // inspect says so, not only the first train-mode call
    expect(formatReport(modelReport(generate(join(dir, "instance.ts"), { target: "cpu" })))).toMatch(/\nTrain mode  refused when the model runs, as PyTorch refuses it \(eval runs\):\n  nn\.InstanceNorm2d \(instance\.ts:5\): expected more than 1 spatial element when training/);
    expect(manifest("evalOnlyFunctional.ts").minSamplesPerDevice).toEqual({ training: 1, eval: 2 });
    expect(() => generate(join(dir, "fixedStateless.ts"), { target: "cpu" })).toThrow(/TSDP4001.*nn\.BatchNorm1d: expected more than 1 value per channel when training \(PyTorch's error\), got input size \[1, 4\]/s);
  });
  it("the runtime refuses train mode for such a model, naming the layer and its line; eval runs on the running statistics", async () => {
    const dir = writeFiles({ "instance.ts": withInput("return this.n(x.view(-1, 4, 1, 1)).flatten(1);", "n = new nn.InstanceNorm2d(4, { trackRunningStats: true });") });
    const { build } = await compile(join(dir, "instance.ts"), { target: "cpu", outDir: join(dir, "build") });
    const m = await load(build.outDir);
    try {
      const x = tensor(Float32Array.from({ length: 8 }, (_, i) => i), [2, 4]);
      expect(() => m.forwardSync(x)).toThrow(/M\.forward.*: nn\.InstanceNorm2d \(instance\.ts:5\): expected more than 1 spatial element when training \(PyTorch's error\).*; in eval\(\) mode the model runs on its running statistics$/);
      m.eval();
      // running mean 0, variance 1: (x − 0)/√(1 + 1e-5)
      const y = Array.from(m.forwardAllSync(x)[0].data as Float32Array);
      y.forEach((v, i) => expect(v).toBeCloseTo(i / Math.sqrt(1 + 1e-5), 5));
    } finally {
      m.dispose();
    }
  }, 300_000);
});
