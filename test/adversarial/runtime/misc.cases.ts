import { tensor, load } from "../../../runtime/index.ts";
import type { RuntimeCase } from "../runtime-case.ts";

// Cases that are no one area's: the corpus's own sanity (a good model still works on its copy).

export const cases: RuntimeCase[] = [
  {
    name: "the fixture copy loads, runs forward and trains a step",
    class: 2,
    model: "mlp-train",
    expect: "ok",
    async run({ dir }) {
      const m = await load(dir);
      try {
        const out = m.forwardSync(tensor(new Float32Array(2 * 8), [2, 8]));
        if (Array.isArray(out) || out.shape.join() !== "2,3") throw new Error(`forward gave ${JSON.stringify(out)}`);
        const loss = m.trainStepSync(tensor(new Float32Array(2 * 8).fill(1), [2, 8]), tensor(new Int32Array([0, 2]), [2]));
        if (!Number.isFinite(loss)) throw new Error(`loss ${loss}`);
      } finally {
        m.dispose();
      }
    },
  },
  {
    name: "a forward with a label tensor where the image goes is a TypeError",
    class: 2,
    model: "cnn-forward",
    expect: { error: "TypeError", message: /float32/ },
    async run({ dir }) {
      const m = await load(dir);
      try {
        m.forwardSync(tensor(new Int32Array(64), [1, 1, 8, 8]));
      } finally {
        m.dispose();
      }
    },
  },
];
