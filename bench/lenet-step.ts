// LeNet training-step throughput on the CPU target (or any target): compiles examples/lenet/model.ts,
// loads it, and times trainStep on real Fashion-MNIST batches.
//
//   npx tsx bench/lenet-step.ts [--steps 20] [--batch 64] [--reps 3] [--out DIR] [--target cpu] [--load-only]
//
// Prints img/s per repetition and the median. With TSDP_SHIM_PROFILE=1 in the environment the CPU
// shim also prints, at exit, the time per kernel (see runtime/shim/cuda_shim.h, "Profile").
// Measurements live in bench/README-lenet-step.md.
import { parseArgs } from "node:util";
import { compile } from "../compiler/pipeline.ts";
import { load } from "../runtime/index.ts";
import { batches, loadFashionMnist, take } from "../runtime/data.ts";

const { values: args } = parseArgs({
  options: {
    steps: { type: "string", default: "20" },
    batch: { type: "string", default: "64" },
    reps: { type: "string", default: "3" },
    out: { type: "string", default: "/tmp/tsdp-bench-lenet" },
    target: { type: "string", default: "cpu" },
    // time an already built model directory (e.g. one built from another commit) without compiling
    "load-only": { type: "boolean", default: false },
  },
});
const steps = Number(args.steps);
const batch = Number(args.batch);
const reps = Number(args.reps);

const t0 = performance.now();
if (!args["load-only"]) await compile("examples/lenet/model.ts", { target: args.target as "cpu" | "cuda", outDir: args.out });
const model = await load(args.out, { seed: 1 });
const data = take(await loadFashionMnist("train"), batch * steps);
const list = [...batches(data, batch)];
console.log(`compiled and loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s; ${steps} steps of batch ${batch} per repetition`);
model.train();
model.trainStepSync(list[0].x, list[0].y, { lr: 0.01, momentum: 0.9 }); // warm-up: pool threads, fiber stacks
const rates: number[] = [];
const cpuPerStep: number[] = [];
for (let r = 0; r < reps; r++) {
  const s = performance.now();
  const c = process.cpuUsage();
  for (const b of list) model.trainStepSync(b.x, b.y, { lr: 0.01, momentum: 0.9 });
  const sec = (performance.now() - s) / 1000;
  const cpu = process.cpuUsage(c);
  rates.push((steps * batch) / sec);
  // CPU time (all threads) per step moves less than wall time when other jobs share the cores
  const cpuMs = (cpu.user + cpu.system) / 1000 / steps;
  cpuPerStep.push(cpuMs);
  console.log(`rep ${r + 1}: ${((1000 * sec) / steps).toFixed(1)} ms/step, ${Math.round((steps * batch) / sec)} img/s, cpu ${cpuMs.toFixed(1)} ms/step`);
}
rates.sort((a, b) => a - b);
cpuPerStep.sort((a, b) => a - b);
console.log(`median ${Math.round(rates[Math.floor(rates.length / 2)])} img/s, cpu ${cpuPerStep[Math.floor(reps / 2)].toFixed(1)} ms/step`);
