// F.scaledDotProductAttention against PyTorch's definition, written out here independently in
// float64 loops (pytorch.org/docs, torch.nn.functional.scaled_dot_product_attention):
//   L, S = q.size(-2), k.size(-2); scale = 1/√E unless given
//   is_causal: mask = ones(L, S).tril(0); scores where mask is false become −∞
//   a float attn_mask is added to the scores
//   out = softmax(q·kᵀ·scale + mask, dim=-1)·v
// Tolerance 1e-12 relative (float64 on both sides). The composite runs in the reference interpreter
// here; on the CPU target it is in test/fixtures/attention (language-ops.test.ts).
import { describe, expect, it } from "vitest";
import { runReference } from "../compiler/reference/interpret.ts";
import { initState } from "../compiler/reference/init.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { normals } from "../compiler/reference/rng.ts";
import { diagnosticsOf, header, lowerSource } from "./helpers.ts";

const [B, L, S, E] = [2, 3, 4, 5];

/** PyTorch's formula, row by row, for q [B, L, E], k [B, S, E], v [B, S, E]. */
function sdpa(q: Float64Array, k: Float64Array, v: Float64Array, opts: { causal?: boolean; mask?: (r: number, c: number) => number; scale?: number }): number[] {
  const out: number[] = [];
  const scale = opts.scale ?? 1 / Math.sqrt(E);
  for (let b = 0; b < B; b++)
    for (let r = 0; r < L; r++) {
      const s: number[] = [];
      for (let c = 0; c < S; c++) {
        let dot = 0;
        for (let e = 0; e < E; e++) dot += q[(b * L + r) * E + e] * k[(b * S + c) * E + e];
        let score = dot * scale + (opts.mask ? opts.mask(r, c) : 0);
        if (opts.causal && c > r) score = -Infinity;
        s.push(score);
      }
      const max = Math.max(...s);
      const w = s.map((x) => Math.exp(x - max));
      const sum = w.reduce((p, x) => p + x, 0);
      for (let e = 0; e < E; e++) out.push(w.reduce((acc, wc, c) => acc + (wc / sum) * v[(b * S + c) * E + e], 0));
    }
  return out;
}

function run(call: string) {
  const text = `${header}export class A extends nn.Module {\n  forward(q: Tensor<[Batch, ${L}, ${E}]>, k: Tensor<[Batch, ${S}, ${E}]>, v: Tensor<[Batch, ${S}, ${E}]>) {\n    return ${call};\n  }\n}\n`;
  const { graph } = lowerSource(text);
  const [q, k, v] = [[L, 1], [S, 2], [S, 3]].map(([n, stream]) => nd([B, n, E], normals(B * n * E, 5, stream)));
  const out = runReference(graph, { q, k, v }, initState(graph), { training: false }).outputs[0];
  return { out: Array.from(out.data), q: q.data, k: k.data, v: v.data };
}

function expectClose(got: number[], want: number[]) {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => expect(Math.abs(g - want[i])).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want[i]))));
}

describe("F.scaledDotProductAttention has PyTorch's semantics", () => {
  it("plain: softmax(q·kᵀ/√E)·v", () => {
    const r = run("F.scaledDotProductAttention(q, k, v)");
    expectClose(r.out, sdpa(r.q, r.k, r.v, {}));
  });
  it("isCausal: query r attends to keys c ≤ r; row 0 is exactly v's row 0 (every other key masked)", () => {
    const r = run("F.scaledDotProductAttention(q, k, v, { isCausal: true })");
    expectClose(r.out, sdpa(r.q, r.k, r.v, { causal: true }));
    for (let b = 0; b < B; b++) for (let e = 0; e < E; e++) expect(r.out[b * L * E + e]).toBe(r.v[b * S * E + e]);
  });
  it("a float attnMask is added to the scores; scale overrides 1/√E", () => {
    const r = run("F.scaledDotProductAttention(q, k, v, { attnMask: F.where(F.ones([3, 4]).tril(1), 0, -Infinity).add(F.arange(4).mul(0.1)), scale: 0.7 })");
    expectClose(r.out, sdpa(r.q, r.k, r.v, { mask: (row, c) => (c - row <= 1 ? 0.1 * c : -Infinity), scale: 0.7 }));
  });
  it("scale is any number, as PyTorch's: 0 attends uniformly, a negative one inverts the preference", () => {
    for (const scale of [0, -0.6]) {
      const r = run(`F.scaledDotProductAttention(q, k, v, { scale: ${scale}, isCausal: true })`);
      expectClose(r.out, sdpa(r.q, r.k, r.v, { scale, causal: true }));
    }
  });
  it("the causal pattern written by hand (tril, maskedFill(−∞), softmax) gives the same", () => {
    const r = run("q.matmul(k.transpose(1, 2)).div(Math.sqrt(5)).maskedFill(F.ones([3, 4]).tril().eq(0), -Infinity).softmax(-1).matmul(v)");
    expectClose(r.out, sdpa(r.q, r.k, r.v, { causal: true }));
  });
  it("mask algebra: bool(), logicalNot/And/Or on float 0/1 masks, as PyTorch's on bool tensors", () => {
    const r = run("q.sum(2, true).mul(F.ones([3, 4])).gt(0).logicalAnd(k.sum(2).unsqueeze(1).lt(0)).add(q.narrow(2, 0, 4).bool().logicalOr(F.eye(3, 4)).mul(2)).add(F.eye(3, 4).logicalNot().mul(4)).float()");
    const rows = (t: Float64Array, n: number, b: number, i: number) => Array.from({ length: E }, (_, e) => t[(b * n + i) * E + e]).reduce((p, x) => p + x, 0);
    const want: number[] = [];
    for (let b = 0; b < B; b++)
      for (let i = 0; i < L; i++)
        for (let c = 0; c < S; c++) {
          const and = rows(r.q, L, b, i) > 0 && rows(r.k, S, b, c) < 0 ? 1 : 0;
          const or = r.q[(b * L + i) * E + c] !== 0 || i === c ? 1 : 0;
          want.push(and + 2 * or + 4 * (i === c ? 0 : 1));
        }
    expect(r.out).toEqual(want);
  });
  it("refuses attnMask together with isCausal, and query/key/value of different ranks", () => {
    const bad = (call: string) => diagnosticsOf(`${header}export class A extends nn.Module {\n  forward(q: Tensor<[Batch, 3, 5]>, k: Tensor<[Batch, 4, 5]>) {\n    return ${call};\n  }\n}\n`).map((d) => `${d.code} ${d.message}`);
    expect(bad("F.scaledDotProductAttention(q, k, k, { isCausal: true, attnMask: F.zeros([3, 4]) })")[0]).toMatch(/^TSDP3004 .*cannot both be set/);
    expect(bad("F.scaledDotProductAttention(q, k, k.view(-1, 20))")[0]).toMatch(/^TSDP4001 .*same rank/);
  });
});
