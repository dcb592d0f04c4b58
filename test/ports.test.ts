// Public models ported from their PyTorch sources as a user would (test/fixtures/ports:
// nanoGPT's GPT, timm's VisionTransformer, milesial's U-Net, DCGAN's generator and discriminator from
// pytorch/examples, Hugging Face's BertForSequenceClassification, torchvision's MobileNetV2,
// yunjey/pytorch-tutorial's BiRNN, PyTorch's nn.Transformer language-model tutorial, a Conformer encoder as
// lucidrains/torchaudio write it, rosinality's VQ-VAE-2 EMA quantizer, Microsoft's Swin Transformer block, BlinkDL's RWKV-4, Meta's Llama with
// Hugging Face's rotary tables, dreamquark's TabNet sparsemax, locuslab's TCN, jik876's HiFi-GAN generator, facebookresearch's MAE, juho-lee's Set Transformer,
// Hugging Face's DeBERTa-v2, DeepSeek-MoE), run by the reference interpreter: they compile, their
// parameters carry PyTorch's names and order, every parameter gets a gradient, and nanoGPT's
// causal mask holds (the logits at position t do not change when a later token changes).
// The CPU target runs nanoGPT and ViT in the CPU-target suite (cpu-target.suite.ts).
import { describe, expect, it } from "vitest";
import { lowerModel } from "../compiler/1-frontend/lower.ts";
import { differentiate } from "../compiler/2-autodiff/backward.ts";
import { initState, type ModelState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import type { Graph } from "../compiler/ir/node.ts";

/**
 * A language model's logits for `tokens` and for `tokens` with position `at` changed to `token`, each
 * as a function giving positions [from, to)'s logits (`width` each): what a causal mask is checked by.
 */
function logitsWithTokenChanged(graph: Graph, state: ModelState, input: string, tokens: readonly number[], at: number, token: number, width: number) {
  const run = (idx: readonly number[]) => runReference(graph, { [input]: nd([1, idx.length], [...idx]) }, state).outputs[0].data;
  const changed = [...tokens];
  changed[at] = token;
  const [a, b] = [run(tokens), run(changed)];
  const positions = (data: ArrayLike<number> & { subarray(s: number, e: number): ArrayLike<number> }, from: number, to: number) => Array.from(data.subarray(from * width, to * width));
  return { before: (from: number, to: number) => positions(a, from, to), after: (from: number, to: number) => positions(b, from, to) };
}

describe("ported models", () => {
  it("nanoGPT: causal (position t ignores later tokens), and every parameter has a gradient", () => {
    const { graph } = lowerModel("test/fixtures/ports/nanogpt.ts");
    expect(graph.params.slice(0, 4).map((p) => p.attrs.name)).toEqual(["wte.weight", "wpe.weight", "h.0.ln1.weight", "h.0.ln1.bias"]);
    const state = initState(graph, 1);
    const { before, after } = logitsWithTokenChanged(graph, state, "idx", [3, 1, 4, 1, 5, 9, 2, 6], 5, 7, 16);
    // positions 0..4 (16 logits each) are unchanged to the last bit; position 5 changes
    expect(after(0, 5)).toEqual(before(0, 5));
    expect(after(5, 6)).not.toEqual(before(5, 6));
    const { gradients } = differentiate(graph);
    expect([...gradients.keys()].sort()).toEqual(graph.params.map((p) => p.attrs.name as string).sort());
    // lm_head's weight is wte's (tied): no parameter of its own, and the head's GEMM reads wte.weight
    expect(graph.params.some((p) => String(p.attrs.name).startsWith("lmHead"))).toBe(false);
    expect(graph.nodes.some((n) => n.op === "linear" && n.inputs[1] === graph.params[0])).toBe(true);
    // configure_optimizers' groups: the matrices (embeddings, linear weights) decay, biases and layernorms don't
    const [decay, noDecay] = graph.optimizer!.groups!;
    expect(decay).toMatchObject({ weightDecay: 0.1 });
    expect(noDecay).toMatchObject({ weightDecay: 0 });
    expect(decay.params).toContain("wte.weight");
    expect(noDecay.params).toEqual(expect.arrayContaining(["h.0.ln1.weight", "h.0.ln1.bias"]));
    expect([...decay.params, ...noDecay.params].sort()).toEqual(graph.params.map((p) => p.attrs.name as string).sort());
    for (const p of graph.params) expect(decay.params.includes(p.attrs.name as string)).toBe(p.shape.length >= 2);
    expect(graph.optimizer!.clipGradNorm).toBe(1);
  });
  it("U-Net (milesial/Pytorch-UNet, bilinear): PyTorch's parameter count, the input's size back, gradients for all", () => {
    const { graph } = lowerModel("test/fixtures/ports/unet.ts");
    expect(graph.params.slice(0, 3).map((p) => p.attrs.name)).toEqual(["inc.doubleConv.0.weight", "inc.doubleConv.1.weight", "inc.doubleConv.1.bias"]);
    // DoubleConv(in, out, mid): two bias-free 3 × 3 convs and two BatchNorms (weight, bias)
    const double = (i: number, o: number, m = o) => 9 * i * m + 2 * m + 9 * m * o + 2 * o;
    const b = 4;
    const want =
      double(1, b) + double(b, 2 * b) + double(2 * b, 4 * b) + double(4 * b, 8 * b) + double(8 * b, 8 * b) +
      double(16 * b, 4 * b, 8 * b) + double(8 * b, 2 * b, 4 * b) + double(4 * b, b, 2 * b) + double(2 * b, b, b) + (b * 2 + 2);
    expect(graph.params.reduce((n, p) => n + (p.shape as number[]).reduce((a, d) => a * d, 1), 0)).toBe(want);
    const x = nd([2, 1, 16, 16], Array.from({ length: 512 }, (_, i) => Math.cos(i / 3)));
    const out = runReference(graph, { x }, initState(graph, 0)).outputs[0];
    expect(out.shape).toEqual([2, 2, 16, 16]);
    expect(Array.from(out.data).every(Number.isFinite)).toBe(true);
    const { gradients } = differentiate(graph);
    expect(gradients.size).toBe(graph.params.length);
  });
  it("MobileNetV2 (torchvision): Conv2dNormActivation as an nn.Sequential subclass, the init loop over modules(), PyTorch's parameter count", () => {
    const { graph } = lowerModel("test/fixtures/ports/mobilenetv2.ts");
    // Conv2dNormActivation's children are 0 (conv), 1 (norm), 2 (activation), as torchvision names them
    expect(graph.params.slice(0, 6).map((p) => p.attrs.name)).toEqual([
      "features.0.0.weight", "features.0.1.weight", "features.0.1.bias",
      "features.1.conv.0.0.weight", "features.1.conv.0.1.weight", "features.1.conv.0.1.bias",
    ]);
    // width 0.25: every stage is 8 channels wide (make_divisible), the last conv 80, 10 classes
    const norm = (c: number) => 2 * c;
    const invertedResidual = (inp: number, oup: number, t: number) => {
      const hidden = inp * t;
      return (t === 1 ? 0 : inp * hidden + norm(hidden)) + 9 * hidden + norm(hidden) + hidden * oup + norm(oup);
    };
    const want = 9 * 3 * 8 + norm(8) + invertedResidual(8, 8, 1) + 4 * invertedResidual(8, 8, 6) + 8 * 80 + norm(80) + 80 * 10 + 10;
    expect(graph.params.reduce((n, p) => n + (p.shape as number[]).reduce((a, d) => a * d, 1), 0)).toBe(want);
    // the loop's initializers: kaiming_normal_(fan_out) on every convolution, ones and zeros on the norms, N(0, 0.01) and zeros on the classifier
    for (const p of graph.params) {
      const name = p.attrs.name as string;
      const shape = p.shape as number[];
      const init = p.attrs.init;
      if (shape.length === 4) {
        // gain √2 over √fan_out, fan_out = out channels · kh · kw (groups do not enter it)
        expect(init.kind, name).toBe("normal");
        expect(init.std / Math.sqrt(2 / (shape[0] * shape[2] * shape[3])), name).toBeCloseTo(1, 12);
      }
      else if (name === "classifier.1.weight") expect(init).toEqual({ kind: "normal", std: 0.01 });
      else expect(init, name).toEqual({ kind: "constant", value: name.endsWith(".weight") ? 1 : 0 });
    }
    // the residuals where the stride is 1 and the widths match: the first block and each stage's second
    expect(graph.nodes.filter((n) => n.op === "add").length).toBe(3);
    const x = nd([2, 3, 16, 16], Array.from({ length: 1536 }, (_, i) => Math.sin(i / 5)));
    const out = runReference(graph, { x }, initState(graph, 0)).outputs[0];
    expect(out.shape).toEqual([2, 10]);
    expect(Array.from(out.data).every(Number.isFinite)).toBe(true);
    const { gradients } = differentiate(graph);
    expect(gradients.size).toBe(graph.params.length);
  });
  it("BiRNN (pytorch-tutorial): PyTorch's LSTM names and parameter count, h0/c0 = zeros(layers·2, x.size(0), H), logits from the last step, gradients for all", () => {
    const { graph } = lowerModel("test/fixtures/ports/birnn.ts", { model: "Model" });
    const names = graph.params.map((p) => p.attrs.name as string);
    expect(names.slice(0, 5)).toEqual(["lstm.weight_ih_l0", "lstm.weight_hh_l0", "lstm.bias_ih_l0", "lstm.bias_hh_l0", "lstm.weight_ih_l0_reverse"]);
    expect(names.slice(-2)).toEqual(["fc.weight", "fc.bias"]);
    // 4H·(input + H + 2 biases) per layer and direction; layer 1 reads both directions (2H)
    const H = 16;
    const lstm = 2 * 4 * H * (28 + H + 2) + 2 * 4 * H * (2 * H + H + 2);
    expect(graph.params.reduce((n, p) => n + (p.shape as number[]).reduce((a, d) => a * d, 1), 0)).toBe(lstm + 2 * H * 10 + 10);
    const x = nd([3, 28, 28], Array.from({ length: 3 * 28 * 28 }, (_, i) => Math.sin(i / 7)));
    const state = initState(graph, 0);
    const out = runReference(graph, { x }, state).outputs[0];
    expect(out.shape).toEqual([3, 10]);
    expect(Array.from(out.data).every(Number.isFinite)).toBe(true);
    // the last step's output: changing the first row of pixels changes it (the forward direction
    // carries it through 28 steps; the backward direction reads it last)
    const changed = nd([3, 28, 28], Array.from(x.data, (v, i) => (i % (28 * 28) < 28 ? v + 1 : v)));
    expect(Array.from(runReference(graph, { x: changed }, state).outputs[0].data)).not.toEqual(Array.from(out.data));
    expect(differentiate(graph).gradients.size).toBe(graph.params.length);
  });
  it("Transformer language model (PyTorch's nn.Transformer tutorial): causal through the encoder's mask, its init_weights, gradients for all", () => {
    const { graph } = lowerModel("test/fixtures/ports/transformer-lm.ts", { model: "Model" });
    const names = graph.params.map((p) => p.attrs.name as string);
    expect(names.slice(0, 2)).toEqual(["transformerEncoder.layers.0.self_attn.in_proj_weight", "transformerEncoder.layers.0.self_attn.in_proj_bias"]);
    expect(names.slice(-3)).toEqual(["embedding.weight", "linear.weight", "linear.bias"]);
    // the tutorial's buffer: [max_len, 1, d_model], row p = sin/cos of p·10000^(−2i/d) interleaved
    const pe = graph.buffers.find((b) => b.attrs.name === "posEncoder.pe")!;
    expect(pe.shape).toEqual([5000, 1, 16]);
    const row = Array.from(pe.attrs.init.values.subarray(4999 * 16, 5000 * 16) as Float32Array);
    const angles = Array.from({ length: 8 }, (_, i) => 4999 * Math.exp(2 * i * (-Math.log(10000) / 16)));
    expect(row).toEqual(angles.flatMap((a) => [Math.fround(Math.sin(a)), Math.fround(Math.cos(a))]));
    const init = (name: string) => graph.params.find((p) => p.attrs.name === name)!.attrs.init;
    expect([init("embedding.weight"), init("linear.weight"), init("linear.bias")]).toEqual([
      { kind: "uniform", bound: 0.1 },
      { kind: "uniform", bound: 0.1 },
      { kind: "constant", value: 0 },
    ]);
    const state = initState(graph, 4);
    const { before, after } = logitsWithTokenChanged(graph, state, "src", [3, 1, 4, 1, 5, 9, 2, 6], 5, 7, 32);
    // positions 0..4 (32 logits each) are unchanged to the last bit; position 5 changes
    expect(after(0, 5)).toEqual(before(0, 5));
    expect(after(5, 6)).not.toEqual(before(5, 6));
    expect(differentiate(graph).gradients.size).toBe(graph.params.length);
  });
  it("ViT: class token and position embedding first (the root's own parameters), finite logits, gradients for all", () => {
    const { graph } = lowerModel("test/fixtures/ports/vit.ts");
    expect(graph.params.slice(0, 3).map((p) => p.attrs.name)).toEqual(["clsToken", "posEmbed", "patchEmbed.weight"]);
    const x = nd([2, 3, 8, 8], Array.from({ length: 384 }, (_, i) => Math.sin(i)));
    const out = runReference(graph, { x }, initState(graph, 0)).outputs[0];
    expect(out.shape).toEqual([2, 10]);
    expect(Array.from(out.data).every(Number.isFinite)).toBe(true);
    const { gradients } = differentiate(graph);
    expect(gradients.size).toBe(graph.params.length);
  });
  it("DCGAN generator: PyTorch's names (BatchNorm buffers included), 64×64 images in [−1, 1] from [B, nz, 1, 1]", () => {
    const { graph } = lowerModel("test/fixtures/ports/dcgan-generator.ts");
    expect(graph.params.slice(0, 4).map((p) => p.attrs.name)).toEqual(["main.0.weight", "main.1.weight", "main.1.bias", "main.3.weight"]);
    expect(graph.params.map((p) => p.shape)[0]).toEqual([16, 64, 4, 4]); // ConvTranspose2d's [in, out, kh, kw]
    expect(graph.buffers.map((b) => b.attrs.name)).toContain("main.1.running_mean");
    const z = nd([2, 16, 1, 1], Array.from({ length: 32 }, (_, i) => Math.cos(i)));
    const out = runReference(graph, { input: z }, initState(graph, 0), { training: true }).outputs[0];
    expect(out.shape).toEqual([2, 3, 64, 64]);
    expect(Math.max(...Array.from(out.data, Math.abs))).toBeLessThanOrEqual(1);
    // train-mode BatchNorm makes the two images differ from their mean: not a constant output
    expect(new Set(Array.from(out.data.subarray(0, 100), (v) => v.toFixed(6))).size).toBeGreaterThan(50);
  });
  it("DCGAN discriminator: probabilities in (0, 1), nn.BCELoss equals the formula, gradients for all", () => {
    const { graph } = lowerModel("test/fixtures/ports/dcgan-discriminator.ts");
    expect(graph.params.slice(0, 4).map((p) => p.attrs.name)).toEqual(["main.0.weight", "main.2.weight", "main.3.weight", "main.3.bias"]);
    const x = nd([2, 3, 64, 64], Array.from({ length: 2 * 3 * 64 * 64 }, (_, i) => Math.sin(i * 0.01)));
    const target = nd([2], [1, 0]);
    const run = runReference(graph, { input: x, target }, initState(graph, 0), { training: true });
    const p = Array.from(run.outputs[0].data);
    expect(p).toHaveLength(2);
    expect(p.every((v) => v > 0 && v < 1)).toBe(true);
    const bce = -(Math.log(p[0]) + Math.log(1 - p[1])) / 2;
    expect(Math.abs(run.loss! - bce)).toBeLessThan(1e-9 * Math.max(1, bce));
    expect(differentiate(graph).gradients.size).toBe(graph.params.length);
  });
  it("BERT: padded positions (mask 0) do not change the logits, attended ones do; every parameter has a gradient", () => {
    const { graph } = lowerModel("test/fixtures/ports/bert.ts");
    expect(graph.params.slice(0, 3).map((p) => p.attrs.name)).toEqual([
      "bert.embeddings.wordEmbeddings.weight",
      "bert.embeddings.positionEmbeddings.weight",
      "bert.embeddings.tokenTypeEmbeddings.weight",
    ]);
    expect(graph.params.map((p) => p.attrs.name)).toContain("bert.encoder.layer.1.attention.self.query.weight");
    const state = initState(graph, 2);
    const ids = [2, 7, 9, 4, 11, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    const mask = ids.map((t) => (t === 0 ? 0 : 1));
    const logits = (tokens: number[]) =>
      Array.from(
        runReference(graph, { inputIds: nd([1, 16], tokens), tokenTypeIds: nd([1, 16], new Array(16).fill(0)), attentionMask: nd([1, 16], mask) }, state).outputs[0].data,
      );
    const a = logits(ids);
    expect(a).toHaveLength(3);
    const padded = [...ids];
    padded[10] = 17; // behind the mask
    expect(logits(padded)).toEqual(a);
    const attended = [...ids];
    attended[3] = 17;
    expect(logits(attended)).not.toEqual(a);
    expect(differentiate(graph).gradients.size).toBe(graph.params.length);
  });

  it("Conformer: PyTorch's parameter count, per-frame log-probabilities, every row of the clipped relative-position table used, gradients for all", () => {
    const { graph } = lowerModel("test/fixtures/ports/conformer.ts");
    const names = graph.params.map((p) => p.attrs.name as string);
    expect(names.slice(0, 4)).toEqual(["inputProj.weight", "inputProj.bias", "layers.0.ff1.net.0.weight", "layers.0.ff1.net.0.bias"]);
    expect(names).toContain("layers.1.attn.relPosEmb.weight");
    expect(graph.buffers.map((b) => b.attrs.name)).toContain("layers.0.conv.batchNorm.running_var");
    // dim 16, 2 heads, FFN ×2, depthwise kernel 5, distances ±3 (7 rows), 6 features in, 5 classes out
    const [d, h, ff, k, rows] = [16, 2, 2, 5, 7];
    const norm = 2 * d;
    const ffn = norm + (d * ff * d + ff * d) + (ff * d * d + d);
    const attn = norm + d * 3 * d + (d * d + d) + rows * h;
    const conv = norm + (d * 2 * d + 2 * d) + (k * d + d) + norm + (d * d + d);
    const block = 2 * ffn + attn + conv + norm;
    expect(graph.params.reduce((n, p) => n + (p.shape as number[]).reduce((a, b) => a * b, 1), 0)).toBe(6 * d + d + 2 * block + d * 5 + 5);
    const x = nd([2, 10, 6], Array.from({ length: 120 }, (_, i) => Math.sin(i / 4)));
    const logp = runReference(graph, { x }, initState(graph, 0), { training: false }).outputs[0];
    expect(logp.shape).toEqual([2, 10, 5]);
    for (let f = 0; f < 20; f++) expect(Array.from(logp.data.subarray(5 * f, 5 * f + 5), Math.exp).reduce((a, b) => a + b)).toBeCloseTo(1, 12);
    // ten frames hold every distance j − i from −9 to 9; clipped to ±3 they read all 7 rows of each
    // layer's table, and so each row gets a gradient
    const { graph: step, gradients } = differentiate(graph);
    expect(gradients.size).toBe(graph.params.length);
    const y = nd([2, 10], Array.from({ length: 20 }, (_, i) => i % 5));
    const values = runReference(step, { x, target: y }, initState(graph, 0), { training: true }).values;
    const table = values.get(gradients.get("layers.0.attn.relPosEmb.weight")!)!;
    for (let r = 0; r < rows; r++) expect(Math.abs(table.data[r * h]) + Math.abs(table.data[r * h + 1]), `row ${r}`).toBeGreaterThan(0);
  });
  it("VQ-VAE-2's EMA quantizer: the codebook in buffers, moved by a train-mode forward as its no_grad updates move it (counts, Laplace smoothing), untouched in eval; the encoder trained through the straight-through estimator", () => {
    const { graph } = lowerModel("test/fixtures/ports/vq-vae-ema.ts");
    expect(graph.params.map((p) => p.attrs.name)).toEqual(["enc.weight", "enc.bias", "dec.weight", "dec.bias"]);
    expect(graph.buffers.map((b) => b.attrs.name)).toEqual(["quantize.embed", "quantize.clusterSize", "quantize.embedAvg"]);
    const state = initState(graph, 3);
    const buffer = (name: string) => Array.from(state.buffers.get(name)!.data as ArrayLike<number>);
    const embed0 = buffer("quantize.embed");
    expect(buffer("quantize.embedAvg")).toEqual(embed0); // embed.clone(): the same draw
    const x = nd([2, 3, 8, 8], Array.from({ length: 384 }, (_, i) => Math.cos(i / 5)));
    runReference(graph, { x }, state, { training: false });
    expect(buffer("quantize.embed")).toEqual(embed0);
    runReference(graph, { x }, state, { training: true });
    // cluster_size = 0.99·0 + 0.01·(vectors per code): 2 samples × 4 × 4 positions, 8 codes
    const size = buffer("quantize.clusterSize");
    expect(size.reduce((a, b) => a + b)).toBeCloseTo(0.01 * 32, 12);
    for (const c of size) expect(Math.abs(c * 100 - Math.round(c * 100))).toBeLessThan(1e-9);
    // embed = embed_avg / ((cluster_size + ε) / (n + K·ε) · n), column by column ([dim 4, codes 8])
    const [avg, embed, n, eps] = [buffer("quantize.embedAvg"), buffer("quantize.embed"), 0.32, 1e-5];
    for (let i = 0; i < 32; i++) expect(embed[i]).toBeCloseTo(avg[i] / (((size[i % 8] + eps) / (n + 8 * eps)) * n), 9);
    expect(embed).not.toEqual(embed0);
    // the straight-through estimator carries the decoder's gradient to the encoder
    expect(differentiate(graph).gradients.size).toBe(4);
  });

  it("Swin (port61): the shifted block's img_mask gives PyTorch's -100 pattern per window, every row of the relative position bias table is read (its registered index), gradients for all", () => {
    const { graph } = lowerModel("test/fixtures/ports/swin.ts");
    const names = graph.params.map((p) => p.attrs.name as string);
    expect(names).toContain("layers.0.attn.relativePositionBiasTable");
    expect(graph.buffers.map((b) => b.attrs.name)).toEqual(["layers.1.attnMask"]); // the unshifted block's attn_mask is None
    const state = initState(graph, 0);
    // 8 × 8 tokens, window 4, shift 2: the top-left window is one region (no pair masked), the
    // top-right and bottom-left two halves of 8 tokens (256 − 2·64 pairs), the last four regions of 4 (256 − 4·16)
    const mask = state.buffers.get("layers.1.attnMask")!;
    expect(mask.shape).toEqual([4, 16, 16]);
    const masked = [0, 1, 2, 3].map((w) => Array.from(mask.data.subarray(256 * w, 256 * (w + 1))).filter((v) => v === -100).length);
    expect(masked).toEqual([0, 128, 128, 192]);
    expect(Array.from(mask.data).every((v) => v === 0 || v === -100)).toBe(true);
    const x = nd([2, 3, 16, 16], Array.from({ length: 1536 }, (_, i) => Math.sin(i / 7)));
    const logits = runReference(graph, { x }, state, { training: false }).outputs[0];
    expect(logits.shape).toEqual([2, 10]);
    expect(Array.from(logits.data).every(Number.isFinite)).toBe(true);
    // a 4 × 4 window holds every offset from −3 to 3 in both dims: all (2·4 − 1)² = 49 rows of each table read
    const { graph: step, gradients } = differentiate(graph);
    expect(gradients.size).toBe(graph.params.length);
    const values = runReference(step, { x, target: nd([2], [3, 7]) }, initState(graph, 0), { training: true }).values;
    for (const layer of [0, 1]) {
      const table = values.get(gradients.get(`layers.${layer}.attn.relativePositionBiasTable`)!)!;
      for (let r = 0; r < 49; r++) expect(Math.abs(table.data[2 * r]) + Math.abs(table.data[2 * r + 1]), `layer ${layer} row ${r}`).toBeGreaterThan(0);
    }
  });
  it("RWKV-4 (port61): the fancy inits written element by element, causal through the token shift and the WKV loop, gradients for all", () => {
    const { graph } = lowerModel("test/fixtures/ports/rwkv.ts");
    const state = initState(graph, 0);
    const param = (name: string) => Array.from(state.params.get(name)!.data);
    const n = 16;
    // layer 0: decay_speed[h] = −5 + 8·(h/15)^0.7, time_first = ln 0.3 + 0.5·((i + 1) % 3 − 1), time_mix_k = (i/16)^1, time_mix_r = (i/16)^0.5
    param("blocks.0.att.timeDecay").forEach((v, h) => expect(v).toBeCloseTo(-5 + 8 * (h / 15) ** 0.7, 5));
    param("blocks.0.att.timeFirst").forEach((v, i) => expect(v).toBeCloseTo(Math.log(0.3) + 0.5 * (((i + 1) % 3) - 1), 6));
    param("blocks.0.att.timeMixK").forEach((v, i) => expect(v).toBeCloseTo(i / n, 6));
    param("blocks.0.att.timeMixR").forEach((v, i) => expect(v).toBeCloseTo(Math.sqrt(i / n), 6));
    // layer 1: the exponents 2 and 0.5, time_mix_v shifted by 0.3
    param("blocks.1.att.timeDecay").forEach((v, h) => expect(v).toBeCloseTo(-5 + 8 * (h / 15) ** 2, 5));
    param("blocks.1.att.timeMixV").forEach((v, i) => expect(v).toBeCloseTo((i / n) ** 0.5 + 0.3, 6));
    // ln0 only in block 0, as `if self.layer_id == 0`
    expect(graph.params.some((p) => p.attrs.name === "blocks.0.ln0.weight")).toBe(true);
    expect(graph.params.some((p) => p.attrs.name === "blocks.1.ln0.weight")).toBe(false);
    const { before, after } = logitsWithTokenChanged(graph, state, "idx", [3, 1, 4, 1, 5, 9, 2, 6, 5, 3], 6, 20, 24);
    // positions 0..5 (24 logits each) are unchanged to the last bit; position 6 changes, and so does 7 (the token shift reads 6)
    expect(after(0, 6)).toEqual(before(0, 6));
    expect(after(6, 7)).not.toEqual(before(6, 7));
    expect(after(7, 8)).not.toEqual(before(7, 8));
    expect(differentiate(graph).gradients.size).toBe(graph.params.length);
  });
  it("Llama (port62): grouped-query attention's narrower k/v projections, the rotary tables as non-persistent buffers, causal through both attention forms (triu mask, SDPA is_causal), gradients for all", () => {
    const { graph } = lowerModel("test/fixtures/ports/llama.ts");
    const shapes = Object.fromEntries(graph.params.map((p) => [p.attrs.name as string, p.shape]));
    expect(graph.params.slice(0, 3).map((p) => p.attrs.name)).toEqual(["tokEmbeddings.weight", "layers.0.attention.wq.weight", "layers.0.attention.wk.weight"]);
    // 4 query heads over 2 key/value heads of 8: wk and wv are 16 wide, repeat_kv's expand + reshape fills the 4
    expect([shapes["layers.0.attention.wq.weight"], shapes["layers.0.attention.wk.weight"], shapes["layers.1.attention.wv.weight"]]).toEqual([[32, 32], [16, 32], [16, 32]]);
    // HF's cos_cached / sin_cached are registered with persistent=False: constants, not state
    expect(graph.buffers).toEqual([]);
    const state = initState(graph, 0);
    const { before, after } = logitsWithTokenChanged(graph, state, "tokens", [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8], 5, 7, 50);
    // positions 0..4 (50 logits each) are unchanged to the last bit; position 5 changes
    expect(after(0, 5)).toEqual(before(0, 5));
    expect(after(5, 6)).not.toEqual(before(5, 6));
    expect(differentiate(graph).gradients.size).toBe(graph.params.length);
  });
  it("locuslab TCN (port65): init_weights' write into the weight-normed convs changes nothing, as PyTorch's; each block's convs named once; causal through the chomped dilated convs, gradients for all", () => {
    const { graph } = lowerModel("test/fixtures/ports/tcn.ts");
    const names = graph.params.map((p) => p.attrs.name as string);
    // weight_norm re-registers the weight as weight_g, weight_v after the bias; the convs also held by `net` are listed once, under their first path
    expect(names.slice(0, 7)).toEqual(["encoder.weight", "tcn.network.0.conv1.bias", "tcn.network.0.conv1.weight_g", "tcn.network.0.conv1.weight_v", "tcn.network.0.conv2.bias", "tcn.network.0.conv2.weight_g", "tcn.network.0.conv2.weight_v"]);
    expect(names.some((n) => n.includes(".net."))).toBe(false);
    const init = (name: string) => graph.params.find((p) => p.attrs.name === name)!.attrs.init;
    // v keeps nn.Conv1d's own draw, g its rows' norms; the plain 1×1 downsample and the embedding take normal_(0, 0.01)
    expect(init("tcn.network.0.conv1.weight_v")).toMatchObject({ kind: "uniform" });
    expect(init("tcn.network.0.conv1.weight_g")).toMatchObject({ kind: "sliceNorm" });
    expect(init("tcn.network.0.downsample.weight")).toEqual({ kind: "normal", std: 0.01 });
    expect(init("encoder.weight")).toEqual({ kind: "normal", std: 0.01 });
    const { before, after } = logitsWithTokenChanged(graph, initState(graph, 0), "x", [3, 1, 4, 1, 5, 9, 2, 6, 5, 3], 6, 17, 20);
    // positions 0..5 are unchanged to the last bit; position 6 changes
    expect(after(0, 6)).toEqual(before(0, 6));
    expect(after(6, 7)).not.toEqual(before(6, 7));
    expect(differentiate(graph).gradients.size).toBe(graph.params.length);
  });
  it("TabNet's sparsemax (port62): support.sum(dim) − 1 as a gather index (a bool sum is an integer count), each step's Σ M·log M within [−ln 10, 0], gradients for all through sort, cumsum and gather", () => {
    const { graph } = lowerModel("test/fixtures/ports/tabnet.ts");
    const x = nd([3, 10], Array.from({ length: 30 }, (_, i) => Math.sin(i * 1.3) * 2));
    const [logits, mLoss] = runReference(graph, { x }, initState(graph, 0), { training: false }).outputs;
    expect(logits.shape).toEqual([3, 3]);
    expect(Array.from(logits.data).every(Number.isFinite)).toBe(true);
    // the mean over two steps of Σ_j M_j·log(M_j + 1e-15), M on the simplex of 10 features: in [−ln 10, 0]
    for (const v of mLoss.data) expect(v >= -Math.log(10) - 1e-9 && v <= 1e-12, String(v)).toBe(true);
    expect(differentiate(graph).gradients.size).toBe(graph.params.length);
  });
  it("HiFi-GAN's generator (port64): weight_norm's names and order, its init_weights after weight_norm leaves the convs' defaults (PyTorch's recomputed weight), 8× upsampled audio in [−1, 1], gradients for all", () => {
    const { graph } = lowerModel("test/fixtures/ports/hifigan.ts");
    // PyTorch's weight_norm deletes weight and registers weight_g, weight_v after the layer's bias
    expect(graph.params.slice(0, 6).map((p) => `${p.attrs.name}${JSON.stringify(p.shape)}`)).toEqual([
      "convPre.bias[16]", "convPre.weight_g[16,1,1]", "convPre.weight_v[16,8,7]", "ups.0.bias[8]", "ups.0.weight_g[16,1,1]", "ups.0.weight_v[16,8,8]",
    ]);
    // normal_(0, 0.01) went into a weight PyTorch recomputes from g and v: v keeps nn.Conv1d's kaiming-uniform default
    const v = graph.params.filter((p) => String(p.attrs.name).endsWith("weight_v"));
    expect(v.length).toBe(28); // conv_pre, 2 ups, 4 resblocks of 6 convs, conv_post
    expect(v.every((p) => (p.attrs.init as { kind: string }).kind === "uniform")).toBe(true);
    const x = nd([2, 8, 6], Array.from({ length: 96 }, (_, i) => Math.sin(i * 0.3)));
    const out = runReference(graph, { x }, initState(graph, 0)).outputs[0];
    expect(out.shape).toEqual([2, 1, 48]);
    expect(Math.max(...Array.from(out.data, Math.abs))).toBeLessThanOrEqual(1);
    expect(differentiate(graph).gradients.size).toBe(graph.params.length);
  });
  it("MAE (port66): random masking by argsort of rand noise keeps len_keep patches per sample (the mask's in-place slice write lands), gather unshuffles the mask tokens, finite per-patch loss, gradients for all trainable", () => {
    const { graph } = lowerModel("test/fixtures/ports/mae.ts");
    const imgs = nd([3, 3, 8, 8], Array.from({ length: 3 * 192 }, (_, i) => Math.sin(i * 0.7)));
    const [loss, pred, mask] = runReference(graph, { imgs }, initState(graph, 0), { training: false }).outputs;
    expect(pred.shape).toEqual([3, 16, 12]);
    // mask_ratio 0.75 of 16 patches: 4 kept (0) and 12 masked (1) in every row, in shuffled places
    for (let r = 0; r < 3; r++) expect(Array.from(mask.data.slice(r * 16, r * 16 + 16)).filter((v) => v === 0).length).toBe(4);
    expect(Array.from(loss.data).every(Number.isFinite)).toBe(true);
    expect(differentiate(graph).gradients.size).toBe(graph.params.length);
  });
  it("Set Transformer (port70): heads folded into the batch (torch.cat(Q.split(d, 2), 0)) never mix samples — each sample's output is its own batch-1 output — and the output is invariant to the order of the set's elements; gradients for all", () => {
    const { graph } = lowerModel("test/fixtures/ports/set-transformer.ts");
    const state = initState(graph, 0);
    const sets = [0, 1, 2].map((b) => Array.from({ length: 21 }, (_, i) => Math.sin(i * 0.9 + b * 2.1)));
    const run = (rows: number[][]) => Array.from(runReference(graph, { X: nd([rows.length, 7, 3], rows.flat()) }, state).outputs[0].data);
    const together = run(sets);
    const alone = sets.flatMap((set) => run([set]));
    together.forEach((v, i) => expect(v).toBeCloseTo(alone[i], 12));
    // elements reversed: the same outputs (float64 reference, sums in another order)
    const reversed = sets.map((set) => Array.from({ length: 7 }, (_, e) => set.slice((6 - e) * 3, (7 - e) * 3)).flat());
    run(reversed).forEach((v, i) => expect(v).toBeCloseTo(together[i], 12));
    expect(differentiate(graph).gradients.size).toBe(graph.params.length);
  });
  it("DeepSeek-MoE (port71): the tokens repeated top_k times along [8·Batch, H] (repeat_interleave) never mix samples — each sample's logits are its batch-1 logits — causal through the experts, a per-sample auxiliary loss in training, gradients for all", () => {
    const { graph } = lowerModel("test/fixtures/ports/deepseek-moe.ts");
    const state = initState(graph, 0);
    const a = [1, 5, 7, 3, 9, 2, 4, 0];
    const b = [1, 8, 8, 6, 2, 11, 13, 17];
    const run = (rows: number[][], training = false) => runReference(graph, { inputIds: nd([rows.length, 8], rows.flat()) }, state, { training }).outputs.map((o) => Array.from(o.data));
    const [both] = run([a, b]);
    [...run([a])[0], ...run([b])[0]].forEach((v, i) => expect(both[i]).toBeCloseTo(v, 12));
    // position 7 changed: positions 0..6 unchanged (the router and experts act per token)
    const { before, after } = logitsWithTokenChanged(graph, state, "inputIds", a, 7, 30, 50);
    after(0, 7).forEach((v, i) => expect(v).toBeCloseTo(before(0, 7)[i], 12));
    expect(after(7, 8)).not.toEqual(before(7, 8));
    // the sequence-level balance loss, alpha · Σ_e ce_e · mean_t p_e with Σ_e ce_e = E: positive per sample in training, 0 in eval
    const [, aux] = run([a, b], true);
    expect(aux.every((v) => v > 0 && v < 0.01)).toBe(true);
    expect(run([a, b])[1]).toEqual([0, 0]);
    expect(differentiate(graph).gradients.size).toBe(graph.params.length);
  });
  it("DeBERTa-v2 (port68): log-bucketed relative positions, the position projections repeated per sample (.repeat(B·H // H, 1, 1)) and gathered (c2p, p2c); each sample's logits are its own, gradients for all", () => {
    const { graph } = lowerModel("test/fixtures/ports/deberta.ts");
    expect(graph.params.slice(0, 3).map((p) => p.attrs.name)).toEqual(["wordEmbeddings.weight", "embNorm.weight", "embNorm.bias"]);
    const state = initState(graph, 0);
    const a = [1, 5, 7, 3, 9, 2, 4, 0, 0];
    const b = [1, 8, 8, 6, 2, 11, 13, 17, 0];
    const logits = (rows: number[][]) => Array.from(runReference(graph, { inputIds: nd([rows.length, 9], rows.flat()) }, state).outputs[0].data);
    // the repeat tiles the [H, 2k, d] projections once per sample: a batch of two is each sample alone, to float64's rounding
    const both = logits([a, b]);
    [...logits([a]), ...logits([b])].forEach((v, i) => expect(both[i]).toBeCloseTo(v, 12));
    expect(differentiate(graph).gradients.size).toBe(graph.params.length);
  });
});
