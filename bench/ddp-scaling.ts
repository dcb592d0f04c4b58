// DistributedDataParallel scaling on the CPU target: LeNet's training step with 1, 2 and 3
// processes (tsdp launch: Open MPI through mpirun, or with --rdzv tcp Gloo after the rendezvous;
// --rdzv mpi,tcp alternates both), each process with the same batch (weak scaling, as DDP is
// used: the step's batch grows with the processes), alternated `--rounds` times in one run so
// that the machine's load is shared by all. Prints steps/s and images/s per process count and
// their ratio to one process.
//   npx tsx bench/ddp-scaling.ts [--batch 32] [--steps 12] [--rounds 2] [--procs 1,2,3] [--rdzv mpi|tcp|mpi,tcp]
// (Under the launcher this file is also each rank's worker: it times the steps and rank 0 prints one JSON line.)
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";
import { compile } from "../compiler/pipeline.ts";
import { load, tensor } from "../runtime/index.ts";
import { processGroupFromEnv } from "../runtime/distributed.ts";
import { normals, uniforms } from "../compiler/reference/rng.ts";

const { values: args } = parseArgs({
  options: {
    batch: { type: "string", default: "32" },
    steps: { type: "string", default: "12" },
    rounds: { type: "string", default: "2" },
    procs: { type: "string", default: "1,2,3" },
    dir: { type: "string", default: "build/bench-ddp/lenet" },
    rdzv: { type: "string", default: "mpi" },
  },
});
const batch = Number(args.batch);
const steps = Number(args.steps);
const WARM_UP = 2;

async function worker(): Promise<void> {
  const group = processGroupFromEnv();
  const model = await load(args.dir!, { distributed: (group?.worldSize ?? 1) > 1 });
  const x = tensor(Float32Array.from(normals(batch * 784, 7 + (group?.rank ?? 0), 1)), [batch, 1, 28, 28]);
  const y = tensor(Int32Array.from(uniforms(batch, 7, 2), (u) => Math.floor(u * 10)), [batch]);
  for (let s = 0; s < WARM_UP; s++) model.trainStepSync(x, y);
  const t0 = performance.now();
  for (let s = 0; s < steps; s++) model.trainStepSync(x, y);
  const seconds = (performance.now() - t0) / 1000;
  if ((group?.rank ?? 0) === 0) console.log(JSON.stringify({ procs: group?.worldSize ?? 1, stepsPerSecond: steps / seconds }));
  model.dispose();
}

async function driver(): Promise<void> {
  await compile("examples/lenet/model.ts", { target: "cpu", outDir: args.dir! });
  const procs = args.procs!.split(",").map(Number);
  const engines = args.rdzv!.split(",");
  // one process joins no group: it is timed once per round, whatever the engines
  const jobs = procs.flatMap((p) => (p === 1 ? [{ p, engine: "-" }] : engines.map((engine) => ({ p, engine }))));
  const results = new Map<string, number[]>(jobs.map((j) => [`${j.engine}/${j.p}`, []]));
  for (let round = 0; round < Number(args.rounds); round++)
    for (const { p, engine } of jobs) {
      const rdzv = engine === "-" ? [] : ["--rdzv", engine];
      const r = spawnSync(process.execPath, ["bin/tsdp.js", "launch", ...rdzv, "--nproc", String(p), "bench/ddp-scaling.ts", "--batch", String(batch), "--steps", String(steps), "--dir", args.dir!], { encoding: "utf8" });
      if (r.status !== 0) throw new Error(`${p} process(es) failed:\n${r.stdout}\n${r.stderr}`);
      const line = r.stdout.split("\n").find((l) => l.startsWith("{"))!;
      results.get(`${engine}/${p}`)!.push(JSON.parse(line).stepsPerSecond);
    }
  const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
  const base = mean(results.get(`${jobs[0].engine}/${jobs[0].p}`)!);
  console.log(`LeNet training step, CPU target, batch ${batch} per process, ${steps} steps after ${WARM_UP} warm-up, ${args.rounds} alternating rounds`);
  console.log("processes  rdzv  steps/s (each round)        images/s   steps/s ratio  images/s ratio");
  for (const { p, engine } of jobs) {
    const all = results.get(`${engine}/${p}`)!;
    const m = mean(all);
    console.log(
      `${String(p).padStart(9)}  ${engine.padEnd(4)}  ${m.toFixed(2).padStart(6)} (${all.map((v) => v.toFixed(2)).join(", ")})`.padEnd(43) +
        `${(m * batch * p).toFixed(0).padStart(8)}   ${(m / base).toFixed(2).padStart(13)}  ${((m * p) / (base * jobs[0].p)).toFixed(2).padStart(14)}`,
    );
  }
}

await (processGroupFromEnv() ? worker() : driver());
