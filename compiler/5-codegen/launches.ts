// What the manifest says of each kernel and launch, for `tsdp inspect` and its performance model:
// the forward's kernels with their costs, and every launch of every program with the very C
// expressions model.cu launches it with (compiler/launch-shape.ts evaluates them at a batch).

import { kernelCost } from "../3-fusion/cost.ts";
import type { Kernel, KernelPlan } from "../3-fusion/plan.ts";
import type { OptimizerSpec } from "../ir/node.ts";
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
}

const withoutNamespace = (kernel: string) => kernel.split("::").at(-1)!;

/** The programs whose launches the manifest lists: evaluate is the forward's launches plus the loss's. */
const LISTED = ["forward", "step"];

export function launchReports(programs: Readonly<Record<string, RenderedLaunches>>, update?: UpdateLaunch): LaunchReport[] {
  const out: LaunchReport[] = [];
  for (const [program, r] of Object.entries(programs)) {
    if (!LISTED.includes(program)) continue;
    r.launches.forEach((launch, i) => {
      const { flops, bytes } = kernelCost(r.plan.kernels[i], r.plan);
      out.push({
        program: program as LaunchReport["program"],
        kernel: withoutNamespace(launch.kernel),
        template: r.templates[i],
        grid: launch.grid,
        block: launch.block,
        scalars: launch.scalars.slice(),
        flops,
        bytes,
      });
    });
    if (program === "step" && update) out.push(updateLaunch(update));
  }
  return out;
}

/**
 * The harness's optimizer_update_kernel (runtime/harness/step.cu), a grid-stride loop over the
 * parameters. Its grid expression is step.cu's with t.param_floats bound as a scalar;
 * test/launch-shape.test.ts checks that step.cu still launches it so.
 */
export const UPDATE_GRID = "dim3((unsigned)std::min<size_t>((param_floats + 255) / 256, 65535))";

function updateLaunch({ paramFloats, optimizer }: UpdateLaunch): LaunchReport {
  // per parameter: SGD reads the weight and gradient and writes the weight (12 B), momentum adds
  // its buffer's read and write; Adam(W) reads and writes two moments (28 B). FLOPs: the update's
  // arithmetic per parameter, roughly (a sqrt and a division counted as one each).
  const [bytesPer, flopsPer] =
    optimizer.kind === "SGD" ? (optimizer.momentum !== 0 ? [20, 6] : [12, 3]) : [28, 14];
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
