// Shared by the API and checkpoint cases: inputs of the MLP fixtures, and a model that is
// disposed whatever the case does.
import { load, tensor, type CompiledModel } from "../../../runtime/index.ts";

/** Inputs of the mlp-train / mlp-adam fixtures (x: [Batch, 8]) and their class labels (3 classes). */
export const x = (batch = 2, fill = 0.5) => tensor(new Float32Array(batch * 8).fill(fill), [batch, 8]);
export const y = (batch = 2) => tensor(Int32Array.from({ length: batch }, (_, i) => i % 3), [batch]);

/** Loads the fixture, runs `f`, and disposes the model whatever happens. */
export async function withModel<T>(dir: string, f: (m: CompiledModel) => Promise<T> | T): Promise<T> {
  const m = await load(dir);
  try {
    return await f(m);
  } finally {
    m.dispose();
  }
}
