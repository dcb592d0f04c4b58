// Compiles one large model in a process of its own and prints, as JSON, what test/limits.test.ts
// checks of it. The compile is synchronous; in the test's own worker it blocked the event loop for
// 15–30 s, and on a busy 2-core machine past the 60 s after which the worker's pending call to
// vitest's runner times out (an unhandled error that fails the run). Run in a child process, the
// test awaits it and the worker stays responsive.
//
//   node --import tsx test/limits/compile-summary.ts MODEL.ts [--reference-step]
//
// --reference-step: also print the IR's relu lines and run the reference interpreter on the
// training step (batch 2, x and an MSE target), reporting whether its loss is finite.
import { generate, trainingPrograms } from "../../compiler/pipeline.ts";
import { printGraph } from "../../compiler/ir/print.ts";
import { initState } from "../../compiler/reference/init.ts";
import { runReference } from "../../compiler/reference/interpret.ts";
import { nd } from "../../compiler/reference/ndarray.ts";

const [file, flag] = process.argv.slice(2);
const compiled = generate(file, { target: "cpu" });
const graph = compiled.model.graph;
const summary: Record<string, unknown> = {
  params: graph.params.length,
  nodes: graph.nodes.length,
  kernels: compiled.plan.kernels.length,
  trainingUnavailable: compiled.generated.manifest.trainingUnavailable ?? null,
};
if (flag === "--reference-step") {
  summary.reluLines = printGraph(graph).split("\n").filter((l) => l.includes("relu")).length;
  const step = trainingPrograms(graph)!.step.graph;
  const x = nd([2, 4], [0.5, -0.5, 1, 2, 0.1, 0.2, -1, 3]);
  const run = runReference(step, { x, target: nd([2, 4], new Array(8).fill(0.1)) }, initState(graph), { training: true });
  summary.finiteLoss = Number.isFinite(run.loss);
}
process.stdout.write(`${JSON.stringify(summary)}\n`);
