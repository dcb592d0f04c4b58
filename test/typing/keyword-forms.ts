// PyTorch's keyword arguments as a trailing options object (README "Keyword arguments"): each call
// of keywords() is a common PyTorch call written with keywords — torch.clamp(x, min=0),
// F.interpolate(x, scale_factor=2, mode="nearest"), torch.topk(x, k=2, largest=False),
// nn.Linear(in_features=4, out_features=3, bias=False), … — and the same entry of positional() is
// its positional form. tsc checks this file with the rest of the project (test/typecheck.test.ts);
// test/pytorch-spellings.test.ts runs both through the reference and compares them.
import { F, nn, type Batch, type Shape, type Tensor } from "tsdp/dsl";

export class KeywordForms extends nn.Module {
  fc = new nn.Linear({ inFeatures: 4, outFeatures: 3, bias: false });
  fcPositional = new nn.Linear(4, 3, false);
  conv = new nn.Conv2d({ inChannels: 1, outChannels: 2, kernelSize: 3, padding: 1 });
  convPositional = new nn.Conv2d(1, 2, 3, 1, 1);
  norm = new nn.LayerNorm({ normalizedShape: 4, eps: 1e-3, elementwiseAffine: false });
  normPositional = new nn.LayerNorm(4, 1e-3, false);

  /** torch.clamp(v, min=0), F.interpolate(x, scale_factor=2, mode="nearest"), … */
  keywords(x: Tensor<[Batch, 1, 4, 4]>, v: Tensor<[Batch, 4, 4]>): Tensor[] {
    const w = F.linspace(0.5, 2, { steps: 4 });
    const at = v.argmax({ dim: 2, keepdim: true });
    return [
      v.clamp({ min: 0 }), F.clamp(v, { min: -0.5, max: 0.5 }), F.softmax(v, { dim: -1 }), F.cat([v, v], { dim: 1 }),
      F.interpolate(x, { scaleFactor: 2, mode: "nearest" }), v.sum(1).add(F.arange(0, 8, { step: 2 })), v.maskedFill(v.gt(0), { value: 0 }),
      F.layerNorm(v, [4], { weight: w, eps: 1e-6 }), F.topk(v, { k: 2, largest: false }).values, v.std({ dim: 1, unbiased: false }),
      F.hardtanh(v, { minVal: -0.5, maxVal: 0.25 }), F.where(v.gt(0), v, { other: v.neg() }), F.gather(v, { dim: 2, index: at }),
      F.pad(v, { pad: [1, 1], value: 2 }), v.transpose({ dim0: 1, dim1: 2 }), F.leakyRelu(v, { negativeSlope: 0.2 }), v.pow({ exponent: 2 }),
      F.normalize(v, { p: 1, dim: 1 }), F.lerp(v, { end: v.neg(), weight: 0.25 }), v.repeatInterleave({ repeats: 2, dim: 1 }),
      F.cumsum(v, { dim: 1 }), F.baddbmm(v, { batch1: v, batch2: v, beta: 0.5 }), F.dropout(v, { p: 0.5, training: false }),
      F.conv2d(x, this.conv.weight, { padding: 1 }), F.maxPool2d(x, { kernelSize: 2, stride: 2 }), v.narrow(1, { start: 1, length: 2 }),
      v.max({ other: v.neg() }), F.min(v, { other: v.neg() }), v.div({ other: 0.5, roundingMode: "floor" }), v.sum(1).add(F.arange({ end: 4 })),
      v.permute({ dims: [0, 2, 1] }), F.reshape(v, { shape: [-1, 16] }), v.add(F.ones({ size: [4] })),
      this.fc(v), this.conv(x), this.norm(v),
    ];
  }

  /** The same calls, positionally (torch.clamp(v, 0), F.interpolate(x, None, 2, "nearest"), …) */
  positional(x: Tensor<[Batch, 1, 4, 4]>, v: Tensor<[Batch, 4, 4]>): Tensor[] {
    const w = F.linspace(0.5, 2, 4);
    const at = v.argmax(2, true);
    return [
      v.clamp(0), F.clamp(v, -0.5, 0.5), F.softmax(v, -1), F.cat([v, v], 1),
      F.interpolate(x, null, 2, "nearest"), v.sum(1).add(F.arange(0, 8, 2)), v.maskedFill(v.gt(0), 0),
      F.layerNorm(v, [4], w, null, 1e-6), F.topk(v, 2, -1, false).values, v.std(1, false),
      F.hardtanh(v, -0.5, 0.25), F.where(v.gt(0), v, v.neg()), F.gather(v, 2, at),
      F.pad(v, [1, 1], "constant", 2), v.transpose(1, 2), F.leakyRelu(v, 0.2), v.pow(2),
      F.normalize(v, 1, 1), F.lerp(v, v.neg(), 0.25), v.repeatInterleave(2, 1),
      F.cumsum(v, 1), F.baddbmm(v, v, v, { beta: 0.5 }), F.dropout(v, 0.5, false),
      F.conv2d(x, this.conv.weight, null, 1, 1), F.maxPool2d(x, 2, 2), v.narrow(1, 1, 2),
      v.max(v.neg()), F.min(v, v.neg()), v.div(0.5, { roundingMode: "floor" }), v.sum(1).add(F.arange(4)),
      v.permute(0, 2, 1), F.reshape(v, [-1, 16]), v.add(F.ones(4)),
      this.fcPositional(v), this.convPositional(x), this.normPositional(v),
    ];
  }

  classWeights = F.tensor([1, 2, 0.5, 3]);
  ce = new nn.CrossEntropyLoss({ weight: F.tensor([1, 2, 0.5, 3]) });
  cePositional = new nn.CrossEntropyLoss(F.tensor([1, 2, 0.5, 3]));

  /**
   * Pairs: F.cross_entropy(logits, y, label_smoothing=0.1, ignore_index=-1) and the same written out,
   * (1 − ε)·nll + ε·mean over classes of −log p; then the class weight by keyword and by position
   * (F.cross_entropy(x, y, w), nn.CrossEntropyLoss(w), F.binary_cross_entropy_with_logits(x, t, w)).
   */
  losses(logits: Tensor<[Batch, 4]>, y: Tensor<[Batch], "int32">): Tensor[] {
    const logP = F.logSoftmax(logits, { dim: 1 });
    const w = this.classWeights;
    const t = F.sigmoid(logits);
    return [
      F.crossEntropy(logits, y, { labelSmoothing: 0.1, ignoreIndex: -1 }), F.nllLoss(logP, y).mul(0.9).add(logP.mean(1).neg().mean().mul(0.1)),
      F.crossEntropy(logits, y, { weight: w }), F.crossEntropy(logits, y, w),
      this.ce(logits, y), this.cePositional(logits, y),
      F.binaryCrossEntropyWithLogits(logits, t, { weight: w }), F.binaryCrossEntropyWithLogits(logits, t, w),
    ];
  }

  forward(x: Tensor<[Batch, 1, 4, 4]>, y: Tensor<[Batch], "int32">): Tensor<Shape>[] {
    const v = x.view(x.size(0), 4, 4);
    const rows = (t: Tensor) => t.reshape(t.size(0), -1);
    const losses = this.losses(v.sum(1), y).map((l) => l.expand(x.size(0)).unsqueeze(1));
    return [...this.keywords(x, v).map(rows), ...this.positional(x, v).map(rows), ...losses];
  }
}
