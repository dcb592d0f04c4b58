// Shared by the Node side of the benchmarks: the example list, deterministic batches, model
// directories and small statistics. The Python side (bench/pytorch/) reads what these write.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { normals, uniforms } from "../../compiler/reference/rng.ts";
import { BATCH, type Manifest } from "../../runtime/index.ts";

export const EXAMPLES = ["lenet", "mnist", "cifar10", "mlp", "resnet", "composed"] as const;
export type Example = (typeof EXAMPLES)[number];

/** The build directory of a model compiled by gpu-check.sh (`<work>/build/<name>`). */
export const modelDir = (work: string, name: string) => join(work, "build", name);

/** Reads `--key value` pairs; every value is a string, checked by the caller. */
export function flags(argv: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--")) throw new Error(`unexpected argument ${JSON.stringify(a)}: expected --name value`);
    const next = argv[i + 1];
    if (next === undefined || next.startsWith("--")) out.set(a.slice(2), "true");
    else out.set(a.slice(2), (i++, next));
  }
  return out;
}

export function intFlag(f: Map<string, string>, name: string, fallback: number): number {
  const v = f.get(name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${v}`);
  return n;
}

/**
 * One batch for a model: standard normals for float inputs, class indices for the target, from
 * the counter-based generator, so a batch depends only on (seed, stream) and both sides can be
 * handed the same bytes.
 */
export function makeBatch(manifest: Manifest, batch: number, seed: number, stream: number): { x: Float32Array[]; y: Int32Array; shapes: number[][] } {
  const shapes = manifest.inputs.map((spec) => spec.shape.map((d) => (d === BATCH ? batch : d)) as number[]);
  const x = shapes.map((shape, i) => Float32Array.from(normals(shape.reduce((a, b) => a * b, 1), seed, stream * 16 + i)));
  const classes = Number(manifest.outputs[0].shape[1]);
  const y = Int32Array.from(uniforms(batch, seed, stream * 16 + 15), (u) => Math.min(classes - 1, Math.floor(u * classes)));
  return { x, y, shapes };
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Times `fn` after `warmup` calls: the median of `reps` single calls, in milliseconds. */
export function timeMs(fn: () => void, warmup: number, reps: number): { medianMs: number; minMs: number; reps: number } {
  for (let i = 0; i < warmup; i++) fn();
  const t: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    t.push(performance.now() - t0);
  }
  return { medianMs: median(t), minMs: Math.min(...t), reps };
}

export function writeJson(path: string, value: unknown): void {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, JSON.stringify(value, null, 2) + "\n");
}

export const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, "utf8")) as T;
