// A job in which rank 1 fails (test/distributed.test.ts, "faults"): started by `tsdp launch`.
//   faults.ts <modelDir> error|kill|hang|late|slowEnd|skip|mismatch [other]
// Every rank takes a step; then rank 1 throws (error), is killed by SIGKILL in the middle of its
// next steps (kill), or stops taking steps without exiting (hang), while rank 0 keeps stepping:
// its next all-reduce waits for rank 1.
// late: rank 1 never reaches load(); the others wait in it.
// slowEnd: both take 2 steps; then rank 0 alone works on past the timeout and writes the file `other`.
// skip: rank 1 skips one of 3 steps; then every rank calls allReduceSum.
// fewer: rank 1 ends normally after its first step; rank 0 takes 3 more.
// holds: rank 0 holds its next step's gradients (accumulate) where rank 1 updates.
// scales: each rank scales its loss by its own lossScale (rank + 1), then prints its parameters' digest.
// mismatch: rank 1 loads the model `other` instead.
// sumAlone: rank 1 leaves after its step; rank 0 then calls allReduceSum alone.
// term: every rank writes its pid into the directory `other`; rank 1 ignores SIGTERM; none loads.
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { allReduceSum, load, tensor } from "../../runtime/index.ts";
import { rank } from "../../runtime/distributed.ts";

const [dir, mode, other] = process.argv.slice(2);
if (mode === "term") {
  writeFileSync(join(other, `rank-${rank()}.pid`), String(process.pid));
  if (rank() === 1) process.on("SIGTERM", () => console.error("rank 1 ignores SIGTERM"));
  await new Promise((done) => setTimeout(done, 3_600_000));
}
if (mode === "late" && rank() === 1) await new Promise((done) => setTimeout(done, 3_600_000));
const model = await load(mode === "mismatch" && rank() === 1 ? other : dir, { distributed: true });
const sample = model.inputs[0].shape.slice(1) as number[];
const per = sample.reduce((a, b) => a * b, 1);
const step = () => model.trainStepSync(tensor(new Float32Array(3 * per).fill(0.5), [3, ...sample]), tensor(Int32Array.of(0, 1, 2), [3]));
step();
if (mode === "mismatch") process.exit(0);
if (mode === "sumAlone") {
  if (rank() === 1) process.exit(0);
  await new Promise((done) => setTimeout(done, 1_000));
  allReduceSum([1]);
}  // not refused: the test fails, and the job ends
if (mode === "slowEnd") {
  step();
  if (rank() === 0) {
    await new Promise((done) => setTimeout(done, 5_000));
    writeFileSync(other, "rank 0 finished alone\n");
  }
  process.exit(0);
}
if (mode === "scales") {
  model.trainStepSync(tensor(new Float32Array(3 * per).map((_, i) => Math.sin(i + rank())), [3, ...sample]), tensor(Int32Array.of(0, 1, 2), [3]), { lossScale: rank() + 1 });
  const digest = Object.values(model.stateDict()).map((t) => Array.from(t.data as ArrayLike<number | bigint>).join(",")).join(";");
  console.log(`rank ${rank()} digest ${digest.length}:${[...digest].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7)}`);
  process.exit(0);
}
if (mode === "holds") {
  model.trainStepSync(tensor(new Float32Array(3 * per).fill(0.5), [3, ...sample]), tensor(Int32Array.of(0, 1, 2), [3]), { accumulate: rank() === 0 });
  step();
  process.exit(0);
}
if (mode === "fewer") {
  if (rank() === 0) for (let s = 0; s < 3; s++) step();
  process.exit(0);
}
if (mode === "skip") {
  for (let s = 1; s < 3; s++) if (!(rank() === 1 && s === 1)) step();
  console.log(`rank ${rank()}: allReduceSum gives ${allReduceSum([rank() + 1])}`);
  process.exit(0);
}
if (rank() === 1) {
  if (mode === "error") throw new Error("rank 1 gave up on purpose");
  if (mode === "kill") {
    // a process outside Node's event loop, which the steps below keep busy, sends the signal
    spawn("sh", ["-c", `sleep 0.5; kill -KILL ${process.pid}`], { stdio: "ignore", detached: true }).unref();
    for (;;) step();
  }
  if (mode === "hang") await new Promise((done) => setTimeout(done, 3_600_000));
}
for (;;) step();
