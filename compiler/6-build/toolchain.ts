import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../package-root.mjs";
import { CompileError, diagnostic } from "../diagnostics/diagnostic.ts";

// Finding the compilers and the GPU. Each probe runs once per process (and environment).

export type Target = "cpu" | "cuda";

/** The CPU shim header that lets g++ compile the generated CUDA. */
export const shimHeader = join(packageRoot, "runtime", "shim", "cuda_shim.h");

/** The fixed harness's sources and headers (harness.h, which generated code includes). */
export const harnessDir = join(packageRoot, "runtime", "harness");

// Keyed by the probe and the environment it reads: a process that changes PATH, CXX or
// TSDP_NVCC (a test pointing at a fake nvcc, a build script) finds the tools again.
const memo = new Map<string, unknown>();
function once<T>(probe: string, f: () => T): T {
  const { PATH, CXX, TSDP_NVCC, TSDP_FORCE_NO_GPU } = process.env;
  const key = JSON.stringify([probe, PATH, CXX, TSDP_NVCC, TSDP_FORCE_NO_GPU]);
  if (!memo.has(key)) memo.set(key, f());
  return memo.get(key) as T;
}

function run(cmd: string, args: string[]): string | undefined {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 10_000 });
  } catch {
    return undefined;
  }
}

/** Path of nvcc: $TSDP_NVCC, else PATH, else /usr/local/cuda/bin. */
export function findNvcc(): string | undefined {
  return once("nvcc", () => {
    // TSDP_NVCC, when set, is the only nvcc tsdp will use
    const candidates = process.env.TSDP_NVCC ? [process.env.TSDP_NVCC] : ["nvcc", "/usr/local/cuda/bin/nvcc"];
    return candidates.find((c) => run(c, ["--version"]) !== undefined);
  });
}

export function findCxx(): string | undefined {
  return once("cxx", () => [process.env.CXX, "g++"].filter((c): c is string => Boolean(c)).find((c) => run(c, ["--version"]) !== undefined));
}

export function toolVersion(tool: string): string {
  return once(`version:${tool}`, () => (run(tool, ["--version"]) ?? "").trim().split("\n").slice(-2).join(" "));
}

/** Compute capabilities of the visible GPUs ("90" for an H100), from nvidia-smi; empty without a GPU. */
export function localGpuArchs(): string[] {
  return once("gpus", () => {
    if (process.env.TSDP_FORCE_NO_GPU) return [];
    const out = run("nvidia-smi", ["--query-gpu=compute_cap", "--format=csv,noheader"]);
    if (!out) return [];
    return [...new Set(out.trim().split("\n").map((l) => l.trim().replace(".", "")).filter((s) => /^\d+$/.test(s)))];
  });
}

/** cuda when a usable GPU and nvcc are present, else cpu. */
export function defaultTarget(): Target {
  return localGpuArchs().length > 0 && findNvcc() !== undefined ? "cuda" : "cpu";
}

/** The GPU architectures to build for: the local GPU's, else sm_80 and sm_90. */
export function defaultArchs(): string[] {
  const local = localGpuArchs();
  return local.length ? local : ["80", "90"];
}

export function hasShim(): boolean {
  return existsSync(shimHeader);
}

/**
 * The architectures that cannot run a precision's kernels: tf32 and bf16 GEMMs use mma.sync and
 * cp.async (sm_80+), so ptxas would refuse them with hundreds of lines naming neither the option nor
 * the fix. Checked before the build (tsdp compile --target cuda, tsdp inspect --arch).
 */
export function checkPrecisionArchs(precision: string | undefined, archs: readonly string[]): void {
  if (!precision || precision === "fp32") return;
  const old = archs.filter((a) => Number.parseInt(a, 10) < 80);
  if (old.length)
    throw new CompileError([diagnostic("precisionNeedsArch", `--precision ${precision} needs sm_80 or newer; --arch includes ${old.map((a) => `sm_${a}`).join(", ")}`)]);
}
