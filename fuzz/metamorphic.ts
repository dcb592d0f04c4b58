// Metamorphic checks of one random model (issue 16, item 2): the same compiled model run another
// way must give the same result, with no reference involved.
//   - thread order: the CPU target's shim runs a block's threads shuffled between barriers
//     (TSDP_SHIM_ORDER=shuffle); tsdp's kernels reduce in a fixed order, so the eval forward, the
//     loss and every gradient must be bit-identical to the default order (a missing barrier or an
//     order-dependent sum shows up here);
//   - CUDA graphs off (`load(dir, { cudaGraphs: false })`): the step issued call by call must be
//     bit-identical to the captured graph;
//   - a step that does not wait for its loss (`trainStep(…, { waitForLoss: false })`), its
//     gradients read after it: bit-identical to the step that waits (its loss is not read);
//   - precision: the model rebuilt with `--precision tf32` or `bf16` (tensor-core GEMMs; operands
//     rounded to 10 or 7 mantissa bits, fp32 accumulation) against the fp32 build, per tensor:
//       |got − fp32| ≤ 8·u·(scale + |fp32|) + K·(u/2⁻²³)·noise
//     u = 2⁻¹¹ (tf32) or 2⁻⁸ (bf16), the operands' unit roundoff; scale = the tensor's largest
//     value (floored at 10⁻³ of the largest of its kind); noise = how far the fp32 build's result
//     moved when every input and parameter moved by one fp32 ulp (check.ts's nudged step): rounding
//     operands to u moves them u/2⁻²³ times as far, so a chain that amplifies rounding (a BatchNorm
//     over three close samples) gets the room it needs and a plain one keeps 8·u.
// The data-parallel check (2 and 3 virtual devices) is in check.ts.
import { cpSync, rmSync } from "node:fs";
import { compile } from "../compiler/pipeline.ts";
import type { Precision, ShapeFor } from "../compiler/5-codegen/context.ts";
import { load, type CompiledModel, type LoadOptions, type Tensor } from "../runtime/index.ts";
import { compare, FLOOR } from "../compiler/reference/compare.ts";
import type { FindingKind } from "./check.ts";

/** One fresh instance's results: the eval-mode forward, then (after a train-mode forward) a training step's loss and gradients (lr 0). */
export interface FreshRun {
  readonly outputs: number[][];
  /** undefined: the step did not wait for its loss */
  readonly loss: number | undefined;
  readonly grads: Map<string, number[]>;
}

export interface StepInputs {
  readonly tensors: Tensor[];
  readonly target: Tensor;
}

const floats = (t: { data: ArrayLike<number | bigint> }) => Array.from(t.data as ArrayLike<number | bigint>, Number);
const maxAbs = (a: readonly number[]) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

/** `freshNaN`: the instance's device memory starts as NaN (the CPU target's TSDP_SHIM_FRESH_NAN, read at each allocation). */
export async function freshRun(
  dir: string,
  io: StepInputs,
  options?: LoadOptions,
  perturb?: (m: CompiledModel) => void,
  fresh?: { readonly freshNaN?: boolean; readonly waitForLoss?: boolean },
): Promise<FreshRun> {
  const before = process.env.TSDP_SHIM_FRESH_NAN;
  if (fresh?.freshNaN) process.env.TSDP_SHIM_FRESH_NAN = "1";
  try {
    return await runFresh(dir, io, options, perturb, fresh?.waitForLoss ?? true);
  } finally {
    if (before === undefined) delete process.env.TSDP_SHIM_FRESH_NAN;
    else process.env.TSDP_SHIM_FRESH_NAN = before;
  }
}

async function runFresh(dir: string, io: StepInputs, options: LoadOptions | undefined, perturb: ((m: CompiledModel) => void) | undefined, waitForLoss: boolean): Promise<FreshRun> {
  const m = await load(dir, options);
  try {
    perturb?.(m);
    m.train(false);
    const outputs = m.forwardAllSync(...io.tensors).map(floats);
    // a train-mode forward first, as check.ts's runs do, so the step draws the same dropout masks
    m.train(true);
    m.forwardAllSync(...io.tensors);
    const loss = m.trainStepSync(io.tensors.length === 1 ? io.tensors[0] : io.tensors, io.target, { lr: 0, waitForLoss }) as number | undefined; // (no outputs asked: a loss or nothing)
    return { outputs, loss, grads: new Map(m.parameters().map((p) => [p.name, floats(m.getParameter(`${p.name}.grad`))])) };
  } finally {
    m.dispose();
  }
}

/** Unit roundoff of the GEMM operands at each precision. */
export const UNIT_ROUNDOFF: Readonly<Record<Exclude<Precision, "fp32">, number>> = { tf32: 2 ** -11, bf16: 2 ** -8 };

type Found = (kind: FindingKind, what: string, message: string) => void;

const EXACT = { rtol: 0, atol: 0 };

/** Every tensor of `got` against `base`: exactly, or within a precision's tolerance (see above). */
export function compareRuns(got: FreshRun, base: FreshRun, how: string, found: Found, precision?: { u: number; noise: FreshRun }): void {
  const largestOut = Math.max(0, ...base.outputs.map(maxAbs));
  const largestGrad = Math.max(0, ...[...base.grads.values()].map(maxAbs));
  const check = (a: number[], b: number[], floor: number, moved: number[] | undefined, what: string) => {
    const noise = moved ? maxAbs(moved.map((v, i) => v - b[i])) : 0;
    const tol = precision ? { rtol: 8 * precision.u, atol: 8 * precision.u } : EXACT;
    const problem = compare(a, b, tol, precision ? floor : 0, undefined, precision ? (precision.u / 2 ** -23) * noise : 0);
    if (problem) found(precision ? "mismatch" : "inconsistent", `${what} ${how}`, problem);
  };
  got.outputs.forEach((o, i) => check(o, base.outputs[i], FLOOR * largestOut, precision?.noise.outputs[i], `forward output ${i} (eval mode)`));
  if (got.loss !== undefined) check([got.loss], [base.loss!], 0, precision ? [precision.noise.loss!] : undefined, "loss");
  for (const [name, g] of base.grads) check(got.grads.get(name)!, g, FLOOR * largestGrad, precision?.noise.grads.get(name), `gradient ${name}`);
}

export interface MetamorphicOptions {
  /** Thread order and graphs off. */
  readonly order?: boolean;
  /** Rebuild at these precisions and compare with fp32 (two more builds each). */
  readonly precisions?: readonly Exclude<Precision, "fp32">[];
  readonly fastBuild?: boolean;
  /** The fp32 build's kernel shapes (check.ts CheckOptions.shapeFor): the other precisions' builds take them too. */
  readonly shapeFor?: ShapeFor;
  readonly perturb?: (m: CompiledModel) => void;
}

/**
 * The metamorphic checks of the model file `file`, built (fp32) in `dir`; `nudged`: the fp32
 * build's results with inputs and parameters one ulp away (the same inputs, eval forward first).
 */
export async function metamorphicChecks(file: string, dir: string, io: StepInputs, nudged: FreshRun, options: MetamorphicOptions, found: Found): Promise<void> {
  const base = await freshRun(dir, io, undefined, options.perturb);
  if (options.order) {
    // the shim reads TSDP_SHIM_ORDER at a library's first launch, and one path loads one library:
    // the shuffled run gets its own copy
    const copy = `${dir}-shuffled`;
    rmSync(copy, { recursive: true, force: true });
    cpSync(dir, copy, { recursive: true });
    const before = process.env.TSDP_SHIM_ORDER;
    process.env.TSDP_SHIM_ORDER = "shuffle";
    try {
      compareRuns(await freshRun(copy, io, undefined, options.perturb), base, "with threads shuffled (TSDP_SHIM_ORDER=shuffle)", found);
    } finally {
      if (before === undefined) delete process.env.TSDP_SHIM_ORDER;
      else process.env.TSDP_SHIM_ORDER = before;
    }
    compareRuns(await freshRun(dir, io, { cudaGraphs: false }, options.perturb), base, "with CUDA graphs off", found);
    compareRuns(await freshRun(dir, io, undefined, options.perturb, { waitForLoss: false }), base, "with the step not waiting for its loss", found);
  }
  for (const precision of options.precisions ?? []) {
    let built: Awaited<ReturnType<typeof compile>>;
    try {
      built = await compile(file, { target: "cpu", outDir: `${dir}-${precision}`, fastBuild: options.fastBuild ?? true, precision, ...(options.shapeFor ? { shapeFor: options.shapeFor } : {}) });
    } catch (e) {
      found("build-failed", `--precision ${precision}`, (e as Error).message);
      continue;
    }
    const got = await freshRun(built.build.outDir, io, undefined, options.perturb);
    compareRuns(got, base, `at --precision ${precision} (against fp32)`, found, { u: UNIT_ROUNDOFF[precision], noise: nudged });
  }
}
