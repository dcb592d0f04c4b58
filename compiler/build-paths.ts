import { DEFAULT_BUCKET_CAP_MB } from "./4-memory/buckets.ts";
import { join, resolve, sep } from "node:path";
import type { Target } from "./6-build/toolchain.ts";

/** build/lenet for examples/lenet/model.ts, build/net for net.ts. */
export function defaultOutDir(file: string): string {
  const parts = resolve(file).split(sep);
  const base = parts.at(-1)!.replace(/\.ts$/, "");
  return join("build", base === "model" && parts.length > 1 ? parts.at(-2)! : base);
}

/** What a build depends on besides its source files. */
export function recordedOptions(model: string | undefined, target: Target, archs: readonly string[], precision = "fp32", bucketCapMb = DEFAULT_BUCKET_CAP_MB, memcheck = false, shapeFor?: "cpu" | "gpu", counters = false, gemm = "auto", fast = false, tune?: string) {
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
    // the tuning file applied (its contents are hashed with the sources: an edit rebuilds)
    ...(tune !== undefined ? { tune } : {}),
  };
}

/** TSDP_SHIM_MEMCHECK=1 (or --memcheck) makes CPU builds memcheck builds (compiler/6-build/build.ts). */
export function memcheckFromEnv(): boolean {
  const v = process.env.TSDP_SHIM_MEMCHECK;
  return v !== undefined && v.trim() !== "" && v.trim() !== "0";
}
