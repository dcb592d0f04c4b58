import { load, tensor, type CompiledModel } from "../../runtime/index.ts";

// The library half of an override's verification (verify-overrides.ts), in a process of its own:
// a user's kernel is code tsdp did not write, and one that writes out of bounds or faults takes
// down the process that loaded it. Here that is this child; the compiler sees it end by a signal
// and refuses the override, naming the stage it reached, instead of dying itself.
//
// Protocol (IPC, structured clone): the parent sends one LibraryRequest; the child sends a
// { stage } message before each step (so a crash is placed) and one { result } or { error } at
// the end, then exits.

export interface HostTensor {
  readonly data: Float32Array | Int32Array;
  readonly shape: readonly number[];
}

export interface LibraryRequest {
  readonly dir: string;
  /** The reference's parameters, set into the library before anything runs. */
  readonly params: readonly (readonly [string, HostTensor])[];
  readonly inputs: readonly HostTensor[];
  /** The training step's target; absent for a model without one. */
  readonly target?: HostTensor;
  /** The gradients to read back after the step (parameter names). */
  readonly gradients: readonly string[];
}

export interface LibraryResult {
  /** Every output of the forward, in eval mode then in train mode. */
  readonly eval: readonly HostTensor[];
  readonly train: readonly HostTensor[];
  /** The step's loss and gradients, when the library trains and a target was given. */
  readonly loss?: number;
  readonly grads?: readonly (readonly [string, HostTensor])[];
}

export type ChildMessage = { readonly stage: string } | { readonly result: LibraryResult } | { readonly error: string };

const asFloats = (t: { data: ArrayLike<number | bigint>; shape: readonly number[] }): HostTensor => ({
  data: Float32Array.from(t.data as ArrayLike<number | bigint>, Number),
  shape: [...t.shape],
});

async function run(req: LibraryRequest, stage: (s: string) => void): Promise<LibraryResult> {
  stage("loading the library");
  let m: CompiledModel | undefined;
  try {
    m = await load(req.dir);
    stage("setting the parameters");
    for (const [name, value] of req.params) m.setParameter(name, { data: value.data as Float32Array, shape: value.shape });
    const inputs = req.inputs.map((x) => tensor(x.data, [...x.shape]));
    const forward = (training: boolean) => {
      stage(`the ${training ? "train" : "eval"}-mode forward`);
      m!.train(training);
      return m!.forwardAllSync(...inputs).map(asFloats);
    };
    const evalOut = forward(false);
    const trainOut = forward(true);
    if (!req.target || !m.manifest.training) return { eval: evalOut, train: trainOut };
    stage("a training step");
    const target = tensor(req.target.data, [...req.target.shape]);
    const loss = m.trainStepSync(inputs.length === 1 ? inputs[0] : inputs, target, { lr: 0 });
    stage("reading the gradients");
    const grads = req.gradients.map((name) => [name, asFloats(m!.getParameter(`${name}.grad`))] as const);
    return { eval: evalOut, train: trainOut, loss, grads };
  } finally {
    m?.dispose();
  }
}

process.once("message", (msg) => {
  // the last message's callback closes the channel, so that nothing sent is dropped
  const finish = (m: ChildMessage) => process.send!(m, undefined, {}, () => process.disconnect());
  run(msg as LibraryRequest, (s) => process.send!({ stage: s } satisfies ChildMessage))
    .then((result) => finish({ result }))
    .catch((e: unknown) => finish({ error: e instanceof Error ? e.message : String(e) }));
});
