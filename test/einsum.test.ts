// F.einsum (compiler/1-frontend/einsum.ts) against the sums its equation spells, written out here
// as loops over every index (float64, tolerance 1e-12 relative to max(1, |value|): the same
// products summed in another order): attention's q·kᵀ, a plain GEMM, an outer product, a
// transpose, a trace-free reduction, "..." and the implicit output, three and four operands.
// Gradients: finite differences.
import { describe, expect, it } from "vitest";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { normals } from "../compiler/reference/rng.ts";
import { gradCheck } from "./gradcheck.ts";
import { diagnosticsOf, header, lowerSource } from "./helpers.ts";

/** Sums over every assignment of the equation's letters (sizes given), as einsum's definition. */
function written(equation: string, operands: { shape: number[]; data: number[] }[], size: Record<string, number>): number[] {
  const [lhs, out] = equation.split("->");
  const terms = lhs.split(",");
  const letters = [...new Set([...lhs.replace(/,/g, "")])];
  const outLetters = [...out];
  const result = new Array(outLetters.reduce((p, l) => p * size[l], 1)).fill(0);
  const assign: Record<string, number> = {};
  const flat = (ls: string[]) => ls.reduce((p, l) => p * size[l] + assign[l], 0);
  const visit = (i: number) => {
    if (i === letters.length) {
      // an operand's dim of size 1 broadcasts: read at 0 whatever the letter's value
      const at = (t: string, k: number) => [...t].reduce((p, l, i) => p * operands[k].shape[i] + (operands[k].shape[i] === 1 ? 0 : assign[l]), 0);
      result[flat(outLetters)] += terms.reduce((p, t, k) => p * operands[k].data[at(t, k)], 1);
      return;
    }
    for (let v = 0; v < size[letters[i]]; v++) {
      assign[letters[i]] = v;
      visit(i + 1);
    }
  };
  visit(0);
  return result;
}

function run(inputs: string, body: string, shapes: Record<string, number[]>) {
  const { graph } = lowerSource(`${header}export class M extends nn.Module {\n  forward(${inputs}) {\n    ${body}\n  }\n}\n`);
  const ins = Object.fromEntries(Object.entries(shapes).map(([k, s], j) => [k, nd(s, normals(s.reduce((p, d) => p * d, 1), 5, j + 1))]));
  const outs = runReference(graph, ins, { params: new Map(), buffers: new Map() }).outputs;
  const data = (k: string) => ({ shape: shapes[k], data: Array.from(ins[k].data) });
  return { outs: outs.map((o) => ({ shape: o.shape, data: Array.from(o.data) })), data };
}

function expectClose(got: readonly number[], want: readonly number[], what: string): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++)
    if (!(Math.abs(got[i] - want[i]) <= 1e-12 * Math.max(1, Math.abs(want[i])))) expect.fail(`${what}: element ${i} is ${got[i]}, the sum gives ${want[i]}`);
}

describe("F.einsum", () => {
  it("attention's scores, a GEMM, an outer product, a transpose and a sum, each equal to the sum it spells", () => {
    const [N, H, Q, K, D] = [2, 3, 4, 5, 2];
    const r = run(
      `q: Tensor<[Batch, ${H}, ${Q}, ${D}]>, k: Tensor<[Batch, ${H}, ${K}, ${D}]>, v: Tensor<[Batch, ${D}]>, w: Tensor<[Batch, ${Q}, ${D}]>`,
      [
        'const scores = F.einsum("bhqd,bhkd->bhqk", q, k);',
        'const gemm = F.einsum("nd,dk->nk", v, F.ones(2, 3));',
        'const outer = F.einsum("bi,bj->bij", v, v);',
        'const t = F.einsum("bqd->bdq", [w]);',
        'const s = F.einsum("bhqd->bq", q);',
        "return [scores, gemm, outer, t, s];",
      ].join("\n    "),
      { q: [N, H, Q, D], k: [N, H, K, D], v: [N, D], w: [N, Q, D] },
    );
    const size = { b: N, h: H, q: Q, k: K, d: D, n: N, i: D, j: D };
    expectClose(r.outs[0].data, written("bhqd,bhkd->bhqk", [r.data("q"), r.data("k")], size), "bhqd,bhkd->bhqk");
    expectClose(r.outs[1].data, written("nd,dk->nk", [r.data("v"), { shape: [2, 3], data: new Array(6).fill(1) }], { ...size, k: 3 }), "nd,dk->nk");
    expectClose(r.outs[2].data, written("bi,bj->bij", [r.data("v"), r.data("v")], size), "bi,bj->bij");
    expectClose(r.outs[3].data, written("bqd->bdq", [r.data("w")], size), "bqd->bdq");
    expectClose(r.outs[4].data, written("bhqd->bq", [r.data("q")], size), "bhqd->bq");
  });

  it('"..." for the unnamed dims, and the implicit output (the letters seen once, in alphabetical order)', () => {
    const r = run(
      "a: Tensor<[Batch, 3, 4]>, b: Tensor<[Batch, 4, 2]>",
      'return [F.einsum("...ij,...jk->...ik", a, b), F.einsum("bij,jk", a, F.ones(4, 2)), F.einsum("bji", a.transpose(1, 2))];',
      { a: [2, 3, 4], b: [2, 4, 2] },
    );
    const want = written("bij,bjk->bik", [r.data("a"), r.data("b")], { b: 2, i: 3, j: 4, k: 2 });
    expectClose(r.outs[0].data, want, "...ij,...jk->...ik");
    // "bij,jk": b, i and k are seen once, j twice: the output is bik
    expectClose(r.outs[1].data, written("bij,jk->bik", [r.data("a"), { shape: [4, 2], data: new Array(8).fill(1) }], { b: 2, i: 3, j: 4, k: 2 }), "bij,jk (implicit ->bik)");
    // "bji" alone: the output is b, i, j in alphabetical order, so a.transpose(1, 2) back to a
    expectClose(r.outs[2].data, r.data("a").data, "bji (implicit ->bij)");
  });

  it('"..." lines up from the right across operands, and a size-1 dim broadcasts (multi-query attention\'s one key head)', () => {
    const r = run(
      "x: Tensor<[Batch, 2, 3, 4]>, q: Tensor<[Batch, 2, 3, 4]>, k: Tensor<[Batch, 1, 5, 4]>",
      ['const c = F.arange(8).float().view(1, 4, 2).mul(0.1);', 'return [F.einsum("...ij,...jk->...ik", x, c.expand(2, 4, 2)), F.einsum("...ij,...jk->...ik", x, c), F.einsum("bhid,bhjd->bhij", q, k)];'].join("\n    "),
      { x: [1, 2, 3, 4], q: [1, 2, 3, 4], k: [1, 1, 5, 4] },
    );
    const c = { shape: [1, 4, 2], data: Array.from({ length: 8 }, (_, i) => i * 0.1) };
    const size = { b: 1, h: 2, i: 3, j: 4, k: 2 };
    // "...ij,...jk": x's "..." is [Batch, 2], c's is [2]: the 2s pair, not the batch with c's first dim
    expectClose(r.outs[0].data, written("bhij,hjk->bhik", [r.data("x"), { shape: [2, 4, 2], data: [...c.data, ...c.data] }], size), "...ij,...jk->...ik");
    // "...ij,...jk" of [Batch, 2] and [1]: c's 1 broadcasts against the 2
    expectClose(r.outs[1].data, written("bhij,hjk->bhik", [r.data("x"), c], size), "...ij,...jk with a size-1 dim in ...");
    expectClose(r.outs[2].data, written("bhid,bhjd->bhij", [r.data("q"), r.data("k")], { b: 1, h: 2, i: 3, j: 5, d: 4 }), "bhid,bhjd->bhij, one key head");
  });

  it("three and four operands, contracted two at a time: a bilinear form, a chain of matrices, a letter shared by the first and the last", () => {
    const r = run(
      "x: Tensor<[Batch, 3]>, y: Tensor<[Batch, 4]>, a: Tensor<[Batch, 3, 4]>, m: Tensor<[Batch, 3, 3]>",
      'return [F.einsum("bi,bij,bj->b", x, a, y).unsqueeze(1), F.einsum("bij,bjk,bkl,bl->bi", m, m, a, y), F.einsum("bi,bij,bi->bj", x, a, x)];',
      { x: [2, 3], y: [2, 4], a: [2, 3, 4], m: [2, 3, 3] },
    );
    const size = { b: 2, i: 3, j: 4, k: 3, l: 4 };
    expectClose(r.outs[0].data, written("bi,bij,bj->b", [r.data("x"), r.data("a"), r.data("y")], size), "bi,bij,bj->b");
    expectClose(r.outs[1].data, written("bij,bjk,bkl,bl->bi", [r.data("m"), r.data("m"), r.data("a"), r.data("y")], { ...size, j: 3 }), "bij,bjk,bkl,bl->bi");
    expectClose(r.outs[2].data, written("bi,bij,bi->bj", [r.data("x"), r.data("a"), r.data("x")], size), "bi,bij,bi->bj");
  });

  it("gradients (finite differences)", () => {
    const body = `export class M extends nn.Module {
  w = new nn.Linear(3, 3);
  forward(x: Tensor<[Batch, 2, 3]>) {
    const y = this.w(x);
    return [F.einsum("bij,bkj->bik", y, x), F.einsum("bij->bj", y), F.einsum("bij,bkj,bk->bi", y, x, y.sum(2))];
  }
}
`;
    expect(gradCheck(body).checked).toBeGreaterThan(10);
  });

  it("a letter repeated in one operand reads its diagonal, as PyTorch's: bii->bi, a batched trace bii->b, iij,bj->bi, the implicit bjj (a trace)", () => {
    const r = run(
      "x: Tensor<[Batch, 3, 3]>, y: Tensor<[Batch, 2]>, z: Tensor<[Batch, 2, 2, 2]>",
      ['const c = F.arange(18).float().view(3, 3, 2);', 'return [F.einsum("bii->bi", x), F.einsum("bii->b", x), F.einsum("iij,bj->bi", c, y), F.einsum("bjj", x), F.einsum("biii->bi", z), F.einsum("bij,bjj->bi", x, x)];'].join("\n    "),
      { x: [2, 3, 3], y: [2, 2], z: [2, 2, 2, 2] },
    );
    const c = { shape: [3, 3, 2], data: Array.from({ length: 18 }, (_, i) => i) };
    expectClose(r.outs[0].data, written("bii->bi", [r.data("x")], { b: 2, i: 3 }), "bii->bi");
    expectClose(r.outs[1].data, written("bii->b", [r.data("x")], { b: 2, i: 3 }), "bii->b");
    expectClose(r.outs[2].data, written("iij,bj->bi", [c, r.data("y")], { b: 2, i: 3, j: 2 }), "iij,bj->bi");
    expectClose(r.outs[3].data, written("bjj->b", [r.data("x")], { b: 2, j: 3 }), "bjj (implicit: b)");
    expectClose(r.outs[4].data, written("biii->bi", [r.data("z")], { b: 2, i: 2 }), "biii->bi");
    expectClose(r.outs[5].data, written("bij,bjj->bi", [r.data("x"), r.data("x")], { b: 2, i: 3, j: 3 }), "bij,bjj->bi");
    // the diagonal's gradient: finite differences
    expect(gradCheck(`export class M extends nn.Module {\n  w = new nn.Linear(3, 3);\n  forward(x: Tensor<[Batch, 3, 3]>) {\n    const y = this.w(x);\n    return [F.einsum("bii->bi", y), F.einsum("bij,bjj->bi", y, y)];\n  }\n}\n`).checked).toBeGreaterThan(5);
  });

  it("refuses, at the call: a diagonal of unequal dims, a size that differs, operands the equation does not name, an unknown output letter", () => {
    const first = (body: string) =>
      diagnosticsOf(`${header}export class M extends nn.Module {\n  forward(x: Tensor<[Batch, 3, 3]>, y: Tensor<[Batch, 4]>) {\n    return ${body};\n  }\n}\n`).map((d) => `${d.code} ${d.message}`)[0];
    expect(first('F.einsum("bii->bi", y.view(-1, 2, 2).narrow(2, 0, 1))')).toMatch(/^TSDP4001 F\.einsum: subscript 'i' is repeated in operand 0 for dims of sizes 2 and 1; a diagonal needs them equal/);
    expect(first('F.einsum("bij,bj->bi", x, y)')).toMatch(/^TSDP4001 F\.einsum: subscript 'j' has size 3 in one operand and 4 in operand 1 \(\[Batch, 4\]\), which do not broadcast/);
    expect(first('F.einsum("bij,bj->bi", x)')).toMatch(/^TSDP\d+ F\.einsum: the equation "bij,bj->bi" has 2 operands, 1 given/);
    expect(first('F.einsum("bij->bz", x)')).toMatch(/^TSDP3004 F\.einsum: output subscript 'z' does not appear in the operands/);
    expect(first('F.einsum("bijk->bij", x)')).toMatch(/^TSDP4001 F\.einsum: operand 0 "bijk" names 4 dims, the operand has 3$/);
  });
});
