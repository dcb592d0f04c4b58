import { copyFileSync, existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cachedEntry, cacheKey } from "./cache.ts";
import { sharedEntry } from "./cache-trim.ts";
import { runToolchain } from "./children.ts";
import { harnessText } from "./harness.ts";
import { shimHeader, toolVersion } from "./toolchain.ts";

// The CPU target's shim header, precompiled. Every CPU-target object begins with
// `-include runtime/shim/cuda_shim.h`: 2,700 lines and most of the C++ standard library, about
// 1.5 s of parsing in each compile (README, "A CPU-target build compiles only the model"). g++ reads
// `<header>.gch` instead of `<header>` when the two sit side by side and the .gch was built with
// the same options, so each cache holds one per compile command (pch-<key>/: the .gch and the
// header's text, which g++ falls back to where the .gch does not fit, slower but the same code).
// Plain and fast builds only: a memcheck or counter build reports the shim's lines by path, which
// must stay runtime/shim/'s.

const HEADER = "cuda_shim.h";
const PRECOMPILED = `${HEADER}.gch`;
/** The .gch's size in bytes, written last: a .gch without it, or of another size, was cut short. */
const SIZE = `${PRECOMPILED}.bytes`;

/**
 * The header to -include in place of runtime/shim/cuda_shim.h for `precompile(header, output)`
 * (the command that precompiles `header` into `output` with a compile's options); built once per
 * command, compiler and shim text. Undefined when it could not be built: the compile then reads
 * the header itself. `cleanup` is the waiting build's own (its work directory's removal): a signal
 * while the header precompiles ends the process, and both go.
 */
export async function precompiledShim(cacheDir: string, precompile: (header: string, output: string) => string[], cleanup: () => void = () => {}): Promise<string | undefined> {
  try {
    const { dir } = await cachedEntry(cacheDir, entryKey(precompile), {
      read: (d) => (sound(d) ? d : undefined),
      build: async (work, abandon) => {
        copyFileSync(shimHeader, join(work, HEADER));
        const command = precompile(join(work, HEADER), join(work, PRECOMPILED));
        const r = await runToolchain(command, () => {
          abandon();
          cleanup();
        });
        if (r.exitCode !== 0) throw new Error(`precompiling the shim failed:\n${r.all ?? ""}`);
        writeFileSync(join(work, SIZE), `${statSync(join(work, PRECOMPILED)).size}\n`);
      },
    });
    return join(dir, HEADER);
  } catch {
    return undefined; // the compile reads runtime/shim/cuda_shim.h, as without a cache
  }
}

/** The entry's name: the shim's and the harness's text, the precompile command, the compiler. */
function entryKey(precompile: (header: string, output: string) => string[]): string {
  const probe = precompile(HEADER, PRECOMPILED);
  return sharedEntry("pch", cacheKey(harnessText("cpu"), JSON.stringify(probe.slice(1)), toolVersion(probe[0])));
}

function sound(dir: string): boolean {
  try {
    if (!existsSync(join(dir, HEADER))) return false;
    return Number(readFileSync(join(dir, SIZE), "utf8")) === statSync(join(dir, PRECOMPILED)).size;
  } catch {
    return false;
  }
}
