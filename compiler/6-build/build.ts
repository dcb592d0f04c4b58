import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, parse, resolve } from "node:path";
import { CompileError, diagnostic, multiline } from "../diagnostics/diagnostic.ts";
import type { GeneratedModel } from "../5-codegen/emit.ts";
import { ABI_VERSION, sha256, type Manifest } from "../../runtime/manifest.ts";
import { cacheDirectory, cachedEntry, cacheKey, makeDirectory, readCachedLibrary, readCachedResources, sealCachedLibrary, StagedFiles, storeCachedResources } from "./cache.ts";
import { cacheLimitBytes, touchEntry } from "./cache-trim.ts";
import { parsePtxasLog, withKernelAliases } from "./resources.ts";
import { runToolchain } from "./children.ts";
import { removeStaleTemporaries, TEMP_NAME } from "./leftovers.ts";
import { cpuOptLevel, memcheckFromEnv, realPath } from "../build-paths.ts";
import { findCxx, findNvcc, harnessDir, shimHeader, toolVersion, type Target } from "./toolchain.ts";
import { harnessObjects, harnessText, linkedObjects, type HarnessObjects } from "./harness.ts";
import { typedModule } from "./typed-module.ts";
import { precompiledShim } from "./precompiled-shim.ts";
import { GENERATED, MODULE_SCOPE, needsModuleScope, ownPackageJson } from "./up-to-date.mjs";

// The native build: nvcc for the GPU, g++ with the CPU shim otherwise. Libraries are cached by
// the hash of everything that goes into them, and every file lands in the output directory by
// rename, so a reader never sees a half-written library even when two compiles race. The
// manifest written last records the library's sha256 and size, which `load` checks before
// mapping the library, and the library embeds the manifest's hash, which `load` checks after.

export interface BuildOptions {
  readonly target: Target;
  /** Written to build.json so that the next compile of unchanged inputs can skip every stage. */
  readonly record?: object;
  readonly outDir: string;
  /** GPU architectures as compute capabilities ("80", "90"), for the cuda target. */
  readonly archs?: readonly string[];
  /** Where built libraries are kept by hash; default $TSDP_CACHE_DIR or ~/.cache/tsdp. */
  readonly cacheDir?: string;
  /** CPU target: build with AddressSanitizer and the shim's memory checks (see memcheckFlags). */
  readonly memcheck?: boolean;
  /** CPU target: the hardware-counter flavor (see countersFlags). */
  readonly counters?: boolean;
  /** CPU target: the fast-build flavor (see fastFlags), for many small builds (the fuzzer). */
  readonly fast?: boolean;
}

/** How a CPU-target library is built: plain (-O3, or TSDP_CPU_OPT_LEVEL), memcheck (ASan), counters (instrumented) or fast (-O0). */
export type BuildFlavor = "plain" | "memcheck" | "counters" | "fast";

/**
 * The fast-build flavor: -O0 builds a fuzz model of ten random sub-networks in a fraction of -O3's
 * time, and its kernels run for milliseconds. Same arithmetic, except that -O3 with -march=native
 * may contract a·b + c into an FMA; both are checked against the float64 reference.
 */
export const fastFlags = ["-O0"];

/**
 * The CPU side of compute-sanitizer: AddressSanitizer reports out-of-bounds reads and writes of
 * device memory (cudaMalloc'd, redzones up to the byte) and of dynamic shared memory, and
 * TSDP_SHIM_MEMCHECK makes fresh device memory read as NaN. -O0 because an ASan build at -O1 of
 * a 24-kernel model took 35 s against 8 s (-O3 longer still), and memcheck runs are small;
 * -g1 (line tables only) so that reports name the generated line.
 * Loading such a library needs the ASan runtime preloaded (runtime/loader.ts says how).
 */
export const memcheckFlags = ["-O0", "-g1", "-fsanitize=address", "-fno-omit-frame-pointer", "-DTSDP_SHIM_MEMCHECK=1"];

/**
 * The hardware-counter flavor (runtime/shim/counters.h): GCC's ThreadSanitizer instrumentation
 * calls the shim before every load and store, and the shim counts shared-memory wavefronts and
 * global sectors per warp request. The library links without libtsan (the shim defines its entry
 * points), so it loads like any other. -fno-tree-vectorize: GCC would otherwise merge a thread's
 * adjacent scalar accesses into vector ones nvcc does not make; -fno-tree-sra: a float4 read from
 * memory stays one 16-byte access (LDS.128) instead of four scalar ones; -g1: line tables, by which
 * `tsdp counters --sites` names each access's line (it changes no instruction). Measured: counters.h.
 */
export const countersFlags = ["-O2", "-g1", "-fno-tree-vectorize", "-fno-tree-sra", "-fsanitize=thread", "--param", "tsan-instrument-func-entry-exit=0", "-DTSDP_SHIM_COUNTERS=1"];

const flavorOf = (memcheck: boolean | BuildFlavor): BuildFlavor => (memcheck === true ? "memcheck" : memcheck === false ? "plain" : memcheck);

export interface BuildResult {
  readonly outDir: string;
  readonly library: string;
  readonly cacheHit: boolean;
  /** The cache entry the library came from (its directory). */
  readonly cacheEntry: string;
  readonly command: string[];
}

export { cacheDirectory };

// The harness's tsdp_abi_version() answers the runtime's ABI_VERSION (runtime/manifest.ts).
const ABI_DEFINE = `-DTSDP_ABI_VERSION=${ABI_VERSION}`;

/** A path as a compiler argument that cannot be read as an option ("-o..." becomes "./-o..."). */
const notAnOption = (path: string): string => (path.startsWith("-") ? `./${path}` : path);

/**
 * The command that compiles `source` and links it with `objects` (the harness's) into the shared
 * library `output`; with `objectOnly`, the one that compiles `source` to an object (how the
 * harness is built); with "kernels" (CUDA, one architecture), the one that compiles only its
 * kernels to a cubin, for ptxas's report (resources.ts: no host compile). Both see
 * runtime/harness/ on the include path, and the CPU target the shim.
 */
export function compileCommand(
  target: Target,
  source: string,
  output: string,
  archs: readonly string[],
  /** The CPU target's flavor (true: memcheck, false: plain). */
  memcheck: boolean | BuildFlavor = false,
  objects: readonly string[] = [],
  objectOnly: boolean | "kernels" = false,
  /** CPU target: the shim header to -include (a precompiled one's, precompiled-shim.ts). */
  shim: string = shimHeader,
): string[] {
  // No argument may be read as an option: a path is never "-..." (notAnOption), architectures are numbers.
  source = notAnOption(source);
  output = notAnOption(output);
  const linked = objects.map(notAnOption);
  const mode = [...(objectOnly === "kernels" ? ["-cubin"] : objectOnly ? ["-c"] : ["-shared"]), ABI_DEFINE];
  for (const a of archs) if (!/^\d{2,3}[af]?$/.test(a)) throw new RangeError(`build: '${a}' is not a GPU architecture like 90`);
  // nvcc makes one cubin per invocation
  if (objectOnly === "kernels" && (target !== "cuda" || archs.length !== 1)) throw new RangeError(`build: a kernels-only compile is for the cuda target and one architecture, got ${target} and ${archs.length}`);
  if (target === "cuda") {
    const nvcc = findNvcc();
    if (!nvcc)
      throw new CompileError([diagnostic("toolMissing", "nvcc was not found: install the CUDA toolkit and put nvcc on PATH (or set TSDP_NVCC), or build for the CPU with --target cpu")]);
    // -Xptxas -v: each kernel's registers, spills, stack and shared memory, for the manifest.
    // C++20 for the model descriptor's designated initializers.
    return [nvcc, "-std=c++20", "-O3", ...mode, "-Xcompiler", "-fPIC,-fvisibility=hidden", "-Xptxas", "-v", ...archs.flatMap((a) => ["-gencode", `arch=compute_${a},code=sm_${a}`]), "-I", harnessDir, "-o", output, source, ...linked];
  }
  // -x c++ reads the .cu source as C++; -x none before the objects lets g++ take them as objects.
  return [...cpuOptions(flavorOf(memcheck), mode), "-x", "c++", "-include", notAnOption(shim), "-o", output, source, ...(linked.length ? ["-x", "none", ...linked] : [])];
}

/** The CPU target's compiler and the options of its every compile, `mode` among them (-c or -shared, the ABI's define). */
function cpuOptions(flavor: BuildFlavor, mode: readonly string[]): string[] {
  const cxx = findCxx();
  if (!cxx) throw new CompileError([diagnostic("toolMissing", "g++ was not found: install it (Debian: apt-get install g++) or set CXX")]);
  const optimize = flavor === "memcheck" ? memcheckFlags : flavor === "counters" ? countersFlags : flavor === "fast" ? fastFlags : [`-O${cpuOptLevel()}`];
  // TSDP_SHIM_RUNTIME_APART: the shim's runtime functions are called in the harness's shim_runtime
  // object, not compiled into each object again (runtime/shim/cuda_shim.h, "Where the runtime is
  // compiled"). -Winvalid-pch: a precompiled shim that does not fit says so in the log.
  return [cxx, "-std=c++20", ...optimize, "-march=native", "-mtls-dialect=gnu2", "-fPIC", ...mode, "-DTSDP_SHIM_RUNTIME_APART=1", "-Winvalid-pch", "-fvisibility=hidden", "-pthread", "-I", dirname(shimHeader), "-I", harnessDir];
}

/** Whether a flavor's compiles read the shim precompiled (precompiled-shim.ts says why not the others). */
export const precompilesShim = (flavor: BuildFlavor): boolean => flavor === "plain" || flavor === "fast";

/**
 * The command that precompiles the shim header `header` into `output` (a .gch) with the options of
 * an object compile of `flavor`: g++ uses a precompiled header only where they are the same.
 */
export function precompileCommand(flavor: BuildFlavor, header: string, output: string): string[] {
  return [...cpuOptions(flavor, [ABI_DEFINE]), "-x", "c++-header", "-o", notAnOption(output), notAnOption(header)];
}

/** The command that links objects (the model's and the harness's) into the shared library `output`. */
export function linkCommand(target: Target, objects: readonly string[], output: string, memcheck: boolean | BuildFlavor = false): string[] {
  if (target === "cuda") {
    const nvcc = findNvcc();
    if (!nvcc) throw new CompileError([diagnostic("toolMissing", "nvcc was not found: install the CUDA toolkit and put nvcc on PATH (or set TSDP_NVCC), or build for the CPU with --target cpu")]);
    return [nvcc, "-shared", "-Xcompiler", "-fPIC", "-o", notAnOption(output), ...objects.map(notAnOption)];
  }
  const cxx = findCxx();
  if (!cxx) throw new CompileError([diagnostic("toolMissing", "g++ was not found: install it (Debian: apt-get install g++) or set CXX")]);
  // AddressSanitizer's runtime is linked in too when the objects were built for it (a counter
  // build's instrumentation calls the shim's own entry points: no libtsan)
  return [cxx, ...(flavorOf(memcheck) === "memcheck" ? ["-fsanitize=address"] : []), "-shared", "-pthread", "-o", notAnOption(output), ...objects.map(notAnOption)];
}

export async function buildModel(gen: GeneratedModel, opts: BuildOptions): Promise<BuildResult> {
  const outDir = resolve(opts.outDir);
  // the root of a file system is everyone's directory: a build's package.json there would change
  // how Node reads every .js file below it
  const real = realPath(outDir);
  if (real === parse(real).root)
    throw new CompileError([diagnostic("outputDirTaken", `${outDir} is the root of the file system, not a directory of a build's own: give --out a directory for this model (e.g. build/${gen.manifest.model})`)]);
  makeDirectory(outDir);
  // index.js is an ES module: in a directory whose own package.json says CommonJS (an npm project
  // compiled into with --out .) it would need that file replaced, which is the user's
  const own = ownPackageJson(outDir);
  if (own !== undefined && own.type !== "module")
    throw new CompileError([diagnostic("outputDirTaken", `${join(outDir, "package.json")} is your package's, not a build's: the compiled model's index.js is an ES module, which needs "type": "module" there; tsdp does not replace the file`)]);
  const libPath = join(outDir, gen.manifest.library);
  // a directory of the user's (a project's root with its own index.js): the build would replace those files
  // (its package.json aside: that one may be the user's, judged above)
  const written = [...GENERATED, "build.json", gen.manifest.library];
  const taken = filesOfAnotherKind(outDir, written);
  if (taken.length)
    throw new CompileError([diagnostic("outputDirTaken", `${outDir} holds ${taken.join(", ")} and no earlier build of tsdp (no manifest.json of one): the build writes files of those names; tsdp does not replace them`)]);
  // before the build and before anything is staged there: a refusal leaves the directory as it was
  const scope = needsModuleScope(outDir) ? MODULE_SCOPE : undefined;
  if (scope) refuseScopeChange(outDir, written);
  const archs = opts.archs ?? ["80", "90"];
  // Memcheck and counters are CPU-target modes: a GPU build is checked with compute-sanitizer and
  // profiled with Nsight Compute instead.
  if (opts.counters && opts.target !== "cpu") throw new RangeError("build: counters is a CPU-target flavor (target 'cpu'); on a GPU, profile with Nsight Compute");
  const memcheck = opts.target === "cpu" && (opts.memcheck ?? memcheckFromEnv());
  if (opts.counters && memcheck) throw new RangeError("build: a library is either a memcheck or a counters build, not both (unset TSDP_SHIM_MEMCHECK for counters)");
  if (opts.fast && opts.target !== "cpu") throw new RangeError("build: fast is a CPU-target flavor (target 'cpu')");
  if (opts.fast && (opts.counters || memcheck)) throw new RangeError("build: a fast build is neither a memcheck nor a counters build");
  const flavor: BuildFlavor = opts.counters ? "counters" : memcheck ? "memcheck" : opts.fast ? "fast" : "plain";
  cacheLimitBytes(); // a bad TSDP_CACHE_MAX_MB stops the build here, before its work
  const probe = compileCommand(opts.target, "model.cu", "libmodel.so", archs, flavor);
  const trains = gen.manifest.training !== undefined;
  // The harness and (CPU) the shim are part of every library: their text is part of its key.
  const key = cacheKey(gen.cu, JSON.stringify(probe.slice(1)), toolVersion(probe[0]), harnessText(opts.target), trains ? "training" : "forward");
  const cacheDir = opts.cacheDir ?? cacheDirectory();
  // What killed compiles left behind, here and in the output directory.
  removeStaleTemporaries(cacheDir);
  removeStaleTemporaries(outDir, 0, (base) => base === "package.json" || written.includes(base));

  // One build per key at a time (the cache's lock): a concurrent compile of the same code waits and reads it.
  let command = probe;
  const { value: library, dir: entry, hit: cacheHit } = await cachedEntry(cacheDir, key, {
    read: (dir) => readCachedLibrary(dir, gen.manifest.sourceHash),
    build: async (work, abandon) => {
      const source = join(work, "model.cu");
      writeFileSync(source, gen.cu);
      // The model compiles while the harness does (when it is not cached yet); then one link.
      const objectFile = join(work, "model.o");
      // The shim header precompiled (CPU target), built first when the cache lacks it. Not beside a
      // first model's compile that reads the header itself: an object compiled with the .gch lays
      // out its sections otherwise (the same .text), so one model's library would have other bytes
      // in a cold cache than in a warm one.
      const shim = await shimFor(cacheDir, opts.target, flavor, abandon);
      command = compileCommand(opts.target, source, objectFile, archs, flavor, [], true, shim);
      const [compiled, harness] = await Promise.allSettled([
        runToolchain(command, abandon),
        harnessFor(cacheDir, opts.target, archs, flavor, shim),
      ]);
      if (compiled.status === "rejected") throw compiled.reason;
      const log = compiled.value.all ?? "";
      if (compiled.value.exitCode !== 0) throw new CompileError([multiline("buildFailed", explainBuildError(log, gen.cu, command[0]))]);
      if (harness.status === "rejected") throw harness.reason;
      const { objects } = harness.value;
      touchEntry(harness.value.dir); // in use until the link is done: never the least recently used
      const link = linkCommand(opts.target, [objectFile, ...linkedObjects(objects, opts.target, trains)], join(work, "libmodel.so"), flavor);
      const linked = await runToolchain(link, abandon);
      if (linked.exitCode !== 0)
        throw new CompileError([multiline("buildFailed", `${link[0].split("/").pop()} failed to link the model with the harness:\n${(linked.all ?? "").split("\n").slice(0, 20).join("\n")}`)]);
      sealCachedLibrary(work, readFileSync(join(work, "libmodel.so")));
      if (opts.target === "cuda") storeCachedResources(work, [...withKernelAliases(parsePtxasLog(log), gen.cu), ...(harness.value.resources ?? [])]);
    },
  });
  const resources = opts.target === "cuda" ? readCachedResources(entry) : undefined;
  // Every file is written first (a full disk stops the compile here, the old build untouched), then
  // renamed into place: the library first, the manifest that vouches for it last, so a loader that
  // finds the new manifest finds its library, and one that finds the old manifest is refused, not misled.
  const files = new StagedFiles();
  files.add(join(outDir, "model.cu"), gen.cu);
  files.add(join(outDir, "model.h"), gen.header);
  const typed = typedModule(gen.manifest);
  files.add(join(outDir, "index.js"), typed.js);
  files.add(join(outDir, "index.d.ts"), typed.dts);
  if (scope) files.add(join(outDir, "package.json"), scope);
  files.add(libPath, library);
  const manifest = { ...gen.manifest, librarySha256: sha256(library), libraryBytes: library.length, ...(resources ? { resources } : {}) } satisfies Manifest;
  const manifestText = JSON.stringify(manifest, null, 2) + "\n";
  files.add(join(outDir, "manifest.json"), manifestText);
  if (opts.record) files.add(join(outDir, "build.json"), JSON.stringify({ ...opts.record, outputs: outputDigests(gen, typed, manifestText, scope) }, null, 2) + "\n");
  files.install();
  if (!scope) removeOwnModuleScope(outDir);
  return { outDir, library: libPath, cacheHit, cacheEntry: entry, command };
}

/** The shim header a build of `flavor` includes: the cache's precompiled one (CPU target, plain or fast), else undefined (runtime/shim's). */
export function shimFor(cacheDir: string, target: Target, flavor: BuildFlavor, abandon?: () => void): Promise<string | undefined> {
  return target === "cpu" && precompilesShim(flavor) ? precompiledShim(cacheDir, (h, out) => precompileCommand(flavor, h, out), abandon) : Promise.resolve(undefined);
}

/** The harness's objects a build of `flavor` links, from the cache or compiled now (harness.ts). */
export function harnessFor(cacheDir: string, target: Target, archs: readonly string[], flavor: BuildFlavor, shim: string | undefined): Promise<HarnessObjects> {
  return harnessObjects(cacheDir, target, (src, out) => compileCommand(target, src, out, archs, flavor, [], true, shim));
}

/** sha256 of the files a build writes beside the library (the library itself is sealed in the manifest). */
function outputDigests(gen: GeneratedModel, typed: { js: string; dts: string }, manifestText: string, scope: string | undefined): Record<string, string> {
  const enc = (s: string) => Buffer.from(s, "utf8");
  return {
    "model.cu": sha256(enc(gen.cu)),
    "model.h": sha256(enc(gen.header)),
    "index.js": sha256(enc(typed.js)),
    "index.d.ts": sha256(enc(typed.dts)),
    ...(scope ? { "package.json": sha256(enc(scope)) } : {}),
    "manifest.json": sha256(enc(manifestText)),
  };
}

/**
 * Which of `names` exist in outDir when it holds no earlier build — no manifest.json of tsdp's
 * (its library's name and digest), no build.json of a compile (its outputs' digests) and no
 * model.cu tsdp generated (a build whose manifest was deleted is still one): files of the user's,
 * which a build must not replace.
 */
function filesOfAnotherKind(outDir: string, names: readonly string[]): string[] {
  const read = (name: string, ok: (text: string) => boolean) => {
    try {
      return ok(readFileSync(join(outDir, name), "utf8"));
    } catch {
      return false; // none, or unreadable: not a sign of a build
    }
  };
  const json = (text: string) => {
    try {
      const v = JSON.parse(text);
      return typeof v === "object" && v !== null ? v : {};
    } catch {
      return {};
    }
  };
  const built =
    read("manifest.json", (t) => typeof json(t).library === "string" && typeof json(t).librarySha256 === "string") ||
    read("build.json", (t) => typeof json(t).outputs === "object") ||
    read("model.cu", (t) => /^\/\/ .* — generated by tsdp from /m.test(t.slice(0, 400)));
  return built ? [] : names.filter((n) => existsSync(join(outDir, n)));
}

/**
 * The build's package.json ({"type": "module"}, for index.js) would make Node read every other .js
 * file in the directory as an ES module too: a user's CommonJS script beside the model (`--out .`
 * in the model's folder) would stop loading. Refused where the directory holds such a file.
 */
function refuseScopeChange(outDir: string, written: readonly string[]): void {
  const scripts = readdirSync(outDir).filter((n) => n.endsWith(".js") && !written.includes(n) && !TEMP_NAME.test(n));
  if (scripts.length)
    throw new CompileError([
      diagnostic(
        "outputDirTaken",
        `${outDir} holds ${scripts.slice(0, 3).join(", ")}${scripts.length > 3 ? ` and ${scripts.length - 3} more .js files` : ""}, and the build would add a package.json with "type": "module" (its index.js is an ES module), which makes Node read those as ES modules too; give --out a directory of the build's own (e.g. build/${basename(outDir) || "model"})`,
      ),
    ]);
}

/** A package.json an earlier compile wrote here, now that the directory sits in an ES module project; anything else is the user's. */
function removeOwnModuleScope(outDir: string): void {
  const path = join(outDir, "package.json");
  try {
    if (readFileSync(path, "utf8") === MODULE_SCOPE) rmSync(path);
  } catch {
    // none there, or not ours to judge
  }
}

/**
 * A compiler error quoted with the generated line and the TypeScript lines of the kernel it is
 * in, so the user sees which model code produced it.
 */
export function explainBuildError(log: string, cu: string, tool: string): string {
  const lines = cu.split("\n");
  const first = log.split("\n").find((l) => /error/i.test(l)) ?? log.split("\n")[0] ?? "";
  const at = /model\.cu[:(](\d+)/.exec(first);
  const out = [`${tool.split("/").pop()} failed to build the generated code:`, `  ${first.trim()}`];
  if (at) {
    const line = Number(at[1]);
    out.push(`  generated line ${line}: ${(lines[line - 1] ?? "").trim()}`);
    for (let i = line - 1; i >= 0; i--) {
      const m = /^\/\/ (\w+): /.exec(lines[i]);
      if (m && lines[i - 1]?.startsWith("// ----")) {
        out.push(`  in kernel ${m[1]}, from:`);
        for (let j = i + 1; lines[j]?.startsWith("//   "); j++) out.push(`    ${lines[j].slice(5)}`);
        break;
      }
    }
  }
  return out.join("\n");
}
