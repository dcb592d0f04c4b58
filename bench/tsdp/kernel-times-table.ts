// The performance model's estimate of each kernel of a training step beside the time measured on
// the GPU (the harness's TSDP_KERNEL_TIMES file), for calibrating the model (README "Performance
// model"). Pure: kernel-times.ts measures and calls it; test/bench-gpu-check.test.ts checks it.
import type { GpuProgramReport } from "../../compiler/inspect-gpu.ts";
import { textTable } from "../../compiler/text-table.ts";

/** What the harness writes at exit with TSDP_KERNEL_TIMES=<file>: per kernel name, over all its launches. */
export interface MeasuredKernels {
  readonly kernels: readonly { kernel: string; launches: number; medianUs: number; meanUs: number; totalMs: number }[];
}

export interface KernelTimeRow {
  readonly kernel: string;
  readonly estimateUs: number;
  readonly bound: string;
  /** The median of the measured launches; null when none was measured (the CPU target times nothing). */
  readonly measuredUs: number | null;
  readonly launches: number;
  /** measured / estimate: above 1, the kernel is slower than the model says. */
  readonly ratio: number | null;
}

export interface KernelTimeTable {
  readonly rows: readonly KernelTimeRow[];
  readonly estimateUs: number;
  /** The sum of the measured medians, over the kernels measured; null when none was. */
  readonly measuredUs: number | null;
  /** Kernels that ran but that the model does not list (another harness kernel), or listed but not measured. */
  readonly unmatched: readonly string[];
}

export function kernelTimeTable(step: GpuProgramReport, measured: MeasuredKernels | null): KernelTimeTable {
  const byName = new Map((measured?.kernels ?? []).map((k) => [k.kernel, k]));
  const rows = step.estimate.launches.map((e) => {
    const m = byName.get(e.kernel);
    const measuredUs = m ? m.medianUs : null;
    return {
      kernel: e.kernel,
      estimateUs: e.time * 1e6,
      bound: e.bound,
      measuredUs,
      launches: m?.launches ?? 0,
      ratio: measuredUs === null ? null : measuredUs / (e.time * 1e6),
    };
  });
  const listed = new Set(rows.map((r) => r.kernel));
  const unmatched = [...(measured ? rows.filter((r) => r.measuredUs === null).map((r) => `${r.kernel} (not measured)`) : []), ...[...byName.keys()].filter((k) => !listed.has(k)).map((k) => `${k} (not in the model)`)];
  const timed = rows.filter((r) => r.measuredUs !== null);
  return {
    rows,
    estimateUs: rows.reduce((s, r) => s + r.estimateUs, 0),
    measuredUs: timed.length ? timed.reduce((s, r) => s + r.measuredUs!, 0) : null,
    unmatched,
  };
}

const f = (v: number | null, digits = 1) => (v === null ? "—" : v.toFixed(digits));

export function formatKernelTimeTable(t: KernelTimeTable, title: string): string {
  const rows = [["kernel", "estimate µs", "bound", "measured µs", "launches", "measured/estimate"], ...t.rows.map((r) => [r.kernel, f(r.estimateUs), r.bound, f(r.measuredUs), String(r.launches), f(r.ratio, 2)])];
  rows.push(["total", f(t.estimateUs), "", f(t.measuredUs), "", t.measuredUs === null ? "—" : f(t.measuredUs / t.estimateUs, 2)]);
  return [title, ...textTable(rows, [1, 3, 4, 5]), ...(t.unmatched.length ? [`unmatched: ${t.unmatched.join(", ")}`] : [])].join("\n");
}
