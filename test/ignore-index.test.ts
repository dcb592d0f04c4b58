// PyTorch's ignore_index for F.crossEntropy / F.nllLoss and their modules: a target equal to it
// adds no loss and no gradient, and "mean" is over the other targets. Against the definitions
// written out here in float64 (tolerance 1e-12); the replicas' weighting is tested on the CPU
// target (test/training.test.ts).
import { describe, expect, it } from "vitest";
import { differentiate } from "../compiler/2-autodiff/backward.ts";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { diagnosticsOf, header, lowerSource } from "./helpers.ts";

const x = [0.5, -1, 2, 0.25, 0, 1.5, -0.5, 1, 3, 0.1, -2, 0.7]; // 4 rows of 3 classes
const y = [2, -1, 0, -1];

/** A model whose output is x itself (times a parameter of ones, so there is something to train), trained with `loss`. */
const model = (loss: string) => `${header}export class M extends nn.Module {
  scale = new nn.Parameter(F.ones(3));
  forward(x: Tensor<[Batch, 3]>) { return x.mul(this.scale); }
}
export const training = new Training(M, { loss: ${loss}, optimizer: new optim.SGD({ lr: 0.1 }) });
`;

const lossOf = (loss: string) => {
  const { graph } = lowerSource(model(loss));
  return { graph, value: runReference(graph, { x: nd([4, 3], x), target: nd([4], y) }, initState(graph)).loss! };
};

/** −(1−ε)·log p[y] − ε/C·Σ_c log p[c] of row i. */
function rowLoss(i: number, eps = 0): number {
  const row = x.slice(3 * i, 3 * i + 3);
  const m = Math.max(...row);
  const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
  return (1 - eps) * (lse - row[y[i]]) + (eps / 3) * row.reduce((s, v) => s + lse - v, 0);
}

describe("ignoreIndex", () => {
  it("cross-entropy's mean is over the targets not ignored, label smoothing included; sum leaves them out; the module agrees", () => {
    const kept = [0, 2];
    expect(lossOf("(o: Tensor, t: Tensor<[Batch], \"int32\">) => F.crossEntropy(o, t, { ignoreIndex: -1 })").value).toBeCloseTo((rowLoss(0) + rowLoss(2)) / 2, 12);
    expect(lossOf("(o: Tensor, t: Tensor<[Batch], \"int32\">) => F.crossEntropy(o, t, { ignoreIndex: -1, labelSmoothing: 0.2 })").value).toBeCloseTo(kept.reduce((s, i) => s + rowLoss(i, 0.2), 0) / 2, 12);
    expect(lossOf("(o: Tensor, t: Tensor<[Batch], \"int32\">) => F.crossEntropy(o, t, { ignoreIndex: -1, reduction: \"sum\" })").value).toBeCloseTo(rowLoss(0) + rowLoss(2), 12);
    expect(lossOf("new nn.CrossEntropyLoss({ ignoreIndex: -1 })").value).toBeCloseTo((rowLoss(0) + rowLoss(2)) / 2, 12);
  });

  it("the reference refuses a -100 target where nothing is ignored, saying that PyTorch ignores it by default", () => {
    const { graph } = lowerSource(model("new nn.CrossEntropyLoss()"));
    const run = (targets: number[]) => () => runReference(graph, { x: nd([4, 3], x), target: nd([4], targets) }, initState(graph));
    expect(run([2, -100, 0, 1])).toThrow(/target -100 is out of range \[0, 3\); PyTorch's cross-entropy and NLL ignore -100 by default: pass ignoreIndex: -100/);
    expect(run([2, -1, 0, 1])).toThrow(/target -1 is out of range \[0, 3\)$/);
  });

  it("nll_loss: −x[i, y_i] averaged over the targets not ignored", () => {
    expect(lossOf("new nn.NLLLoss({ ignoreIndex: -1 })").value).toBeCloseTo(-(x[2] + x[6]) / 2, 12);
  });

  it("an ignored row's gradient is 0; the others' are (softmax − onehot) over the count not ignored", () => {
    const { graph } = lossOf("(o: Tensor, t: Tensor<[Batch], \"int32\">) => F.crossEntropy(o, t, { ignoreIndex: -1 })");
    const { graph: step } = differentiate(graph);
    const values = runReference(step, { x: nd([4, 3], x), target: nd([4], y) }, initState(graph)).values;
    // ∂loss/∂x: the gradient op of the cross-entropy, the graph's only one
    const grad = [...values].find(([n]) => n.op === "cross_entropy_grad")![1].data;
    for (const i of [1, 3]) expect(Array.from(grad.subarray(3 * i, 3 * i + 3))).toEqual([0, 0, 0]);
    const row = x.slice(0, 3);
    const z = row.reduce((s, v) => s + Math.exp(v), 0);
    row.forEach((v, c) => expect(grad[c]).toBeCloseTo((Math.exp(v) / z - (c === 2 ? 1 : 0)) / 2, 12));
  });

  it("a mean over no target is NaN in forward (0/0, PyTorch's since 1.11, class weights too); as the training loss, the step's form is 0 on such a replica, which weighs 0", () => {
    const { graph } = lowerSource(`${header}export class M extends nn.Module {
  nll = new nn.NLLLoss({ ignoreIndex: 1 });
  forward(x: Tensor<[Batch, 3]>, y: Tensor<[Batch], "int32">) {
    const B = x.shape[0];
    return [F.crossEntropy(x, y, { ignoreIndex: 1 }).expand(B), this.nll(F.logSoftmax(x, 1), y).expand(B), F.crossEntropy(x, y, { ignoreIndex: 1, labelSmoothing: 0.1 }).expand(B), F.crossEntropy(x, y, { weight: F.tensor([1, 0, 2]) }).expand(B)];
  }
}
`);
    const outs = (labels: number[]) => runReference(graph, { x: nd([2, 3], x.slice(0, 6)), y: nd([2], labels) }, initState(graph)).outputs.map((o) => o.data[0]);
    expect(outs([1, 1]).every(Number.isNaN)).toBe(true);
    const some = outs([1, 2]);
    expect(some.every(Number.isFinite)).toBe(true);
    // row 1's target 2 alone: −log softmax(x₁)₂
    const row1 = x.slice(3, 6);
    expect(some[0]).toBeCloseTo(Math.log(row1.reduce((a, v) => a + Math.exp(v), 0)) - row1[2], 12);
    // the training loss on the same all-ignored targets: 0 with a gradient of 0, not NaN
    const { graph: trained } = lossOf("(o: Tensor, t: Tensor<[Batch], \"int32\">) => F.crossEntropy(o, t, { ignoreIndex: -1 })");
    const { graph: step } = differentiate(trained);
    const r = runReference(step, { x: nd([4, 3], x), target: nd([4], [-1, -1, -1, -1]) }, initState(trained));
    expect(r.loss).toBe(0);
    const grad = [...r.values].find(([n]) => n.op === "cross_entropy_grad")![1].data;
    expect(Array.from(grad).every((g) => g === 0)).toBe(true);
  });

  it("a mean with ignoreIndex inside a larger training loss is refused with the reason, at the call", () => {
    const source = model("(o: Tensor, t: Tensor<[Batch], \"int32\">) => F.crossEntropy(o, t, { ignoreIndex: -1 }).add(o.pow(2).mean())");
    const [d] = diagnosticsOf(source);
    expect(`${d.code} ${d.message}`).toMatch(/^TSDP5004 a loss with ignoreIndex and reduction "mean" must be the whole training loss/);
    expect(d.loc?.line).toBe(source.split("\n").findIndex((l) => l.includes("ignoreIndex")) + 1);
    // the sum, or the mean on its own, is fine
    expect(() => lowerSource(model("(o: Tensor, t: Tensor<[Batch], \"int32\">) => F.crossEntropy(o, t, { ignoreIndex: -1, reduction: \"sum\" }).add(o.pow(2).mean())"))).not.toThrow();
  });

  // The step weights each replica's mean by the host's count of the targets it does not ignore
  // (class weights: their sum). A target the loss derives from the declared one by rearranging and
  // selecting within each sample — a language model's target[:, 1:] — is counted where the loss
  // reads it: the offsets of those elements in one sample's target (training.targetOffsets; 2
  // devices on 7 samples counting the declared target's every element gave 1.6793 for the whole
  // batch's 1.6812; test/training.test.ts trains such models on 1, 2 and 3 devices). One computed
  // otherwise (a maskedFill, arithmetic, labels of its own) is named (targetDerivedAt) and trains
  // on one replica only; a reshape, permute or detach reads every element, as the declared one.
  it("a target selected from the declared one is counted where the loss reads it; one computed otherwise names where (one replica only); reshaped it is the declared one", () => {
    const selected = [
      ["(o: Tensor, t: Tensor<[Batch, 2], \"int32\">) => F.crossEntropy(o, t.narrow(1, 1, 1).reshape([-1]), { ignoreIndex: -1 })", [1]],
      ["(o: Tensor, t: Tensor<[Batch, 2], \"int32\">) => F.crossEntropy(o, t.select(1, 1), { weight: F.tensor([1.0, 2.0, 3.0]) })", [1]],
      ["(o: Tensor, t: Tensor<[Batch, 2, 3], \"int32\">) => F.crossEntropy(o, t.select(2, 2).select(1, 0).detach(), { ignoreIndex: -1 })", [2]],
      ["(o: Tensor, t: Tensor<[Batch, 6], \"int32\">) => F.crossEntropy(o.unsqueeze(2).expand(-1, -1, 2), t.index(\":\", \"1::2\").flip([1]).contiguous().view(-1, 3).index(\":\", \"1:\").reshape([-1, 2]), { ignoreIndex: -1 })", [3, 1]],
      ["(o: Tensor, t: Tensor<[Batch, 2, 2], \"int32\">) => F.crossEntropy(o.unsqueeze(2), t.permute(0, 2, 1).reshape([-1, 4]).narrow(1, 1, 1), { ignoreIndex: -1 })", [2]],
      // a constant index expanded to the batch is the same for every sample
      ["(o: Tensor, t: Tensor<[Batch, 3], \"int32\">) => F.crossEntropy(o, t.gather(1, F.tensor([[2]], { dtype: \"int32\" }).expand(t.size(0), 1)).view(-1), { ignoreIndex: -1 })", [2]],
      // roll, unfold and a cat of slices along a non-batch dim rearrange each sample's own elements (concats of its pieces)
      ["(o: Tensor, t: Tensor<[Batch, 3], \"int32\">) => F.crossEntropy(o.unsqueeze(2).expand(-1, -1, 2), t.roll(-1, 1).narrow(1, 0, 2), { ignoreIndex: -1 })", [1, 2]],
      ["(o: Tensor, t: Tensor<[Batch, 3], \"int32\">) => F.crossEntropy(o.unsqueeze(2).expand(-1, -1, 2), t.unfold(1, 2, 1).select(2, 1), { ignoreIndex: -1 })", [1, 2]],
      ["(o: Tensor, t: Tensor<[Batch, 4], \"int32\">) => F.crossEntropy(o.unsqueeze(2).expand(-1, -1, 3), F.cat([t.narrow(1, 3, 1), t.narrow(1, 1, 2)], 1), { ignoreIndex: -1 })", [3, 1, 2]],
    ] as const;
    for (const [loss, offsets] of selected) {
      const { loss: l } = lowerSource(model(loss)).graph;
      expect(l?.targetOffsets, loss).toEqual(offsets);
      expect(l?.targetDerivedAt, loss).toBeUndefined();
    }
    // each named by the user's call, where it is, and why the step cannot count it
    const derived = [
      ["(o: Tensor, t: Tensor<[Batch], \"int32\">) => F.crossEntropy(o, F.arange(o.size(0)), { ignoreIndex: -1 })", /^F\.arange\(o\.size\(0\)\) at model\.ts:\d+:\d+: it is not computed from the declared target$/],
      ["(o: Tensor, t: Tensor<[Batch], \"int32\">) => F.crossEntropy(o, t.maskedFill(t.eq(0), -1), { ignoreIndex: -1 })", /^t\.maskedFill\(t\.eq\(0\), -1\) at model\.ts:\d+:\d+: it computes values rather than moving or selecting the target's elements within each sample$/],
      ["(o: Tensor, t: Tensor<[Batch, 2], \"int32\">) => F.crossEntropy(o, t.select(1, 0).add(t.select(1, 1)), { ignoreIndex: -1 })", /^t\.select\(1, 0\)\.add\(t\.select\(1, 1\)\) at model\.ts:\d+:\d+: it computes values/],
      // a gather whose index the target gives: which elements it reads depends on the data
      ["(o: Tensor, t: Tensor<[Batch, 2], \"int32\">) => F.crossEntropy(o, t.gather(1, t.narrow(1, 0, 1)).view(-1), { ignoreIndex: -1 })", /^t\.gather\(1, t\.narrow\(1, 0, 1\)\) at model\.ts:\d+:\d+: its index is data/],
      // an index from the batch size: arange(B) // 2 + 1 reads position 1 in samples 0 and 1 (so a
      // check at batch 1 and 2 passes) and 2 in sample 2 (rev71: 3 devices weighted 0.947746 for 0.948386)
      ["(o: Tensor, t: Tensor<[Batch, 3], \"int32\">) => F.crossEntropy(o, t.gather(1, F.arange(t.size(0)).div(2, { roundingMode: \"floor\" }).int().add(1).unsqueeze(1)).view(-1), { ignoreIndex: -1 })", /^t\.gather\(1, F\.arange.* at model\.ts:\d+:\d+: its index is data \(it reads an input, a parameter, a buffer or the batch size\)/],
      // the transpose that moves the batch off dim 0, not the one that moves it back (rev71: "permute", which the message listed as counted)
      ["(o: Tensor, t: Tensor<[Batch, 3], \"int32\">) => F.crossEntropy(o.unsqueeze(2).expand(-1, -1, 2), t.t().index(\"1:\").t(), { ignoreIndex: -1 })", /^t\.t\(\) at model\.ts:\d+:\d+: it moves the batch off dim 0$/],
      // a constant joined to the target would be counted as targets
      ["(o: Tensor, t: Tensor<[Batch, 3], \"int32\">) => F.crossEntropy(o.unsqueeze(2).expand(-1, -1, 3), F.cat([t.narrow(1, 1, 2), F.full([t.size(0), 1], -1, { dtype: \"int32\" })], 1), { ignoreIndex: -1 })", /^F\.full\(\[t\.size\(0\), 1\], -1, \{ dtype: "int32" \}\) at model\.ts:\d+:\d+: its values are not the target's \(a constant joined to it\)$/],
    ] as const;
    for (const [loss, where] of derived) {
      const { loss: l } = lowerSource(model(loss)).graph;
      expect(l?.targetDerivedAt, loss).toMatch(where);
      expect(l?.targetOffsets, loss).toBeUndefined();
    }
    for (const loss of [
      "(o: Tensor, t: Tensor<[Batch, 1], \"int32\">) => F.crossEntropy(o, t.reshape([-1]), { ignoreIndex: -1 })",
      "(o: Tensor, t: Tensor<[Batch, 1], \"int32\">) => F.crossEntropy(o.unsqueeze(2), t, { ignoreIndex: -1 })",
      "(o: Tensor, t: Tensor<[Batch, 1], \"int32\">) => F.crossEntropy(o, t.detach().view(-1), { weight: F.tensor([1.0, 2.0, 3.0]) })",
      "(o: Tensor, t: Tensor<[Batch], \"int32\">) => F.crossEntropy(o, t, { ignoreIndex: -1 })",
      "(o: Tensor, t: Tensor<[Batch, 2, 2], \"int32\">) => F.crossEntropy(o.unsqueeze(2).expand(-1, -1, 4), t.permute(0, 2, 1).reshape([-1, 4]), { ignoreIndex: -1 })",
    ]) {
      const { loss: l } = lowerSource(model(loss)).graph;
      expect(l?.targetDerivedAt, loss).toBeUndefined();
      expect(l?.targetOffsets, loss).toBeUndefined();
    }
  });
});
