// How a CPU-target library is compiled fast: the shim's runtime functions are compiled once, into
// the harness's shim_runtime object, and each model's object calls them (runtime/shim/cuda_shim.h,
// "Where the runtime is compiled"); and the shim header is read precompiled
// (compiler/6-build/precompiled-shim.ts). Both must leave the code the same and the library whole.
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { buildModel, compileCommand, precompileCommand } from "../compiler/6-build/build.ts";
import { precompiledShim } from "../compiler/6-build/precompiled-shim.ts";
import { generate } from "../compiler/pipeline.ts";
import { shimHeader } from "../compiler/6-build/toolchain.ts";
import { load, tensor, type Tensor } from "../runtime/index.ts";
import { header, scratchDir } from "./helpers.ts";
import { seededCacheDir } from "./test-cache.ts";

const run = promisify(execFile);

const model = `${header}
export class Tiny extends nn.Module {
  fc = new nn.Linear(4, 3);
  forward(x: Tensor<[Batch, 4]>) {
    return F.relu(this.fc(x));
  }
}
`;

/** The functions the header marks TSDP_SHIM_RUNTIME_FN, by name (the C++ name nm -C prints, without its parameters). */
function runtimeFunctions(): string[] {
  const text = readFileSync(shimHeader, "utf8");
  const names = new Set<string>();
  for (const m of text.matchAll(/^TSDP_SHIM_RUNTIME_FN [^(]*?\b(\w+)\(/gm)) names.add(m[1]);
  return [...names].sort();
}

/** The names of the functions an object defines (defined: true) or calls without defining (false). */
async function functionNames(object: string, defined: boolean): Promise<Set<string>> {
  const { stdout } = await run("nm", ["-C", defined ? "--defined-only" : "--undefined-only", object], { maxBuffer: 64 << 20 });
  const names = new Set<string>();
  for (const line of stdout.split("\n")) {
    const m = /\s[TtWwU]\s+(?:tsdp::detail::)?(\w+)\(/.exec(line);
    if (m) names.add(m[1]);
  }
  return names;
}

describe("the CPU target's compile: the shim's runtime apart, its header precompiled", () => {
  it("a model's object calls every runtime function of the shim and defines none; the harness's shim_runtime object defines them all", async () => {
    const dir = scratchDir("tsdp-shim-apart-");
    // an empty cache but for the harness's objects (seeded, test-cache.ts): the shim is precompiled here
    const cache = await seededCacheDir("tsdp-shim-apart-cache-", "harness");
    writeFileSync(join(dir, "model.ts"), model);
    writeFileSync(join(dir, "other.ts"), model.replace("nn.Linear(4, 3)", "nn.Linear(4, 2)"));
    const included = (command: readonly string[]) => command[command.indexOf("-include") + 1];
    // Every build reads the precompiled shim, the first into an empty cache too (it precompiles it
    // first): an object compiled with the .gch has other bytes than one compiled from the header, so
    // a library must not depend on whether the cache held it.
    const first = await buildModel(generate(join(dir, "model.ts"), { target: "cpu" }).generated, { target: "cpu", outDir: join(dir, "out"), cacheDir: cache });
    expect(first.cacheHit).toBe(false);
    const pch = included(first.command);
    expect(pch).toMatch(/pch-[0-9a-f]{32}\/cuda_shim\.h$/);
    expect(pch.startsWith(cache)).toBe(true);
    const second = await buildModel(generate(join(dir, "other.ts"), { target: "cpu" }).generated, { target: "cpu", outDir: join(dir, "other"), cacheDir: cache });
    expect(second.cacheHit).toBe(false);
    expect(included(second.command)).toBe(pch);
    const marked = runtimeFunctions();
    expect(marked).toEqual(expect.arrayContaining(["execute_named", "block_sync", "refuse", "cudaMemcpyAsync", "cudaStreamSynchronize"]));
    const entry = basename(first.cacheEntry);
    const modelDefines = await functionNames(join(cache, entry, "model.o"), true);
    expect(marked.filter((f) => modelDefines.has(f))).toEqual([]);
    // the launch path and the model's own CUDA calls reach the runtime through calls
    const modelCalls = await functionNames(join(cache, entry, "model.o"), false);
    expect(["execute_named", "note_work", "cudaGetLastError"].filter((f) => !modelCalls.has(f))).toEqual([]);
    // the seeded harness served the builds: no second entry was compiled
    expect(readdirSync(cache).filter((n) => n.startsWith("harness-"))).toHaveLength(1);
    const harness = readdirSync(cache).find((n) => n.startsWith("harness-"))!;
    const runtimeDefines = await functionNames(join(cache, harness, "shim_runtime.o"), true);
    expect(marked.filter((f) => !runtimeDefines.has(f))).toEqual([]);
    // and both libraries run: relu(x·Wᵀ + b) for x = 0 is relu(b)
    for (const out of ["out", "other"]) {
      const m = await load<Tensor>(join(dir, out));
      try {
        const bias = (m.getParameter("fc.bias") as Tensor).data;
        const y = m.forwardSync(tensor(new Float32Array(8), [2, 4])).data;
        expect([...y]).toEqual([...bias, ...bias].map((b) => Math.max(b, 0)));
      } finally {
        m.dispose();
      }
    }
  }, 240_000);

  it("a compile reads the precompiled shim, and makes the same code as one that reads the header", async () => {
    const dir = scratchDir("tsdp-pch-");
    const shim = await precompiledShim(join(dir, "cache"), (h, out) => precompileCommand("plain", h, out));
    expect(shim).toMatch(/pch-[0-9a-f]{32}\/cuda_shim\.h$/);
    const source = join(dir, "kernel.cu");
    writeFileSync(source, "__global__ void axpy(float a, const float* x, float* y, int n) {\n  int i = blockIdx.x * blockDim.x + threadIdx.x;\n  if (i < n) y[i] += a * x[i];\n}\n");
    const compile = async (header: string | undefined, object: string) => {
      const command = compileCommand("cpu", source, join(dir, object), [], false, [], true, header);
      const r = await run(command[0], [...command.slice(1), "-H"], { maxBuffer: 64 << 20 });
      return r.stderr;
    };
    const withPch = await compile(shim, "pch.o");
    // -H marks a precompiled header it used with '!'; -Winvalid-pch would say why it did not
    expect(withPch).toContain(`! ${shim}.gch`);
    expect(withPch).not.toContain("invalid");
    const without = await compile(undefined, "plain.o");
    expect(without).not.toContain(".gch");
    const text = async (object: string) => {
      await run("objcopy", ["-O", "binary", "--only-section=.text", join(dir, object), join(dir, `${object}.text`)]);
      return readFileSync(join(dir, `${object}.text`));
    };
    const [a, b] = [await text("pch.o"), await text("plain.o")];
    expect(a.length).toBeGreaterThan(0);
    expect(a.equals(b)).toBe(true);
  }, 180_000);

  it("a precompiled shim cut short is built again; one that cannot be built leaves the compile on the header", async () => {
    const cache = join(scratchDir("tsdp-pch-cut-"), "cache");
    const precompile = (h: string, out: string) => precompileCommand("fast", h, out);
    const shim = (await precompiledShim(cache, precompile))!;
    const gch = `${shim}.gch`;
    const size = statSync(gch).size;
    expect(size).toBeGreaterThan(1 << 20);
    truncateSync(gch, size >> 1);
    expect(await precompiledShim(cache, precompile)).toBe(shim);
    // (a .gch is not the same bytes build to build: it records the work directory's name)
    expect(statSync(gch).size).toBeGreaterThan(size >> 1);
    expect(Number(readFileSync(`${gch}.bytes`, "utf8"))).toBe(statSync(gch).size);
    // a precompile that fails (here: a "compiler" that exits 1) gives no header, and no entry
    const failing = (h: string, out: string) => [process.execPath, "-e", "process.exit(1)", "--", h, out];
    expect(await precompiledShim(join(cache, "other"), failing)).toBeUndefined();
    expect(existsSync(join(cache, "other")) ? readdirSync(join(cache, "other")).filter((n) => n.startsWith("pch-") && !n.endsWith(".lock")) : []).toEqual([]);
  }, 180_000);
});
