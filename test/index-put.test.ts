// x.indexPut(indices, values, accumulate) and x.indexPut_ / index_put_ (compiler/1-frontend/indexing.ts):
// a point cloud's per-sample scatter into voxels (F.arange(B) first) with accumulate, a fixed table
// written at two indices with and without accumulate, x[idx] = v with a 2-D int32 index — against
// the sums written out in the test (float64 reference, exact: sums of a few float32 values); gradients
// by finite differences; the refusals. PyTorch's snake_case spellings of tensor methods read as the
// camelCase ones (x.masked_fill_).
import { describe, expect, it } from "vitest";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { gradCheck } from "./gradcheck.ts";
import { diagnosticsOf, header, lowerSource } from "./helpers.ts";

function outputs(src: string, inputs: Record<string, ReturnType<typeof nd>>): number[][] {
  const { graph } = lowerSource(`${header}${src}`);
  return runReference(graph, inputs, initState(graph, 0)).outputs.map((o) => Array.from(o.data));
}

describe("index_put", () => {
  it("with a bool mask and accumulate adds where the mask is true (PyTorch's x[mask] += v: each element named once), a number, a row or y[mask]", () => {
    const src = `export class M extends nn.Module {
  forward(x: Tensor<[Batch, 2, 3]>, y: Tensor<[Batch, 2, 3]>) {
    const k = y.gt(0);
    const a = x.clone(); a.indexPut_([k], 1.5, true);
    const b = x.clone(); b.index_put_([k], y.index(k), true);
    const c = x.clone(); c.indexPut_(F.where(k), y.index(k), true);
    const rows = x.indexPut([y.sum(-1).gt(0)], F.tensor([1.0, 2, 3]), true);
    return [a, b, c, rows];
  }
}
`;
    const x = [1, 2, 3, 4, 5, 6];
    const y = [0.5, -1, 2, -3, -0.5, 0.25];
    const [a, b, c, rows] = outputs(src, { x: nd([1, 2, 3], x), y: nd([1, 2, 3], y) });
    expect(a).toEqual(x.map((v, i) => (y[i] > 0 ? v + 1.5 : v)));
    expect(b).toEqual(x.map((v, i) => (y[i] > 0 ? v + y[i] : v)));
    expect(c).toEqual(b);
    // row 0 of y sums to 1.5 > 0, row 1 to −3.25
    expect(rows).toEqual([2, 4, 6, 4, 5, 6]);
  });

  it("per sample (F.arange(B) first) with accumulate: each point's features summed into its voxel", () => {
    const src = `export class M extends nn.Module {
  forward(feats: Tensor<[Batch, 4, 2]>, voxel: Tensor<[Batch, 4], "int32">) {
    const [B, N] = feats.shape;
    const out = F.zeros([B, 3, 2]);
    const batchIdx = F.arange(B, { dtype: "int32" }).unsqueeze(1).expand(B, N);
    out.index_put_([batchIdx, voxel], feats, true);
    const last = F.zeros([B, 3, 2]).indexPut([batchIdx, voxel], feats.mul(0).add(1));
    return [out, last];
  }
}
`;
    const feats = Array.from({ length: 16 }, (_, i) => i + 1);
    const voxel = [0, 2, 0, -1, 1, 1, 1, 0];
    const [sums, written] = outputs(src, { feats: nd([2, 4, 2], feats), voxel: nd([2, 4], voxel) });
    const want = new Array(12).fill(0);
    const hit = new Array(12).fill(0);
    // voxel −1 is the last one, as PyTorch wraps a negative index
    voxel.forEach((v, k) => {
      const [b, at] = [Math.floor(k / 4), (v + 3) % 3];
      for (let c = 0; c < 2; c++) (want[b * 6 + at * 2 + c] += feats[k * 2 + c]), (hit[b * 6 + at * 2 + c] = 1);
    });
    expect(sums).toEqual(want);
    expect(written).toEqual(hit);
  });

  it("a fixed table at two indices: accumulate adds (repeats summed), without it writes; x[idx] = v with a [2, 2] index", () => {
    const src = `export class M extends nn.Module {
  forward(x: Tensor<[Batch, 2]>) {
    const rows = F.tensor([[0, 2], [2, 1]], { dtype: "int32" });
    const cols = F.tensor([1, 1], { dtype: "int32" });
    const v = F.tensor([[10.0, 20], [30, 40]]);
    const added = F.ones(3, 2).indexPut([rows, cols], v, true);
    const put = F.ones(3, 2).indexPut([rows.index(0), cols], F.tensor([5.0, 6]));
    const t = F.zeros(4, 2);
    t[rows] = 7;
    return [x.mul(0).unsqueeze(1).add(added), x.mul(0).unsqueeze(1).add(put), x.mul(0).unsqueeze(1).add(t)];
  }
}
`;
    const [added, put, t] = outputs(src, { x: nd([1, 2], [0, 0]) });
    // (0,1) += 10; (2,1) += 20 + 30; (1,1) += 40
    expect(added).toEqual([1, 11, 1, 41, 1, 51]);
    expect(put).toEqual([1, 5, 1, 1, 1, 6]);
    expect(t).toEqual([7, 7, 7, 7, 7, 7, 0, 0]);
  });

  it("gradients reach the values and the tensor written into, against central differences", () => {
    const src = `export class M extends nn.Module {
  fc = new nn.Linear(2, 2);
  forward(x: Tensor<[Batch, 3, 2]>, voxel: Tensor<[Batch, 3], "int32">) {
    const [B, N] = x.shape;
    const batchIdx = F.arange(B, { dtype: "int32" }).unsqueeze(1).expand(B, N);
    const grid = this.fc(x).tanh().indexPut([batchIdx, voxel], this.fc(x).sigmoid(), true);
    return grid.indexPut([batchIdx, voxel.flip(1)], x.mul(2)).tanh();
  }
}
`;
    expect(gradCheck(src, { intLimit: 2 }).checked).toBeGreaterThan(4);
  });

  it("refuses per-sample indices into a tensor with no batch, the batch dim indexed, and float indices", () => {
    const first = (body: string) => diagnosticsOf(`${header}export class M extends nn.Module {\n  forward(x: Tensor<[Batch, 3]>, i: Tensor<[Batch], "int32">) {\n    ${body}\n  }\n}\n`).map((d) => `${d.code}: ${d.message}`)[0];
    expect(first("return x.add(F.zeros(5).indexPut([i], 1, true).sum());")).toMatch(/indexPut: indices of each sample \(\[Batch\]\) writing into the same rows of \[5\] for every sample would sum over the whole batch/);
    expect(first("return x.indexPut([i], 1);")).toMatch(/indexPut: the indices write into dim 0 of \[Batch, 3\], the batch/);
    expect(first("return x.indexPut([x], 1);")).toMatch(/indexPut: indices are int32 tensors/);
  });
});
