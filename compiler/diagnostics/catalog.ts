// Every compile error tsdp can report, with a stable code. Codes never change meaning:
// tests, docs and users' searches rely on them. Group by the hundreds:
//   TSDP1xxx  the file and its syntax        TSDP2xxx  language features the compiler cannot evaluate
//   TSDP3xxx  layers, arguments, modules     TSDP4xxx  shapes and dtypes
//   TSDP5xxx  model selection and training   TSDP6xxx  code generation and the native build
//   TSDP9xxx  internal errors (a bug in tsdp)

export interface CatalogEntry {
  readonly code: string;
  readonly title: string;
  /** What to do about it, shown as `help:` under the code frame. */
  readonly help?: string;
}

function entry(code: string, title: string, help?: string): CatalogEntry {
  return { code, title, help };
}

export const catalog = {
  fileNotFound: entry("TSDP1001", "model file not found"),
  syntaxError: entry("TSDP1002", "TypeScript syntax error"),
  importNotSupported: entry(
    "TSDP1003",
    "import not supported",
    "a model file may import from 'tsdp/dsl' and from your own files by relative path",
  ),
  importNotFound: entry("TSDP1004", "imported file or name not found"),

  unsupportedSyntax: entry("TSDP2001", "unsupported syntax in model code"),
  topLevelCode: entry(
    "TSDP2002",
    "top-level code would run at compile time",
    "tsdp evaluates model files statically and never runs them; move this into a model's constructor or forward",
  ),
  nonConstant: entry("TSDP2003", "value is not a compile-time constant"),
  recursion: entry(
    "TSDP2004",
    "a value or class that depends on itself",
    "a top-level constant computed from itself, or a module whose construction creates itself without end; a recursion of functions that does not stop is TSDP2014",
  ),
  undefinedName: entry("TSDP2005", "name is not defined"),
  tensorOperator: entry(
    "TSDP2006",
    "operator on a tensor",
    "TypeScript has no operator overloading: write x.add(y), x.sub(y), x.mul(y), x.div(y), x.matmul(y), x.pow(y); comparisons x.eq(y), x.ne(y), x.gt(y), x.ge(y), x.lt(y), x.le(y) (a branch on a tensor's values depends on data: F.where(cond, a, b) computes both)",
  ),
  dataDependentControlFlow: entry(
    "TSDP2007",
    "control flow depends on tensor data or the train/eval mode",
    // shared by the data-dependent conditions and the train/eval join: true of both (a bare "must be
    // compile-time constants" told a user whose `if (this.training)` was refused for its results that
    // the branch itself was the problem)
    "branch conditions and loop bounds must be known when compiling: numbers, sizes after the batch dim, and this.training in forward (where both modes give results of one shape and dtype)",
  ),
  loopTooLong: entry("TSDP2008", "loop runs too many iterations"),
  assignToConst: entry("TSDP2009", "assignment to a constant"),
  notCallable: entry("TSDP2010", "value is not callable"),
  unknownProperty: entry("TSDP2011", "unknown property"),
  moduleLevelMutable: entry(
    "TSDP2012",
    "module-level variables must be const",
    "a `let` or `var` at the top of a model file could change while the model runs; declare it `const`",
  ),
  evaluationBudget: entry(
    "TSDP2013",
    "compile-time evaluation budget exceeded",
    "the model's loops and calls take too many steps to evaluate; raise the limit with --max-eval-steps N (or TSDP_MAX_EVAL_STEPS) if the model really is that large",
  ),
  nestingTooDeep: entry(
    "TSDP2014",
    "nesting too deep",
    "expressions, calls and modules nest deeper than the compiler follows; raise the limit with --max-depth N (or TSDP_MAX_DEPTH)",
  ),
  arrayTooLarge: entry(
    "TSDP2015",
    "array too large",
    "compile-time arrays are for lists of layers and sizes; raise the limit with --max-array N (or TSDP_MAX_ARRAY)",
  ),
  graphTooLarge: entry(
    "TSDP2016",
    "model has too many ops",
    "raise the limit with --max-ops N (or TSDP_MAX_OPS) if the model really is that large",
  ),
  inPlaceAlias: entry(
    "TSDP2018",
    "in-place change tsdp's tensors cannot follow",
    "tsdp's tensors are values: an in-place method (x.add_(y)) rebinds the tensor it is called on, and cannot reach model state or other tensors over the same memory; write the out-of-place form and use its result",
  ),
  higherDerivative: entry(
    "TSDP2025",
    "a derivative of a gradient taken in forward is not implemented",
    "F.autograd.grad with createGraph: true puts a gradient on the loss's path, and the step's backward differentiates it again, which needs the next derivative of each op on the way; take that gradient with createGraph: false (a value), or write the derivative with ops in forward",
  ),
  modelThrew: entry(
    "TSDP2017",
    "the model's code threw an error",
    "a throw statement ran while the compiler evaluated the model (a constructor's argument check): its message says what the model rejected",
  ),

  unknownLayer: entry("TSDP3001", "unknown layer or function"),
  wrongArgumentCount: entry("TSDP3002", "wrong number of arguments"),
  wrongArgumentType: entry("TSDP3003", "wrong argument type"),
  invalidArgument: entry("TSDP3004", "invalid argument value"),
  moduleOutsideConstructor: entry(
    "TSDP3005",
    "module created outside the constructor",
    "create layers as class fields or in the constructor, as in PyTorch's __init__, so their parameters are registered",
  ),
  noForward: entry("TSDP3006", "module has no forward method"),
  moduleNotInModel: entry("TSDP3007", "module is not part of the model"),
  badName: entry(
    "TSDP3008",
    "name not usable for a layer or parameter",
    "layer and parameter names must be identifiers (letters, digits, _; not starting with a digit), as PyTorch's state_dict keys are",
  ),

  shapeMismatch: entry("TSDP4001", "shape mismatch"),
  dtypeMismatch: entry("TSDP4002", "dtype mismatch"),
  missingInputShape: entry(
    "TSDP4003",
    "an input or a loss target has no shape",
    "annotate the tensor with its shape: a model's input `forward(x: Tensor<[Batch, 1, 28, 28]>)`, a loss's target `(out, y: Tensor<[Batch], \"int32\">) => …`",
  ),
  badInputShape: entry("TSDP4004", "invalid input shape"),
  badOutput: entry("TSDP4005", "forward must return a tensor or an array of tensors"),
  tensorTooLarge: entry("TSDP4006", "tensor too large", "a tensor may hold at most 2^31 − 1 elements per sample (and a dimension at most 2^31 − 1)"),
  computedStateTooLarge: entry(
    "TSDP4007",
    "computed initial values too large",
    "a parameter or buffer computed in a constructor has its values written into model.cu; compute a large constant in forward instead, where it folds into the kernels",
  ),

  noModel: entry("TSDP5001", "no model found", "a model is an exported class that extends nn.Module"),
  ambiguousModel: entry("TSDP5002", "several models in one file", "pick one with --model <ClassName>"),
  unknownModel: entry("TSDP5003", "model not found"),
  badTraining: entry("TSDP5004", "invalid training declaration"),
  nothingToTrain: entry(
    "TSDP5005",
    "nothing to train",
    "an optimizer needs parameters that the loss reaches through differentiable ops (PyTorch refuses an empty parameter list, and backward() of a loss that requires no grad); remove the training declaration, or add a layer with parameters and compute the loss from it",
  ),
  lossOfNoKind: entry(
    "TSDP5006",
    "a loss that is neither a mean nor a sum over the batch",
    "on several devices each replica's loss and gradient are weighted by its share of the batch, as DistributedDataParallel averages them, which is not the whole batch's loss (one device is exact); a mean of per-sample terms, or a sum, trains alike on any number of devices",
  ),
  batchCoupledForward: entry(
    "TSDP5007",
    "a forward value that depends on other samples of the batch",
    "the model language has no all_reduce or all_gather (torch.distributed, SyncBatchNorm's statistics), so the whole batch's value takes one device (load without devices); a value meant per sample reduces over the sample's own dims and keeps dim 0 (x.mean([1, 2], true), not x.mean()); nn.BatchNorm's batch statistics and in-batch pair matrices are per device by design (README: Data parallelism)",
  ),

  noKernel: entry("TSDP6001", "no kernel for this op yet", "the reference interpreter runs it; code generation for it is not written yet"),
  toolMissing: entry("TSDP6002", "compiler toolchain not found"),
  buildFailed: entry("TSDP6003", "the generated code failed to build"),
  gridTooLarge: entry(
    "TSDP6005",
    "a kernel needs more blocks than CUDA's grid allows",
    "CUDA allows at most 65,535 blocks in a grid's y and z dimensions; split the layer (e.g. two nn.Linear of half the features each) or make it smaller",
  ),
  unusableBuild: entry(
    "TSDP6004",
    "the compiled model directory cannot answer this",
    "compile this model into it with tsdp compile --target cuda --out <dir>, or measure with --arch instead",
  ),
  outputDirTaken: entry(
    "TSDP6007",
    "the output directory holds a file of yours that the build would replace",
    "compile into a directory of its own (--out build/<model>): a build writes model.cu, model.h, index.js, index.d.ts, build.json and its library there, and its index.js is an ES module (a package.json in that directory must say \"type\": \"module\")",
  ),
  precisionNeedsArch: entry(
    "TSDP6008",
    "this precision needs a newer GPU architecture",
    "--precision tf32 and bf16 run their GEMMs on tensor cores through mma.sync and cp.async, which need sm_80 (Ampere) or newer: drop the older architectures from --arch, or build them with --precision fp32",
  ),
  largeGeneratedCode: entry(
    "TSDP6009",
    "the generated code is large: its build will take long",
    "g++ and nvcc take minutes and gigabytes for tens of megabytes of source; an unrolled loop is the usual cause (an RNN over many time steps: each step's kernels are code of their own) — fewer steps per model (truncated backpropagation through time, a chunk at a time) builds in proportion",
  ),
  unusableCounters: entry(
    "TSDP6006",
    "the counters file does not fit this model",
    "measure the counters again on this model's CPU-target build with the GPU's kernel shapes (--shape-for gpu), at the batch of the estimate",
  ),

  // The tuning file (model.tune.json, issue 18): TSDP61xx.
  badTuningFile: entry("TSDP6101", "the tuning file cannot be used", 'a tuning file is {"kernels": {"<kernel>": {"<knob>": value}}}; tsdp inspect --kernel <name> lists a kernel\'s knobs'),
  illegalKnob: entry("TSDP6102", "illegal value for a kernel's knob", "tsdp inspect <model.ts> --kernel <name> lists each knob with its legal values"),
  unknownKnob: entry("TSDP6103", "this kernel has no such knob", "tsdp inspect <model.ts> --kernel <name> lists the kernel's knobs"),
  staleTuning: entry(
    "TSDP6104",
    "a tuning entry names no kernel of this model",
    "kernel names are the layer's module path and its fused ops (tsdp inspect lists them); after renaming a layer or changing what fuses, rename or delete the entry",
  ),
  // User kernel overrides (tsdp eject, kernels/NAME.cu; compiler/6-build/overrides.ts).
  unknownKernel: entry("TSDP7101", "no kernel of that name", "tsdp inspect lists the kernels; eject takes a name as model.cu's kernel sections write it"),
  overrideExists: entry("TSDP7102", "the kernel was ejected already", "edit the file you have, or remove it (your changes with it) to eject the generated kernel again"),
  overrideHeader: entry("TSDP7103", "a file in kernels/ is not an ejected kernel as tsdp eject wrote it"),
  staleOverride: entry(
    "TSDP7104",
    "a kernel override no longer fits the model",
    "the model changed what this kernel is called with; eject the kernel again (move the file away first) and carry your changes over, or remove the file to use the generated kernel",
  ),
  overrideBuildFailed: entry("TSDP7105", "a kernel override does not compile"),
  overrideRefused: entry(
    "TSDP7106",
    "a kernel override gives wrong results",
    "the library with your kernel disagrees with the float64 reference beyond fp32's tolerance, so it was not installed (the previous build is untouched); fix the kernel, or remove the file to use the generated one",
  ),

  overrideCrashed: entry(
    "TSDP7107",
    "a kernel override stops the library",
    "the library with your kernel was checked in a process of its own, which it ended (a fault, an error, or no end), so it was not installed (the previous build is untouched); reading or writing out of bounds is the usual cause: after a fault the check is run again with AddressSanitizer (tsdp compile --memcheck), whose account of the access is shown",
  ),
  kernelsNotDirectory: entry(
    "TSDP7108",
    "the kernels directory is a file",
    "tsdp eject writes kernels/NAME.cu next to the model; rename the file named kernels, or eject into another directory with --out <dir> (and compile with --kernels <dir>)",
  ),

  internal: entry("TSDP9001", "internal compiler error", "this is a bug in tsdp; please report it with the model file"),
  // Autodiff (2-autodiff) is reached only through a training declaration the frontend checked
  // (a scalar loss that some parameter reaches), so each of these is a bug in tsdp, not in the model.
  autodiffNoLoss: entry("TSDP9002", "autodiff: nothing to differentiate", "this is a bug in tsdp; please report it with the model file"),
  autodiffNoGradient: entry("TSDP9003", "autodiff: an op the loss depends on has no gradient rule", "this is a bug in tsdp; please report it with the model file"),
  autodiffWrongRule: entry("TSDP9004", "autodiff: a gradient rule built a wrong gradient", "this is a bug in tsdp (in the op's gradient rule, compiler/ops); please report it with the model file"),
} as const satisfies Record<string, CatalogEntry>;

export type DiagnosticKind = keyof typeof catalog;
