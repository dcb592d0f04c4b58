// One rank of a job whose loss is a mean over the ignoreIndex targets it selects from the declared
// ones (test/distributed-rdzv.test.ts: a Hugging Face causal LM's labels[..., 1:]). It takes its
// shard of the batch in `data` ({ x, y, shape }) and three steps after an evaluate; rank 0 writes
// the losses and parameters to `out` (JSON), which must equal one process on the whole batch.
//   counted-targets.ts <modelDir> <data.json> <out.json>   (env: a torchrun-style rank's)
import { readFileSync, writeFileSync } from "node:fs";
import { load, tensor } from "../../runtime/index.ts";
import { batchShard, processGroupFromEnv } from "../../runtime/distributed.ts";

const [dir, dataFile, outFile] = process.argv.slice(2);
const group = processGroupFromEnv();
if (!group) throw new Error("counted-targets.ts runs as a rank of a job");
const data = JSON.parse(readFileSync(dataFile, "utf8")) as { x: number[]; y: number[]; shape: [number, number] };
const [batch, per] = data.shape;
const { start, end } = batchShard(batch, group.rank, group.worldSize);
const part = (v: number[]) => tensor(Int32Array.from(v.slice(start * per, end * per)), [end - start, per]);
const model = await load(dir, { distributed: true });
const evaluated = model.evaluateSync(part(data.x), part(data.y)).loss;
const losses = [0, 1, 2].map(() => model.trainStepSync(part(data.x), part(data.y))!);
const params = Object.fromEntries(model.parameters().map((p) => [p.name, Array.from(model.getParameter(p.name).data as Float32Array)]));
if (group.rank === 0) writeFileSync(outFile, JSON.stringify({ evaluated, losses, params }));
model.dispose();
