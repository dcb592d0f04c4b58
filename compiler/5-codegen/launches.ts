// What the manifest says of each kernel and launch, for `tsdp inspect` and its performance model:
// the forward's kernels with their costs, and every launch of every program with the very C
// expressions model.cu launches it with (compiler/launch-shape.ts evaluates them at a batch).

import { kernelCost } from "../3-fusion/cost.ts";
import type { Kernel, KernelPlan } from "../3-fusion/plan.ts";
import { hasThirdState, type Node, type OptimizerSpec } from "../ir/node.ts";
import { numel } from "../ir/shape.ts";
import type { KernelReport, LaunchReport } from "../../runtime/manifest.ts";
import type { KernelView, LaunchView } from "./view.ts";

export function kernelReport(k: Kernel, plan: KernelPlan, source: readonly string[]): KernelReport {
  const { flops, bytes } = kernelCost(k, plan);
  return {
    name: k.name,
    ops: k.nodes.map((n) => n.op),
    fusion: k.rules.slice(),
    source: source.slice(),
    flops: flops.perSample,
    bytes: bytes.perSample,
    fixedFlops: flops.fixed,
    fixedBytes: bytes.fixed,
  };
}

interface RenderedLaunches {
  readonly launches: readonly LaunchView[];
  readonly templates: readonly KernelView["template"][];
  readonly plan: KernelPlan;
}

/** The training step's optimizer update, which the harness launches after the step's kernels. */
interface UpdateLaunch {
  readonly paramFloats: number;
  readonly optimizer: OptimizerSpec;
  /** The build's index-read sites (index-faults.ts): with any, the step launches index_fault_flag_kernel. */
  readonly indexSites: number;
}

const withoutNamespace = (kernel: string) => kernel.split("::").at(-1)!;

/** The programs whose launches the manifest lists: evaluate is the forward's launches plus the loss's. */
const LISTED = ["forward", "step"];

export function launchReports(programs: Readonly<Record<string, RenderedLaunches>>, update?: UpdateLaunch): LaunchReport[] {
  const out: LaunchReport[] = [];
  for (const [program, r] of Object.entries(programs)) {
    if (!LISTED.includes(program)) continue;
    r.launches.forEach((launch, i) => {
      const kernel = r.plan.kernels[i];
      const { flops, bytes } = kernelCost(kernel, r.plan);
      const common = { program: program as LaunchReport["program"], scalars: launch.scalars.slice() };
      // a cuBLASLt site (kernels/cublaslt.ts): the GEMM is the library's, its row keeps the fallback
      // kernel's name and launch shape; a bias sum its BGRADB computes costs nothing then
      const template = launch.blas ? "cublaslt" : r.templates[i];
      const skipped = launch.blasGuard ? { scale: "0" } : {};
      // kernels it launches first (a split BatchNorm's statistics and sums), in launch order
      for (const b of launch.before ?? [])
        out.push({ ...common, kernel: withoutNamespace(b.kernel), template: r.templates[i], grid: b.grid, block: b.block, flops: b.flops, bytes: b.bytes, ...skipped, precedes: withoutNamespace(launch.kernel) });
      out.push({ ...common, kernel: withoutNamespace(launch.kernel), template, grid: launch.grid, block: launch.block, flops, bytes, ...skipped, ...(launch.threadTile ? { threadTile: launch.threadTile } : {}), ...(launch.issuedFlops ? { issuedFlops: launch.issuedFlops } : {}), ...(launch.workspaceBytes && !launch.blas ? { workspaceBytes: launch.workspaceBytes } : {}) });
      const rest = launch.blas?.rest;
      if (rest) {
        // the separate epilogue pass: reads the GEMM's result and its operands, writes the result
        const elements = affineCount(r.plan.storageOf(kernel.output));
        const words = rest.pointers + 1; // each operand and the result read, the result written
        out.push({ ...common, kernel: withoutNamespace(rest.kernel), template: "cublaslt_epilogue", grid: rest.grid, block: rest.block, flops: elements, bytes: { perSample: 4 * words * elements.perSample, fixed: 4 * words * elements.fixed } });
      }
    });
    if (program === "step" && update) out.push(...indexFlagLaunches(update), ...clipLaunches(update), updateLaunch(update));
  }
  return out;
}

/** The elements of `n`, per sample where it has the batch, else fixed. */
export const affineCount = (n: Node) => {
  const { c, p } = numel(n.shape);
  return p === 1 ? { perSample: c, fixed: 0 } : { perSample: 0, fixed: c };
};

/**
 * The harness's optimizer_update_kernel (runtime/harness/step.cu), a grid-stride loop over the
 * parameters. Its grid expression is step.cu's with t.param_floats bound as a scalar;
 * test/launch-shape.test.ts checks that step.cu still launches it so.
 */
export const UPDATE_GRID = "dim3((unsigned)std::min<size_t>((param_floats + 255) / 256, 65535))";

/** kGradNormBlocks of runtime/harness/harness_internal.h (test/launch-shape.test.ts checks they agree). */
export const GRAD_NORM_BLOCKS = 64;

/**
 * step.cu's index_fault_flag_kernel after the step's last segment, where the build has index-read
 * sites: one thread turns the replica's fault record into the flag summed with the gradients.
 */
function indexFlagLaunches({ indexSites }: UpdateLaunch): LaunchReport[] {
  if (indexSites === 0) return [];
  return [{ program: "step", kernel: "index_fault_flag_kernel", template: "harness", scalars: [], grid: "dim3(1)", block: "dim3(1)", flops: { perSample: 0, fixed: 0 }, bytes: { perSample: 0, fixed: 8 } }];
}

/**
 * Gradient clipping's two kernels before the update (step.cu), when the Training declares
 * clipGradNorm (a step that sets it only at run time launches them too; the report cannot know):
 * the per-block sums of squares read every gradient once, then one thread sums the blocks'.
 */
function clipLaunches({ paramFloats, optimizer }: UpdateLaunch): LaunchReport[] {
  if (!optimizer.clipGradNorm) return [];
  const common = { program: "step" as const, template: "harness", scalars: [] };
  return [
    { ...common, kernel: "grad_norm_partials_kernel", grid: `dim3(${GRAD_NORM_BLOCKS})`, block: "dim3(256)", flops: { perSample: 0, fixed: 2 * paramFloats }, bytes: { perSample: 0, fixed: 4 * paramFloats + 8 * GRAD_NORM_BLOCKS } },
    { ...common, kernel: "grad_clip_factor_kernel", grid: "dim3(1)", block: "dim3(32)", flops: { perSample: 0, fixed: GRAD_NORM_BLOCKS + 4 }, bytes: { perSample: 0, fixed: 8 * (GRAD_NORM_BLOCKS + 2) } },
  ];
}

function updateLaunch({ paramFloats, optimizer }: UpdateLaunch): LaunchReport {
  // per parameter: SGD reads the weight and gradient and writes the weight (12 B), momentum adds
  // its buffer's read and write; Adam(W) reads and writes two moments (28 B), RMSprop its average
  // of squares and, with momentum, its buffer. FLOPs: the update's
  // arithmetic per parameter, roughly (a sqrt and a division counted as one each). Clipping writes
  // the clipped gradient back (4 B, a multiply); param groups read each float's group (1 B).
  const [baseBytes, baseFlops] =
    optimizer.kind === "SGD" ? (optimizer.momentum !== 0 ? [20, 6] : [12, 3]) : optimizer.kind === "RMSprop" ? (optimizer.momentum !== 0 ? [28, 10] : [20, 8]) : optimizer.kind === "Adagrad" ? [20, 8] : [28, 14]; // Adam(W), Adamax, NAdam, RAdam, Adadelta: two states
  // amsgrad's or centered RMSprop's third state: read and written (8 B), a max or a multiply-add
  const third = hasThirdState(optimizer);
  const bytesPer = baseBytes + (optimizer.clipGradNorm || optimizer.clipGradValue ? 4 : 0) + (optimizer.groups ? 1 : 0) + (third ? 8 : 0);
  const flopsPer = baseFlops + (optimizer.clipGradNorm || optimizer.clipGradValue ? 1 : 0) + (third ? 2 : 0);
  return {
    program: "step",
    kernel: "optimizer_update_kernel",
    template: "harness",
    grid: UPDATE_GRID,
    block: "dim3(256)",
    scalars: [`const size_t param_floats = ${paramFloats};`],
    flops: { perSample: 0, fixed: flopsPer * paramFloats },
    bytes: { perSample: 0, fixed: bytesPer * paramFloats },
  };
}
