// Child process of test/memcheck.test.ts: loads a memcheck build (its AddressSanitizer runtime
// preloaded by the parent), runs the forward in eval mode and, when the model trains, one training
// step, then the forward again, and prints one JSON line: which outputs held NaN or infinity, and
// the step's counters (all-reduces issued: replicas at work).
// Fresh device memory reads as NaN in a memcheck build, so a non-finite output means a kernel read
// memory nobody wrote. An out-of-bounds access stops the process with ASan's report instead.
import { load, tensor, type Tensor } from "../../runtime/index.ts";

// step.ts <model dir> [batch] [devices] [graphs|eager] [steps]
const [dir, batchArg, devicesArg, mode, stepsArg] = process.argv.slice(2);
const batch = Number(batchArg ?? 3);
const devices = Number(devicesArg ?? 1);
const steps = Number(stepsArg ?? 2);

/** Deterministic values in [-1, 1) for floats, valid class indices (below `classes`) for ints. */
function filled(dtype: string, shape: number[], seed: number, classes: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  if (dtype === "float32") return tensor(Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + seed)), shape);
  return tensor(Int32Array.from({ length: n }, (_, i) => (i * 7 + seed) % classes), shape);
}

const model = await load(dir, { devices, cudaGraphs: mode !== "eager" });
const m = model.manifest;
const shapeOf = (dims: readonly (number | string)[]) => dims.map((d) => (typeof d === "number" ? d : batch));
const inputs = m.inputs.map((s, i) => filled(s.dtype, shapeOf(s.shape), i + 1, 10));
const nonFinite: string[] = [];
const check = (what: string, values: ArrayLike<number>) => {
  for (let i = 0; i < values.length; i++)
    if (!Number.isFinite(values[i])) {
      nonFinite.push(`${what}[${i}] = ${values[i]}`);
      return;
    }
};
const outputs = (what: string) => {
  const out = model.forwardSync(...inputs);
  for (const [k, t] of (Array.isArray(out) ? out : [out]).entries()) check(`${what} output ${k}`, t.data);
};

model.eval();
outputs("forward");
let loss: number | undefined;
if (m.training) {
  model.train();
  const t = m.training.target;
  // Classes: the width of the first output when the loss takes class indices.
  const classes = typeof m.outputs[0].shape[1] === "number" ? m.outputs[0].shape[1] : 10;
  // Two steps by default: the first of a batch size runs eagerly (the warm-up), the second is
  // captured as a CUDA graph when graphs are on, so both paths run under the checks.
  for (let step = 0; step < steps; step++) {
    loss = t ? model.trainStepSync(inputs, filled(t.dtype, shapeOf(t.shape), 5, classes), { lr: 0.01 }) : model.trainStepSync(inputs, { lr: 0.01 });
    check(`loss of step ${step + 1}`, [loss]);
  }
  for (const p of model.parameters()) check(`parameter ${p.name} after the step`, model.getParameter(p.name).data as Float32Array);
  model.eval();
  outputs("forward after the step");
}
const stats = model.stats();
model.dispose();
console.log(JSON.stringify({ model: m.model, trained: m.training !== undefined, loss, nonFinite, stats }));
