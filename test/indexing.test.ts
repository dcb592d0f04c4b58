// PyTorch's basic indexing as x.index(...) and x.slice(dim, start, end, step) (compiler/1-frontend/
// indexing.ts): each against a direct loop with Python's slice rules (negative bounds, clamping,
// steps), rotary embeddings' even and odd features, a new dim, an ellipsis, int32 rows; gradients
// by finite differences; refusals with where and why.
import { describe, expect, it } from "vitest";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { formatShape } from "../compiler/ir/shape.ts";
import { gradCheck } from "./gradcheck.ts";
import { diagnosticsOf, header, lowerSource } from "./helpers.ts";

const [B, T, D] = [2, 3, 6];
const data = Array.from({ length: B * T * D }, (_, i) => i);
const model = (body: string) => `${header}\nexport class M extends nn.Module {\n  forward(x: Tensor<[Batch, ${T}, ${D}]>) {\n    ${body}\n  }\n}\n`;
const at = (b: number, t: number, d: number) => data[(b * T + t) * D + d];

function run(body: string): { shape: string; values: number[] } {
  const { graph } = lowerSource(model(body));
  const out = runReference(graph, { x: nd([B, T, D], data) }, initState(graph, 0)).outputs[0];
  return { shape: formatShape(graph.outputs[0].shape), values: Array.from(out.data) };
}

/** Python's range(*slice(start, end, step).indices(size)). */
function pyRange(start: number | null, end: number | null, step: number, size: number): number[] {
  const c = (v: number | null, d: number) => (v === null ? d : v < 0 ? Math.max(0, v + size) : Math.min(v, size));
  const out: number[] = [];
  for (let i = c(start, 0); i < c(end, size); i += step) out.push(i);
  return out;
}

describe("x.index and x.slice: PyTorch's x[…]", () => {
  it("slices of the last dim follow Python's rules: negative bounds, clamping, steps", () => {
    const slices: [string, number | null, number | null, number][] = [
      ["::2", null, null, 2], ["1::2", 1, null, 2], [":3", null, 3, 1], ["-2:", -2, null, 1], ["1:-1", 1, -1, 1], ["-100:100:4", -100, 100, 4], ["2:5:2", 2, 5, 2],
    ];
    for (const [text, start, end, step] of slices) {
      const cols = pyRange(start, end, step, D);
      const want = [];
      for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) for (const d of cols) want.push(at(b, t, d));
      expect(run(`return x.index("...", "${text}");`), text).toEqual({ shape: `[Batch, ${T}, ${cols.length}]`, values: want });
      expect(run(`return x.slice(-1, ${start}, ${end}, ${step});`).values, text).toEqual(want);
    }
  });

  it("a number selects (negative from the end), null adds a dim, \"...\" stands for the rest, an int32 tensor takes rows", () => {
    const last = [];
    for (let b = 0; b < B; b++) for (let d = 0; d < D; d++) last.push(at(b, T - 1, d));
    expect(run("return x.index(':', -1);")).toEqual({ shape: `[Batch, ${D}]`, values: last });
    expect(run("return x.index(':', null, 1, '::3');").shape).toBe("[Batch, 1, 2]");
    expect(run("return x.index('...', null);").shape).toBe(`[Batch, ${T}, ${D}, 1]`);
    expect(run("return x.index(null, '...', 0).transpose(0, 1);").shape).toBe(`[Batch, 1, ${T}]`);
    const rows = run("return x.index(':', F.tensor([2, 0], { dtype: 'int32' }), 1);");
    expect(rows.shape).toBe("[Batch, 2]");
    expect(rows.values).toEqual([at(0, 2, 1), at(0, 0, 1), at(1, 2, 1), at(1, 0, 1)]);
  });

  it("a lone list of integers is one index, the rows it names (PyTorch's x[[0, 2]]); a lone list holding a slice, None or \"...\" is the tuple of indices (x[[':', 1]] is x[:, 1])", () => {
    const rows = run("return x.index(':', 0).index(':', [2, 0]);");
    expect(rows.shape).toBe("[Batch, 2]");
    expect(rows.values).toEqual([at(0, 0, 2), at(0, 0, 0), at(1, 0, 2), at(1, 0, 0)]);
    // of a tensor without the batch: p[[2, 0]] are p's rows 2 and 0, not the element p[2, 0]
    const table = run("const p = F.arange(18).float().view(3, 6); return x.index(':', 0).add(p.index([2, 0]).sum(0));");
    expect(table.values.slice(0, D)).toEqual(Array.from({ length: D }, (_, d) => at(0, 0, d) + (12 + d) + d));
    expect(run("return x.index([':', 1]);")).toEqual(run("return x.index(':', 1);"));
    // a list of bools is a mask along its dim (x[:, [True, False, True]])
    expect(run("return x.index(':', [true, false, true]);")).toEqual(run("return x.index(':', [0, 2]);"));
    expect(run("return x.index(':', ':', [false, true, true, false, false, true]);")).toEqual(run("return x.index(':', ':', [1, 2, 5]);"));
    expect(diagnosticsOf(model("return x.index(':', [true, false]);"))[0].message).toMatch(/the mask has 2 values and dim 1 of \[Batch, 3, 6\] has 3 rows/);
  });

  it("a bool mask the compiler knows (a comparison of constants) takes the rows where it is true, as PyTorch's x[:, mask]; a data-dependent one is refused", () => {
    const rows = run("return x.index(':', F.tensor([1, 0, 1]).gt(0));");
    expect(rows.shape).toBe(`[Batch, 2, ${D}]`);
    const want = [];
    for (let b = 0; b < B; b++) for (const t of [0, 2]) for (let d = 0; d < D; d++) want.push(at(b, t, d));
    expect(rows.values).toEqual(want);
    const cols = run("return x.index('...', F.arange(6).remainder(3).eq(1));");
    expect(cols.shape).toBe(`[Batch, ${T}, 2]`);
    expect(cols.values.slice(0, 2)).toEqual([at(0, 0, 1), at(0, 0, 4)]);
    expect(diagnosticsOf(model("return x.index(':', F.tensor([0, 0, 0]).gt(0));"))[0].message).toMatch(/the mask selects nothing/);
  });

  it("rotary embeddings' x[..., ::2] and x[..., 1::2] rotate with gradients", () => {
    const { checked } = gradCheck(`
export class M extends nn.Module {
  forward(x: Tensor<[Batch, 2, 4]>) {
    const [x1, x2] = [x.index("...", "::2"), x.index("...", "1::2")];
    const cos = F.tensor([0.5, 0.8]);
    const sin = F.tensor([0.3, -0.6]);
    return F.stack([x1.mul(cos).sub(x2.mul(sin)), x1.mul(sin).add(x2.mul(cos))], -1).flatten(-2).index(":", "1:");
  }
}`);
    expect(checked).toBeGreaterThan(0);
  });

  it("refuses what PyTorch refuses or tsdp cannot split, with where and why", () => {
    const first = (body: string) => diagnosticsOf(model(body)).map((d) => `${d.code}: ${d.message}`)[0];
    expect(first("return x.index(0);")).toMatch(/^TSDP4001: index: dim 0 of \[Batch, 3, 6\] is the batch, which is split across devices/);
    expect(first("return x.index('1:');")).toMatch(/^TSDP4001: index: dim 0 of \[Batch, 3, 6\] is the batch/);
    // a few-shot episode laid out in the batch (support = the first rows): the refusal says how it is written instead
    expect(first("return x.index(':2');")).toMatch(/it can only be taken whole \(":"\): a model that relates samples to each other \(an episode's support and query\) takes each group as one sample — inputs with the batch first and the group after it, \[Batch, 6, 1, 28, 28\]; in-batch negatives are a \[Batch, Batch\] pair matrix, a\.matmul\(b\.t\(\)\), each device pairing its own share \(README: In-batch pairs\)$/);
    expect(first("return x.index(0);")).toMatch(/index it with ":" \(a model that relates samples to each other .* \(README: In-batch pairs\)\)$/);
    expect(first("return x.index(':', '::-1');")).toMatch(/^TSDP3004: index: the slice "::-1" has step -1; PyTorch's steps are positive/);
    expect(first("return x.index(':', ':T');")).toMatch(/^TSDP3004: index: the slice ":T" has the end "T", which is not an integer/);
    expect(first("return x.index(':', 3);")).toMatch(/^TSDP3004: index: index 3 is out of range for dim 1 of size 3/);
    expect(first("return x.index(':', ':', ':', ':');")).toMatch(/^TSDP3004: index: too many indices for a tensor of 3 dims/);
    expect(first("return x.index('...', '...');")).toMatch(/^TSDP3004: index: an index can only have a single ellipsis/);
    expect(first("return x.index(':', '5:');")).toMatch(/^TSDP4001: index: the slice takes nothing of dim 1/);
  });
});

describe("F.arange over the batch: each sample's own row (x[arange(B), idx])", () => {
  const runWith = (body: string, idx: number[][]) => {
    const src = `${header}\nexport class M extends nn.Module {\n  forward(x: Tensor<[Batch, ${T}, ${D}]>, i: Tensor<[Batch], "int32">, j: Tensor<[Batch], "int32">) {\n    ${body}\n  }\n}\n`;
    const { graph } = lowerSource(src);
    const out = runReference(graph, { x: nd([B, T, D], data), i: nd([B], idx[0]), j: nd([B], idx[1]) }, initState(graph, 0)).outputs[0];
    return { shape: formatShape(graph.outputs[0].shape), values: Array.from(out.data) };
  };

  it("picks sample b's row i[b] (and element (i[b], j[b])), as PyTorch's paired advanced indices", () => {
    const rows = runWith("return x.index(F.arange(x.size(0)), i);", [[2, 0], [0, 0]]);
    expect(rows.shape).toBe(`[Batch, ${D}]`);
    expect(rows.values).toEqual([...Array.from({ length: D }, (_, d) => at(0, 2, d)), ...Array.from({ length: D }, (_, d) => at(1, 0, d))]);
    const elements = runWith("return x.index(F.arange(x.size(0)), i, j).unsqueeze(1);", [[1, 2], [5, 3]]);
    expect(elements.shape).toBe("[Batch, 1]");
    expect(elements.values).toEqual([at(0, 1, 5), at(1, 2, 3)]);
    // x[arange(B)] alone is x; arange(B) is int32 0 … B − 1, float32 when asked
    expect(runWith("return x.index(F.arange(x.size(0)));", [[0, 0], [0, 0]]).values).toEqual(data);
    expect(runWith("return F.arange(x.size(0), { dtype: 'float32' }).view(-1, 1).mul(10).add(x.index(':', 0, 0).unsqueeze(1));", [[0, 0], [0, 0]]).values).toEqual([at(0, 0, 0), 10 + at(1, 0, 0)]);
  });

  it("x[arange(B)] is a copy, as PyTorch's advanced indexing: a write into either leaves the other", () => {
    const xs = Array.from({ length: B * T * D }, (_, k) => data[k]);
    expect(runWith("const z = x.clone(); z.index(F.arange(x.size(0))).fill_(0); return z;", [[0, 0], [0, 0]]).values).toEqual(xs);
    expect(runWith("const z = x.clone(); const y = z.index(F.arange(x.size(0))); z.fill_(0); return y;", [[0, 0], [0, 0]]).values).toEqual(xs);
    expect(runWith("const z = x.clone(); z.index(':', [0, 1]).fill_(0); return z;", [[0, 0], [0, 0]]).values).toEqual(xs);
  });

  it("sends the gradient to the picked rows only", () => {
    expect(gradCheck(`export class M extends nn.Module {\n  fc = new nn.Linear(${D}, 3);\n  forward(x: Tensor<[Batch, ${T}, ${D}]>, i: Tensor<[Batch], "int32">) {\n    return this.fc(x).tanh().index(F.arange(x.size(0)), i);\n  }\n}\n`, { intLimit: T }).checked).toBeGreaterThan(0);
  });

  it("refuses bounds it cannot compute and indices that are not one per sample", () => {
    const first = (body: string) => diagnosticsOf(`${header}\nexport class M extends nn.Module {\n  forward(x: Tensor<[Batch, ${T}, ${D}]>) {\n    ${body}\n  }\n}\n`).map((d) => `${d.code}: ${d.message}`)[0];
    expect(first("return F.arange(1, x.size(0)).float();")).toMatch(/^TSDP2003: F.arange over the batch size runs from 0 to it in steps of 1/);
    expect(first("return x.index(F.arange(x.size(0)), F.tensor([0, 1], { dtype: 'int32' }));")).toMatch(/^TSDP4001: index: tensor indices used together must broadcast to one shape, got \[Batch\], \[2\]/);
    expect(first("return x.index(F.arange(x.size(0)).view(1, -1), F.tensor([[0], [1]], { dtype: 'int32' }));")).toMatch(/^TSDP4001: index: .*the batch/);
  });
});

describe("advanced indexing: int32 index tensors of any shape, broadcast together (PyTorch's x[idx], x[:, i, j])", () => {
  const runWith = (body: string, inputs: string, values: Record<string, { shape: number[]; data: number[] }>) => {
    const src = `${header}\nexport class M extends nn.Module {\n  forward(x: Tensor<[Batch, ${T}, ${D}]>${inputs}) {\n    ${body}\n  }\n}\n`;
    const { graph } = lowerSource(src);
    const ins = Object.fromEntries(Object.entries({ x: { shape: [B, T, D], data }, ...values }).map(([k, v]) => [k, nd(v.shape, v.data)]));
    const out = runReference(graph, ins, initState(graph, 0)).outputs[0];
    return { shape: formatShape(graph.outputs[0].shape), values: Array.from(out.data) };
  };

  it("a 2-D index of a table's rows (Shaw's relative positions: table[relative]) and of a batch's ids (an embedding lookup)", () => {
    // relative[i][j] = clamp(j − i, −1, 1) + 1: a [T, T] index into the [T, D] table x[0]
    const rel = runWith("const r = F.arange(3).view(1, 3).sub(F.arange(3).view(3, 1)).clamp(-1, 1).add(1); return x.index(':', r).sum(0).unsqueeze(0).add(x.index(':', 0, 0).view(-1, 1, 1, 1).mul(0));", "", {});
    expect(rel.shape).toBe(`[Batch, ${T}, ${T}, ${D}]`);
    const want: number[] = [];
    for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) for (let d = 0; d < D; d++) want.push(at(0, Math.max(-1, Math.min(1, j - i)) + 1, d) + at(1, Math.max(-1, Math.min(1, j - i)) + 1, d));
    expect(rel.values).toEqual([...want, ...want]);
    // ids [Batch, 4] into a fixed [T·D, 1] table: the batch comes in through the index
    const ids = [0, 5, 17, 5, 9, 1, 1, 2];
    const emb = runWith("const table = F.arange(18).float().view(18, 1).mul(3); return table.index(i).squeeze(-1).add(x.index(':', 0, ':4').mul(0));", `, i: Tensor<[Batch, 4], "int32">`, { i: { shape: [B, 4], data: ids } });
    expect(emb.shape).toBe("[Batch, 4]");
    expect(emb.values).toEqual(ids.map((k) => 3 * k));
  });

  it("adjacent indices broadcast together in place of their dims (Informer's K[:, :, arange(L)[:, None], sample]); the gradient reaches the taken elements", () => {
    const cols = [[5, 0], [1, 1], [4, 2]];
    const r = runWith(`const j = F.tensor(${JSON.stringify(cols)}, { dtype: "int32" }); return x.index(":", F.arange(${T}).unsqueeze(1), j);`, "", {});
    expect(r.shape).toBe(`[Batch, ${T}, 2]`);
    expect(r.values).toEqual([0, 1].flatMap((b) => cols.flatMap((row, t) => row.map((d) => at(b, t, d)))));
    expect(gradCheck(`export class M extends nn.Module {\n  fc = new nn.Linear(${D}, 4);\n  forward(x: Tensor<[Batch, ${T}, ${D}]>) {\n    const j = F.tensor([[2, 0], [1, 1]], { dtype: "int32" });\n    return this.fc(x).tanh().index(":", j.index(":", 0).view(2, 1), j);\n  }\n}\n`).checked).toBeGreaterThan(10);
  });

  it("negative values count from the dim's end, as PyTorch's advanced indexing wraps them (Falcon's x[..., [-2], :] as a tensor)", () => {
    const r = runWith("return x.index(':', F.tensor([[-1, 0], [-3, 1]], { dtype: 'int32' }), -2);", "", {});
    expect(r.shape).toBe("[Batch, 2, 2]");
    expect(r.values).toEqual([0, 1].flatMap((b) => [2, 0, 0, 1].map((t) => at(b, t, D - 2))));
  });

  it("a 0-d int32 index takes one element of its dim, which goes, as an integer does (Autoformer's x[:, index[i]])", () => {
    const r = run("const idx = F.tensor([2, 0], { dtype: 'int32' }); return x.index(':', idx[0]).add(x.index(':', ':', idx.index(1)).sum(1, true));");
    expect(r.shape).toBe(`[Batch, ${D}]`);
    expect(r.values).toEqual([0, 1].flatMap((b) => Array.from({ length: D }, (_, d) => at(b, 2, d) + [0, 1, 2].reduce((acc, t) => acc + at(b, t, 0), 0))));
  });

  it("PointNet++'s index_points: points[arange(B).view(B, 1, 1).repeat(1, S, K), idx, :] is each sample's grouped rows", () => {
    const idx = [2, 0, 1, 1, 0, 0, 2, 1, 0, 2, 2, 2];
    const src = "const [Bn, S, K] = i.shape; const b = F.arange(Bn, { dtype: 'int32' }).view(Bn, 1, 1).repeat(1, S, K); return x.index(b, i, ':');";
    const r = runWith(src, `, i: Tensor<[Batch, 3, 2], "int32">`, { i: { shape: [B, 3, 2], data: idx } });
    expect(r.shape).toBe(`[Batch, 3, 2, ${D}]`);
    expect(r.values).toEqual(idx.flatMap((t, k) => Array.from({ length: D }, (_, d) => at(Math.floor(k / 6), t, d))));
    // arange(B) broadcast against a per-sample index without repeating it
    expect(runWith("return x.index(F.arange(x.size(0)).view(-1, 1, 1), i);", `, i: Tensor<[Batch, 3, 2], "int32">`, { i: { shape: [B, 3, 2], data: idx } }).values).toEqual(r.values);
  });

  it("PyTorch's placement: integers first, then tensor indices in place when adjacent in what is left, first when a slice or None separates them", () => {
    // p [3, 4, 5] of distinct values, indexed in forward; the result tiled per sample (the batch first)
    const pat = (i: number, j: number, k: number) => (i * 4 + j) * 5 + k;
    const on = (expr: string) => {
      const r = runWith(`const p = F.arange(60).float().view(3, 4, 5); const r = ${expr}; return x.index(':', 0, 0).unsqueeze(-1).mul(0).add(r.flatten().unsqueeze(0));`, "", {});
      return r.values.slice(0, r.values.length / B);
    };
    const [i, j] = ["F.tensor([2, 0], { dtype: 'int32' })", "F.tensor([4, 1], { dtype: 'int32' })"];
    const grid = (rows: number[], cols: number[], f: (r: number, c: number) => number) => rows.flatMap((r) => cols.map((c) => f(r, c)));
    const pairs = (f: (s: number) => number) => [0, 1].map(f);
    // p[i, :, j]: separated by a slice, the pairs' dim first: [2, 4]
    expect(on(`p.index(${i}, ":", ${j})`)).toEqual(grid([0, 1], [0, 1, 2, 3], (s, c) => pat([2, 0][s], c, [4, 1][s])));
    // p[i, None, j]: None separates too: [2, 1, 5] (j indexes dim 1)
    expect(on(`p.index(${i}, null, F.tensor([3, 1], { dtype: 'int32' }))`)).toEqual(grid([0, 1], [0, 1, 2, 3, 4], (s, k) => pat([2, 0][s], [3, 1][s], k)));
    // p[0, :, j]: the 0 goes first, j stays in place: [4, 2] (NumPy's would be [2, 4])
    expect(on(`p.index(0, ":", ${j})`)).toEqual(grid([0, 1, 2, 3], [0, 1], (c, s) => pat(0, c, [4, 1][s])));
    // p[i, 1, j]: the 1 goes first, i and j are adjacent and paired: [2] (not every i with every j)
    expect(on(`p.index(${i}, 1, ${j})`)).toEqual(pairs((s) => pat([2, 0][s], 1, [4, 1][s])));
    // p[F.tensor(2), :, j]: a 0-d index is an integer
    expect(on(`p.index(F.tensor(2, { dtype: 'int32' }), ":", ${j})`)).toEqual(grid([0, 1, 2, 3], [0, 1], (c, s) => pat(2, c, [4, 1][s])));
    // with the batch: x[arange(B), :, y] is each sample's column y[b]: [Batch, T]
    const ys = [3, 1];
    const col = runWith("return x.index(F.arange(x.size(0)), ':', y);", `, y: Tensor<[Batch], "int32">`, { y: { shape: [B], data: ys } });
    expect(col.shape).toBe(`[Batch, ${T}]`);
    expect(col.values).toEqual([0, 1].flatMap((b) => Array.from({ length: T }, (_, t) => at(b, t, ys[b]))));
    // x[:, i, None, j]: [2, Batch, 1], the pairs first
    const front = runWith(`return x.index(':', F.tensor([2, 0], { dtype: 'int32' }), null, ${j}).permute(1, 0, 2);`, "", {});
    expect(front.shape).toBe("[Batch, 2, 1]");
    expect(front.values).toEqual([0, 1].flatMap((b) => pairs((s) => at(b, [2, 0][s], [4, 1][s]))));
    expect(gradCheck(`export class M extends nn.Module {\n  fc = new nn.Linear(${D}, 5);\n  forward(x: Tensor<[Batch, ${T}, ${D}]>) {\n    const y = this.fc(x).tanh();\n    const a = y.unsqueeze(2).index(":", ${i}, 0, ${j});\n    return y.unsqueeze(-1).index(":", ${i}, ":", F.tensor([0, 0], { dtype: "int32" })).permute(1, 0, 2).mul(a.unsqueeze(-1));\n  }\n}\n`).checked).toBeGreaterThan(4);
  });

  it("refuses a float index and an index into the batch", () => {
    const first = (body: string) => diagnosticsOf(model(body)).map((d) => `${d.code}: ${d.message}`)[0];
    // adjacent, or one at a time, they compile
    expect(run("const j = F.tensor([0, 1], { dtype: 'int32' }); return x.index(':', j, ':').index(':', ':', j);").shape).toBe("[Batch, 2, 2]");
    expect(run("const j = F.tensor([0, 1], { dtype: 'int32' }); return x.index(':', j, j);").shape).toBe("[Batch, 2]");
    expect(first("return x.index(':', x.index(':', ':', 0).gt(0));")).toMatch(/^TSDP3003: index: a tensor index must be an int32 tensor .* \(a mask of 0\/1 floats/);
    expect(first("const j = F.tensor([[0, 1]], { dtype: 'int32' }); return x.index(j);")).toMatch(/^TSDP4001: index: a tensor index takes rows of dim 0 of \[Batch, 3, 6\], the batch/);
  });
});
