import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { withManifestChanges, type GeneratedModel } from "../5-codegen/emit.ts";
import type { Graph } from "../ir/node.ts";
import { buildModel, type BuildOptions, type BuildResult } from "./build.ts";
import { overrideBuildError, overrideReports, withOverrides, type Override } from "./overrides.ts";
import { localGpuArchs } from "./toolchain.ts";
import { verifyOverrides } from "./verify-overrides.ts";

// The build of a model with user kernels: the library is built and verified in a scratch
// directory first (verify-overrides.ts), and only a library that passes is built into the output
// directory, a cache hit of the same key. A refused or broken override leaves the output directory
// as it was, so the previous build stays usable.

/** The generated model with the user's kernels in place of the generated sections, and listed in its manifest. */
export function applyOverrides(gen: GeneratedModel, overrides: readonly Override[]): GeneratedModel {
  if (overrides.length === 0) return gen;
  const sealed = withManifestChanges(gen, { overrides: overrideReports(overrides) });
  return { ...sealed, cu: withOverrides(sealed.cu, overrides) };
}

export interface VerifiedBuild extends BuildResult {
  /** What the verification checked, one line per target it ran on. */
  readonly verified: readonly string[];
}

/**
 * Builds `gen` (overrides applied) after verifying it. `cpuTwin`: for a CUDA build, the same model
 * generated for the CPU target with the GPU's kernel shapes (overrides applied), which is what runs
 * here; on a machine with a GPU the CUDA library is verified on it as well.
 */
export async function buildVerified(gen: GeneratedModel, opts: BuildOptions, graph: Graph, overrides: readonly Override[], cpuTwin: () => GeneratedModel): Promise<VerifiedBuild> {
  const verified: string[] = [];
  let scratchHit = true;
  const scratch = mkdtempSync(join(tmpdir(), "tsdp-verify-"));
  try {
    const attempt = async <T>(f: () => Promise<T>): Promise<T> => {
      try {
        return await f();
      } catch (e) {
        throw overrideBuildError(e, overrides);
      }
    };
    // The CPU target verifies the library it installs (a memcheck or counter build cannot be
    // loaded plainly in this process: those verify the plain build of the same code). A CUDA
    // build's CPU twin is only a check: built at -O0 (fastFlags), a fraction of -O3's time.
    const plainCpu = opts.target === "cpu" && !opts.memcheck && !opts.counters;
    const cpuGen = opts.target === "cpu" ? gen : cpuTwin();
    const cpuDir = join(scratch, "cpu");
    const cpuBuild = await attempt(() => buildModel(cpuGen, { ...opts, target: "cpu", outDir: cpuDir, record: undefined, memcheck: false, counters: false, fast: plainCpu ? opts.fast : opts.target === "cuda" }));
    scratchHit = cpuBuild.cacheHit;
    // a library that crashes its check is built again with AddressSanitizer, to name the access
    const memcheckDir = join(scratch, "cpu-memcheck");
    const memcheckBuild = async () => (await attempt(() => buildModel(cpuGen, { ...opts, target: "cpu", outDir: memcheckDir, record: undefined, memcheck: true, counters: false, fast: false })), memcheckDir);
    verified.push(`CPU target: ${await verifyOverrides(cpuDir, graph, overrides, memcheckBuild)}`);
    if (opts.target === "cuda") {
      const cudaDir = join(scratch, "cuda");
      const cudaBuild = await attempt(() => buildModel(gen, { ...opts, outDir: cudaDir, record: undefined }));
      scratchHit &&= cudaBuild.cacheHit;
      // Not exercised in CI (no GPU there): the same check on the device, when there is one.
      if (localGpuArchs().length > 0) verified.push(`GPU: ${await verifyOverrides(cudaDir, graph, overrides)}`);
      else verified.push("GPU: not verified on a device (no GPU here); the CPU target ran the GPU's kernel shapes");
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const build = await buildModel(gen, opts);
  // the library was built (if at all) in the scratch directory: "cached" only when nothing was
  return { ...build, cacheHit: scratchHit && build.cacheHit, verified };
}
