// trainStep's options on an untyped CompiledModel, type-checked by tsc with the rest of the project
// (test/typecheck.test.ts): the result follows the options (a loss, an Evaluation, undefined, a
// variable's union), and the combinations the step refuses at run time are tsc errors (types59 K:
// they type-checked). test/step-nowait.test.ts checks the run-time refusals.
import type { CompiledModel, Evaluation, Tensor, TrainStepOptions } from "tsdp";

export async function steps(m: CompiledModel, x: Tensor, y: Tensor, options: TrainStepOptions): Promise<void> {
  const loss: number = await m.trainStep(x, y, { lr: 0.1 });
  const hyper = { lr: 0.1, momentum: 0.9 };
  const fromVariable: number = m.trainStepSync(x, y, hyper);
  const withOutputs: Evaluation = await m.trainStep([x], y, { outputs: true });
  const issued: undefined = await m.trainStep(x, y, { waitForLoss: false, outputs: false });
  const unknown: number | Evaluation | undefined = m.trainStepSync(x, y, options);
  void [loss, fromVariable, withOutputs, issued, unknown];
  // @ts-expect-error a step that does not wait reads no outputs
  await m.trainStep(x, y, { waitForLoss: false, outputs: true });
  // @ts-expect-error nor checks its loss
  m.trainStepSync(x, y, { waitForLoss: false, detectNonFinite: true });
  // @ts-expect-error no such option
  m.trainStepSync(x, y, { lr: 0.1, learningRate: 0.1 });
}
