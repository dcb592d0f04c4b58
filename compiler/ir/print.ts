import { basename } from "node:path";
import { opDef } from "../ops/index.ts";
import type { AttrValue, Graph, Node } from "./node.ts";
import { formatDim, formatShape, type Dim } from "./shape.ts";

// The IR as text, one node a line:
//   %4 = conv2d(%x, %conv1.weight, %conv1.bias) {stride=[1, 1], …} : f32[Batch, 20, 24, 24]  # model.ts:11 conv1
// Sources are named by what they are (%x, %conv1.weight); other nodes by their id.

export function valueName(n: Node): string {
  if (n.op === "input" || n.op === "param" || n.op === "buffer") return `%${n.attrs.name as string}`;
  if (n.op === "const") return formatNumber(n.attrs.value as number);
  return `%${n.id}`;
}

export function formatType(n: Pick<Node, "dtype" | "shape">): string {
  return `${n.dtype}${formatShape(n.shape)}`;
}

function formatNumber(v: number): string {
  return Number.isInteger(v) ? v.toFixed(1) : String(v);
}

function formatAttr(v: AttrValue | Float32Array): string {
  // a constructor's computed initial values (Init "values"): their count, not the table
  if (v instanceof Float32Array) return `<${v.length} computed values>`;
  if (Array.isArray(v)) return `[${v.map((x) => (isDimLike(x) ? formatDim(x as unknown as Dim) : formatAttr(x))).join(", ")}]`;
  if (v !== null && typeof v === "object")
    return isDimLike(v) ? formatDim(v as unknown as Dim) : `{${Object.entries(v).map(([k, x]) => `${k}: ${formatAttr(x)}`).join(", ")}}`;
  if (typeof v === "string") return JSON.stringify(v);
  return String(v);
}

function isDimLike(v: AttrValue): boolean {
  return v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 1 && typeof (v as { batch?: unknown }).batch === "number";
}

function formatAttrs(n: Node, skip: readonly string[]): string {
  const entries = Object.entries(n.attrs).filter(([k, v]) => !skip.includes(k) && v !== undefined);
  return entries.length ? ` {${entries.map(([k, v]) => `${k}=${formatAttr(v)}`).join(", ")}}` : "";
}

function where(n: Node): string {
  const scope = n.scope ? ` ${n.scope}` : "";
  return `# ${basename(n.loc.file)}:${n.loc.line}${scope}`;
}

export function printGraph(g: Graph): string {
  const lines: string[] = [];
  const args = g.inputs.map((n) => `${valueName(n)}: ${formatType(n)}`).join(", ");
  const results = g.outputs.map(formatType).join(", ");
  lines.push(`graph ${g.name}(${args}) -> (${results}) {`);
  if (g.params.length) {
    lines.push("  // parameters");
    for (const p of g.params) lines.push(`  ${valueName(p)}: ${formatType(p)}${formatAttrs(p, ["name", "shape", "dtype"])}`);
  }
  if (g.buffers.length) {
    lines.push("  // buffers");
    for (const b of g.buffers) lines.push(`  ${valueName(b)}: ${formatType(b)}${formatAttrs(b, ["name", "shape", "dtype"])}`);
  }
  if (g.loss?.target) lines.push(`  // training target\n  ${valueName(g.loss.target)}: ${formatType(g.loss.target)}`);
  lines.push("  // computation");
  for (const n of g.nodes) {
    if (opDef(n.op).family === "source") continue;
    const ins = n.inputs.map(valueName).join(", ");
    lines.push(`  %${n.id} = ${n.op}(${ins})${formatAttrs(n, ["flattenedFrom"])} : ${formatType(n)}  ${where(n)}`);
  }
  lines.push(`  return ${g.outputs.map(valueName).join(", ")}`);
  if (g.loss?.target) lines.push(`  loss ${valueName(g.loss.value)}`);
  if (g.optimizer) {
    const { kind, ...hyper } = g.optimizer;
    lines.push(`  optimizer ${kind} {${Object.entries(hyper).map(([k, v]) => `${k}=${v}`).join(", ")}}`);
  }
  lines.push("}");
  return lines.join("\n");
}
