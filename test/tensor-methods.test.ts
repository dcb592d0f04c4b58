// x.flip, x.repeat, x.min / amin / argmin (compiler/1-frontend/tensor-methods.ts: compositions of
// take, expand and amax) against PyTorch's documented results, written out here: torch.flip's
// example (arange(8).view(2, 2, 2).flip([0, 1])), torch.Tensor.repeat's ([1, 2, 3].repeat(4, 2) is
// 4 × 6), and the minimum with its first index. Values exact (copies and comparisons); gradients
// by finite differences (gradcheck.ts).
import { describe, expect, it } from "vitest";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { gradCheck } from "./gradcheck.ts";
import { diagnosticsOf, header, lowerSource } from "./helpers.ts";

const model = (forward: string, input = "x: Tensor<[Batch, 2, 2, 2]>") => `${header}export class M extends nn.Module {\n  forward(${input}) {\n    ${forward}\n  }\n}\n`;

function outputs(source: string, x: number[], shape: number[]): { shape: readonly number[]; data: number[] }[] {
  const { graph } = lowerSource(source);
  return runReference(graph, { x: nd(shape, Float64Array.from(x)) }, { params: new Map(), buffers: new Map() }).outputs.map((o) => ({ shape: o.shape, data: Array.from(o.data) }));
}
const first = (source: string) => diagnosticsOf(source).map((d) => `${d.code} ${d.message}`)[0];

describe("x.flip", () => {
  it("PyTorch's example: arange(8).view(2, 2, 2).flip([0, 1]) per sample, and flip(-1)", () => {
    // one sample of [2, 2, 2] = 0 … 7, and a second of 8 … 15
    const x = Array.from({ length: 16 }, (_, i) => i);
    const [both, last] = outputs(model("return [x.flip([1, 2]), x.flip(-1)];"), x, [2, 2, 2, 2]);
    // torch.flip(x, [0, 1]) of arange(8).view(2, 2, 2) is [[[6, 7], [4, 5]], [[2, 3], [0, 1]]]
    expect(both.data).toEqual([6, 7, 4, 5, 2, 3, 0, 1, 14, 15, 12, 13, 10, 11, 8, 9]);
    expect(last.data).toEqual([1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14]);
  });
  it("refuses the batch dim and a repeated dim", () => {
    expect(first(model("return x.flip(0);"))).toMatch(/^TSDP4001 flip: dim 0 of \[Batch, 2, 2, 2\] is the batch/);
    expect(first(model("return x.flip([1, -3]);"))).toMatch(/^TSDP3004 flip: dim appears multiple times/);
  });
});

describe("x.repeat", () => {
  it("tiles each dim, new dims in front (PyTorch's [1, 2, 3].repeat(4, 2) is 4 × 6)", () => {
    const [tiled, lead] = outputs(model("return [x.view(-1, 1, 3).repeat(1, 2, 3), x.repeat([1, 2])];", "x: Tensor<[Batch, 3]>"), [1, 2, 3, 4, 5, 6], [2, 3]);
    expect(tiled.shape).toEqual([2, 2, 9]);
    expect(tiled.data).toEqual([...[1, 2, 3, 1, 2, 3, 1, 2, 3], ...[1, 2, 3, 1, 2, 3, 1, 2, 3], ...[4, 5, 6, 4, 5, 6, 4, 5, 6], ...[4, 5, 6, 4, 5, 6, 4, 5, 6]]);
    expect([lead.shape, lead.data]).toEqual([[2, 6], [1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6]]);
    // a constant [0, 1, 2] tiled 4 × 2 is [4, 6]; its column sums 4·[0, 1, 2, 0, 1, 2], times each sample's sum (6, 15)
    const [constant] = outputs(model("return F.arange(3).repeat(4, 2).sum(0, true).mul(x.sum(1, true));", "x: Tensor<[Batch, 3]>"), [1, 2, 3, 4, 5, 6], [2, 3]);
    expect(constant.data).toEqual([0, 24, 48, 0, 24, 48, 0, 60, 120, 0, 60, 120]);
  });
  it("along the batch, copies of the whole (share of the) batch one after another, as PyTorch's (Transformer-TTS's mask.repeat(h, 1, 1) beside head-major keys)", () => {
    // [x0, x1].repeat(2, 1) is [x0, x1, x0, x1]: viewed [2, B, 3], copy i scaled by 10^i, each sample's copies side by side
    const x = [1, 2, 3, 4, 5, 6];
    const [copies, written] = outputs(model("const B = x.size(0);\n    const f = F.tensor([1, 10]).view(2, 1, 1);\n    return [x.repeat(2, 1).view(2, B, 3).mul(f).permute(1, 0, 2), x.unsqueeze(0).expand(2, -1, -1).reshape(-1, 3).view(2, B, 3).mul(f).permute(1, 0, 2)];", "x: Tensor<[Batch, 3]>"), x, [2, 3]);
    expect([copies.shape, copies.data]).toEqual([[2, 2, 3], [1, 2, 3, 10, 20, 30, 4, 5, 6, 40, 50, 60]]);
    expect(written.data).toEqual(copies.data);
    expect(gradCheck(model("const B = x.size(0);\n    return x.repeat(3, 1).mul(x.repeat(3, 1)).view(3, B, 2).permute(1, 0, 2);", "x: Tensor<[Batch, 2]>")).checked).toBeGreaterThan(0);
    // forward's outputs keep the batch first (the copies folded into it are refused there, as a view's)
    expect(first(model("return x.repeat(2, 1);", "x: Tensor<[Batch, 3]>"))).toMatch(/^TSDP4005 forward must return tensors whose first dim is Batch, got a tensor of shape \[2\*Batch, 3\]/);
  });
  it("refuses fewer sizes than dims", () => {
    expect(first(model("return x.repeat(2);", "x: Tensor<[Batch, 3]>"))).toMatch(/^TSDP3004 repeat: number of repeat dims \(1\) can not be smaller than number of dimensions of tensor \(2\)/);
  });
});

describe("x.min, x.amin, x.argmin", () => {
  it("the smallest value and its first index, as the maximum's mirror", () => {
    const x = [3, -1, 2, -1, 5, 0, 0, 7];
    const [values, indices, amin, argmin] = outputs(model("const m = x.min(1);\n    return [m.values, m.indices, x.amin([1]), x.argmin(1, true)];", "x: Tensor<[Batch, 4]>"), x, [2, 4]);
    expect(values.data).toEqual([-1, 0]);
    // ties: the first index, as torch.argmin
    expect(indices.data).toEqual([1, 1]);
    expect(amin.data).toEqual([-1, 0]);
    expect([argmin.shape, argmin.data]).toEqual([[2, 1], [1, 1]]);
  });
});

describe("x.float()", () => {
  it("converts int32 ids and indices to float32 (PyTorch's .float()); a float tensor stays itself", () => {
    const { graph } = lowerSource(model("return [x.float().mul(0.5), x.float().argmax(1, true).float()];", 'x: Tensor<[Batch, 3], "int32">'));
    const out = runReference(graph, { x: nd([2, 3], Int32Array.from([4, -2, 9, 7, 7, 1])) }, { params: new Map(), buffers: new Map() }).outputs.map((o) => Array.from(o.data));
    expect(out).toEqual([[2, -1, 4.5, 3.5, 3.5, 0.5], [2, 0]]);
    expect(lowerSource(model("return x.float();", "x: Tensor<[Batch, 3]>")).graph.nodes.some((n) => n.op === "to_float")).toBe(false);
  });
});

describe("gradients of flip, repeat and min (finite differences)", () => {
  it("flip sends each gradient back to the element it read; repeat sums the tiles; min to its element", () => {
    const body = `export class M extends nn.Module {
  fc = new nn.Linear(3, 3);
  forward(x: Tensor<[Batch, 2, 3]>) {
    const y = this.fc(x);
    return [y.flip([1, 2]), y.repeat(1, 2, 2), y.min(2).values, y.amin([1, 2])];
  }
}
`;
    expect(gradCheck(body).checked).toBeGreaterThan(10);
  });
});
