// The tests' own native builds (the shim's test programs, nvcc compile checks, the memcheck
// program) go through the build cache (compiler/6-build/cache.ts) like model libraries: keyed by
// everything that goes in, built once however many workers ask, shared by every checkout on the
// machine. $TSDP_TEST_CACHE_DIR, else $TMPDIR/tsdp-test-cache.
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { harnessFor, shimFor } from "../compiler/6-build/build.ts";
import { cacheDirectory, cachedEntry, cacheKey } from "../compiler/6-build/cache.ts";
import { scratchDir } from "./helpers.ts";

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

/**
 * A fresh private build cache (for a test that corrupts, kills or lists what is in it) holding
 * copies of the shared cache's entries for plain CPU builds: the precompiled shim and the
 * harness's objects, built there first when missing. Its first compile then builds the model and
 * links, as in a user's warm cache, instead of the shim and the harness's seven objects again
 * (about 130 s of CPU per private cache on CI's 2-core machine). The copies are the test's to
 * damage; the shared entries are not touched.
 */
export async function seededCacheDir(prefix: string, seed: "harness and shim" | "harness" = "harness and shim"): Promise<string> {
  const dir = scratchDir(prefix);
  const shared = cacheDirectory();
  const shim = await shimFor(shared, "cpu", "plain");
  if (shim === undefined) throw new Error(`could not precompile the shim into ${shared}`);
  const harness = await harnessFor(shared, "cpu", ["80", "90"], "plain", shim);
  // "harness": the first build still precompiles the shim (the harness's key names it relative to
  // the cache, so the copied objects are the ones it would compile against it)
  const entries = seed === "harness" ? [harness.dir] : [dirname(shim), harness.dir];
  for (const entry of entries) cpSync(entry, join(dir, basename(entry)), { recursive: true });
  return dir;
}
