// tsdp's Gloo shim (runtime/harness/gloo_shim.cpp): the CPU collective engine of a torchrun-style
// launch. Gloo is a C++ library, so a model library cannot dlopen it directly; the shim gives it a
// C face (gloo_abi.h). It is built here on first use, against Debian's libgloo-dev, and kept in
// the build cache like the model libraries (a key per shim source, header and compiler), so a job's
// ranks build it once between them and later jobs not at all. Only a torchrun-style join asks for
// it: without Gloo a model still trains alone and under mpirun.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { cachedEntry, cacheDirectory, cacheKey, writeAtomic } from "../compiler/6-build/cache.ts";
import { sharedEntry } from "../compiler/6-build/cache-trim.ts";
import { findCxx, harnessDir, toolVersion } from "../compiler/6-build/toolchain.ts";
import { readRegularFile } from "./build-directory.ts";
import { sha256 } from "./manifest.ts";

const SOURCE = join(harnessDir, "gloo_shim.cpp");
const ABI = join(harnessDir, "gloo_abi.h");
const LIBRARY = "libtsdp_gloo.so";
const DIGEST = `${LIBRARY}.sha256`;
/** Where Debian's libgloo-dev puts its version: part of the key, so a new Gloo rebuilds the shim. */
const GLOO_CONFIG = "/usr/include/gloo/config.h";

/** What to install when the shim cannot be built (the message of load's error). */
export const GLOO_MISSING = "Gloo is not installed: apt-get install libgloo-dev (Debian, Ubuntu)";

/** The g++ command that builds the shim into `output`. */
export function glooShimCommand(cxx: string, output: string): string[] {
  return [cxx, "-std=c++17", "-O2", "-shared", "-fPIC", "-fvisibility=hidden", "-pthread", "-I", harnessDir, "-o", output, SOURCE, "-lgloo"];
}

function readShim(dir: string): string | undefined {
  const path = join(dir, LIBRARY);
  try {
    const [sha, size] = readRegularFile(join(dir, DIGEST), 256).toString("utf8").trim().split(" ");
    const bytes = readRegularFile(path, 2 ** 31);
    return sha === sha256(bytes) && Number(size) === bytes.length ? path : undefined;
  } catch {
    return undefined;
  }
}

/** The shim's path, built now if the cache has none; an Error that says what to install when it cannot be built. */
export async function glooShim(cacheDir = cacheDirectory()): Promise<string> {
  const cxx = findCxx();
  if (!cxx) throw new Error("tsdp's Gloo shim needs a C++ compiler to be built once: apt-get install g++ (or set CXX)");
  const config = existsSync(GLOO_CONFIG) ? readFileSync(GLOO_CONFIG, "utf8") : "";
  const key = cacheKey("gloo-shim", readFileSync(SOURCE, "utf8"), readFileSync(ABI, "utf8"), JSON.stringify(glooShimCommand(cxx, "out").slice(1)), toolVersion(cxx), config);
  const { value } = await cachedEntry(cacheDir, sharedEntry("gloo", key), {
    read: readShim,
    build: async (work) => {
      const output = join(work, LIBRARY);
      const [tool, ...args] = glooShimCommand(cxx, output);
      const r = spawnSync(tool, args, { encoding: "utf8" });
      if (r.status !== 0) {
        const said = `${r.stderr ?? ""}${r.error?.message ?? ""}`.trim().split("\n").slice(0, 6).join("\n");
        const missing = /gloo\/\S+\.h: No such file|cannot find -lgloo/.test(said);
        throw new Error(`${missing ? GLOO_MISSING : "tsdp's Gloo shim did not build"} (${tool} ${args.join(" ")}:\n${said})`);
      }
      const bytes = readFileSync(output);
      writeAtomic(join(work, DIGEST), `${sha256(bytes)} ${bytes.length}\n`);
    },
  });
  return value;
}
