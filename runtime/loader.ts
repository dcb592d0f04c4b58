// load(dir): a compiled model directory (manifest.json + libmodel.so) → a CompiledModel.
import { checkSeed } from "./seed.ts";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { elfProblem, readVerifiedLibrary, rebuildHint, staleBuildWarning } from "./build-directory.ts";
import { BuildDirectoryError, NativeError, describeValue, suggestion } from "./errors.ts";
import { ABI_VERSION, readManifest, sha256, type Manifest } from "./manifest.ts";
import { distributedTimeout, joinGroup, localDevices, processGroupFromEnv, type DistributedOptions } from "./distributed.ts";
import { CompiledModel } from "./model.ts";
import { NativeLibrary } from "./native.ts";
import type { Tensor } from "./tensor.ts";

export interface LoadOptions {
  /**
   * The devices to run on: a list of device ids, or a count n meaning devices 0 … n-1. Omitted:
   * the library's default (`num_devices` 0 and `device_ids` NULL in tsdp_config).
   */
  devices?: readonly number[] | number;
  /**
   * Seed of the parameter initialization (and of anything random the model does), a
   * non-negative integer below 2^64 (a bigint above 2^53). Default 0.
   */
  seed?: number | bigint;
  /** A safetensors checkpoint to restore (see CompiledModel.saveCheckpoint); refused whole if it does not fit. */
  checkpoint?: string;
  /** Capture each training step as a CUDA graph and replay it (default true; TSDP_CUDA_GRAPHS=0 also turns it off). */
  cudaGraphs?: boolean;
  /**
   * DistributedDataParallel: join the job that the launcher started (tsdp launch, mpirun, srun;
   * runtime/distributed.ts). Each step then sums gradients over every device of every process,
   * the loss is the whole job's, and every process starts from rank 0's parameters. `devices`
   * counts this process's devices (on GPUs its local rank's block). Alone (no launcher), it does nothing.
   */
  distributed?: boolean | DistributedOptions;
}

const MAX_INT32 = 2 ** 31 - 1;
const OPTION_KEYS = ["devices", "seed", "checkpoint", "cudaGraphs", "distributed"];

function checkOptions(options: unknown): { deviceIds: Int32Array | null; seed: bigint } {
  if (options === undefined) return { deviceIds: null, seed: 0n };
  if (typeof options !== "object" || options === null || Array.isArray(options))
    throw new TypeError(`load: options must be an object { devices?, seed? }, got ${describeValue(options)}`);
  for (const k of Object.keys(options))
    if (!OPTION_KEYS.includes(k)) throw new TypeError(`load: unknown option "${k}"${suggestion(k, OPTION_KEYS, "options")}`);
  const { devices, seed } = options as LoadOptions;

  let deviceIds: Int32Array | null = null;
  if (typeof devices === "number") {
    if (!Number.isInteger(devices) || devices < 1 || devices > 1024)
      throw new RangeError(`load: devices must be a device count from 1 to 1024 or a list of device ids, got ${describeValue(devices)}`);
    deviceIds = Int32Array.from({ length: devices }, (_, i) => i);
  } else if (Array.isArray(devices)) {
    if (devices.length === 0 || devices.length > 1024)
      throw new RangeError(`load: devices must list from 1 to 1024 device ids, got ${devices.length}`);
    for (const d of devices)
      if (typeof d !== "number" || !Number.isInteger(d) || d < 0 || d > MAX_INT32)
        throw new RangeError(`load: device ids must be non-negative integers, got ${describeValue(d)} in [${devices.map(String).join(", ")}]`);
    if (new Set(devices).size !== devices.length) throw new RangeError(`load: devices lists a device twice: [${devices.join(", ")}]`);
    deviceIds = Int32Array.from(devices);
  } else if (devices !== undefined)
    throw new TypeError(`load: devices must be a device count or a list of device ids, got ${describeValue(devices)}`);

  return { deviceIds, seed: seed === undefined ? 0n : checkSeed(seed, "load") };
}


/** Libraries loaded by this process, by the sha256 of their bytes: loading the same build again shares it. */
const opened = new Map<string, NativeLibrary>();

/**
 * Maps a library from the bytes that passed verification. They are written to a private file that
 * nobody else knows of and unlinked once mapped: the process never maps the model directory's
 * own file, so a rebuild, a truncation or an overwrite in place of that file cannot pull pages
 * out from under the running model (SIGBUS), and what runs is exactly what was checked.
 */
/**
 * A memcheck build (tsdp compile --memcheck) links AddressSanitizer, whose runtime aborts the
 * whole process when it is loaded after the program started. Such a library is only opened where
 * the runtime is already in the process (LD_PRELOAD); elsewhere the caller gets an error that says how.
 */
function asanProblem(bytes: Buffer, libPath: string): string | undefined {
  if (!bytes.includes("libasan.so")) return undefined;
  let maps = "";
  try {
    maps = readFileSync("/proc/self/maps", "utf8");
  } catch {
    // Without /proc the runtime cannot be seen: refuse rather than risk the abort.
  }
  if (/libasan\.so/.test(maps)) return undefined;
  return (
    `load: ${libPath} is a memcheck build (AddressSanitizer), whose runtime must be loaded before Node starts: ` +
    `run node with LD_PRELOAD=$(g++ -print-file-name=libasan.so) ASAN_OPTIONS=detect_leaks=0, or rebuild without --memcheck / TSDP_SHIM_MEMCHECK`
  );
}

function openVerified(bytes: Buffer, libPath: string, manifest: Manifest): NativeLibrary {
  const key = sha256(bytes);
  const seen = opened.get(key);
  if (seen) return seen;
  const bad = elfProblem(bytes);
  if (bad) {
    const hint = manifest.target === "cuda" ? " (a cuda build needs the CUDA runtime and an NVIDIA driver on this machine; build for the cpu target otherwise)" : "";
    throw new BuildDirectoryError(`load: cannot load ${libPath}: ${bad}${hint}: ${rebuildHint(dirname(libPath), manifest.sourceFile)}`, libPath);
  }
  const asan = asanProblem(bytes, libPath);
  if (asan) throw new BuildDirectoryError(asan, libPath);
  const dir = mkdtempSync(join(tmpdir(), "tsdp-lib-"));
  const copy = join(dir, basename(libPath));
  try {
    writeFileSync(copy, bytes, { mode: 0o700 });
    const lib = NativeLibrary.open(copy);
    opened.set(key, lib);
    return lib;
  } catch (e) {
    const hint = manifest.target === "cuda" ? " (a cuda build needs the CUDA runtime and an NVIDIA driver on this machine; build for the cpu target otherwise)" : "";
    // Messages name the user's file, not the private copy.
    throw new Error(`load: ${(e as Error).message.split(copy).join(libPath)}${hint}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Loads a model directory produced by `tsdp compile`: checks manifest.json, loads its library,
 * checks that the library was built from that manifest, and creates the model (its parameters
 * initialized from `seed`).
 */
/**
 * The environment variables the library reads at load and step time, checked here: the native
 * side takes what it does not know as its default, so a typo (TSDP_CUDA_GRAPHS=off) would be
 * silently ignored.
 */
function checkEnvironment(): void {
  const env = (name: string) => {
    const v = process.env[name];
    return v === undefined || v === "" ? undefined : v;
  };
  const choices: [string, readonly string[], string][] = [
    ["TSDP_CUDA_GRAPHS", ["0", "1"], "0 (issue the step call by call) or 1 (capture it as a CUDA graph, the default)"],
    ["TSDP_ALLREDUCE", ["nccl", "standin", "auto"], "nccl, standin or auto (the default)"],
  ];
  for (const [name, allowed, meaning] of choices) {
    const v = env(name);
    if (v !== undefined && !allowed.includes(v)) throw new RangeError(`load: ${name} must be ${meaning}, got ${JSON.stringify(v)}`);
  }
  const mb = env("TSDP_SHIM_DEVICE_MEMORY_MB");
  if (mb !== undefined && !(/^[0-9]+$/.test(mb) && Number(mb) > 0 && Number(mb) < 2 ** 40))
    throw new RangeError(`load: TSDP_SHIM_DEVICE_MEMORY_MB must be a whole number of megabytes above 0 (the CPU target's device memory), got ${JSON.stringify(mb)}`);
}

export async function load<Out extends Tensor | Tensor[] | Readonly<Record<string, Tensor>> = Tensor | Tensor[]>(
  dir: string,
  options?: LoadOptions,
): Promise<CompiledModel<Out>> {
  if (typeof dir !== "string" || dir.length === 0)
    throw new TypeError(`load: expected the path of a model directory, got ${describeValue(dir)}`);
  checkEnvironment();
  let { deviceIds, seed } = checkOptions(options);
  const distributed = options?.distributed;
  if (distributed !== undefined && typeof distributed !== "boolean" && (typeof distributed !== "object" || distributed === null || Array.isArray(distributed)))
    throw new TypeError(`load: distributed must be true, false or { timeout }, got ${describeValue(distributed)}`);
  const group = distributed ? processGroupFromEnv() : undefined;
  const timeout = distributed ? distributedTimeout(distributed) : 0;
  const checkpoint = options?.checkpoint;
  if (checkpoint !== undefined && (typeof checkpoint !== "string" || checkpoint.length === 0))
    throw new TypeError(`load: checkpoint must be the path of a .safetensors file, got ${describeValue(checkpoint)}`);
  const graphs = options?.cudaGraphs;
  if (graphs !== undefined && typeof graphs !== "boolean") throw new TypeError(`load: cudaGraphs must be true or false, got ${describeValue(graphs)}`);

  let root = resolve(dir);
  const info = await stat(root).catch(() => null);
  if (!info) throw new BuildDirectoryError(`load: ${root} does not exist: compile the model with tsdp compile first`, root);
  if (info.isFile()) {
    if (basename(root) !== "manifest.json")
      throw new Error(`load: ${root} is a file; pass the model directory produced by tsdp compile (the one holding manifest.json)`);
    root = dirname(root);
  }

  const manifestPath = join(root, "manifest.json");
  const hint = rebuildHint(root);
  const manifest = await readManifest(manifestPath, hint);
  const libPath = join(root, manifest.library);
  const lib = openVerified(readVerifiedLibrary(root, manifest, manifestPath), libPath, manifest);

  const abi = lib.abiVersion();
  if (abi !== ABI_VERSION)
    throw new BuildDirectoryError(`load: ${libPath} speaks tsdp ABI version ${abi}, this runtime speaks ${ABI_VERSION}: ${hint}`, libPath);
  // The other half of the seal: the library carries the hash of the manifest it was built with.
  const hash = lib.manifestHash();
  if (hash !== manifest.sourceHash)
    throw new BuildDirectoryError(
      `load: ${libPath} was built for a different model/manifest (library sourceHash ${JSON.stringify(hash)}, ` +
        `${manifestPath} says ${JSON.stringify(manifest.sourceHash)}): ${hint}`,
      libPath,
    );

  if (group && typeof options?.devices === "number" && manifest.target === "cuda") deviceIds = Int32Array.from(localDevices(options.devices, group.localRank, "cuda"));
  const { code, handle } = lib.create(deviceIds, seed);
  if (code !== 0 || handle === null) {
    const msg = lib.lastError(null);
    const what = code !== 0 ? `failed (code ${code})` : "returned 0 but no model";
    throw new NativeError(`load: ${manifest.model}: tsdp_create ${what}: ${msg || "(no message from the library)"}`, "tsdp_create", code, msg);
  }
  const model = new CompiledModel<Out>(root, manifest, lib, handle, group?.worldSize ?? 1);
  // the build is sound but may be of an older model: say so, as `tsdp compile` would rebuild it
  // (bounded, printable: build-directory.ts staleBuildWarning)
  const stale = staleBuildWarning(root, hint);
  if (stale) process.emitWarning(stale, { code: "TSDP_STALE_BUILD" });
  if (graphs === false) model.useGraphs(false);
  if (group && group.worldSize > 1) {
    try {
      if (!lib.canTrain) throw new TypeError(`load: distributed: ${manifest.model} has no training step (DistributedDataParallel sums gradients)`);
      await joinGroup(lib, handle, group, timeout, "load");
    } catch (e) {
      model.dispose();
      throw e;
    }
  }
  if (checkpoint !== undefined) {
    try {
      await model.loadCheckpoint(checkpoint);
    } catch (e) {
      model.dispose();
      throw e;
    }
  }
  return model;
}
