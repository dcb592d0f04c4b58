import { DEFAULT_BUCKET_CAP_MB } from "./4-memory/buckets.ts";
import { realpathSync } from "node:fs";
import { join, resolve, sep } from "node:path";
import type { Target } from "./6-build/toolchain.ts";
import { fail } from "./diagnostics/diagnostic.ts";

/** build/lenet for examples/lenet/model.ts, build/net for net.ts. */
export function defaultOutDir(file: string): string {
  const parts = resolve(file).split(sep);
  const base = parts.at(-1)!.replace(/\.ts$/, "");
  return join("build", base === "model" && parts.length > 1 ? parts.at(-2)! : base);
}

/** What a build depends on besides its source files. */
export function recordedOptions(model: string | undefined, target: Target, archs: readonly string[], precision = "fp32", bucketCapMb = DEFAULT_BUCKET_CAP_MB, memcheck = false, shapeFor?: "cpu" | "gpu", counters = false, gemm = "auto", fast = false, tune?: string | false) {
  // memcheck, counters, and kernel shapes for the other target, only where asked for, so that
  // records of ordinary builds stay as they were.
  const otherShapes = shapeFor !== undefined && shapeFor !== (target === "cuda" ? "gpu" : "cpu");
  return {
    model: model ?? null,
    target,
    archs: target === "cuda" ? [...archs] : [],
    precision,
    bucketCapMb,
    ...(memcheck && target === "cpu" ? { memcheck: true } : {}),
    ...(otherShapes ? { shapeFor } : {}),
    ...(counters && target === "cpu" ? { counters: true } : {}),
    // only when not the default, so that records of earlier builds stay as they were
    ...(gemm !== "auto" ? { gemm } : {}),
    ...(fast && target === "cpu" ? { fast: true } : {}),
    // TSDP_CPU_OPT_LEVEL, where it changes the build (a plain CPU build at other than -O3)
    ...(target === "cpu" && !memcheck && !counters && !fast ? plainLevelRecord(cpuOptLevel()) : {}),
    // the tuning file applied (its contents are hashed with the sources: an edit rebuilds), or
    // --no-tune's false (a rebuild's command must ignore a model.tune.json too)
    ...(tune !== undefined ? { tune } : {}),
  };
}

const plainLevelRecord = (level: number) => (level === 3 ? {} : { optLevel: level });

/**
 * The optimization level of a plain CPU-target build: 3, or TSDP_CPU_OPT_LEVEL (0–3). -O1 compiles
 * in about half -O3's time (ResNet's generated code: 9.0 s against 20.3 s) and its kernels run
 * slower; the test suite builds at -O1 for that (vitest.config.ts), the main job and users at -O3.
 * The other flavors (memcheck, counters, fast) have their own levels (compiler/6-build/build.ts).
 */
export function cpuOptLevel(env: NodeJS.ProcessEnv = process.env): 0 | 1 | 2 | 3 {
  const text = env.TSDP_CPU_OPT_LEVEL;
  if (text === undefined || text.trim() === "") return 3;
  if (!/^\s*[0-3]\s*$/.test(text)) fail("invalidArgument", `TSDP_CPU_OPT_LEVEL must be 0, 1, 2 or 3 (g++'s -O level of CPU-target builds), got ${JSON.stringify(text)}`);
  return Number(text) as 0 | 1 | 2 | 3;
}

/** TSDP_SHIM_MEMCHECK=1 (or --memcheck) makes CPU builds memcheck builds (compiler/6-build/build.ts). */
export function memcheckFromEnv(): boolean {
  const v = process.env.TSDP_SHIM_MEMCHECK;
  return v !== undefined && v.trim() !== "" && v.trim() !== "0";
}

/**
 * Why `out`, the JSON file a command writes (`tsdp counters --out`, `tsdp tune --out`), must not be
 * it: the model file, or a source file of any kind (a TypeScript or JavaScript file would be
 * replaced by JSON: `tsdp counters model.ts --out model.ts` overwrote the model); undefined if it may.
 */
export function sourceAsOut(out: string, modelFile: string): string | undefined {
  // where the write lands: through a symlink (out.json → model.ts), the file it points to
  const [written, model] = [realPath(out), realPath(modelFile)];
  if (written === model) return `--out ${out} is the model file itself${written !== resolve(out) ? ` (through a link)` : ""}, which the JSON would replace`;
  for (const path of new Set([out, written]))
    if (/\.(?:[cm]?[jt]sx?)$/i.test(path)) return `--out ${out} names a source file${path !== out ? ` (${path}, through a link)` : ""} (the output is JSON), which it would replace`;
  return undefined;
}

/** `path` with its links resolved where it exists (else as given, resolved). */
export function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}
