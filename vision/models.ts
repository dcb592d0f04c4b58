import { nn, F, type Tensor } from "tsdp/dsl";

// torchvision.models in the model language: the architectures ports reach for as a backbone
// (SimCLR's and MoCo's resnet50(), the siamese example's resnet18(weights=None), a VGG feature
// extractor), built with torchvision's module tree, so the parameter and buffer names, their order
// and count, and each layer's initialization are torchvision's (a torchvision state_dict loads).
// Written from the architectures' definitions; pretrained weights are not downloaded here: load a
// checkpoint into the compiled model instead.
//
//   import { models } from "tsdp/vision";      // from torchvision import models
//   this.backbone = models.resnet18();          // models.resnet18(weights=None)
//   this.backbone.fc = new nn.Identity();       // self.backbone.fc = nn.Identity()

/** What a model function takes: torchvision's keyword arguments, camelCase or as Python spells them. */
export interface ModelOptions {
  /** Only null (or absent): tsdp downloads nothing; load pretrained weights into the compiled model. */
  weights?: null;
  progress?: boolean;
  numClasses?: number;
  num_classes?: number;
  zeroInitResidual?: boolean;
  zero_init_residual?: boolean;
  replaceStrideWithDilation?: [boolean, boolean, boolean];
  replace_stride_with_dilation?: [boolean, boolean, boolean];
  dropout?: number;
  widthMult?: number;
  width_mult?: number;
  /** ViT's input side (224 by default): the position table's length follows it. */
  imageSize?: number;
  image_size?: number;
  /** GoogLeNet's and Inception v3's auxiliary classifiers (train mode only). */
  auxLogits?: boolean;
  aux_logits?: boolean;
  transformInput?: boolean;
  transform_input?: boolean;
  initWeights?: boolean | null;
  init_weights?: boolean | null;
  dropoutAux?: number;
  dropout_aux?: number;
}

function numClassesOf(o: ModelOptions): number {
  if (o.weights !== undefined && o.weights !== null) throw new Error("tsdp/vision: pretrained weights are not downloaded here; build the model with weights: null and load the weights into the compiled model (loadCheckpoint)");
  return o.numClasses ?? o.num_classes ?? 1000;
}

// ResNet (torchvision/models/resnet.py): He et al., "Deep Residual Learning for Image Recognition"

/** 3×3 convolution with padding, no bias. */
function conv3x3(inPlanes: number, outPlanes: number, stride = 1, groups = 1, dilation = 1): nn.Conv2d {
  return new nn.Conv2d(inPlanes, outPlanes, 3, { stride, padding: dilation, groups, bias: false, dilation });
}

/** 1×1 convolution, no bias. */
function conv1x1(inPlanes: number, outPlanes: number, stride = 1): nn.Conv2d {
  return new nn.Conv2d(inPlanes, outPlanes, 1, { stride, bias: false });
}

export class BasicBlock extends nn.Module {
  static expansion = 1;
  conv1: nn.Conv2d;
  bn1: nn.BatchNorm2d;
  relu: nn.ReLU;
  conv2: nn.Conv2d;
  bn2: nn.BatchNorm2d;
  downsample: nn.Module | null;
  stride: number;
  constructor(inplanes: number, planes: number, stride = 1, downsample: nn.Module | null = null, groups = 1, baseWidth = 64, dilation = 1) {
    super();
    if (groups !== 1 || baseWidth !== 64) throw new Error("BasicBlock only supports groups=1 and base_width=64");
    if (dilation > 1) throw new Error("Dilation > 1 not supported in BasicBlock");
    this.conv1 = conv3x3(inplanes, planes, stride);
    this.bn1 = new nn.BatchNorm2d(planes);
    this.relu = new nn.ReLU({ inplace: true });
    this.conv2 = conv3x3(planes, planes);
    this.bn2 = new nn.BatchNorm2d(planes);
    this.downsample = downsample;
    this.stride = stride;
  }
  forward(x: Tensor): Tensor {
    const identity = this.downsample === null ? x : this.downsample(x);
    let out = this.relu(this.bn1(this.conv1(x)));
    out = this.bn2(this.conv2(out));
    return this.relu(out.add(identity));
  }
}

/** ResNet v1.5's bottleneck: the stride on the 3×3 convolution, as torchvision's. */
export class Bottleneck extends nn.Module {
  static expansion = 4;
  conv1: nn.Conv2d;
  bn1: nn.BatchNorm2d;
  conv2: nn.Conv2d;
  bn2: nn.BatchNorm2d;
  conv3: nn.Conv2d;
  bn3: nn.BatchNorm2d;
  relu: nn.ReLU;
  downsample: nn.Module | null;
  stride: number;
  constructor(inplanes: number, planes: number, stride = 1, downsample: nn.Module | null = null, groups = 1, baseWidth = 64, dilation = 1) {
    super();
    const width = Math.floor(planes * (baseWidth / 64)) * groups;
    this.conv1 = conv1x1(inplanes, width);
    this.bn1 = new nn.BatchNorm2d(width);
    this.conv2 = conv3x3(width, width, stride, groups, dilation);
    this.bn2 = new nn.BatchNorm2d(width);
    this.conv3 = conv1x1(width, planes * Bottleneck.expansion);
    this.bn3 = new nn.BatchNorm2d(planes * Bottleneck.expansion);
    this.relu = new nn.ReLU({ inplace: true });
    this.downsample = downsample;
    this.stride = stride;
  }
  forward(x: Tensor): Tensor {
    const identity = this.downsample === null ? x : this.downsample(x);
    let out = this.relu(this.bn1(this.conv1(x)));
    out = this.relu(this.bn2(this.conv2(out)));
    out = this.bn3(this.conv3(out));
    return this.relu(out.add(identity));
  }
}

type Block = typeof BasicBlock | typeof Bottleneck;

export class ResNet extends nn.Module {
  inplanes: number;
  dilation: number;
  groups: number;
  baseWidth: number;
  conv1: nn.Conv2d;
  bn1: nn.BatchNorm2d;
  relu: nn.ReLU;
  maxpool: nn.MaxPool2d;
  layer1: nn.Sequential;
  layer2: nn.Sequential;
  layer3: nn.Sequential;
  layer4: nn.Sequential;
  avgpool: nn.AdaptiveAvgPool2d;
  fc: nn.Module;
  constructor(block: Block, layers: number[], numClasses = 1000, zeroInitResidual = false, groups = 1, widthPerGroup = 64, replaceStrideWithDilation: [boolean, boolean, boolean] = [false, false, false]) {
    super();
    this.inplanes = 64;
    this.dilation = 1;
    this.groups = groups;
    this.baseWidth = widthPerGroup;
    this.conv1 = new nn.Conv2d(3, this.inplanes, 7, { stride: 2, padding: 3, bias: false });
    this.bn1 = new nn.BatchNorm2d(this.inplanes);
    this.relu = new nn.ReLU({ inplace: true });
    this.maxpool = new nn.MaxPool2d({ kernelSize: 3, stride: 2, padding: 1 });
    this.layer1 = this.makeLayer(block, 64, layers[0]);
    this.layer2 = this.makeLayer(block, 128, layers[1], 2, replaceStrideWithDilation[0]);
    this.layer3 = this.makeLayer(block, 256, layers[2], 2, replaceStrideWithDilation[1]);
    this.layer4 = this.makeLayer(block, 512, layers[3], 2, replaceStrideWithDilation[2]);
    this.avgpool = new nn.AdaptiveAvgPool2d([1, 1]);
    this.fc = new nn.Linear(512 * block.expansion, numClasses);
    for (const m of this.modules()) {
      if (m instanceof nn.Conv2d) nn.init.kaiming_normal_(m.weight, { mode: "fan_out", nonlinearity: "relu" });
      else if (m instanceof nn.BatchNorm2d) {
        nn.init.constant_(m.weight, 1);
        nn.init.constant_(m.bias, 0);
      }
    }
    // each residual branch starts as zero, so each block starts as the identity (Goyal et al.)
    if (zeroInitResidual)
      for (const m of this.modules()) {
        if (m instanceof Bottleneck) nn.init.constant_(m.bn3.weight, 0);
        else if (m instanceof BasicBlock) nn.init.constant_(m.bn2.weight, 0);
      }
  }
  makeLayer(block: Block, planes: number, blocks: number, stride = 1, dilate = false): nn.Sequential {
    let downsample: nn.Module | null = null;
    const previousDilation = this.dilation;
    if (dilate) {
      this.dilation *= stride;
      stride = 1;
    }
    if (stride !== 1 || this.inplanes !== planes * block.expansion)
      downsample = new nn.Sequential(conv1x1(this.inplanes, planes * block.expansion, stride), new nn.BatchNorm2d(planes * block.expansion));
    const layers: nn.Module[] = [new block(this.inplanes, planes, stride, downsample, this.groups, this.baseWidth, previousDilation)];
    this.inplanes = planes * block.expansion;
    for (let i = 1; i < blocks; i++) layers.push(new block(this.inplanes, planes, 1, null, this.groups, this.baseWidth, this.dilation));
    return new nn.Sequential(...layers);
  }
  forward(x: Tensor): Tensor {
    x = this.maxpool(this.relu(this.bn1(this.conv1(x))));
    x = this.layer4(this.layer3(this.layer2(this.layer1(x))));
    x = F.flatten(this.avgpool(x), 1);
    return this.fc(x);
  }
}

function resnet(block: Block, layers: number[], o: ModelOptions, groups = 1, widthPerGroup = 64): ResNet {
  return new ResNet(block, layers, numClassesOf(o), o.zeroInitResidual ?? o.zero_init_residual ?? false, groups, widthPerGroup, o.replaceStrideWithDilation ?? o.replace_stride_with_dilation ?? [false, false, false]);
}

export const resnet18 = (o: ModelOptions = {}): ResNet => resnet(BasicBlock, [2, 2, 2, 2], o);
export const resnet34 = (o: ModelOptions = {}): ResNet => resnet(BasicBlock, [3, 4, 6, 3], o);
export const resnet50 = (o: ModelOptions = {}): ResNet => resnet(Bottleneck, [3, 4, 6, 3], o);
export const resnet101 = (o: ModelOptions = {}): ResNet => resnet(Bottleneck, [3, 4, 23, 3], o);
export const resnet152 = (o: ModelOptions = {}): ResNet => resnet(Bottleneck, [3, 8, 36, 3], o);
export const resnext50_32x4d = (o: ModelOptions = {}): ResNet => resnet(Bottleneck, [3, 4, 6, 3], o, 32, 4);
export const resnext101_32x8d = (o: ModelOptions = {}): ResNet => resnet(Bottleneck, [3, 4, 23, 3], o, 32, 8);
/** Wide ResNet-50-2: the bottleneck's inner width doubled. */
export const wide_resnet50_2 = (o: ModelOptions = {}): ResNet => resnet(Bottleneck, [3, 4, 6, 3], o, 1, 128);
export const wide_resnet101_2 = (o: ModelOptions = {}): ResNet => resnet(Bottleneck, [3, 4, 23, 3], o, 1, 128);

// VGG (torchvision/models/vgg.py): Simonyan and Zisserman, configurations A, B, D and E

const VGG_CFGS: Record<string, (number | "M")[]> = {
  A: [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
  B: [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
  D: [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
  E: [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"],
};

/** VGG's convolutional part: 3×3 convolutions (each followed by a BatchNorm when batchNorm) and 2×2 max pools. */
export function makeLayers(cfg: (number | "M")[], batchNorm = false): nn.Sequential {
  const layers: nn.Module[] = [];
  let inChannels = 3;
  for (const v of cfg) {
    if (v === "M") layers.push(new nn.MaxPool2d({ kernelSize: 2, stride: 2 }));
    else {
      const conv2d = new nn.Conv2d(inChannels, v, 3, { padding: 1 });
      if (batchNorm) layers.push(conv2d, new nn.BatchNorm2d(v), new nn.ReLU({ inplace: true }));
      else layers.push(conv2d, new nn.ReLU({ inplace: true }));
      inChannels = v;
    }
  }
  return new nn.Sequential(...layers);
}

export class VGG extends nn.Module {
  features: nn.Sequential;
  avgpool: nn.AdaptiveAvgPool2d;
  classifier: nn.Sequential;
  constructor(features: nn.Sequential, numClasses = 1000, initWeights = true, dropout = 0.5) {
    super();
    this.features = features;
    this.avgpool = new nn.AdaptiveAvgPool2d([7, 7]);
    this.classifier = new nn.Sequential(
      new nn.Linear(512 * 7 * 7, 4096),
      new nn.ReLU(true),
      new nn.Dropout({ p: dropout }),
      new nn.Linear(4096, 4096),
      new nn.ReLU(true),
      new nn.Dropout({ p: dropout }),
      new nn.Linear(4096, numClasses),
    );
    if (initWeights)
      for (const m of this.modules()) {
        if (m instanceof nn.Conv2d) {
          nn.init.kaiming_normal_(m.weight, { mode: "fan_out", nonlinearity: "relu" });
          if (m.bias !== null) nn.init.constant_(m.bias, 0);
        } else if (m instanceof nn.BatchNorm2d) {
          nn.init.constant_(m.weight, 1);
          nn.init.constant_(m.bias, 0);
        } else if (m instanceof nn.Linear) {
          nn.init.normal_(m.weight, 0, 0.01);
          nn.init.constant_(m.bias, 0);
        }
      }
  }
  forward(x: Tensor): Tensor {
    x = this.avgpool(this.features(x));
    return this.classifier(F.flatten(x, 1));
  }
}

function vgg(cfg: string, batchNorm: boolean, o: ModelOptions): VGG {
  return new VGG(makeLayers(VGG_CFGS[cfg], batchNorm), numClassesOf(o), true, o.dropout ?? 0.5);
}

export const vgg11 = (o: ModelOptions = {}): VGG => vgg("A", false, o);
export const vgg11_bn = (o: ModelOptions = {}): VGG => vgg("A", true, o);
export const vgg13 = (o: ModelOptions = {}): VGG => vgg("B", false, o);
export const vgg13_bn = (o: ModelOptions = {}): VGG => vgg("B", true, o);
export const vgg16 = (o: ModelOptions = {}): VGG => vgg("D", false, o);
export const vgg16_bn = (o: ModelOptions = {}): VGG => vgg("D", true, o);
export const vgg19 = (o: ModelOptions = {}): VGG => vgg("E", false, o);
export const vgg19_bn = (o: ModelOptions = {}): VGG => vgg("E", true, o);

// AlexNet (torchvision/models/alexnet.py): Krizhevsky's one-GPU variant, PyTorch's default initialization

export class AlexNet extends nn.Module {
  features: nn.Sequential;
  avgpool: nn.AdaptiveAvgPool2d;
  classifier: nn.Sequential;
  constructor(numClasses = 1000, dropout = 0.5) {
    super();
    this.features = new nn.Sequential(
      new nn.Conv2d(3, 64, 11, { stride: 4, padding: 2 }),
      new nn.ReLU({ inplace: true }),
      new nn.MaxPool2d({ kernelSize: 3, stride: 2 }),
      new nn.Conv2d(64, 192, 5, { padding: 2 }),
      new nn.ReLU({ inplace: true }),
      new nn.MaxPool2d({ kernelSize: 3, stride: 2 }),
      new nn.Conv2d(192, 384, 3, { padding: 1 }),
      new nn.ReLU({ inplace: true }),
      new nn.Conv2d(384, 256, 3, { padding: 1 }),
      new nn.ReLU({ inplace: true }),
      new nn.Conv2d(256, 256, 3, { padding: 1 }),
      new nn.ReLU({ inplace: true }),
      new nn.MaxPool2d({ kernelSize: 3, stride: 2 }),
    );
    this.avgpool = new nn.AdaptiveAvgPool2d([6, 6]);
    this.classifier = new nn.Sequential(
      new nn.Dropout({ p: dropout }),
      new nn.Linear(256 * 6 * 6, 4096),
      new nn.ReLU({ inplace: true }),
      new nn.Dropout({ p: dropout }),
      new nn.Linear(4096, 4096),
      new nn.ReLU({ inplace: true }),
      new nn.Linear(4096, numClasses),
    );
  }
  forward(x: Tensor): Tensor {
    x = this.avgpool(this.features(x));
    return this.classifier(F.flatten(x, 1));
  }
}

export const alexnet = (o: ModelOptions = {}): AlexNet => new AlexNet(numClassesOf(o), o.dropout ?? 0.5);

// MobileNetV2 (torchvision/models/mobilenetv2.py with ops/misc.py's Conv2dNormActivation): Sandler et al.

/** The channel count rounded to a multiple of `divisor`, never more than 10% below v. */
export function makeDivisible(v: number, divisor: number, minValue: number | null = null): number {
  const min = minValue ?? divisor;
  let newV = Math.max(min, Math.floor((v + divisor / 2) / divisor) * divisor);
  if (newV < 0.9 * v) newV += divisor;
  return newV;
}

/** The activations torchvision's mobile networks pass as activation_layer (built with inplace=True). */
type Activation = "relu" | "relu6" | "hardswish" | "silu" | "gelu" | null;
const ACTIVATIONS = { relu: () => new nn.ReLU({ inplace: true }), relu6: () => new nn.ReLU6({ inplace: true }), hardswish: () => new nn.Hardswish({ inplace: true }), silu: () => new nn.SiLU({ inplace: true }), gelu: () => new nn.GELU() };

/**
 * MobileNetV2's, MobileNetV3's and EfficientNet's initialization: convolutions kaiming-normal by
 * fan-out with zero bias, BatchNorm weight 1 and bias 0, and each Linear's weight by `linear`
 * (its bias 0).
 */
function initMobile(net: nn.Module, linear: (m: nn.Linear) => void): void {
  for (const m of net.modules()) {
    if (m instanceof nn.Conv2d) {
      nn.init.kaiming_normal_(m.weight, { mode: "fan_out" });
      if (m.bias !== null) nn.init.zeros_(m.bias);
    } else if (m instanceof nn.BatchNorm2d) {
      nn.init.ones_(m.weight);
      nn.init.zeros_(m.bias);
    } else if (m instanceof nn.Linear) {
      linear(m);
      nn.init.zeros_(m.bias!);
    }
  }
}

/**
 * torchvision.ops.Conv2dNormActivation with BatchNorm2d: children 0 (conv, no bias), 1 (norm) and,
 * unless activation is null, 2 (activation; MobileNetV2's ReLU6 by default). bnEps and bnMomentum
 * are the norm's (MobileNetV3's 0.001 and 0.01).
 */
export class Conv2dNormActivation extends nn.Sequential {
  outChannels: number;
  constructor(inChannels: number, outChannels: number, kernelSize = 3, stride = 1, groups = 1, dilation = 1, activation: Activation = "relu6", bnEps = 1e-5, bnMomentum = 0.1) {
    const padding = Math.floor((kernelSize - 1) / 2) * dilation;
    const layers: nn.Module[] = [new nn.Conv2d(inChannels, outChannels, kernelSize, { stride, padding, dilation, groups, bias: false }), new nn.BatchNorm2d(outChannels, { eps: bnEps, momentum: bnMomentum })];
    if (activation !== null) layers.push(ACTIVATIONS[activation]());
    super(...layers);
    this.outChannels = outChannels;
  }
}

export class InvertedResidual extends nn.Module {
  stride: number;
  useResConnect: boolean;
  conv: nn.Sequential;
  outChannels: number;
  constructor(inp: number, oup: number, stride: number, expandRatio: number) {
    super();
    this.stride = stride;
    if (stride !== 1 && stride !== 2) throw new Error(`stride should be 1 or 2 instead of ${stride}`);
    const hiddenDim = Math.round(inp * expandRatio);
    this.useResConnect = this.stride === 1 && inp === oup;
    const layers: nn.Module[] = [];
    // the pointwise expansion, then the depthwise convolution and the linear pointwise projection
    if (expandRatio !== 1) layers.push(new Conv2dNormActivation(inp, hiddenDim, 1));
    layers.push(new Conv2dNormActivation(hiddenDim, hiddenDim, 3, stride, hiddenDim), new nn.Conv2d(hiddenDim, oup, 1, 1, 0, { bias: false }), new nn.BatchNorm2d(oup));
    this.conv = new nn.Sequential(...layers);
    this.outChannels = oup;
  }
  forward(x: Tensor): Tensor {
    return this.useResConnect ? x.add(this.conv(x)) : this.conv(x);
  }
}

export class MobileNetV2 extends nn.Module {
  lastChannel: number;
  features: nn.Sequential;
  classifier: nn.Sequential;
  constructor(numClasses = 1000, widthMult = 1.0, roundNearest = 8, dropout = 0.2) {
    super();
    let inputChannel = 32;
    const lastChannel = 1280;
    // t (expansion), c (channels), n (repeats), s (first stride)
    const settings = [
      [1, 16, 1, 1],
      [6, 24, 2, 2],
      [6, 32, 3, 2],
      [6, 64, 4, 2],
      [6, 96, 3, 1],
      [6, 160, 3, 2],
      [6, 320, 1, 1],
    ];
    inputChannel = makeDivisible(inputChannel * widthMult, roundNearest);
    this.lastChannel = makeDivisible(lastChannel * Math.max(1.0, widthMult), roundNearest);
    const features: nn.Module[] = [new Conv2dNormActivation(3, inputChannel, 3, 2)];
    for (const [t, c, n, s] of settings) {
      const outputChannel = makeDivisible(c * widthMult, roundNearest);
      for (let i = 0; i < n; i++) {
        features.push(new InvertedResidual(inputChannel, outputChannel, i === 0 ? s : 1, t));
        inputChannel = outputChannel;
      }
    }
    features.push(new Conv2dNormActivation(inputChannel, this.lastChannel, 1));
    this.features = new nn.Sequential(...features);
    this.classifier = new nn.Sequential(new nn.Dropout({ p: dropout }), new nn.Linear(this.lastChannel, numClasses));
    initMobile(this, (m) => nn.init.normal_(m.weight, 0, 0.01));
  }
  forward(x: Tensor): Tensor {
    x = this.features(x);
    x = F.adaptiveAvgPool2d(x, [1, 1]);
    return this.classifier(F.flatten(x, 1));
  }
}

export const mobilenet_v2 = (o: ModelOptions = {}): MobileNetV2 => new MobileNetV2(numClassesOf(o), o.widthMult ?? o.width_mult ?? 1.0, 8, o.dropout ?? 0.2);

// MobileNetV3 (torchvision/models/mobilenetv3.py with ops/misc.py's SqueezeExcitation): Howard et al.

/**
 * torchvision.ops.SqueezeExcitation: the input scaled per channel by a gate computed from its
 * average (ReLU and sigmoid by default; MobileNetV3's gate a hard sigmoid, EfficientNet's squeeze a SiLU).
 */
export class SqueezeExcitation extends nn.Module {
  avgpool: nn.AdaptiveAvgPool2d;
  fc1: nn.Conv2d;
  fc2: nn.Conv2d;
  activation: nn.Module;
  scale_activation: nn.Module;
  constructor(inputChannels: number, squeezeChannels: number, activation: "relu" | "silu" = "relu", scaleActivation: "sigmoid" | "hardsigmoid" = "sigmoid") {
    super();
    this.avgpool = new nn.AdaptiveAvgPool2d(1);
    this.fc1 = new nn.Conv2d(inputChannels, squeezeChannels, 1);
    this.fc2 = new nn.Conv2d(squeezeChannels, inputChannels, 1);
    this.activation = activation === "silu" ? new nn.SiLU({ inplace: true }) : new nn.ReLU();
    this.scale_activation = scaleActivation === "hardsigmoid" ? new nn.Hardsigmoid() : new nn.Sigmoid();
  }
  forward(input: Tensor): Tensor {
    const scale = this.scale_activation(this.fc2(this.activation(this.fc1(this.avgpool(input)))));
    return scale.mul(input);
  }
}

/** One bottleneck's settings, its channel counts scaled by the width multiplier and rounded to multiples of 8. */
export class InvertedResidualConfig {
  inputChannels: number;
  kernel: number;
  expandedChannels: number;
  outChannels: number;
  useSe: boolean;
  useHs: boolean;
  stride: number;
  dilation: number;
  constructor(inputChannels: number, kernel: number, expandedChannels: number, outChannels: number, useSe: boolean, activation: "RE" | "HS", stride: number, dilation: number, widthMult: number) {
    this.inputChannels = makeDivisible(inputChannels * widthMult, 8);
    this.kernel = kernel;
    this.expandedChannels = makeDivisible(expandedChannels * widthMult, 8);
    this.outChannels = makeDivisible(outChannels * widthMult, 8);
    this.useSe = useSe;
    this.useHs = activation === "HS";
    this.stride = stride;
    this.dilation = dilation;
  }
}

/** MobileNetV3's bottleneck: expand, depthwise, squeeze-and-excite, project; children of `block`. */
export class InvertedResidualV3 extends nn.Module {
  useResConnect: boolean;
  block: nn.Sequential;
  outChannels: number;
  constructor(cnf: InvertedResidualConfig) {
    super();
    if (cnf.stride < 1 || cnf.stride > 2) throw new Error("illegal stride value");
    this.useResConnect = cnf.stride === 1 && cnf.inputChannels === cnf.outChannels;
    const activation: Activation = cnf.useHs ? "hardswish" : "relu";
    const layers: nn.Module[] = [];
    if (cnf.expandedChannels !== cnf.inputChannels) layers.push(new Conv2dNormActivation(cnf.inputChannels, cnf.expandedChannels, 1, 1, 1, 1, activation, 0.001, 0.01));
    const stride = cnf.dilation > 1 ? 1 : cnf.stride;
    layers.push(new Conv2dNormActivation(cnf.expandedChannels, cnf.expandedChannels, cnf.kernel, stride, cnf.expandedChannels, cnf.dilation, activation, 0.001, 0.01));
    if (cnf.useSe) layers.push(new SqueezeExcitation(cnf.expandedChannels, makeDivisible(Math.floor(cnf.expandedChannels / 4), 8), "relu", "hardsigmoid"));
    layers.push(new Conv2dNormActivation(cnf.expandedChannels, cnf.outChannels, 1, 1, 1, 1, null, 0.001, 0.01));
    this.block = new nn.Sequential(...layers);
    this.outChannels = cnf.outChannels;
  }
  forward(input: Tensor): Tensor {
    const result = this.block(input);
    return this.useResConnect ? result.add(input) : result;
  }
}

export class MobileNetV3 extends nn.Module {
  features: nn.Sequential;
  avgpool: nn.AdaptiveAvgPool2d;
  classifier: nn.Sequential;
  constructor(settings: InvertedResidualConfig[], lastChannel: number, numClasses = 1000, dropout = 0.2) {
    super();
    const layers: nn.Module[] = [new Conv2dNormActivation(3, settings[0].inputChannels, 3, 2, 1, 1, "hardswish", 0.001, 0.01)];
    for (const cnf of settings) layers.push(new InvertedResidualV3(cnf));
    const lastconvInput = settings[settings.length - 1].outChannels;
    const lastconvOutput = 6 * lastconvInput;
    layers.push(new Conv2dNormActivation(lastconvInput, lastconvOutput, 1, 1, 1, 1, "hardswish", 0.001, 0.01));
    this.features = new nn.Sequential(...layers);
    this.avgpool = new nn.AdaptiveAvgPool2d(1);
    this.classifier = new nn.Sequential(new nn.Linear(lastconvOutput, lastChannel), new nn.Hardswish({ inplace: true }), new nn.Dropout({ p: dropout, inplace: true }), new nn.Linear(lastChannel, numClasses));
    initMobile(this, (m) => nn.init.normal_(m.weight, 0, 0.01));
  }
  forward(x: Tensor): Tensor {
    x = this.avgpool(this.features(x));
    return this.classifier(F.flatten(x, 1));
  }
}

/** MobileNetV3's bottleneck table (input, kernel, expanded, output, SE, activation, stride, dilation) and last channel count. */
function mobilenetV3Settings(arch: "large" | "small", widthMult: number): [InvertedResidualConfig[], number] {
  const c = (i: number, k: number, e: number, o: number, se: boolean, act: "RE" | "HS", s: number) => new InvertedResidualConfig(i, k, e, o, se, act, s, 1, widthMult);
  if (arch === "large")
    return [
      [
        c(16, 3, 16, 16, false, "RE", 1), c(16, 3, 64, 24, false, "RE", 2), c(24, 3, 72, 24, false, "RE", 1),
        c(24, 5, 72, 40, true, "RE", 2), c(40, 5, 120, 40, true, "RE", 1), c(40, 5, 120, 40, true, "RE", 1),
        c(40, 3, 240, 80, false, "HS", 2), c(80, 3, 200, 80, false, "HS", 1), c(80, 3, 184, 80, false, "HS", 1), c(80, 3, 184, 80, false, "HS", 1),
        c(80, 3, 480, 112, true, "HS", 1), c(112, 3, 672, 112, true, "HS", 1),
        c(112, 5, 672, 160, true, "HS", 2), c(160, 5, 960, 160, true, "HS", 1), c(160, 5, 960, 160, true, "HS", 1),
      ],
      makeDivisible(1280 * widthMult, 8),
    ];
  return [
    [
      c(16, 3, 16, 16, true, "RE", 2), c(16, 3, 72, 24, false, "RE", 2), c(24, 3, 88, 24, false, "RE", 1),
      c(24, 5, 96, 40, true, "HS", 2), c(40, 5, 240, 40, true, "HS", 1), c(40, 5, 240, 40, true, "HS", 1),
      c(40, 5, 120, 48, true, "HS", 1), c(48, 5, 144, 48, true, "HS", 1),
      c(48, 5, 288, 96, true, "HS", 2), c(96, 5, 576, 96, true, "HS", 1), c(96, 5, 576, 96, true, "HS", 1),
    ],
    makeDivisible(1024 * widthMult, 8),
  ];
}

export function mobilenet_v3_large(o: ModelOptions = {}): MobileNetV3 {
  const [settings, last] = mobilenetV3Settings("large", o.widthMult ?? o.width_mult ?? 1.0);
  return new MobileNetV3(settings, last, numClassesOf(o), o.dropout ?? 0.2);
}
export function mobilenet_v3_small(o: ModelOptions = {}): MobileNetV3 {
  const [settings, last] = mobilenetV3Settings("small", o.widthMult ?? o.width_mult ?? 1.0);
  return new MobileNetV3(settings, last, numClassesOf(o), o.dropout ?? 0.2);
}

// EfficientNet (torchvision/models/efficientnet.py): Tan and Le, compound-scaled MBConv stages

/**
 * torchvision.ops.StochasticDepth in "row" mode: in training each sample's residual branch is kept
 * with probability 1 − p and scaled by 1/(1 − p), else dropped; in eval it is the identity.
 */
export class StochasticDepth extends nn.Module {
  p: number;
  mode: "row" | "batch";
  constructor(p: number, mode: "row" | "batch") {
    super();
    this.p = p;
    this.mode = mode;
  }
  forward(input: Tensor): Tensor {
    if (!this.training || this.p === 0) return input;
    const survivalRate = 1 - this.p;
    const size = this.mode === "row" ? [input.shape[0], ...input.shape.slice(1).map(() => 1)] : input.shape.map(() => 1);
    let noise = F.empty(size).bernoulli_(survivalRate);
    if (survivalRate > 0) noise = noise.div_(survivalRate);
    return input.mul(noise);
  }
}

/** The BatchNorm2d settings a model passes as norm_layer (B5–B7's eps 0.001 and momentum 0.01, V2's eps 0.001). */
export interface NormSettings {
  eps?: number;
  momentum?: number;
}

/** One MBConv stage's settings, its channels scaled by the width multiplier and its depth by the depth multiplier. */
export class MBConvConfig {
  expandRatio: number;
  kernel: number;
  stride: number;
  inputChannels: number;
  outChannels: number;
  numLayers: number;
  block: typeof MBConv | typeof FusedMBConv;
  constructor(expandRatio: number, kernel: number, stride: number, inputChannels: number, outChannels: number, numLayers: number, widthMult = 1.0, depthMult = 1.0) {
    this.expandRatio = expandRatio;
    this.kernel = kernel;
    this.stride = stride;
    this.inputChannels = makeDivisible(inputChannels * widthMult, 8);
    this.outChannels = makeDivisible(outChannels * widthMult, 8);
    this.numLayers = Math.ceil(numLayers * depthMult);
    this.block = MBConv;
  }
}

/** EfficientNetV2's fused stage settings: the channels and depth as given. */
export class FusedMBConvConfig extends MBConvConfig {
  constructor(expandRatio: number, kernel: number, stride: number, inputChannels: number, outChannels: number, numLayers: number) {
    super(expandRatio, kernel, stride, inputChannels, outChannels, numLayers);
    this.block = FusedMBConv;
  }
}

export class MBConv extends nn.Module {
  useResConnect: boolean;
  block: nn.Sequential;
  stochastic_depth: StochasticDepth;
  outChannels: number;
  constructor(cnf: MBConvConfig, stochasticDepthProb: number, norm: NormSettings = {}) {
    super();
    if (cnf.stride < 1 || cnf.stride > 2) throw new Error("illegal stride value");
    this.useResConnect = cnf.stride === 1 && cnf.inputChannels === cnf.outChannels;
    const [eps, momentum] = [norm.eps ?? 1e-5, norm.momentum ?? 0.1];
    const layers: nn.Module[] = [];
    const expandedChannels = makeDivisible(cnf.inputChannels * cnf.expandRatio, 8);
    if (expandedChannels !== cnf.inputChannels) layers.push(new Conv2dNormActivation(cnf.inputChannels, expandedChannels, 1, 1, 1, 1, "silu", eps, momentum));
    layers.push(new Conv2dNormActivation(expandedChannels, expandedChannels, cnf.kernel, cnf.stride, expandedChannels, 1, "silu", eps, momentum));
    layers.push(new SqueezeExcitation(expandedChannels, Math.max(1, Math.floor(cnf.inputChannels / 4)), "silu"));
    layers.push(new Conv2dNormActivation(expandedChannels, cnf.outChannels, 1, 1, 1, 1, null, eps, momentum));
    this.block = new nn.Sequential(...layers);
    this.stochastic_depth = new StochasticDepth(stochasticDepthProb, "row");
    this.outChannels = cnf.outChannels;
  }
  forward(input: Tensor): Tensor {
    let result = this.block(input);
    if (this.useResConnect) result = this.stochastic_depth(result).add(input);
    return result;
  }
}

/** EfficientNetV2's fused block: the expansion and the depthwise convolution as one full k×k convolution, then the projection. */
export class FusedMBConv extends nn.Module {
  useResConnect: boolean;
  block: nn.Sequential;
  stochastic_depth: StochasticDepth;
  outChannels: number;
  constructor(cnf: MBConvConfig, stochasticDepthProb: number, norm: NormSettings = {}) {
    super();
    if (cnf.stride < 1 || cnf.stride > 2) throw new Error("illegal stride value");
    this.useResConnect = cnf.stride === 1 && cnf.inputChannels === cnf.outChannels;
    const [eps, momentum] = [norm.eps ?? 1e-5, norm.momentum ?? 0.1];
    const layers: nn.Module[] = [];
    const expandedChannels = makeDivisible(cnf.inputChannels * cnf.expandRatio, 8);
    if (expandedChannels !== cnf.inputChannels) {
      layers.push(new Conv2dNormActivation(cnf.inputChannels, expandedChannels, cnf.kernel, cnf.stride, 1, 1, "silu", eps, momentum));
      layers.push(new Conv2dNormActivation(expandedChannels, cnf.outChannels, 1, 1, 1, 1, null, eps, momentum));
    } else layers.push(new Conv2dNormActivation(cnf.inputChannels, cnf.outChannels, cnf.kernel, cnf.stride, 1, 1, "silu", eps, momentum));
    this.block = new nn.Sequential(...layers);
    this.stochastic_depth = new StochasticDepth(stochasticDepthProb, "row");
    this.outChannels = cnf.outChannels;
  }
  forward(input: Tensor): Tensor {
    let result = this.block(input);
    if (this.useResConnect) result = this.stochastic_depth(result).add(input);
    return result;
  }
}

export class EfficientNet extends nn.Module {
  features: nn.Sequential;
  avgpool: nn.AdaptiveAvgPool2d;
  classifier: nn.Sequential;
  constructor(settings: MBConvConfig[], dropout: number, stochasticDepthProb = 0.2, numClasses = 1000, norm: NormSettings = {}, lastChannel: number | null = null) {
    super();
    const [eps, momentum] = [norm.eps ?? 1e-5, norm.momentum ?? 0.1];
    const layers: nn.Module[] = [new Conv2dNormActivation(3, settings[0].inputChannels, 3, 2, 1, 1, "silu", eps, momentum)];
    const totalStageBlocks = settings.reduce((n, cnf) => n + cnf.numLayers, 0);
    let stageBlockId = 0;
    for (const cnf of settings) {
      const stage: nn.Module[] = [];
      for (let i = 0; i < cnf.numLayers; i++) {
        // a copy (torchvision's copy.copy(cnf)); after a stage's first block: its own output width in, stride 1
        const blockCnf: MBConvConfig = { ...cnf };
        if (stage.length > 0) {
          blockCnf.inputChannels = blockCnf.outChannels;
          blockCnf.stride = 1;
        }
        // the drop probability grows linearly with the block's depth
        stage.push(new blockCnf.block(blockCnf, (stochasticDepthProb * stageBlockId) / totalStageBlocks, norm));
        stageBlockId += 1;
      }
      layers.push(new nn.Sequential(...stage));
    }
    const lastconvInput = settings[settings.length - 1].outChannels;
    const lastconvOutput = lastChannel ?? 4 * lastconvInput;
    layers.push(new Conv2dNormActivation(lastconvInput, lastconvOutput, 1, 1, 1, 1, "silu", eps, momentum));
    this.features = new nn.Sequential(...layers);
    this.avgpool = new nn.AdaptiveAvgPool2d(1);
    this.classifier = new nn.Sequential(new nn.Dropout({ p: dropout, inplace: true }), new nn.Linear(lastconvOutput, numClasses));
    initMobile(this, (m) => nn.init.uniform_(m.weight, -1.0 / Math.sqrt(m.outFeatures), 1.0 / Math.sqrt(m.outFeatures)));
  }
  forward(x: Tensor): Tensor {
    x = this.avgpool(this.features(x));
    return this.classifier(F.flatten(x, 1));
  }
}

function efficientnet(widthMult: number, depthMult: number, dropout: number, o: ModelOptions, norm: NormSettings = {}): EfficientNet {
  const c = (e: number, k: number, s: number, i: number, out: number, n: number) => new MBConvConfig(e, k, s, i, out, n, widthMult, depthMult);
  const settings = [c(1, 3, 1, 32, 16, 1), c(6, 3, 2, 16, 24, 2), c(6, 5, 2, 24, 40, 2), c(6, 3, 2, 40, 80, 3), c(6, 5, 1, 80, 112, 3), c(6, 5, 2, 112, 192, 4), c(6, 3, 1, 192, 320, 1)];
  return new EfficientNet(settings, o.dropout ?? dropout, 0.2, numClassesOf(o), norm);
}

export const efficientnet_b0 = (o: ModelOptions = {}): EfficientNet => efficientnet(1.0, 1.0, 0.2, o);
export const efficientnet_b1 = (o: ModelOptions = {}): EfficientNet => efficientnet(1.0, 1.1, 0.2, o);
export const efficientnet_b2 = (o: ModelOptions = {}): EfficientNet => efficientnet(1.1, 1.2, 0.3, o);
export const efficientnet_b3 = (o: ModelOptions = {}): EfficientNet => efficientnet(1.2, 1.4, 0.3, o);
export const efficientnet_b4 = (o: ModelOptions = {}): EfficientNet => efficientnet(1.4, 1.8, 0.4, o);
// B5–B7 take TensorFlow's BatchNorm settings (their weights were ported from it)
export const efficientnet_b5 = (o: ModelOptions = {}): EfficientNet => efficientnet(1.6, 2.2, 0.4, o, { eps: 0.001, momentum: 0.01 });
export const efficientnet_b6 = (o: ModelOptions = {}): EfficientNet => efficientnet(1.8, 2.6, 0.5, o, { eps: 0.001, momentum: 0.01 });
export const efficientnet_b7 = (o: ModelOptions = {}): EfficientNet => efficientnet(2.0, 3.1, 0.5, o, { eps: 0.001, momentum: 0.01 });

// EfficientNetV2 (the same file): Tan and Le, fused MBConv stages first, a fixed 1280-channel head

function efficientnetV2(arch: "s" | "m" | "l", dropout: number, o: ModelOptions): EfficientNet {
  const fused = (e: number, k: number, s: number, i: number, out: number, n: number) => new FusedMBConvConfig(e, k, s, i, out, n);
  const mb = (e: number, k: number, s: number, i: number, out: number, n: number) => new MBConvConfig(e, k, s, i, out, n);
  const settings =
    arch === "s"
      ? [fused(1, 3, 1, 24, 24, 2), fused(4, 3, 2, 24, 48, 4), fused(4, 3, 2, 48, 64, 4), mb(4, 3, 2, 64, 128, 6), mb(6, 3, 1, 128, 160, 9), mb(6, 3, 2, 160, 256, 15)]
      : arch === "m"
        ? [fused(1, 3, 1, 24, 24, 3), fused(4, 3, 2, 24, 48, 5), fused(4, 3, 2, 48, 80, 5), mb(4, 3, 2, 80, 160, 7), mb(6, 3, 1, 160, 176, 14), mb(6, 3, 2, 176, 304, 18), mb(6, 3, 1, 304, 512, 5)]
        : [fused(1, 3, 1, 32, 32, 4), fused(4, 3, 2, 32, 64, 7), fused(4, 3, 2, 64, 96, 7), mb(4, 3, 2, 96, 192, 10), mb(6, 3, 1, 192, 224, 19), mb(6, 3, 2, 224, 384, 25), mb(6, 3, 1, 384, 640, 7)];
  return new EfficientNet(settings, o.dropout ?? dropout, 0.2, numClassesOf(o), { eps: 1e-3 }, 1280);
}

export const efficientnet_v2_s = (o: ModelOptions = {}): EfficientNet => efficientnetV2("s", 0.2, o);
export const efficientnet_v2_m = (o: ModelOptions = {}): EfficientNet => efficientnetV2("m", 0.3, o);
export const efficientnet_v2_l = (o: ModelOptions = {}): EfficientNet => efficientnetV2("l", 0.4, o);

// ConvNeXt (torchvision/models/convnext.py): Liu et al., a ResNet modernized toward a transformer's design

/** A LayerNorm over the channels of an [N, C, H, W] tensor (channels moved last and back). */
export class LayerNorm2d extends nn.LayerNorm {
  forward(x: Tensor): Tensor {
    x = x.permute(0, 2, 3, 1);
    x = F.layerNorm(x, this.normalizedShape, this.weight, this.bias, this.eps!);
    return x.permute(0, 3, 1, 2);
  }
}

/** torchvision.ops.Permute: the dims reordered, as a module of a Sequential. */
export class Permute extends nn.Module {
  dims: number[];
  constructor(dims: number[]) {
    super();
    this.dims = dims;
  }
  forward(x: Tensor): Tensor {
    return F.permute(x, this.dims);
  }
}

export class CNBlock extends nn.Module {
  block: nn.Sequential;
  layer_scale: nn.Parameter;
  stochastic_depth: StochasticDepth;
  constructor(dim: number, layerScale: number, stochasticDepthProb: number) {
    super();
    this.block = new nn.Sequential(
      new nn.Conv2d(dim, dim, 7, { padding: 3, groups: dim, bias: true }),
      new Permute([0, 2, 3, 1]),
      new nn.LayerNorm(dim, { eps: 1e-6 }),
      new nn.Linear(dim, 4 * dim, true),
      new nn.GELU(),
      new nn.Linear(4 * dim, dim, true),
      new Permute([0, 3, 1, 2]),
    );
    this.layer_scale = new nn.Parameter(F.ones(dim, 1, 1).mul(layerScale));
    this.stochastic_depth = new StochasticDepth(stochasticDepthProb, "row");
  }
  forward(input: Tensor): Tensor {
    const result = this.layer_scale.mul(this.block(input));
    return this.stochastic_depth(result).add(input);
  }
}

export class ConvNeXt extends nn.Module {
  features: nn.Sequential;
  avgpool: nn.AdaptiveAvgPool2d;
  classifier: nn.Sequential;
  /** blockSetting: each stage's [input channels, output channels (null for the last), blocks]. */
  constructor(blockSetting: [number, number | null, number][], stochasticDepthProb = 0.0, layerScale = 1e-6, numClasses = 1000) {
    super();
    // the stem: a 4×4 patchifying convolution (with bias) and a channel LayerNorm
    const layers: nn.Module[] = [new nn.Sequential(new nn.Conv2d(3, blockSetting[0][0], 4, { stride: 4, padding: 0, bias: true }), new LayerNorm2d(blockSetting[0][0], { eps: 1e-6 }))];
    const totalStageBlocks = blockSetting.reduce((n, [, , blocks]) => n + blocks, 0);
    let stageBlockId = 0;
    for (const [inputChannels, outChannels, numLayers] of blockSetting) {
      const stage: nn.Module[] = [];
      for (let i = 0; i < numLayers; i++) {
        stage.push(new CNBlock(inputChannels, layerScale, (stochasticDepthProb * stageBlockId) / (totalStageBlocks - 1.0)));
        stageBlockId += 1;
      }
      layers.push(new nn.Sequential(...stage));
      // downsampling between stages
      if (outChannels !== null) layers.push(new nn.Sequential(new LayerNorm2d(inputChannels, { eps: 1e-6 }), new nn.Conv2d(inputChannels, outChannels, 2, { stride: 2 })));
    }
    this.features = new nn.Sequential(...layers);
    this.avgpool = new nn.AdaptiveAvgPool2d(1);
    const last = blockSetting[blockSetting.length - 1];
    const lastChannels = last[1] ?? last[0];
    this.classifier = new nn.Sequential(new LayerNorm2d(lastChannels, { eps: 1e-6 }), new nn.Flatten(1), new nn.Linear(lastChannels, numClasses));
    for (const m of this.modules()) {
      if (m instanceof nn.Conv2d || m instanceof nn.Linear) {
        nn.init.trunc_normal_(m.weight, { std: 0.02 });
        if (m.bias !== null) nn.init.zeros_(m.bias);
      }
    }
  }
  forward(x: Tensor): Tensor {
    x = this.avgpool(this.features(x));
    return this.classifier(x);
  }
}

export const convnext_tiny = (o: ModelOptions = {}): ConvNeXt => new ConvNeXt([[96, 192, 3], [192, 384, 3], [384, 768, 9], [768, null, 3]], 0.1, 1e-6, numClassesOf(o));
export const convnext_small = (o: ModelOptions = {}): ConvNeXt => new ConvNeXt([[96, 192, 3], [192, 384, 3], [384, 768, 27], [768, null, 3]], 0.4, 1e-6, numClassesOf(o));
export const convnext_base = (o: ModelOptions = {}): ConvNeXt => new ConvNeXt([[128, 256, 3], [256, 512, 3], [512, 1024, 27], [1024, null, 3]], 0.5, 1e-6, numClassesOf(o));
export const convnext_large = (o: ModelOptions = {}): ConvNeXt => new ConvNeXt([[192, 384, 3], [384, 768, 3], [768, 1536, 27], [1536, null, 3]], 0.5, 1e-6, numClassesOf(o));

// DenseNet (torchvision/models/densenet.py): Huang et al., each layer fed every earlier layer's features

export class DenseLayer extends nn.Module {
  norm1: nn.BatchNorm2d;
  relu1: nn.ReLU;
  conv1: nn.Conv2d;
  norm2: nn.BatchNorm2d;
  relu2: nn.ReLU;
  conv2: nn.Conv2d;
  dropRate: number;
  constructor(numInputFeatures: number, growthRate: number, bnSize: number, dropRate: number) {
    super();
    this.norm1 = new nn.BatchNorm2d(numInputFeatures);
    this.relu1 = new nn.ReLU({ inplace: true });
    this.conv1 = new nn.Conv2d(numInputFeatures, bnSize * growthRate, 1, { stride: 1, bias: false });
    this.norm2 = new nn.BatchNorm2d(bnSize * growthRate);
    this.relu2 = new nn.ReLU({ inplace: true });
    this.conv2 = new nn.Conv2d(bnSize * growthRate, growthRate, 3, { stride: 1, padding: 1, bias: false });
    this.dropRate = dropRate;
  }
  /** The earlier features (one tensor, or the list of them) joined along the channels, then BN-ReLU-1×1 and BN-ReLU-3×3. */
  forward(input: Tensor | Tensor[]): Tensor {
    const prevFeatures = Array.isArray(input) ? input : [input];
    const concated = F.cat(prevFeatures, 1);
    const bottleneckOutput = this.conv1(this.relu1(this.norm1(concated)));
    let newFeatures = this.conv2(this.relu2(this.norm2(bottleneckOutput)));
    if (this.dropRate > 0) newFeatures = F.dropout(newFeatures, { p: this.dropRate, training: this.training });
    return newFeatures;
  }
}

export class DenseBlock extends nn.ModuleDict {
  constructor(numLayers: number, numInputFeatures: number, bnSize: number, growthRate: number, dropRate: number) {
    super();
    for (let i = 0; i < numLayers; i++) this.addModule(`denselayer${i + 1}`, new DenseLayer(numInputFeatures + i * growthRate, growthRate, bnSize, dropRate));
  }
  forward(initFeatures: Tensor): Tensor {
    const features = [initFeatures];
    for (const [, layer] of this.items()) features.push((layer as DenseLayer)(features));
    return F.cat(features, 1);
  }
}

/** Between dense blocks: BN-ReLU-1×1 convolution halving the channels, then a 2×2 average pool. */
export class Transition extends nn.Module {
  norm: nn.BatchNorm2d;
  relu: nn.ReLU;
  conv: nn.Conv2d;
  pool: nn.AvgPool2d;
  constructor(numInputFeatures: number, numOutputFeatures: number) {
    super();
    this.norm = new nn.BatchNorm2d(numInputFeatures);
    this.relu = new nn.ReLU({ inplace: true });
    this.conv = new nn.Conv2d(numInputFeatures, numOutputFeatures, 1, { stride: 1, bias: false });
    this.pool = new nn.AvgPool2d({ kernelSize: 2, stride: 2 });
  }
  forward(x: Tensor): Tensor {
    return this.pool(this.conv(this.relu(this.norm(x))));
  }
}

export class DenseNet extends nn.Module {
  features: nn.Sequential;
  classifier: nn.Linear;
  constructor(growthRate = 32, blockConfig: number[] = [6, 12, 24, 16], numInitFeatures = 64, bnSize = 4, dropRate = 0, numClasses = 1000) {
    super();
    this.features = new nn.Sequential({
      conv0: new nn.Conv2d(3, numInitFeatures, 7, { stride: 2, padding: 3, bias: false }),
      norm0: new nn.BatchNorm2d(numInitFeatures),
      relu0: new nn.ReLU({ inplace: true }),
      pool0: new nn.MaxPool2d({ kernelSize: 3, stride: 2, padding: 1 }),
    });
    let numFeatures = numInitFeatures;
    blockConfig.forEach((numLayers, i) => {
      this.features.addModule(`denseblock${i + 1}`, new DenseBlock(numLayers, numFeatures, bnSize, growthRate, dropRate));
      numFeatures = numFeatures + numLayers * growthRate;
      if (i !== blockConfig.length - 1) {
        this.features.addModule(`transition${i + 1}`, new Transition(numFeatures, Math.floor(numFeatures / 2)));
        numFeatures = Math.floor(numFeatures / 2);
      }
    });
    this.features.addModule("norm5", new nn.BatchNorm2d(numFeatures));
    this.classifier = new nn.Linear(numFeatures, numClasses);
    for (const m of this.modules()) {
      if (m instanceof nn.Conv2d) nn.init.kaiming_normal_(m.weight);
      else if (m instanceof nn.BatchNorm2d) {
        nn.init.constant_(m.weight, 1);
        nn.init.constant_(m.bias, 0);
      } else if (m instanceof nn.Linear) nn.init.constant_(m.bias, 0);
    }
  }
  forward(x: Tensor): Tensor {
    const features = this.features(x);
    let out = F.relu(features, { inplace: true });
    out = F.adaptiveAvgPool2d(out, [1, 1]);
    return this.classifier(F.flatten(out, 1));
  }
}

function densenet(growthRate: number, blockConfig: number[], numInitFeatures: number, o: ModelOptions): DenseNet {
  return new DenseNet(growthRate, blockConfig, numInitFeatures, 4, 0, numClassesOf(o));
}

export const densenet121 = (o: ModelOptions = {}): DenseNet => densenet(32, [6, 12, 24, 16], 64, o);
export const densenet161 = (o: ModelOptions = {}): DenseNet => densenet(48, [6, 12, 36, 24], 96, o);
export const densenet169 = (o: ModelOptions = {}): DenseNet => densenet(32, [6, 12, 32, 32], 64, o);
export const densenet201 = (o: ModelOptions = {}): DenseNet => densenet(32, [6, 12, 48, 32], 64, o);

// SqueezeNet (torchvision/models/squeezenet.py): Iandola et al., fire modules

export class Fire extends nn.Module {
  inplanes: number;
  squeeze: nn.Conv2d;
  squeeze_activation: nn.ReLU;
  expand1x1: nn.Conv2d;
  expand1x1_activation: nn.ReLU;
  expand3x3: nn.Conv2d;
  expand3x3_activation: nn.ReLU;
  constructor(inplanes: number, squeezePlanes: number, expand1x1Planes: number, expand3x3Planes: number) {
    super();
    this.inplanes = inplanes;
    this.squeeze = new nn.Conv2d(inplanes, squeezePlanes, 1);
    this.squeeze_activation = new nn.ReLU({ inplace: true });
    this.expand1x1 = new nn.Conv2d(squeezePlanes, expand1x1Planes, 1);
    this.expand1x1_activation = new nn.ReLU({ inplace: true });
    this.expand3x3 = new nn.Conv2d(squeezePlanes, expand3x3Planes, 3, { padding: 1 });
    this.expand3x3_activation = new nn.ReLU({ inplace: true });
  }
  forward(x: Tensor): Tensor {
    x = this.squeeze_activation(this.squeeze(x));
    return F.cat([this.expand1x1_activation(this.expand1x1(x)), this.expand3x3_activation(this.expand3x3(x))], 1);
  }
}

export class SqueezeNet extends nn.Module {
  numClasses: number;
  features: nn.Sequential;
  classifier: nn.Sequential;
  constructor(version: "1_0" | "1_1" = "1_0", numClasses = 1000, dropout = 0.5) {
    super();
    this.numClasses = numClasses;
    const pool = () => new nn.MaxPool2d({ kernelSize: 3, stride: 2, ceilMode: true });
    if (version === "1_0")
      this.features = new nn.Sequential(
        new nn.Conv2d(3, 96, 7, { stride: 2 }), new nn.ReLU({ inplace: true }), pool(),
        new Fire(96, 16, 64, 64), new Fire(128, 16, 64, 64), new Fire(128, 32, 128, 128), pool(),
        new Fire(256, 32, 128, 128), new Fire(256, 48, 192, 192), new Fire(384, 48, 192, 192), new Fire(384, 64, 256, 256), pool(),
        new Fire(512, 64, 256, 256),
      );
    else if (version === "1_1")
      this.features = new nn.Sequential(
        new nn.Conv2d(3, 64, 3, { stride: 2 }), new nn.ReLU({ inplace: true }), pool(),
        new Fire(64, 16, 64, 64), new Fire(128, 16, 64, 64), pool(),
        new Fire(128, 32, 128, 128), new Fire(256, 32, 128, 128), pool(),
        new Fire(256, 48, 192, 192), new Fire(384, 48, 192, 192), new Fire(384, 64, 256, 256), new Fire(512, 64, 256, 256),
      );
    else throw new Error(`Unsupported SqueezeNet version ${version}: 1_0 or 1_1 expected`);
    // the final convolution is the classifier, its output averaged over the positions
    const finalConv = new nn.Conv2d(512, this.numClasses, 1);
    this.classifier = new nn.Sequential(new nn.Dropout({ p: dropout }), finalConv, new nn.ReLU({ inplace: true }), new nn.AdaptiveAvgPool2d([1, 1]));
    for (const m of this.modules()) {
      if (m instanceof nn.Conv2d) {
        if (m === finalConv) nn.init.normal_(m.weight, 0.0, 0.01);
        else nn.init.kaiming_uniform_(m.weight);
        if (m.bias !== null) nn.init.constant_(m.bias, 0);
      }
    }
  }
  forward(x: Tensor): Tensor {
    return F.flatten(this.classifier(this.features(x)), 1);
  }
}

export const squeezenet1_0 = (o: ModelOptions = {}): SqueezeNet => new SqueezeNet("1_0", numClassesOf(o), o.dropout ?? 0.5);
export const squeezenet1_1 = (o: ModelOptions = {}): SqueezeNet => new SqueezeNet("1_1", numClassesOf(o), o.dropout ?? 0.5);

// ShuffleNetV2 (torchvision/models/shufflenetv2.py): Ma et al., channel split and shuffle; PyTorch's default initialization

/** The channels regrouped so that each group's next block sees every group's features. */
export function channelShuffle(x: Tensor, groups: number): Tensor {
  const [batchsize, numChannels, height, width] = x.size();
  const channelsPerGroup = Math.floor(numChannels / groups);
  x = x.view(batchsize, groups, channelsPerGroup, height, width);
  x = F.transpose(x, 1, 2).contiguous();
  return x.view(batchsize, -1, height, width);
}

export class ShuffleInvertedResidual extends nn.Module {
  stride: number;
  branch1: nn.Sequential;
  branch2: nn.Sequential;
  constructor(inp: number, oup: number, stride: number) {
    super();
    if (stride < 1 || stride > 3) throw new Error("illegal stride value");
    this.stride = stride;
    const branchFeatures = Math.floor(oup / 2);
    if (this.stride === 1 && inp !== branchFeatures << 1) throw new Error(`Invalid combination of stride ${stride}, inp ${inp} and oup ${oup} values. If stride == 1 then inp should be equal to oup // 2 << 1.`);
    const depthwise = (i: number, o: number, stride: number) => new nn.Conv2d(i, o, 3, { stride, padding: 1, bias: false, groups: i });
    this.branch1 =
      this.stride > 1
        ? new nn.Sequential(depthwise(inp, inp, this.stride), new nn.BatchNorm2d(inp), new nn.Conv2d(inp, branchFeatures, 1, { stride: 1, padding: 0, bias: false }), new nn.BatchNorm2d(branchFeatures), new nn.ReLU({ inplace: true }))
        : new nn.Sequential();
    this.branch2 = new nn.Sequential(
      new nn.Conv2d(this.stride > 1 ? inp : branchFeatures, branchFeatures, 1, { stride: 1, padding: 0, bias: false }),
      new nn.BatchNorm2d(branchFeatures),
      new nn.ReLU({ inplace: true }),
      depthwise(branchFeatures, branchFeatures, this.stride),
      new nn.BatchNorm2d(branchFeatures),
      new nn.Conv2d(branchFeatures, branchFeatures, 1, { stride: 1, padding: 0, bias: false }),
      new nn.BatchNorm2d(branchFeatures),
      new nn.ReLU({ inplace: true }),
    );
  }
  forward(x: Tensor): Tensor {
    let out: Tensor;
    if (this.stride === 1) {
      const [x1, x2] = x.chunk(2, 1);
      out = F.cat([x1, this.branch2(x2)], 1);
    } else out = F.cat([this.branch1(x), this.branch2(x)], 1);
    return channelShuffle(out, 2);
  }
}

export class ShuffleNetV2 extends nn.Module {
  stageOutChannels: number[];
  conv1: nn.Sequential;
  maxpool: nn.MaxPool2d;
  stage2!: nn.Sequential;
  stage3!: nn.Sequential;
  stage4!: nn.Sequential;
  conv5: nn.Sequential;
  fc: nn.Linear;
  constructor(stagesRepeats: number[], stagesOutChannels: number[], numClasses = 1000) {
    super();
    if (stagesRepeats.length !== 3) throw new Error("expected stages_repeats as list of 3 positive ints");
    if (stagesOutChannels.length !== 5) throw new Error("expected stages_out_channels as list of 5 positive ints");
    this.stageOutChannels = stagesOutChannels;
    let inputChannels = 3;
    let outputChannels = this.stageOutChannels[0];
    this.conv1 = new nn.Sequential(new nn.Conv2d(inputChannels, outputChannels, 3, 2, 1, { bias: false }), new nn.BatchNorm2d(outputChannels), new nn.ReLU({ inplace: true }));
    inputChannels = outputChannels;
    this.maxpool = new nn.MaxPool2d({ kernelSize: 3, stride: 2, padding: 1 });
    const stages = ["stage2", "stage3", "stage4"] as const;
    stages.forEach((name, k) => {
      const repeats = stagesRepeats[k];
      outputChannels = this.stageOutChannels[k + 1];
      const seq: nn.Module[] = [new ShuffleInvertedResidual(inputChannels, outputChannels, 2)];
      for (let i = 0; i < repeats - 1; i++) seq.push(new ShuffleInvertedResidual(outputChannels, outputChannels, 1));
      this[name] = new nn.Sequential(...seq);
      inputChannels = outputChannels;
    });
    outputChannels = this.stageOutChannels[this.stageOutChannels.length - 1];
    this.conv5 = new nn.Sequential(new nn.Conv2d(inputChannels, outputChannels, 1, 1, 0, { bias: false }), new nn.BatchNorm2d(outputChannels), new nn.ReLU({ inplace: true }));
    this.fc = new nn.Linear(outputChannels, numClasses);
  }
  forward(x: Tensor): Tensor {
    x = this.maxpool(this.conv1(x));
    x = this.conv5(this.stage4(this.stage3(this.stage2(x))));
    // the global pool
    return this.fc(x.mean([2, 3]));
  }
}

export const shufflenet_v2_x0_5 = (o: ModelOptions = {}): ShuffleNetV2 => new ShuffleNetV2([4, 8, 4], [24, 48, 96, 192, 1024], numClassesOf(o));
export const shufflenet_v2_x1_0 = (o: ModelOptions = {}): ShuffleNetV2 => new ShuffleNetV2([4, 8, 4], [24, 116, 232, 464, 1024], numClassesOf(o));
export const shufflenet_v2_x1_5 = (o: ModelOptions = {}): ShuffleNetV2 => new ShuffleNetV2([4, 8, 4], [24, 176, 352, 704, 1024], numClassesOf(o));
export const shufflenet_v2_x2_0 = (o: ModelOptions = {}): ShuffleNetV2 => new ShuffleNetV2([4, 8, 4], [24, 244, 488, 976, 2048], numClassesOf(o));

// Vision Transformer (torchvision/models/vision_transformer.py): Dosovitskiy et al.

/** torchvision.ops.MLP as ViT's MLPBlock builds it: children 0 Linear, 1 GELU, 2 Dropout, 3 Linear, 4 Dropout. */
export class MLPBlock extends nn.Sequential {
  constructor(inDim: number, mlpDim: number, dropout: number) {
    super(new nn.Linear(inDim, mlpDim), new nn.GELU(), new nn.Dropout(dropout), new nn.Linear(mlpDim, inDim), new nn.Dropout(dropout));
    for (const m of this.modules()) {
      if (m instanceof nn.Linear) {
        nn.init.xavier_uniform_(m.weight);
        if (m.bias !== null) nn.init.normal_(m.bias, { std: 1e-6 });
      }
    }
  }
}

/** A pre-norm transformer layer: self-attention and the MLP, each added to its input. */
export class EncoderBlock extends nn.Module {
  num_heads: number;
  ln_1: nn.LayerNorm;
  self_attention: nn.MultiheadAttention;
  dropout: nn.Dropout;
  ln_2: nn.LayerNorm;
  mlp: MLPBlock;
  constructor(numHeads: number, hiddenDim: number, mlpDim: number, dropout: number, attentionDropout: number) {
    super();
    this.num_heads = numHeads;
    this.ln_1 = new nn.LayerNorm(hiddenDim, { eps: 1e-6 });
    this.self_attention = new nn.MultiheadAttention(hiddenDim, numHeads, { dropout: attentionDropout, batchFirst: true });
    this.dropout = new nn.Dropout(dropout);
    this.ln_2 = new nn.LayerNorm(hiddenDim, { eps: 1e-6 });
    this.mlp = new MLPBlock(hiddenDim, mlpDim, dropout);
  }
  forward(input: Tensor): Tensor {
    let x = this.ln_1(input);
    [x] = this.self_attention(x, x, x, { needWeights: false });
    x = this.dropout(x).add(input);
    const y = this.mlp(this.ln_2(x));
    return x.add(y);
  }
}

export class Encoder extends nn.Module {
  pos_embedding: nn.Parameter;
  dropout: nn.Dropout;
  layers: nn.Sequential;
  ln: nn.LayerNorm;
  constructor(seqLength: number, numLayers: number, numHeads: number, hiddenDim: number, mlpDim: number, dropout: number, attentionDropout: number) {
    super();
    // BERT's initialization of the position table
    this.pos_embedding = new nn.Parameter(F.empty(1, seqLength, hiddenDim).normal_({ std: 0.02 }));
    this.dropout = new nn.Dropout(dropout);
    const layers: Record<string, nn.Module> = {};
    for (let i = 0; i < numLayers; i++) layers[`encoder_layer_${i}`] = new EncoderBlock(numHeads, hiddenDim, mlpDim, dropout, attentionDropout);
    this.layers = new nn.Sequential(layers);
    this.ln = new nn.LayerNorm(hiddenDim, { eps: 1e-6 });
  }
  forward(input: Tensor): Tensor {
    input = input.add(this.pos_embedding);
    return this.ln(this.layers(this.dropout(input)));
  }
}

export class VisionTransformer extends nn.Module {
  image_size: number;
  patch_size: number;
  hidden_dim: number;
  mlp_dim: number;
  num_classes: number;
  conv_proj: nn.Conv2d;
  class_token: nn.Parameter;
  encoder: Encoder;
  seq_length: number;
  heads: nn.Sequential;
  constructor(imageSize: number, patchSize: number, numLayers: number, numHeads: number, hiddenDim: number, mlpDim: number, dropout = 0.0, attentionDropout = 0.0, numClasses = 1000) {
    super();
    if (imageSize % patchSize !== 0) throw new Error("Input shape indivisible by patch size!");
    this.image_size = imageSize;
    this.patch_size = patchSize;
    this.hidden_dim = hiddenDim;
    this.mlp_dim = mlpDim;
    this.num_classes = numClasses;
    this.conv_proj = new nn.Conv2d(3, hiddenDim, patchSize, { stride: patchSize });
    let seqLength = Math.floor(imageSize / patchSize) ** 2;
    // the class token comes first in the sequence
    this.class_token = new nn.Parameter(F.zeros(1, 1, hiddenDim));
    seqLength += 1;
    this.encoder = new Encoder(seqLength, numLayers, numHeads, hiddenDim, mlpDim, dropout, attentionDropout);
    this.seq_length = seqLength;
    this.heads = new nn.Sequential({ head: new nn.Linear(hiddenDim, numClasses) });
    const fanIn = this.conv_proj.inChannels * this.conv_proj.kernelSize[0] * this.conv_proj.kernelSize[1];
    nn.init.trunc_normal_(this.conv_proj.weight, { std: Math.sqrt(1 / fanIn) });
    nn.init.zeros_(this.conv_proj.bias!);
    nn.init.zeros_((this.heads.head as nn.Linear).weight);
    nn.init.zeros_((this.heads.head as nn.Linear).bias!);
  }
  /** The image as a sequence of patch embeddings, [N, (H/p)·(W/p), hidden]. */
  processInput(x: Tensor): Tensor {
    const [n, , h, w] = x.shape;
    const p = this.patch_size;
    if (h !== this.image_size) throw new Error(`Wrong image height! Expected ${this.image_size} but got ${h}!`);
    if (w !== this.image_size) throw new Error(`Wrong image width! Expected ${this.image_size} but got ${w}!`);
    const nH = Math.floor(h / p);
    const nW = Math.floor(w / p);
    x = this.conv_proj(x);
    x = x.reshape(n, this.hidden_dim, nH * nW);
    return x.permute(0, 2, 1);
  }
  forward(x: Tensor): Tensor {
    x = this.processInput(x);
    const n = x.shape[0];
    const batchClassToken = this.class_token.expand(n, -1, -1);
    x = F.cat([batchClassToken, x], 1);
    x = this.encoder(x);
    // the class token's output
    x = x.select(1, 0);
    return this.heads(x);
  }
}

function vit(patchSize: number, numLayers: number, numHeads: number, hiddenDim: number, mlpDim: number, o: ModelOptions): VisionTransformer {
  return new VisionTransformer(o.imageSize ?? o.image_size ?? 224, patchSize, numLayers, numHeads, hiddenDim, mlpDim, o.dropout ?? 0.0, 0.0, numClassesOf(o));
}

export const vit_b_16 = (o: ModelOptions = {}): VisionTransformer => vit(16, 12, 12, 768, 3072, o);
export const vit_b_32 = (o: ModelOptions = {}): VisionTransformer => vit(32, 12, 12, 768, 3072, o);
export const vit_l_16 = (o: ModelOptions = {}): VisionTransformer => vit(16, 24, 16, 1024, 4096, o);
export const vit_l_32 = (o: ModelOptions = {}): VisionTransformer => vit(32, 24, 16, 1024, 4096, o);
export const vit_h_14 = (o: ModelOptions = {}): VisionTransformer => vit(14, 32, 16, 1280, 5120, o);

// GoogLeNet (torchvision/models/googlenet.py): Szegedy et al., "Going Deeper with Convolutions"

/** Inception's convolution: no bias, a BatchNorm with eps 0.001, then ReLU. */
export class BasicConv2d extends nn.Module {
  conv: nn.Conv2d;
  bn: nn.BatchNorm2d;
  constructor(inChannels: number, outChannels: number, kwargs: { kernelSize: number | [number, number]; stride?: number; padding?: number | [number, number] }) {
    super();
    this.conv = new nn.Conv2d(inChannels, outChannels, kwargs.kernelSize, { stride: kwargs.stride ?? 1, padding: kwargs.padding ?? 0, bias: false });
    this.bn = new nn.BatchNorm2d(outChannels, { eps: 0.001 });
  }
  forward(x: Tensor): Tensor {
    x = this.conv(x);
    x = this.bn(x);
    return F.relu(x, { inplace: true });
  }
}

/** GoogLeNet's Inception block: 1×1, 1×1→3×3, 1×1→3×3 (torchvision keeps the 3×3 where the paper has 5×5) and pool→1×1, joined along the channels. */
export class Inception extends nn.Module {
  branch1: BasicConv2d;
  branch2: nn.Sequential;
  branch3: nn.Sequential;
  branch4: nn.Sequential;
  constructor(inChannels: number, ch1x1: number, ch3x3red: number, ch3x3: number, ch5x5red: number, ch5x5: number, poolProj: number) {
    super();
    this.branch1 = new BasicConv2d(inChannels, ch1x1, { kernelSize: 1 });
    this.branch2 = new nn.Sequential(new BasicConv2d(inChannels, ch3x3red, { kernelSize: 1 }), new BasicConv2d(ch3x3red, ch3x3, { kernelSize: 3, padding: 1 }));
    this.branch3 = new nn.Sequential(new BasicConv2d(inChannels, ch5x5red, { kernelSize: 1 }), new BasicConv2d(ch5x5red, ch5x5, { kernelSize: 3, padding: 1 }));
    this.branch4 = new nn.Sequential(new nn.MaxPool2d({ kernelSize: 3, stride: 1, padding: 1, ceilMode: true }), new BasicConv2d(inChannels, poolProj, { kernelSize: 1 }));
  }
  forward(x: Tensor): Tensor {
    const outputs = [this.branch1(x), this.branch2(x), this.branch3(x), this.branch4(x)];
    return F.cat(outputs, 1);
  }
}

/** GoogLeNet's auxiliary classifier on an intermediate feature map (used in training only). */
export class InceptionAux extends nn.Module {
  conv: BasicConv2d;
  fc1: nn.Linear;
  fc2: nn.Linear;
  dropout: nn.Dropout;
  constructor(inChannels: number, numClasses: number, dropout = 0.7) {
    super();
    this.conv = new BasicConv2d(inChannels, 128, { kernelSize: 1 });
    this.fc1 = new nn.Linear(2048, 1024);
    this.fc2 = new nn.Linear(1024, numClasses);
    this.dropout = new nn.Dropout({ p: dropout });
  }
  forward(x: Tensor): Tensor {
    x = F.adaptiveAvgPool2d(x, [4, 4]);
    x = this.conv(x);
    x = F.flatten(x, 1);
    x = F.relu(this.fc1(x), { inplace: true });
    x = this.dropout(x);
    return this.fc2(x);
  }
}

/** ImageNet-normalized input mapped to the [-1, 1] scaling the TensorFlow-trained weights expect. */
function transformInput(x: Tensor): Tensor {
  const xCh0 = F.unsqueeze(x.select(1, 0), 1).mul(0.229 / 0.5).add((0.485 - 0.5) / 0.5);
  const xCh1 = F.unsqueeze(x.select(1, 1), 1).mul(0.224 / 0.5).add((0.456 - 0.5) / 0.5);
  const xCh2 = F.unsqueeze(x.select(1, 2), 1).mul(0.225 / 0.5).add((0.406 - 0.5) / 0.5);
  return F.cat([xCh0, xCh1, xCh2], 1);
}

/** GoogLeNet's train-mode output with its auxiliary heads (torchvision's GoogLeNetOutputs). */
export interface GoogLeNetOutputs {
  logits: Tensor;
  aux_logits2: Tensor | null;
  aux_logits1: Tensor | null;
}

export class GoogLeNet extends nn.Module {
  aux_logits: boolean;
  transform_input: boolean;
  conv1: BasicConv2d;
  maxpool1: nn.MaxPool2d;
  conv2: BasicConv2d;
  conv3: BasicConv2d;
  maxpool2: nn.MaxPool2d;
  inception3a: Inception;
  inception3b: Inception;
  maxpool3: nn.MaxPool2d;
  inception4a: Inception;
  inception4b: Inception;
  inception4c: Inception;
  inception4d: Inception;
  inception4e: Inception;
  maxpool4: nn.MaxPool2d;
  inception5a: Inception;
  inception5b: Inception;
  aux1: InceptionAux | null;
  aux2: InceptionAux | null;
  avgpool: nn.AdaptiveAvgPool2d;
  dropout: nn.Dropout;
  fc: nn.Linear;
  constructor(numClasses = 1000, auxLogits = true, transformInput = false, initWeights = true, dropout = 0.2, dropoutAux = 0.7) {
    super();
    this.aux_logits = auxLogits;
    this.transform_input = transformInput;
    this.conv1 = new BasicConv2d(3, 64, { kernelSize: 7, stride: 2, padding: 3 });
    this.maxpool1 = new nn.MaxPool2d(3, { stride: 2, ceilMode: true });
    this.conv2 = new BasicConv2d(64, 64, { kernelSize: 1 });
    this.conv3 = new BasicConv2d(64, 192, { kernelSize: 3, padding: 1 });
    this.maxpool2 = new nn.MaxPool2d(3, { stride: 2, ceilMode: true });
    this.inception3a = new Inception(192, 64, 96, 128, 16, 32, 32);
    this.inception3b = new Inception(256, 128, 128, 192, 32, 96, 64);
    this.maxpool3 = new nn.MaxPool2d(3, { stride: 2, ceilMode: true });
    this.inception4a = new Inception(480, 192, 96, 208, 16, 48, 64);
    this.inception4b = new Inception(512, 160, 112, 224, 24, 64, 64);
    this.inception4c = new Inception(512, 128, 128, 256, 24, 64, 64);
    this.inception4d = new Inception(512, 112, 144, 288, 32, 64, 64);
    this.inception4e = new Inception(528, 256, 160, 320, 32, 128, 128);
    this.maxpool4 = new nn.MaxPool2d(2, { stride: 2, ceilMode: true });
    this.inception5a = new Inception(832, 256, 160, 320, 32, 128, 128);
    this.inception5b = new Inception(832, 384, 192, 384, 48, 128, 128);
    if (auxLogits) {
      this.aux1 = new InceptionAux(512, numClasses, dropoutAux);
      this.aux2 = new InceptionAux(528, numClasses, dropoutAux);
    } else {
      this.aux1 = null;
      this.aux2 = null;
    }
    this.avgpool = new nn.AdaptiveAvgPool2d([1, 1]);
    this.dropout = new nn.Dropout({ p: dropout });
    this.fc = new nn.Linear(1024, numClasses);
    if (initWeights)
      for (const m of this.modules()) {
        // N(0, 0.01) truncated at ±2 (absolute bounds, so no truncation in effect), biases left at PyTorch's default
        if (m instanceof nn.Conv2d || m instanceof nn.Linear) nn.init.trunc_normal_(m.weight, { mean: 0.0, std: 0.01, a: -2, b: 2 });
        else if (m instanceof nn.BatchNorm2d) {
          nn.init.constant_(m.weight, 1);
          nn.init.constant_(m.bias, 0);
        }
      }
  }
  /** The logits and, in training with aux_logits, the two auxiliary heads' (aux2's first, as torchvision returns them). */
  forwardFeatures(x: Tensor): [Tensor, Tensor | null, Tensor | null] {
    x = this.maxpool1(this.conv1(x));
    x = this.maxpool2(this.conv3(this.conv2(x)));
    x = this.maxpool3(this.inception3b(this.inception3a(x)));
    x = this.inception4a(x);
    let aux1: Tensor | null = null;
    if (this.aux1 !== null && this.training) aux1 = this.aux1(x);
    x = this.inception4d(this.inception4c(this.inception4b(x)));
    let aux2: Tensor | null = null;
    if (this.aux2 !== null && this.training) aux2 = this.aux2(x);
    x = this.maxpool4(this.inception4e(x));
    x = this.inception5b(this.inception5a(x));
    x = F.flatten(this.avgpool(x), 1);
    x = this.fc(this.dropout(x));
    return [x, aux2, aux1];
  }
  /** In training with aux_logits, { logits, aux_logits2, aux_logits1 }; otherwise the logits. */
  forward(x: Tensor): GoogLeNetOutputs | Tensor {
    if (this.transform_input) x = transformInput(x);
    const [logits, aux2, aux1] = this.forwardFeatures(x);
    if (this.training && this.aux_logits) return { logits, aux_logits2: aux2, aux_logits1: aux1 };
    return logits;
  }
}

export function googlenet(o: ModelOptions = {}): GoogLeNet {
  return new GoogLeNet(numClassesOf(o), o.auxLogits ?? o.aux_logits ?? true, o.transformInput ?? o.transform_input ?? false, o.initWeights ?? o.init_weights ?? true, o.dropout ?? 0.2, o.dropoutAux ?? o.dropout_aux ?? 0.7);
}

// Inception v3 (torchvision/models/inception.py): Szegedy et al., "Rethinking the Inception Architecture"

type ConvArgs = { kernelSize: number | [number, number]; stride?: number; padding?: number | [number, number] };
const conv = (i: number, o: number, kernelSize: number | [number, number], padding: number | [number, number] = 0, stride = 1) => new BasicConv2d(i, o, { kernelSize, padding, stride } as ConvArgs);

export class InceptionA extends nn.Module {
  branch1x1: BasicConv2d;
  branch5x5_1: BasicConv2d;
  branch5x5_2: BasicConv2d;
  branch3x3dbl_1: BasicConv2d;
  branch3x3dbl_2: BasicConv2d;
  branch3x3dbl_3: BasicConv2d;
  branch_pool: BasicConv2d;
  constructor(inChannels: number, poolFeatures: number) {
    super();
    this.branch1x1 = conv(inChannels, 64, 1);
    this.branch5x5_1 = conv(inChannels, 48, 1);
    this.branch5x5_2 = conv(48, 64, 5, 2);
    this.branch3x3dbl_1 = conv(inChannels, 64, 1);
    this.branch3x3dbl_2 = conv(64, 96, 3, 1);
    this.branch3x3dbl_3 = conv(96, 96, 3, 1);
    this.branch_pool = conv(inChannels, poolFeatures, 1);
  }
  forward(x: Tensor): Tensor {
    const branch1x1 = this.branch1x1(x);
    const branch5x5 = this.branch5x5_2(this.branch5x5_1(x));
    const branch3x3dbl = this.branch3x3dbl_3(this.branch3x3dbl_2(this.branch3x3dbl_1(x)));
    const branchPool = this.branch_pool(F.avgPool2d(x, { kernelSize: 3, stride: 1, padding: 1 }));
    return F.cat([branch1x1, branch5x5, branch3x3dbl, branchPool], 1);
  }
}

/** The 35×35 → 17×17 reduction: strided 3×3, strided double 3×3 and a max pool side by side. */
export class InceptionB extends nn.Module {
  branch3x3: BasicConv2d;
  branch3x3dbl_1: BasicConv2d;
  branch3x3dbl_2: BasicConv2d;
  branch3x3dbl_3: BasicConv2d;
  constructor(inChannels: number) {
    super();
    this.branch3x3 = conv(inChannels, 384, 3, 0, 2);
    this.branch3x3dbl_1 = conv(inChannels, 64, 1);
    this.branch3x3dbl_2 = conv(64, 96, 3, 1);
    this.branch3x3dbl_3 = conv(96, 96, 3, 0, 2);
  }
  forward(x: Tensor): Tensor {
    const branch3x3 = this.branch3x3(x);
    const branch3x3dbl = this.branch3x3dbl_3(this.branch3x3dbl_2(this.branch3x3dbl_1(x)));
    const branchPool = F.maxPool2d(x, { kernelSize: 3, stride: 2 });
    return F.cat([branch3x3, branch3x3dbl, branchPool], 1);
  }
}

/** The 17×17 block: 7×7 convolutions factored into 1×7 and 7×1. */
export class InceptionC extends nn.Module {
  branch1x1: BasicConv2d;
  branch7x7_1: BasicConv2d;
  branch7x7_2: BasicConv2d;
  branch7x7_3: BasicConv2d;
  branch7x7dbl_1: BasicConv2d;
  branch7x7dbl_2: BasicConv2d;
  branch7x7dbl_3: BasicConv2d;
  branch7x7dbl_4: BasicConv2d;
  branch7x7dbl_5: BasicConv2d;
  branch_pool: BasicConv2d;
  constructor(inChannels: number, channels7x7: number) {
    super();
    const c7 = channels7x7;
    this.branch1x1 = conv(inChannels, 192, 1);
    this.branch7x7_1 = conv(inChannels, c7, 1);
    this.branch7x7_2 = conv(c7, c7, [1, 7], [0, 3]);
    this.branch7x7_3 = conv(c7, 192, [7, 1], [3, 0]);
    this.branch7x7dbl_1 = conv(inChannels, c7, 1);
    this.branch7x7dbl_2 = conv(c7, c7, [7, 1], [3, 0]);
    this.branch7x7dbl_3 = conv(c7, c7, [1, 7], [0, 3]);
    this.branch7x7dbl_4 = conv(c7, c7, [7, 1], [3, 0]);
    this.branch7x7dbl_5 = conv(c7, 192, [1, 7], [0, 3]);
    this.branch_pool = conv(inChannels, 192, 1);
  }
  forward(x: Tensor): Tensor {
    const branch1x1 = this.branch1x1(x);
    const branch7x7 = this.branch7x7_3(this.branch7x7_2(this.branch7x7_1(x)));
    let branch7x7dbl = this.branch7x7dbl_2(this.branch7x7dbl_1(x));
    branch7x7dbl = this.branch7x7dbl_5(this.branch7x7dbl_4(this.branch7x7dbl_3(branch7x7dbl)));
    const branchPool = this.branch_pool(F.avgPool2d(x, { kernelSize: 3, stride: 1, padding: 1 }));
    return F.cat([branch1x1, branch7x7, branch7x7dbl, branchPool], 1);
  }
}

/** The 17×17 → 8×8 reduction. */
export class InceptionD extends nn.Module {
  branch3x3_1: BasicConv2d;
  branch3x3_2: BasicConv2d;
  branch7x7x3_1: BasicConv2d;
  branch7x7x3_2: BasicConv2d;
  branch7x7x3_3: BasicConv2d;
  branch7x7x3_4: BasicConv2d;
  constructor(inChannels: number) {
    super();
    this.branch3x3_1 = conv(inChannels, 192, 1);
    this.branch3x3_2 = conv(192, 320, 3, 0, 2);
    this.branch7x7x3_1 = conv(inChannels, 192, 1);
    this.branch7x7x3_2 = conv(192, 192, [1, 7], [0, 3]);
    this.branch7x7x3_3 = conv(192, 192, [7, 1], [3, 0]);
    this.branch7x7x3_4 = conv(192, 192, 3, 0, 2);
  }
  forward(x: Tensor): Tensor {
    const branch3x3 = this.branch3x3_2(this.branch3x3_1(x));
    const branch7x7x3 = this.branch7x7x3_4(this.branch7x7x3_3(this.branch7x7x3_2(this.branch7x7x3_1(x))));
    const branchPool = F.maxPool2d(x, { kernelSize: 3, stride: 2 });
    return F.cat([branch3x3, branch7x7x3, branchPool], 1);
  }
}

/** The 8×8 block: 3×3 convolutions split into parallel 1×3 and 3×1 outputs. */
export class InceptionE extends nn.Module {
  branch1x1: BasicConv2d;
  branch3x3_1: BasicConv2d;
  branch3x3_2a: BasicConv2d;
  branch3x3_2b: BasicConv2d;
  branch3x3dbl_1: BasicConv2d;
  branch3x3dbl_2: BasicConv2d;
  branch3x3dbl_3a: BasicConv2d;
  branch3x3dbl_3b: BasicConv2d;
  branch_pool: BasicConv2d;
  constructor(inChannels: number) {
    super();
    this.branch1x1 = conv(inChannels, 320, 1);
    this.branch3x3_1 = conv(inChannels, 384, 1);
    this.branch3x3_2a = conv(384, 384, [1, 3], [0, 1]);
    this.branch3x3_2b = conv(384, 384, [3, 1], [1, 0]);
    this.branch3x3dbl_1 = conv(inChannels, 448, 1);
    this.branch3x3dbl_2 = conv(448, 384, 3, 1);
    this.branch3x3dbl_3a = conv(384, 384, [1, 3], [0, 1]);
    this.branch3x3dbl_3b = conv(384, 384, [3, 1], [1, 0]);
    this.branch_pool = conv(inChannels, 192, 1);
  }
  forward(x: Tensor): Tensor {
    const branch1x1 = this.branch1x1(x);
    let branch3x3 = this.branch3x3_1(x);
    branch3x3 = F.cat([this.branch3x3_2a(branch3x3), this.branch3x3_2b(branch3x3)], 1);
    let branch3x3dbl = this.branch3x3dbl_2(this.branch3x3dbl_1(x));
    branch3x3dbl = F.cat([this.branch3x3dbl_3a(branch3x3dbl), this.branch3x3dbl_3b(branch3x3dbl)], 1);
    const branchPool = this.branch_pool(F.avgPool2d(x, { kernelSize: 3, stride: 1, padding: 1 }));
    return F.cat([branch1x1, branch3x3, branch3x3dbl, branchPool], 1);
  }
}

/** A module with torchvision's `stddev` attribute, read by Inception3's initialization. */
type WithStddev = nn.Module & { stddev?: number };

/** Inception v3's auxiliary classifier on the 17×17 features (train mode only). */
export class InceptionV3Aux extends nn.Module {
  conv0: BasicConv2d;
  conv1: BasicConv2d;
  fc: nn.Linear;
  constructor(inChannels: number, numClasses: number) {
    super();
    this.conv0 = conv(inChannels, 128, 1);
    this.conv1 = conv(128, 768, 5);
    // as torchvision: set on the BasicConv2d, not its Conv2d, so the initialization (which looks at
    // Conv2d and Linear modules) keeps 0.1 for that convolution; fc's 0.001 does apply
    (this.conv1 as WithStddev).stddev = 0.01;
    this.fc = new nn.Linear(768, numClasses);
    (this.fc as WithStddev).stddev = 0.001;
  }
  forward(x: Tensor): Tensor {
    x = F.avgPool2d(x, { kernelSize: 5, stride: 3 });
    x = this.conv1(this.conv0(x));
    x = F.adaptiveAvgPool2d(x, [1, 1]);
    return this.fc(F.flatten(x, 1));
  }
}

/** Inception v3's train-mode output with its auxiliary head (torchvision's InceptionOutputs). */
export interface InceptionOutputs {
  logits: Tensor;
  aux_logits: Tensor | null;
}

export class Inception3 extends nn.Module {
  aux_logits: boolean;
  transform_input: boolean;
  Conv2d_1a_3x3: BasicConv2d;
  Conv2d_2a_3x3: BasicConv2d;
  Conv2d_2b_3x3: BasicConv2d;
  maxpool1: nn.MaxPool2d;
  Conv2d_3b_1x1: BasicConv2d;
  Conv2d_4a_3x3: BasicConv2d;
  maxpool2: nn.MaxPool2d;
  Mixed_5b: InceptionA;
  Mixed_5c: InceptionA;
  Mixed_5d: InceptionA;
  Mixed_6a: InceptionB;
  Mixed_6b: InceptionC;
  Mixed_6c: InceptionC;
  Mixed_6d: InceptionC;
  Mixed_6e: InceptionC;
  AuxLogits: InceptionV3Aux | null;
  Mixed_7a: InceptionD;
  Mixed_7b: InceptionE;
  Mixed_7c: InceptionE;
  avgpool: nn.AdaptiveAvgPool2d;
  dropout: nn.Dropout;
  fc: nn.Linear;
  constructor(numClasses = 1000, auxLogits = true, transformInput = false, initWeights = true, dropout = 0.5) {
    super();
    this.aux_logits = auxLogits;
    this.transform_input = transformInput;
    this.Conv2d_1a_3x3 = conv(3, 32, 3, 0, 2);
    this.Conv2d_2a_3x3 = conv(32, 32, 3);
    this.Conv2d_2b_3x3 = conv(32, 64, 3, 1);
    this.maxpool1 = new nn.MaxPool2d({ kernelSize: 3, stride: 2 });
    this.Conv2d_3b_1x1 = conv(64, 80, 1);
    this.Conv2d_4a_3x3 = conv(80, 192, 3);
    this.maxpool2 = new nn.MaxPool2d({ kernelSize: 3, stride: 2 });
    this.Mixed_5b = new InceptionA(192, 32);
    this.Mixed_5c = new InceptionA(256, 64);
    this.Mixed_5d = new InceptionA(288, 64);
    this.Mixed_6a = new InceptionB(288);
    this.Mixed_6b = new InceptionC(768, 128);
    this.Mixed_6c = new InceptionC(768, 160);
    this.Mixed_6d = new InceptionC(768, 160);
    this.Mixed_6e = new InceptionC(768, 192);
    this.AuxLogits = null;
    if (auxLogits) this.AuxLogits = new InceptionV3Aux(768, numClasses);
    this.Mixed_7a = new InceptionD(768);
    this.Mixed_7b = new InceptionE(1280);
    this.Mixed_7c = new InceptionE(2048);
    this.avgpool = new nn.AdaptiveAvgPool2d([1, 1]);
    this.dropout = new nn.Dropout({ p: dropout });
    this.fc = new nn.Linear(2048, numClasses);
    if (initWeights)
      for (const m of this.modules()) {
        if (m instanceof nn.Conv2d || m instanceof nn.Linear) {
          const stddev = (m as WithStddev).stddev ?? 0.1;
          nn.init.trunc_normal_(m.weight, { mean: 0.0, std: stddev, a: -2, b: 2 });
        } else if (m instanceof nn.BatchNorm2d) {
          nn.init.constant_(m.weight, 1);
          nn.init.constant_(m.bias, 0);
        }
      }
  }
  /** The logits and, in training with aux_logits, the auxiliary head's. */
  forwardFeatures(x: Tensor): [Tensor, Tensor | null] {
    x = this.maxpool1(this.Conv2d_2b_3x3(this.Conv2d_2a_3x3(this.Conv2d_1a_3x3(x))));
    x = this.maxpool2(this.Conv2d_4a_3x3(this.Conv2d_3b_1x1(x)));
    x = this.Mixed_5d(this.Mixed_5c(this.Mixed_5b(x)));
    x = this.Mixed_6e(this.Mixed_6d(this.Mixed_6c(this.Mixed_6b(this.Mixed_6a(x)))));
    let aux: Tensor | null = null;
    if (this.AuxLogits !== null && this.training) aux = this.AuxLogits(x);
    x = this.Mixed_7c(this.Mixed_7b(this.Mixed_7a(x)));
    x = this.dropout(this.avgpool(x));
    x = this.fc(F.flatten(x, 1));
    return [x, aux];
  }
  /** In training with aux_logits, { logits, aux_logits }; otherwise the logits. */
  forward(x: Tensor): InceptionOutputs | Tensor {
    if (this.transform_input) x = transformInput(x);
    const [logits, aux] = this.forwardFeatures(x);
    if (this.training && this.aux_logits) return { logits, aux_logits: aux };
    return logits;
  }
}

export function inception_v3(o: ModelOptions = {}): Inception3 {
  return new Inception3(numClassesOf(o), o.auxLogits ?? o.aux_logits ?? true, o.transformInput ?? o.transform_input ?? false, o.initWeights ?? o.init_weights ?? true, o.dropout ?? 0.5);
}

// MNASNet (torchvision/models/mnasnet.py, version 2: the stem scaled too): Tan et al., the B1 variant

/** TensorFlow's BatchNorm decay 0.9997 as PyTorch's momentum. */
const MNASNET_BN_MOMENTUM = 1 - 0.9997;

export class MNASNetInvertedResidual extends nn.Module {
  apply_residual: boolean;
  layers: nn.Sequential;
  constructor(inCh: number, outCh: number, kernelSize: number, stride: number, expansionFactor: number, bnMomentum = 0.1) {
    super();
    if (stride !== 1 && stride !== 2) throw new Error(`stride should be 1 or 2 instead of ${stride}`);
    if (kernelSize !== 3 && kernelSize !== 5) throw new Error(`kernel_size should be 3 or 5 instead of ${kernelSize}`);
    const midCh = inCh * expansionFactor;
    this.apply_residual = inCh === outCh && stride === 1;
    this.layers = new nn.Sequential(
      // pointwise, depthwise, then the linear pointwise projection (no activation)
      new nn.Conv2d(inCh, midCh, 1, { bias: false }),
      new nn.BatchNorm2d(midCh, { momentum: bnMomentum }),
      new nn.ReLU({ inplace: true }),
      new nn.Conv2d(midCh, midCh, kernelSize, { padding: Math.floor(kernelSize / 2), stride, groups: midCh, bias: false }),
      new nn.BatchNorm2d(midCh, { momentum: bnMomentum }),
      new nn.ReLU({ inplace: true }),
      new nn.Conv2d(midCh, outCh, 1, { bias: false }),
      new nn.BatchNorm2d(outCh, { momentum: bnMomentum }),
    );
  }
  forward(input: Tensor): Tensor {
    return this.apply_residual ? this.layers(input).add(input) : this.layers(input);
  }
}

/** A stack of inverted residuals; the first changes the size, so it has no skip. */
function mnasnetStack(inCh: number, outCh: number, kernelSize: number, stride: number, expFactor: number, repeats: number, bnMomentum: number): nn.Sequential {
  if (repeats < 1) throw new Error(`repeats should be >= 1, instead got ${repeats}`);
  const first = new MNASNetInvertedResidual(inCh, outCh, kernelSize, stride, expFactor, bnMomentum);
  const remaining: nn.Module[] = [];
  for (let i = 1; i < repeats; i++) remaining.push(new MNASNetInvertedResidual(outCh, outCh, kernelSize, 1, expFactor, bnMomentum));
  return new nn.Sequential(first, ...remaining);
}

/** val rounded to a multiple of divisor, up unless that is more than 10% above it: (83, 8) → 80, (84, 8) → 88. */
function roundToMultipleOf(val: number, divisor: number, roundUpBias = 0.9): number {
  if (!(roundUpBias > 0 && roundUpBias < 1)) throw new Error(`round_up_bias should be greater than 0.0 and smaller than 1.0 instead of ${roundUpBias}`);
  const newVal = Math.max(divisor, Math.floor(Math.trunc(val + divisor / 2) / divisor) * divisor);
  return newVal >= roundUpBias * val ? newVal : newVal + divisor;
}

export class MNASNet extends nn.Module {
  alpha: number;
  num_classes: number;
  dropout: number;
  layers: nn.Sequential;
  classifier: nn.Sequential;
  constructor(alpha: number, numClasses = 1000, dropout = 0.2) {
    super();
    if (alpha <= 0) throw new Error(`alpha should be greater than 0.0 instead of ${alpha}`);
    this.alpha = alpha;
    this.num_classes = numClasses;
    this.dropout = dropout;
    const depths = [32, 16, 24, 40, 80, 96, 192, 320].map((d) => roundToMultipleOf(d * alpha, 8));
    this.layers = new nn.Sequential(
      // the stem: a regular convolution, then a depthwise separable one without skip
      new nn.Conv2d(3, depths[0], 3, { padding: 1, stride: 2, bias: false }),
      new nn.BatchNorm2d(depths[0], { momentum: MNASNET_BN_MOMENTUM }),
      new nn.ReLU({ inplace: true }),
      new nn.Conv2d(depths[0], depths[0], 3, { padding: 1, stride: 1, groups: depths[0], bias: false }),
      new nn.BatchNorm2d(depths[0], { momentum: MNASNET_BN_MOMENTUM }),
      new nn.ReLU({ inplace: true }),
      new nn.Conv2d(depths[0], depths[1], 1, { padding: 0, stride: 1, bias: false }),
      new nn.BatchNorm2d(depths[1], { momentum: MNASNET_BN_MOMENTUM }),
      mnasnetStack(depths[1], depths[2], 3, 2, 3, 3, MNASNET_BN_MOMENTUM),
      mnasnetStack(depths[2], depths[3], 5, 2, 3, 3, MNASNET_BN_MOMENTUM),
      mnasnetStack(depths[3], depths[4], 5, 2, 6, 3, MNASNET_BN_MOMENTUM),
      mnasnetStack(depths[4], depths[5], 3, 1, 6, 2, MNASNET_BN_MOMENTUM),
      mnasnetStack(depths[5], depths[6], 5, 2, 6, 4, MNASNET_BN_MOMENTUM),
      mnasnetStack(depths[6], depths[7], 3, 1, 6, 1, MNASNET_BN_MOMENTUM),
      // the mapping to the classifier's input
      new nn.Conv2d(depths[7], 1280, 1, { padding: 0, stride: 1, bias: false }),
      new nn.BatchNorm2d(1280, { momentum: MNASNET_BN_MOMENTUM }),
      new nn.ReLU({ inplace: true }),
    );
    this.classifier = new nn.Sequential(new nn.Dropout({ p: dropout, inplace: true }), new nn.Linear(1280, numClasses));
    for (const m of this.modules()) {
      if (m instanceof nn.Conv2d) {
        nn.init.kaiming_normal_(m.weight, { mode: "fan_out", nonlinearity: "relu" });
        if (m.bias !== null) nn.init.zeros_(m.bias);
      } else if (m instanceof nn.BatchNorm2d) {
        nn.init.ones_(m.weight);
        nn.init.zeros_(m.bias);
      } else if (m instanceof nn.Linear) {
        nn.init.kaiming_uniform_(m.weight, { mode: "fan_out", nonlinearity: "sigmoid" });
        nn.init.zeros_(m.bias!);
      }
    }
  }
  forward(x: Tensor): Tensor {
    x = this.layers(x);
    // the global average pool, H and W removed
    x = x.mean([2, 3]);
    return this.classifier(x);
  }
}

export const mnasnet0_5 = (o: ModelOptions = {}): MNASNet => new MNASNet(0.5, numClassesOf(o), o.dropout ?? 0.2);
export const mnasnet0_75 = (o: ModelOptions = {}): MNASNet => new MNASNet(0.75, numClassesOf(o), o.dropout ?? 0.2);
export const mnasnet1_0 = (o: ModelOptions = {}): MNASNet => new MNASNet(1.0, numClassesOf(o), o.dropout ?? 0.2);
export const mnasnet1_3 = (o: ModelOptions = {}): MNASNet => new MNASNet(1.3, numClassesOf(o), o.dropout ?? 0.2);

// RegNet (torchvision/models/regnet.py): Radosavovic et al., "Designing Network Design Spaces"

/** RegNet's stem: a strided 3×3 convolution, BatchNorm and ReLU. */
export class SimpleStemIN extends Conv2dNormActivation {
  constructor(widthIn: number, widthOut: number) {
    super(widthIn, widthOut, 3, 2, 1, 1, "relu");
  }
}

/** 1×1, grouped 3×3 (and a squeeze-and-excitation in RegNetY), 1×1: children a, b, se, c. */
export class BottleneckTransform extends nn.Sequential {
  constructor(widthIn: number, widthOut: number, stride: number, groupWidth: number, bottleneckMultiplier: number, seRatio: number | null) {
    const wB = pyRound(widthOut * bottleneckMultiplier);
    const g = Math.floor(wB / groupWidth);
    const layers: Record<string, nn.Module> = {};
    layers.a = new Conv2dNormActivation(widthIn, wB, 1, 1, 1, 1, "relu");
    layers.b = new Conv2dNormActivation(wB, wB, 3, stride, g, 1, "relu");
    // the squeeze width is relative to the block's input width
    if (seRatio) layers.se = new SqueezeExcitation(wB, pyRound(seRatio * widthIn), "relu");
    layers.c = new Conv2dNormActivation(wB, widthOut, 1, 1, 1, 1, null);
    super(layers);
  }
}

/** x + F(x), with a strided 1×1 projection of x where the shape changes. */
export class ResBottleneckBlock extends nn.Module {
  proj: Conv2dNormActivation | null;
  f: BottleneckTransform;
  activation: nn.ReLU;
  constructor(widthIn: number, widthOut: number, stride: number, groupWidth = 1, bottleneckMultiplier = 1.0, seRatio: number | null = null) {
    super();
    this.proj = null;
    const shouldProj = widthIn !== widthOut || stride !== 1;
    if (shouldProj) this.proj = new Conv2dNormActivation(widthIn, widthOut, 1, stride, 1, 1, null);
    this.f = new BottleneckTransform(widthIn, widthOut, stride, groupWidth, bottleneckMultiplier, seRatio);
    this.activation = new nn.ReLU({ inplace: true });
  }
  forward(x: Tensor): Tensor {
    if (this.proj !== null) x = this.proj(x).add(this.f(x));
    else x = x.add(this.f(x));
    return this.activation(x);
  }
}

/** A stage of blocks with one output width, named block{stage}-{i}. */
export class AnyStage extends nn.Sequential {
  constructor(widthIn: number, widthOut: number, stride: number, depth: number, groupWidth: number, bottleneckMultiplier: number, seRatio: number | null = null, stageIndex = 0) {
    super();
    for (let i = 0; i < depth; i++)
      this.addModule(`block${stageIndex}-${i}`, new ResBottleneckBlock(i === 0 ? widthIn : widthOut, widthOut, i === 0 ? stride : 1, groupWidth, bottleneckMultiplier, seRatio));
  }
}

/** Python's round (and torch.round): halves to the even neighbour. */
function pyRound(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Each stage's depth, width, group width, bottleneck multiplier and stride. */
export class BlockParams {
  depths: number[];
  widths: number[];
  group_widths: number[];
  bottleneck_multipliers: number[];
  strides: number[];
  se_ratio: number | null;
  constructor(depths: number[], widths: number[], groupWidths: number[], bottleneckMultipliers: number[], strides: number[], seRatio: number | null = null) {
    this.depths = depths;
    this.widths = widths;
    this.group_widths = groupWidths;
    this.bottleneck_multipliers = bottleneckMultipliers;
    this.strides = strides;
    this.se_ratio = seRatio;
  }
  /**
   * The per-stage settings from RegNet's parameters: block j's width w_0 + j·w_a, quantized in log
   * space with step w_m to w_0·w_m^round(log(w/w_0)/log(w_m)), then to a multiple of 8; a stage is a
   * run of equal widths. Computed in float32, as torchvision's tensors compute it.
   */
  static fromInitParams(depth: number, w0: number, wA: number, wM: number, groupWidth: number, bottleneckMultiplier = 1.0, seRatio: number | null = null): BlockParams {
    const QUANT = 8;
    const STRIDE = 2;
    if (wA < 0 || w0 <= 0 || wM <= 1 || w0 % 8 !== 0) throw new Error("Invalid RegNet settings");
    const f = Math.fround;
    const blockWidths: number[] = [];
    for (let j = 0; j < depth; j++) {
      const widthCont = f(f(j * f(wA)) + w0);
      const blockCapacity = pyRound(f(f(Math.log(f(widthCont / w0))) / f(Math.log(wM))));
      blockWidths.push(pyRound(f(f(w0 * f(Math.pow(f(wM), blockCapacity))) / QUANT)) * QUANT);
    }
    // a new stage where the width changes
    const stageWidths: number[] = [];
    const stageStarts: number[] = [];
    blockWidths.forEach((w, j) => {
      if (j === 0 || w !== blockWidths[j - 1]) {
        stageWidths.push(w);
        stageStarts.push(j);
      }
    });
    const stageDepths = stageStarts.map((s, k) => (k + 1 < stageStarts.length ? stageStarts[k + 1] : depth) - s);
    const numStages = stageWidths.length;
    const strides = new Array<number>(numStages).fill(STRIDE);
    const bottleneckMultipliers = new Array<number>(numStages).fill(bottleneckMultiplier);
    const groupWidths = new Array<number>(numStages).fill(groupWidth);
    const [widths, groups] = BlockParams.adjustWidthsGroupsCompatibility(stageWidths, bottleneckMultipliers, groupWidths);
    return new BlockParams(stageDepths, widths, groups, bottleneckMultipliers, strides, seRatio);
  }
  /** Stage widths whose bottleneck width is a multiple of the group width (that no more than the bottleneck width). */
  static adjustWidthsGroupsCompatibility(stageWidths: number[], bottleneckRatios: number[], groupWidths: number[]): [number[], number[]] {
    const widths = stageWidths.map((w, i) => Math.trunc(w * bottleneckRatios[i]));
    const groupWidthsMin = groupWidths.map((g, i) => Math.min(g, widths[i]));
    const wsBot = widths.map((wBot, i) => makeDivisible(wBot, groupWidthsMin[i]));
    return [wsBot.map((wBot, i) => Math.trunc(wBot / bottleneckRatios[i])), groupWidthsMin];
  }
}

export class RegNet extends nn.Module {
  stem: SimpleStemIN;
  trunk_output: nn.Sequential;
  avgpool: nn.AdaptiveAvgPool2d;
  fc: nn.Linear;
  constructor(blockParams: BlockParams, numClasses = 1000, stemWidth = 32) {
    super();
    this.stem = new SimpleStemIN(3, stemWidth);
    let currentWidth = stemWidth;
    const blocks: Record<string, nn.Module> = {};
    for (let i = 0; i < blockParams.widths.length; i++) {
      const widthOut = blockParams.widths[i];
      blocks[`block${i + 1}`] = new AnyStage(currentWidth, widthOut, blockParams.strides[i], blockParams.depths[i], blockParams.group_widths[i], blockParams.bottleneck_multipliers[i], blockParams.se_ratio, i + 1);
      currentWidth = widthOut;
    }
    this.trunk_output = new nn.Sequential(blocks);
    this.avgpool = new nn.AdaptiveAvgPool2d([1, 1]);
    this.fc = new nn.Linear(currentWidth, numClasses);
    // ResNet's initialization (the convolutions have no bias: each is followed by a BatchNorm)
    for (const m of this.modules()) {
      if (m instanceof nn.Conv2d) {
        const fanOut = m.kernelSize[0] * m.kernelSize[1] * m.outChannels;
        nn.init.normal_(m.weight, { mean: 0.0, std: Math.sqrt(2.0 / fanOut) });
      } else if (m instanceof nn.BatchNorm2d) {
        nn.init.ones_(m.weight);
        nn.init.zeros_(m.bias);
      } else if (m instanceof nn.Linear) {
        nn.init.normal_(m.weight, { mean: 0.0, std: 0.01 });
        nn.init.zeros_(m.bias!);
      }
    }
  }
  forward(x: Tensor): Tensor {
    x = this.stem(x);
    x = this.trunk_output(x);
    x = this.avgpool(x);
    x = x.flatten(1);
    return this.fc(x);
  }
}

function regnet(depth: number, w0: number, wA: number, wM: number, groupWidth: number, seRatio: number | null, o: ModelOptions): RegNet {
  return new RegNet(BlockParams.fromInitParams(depth, w0, wA, wM, groupWidth, 1.0, seRatio), numClassesOf(o));
}

export const regnet_y_400mf = (o: ModelOptions = {}): RegNet => regnet(16, 48, 27.89, 2.09, 8, 0.25, o);
export const regnet_y_800mf = (o: ModelOptions = {}): RegNet => regnet(14, 56, 38.84, 2.4, 16, 0.25, o);
export const regnet_y_1_6gf = (o: ModelOptions = {}): RegNet => regnet(27, 48, 20.71, 2.65, 24, 0.25, o);
export const regnet_y_3_2gf = (o: ModelOptions = {}): RegNet => regnet(21, 80, 42.63, 2.66, 24, 0.25, o);
export const regnet_y_8gf = (o: ModelOptions = {}): RegNet => regnet(17, 192, 76.82, 2.19, 56, 0.25, o);
export const regnet_y_16gf = (o: ModelOptions = {}): RegNet => regnet(18, 200, 106.23, 2.48, 112, 0.25, o);
export const regnet_y_32gf = (o: ModelOptions = {}): RegNet => regnet(20, 232, 115.89, 2.53, 232, 0.25, o);
export const regnet_y_128gf = (o: ModelOptions = {}): RegNet => regnet(27, 456, 160.83, 2.52, 264, 0.25, o);
export const regnet_x_400mf = (o: ModelOptions = {}): RegNet => regnet(22, 24, 24.48, 2.54, 16, null, o);
export const regnet_x_800mf = (o: ModelOptions = {}): RegNet => regnet(16, 56, 35.73, 2.28, 16, null, o);
export const regnet_x_1_6gf = (o: ModelOptions = {}): RegNet => regnet(18, 80, 34.01, 2.25, 24, null, o);
export const regnet_x_3_2gf = (o: ModelOptions = {}): RegNet => regnet(25, 88, 26.31, 2.25, 48, null, o);
export const regnet_x_8gf = (o: ModelOptions = {}): RegNet => regnet(23, 80, 49.56, 2.88, 120, null, o);
export const regnet_x_16gf = (o: ModelOptions = {}): RegNet => regnet(22, 216, 55.59, 2.1, 128, null, o);
export const regnet_x_32gf = (o: ModelOptions = {}): RegNet => regnet(23, 320, 69.86, 2.0, 168, null, o);

// Swin Transformer (torchvision/models/swin_transformer.py, v1): Liu et al., shifted windows

/** Each 2×2 neighbourhood's channels side by side (the map padded to even sides): [.., H/2, W/2, 4C]. */
function patchMergingPad(x: Tensor): Tensor {
  const [H, W] = x.shape.slice(-3, -1);
  x = F.pad(x, [0, 0, 0, W % 2, 0, H % 2]);
  const x0 = x.index("...", "0::2", "0::2", ":");
  const x1 = x.index("...", "1::2", "0::2", ":");
  const x2 = x.index("...", "0::2", "1::2", ":");
  const x3 = x.index("...", "1::2", "1::2", ":");
  return F.cat([x0, x1, x2, x3], -1);
}

/** Halves the resolution and doubles the channels of a channels-last map. */
export class PatchMerging extends nn.Module {
  dim: number;
  reduction: nn.Linear;
  norm: nn.LayerNorm;
  constructor(dim: number) {
    super();
    this.dim = dim;
    this.reduction = new nn.Linear(4 * dim, 2 * dim, { bias: false });
    this.norm = new nn.LayerNorm(4 * dim);
  }
  forward(x: Tensor): Tensor {
    x = patchMergingPad(x);
    x = this.norm(x);
    return this.reduction(x);
  }
}

/** Swin V2's patch merging: the reduction first, then the norm over its 2C channels. */
export class PatchMergingV2 extends nn.Module {
  dim: number;
  reduction: nn.Linear;
  norm: nn.LayerNorm;
  constructor(dim: number) {
    super();
    this.dim = dim;
    this.reduction = new nn.Linear(4 * dim, 2 * dim, { bias: false });
    this.norm = new nn.LayerNorm(2 * dim);
  }
  forward(x: Tensor): Tensor {
    x = patchMergingPad(x);
    x = this.reduction(x);
    return this.norm(x);
  }
}

/** The table's rows for each pair of window positions, as [1, heads, N, N]. */
function getRelativePositionBias(table: Tensor, index: Tensor, windowSize: number[]): Tensor {
  const N = windowSize[0] * windowSize[1];
  let bias = table.index(index);
  bias = bias.view(N, N, -1);
  return bias.permute(2, 0, 1).contiguous().unsqueeze(0);
}

/** Python's slice(start, stop) as an index string ("0:-7", "-3:"). */
const slice = (start: number, stop: number | null) => `${start}:${stop === null ? "" : stop}`;

/**
 * Window attention over a channels-last map [B, H, W, C]: padded to whole windows, cyclically
 * shifted by shiftSize (torch.roll) so that windows straddle the previous layer's, attention within
 * each window with the relative position bias, and positions that the shift brought together from
 * different regions masked out (−100), then shifted back and unpadded.
 */
export function shiftedWindowAttention(input: Tensor, qkvWeight: Tensor, projWeight: Tensor, relativePositionBias: Tensor, windowSize: number[], numHeads: number, shiftSize: number[], attentionDropout = 0.0, dropout = 0.0, qkvBias: Tensor | null = null, projBias: Tensor | null = null, logitScale: Tensor | null = null, training = true): Tensor {
  const [B, H, W, C] = input.shape;
  const padR = (windowSize[1] - (W % windowSize[1])) % windowSize[1];
  const padB = (windowSize[0] - (H % windowSize[0])) % windowSize[0];
  let x = F.pad(input, [0, 0, 0, padR, 0, padB]);
  const [, padH, padW] = x.shape;
  shiftSize = [...shiftSize];
  // a window as large as the map: nothing to shift
  if (windowSize[0] >= padH) shiftSize[0] = 0;
  if (windowSize[1] >= padW) shiftSize[1] = 0;
  const shifted = shiftSize[0] + shiftSize[1] > 0;
  if (shifted) x = F.roll(x, [-shiftSize[0], -shiftSize[1]], [1, 2]);
  // the windows, [B·nW, Ws·Ws, C]
  const numWindows = Math.floor(padH / windowSize[0]) * Math.floor(padW / windowSize[1]);
  x = x.view(B, Math.floor(padH / windowSize[0]), windowSize[0], Math.floor(padW / windowSize[1]), windowSize[1], C);
  x = x.permute(0, 1, 3, 2, 4, 5).reshape(B * numWindows, windowSize[0] * windowSize[1], C);
  // Swin V2 has no key bias (a copy with that third zeroed, so the parameter's gradient there is zero)
  if (logitScale !== null && qkvBias !== null) {
    qkvBias = qkvBias.clone();
    const length = Math.floor(qkvBias.numel() / 3);
    qkvBias.index(`${length}:${2 * length}`).zero_();
  }
  const qkv = F.linear(x, qkvWeight, qkvBias).reshape(x.size(0), x.size(1), 3, numHeads, Math.floor(C / numHeads)).permute(2, 0, 3, 1, 4);
  let [q, k, v] = [qkv.select(0, 0), qkv.select(0, 1), qkv.select(0, 2)];
  let attn: Tensor;
  if (logitScale !== null) {
    // V2's scaled cosine attention: the logit scale learned per head, at most 100
    attn = F.normalize(q, { dim: -1 }).matmul(F.normalize(k, { dim: -1 }).transpose(-2, -1));
    logitScale = F.clamp(logitScale, { max: Math.log(100.0) }).exp();
    attn = attn.mul(logitScale);
  } else {
    q = q.mul(Math.floor(C / numHeads) ** -0.5);
    attn = q.matmul(k.transpose(-2, -1));
  }
  attn = attn.add(relativePositionBias);
  if (shifted) {
    // each position labelled by the region of the padded map it came from; pairs of different labels masked
    let attnMask = x.newZeros([padH, padW]);
    const hSlices: [number, number | null][] = [[0, -windowSize[0]], [-windowSize[0], -shiftSize[0]], [-shiftSize[0], null]];
    const wSlices: [number, number | null][] = [[0, -windowSize[1]], [-windowSize[1], -shiftSize[1]], [-shiftSize[1], null]];
    let count = 0;
    for (const h of hSlices)
      for (const w of wSlices) {
        attnMask.index(slice(h[0], h[1]), slice(w[0], w[1])).fill_(count);
        count += 1;
      }
    attnMask = attnMask.view(Math.floor(padH / windowSize[0]), windowSize[0], Math.floor(padW / windowSize[1]), windowSize[1]);
    attnMask = attnMask.permute(0, 2, 1, 3).reshape(numWindows, windowSize[0] * windowSize[1]);
    attnMask = attnMask.unsqueeze(1).sub(attnMask.unsqueeze(2));
    attnMask = attnMask.maskedFill(attnMask.ne(0), -100.0).maskedFill(attnMask.eq(0), 0.0);
    attn = attn.view(Math.floor(x.size(0) / numWindows), numWindows, numHeads, x.size(1), x.size(1));
    attn = attn.add(attnMask.unsqueeze(1).unsqueeze(0));
    attn = attn.view(-1, numHeads, x.size(1), x.size(1));
  }
  attn = F.softmax(attn, -1);
  attn = F.dropout(attn, { p: attentionDropout, training });
  x = attn.matmul(v).transpose(1, 2).reshape(x.size(0), x.size(1), C);
  x = F.linear(x, projWeight, projBias);
  x = F.dropout(x, { p: dropout, training });
  // the windows back into the map, the shift undone, the padding dropped
  x = x.view(B, Math.floor(padH / windowSize[0]), Math.floor(padW / windowSize[1]), windowSize[0], windowSize[1], C);
  x = x.permute(0, 1, 3, 2, 4, 5).reshape(B, padH, padW, C);
  if (shifted) x = F.roll(x, [shiftSize[0], shiftSize[1]], [1, 2]);
  return x.index(":", `:${H}`, `:${W}`, ":").contiguous();
}

export class ShiftedWindowAttention extends nn.Module {
  window_size: number[];
  shift_size: number[];
  num_heads: number;
  attention_dropout: number;
  dropout: number;
  qkv: nn.Linear;
  proj: nn.Linear;
  relative_position_bias_table!: nn.Parameter;
  declare relative_position_index: Tensor;
  constructor(dim: number, windowSize: number[], shiftSize: number[], numHeads: number, qkvBias = true, projBias = true, attentionDropout = 0.0, dropout = 0.0) {
    super();
    if (windowSize.length !== 2 || shiftSize.length !== 2) throw new Error("window_size and shift_size must be of length 2");
    this.window_size = windowSize;
    this.shift_size = shiftSize;
    this.num_heads = numHeads;
    this.attention_dropout = attentionDropout;
    this.dropout = dropout;
    this.qkv = new nn.Linear(dim, dim * 3, { bias: qkvBias });
    this.proj = new nn.Linear(dim, dim, { bias: projBias });
    this.defineRelativePositionBiasTable();
    this.defineRelativePositionIndex();
  }
  defineRelativePositionBiasTable(): void {
    // a bias per head for each of the (2·Wh − 1)(2·Ww − 1) relative offsets
    this.relative_position_bias_table = new nn.Parameter(F.zeros((2 * this.window_size[0] - 1) * (2 * this.window_size[1] - 1), this.num_heads));
    nn.init.trunc_normal_(this.relative_position_bias_table, { std: 0.02 });
  }
  defineRelativePositionIndex(): void {
    const coordsH = F.arange(this.window_size[0]);
    const coordsW = F.arange(this.window_size[1]);
    const coords = F.stack(F.meshgrid([coordsH, coordsW], { indexing: "ij" })); // 2, Wh, Ww
    const coordsFlatten = F.flatten(coords, 1); // 2, Wh·Ww
    let relativeCoords = coordsFlatten.index(":", ":", null).sub(coordsFlatten.index(":", null, ":")); // 2, Wh·Ww, Wh·Ww
    relativeCoords = relativeCoords.permute(1, 2, 0).contiguous(); // Wh·Ww, Wh·Ww, 2
    // offsets shifted to start at 0, then row-major over the (2·Ww − 1)-wide table
    relativeCoords.index(":", ":", 0).add_(this.window_size[0] - 1);
    relativeCoords.index(":", ":", 1).add_(this.window_size[1] - 1);
    relativeCoords.index(":", ":", 0).mul_(2 * this.window_size[1] - 1);
    const relativePositionIndex = relativeCoords.sum(-1).flatten(); // Wh·Ww·Wh·Ww
    this.registerBuffer("relative_position_index", relativePositionIndex);
  }
  getRelativePositionBias(): Tensor {
    return getRelativePositionBias(this.relative_position_bias_table, this.relative_position_index, this.window_size);
  }
  forward(x: Tensor): Tensor {
    const relativePositionBias = this.getRelativePositionBias();
    return shiftedWindowAttention(x, this.qkv.weight, this.proj.weight, relativePositionBias, this.window_size, this.num_heads, this.shift_size, this.attention_dropout, this.dropout, this.qkv.bias, this.proj.bias, null, this.training);
  }
}

/** Swin V2's attention: cosine similarity with a learned scale, the position bias from a small MLP over log-spaced relative coordinates. */
export class ShiftedWindowAttentionV2 extends ShiftedWindowAttention {
  logit_scale: nn.Parameter;
  cpb_mlp: nn.Sequential;
  declare relative_coords_table: Tensor;
  constructor(dim: number, windowSize: number[], shiftSize: number[], numHeads: number, qkvBias = true, projBias = true, attentionDropout = 0.0, dropout = 0.0) {
    super(dim, windowSize, shiftSize, numHeads, qkvBias, projBias, attentionDropout, dropout);
    this.logit_scale = new nn.Parameter(F.log(F.ones([numHeads, 1, 1]).mul(10)));
    // the continuous position bias: relative coordinates → 512 → a bias per head
    this.cpb_mlp = new nn.Sequential(new nn.Linear(2, 512, { bias: true }), new nn.ReLU({ inplace: true }), new nn.Linear(512, numHeads, { bias: false }));
    if (qkvBias) {
      const length = Math.floor(this.qkv.bias!.numel() / 3);
      this.qkv.bias!.data.index(`${length}:${2 * length}`).zero_();
    }
  }
  defineRelativePositionBiasTable(): void {
    const relativeCoordsH = F.arange(-(this.window_size[0] - 1), this.window_size[0], { dtype: "float32" });
    const relativeCoordsW = F.arange(-(this.window_size[1] - 1), this.window_size[1], { dtype: "float32" });
    let relativeCoordsTable = F.stack(F.meshgrid([relativeCoordsH, relativeCoordsW], { indexing: "ij" }));
    relativeCoordsTable = relativeCoordsTable.permute(1, 2, 0).contiguous().unsqueeze(0); // 1, 2·Wh − 1, 2·Ww − 1, 2
    relativeCoordsTable.index(":", ":", ":", 0).div_(this.window_size[0] - 1);
    relativeCoordsTable.index(":", ":", ":", 1).div_(this.window_size[1] - 1);
    // to [−8, 8], then log-spaced
    relativeCoordsTable = relativeCoordsTable.mul(8);
    relativeCoordsTable = F.sign(relativeCoordsTable).mul(F.log2(F.abs(relativeCoordsTable).add(1.0))).div(3.0);
    this.registerBuffer("relative_coords_table", relativeCoordsTable);
  }
  getRelativePositionBias(): Tensor {
    const bias = getRelativePositionBias(this.cpb_mlp(this.relative_coords_table).view(-1, this.num_heads), this.relative_position_index, this.window_size);
    return F.sigmoid(bias).mul(16);
  }
  forward(x: Tensor): Tensor {
    return shiftedWindowAttention(x, this.qkv.weight, this.proj.weight, this.getRelativePositionBias(), this.window_size, this.num_heads, this.shift_size, this.attention_dropout, this.dropout, this.qkv.bias, this.proj.bias, this.logit_scale, this.training);
  }
}

export class SwinTransformerBlock extends nn.Module {
  norm1: nn.LayerNorm;
  attn: ShiftedWindowAttention;
  stochastic_depth: StochasticDepth;
  norm2: nn.LayerNorm;
  mlp: MLPBlock;
  constructor(dim: number, numHeads: number, windowSize: number[], shiftSize: number[], mlpRatio = 4.0, dropout = 0.0, attentionDropout = 0.0, stochasticDepthProb = 0.0, attnLayer: typeof ShiftedWindowAttention = ShiftedWindowAttention) {
    super();
    this.norm1 = new nn.LayerNorm(dim, { eps: 1e-5 });
    this.attn = new attnLayer(dim, windowSize, shiftSize, numHeads, true, true, attentionDropout, dropout);
    this.stochastic_depth = new StochasticDepth(stochasticDepthProb, "row");
    this.norm2 = new nn.LayerNorm(dim, { eps: 1e-5 });
    // torchvision.ops.MLP [dim → mlp_ratio·dim → dim] with GELU, xavier-uniform weights and N(0, 1e-6) biases: ViT's MLPBlock
    this.mlp = new MLPBlock(dim, Math.trunc(dim * mlpRatio), dropout);
  }
  forward(x: Tensor): Tensor {
    x = x.add(this.stochastic_depth(this.attn(this.norm1(x))));
    return x.add(this.stochastic_depth(this.mlp(this.norm2(x))));
  }
}

/** Swin V2's block: the norms after the attention and the MLP (residual post-norm). */
export class SwinTransformerBlockV2 extends SwinTransformerBlock {
  constructor(dim: number, numHeads: number, windowSize: number[], shiftSize: number[], mlpRatio = 4.0, dropout = 0.0, attentionDropout = 0.0, stochasticDepthProb = 0.0, attnLayer: typeof ShiftedWindowAttention = ShiftedWindowAttentionV2) {
    super(dim, numHeads, windowSize, shiftSize, mlpRatio, dropout, attentionDropout, stochasticDepthProb, attnLayer);
  }
  forward(x: Tensor): Tensor {
    x = x.add(this.stochastic_depth(this.norm1(this.attn(x))));
    return x.add(this.stochastic_depth(this.norm2(this.mlp(x))));
  }
}

export class SwinTransformer extends nn.Module {
  features: nn.Sequential;
  norm: nn.LayerNorm;
  permute: Permute;
  avgpool: nn.AdaptiveAvgPool2d;
  flatten: nn.Flatten;
  head: nn.Linear;
  constructor(patchSize: number[], embedDim: number, depths: number[], numHeads: number[], windowSize: number[], mlpRatio = 4.0, dropout = 0.0, attentionDropout = 0.0, stochasticDepthProb = 0.1, numClasses = 1000, block: typeof SwinTransformerBlock = SwinTransformerBlock, downsampleLayer: typeof PatchMerging = PatchMerging) {
    super();
    const layers: nn.Module[] = [];
    // non-overlapping patches embedded, channels last
    layers.push(new nn.Sequential(new nn.Conv2d(3, embedDim, [patchSize[0], patchSize[1]], { stride: [patchSize[0], patchSize[1]] }), new Permute([0, 2, 3, 1]), new nn.LayerNorm(embedDim, { eps: 1e-5 })));
    const totalStageBlocks = depths.reduce((a, b) => a + b, 0);
    let stageBlockId = 0;
    for (let iStage = 0; iStage < depths.length; iStage++) {
      const stage: nn.Module[] = [];
      const dim = embedDim * 2 ** iStage;
      for (let iLayer = 0; iLayer < depths[iStage]; iLayer++) {
        // the drop probability grows linearly with the block's depth
        const sdProb = (stochasticDepthProb * stageBlockId) / (totalStageBlocks - 1);
        // every second block shifts its windows by half a window
        stage.push(new block(dim, numHeads[iStage], windowSize, windowSize.map((w) => (iLayer % 2 === 0 ? 0 : Math.floor(w / 2))), mlpRatio, dropout, attentionDropout, sdProb));
        stageBlockId += 1;
      }
      layers.push(new nn.Sequential(...stage));
      if (iStage < depths.length - 1) layers.push(new downsampleLayer(dim));
    }
    this.features = new nn.Sequential(...layers);
    const numFeatures = embedDim * 2 ** (depths.length - 1);
    this.norm = new nn.LayerNorm(numFeatures, { eps: 1e-5 });
    this.permute = new Permute([0, 3, 1, 2]);
    this.avgpool = new nn.AdaptiveAvgPool2d(1);
    this.flatten = new nn.Flatten(1);
    this.head = new nn.Linear(numFeatures, numClasses);
    for (const m of this.modules()) {
      if (m instanceof nn.Linear) {
        nn.init.trunc_normal_(m.weight, { std: 0.02 });
        if (m.bias !== null) nn.init.zeros_(m.bias);
      }
    }
  }
  forward(x: Tensor): Tensor {
    x = this.features(x);
    x = this.norm(x);
    x = this.permute(x);
    x = this.avgpool(x);
    x = this.flatten(x);
    return this.head(x);
  }
}

export const swin_t = (o: ModelOptions = {}): SwinTransformer => new SwinTransformer([4, 4], 96, [2, 2, 6, 2], [3, 6, 12, 24], [7, 7], 4.0, 0.0, 0.0, 0.2, numClassesOf(o));
export const swin_s = (o: ModelOptions = {}): SwinTransformer => new SwinTransformer([4, 4], 96, [2, 2, 18, 2], [3, 6, 12, 24], [7, 7], 4.0, 0.0, 0.0, 0.3, numClassesOf(o));
export const swin_b = (o: ModelOptions = {}): SwinTransformer => new SwinTransformer([4, 4], 128, [2, 2, 18, 2], [4, 8, 16, 32], [7, 7], 4.0, 0.0, 0.0, 0.5, numClassesOf(o));
export const swin_v2_t = (o: ModelOptions = {}): SwinTransformer => new SwinTransformer([4, 4], 96, [2, 2, 6, 2], [3, 6, 12, 24], [8, 8], 4.0, 0.0, 0.0, 0.2, numClassesOf(o), SwinTransformerBlockV2, PatchMergingV2);
export const swin_v2_s = (o: ModelOptions = {}): SwinTransformer => new SwinTransformer([4, 4], 96, [2, 2, 18, 2], [3, 6, 12, 24], [8, 8], 4.0, 0.0, 0.0, 0.3, numClassesOf(o), SwinTransformerBlockV2, PatchMergingV2);
export const swin_v2_b = (o: ModelOptions = {}): SwinTransformer => new SwinTransformer([4, 4], 128, [2, 2, 18, 2], [4, 8, 16, 32], [8, 8], 4.0, 0.0, 0.0, 0.5, numClassesOf(o), SwinTransformerBlockV2, PatchMergingV2);

// MaxViT (torchvision/models/maxvit.py): Tu et al., "MaxViT: Multi-Axis Vision Transformer"

/** A 3×3 convolution's output size for padding p and stride s. */
function convOutputShape(inputSize: [number, number], kernelSize: number, stride: number, padding: number): [number, number] {
  return [Math.floor((inputSize[0] - kernelSize + 2 * padding) / stride) + 1, Math.floor((inputSize[1] - kernelSize + 2 * padding) / stride) + 1];
}

/** For an [N, N]-position window, each pair's row in the (2N − 1)² relative position table. */
function relativePositionIndex(height: number, width: number): Tensor {
  const coords = F.stack(F.meshgrid([F.arange(height), F.arange(width)], { indexing: "ij" }));
  const coordsFlat = F.flatten(coords, 1);
  let relativeCoords = coordsFlat.index(":", ":", null).sub(coordsFlat.index(":", null, ":"));
  relativeCoords = relativeCoords.permute(1, 2, 0).contiguous();
  relativeCoords.index(":", ":", 0).add_(height - 1);
  relativeCoords.index(":", ":", 1).add_(width - 1);
  relativeCoords.index(":", ":", 0).mul_(2 * width - 1);
  return relativeCoords.sum(-1);
}

/** MaxViT's MBConv: pre-norm, expand, depthwise (strided in a block's first layer), squeeze-excite, project; a pooled projection of the input added. */
export class MaxVitMBConv extends nn.Module {
  proj: nn.Module;
  stochastic_depth: nn.Module;
  layers: nn.Sequential;
  constructor(inChannels: number, outChannels: number, expansionRatio: number, squeezeRatio: number, stride: number, pStochasticDropout = 0.0) {
    super();
    const shouldProj = stride !== 1 || inChannels !== outChannels;
    if (shouldProj) {
      let proj: nn.Module[] = [new nn.Conv2d(inChannels, outChannels, 1, { stride: 1, bias: true })];
      if (stride === 2) proj = [new nn.AvgPool2d({ kernelSize: 3, stride, padding: 1 }), ...proj];
      this.proj = new nn.Sequential(...proj);
    } else this.proj = new nn.Identity();
    const midChannels = Math.trunc(outChannels * expansionRatio);
    const sqzChannels = Math.trunc(outChannels * squeezeRatio);
    this.stochastic_depth = pStochasticDropout ? new StochasticDepth(pStochasticDropout, "row") : new nn.Identity();
    this.layers = new nn.Sequential({
      pre_norm: new nn.BatchNorm2d(inChannels, { eps: 1e-3, momentum: 0.01 }),
      conv_a: new Conv2dNormActivation(inChannels, midChannels, 1, 1, 1, 1, "gelu", 1e-3, 0.01),
      conv_b: new Conv2dNormActivation(midChannels, midChannels, 3, stride, midChannels, 1, "gelu", 1e-3, 0.01),
      squeeze_excitation: new SqueezeExcitation(midChannels, sqzChannels, "silu"),
      conv_c: new nn.Conv2d(midChannels, outChannels, 1, { bias: true }),
    });
  }
  forward(x: Tensor): Tensor {
    const res = this.proj(x);
    x = this.stochastic_depth(this.layers(x));
    return res.add(x);
  }
}

/** Multi-head attention within each partition [B, G, P, D], with a learned bias per relative position. */
export class RelativePositionalMultiHeadAttention extends nn.Module {
  n_heads: number;
  head_dim: number;
  size: number;
  max_seq_len: number;
  to_qkv: nn.Linear;
  scale_factor: number;
  merge: nn.Linear;
  relative_position_bias_table: nn.Parameter;
  declare relative_position_index: Tensor;
  constructor(featDim: number, headDim: number, maxSeqLen: number) {
    super();
    if (featDim % headDim !== 0) throw new Error(`feat_dim: ${featDim} must be divisible by head_dim: ${headDim}`);
    this.n_heads = Math.floor(featDim / headDim);
    this.head_dim = headDim;
    this.size = Math.trunc(Math.sqrt(maxSeqLen));
    this.max_seq_len = maxSeqLen;
    this.to_qkv = new nn.Linear(featDim, this.n_heads * this.head_dim * 3);
    this.scale_factor = featDim ** -0.5;
    this.merge = new nn.Linear(this.head_dim * this.n_heads, featDim);
    this.relative_position_bias_table = new nn.Parameter(F.empty((2 * this.size - 1) * (2 * this.size - 1), this.n_heads));
    this.registerBuffer("relative_position_index", relativePositionIndex(this.size, this.size));
    nn.init.trunc_normal_(this.relative_position_bias_table, { std: 0.02 });
  }
  getRelativePositionalBias(): Tensor {
    const biasIndex = this.relative_position_index.view(-1);
    const relativeBias = this.relative_position_bias_table.index(biasIndex).view(this.max_seq_len, this.max_seq_len, -1);
    return relativeBias.permute(2, 0, 1).contiguous().unsqueeze(0);
  }
  forward(x: Tensor): Tensor {
    const [B, G, P, D] = x.shape;
    const [H, DH] = [this.n_heads, this.head_dim];
    const qkv = this.to_qkv(x);
    let [q, k, v] = F.chunk(qkv, 3, -1);
    q = q.reshape(B, G, P, H, DH).permute(0, 1, 3, 2, 4);
    k = k.reshape(B, G, P, H, DH).permute(0, 1, 3, 2, 4);
    v = v.reshape(B, G, P, H, DH).permute(0, 1, 3, 2, 4);
    // torchvision scales the keys by the feature width's (not a head's) inverse square root
    k = k.mul(this.scale_factor);
    let dotProd = F.einsum("B G H I D, B G H J D -> B G H I J", q, k);
    const posBias = this.getRelativePositionalBias();
    dotProd = F.softmax(dotProd.add(posBias), -1);
    let out = F.einsum("B G H I J, B G H J D -> B G H I D", dotProd, v);
    out = out.permute(0, 1, 3, 2, 4).reshape(B, G, P, D);
    return this.merge(out);
  }
}

/** torch.swapaxes as a module. */
export class SwapAxes extends nn.Module {
  a: number;
  b: number;
  constructor(a: number, b: number) {
    super();
    this.a = a;
    this.b = b;
  }
  forward(x: Tensor): Tensor {
    return x.swapaxes(this.a, this.b);
  }
}

/** [B, C, H, W] → [B, (H/p)·(W/p), p·p, C]: the p×p windows as groups of positions. */
export class WindowPartition extends nn.Module {
  forward(x: Tensor, p: number): Tensor {
    const [B, C, H, W] = x.shape;
    const P = p;
    x = x.reshape(B, C, Math.floor(H / P), P, Math.floor(W / P), P);
    x = x.permute(0, 2, 4, 3, 5, 1);
    return x.reshape(B, Math.floor(H / P) * Math.floor(W / P), P * P, C);
  }
}

/** WindowPartition undone. */
export class WindowDepartition extends nn.Module {
  forward(x: Tensor, p: number, hPartitions: number, wPartitions: number): Tensor {
    const [B, , , C] = x.shape;
    const P = p;
    const [HP, WP] = [hPartitions, wPartitions];
    x = x.reshape(B, HP, WP, P, P, C);
    x = x.permute(0, 5, 1, 3, 2, 4);
    return x.reshape(B, C, HP * P, WP * P);
  }
}

/** Attention and an MLP within windows (block attention) or across a strided grid (grid attention: the partition axes swapped). */
export class PartitionAttentionLayer extends nn.Module {
  n_heads: number;
  head_dim: number;
  n_partitions: number;
  partition_type: "grid" | "window";
  grid_size: [number, number];
  p: number;
  g: number;
  partition_op: WindowPartition;
  departition_op: WindowDepartition;
  partition_swap: nn.Module;
  departition_swap: nn.Module;
  attn_layer: nn.Sequential;
  mlp_layer: nn.Sequential;
  stochastic_dropout: StochasticDepth;
  constructor(inChannels: number, headDim: number, partitionSize: number, partitionType: "grid" | "window", gridSize: [number, number], mlpRatio: number, attentionDropout: number, mlpDropout: number, pStochasticDropout: number) {
    super();
    this.n_heads = Math.floor(inChannels / headDim);
    this.head_dim = headDim;
    this.n_partitions = Math.floor(gridSize[0] / partitionSize);
    this.partition_type = partitionType;
    this.grid_size = gridSize;
    if (partitionType !== "grid" && partitionType !== "window") throw new Error("partition_type must be either 'grid' or 'window'");
    if (partitionType === "window") [this.p, this.g] = [partitionSize, this.n_partitions];
    else [this.p, this.g] = [this.n_partitions, partitionSize];
    this.partition_op = new WindowPartition();
    this.departition_op = new WindowDepartition();
    this.partition_swap = partitionType === "grid" ? new SwapAxes(-2, -3) : new nn.Identity();
    this.departition_swap = partitionType === "grid" ? new SwapAxes(-2, -3) : new nn.Identity();
    // partition_size² positions either way: the grid's axes are swapped into place
    this.attn_layer = new nn.Sequential(new nn.LayerNorm(inChannels), new RelativePositionalMultiHeadAttention(inChannels, headDim, partitionSize ** 2), new nn.Dropout(attentionDropout));
    this.mlp_layer = new nn.Sequential(new nn.LayerNorm(inChannels), new nn.Linear(inChannels, inChannels * mlpRatio), new nn.GELU(), new nn.Linear(inChannels * mlpRatio, inChannels), new nn.Dropout(mlpDropout));
    this.stochastic_dropout = new StochasticDepth(pStochasticDropout, "row");
  }
  forward(x: Tensor): Tensor {
    const [gh, gw] = [Math.floor(this.grid_size[0] / this.p), Math.floor(this.grid_size[1] / this.p)];
    if (this.grid_size[0] % this.p !== 0 || this.grid_size[1] % this.p !== 0) throw new Error(`Grid size must be divisible by partition size. Got grid size of ${this.grid_size} and partition size of ${this.p}`);
    x = this.partition_op(x, this.p);
    x = this.partition_swap(x);
    x = x.add(this.stochastic_dropout(this.attn_layer(x)));
    x = x.add(this.stochastic_dropout(this.mlp_layer(x)));
    x = this.departition_swap(x);
    return this.departition_op(x, this.p, gh, gw);
  }
}

/** MBConv, then window attention, then grid attention. */
export class MaxVitLayer extends nn.Module {
  layers: nn.Sequential;
  constructor(inChannels: number, outChannels: number, squeezeRatio: number, expansionRatio: number, stride: number, headDim: number, mlpRatio: number, mlpDropout: number, attentionDropout: number, pStochasticDropout: number, partitionSize: number, gridSize: [number, number]) {
    super();
    this.layers = new nn.Sequential({
      MBconv: new MaxVitMBConv(inChannels, outChannels, expansionRatio, squeezeRatio, stride, pStochasticDropout),
      window_attention: new PartitionAttentionLayer(outChannels, headDim, partitionSize, "window", gridSize, mlpRatio, attentionDropout, mlpDropout, pStochasticDropout),
      grid_attention: new PartitionAttentionLayer(outChannels, headDim, partitionSize, "grid", gridSize, mlpRatio, attentionDropout, mlpDropout, pStochasticDropout),
    });
  }
  forward(x: Tensor): Tensor {
    return this.layers(x);
  }
}

export class MaxVitBlock extends nn.Module {
  layers: nn.ModuleList;
  grid_size: [number, number];
  constructor(inChannels: number, outChannels: number, squeezeRatio: number, expansionRatio: number, headDim: number, mlpRatio: number, mlpDropout: number, attentionDropout: number, partitionSize: number, inputGridSize: [number, number], nLayers: number, pStochastic: number[]) {
    super();
    this.layers = new nn.ModuleList();
    // the first layer's stride 2
    this.grid_size = convOutputShape(inputGridSize, 3, 2, 1);
    pStochastic.forEach((p, idx) => {
      const stride = idx === 0 ? 2 : 1;
      this.layers.append(new MaxVitLayer(idx === 0 ? inChannels : outChannels, outChannels, squeezeRatio, expansionRatio, stride, headDim, mlpRatio, mlpDropout, attentionDropout, p, partitionSize, this.grid_size));
    });
  }
  forward(x: Tensor): Tensor {
    for (const layer of this.layers) x = layer(x);
    return x;
  }
}

export class MaxVit extends nn.Module {
  stem: nn.Sequential;
  partition_size: number;
  blocks: nn.ModuleList;
  classifier: nn.Sequential;
  constructor(inputSize: [number, number], stemChannels: number, partitionSize: number, blockChannels: number[], blockLayers: number[], headDim: number, stochasticDepthProb: number, squeezeRatio = 0.25, expansionRatio = 4, mlpRatio = 4, mlpDropout = 0.0, attentionDropout = 0.0, numClasses = 1000) {
    super();
    // every block's input must split into whole partitions
    let shape = convOutputShape(inputSize, 3, 2, 1);
    for (let i = 0; i < blockChannels.length; i++) {
      shape = convOutputShape(shape, 3, 2, 1);
      if (shape[0] % partitionSize !== 0 || shape[1] % partitionSize !== 0)
        throw new Error(`Input size ${inputSize} is not divisible by partition size ${partitionSize} at block ${i}. Consider changing the partition size or the input size.\nCurrent configuration yields the following block input sizes: ${shape}.`);
    }
    this.stem = new nn.Sequential(
      new Conv2dNormActivation(3, stemChannels, 3, 2, 1, 1, "gelu", 1e-3, 0.01),
      // no norm, no activation: the convolution alone, with its bias
      new nn.Sequential(new nn.Conv2d(stemChannels, stemChannels, 3, { stride: 1, padding: 1, bias: true })),
    );
    inputSize = convOutputShape(inputSize, 3, 2, 1);
    this.partition_size = partitionSize;
    this.blocks = new nn.ModuleList();
    const inChannels = [stemChannels, ...blockChannels.slice(0, -1)];
    // np.linspace(0, p, n): stochastic depth from 0 to p over the layers
    const total = blockLayers.reduce((a, b) => a + b, 0);
    const pStochastic = Array.from({ length: total }, (_, i) => (total === 1 ? 0 : (stochasticDepthProb * i) / (total - 1)));
    let pIdx = 0;
    blockChannels.forEach((outChannel, i) => {
      const block = new MaxVitBlock(inChannels[i], outChannel, squeezeRatio, expansionRatio, headDim, mlpRatio, mlpDropout, attentionDropout, partitionSize, inputSize, blockLayers[i], pStochastic.slice(pIdx, pIdx + blockLayers[i]));
      this.blocks.append(block);
      inputSize = block.grid_size;
      pIdx += blockLayers[i];
    });
    const last = blockChannels[blockChannels.length - 1];
    // Linear → Tanh → Linear, as the reference implementation's head
    this.classifier = new nn.Sequential(new nn.AdaptiveAvgPool2d(1), new nn.Flatten(), new nn.LayerNorm(last), new nn.Linear(last, last), new nn.Tanh(), new nn.Linear(last, numClasses, { bias: false }));
    for (const m of this.modules()) {
      if (m instanceof nn.Conv2d) {
        nn.init.normal_(m.weight, { std: 0.02 });
        if (m.bias !== null) nn.init.zeros_(m.bias);
      } else if (m instanceof nn.BatchNorm2d) {
        nn.init.constant_(m.weight, 1);
        nn.init.constant_(m.bias, 0);
      } else if (m instanceof nn.Linear) {
        nn.init.normal_(m.weight, { std: 0.02 });
        if (m.bias !== null) nn.init.zeros_(m.bias);
      }
    }
  }
  forward(x: Tensor): Tensor {
    x = this.stem(x);
    for (const block of this.blocks) x = block(x);
    return this.classifier(x);
  }
}

export const maxvit_t = (o: ModelOptions = {}): MaxVit => new MaxVit([o.imageSize ?? o.image_size ?? 224, o.imageSize ?? o.image_size ?? 224], 64, 7, [64, 128, 256, 512], [2, 2, 5, 2], 32, 0.2, 0.25, 4, 4, 0.0, 0.0, numClassesOf(o));

/** torchvision.models as one namespace: `models.resnet18()`. */
export const models = {
  ResNet, BasicBlock, Bottleneck, resnet18, resnet34, resnet50, resnet101, resnet152, resnext50_32x4d, resnext101_32x8d, wide_resnet50_2, wide_resnet101_2,
  VGG, vgg11, vgg11_bn, vgg13, vgg13_bn, vgg16, vgg16_bn, vgg19, vgg19_bn,
  AlexNet, alexnet,
  MobileNetV2, mobilenet_v2,
  MobileNetV3, mobilenet_v3_large, mobilenet_v3_small,
  EfficientNet, efficientnet_b0, efficientnet_b1, efficientnet_b2, efficientnet_b3, efficientnet_b4, efficientnet_b5, efficientnet_b6, efficientnet_b7,
  efficientnet_v2_s, efficientnet_v2_m, efficientnet_v2_l,
  ConvNeXt, convnext_tiny, convnext_small, convnext_base, convnext_large,
  VisionTransformer, vit_b_16, vit_b_32, vit_l_16, vit_l_32, vit_h_14,
  DenseNet, densenet121, densenet161, densenet169, densenet201,
  SqueezeNet, squeezenet1_0, squeezenet1_1,
  ShuffleNetV2, shufflenet_v2_x0_5, shufflenet_v2_x1_0, shufflenet_v2_x1_5, shufflenet_v2_x2_0,
  GoogLeNet, googlenet,
  Inception3, inception_v3,
  MNASNet, mnasnet0_5, mnasnet0_75, mnasnet1_0, mnasnet1_3,
  MaxVit, maxvit_t,
  SwinTransformer, swin_t, swin_s, swin_b, swin_v2_t, swin_v2_s, swin_v2_b,
  RegNet, regnet_y_400mf, regnet_y_800mf, regnet_y_1_6gf, regnet_y_3_2gf, regnet_y_8gf, regnet_y_16gf, regnet_y_32gf, regnet_y_128gf,
  regnet_x_400mf, regnet_x_800mf, regnet_x_1_6gf, regnet_x_3_2gf, regnet_x_8gf, regnet_x_16gf, regnet_x_32gf,
};
