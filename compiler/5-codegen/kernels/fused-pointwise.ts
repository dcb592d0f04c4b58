import { checkedBeforeTheCall, INDEX_FAULT_ARG } from "../index-faults.ts";
import type { Kernel } from "../../3-fusion/plan.ts";
import type { Node } from "../../ir/node.ts";
import { isBatch, type Dim } from "../../ir/shape.ts";
import { cFloat } from "../../ops/elementwise.ts";
import { opDef } from "../../ops/index.ts";
import { computedByReader } from "../../ops/source.ts";
import { cCount, cDim, cType, shapeComment, type CodegenContext } from "../context.ts";
import { cComment } from "../escape.ts";
import { basename } from "node:path";
import type { ArgView, FusedPointwiseView, LaunchView } from "../view.ts";
import { resolvePointwise } from "../../tuning/knobs.ts";

// A fused chain of pointwise ops: one thread per output element (grid-stride), each input read
// once through its broadcast index, the whole chain evaluated in registers, one store.
// The block size (256) and elements per thread (1) are knobs (compiler/tuning/knobs.ts).

/** Index of a broadcast input for output coordinates c0..c(r−1): strides are 0 where it has size 1. */
function broadcastIndex(leaf: readonly Dim[], out: readonly Dim[]): string {
  if (leaf.length === out.length && leaf.every((d, i) => JSON.stringify(d) === JSON.stringify(out[i]))) return "i";
  const terms: string[] = [];
  let stride = "1";
  for (let d = leaf.length - 1; d >= 0; d--) {
    const od = d + out.length - leaf.length;
    if (leaf[d] !== 1) terms.push(stride === "1" ? `c${od}` : `c${od} * ${stride}`);
    stride = stride === "1" ? cDim(leaf[d]) : `${stride} * ${cDim(leaf[d])}`;
  }
  return terms.length ? terms.join(" + ") : "0";
}

/** The coordinate computations c_d = (i / stride_d) % size_d that broadcast indices use. */
function coordinates(out: readonly Dim[], used: Set<number>): string[] {
  const lines: string[] = [];
  for (const d of used) {
    const stride = out.slice(d + 1).map(cDim).join(" * ") || "1";
    lines.push(`const size_t c${d} = (i / ((size_t)${stride})) % (size_t)${cDim(out[d])};`);
  }
  return lines.sort();
}

/** A constant's or the batch size's value, computed in the reader's expression (source.ts computedByReader). */
function valueInPlace(n: Node): string {
  if (n.op === "const") return cFloat(n.attrs.value as number);
  const codegen = opDef(n.op).codegen;
  if (codegen?.kind !== "pointwise") throw new Error(`codegen: ${n.op} is not pointwise`);
  return codegen.expr([], n.attrs, { index: "0", node: n });
}

export function fusedPointwiseKernel(ctx: CodegenContext, k: Kernel): { kernel: FusedPointwiseView; launch: LaunchView } {
  const out = k.output.shape;
  const inside = new Set<Node>(k.nodes);
  // values are float, but for an int32 chain that only moves values (an int32 buffer expanded, then
  // copied out for a slice): int end to end, so an index above 2^24 is not rounded by a float
  const allInt = k.output.dtype === "i32" && k.nodes.every((n) => n.dtype === "i32" && n.inputs.every((i) => i.dtype === "i32"));
  const value = allInt ? "int" : "float";
  const leaves: Node[] = [];
  const names = new Map<Node, string>();
  const loads: string[] = [];
  const args: ArgView[] = [];
  const used = new Set<number>();
  for (const n of k.nodes)
    for (const input of n.inputs) {
      if (inside.has(input) || names.has(input)) continue;
      if (computedByReader(input)) {
        names.set(input, valueInPlace(input));
        continue;
      }
      const idx = broadcastIndex(input.shape, out);
      for (const m of idx.matchAll(/c(\d+)/g)) used.add(Number(m[1]));
      const name = `in${leaves.length}`;
      leaves.push(input);
      names.set(input, `x${leaves.length - 1}`);
      loads.push(`const ${value} x${leaves.length - 1} = ${name}[${idx}];`);
      args.push({ decl: `const ${cType(input)}* __restrict__ ${name}`, value: ctx.pointer(input), comment: `${ctx.label(input)} ${shapeComment(input)}` });
    }
  const body: string[] = [];
  let checksIndices = false;
  // each value names its op, and where the kernel spans lines, the line it is on: t3 is then found in the model
  const spansLines = new Set(k.nodes.map((n) => `${n.loc.file}:${n.loc.line}`)).size > 1;
  k.nodes.forEach((n, j) => {
    const codegen = opDef(n.op).codegen;
    if (codegen?.kind !== "pointwise") throw new Error(`codegen: ${n.op} is not pointwise`);
    const v = `t${j}`;
    // a producer pulled in with a smaller (broadcast) shape sees the index of its own element:
    // a factory (arange, a triangle mask) computes its value from it
    const own = broadcastIndex(n.shape, out);
    for (const m of own.matchAll(/c(\d+)/g)) used.add(Number(m[1]));
    const index = own === "i" ? "i" : `(${own})`;
    const origin = spansLines ? `${n.op}, ${basename(n.loc.file)}:${n.loc.line}` : n.op;
    const indexSite = (what: string, limit: number, input = 0) =>
      checkedBeforeTheCall(ctx.graph, n.inputs[input], limit) ? undefined : ((checksIndices = true), ctx.indexSites.site(n, what, limit));
    body.push(`const ${value} ${v} = ${codegen.expr(n.inputs.map((i) => names.get(i)!), n.attrs, { index, node: n, indexSite })};  // ${cComment(origin)}`);
    names.set(n, v);
  });
  // an index_check among the nodes records into the replica's fault record (index-faults.ts)
  if (checksIndices) args.push(INDEX_FAULT_ARG);
  args.push({ decl: `${cType(k.output)}* __restrict__ out`, value: ctx.pointer(k.output), comment: shapeComment(k.output) });
  const summary = `${k.nodes.map((n) => n.op).join(" → ")} over ${shapeComment(k.output)}`;
  const kernel: FusedPointwiseView = {
    template: "fused_pointwise",
    name: k.name,
    summary,
    source: ctx.source(k),
    rules: k.rules.join(", ") || "none",
    params: args.map((a) => a.decl).join(", "),
    counters: runCounters([...loads, ...body.map(withoutComment)]),
    count: cCount(out),
    coordinates: coordinates(out, used),
    loads,
    body,
    // a float value stored into an int32 tensor: converted as the GPU converts (no C cast's undefined result)
    result: k.output.dtype === "i32" && !allInt ? `tsdp_int_of(${names.get(k.output)!})` : names.get(k.output)!,
    batched: out.some(isBatch),
  };
  // each thread visits elementsPerThread elements of the grid-stride loop: the grid is that much smaller
  const { blockSize, elementsPerThread } = resolvePointwise(ctx.tuning?.forKernel(k.name));
  const perBlock = blockSize * elementsPerThread;
  const launch: LaunchView = {
    name: k.name,
    kernel: `${k.name}_kernel`,
    grid: `dim3((unsigned)std::min<size_t>((${cCount(out)} + ${perBlock - 1}) / ${perBlock}, 65535))`,
    block: `dim3(${blockSize})`,
    sharedBytes: "0",
    args,
    scalars: [],
    scalarArgs: "batch, r->training, r->seed, &r->consts->step, r->sample0",
    summary,
    source: kernel.source,
  };
  return { kernel, launch };
}

/**
 * The run's counters a kernel's statements read: a random draw's (op random.ts) step, draw and
 * sample0. Declared only where read: each unread one was nvcc's warning #177 in every fused kernel
 * (18,000 lines over 29 models).
 */
const RUN_COUNTERS: readonly (readonly [string, string])[] = [
  ["step", "rng_counter[0]"],
  ["draw", "rng_counter[1]"],
  ["sample0", "rng_counter[2] + replica_sample0"],
];
function runCounters(statements: readonly string[]): string[] {
  const text = statements.join("\n");
  const read = RUN_COUNTERS.filter(([name]) => new RegExp(`\\b${name}\\b`).test(text)).map(([name, value]) => `const unsigned long long ${name} = ${value};`);
  // (the why of the reads, said only where there are some: above none it described nothing)
  return read.length ? [...COUNTERS_WHY, ...read] : [];
}
const COUNTERS_WHY = [
  "// read here so a replayed graph sees this run's values: optimizer steps, then draws since the",
  "// last one, then this process's first sample in a process group's batch (those the body reads)",
];

/** A statement without its trailing `// …` comment (an op's name must not count as a read of a counter). */
function withoutComment(statement: string): string {
  return statement.replace(/\s*\/\/.*$/, "");
}
