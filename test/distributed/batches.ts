// The global batches of the DistributedDataParallel test, the same in every rank and in the
// single-process reference: step s draws its own samples (a reshuffled batch each step), and the
// sizes 11 and 13 divide by neither 2 nor 3 processes. With BatchNorm the batch is always 11: the
// sizes whose last rank's part splits over its devices as one process's chunks do (batchShard in
// runtime/distributed.ts) for every job of the test (13 over 2 processes × 2 devices does not).
import { normals, uniforms } from "../../compiler/reference/rng.ts";

export const STEPS = 5;
export const SIZES = [11, 13, 11, 13, 11];
export const BATCHNORM_SIZES = [11, 11, 11, 11, 11];

/** The sizes a model's batches have: BATCHNORM_SIZES for a model with BatchNorm (its directory's name says). */
export const sizesFor = (dir: string) => (/batchnorm/.test(dir) ? BATCHNORM_SIZES : SIZES);
const CLASSES = 5;

export function globalBatch(step: number, sample: readonly number[], sizes: readonly number[] = SIZES): { size: number; x: Float32Array; y: Int32Array } {
  const size = sizes[step];
  const per = sample.reduce((a, b) => a * b, 1);
  const x = Float32Array.from(normals(size * per, 500 + step, 1));
  const y = Int32Array.from(uniforms(size, 500 + step, 2), (u) => Math.floor(u * CLASSES));
  return { size, x, y };
}
