// The tests' own native builds (the shim's test programs, nvcc compile checks, the memcheck
// program) go through the build cache (compiler/6-build/cache.ts) like model libraries: keyed by
// everything that goes in, built once however many workers ask, shared by every checkout on the
// machine. $TSDP_TEST_CACHE_DIR, else $TMPDIR/tsdp-test-cache.
import { readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { cachedEntry, cacheKey } from "../compiler/6-build/cache.ts";

export const testCacheDir = process.env.TSDP_TEST_CACHE_DIR ? resolve(process.env.TSDP_TEST_CACHE_DIR) : join(tmpdir(), "tsdp-test-cache");

export interface CompilerRun {
  readonly code: number;
  readonly stderr: string;
}

/**
 * The output of `compile` (which writes `output` and exits 0, or fails), cached under the key of
 * `inputs`; returns its path and the compiler's diagnostics. A failed compile throws with them.
 */
export async function cachedOutput(what: string, inputs: readonly string[], compile: (output: string) => Promise<CompilerRun>): Promise<{ path: string; log: string }> {
  const { dir } = await cachedEntry(testCacheDir, cacheKey(what, ...inputs), {
    read: (d) => {
      try {
        return readFileSync(join(d, "compile.log"), "utf8");
      } catch {
        return undefined; // the log is written last: no log, no entry
      }
    },
    build: async (work) => {
      const r = await compile(join(work, "output"));
      if (r.code !== 0) throw new Error(`${what}: compilation failed\n${r.stderr}`);
      writeFileSync(join(work, "compile.log"), r.stderr);
    },
  });
  return { path: join(dir, "output"), log: readFileSync(join(dir, "compile.log"), "utf8") };
}
