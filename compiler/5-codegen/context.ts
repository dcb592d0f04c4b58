import { readFileSync } from "node:fs";
import { basename } from "node:path";
import type { Kernel, KernelPlan } from "../3-fusion/plan.ts";
import type { MemoryPlan } from "../4-memory/plan.ts";
import type { Graph, Node } from "../ir/node.ts";
import { formatShape, isBatch, type Dim } from "../ir/shape.ts";
import { cComment } from "./escape.ts";
import { IndexSites } from "./index-faults.ts";
import type { Tuning } from "../tuning/tuning-file.ts";

/** What every kernel builder needs: the plans, and how to name memory and source lines. */
export class CodegenContext {
  private readonly lines = new Map<string, string[]>();
  constructor(
    readonly graph: Graph,
    readonly plan: KernelPlan,
    readonly memory: MemoryPlan,
    /** fp32 runs GEMMs on CUDA cores; tf32 and bf16 on tensor cores. */
    readonly precision: Precision = "fp32",
    /** Whose kernel shapes (GEMM tiles, split-K) to emit: the GPU's or the CPU target's. */
    readonly shapeFor: ShapeFor = "cpu",
    /** The tuning file's knobs (compiler/tuning), which replace the heuristics' choices. */
    readonly tuning?: Tuning,
    /** The build's index-read sites (index-faults.ts), shared by every program's context. */
    readonly indexSites: IndexSites = new IndexSites(),
  ) {}

  /** The harness expression for a value's device pointer. */
  pointer(n: Node): string {
    const owner = this.plan.storageOf(n);
    const slot = this.memory.slots.get(owner);
    if (!slot) throw new Error(`codegen: no memory slot for %${owner.id} (${owner.op})`);
    const type = cType(owner);
    if (slot.arena === "params") return `(${type}*)(r->params + ${slot.offset})`;
    if (slot.arena === "grads") return `(${type}*)(r->grads + ${slot.offset})`;
    if (slot.arena === "fixed") return `(${type}*)(r->fixed_arena + ${slot.offset})`;
    if (slot.arena === "pairs") return `(${type}*)(r->pair_arena + (size_t)${slot.offset} * batch * batch)`;
    return `(${type}*)(r->batch_arena + (size_t)${slot.offset} * batch)`;
  }

  /** The harness expression for a split-K kernel's workspace (see kernels/gemm-shape.ts), if it has one. */
  workspace(anchor: Node): { pointer: string; bytes: string } | undefined {
    const slot = this.memory.workspaces?.get(anchor);
    if (!slot) return undefined;
    return slot.arena === "batch"
      ? { pointer: `(float*)(r->batch_arena + (size_t)${slot.offset} * batch)`, bytes: `${slot.bytes} per sample` }
      : { pointer: `(float*)(r->fixed_arena + ${slot.offset})`, bytes: String(slot.bytes) };
  }

  /** "conv1.weight" or "%14" — how a value is named in comments (escaped for one). */
  label(n: Node): string {
    const owner = this.plan.storageOf(n);
    return cComment((owner.attrs.name as string | undefined) ?? `%${owner.id}`);
  }

  /**
   * The distinct TypeScript lines behind a kernel's nodes, as "model.ts:12  <code>", escaped to be
   * the text of a comment line (the manifest and `tsdp inspect` show them the same way).
   */
  source(k: Pick<Kernel, "nodes">): string[] {
    const seen = new Set<string>();
    const out: string[] = [];
    for (const n of [...k.nodes].sort((a, b) => a.loc.line - b.loc.line)) {
      const key = `${n.loc.file}:${n.loc.line}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(cComment(`${basename(n.loc.file)}:${n.loc.line}  ${this.lineText(n.loc.file, n.loc.line)}`));
    }
    return out;
  }

  private lineText(file: string, line: number): string {
    let text = this.lines.get(file);
    if (!text) {
      try {
        // TypeScript's line breaks, so that line numbers from the frontend name the same lines
        text = readFileSync(file, "utf8").split(/\r\n|[\n\r\u2028\u2029]/);
      } catch {
        text = [];
      }
      this.lines.set(file, text);
    }
    return (text[line - 1] ?? "").trim();
  }
}

export type Precision = "fp32" | "tf32" | "bf16";

/** The machine the kernels' shapes are chosen for (part13: independent of the build target). */
export type ShapeFor = "cpu" | "gpu";

/** A build's kernels are shaped for the machine it targets unless asked otherwise. */
export function defaultShapeFor(target: "cpu" | "cuda"): ShapeFor {
  return target === "cuda" ? "gpu" : "cpu";
}

export function cType(n: Node): string {
  return n.dtype === "f32" ? "float" : n.dtype === "i32" ? "int" : "long long";
}

/** A dim as a C expression: constants, or `batch` times the coefficient. */
export function cDim(d: Dim): string {
  if (!isBatch(d)) return String(d);
  return d.batch === 1 ? "batch" : `(${d.batch} * batch)`;
}

/** A classification's class count (dim 1 of its logits): a number, or `batch` times its coefficient. */
export function classesOf(d: Dim): number | string {
  return isBatch(d) ? cDim(d) : d;
}

/** The element count of a shape as a C expression of `batch` (batch² for an in-batch pair matrix). */
export function cCount(shape: readonly Dim[]): string {
  let c = 1;
  let batches = 0;
  for (const d of shape) {
    if (isBatch(d)) {
      c *= d.batch;
      batches += 1;
    } else c *= d;
  }
  if (batches === 0) return `(size_t)${c}`;
  const powers = Array(batches).fill("batch").join(" * ");
  return c === 1 && batches === 1 ? "(size_t)batch" : `((size_t)${c} * ${powers})`;
}

export function shapeComment(n: Node): string {
  return formatShape(n.shape);
}
