// torch names a port reaches for that tsdp knows and does not compute, each with the reason and
// what to write instead: a clearer refusal than "not part of tsdp's model language" (TSDP3001).

const lazy = (eager: string) =>
  `lazy modules shape their parameters at the first call, and tsdp creates every parameter before forward runs; give the input size: new nn.${eager}(inFeatures, …)`;

export const REFUSED_NAMES: Readonly<Record<string, string>> = {
  "nn.SyncBatchNorm": "statistics across the replicas in the middle of forward are not computed; nn.BatchNorm2d normalizes each replica's share of the batch, as DistributedDataParallel does without SyncBatchNorm",
  "nn.LazyLinear": lazy("Linear"),
  "nn.LazyConv1d": lazy("Conv1d"),
  "nn.LazyConv2d": lazy("Conv2d"),
  "nn.LazyConv3d": lazy("Conv3d"),
  "nn.LazyConvTranspose2d": lazy("ConvTranspose2d"),
  "nn.LazyBatchNorm1d": lazy("BatchNorm1d"),
  "nn.LazyBatchNorm2d": lazy("BatchNorm2d"),
  "F.pdist": "the distances between every pair of rows of one [N, M] matrix pair samples across the batch, which is split across devices; F.cdist(a, b) of two tensors per sample is supported",
  "F.autograd": "gradients inside forward (a WGAN-GP gradient penalty, a Jacobian regularizer) are not computed: tsdp differentiates the loss once per step, in the generated backward pass",
};
