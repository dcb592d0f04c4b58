import { opDef, ops } from "../ops/index.ts";
import type { Graph } from "./node.ts";
import { formatShape, hasBatch, isBatch, MAX_BATCH_DIMS, shapeEq } from "./shape.ts";

/**
 * Checks the invariants every phase may rely on; returns the violations (empty when sound).
 * A violation is a bug in tsdp, not in the user's model.
 */
export function verifyGraph(g: Graph): string[] {
  const problems: string[] = [];
  const seen = new Set<number>();
  const names = new Set<string>();
  g.nodes.forEach((n, i) => {
    const at = `node %${n.id} (${n.op})`;
    if (n.id !== i) problems.push(`${at}: id does not match its position ${i}`);
    if (!ops.has(n.op)) {
      problems.push(`${at}: unknown op`);
      return;
    }
    for (const input of n.inputs)
      if (!seen.has(input.id) || g.nodes[input.id] !== input) problems.push(`${at}: input %${input.id} is not defined before use`);
    const def = opDef(n.op);
    const required = def.inputs.filter((name) => !name.endsWith("?")).length;
    if (n.inputs.length < required || n.inputs.length > def.inputs.length)
      problems.push(`${at}: takes ${required}..${def.inputs.length} inputs, has ${n.inputs.length}`);
    try {
      const t = def.infer(n.inputs, n.attrs, n.op);
      if (!shapeEq(t.shape, n.shape) || t.dtype !== n.dtype)
        problems.push(`${at}: recorded ${n.dtype}${formatShape(n.shape)}, its shape rule gives ${t.dtype}${formatShape(t.shape)}`);
    } catch (e) {
      problems.push(`${at}: shape rule fails: ${(e as Error).message}`);
    }
    if (n.shape.filter(isBatch).length > MAX_BATCH_DIMS) problems.push(`${at}: more than ${MAX_BATCH_DIMS} batch dimensions`);
    if (!n.loc || n.loc.line < 1) problems.push(`${at}: no source location`);
    if (def.family === "source" && n.op !== "const") {
      const name = n.attrs.name as string;
      if (names.has(name)) problems.push(`${at}: name '${name}' is used twice`);
      names.add(name);
    }
    seen.add(n.id);
  });
  for (const n of g.inputs)
    if (n.shape.length === 0 || !isBatch(n.shape[0]) || (n.shape[0] as { batch: number }).batch !== 1)
      problems.push(`input ${n.attrs.name as string}: dim 0 must be Batch, got ${formatShape(n.shape)}`);
  for (const p of [...g.params, ...g.buffers])
    if (hasBatch(p.shape)) problems.push(`${p.attrs.name as string}: parameters cannot depend on the batch size`);
  if (g.outputs.length === 0) problems.push("the graph has no outputs");
  for (const o of g.outputs) if (!seen.has(o.id)) problems.push(`output %${o.id} is not a node of the graph`);
  for (const u of g.stateUpdates ?? []) {
    const name = u.buffer.attrs.name as string;
    if ((u.buffer.op !== "buffer" && u.buffer.op !== "param") || !seen.has(u.buffer.id)) problems.push(`state update of %${u.buffer.id}: not a buffer or parameter of the graph`);
    if (!seen.has(u.value.id)) problems.push(`state update of ${name}: its value %${u.value.id} is not a node of the graph`);
    if (!shapeEq(u.value.shape, u.buffer.shape) || u.value.dtype !== u.buffer.dtype)
      problems.push(`state update of ${name}: ${u.value.dtype}${formatShape(u.value.shape)} for a buffer of ${u.buffer.dtype}${formatShape(u.buffer.shape)}`);
  }
  if (g.loss && g.loss.value.shape.length !== 0)
    problems.push(`the loss must be a scalar, got ${formatShape(g.loss.value.shape)}`);
  return problems;
}
