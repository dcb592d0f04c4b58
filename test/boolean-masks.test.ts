// PyTorch's bool attention masks (compiler/1-frontend/boolean-masks.ts): a comparison's result
// (src == PAD, ~tril(ones(bool)), keep.gt(x)) passed as a mask is read as PyTorch reads a bool
// tensor — nn.MultiheadAttention's and nn.Transformer's mask out where True, F.scaled_dot_product_attention's
// keeps where True — not added as a float mask. Each is checked against the same model given the
// float mask PyTorch's bool one stands for (−∞ where masked, 0 elsewhere), to 1e-12 (float64 reference).
import { describe, expect, it } from "vitest";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { isBooleanMask } from "../compiler/1-frontend/boolean-masks.ts";
import { diagnosticsOf, header, lowerSource } from "./helpers.ts";

const [L, E] = [4, 8];
const xs = Array.from({ length: 2 * L * E }, (_, i) => Math.sin(i * 0.61) * 1.5);
const ids = [3, 5, 0, 0, 7, 0, 2, 1];

/** forward's first output for `body` (x: [B, L, E], ids: [B, L] int32; PAD = 0). */
function run(fields: string, body: string): number[] {
  const src = `${header}export class M extends nn.Module {\n  ${fields}\n  forward(x: Tensor<[Batch, ${L}, ${E}]>, ids: Tensor<[Batch, ${L}], "int32">) {\n    ${body}\n  }\n}\n`;
  const { graph } = lowerSource(src);
  return Array.from(runReference(graph, { x: nd([2, L, E], xs), ids: nd([2, L], ids) }, initState(graph, 3)).outputs[0].data);
}
const same = (a: number[], b: number[]) => {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => expect(v).toBeCloseTo(b[i], 12));
};

describe("bool attention masks are PyTorch's bool masks", () => {
  it("nn.MultiheadAttention: a bool key_padding_mask (ids == PAD) and attn_mask (~tril(ones(bool))) mask out where true", () => {
    const mha = "attn = new nn.MultiheadAttention(8, 2, { batchFirst: true });";
    const boolMasks = run(mha, `const pad = ids.eq(0); const future = F.ones(${L}, ${L}, { dtype: F.bool }).tril().logicalNot();\n    return this.attn(x, x, x, { keyPaddingMask: pad, attnMask: future, needWeights: false })[0];`);
    const floatMasks = run(mha, `const pad = F.zeros(x.size(0), ${L}).maskedFill(ids.eq(0), -Infinity); const future = F.zeros(${L}, ${L}).maskedFill(F.ones(${L}, ${L}).triu(1), -Infinity);\n    return this.attn(x, x, x, { keyPaddingMask: pad, attnMask: future, needWeights: false })[0];`);
    same(boolMasks, floatMasks);
    // and the bool masks do mask: without them the output differs
    const none = run(mha, "return this.attn(x, x, x, { needWeights: false })[0];");
    expect(Math.max(...none.map((v, i) => Math.abs(v - boolMasks[i])))).toBeGreaterThan(1e-3);
  });

  it("nn.TransformerEncoderLayer's srcKeyPaddingMask (the tutorial's src == PAD), through a view", () => {
    const layer = "enc = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0, batchFirst: true });";
    const boolMask = run(layer, "return this.enc(x, { srcKeyPaddingMask: ids.unsqueeze(1).eq(0).squeeze(1) });");
    const floatMask = run(layer, "return this.enc(x, { srcKeyPaddingMask: F.zeros(x.size(0), 4).maskedFill(ids.eq(0), -Infinity) });");
    same(boolMask, floatMask);
  });

  it("F.scaledDotProductAttention: a bool attnMask keeps where true; a float 0/1 mask (arithmetic, not a comparison) is still added", () => {
    const keep = run("", `return F.scaledDotProductAttention(x, x, x, { attnMask: F.ones(${L}, ${L}, { dtype: "bool" }).tril() });`);
    const causal = run("", "return F.scaledDotProductAttention(x, x, x, { isCausal: true });");
    same(keep, causal);
    const added = run("", `return F.scaledDotProductAttention(x, x, x, { attnMask: F.ones(${L}, ${L}).tril() });`);
    const byHand = run("", `const s = x.matmul(x.transpose(1, 2)).div(Math.sqrt(${E})).add(F.ones(${L}, ${L}).tril()); return s.softmax(-1).matmul(x);`);
    same(added, byHand);
  });

  it("a query whose every key is masked attends to nothing (0) in SDPA and in attention without weights, as PyTorch's since 2.5; with weights, NaN as its softmax", () => {
    // row 0 of the mask masks every key; the other rows keep the causal ones
    const mask = `F.ones(${L}, ${L}, { dtype: F.bool }).tril().logicalAnd(F.arange(${L}).view(${L}, 1).gt(0))`;
    const sdpa = run("", `return F.scaledDotProductAttention(x, x, x, { attnMask: ${mask} });`);
    const causal = run("", "return F.scaledDotProductAttention(x, x, x, { isCausal: true });");
    expect(sdpa.slice(0, E)).toEqual(new Array(E).fill(0));
    same(sdpa.slice(E, L * E), causal.slice(E, L * E));
    const mha = "attn = new nn.MultiheadAttention(8, 2, { batchFirst: true });";
    const noWeights = run(mha, `return this.attn(x, x, x, { attnMask: ${mask}.logicalNot(), needWeights: false })[0];`);
    const withWeights = run(mha, `return this.attn(x, x, x, { attnMask: ${mask}.logicalNot() })[0];`);
    // out_proj's bias starts at 0: the row attends to nothing and reads 0
    expect(noWeights.slice(0, E)).toEqual(new Array(E).fill(0));
    expect(withWeights.slice(0, E).every(Number.isNaN)).toBe(true);
    same(noWeights.slice(E, L * E), withWeights.slice(E, L * E));
  });

  it("a bool mask registered as a buffer (persistent or not) or kept in a field stays bool where forward reads it; a float buffer is still added", () => {
    const causal = run("", "return F.scaledDotProductAttention(x, x, x, { isCausal: true });");
    const fields = `declare m1: Tensor; declare m2: Tensor; m3: Tensor; declare f: Tensor;\n  constructor() {\n    super();\n    this.registerBuffer("m1", F.tril(F.ones([${L}, ${L}], { dtype: F.bool })));\n    this.registerBuffer("m2", F.tril(F.ones([${L}, ${L}], { dtype: F.bool })), false);\n    this.m3 = F.tril(F.ones([${L}, ${L}], { dtype: F.bool }));\n    this.registerBuffer("f", F.tril(F.ones([${L}, ${L}])));\n  }`;
    for (const m of ["m1", "m2", "m3"]) same(run(fields, `return F.scaledDotProductAttention(x, x, x, { attnMask: this.${m} });`), causal);
    const added = run("", `return F.scaledDotProductAttention(x, x, x, { attnMask: F.ones(${L}, ${L}).tril() });`);
    same(run(fields, "return F.scaledDotProductAttention(x, x, x, { attnMask: this.f });"), added);
  });

  it("PyTorch's dtype rules decide what stays bool: mul, where, maximum/minimum, any/all, detach, pad, bool + bool, masked_fill, zerosLike and in-place writes of bool tensors are bool; .float(), .to, .typeAs are float", () => {
    const T = `F.ones(${L}, ${L}, { dtype: F.bool }).tril()`;
    const sdpa = (setup: string, mask: string) => run("", `${setup}\n    return F.scaledDotProductAttention(x, x, x, { attnMask: ${mask} });`);
    const bool = [
      ["", `${T}.mul(${T})`], ["", `F.where(${T}.logicalNot(), ${T}, ${T})`], ["", `F.maximum(${T}, F.zerosLike(${T}))`], ["", `F.minimum(${T}, ${T})`],
      ["", `${T}.detach()`], ["", `${T}.add(${T})`], ["", `F.stack([${T}, ${T}]).any(0)`], ["", `F.stack([${T}, ${T}]).all(0)`],
      ["", `F.pad(${T}.narrow(1, 1, 3), [1, 0])`], ["", `F.pad(${T}.narrow(1, 1, 3), [1, 0], { value: 1 })`], ["", `${T}.maskedFill(${T}.logicalNot(), 0)`],
      ["", `F.cat([F.zerosLike(${T}).narrow(0, 0, 1), ${T}.narrow(0, 1, 3)], 0)`],
      // true and false as values, and the bool dtype by name
      ["", `F.where(${T}, true, false)`], ["", `F.pad(${T}.narrow(1, 1, 3), [1, 0], { value: false })`], ["", `${T}.float().to("bool")`], ["", `F.eye(${L}, { dtype: F.bool }).logicalOr(${T})`],
      [`const m = ${T}; m.index(":2", ":2").fill_(0);`, "m"], [`const m = ${T}; m.maskedFill_(F.arange(${L}).view(${L}, 1).eq(F.arange(${L})).logicalAnd(F.arange(${L}).gt(0)), 0);`, "m"],
    ];
    for (const [setup, mask] of bool) {
      const asBool = sdpa(setup, mask);
      same(asBool, sdpa(setup, `(${mask}).ne(0)`));
      // not what adding it as a float 0/1 mask gives
      expect(Math.max(...asBool.map((v, i) => Math.abs(v - sdpa(setup, `(${mask}).mul(1)`)[i]))), mask).toBeGreaterThan(1e-3);
    }
    for (const mask of [`${T}.float()`, `${T}.to("float32")`, `${T}.typeAs(x)`, `${T}.mul(0.5)`]) {
      const asFloat = sdpa("", mask);
      same(asFloat, sdpa("", `(${mask}).mul(1)`));
      expect(Math.max(...asFloat.map((v, i) => Math.abs(v - sdpa("", `(${mask}).ne(0)`)[i]))), mask).toBeGreaterThan(1e-3);
    }
    // (ids == PAD).float() as a key padding mask is added (+1 at padded keys), as PyTorch's float mask
    const mha = "attn = new nn.MultiheadAttention(8, 2, { batchFirst: true });";
    same(run(mha, "return this.attn(x, x, x, { keyPaddingMask: ids.eq(0).float(), needWeights: false })[0];"), run(mha, "return this.attn(x, x, x, { keyPaddingMask: ids.eq(0).mul(1.0), needWeights: false })[0];"));
  });

  it("a bool mask's dtype passes on as PyTorch's torch.bool: to(mask), typeAs(mask), to(mask.dtype), mask.new_ones(…), full(…, True), cummax", () => {
    // (what SDPA reads as bool is what isBooleanMask says, which the test above checks through attention)
    const T = `F.ones(${L}, ${L}, { dtype: F.bool }).tril()`;
    const isBool = (expr: string) => isBooleanMask(lowerSource(`${header}export class M extends nn.Module {\n  forward(x: Tensor<[Batch, ${L}]>) {\n    return (${expr}).unsqueeze(0).expand(x.size(0), ${L}, ${L});\n  }\n}\n`).graph.outputs[0]);
    for (const expr of [`F.ones(${L}, ${L}).tril().to(${T})`, `F.ones(${L}, ${L}).tril().typeAs(${T})`, `F.ones(${L}, ${L}).tril().to(${T}.dtype)`, `${T}.newOnes(${L}, ${L}).tril()`, `F.full([${L}, ${L}], true).tril()`, `${T}.cummax(1)[0]`])
      expect(isBool(expr), expr).toBe(true);
    for (const expr of [`${T}.newOnes(${L}, ${L}, { dtype: "float32" }).tril()`, `${T}.float()`, `${T}.cummax(1)[1]`]) expect(isBool(expr), expr).toBe(false);
  });

  it("bool + bool is a logical or (True + True is True); bool − bool is refused, as PyTorch refuses it", () => {
    const or = run("", "return ids.gt(2).add(ids.lt(6)).float().unsqueeze(-1).mul(x);");
    const byHand = run("", "return ids.gt(2).logicalOr(ids.lt(6)).float().unsqueeze(-1).mul(x);");
    same(or, byHand);
    const src = `${header}export class M extends nn.Module {\n  forward(ids: Tensor<[Batch, 4], "int32">) {\n    return ids.gt(2).sub(ids.lt(6));\n  }\n}\n`;
    expect(diagnosticsOf(src).map((d) => `${d.code} ${d.message}`)[0]).toMatch(/^TSDP4002 sub of two bool tensors: PyTorch refuses it/);
  });

  it("nn.MultiheadAttention takes PyTorch's 3-D attnMask [N·numHeads, L, S], sample-major (row b·H + h): Mask2Former's per-query masks", () => {
    const mha = "attn = new nn.MultiheadAttention(8, 2, { batchFirst: true });";
    const future = `F.ones(${L}, ${L}, { dtype: F.bool }).tril().logicalNot()`;
    const causal = run(mha, `return this.attn(x, x, x, { attnMask: ${future}, needWeights: false })[0];`);
    const none = run(mha, "return this.attn(x, x, x, { needWeights: false })[0];");
    // every sample and head the causal mask: as the 2-D one
    same(run(mha, `return this.attn(x, x, x, { attnMask: ${future}.view(1, ${L}, ${L}).expand(x.size(0) * 2, ${L}, ${L}), needWeights: false })[0];`), causal);
    // per sample (sample-major rows): each sample's padded keys, as its key padding mask
    const padded = run(mha, `return this.attn(x, x, x, { attnMask: ids.eq(0).view(-1, 1, 1, ${L}).expand(-1, 2, ${L}, ${L}).reshape(-1, ${L}, ${L}), needWeights: false })[0];`);
    same(padded, run(mha, "return this.attn(x, x, x, { keyPaddingMask: ids.eq(0), needWeights: false })[0];"));
    expect(Math.max(...padded.map((v, i) => Math.abs(v - none[i])))).toBeGreaterThan(1e-3);
  });
  it("a bool tensor's sum, cumsum and count_nonzero are PyTorch's int64 counts (int32 here): TabNet's sparsemax gathers at support.sum(dim) - 1", () => {
    const dtypeOf = (expr: string) => {
      const src = `${header}export class M extends nn.Module {\n  forward(x: Tensor<[Batch, ${L}, ${E}]>) {\n    return ${expr};\n  }\n}\n`;
      return lowerSource(src).graph.outputs[0].dtype;
    };
    for (const e of ["x.gt(0).sum(-1)", "F.sum(x.gt(0), -1)", "x.gt(0).sum(-1, true)", "x.gt(0).cumsum(-1)", "F.cumsum(x.lt(0), 2)", "x.ne(0).countNonzero(-1)", "F.countNonzero(x, -1)"]) expect(dtypeOf(e), e).toBe("i32");
    // floats stay floats: a float mask's and a converted mask's sums, and a dtype asked for (a mask
    // times a whole number, x.gt(0).mul(1.0), is int32: TypeScript's 1.0 is 1, test/int-arithmetic.test.ts)
    for (const e of ["x.sum(-1)", "x.gt(0).float().sum(-1)", "x.gt(0).sum(-1, { dtype: \"float32\" })", "x.gt(0).cumsum(-1, { dtype: F.float32 })", "x.gt(0).mean(-1, { dtype: \"float32\" })"]) expect(dtypeOf(e), e).toBe("f32");
    // sparsemax's threshold: z sorted descending, k = #{j : 1 + j·z_(j) > Σ_{i≤j} z_(i)}, tau = (Σ_{i≤k} z_(i) − 1)/k,
    // the gather index k − 1 an integer as PyTorch's; the row [0.5, 0.3, −0.2, …] by hand: k = 2, tau = −0.1
    const sparse = run("", `const [srt] = F.sort(x, { descending: true, dim: -1 }); const cs = srt.cumsum(-1).sub(1);
    const k = F.arange(1, ${E} + 1).float().mul(srt).gt(cs).sum({ dim: -1 }).unsqueeze(-1);
    return F.clamp(x.sub(cs.gather(-1, k.sub(1)).div(k.to(x.dtype))), { min: 0 });`);
    for (let r = 0; r < 2 * L; r++) {
      const row = xs.slice(r * E, (r + 1) * E);
      const srt = [...row].sort((a, b) => b - a);
      let k = 0, cum = 0, tauSum = 0;
      srt.forEach((z, j) => { cum += z; if (1 + (j + 1) * z > cum) { k = j + 1; tauSum = cum; } });
      const tau = (tauSum - 1) / k;
      row.forEach((z, c) => expect(sparse[r * E + c]).toBeCloseTo(Math.max(z - tau, 0), 12));
    }
  });
});
