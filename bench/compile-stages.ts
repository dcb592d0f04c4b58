// Times each stage of generate() (stages 1–5) on one model file, to find where compile time goes
// on large models:  npx tsx bench/compile-stages.ts <model.ts> [--build]
import { lowerModel } from "../compiler/1-frontend/lower.ts";
import { planKernels } from "../compiler/3-fusion/plan.ts";
import { planMemory } from "../compiler/4-memory/plan.ts";
import { generate, trainingPrograms } from "../compiler/pipeline.ts";
import { CompileError } from "../compiler/diagnostics/diagnostic.ts";
import { buildModel } from "../compiler/6-build/build.ts";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const file = process.argv[2];
const timed = <T>(name: string, f: () => T): T => {
  const t0 = performance.now();
  const r = f();
  console.log(`${name.padEnd(22)} ${(performance.now() - t0).toFixed(0).padStart(7)} ms`);
  return r;
};
try {
  const model = timed("1 frontend", () => lowerModel(file));
  console.log(`  ${model.graph.nodes.length} IR nodes`);
  timed("2 autodiff + plans", () => trainingPrograms(model.graph));
  const plan = timed("3 fusion (forward)", () => planKernels(model.graph));
  console.log(`  ${plan.kernels.length} kernels`);
  timed("4 memory (forward)", () => planMemory(model.graph, plan));
  const all = timed("generate() stages 1-5", () => generate(file, { target: "cpu" }));
  console.log(`  model.cu: ${(all.generated.cu.length / 1e6).toFixed(2)} MB`);
  if (process.argv.includes("--build")) {
    const outDir = mkdtempSync(join(tmpdir(), "tsdp-bench-"));
    const t0 = performance.now();
    await buildModel(all.generated, { target: "cpu", outDir, archs: [], cacheDir: outDir });
    console.log(`6 build (g++)           ${(performance.now() - t0).toFixed(0).padStart(7)} ms  (${outDir})`);
  }
} catch (e) {
  if (!(e instanceof CompileError)) throw e;
  console.log(e.diagnostics.map((d) => `${d.code} ${d.loc?.line}:${d.loc?.col} ${d.message}`).join("\n"));
}
