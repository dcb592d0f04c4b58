// The example models in examples/: each compiles, has the parameter count worked out by hand
// from its layer sizes, PyTorch's state_dict names, and the output shape of the original; and
// every example type-checks against the model language's declarations.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { lowerModel, type LoweredModel } from "../compiler/1-frontend/lower.ts";
import type { Node } from "../compiler/ir/node.ts";
import { formatShape } from "../compiler/ir/shape.ts";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const examples = join(root, "examples");

const cache = new Map<string, LoweredModel>();
/** Lowers examples/<name>/model.ts once per test file. */
function lowered(name: string): LoweredModel {
  let m = cache.get(name);
  if (!m) {
    m = lowerModel(join(examples, name, "model.ts"));
    cache.set(name, m);
  }
  return m;
}

const count = (n: Node) => n.shape.reduce<number>((a, d) => a * (d as number), 1);
const total = (m: LoweredModel) => m.graph.params.reduce((a, p) => a + count(p), 0);
const paramNames = (m: LoweredModel) => m.graph.params.map((p) => p.attrs.name as string);
const bufferNames = (m: LoweredModel) => m.graph.buffers.map((b) => b.attrs.name as string);
const shapeOf = (m: LoweredModel, name: string) => {
  const node = [...m.graph.params, ...m.graph.buffers].find((p) => p.attrs.name === name);
  if (!node) throw new Error(`no parameter or buffer named ${name}`);
  return formatShape(node.shape);
};

interface Expected {
  readonly model: string;
  readonly input: string;
  readonly output: string;
  /** Worked out by hand from the layer sizes; see the arithmetic next to each. */
  readonly params: number;
  /** The first parameters, in PyTorch's registration (state_dict) order. */
  readonly firstParams: readonly string[];
  readonly lastParams: readonly string[];
  readonly buffers: number;
  readonly loss: string;
  readonly optimizer: string;
}

const expected: Record<string, Expected> = {
  // wpe 32·64 = 2,048; wte 128·64 = 8,192; per block: ln1 2·64 = 128, cAttn 64·192 + 192 =
  // 12,480, attn.cProj 64·64 + 64 = 4,160, ln2 128, cFc 64·256 + 256 = 16,640, mlp.cProj
  // 256·64 + 64 = 16,448, together 49,984, ×2 = 99,968; lnF 128; lmHead 64·128 = 8,192.
  // Total 2,048 + 8,192 + 99,968 + 128 + 8,192 = 118,528.
  gpt: {
    model: "GPT",
    input: "[Batch, 32]",
    output: "[Batch, 32, 128]",
    params: 118_528,
    firstParams: ["transformer.wpe", "transformer.wte.weight", "transformer.h.0.ln1.weight", "transformer.h.0.ln1.bias"],
    lastParams: ["transformer.lnF.weight", "transformer.lnF.bias", "lmHead.weight"],
    buffers: 0,
    loss: "cross_entropy",
    optimizer: "AdamW",
  },
  // conv1 20·1·5·5 + 20 = 520; conv2 50·20·5·5 + 50 = 25,050; fc1 800·500 + 500 = 400,500;
  // fc2 500·10 + 10 = 5,010. Total 520 + 25,050 + 400,500 + 5,010 = 431,080.
  lenet: {
    model: "SimpleModel",
    input: "[Batch, 1, 28, 28]",
    output: "[Batch, 10]",
    params: 431_080,
    firstParams: ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias"],
    lastParams: ["fc2.weight", "fc2.bias"],
    buffers: 0,
    loss: "cross_entropy",
    optimizer: "SGD",
  },
  // conv1 32·1·3·3 + 32 = 320; conv2 64·32·3·3 + 64 = 18,496; fc1 9216·128 + 128 = 1,179,776;
  // fc2 128·10 + 10 = 1,290. Total 320 + 18,496 + 1,179,776 + 1,290 = 1,199,882.
  mnist: {
    model: "Net",
    input: "[Batch, 1, 28, 28]",
    output: "[Batch, 10]",
    params: 1_199_882,
    firstParams: ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight", "fc1.bias"],
    lastParams: ["fc2.weight", "fc2.bias"],
    buffers: 0,
    loss: "nll_loss",
    optimizer: "Adam",
  },
  // conv1 6·3·5·5 + 6 = 456; conv2 16·6·5·5 + 16 = 2,416; fc1 400·120 + 120 = 48,120;
  // fc2 120·84 + 84 = 10,164; fc3 84·10 + 10 = 850.
  // Total 456 + 2,416 + 48,120 + 10,164 + 850 = 62,006.
  cifar10: {
    model: "Net",
    input: "[Batch, 3, 32, 32]",
    output: "[Batch, 10]",
    params: 62_006,
    firstParams: ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight"],
    lastParams: ["fc3.weight", "fc3.bias"],
    buffers: 0,
    loss: "cross_entropy",
    optimizer: "SGD",
  },
  // body.0 Linear 784·512 + 512 = 401,920; body.1 LayerNorm 2·512 = 1,024;
  // body.4 Linear 512·256 + 256 = 131,328; body.5 LayerNorm 2·256 = 512; head 256·10 + 10 = 2,570.
  // Total 401,920 + 1,024 + 131,328 + 512 + 2,570 = 537,354.
  mlp: {
    model: "MLP",
    input: "[Batch, 784]",
    output: "[Batch, 10]",
    params: 537_354,
    firstParams: ["body.0.weight", "body.0.bias", "body.1.weight", "body.1.bias", "body.4.weight"],
    lastParams: ["body.5.weight", "body.5.bias", "head.weight", "head.bias"],
    buffers: 0,
    loss: "cross_entropy",
    optimizer: "AdamW",
  },
  // ResNet-20 with projection shortcuts. Stem: conv 3·16·9 = 432, bn 2·16 = 32 → 464.
  // layer1: 3 blocks × (2 convs 16·16·9 = 2,304 each + 2 bns 32 each) = 3 × 4,672 = 14,016.
  // layer2: block 0 conv1 16·32·9 = 4,608 + bn 64 + conv2 32·32·9 = 9,216 + bn 64
  //   + downsample conv 16·32 = 512 + bn 64 = 14,528; blocks 1, 2: 2 × (2·9,216 + 2·64) = 37,120 → 51,648.
  // layer3: block 0 conv1 32·64·9 = 18,432 + bn 128 + conv2 64·64·9 = 36,864 + bn 128
  //   + downsample conv 32·64 = 2,048 + bn 128 = 57,728; blocks 1, 2: 2 × (2·36,864 + 2·128) = 147,968 → 205,696.
  // fc 64·10 + 10 = 650. Total 464 + 14,016 + 51,648 + 205,696 + 650 = 272,474
  // (the paper's 0.27M for ResNet-20, plus 2,752 for the two projection shortcuts).
  // Buffers: 21 BatchNorm2d (1 stem + 9 blocks × 2 + 2 downsample) × 3 = 63.
  resnet: {
    model: "ResNet",
    input: "[Batch, 3, 32, 32]",
    output: "[Batch, 10]",
    params: 272_474,
    firstParams: [
      "conv1.weight", "bn1.weight", "bn1.bias",
      "layer1.0.conv1.weight", "layer1.0.bn1.weight", "layer1.0.bn1.bias",
      "layer1.0.conv2.weight", "layer1.0.bn2.weight", "layer1.0.bn2.bias",
      "layer1.1.conv1.weight",
    ],
    lastParams: ["layer3.2.conv2.weight", "layer3.2.bn2.weight", "layer3.2.bn2.bias", "fc.weight", "fc.bias"],
    buffers: 63,
    loss: "cross_entropy",
    optimizer: "SGD",
  },
  // ConvMixer, width 64, depth 4, kernel 5, patch 2. Stem: conv 64·3·2·2 + 64 = 832, bn 2·64 = 128 → 960.
  // Each MixerLayer: depthwise conv 64·1·5·5 + 64 = 1,664, bn 128, pointwise conv 64·64 + 64 = 4,160,
  // bn 128 → 6,080; × 4 = 24,320. Head 64·10 + 10 = 650. Total 960 + 24,320 + 650 = 25,930.
  // Buffers: 9 BatchNorm2d (1 stem + 4 × 2) × 3 = 27.
  composed: {
    model: "ConvMixer",
    input: "[Batch, 3, 32, 32]",
    output: "[Batch, 10]",
    params: 25_930,
    firstParams: [
      "stem.0.weight", "stem.0.bias", "stem.2.weight", "stem.2.bias",
      "blocks.0.spatial.fn.0.weight", "blocks.0.spatial.fn.0.bias", "blocks.0.spatial.fn.2.weight", "blocks.0.spatial.fn.2.bias",
      "blocks.0.channel.0.weight", "blocks.0.channel.0.bias", "blocks.0.channel.2.weight", "blocks.0.channel.2.bias",
      "blocks.1.spatial.fn.0.weight",
    ],
    lastParams: ["blocks.3.channel.2.weight", "blocks.3.channel.2.bias", "head.weight", "head.bias"],
    buffers: 27,
    loss: "cross_entropy",
    optimizer: "AdamW",
  },
};

describe("examples", () => {
  it("covers every example folder", () => {
    const folders = readdirSync(examples, { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(join(examples, d.name, "model.ts")))
      .map((d) => d.name)
      .sort();
    expect(folders).toEqual(Object.keys(expected).sort());
  });

  for (const [name, want] of Object.entries(expected)) {
    describe(name, () => {
      it("compiles, with the input and output shapes of the original", () => {
        const m = lowered(name);
        expect(m.graph.name).toBe(want.model);
        expect(m.graph.inputs.map((i) => formatShape(i.shape))).toEqual([want.input]);
        expect(m.graph.outputs.map((o) => formatShape(o.shape))).toEqual([want.output]);
      });

      it(`has ${want.params.toLocaleString("en-US")} parameters, as counted by hand`, () => {
        const m = lowered(name);
        expect(total(m)).toBe(want.params);
        // The layer table agrees with the parameter list.
        expect(m.layers.reduce((a, l) => a + l.params.reduce((b, p) => b + count(p), 0), 0)).toBe(want.params);
      });

      it("names parameters and buffers as PyTorch's state_dict, in its order", () => {
        const m = lowered(name);
        const names = paramNames(m);
        expect(names.slice(0, want.firstParams.length)).toEqual(want.firstParams);
        expect(names.slice(-want.lastParams.length)).toEqual(want.lastParams);
        expect(new Set(names).size).toBe(names.length);
        expect(m.graph.buffers.length).toBe(want.buffers);
      });

      it("declares its training", () => {
        const g = lowered(name).graph;
        expect(g.loss?.value.op).toBe(want.loss);
        expect(formatShape(g.loss!.value.shape)).toBe("[]");
        expect(g.optimizer?.kind).toBe(want.optimizer);
      });
    });
  }

  it("lenet: shapes as in the seed document", () => {
    const m = lowered("lenet");
    expect(shapeOf(m, "conv2.weight")).toBe("[50, 20, 5, 5]");
    expect(shapeOf(m, "fc1.weight")).toBe("[500, 800]");
  });

  it("mnist: the flatten feeds fc1 9216 = 64·12·12 features; Adadelta replaced by Adam", () => {
    const m = lowered("mnist");
    expect(shapeOf(m, "fc1.weight")).toBe("[128, 9216]");
    expect(m.graph.nodes.filter((n) => n.op === "dropout").map((n) => n.attrs.p)).toEqual([0.25, 0.5]);
    expect(m.graph.outputs[0].op).toBe("log_softmax");
    expect(m.graph.optimizer).toMatchObject({ kind: "Adam", lr: 1e-3 });
  });

  it("cifar10: the tutorial's SGD(lr=0.001, momentum=0.9)", () => {
    const m = lowered("cifar10");
    expect(shapeOf(m, "fc1.weight")).toBe("[120, 400]");
    expect(m.graph.optimizer).toMatchObject({ kind: "SGD", lr: 0.001, momentum: 0.9 });
  });

  it("mlp: Linear → LayerNorm → GELU → Dropout blocks in one nn.Sequential", () => {
    const m = lowered("mlp");
    expect(m.layers.filter((l) => l.path.startsWith("body.")).map((l) => l.type)).toEqual([
      "nn.Linear", "nn.LayerNorm", "nn.GELU", "nn.Dropout",
      "nn.Linear", "nn.LayerNorm", "nn.GELU", "nn.Dropout",
    ]);
    expect(shapeOf(m, "body.1.weight")).toBe("[512]");
    expect(m.graph.nodes.filter((n) => n.op === "gelu")).toHaveLength(2);
  });

  it("resnet: torchvision's names, downsample only where the shape changes, running stats as buffers", () => {
    const m = lowered("resnet");
    const names = paramNames(m);
    expect(names).toContain("layer2.0.downsample.0.weight");
    expect(names).toContain("layer2.0.downsample.1.weight");
    expect(names).toContain("layer3.0.downsample.0.weight");
    expect(names.filter((n) => n.includes("downsample"))).toHaveLength(6);
    expect(names.some((n) => n.startsWith("layer1.0.downsample"))).toBe(false);
    expect(names.filter((n) => /^layer\d\.\d\.conv\d\.bias$/.test(n) || n === "conv1.bias")).toEqual([]);
    expect(shapeOf(m, "layer2.0.conv1.weight")).toBe("[32, 16, 3, 3]");
    expect(shapeOf(m, "layer2.0.downsample.0.weight")).toBe("[32, 16, 1, 1]");
    expect(shapeOf(m, "fc.weight")).toBe("[10, 64]");
    const buffers = bufferNames(m);
    expect(buffers.slice(0, 3)).toEqual(["bn1.running_mean", "bn1.running_var", "bn1.num_batches_tracked"]);
    expect(buffers).toContain("layer3.0.downsample.1.running_var");
    expect(m.graph.buffers.find((b) => b.attrs.name === "bn1.num_batches_tracked")?.dtype).toBe("i64");
    expect(paramNames(m)).not.toContain("bn1.running_mean");
    // 9 residual adds, 21 batch norms, one global pool.
    const ops = m.graph.nodes.map((n) => n.op);
    expect(ops.filter((o) => o === "add")).toHaveLength(9);
    expect(ops.filter((o) => o === "batch_norm")).toHaveLength(21);
    expect(ops.filter((o) => o === "adaptive_avg_pool2d")).toHaveLength(1);
  });

  it("composed: modules from a second file, a ModuleList filled in a loop, constructor defaults", () => {
    const m = lowered("composed");
    const types = new Map(m.layers.map((l) => [l.path, l.type]));
    expect(types.get("blocks")).toBe("nn.ModuleList");
    expect([0, 1, 2, 3].map((i) => types.get(`blocks.${i}`))).toEqual(Array(4).fill("MixerLayer"));
    expect(types.get("blocks.4")).toBeUndefined();
    expect(types.get("blocks.0.spatial")).toBe("Residual");
    expect(shapeOf(m, "blocks.0.spatial.fn.0.weight")).toBe("[64, 1, 5, 5]"); // depthwise: groups = 64
    expect(shapeOf(m, "stem.0.weight")).toBe("[64, 3, 2, 2]");
    expect(bufferNames(m)).toContain("blocks.3.channel.2.running_mean");
    const ops = m.graph.nodes.map((n) => n.op);
    expect(ops.filter((o) => o === "add")).toHaveLength(4);
    expect(ops.filter((o) => o === "gelu")).toHaveLength(9);
    // The depthwise conv keeps the 16×16 patch grid (padding 2 for kernel 5).
    const depthwise = m.graph.nodes.find((n) => n.op === "conv2d" && n.scope === "blocks.0.spatial.fn.0");
    expect(depthwise && formatShape(depthwise.shape)).toBe("[Batch, 64, 16, 16]");
  });

  it("tsdp inspect prints LeNet's parameter count and output shape", () => {
    const out = execFileSync(process.execPath, [join(root, "bin", "tsdp.js"), "inspect", "examples/lenet/model.ts"], {
      cwd: root,
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(out).toContain("431,080");
    expect(out).toContain("[Batch, 10]");
  });
});
