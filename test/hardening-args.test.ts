// Issue 10, classes 5 and 8: a bad argument, a size past what the generated code indexes, an
// output the runtime would refuse, or a training with nothing to train is a located compile
// error (TSDP3003/3004, 4001, 4005, 4006, 5005), never a C++ error, a refusal by `load`, or an
// internal error. The corpus test/adversarial/models/{args,train,shape}-*.ts holds more cases.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lowerModel } from "../compiler/1-frontend/lower.ts";
import type { Diagnostic } from "../compiler/diagnostics/diagnostic.ts";
import { isBatch } from "../compiler/ir/shape.ts";
import { cFloat } from "../compiler/ops/elementwise.ts";
import { opDef, ShapeError } from "../compiler/ops/index.ts";
import { generate, trainingPrograms } from "../compiler/pipeline.ts";
import { validateManifest } from "../runtime/manifest.ts";
import { diagnosticsOf, header, lowerSource, writeFiles } from "./helpers.ts";

/** A model with `fields`, forward body `body` and input `input`, then `after` (a training). */
function model(fields: string, body: string, input = "x: Tensor<[Batch, 8]>", after = ""): string {
  return `${header}export class Net extends nn.Module {
  ${fields}
  forward(${input}) {
    ${body}
  }
}
${after}`;
}

const training = (optimizer: string, loss = "new nn.CrossEntropyLoss()") =>
  `export const training = new Training(Net, { loss: ${loss}, optimizer: ${optimizer} });`;

const mlp = "fc1 = new nn.Linear(8, 16); fc2 = new nn.Linear(16, 3);";
const mlpForward = "return this.fc2(F.relu(this.fc1(x)));";

/** 1-based line and column of the `nth` occurrence of `text` in `src`. */
function positionOf(src: string, text: string, nth = 1): { line: number; col: number } {
  let at = -1;
  for (let i = 0; i < nth; i++) {
    at = src.indexOf(text, at + 1);
    if (at < 0) throw new Error(`'${text}' (occurrence ${nth}) is not in the source`);
  }
  const before = src.slice(0, at).split("\n");
  return { line: before.length, col: before[before.length - 1].length + 1 };
}

const where = (d: Diagnostic) => ({ line: d.loc?.line, col: d.loc?.col });
const summary = (ds: readonly Diagnostic[]) => ds.map((d) => `${d.code} ${d.loc?.line}:${d.loc?.col}`).sort();

/** Compiles `src` expecting exactly one diagnostic, with `code`, at the first `at` in the source. */
function expectOne(src: string, code: string, at: string, nth = 1): Diagnostic {
  const diags = diagnosticsOf(src);
  const p = positionOf(src, at, nth);
  expect(summary(diags), diags.map((d) => d.message).join("\n")).toEqual([`${code} ${p.line}:${p.col}`]);
  return diags[0];
}

describe("class 5: bad arguments become located diagnostics", () => {
  it("reports every bad option of one options object at once, each at its value", () => {
    const opt = "new optim.Adam({ lr: NaN, betas: [2, 3], eps: -Infinity, weightDecay: -1 })";
    const src = model(mlp, mlpForward, undefined, training(opt));
    const diags = diagnosticsOf(src);
    const at = (text: string) => {
      const p = positionOf(src, text);
      return `TSDP3004 ${p.line}:${p.col}`;
    };
    expect(summary(diags)).toEqual([at("NaN"), at("[2, 3]"), at("-Infinity"), at("-1 })")].sort());
    expect(diags.map((d) => d.message).join("\n")).toMatch(/lr must be a finite number ≥ 0, got the number NaN[^]*betas must be two numbers in \[0, 1\), got \[2, 3\][^]*eps must be a finite number ≥ 0, got the number -Infinity/);
  });

  it("an optimizer's eps may be 0, as PyTorch's rule is 0 ≤ eps (each optimizer)", () => {
    for (const kind of ["Adam", "AdamW", "Adamax", "NAdam", "RAdam", "Adagrad", "Adadelta", "RMSprop"])
      expect(lowerSource(model(mlp, mlpForward, undefined, training(`new optim.${kind}({ lr: 0.01, eps: 0 })`))).graph.optimizer).toMatchObject({ kind, eps: 0 });
  });

  it("reports every bad option of a layer at once, type errors as TSDP3003 and range errors as TSDP3004", () => {
    const src = model("conv = new nn.Conv2d(1, 4, 3, { stride: 0, padding: -1, dilation: 1.5, bias: 1 });", "return this.conv(x);", "x: Tensor<[Batch, 1, 8, 8]>");
    const diags = diagnosticsOf(src);
    const p = (text: string) => positionOf(src, text);
    expect(diags.map((d) => [d.code, where(d)])).toEqual([
      ["TSDP3004", p("0, padding")],
      ["TSDP3004", p("-1, dilation")],
      ["TSDP3003", p("1.5")],
      ["TSDP3003", p("1 })")],
    ]);
  });

  // a zero or negative window parameter, which used to give [Batch, 4, Infinity, Infinity] and a C++ error
  it.each([
    ["nn.Conv2d stride 0", "conv = new nn.Conv2d(1, 4, 3, { stride: 0 });", "0 }"],
    ["nn.Conv2d dilation 0", "conv = new nn.Conv2d(1, 4, 3, { dilation: [1, 0] });", "[1, 0]"],
    ["nn.Conv2d kernel -3", "conv = new nn.Conv2d(1, 4, -3);", "-3"],
    ["nn.MaxPool2d stride 0", "conv = new nn.MaxPool2d(2, 0);", "0)"],
    ["nn.AvgPool2d kernel 0", "conv = new nn.AvgPool2d([0, 2]);", "[0, 2]"],
    ["nn.MaxPool2d padding past half the kernel", "conv = new nn.MaxPool2d(3, { padding: 2 });", "2 }"],
    ["nn.AdaptiveAvgPool2d output 0", "conv = new nn.AdaptiveAvgPool2d([2, 0]);", "[2, 0]"],
    ["nn.Conv2d groups not dividing the channels", "conv = new nn.Conv2d(3, 4, 3, { groups: 3 });", "3 }"],
  ])("%s is TSDP3004 at the argument", (_name, field, at) => {
    const src = model(field, "return this.conv(x);", "x: Tensor<[Batch, 1, 8, 8]>");
    expectOne(src, "TSDP3004", at);
  });

  it.each([
    ["a string size", "new nn.Linear(8, \"3\")", "TSDP3003", "\"3\""],
    ["a fractional size", "new nn.Linear(8, 24 / 5)", "TSDP3003", "24 / 5"],
    ["a NaN size", "new nn.Linear(8, 0 / 0)", "TSDP3004", "0 / 0"],
    ["a zero size", "new nn.Linear(0, 3)", "TSDP3004", "0, 3"],
    ["dropout p above 1", "new nn.Dropout(1.01)", "TSDP3004", "1.01"],
    ["a BatchNorm eps of 0", "new nn.BatchNorm1d(8, { eps: 0 })", "TSDP3004", "0 }"],
    ["a LayerNorm eps of NaN", "new nn.LayerNorm(8, { eps: NaN })", "TSDP3004", "NaN"],
    ["an Embedding padding index below the table", "new nn.Embedding(5, 8, { paddingIdx: -6 })", "TSDP3004", "-6"],
    ["a GELU approximation PyTorch lacks", "new nn.GELU({ approximate: \"erf\" })", "TSDP3004", "\"erf\""],
    ["a LeakyReLU slope of Infinity", "new nn.LeakyReLU(Infinity)", "TSDP3004", "Infinity"],
  ])("a layer with %s is refused at the argument", (_name, layer, code, at) => {
    const src = model(`layer = ${layer};`, "return x;");
    const d = expectOne(src, code, at);
    expect(d.message).toMatch(/^nn\.\w+: \w+ must be /);
  });

  it.each([
    ["nesterov as a string", "new optim.SGD({ lr: 0.1, momentum: 0.9, nesterov: \"yes\" })", "TSDP3003", "\"yes\""],
    ["nesterov without momentum", "new optim.SGD({ lr: 0.1, nesterov: true })", "TSDP3004", "true"],
    ["nesterov with dampening", "new optim.SGD({ lr: 0.1, momentum: 0.5, dampening: 0.5, nesterov: true })", "TSDP3004", "true"],
    ["a negative dampening", "new optim.SGD({ lr: 0.1, momentum: 0.5, dampening: -0.5 })", "TSDP3004", "-0.5"],
    ["an infinite weight decay", "new optim.SGD({ lr: 0.1, weightDecay: Infinity })", "TSDP3004", "Infinity"],
    ["a beta of exactly 1", "new optim.AdamW({ betas: [1, 0.999] })", "TSDP3004", "[1, 0.999]"],
    ["betas as a number", "new optim.Adam({ betas: 0.9 })", "TSDP3003", "0.9"],
    ["an lr given by position", "new optim.Adam(1e-3)", "TSDP3003", "1e-3"],
  ])("an optimizer with %s is refused at the option", (_name, opt, code, at) => {
    const src = model(mlp, mlpForward, undefined, training(opt));
    expectOne(src, code, at);
  });

  it("accepts the legal edges: lr 0, beta1 0, dropout p 1, padding \"same\" with dilation, depthwise groups", () => {
    const src = model(
      `conv = new nn.Conv2d(2, 4, 3, { padding: "same", dilation: 3 }); dw = new nn.Conv2d(4, 4, 1, { groups: 4 });
  drop = new nn.Dropout(1); fc = new nn.Linear(256, 3);`,
      "return this.fc(this.drop(this.dw(this.conv(x))).flatten(1));",
      "x: Tensor<[Batch, 2, 8, 8]>",
      training("new optim.Adam({ lr: 0, betas: [0, 0.5], eps: 1e-12 })"),
    );
    const dir = writeFiles({ "model.ts": src });
    const { graph } = lowerModel(join(dir, "model.ts"));
    expect(graph.outputs[0].shape).toEqual([graph.outputs[0].shape[0], 3]);
    expect(graph.optimizer).toMatchObject({ kind: "Adam", lr: 0, beta1: 0, beta2: 0.5, eps: 1e-12 });
  });

  it.each([
    ["a tensor constant past float32", "", "return x.mul(-1e39);", "-1e39"],
    ["an exponent past float32", "", "return x.pow(1e40);", "1e40"],
    ["an eps that is 0 in float32", "bn = new nn.BatchNorm1d(8, { eps: 1e-46 });", "return F.relu(this.bn(x));", "1e-46"],
    ["a slope past float32", "", "return F.leakyRelu(x, -3.5e38);", "-3.5e38"],
  ])("%s is TSDP3004 at the number, not a g++ error", (_name, fields, body, at) => {
    expectOne(model(fields, body), "TSDP3004", at);
  });

  it("numbers reach the generated code as valid float32 literals", () => {
    const literal = /^(-?\d+(\.\d+)?(e[+-]?\d+)?f|__int_as_float\(0x[0-9a-f]{8}\))$/;
    for (const v of [0, 1, -2, 0.1, 1e-7, 1e20, 3.4e38, 3.5e38, -1e300, 1e-50, 5e-324, NaN, Infinity, -Infinity])
      expect(cFloat(v), String(v)).toMatch(literal);
    expect(cFloat(1e300)).toBe(cFloat(Infinity));
    // −0 keeps its sign, as PyTorch's float32 −0.0 (1 / x is −∞), and so does what rounds to it
    expect([cFloat(-0), cFloat(-1e-50), cFloat(0)]).toEqual(["-0.0f", "-0.0f", "0.0f"]);
  });

  it("shape rules refuse bad window parameters instead of producing Infinity, NaN, 0 or negative dims", () => {
    const x = { shape: [{ batch: 1 }, 2, 5, 5], dtype: "f32" as const };
    const weight = (k: number) => ({ shape: [2, 2, k, k], dtype: "f32" as const });
    const values = [-1, 0, 1, 2, 3, 7, 1.5, Infinity, NaN];
    let accepted = 0;
    let refused = 0;
    for (const k of [1, 3, 5]) // kernels come from the weight, whose shape the frontend checks
      for (const s of values)
        for (const p of values)
          for (const d of values)
            for (const [op, ins, attrs] of [
              ["conv2d", [x, weight(k)], { stride: [s, 1], padding: [p, 0], dilation: [1, d], groups: 1 }],
              ["max_pool2d", [x], { kernel: [k, d], stride: [s, s], padding: [p, 0] }],
              ["avg_pool2d", [x], { kernel: [d, k], stride: [1, s], padding: [0, p] }],
            ] as const) {
              let shape;
              try {
                shape = opDef(op).infer(ins as any, attrs as any, op).shape;
              } catch (e) {
                expect(e).toBeInstanceOf(ShapeError);
                refused++;
                continue;
              }
              accepted++;
              for (const dim of shape.slice(1)) expect(Number.isSafeInteger(dim) && (dim as number) >= 1, `${op} ${JSON.stringify(attrs)} gave ${JSON.stringify(shape)}`).toBe(true);
              expect(isBatch(shape[0])).toBe(true);
            }
    expect(accepted).toBeGreaterThan(50);
    expect(refused).toBeGreaterThan(50);
  });
});

describe("class 5: what load would refuse, the compiler refuses first", () => {
  it.each([
    ["a reduction over the batch", "", "return x.sum(0);", "x.sum(0)"],
    ["a scalar", "", "return x.mean();", "x.mean()"],
    ["the batch in dim 1", "", "return x.t();", "x.t()"],
    ["the batch merged into the features", "", "return x.flatten(0);", "x.flatten(0)"],
    ["a parameter scaled by the batch's mean next to a good output", "fc = new nn.Linear(8, 3);", "return [this.fc(x), this.fc.bias.mul(x.mean())];", "this.fc.bias.mul(x.mean())"],
  ])("forward returning %s is TSDP4005 at the return", (_name, fields, body, at) => {
    const d = expectOne(model(fields, body), "TSDP4005", at);
    expect(d.message).toMatch(/first dim is Batch|batch in dim 0/);
  });
  it("an output the batch does not reach is refused where a loss module compares it with each sample's target, and a loss no sample reaches is refused", () => {
    const d = expectOne(model("fc = new nn.Linear(8, 3);", "return this.fc.weight;", undefined, training("new optim.SGD({ lr: 0.1 })", "new nn.MSELoss()")), "TSDP4005", "this.fc.weight");
    expect(d.message).toMatch(/does not depend on the batch\), and the Training declaration's loss module compares it with each sample's target/);
    const lossFn = "(out: Tensor[]) => out[1].pow(2).sum()";
    const e = expectOne(model("fc = new nn.Linear(8, 3);", "return [this.fc(x), this.fc.weight];", undefined, training("new optim.SGD({ lr: 0.1 })", lossFn)), "TSDP5004", lossFn);
    expect(e.message).toMatch(/the loss depends on no sample of the batch/);
  });

  it.each([
    ["a layer size past int32", "fc = new nn.Linear(2 ** 31, 3);", "return x;", "x: Tensor<[Batch, 8]>", "2 ** 31"],
    ["a weight past 2^31 - 1 elements", "fc = new nn.Linear(46341, 46341);", "return x;", "x: Tensor<[Batch, 8]>", "new nn.Linear(46341, 46341)"],
    ["an input dim of 1e12", "", "return x;", "x: Tensor<[Batch, 3, 1000000000000]>", "1000000000000"],
    ["an input of 2^31 elements per sample", "", "return x;", "x: Tensor<[Batch, 2, 1073741824]>", "[Batch, 2, 1073741824]"],
    ["an intermediate past 2^31 - 1 elements per sample", "", "return x.unsqueeze(2).matmul(x.unsqueeze(1)).flatten(1);", "x: Tensor<[Batch, 46341]>", "x.unsqueeze(2).matmul(x.unsqueeze(1))"],
    ["a padding that makes the output too large", "conv = new nn.Conv2d(3, 1, 1, { padding: 2 ** 30 });", "return this.conv(x);", "x: Tensor<[Batch, 3, 4, 4]>", "this.conv(x)"],
  ])("%s is TSDP4006 with a location", (_name, fields, body, input, at) => {
    expectOne(model(fields, body, input), "TSDP4006", at);
  });

  it("an output size of 0 is TSDP4001 at the layer call", () => {
    expectOne(model("pool = new nn.AvgPool2d(4, 2);", "return this.pool(x);", "x: Tensor<[Batch, 1, 3, 3]>"), "TSDP4001", "this.pool(x)");
  });

  it("what compiles, the runtime's manifest check accepts: outputs, params and buffers of odd shapes", () => {
    const src = model(
      "bn = new nn.BatchNorm1d(8); emb = new nn.Embedding(7, 2);",
      "return [this.bn(x).unsqueeze(1), this.emb(t).flatten(1), x.argmax(1)];",
      'x: Tensor<[Batch, 8]>, t: Tensor<[Batch, 3], "int32">',
    );
    const dir = writeFiles({ "model.ts": src });
    const { generated } = generate(join(dir, "model.ts"), { target: "cpu" });
    const manifest = validateManifest(
      // the build adds the library's seal (its sha256 and size); these stand for a built library's
      JSON.parse(JSON.stringify({ ...generated.manifest, library: "libmodel.so", librarySha256: "0".repeat(64), libraryBytes: 1 })),
      "manifest.json",
    );
    expect(manifest.outputs.map((o) => o.shape)).toEqual([["Batch", 1, 8], ["Batch", 6], ["Batch"]]);
  });
});

describe("class 8: a training with nothing to train is TSDP5005 at the declaration", () => {
  const declared = (src: string) => positionOf(src, "new Training(");

  it.each([
    ["SGD", "new optim.SGD({ lr: 0.1, momentum: 0.9 })"],
    ["Adam", "new optim.Adam()"],
    ["AdamW", "new optim.AdamW({ lr: 1e-3 })"],
  ])("a model without parameters, trained with %s", (kind, opt) => {
    const src = model("", "return x.relu();", undefined, training(opt, "new nn.MSELoss()"));
    const d = expectOne(src, "TSDP5005", "new Training(");
    expect(d.message).toBe(`Net has no parameters, so ${kind} has nothing to update`);
  });

  it("a model whose only state is buffers (BatchNorm without affine) has nothing to train", () => {
    const src = model("bn = new nn.BatchNorm1d(8, { affine: false });", "return this.bn(x);", undefined, training("new optim.SGD({ lr: 0.1 })", "new nn.MSELoss()"));
    expect(where(expectOne(src, "TSDP5005", "new Training("))).toEqual(declared(src));
  });

  it("a loss that no parameter reaches (the layers exist but forward ignores them) has nothing to train", () => {
    const src = model(mlp, "return x.softmax(1);", undefined, training("new optim.SGD({ lr: 0.1 })", "(out: Tensor, y: Tensor<[Batch, 8]>) => F.mseLoss(out, y)"));
    const d = expectOne(src, "TSDP5005", "new Training(");
    expect(d.message).toMatch(/does not depend on any of its parameters/);
  });

  it("is not reported after an error in forward, whose stand-in value is why the loss misses the parameters (NSF's outputs[mask] = spline(inputs[mask]))", () => {
    // a float mask as an index is TSDP3003; the loss then reached no parameter, and TSDP5005 followed with
    // the help "the model has no parameters", of a model that has them
    const src = model(mlp, "const out = F.zerosLike(x);\n    out.indexPut_([x.gt(0).float()], this.fc1(x).index(x.gt(0).float()));\n    return out;", undefined, training("new optim.SGD({ lr: 0.1 })", "(out: Tensor, y: Tensor<[Batch, 8]>) => F.mseLoss(out, y)"));
    const codes = diagnosticsOf(src).map((d) => d.code);
    expect(codes).toContain("TSDP3003");
    expect(codes).not.toContain("TSDP5005");
  });

  it("a loss function that adds a parameter-free term still trains the parameters it reaches", () => {
    const src = model("used = new nn.Linear(8, 3); spare = new nn.Linear(8, 3);", "return this.used(x);", undefined, training("new optim.SGD({ lr: 0.1 })"));
    const dir = writeFiles({ "model.ts": src });
    const { graph } = lowerModel(join(dir, "model.ts"));
    const programs = trainingPrograms(graph)!;
    // the unused layer gets a gradient too (zero), as PyTorch's zero_grad leaves it
    expect([...programs.gradients.keys()].sort()).toEqual(["spare.bias", "spare.weight", "used.bias", "used.weight"]);
  });

  it("a model without parameters and without a training declaration still compiles (forward only)", () => {
    const dir = writeFiles({ "model.ts": model("", "return x.relu().sub(x.mean(1, true));") });
    const { graph } = lowerModel(join(dir, "model.ts"));
    expect(graph.params).toEqual([]);
    expect(graph.optimizer).toBeUndefined();
  });

  it("is reported together with the model's other errors", () => {
    const src = model("", "return x.relu().view(-1, 3);", undefined, training("new optim.SGD({ lr: 0.1 })", "new nn.MSELoss()"));
    // the forward error leaves no outputs, so no loss and no 5005: one error, not a cascade
    expect(diagnosticsOf(src).map((d) => d.code)).toEqual(["TSDP4001"]);
    const ok = model("", "return x.relu();", undefined, training("new optim.SGD({ lr: -1 })", "new nn.MSELoss()"));
    // a bad optimizer makes no training declaration: its own error, not "nothing to train"
    expect(diagnosticsOf(ok).map((d) => d.code)).toEqual(["TSDP3004"]);
  });
});
