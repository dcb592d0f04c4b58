// Gradient check for every differentiable op: autodiff (the ops' gradient rules, run by the
// reference interpreter) against central differences, in float64. Tolerances in gradcheck.ts.
import { describe, expect, it } from "vitest";
import { ops } from "../compiler/ops/index.ts";
import { gradCheck, type GradCheckOptions } from "./gradcheck.ts";

/** A model whose forward exercises `op`; inputs and outputs as any model. */
const cases: Record<string, { body: string; opts?: GradCheckOptions }> = {};
const model = (forward: string, fields = "", input = "x: Tensor<[Batch, 4]>") =>
  `export class M extends nn.Module {\n  ${fields}\n  forward(${input}) {\n    ${forward}\n  }\n}`;

for (const op of ["relu", "tanh", "sigmoid", "neg", "exp", "abs"]) cases[op] = { body: model(`return x.${op}();`) };
cases.silu = { body: model("return F.silu(x);") };
cases.log = { body: model("return x.abs().add(0.5).log();") };
cases.sqrt = { body: model("return x.abs().add(0.5).sqrt();") };
cases.pow = { body: model("return x.pow(3).add(x.abs().add(0.1).pow(0.5));") };
cases.gelu = { body: model('return F.gelu(x).add(F.gelu(x, { approximate: "tanh" }));') };
cases.leaky_relu = { body: model("return F.leakyRelu(x, 0.2);") };
cases.add = { body: model("return x.add(this.b(x)).add(2);", "b = new nn.Linear(4, 1);") };
cases.sub = { body: model("return x.sub(this.b(x)).rsub(1);", "b = new nn.Linear(4, 1);") };
cases.mul = { body: model("return x.mul(this.b(x)).mul(3);", "b = new nn.Linear(4, 4);") };
cases.div = { body: model("return x.div(this.b(x).abs().add(1)).div(2);", "b = new nn.Linear(4, 1);") };
cases.const = { body: model("return x.mul(2);") };
cases.sum = { body: model("return [x.sum(1, true), x.sum(0).unsqueeze(0).add(x)];") };
// model outputs must be [Batch, ...] (TSDP4005), so batch-free results are broadcast against x
cases.mean = { body: model("return x.mean(1).unsqueeze(1).add(x.mean([0, 1], true));") };
cases.amax = { body: model("return [x.amax(1, true), x.max(1).values];") };
cases.reshape = { body: model("return x.view(-1, 2, 2).flatten(1).unsqueeze(1).squeeze(1);") };
cases.permute = { body: model("return x.view(-1, 2, 2).transpose(1, 2).permute(0, 2, 1).mul(x.view(-1, 2, 2).transpose(1, 2));") };
cases.expand = { body: model("return x.mean(1, true).add(x);") };
cases.matmul = {
  body: model(
    "return [x.view(-1, 2, 2).matmul(x.view(-1, 2, 2)).matmul(this.w.weight.t()), x.matmul(this.v.weight.view(-1)), this.v.weight.view(-1).matmul(x.view(-1, 4, 1)), this.v.weight.view(-1).matmul(this.v.weight.view(-1)).add(x.sum(1)), x.view(-1, 1, 2, 2).matmul(this.u.weight.view(3, 2, 2))];",
    "w = new nn.Linear(2, 3, false); v = new nn.Linear(4, 1, false); u = new nn.Linear(4, 3, false);",
  ),
};
cases.linear = { body: model("return this.fc(x.view(-1, 2, 2));", "fc = new nn.Linear(2, 3);") };
// an in-batch pair matrix [Batch, Batch] (matmul's canonical pair_dot), reduced to one value per sample for the output
cases.pair_dot = {
  body: model(
    // and over leading dims of fixed size: SAINT's two heads attending across the batch, [2, Batch, 2] @ [2, 2, Batch]
    "const h = this.w(x).view(1, -1, 2, 2).permute(0, 2, 1, 3); return x.matmul(this.w(x).t()).exp().sum(1, true).add(x.matmul(x.t()).amax(0).unsqueeze(1)).add(h.matmul(h.transpose(2, 3)).softmax(-1).matmul(h).permute(0, 2, 1, 3).reshape(-1, 4).sum(1, true));",
    "w = new nn.Linear(4, 4);",
  ),
};
cases.conv2d = {
  body: model(
    "return this.b(this.a(x)).add(this.c(x).mean([2, 3], true));",
    "a = new nn.Conv2d(2, 4, 3, { stride: 2, padding: 1 }); b = new nn.Conv2d(4, 4, 2, { dilation: 2, groups: 2, padding: 1 }); c = new nn.Conv2d(2, 4, 1, { bias: false });",
    "x: Tensor<[Batch, 2, 6, 5]>",
  ),
  opts: { batch: 2 },
};
cases.conv_transpose2d = {
  body: model(
    "return [this.a(x), this.b(this.a(x)).mean([2, 3], true).add(this.c(x))];",
    "a = new nn.ConvTranspose2d(2, 4, 3, { stride: 2, padding: 1, outputPadding: 1 }); b = new nn.ConvTranspose2d(4, 2, 2, { groups: 2, dilation: 2, padding: 1 }); c = new nn.ConvTranspose2d(2, 2, 1, { bias: false });",
    "x: Tensor<[Batch, 2, 3, 2]>",
  ),
  opts: { batch: 2 },
};
// Compositions lowered in the frontend; inputs scaled so that every piece of each is reached
// (hardswish's kinks at ±3, softplus's threshold βx > 1 in the second call).
cases.hardswish = { body: model("return F.hardswish(x.mul(4));") };
cases.softplus = { body: model("return [F.softplus(x.mul(3)), F.softplus(x.mul(3), { beta: 2, threshold: 1 })];") };
cases.mish = { body: model("return F.mish(x.mul(3));") };
// pointwise-composites.ts: the exponential units through expm1, logsigmoid through log1p, and the
// clamps, extremes and reductions composed from other ops (their kinks: test/pointwise-composites.test.ts)
cases.expm1 = { body: model("return [F.elu(x.mul(3), 0.5), F.selu(x.mul(3)), F.celu(x.mul(3), 2)];") };
cases.log1p = { body: model("return [F.logsigmoid(x.mul(3)), F.softsign(x.mul(3))];") };
cases.sin = { body: model("return x.mul(3).sin();") };
// ops/elementwise-math.ts, each on its domain (x is drawn around 0: shifted, squashed or scaled into it)
cases.rsqrt = { body: model("return x.mul(x).add(0.5).rsqrt().add(F.rsqrt(x.abs().add(1)));") };
cases.reciprocal = { body: model("return x.abs().add(0.5).reciprocal();") };
cases.erf = { body: model("return x.mul(2).erf();") };
cases.erfinv = { body: model("return x.tanh().mul(0.9).erfinv();") };
cases.entr = { body: model("return F.special.entr(x.abs().add(0.1));") };
cases.logit = { body: model("return [x.sigmoid().logit(), x.sigmoid().logit(0.2)];") };
// the modified Bessel functions, both sides of the series' range (|x| = 20) and through 0
// (unscaled near 20 only: past it ½·out² of e^|x| would swamp the central differences' digits)
cases.i0 = { body: model("return [x.i0(), F.i0(x.mul(0.5).add(20))];") };
cases.i0e = { body: model("return [F.special.i0e(x.mul(3)), F.special.i0e(x.mul(10).sub(20))];") };
cases.i1 = { body: model("return [F.special.i1(x.mul(2)), F.special.i1(x.mul(0.5).sub(20))];") };
cases.i1e = { body: model("return [F.special.i1e(x.mul(3)), F.special.i1e(x.mul(10).sub(20))];") };
// erfc′ = −2/√π·e^(−x²), also in the tail (x + 2)
cases.erfc = { body: model("return [x.erfc(), F.special.erfc(x.add(2))];") };
cases.exp2 = { body: model("return x.exp2();") };
cases.log2 = { body: model("return x.abs().add(0.5).log2();") };
cases.log10 = { body: model("return F.log10(x.abs().add(0.5));") };
cases.tan = { body: model("return x.tanh().tan();") };
cases.sinh = { body: model("return x.sinh();") };
cases.cosh = { body: model("return x.cosh();") };
cases.asin = { body: model("return x.tanh().mul(0.9).asin();") };
cases.acos = { body: model("return x.tanh().mul(0.9).acos();") };
cases.atan = { body: model("return x.mul(2).atan();") };
cases.asinh = { body: model("return x.mul(2).asinh();") };
cases.acosh = { body: model("return x.mul(x).add(1.5).acosh();") };
cases.atanh = { body: model("return x.tanh().mul(0.9).atanh();") };
// the gamma family on both sides of 0 (lgamma's and digamma's reflections) away from the poles
cases.lgamma = { body: model("return [x.abs().add(0.2).lgamma(), x.abs().add(0.2).neg().lgamma()];") };
cases.digamma = { body: model("return [x.abs().add(0.2).digamma(), F.special.psi(x.abs().add(0.2).neg())];") };
cases.polygamma = { body: model("return [F.polygamma(1, x.abs().add(0.2)), x.abs().add(0.3).polygamma(2), F.special.polygamma(3, x.abs().add(0.2).neg()), x.abs().add(2).mvlgamma(3)];") };
// piecewise constant: no gradient through them (PyTorch's is 0), so x's is its other factor's;
// frac = x − trunc(x) has gradient 1. Central differences agree away from the jumps: 3x of the
// fixed normal draws is nowhere within the step of an integer (or of 0, for sign).
for (const op of ["floor", "ceil", "round", "trunc", "sign"]) cases[op] = { body: model(`return [x.mul(x.mul(3).${op}()), x.mul(3).frac()];`) };
cases.cos = { body: model("return x.mul(3).cos();") };
cases.clamps = {
  body: model("return [x.clamp(-0.5, 0.5), F.relu6(x.mul(8)), F.hardtanh(x.mul(2)), F.hardsigmoid(x.mul(4)), x.clamp({ min: this.b(x) }), F.maximum(x, this.b(x)), x.minimum(F.fullLike(x, 0.2))];", "b = new nn.Linear(4, 1);"),
};
cases.reductions = {
  body: model("return [x.logsumexp(1, true), x.view(-1, 2, 2).logsumexp([1, 2]), x.var(1), x.std(1, { correction: 0, keepdim: true }), x.view(-1, 2, 2).var([1, 2]), F.normalize(x), F.normalize(x.view(-1, 2, 2), { p: 1, dim: 2 })];"),
};
cases.max_pool2d = { body: model("return [F.maxPool2d(x, 2), F.maxPool2d(x, 3, 2, 1)];", "", "x: Tensor<[Batch, 2, 6, 5]>") };
cases.avg_pool2d = { body: model("return [F.avgPool2d(x, 2), F.avgPool2d(x, 3, 2, 1)];", "", "x: Tensor<[Batch, 2, 6, 5]>") };
cases.adaptive_avg_pool2d = { body: model("return F.adaptiveAvgPool2d(x, [4, 3]);", "", "x: Tensor<[Batch, 2, 6, 5]>") };
cases.batch_norm = {
  body: model("return [this.bn(x), this.bn1(x.mean([2, 3]))];", "bn = new nn.BatchNorm2d(2); bn1 = new nn.BatchNorm1d(2, { affine: false });", "x: Tensor<[Batch, 2, 3, 3]>"),
};
cases.layer_norm = { body: model("return [this.ln(x), this.ln2(x)];", "ln = new nn.LayerNorm(4); ln2 = new nn.LayerNorm(4, { elementwiseAffine: false });") };
cases.softmax = { body: model("return F.softmax(x, 1).mul(x);") };
cases.log_softmax = { body: model("return F.logSoftmax(x.view(-1, 2, 2), 1).mul(x.view(-1, 2, 2));") };
// cumsum along a middle dim and the last; its gradient is the sum from the dim's end
cases.cumsum = { body: model("return [x.view(-1, 2, 2).cumsum(1).mul(x.view(-1, 2, 2)), F.cumsum(x, -1).mul(x)];") };
cases.dropout = { body: model("return F.dropout(x, 0.4).add(this.d(x));", "d = new nn.Dropout(0.3);") };
// PyTorch gives the padding row no gradient although the forward reads it, so central
// differences disagree wherever the padding index occurs: here it is a row no index selects
// (indices < 5); embedding_grad's skipping of the padding row is checked in reference-ops.
cases.embedding = {
  body: model("return this.e(t).mul(2).add(this.p(t));", "e = new nn.Embedding(5, 3); p = new nn.Embedding(6, 3, { paddingIdx: -1 });", 't: Tensor<[Batch, 4], "int32">'),
  opts: { intLimit: 5 },
};
cases.cross_entropy = {
  body: model('return [F.crossEntropy(x, y, { reduction: "none", labelSmoothing: 0.1 }), F.crossEntropy(x, y).add(x)];', "", 'x: Tensor<[Batch, 4]>, y: Tensor<[Batch], "int32">'),
};
cases.nll_loss = { body: model('return [F.nllLoss(x, y, { reduction: "none" }), F.nllLoss(x, y, { reduction: "sum" }).add(x)];', "", 'x: Tensor<[Batch, 4]>, y: Tensor<[Batch], "int32">') };
cases.mse_loss = { body: model('return [F.mseLoss(x, z, { reduction: "none" }), F.mseLoss(x, z).add(x)];', "", "x: Tensor<[Batch, 4]>, z: Tensor<[Batch, 4]>") };
// the element losses: both arguments differentiated (PyTorch gives the target a gradient too);
// BCE's input and target are probabilities, so both pass through a sigmoid
const lossInputs = "x: Tensor<[Batch, 4]>, z: Tensor<[Batch, 4]>";
cases.l1_loss = { body: model('return [F.l1Loss(x, z, { reduction: "none" }), F.l1Loss(x, z).add(x)];', "", lossInputs) };
cases.smooth_l1_loss = {
  body: model('return [F.smoothL1Loss(x, z, { reduction: "none", beta: 0.5 }), F.smoothL1Loss(x, z, { reduction: "sum" }).add(x), F.smoothL1Loss(x, z, { beta: 0 }).add(x)];', "", lossInputs),
};
cases.huber_loss = { body: model('return [F.huberLoss(x, z, { reduction: "none", delta: 0.5 }), F.huberLoss(x, z).add(x)];', "", lossInputs) };
cases.binary_cross_entropy = {
  body: model('return [F.binaryCrossEntropy(x.sigmoid(), z.sigmoid(), { reduction: "none" }), F.binaryCrossEntropy(x.sigmoid(), z.sigmoid()).add(x)];', "", lossInputs),
};
cases.binary_cross_entropy_with_logits = {
  body: model('return [F.binaryCrossEntropyWithLogits(x, z.sigmoid(), { reduction: "none" }), F.binaryCrossEntropyWithLogits(x.mul(3), z, { reduction: "sum" }).add(x)];', "", lossInputs),
};
// factories have no inputs: checked through an op that reads them (their values must not move x's gradient)
cases.full = { body: model("return x.mul(F.full([4], 2)).add(F.ones([1, 4]));") };
// fixed draws under the check's fixed counters: the gradient flows through the arithmetic around them
cases.sample = { body: model("return x.mul(F.randnLike(x)).add(x.mul(F.rand(x.size(0), 4))).add(x.bernoulli(0.5)).add(F.randn(4));") };
// train mode: dy reaches the train-mode value (the eval-mode one in eval mode, test/mode-branches.test.ts)
cases.mode_select = { body: model("return this.training ? x.mul(x).add(this.b) : x.mul(3);", "b = new nn.Parameter(F.ones([4]));") };
cases.atan2 = { body: model("return x.atan2(x.mul(0.5).add(this.b)).add(F.atan2(x, x.abs().add(1)));", "b = new nn.Parameter(F.full([4], 0.3));") };
cases.hypot = { body: model("return F.hypot(x, x.mul(0.5).add(this.b));", "b = new nn.Parameter(F.full([4], 0.3));") };
// |a| with b's sign: magnitudes away from 0 (|a|'s kink) and signs away from 0 (b's jump); b gets no gradient, as PyTorch's zeros_like
cases.copysign = { body: model("return x.abs().add(0.1).copysign(this.b.neg()).add(F.copysign(x.abs().add(0.2).neg(), x.mul(x).add(this.b)));", "b = new nn.Parameter(F.full([4], 0.3));") };
// a mask: no gradient through it; x·[x < 0] is continuous at 0
cases.signbit = { body: model("return x.mul(x.signbit()).add(x);") };
// away from the jumps of fmod and remainder (x/b is not near an integer), as central differences need
cases.fmod = { body: model("return x.mul(0.1).add(0.37).fmod(this.b);", "b = new nn.Parameter(F.full([4], 0.3));") };
// Python's //: piecewise constant (no gradient, as PyTorch's), the other factor's gradient x // 0.3
cases.floor_divide = { body: model("return [x.mul(x.floorDivide(0.3)), x.div(x.mul(0.7).add(3), { roundingMode: 'floor' }).mul(x)];") };
// integers' bits: no gradient; x's other factor carries it
cases.bitwise = { body: model("return x.mul(x.mul(4).int().bitwiseAnd(3).bitwiseLeftShift(1).float());") };
cases.remainder = { body: model("return x.mul(0.1).add(0.37).remainder(this.b.neg());", "b = new nn.Parameter(F.full([4], 0.3));") };
// a positive base (ln a); F.pow(2, t) is a constant base
cases.pow_tensor = { body: model("return x.abs().add(0.5).pow(x.mul(0.3).add(this.b)).add(F.pow(2, x.mul(this.b)));", "b = new nn.Parameter(F.full([4], 0.7));") };
cases.literal = { body: model("return x.mul(F.tensor([0.5, -1, 2, 0.25])).add(F.tensor([[1, 2, 3, 4]]));") };
cases.arange = { body: model("return x.mul(F.arange(4)).add(F.arange(1, 3, 0.5));") };
cases.arange_int = { body: model("return x.add(this.e(F.arange(4, { dtype: \"int32\" })).sum(1));", "e = new nn.Embedding(4, 3);") };
// the batch size is a constant of the call: x's gradient is b (and 1), none for b
// …and where it is pow's exponent (b·x^(b−1)), a clamp bound or a where/maskedFill value (0 where it is chosen)
cases.batch_size = { body: model("const b = x.size(0);\n    return [x.mul(b).add(b).mul(x), x.pow(b), x.mul(3).clamp(-1, b), F.where(x.gt(0), x, b).add(x.maskedFill(x.lt(0), b))];") };
cases.linspace = { body: model("return x.mul(F.linspace(-1, 1, 4));") };
cases.eye = { body: model("return x.view(-1, 2, 2).mul(F.eye(2));") };
// F.interpolate's weights, read by the matmuls that resample x (nearest and bilinear)
cases.resample_weights = { body: model('return [F.interpolate(x.view(-1, 1, 2, 2), { scaleFactor: 1.5, mode: "bilinear" }), F.interpolate(x.view(-1, 2, 2), { size: 3 })];') };
cases.triangle = { body: model("return [x.view(-1, 2, 2).tril(), F.triu(x.view(-1, 2, 2), 1).mul(x.view(-1, 2, 2))];") };
// comparisons have no gradient: x's gradient flows only through the other factor
for (const op of ["gt", "ge", "lt", "le", "eq", "ne"]) cases[op] = { body: model(`return x.mul(x.${op}(0.1));`) };
cases.masked_fill = { body: model("return x.maskedFill(x.gt(0), -3).mul(x).maskedFill(F.eye(4).view(1, 4, 4).sum(1), 5);") };
cases.where = { body: model("return F.where(x.gt(0), x.mul(2), this.b(x)).add(F.where(x.lt(0), x, 1));", "b = new nn.Linear(4, 1);") };
cases.concat = { body: model("return F.cat([x.view(-1, 2, 2), this.b(x).view(-1, 1, 2), x.view(-1, 2, 2).mul(2)], 1);", "b = new nn.Linear(4, 2);") };
// split and chunk are narrows, and narrow's gradient is pad_dim; stack is a cat of unsqueezes
cases.narrow = { body: model("return [...x.split([1, 3], 1), ...F.chunk(x, 3, 1), x.narrow(1, 1, 2), x.view(-1, 2, 2).select(2, -1), ...x.view(-1, 2, 2).unbind(1)];") };
cases.pad_dim = { body: model("return F.stack(x.chunk(2, 1), 2).mul(x.view(-1, 2, 2));") };
// a composite: causal attention, and a float mask with the batch's own keys
cases.scaled_dot_product_attention = {
  body: model("return [F.scaledDotProductAttention(x, this.k(x), x, { isCausal: true }), F.scaledDotProductAttention(x, x, this.k(x), { attnMask: F.where(F.eye(4), -Infinity, 0.5), scale: 0.5 })];", "k = new nn.Linear(4, 4);", "x: Tensor<[Batch, 4, 4]>"),
};
// index_select with a reversing index; gather with indices drawn from the batch (repeats included)
// and a table's rows taken by an index as long as the batch (a diffusion schedule's a[t], a.gather(0, t));
// scatterAdd / scatter / indexAdd, whose sums are take_grad, differentiated as a take
cases.take = {
  body: model(
    'return [x.view(-1, 2, 2).indexSelect(2, F.arange(1, -1, -1, { dtype: "int32" })), F.gather(x.view(-1, 2, 2), 1, j), this.w.weight.indexSelect(0, k).mul(x), this.w.weight[k].add(this.w.weight.view(-1).gather(0, k).unsqueeze(1)), x.view(-1, 2, 2).scatterAdd(1, j, x.view(-1, 2, 2).narrow(1, 0, 1).mul(3)).flatten(1), F.scatter(x.view(-1, 2, 2), 1, j, x.view(-1, 2, 2).narrow(1, 1, 1).sin()).flatten(1), x.view(-1, 2, 2).indexAdd(2, F.tensor([1], { dtype: "int32" }), x.view(-1, 2, 2).narrow(2, 0, 1), { alpha: 2 }).flatten(1)];',
    "w = new nn.Linear(4, 3, false);",
    'x: Tensor<[Batch, 4]>, j: Tensor<[Batch, 1, 2], "int32">, k: Tensor<[Batch], "int32">',
  ),
  opts: { intLimit: 2 },
};
// running products (zeros included: the gradient is exact there, no division by x), log-sum-exps, extremes
cases.cumprod = { body: model('return [x.view(-1, 2, 2).cumprod(1), F.cumprod(x.mul(F.tensor([1, 0, 1, 1])), -1).mul(x), x.cumprod(1)];') };
cases.logcumsumexp = { body: model("return [x.logcumsumexp(1).mul(x), F.logcumsumexp(x.view(-1, 2, 2), 1).flatten(1)];") };
cases.cum_extreme = { body: model("return [x.cummax(1).values.mul(x), x.cummin(-1)[0], x.view(-1, 2, 2).cummax(1).values.flatten(1)];") };
// square matrices (ops/linalg.ts), kept near 2·I so that each is well away from singular
cases.inverse = {
  body: model(
    "return [x.view(-1, 2, 2).add(F.eye(2).mul(2)).inverse().flatten(1), this.w.add(F.eye(3).mul(2)).inverse().sum().add(x.sum(1, true)), F.linalg.solve(x.view(-1, 2, 2).add(F.eye(2).mul(2)), x.narrow(1, 0, 2))];",
    "w = new nn.Parameter(F.randn(3, 3).mul(0.3));",
  ),
};
cases.logabsdet = {
  body: model("return [F.slogdet(x.view(-1, 2, 2).add(F.eye(2).mul(2))).logabsdet.unsqueeze(1), F.linalg.det(x.view(-1, 2, 2).mul(3)).unsqueeze(1), x.view(-1, 2, 2).add(F.eye(2).mul(2)).logdet().unsqueeze(1)];"),
};
// piecewise constant, as sign: x's gradient is its other factor's
cases.det_sign = { body: model("return F.slogdet(x.view(-1, 2, 2)).sign.unsqueeze(1).mul(x);") };
// softmax over the batch dim: its composition (ops/norm.ts canonical), the max's detach included
cases.softmax_over_batch = { body: model("return [x.softmax(0), F.logSoftmax(x.mul(2), 0)];"), opts: { batch: 3 } };
cases.div_count = { body: model("return x.mean(0, true).add(x.mean()).add(x);") };
cases.eq_mask = { body: model("return x.amax(1, true).add(x);") };

describe("gradient check: autodiff against central differences (float64)", () => {
  for (const [op, c] of Object.entries(cases))
    it(op, () => {
      const { checked } = gradCheck(c.body, c.opts);
      expect(checked).toBeGreaterThan(0);
    });

  it("covers every op that has a gradient", () => {
    // sources have no inputs to differentiate; argmax is integer-valued; detach's gradient is 0 by
    // definition, not its value's derivative (test/detach.test.ts); to_float's input is an integer
    // tensor, to_int's output (piecewise constant, as argmax); qr is computed in constructors only;
    // unrecorded's gradient is the identity to the old value by definition, as detach's is 0 (test/detach.test.ts);
    // index_check is an int32 identity (test/index-ranges.test.ts); custom_gradient's gradient is the
    // model's own recipe, not its value's derivative, and gradient_stand_in is never differentiated
    // (both test/detach.test.ts)
    const exempt = new Set(["input", "param", "buffer", "loss_scale", "argmax", "detach", "unrecorded", "to_float", "to_int", "qr", "index_check", "custom_gradient", "gradient_stand_in"]);
    const missing = [...ops.values()].filter((o) => !exempt.has(o.name) && !(o.name in cases)).map((o) => o.name);
    // ops added for the backward pass are checked through the forward op they differentiate, and the
    // ones for second derivatives (max_pool2d_pick, the losses' _dxx/_dxt/_dtt) through the gradients
    // they differentiate in test/autograd-grad.test.ts
    expect(missing.filter((n) => !/_grad|_xhat|_dinput|_dtarget|_pick$|_d(xx|xt|tt)$/.test(n))).toEqual([]);
  });
});
