// Plain Node (no TypeScript loader) imports this file for `import ... from "tsdp"`: it loads the
// TypeScript runtime through tsx, so users need no build step either.
import { register } from "tsx/esm/api";

register();
const runtime = await import("./index.ts");
export const {
  tensor,
  load,
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
} = runtime;
