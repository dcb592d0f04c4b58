// PyTorch's class weights (weight=) for F.crossEntropy / F.nllLoss and their modules: each target's
// loss times w[y], "mean" as Σ w[y]·ℓ / Σ w[y], and with label smoothing PyTorch's formula
// (1 − ε)·w[y]·nll + (ε/C)·Σ_c w_c·(−log p_c) over the same Σ w[y]. Against the definitions written
// out here in float64 (tolerance 1e-12); the replicas' weighting by Σ w[y] is tested on the CPU
// target (test/training.test.ts).
import { describe, expect, it } from "vitest";
import { differentiate } from "../compiler/2-autodiff/backward.ts";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { gradCheck } from "./gradcheck.ts";
import { diagnosticsOf, header, lowerSource } from "./helpers.ts";

const x = [0.5, -1, 2, 0.25, 0, 1.5, -0.5, 1, 3, 0.1, -2, 0.7]; // 4 rows of 3 classes
const y = [2, 1, 0, 2];
const w = [0.5, 2, 3];

const model = (loss: string) => `${header}export class M extends nn.Module {
  scale = new nn.Parameter(F.ones(3));
  forward(x: Tensor<[Batch, 3]>) { return x.mul(this.scale); }
}
export const training = new Training(M, { loss: ${loss}, optimizer: new optim.SGD({ lr: 0.1 }) });
`;

const lossOf = (loss: string, targets = y) => {
  const { graph } = lowerSource(model(loss));
  return runReference(graph, { x: nd([4, 3], x), target: nd([4], targets) }, initState(graph)).loss!;
};

/** −log p of every class of row i. */
function nlls(i: number): number[] {
  const row = x.slice(3 * i, 3 * i + 3);
  const m = Math.max(...row);
  const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
  return row.map((v) => lse - v);
}
const fn = (options: string) => `(o: Tensor, t: Tensor<[Batch], "int32">) => F.crossEntropy(o, t, { weight: F.tensor([${w}]), ${options} })`;

describe("class weights", () => {
  it("the mean is Σ w[y]·nll / Σ w[y]; sum is Σ w[y]·nll; the module, F.nllLoss of log-probabilities and a buffer's weights agree", () => {
    const weighted = y.map((c, i) => w[c] * nlls(i)[c]);
    const mean = weighted.reduce((a, b) => a + b) / y.reduce((s, c) => s + w[c], 0);
    expect(lossOf(fn(""))).toBeCloseTo(mean, 12);
    expect(lossOf(fn('reduction: "sum"'))).toBeCloseTo(weighted.reduce((a, b) => a + b), 12);
    expect(lossOf(`new nn.CrossEntropyLoss({ weight: F.tensor([${w}]) })`)).toBeCloseTo(mean, 12);
    expect(lossOf(`(o: Tensor, t: Tensor<[Batch], "int32">) => F.nllLoss(F.logSoftmax(o, 1), t, { weight: F.tensor([${w}]) })`)).toBeCloseTo(mean, 12);
    // computed in a constructor, as a port's class_weights = torch.tensor(...) * 2 is
    expect(lossOf(`new nn.CrossEntropyLoss({ weight: F.tensor([0.25, 1, 1.5]).mul(2) })`)).toBeCloseTo(mean, 12);
    // equal weights give the plain mean
    expect(lossOf(`new nn.CrossEntropyLoss({ weight: F.ones(3).mul(7) })`)).toBeCloseTo(lossOf("new nn.CrossEntropyLoss()"), 12);
  });

  it("label smoothing: (1 − ε)·w[y]·nll + (ε/C)·Σ_c w_c·(−log p_c), over Σ w[y], as PyTorch's", () => {
    const eps = 0.2;
    const total = y.reduce((s, c, i) => s + (1 - eps) * w[c] * nlls(i)[c] + (eps / 3) * nlls(i).reduce((t, v, k) => t + w[k] * v, 0), 0);
    expect(lossOf(fn(`labelSmoothing: ${eps}`))).toBeCloseTo(total / y.reduce((s, c) => s + w[c], 0), 12);
  });

  it("with ignoreIndex an ignored target weighs nothing, in the sum and in Σ w[y]; inside [0, C) too", () => {
    const targets = [2, -1, 0, -1];
    expect(lossOf(fn("ignoreIndex: -1, labelSmoothing: 0.1"), targets)).toBeCloseTo(
      ([0, 2].reduce((s, i) => s + 0.9 * w[targets[i]] * nlls(i)[targets[i]] + (0.1 / 3) * nlls(i).reduce((t, v, k) => t + w[k] * v, 0), 0)) / (w[2] + w[0]),
      12,
    );
    expect(lossOf(fn("ignoreIndex: 2"))).toBeCloseTo((w[1] * nlls(1)[1] + w[0] * nlls(2)[0]) / (w[1] + w[0]), 12);
  });

  it("a target the compiler knows may be the ignored one (loss53: F.tensor([2, -1]) with ignoreIndex -1 was refused as out of range); another value outside [0, C) still is", () => {
    const body = (targets: string, options: string) => `${header}export class M extends nn.Module {
  p = new nn.Parameter(F.tensor([${x.slice(0, 6)}]));
  forward(x: Tensor<[Batch, 1]>) {
    const l = F.${options.startsWith("nll") ? "nllLoss(F.logSoftmax(this.p.view(2, 3), 1)" : "crossEntropy(this.p.view(2, 3)"}, F.tensor([${targets}], { dtype: "int32" }), { weight: F.tensor([${w}]), ignoreIndex: -1, reduction: "sum" });
    return l.reshape([1, 1]).add(x.mul(0));
  }
}
`;
    for (const which of ["crossEntropy", "nllLoss"]) {
      const { graph } = lowerSource(body("2, -1", which === "nllLoss" ? "nll" : ""));
      const [out] = runReference(graph, { x: nd([1, 1], [0]) }, initState(graph)).outputs;
      expect(out.data[0], which).toBeCloseTo(w[2] * nlls(0)[2], 12);
      expect(diagnosticsOf(body("2, -2", which === "nllLoss" ? "nll" : "")).map((d) => d.message)[0], which).toMatch(/index -2 is out of range for a dim of size 3/);
    }
  });

  it("gradients against central differences, and the training loss records the weights for the step", () => {
    expect(gradCheck(`export class M extends nn.Module {\n  forward(x: Tensor<[Batch, 4]>) {\n    return F.crossEntropy(x.view(-1, 2), x.narrow(1, 0, 2).mul(0).add(F.tensor([0, 1])).long().view(-1), { weight: F.tensor([2, 0.5]), labelSmoothing: 0.3, reduction: "none" }).view(-1, 2);\n  }\n}`).checked).toBeGreaterThan(0);
    const { graph } = lowerSource(model(fn("ignoreIndex: -1")));
    expect(graph.loss!.classWeights).toEqual(w);
    expect(graph.loss!.ignoreIndex).toBe(-1);
    expect(graph.loss!.lossOp!.op).toBe("cross_entropy");
    expect(differentiate(graph).gradients.size).toBe(1);
  });

  it("refuses weights of the wrong size, weights not known at compile time, and a weighted mean inside a larger loss", () => {
    const first = (src: string) => diagnosticsOf(src).map((d) => `${d.code}: ${d.message}`)[0];
    expect(first(model("new nn.CrossEntropyLoss({ weight: F.ones(4) })"))).toMatch(/^TSDP4001: nn\.CrossEntropyLoss: weight must hold one value per class, \[3\], got \[4\]/);
    expect(first(model('(o: Tensor, t: Tensor<[Batch], "int32">) => F.crossEntropy(o, t, { weight: o.mean(0) })'))).toMatch(/^TSDP2003: F\.crossEntropy: the class weights must be known when the model is compiled/);
    expect(first(model(`(o: Tensor, t: Tensor<[Batch], "int32">) => ${fn("").split("=> ")[1]}.add(o.pow(2).mean())`))).toMatch(/a loss with class weights and reduction "mean" must be the whole training loss/);
  });
});
