// The CPU target runs the generated CUDA through the shim and must agree with the reference
// interpreter, for every example and a model that uses every op, at batch sizes 1, 7 and 64,
// in eval and in train mode (dropout masks and BatchNorm statistics included).
// Tolerance: rtol 1e-4, atol 1e-5 (fp32 kernels against float64). The float64 references are
// computed once for both thread orders and kept on disk by content (test/reference-cache.ts).
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { load } from "../runtime/index.ts";
import { compileForTestTarget, expectClose, makeInputs, referenceState } from "./target-helpers.ts";
import { cachedReference } from "./reference-cache.ts";
import { yieldToRunner } from "./helpers.ts";

const models = [
  ...readdirSync("examples").map((d) => join("examples", d, "model.ts")),
  "test/fixtures/all-ops/model.ts",
  "test/fixtures/attention/model.ts",
  "test/fixtures/ports/nanogpt.ts",
  "test/fixtures/ports/vit.ts",
  "test/fixtures/ports/dcgan-generator.ts",
  "test/fixtures/ports/dcgan-discriminator.ts",
  "test/fixtures/ports/bert.ts",
  "test/fixtures/ports/transformer-lm.ts",
];

/**
 * The suite, for one thread order of the shim (forward, or shuffled between barriers so that a
 * missing __syncthreads shows up as a wrong result). The shim reads TSDP_SHIM_ORDER at a
 * library's first launch, and every order builds into its own directory, so each order runs
 * its own copy of the library.
 */
export function cpuTargetSuite(order: "forward" | "shuffle"): void {
  describe(`CPU target equals the reference (thread order: ${order})`, () => {
  process.env.TSDP_SHIM_ORDER = order;
  for (const file of models)
    it(file, async () => {
      // a model.ts is named by its folder; the ports (test/fixtures/ports/*.ts) by their file
      const name = file.endsWith("/model.ts") ? file.split("/").at(-2)! : file.split("/").at(-1)!.replace(/\.ts$/, "");
      const { model, build } = await compileForTestTarget(file, join("build", "test-cpu", order, name));
      const m = await load(build.outDir);
      try {
        const graph = model.graph;
        const state = referenceState(graph, 0);
        // each train-mode call draws fresh dropout masks: counter (i, step 0, draw), draw = train-mode calls before it
        let draw = 0;
        for (const batch of [1, 7, 64]) {
          // the shuffled order checks barriers; train mode runs every kernel the eval mode does
          for (const training of order === "shuffle" ? [true] : [false, true]) {
            await yieldToRunner();
            m.train(training);
            const { tensors, reference } = makeInputs(graph, batch, batch);
            // a BatchNorm1d of [N, C] in train mode refuses one sample, as PyTorch does (test/batch-share.test.ts)
            if (training && batch < (m.manifest.minSamplesPerDevice?.training ?? 1)) {
              expect(() => m.forwardAllSync(...tensors)).toThrow(/expected more than 1 value per channel when training/);
              continue;
            }
            const got = m.forwardAllSync(...tensors);
            // the library's step counter is 0 for forward, as the reference's default
            await yieldToRunner();
            const want = await cachedReference(graph, reference, state, training ? { training, draw: draw++ } : { training });
            want.forEach((w, i) => expectClose(got[i].data, w.data, `${file} output ${i}, batch ${batch}, ${training ? "train" : "eval"}`));
          }
        }
        for (const [name, value] of order === "shuffle" ? [] : state.buffers) {
          const got = m.getParameter(name);
          expectClose(Array.from(got.data as ArrayLike<number | bigint>, Number), value.data, `${file} buffer ${name} after the train-mode steps`);
        }
      } finally {
        m.dispose();
      }
    }, 900_000);
});
}
