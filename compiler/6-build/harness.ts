import { createHash, randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join, sep } from "node:path";
import { readRegularFile } from "../../runtime/build-directory.ts";
import type { KernelResources } from "../../runtime/manifest.ts";
import { CompileError, multiline } from "../diagnostics/diagnostic.ts";
import { makeDirectory, writeAtomic } from "./cache.ts";
import { sharedEntry, touchEntry } from "./cache-trim.ts";
import { runToolchain } from "./children.ts";
import { parsePtxasLog } from "./resources.ts";
import { harnessDir, shimHeader, toolVersion } from "./toolchain.ts";

// The fixed harness (runtime/harness/*.cu): the C ABI, the data-parallel driver, the training
// step. It does not change per model, so it is compiled once per target, architecture and flags
// into objects kept in the cache (harness-<key>/, key = hash of its sources, the shim's headers,
// the command and the compiler) and linked with each model's generated code.

/**
 * The harness's sources, each compiled to its own object; training_abi only for models that train,
 * shim_runtime (the shim's runtime functions, compiled once here instead of into every model) only
 * for the CPU target.
 */
export const harnessSources = ["harness.cu", "step.cu", "cublaslt.cu", "group.cu", "store.cu", "training_abi.cu", "shim_runtime.cu"] as const;
export type HarnessSource = (typeof harnessSources)[number];

/** The sources a target compiles: the CUDA target has the CUDA runtime, not the shim's. */
export const targetSources = (target: "cpu" | "cuda"): readonly HarnessSource[] => harnessSources.filter((s) => target === "cpu" || s !== "shim_runtime.cu");

/** The objects of the harness that every library of `target` links; training_abi's only if it trains. */
export function linkedObjects(objects: Partial<Record<HarnessSource, string>>, target: "cpu" | "cuda", trains: boolean): string[] {
  return targetSources(target)
    .filter((s) => trains || s !== "training_abi.cu")
    .map((s) => objects[s]!);
}

/**
 * The command for one harness source: shim_runtime.cu is where the shim's TSDP_SHIM_RUNTIME_FN
 * functions are defined (runtime/shim/cuda_shim.h, "Where the runtime is compiled"); the header
 * comes in by -include, before the source's first line, so the define is on the command line.
 */
function sourceCommand(s: HarnessSource, command: string[]): string[] {
  return s === "shim_runtime.cu" ? [command[0], "-DTSDP_SHIM_RUNTIME_OBJECT=1", ...command.slice(1)] : command;
}

/** Every header and source of the harness and (CPU target) the shim, in a fixed order: part of every cache key. */
export function harnessText(target: "cpu" | "cuda"): string {
  const dirs = target === "cpu" ? [harnessDir, dirname(shimHeader)] : [harnessDir];
  const parts: string[] = [];
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).filter((f) => /\.(h|cu)$/.test(f)).sort()) parts.push(`${f}\n${readFileSync(join(dir, f), "utf8")}`);
  }
  return parts.join("\n");
}

export interface HarnessObjects {
  /** Every source of the target (targetSources) to its object. */
  readonly objects: Partial<Record<HarnessSource, string>>;
  /** CUDA target: ptxas's report for the harness's kernels (the optimizer update, the all-reduce stand-in). */
  readonly resources?: KernelResources[];
  /** Whether every object came from the cache. */
  readonly cached: boolean;
  /** The cache entry that holds the objects (a linker touches it first: cache-trim.ts spares recent entries). */
  readonly dir: string;
}

const RESOURCES = "resources.json";

/**
 * The harness's objects for this command (`compile(source, output)` is the `-c` command line),
 * from the cache or compiled now. Each object lands by rename, so two builds racing for the same
 * key each see a complete object; the loser's compile is wasted, never its reader misled.
 */
export async function harnessObjects(
  cacheDir: string,
  target: "cpu" | "cuda",
  compile: (source: string, output: string) => string[],
): Promise<HarnessObjects> {
  const probe = compile("harness.cu", "harness.o");
  // The command names the precompiled shim by its path in this cache (pch-<key>/, keyed by its own
  // inputs): the key takes it relative to the cache, so that an entry means the same objects in
  // any cache directory (a copied or moved cache, a test's private one seeded from the shared).
  const options = probe.slice(1).map((a) => (a.startsWith(cacheDir + sep) ? `<cache>${a.slice(cacheDir.length)}` : a));
  const key = createHash("sha256").update(harnessText(target)).update(JSON.stringify(options)).update(toolVersion(probe[0])).digest("hex").slice(0, 32);
  const entry = join(cacheDir, sharedEntry("harness", key));
  const sources = targetSources(target);
  const objects = Object.fromEntries(sources.map((s) => [s, join(entry, s.replace(/\.cu$/, ".o"))])) as Partial<Record<HarnessSource, string>>;
  const complete = () => sources.every((s) => existsSync(objects[s]!)) && (target === "cpu" || existsSync(join(entry, RESOURCES)));
  // Marked used (the cache's bound evicts the least recently used: cache-trim.ts), on a hit and
  // before a build writes into the entry.
  if (complete()) {
    touchEntry(entry);
    return { objects, resources: target === "cuda" ? readResources(entry) : undefined, cached: true, dir: entry };
  }

  makeDirectory(entry);
  touchEntry(entry);
  const work = `${entry}.build-${process.pid}-${randomBytes(4).toString("hex")}`;
  const removeWork = () => rmSync(work, { recursive: true, force: true });
  makeDirectory(work);
  try {
    // The sources are compiled in parallel: each is independent.
    const logs = await Promise.all(
      sources.map(async (s) => {
        const out = join(work, s.replace(/\.cu$/, ".o"));
        const command = sourceCommand(s, compile(join(harnessDir, s), out));
        const result = await runToolchain(command, removeWork);
        if (result.exitCode !== 0)
          throw new CompileError([multiline("buildFailed", `${command[0].split("/").pop()} failed to build the harness (runtime/harness/${s}):\n${(result.all ?? "").split("\n").slice(0, 20).join("\n")}`)]);
        return result.all ?? "";
      }),
    );
    let resources: KernelResources[] | undefined;
    if (target === "cuda") {
      resources = logs.flatMap((log) => parsePtxasLog(log));
      writeAtomic(join(entry, RESOURCES), JSON.stringify(resources) + "\n");
    }
    for (const s of sources) writeAtomic(objects[s]!, readFileSync(join(work, s.replace(/\.cu$/, ".o"))));
    return { objects, resources, cached: false, dir: entry };
  } finally {
    removeWork();
  }
}

function readResources(entry: string): KernelResources[] | undefined {
  try {
    const list = JSON.parse(readRegularFile(join(entry, RESOURCES), 16 << 20).toString("utf8")) as unknown;
    return Array.isArray(list) ? (list as KernelResources[]) : undefined;
  } catch {
    return undefined;
  }
}
