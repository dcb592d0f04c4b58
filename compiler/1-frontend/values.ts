import type { ClassDeclaration, ClassExpression, Node as TsNode } from "ts-morph";
import type { SourceLoc } from "../diagnostics/diagnostic.ts";
import type { GroupHyperparameter, Init, InitBox, Node, OptimizerSpec, ParamGroup } from "../ir/node.ts";
import { formatDim, type Dim, type Shape } from "../ir/shape.ts";
import type { Scope } from "./scope.ts";

// What the static evaluator computes with. Plain numbers, strings, booleans, arrays and
// object literals stand for themselves; everything else is one of the classes below.

/** k·Batch: the batch size, known only at run time (from x.size(0) or x.shape[0]). */
export class SymInt {
  constructor(readonly coef: number) {}
}

/**
 * c·Batch + d that is no size: `b - 1`, `b + 1`, `2 - b`, `-b` of b = x.size(0), PyTorch's Python
 * ints. Tensor arithmetic takes it (op batch_size {c, d}: each replica's own batch), as it takes
 * x.size(0); a size or an argument known when compiling does not (only k·Batch is a size).
 */
export class BatchNumber {
  constructor(
    readonly coef: number,
    readonly offset: number,
  ) {}
}

/** x.size(0) or a number computed from it: what tensor arithmetic takes as op batch_size. */
export const isBatchValue = (v: unknown): v is SymInt | BatchNumber => v instanceof SymInt || v instanceof BatchNumber;

/** c·Batch + d as the simplest value: a number when c = 0, a size (SymInt) when d = 0 and c > 0, else a BatchNumber. */
export function batchAffine(coef: number, offset: number): number | SymInt | BatchNumber {
  if (coef === 0) return offset;
  return offset === 0 && coef > 0 ? new SymInt(coef) : new BatchNumber(coef, offset);
}

/** "b - 1", "2·b + 3", "-b": as the model's code would write it, b the batch size. */
export function formatBatchNumber(v: BatchNumber): string {
  const c = v.coef === 1 ? "b" : v.coef === -1 ? "-b" : `${v.coef}·b`;
  return v.offset === 0 ? c : `${c} ${v.offset < 0 ? "-" : "+"} ${Math.abs(v.offset)}`;
}

/** A tensor flowing through forward: a node of the graph being built. */
export class TensorValue {
  #node: Node;
  /**
   * Set when an in-place change through another tensor over the same memory (a view, its base)
   * changed this one's value: the next read computes it again from the shared storage, or reports
   * why it cannot (views.ts).
   */
  pending?: () => Node;
  constructor(node: Node) {
    this.#node = node;
  }
  get node(): Node {
    if (this.pending) {
      const compute = this.pending;
      this.#node = compute();
      this.pending = undefined;
    }
    return this.#node;
  }
  /** x.add_(y): this tensor object becomes the result, so every name bound to it sees the change (in-place.ts). */
  takeOver(node: Node, pending = this.pending): void {
    this.#node = node;
    this.pending = pending;
  }
  /** Its node and pending recomputation as they are, for the in-place journal (nothing computed). */
  snapshot(): { readonly node: Node; readonly pending?: () => Node } {
    return { node: this.#node, pending: this.pending };
  }
}

/**
 * torch.nn.utils.rnn's PackedSequence, kept padded: the [L, N, ·] (batchFirst: [N, L, ·]) tensor and
 * each sample's length [N]; a recurrent layer given one steps each sample over its own length
 * (packed-sequence.ts). `zeroPadded`: the steps past a length hold zeros (a layer's output).
 */
export class PackedSequenceValue {
  constructor(
    readonly padded: TensorValue,
    readonly lengths: TensorValue,
    readonly batchFirst: boolean,
    readonly zeroPadded: boolean,
  ) {}
}

/**
 * A complex tensor (torch.complex64) as its real and imaginary parts, two float32 tensors of one
 * shape: what LLaMA's rotary embedding computes with (torch.polar, view_as_complex, a product,
 * view_as_real). It lives in the frontend only (complex.ts): forward's results and state are real.
 */
export class ComplexValue {
  constructor(
    readonly re: TensorValue,
    readonly im: TensorValue,
  ) {}
}

/** The torch.distributions a model file may make (distributions.ts). */
export type DistributionKind = "Normal" | "Categorical" | "Bernoulli" | "Uniform" | "Independent" | "MultivariateNormal" | "OneHotCategorical" | "OneHotCategoricalStraightThrough" | "TransformedDistribution" | "MixtureSameFamily" | "Laplace" | "Exponential" | "Gamma" | "Beta" | "LogNormal" | "Poisson" | "StudentT" | "Cauchy" | "HalfNormal" | "Gumbel" | "Geometric" | "Binomial" | "NegativeBinomial" | "Dirichlet" | "RelaxedBernoulli" | "RelaxedOneHotCategorical" | "Distribution";

/**
 * A torch.distributions object (F.distributions.Normal(mu, std), Categorical({ logits }), …): its
 * parameters broadcast to its batch shape, and for Independent the base distribution and how many
 * of the base's last batch dims are event dims. It lives in the frontend only (distributions.ts):
 * its methods (logProb, entropy, rsample, …) give tensors.
 */
export class DistributionValue {
  constructor(
    readonly kind: DistributionKind,
    /** loc/scale, low/high, or probs and logits (both, computed from the one given, as PyTorch's lazy properties). */
    readonly params: Readonly<Record<string, TensorValue>>,
    readonly batchShape: readonly Dim[],
    readonly eventShape: readonly Dim[],
    readonly base?: DistributionValue,
    readonly reinterpreted = 0,
    /** TransformedDistribution's transforms, applied in order to the base's draws (distribution-transforms.ts). */
    readonly transforms: readonly ModuleValue[] = [],
  ) {}
}

/**
 * What a torch.distributions transform does (distribution-transforms.ts): y = f(x), x = f⁻¹(y) and
 * log|det ∂y/∂x|, over `eventDim` rightmost dims; with cacheSize 1 the last (x, y) pair is kept, so
 * f⁻¹ of the y it made gives back that x itself, as PyTorch's Transform.__call__ and inv cache.
 */
export interface TransformBehavior {
  readonly name: string;
  readonly cacheSize: 0 | 1;
  readonly eventDim: number;
  /** Whether it increases (1) or decreases (−1); undefined where it depends on a tensor (AffineTransform's scale). */
  readonly sign?: number;
  cache?: { readonly x: TensorValue; readonly y: TensorValue };
  forward(x: TensorValue, site: CallSite): TensorValue;
  inverse(y: TensorValue, site: CallSite): TensorValue;
  logAbsDetJacobian(x: TensorValue, y: TensorValue, site: CallSite): TensorValue;
}

/** The distribution `v` is: itself, or the one an instance of a class extending a distribution holds. */
export function distributionOf(v: Value): DistributionValue | undefined {
  return v instanceof DistributionValue ? v : v instanceof ModuleValue ? v.distribution : undefined;
}

/** The result of an expression that already reported an error; it silences follow-on errors. */
export class Poison {
  static readonly value = new Poison();
}

/** `this.training`: follows m.train() / m.eval() at run time, so it is not a constant. */
export class ModeFlag {
  static readonly value = new ModeFlag();
}

/**
 * A random draw made in a constructor (F.randn(...), scaled and shifted at most): its shape and
 * its initializer, drawn when the model is created from the runtime's seed. nn.Parameter and
 * registerBuffer turn it into state. (Other tensors made in a constructor are TensorValues of
 * the constructor's own graph: constructor-tensors.ts.)
 */
export class StaticTensor {
  /**
   * The draw these values come from: itself, or the draw it is a clone or an affine map of
   * (VQ-VAE's `embed_avg = embed.clone()`). State made from one draw draws the same numbers.
   */
  readonly origin: StaticTensor;
  constructor(
    readonly shape: readonly number[],
    /** Mutable: an in-place scale or shift (rosinality's `torch.randn(o, i).div_(lr_mul)`) maps it where it is. */
    public init: Init,
    origin?: StaticTensor,
  ) {
    this.origin = origin ?? this;
  }
  /**
   * Set once another value reads these values where they are, as PyTorch's share its storage (a
   * view, .detach(), a parameter or buffer made from it): an in-place map of this draw would have
   * to change them too, so it is refused from then on.
   */
  shared = false;
}

/**
 * Constructor tensors that took a random draw in place (`t.uniform_(-s, s); return t`, lucidrains'
 * `init_` helpers): PyTorch's t holds the draw from then on, so a read of t through a variable, a
 * field or an element (interp's expressions) reads the draw. A view of t stays refused.
 */
const drawsTaken = new WeakMap<TensorValue, StaticTensor>();

export function takeDraw(t: TensorValue, draw: StaticTensor): void {
  drawsTaken.set(t, draw);
}

/** The draw a constructor tensor took in place, else v itself. */
export function drawTakenBy(v: Value): Value {
  return v instanceof TensorValue ? (drawsTaken.get(v) ?? v) : v;
}

/**
 * nn.Parameter(init): a trainable tensor of a user's module, registered under the field name it
 * is assigned to. `init` is mutable: nn.init.normal_(p, ...) redraws it in place, as in PyTorch.
 */
export class ParameterValue {
  #init: Init;
  /**
   * The constructor draw it took its value from (StaticTensor.origin), so that state made from
   * one draw and its clones draws the same numbers (lower.ts registerModule); cleared when its
   * initializer changes (nn.init.normal_(p) draws anew).
   */
  drawOrigin: StaticTensor | undefined;
  get init(): Init {
    return this.#init;
  }
  set init(init: Init) {
    this.#init = init;
    this.drawOrigin = undefined;
  }
  constructor(
    readonly shape: readonly number[],
    init: Init,
    readonly createdAt: SourceLoc,
    /** requires_grad false: registered as state the optimizer never touches (see registerModule) */
    public frozen = false,
    /**
     * Made by registerBuffer: state, never a parameter (frozen for good). parameters() and
     * requiresGrad_ skip it, as PyTorch's buffers are not in _parameters.
     */
    readonly buffer = false,
    /**
     * A buffer computed in the constructor: its constructor tensor, which later constructor code
     * reads as this.<name> (HF's rotary embedding computes cos/sin tables from its inv_freq buffer).
     */
    readonly computed?: TensorValue,
  ) {
    this.#init = init;
  }
  /**
   * An int32 index table too long to compute in the kernels (LeViT's attention_bias_idxs, listed):
   * held as float32 state (exact below 2²⁴) and read in forward as int32.
   */
  intTable = false;
  /**
   * registerBuffer(…, { persistent: false }) that forward changes: state the model keeps across
   * calls, as PyTorch keeps the attribute, but not in the state_dict or a checkpoint.
   */
  persistent = true;
  /** An integer buffer forward advances (a counter, counter-buffers.ts): int32 state. */
  dtype: "f32" | "i32" = "f32";
}

/**
 * A built-in layer's parameter named in a constructor (this.fc.weight), for nn.init to redraw:
 * it rewrites the layer's declaration, which registration reads after construction.
 */
export class LayerParamRef {
  constructor(
    readonly module: ModuleValue,
    readonly local: string,
  ) {}
  private get index(): number {
    return this.module.params.findIndex((p) => p.local === this.local);
  }
  get shape(): readonly number[] {
    return this.index < 0 ? this.removed.shape : (this.module.params[this.index].shape as number[]);
  }
  get init(): Init {
    return this.index < 0 ? this.removed.init : this.module.params[this.index].init;
  }
  /** A reference taken before the parameter was deleted or split (WeightDrop's `w = getattr(module, name)`): the tensor as it was. */
  private get removed(): { readonly shape: readonly number[]; readonly init: Init } {
    const from = this.module.computedFrom.get(this.local);
    if (!from) throw new Error(`LayerParamRef: ${this.module.typeName} has no parameter ${this.local}`);
    return from;
  }
  set init(init: Init) {
    (this.module.params as ParamDecl[])[this.index] = { ...this.module.params[this.index], init };
  }
}

/**
 * A parameter computed from others (weight norm's weight from g and v, a parametrized or
 * spectral-normed one) named in a constructor. PyTorch's `m.weight` there is a tensor the layer
 * recomputes before each forward, so what is written into it is lost: HiFi-GAN's and TCN's
 * init_weights after weight_norm (`m.weight.data.normal_(0, 0.01)`) change nothing
 * (jik876/hifi-gan#145, locuslab/TCN#1). A stand-in of its shape takes those writes and drops them;
 * it is not the parameter, so freezing, tying or copying from it is refused (parameter-init.ts refuseRecomputed).
 */
export class RecomputedParamRef extends LayerParamRef {
  #init: Init;
  readonly #shape: readonly number[];
  constructor(module: ModuleValue, local: string, shape: readonly number[], init: Init) {
    super(module, local);
    this.#shape = shape;
    this.#init = init;
  }
  override get shape(): readonly number[] {
    return this.#shape;
  }
  override get init(): Init {
    return this.#init;
  }
  override set init(init: Init) {
    this.#init = init;
  }
}

/**
 * A part of a parameter named in a constructor (`p.data[h:2 * h]`, `p.narrow(…)`): a box of its
 * elements, which an initializer sets on its own (compiler/1-frontend/parameter-regions.ts, which
 * also says how the part reads and writes the parameter's initializer).
 */
export class ParameterRegion {
  static access: { read(r: ParameterRegion): Init; write(r: ParameterRegion, init: Init): void };
  constructor(
    readonly parameter: LayerParamRef | ParameterValue,
    readonly box: InitBox,
    readonly createdAt: SourceLoc | undefined,
  ) {}
  get shape(): readonly number[] {
    return this.box.sizes;
  }
  /** What the part holds now, as an initializer of its own shape. */
  get init(): Init {
    return ParameterRegion.access.read(this);
  }
  set init(init: Init) {
    ParameterRegion.access.write(this, init);
  }
}

/**
 * A tensor with a dim of size 0 (a greedy decoder's `torch.zeros(B, 0)`, the tokens so far): no
 * elements and no node; what it is for, being concatenated onto (F.cat drops it), and its shape.
 */
export class EmptyTensor {
  constructor(
    readonly shape: readonly Dim[],
    readonly dtype: "f32" | "i32",
  ) {}
}

export class ObjectValue {
  constructor(
    readonly props: Map<string, Value> = new Map(),
    /** Methods of the Python dict the object stands for (module._modules' keys(), values(), items()): read by name, never enumerated as props are. */
    readonly dictMethods?: ReadonlyMap<string, Value>,
  ) {}
}

/** A function written by the user: declaration, arrow or method, with its closure. */
export class FunctionValue {
  constructor(
    readonly decl: TsNode,
    readonly closure: Scope,
    readonly name: string,
    readonly self?: Value,
  ) {}
}

/** Where a call happens, for locations in nodes and errors. */
export interface CallSite {
  readonly node: TsNode;
  readonly loc: SourceLoc;
}

/** A function the compiler provides (F.relu, x.view, Math.max). */
export class BuiltinFunction {
  constructor(
    readonly name: string,
    readonly call: (args: Value[], site: CallSite) => Value,
    /**
     * Called instead of `call` when an argument already failed (Poison): binds what the call would
     * have bound (registerBuffer's name) to Poison, so its later uses stay quiet instead of each
     * reporting "cannot read … of undefined" after the one real error.
     */
    readonly onPoisoned?: (args: Value[]) => void,
  ) {}
}

/**
 * A JavaScript Map or Set made in model code (an activation registry, a set of skipped indices):
 * keys are numbers, strings or booleans; a Set's values are its keys (collections.ts).
 */
export class CollectionValue {
  constructor(
    readonly kind: "Map" | "Set",
    readonly entries: Map<number | string | boolean, Value> = new Map(),
  ) {}
}

/** A class written by the user. */
export class ClassValue {
  constructor(
    /** a class expression too: a TypeScript mixin's `return class extends Base { … }` (Python's mixin classes) */
    readonly decl: ClassDeclaration | ClassExpression,
    readonly scope: Scope,
  ) {}
  get name(): string {
    return this.decl.getName() ?? "<anonymous class>";
  }
}

/** A class the compiler provides (nn.Linear, optim.SGD, Training). */
export class BuiltinClass {
  constructor(
    readonly name: string,
    readonly construct: (args: Value[], site: CallSite) => Value,
    /** Static members (nn.Transformer.generateSquareSubsequentMask). */
    readonly statics: ReadonlyMap<string, Value> = new Map(),
  ) {}
}

export class NamespaceValue {
  constructor(
    readonly name: string,
    readonly members: ReadonlyMap<string, Value>,
    /** A global that is a function too: Number(x), String(x), Array(n) (and new Array(n)). */
    readonly call?: (args: Value[], site: CallSite) => Value,
  ) {}
}

export interface ParamDecl {
  readonly local: string; // "weight"
  readonly shape: Shape;
  readonly init: Init;
  readonly dtype?: "f32" | "i64";
}

/** How a built-in layer computes: called with the module and its call arguments. */
export type LayerForward = (self: ModuleValue, args: Value[], site: CallSite) => Value;

export type ModuleKind = "user" | "layer" | "sequential" | "list" | "dict";

/**
 * An nn.Module instance. Children and plain attributes live in `fields` in assignment order,
 * which is PyTorch's registration order and so the order of the state_dict.
 */
export class ModuleValue {
  readonly fields = new Map<string, Value>();
  /** Set when the model tree is walked after construction: "layer1.0.conv1". */
  path: string | undefined;
  readonly paramNodes = new Map<string, Node>();
  /**
   * A layer's parameters replaced by another's (weight tying: this.head.weight = this.tok.weight):
   * registration gives both the one node, named where PyTorch's named_parameters() first meets it.
   */
  readonly tied = new Map<string, LayerParamRef | ParameterValue>();
  /** A layer's parameters set to requires_grad false (module.requiresGrad_(false)), by local name. */
  readonly frozen = new Set<string>();
  /**
   * Persistent integer buffers held as constants (Swin's relative_position_index), by field name →
   * shape: in PyTorch's state_dict, not tsdp's state (module-tree.ts stateDictKeys lists them).
   */
  readonly constantBuffers = new Map<string, { readonly shape: readonly number[]; readonly sha256: string; readonly values?: readonly number[] }>();
  /**
   * The names registered as buffers (registerBuffer), each with its persistence: PyTorch's
   * Module.__setattr__ keeps such a name a buffer, persistent or not, when it is assigned again.
   */
  readonly registeredBuffers = new Map<string, boolean>();
  /**
   * A layer's optional parameters it was built without (nn.Linear's bias with bias: false), which
   * read as null, as PyTorch registers them as None (`if (m.bias !== null) nn.init.zeros_(m.bias)`).
   */
  readonly absent = new Set<string>();
  /**
   * A layer's parameters its forward can do without (the spec's optional ones: a bias, a norm's
   * affine pair), which `m.bias = null` in a constructor may therefore remove (removed-parameters.ts).
   */
  optional: ReadonlySet<string> = new Set();
  /**
   * The static methods of the built-in class that made this module (nn.Transformer's
   * generateSquareSubsequentMask): Python finds a class's staticmethod through its instances too,
   * as ports call it (`self.transformer.generate_square_subsequent_mask(T)`).
   */
  statics: ReadonlyMap<string, Value> | undefined;
  /** A user class that extends nn.Sequential: its module fields are called in order when it has no forward. */
  sequential = false;
  /** A user class extending nn.ModuleDict: its named children listed by keys(), values(), items(). */
  dictLike = false;
  /**
   * An instance of a class that extends no nn.Module (LLaMA's ModelArgs dataclass, torchvision's
   * BoxCoder): fields and methods as a module's, but no child of the model — not registered, not
   * walked, not callable, and holding no modules or parameters (PyTorch would not register them).
   */
  plain = false;
  /**
   * A plain instance of a class that extends a distribution (ikostrikov's PPO: class FixedCategorical
   * extends Categorical, whose methods call super.log_prob): the distribution its super(…) built,
   * whose members the instance has where its class does not override them.
   */
  distribution: DistributionValue | undefined;
  /** A transform (built in, or an instance of a class extending one: pytorch_sac's TanhTransform): callable, with inv and log_abs_det_jacobian. */
  transform: TransformBehavior | undefined;
  /** The methods and getters its class and the classes it extends declare (set with `distribution`), which override the distribution's. */
  methodNames: readonly string[] = [];
  /**
   * The module's `training` flag in each of the model's modes, where an overridden train(mode)
   * (mmdet's norm_eval) makes it differ from the model's (module-modes.ts); undefined: the model's.
   */
  modes: { readonly train: boolean; readonly eval: boolean } | undefined;
  /**
   * A layer's parameter computed in forward from others (nn.utils.weightNorm: weight from weight_g
   * and weight_v), by local name: what the layer's forward and `this.fc.weight` read instead.
   */
  readonly computed = new Map<string, () => TensorValue>();
  /**
   * Parameters the constructor deleted (`delete m._parameters[name]`, AWD-LSTM's WeightDrop), by
   * local name → shape: forward sets each as a plain tensor before the module reads it (removed-parameters.ts).
   */
  readonly removedParams = new Map<string, readonly number[]>();
  /** The shape and initial value each computed parameter had before it was split (RecomputedParamRef's). */
  readonly computedFrom = new Map<string, { readonly shape: readonly number[]; readonly init: Init }>();
  /**
   * A computed parameter whose constructor reads are another parameter's storage: the legacy
   * spectral_norm leaves weight.data (weight_orig's) as module.weight, so an init loop after it
   * initializes weight_orig. By local name → that parameter's local name.
   */
  readonly computedAlias = new Map<string, string>();
  /**
   * A built-in layer's constructor settings, by the DSL's argument names, as PyTorch keeps them as
   * attributes (m.outChannels, m.kernelSize, m.inFeatures): what initialization code reads.
   */
  config: Readonly<Record<string, Value>> | undefined;
  /**
   * The built-in layer a user class extends ("nn.Conv2d" for class StdConv2d extends nn.Conv2d):
   * super(…) made the layer's parameters, settings and forward this module's own.
   */
  layerType: string | undefined;
  /**
   * A built-in layer's state as its spec declared it, before any nn.init or copy: what PyTorch's
   * reset_parameters() puts back (layer-reset.ts).
   */
  defaults: { readonly params: readonly ParamDecl[]; readonly buffers: readonly ParamDecl[] } | undefined;
  /**
   * A built-in layer's setting written in a constructor after the layer was made (`m.momentum = 0.03`):
   * the layer then computes with it, on `target` (the layer, or a class extending it); false where the
   * setting decides the layer's state, which PyTorch fixes in __init__ (layers.ts settingWriter).
   */
  rewriteSetting: ((target: ModuleValue, setting: string, value: Value, site: CallSite) => boolean) | undefined;
  constructor(
    readonly kind: ModuleKind,
    /** "nn.Linear" for built-in layers; the class name for the user's modules. */
    readonly typeName: string,
    readonly createdAt: SourceLoc,
    readonly cls?: ClassValue,
    // not readonly: a user class extending a built-in layer takes the layer's in super(…) (adoptLayer)
    public params: readonly ParamDecl[] = [],
    public buffers: readonly ParamDecl[] = [],
    public forward?: LayerForward,
    /** Constructor settings shown by `tsdp inspect` ("1, 20, kernel=5×5"). */
    public summary: string = "",
  ) {}
  /** A built-in layer, or a user class extending one: parameters declared by a layer spec, handles for nn.init in a constructor. */
  get isLayer(): boolean {
    return this.kind === "layer" || this.layerType !== undefined;
  }
  /** super(…) of a user class extending a built-in layer: the layer's state, settings, children and forward become this module's. */
  adoptLayer(layer: ModuleValue): void {
    this.params = layer.params;
    this.buffers = layer.buffers;
    this.forward = layer.forward;
    this.summary = layer.summary;
    this.config = layer.config;
    this.defaults = layer.defaults;
    this.rewriteSetting = layer.rewriteSetting;
    this.layerType = layer.typeName;
    this.statics = layer.statics;
    for (const local of layer.absent) this.absent.add(local);
    this.optional = layer.optional;
    for (const [name, child] of layer.fields) this.fields.set(name, child);
  }
  /** Children of list-like modules, in order (a Sequential subclass's plain fields are not children). */
  get items(): ModuleValue[] {
    return [...this.fields.values()].filter((v): v is ModuleValue => v instanceof ModuleValue);
  }
  /**
   * What indexing, length and iteration see: the children, and for an nn.ModuleList the nulls it
   * holds in their places too (PyTorch's None entries: HRNet's fuse layers hold None on the diagonal).
   */
  get elements(): (ModuleValue | null)[] {
    if (this.kind !== "list") return this.items;
    return [...this.fields.values()].filter((v): v is ModuleValue | null => v instanceof ModuleValue || v === null);
  }
  /** Indexed, iterated and measured (length) like an array: nn.ModuleList, nn.Sequential and its subclasses. */
  get isSequence(): boolean {
    return this.kind === "list" || this.kind === "sequential" || this.sequential;
  }
}

/** A parameter group of an optimizer as declared: which trained parameters, and its own weight decay. */
export interface ParamGroupDecl {
  /** (name, parameter) => boolean, called for each trained parameter once the model is built. */
  readonly select: FunctionValue;
  readonly weightDecay?: number;
  readonly lr?: number;
  /** Its own momentum, betas, eps, … (the optimizer's keys PyTorch lets a param group set; ir/node.ts ParamGroup). */
  readonly own: Partial<Pick<ParamGroup, GroupHyperparameter>>;
  readonly at: SourceLoc;
}

export class OptimizerValue {
  constructor(
    readonly spec: OptimizerSpec,
    /** PyTorch's param groups (optim.AdamW([{ params, weightDecay }, …], { lr })), resolved in lower.ts. */
    readonly groups: readonly ParamGroupDecl[] = [],
  ) {}
}

export class TrainingValue {
  constructor(
    readonly model: ClassValue,
    readonly loss: Value,
    readonly optimizer: OptimizerValue,
    readonly loc: SourceLoc,
    /** Where the loss is written, for errors in it. */
    readonly lossLoc: SourceLoc = loc,
  ) {}
}

export type Value =
  | number
  | string
  | boolean
  | undefined
  | null
  | Value[]
  | SymInt
  | BatchNumber
  | TensorValue
  | PackedSequenceValue
  | ComplexValue
  | DistributionValue
  | Poison
  | ModeFlag
  | ObjectValue
  | CollectionValue
  | StaticTensor
  | ParameterValue
  | LayerParamRef
  | ParameterRegion
  | EmptyTensor
  | FunctionValue
  | BuiltinFunction
  | ClassValue
  | BuiltinClass
  | NamespaceValue
  | ModuleValue
  | OptimizerValue
  | TrainingValue;

/** How a value is described in messages: "a number", "a tensor f32[Batch, 10]". */
export function describe(v: Value): string {
  if (v === undefined) return "undefined";
  if (v === null) return "null";
  if (typeof v === "number") return `the number ${v}`;
  if (typeof v === "string") return `the string "${v}"`;
  if (typeof v === "boolean") return `${v}`;
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (v instanceof SymInt) return "the batch size";
  if (v instanceof BatchNumber) return `${formatBatchNumber(v)} (b the batch size: a number of tensor arithmetic, not a size)`;
  if (v instanceof TensorValue) return "a tensor";
  if (v instanceof PackedSequenceValue) return "a PackedSequence";
  if (v instanceof ComplexValue) return "a complex tensor";
  if (v instanceof DistributionValue) return `a distribution F.distributions.${v.kind}`;
  if (v instanceof ModeFlag) return "this.training";
  if (v instanceof ObjectValue) return "an object";
  if (v instanceof CollectionValue) return `a ${v.kind} of ${v.entries.size}`;
  // Glow's and WaveGlow's Q of torch.qr(torch.randn(C, C)) is one too, with its own law
  if (v instanceof StaticTensor && v.init.kind === "orthogonal") return `an orthogonal initial value [${v.shape.join(", ")}] (QR's Q of a random draw) made in a constructor, whose values exist only when the model is created`;
  if (v instanceof StaticTensor) return `a random draw F.randn([${v.shape.join(", ")}]) made in a constructor`;
  // MoCo's self.queue = normalize(self.queue) after register_buffer("queue", torch.randn(…)): math on a buffer holding a draw, which has no values yet
  if (v instanceof ParameterValue && v.buffer) return `a buffer [${v.shape.join(", ")}]${v.drawOrigin ? " holding a random draw, whose values exist only when the model is created (a constructor scales and shifts one, nothing more)" : ""}`;
  if (v instanceof ParameterValue) return `an nn.Parameter [${v.shape.join(", ")}]`;
  if (v instanceof LayerParamRef) return `the parameter ${v.module.typeName}.${v.local}`;
  if (v instanceof ParameterRegion) return `a part [${v.shape.join(", ")}] of ${describe(v.parameter)}`;
  if (v instanceof EmptyTensor) return `an empty tensor [${v.shape.map(formatDim).join(", ")}]`;
  if (v instanceof FunctionValue || v instanceof BuiltinFunction) return `the function ${v.name}`;
  if (v instanceof ClassValue || v instanceof BuiltinClass) return `the class ${v.name}`;
  if (v instanceof NamespaceValue) return `the namespace ${v.name}`;
  if (v instanceof ModuleValue) return v.plain ? `an instance of ${v.typeName}` : `a module ${v.typeName}`;
  if (v instanceof OptimizerValue) return `an optimizer ${v.spec.kind}`;
  if (v instanceof TrainingValue) return "a training declaration";
  return "a value";
}

/**
 * The arrays that are a tensor's shape (x.shape, x.size()): Python's x.shape[-1] read on one is
 * refused, where JavaScript would read undefined (other arrays keep JavaScript's rule).
 */
const shapeArrays = new WeakSet<object>();
export function asShape<T extends unknown[]>(shape: T): T {
  shapeArrays.add(shape);
  return shape;
}
export function isShape(v: unknown): boolean {
  return typeof v === "object" && v !== null && shapeArrays.has(v);
}
