// How the replicas' losses make the whole batch's (compiler/ir/loss-combination.ts): read from the
// loss's graph, for loss modules by their reduction and for loss functions term by term. And
// F.klDiv / nn.KLDivLoss (1-frontend/functional-compositions.ts) through the float64 reference.
// Equal losses and gradients on 1 and 3 devices: test/loss-combination-target.test.ts.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lossKind } from "../compiler/ir/loss-combination.ts";
import { generate } from "../compiler/pipeline.ts";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { gradCheck } from "./gradcheck.ts";
import { diagnosticsOf, header, lowerSource, writeFiles } from "./helpers.ts";

const trained = (loss: string, target = "Tensor<[Batch, 3]>") =>
  `${header}export class M extends nn.Module {\n  fc = new nn.Linear(4, 3);\n  forward(x: Tensor<[Batch, 4]>) {\n    return this.fc(x);\n  }\n}\nexport const training = new Training(M, { loss: ${loss.replace("TARGET", target)}, optimizer: new optim.SGD({ lr: 0.1 }) });\n`;
const kind = (loss: string, target?: string) => lossKind(lowerSource(trained(loss, target)).graph.loss!.value);

describe("the combination of the replicas' losses", () => {
  it("a loss module's reduction", () => {
    expect(kind("new nn.MSELoss()")).toBe("mean");
    expect(kind('new nn.MSELoss({ reduction: "sum" })')).toBe("sum");
    expect(kind('new nn.CrossEntropyLoss({ reduction: "sum" })', "Tensor<[Batch], \"int32\">")).toBe("sum");
    expect(kind('new nn.KLDivLoss({ reduction: "sum" })')).toBe("sum");
    expect(kind('new nn.KLDivLoss({ reduction: "batchmean" })')).toBe("mean");
    expect(kind("new nn.KLDivLoss()")).toBe("mean");
  });
  it("a loss function, term by term: sums and means over the batch, constant factors, a penalty beside a mean", () => {
    const fn = (body: string) => kind(`(o: Tensor<[Batch, 3]>, t: Tensor<[Batch, 3]>) => ${body}`);
    expect(fn("o.sub(t).pow(2).sum()")).toBe("sum");
    expect(fn("o.sub(t).pow(2).sum(0).sum()")).toBe("sum");
    expect(fn("o.sub(t).pow(2).sum(1).sum().mul(0.5)")).toBe("sum");
    expect(fn("o.sub(t).pow(2).mean()")).toBe("mean");
    expect(fn("o.sub(t).pow(2).sum().div(o.size(0))")).toBe("mean");
    expect(fn("F.mseLoss(o, t).add(F.l1Loss(o, t).mul(0.5))")).toBe("mean");
    expect(fn('F.mseLoss(o, t, { reduction: "sum" }).add(o.abs().sum())')).toBe("sum");
    // a batch-free term: once in all beside a mean
    expect(fn("F.mseLoss(o, t).add(F.ones([3]).sum().mul(0.01))")).toBe("mean");
    // of no kind (weighted as a mean, as DDP averages): a root of a mean, a sum plus a constant, a mean times a sum
    expect(fn("o.sub(t).pow(2).mean().sqrt()")).toBeUndefined();
    expect(fn("o.sub(t).pow(2).sum().add(1)")).toBeUndefined();
    expect(fn("o.mean().mul(t.sum())")).toBeUndefined();
  });
  it("the batch size in arithmetic is each replica's own: a mean times it is a sum, a sum times it or a mean plus it of no kind", () => {
    const fn = (body: string) => kind(`(o: Tensor<[Batch, 3]>, t: Tensor<[Batch, 3]>) => ${body}`);
    expect(fn("o.sub(t).pow(2).mean().mul(o.size(0))")).toBe("sum");
    expect(fn("F.mseLoss(o, t).mul(o.size(0) * 2).div(2)")).toBe("sum");
    expect(fn("o.sub(t).pow(2).sum().mul(o.size(0))")).toBeUndefined();
    expect(fn("o.sub(t).pow(2).mean().add(o.size(0))")).toBeUndefined();
    // mean · (b − 1): each share's b − 1 is no share of B − 1, so no sum (weighted as a mean)
    expect(fn("o.sub(t).pow(2).mean().mul(o.size(0) - 1)")).toBeUndefined();
    // the batch size as a 0-dim tensor (F.tensor(b), F.full([], b), F.fullLike(loss, b): b behind dtype
    // conversions and a 0-dim expand) is the same number; before, of no kind, so 2 devices halved the sum
    expect(fn("o.sub(t).pow(2).mean().mul(F.tensor(o.size(0)))")).toBe("sum");
    expect(fn("F.full([], 2 * o.size(0)).mul(o.sub(t).pow(2).mean())")).toBe("sum");
    expect(fn("o.sub(t).pow(2).mean().mul(F.fullLike(o.sub(t).pow(2).mean(), o.size(0)))")).toBe("sum");
    expect(fn("o.sub(t).pow(2).sum().div(F.tensor(o.size(0)))")).toBe("mean");
    expect(fn("o.sub(t).pow(2).mean().mul(F.tensor(o.size(0) - 1))")).toBeUndefined();
  });
});

describe("F.klDiv and nn.KLDivLoss", () => {
  const model = (body: string) => `${header}export class M extends nn.Module {\n  forward(x: Tensor<[Batch, 3]>, t: Tensor<[Batch, 3]>) {\n    ${body}\n  }\n}\n`;
  const run = (body: string, x: number[], t: number[]) => {
    const { graph } = lowerSource(model(body));
    return runReference(graph, { x: nd([2, 3], x), t: nd([2, 3], t) }, initState(graph, 0)).outputs.map((o) => Array.from(o.data));
  };
  // log-probabilities of two rows, and target probabilities with a 0
  const x = [Math.log(0.2), Math.log(0.3), Math.log(0.5), Math.log(0.6), Math.log(0.3), Math.log(0.1)];
  const t = [0.1, 0.4, 0.5, 0, 0.5, 0.5];
  const pointwise = t.map((ti, i) => (ti === 0 ? 0 : ti * (Math.log(ti) - x[i])));
  const total = pointwise.reduce((a, b) => a + b, 0);

  it("target·(log target − input), 0 where the target is 0; reduced by mean, batchmean, sum; logTarget", () => {
    const got = run(
      'return [F.klDiv(x, t, { reduction: "none" }), F.klDiv(x, t).expand(x.size(0), 1), F.klDiv(x, t, { reduction: "batchmean" }).expand(x.size(0), 1), F.klDiv(x, t, { reduction: "sum" }).expand(x.size(0), 1), F.klDiv(x, t.add(0.1).log(), { reduction: "none", logTarget: true })];',
      x,
      t,
    );
    got[0].forEach((g, i) => expect(g).toBeCloseTo(pointwise[i], 12));
    expect(got[1][0]).toBeCloseTo(total / 6, 12);
    expect(got[2][0]).toBeCloseTo(total / 2, 12);
    expect(got[3][0]).toBeCloseTo(total, 12);
    got[4].forEach((g, i) => expect(g).toBeCloseTo((t[i] + 0.1) * (Math.log(t[i] + 0.1) - x[i]), 12));
  });
  it("gradients against central differences, to the input and to a target away from 0", () => {
    const body = (r: string) => model(`return [F.klDiv(x.logSoftmax(1), t.softmax(1), { reduction: "${r}" }).expand(x.size(0), 1), F.klDiv(x.logSoftmax(1), t.logSoftmax(1), { reduction: "none", logTarget: true })];`).slice(header.length);
    for (const r of ["batchmean", "sum", "mean"]) expect(gradCheck(body(r)).checked).toBeGreaterThan(0);
  });
  it("refuses other shapes and reductions, where written", () => {
    const first = (src: string) => diagnosticsOf(src).map((d) => `${d.code} ${d.loc?.line}: ${d.message}`)[0];
    expect(first(model("return F.klDiv(x, t.sum(1, true));"))).toMatch(/^TSDP\d+ 4: F\.klDiv expects input and target of the same shape, got \[Batch, 3\] and \[Batch, 1\]/);
    expect(first(model('return F.klDiv(x, t, { reduction: "avg" });'))).toMatch(/^TSDP3004 4: F\.klDiv: reduction must be one of "mean", "batchmean", "sum", "none"/);
  });
});

describe("binary cross-entropy's weight and posWeight", () => {
  const model = (body: string, fields = "") => `${header}export class M extends nn.Module {\n  ${fields}\n  forward(x: Tensor<[Batch, 2]>, t: Tensor<[Batch, 2]>) {\n    ${body}\n  }\n}\n`;
  const softplus = (v: number) => Math.log1p(Math.exp(v));
  it("PyTorch's (1 + (posWeight − 1)·t)·softplus(−x) + (1 − t)·x, times weight; the mean over the elements", () => {
    const { graph } = lowerSource(
      model(
        'return [F.binaryCrossEntropyWithLogits(x, t, { reduction: "none", posWeight: F.full([2], 3) }), F.binaryCrossEntropyWithLogits(x, t, { posWeight: F.full([2], 3), weight: F.full([1, 2], 0.5) }).expand(x.size(0), 1), F.binaryCrossEntropy(x.sigmoid(), t, { reduction: "none", weight: F.full([2], 2) })];',
      ),
    );
    const out = runReference(graph, { x: nd([1, 2], [0.5, -1]), t: nd([1, 2], [1, 0]) }, initState(graph, 0)).outputs.map((o) => Array.from(o.data));
    const pos = [3 * softplus(-0.5), softplus(1) - 1];
    out[0].forEach((v, i) => expect(v).toBeCloseTo(pos[i], 12));
    expect(out[1][0]).toBeCloseTo((0.5 * (pos[0] + pos[1])) / 2, 12);
    const bce = [-Math.log(1 / (1 + Math.exp(-0.5))), -Math.log(1 - 1 / (1 + Math.exp(1)))];
    out[2].forEach((v, i) => expect(v).toBeCloseTo(2 * bce[i], 10));
  });
  it("gradients against central differences, to the input and the target", () => {
    const body = model('return [F.binaryCrossEntropyWithLogits(x.mul(2), t.sigmoid(), { reduction: "none", posWeight: this.p, weight: F.full([2], 0.7) }), F.binaryCrossEntropy(x.sigmoid(), t.sigmoid(), { weight: this.p }).expand(x.size(0), 1)];', "p = new nn.Parameter(F.full([2], 2.5));");
    expect(gradCheck(body.slice(header.length)).checked).toBeGreaterThan(0);
  });
  it("as nn.BCEWithLogitsLoss's constructor tensors in a training declaration; shapes that do not broadcast to the input are refused", () => {
    const src = `${header}export class M extends nn.Module {\n  fc = new nn.Linear(2, 2);\n  forward(x: Tensor<[Batch, 2]>) {\n    return this.fc(x);\n  }\n}\nexport const training = new Training(M, { loss: new nn.BCEWithLogitsLoss({ posWeight: F.full([2], 3), weight: F.ones([2]) }), optimizer: new optim.SGD({ lr: 0.1 }) });\n`;
    expect(lowerSource(src).graph.loss!.value.op).toBe("mean");
    const first = (s: string) => diagnosticsOf(s).map((d) => `${d.code} ${d.loc?.line}: ${d.message}`)[0];
    expect(first(model("return F.binaryCrossEntropyWithLogits(x, t, { posWeight: F.ones([3]) }).expand(x.size(0), 1);"))).toMatch(
      /^TSDP4001 5: F\.binaryCrossEntropyWithLogits: posWeight \[3\] must broadcast to the input's shape \[Batch, 2\]/,
    );
  });
});

describe("mse, l1, smooth L1 and Huber losses of shapes that broadcast", () => {
  it("expand input and target to their common shape, as PyTorch's (which warns); [N] against [N, 1] is refused", () => {
    const src = `${header}export class M extends nn.Module {\n  forward(x: Tensor<[Batch, 3]>, t: Tensor<[Batch, 1]>) {\n    const B = x.size(0);\n    return [F.mseLoss(x, t, { reduction: "none" }), F.l1Loss(x, t).expand(B), F.smoothL1Loss(t, x, { reduction: "sum" }).expand(B), F.huberLoss(x, t, { reduction: "none", delta: 0.5 }).narrow(1, 0, 1)];\n  }\n}\n`;
    const { graph } = lowerSource(src);
    const [xs, ts] = [[0.5, -1, 2, 3, 0.25, -0.5], [1, -2]];
    const got = runReference(graph, { x: nd([2, 3], xs), t: nd([2, 1], ts) }, initState(graph, 0)).outputs.map((o) => Array.from(o.data));
    const d = xs.map((v, i) => v - ts[Math.floor(i / 3)]);
    got[0].forEach((g, i) => expect(g).toBeCloseTo(d[i] ** 2, 12));
    expect(got[1][0]).toBeCloseTo(d.reduce((a, v) => a + Math.abs(v), 0) / 6, 12);
    expect(got[2][0]).toBeCloseTo(d.reduce((a, v) => a + (Math.abs(v) < 1 ? 0.5 * v * v : Math.abs(v) - 0.5), 0), 12);
    got[3].forEach((g, i) => expect(g).toBeCloseTo(Math.abs(d[i * 3]) < 0.5 ? 0.5 * d[i * 3] ** 2 : 0.5 * (Math.abs(d[i * 3]) - 0.25), 12));
    const refused = diagnosticsOf(`${header}export class M extends nn.Module {\n  forward(x: Tensor<[Batch, 1]>, t: Tensor<[Batch]>) {\n    return F.mseLoss(x, t, { reduction: "none" });\n  }\n}\n`).map((d) => d.message)[0];
    expect(refused).toMatch(/^F\.mseLoss: input \[Batch, 1\] and target \[Batch\] broadcast to \[Batch, Batch\], each sample.s output against every sample.s target .*give them one shape: input\.squeeze\(-1\), or target\.unsqueeze\(-1\)$/);
  });
});

describe("a loss of no kind is said at compile time", () => {
  it("a mean plus a sum, or an RMSE, warns TSDP5006 at the loss (several devices weigh each replica by its share, as DDP); a mean or a sum does not", () => {
    const warnings = (loss: string) => {
      const dir = writeFiles({ "model.ts": trained(loss) });
      return generate(join(dir, "model.ts"), { target: "cpu" }).warnings.map((w) => `${w.code} ${w.severity} ${w.loc?.line}`);
    };
    const line = trained("X").split("\n").findIndex((l) => l.includes("new Training")) + 1;
    expect(warnings("(o: Tensor, t: TARGET) => F.mseLoss(o, t).add(o.sub(t).abs().sum().mul(0.1))".replace("TARGET", "Tensor<[Batch, 3]>"))).toEqual([`TSDP5006 warning ${line}`]);
    expect(warnings("(o: Tensor, t: TARGET) => F.mseLoss(o, t).sqrt()".replace("TARGET", "Tensor<[Batch, 3]>"))).toEqual([`TSDP5006 warning ${line}`]);
    expect(warnings("new nn.MSELoss()")).toEqual([]);
    // a mean over the targets not ignored, or weighted by class: each replica weighted by its count or weight sum, exact
    const labels = (loss: string) => {
      const dir = writeFiles({ "model.ts": trained(loss, 'Tensor<[Batch], "int32">') });
      return generate(join(dir, "model.ts"), { target: "cpu" }).warnings;
    };
    expect(labels("new nn.CrossEntropyLoss({ ignoreIndex: 1 })")).toEqual([]);
    expect(labels("new nn.CrossEntropyLoss({ weight: F.tensor([1, 2, 3]) })")).toEqual([]);
    expect(labels("(o: Tensor, t: TARGET) => F.crossEntropy(o, t, { ignoreIndex: -1, labelSmoothing: 0.1 })")).toEqual([]);
    expect(warnings("(o: Tensor, t: TARGET) => o.sub(t).abs().sum()".replace("TARGET", "Tensor<[Batch, 3]>"))).toEqual([]);
  });

  it("per-sample terms that read a reduction over the batch (VICReg's x − x.mean(0), a softmax along the batch) are of no kind: warned, naming the reduction's line; pairs and the batch size in arithmetic are not", () => {
    // before: x.sub(x.mean(0)) was per-sample rows, so its mean was "mean" and its sum "sum" (each replica's whole,
    // silently not the whole batch's), with no warning
    const fn = (body: string) => kind(`(o: Tensor<[Batch, 3]>, t: Tensor<[Batch, 3]>) => ${body}`);
    expect(fn("o.sub(o.mean(0)).pow(2).mean()")).toBeUndefined();
    expect(fn("o.sub(o.mean(0)).pow(2).sum()")).toBeUndefined();
    expect(fn("F.mseLoss(o.softmax(0), t)")).toBeUndefined();
    expect(fn("F.mseLoss(o.div(o.std(0)), t)")).toBeUndefined();
    // each sample's own terms: the batch size in arithmetic, an in-batch pair matrix reduced along its pairs, F.eye(b)
    expect(fn("o.div(o.size(0)).sub(t).pow(2).sum()")).toBe("sum");
    expect(fn("F.crossEntropy(o.matmul(t.t()), F.arange(o.size(0)))")).toBe("mean");
    expect(fn("o.matmul(t.t()).mul(F.eye(o.size(0))).sum(1).mean()")).toBe("mean");
    const dir = writeFiles({ "model.ts": trained("(o: Tensor, t: Tensor<[Batch, 3]>) => {\n  const centered = o.sub(o.mean({ dim: 0 }));\n  return F.mseLoss(centered, t);\n}") });
    const [w, ...more] = generate(join(dir, "model.ts"), { target: "cpu" }).warnings;
    expect(more).toEqual([]);
    expect(`${w.code} ${w.severity} ${w.loc?.line}: ${w.message}`).toBe(
      "TSDP5006 warning 10: the loss's per-sample terms read a reduction over the batch (mean at model.ts:9), which each device takes over its own share, as DDP without all_reduce or all_gather; so the loss is neither a mean nor a sum of per-sample terms",
    );
  });
});
