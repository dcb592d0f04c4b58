"""The six examples/*/model.ts as torch.nn.Modules, written by hand from the TypeScript.

Attribute names and their order follow the TypeScript classes, so state_dict keys are tsdp's
parameter names ("conv1.weight", "body.0.weight", "layer2.0.downsample.1.running_mean",
"blocks.3.spatial.fn.0.weight") and weights load by name with strict=True.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


class LeNet(nn.Module):  # examples/lenet/model.ts (SimpleModel)
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 20, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(20, 50, 5)
        self.fc1 = nn.Linear(50 * 4 * 4, 500)
        self.fc2 = nn.Linear(500, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = x.view(-1, 50 * 4 * 4)
        x = F.relu(self.fc1(x))
        return self.fc2(x)


class MnistNet(nn.Module):  # examples/mnist/model.ts (pytorch/examples mnist/main.py)
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.relu(self.conv2(F.relu(self.conv1(x))))
        x = self.dropout1(F.max_pool2d(x, 2))
        x = torch.flatten(x, 1)
        x = self.dropout2(F.relu(self.fc1(x)))
        return F.log_softmax(self.fc2(x), dim=1)


class CifarNet(nn.Module):  # examples/cifar10/model.ts (the 60-minute-blitz classifier)
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


class MLP(nn.Module):  # examples/mlp/model.ts
    def __init__(self, in_features=784, hidden=(512, 256), num_classes=10, dropout=0.1):
        super().__init__()
        layers, width = [], in_features
        for h in hidden:
            layers += [nn.Linear(width, h), nn.LayerNorm(h), nn.GELU(), nn.Dropout(dropout)]
            width = h
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(width, num_classes)

    def forward(self, x):
        return self.head(self.body(x))


def conv3x3(i, o, stride=1):
    return nn.Conv2d(i, o, 3, stride=stride, padding=1, bias=False)


def conv1x1(i, o, stride=1):
    return nn.Conv2d(i, o, 1, stride=stride, bias=False)


class BasicBlock(nn.Module):  # examples/resnet/model.ts (torchvision's BasicBlock)
    def __init__(self, in_planes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = conv3x3(in_planes, planes, stride)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class ResNet(nn.Module):  # ResNet-20 for CIFAR-10, as examples/resnet/model.ts
    def __init__(self, layers=(3, 3, 3), num_classes=10):
        super().__init__()
        self.in_planes = 16
        self.conv1 = conv3x3(3, 16)
        self.bn1 = nn.BatchNorm2d(16)
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = self._make_layer(16, layers[0])
        self.layer2 = self._make_layer(32, layers[1], 2)
        self.layer3 = self._make_layer(64, layers[2], 2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(64, num_classes)

    def _make_layer(self, planes, blocks, stride=1):
        downsample = None
        if stride != 1 or self.in_planes != planes:
            downsample = nn.Sequential(conv1x1(self.in_planes, planes, stride), nn.BatchNorm2d(planes))
        layers = [BasicBlock(self.in_planes, planes, stride, downsample)]
        self.in_planes = planes
        layers += [BasicBlock(planes, planes) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def conv_gelu_bn(i, o, k, stride=1, groups=1):  # examples/composed/blocks.ts convGeluBn
    return nn.Sequential(nn.Conv2d(i, o, k, stride=stride, padding=(k - 1) // 2 if stride == 1 else 0, groups=groups), nn.GELU(), nn.BatchNorm2d(o))


class Residual(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return self.fn(x) + x


class MixerLayer(nn.Module):
    def __init__(self, dim, kernel_size):
        super().__init__()
        self.spatial = Residual(conv_gelu_bn(dim, dim, kernel_size, 1, dim))
        self.channel = conv_gelu_bn(dim, dim, 1)

    def forward(self, x):
        return self.channel(self.spatial(x))


class ConvMixer(nn.Module):  # examples/composed/model.ts
    def __init__(self, depth=4, width=64, kernel_size=5, patch_size=2, num_classes=10):
        super().__init__()
        self.stem = conv_gelu_bn(3, width, patch_size, patch_size)
        self.blocks = nn.ModuleList([MixerLayer(width, kernel_size) for _ in range(depth)])
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.head = nn.Linear(width, num_classes)

    def forward(self, x):
        x = self.stem(x)
        for block in self.blocks:
            x = block(x)
        return self.head(torch.flatten(self.pool(x), 1))


EXAMPLES = {"lenet": LeNet, "mnist": MnistNet, "cifar10": CifarNet, "mlp": MLP, "resnet": ResNet, "composed": ConvMixer}


def loss_fn(name):
    """The loss of manifest.training.loss (the TypeScript's Training declaration)."""
    losses = {"cross_entropy": F.cross_entropy, "CrossEntropyLoss": F.cross_entropy, "nll_loss": F.nll_loss, "NLLLoss": F.nll_loss}
    if name not in losses:
        raise ValueError(f"no PyTorch counterpart known for the loss {name!r}")
    return losses[name]


def optimizer(params, spec):
    """torch.optim for manifest.training.optimizer ({kind, lr, momentum, …} with PyTorch's names or camelCase)."""
    g = lambda *keys, default=0.0: next((float(spec[k]) for k in keys if k in spec), default)  # noqa: E731
    kind = spec["kind"]
    wd = g("weightDecay", "weight_decay")
    if kind == "SGD":
        return torch.optim.SGD(params, lr=g("lr"), momentum=g("momentum"), dampening=g("dampening"), weight_decay=wd, nesterov=bool(spec.get("nesterov", False)))
    if kind == "RMSprop":
        return torch.optim.RMSprop(params, lr=g("lr"), alpha=g("alpha", default=0.99), eps=g("eps", default=1e-8), weight_decay=wd, momentum=g("momentum"))
    betas = (g("beta1", default=0.9), g("beta2", default=0.999))
    cls = {"Adam": torch.optim.Adam, "AdamW": torch.optim.AdamW}.get(kind)
    if cls is None:
        raise ValueError(f"no PyTorch counterpart known for the optimizer {kind!r}")
    return cls(params, lr=g("lr"), betas=betas, eps=g("eps", default=1e-8), weight_decay=wd)
