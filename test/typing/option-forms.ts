// More forms a port writes that the compiler takes and the dsl typings refused (port59, from ports
// of SqueezeNet, Inception-v3, a Conformer, DLRM, NeRF, YOLO, Mixtral's MoE and VQ-VAE): the kernel
// size as a keyword (nn.Conv2d(3, 8, kernel_size=3), nn.MaxPool2d(kernel_size=3, stride=2,
// ceil_mode=True), F.avg_pool2d(x, kernel_size=3, …)), the functional activations' inplace, the dim/keepdim/numClasses keywords,
// nn.GLU(dim=1), EmbeddingBag's weight (DLRM's EE.weight.data = W), expand(other.shape), max's
// and topk's results unpacked as a tuple or read as .values and reassigned, and a Training whose
// loss function takes forward's named outputs. tsc checks this file with the rest of the project
// (test/typecheck.test.ts); test/pytorch-spellings.test.ts lowers it.
import { F, nn, optim, Training, type Batch, type Shape, type Tensor } from "tsdp/dsl";

export class OptionForms extends nn.Module {
  c1 = new nn.Conv1d(2, 2, { kernelSize: 3, padding: 1 });
  c1Positional = new nn.Conv1d(2, 2, 3, 1, 1, 1, 1, false, "circular");
  c1Stride = new nn.Conv1d(2, 2, 3, 1, { padding: 1, paddingMode: "reflect" });
  // PyTorch's positional order (batch_first last), and the dropout by position with options after it
  mha = new nn.MultiheadAttention(16, 2, 0, true, false, false, null, null, true);
  mhaDropout = new nn.MultiheadAttention(16, 2, 0, { batchFirst: true });
  c2 = new nn.Conv2d(2, 2, { kernelSize: 3, padding: 1 });
  // every PyTorch position (padding_mode the ninth), and positions up to dilation with the rest as options
  c2Positional = new nn.Conv2d(2, 2, 3, 1, 1, 1, 1, false, "reflect");
  c2Groups = new nn.Conv2d(2, 2, 3, 1, 1, 1, { groups: 2, bias: false });
  c3 = new nn.Conv3d(2, 2, { kernelSize: 1 });
  t1 = new nn.ConvTranspose1d(2, 2, { kernelSize: 1 });
  t2 = new nn.ConvTranspose2d(2, 2, { kernelSize: 1 });
  t3 = new nn.ConvTranspose3d(2, 2, { kernelSize: 1 });
  mp1 = new nn.MaxPool1d({ kernelSize: 1 });
  mp2 = new nn.MaxPool2d({ kernelSize: 3, stride: 1, padding: 1, ceilMode: true });
  mp3 = new nn.MaxPool3d({ kernelSize: 1 });
  ap1 = new nn.AvgPool1d({ kernelSize: 1 });
  ap2 = new nn.AvgPool2d({ kernelSize: 3, stride: 1, padding: 1, countIncludePad: false });
  ap3 = new nn.AvgPool3d({ kernelSize: 1 });
  glu = new nn.GLU({ dim: 1 });
  bag = new nn.EmbeddingBag(5, 2, { mode: "sum" });

  constructor() {
    super();
    this.bag.weight.data = F.ones([5, 2]).mul(0.5);
  }

  /** PyTorch's dim=, keepdim=, num_classes= keywords as an options object (tsc checks these; the test compares them with the positional forms) */
  keywords(x: Tensor, ids: Tensor<Shape, "int32">): Tensor[] {
    return [
      F.softmax(x, { dim: -1 }), F.logSoftmax(x, { dim: -1 }), x.softmax({ dim: 1 }), x.logSoftmax({ dim: 1 }),
      F.cat([x, x], { dim: 1 }), F.stack([x, x], { dim: 1 }), x.sum({ dim: 1, keepdim: true }), x.mean({ dim: [1, 2] }),
      F.sum(x, { dim: 2 }), F.mean(x, { dim: 2, keepdim: true }), x.max({ dim: 1 }).values, x.min({ dim: 1, keepdim: true }).indices.float(),
      x.argmax({ dim: 1 }).float(), x.argmin({ dim: 2, keepdim: true }).float(), x.flatten({ startDim: 1 }), x.chunk(2, { dim: 1 })[1],
      x.split(1, { dim: 1 })[0], F.oneHot(ids, { numClasses: 5 }),
    ];
  }

  /** PyTorch's F.conv2d(x, w, b, padding=1), F.layer_norm(x, shape, w, b, eps=…): the first arguments by position, the rest as keywords (port61: ConvNeXt, StyleGAN2, seq2seq) */
  positionalThenKeywords(x: Tensor, l: Tensor, w2: Tensor, w1: Tensor, b: Tensor): Tensor[] {
    const start: Tensor<Shape, "int32"> = F.empty(x.size(0), 1, { dtype: "int32" }).fill_(0);
    const sized: Tensor<Shape, "int32"> = F.empty([x.size(0), 1], { dtype: "int64" });
    // torch.zeros(B, 1, dtype=torch.long), torch.randn(B, 4, requires_grad=False): sizes one by one, then options
    const zeros: Tensor<Shape, "int32"> = F.zeros(x.size(0), 1, { dtype: "int64" });
    const ones: Tensor<Shape, "int32"> = F.ones(x.size(0), 1, { dtype: "int32" });
    const noise = F.randn(x.size(0), 1, { requiresGrad: false }).add(F.rand(x.size(0), 1, { dtype: "float32" })).add(F.zeros(x.size(0), 1, {}));
    return [
      F.conv2d(x, w2, null, { padding: 1 }), F.conv2d(x, w2, b, { stride: 1, padding: "same", groups: 1 }), F.conv1d(l, w1, b, { padding: 1 }),
      F.conv3d(x.unsqueeze(2), w2.unsqueeze(2), undefined, { padding: [0, 1, 1] }), F.conv3d(x.unsqueeze(2), w2.unsqueeze(2), { padding: [0, 1, 1] }),
      F.convTranspose2d(x, w2, b, { padding: 1 }), F.convTranspose2d(x, w2, { bias: b, padding: 1 }), F.convTranspose1d(l, w1, null, { padding: 1 }), F.convTranspose1d(l, w1, { padding: 1 }),
      F.layerNorm(x, [4], null, null, { eps: 1e-6 }), F.groupNorm(x, 2, null, null, { eps: 1e-6 }),
      F.batchNorm(x, null, null, b, b, { training: true, eps: 1e-3 }), F.batchNorm(x, null, null, { weight: b, training: true }), F.instanceNorm(x, { weight: b, eps: 1e-3 }),
      start.float(), sized.float(), zeros.add(ones).float().add(noise),
      // the in-place forms' keywords: x.fill_(value=1), x.add_(other=y, alpha=2), x.masked_fill_(mask=m, value=0), …
      x.clone().fill_({ value: 1 }).add_({ other: x, alpha: 2 }).sub_({ other: 1 }).mul_({ other: 0.5 }).div_({ other: 2 }).pow_({ exponent: 2 }).clampMin_({ min: 0 })
        .maskedFill_({ mask: x.gt(0), value: 0 }).addcmul_({ tensor1: x, tensor2: x }).lerp_({ end: x, weight: 0.5 }).indexFill_({ dim: 1, index: F.tensor([0], { dtype: "int32" }), value: 0 })
        .add(x.clone().copy_({ src: x })).add(x.clone().uniform_({ from: -1, to: 1 })).add(x.clone().normal_({ mean: 0, std: 0.1 })),
    ];
  }

  forward(x: Tensor<[Batch, 2, 4, 4]>, ids: Tensor<[Batch, 3], "int32">) {
    const pooled = F.maxPool2d(x, { kernelSize: 1 }).add(F.avgPool2d(x, { kernelSize: 3, stride: 1, padding: 1 }));
    const planes = pooled.add(this.c2(x)).add(this.c2Positional(x)).add(this.c2Groups(x)).add(this.mp2(x)).add(this.ap2(x)).add(this.t2(x));
    const l = x.flatten(2);
    const rows = this.c1(l).add(this.c1Positional(l)).add(this.c1Stride(l)).add(this.t1(l)).add(this.mp1(l)).add(this.ap1(l)).add(F.maxPool1d(l, { kernelSize: 1 })).add(F.avgPool1d(l, { kernelSize: 1 }))
      .add(this.mha(l, l, l)[0]).add(this.mhaDropout(l, l, l)[0]);
    const v = x.unsqueeze(2);
    const volume = this.c3(v).add(this.t3(v)).add(this.mp3(v)).add(this.ap3(v));
    const acts = F.relu(l, { inplace: true }).add(F.relu6(l, true)).add(F.leakyRelu(l, 0.1, true)).add(F.hardtanh(l, { inplace: true })).add(F.silu(l, true)).add(F.elu(l, 1, true));
    const [best, at] = rows.max(2);
    let top = rows.topk(2, 2).values;
    top = top.div(top.sum(-1, true));
    const bag = this.bag(ids).unsqueeze(2).expand(rows.shape.slice(0, 2).concat([1]));
    return {
      out: planes.flatten(1).add(volume.flatten(1)).add(acts.flatten(1)).add(this.glu(x).flatten(1).repeat(1, 2)),
      picked: best.add(at.float()).add(top.sum(2)).add(bag.sum(2)),
    };
  }
}

export const training = new Training(OptionForms, {
  loss: (o: { out: Tensor; picked: Tensor }, y: Tensor<[Batch, 2]>) => F.mseLoss(o.picked, y).add(o.out.mean()),
  optimizer: new optim.SGD({ lr: 0.1 }),
});
