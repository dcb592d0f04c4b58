// The float64 reference's results, kept on disk in the build cache (test/test-cache.ts) keyed by
// what determines them: the graph (as printed IR), the inputs, the state (parameters and buffers)
// and the run options. The forward and the shuffled CPU-target suites ask for the same train-mode
// references of the same models; whichever asks first computes them, the other reads them (or
// waits for them, when both run at once). A result holds the outputs and the buffers after the
// run (train mode updates running statistics), which are copied into `state` as the run would.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cachedEntry, cacheKey } from "../compiler/6-build/cache.ts";
import { tsdpFingerprint } from "../compiler/6-build/up-to-date.mjs";
import type { Graph } from "../compiler/ir/node.ts";
import { printGraph } from "../compiler/ir/print.ts";
import type { ModelState } from "../compiler/reference/init.ts";
import { runReferenceAsync, type RunOptions } from "../compiler/reference/interpret.ts";
import type { NDArray } from "../compiler/reference/ndarray.ts";
import { testCacheDir } from "./test-cache.ts";

interface Stored {
  readonly outputs: { shape: number[]; data: number[] }[];
  readonly buffers: [string, { shape: number[]; data: number[] }][];
}

const bytesOf = (a: NDArray) => new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength);
const plain = (a: NDArray) => ({ shape: [...a.shape], data: Array.from(a.data) });
const fromPlain = (a: { shape: number[]; data: number[] }): NDArray => ({ shape: a.shape, data: Float64Array.from(a.data) });

function keyOf(graph: Graph, inputs: Record<string, NDArray>, state: ModelState, opts: RunOptions): string {
  const parts: (string | Uint8Array)[] = ["reference", tsdpFingerprint(), printGraph(graph), JSON.stringify(opts)];
  for (const [name, a] of Object.entries(inputs).sort(([a], [b]) => a.localeCompare(b))) parts.push(name, JSON.stringify(a.shape), bytesOf(a));
  for (const map of [state.params, state.buffers]) for (const [name, a] of [...map].sort(([a], [b]) => a.localeCompare(b))) parts.push(name, JSON.stringify(a.shape), bytesOf(a));
  return cacheKey(...parts);
}

/** runReferenceAsync's outputs (and its effect on `state`'s buffers), computed once per content. */
export async function cachedReference(graph: Graph, inputs: Record<string, NDArray>, state: ModelState, opts: RunOptions = {}): Promise<NDArray[]> {
  const { value } = await cachedEntry(join(testCacheDir, "references"), keyOf(graph, inputs, state, opts), {
    read: (dir) => {
      try {
        return JSON.parse(readFileSync(join(dir, "result.json"), "utf8")) as Stored;
      } catch {
        return undefined;
      }
    },
    build: async (work) => {
      const run = await runReferenceAsync(graph, inputs, state, opts);
      const stored: Stored = { outputs: run.outputs.map(plain), buffers: [...state.buffers].map(([n, a]) => [n, plain(a)]) };
      writeFileSync(join(work, "result.json"), JSON.stringify(stored));
    },
  });
  for (const [name, a] of value.buffers) state.buffers.set(name, fromPlain(a));
  return value.outputs.map(fromPlain);
}
