import type { SourceLoc } from "../diagnostics/diagnostic.ts";
import type { BatchDim, Shape } from "./shape.ts";

export type DType = "f32" | "i32" | "i64";

/**
 * Attributes are plain data (numbers, strings, booleans, dims, arrays and records of them),
 * so nodes print, compare and serialize; each op's definition types its own.
 */
export type AttrValue = number | string | boolean | null | undefined | BatchDim | readonly AttrValue[] | { readonly [k: string]: AttrValue };
export type Attrs = { readonly [k: string]: any };

/**
 * The one IR node type. A graph is a list of nodes in topological order; a node refers to its
 * inputs directly. Everything an op needs beyond its inputs is in `attrs`; what the op means is
 * defined once, in compiler/ops/.
 */
export interface Node {
  readonly id: number;
  readonly op: string;
  readonly inputs: readonly Node[];
  readonly attrs: Attrs;
  readonly shape: Shape;
  readonly dtype: DType;
  /** Where in the TypeScript the node came from. */
  readonly loc: SourceLoc;
  /** The module path that produced it ("" for the root, "layer1.0.conv1"), for names and reports. */
  readonly scope: string;
}

/** How a parameter or buffer is initialized; PyTorch's defaults for each layer. */
// `stream` (uniform and normal): the state_dict name whose random stream it draws from, where it is
// not its own — a clone of another state's constructor draw (VQ-VAE's embed_avg = embed.clone()),
// which therefore holds the same numbers.
export type Init =
  | { readonly kind: "uniform"; readonly bound: number; readonly center?: number; readonly stream?: string } // U(center − bound, center + bound)
  // truncated: nn.init.trunc_normal_'s bounds in std units [α, β], drawn by the inverse CDF as PyTorch
  // draws it (a uniform u between Φ(α) and Φ(β), then Φ⁻¹(u)), where they cut the draws' range
  | { readonly kind: "normal"; readonly std: number; readonly mean?: number; readonly zeroRow?: number; readonly stream?: string; readonly truncated?: readonly [number, number] }
  | { readonly kind: "constant"; readonly value: number }
  // nn.init.orthogonal_: gain·Q of normal draws (reference/orthogonal.ts), rows the first dim
  | { readonly kind: "orthogonal"; readonly gain: number }
  // nn.init.sparse_ of a matrix: N(0, std²) draws, then in each column `zeros` rows set to 0 — the rows
  // whose keys (a third Philox word of the same counters as the normals) are smallest, ties by row,
  // a random choice of rows per column as PyTorch's randperm makes one
  | { readonly kind: "sparse"; readonly std: number; readonly zeros: number }
  // computed in a constructor (compiler/1-frontend/constructor-tensors.ts): the values themselves
  | { readonly kind: "values"; readonly values: Float32Array }
  // weight norm's g (compiler/1-frontend/weight-norm.ts): the 2-norms of its sibling v's slices along
  // one dim (element i of v is in slice ⌊i / inner⌋ mod numel(g)), v drawing `of` from its own stream —
  // so g is recomputed from v's draw, in float32 as v is held, and the weight g·v/‖v‖ starts as the
  // draw itself, as PyTorch's weight_norm leaves it. `sibling` is v's name in the same module (the
  // last component of its state_dict name).
  | { readonly kind: "sliceNorm"; readonly of: DrawnInit; readonly sibling: string; readonly siblingShape: readonly number[]; readonly inner: number }
  // set part by part in a constructor (an LSTM's forget-gate bias filled with 1, BigGAN's
  // conditional-BN table: one half N(1, 0.02), the other zeros; compiler/1-frontend/parameter-regions.ts):
  // `base` everywhere, then each patch over its box of elements, in order. A patch's draw takes its
  // own stream ("<name>#<k>", k its place in the list), element j of the box its j-th draw.
  | { readonly kind: "parts"; readonly base: WholeInit; readonly patches: readonly InitPatch[] };

/** An initializer of the whole tensor (what "parts" starts from). */
export type WholeInit = Exclude<Init, { kind: "parts" | "sliceNorm" }>;

/** The elements a patch covers: offset + Σ i_k·strides[k] for i_k < sizes[k] (a slice of a row-major tensor). */
export interface InitBox {
  readonly offset: number;
  readonly sizes: readonly number[];
  readonly strides: readonly number[];
}

/** One part of a "parts" initializer: its box, and a constant, a draw or the values written there. */
export interface InitPatch {
  readonly box: InitBox;
  // orthogonal: gain·Q of the box's own normal draws, the box a matrix of sizes[0] rows (a GRU's or LSTM's
  // weight_hh gate by gate, SampleRNN's concat_init)
  readonly init: Extract<Init, { kind: "constant" | "values" }> | { readonly kind: "uniform"; readonly bound: number; readonly center?: number } | { readonly kind: "normal"; readonly std: number; readonly mean?: number } | { readonly kind: "orthogonal"; readonly gain: number };
}

/** The initializers that draw from a tensor's stream. */
export type DrawnInit = Extract<Init, { kind: "uniform" | "normal" | "orthogonal" }>;

/**
 * A training declaration's loss. A classification loss whose mean is over its targets rather than
 * its rows — cross-entropy's ignore_index (the targets not equal to it) or class weights (Σ w[y] of
 * the targets) — names them, so that the step weights each replica's loss by its targets' share
 * (counted or summed from the host's targets) rather than its rows': ignoreIndex, classWeights,
 * and lossOp, the cross_entropy / nll_loss op under that mean.
 */
export interface Loss {
  /** The target input; absent when the loss is a function of the output alone (a DDPM's noise MSE). */
  readonly target?: Node;
  readonly value: Node;
  readonly ignoreIndex?: number;
  readonly classWeights?: readonly number[];
  readonly lossOp?: Node;
  /**
   * The elements of one sample's declared target the loss reads, in its order, where it derives the
   * target it counts by rearranging and selecting within each sample (Hugging Face's labels[..., 1:]
   * of [Batch, T] reads 1 … T − 1): the harness counts y[sample · per sample + offset] for each.
   * Absent when it reads every element once (the declared target, reshaped or permuted).
   */
  readonly targetOffsets?: readonly number[];
  /**
   * Where the loss computes the targets it counts from the declared one in another way (a
   * maskedFill, arithmetic, labels of its own: `masked_fill at lm.ts:12:23`): the host cannot count
   * them, so only one replica's weighting is right (its weight is 1 whatever the count).
   */
  readonly targetDerivedAt?: string;
}

export interface Graph {
  readonly name: string;
  /** Every node, topologically ordered. */
  readonly nodes: readonly Node[];
  /** `input` nodes in forward's parameter order. */
  readonly inputs: readonly Node[];
  /** `param` nodes (trainable) in PyTorch's registration order. */
  readonly params: readonly Node[];
  /** `buffer` nodes (running statistics) in registration order. */
  readonly buffers: readonly Node[];
  /** forward's results. */
  readonly outputs: readonly Node[];
  /**
   * When forward returns an object of tensors (Hugging Face's `{ logits, hidden }`): its keys, in
   * order, one per output — the outputs' names, and the runtime's forward gives an object of them.
   */
  readonly outputNames?: readonly string[];
  /** The loss of the training declaration, fed by `outputs` and the `target` input. */
  readonly loss?: Loss;
  readonly optimizer?: OptimizerSpec;
  /**
   * Buffers forward changes (a running statistic of its own, `this.buf.mul_(m).add_(…)` or
   * `this.buf = …` in forward): each one's value at the end of forward, which every program
   * copies into the buffer after its kernels, as PyTorch's next call reads the changed buffer.
   */
  readonly stateUpdates?: readonly StateUpdate[];
  /**
   * Why PyTorch would refuse this model in train mode, whatever the batch (an InstanceNorm with
   * running statistics over one spatial element): the runtime refuses a call in train mode with it,
   * while eval mode, which PyTorch allows, runs.
   */
  readonly trainingRefusals?: readonly string[];
  /** Modules an overridden train(mode) holds in one mode whatever the model's (norm_eval's BatchNorms: "eval"), by path. */
  readonly heldModes?: Readonly<Record<string, "eval" | "train">>;
  /**
   * Batch statistics over one value per sample and channel that no op's batchStatistics trait
   * shows (F.batch_norm's composition): as a BatchNorm1d of [N, C], the runtime refuses a device's
   * share of one sample — in the modes that run it: training where `inTraining`, eval where `inEval`.
   */
  readonly perSampleBatchStatistics?: readonly { readonly inTraining: boolean; readonly inEval: boolean }[];
  /**
   * Batch statistics a composition takes by design (F.batchNorm's batch mean and variance): each
   * device's share's, as nn.BatchNorm's inside its op, so not a coupling to warn of (ir/batch-coupling.ts).
   */
  readonly perReplicaStatistics?: readonly Node[];
  /**
   * Gradients F.autograd.grad takes in forward, and where it is called: their nodes carry the
   * source lines of the ops they differentiate, so a warning about one names the call instead.
   */
  readonly gradientsInForward?: readonly { readonly gradient: Node; readonly at: SourceLoc }[];
  /**
   * PyTorch's state_dict() keys in its order (1-frontend/module-tree.ts stateDictKeys): every
   * param and buffer under its own name, and again under each other path that reaches it (a tied
   * weight, a module held in two fields). Absent: params, then buffers, each under its own name.
   */
  readonly stateDict?: readonly StateDictKey[];
}

/**
 * One key of PyTorch's state_dict() and the tensor it names (a tied weight has several keys), or
 * an integer buffer tsdp computes as a constant (Swin's relative_position_index): PyTorch saves it,
 * tsdp holds no state for it, so a PyTorch file's value is checked for its shape and skipped.
 */
export type StateDictKey =
  | {
      /** "lm_head.weight" */
      readonly key: string;
      /** The param's or buffer's own name (`attrs.name`), as named_parameters() gives it: "transformer.wte.weight". */
      readonly tensor: string;
    }
  | {
      readonly key: string;
      readonly constant: readonly number[];
      /** SHA-256 of its values as little-endian int64s: a file's table must hold the same. */
      readonly sha256: string;
      /** The values, for stateDict() and checkpoints to export; absent past MAX_EXPORTED_TABLE. */
      readonly values?: readonly number[];
    };

/**
 * The most values of an integer table the manifest carries for export (a Swin-V2 window of 24 has
 * 331,776): a larger one is checked by its digest when loaded but not exported.
 */
export const MAX_EXPORTED_TABLE = 1 << 20;

/** A buffer forward changed, and its value at forward's end. */
export interface StateUpdate {
  readonly buffer: Node;
  readonly value: Node;
}

/** The values of a graph's state updates: what every program must compute and keep to its end. */
export const stateValues = (g: Graph): Node[] => (g.stateUpdates ?? []).map((u) => u.value);

/**
 * A parameter group (PyTorch's optimizer param_groups): the trained parameters it holds, by
 * state_dict name, and its weight decay (absent: the optimizer's, which a step may change).
 */
export interface ParamGroup {
  readonly params: readonly string[];
  readonly weightDecay?: number;
  /** Its own learning rate: a step's lr scales it by step lr / the optimizer's declared lr, as a PyTorch schedule scales every group's. */
  readonly lr?: number;
  /**
   * Its own settings of the optimizer's other per-group hyperparameters (PyTorch's param_groups
   * keys: SGD's momentum, dampening, nesterov; Adam's family's betas and eps; RMSprop's alpha, eps,
   * momentum; Adagrad's eps; Adadelta's rho, held as alpha), absent: the optimizer's. A step's
   * option sets them for the groups without their own, as weightDecay; momentum and β₁ excepted,
   * which a step that gives them sets for every group, as a OneCycleLR or CyclicLR writes every
   * param_group's (groupHyperparameters).
   */
  readonly momentum?: number;
  readonly dampening?: number;
  readonly nesterov?: boolean;
  readonly beta1?: number;
  readonly beta2?: number;
  readonly eps?: number;
  readonly alpha?: number;
  /**
   * A group tsdp made, not the model's (listed in no manifest): the parameters the loss does not
   * reach, which the update leaves as they are (lr and weight decay 0), as PyTorch's optimizers
   * skip a parameter whose .grad is None; and, beside it, the rest when the model declared no groups.
   */
  readonly internal?: true;
  /** The internal group of parameters the loss does not reach, and of those in no declared group (PyTorch's optimizer does not hold them): the update skips them, their state too. */
  readonly skipped?: true;
}

/** The hyperparameters a param group may set for itself, besides lr and weightDecay: the harness's per-group table holds them in this order. */
export const GROUP_HYPERPARAMETERS = ["momentum", "dampening", "beta1", "beta2", "eps", "alpha", "nesterov"] as const;
export type GroupHyperparameter = (typeof GROUP_HYPERPARAMETERS)[number];

/** A group's lr over the optimizer's declared one (1 without its own): what the step's lr is multiplied by for its parameters. */
export const groupLrScale = (spec: { readonly lr: number }, group: ParamGroup): number => (group.lr === undefined ? 1 : group.lr === 0 ? 0 : group.lr / spec.lr);

/**
 * The optimizer and its hyperparameters; clipGradNorm (the Training declaration's: PyTorch's
 * clip_grad_norm_ max_norm before each step), its norm type (absent: 2; "inf": the largest |g|)
 * and clipGradValue (clip_grad_value_'s clip_value) are with them, since the step applies them.
 */
/**
 * PyTorch's switches that change an optimizer's update, present only when not at their default:
 * maximize (every optimizer: the gradient negated before the rule, an ascent), Adam/AdamW's
 * amsgrad (the largest second moment so far in the denominator: state max_exp_avg_sq), RMSprop's
 * centered (the second moment less the squared average gradient: state grad_avg), NAdam/RAdam's
 * decoupledWeightDecay (AdamW's p ← p(1 − ηλ) instead of g + λp), Adagrad's lrDecay (η/(1 + (t − 1)·d))
 * and initialAccumulatorValue (the sum's start).
 */
export interface OptimizerVariant {
  readonly maximize?: true;
  readonly amsgrad?: true;
  readonly centered?: true;
  readonly decoupledWeightDecay?: true;
  readonly lrDecay?: number;
  readonly initialAccumulatorValue?: number;
}

/** Whether the update keeps a third state per parameter (amsgrad's max_exp_avg_sq, centered's grad_avg). */
export const hasThirdState = (spec: OptimizerVariant): boolean => spec.amsgrad === true || spec.centered === true;

/** Gradient clipping, declared with the optimizer: clip_grad_norm_'s max_norm and norm_type (absent: 2), or clip_grad_value_'s clip_value. */
export interface GradientClipping {
  readonly clipGradNorm?: number;
  /** clip_grad_norm_'s norm_type p when not 2: a finite p > 0 (‖g‖ₚ = (Σ|g|ᵖ)^(1/p)) or "inf" (max |g|; JSON has no Infinity). */
  readonly clipGradNormType?: number | "inf";
  readonly clipGradValue?: number;
}

export type OptimizerSpec = ({ readonly groups?: readonly ParamGroup[] } & GradientClipping & OptimizerVariant & (
  | {
      readonly kind: "SGD";
      readonly lr: number;
      readonly momentum: number;
      readonly dampening: number;
      readonly weightDecay: number;
      readonly nesterov: boolean;
    }
  | {
      // Adamax: the same hyperparameters, an infinity norm for the second moment; RAdam: Adam's
      // moments with the variance rectification (and plain momentum while it is undefined)
      readonly kind: "Adam" | "AdamW" | "Adamax" | "RAdam";
      readonly lr: number;
      readonly beta1: number;
      readonly beta2: number;
      readonly eps: number;
      readonly weightDecay: number;
    }
  | {
      // Adadelta: rho is held as alpha, the running averages' smoothing constant (RMSprop's name for it)
      readonly kind: "Adadelta";
      readonly lr: number;
      readonly alpha: number;
      readonly eps: number;
      readonly weightDecay: number;
    }
  | {
      // Adagrad: the sum of squared gradients (lr_decay and initial_accumulator_value at PyTorch's 0)
      readonly kind: "Adagrad";
      readonly lr: number;
      readonly eps: number;
      readonly weightDecay: number;
    }
  | {
      // NAdam: Adam with Nesterov momentum, the momentum's schedule μ_t = β₁(1 − ½·0.96^(t·ψ));
      // ψ (momentum_decay) is held as `momentum`, which a step's momentumDecay sets
      readonly kind: "NAdam";
      readonly lr: number;
      readonly beta1: number;
      readonly beta2: number;
      readonly eps: number;
      readonly weightDecay: number;
      readonly momentum: number;
    }
  | {
      readonly kind: "RMSprop";
      readonly lr: number;
      /** the smoothing constant of the squared gradients' average */
      readonly alpha: number;
      readonly eps: number;
      readonly weightDecay: number;
      readonly momentum: number;
    }
));

export const dtypeNames: Record<DType, string> = { f32: "float32", i32: "int32", i64: "int64" };
