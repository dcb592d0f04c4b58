import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

// A small CIFAR-10 ResNet in the style of torchvision's resnet.py (BasicBlock, conv3x3,
// conv1x1, a downsample branch of 1×1 conv + BatchNorm2d, layer1..layer3) with the widths of
// the CIFAR ResNets of He et al., "Deep Residual Learning for Image Recognition", section 4.2
// (16/32/64 channels, a 3×3 stem, no stem max pool). With the default [3, 3, 3] blocks per
// stage this is ResNet-20 (6·3 + 2 layers); [1, 1, 1] gives ResNet-8, [5, 5, 5] ResNet-32.
// Where the width changes, the shortcut is torchvision's projection (option B in the paper),
// not the paper's zero-padding (option A), so it has 2,752 more parameters than the paper's
// 0.27M. Parameter and buffer names follow torchvision's state_dict: "conv1.weight",
// "bn1.running_mean", "layer1.2.conv2.weight", "layer2.0.downsample.0.weight", "fc.bias".

/** 3×3 convolution with padding 1 and no bias, as torchvision's conv3x3. */
function conv3x3(inPlanes: number, outPlanes: number, stride = 1): nn.Conv2d {
  return new nn.Conv2d(inPlanes, outPlanes, 3, { stride, padding: 1, bias: false });
}

/** 1×1 convolution without bias, as torchvision's conv1x1. */
function conv1x1(inPlanes: number, outPlanes: number, stride = 1): nn.Conv2d {
  return new nn.Conv2d(inPlanes, outPlanes, 1, { stride, bias: false });
}

export class BasicBlock extends nn.Module {
  conv1: nn.Conv2d;
  bn1: nn.BatchNorm2d;
  relu: nn.ReLU;
  conv2: nn.Conv2d;
  bn2: nn.BatchNorm2d;
  downsample: nn.Sequential | null;

  constructor(inPlanes: number, planes: number, stride = 1, downsample: nn.Sequential | null = null) {
    super();
    this.conv1 = conv3x3(inPlanes, planes, stride);
    this.bn1 = new nn.BatchNorm2d(planes);
    this.relu = new nn.ReLU(true);
    this.conv2 = conv3x3(planes, planes);
    this.bn2 = new nn.BatchNorm2d(planes);
    this.downsample = downsample;
  }

  forward(x: Tensor) {
    let identity = x;

    let out = this.conv1(x);
    out = this.bn1(out);
    out = this.relu(out);

    out = this.conv2(out);
    out = this.bn2(out);

    if (this.downsample !== null) identity = this.downsample(x);

    out = out.add(identity);
    out = this.relu(out);
    return out;
  }
}

export class ResNet extends nn.Module {
  inPlanes = 16;
  conv1: nn.Conv2d;
  bn1: nn.BatchNorm2d;
  relu: nn.ReLU;
  layer1: nn.Sequential;
  layer2: nn.Sequential;
  layer3: nn.Sequential;
  avgpool: nn.AdaptiveAvgPool2d;
  fc: nn.Linear;

  constructor(layers: readonly number[] = [3, 3, 3], numClasses = 10) {
    super();
    this.conv1 = conv3x3(3, this.inPlanes);
    this.bn1 = new nn.BatchNorm2d(this.inPlanes);
    this.relu = new nn.ReLU(true);
    this.layer1 = this.makeLayer(16, layers[0]);
    this.layer2 = this.makeLayer(32, layers[1], 2);
    this.layer3 = this.makeLayer(64, layers[2], 2);
    this.avgpool = new nn.AdaptiveAvgPool2d([1, 1]);
    this.fc = new nn.Linear(64, numClasses);
  }

  makeLayer(planes: number, blocks: number, stride = 1): nn.Sequential {
    let downsample: nn.Sequential | null = null;
    if (stride !== 1 || this.inPlanes !== planes)
      downsample = new nn.Sequential(conv1x1(this.inPlanes, planes, stride), new nn.BatchNorm2d(planes));
    const layers: nn.Module[] = [new BasicBlock(this.inPlanes, planes, stride, downsample)];
    this.inPlanes = planes;
    for (let i = 1; i < blocks; i++) layers.push(new BasicBlock(this.inPlanes, planes));
    return new nn.Sequential(...layers);
  }

  forward(x: Tensor<[Batch, 3, 32, 32]>) {
    x = this.conv1(x); // [Batch, 16, 32, 32]
    x = this.bn1(x);
    x = this.relu(x);

    x = this.layer1(x); // [Batch, 16, 32, 32]
    x = this.layer2(x); // [Batch, 32, 16, 16]
    x = this.layer3(x); // [Batch, 64, 8, 8]

    x = this.avgpool(x); // [Batch, 64, 1, 1]
    x = F.flatten(x, 1);
    x = this.fc(x);
    return x;
  }
}

export const training = new Training(ResNet, {
  loss: new nn.CrossEntropyLoss(),
  optimizer: new optim.SGD({ lr: 0.1, momentum: 0.9, weightDecay: 1e-4 }),
});
