// The Node side of tsdp: what user programs import from "tsdp".
export { tensor, type Tensor, type TensorData } from "./tensor.ts";
export { load, type LoadOptions } from "./loader.ts";
export { allReduceSum, batchShard, processGroupFromEnv, rank, worldSize, type DistributedOptions, type ProcessGroupInfo } from "./distributed.ts";
export * as lrScheduler from "./lr-scheduler.ts";
export { CompiledModel, type Evaluation, type Int64Tensor, type ParameterInfo, type ParameterInput, type ParameterTensor, type TrainStepChecked, type TrainStepLossOnly, type TrainStepNoWait, type TrainStepOptions, type TrainStepResult, type TrainStepWithOutputs } from "./model.ts";
export { BuildDirectoryError, ModelStateError, NativeError } from "./errors.ts";
export { validateCountersFile, type CountersFile, type LaunchCounters, type ShimCounters } from "./counters.ts";
export {
  ABI_VERSION,
  BATCH,
  MANIFEST_FORMAT,
  readManifest,
  validateManifest,
  type Dim,
  type Dtype,
  type IOSpec,
  type Manifest,
  type ParamSpec,
} from "./manifest.ts";
export {
  decodeSafetensors,
  encodeSafetensors,
  readSafetensorsFile,
  writeSafetensorsFile,
  removeStaleTemporaries,
  SafetensorsError,
  CHECKSUM_KEY as SAFETENSORS_CHECKSUM_KEY,
  MAX_HEADER_SIZE as SAFETENSORS_MAX_HEADER_SIZE,
  SAFETENSORS_DTYPES,
  type DecodedSafetensors,
  type SafetensorsData,
  type SafetensorsDtype,
  type SafetensorsErrorCode,
  type SafetensorsInput,
  type SafetensorsTensor,
  type WriteOptions as SafetensorsWriteOptions,
} from "./safetensors.ts";
// the data helpers the examples train with: an epoch's permutation from a seed, batches over it,
// DistributedSampler's shard under tsdp launch, and the Fashion-MNIST reader
export {
  batches,
  DataError,
  distributedShard,
  epochOrder,
  FASHION_MNIST_DIR,
  FASHION_MNIST_NORMALIZE,
  loadFashionMnist,
  subset,
  take,
  type Batch as DataBatch,
  type Dataset,
} from "./data.ts";
