// Random, valid models as model-language source text (issue 16): the frontend is fuzzed along with
// everything after it. A model file packs several random sub-networks ("cases") into one build,
// because a g++ build costs seconds and a case's check costs milliseconds: each case has its own
// forward input and ends in a [Batch, OUT] tensor, and the model returns their weighted sum (the
// weights are distinct, so no case hides another), under one loss. A mismatch is then narrowed to
// a case by rebuilding without the others (reduce.ts).
//
// The distribution (README, "Testing"): each case starts as an image [Batch, C, H, W] (2/3) or a
// vector [Batch, F] (1/3) with odd sizes (1, primes, sizes that are no multiple of a tile); then
// 2–7 layers drawn from the ops that apply to the current shape — convolutions with random
// stride/padding/dilation/groups (and the pool, activation and bias patterns the fusion rules
// look for), transposed convolutions, pools, BatchNorm, LayerNorm, dropout, activations,
// pointwise arithmetic with constants, residual adds (fan-out and fan-in), reductions whose
// result is broadcast back, views (flatten, reshape, transpose, unsqueeze), softmax and
// logSoftmax, matmuls, and the model language's newer ops (language-ops.ts: joins and slices,
// masks, factories, nn.Parameter, attention, indexing); then a flatten and a Linear to OUT.

import { dims, field, fresh, numel, ODD, Rng, type CaseBuilder, type Shape, type Step } from "./builder.ts";
import { attention, factories, imageJoin, indexing, masks, parameter, products, vectorJoin } from "./language-ops.ts";

export { Rng, type Step } from "./builder.ts";

/** The width every case ends in, so that their outputs add up. */
export const OUT = 6;

export interface FuzzCase {
  readonly className: string;
  readonly inputShape: Shape;
  readonly steps: readonly Step[];
  readonly source: string;
  readonly tags: readonly string[];
}

/** What the reducer keeps of a case: its first `prefix` steps, with the steps in `identity` made identities. */
export interface CaseCut {
  readonly prefix: number;
  readonly identity: ReadonlySet<number>;
}

export interface FuzzModel {
  readonly seed: number;
  readonly source: string;
  readonly cases: readonly FuzzCase[];
  /** The loss and the optimizer, as written. */
  readonly loss: { readonly decl: string; readonly tag: string };
  readonly optimizer: string;
}

const ACTIVATIONS: readonly { call: (x: string) => string; tag: string; module?: string }[] = [
  { call: (x) => `F.relu(${x})`, tag: "relu", module: "new nn.ReLU()" },
  { call: (x) => `F.gelu(${x})`, tag: "gelu", module: "new nn.GELU()" },
  { call: (x) => `F.gelu(${x}, { approximate: "tanh" })`, tag: "gelu-tanh" },
  { call: (x) => `F.tanh(${x})`, tag: "tanh", module: "new nn.Tanh()" },
  { call: (x) => `F.sigmoid(${x})`, tag: "sigmoid", module: "new nn.Sigmoid()" },
  { call: (x) => `F.silu(${x})`, tag: "silu", module: "new nn.SiLU()" },
  { call: (x) => `F.leakyRelu(${x}, 0.1)`, tag: "leaky-relu", module: "new nn.LeakyReLU(0.1)" },
  { call: (x) => `F.hardswish(${x})`, tag: "hardswish" },
  { call: (x) => `F.softplus(${x})`, tag: "softplus" },
  { call: (x) => `F.mish(${x})`, tag: "mish" },
  { call: (x) => `${x}.relu()`, tag: "relu-method" },
  // compositions with kinks and selects (compiler/1-frontend/pointwise-composites.ts)
  { call: (x) => `F.relu6(${x}.mul(4))`, tag: "relu6", module: "new nn.ReLU6()" },
  { call: (x) => `F.hardtanh(${x}, -0.5, 0.75)`, tag: "hardtanh", module: "new nn.Hardtanh(-0.5, 0.75)" },
  { call: (x) => `F.hardsigmoid(${x}.mul(3))`, tag: "hardsigmoid", module: "new nn.Hardsigmoid()" },
  { call: (x) => `${x}.clamp(-0.5, 1)`, tag: "clamp" },
  { call: (x) => `F.elu(${x}, 0.5)`, tag: "elu", module: "new nn.ELU(0.5)" },
  { call: (x) => `F.selu(${x})`, tag: "selu", module: "new nn.SELU()" },
  { call: (x) => `F.celu(${x}, 2)`, tag: "celu", module: "new nn.CELU(2)" },
  { call: (x) => `F.softsign(${x})`, tag: "softsign", module: "new nn.Softsign()" },
  { call: (x) => `F.logsigmoid(${x})`, tag: "logsigmoid", module: "new nn.LogSigmoid()" },
  { call: (x) => `F.maximum(${x}, ${x}.mul(-0.5))`, tag: "maximum" },
];

function activation(r: Rng, b: CaseBuilder): void {
  const a = r.pick(ACTIVATIONS);
  b.tags.push(a.tag);
  if (a.module && r.chance(0.3)) fresh(b, b.cur.shape, `${field(b, a.module)}(${b.cur.name})`);
  else fresh(b, b.cur.shape, a.call(b.cur.name));
}

/** Arithmetic with constants and with itself: bounded, so that no value overflows fp32. */
function pointwise(r: Rng, b: CaseBuilder): void {
  const x = b.cur.name;
  const forms = [
    { e: `${x}.mul(${r.pick([0.5, 1.5, -0.75, 2])})`, t: "mul-const" },
    { e: `${x}.add(${r.pick([0.25, -1, 3])})`, t: "add-const" },
    { e: `${x}.sub(${x}.mul(0.5))`, t: "sub-self" },
    { e: `${x}.div(${r.pick([2, 3, -4])})`, t: "div-const" },
    { e: `F.tanh(${x}).pow(2)`, t: "pow" },
    { e: `F.tanh(${x}).exp()`, t: "exp" },
    { e: `${x}.abs().add(1).sqrt()`, t: "sqrt" },
    { e: `${x}.abs().add(1).log()`, t: "log" },
    { e: `${x}.neg()`, t: "neg" },
    { e: `${x}.mul(F.sigmoid(${x}))`, t: "mul-self" },
    { e: `${x}.rsub(1)`, t: "rsub" },
    // torch's pointwise math and other spellings (ops/elementwise-math.ts, 1-frontend/tensor-spellings.ts),
    // each on its domain; no rounding op: a value a float32 kernel and the float64 reference round
    // to different integers would be a finding that is not one
    { e: `${x}.mul(${x}).add(1).rsqrt()`, t: "rsqrt" },
    { e: `F.erf(${x})`, t: "erf" },
    { e: `${x}.atan()`, t: "atan" },
    { e: `F.tanh(${x}).mul(0.9).asin()`, t: "asin" },
    { e: `F.tanh(${x}).sinh()`, t: "sinh" },
    { e: `${x}.abs().add(1).reciprocal()`, t: "reciprocal" },
    { e: `${x}.div(${x}.norm(2, -1, true).add(1))`, t: "norm" },
    { e: `${x}.clampMin(-0.5)`, t: "clampMin" },
    { e: `${x}.roll(1, -1)`, t: "roll" },
    // two-operand math (no fmod/remainder: their jumps are a rounding difference's finding, as rounding's)
    { e: `${x}.atan2(${x}.mul(0.5).add(1))`, t: "atan2" },
    { e: `F.hypot(${x}, ${x}.mul(0.5).add(1))`, t: "hypot" },
    { e: `${x}.logaddexp(${x}.mul(-0.5))`, t: "logaddexp" },
    { e: `${x}.lerp(F.tanh(${x}), 0.3)`, t: "lerp" },
    { e: `${x}.addcmul(${x}, F.sigmoid(${x}), { value: 0.5 })`, t: "addcmul" },
    { e: `${x}.mul(${x}.isfinite())`, t: "isfinite" },
    { e: `${x}.sub(F.stdMean(${x}, -1, { keepdim: true })[1])`, t: "stdMean" },
    { e: r.chance(0.5) ? `F.erfc(${x})` : `${x}.erfc()`, t: "erfc" },
    // copysign: |x| with another value's sign — a constant's, or sin(3x)'s, which jumps only where
    // sin(3x) crosses 0 (as the masks' thresholds do); its gradient is result/x
    { e: `${x}.copysign(${r.pick(["-1", "0.5", `F.sin(${x}.mul(3))`])})`, t: "copysign" },
  ];
  const f = r.pick(forms);
  b.tags.push(f.t);
  fresh(b, b.cur.shape, f.e);
}

function residual(r: Rng, b: CaseBuilder): boolean {
  const same = b.saved.filter((s) => s.name !== b.cur.name && s.shape.length === b.cur.shape.length && s.shape.every((d, i) => d === b.cur.shape[i]));
  if (same.length === 0) return false;
  const other = r.pick(same);
  b.tags.push("residual");
  fresh(b, b.cur.shape, r.chance(0.5) ? `${b.cur.name}.add(${other.name})` : `${other.name}.add(${b.cur.name}.mul(0.5))`);
  return true;
}

/** A reduction broadcast back (keepdim), the pattern "reductions after pointwise" meets. */
function reduceBack(r: Rng, b: CaseBuilder): void {
  const rank = b.cur.shape.length;
  const dim = r.int(1, rank - 1);
  const kind = r.pick(["mean", "sum", "amax", "logsumexp", "var", "mode"] as const);
  b.tags.push(`${kind}-keepdim`);
  const x = b.cur.name;
  // mode: the value seen most often along dim (of several, the smallest), its gradient at its index;
  // of distinct values the smallest, of a row with exact repeats (relu's zeros, a clamp's bounds) the repeated one
  if (kind === "mode") return fresh(b, b.cur.shape, `${x}.sub(${x}.mode(${dim}, true)[0])`);
  // the mean broadcast by F.broadcastTensors (x itself is the first of the pair, unchanged)
  if (kind === "mean" && r.chance(0.3)) {
    b.tags.push("broadcast-tensors");
    return fresh(b, b.cur.shape, `${x}.sub(F.broadcastTensors(${x}, ${x}.mean(${dim}, true))[1])`);
  }
  // var: x centred and divided by 1 + its population variance (no √ of a 0 variance, whose gradient is NaN in PyTorch too)
  if (kind === "var") fresh(b, b.cur.shape, `${x}.sub(${x}.mean(${dim}, true)).div(${x}.var(${dim}, { correction: 0, keepdim: true }).add(1))`);
  else fresh(b, b.cur.shape, `${x}.sub(${x}.${kind}(${dim}, true)${kind === "sum" ? `.div(${b.cur.shape[dim]})` : ""})`);
}

/** The model language's newer ops (fuzz/language-ops.ts) that apply to either shape: one option each. */
const newerOps = (r: Rng, b: CaseBuilder): (() => boolean)[] => [() => masks(r, b), () => factories(r, b), () => parameter(r, b), () => attention(r, b), () => indexing(r, b), () => products(r, b)];

function image(r: Rng, b: CaseBuilder): void {
  const [, c, h, w] = b.cur.shape;
  const x = b.cur.name;
  const newer = newerOps(r, b);
  const options: (() => boolean)[] = [
    () => {
      // convolution: random kernel (non-square now and then), stride, padding, dilation, groups;
      // output at least 1×1. Kernels of 4 and up to 6 outputs a group reach weight gradients whose
      // taps fill whole GPU tiles (e.g. 4 channels × 4×4 = 64: the bias's column of ones alone in a
      // block, test/fixtures/ones-alone), which kernels of 1, 2, 3, 5 and fewer outputs missed.
      const groups = r.chance(0.25) ? r.pick([1, ...[2, 3].filter((g) => c % g === 0)]) : 1;
      const out = groups * r.int(1, 6);
      const k = r.pick([1, 2, 3, 4, 5]);
      const kw = r.chance(0.2) ? r.pick([1, 2, 3]) : k;
      const stride = r.pick([1, 1, 2, 3]);
      const dilation = Math.max(k, kw) > 1 && r.chance(0.2) ? 2 : 1;
      const padding = r.int(0, Math.floor(Math.min(k, kw) / 2));
      const oh = Math.floor((h + 2 * padding - (dilation * (k - 1) + 1)) / stride) + 1;
      const ow = Math.floor((w + 2 * padding - (dilation * (kw - 1) + 1)) / stride) + 1;
      if (oh < 1 || ow < 1) return false;
      const bias = r.chance(0.8);
      b.tags.push("conv2d", ...(groups > 1 ? ["conv-groups"] : []), ...(dilation > 1 ? ["conv-dilation"] : []), ...(stride > 1 ? ["conv-stride"] : []), ...(kw !== k ? ["conv-nonsquare"] : []));
      const conv = field(b, `new nn.Conv2d(${c}, ${out}, ${kw === k ? k : `[${k}, ${kw}]`}, { stride: ${stride}, padding: ${padding}, dilation: ${dilation}, groups: ${groups}, bias: ${bias} })`);
      fresh(b, [b.cur.shape[0], out, oh, ow], `${conv}(${x})`);
      // the fusion patterns: conv → activation → 2×2 pool
      if (r.chance(0.5)) activation(r, b);
      if (r.chance(0.4) && b.cur.shape[2] >= 2 && b.cur.shape[3] >= 2) {
        b.tags.push("conv-pool-pattern");
        fresh(b, [b.cur.shape[0], out, Math.floor(b.cur.shape[2] / 2), Math.floor(b.cur.shape[3] / 2)], `F.maxPool2d(${b.cur.name}, 2)`);
      }
      return true;
    },
    () => {
      if (h < 2 || w < 2) return false;
      const k = r.pick([2, 3].filter((q) => q <= h && q <= w));
      const stride = r.pick([1, 2, k]);
      const padding = r.int(0, Math.floor(k / 2));
      const oh = Math.floor((h + 2 * padding - k) / stride) + 1;
      const ow = Math.floor((w + 2 * padding - k) / stride) + 1;
      const max = r.chance(0.6);
      b.tags.push(max ? "max-pool" : "avg-pool");
      fresh(b, [b.cur.shape[0], c, oh, ow], `F.${max ? "maxPool2d" : "avgPool2d"}(${x}, ${k}, ${stride}, ${padding})`);
      return true;
    },
    () => {
      const oh = r.int(1, Math.min(h, 3)), ow = r.int(1, Math.min(w, 3));
      b.tags.push("adaptive-avg-pool");
      fresh(b, [b.cur.shape[0], c, oh, ow], `F.adaptiveAvgPool2d(${x}, [${oh}, ${ow}])`);
      return true;
    },
    () => {
      b.tags.push("batch-norm-2d");
      fresh(b, b.cur.shape, `${field(b, `new nn.BatchNorm2d(${c})`)}(${x})`);
      return true;
    },
    () => {
      const out = r.int(1, 4);
      const k = r.pick([2, 3]);
      const stride = r.pick([1, 2]);
      const padding = r.int(0, k - 1);
      const oh = (h - 1) * stride - 2 * padding + k, ow = (w - 1) * stride - 2 * padding + k;
      if (oh < 1 || ow < 1 || oh > 24 || ow > 24) return false;
      b.tags.push("conv-transpose2d");
      fresh(b, [b.cur.shape[0], out, oh, ow], `${field(b, `new nn.ConvTranspose2d(${c}, ${out}, ${k}, { stride: ${stride}, padding: ${padding} })`)}(${x})`);
      return true;
    },
    () => {
      b.tags.push("dropout");
      fresh(b, b.cur.shape, `${field(b, `new nn.Dropout(${r.pick([0.1, 0.5])})`)}(${x})`);
      return true;
    },
    () => (activation(r, b), true),
    () => (pointwise(r, b), true),
    () => residual(r, b),
    () => (reduceBack(r, b), true),
    () => {
      // a softmax over channels, as attention-like blocks use
      b.tags.push("softmax-channels");
      fresh(b, b.cur.shape, `F.softmax(${x}, 1)`);
      return true;
    },
    ...newer,
    () => imageJoin(r, b),
  ];
  for (let tries = 0; tries < 8; tries++) if (r.pick(options)()) return;
}

function vector(r: Rng, b: CaseBuilder): void {
  const [batch, f] = b.cur.shape;
  const x = b.cur.name;
  const newer = newerOps(r, b);
  const options: (() => boolean)[] = [
    () => {
      const out = r.pick(ODD.concat([4, 8, 17]));
      const bias = r.chance(0.8);
      b.tags.push("linear", ...(bias ? [] : ["linear-no-bias"]));
      fresh(b, [batch, out], `${field(b, `new nn.Linear(${f}, ${out}, ${bias})`)}(${x})`);
      if (r.chance(0.5)) activation(r, b);
      return true;
    },
    () => {
      // over fewer than 4 features a LayerNorm's output is ±1 up to rounding: the BatchNorm after it
      // then normalizes differences fp32 cannot hold, which is a property of fp32, not of tsdp
      if (f < 4) return false;
      b.tags.push("layer-norm");
      fresh(b, b.cur.shape, `${field(b, `new nn.LayerNorm(${f})`)}(${x})`);
      return true;
    },
    () => {
      b.tags.push("batch-norm-1d");
      fresh(b, b.cur.shape, `${field(b, `new nn.BatchNorm1d(${f})`)}(${x})`);
      return true;
    },
    () => {
      b.tags.push("dropout");
      fresh(b, b.cur.shape, `F.dropout(${x}, 0.3, this.training)`);
      return true;
    },
    () => {
      const log = r.chance(0.5);
      b.tags.push(log ? "log-softmax" : "softmax");
      fresh(b, b.cur.shape, `${x}.${log ? "logSoftmax" : "softmax"}(1)`);
      return true;
    },
    () => {
      // a view round trip: [B, f] → [B, a, f/a] → transpose → flatten
      const a = ODD.filter((d) => d > 1 && f % d === 0);
      if (a.length === 0) return false;
      const d = r.pick(a);
      b.tags.push("view-transpose");
      fresh(b, [batch, f / d, d], `${x}.view(${x}.size(0), ${d}, ${f / d}).transpose(1, 2)`);
      fresh(b, [batch, f], `${b.cur.name}.reshape(${b.cur.name}.size(0), ${f})`);
      return true;
    },
    () => {
      // a batched matmul: [B, f, 1] · [B, 1, f] → [B, f, f], reduced back to [B, f]
      if (f > 16) return false;
      b.tags.push("batched-matmul");
      fresh(b, [batch, f, f], `${x}.unsqueeze(2).matmul(F.tanh(${x}).unsqueeze(1))`);
      fresh(b, [batch, f], `${b.cur.name}.mean(2)`);
      return true;
    },
    () => (activation(r, b), true),
    () => (pointwise(r, b), true),
    () => residual(r, b),
    () => (reduceBack(r, b), true),
    ...newer,
    () => vectorJoin(r, b),
  ];
  for (let tries = 0; tries < 8; tries++) if (r.pick(options)()) return;
}

function generateCase(r: Rng, index: number): FuzzCase {
  const isImage = r.chance(2 / 3);
  const batchDim = 0; // the symbolic batch, 1 in the shapes tracked here (only dims 1.. matter)
  const inputShape: Shape = isImage ? [batchDim, r.pick([1, 2, 3, 4]), r.pick([1, 3, 5, 7, 8, 9, 12]), r.pick([1, 3, 5, 6, 7, 9, 11])] : [batchDim, r.pick(ODD.concat([8, 16, 23]))];
  const b: CaseBuilder = { steps: [], pending: [], fieldCount: 0, cur: { name: "x", shape: inputShape }, saved: [], tags: [], vars: 0 };
  const layers = r.int(2, 7);
  for (let i = 0; i < layers; i++) {
    if (b.cur.shape.length === 4) {
      image(r, b);
      // leave the image world now and then: flatten into a vector
      if (r.chance(0.15) && numel(b.cur.shape.slice(1)) <= 400) {
        b.tags.push("flatten");
        fresh(b, [0, numel(b.cur.shape.slice(1))], r.chance(0.5) ? `F.flatten(${b.cur.name}, 1)` : `${b.cur.name}.reshape(${b.cur.name}.size(0), -1)`);
      }
    } else vector(r, b);
    if (r.chance(0.4)) b.saved.push(b.cur);
  }
  const className = `Case${index}`;
  const steps = b.steps;
  return { className, inputShape, steps, source: renderCase(className, inputShape, steps, { prefix: steps.length, identity: new Set() }), tags: [...new Set(b.tags)] };
}

/**
 * A case's class: its kept steps, then the head — a flatten and a Linear to OUT, sized for the
 * shape the kept steps end with. A step made an identity keeps its name (`const h3 = h2;`), so
 * later steps that name it still compile.
 */
export function renderCase(className: string, inputShape: Shape, steps: readonly Step[], cut: CaseCut): string {
  const kept = steps.slice(0, cut.prefix);
  const fields: string[] = [];
  const body: string[] = [];
  let cur = { name: "x", shape: inputShape };
  kept.forEach((s, i) => {
    if (cut.identity.has(i)) body.push(`const ${s.name} = ${s.input};`);
    else {
      fields.push(...s.fields);
      body.push(`const ${s.name} = ${s.expr};`);
    }
    cur = { name: s.name, shape: s.shape };
  });
  const flat = numel(cur.shape.slice(1));
  if (cur.shape.length !== 2) {
    body.push(`const flat = ${cur.name}.flatten(1);`);
    cur = { name: "flat", shape: [0, flat] };
  }
  fields.push(`head = new nn.Linear(${flat}, ${OUT});`);
  return `class ${className} extends nn.Module {
${fields.map((f) => `  ${f}`).join("\n")}
  forward(x: Tensor<[Batch, ${dims(inputShape.slice(1))}]>) {
${body.map((s) => `    ${s}`).join("\n")}
    return this.head(${cur.name});
  }
}
`;
}

/** Whether a step may become an identity: its output has its input's shape. */
export function removable(step: Step): boolean {
  return step.shape.length === step.shapeIn.length && step.shape.every((d, i) => d === step.shapeIn[i]);
}

export const LOSSES = [
  { decl: "new nn.MSELoss()", tag: "mse" },
  { decl: "new nn.MSELoss({ reduction: \"sum\" })", tag: "mse-sum" },
  { decl: "new nn.CrossEntropyLoss()", tag: "cross-entropy" },
  { decl: "new nn.CrossEntropyLoss({ labelSmoothing: 0.1 })", tag: "cross-entropy-smoothing" },
  { decl: "new nn.CrossEntropyLoss({ reduction: \"sum\" })", tag: "cross-entropy-sum" },
  { decl: "new nn.L1Loss()", tag: "l1" },
  { decl: "new nn.SmoothL1Loss({ beta: 0.5 })", tag: "smooth-l1" },
  { decl: "new nn.HuberLoss({ delta: 0.7, reduction: \"sum\" })", tag: "huber-sum" },
  { decl: "new nn.BCEWithLogitsLoss()", tag: "bce-with-logits" },
];
const OPTIMIZERS = [
  "new optim.SGD({ lr: 0.05 })",
  "new optim.SGD({ lr: 0.05, momentum: 0.9, nesterov: true })",
  "new optim.SGD({ lr: 0.05, momentum: 0.5, weightDecay: 0.01 })",
  "new optim.Adam({ lr: 0.01 })",
  "new optim.AdamW({ lr: 0.01, weightDecay: 0.1 })",
  "new optim.RMSprop({ lr: 0.01, momentum: 0.5, weightDecay: 0.01 })",
];

/** A model file of `cases` random sub-networks, reproducible from `seed`. */
export function generateModel(seed: number, cases: number): FuzzModel {
  const r = new Rng(seed);
  const list = Array.from({ length: cases }, (_, i) => generateCase(r, i));
  const loss = r.pick(LOSSES);
  const optimizer = r.pick(OPTIMIZERS);
  return assemble(seed, list, loss, optimizer);
}

/** The model file around `list`: one input per case, the weighted sum of their outputs, the loss. */
export function assemble(seed: number, list: readonly FuzzCase[], loss: { decl: string; tag: string }, optimizer: string, note = ""): FuzzModel {
  const cases = list.length;
  // distinct weights, so that no case's output cancels another's
  const terms = list.map((c, i) => `this.c${i}(x${i})${i === 0 ? "" : `.mul(${(1 + i * 0.37).toFixed(2)})`}`);
  const sum = terms.slice(1).reduce((acc, t) => `${acc}.add(${t})`, terms[0]);
  const source = `// tsdp fuzz model, seed ${seed}: ${cases} cases (fuzz/generate.ts)${note}
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

${list.map((c) => c.source).join("\n")}
export class FuzzModel extends nn.Module {
${list.map((c, i) => `  c${i} = new ${c.className}();`).join("\n")}
  forward(${list.map((c, i) => `x${i}: Tensor<[Batch, ${dims(c.inputShape.slice(1))}]>`).join(", ")}) {
    return ${sum};
  }
}

export const training = new Training(FuzzModel, { loss: ${loss.decl}, optimizer: ${optimizer} });
`;
  return { seed, source, cases: list.map((c) => ({ ...c, tags: [...new Set([...c.tags, loss.tag])] })), loss, optimizer };
}
