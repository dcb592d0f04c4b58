// nn.TransformerEncoderLayer, nn.TransformerDecoderLayer, their stacks and nn.Transformer
// (compiler/1-frontend/transformer.ts) against
// PyTorch's TransformerEncoderLayer.forward written out here as float64 loops (torch/nn/modules/
// transformer.py: post-norm x = norm1(x + sa(x)), x = norm2(x + ff(x)); norm-first x = x + sa(norm1(x)),
// x = x + ff(norm2(x)); ff = linear2(activation(linear1(x))); sa the multi-head attention; dropout
// off in eval). Tolerance 1e-9 relative to max(1, |value|): float64 both sides, different summation
// orders. Also PyTorch's state_dict names and order, the sequence-first layout, masks, and the
// constructor checks. Gradients: gradcheck.ts (finite differences).
import { describe, expect, it } from "vitest";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd, type NDArray } from "../compiler/reference/ndarray.ts";
import { normals } from "../compiler/reference/rng.ts";
import { gradCheck } from "./gradcheck.ts";
import { diagnosticsOf, header, lowerSource } from "./helpers.ts";

const [N, L, E, H, FF] = [2, 4, 6, 2, 5];

/** rows × inF times Wᵀ [outF, inF], plus b. */
function linear(x: number[], inF: number, w: number[], b: number[], outF: number): number[] {
  const rows = x.length / inF;
  return Array.from({ length: rows * outF }, (_, i) => {
    const [r, o] = [Math.floor(i / outF), i % outF];
    let acc = b[o];
    for (let k = 0; k < inF; k++) acc += x[r * inF + k] * w[o * inF + k];
    return acc;
  });
}

function layerNorm(x: number[], w: number[], b: number[], eps = 1e-5): number[] {
  const out: number[] = [];
  for (let r = 0; r < x.length / E; r++) {
    const row = x.slice(r * E, (r + 1) * E);
    const mean = row.reduce((a, v) => a + v, 0) / E;
    const variance = row.reduce((a, v) => a + (v - mean) ** 2, 0) / E;
    row.forEach((v, j) => out.push(((v - mean) / Math.sqrt(variance + eps)) * w[j] + b[j]));
  }
  return out;
}

const gelu = (v: number) => 0.5 * v * (1 + erf(v / Math.SQRT2));
/** erf to ~1e-16 by its Maclaurin series (|v| small here) or the complement's continued fraction. */
function erf(v: number): number {
  if (Math.abs(v) > 4) return Math.sign(v);
  let term = v;
  let sum = v;
  for (let n = 1; n < 200; n++) {
    term *= (-v * v) / n;
    sum += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

/** Multi-head attention of q [N, Lq, E] over kv [N, Lk, E] with the parameters under `prefix` (PyTorch's in_proj/out_proj). */
function attention(q: number[], kv: number[], p: (n: string) => number[], prefix: string, mask?: (r: number, c: number) => number): number[] {
  const D = E / H;
  const [Lq, Lk] = [q.length / (N * E), kv.length / (N * E)];
  const [w, b] = [p(`${prefix}.in_proj_weight`), p(`${prefix}.in_proj_bias`)];
  const proj = (t: number[], i: number) => linear(t, E, w.slice(i * E * E, (i + 1) * E * E), b.slice(i * E, (i + 1) * E), E);
  const [qp, kp, vp] = [proj(q, 0), proj(kv, 1), proj(kv, 2)];
  const joined = new Array(N * Lq * E).fill(0);
  for (let n = 0; n < N; n++)
    for (let h = 0; h < H; h++)
      for (let r = 0; r < Lq; r++) {
        const scores = Array.from({ length: Lk }, (_, c) => {
          let dot = 0;
          for (let d = 0; d < D; d++) dot += qp[(n * Lq + r) * E + h * D + d] * kp[(n * Lk + c) * E + h * D + d];
          return dot / Math.sqrt(D) + (mask ? mask(r, c) : 0);
        });
        const max = Math.max(...scores);
        const e = scores.map((s) => Math.exp(s - max));
        const sum = e.reduce((a, b2) => a + b2, 0);
        e.forEach((wt, c) => {
          for (let d = 0; d < D; d++) joined[(n * Lq + r) * E + h * D + d] += (wt / sum) * vp[(n * Lk + c) * E + h * D + d];
        });
      }
  return linear(joined, E, p(`${prefix}.out_proj.weight`), p(`${prefix}.out_proj.bias`), E);
}

/**
 * One encoder layer (or, with `memory`, decoder layer) on x [N, L, E] (batch first), p(name) the
 * layer's parameters: the blocks self-attention, [cross-attention,] feed-forward, each
 * norm_k(x + block(x)) or, norm first, x + block(norm_k(x)).
 */
function transformerLayer(x: number[], p: (n: string) => number[], o: { normFirst: boolean; act: "relu" | "gelu" | ((v: number) => number); mask?: (r: number, c: number) => number; memory?: number[] }): number[] {
  const feedForward = (t: number[]) => {
    const hidden = linear(t, E, p("linear1.weight"), p("linear1.bias"), FF).map(o.act === "relu" ? (v) => Math.max(v, 0) : o.act === "gelu" ? gelu : o.act);
    return linear(hidden, FF, p("linear2.weight"), p("linear2.bias"), E);
  };
  const blocks = [(t: number[]) => attention(t, t, p, "self_attn", o.mask), ...(o.memory ? [(t: number[]) => attention(t, o.memory!, p, "multihead_attn")] : []), feedForward];
  const add = (a: number[], b: number[]) => a.map((v, i) => v + b[i]);
  return blocks.reduce((h, block, i) => {
    const norm = (t: number[]) => layerNorm(t, p(`norm${i + 1}.weight`), p(`norm${i + 1}.bias`));
    return o.normFirst ? add(h, block(norm(h))) : norm(add(h, block(h)));
  }, x);
}
const encoderLayer = transformerLayer;

/** The model's outputs in eval mode (dropout off), parameters drawn N(0, 1) so every affine term matters. */
function run(body: string, memoryLength = 0) {
  const { graph } = lowerSource(`${header}${body}`);
  const state = initState(graph, 3);
  for (const [name, v] of state.params) v.data.set(normals(v.data.length, 9, name.length).map((r) => r * 0.5));
  const x = nd([N, L, E], normals(N * L * E, 4, 1));
  const memory = nd([N, memoryLength, E], normals(N * memoryLength * E, 4, 2));
  const outs = runReference(graph, memoryLength ? { x, memory } : { x }, state, { training: false, seed: 1 }).outputs.map((t: NDArray) => Array.from(t.data));
  const param = (prefix: string) => (name: string) => Array.from(state.params.get(`${prefix}.${name}`)!.data);
  return { graph, outs, x: Array.from(x.data), memory: Array.from(memory.data), param };
}

function expectClose(got: readonly number[], want: readonly number[], what: string): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++)
    if (!(Math.abs(got[i] - want[i]) <= 1e-9 * Math.max(1, Math.abs(want[i])))) expect.fail(`${what}: element ${i} is ${got[i]}, PyTorch's formula gives ${want[i]}`);
}

describe("nn.TransformerEncoderLayer, nn.TransformerEncoder", () => {
  const model = (fields: string, forward: string) => `export class M extends nn.Module {\n  ${fields}\n  forward(x: Tensor<[Batch, ${L}, ${E}]>) {\n    ${forward}\n  }\n}\n`;

  it("PyTorch's state_dict names and order; the encoder's layers are copies with the layer's settings, then the final norm", () => {
    const { graph } = lowerSource(
      `${header}${model(`enc = new nn.TransformerEncoder(new nn.TransformerEncoderLayer(${E}, ${H}, { dimFeedforward: ${FF}, batchFirst: true }), 2, { norm: new nn.LayerNorm(${E}) });`, "return this.enc(x);")}`,
    );
    const layer = (i: number) =>
      [
        "self_attn.in_proj_weight [18, 6]",
        "self_attn.in_proj_bias [18]",
        "self_attn.out_proj.weight [6, 6]",
        "self_attn.out_proj.bias [6]",
        "linear1.weight [5, 6]",
        "linear1.bias [5]",
        "linear2.weight [6, 5]",
        "linear2.bias [6]",
        "norm1.weight [6]",
        "norm1.bias [6]",
        "norm2.weight [6]",
        "norm2.bias [6]",
      ].map((s) => `enc.layers.${i}.${s}`);
    expect(graph.params.map((p) => `${p.attrs.name} [${p.shape.join(", ")}]`)).toEqual([...layer(0), ...layer(1), "enc.norm.weight [6]", "enc.norm.bias [6]"]);
    // each sublayer's own initialization: xavier on in_proj, zeros on its biases, U(±1/√fan_in) on the linears, LayerNorm 1 and 0;
    // a copy after the first draws the first's numbers (PyTorch's copy.deepcopy of the one layer given)
    const init = (name: string) => graph.params.find((p) => p.attrs.name === `enc.layers.1.${name}`)!.attrs.init;
    expect([init("self_attn.in_proj_weight"), init("self_attn.in_proj_bias"), init("linear2.weight"), init("norm2.weight")]).toEqual([
      { kind: "uniform", bound: Math.sqrt(6 / (E + 3 * E)), stream: "enc.layers.0.self_attn.in_proj_weight" },
      { kind: "constant", value: 0 },
      { kind: "uniform", bound: 1 / Math.sqrt(FF), stream: "enc.layers.0.linear2.weight" },
      { kind: "constant", value: 1 },
    ]);
    const values = initState(graph, 3).params;
    for (const name of ["self_attn.in_proj_weight", "self_attn.out_proj.weight", "linear1.weight", "linear1.bias", "linear2.weight"])
      expect(values.get(`enc.layers.1.${name}`)!.data, name).toEqual(values.get(`enc.layers.0.${name}`)!.data);
  });

  it("a stack over a layer of the user's class (PyTorch's _get_clones: copy.deepcopy): layers.k names, every copy starting from the same values, called as PyTorch's stack calls mod(x, src_mask=…)", () => {
    const myLayer = `class MyLayer extends nn.Module {
  attn: nn.MultiheadAttention;
  ff: nn.Linear;
  scale: nn.Parameter;
  norm: nn.LayerNorm;
  constructor(d: number) {
    super();
    this.attn = new nn.MultiheadAttention(d, ${H}, { batchFirst: true });
    this.ff = new nn.Linear(d, d);
    this.scale = new nn.Parameter(F.randn(d).mul(0.1));
    this.norm = new nn.LayerNorm(d);
    nn.init.trunc_normal_(this.ff.weight, { std: 0.02 });
  }
  forward(src: Tensor, opts: { srcMask?: Tensor | null; srcKeyPaddingMask?: Tensor | null; isCausal?: boolean } = {}) {
    const [a] = this.attn(src, src, src, { attnMask: opts.srcMask ?? null, needWeights: false });
    return this.norm(src.add(a).add(this.ff(src).mul(this.scale)));
  }
}
`;
    const mask = "F.zeros(4, 4).maskedFill(F.ones(4, 4).triu(1), -Infinity)";
    const source = (forward: string) => `${header}${myLayer}${model(`enc = new nn.TransformerEncoder(new MyLayer(${E}), 3, { norm: new nn.LayerNorm(${E}) });`, forward)}`;
    const { graph } = lowerSource(source(`return this.enc(x, { mask: ${mask} });`));
    const layer = (i: number) => ["scale [6]", "attn.in_proj_weight [18, 6]", "attn.in_proj_bias [18]", "attn.out_proj.weight [6, 6]", "attn.out_proj.bias [6]", "ff.weight [6, 6]", "ff.bias [6]", "norm.weight [6]", "norm.bias [6]"].map((s) => `enc.layers.${i}.${s}`);
    expect(graph.params.map((p) => `${p.attrs.name} [${p.shape.join(", ")}]`)).toEqual([...layer(0), ...layer(1), ...layer(2), "enc.norm.weight [6]", "enc.norm.bias [6]"]);
    const values = initState(graph, 5).params;
    for (const name of ["scale", "attn.in_proj_weight", "attn.out_proj.weight", "ff.weight", "ff.bias"])
      for (const k of [1, 2]) expect(values.get(`enc.layers.${k}.${name}`)!.data, `${k}: ${name}`).toEqual(values.get(`enc.layers.0.${name}`)!.data);
    // the trunc_normal_ given to the layer is every copy's
    expect(graph.params.find((p) => p.attrs.name === "enc.layers.2.ff.weight")!.attrs.init).toMatchObject({ kind: "normal", std: 0.02, stream: "enc.layers.0.ff.weight" });
    // the stack's forward is its layers called in turn with the mask, then the norm: the same as calling them by hand
    const byHand = `let h = x;
    for (const l of this.enc.layers) h = l(h, { srcMask: ${mask}, isCausal: false });
    return this.enc.norm(h);`;
    const xs = nd([N, L, E], normals(N * L * E, 9, 1));
    const out = (src: string) => { const g = lowerSource(src).graph; return runReference(g, { x: xs }, initState(g, 5)).outputs[0].data; };
    expect(out(source(`return this.enc(x, { mask: ${mask} });`))).toEqual(out(source(byHand)));
    // a draw tsdp cannot repeat into the copies is refused at the stack, not drawn apart
    const orthogonal = `${header}class L extends nn.Module {\n  fc = new nn.Linear(${E}, ${E});\n  constructor() { super(); nn.init.orthogonal_(this.fc.weight); }\n  forward(x: Tensor, o: object = {}) { return this.fc(x); }\n}\n${model("e = new nn.TransformerEncoder(new L(), 2);", "return this.e(x);")}`;
    expect(diagnosticsOf(orthogonal).map((d) => `${d.code} ${d.message}`)[0]).toMatch(/^TSDP2001 nn\.TransformerEncoder: the layer holds a parameter whose initial values \(nn\.init\.orthogonal_\) tsdp does not repeat into the layer's copies/);
  });

  it("PyTorch's nn.Transformer: its xavier_uniform_ after the copies draws each layer's matrices anew; the copies' other draws stay the first's", () => {
    const { graph } = lowerSource(`${header}${model(`t = new nn.Transformer({ dModel: ${E}, nhead: ${H}, numEncoderLayers: 2, numDecoderLayers: 1, dimFeedforward: ${FF}, batchFirst: true });`, "return this.t(x, x);")}`);
    const values = initState(graph, 1).params;
    const [a, b] = [0, 1].map((k) => values.get(`t.encoder.layers.${k}.linear1.weight`)!.data);
    expect(a).not.toEqual(b);
    expect(graph.params.find((p) => p.attrs.name === "t.encoder.layers.1.linear1.bias")!.attrs.init).toMatchObject({ stream: "t.encoder.layers.0.linear1.bias" });
  });

  it("post-norm with relu (PyTorch's defaults), sequence first: equals the layer written out", () => {
    const r = run(model(`layer = new nn.TransformerEncoderLayer(${E}, ${H}, { dimFeedforward: ${FF} });`, "return this.layer(x.transpose(0, 1)).transpose(0, 1);"));
    expectClose(r.outs[0], encoderLayer(r.x, r.param("layer"), { normFirst: false, act: "relu" }), "post-norm layer");
  });

  it("any callable activation, as PyTorch's: an arrow, F.silu, a module; nn.Transformer passes it to its layers", () => {
    const silu = (v: number) => v / (1 + Math.exp(-v));
    for (const [activation, act] of [["(t: Tensor) => F.relu6(t).mul(0.5)", (v: number) => 0.5 * Math.min(Math.max(v, 0), 6)], ["F.silu", silu], ["new nn.Tanh()", Math.tanh]] as const) {
      const r = run(model(`layer = new nn.TransformerEncoderLayer(${E}, ${H}, { dimFeedforward: ${FF}, activation: ${activation}, batchFirst: true });`, "return this.layer(x);"));
      expectClose(r.outs[0], encoderLayer(r.x, r.param("layer"), { normFirst: false, act }), `activation ${activation}`);
    }
    const r = run(model(`t = new nn.Transformer({ dModel: ${E}, nhead: ${H}, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: ${FF}, activation: (t: Tensor) => F.silu(t), batchFirst: true });`, "return this.t(x, x);"));
    const memory = layerNorm(encoderLayer(r.x, r.param("t.encoder.layers.0"), { normFirst: false, act: silu }), r.param("t.encoder")("norm.weight"), r.param("t.encoder")("norm.bias"));
    const out = transformerLayer(r.x, r.param("t.decoder.layers.0"), { normFirst: false, act: silu, memory });
    expectClose(r.outs[0], layerNorm(out, r.param("t.decoder")("norm.weight"), r.param("t.decoder")("norm.bias")), "nn.Transformer with an arrow");
  });

  it("PyTorch's attributes: a stack's copies keep their settings, num_layers, nn.Transformer's d_model, a string activation read as its function", () => {
    // a subclass-style forward written from the attributes (PyTorch's self.activation is F.gelu for "gelu")
    const custom = `const l = this.enc.layers[1];
    const scale = this.enc.num_layers * (l.self_attn.batch_first ? 1 : 0) * (l.linear1.in_features === ${E} ? 1 : 0) * (l.norm_first ? 0 : 1) * (this.t.d_model === ${E} && this.t.nhead === ${H} && this.t.batch_first ? 1 : 0);
    const h = l.norm1(x.add(l.self_attn(x, x, x, { needWeights: false })[0]));
    return l.norm2(h.add(l.linear2(l.activation(l.linear1(h))))).mul(scale / 2);`;
    const fields = `enc = new nn.TransformerEncoder(new nn.TransformerEncoderLayer(${E}, ${H}, { dimFeedforward: ${FF}, activation: "gelu", batchFirst: true }), 2);
  t = new nn.Transformer({ dModel: ${E}, nhead: ${H}, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: ${FF}, batchFirst: true });`;
    const r = run(model(fields, custom));
    expectClose(r.outs[0], encoderLayer(r.x, r.param("enc.layers.1"), { normFirst: false, act: "gelu" }), "a layer's forward from its attributes");
    // PyTorch's RNNBase mode, nn.MultiheadAttention's _qkv_same_embed_dim
    const attrs = run(model(`g = new nn.GRU(${E}, 3); r = new nn.RNN(${E}, 3, { nonlinearity: "relu" }); a = new nn.MultiheadAttention(${E}, ${H}, { kdim: 3 }); b = new nn.MultiheadAttention(${E}, ${H});`, `return x.mul((this.g.mode === "GRU" && this.r.mode === "RNN_RELU" && !this.a._qkv_same_embed_dim && this.b._qkv_same_embed_dim) ? 1 : 0);`));
    expectClose(attrs.outs[0], attrs.x, "mode and _qkv_same_embed_dim");
  });

  it("norm-first with F.gelu, batch first, a float mask, two layers and a final norm", () => {
    const fields = `enc = new nn.TransformerEncoder(new nn.TransformerEncoderLayer(${E}, ${H}, { dimFeedforward: ${FF}, activation: F.gelu, batchFirst: true, normFirst: true }), 2, { norm: new nn.LayerNorm(${E}) });`;
    const r = run(model(fields, `return this.enc(x, F.zeros(${L}, ${L}).maskedFill(F.ones(${L}, ${L}).triu(1), -Infinity));`));
    const causal = (row: number, c: number) => (c > row ? -Infinity : 0);
    let want = r.x;
    for (const i of [0, 1]) want = encoderLayer(want, r.param(`enc.layers.${i}`), { normFirst: true, act: "gelu", mask: causal });
    want = layerNorm(want, r.param("enc")("norm.weight"), r.param("enc")("norm.bias"));
    expectClose(r.outs[0], want, "two norm-first layers and the final norm");
    // the mask matters: without it the output differs
    const open = encoderLayer(r.x, r.param("enc.layers.0"), { normFirst: true, act: "gelu" });
    expect(Math.max(...open.map((v, i) => Math.abs(v - encoderLayer(r.x, r.param("enc.layers.0"), { normFirst: true, act: "gelu", mask: causal })[i])))).toBeGreaterThan(1e-3);
  });

  it("TransformerDecoderLayer and TransformerDecoder: self-attention with tgtMask, cross-attention over memory, feed-forward; post-norm and norm-first", () => {
    const S = 3;
    const fields = `dec = new nn.TransformerDecoder(new nn.TransformerDecoderLayer(${E}, ${H}, { dimFeedforward: ${FF}, batchFirst: true }), 2, { norm: new nn.LayerNorm(${E}) });
  pre = new nn.TransformerDecoderLayer(${E}, ${H}, ${FF}, 0.1, { activation: "gelu", normFirst: true });`;
    const forward = `const mask = F.zeros(${L}, ${L}).maskedFill(F.ones(${L}, ${L}).triu(1), -Infinity);
    return [this.dec(x, memory, mask), this.pre(x.transpose(0, 1), memory.transpose(0, 1), { tgtMask: mask }).transpose(0, 1)];`;
    const body = `export class M extends nn.Module {\n  ${fields}\n  forward(x: Tensor<[Batch, ${L}, ${E}]>, memory: Tensor<[Batch, ${S}, ${E}]>) {\n    ${forward}\n  }\n}\n`;
    const r = run(body, S);
    expect(r.graph.params.slice(0, 6).map((p) => p.attrs.name)).toEqual([
      "dec.layers.0.self_attn.in_proj_weight", "dec.layers.0.self_attn.in_proj_bias", "dec.layers.0.self_attn.out_proj.weight", "dec.layers.0.self_attn.out_proj.bias",
      "dec.layers.0.multihead_attn.in_proj_weight", "dec.layers.0.multihead_attn.in_proj_bias",
    ]);
    expect(r.graph.params.filter((p) => String(p.attrs.name).startsWith("pre.norm")).map((p) => p.attrs.name)).toEqual(["pre.norm1.weight", "pre.norm1.bias", "pre.norm2.weight", "pre.norm2.bias", "pre.norm3.weight", "pre.norm3.bias"]);
    const causal = (row: number, c: number) => (c > row ? -Infinity : 0);
    let want = r.x;
    for (const i of [0, 1]) want = transformerLayer(want, r.param(`dec.layers.${i}`), { normFirst: false, act: "relu", mask: causal, memory: r.memory });
    expectClose(r.outs[0], layerNorm(want, r.param("dec")("norm.weight"), r.param("dec")("norm.bias")), "two post-norm decoder layers and the final norm");
    expectClose(r.outs[1], transformerLayer(r.x, r.param("pre"), { normFirst: true, act: "gelu", mask: causal, memory: r.memory }), "a norm-first decoder layer, sequence first");
  });

  it("nn.Transformer: encoder and decoder stacks with their final norms, xavier_uniform_ on every matrix, forward(src, tgt, masks)", () => {
    const S = 3;
    const body = `export class M extends nn.Module {
  t = new nn.Transformer({ dModel: ${E}, nhead: ${H}, numEncoderLayers: 1, numDecoderLayers: 2, dimFeedforward: ${FF}, batchFirst: true });
  forward(x: Tensor<[Batch, ${L}, ${E}]>, memory: Tensor<[Batch, ${S}, ${E}]>) {
    return this.t(memory, x, { tgtMask: F.zeros(${L}, ${L}).maskedFill(F.ones(${L}, ${L}).triu(1), -Infinity) });
  }
}
`;
    const r = run(body, S);
    const names = r.graph.params.map((p) => p.attrs.name as string);
    expect(names.filter((n) => n.endsWith("norm.weight"))).toEqual(["t.encoder.norm.weight", "t.decoder.norm.weight"]);
    // a decoder layer: two attentions (4 each), two linears (2 each), three norms (2 each)
    expect(names.filter((n) => n.includes("layers.1"))).toHaveLength(18);
    // _reset_parameters: xavier_uniform_ on every parameter of 2 or more dims, so linear1 is U(±√(6/(E + FF))), not nn.Linear's
    const init = (name: string) => r.graph.params.find((p) => p.attrs.name === name)!.attrs.init;
    expect(init("t.decoder.layers.1.linear1.weight")).toEqual({ kind: "uniform", bound: Math.sqrt(6 / (E + FF)) });
    expect(init("t.encoder.layers.0.linear1.bias")).toEqual({ kind: "uniform", bound: 1 / Math.sqrt(E) });
    const causal = (row: number, c: number) => (c > row ? -Infinity : 0);
    const p = (prefix: string) => r.param(`t.${prefix}`);
    const memory = layerNorm(transformerLayer(r.memory, p("encoder.layers.0"), { normFirst: false, act: "relu" }), p("encoder")("norm.weight"), p("encoder")("norm.bias"));
    let want = r.x;
    for (const i of [0, 1]) want = transformerLayer(want, p(`decoder.layers.${i}`), { normFirst: false, act: "relu", mask: causal, memory });
    expectClose(r.outs[0], layerNorm(want, p("decoder")("norm.weight"), p("decoder")("norm.bias")), "nn.Transformer");
  });

  it("nn.Transformer's call in PyTorch's positional order (the translation tutorial's eight arguments, bool padding masks) equals the options form", () => {
    const S = 3;
    const body = (call: string) => `export class M extends nn.Module {
  t = new nn.Transformer({ dModel: ${E}, nhead: ${H}, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: ${FF}, batchFirst: true });
  forward(x: Tensor<[Batch, ${L}, ${E}]>, memory: Tensor<[Batch, ${S}, ${E}]>) {
    const causal = nn.Transformer.generateSquareSubsequentMask(${L});
    const srcPad = memory.select(2, 0).gt(1).logicalAnd(F.arange(${S}).gt(0));
    const tgtPad = x.select(2, 0).gt(1).logicalAnd(F.arange(${L}).gt(0));
    return ${call};
  }
}
`;
    const positional = run(body("this.t(memory, x, null, causal, null, srcPad, tgtPad, srcPad)"), S).outs[0];
    const options = run(body("this.t(memory, x, { tgtMask: causal, srcKeyPaddingMask: srcPad, tgtKeyPaddingMask: tgtPad, memoryKeyPaddingMask: srcPad })"), S).outs[0];
    const unmasked = run(body("this.t(memory, x, null, causal)"), S).outs[0];
    expectClose(positional, options, "positional masks");
    expect(positional).not.toEqual(unmasked);
  });

  it("nn.Transformer.generateSquareSubsequentMask(sz): 0 on and below the diagonal, −∞ above, in forward or as a constructor's field", () => {
    // the mask [4, 4] added to each sample's 0 (x·0 summed), flattened
    const want = Array.from({ length: 16 }, (_, i) => (i % 4 > Math.floor(i / 4) ? -Infinity : 0));
    const r = run(model("", "return x.mul(0).sum([1, 2]).view(-1, 1).add(nn.Transformer.generateSquareSubsequentMask(4).view(1, 16));"));
    expect(r.outs[0].map((v) => v + 0)).toEqual([...want, ...want]);
    // made in the constructor, a plain field: forward computes the same constant
    const field = run(model("m = nn.Transformer.generateSquareSubsequentMask(4);", "return x.mul(0).sum([1, 2]).view(-1, 1).add(this.m.view(1, 16));"));
    expect(field.outs[0].map((v) => v + 0)).toEqual([...want, ...want]);
    // PyTorch's (sz, device, dtype), by position or by name
    for (const call of ["generate_square_subsequent_mask(4, x.device, F.float32)", "generateSquareSubsequentMask(4, { device: x.device, dtype: x.dtype })"]) {
      const r2 = run(model("", `return x.mul(0).sum([1, 2]).view(-1, 1).add(nn.Transformer.${call}.view(1, 16));`));
      expect(r2.outs[0].map((v) => v + 0), call).toEqual([...want, ...want]);
    }
  });

  it("gradients (finite differences)", () => {
    const body = `export class M extends nn.Module {
  enc = new nn.TransformerEncoder(new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 3, dropout: 0, batchFirst: true }), 2);
  forward(x: Tensor<[Batch, 3, 4]>) {
    return this.enc(x, { isCausal: true, mask: F.zeros(3, 3).maskedFill(F.ones(3, 3).triu(1), -Infinity) });
  }
}
`;
    expect(gradCheck(body).checked).toBeGreaterThan(40);
  });

  it("refuses, at the argument: dModel not divisible by nhead, another activation, an encoder of a non-layer", () => {
    const first = (fields: string) => diagnosticsOf(`${header}${model(fields, "return x;")}`).map((d) => `${d.code} ${d.message}`)[0];
    expect(first(`l = new nn.TransformerEncoderLayer(${E}, 4);`)).toMatch(/^TSDP3004 nn\.TransformerEncoderLayer: embed_dim must be divisible by num_heads: dModel 6, nhead 4$/);
    expect(first(`l = new nn.TransformerEncoderLayer(${E}, 2, { activation: "tanh" });`)).toMatch(/^TSDP3004 nn\.TransformerEncoderLayer: activation must be "relu", "gelu" or a function of a tensor \(F\.silu, an arrow, a module\), got the string "tanh"$/);
    expect(first("e = new nn.TransformerEncoder(F.ones(6), 2);")).toMatch(/^TSDP3003 nn\.TransformerEncoder: encoderLayer must be a module, got a tensor$/);
  });
});
