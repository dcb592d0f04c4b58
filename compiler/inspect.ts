import { relative } from "node:path";
import type { LoweredModel } from "./1-frontend/lower.ts";
import { dtypeNames, type Node } from "./ir/node.ts";
import { formatShape, numel } from "./ir/shape.ts";

// `tsdp inspect`: what a PyTorch user would print(model) for, plus the parameter table.

export interface ModelReport {
  readonly model: string;
  readonly file: string;
  readonly inputs: { name: string; dtype: string; shape: string }[];
  readonly outputs: { dtype: string; shape: string }[];
  readonly layers: { path: string; type: string; summary: string; params: number }[];
  readonly parameters: { name: string; shape: number[]; count: number }[];
  readonly buffers: { name: string; shape: number[]; dtype: string }[];
  readonly totalParameters: number;
  readonly training?: { loss: string; optimizer: Record<string, unknown> };
}

const countOf = (n: Node) => numel(n.shape).c;

export function modelReport(m: LoweredModel, cwd = process.cwd()): ModelReport {
  const g = m.graph;
  return {
    model: g.name,
    file: relative(cwd, m.file) || m.file,
    inputs: g.inputs.map((n) => ({ name: n.attrs.name, dtype: dtypeNames[n.dtype], shape: formatShape(n.shape) })),
    outputs: g.outputs.map((n) => ({ dtype: dtypeNames[n.dtype], shape: formatShape(n.shape) })),
    layers: m.layers.map((l) => ({ path: l.path, type: l.type, summary: l.summary, params: l.params.reduce((s, p) => s + countOf(p), 0) })),
    parameters: g.params.map((p) => ({ name: p.attrs.name, shape: p.shape as number[], count: countOf(p) })),
    buffers: g.buffers.map((b) => ({ name: b.attrs.name, shape: b.shape as number[], dtype: dtypeNames[b.dtype] })),
    totalParameters: g.params.reduce((s, p) => s + countOf(p), 0),
    training: g.loss && g.optimizer ? { loss: g.loss.value.op, optimizer: { ...g.optimizer } } : undefined,
  };
}

const thousands = (n: number) => n.toLocaleString("en-US");

function table(rows: string[][], alignRight: number[] = []): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => "  " + r.map((cell, c) => (alignRight.includes(c) ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join("  ").trimEnd());
}

export function formatReport(r: ModelReport): string {
  const out: string[] = [];
  out.push(`${r.model}  (${r.file})`);
  for (const i of r.inputs) out.push(`  input   ${i.name}: ${i.dtype} ${i.shape}`);
  for (const o of r.outputs) out.push(`  output  ${o.dtype} ${o.shape}`);
  out.push("", "Layers");
  const layerRows = r.layers
    .filter((l) => l.path !== "")
    .map((l) => ["  ".repeat(l.path.split(".").length - 1) + l.path, l.type, l.summary, l.params ? thousands(l.params) : ""]);
  if (layerRows.length) out.push(...table([["name", "type", "settings", "params"], ...layerRows], [3]));
  out.push("", "Parameters");
  const paramRows = r.parameters.map((p) => [p.name, formatShape(p.shape), thousands(p.count)]);
  out.push(...table([["name", "shape", "count"], ...paramRows, ["total", "", thousands(r.totalParameters)]], [2]));
  if (r.buffers.length) {
    out.push("", "Buffers");
    out.push(...table([["name", "shape", "dtype"], ...r.buffers.map((b) => [b.name, formatShape(b.shape), b.dtype])]));
  }
  if (r.training) {
    const opt = Object.entries(r.training.optimizer).filter(([k]) => k !== "kind").map(([k, v]) => `${k}=${v}`).join(", ");
    out.push("", `Training  loss ${r.training.loss}, optimizer ${r.training.optimizer.kind} (${opt})`);
  }
  return out.join("\n");
}
