// forward returning an object of tensors (Hugging Face's `{ logits, hidden }`): the frontend names
// the outputs by its keys (refusing keys that cannot name one), the manifest marks it
// (outputsByName) and validates the names, the typed module declares the object, and the runtime's
// forward gives the object — on the CPU target, equal to forwardAll's array in key order, and
// trainable (the Training's loss reads the first key's output).
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../compiler/pipeline.ts";
import { typedModule } from "../compiler/6-build/typed-module.ts";
import { ABI_VERSION, MANIFEST_FORMAT, validateManifest } from "../runtime/manifest.ts";
import { load, tensor, type Tensor } from "../runtime/index.ts";
import { differentiate } from "../compiler/2-autodiff/backward.ts";
import type { Node } from "../compiler/ir/node.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { NativeLibrary } from "../runtime/native.ts";
import { newOptimizerState, optimizerStep } from "../compiler/reference/optim.ts";
import { diagnosticsOf, header, lowerSource, scratchDir, writeFiles } from "./helpers.ts";
import { expectClose, makeInputs, referenceState } from "./target-helpers.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { normals } from "../compiler/reference/rng.ts";

const model = (ret: string, training = "") =>
  `${header}export class M extends nn.Module {\n  fc = new nn.Linear(3, 2);\n  emb = new nn.Linear(3, 4);\n  forward(x: Tensor<[Batch, 3]>) {\n    const logits = this.fc(x);\n    return ${ret};\n  }\n}\n${training}`;
const first = (src: string) => diagnosticsOf(src).map((d) => `${d.code} ${d.loc?.line}: ${d.message}`)[0];

describe("forward returning an object of tensors", () => {
  it("names the outputs by the keys, in order", () => {
    const { graph } = lowerSource(model("{ logits, hidden: this.emb(x).relu() }"));
    expect(graph.outputNames).toEqual(["logits", "hidden"]);
    expect(graph.outputs.map((o) => o.shape[1])).toEqual([2, 4]);
    expect(lowerSource(model("[logits]")).graph.outputNames).toBeUndefined();
  });

  it("refuses what cannot be an output or name one", () => {
    expect(first(model("{ logits, n: 3 }"))).toMatch(/^TSDP4005 7: forward returns an object whose 'n' is the number 3; each value of a returned object is a tensor/);
    expect(first(model('{ "my logits": logits }'))).toMatch(/^TSDP3008 7: forward returns an object whose key "my logits" cannot name an output/);
    expect(first(model("{ then: logits }"))).toMatch(/^TSDP3008 7: forward returns an object whose key "then" cannot name an output: .* other than __proto__, then, constructor/);
    expect(first(model("{}"))).toMatch(/^TSDP4005 7: forward returns an empty object/);
    expect(first(model("{ total: logits.sum() }"))).toMatch(/^TSDP4005 7: forward must return tensors whose first dim is Batch/);
  });

  it("an output the batch does not reach (open_clip's logit_scale.exp(), a parameter) has any shape: the same on every replica, the runtime returns one; one the batch reaches is refused", () => {
    const src = (ret: string) => `${header}export class M extends nn.Module {\n  fc = new nn.Linear(3, 2);\n  logitScale = new nn.Parameter(F.ones([]).mul(2.5));\n  forward(x: Tensor<[Batch, 3]>) {\n    return ${ret};\n  }\n}\n`;
    const { graph } = lowerSource(src("{ logits: this.fc(x), logitScale: this.logitScale.exp(), bias: this.fc.bias.mul(2), w: this.fc.weight }"));
    expect(graph.outputs.map((o) => o.shape)).toEqual([[{ batch: 1 }], [], [2], [2, 3]].map((s, i) => (i === 0 ? graph.outputs[0].shape : s)));
    // the batch reaches it: a value of each replica's share, refused as before (and the batch's size, which differs per replica)
    expect(first(src("{ logits: this.fc(x), scale: this.logitScale.mul(x.mean()) }"))).toMatch(/^TSDP4005 6: forward must return tensors whose first dim is Batch, got a tensor of shape \[\] \(a reduction over the batch\)/);
    expect(first(src("[this.fc(x), this.logitScale.mul(x.size(0))]"))).toMatch(/^TSDP4005 6: forward must return tensors whose first dim is Batch/);
    // the manifest: an output with no batch dim is valid; one with the batch elsewhere than dim 0 is not
    const manifest = (shape: unknown[]) => ({
      format: MANIFEST_FORMAT, abiVersion: ABI_VERSION, model: "M", library: "libmodel.so", sourceHash: "0".repeat(64), librarySha256: "0".repeat(64), libraryBytes: 1, target: "cpu",
      inputs: [{ name: "x", dtype: "float32", shape: ["Batch", 3] }], outputs: [{ name: "s", dtype: "float32", shape }], params: [], buffers: [],
    });
    expect(() => validateManifest(manifest([]), "manifest.json")).not.toThrow();
    expect(() => validateManifest(manifest([4]), "manifest.json")).not.toThrow();
    expect(() => validateManifest(manifest([4, "Batch"]), "manifest.json")).toThrow(/outputs\[0\]\.shape\[1\] is "Batch": the batch dimension must be dim 0/);
  });

  it("a value that failed is reported once, where it failed, not again as a value that is not a tensor", () => {
    // an object literal is no different from an array of outputs: a failed element has said why
    // (a child module whose forward fails returns a failed value, and its caller goes on)
    const src = `${header}class Bad extends nn.Module {\n  forward(x: Tensor) {\n    return x.view(5, -1);\n  }\n}\nexport class M extends nn.Module {\n  bad = new Bad();\n  fc = new nn.Linear(3, 2);\n  forward(x: Tensor<[Batch, 3]>) {\n    return { logits: this.fc(this.bad(x)), x };\n  }\n}\n`;
    const diags = diagnosticsOf(src);
    expect(diags.map((d) => `${d.code} ${d.loc?.line}`)).toEqual(["TSDP4001 4"]);
  });

  it("the manifest refuses names an object cannot carry; the typed module declares the object", () => {
    const manifest = (names: string[]) => ({
      format: MANIFEST_FORMAT, abiVersion: ABI_VERSION, model: "M", library: "libmodel.so", sourceHash: "0".repeat(64), librarySha256: "0".repeat(64), libraryBytes: 1, target: "cpu",
      inputs: [{ name: "x", dtype: "float32", shape: ["Batch", 3] }], outputs: names.map((name) => ({ name, dtype: "float32", shape: ["Batch", 2] })), params: [], buffers: [], outputsByName: true,
    });
    const problems = (names: string[]) => {
      try {
        validateManifest(manifest(names), "manifest.json");
      } catch (e) {
        return (e as Error).message;
      }
      return "";
    };
    expect(problems(["logits", "hidden"])).toBe("");
    expect(problems(["a", "then"])).toMatch(/outputs\[1\]\.name "then" cannot name an output/);
    expect(problems(["a", "a"])).toMatch(/outputs\[1\]\.name "a" appears twice/);
    expect(problems(["a b"])).toMatch(/outputs\[0\]\.name must be an identifier when outputs are named, got "a b"/);
    const { dts } = typedModule({ model: "M", inputs: [{ name: "x", dtype: "float32", shape: ["Batch", 3] }], outputs: [{ name: "logits", dtype: "float32", shape: ["Batch", 2] }, { name: "hidden", dtype: "int32", shape: ["Batch", 4] }], outputsByName: true, params: [], buffers: [] });
    expect(dts).toContain("export type Output = { readonly logits: Tensor<Float32Array, readonly [number, 2]>; readonly hidden: Tensor<Int32Array, readonly [number, 4]> };");
    // forwardAll returns the tensors in key order (tsapi58: it was typed as [Output], an object in a list)
    expect(dts).toContain("export type OutputList = [Tensor<Float32Array, readonly [number, 2]>, Tensor<Int32Array, readonly [number, 4]>];");
    expect(dts).toContain("forwardAllSync(...inputs: Inputs): OutputList;");
  });

  it("a loss module takes the one output; a loss function the object", () => {
    expect(first(model("{ logits, hidden: this.emb(x) }", "export const training = new Training(M, { loss: new nn.MSELoss(), optimizer: new optim.SGD({ lr: 0.1 }) });\n"))).toMatch(
      /^TSDP5004 \d+: the model returns 2 tensors; a loss module takes one, so write the loss as a function of them: \(out: \{ logits, hidden \}, target\) => …/,
    );
    const { graph } = lowerSource(model("{ logits }", "export const training = new Training(M, { loss: new nn.MSELoss(), optimizer: new optim.SGD({ lr: 0.1 }) });\n"));
    expect(graph.loss?.value.op).toBe("mse_loss");
  });

  it("a loss function of the output alone (a DDPM's noise MSE) takes no target; three parameters are refused", () => {
    const ddpm = "export const training = new Training(M, { loss: (out: { logits: Tensor; noise: Tensor }) => F.mseLoss(out.logits, out.noise), optimizer: new optim.SGD({ lr: 0.1 }) });\n";
    const { graph } = lowerSource(model("{ logits, noise: F.tanh(logits) }", ddpm));
    expect(graph.loss?.target).toBeUndefined();
    expect(graph.inputs.map((n) => n.attrs.name)).toEqual(["x"]);
    const three = "export const training = new Training(M, { loss: (out: { logits: Tensor; noise: Tensor }, t: Tensor<[Batch, 2]>, u: Tensor<[Batch, 2]>) => F.mseLoss(out.logits, t), optimizer: new optim.SGD({ lr: 0.1 }) });\n";
    // a mean over the targets not ignored is weighted by the host's targets, which such a loss has none of
    const ignoring = "export const training = new Training(M, { loss: (out: { logits: Tensor; labels: Tensor }) => F.crossEntropy(out.logits, out.labels, { ignoreIndex: 0 }), optimizer: new optim.SGD({ lr: 0.1 }) });\n";
    expect(first(model("{ logits, labels: logits.argmax(1) }", ignoring))).toMatch(/^TSDP5004 \d+: a loss with ignoreIndex and reduction "mean" is weighted by the step's targets, and a loss of the output alone has none: declare the target.*a language model that predicts its own input's next tokens: pass those as the target, trainStep\(ids, nextIds\)/);
    expect(first(model("{ logits, noise: F.tanh(logits) }", three))).toMatch(
      /^TSDP5004 \d+: the loss function must take \(output, target\), or \(output\) for a loss with no target of its own \(trainStep\(x\)\), got 3 parameters$/,
    );
  });

  it("on the CPU target: forward gives the object (forwardAll the array in key order); a loss function reads it by key; an output the batch does not reach is returned once", async () => {
    const lossFunction = "(out: { logits: Tensor; hidden: Tensor }, target: Tensor<[Batch, 2]>) => F.mseLoss(out.logits, target)";
    const dir = writeFiles({ "model.ts": model("{ logits, hidden: this.emb(x).relu(), scale: this.fc.bias.mul(2) }", `export const training = new Training(M, { loss: ${lossFunction}, optimizer: new optim.SGD({ lr: 0.1 }) });\n`) });
    const { build } = await compile(join(dir, "model.ts"), { target: "cpu", outDir: join(scratchDir("named-outputs-"), "build") });
    // the bias's double, [2] with no batch dim: every replica's is the same, and forward returns replica 0's whatever the devices
    for (const devices of [2, 1]) {
      const two = await load(build.outDir, { seed: 1, devices });
      try {
        const want = Array.from(two.getParameter("fc.bias").data as Float32Array, (v) => 2 * v);
        const x = tensor(Float32Array.from(normals(15, 4, 1)), [5, 3]);
        const out = two.forwardSync(x) as unknown as Record<string, Tensor>;
        expect(out.scale.shape).toEqual([2]);
        expect(Array.from(out.scale.data)).toEqual(want);
        const step = two.trainStepSync(x, tensor(new Float32Array(10), [5, 2]), { lr: 0, outputs: true });
        expect(Array.from(step.outputs[2].data)).toEqual(want);
      } finally {
        two.dispose();
      }
    }
    const m = await load(build.outDir, { seed: 1 });
    expect(m.manifest.outputs.map((o) => o.name)).toEqual(["logits", "hidden", "scale"]);
    expect(m.manifest.outputsByName).toBe(true);
    try {
      const x = tensor(Float32Array.from([1, -2, 0.5, 3, 0, -1]), [2, 3]);
      const out = m.forwardSync(x) as unknown as Record<string, Tensor>;
      expect(Object.keys(out)).toEqual(["logits", "hidden", "scale"]);
      const [logits, hidden] = m.forwardAllSync(x);
      expect(Array.from(out.logits.data)).toEqual(Array.from(logits.data));
      expect(Array.from(out.hidden.data)).toEqual(Array.from(hidden.data));
      expect(out.hidden.shape).toEqual([2, 4]);
      const asynchronous = (await m.forward(x)) as unknown as Record<string, Tensor>;
      expect(Array.from(asynchronous.logits.data)).toEqual(Array.from(logits.data));
      // the loss is the logits' MSE against the target
      const target = tensor(new Float32Array(4), [2, 2]);
      const loss = m.trainStepSync(x, target, { lr: 0 });
      expect(loss).toBeCloseTo(Array.from(logits.data).reduce((a, v) => a + v * v, 0) / 4, 5);
    } finally {
      m.dispose();
    }
  }, 300_000);
});

// A loss of the output alone (a DDPM's noise MSE): the step takes the inputs only. Two steps of SGD
// with momentum against the reference interpreter's, on 1 and 2 virtual devices (a batch of 5 splits
// 3 + 2: the replicas' mean losses are weighted by their rows, as a target-ful MSE's are), with a
// checkpoint saved and resumed between the steps.
describe("training with a loss of the output alone", () => {
  const src = `${header}export class M extends nn.Module {\n  fc = new nn.Linear(3, 3);\n  forward(x: Tensor<[Batch, 3]>) {\n    return { pred: this.fc(x), noise: F.tanh(x) };\n  }\n}\nexport const training = new Training(M, { loss: (out: { pred: Tensor; noise: Tensor }) => F.mseLoss(out.pred, out.noise), optimizer: new optim.SGD({ lr: 0.1, momentum: 0.9 }) });\n`;

  it("trainStep(x) and evaluate(x) on the CPU target equal the reference's; a target is refused by name", async () => {
    const dir = writeFiles({ "model.ts": src });
    const { model: lowered, generated, build } = await compile(join(dir, "model.ts"), { target: "cpu", outDir: join(scratchDir("no-target-"), "build") });
    const graph = lowered.graph;
    expect(generated.manifest.training?.target).toBeNull();
    const { dts } = typedModule(generated.manifest);
    expect(dts).toContain("trainStepSync(inputs: StepInputs, options?: TrainStepLossOnly<StepOptions>): number;");
    expect(dts).toContain("evaluate(inputs: StepInputs): Promise<ModelEvaluation>;");
    expect(dts).not.toContain("export type Target");

    // the reference: each step's gradients from the step graph, then PyTorch's SGD with momentum
    const { graph: stepGraph, gradients } = differentiate(graph);
    const state = referenceState(graph, 0);
    const optimizer = newOptimizerState();
    const batches = [makeInputs(graph, 5, 1), makeInputs(graph, 5, 2)];
    const losses: number[] = [];
    for (const [s, { reference }] of batches.entries()) {
      const want = runReference(stepGraph, reference, state, { training: true, seed: 0, step: s });
      losses.push(want.loss!);
      const grads = new Map([...gradients].map(([name, n]) => [name, want.values.get(n as Node)!]));
      optimizerStep(graph.optimizer!, optimizer, state.params, grads);
    }

    for (const devices of [1, 2]) {
      const checkpoint = join(scratchDir("no-target-ckpt-"), "step1.safetensors");
      let m = await load(build.outDir, { seed: 0, devices });
      try {
        for (const [name, p] of referenceState(graph, 0).params) m.setParameter(name, { shape: p.shape, data: Float32Array.from(p.data) });
        const [x1, x2] = batches.map((b) => b.tensors[0]);
        expect(() => m.trainStepSync(x1, tensor(new Float32Array(15), [5, 3]))).toThrow(/^M\.trainStep: this model's loss takes no target \(it is a function of the output alone\): call trainStep\(inputs\) or trainStep\(inputs, options\)$/);
        await expect(m.evaluate(x1, tensor(new Float32Array(15), [5, 3]))).rejects.toThrow(/^M\.evaluate: this model's loss takes no target/);
        expect(() => (m.trainStepSync as (...a: unknown[]) => number)()).toThrow(/^M\.trainStep: /);
        // evaluate: the mean loss, nothing updated
        expectClose([(await m.evaluate(x1)).loss], [losses[0]], `${devices} devices: evaluate's loss`);
        expectClose([m.trainStepSync(x1)], [losses[0]], `${devices} devices: step 1's loss`);
        await m.saveCheckpoint(checkpoint);
        m.dispose();
        m = await load(build.outDir, { devices, checkpoint });
        expectClose([await m.trainStep([x2], { lr: 0.1 })], [losses[1]], `${devices} devices: step 2's loss`);
        expect(m.steps).toBe(2);
        for (const [name, p] of state.params) expectClose(m.getParameter(name).data as Float32Array, p.data, `${devices} devices: ${name} after 2 steps`);
      } finally {
        m.dispose();
      }
    }
    // the C ABI refuses a target too (the runtime refuses first; a C caller meets this one)
    const lib = NativeLibrary.open(join(build.outDir, "libmodel.so"));
    const { handle } = lib.create(null, 0n);
    try {
      const outs = [new Float32Array(15), new Float32Array(15)];
      expect(lib.evaluate(handle!, 5, [batches[0].tensors[0].data as Float32Array], new Float32Array(15), outs).code).not.toBe(0);
      expect(lib.lastError(handle)).toMatch(/tsdp_evaluate: this model's loss takes no target; pass NULL/);
      expect(lib.evaluate(handle!, 5, [batches[0].tensors[0].data as Float32Array], null, outs).code).toBe(0);
    } finally {
      lib.destroy(handle!);
    }
  }, 300_000);
});

describe("forward returning arrays of arrays (MelGAN's and HiFi-GAN's per-scale lists of layer outputs)", () => {
  const src = (ret: string) =>
    `${header}export class M extends nn.Module {\n  fc = new nn.Linear(3, 2);\n  forward(x: Tensor<[Batch, 3]>) {\n    const h = this.fc(x);\n    return ${ret};\n  }\n}\n` +
    "export const training = new Training(M, { loss: ([real, fake]: Tensor[][]) => real[1].sub(fake[0]).pow(2).mean(), optimizer: new optim.SGD({ lr: 0.1 }) });\n";

  it("the outputs are the tensors depth first; the loss function gets them nested as forward returned them", () => {
    const { graph } = lowerSource(src("[[h, h.relu()], [h.mul(3)]]"));
    expect(graph.outputs.length).toBe(3);
    expect(graph.outputNames).toBeUndefined();
    // float64 reference: the loss is mean((relu(h) - 3h)²) of the outputs it returns (real[1] is output 1, fake[0] output 2)
    const x = nd([2, 3], [1, -2, 0.5, 3, 0, -1]);
    const r = runReference(graph, { x }, referenceState(graph), { training: true });
    const [relu, thrice] = [r.outputs[1].data, r.outputs[2].data];
    const want = Array.from(relu).reduce((a, v, i) => a + (v - thrice[i]) ** 2, 0) / relu.length;
    expectClose([r.loss!], [want], "loss of the nested outputs");
  });

  it("a leaf that is not a tensor, or an empty inner array, is refused saying what forward may return", () => {
    expect(first(src("[[h, 3], [h]]"))).toMatch(/^TSDP4005 \d+: forward returns .*; return tensors, an array of them \(arrays of arrays of tensors too\), or an object of them/);
    expect(first(src("[[h], []]"))).toMatch(/^TSDP4005 \d+: forward returns .*arrays of arrays of tensors too/);
  });
});
