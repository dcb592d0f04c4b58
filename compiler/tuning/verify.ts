import { differentiate } from "../2-autodiff/backward.ts";
import type { Node } from "../ir/node.ts";
import { compile, type CompileOptions } from "../pipeline.ts";
import { initState } from "../reference/init.ts";
import { runReference } from "../reference/interpret.ts";
import { compare, FLOOR, FORWARD, GRADIENT } from "../reference/compare.ts";
import { inputsFor } from "../reference/inputs.ts";
import { load, type CompiledModel } from "../../runtime/index.ts";

// A tuning file is accepted by `tsdp tune` only once the kernels it shapes compute the right
// numbers: the model is compiled with it for the CPU target (the same CUDA source, the GPU's kernel
// shapes when the tuning was for the GPU) and one training step — its forward in train mode, its
// loss and every gradient — is compared with the float64 reference interpreter, with the fuzzer's
// tolerances and comparison (compiler/reference/compare.ts): forward and loss rtol 1e-4, atol 1e-5·scale;
// gradients rtol 1e-3, atol 1e-4·scale (scale: the tensor's largest magnitude, at least 1e-3 of
// the largest gradient), widened by 8·|want − want₃₂| where fp32 storage moves the result.

export interface Verification {
  readonly ok: boolean;
  /** What was compared, and the first element outside tolerance of each tensor that failed. */
  readonly problems: readonly string[];
  readonly compared: number;
  readonly outDir: string;
}

const floats = (t: { data: ArrayLike<number | bigint> }) => Array.from(t.data as ArrayLike<number | bigint>, Number);
function largest(xs: Iterable<ArrayLike<number>>): number {
  let m = 0;
  for (const a of xs) for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

export interface VerifyOptions extends Pick<CompileOptions, "model" | "shapeFor" | "tune" | "precision" | "gemm"> {
  readonly outDir: string;
  readonly batch?: number;
  readonly seed?: number;
  /** Tests of the check itself: change the loaded model before the comparison (it must then fail). */
  readonly perturb?: (m: CompiledModel) => void;
}

export async function verifyTuning(file: string, options: VerifyOptions): Promise<Verification> {
  const compiled = await compile(file, { ...options, target: "cpu", fastBuild: true });
  const graph = compiled.model.graph;
  const batch = options.batch ?? 4;
  const problems: string[] = [];
  let compared = 0;
  const m = await load(compiled.build.outDir);
  try {
    options.perturb?.(m);
    const state = initState(graph, 0);
    const state32 = initState(graph, 0);
    const io = inputsFor(graph, batch, options.seed ?? 7);
    // the forward in train mode (draw 0), as the fuzzer does before its step
    m.train(true);
    const got = m.forwardAllSync(...io.tensors);
    const want = runReference(graph, io.reference, state, { training: true, draw: 0 });
    const want32 = runReference(graph, io.reference, state32, { training: true, draw: 0, roundToFloat32: true });
    const outFloor = FLOOR * largest(want.outputs.map((o) => o.data));
    got.forEach((g, i) => {
      compared++;
      const p = compare(floats(g), want.outputs[i].data, FORWARD, outFloor, want32.outputs[i].data);
      if (p) problems.push(`forward output ${i}: ${p}`);
    });
    if (graph.loss && graph.optimizer && compiled.generated.manifest.training) {
      const { graph: step, gradients } = differentiate(graph);
      const stepInputs = { ...io.reference, target: io.targetRef! };
      const ref = runReference(step, stepInputs, state, { training: true, seed: 0, step: 0, draw: 1 });
      const ref32 = runReference(step, stepInputs, state32, { training: true, seed: 0, step: 0, draw: 1, roundToFloat32: true });
      const loss = m.trainStepSync(io.tensors.length === 1 ? io.tensors[0] : io.tensors, io.target!, { lr: 0 });
      compared++;
      const lp = compare([loss], [ref.loss!], FORWARD, 0, [ref32.loss!]);
      if (lp) problems.push(`loss: ${lp}`);
      const gradFloor = FLOOR * largest([...gradients.values()].map((n) => ref.values.get(n as Node)!.data));
      for (const [name, node] of gradients) {
        compared++;
        const p = compare(floats(m.getParameter(`${name}.grad`)), ref.values.get(node as Node)!.data, GRADIENT, gradFloor, ref32.values.get(node as Node)!.data);
        if (p) problems.push(`gradient ${name}: ${p}`);
      }
    }
  } finally {
    m.dispose();
  }
  return { ok: problems.length === 0, problems, compared, outDir: compiled.build.outDir };
}
