// One rank of the DistributedDataParallel test (test/distributed.test.ts), started by
// `tsdp launch`. For each model directory given: load it into the job, take the steps
// [from, to) on this rank's shard of each global batch (test/distributed/batches.ts), save the
// losses and this rank's parameters, buffers and optimizer state; rank 0 also writes the
// checkpoint the next job resumes from.
//   worker.ts <outDir> <from> <to> <modelDir>...   (env TSDP_DEVICES_PER_PROC, the launcher's)
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { load, tensor } from "../../runtime/index.ts";
import { batchShard, processGroupFromEnv } from "../../runtime/distributed.ts";
import { globalBatch, sizesFor } from "./batches.ts";

const [outDir, fromText, toText, ...models] = process.argv.slice(2);
const from = Number(fromText);
const to = Number(toText);
const group = processGroupFromEnv();
if (!group) throw new Error("worker.ts runs under tsdp launch");
const devices = Number(process.env.TSDP_DEVICES_PER_PROC ?? "1");

for (const dir of models) {
  const name = dir.split("/").pop()!;
  const resume = join(outDir, `${name}-checkpoint.safetensors`);
  const model = await load(dir, { devices, distributed: true, checkpoint: from > 0 ? resume : undefined });
  const sample = model.inputs[0].shape.slice(1) as number[];
  const losses: number[] = [];
  for (let s = from; s < to; s++) {
    const b = globalBatch(s, sample, sizesFor(dir));
    const { start, end } = batchShard(b.size, group.rank, group.worldSize, devices);
    const per = b.x.length / b.size;
    const x = tensor(b.x.slice(start * per, end * per), [end - start, ...sample]);
    const y = tensor(b.y.slice(start, end), [end - start]);
    if (s === from) {
      // refused in a group before anything runs (each step's loss is summed across the processes,
      // a collective every rank must join): the test reads what each rank was told
      let told = "not refused";
      try {
        model.trainStepSync(x, y, { waitForLoss: false });
      } catch (e) {
        told = (e as Error).message;
      }
      writeFileSync(join(outDir, `${name}-nowait-${from}-rank${group.rank}.txt`), told);
    }
    losses.push(model.trainStepSync(x, y));
    if (s === 1 && group.rank === 0) await model.saveCheckpoint(resume);
  }
  // every rank's own state: the test checks that the ranks agree and equal one process
  await model.saveCheckpoint(join(outDir, `${name}-rank${group.rank}.safetensors`));
  if (group.rank === 0) writeFileSync(join(outDir, `${name}-losses-${from}.json`), JSON.stringify(losses));
  model.dispose();
}
