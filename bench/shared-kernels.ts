// What compiling kernels with the same code once saves (compiler/5-codegen/shared-kernels.ts): one
// model generated with sharing and without, each built for the CPU target from an empty cache, taking
// turns, so that both see the same machine. Prints the kernel functions, model.cu's size, each build's
// wall time and the ratio of the medians.
//
//   npx tsx bench/shared-kernels.ts [model.ts] [--runs 3] [--opt 1]
//
// --opt sets the g++ level of the plain build (TSDP_CPU_OPT_LEVEL: 1 is what the tests build at, 3 a
// user's default). The harness's objects are built once, before the first timed build.
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { generate } from "../compiler/pipeline.ts";
import { buildModel } from "../compiler/6-build/build.ts";
import type { GeneratedModel } from "../compiler/5-codegen/emit.ts";

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: { runs: { type: "string", default: "3" }, opt: { type: "string", default: "1" } },
});
const file = positionals[0] ?? "examples/resnet/model.ts";
const runs = Number(args.runs);
process.env.TSDP_CPU_OPT_LEVEL = args.opt;

const variants = [
  { name: "shared", generated: generate(file, { target: "cpu" }).generated },
  { name: "each in full", generated: generate(file, { target: "cpu", shareKernels: false }).generated },
];
const kernelFunctions = (cu: string) => cu.match(/^__global__ /gm)?.length ?? 0;
for (const v of variants) console.log(`${v.name.padEnd(13)} ${String(kernelFunctions(v.generated.cu)).padStart(5)} kernel functions, model.cu ${(v.generated.cu.length / 1e6).toFixed(2)} MB`);

const harnessCache = mkdtempSync(join(tmpdir(), "tsdp-bench-share-"));
/** One build from a cache holding only the harness's objects; its wall seconds. */
async function timedBuild(generated: GeneratedModel): Promise<number> {
  const outDir = mkdtempSync(join(tmpdir(), "tsdp-bench-share-out-"));
  const t0 = performance.now();
  await buildModel(generated, { target: "cpu", outDir, archs: [], cacheDir: harnessCache });
  const seconds = (performance.now() - t0) / 1000;
  rmSync(outDir, { recursive: true, force: true });
  // the model's cache entry goes, the harness's objects and the precompiled shim stay
  for (const entry of readdirSync(harnessCache)) if (/^[0-9a-f]{32}$/.test(entry)) rmSync(join(harnessCache, entry), { recursive: true, force: true });
  return seconds;
}
await timedBuild(variants[0].generated); // the harness's objects and the precompiled shim, untimed
const times = new Map(variants.map((v) => [v.name, [] as number[]]));
for (let r = 0; r < runs; r++)
  for (const v of r % 2 === 0 ? variants : [...variants].reverse()) {
    const s = await timedBuild(v.generated);
    times.get(v.name)!.push(s);
    console.log(`run ${r + 1} ${v.name.padEnd(13)} ${s.toFixed(1)} s`);
  }
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const [a, b] = variants.map((v) => median(times.get(v.name)!));
console.log(`median: shared ${a.toFixed(1)} s, each in full ${b.toFixed(1)} s; shared / full = ${(a / b).toFixed(2)} (g++ -O${args.opt})`);
rmSync(harnessCache, { recursive: true, force: true });
