// A job in which rank 1 fails (test/distributed.test.ts, "faults"): started by `tsdp launch`.
//   faults.ts <modelDir> error|kill|hang
// Every rank takes a step; then rank 1 throws (error), is killed by SIGKILL in the middle of its
// next steps (kill), or stops taking steps without exiting (hang), while rank 0 keeps stepping:
// its next all-reduce waits for rank 1.
import { spawn } from "node:child_process";
import { load, tensor } from "../../runtime/index.ts";
import { rank } from "../../runtime/distributed.ts";

const [dir, mode] = process.argv.slice(2);
const model = await load(dir, { distributed: true });
const sample = model.inputs[0].shape.slice(1) as number[];
const per = sample.reduce((a, b) => a * b, 1);
const step = () => model.trainStepSync(tensor(new Float32Array(3 * per).fill(0.5), [3, ...sample]), tensor(Int32Array.of(0, 1, 2), [3]));
step();
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
