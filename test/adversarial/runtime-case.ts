// The adversarial runtime corpus: each case does something a hostile or careless user could do
// to a compiled model, its directory, its checkpoints or the CLI, and says what must happen.
// Cases live in test/adversarial/runtime/*.cases.ts (one file per area); test/adversarial/
// runtime.test.ts runs them all in child processes, so a case that kills its process (a signal,
// an abort) is reported as a crash instead of taking the test runner down.

/** The compiled fixtures a case can ask for (built once per test run, CPU target). */
export type FixtureModel =
  /** A small MLP with a training declaration (SGD with momentum), input x: [Batch, 8], 3 classes. */
  | "mlp-train"
  /** The same MLP trained with Adam. */
  | "mlp-adam"
  /** A small CNN, forward only (no training declaration). */
  | "cnn-forward";

export interface CaseContext {
  /** A fresh copy of the fixture's compiled model directory, for this case alone (free to corrupt). */
  readonly dir: string;
  /** The model file the fixture was compiled from (a copy, free to edit). */
  readonly modelFile: string;
  /** A fresh empty temporary directory for this case. */
  readonly tmp: string;
  /** The repository root (for bin/tsdp.js and the like). */
  readonly root: string;
}

/** What must happen: the case completes, or it throws an error of this class (its `name`). */
export type Expectation =
  | "ok"
  | {
      /** The error's `name`: "ModelStateError", "BuildDirectoryError", "NativeError", "SafetensorsError", "TypeError", "RangeError", … */
      readonly error: string;
      /** The message must match this (say what is wrong and, where it applies, what to run). */
      readonly message?: RegExp;
    };

export interface RuntimeCase {
  /** Unique across the corpus; says what the case does. */
  readonly name: string;
  /** The issue-10 class it probes: 2 native crashes from the API, 3 build directory, 6 state after errors and leftovers, 7 CLI, 8 nothing to train. */
  readonly class: 2 | 3 | 6 | 7 | 8;
  readonly model: FixtureModel;
  readonly expect: Expectation;
  /** Seconds the case may take (default 60); past it the case counts as a hang. */
  readonly timeoutSeconds?: number;
  /** Resolves for "ok"; throws the expected error otherwise. Any check of its own throws an AssertionError-like Error. */
  run(ctx: CaseContext): Promise<unknown>;
}
