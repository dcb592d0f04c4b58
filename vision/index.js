// tsdp/vision is model-language source (vision/models.ts), read by `tsdp compile`, never executed:
// run directly, each name fails at its first use saying what to do instead — tsdp/dsl's own trap.
import { nn as trap } from "../dsl/index.js";
export const models = trap;
export const ResNet = trap, BasicBlock = trap, Bottleneck = trap, resnet18 = trap, resnet34 = trap, resnet50 = trap, resnet101 = trap, resnet152 = trap;
export const resnext50_32x4d = trap, resnext101_32x8d = trap, wide_resnet50_2 = trap, wide_resnet101_2 = trap;
export const VGG = trap, makeLayers = trap, vgg11 = trap, vgg11_bn = trap, vgg13 = trap, vgg13_bn = trap, vgg16 = trap, vgg16_bn = trap, vgg19 = trap, vgg19_bn = trap;
export const AlexNet = trap, alexnet = trap;
export const DenseNet = trap, DenseLayer = trap, DenseBlock = trap, Transition = trap, densenet121 = trap, densenet161 = trap, densenet169 = trap, densenet201 = trap;
export const SqueezeNet = trap, Fire = trap, squeezenet1_0 = trap, squeezenet1_1 = trap;
export const ShuffleNetV2 = trap, ShuffleInvertedResidual = trap, channelShuffle = trap, shufflenet_v2_x0_5 = trap, shufflenet_v2_x1_0 = trap, shufflenet_v2_x1_5 = trap, shufflenet_v2_x2_0 = trap;
export const EfficientNet = trap, MBConv = trap, MBConvConfig = trap, StochasticDepth = trap, efficientnet_b0 = trap, efficientnet_b1 = trap, efficientnet_b2 = trap, efficientnet_b3 = trap, efficientnet_b4 = trap;
export const ConvNeXt = trap, CNBlock = trap, LayerNorm2d = trap, Permute = trap, convnext_tiny = trap, convnext_small = trap, convnext_base = trap, convnext_large = trap;
export const VisionTransformer = trap, Encoder = trap, EncoderBlock = trap, MLPBlock = trap, vit_b_16 = trap, vit_b_32 = trap, vit_l_16 = trap, vit_l_32 = trap;
export const MobileNetV3 = trap, SqueezeExcitation = trap, InvertedResidualConfig = trap, InvertedResidualV3 = trap, mobilenet_v3_large = trap, mobilenet_v3_small = trap;
export const MobileNetV2 = trap, InvertedResidual = trap, Conv2dNormActivation = trap, makeDivisible = trap, mobilenet_v2 = trap;
