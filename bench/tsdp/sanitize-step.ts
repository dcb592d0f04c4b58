// The smallest run of a built model that exercises every kernel of its forward and training step,
// for `compute-sanitizer` on the GPU machine (gpu-check.sh's sanitize phase): load, one eval-mode
// forward, then three training steps (the first runs eagerly, later ones may capture and replay
// the step as a CUDA graph), printing what ran. Random batches, so it needs no data set; small
// batches, because memcheck and racecheck slow every kernel down by one to two orders of magnitude.
//
//   node --import tsx bench/tsdp/sanitize-step.ts --work DIR [--model lenet] [--batch 8] [--steps 3]
import { load } from "../../runtime/index.ts";
import { flags, intFlag, makeBatch, modelDir } from "./common.ts";

const f = flags(process.argv.slice(2));
const work = f.get("work");
if (!work) throw new TypeError("sanitize-step: --work DIR (gpu-check.sh's work directory, holding build/<model>) is required");
const name = f.get("model") ?? "lenet";
const batch = intFlag(f, "batch", 8);
const steps = intFlag(f, "steps", 3);

const m = await load(modelDir(work, name), { seed: 0 });
const asInputs = (b: ReturnType<typeof makeBatch>) => b.x.map((x, i) => ({ data: x, shape: b.shapes[i] }));
m.eval();
const evalBatch = makeBatch(m.manifest, batch, 0, 0);
const outs = [m.forwardSync(...asInputs(evalBatch))].flat();
console.log(`${name}: forward of batch ${batch} gave ${outs.map((o) => o.data.length).join("+")} values, first ${outs[0].data[0]}`);
m.train();
for (let s = 1; s <= steps; s++) {
  const b = makeBatch(m.manifest, batch, 0, s);
  const loss = m.trainStepSync(asInputs(b), { data: b.y, shape: [batch] }, { lr: 0.01 });
  console.log(`${name}: step ${s} loss ${loss}`);
}
console.log(`${name}: ${m.describe()}; ${JSON.stringify(m.stats())}`);
m.dispose();
