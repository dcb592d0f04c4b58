import { fail, type SourceLoc } from "../diagnostics/diagnostic.ts";
import type { Init, InitPatch } from "../ir/node.ts";
import { arg, bindArgs, locOfArg, opt } from "./args.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { factoryMembers, initialValue } from "./factories.ts";
import { normalInit, uniformInit } from "./initial-values.ts";
import { describeHandle, regionMethod, type ParameterHandle } from "./parameter-regions.ts";
import { convert } from "./tensor-spellings.ts";
import { BuiltinFunction, LayerParamRef, ObjectValue, ParameterRegion, ParameterValue, RecomputedParamRef, StaticTensor, TensorValue, type CallSite } from "./values.ts";

// A parameter's initial value set through the parameter itself, in a constructor, as PyTorch's
// ports write it: `self.fc.weight.data.normal_(0, 0.02)` (DCGAN, GPT-2), `p.data.zero_()`,
// `self.fc.bias.data.fill_(0.1)`, `self.fc.weight.data.mul_(0.1)` (RL heads scaled down), and
// `with torch.no_grad(): self.proj.weight.copy_(w)`. Each rewrites the parameter's initializer,
// as nn.init's functions do (factories.ts): the values are drawn or written when the model is
// created, from the runtime's seed, so an in-place method is the initializer it describes.

type Handle = ParameterHandle;

/**
 * `p.<name>` for a parameter handle in a constructor, or undefined when `name` is not one of
 * these. `data` is the parameter itself (PyTorch's .data: the same storage, outside autograd).
 */
export function parameterInitProperty(p: Handle, name: string, em: GraphEmitter): BuiltinFunction | Handle | boolean | undefined {
  const who = `${describeHandle(p)}.${name}`;
  // a part of it (p.data[h:2 * h], p.narrow(…), p.chunk(4)): a region its initializers set (parameter-regions.ts)
  const view = regionMethod(p, name);
  if (view) return view;
  const rewrite = (specs: Parameters<typeof bindArgs>[1], make: (b: ReturnType<typeof bindArgs>, s: CallSite) => Init) =>
    new BuiltinFunction(who, (args, s) => {
      const b = bindArgs(who, specs, args, s);
      p.init = make(b, s);
      return p;
    });
  switch (name) {
    // p.data, and guided diffusion's zero_module: p.detach().zero_() — the parameter itself, outside autograd
    case "data":
      return p;
    case "detach":
      return new BuiltinFunction(who, (args, s) => (bindArgs(who, [], args, s), p));
    // p.clone() (p.detach().clone(), p.data.clone()): a copy of its values with storage of its own,
    // linked to p as copy_ links them, which nn.Parameter and registerBuffer take (an EMA's shadow
    // weights); an initializer written into either afterwards leaves the other as it was
    case "clone":
      return new BuiltinFunction(who, (args, s) => {
        bindArgs(who, [opt("memoryFormat", "any", null, { nullable: true })], args, s);
        const copy = new ParameterValue(p.shape, p.init, s.loc, true);
        copy.init = copiedParameter(copy, p, em, who, s.loc);
        return copy;
      });
    // HF DistilBERT's create_sinusoidal_embeddings: out.detach_() on a leaf clears its requires_grad
    // (the parameter is frozen, as requiresGrad_(false)); PyTorch refuses it on a view
    case "detach_":
      return new BuiltinFunction(who, (args, s) => {
        bindArgs(who, [], args, s);
        if (p instanceof ParameterRegion) return fail("invalidArgument", `${who}: a view cannot be detached in place (PyTorch's "Can't detach views in-place"); detach the whole parameter`, s.loc);
        setParameterRequiresGrad(p, false, s.loc);
        return p;
      });
    // self.weight.new_zeros((r, in)) (loralib's LoRA): torch's factories, constructor tensors
    case "newZeros":
    case "newOnes":
    case "newFull":
    case "newEmpty":
    case "newTensor":
    case "new": {
      const factory = factoryMembers(em, () => "construct").get(name === "new" ? "empty" : name.slice(3).toLowerCase()) as BuiltinFunction;
      // a parameter is float32, and so is what its new_* make unless a dtype is given: w.new_full((3,), 2)
      // and w.new_tensor([1, 2]) are float tensors in PyTorch, where torch.full and torch.tensor alone are int64
      return new BuiltinFunction(who, (args, s) => {
        const made = factory.call(args, s) as TensorValue;
        const dtypeGiven = args.some((a) => a instanceof ObjectValue && a.props.has("dtype"));
        return dtypeGiven || !(made instanceof TensorValue) ? made : convert(made, "float32", who, s, em);
      });
    }
    case "requiresGrad": {
      const whole = p instanceof ParameterRegion ? p.parameter : p;
      return whole instanceof ParameterValue ? !whole.frozen : !whole.module.frozen.has(whole.local);
    }
    case "normal_":
      return rewrite([opt("mean", "number", 0), opt("std", "nonNegNumber", 1)], (b) => normalInit(b.mean, b.std));
    case "uniform_":
      // PyTorch's Tensor.uniform_(from=0, to=1)
      return rewrite([opt("from", "number", 0), opt("to", "number", 1)], (b, s) => uniformInit(b.from, b.to, who, s.loc));
    case "zero_":
      return rewrite([], () => ({ kind: "constant", value: 0 }));
    case "fill_":
      // "number" arguments are finite: fill_(Infinity) is refused where it is bound
      return rewrite([arg("value", "number")], (b) => ({ kind: "constant", value: b.value }));
    // p.set_(t) makes p take t's storage: of p itself (GRU4Rec's weight.set_(init_parameter_matrix(weight)),
    // whose initializer returns the tensor it filled) nothing changes; of a constructor tensor of p's
    // shape, p's values are t's, as copy_; another parameter's storage would tie the two (refused)
    case "set_":
      return new BuiltinFunction(who, (args, s) => {
        const b = bindArgs(who, [arg("source", "any")], args, s);
        const src = b.source;
        const same = src === p || (src instanceof LayerParamRef && p instanceof LayerParamRef && src.module === p.module && src.local === p.local);
        if (same) return p;
        if (src instanceof LayerParamRef || src instanceof ParameterValue || src instanceof ParameterRegion)
          return fail("unsupportedSyntax", `${who}: set_ of another parameter makes the two share storage, which is weight tying: assign the parameter itself (this.b.weight = this.a.weight), or copy_ its values`, locOfArg(b, "source", s));
        const shape = src instanceof TensorValue ? src.node.shape : src instanceof StaticTensor ? src.shape : undefined;
        if (shape && shape.join(",") !== p.shape.join(","))
          return fail("shapeMismatch", `${who}: set_ would give the parameter the source's shape [${shape.join(", ")}] in place of [${p.shape.join(", ")}]; a parameter keeps its shape in tsdp`, locOfArg(b, "source", s));
        return (parameterInitProperty(p, "copy_", em) as BuiltinFunction).call([src], s);
      });
    case "copy_":
      return rewrite([arg("src", "any")], (b, s) => {
        if (b.src instanceof LayerParamRef || b.src instanceof ParameterValue || b.src instanceof ParameterRegion) return copiedParameter(p, b.src, em, who, locOfArg(b, "src", s));
        // PyTorch's copy_ converts the dtype: an integer table (F.arange(n)) into a float32 parameter
        const data = b.src instanceof TensorValue && b.src.node.dtype === "i32" && em.constants.owns(b.src.node) ? em.tensor("to_float", [b.src], {}, who, s) : b.src;
        const src = initialValue(em, who, data, locOfArg(b, "src", s));
        // PyTorch's copy_ broadcasts the source to the parameter's shape
        const broadcasts = src.shape.length <= p.shape.length && src.shape.every((d, i) => d === 1 || d === p.shape[p.shape.length - src.shape.length + i]);
        if (!broadcasts) fail("shapeMismatch", `${who}: the source's shape [${src.shape.join(", ")}] does not broadcast to the parameter's [${p.shape.join(", ")}]`, locOfArg(b, "src", s));
        if (src.init.kind === "values" && src.shape.join(",") !== p.shape.join(",")) return { kind: "values", values: broadcastValues(src.init.values, src.shape, p.shape) };
        if (src.init.kind !== "values" && src.init.kind !== "constant" && src.shape.join(",") !== p.shape.join(","))
          fail("shapeMismatch", `${who}: a random draw of shape [${src.shape.join(", ")}] copied into [${p.shape.join(", ")}] would repeat its values; draw it in the parameter's shape`, locOfArg(b, "src", s));
        return src.init;
      });
    case "mul_":
    case "div_":
    case "add_":
    case "sub_":
      return rewrite([arg("other", "any")], (b, s) => {
        // RCAN's MeanShift: weight.data.div_(std.view(3, 1, 1, 1)), a constructor tensor broadcast over the values
        if (typeof b.other !== "number") return elementwiseInit(p, name, initialValue(em, who, b.other, locOfArg(b, "other", s)), who, locOfArg(b, "other", s), s);
        const v = b.other as number;
        if (!Number.isFinite(v) || (name === "div_" && v === 0)) fail("invalidArgument", `${who}: a finite number${name === "div_" ? " other than 0" : ""}, got ${v}`, locOfArg(b, "other", s));
        const [scale, shift] = name === "mul_" ? [v, 0] : name === "div_" ? [1 / v, 0] : name === "add_" ? [1, v] : [1, -v];
        return affineInit(p.init, scale, shift, who, s);
      });
  }
  return undefined;
}

/**
 * p.copy_(q) in a constructor with q another parameter (MoCo's and BYOL's target encoder starting as
 * the online one): p takes q's initializer as it is now; a draw is recorded, so that registration
 * gives p q's random stream and both hold the same numbers (lower.ts linkParameterCopies).
 */
function copiedParameter(p: Handle, source: Handle, em: GraphEmitter, who: string, at: SourceLoc): Init {
  if (source instanceof RecomputedParamRef || (source instanceof ParameterRegion && source.parameter instanceof RecomputedParamRef))
    return refuseRecomputed(source instanceof ParameterRegion ? (source.parameter as RecomputedParamRef) : source, "copy from", at);
  // a write into a recomputed weight is lost (RecomputedParamRef): nothing to link
  if (p instanceof RecomputedParamRef) return source.init;
  if (p instanceof ParameterRegion || source instanceof ParameterRegion)
    return fail("unsupportedSyntax", `${who}: a part of a parameter copied from or into another parameter; copy whole parameters, or give the part its values with a tensor computed in the constructor`, at);
  if (p.shape.join(",") !== source.shape.join(","))
    return fail("shapeMismatch", `${who}: ${describeHandle(source)} is [${source.shape.join(", ")}] and the parameter [${p.shape.join(", ")}]; a parameter copied from another has its shape`, at);
  const init = source.init;
  if (init.kind === "constant" || init.kind === "values") return init;
  if (init.kind !== "uniform" && init.kind !== "normal")
    return fail("unsupportedSyntax", `${who}: ${describeHandle(source)} holds a ${init.kind} draw, which tsdp does not repeat into another parameter; copy one initialized by nn.init's uniform or normal laws (a layer's default is one), or set both with the same computed tensor`, at);
  em.parameterCopies.push({ target: p, source, init });
  return init;
}

/**
 * The initializer of `new nn.Parameter(q.detach())` (or q.data, q itself) with q another parameter:
 * quantization and adapter wrappers rebuilding a layer from one made beside it (lsq-net's
 * `self.weight = nn.Parameter(m.weight.detach())`). PyTorch's new parameter holds q's numbers, so
 * it takes q's initializer linked as p.copy_(q) links it: where q is registered too both draw the
 * same numbers, where q's module is a temporary the law is q's.
 */
export function initFromParameter(p: ParameterValue, source: Handle, em: GraphEmitter, at: SourceLoc): Init {
  return copiedParameter(p, source, em, "nn.Parameter", at);
}

/**
 * p.mul_(t) (div_, add_, sub_) in a constructor with a tensor t computed there: t broadcast to p's
 * shape, element by element. A constant t is a number; otherwise p's own values must be known
 * (a fill or computed values) — a draw changed element by element is no longer one law.
 */
function elementwiseInit(p: LayerParamRef | ParameterValue | ParameterRegion, name: "mul_" | "div_" | "add_" | "sub_", other: { shape: readonly number[]; init: Init }, who: string, at: SourceLoc, site: CallSite): Init {
  const broadcasts = other.shape.length <= p.shape.length && other.shape.every((d, i) => d === 1 || d === p.shape[p.shape.length - other.shape.length + i]);
  if (!broadcasts) fail("shapeMismatch", `${who}: the other tensor's shape [${other.shape.join(", ")}] does not broadcast to the parameter's [${p.shape.join(", ")}]`, at);
  const count = p.shape.reduce((a, d) => a * d, 1);
  const own = p.init.kind === "constant" ? new Float32Array(count).fill(p.init.value) : p.init.kind === "values" ? p.init.values : undefined;
  const them = other.init.kind === "constant" ? new Float32Array(count).fill(other.init.value) : other.init.kind === "values" ? broadcastValues(other.init.values, other.shape, p.shape) : undefined;
  if (!them) return fail("unsupportedSyntax", `${who}: the other tensor is a random draw; ${name} in a constructor takes a number or a tensor of computed values`, at);
  const f = { mul_: (a: number, b: number) => a * b, div_: (a: number, b: number) => a / b, add_: (a: number, b: number) => a + b, sub_: (a: number, b: number) => a - b }[name];
  if (!own) {
    const parts = drawByParts(p, name, other.shape, broadcastValues(other.init.kind === "values" ? other.init.values : new Float32Array(1).fill(them[0]), other.init.kind === "values" ? other.shape : [], other.shape), who, site);
    if (parts) return parts;
    return fail("unsupportedSyntax", `${who}: the parameter holds a ${p.init.kind} draw, which ${name} by a tensor would change element by element into no law tsdp records; set its values first (copy_ or fill_), or scale by a number`, at);
  }
  return { kind: "values", values: own.map((v, i) => f(v, them[i])) };
}

/** The most parts a draw changed by a tensor is split into (one per element of the tensor). */
const MAX_DRAW_PARTS = 64;

/**
 * A uniform or normal draw of a whole parameter shifted or scaled by a small tensor of values (Mega's
 * `beta.data.normal_(0, 0.02).add_(val)` with val [ndim, 1] of ±1): the elements each value of the
 * tensor reaches form a box of the parameter, and that box is the draw's law shifted or scaled by the
 * value, a patch of its own (Init "parts"). Undefined where that does not hold (a part of a parameter,
 * another law, a tensor of more than MAX_DRAW_PARTS values).
 */
function drawByParts(p: LayerParamRef | ParameterValue | ParameterRegion, name: "mul_" | "div_" | "add_" | "sub_", otherShape: readonly number[], values: Float32Array, who: string, site: CallSite): Init | undefined {
  const init = p.init;
  if (p instanceof ParameterRegion || !(init.kind === "uniform" || (init.kind === "normal" && init.zeroRow === undefined && init.truncated === undefined)) || init.stream !== undefined) return undefined;
  if (values.length > MAX_DRAW_PARTS || p.shape.length > 8) return undefined;
  const lead = p.shape.length - otherShape.length;
  const strides = p.shape.map((_, i) => p.shape.slice(i + 1).reduce((a, d) => a * d, 1));
  // the dims the tensor broadcasts over: the box of each of its elements spans them
  const spans = p.shape.map((_, d) => d < lead || otherShape[d - lead] === 1);
  const patches: InitPatch[] = [];
  for (let e = 0; e < values.length; e++) {
    let rest = e;
    let offset = 0;
    for (let d = otherShape.length - 1; d >= 0; d--) {
      offset += (rest % otherShape[d]) * strides[lead + d];
      rest = Math.floor(rest / otherShape[d]);
    }
    const v = values[e];
    // as a number is (div_(0), mul_(Infinity)): a part drawn from no finite law is refused, not emitted
    if (!Number.isFinite(v) || (name === "div_" && v === 0))
      fail("invalidArgument", `${who}: the tensor's values must be finite numbers${name === "div_" ? " other than 0" : ""} to shift or scale a draw, got ${v} at element ${e}`, site.loc);
    const [scale, shift] = name === "mul_" ? [v, 0] : name === "div_" ? [1 / v, 0] : name === "add_" ? [1, v] : [1, -v];
    const box = { offset, sizes: p.shape.map((n, d) => (spans[d] ? n : 1)), strides };
    patches.push({ box, init: affineInit(init, scale, shift, who, site) as InitPatch["init"] });
  }
  return { kind: "parts", base: init, patches };
}

/** `p.requiresGrad = flag` in a constructor: PyTorch's attribute, the same as p.requiresGrad_(flag). */
export function setParameterRequiresGrad(p: LayerParamRef | ParameterValue, requiresGrad: boolean, at?: SourceLoc): void {
  if (p instanceof RecomputedParamRef) refuseRecomputed(p, requiresGrad ? "unfreeze" : "freeze", at);
  if (p instanceof ParameterValue) p.frozen = p.buffer || !requiresGrad; // a buffer stays state
  else if (requiresGrad) p.module.frozen.delete(p.local);
  else p.module.frozen.add(p.local);
}

/**
 * The initializer of s·w + k for w drawn from `init`. U(c − b, c + b) maps to
 * U(s·c + k − |s|·b, s·c + k + |s|·b); N(μ, σ²) to N(s·μ + k, s²σ²); values map one by one.
 * An orthogonal draw scales (its gain), and an embedding's zero padding row stays zero only when
 * nothing is added, so a shift of either is refused rather than changed into something else.
 */
function affineInit(init: Init, scale: number, shift: number, who: string, site: CallSite): Init {
  switch (init.kind) {
    case "constant":
      return { kind: "constant", value: init.value * scale + shift };
    case "values":
      return { kind: "values", values: init.values.map((x) => x * scale + shift) };
    case "uniform":
      return { kind: "uniform", bound: init.bound * Math.abs(scale), center: (init.center ?? 0) * scale + shift };
    case "normal": {
      if (init.zeroRow !== undefined && shift !== 0)
        return fail("unsupportedSyntax", `${who}: adding to an embedding whose padding row is zero would make that row nonzero; set the values with nn.init.normal_(w, mean, std) instead`, site.loc);
      const mean = (init.mean ?? 0) * scale + shift;
      const std = init.std * Math.abs(scale);
      const base = mean === 0 ? { kind: "normal" as const, std } : { kind: "normal" as const, std, mean };
      // a truncated draw keeps its bounds in std units, mirrored by a negative scale
      const cut = init.truncated && { truncated: (scale < 0 ? [-init.truncated[1], -init.truncated[0]] : init.truncated) as readonly [number, number] };
      return { ...base, ...(init.zeroRow === undefined ? {} : { zeroRow: init.zeroRow }), ...cut };
    }
    case "sparse":
      // its zeros stay zero under a scale, not under a shift
      if (shift !== 0) return fail("unsupportedSyntax", `${who}: a sparse initial value (nn.init.sparse_) can be scaled, not shifted: its zeros would move`, site.loc);
      return { kind: "sparse", std: init.std * Math.abs(scale), zeros: init.zeros };
    case "orthogonal":
      if (shift !== 0) return fail("unsupportedSyntax", `${who}: an orthogonal initial value can be scaled (its gain), not shifted`, site.loc);
      return { kind: "orthogonal", gain: init.gain * scale };
    case "sliceNorm":
      // weight norm's g: the norms of v's slices times a number stay a sliceNorm only through v; refused
      return fail("unsupportedSyntax", `${who}: weight norm's g starts as the norms of v's rows; set v (or the weight before nn.utils.weightNorm) instead`, site.loc);
    case "parts":
      // each part maps as a whole initializer does
      return { kind: "parts", base: affineInit(init.base, scale, shift, who, site) as typeof init.base, patches: init.patches.map((p) => ({ box: p.box, init: affineInit(p.init, scale, shift, who, site) as typeof p.init })) };
  }
}

/** Values of `from` broadcast to `to` (right-aligned, dims of 1 repeated), row-major. */
function broadcastValues(values: Float32Array, from: readonly number[], to: readonly number[]): Float32Array {
  const lead = to.length - from.length;
  const out = new Float32Array(to.reduce((n, d) => n * d, 1));
  for (let i = 0; i < out.length; i++) {
    let rest = i;
    let at = 0;
    let stride = 1;
    for (let d = to.length - 1; d >= 0; d--) {
      const coord = rest % to[d];
      rest = Math.floor(rest / to[d]);
      if (d >= lead) {
        const size = from[d - lead];
        at += (size === 1 ? 0 : coord) * stride;
        stride *= size;
      }
    }
    out[i] = values[at];
  }
  return out;
}


/**
 * A use of a recomputed weight (weight norm's, a parametrization's) in a constructor that needs the
 * parameter itself: PyTorch's is a tensor computed from others, which is no leaf to freeze, tie or
 * copy from as a parameter; the parameters it is computed from are.
 */
export function refuseRecomputed(p: RecomputedParamRef, what: string, at: SourceLoc | undefined): never {
  const parts = p.module.params.map((d) => d.local).filter((l) => l.startsWith(`${p.local}_`) || l.startsWith(`parametrizations.${p.local}.`));
  return fail("unsupportedSyntax", `cannot ${what} ${p.module.typeName}.${p.local}: it is computed before each forward from the parameters ${parts.join(", ")} (weight norm, spectral norm or a parametrization), as PyTorch's, and is no parameter of its own; ${what} those`, at);
}
