// What the DistributedDataParallel tests compare a job with (test/distributed.test.ts under mpirun,
// test/distributed-rdzv.test.ts under a torchrun-style launch): one process on the whole batches,
// and the tolerance of the comparison (the tests' headers say why it is what it is).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { load, readSafetensorsFile, tensor } from "../../runtime/index.ts";
import { globalBatch, sizesFor, STEPS } from "./batches.ts";

/** The state one process reaches on the whole batches, as a checkpoint's tensors. */
export async function reference(dir: string, devices: number, work: string) {
  const m = await load(dir, { devices });
  const sample = m.inputs[0].shape.slice(1) as number[];
  const losses: number[] = [];
  for (let s = 0; s < STEPS; s++) {
    const b = globalBatch(s, sample, sizesFor(dir));
    losses.push(m.trainStepSync(tensor(b.x, [b.size, ...sample]), tensor(b.y, [b.size])));
  }
  const file = join(work, `reference-${dir.split("/").pop()}-${devices}.safetensors`);
  await m.saveCheckpoint(file);
  m.dispose();
  return { tensors: (await readSafetensorsFile(file)).tensors, losses };
}

export const largest = (a: ArrayLike<number | bigint>) => Array.from(a, (v) => Math.abs(Number(v))).reduce((m, v) => Math.max(m, v), 0);

export function expectClose(got: ArrayLike<number | bigint>, want: ArrayLike<number | bigint>, what: string, scale = largest(want)) {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const g = Number(got[i]);
    const w = Number(want[i]);
    if (!(Math.abs(g - w) <= 1e-6 * scale + 1e-5 * Math.abs(w))) expect.fail(`${what}[${i}]: ${g}, expected ${w} (rtol 1e-5, atol ${(1e-6 * scale).toExponential(2)})`);
  }
}

/**
 * A job's results in `out` (test/distributed/worker.ts wrote them) against one process's: the
 * losses of the runs that started at each of `starts`, rank 0's tensors within the tolerance, and
 * every other rank's tensors equal to rank 0's (DDP's invariant: every rank applies the same summed
 * gradient, so every rank holds the same state).
 */
export async function expectJobEqualsReference(out: string, name: string, starts: readonly number[], nproc: number, want: Awaited<ReturnType<typeof reference>>, job: string) {
  const losses = starts.flatMap((from) => JSON.parse(readFileSync(join(out, `${name}-losses-${from}.json`), "utf8")) as number[]);
  expectClose(losses, want.losses, `${job}: losses`);
  const rank0 = (await readSafetensorsFile(join(out, `${name}-rank0.safetensors`))).tensors;
  expect([...rank0.keys()].sort(), job).toEqual([...want.tensors.keys()].sort());
  const kind = (n: string) => n.startsWith("optimizer.");
  const scales = [false, true].map((optimizer) => Math.max(...[...want.tensors].filter(([n]) => n !== "optimizer.step" && kind(n) === optimizer).map(([, t]) => largest(t.data as Float32Array))));
  for (const [tensorName, t] of want.tensors) expectClose(rank0.get(tensorName)!.data as Float32Array, t.data as Float32Array, `${job}: ${tensorName}`, scales[Number(kind(tensorName))]);
  for (let rank = 1; rank < nproc; rank++) {
    const other = (await readSafetensorsFile(join(out, `${name}-rank${rank}.safetensors`))).tensors;
    for (const [tensorName, t] of rank0) expect(Array.from(other.get(tensorName)!.data as Float32Array), `${job}: rank ${rank}'s ${tensorName}`).toEqual(Array.from(t.data as Float32Array));
  }
}
