// `import ... from "tsdp"` in plain Node. An installed package runs the runtime built into dist/
// (JavaScript, no loader). A checkout has no build step to forget: it runs runtime/index.ts through
// tsx, registered here — only there, where the sources exist.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

let runtime;
if (existsSync(new URL("./index.ts", import.meta.url))) {
  // a checkout used from another project: its types (dist/) may be older than what runs here
  const { staleDistWarning } = await import("./dist-stamp.mjs");
  const stale = staleDistWarning(fileURLToPath(new URL("..", import.meta.url)));
  if (stale) process.emitWarning(stale, { code: "TSDP_STALE_DIST" });
  const { register } = await import("tsx/esm/api");
  register();
  runtime = await import("./index.ts");
} else runtime = await import("../dist/runtime/index.js");
// every value runtime/index.ts exports (test/runtime-exports.test.ts keeps the two lists equal)
export const {
  tensor,
  load,
  allReduceSum,
  batchShard,
  processGroupFromEnv,
  rank,
  worldSize,
  lrScheduler,
  validateCountersFile,
  removeStaleTemporaries,
  SAFETENSORS_CHECKSUM_KEY,
  CompiledModel,
  NativeError,
  ModelStateError,
  BuildDirectoryError,
  ABI_VERSION,
  BATCH,
  MANIFEST_FORMAT,
  readManifest,
  validateManifest,
  decodeSafetensors,
  encodeSafetensors,
  readSafetensorsFile,
  writeSafetensorsFile,
  SafetensorsError,
  SAFETENSORS_MAX_HEADER_SIZE,
  SAFETENSORS_DTYPES,
  batches,
  DataError,
  distributedShard,
  epochOrder,
  FASHION_MNIST_DIR,
  FASHION_MNIST_NORMALIZE,
  loadFashionMnist,
  subset,
  take,
} = runtime;
