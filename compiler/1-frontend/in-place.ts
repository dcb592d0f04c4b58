import { own } from "./names.ts";
import { fail } from "../diagnostics/diagnostic.ts";
import { dtypeNames, type Init } from "../ir/node.ts";
import { formatShape, shapeEq } from "../ir/shape.ts";
import { arg, bindArgs, locOfArg, opt } from "./args.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { normalInit, uniformInit } from "./initial-values.ts";
import { change } from "./in-place-journal.ts";
import { BuiltinFunction, describe, ParameterValue, StaticTensor, isBatchValue, takeDraw, TensorValue, type CallSite, type Value } from "./values.ts";
import { isBooleanMask } from "./boolean-masks.ts";
import { leaveFamily, refuseSharers, storageOf, unrecordedChange, writeThrough } from "./views.ts";
import { isState, isTrainedState } from "./state-updates.ts";

// PyTorch's in-place tensor methods — x.add_(y), x.relu_(), x.maskedFill_(m, v), timm's
// drop path `x.newEmpty(shape).bernoulli_(keep).div_(keep)` — in tsdp's value semantics. The
// method computes its out-of-place result and the tensor object takes it over (TensorValue's
// takeOver), so every name bound to that object sees the new value, as every Python name bound
// to one torch.Tensor does; the gradient is the out-of-place op's.
//
// Memory shared between *different* tensor objects — a view (x.view, x.transpose, x[i], x.chunk,
// x.detach, …) and its base — is followed by views.ts: a change through either shows in the other.
//
// Refused too: an in-place change in forward of a trained parameter that autograd would record (as
// PyTorch refuses one of a leaf that requires grad; under no_grad or through p.data it is the
// parameter's new value: state-updates.ts), of a layer's buffer or a constant made in the constructor
// (a module's own buffers may change), of a tensor
// an nn.Parameter or buffer was made from, and one that would change the receiver's shape or
// dtype (PyTorch refuses those: the result is written into the receiver's storage).

/** Metadata-only in-place methods: they reshape the receiver itself and leave the values (and its views) as they are. */
const RESHAPING = new Set(["unsqueeze_", "squeeze_", "t_", "transpose_", "swapaxes_", "swapdims_", "detach_"]);

/**
 * Tensors state took its initial value from, and that state: PyTorch's nn.Parameter(t) and
 * register_buffer(name, t) keep t's storage, so a later change of t in the constructor (MADE's
 * `this.mask.data.copy_(mask)` on a registered buffer) is the state's. `unclaimed` counts takers
 * that are not a ParameterValue (nn.Embedding.fromPretrained's table), which a change would not reach.
 */
const captured = new WeakMap<TensorValue, { owners: ParameterValue[]; unclaimed: number }>();

/** t's value is now some state's initial value (initialValue); claimCaptured names the state when it is a ParameterValue. */
export function markCaptured(t: Value): void {
  if (!(t instanceof TensorValue)) return;
  const entry = captured.get(t) ?? { owners: [], unclaimed: 0 };
  entry.unclaimed++;
  captured.set(t, entry);
}

/** nn.Parameter(t) / registerBuffer(name, t) made `owner` from t: constructor changes of t are owner's too. */
export function claimCaptured(t: Value, owner: ParameterValue): void {
  const entry = t instanceof TensorValue ? captured.get(t) : undefined;
  if (!entry || entry.unclaimed === 0) return;
  entry.unclaimed--;
  entry.owners.push(owner);
}

/** nn.init drew into a captured tensor (factories.ts): the state made from it takes the draw. */
export function retakeDrawn(t: TensorValue, init: Init): void {
  for (const owner of captured.get(t)?.owners ?? []) owner.init = init;
}

/** The captured tensor an in-place change of x reaches (x, or the storage x is a view of), if any. */
const capturedOf = (x: TensorValue): TensorValue | undefined => (captured.has(x) ? x : captured.has(storageOf(x)) ? storageOf(x) : undefined);

/** After a constructor's in-place change: the state a changed tensor gave its value to takes the new value. */
function retakeInitial(x: TensorValue, em: GraphEmitter, site: CallSite): void {
  const source = capturedOf(x);
  if (!source) return;
  const node = source.snapshot().node;
  for (const owner of captured.get(source)!.owners) owner.init = em.constants.initOf(node, "the changed tensor", site.loc, owner.dtype === "i32");
}

/**
 * A layer or function given inplace: true (nn.ReLU(inplace=True), F.dropout(x, p, training,
 * inplace=True)) overwrites its input in PyTorch: x takes over the result, as x.relu_() does, so a
 * later read of x sees it. Refused where x.relu_() would be (model state, a view read after it).
 */
export function inPlaceResult(x: TensorValue, result: Value, who: string, site: CallSite, em: GraphEmitter, phase: Phase): Value {
  if (!(result instanceof TensorValue) || result === x) return result;
  if (!shapeEq(result.node.shape, x.node.shape) || result.node.dtype !== x.node.dtype) return result;
  refuseState(x, `${who} with inplace: true`, em, phase, site, "leave inplace false (the default) and use the result");
  writeThrough(x, result.node, `${who} with inplace: true`, site, em);
  if (phase === "construct") retakeInitial(x, em, site);
  return x;
}

export type Phase = "forward" | "construct";

/**
 * x takes `value` (x's shape and dtype) in place, as a function that writes its argument does
 * (F.batchNorm's running statistics): refused where x.copy_(value) would be.
 */
export function writeInPlace(x: TensorValue, value: TensorValue, who: string, site: CallSite, em: GraphEmitter, phase: Phase): void {
  refuseState(x, who, em, phase, site, `pass tensors it may change (a module's buffers), or none`);
  if (!shapeEq(value.node.shape, x.node.shape) || value.node.dtype !== x.node.dtype)
    fail("shapeMismatch", `${who}: writes ${dtypeNames[value.node.dtype]} ${formatShape(value.node.shape)} into ${dtypeNames[x.node.dtype]} ${formatShape(x.node.shape)}`, site.loc);
  writeThrough(x, value.node, who, site, em);
  if (phase === "construct") retakeInitial(x, em, site);
}

/**
 * `x.<name>` when name is an in-place method (name_ of a tensor method, or one of the fills:
 * zero_, fill_, copy_, normal_, uniform_, bernoulli_), else undefined.
 */
export function inPlaceMethod(
  x: TensorValue,
  name: string,
  em: GraphEmitter,
  phase: Phase,
  methods: Record<string, (x: TensorValue, args: Value[], site: CallSite, em: GraphEmitter) => Value>,
): BuiltinFunction | undefined {
  if (!name.endsWith("_") || name.length < 2) return undefined;
  const base = name.slice(0, -1);
  const fill = own(fills, base);
  if (!fill && !own(methods, base)) return undefined;
  return new BuiltinFunction(name, (args, site) => {
    // a fill has no out-of-place form to suggest: its copy's, as PyTorch ports write it
    refuseState(x, name, em, phase, site, fill ? `write y = t.clone().${name}(…) and use y` : undefined);
    if (phase !== "forward" && (base === "normal" || base === "uniform" || base === "bernoulli")) return constructorDraw(x, name, args, site);
    const computed = fill ? fill(x, args, site, em, name) : methods[base](x, args, site, em);
    if (!(computed instanceof TensorValue)) return fail("wrongArgumentType", `${name}: ${base} gives ${describe(computed)}, not a tensor, so it has no in-place form`, site.loc);
    const result = castInto(x, computed, base, name, site, em);
    if (RESHAPING.has(name)) {
      leaveFamily(x, name, site);
      change(x, result.node, undefined);
      return x;
    }
    if (!shapeEq(result.node.shape, x.node.shape))
      fail("shapeMismatch", `${name}: the result's shape ${formatShape(result.node.shape)} is not x's ${formatShape(x.node.shape)}, and an in-place result is written into x (PyTorch refuses it too)`, site.loc);
    if (result.node.dtype !== x.node.dtype)
      fail("dtypeMismatch", `${name}: the result is ${dtypeNames[result.node.dtype]} and x is ${dtypeNames[x.node.dtype]}; an in-place result keeps x's dtype, and PyTorch refuses this cast ("result type Float can't be cast to the desired output type Long", Int for an int32 tensor): give it an integer operand, or make x float32`, site.loc);
    writeThrough(x, result.node, name, site, em);
    if (phase === "construct") retakeInitial(x, em, site);
    return x;
  });
}

/** Comparisons: their 0/1 masks are float32 here, booleans in PyTorch, which casts them to any dtype. */
const COMPARISONS = new Set(["eq", "ne", "gt", "ge", "lt", "le", "logicalNot", "logicalAnd", "logicalOr", "logicalXor", "isnan", "isinf", "isfinite"]);

/** The result cast to x's dtype where PyTorch's in-place cast allows it: int32 into float32, a mask into either. */
function castInto(x: TensorValue, result: TensorValue, base: string, who: string, site: CallSite, em: GraphEmitter): TensorValue {
  const [want, got] = [x.node.dtype, result.node.dtype];
  if (want === got) return result;
  if (want === "f32" && got === "i32") return em.tensor("to_float", [result], {}, who, site);
  if (want === "i32" && got === "f32" && COMPARISONS.has(base)) return em.tensor("to_int", [result], {}, who, site);
  return result; // refused by the caller, naming both dtypes
}

function refuseState(x: TensorValue, name: string, em: GraphEmitter, phase: Phase, site: CallSite, fix = `write y = t.${name.slice(0, -1)}(…) and use y`): void {
  const source = capturedOf(x);
  // in a constructor, the state made from it changes with it (retakeInitial), unless something else took its value too
  if (source && (phase === "forward" || captured.get(source)!.unclaimed > 0))
    fail("inPlaceAlias", `${name}: this tensor already gave an nn.Parameter or buffer its initial value, which a later change would not reach; change it before, or change the parameter (p.data.${name}(…))`, site.loc);
  if (phase !== "forward") return;
  // a BatchNorm's num_batches_tracked, read as its own by a class extending the layer (PyTorch's _BatchNorm.forward
  // written out): int64 state the batch_norm kernel counts, which no other kernel writes yet
  if (isState(x) && x.node.dtype === "i64")
    fail(
      "inPlaceAlias",
      `${name} in forward would change the layer's int64 counter (num_batches_tracked), which only the layer's own batch_norm counts here: call super.forward(x) (PyTorch's _BatchNorm.forward, which counts it), or leave the count out (only momentum null reads it)`,
      site.loc,
    );
  // the tensor itself, or the one it is a view of (this.fc.weight.T.mul_(2) changes the weight)
  for (const t of new Set([x, storageOf(x)])) {
    // a buffer forward may change (state-updates.ts); a trained parameter, where autograd does not record the change
    if (isTrainedState(t) && !unrecordedChange(x))
      fail(
        "inPlaceAlias",
        `${name} in forward would change the model's parameter${t === x ? "" : " (through a view of it)"} where autograd records it, which PyTorch refuses too ("a leaf Variable that requires grad is being used in an in-place operation"): ` +
          `change it under F.noGrad(() => …) or through p.data (a max-norm constraint: this.weight.data = F.renorm(this.weight.data, 2, 0, maxNorm)) to give the parameter new values, or ${fix}`,
        site.loc,
      );
    if (isState(t)) continue;
    // (the base's node as it is: reading it is not a use that its staleness should stop)
    const node = t === x ? x.node : t.snapshot().node;
    const op = node.op;
    // an integer buffer held as a constant (F.tensor(0) is int32): the next lowering makes it state (counter-buffers.ts)
    if (em.counters.noteChanged(node)) fail("inPlaceAlias", `${name} in forward changes a buffer held as a constant (an integer one, or one with persistent false) until forward was seen to change it`, site.loc);
    if (op === "param" || op === "buffer" || em.constants.owns(node))
      fail(
        "inPlaceAlias",
        `${name} in forward would change the model's ${op === "param" ? "parameter" : op === "buffer" ? "buffer" : "constant"}${t === x ? "" : " (through a view of it)"}, which later calls read again; forward changes only a module's own buffers (registerBuffer), not ${op === "param" ? "parameters (the optimizer's)" : op === "buffer" ? "a layer's" : "a constructor's constants (its computed fields, and the buffers tsdp holds as constants: persistent false)"}: ${fix}` +
          // PixelCNN's masked convolution: the weight is masked before every use, so using the product gives PyTorch's outputs
          (op === "param" ? ` (PixelCNN's this.weight.data.mul_(this.mask) before the convolution is F.conv2d(x, this.weight.mul(this.mask), this.bias, { padding: this.padding }): the same outputs)` : ""),
        site.loc,
      );
  }
}

/** A scalar `value` in x's shape and dtype. */
function filled(x: TensorValue, value: number, who: string, site: CallSite, em: GraphEmitter): TensorValue {
  const scalar = em.node("full", [], { shape: [], value }, who, site);
  const full = em.tensor("expand", [scalar], { shape: [...x.node.shape] }, who, site);
  return x.node.dtype === "i32" ? em.tensor("to_int", [full], {}, who, site) : full;
}

type Fill = (x: TensorValue, args: Value[], site: CallSite, em: GraphEmitter, who: string) => TensorValue;

/** The in-place methods without an out-of-place method of the same name. */
const fills: Record<string, Fill> = {
  zero: (x, args, site, em, who) => (bindArgs(who, [], args, site), filled(x, 0, who, site, em)),
  fill: (x, args, site, em, who) => {
    // ±Infinity and NaN too: CLIP's build_attention_mask fills with float("-inf") before triu_
    const b = bindArgs(who, [arg("value", "any")], args, site);
    if (typeof b.value === "number") return filled(x, b.value, who, site, em);
    // x.size(0), PyTorch's Python int: x's dtype, True for a bool x (b ≥ 1); each replica's own batch
    if (isBatchValue(b.value)) return isBooleanMask(x.node) ? filled(x, 1, who, site, em) : broadcastInto(x, em.batchSize(b.value, who, site), who, site, em);
    if (!(b.value instanceof TensorValue)) fail("wrongArgumentType", `${who}: value must be a number or a 0-dim tensor, got ${describe(b.value)}`, locOfArg(b, "value", site));
    const v = b.value as TensorValue;
    if (v.node.shape.length !== 0) fail("shapeMismatch", `${who} takes a number or a 0-dim tensor, got ${formatShape(v.node.shape)}`, locOfArg(b, "value", site));
    return broadcastInto(x, v, who, site, em);
  },
  // Tensor.fill_diagonal_(fill_value, wrap=False): the value where every index is equal — a matrix's
  // (i, i), or of more dims, all of one length as PyTorch requires, (i, i, …, i); the gradient 0 there
  fillDiagonal: (x, args, site, em, who) => {
    // ±Infinity and NaN too: a similarity matrix's diagonal masked with float("-inf")
    const b = bindArgs(who, [arg("fillValue", "any"), opt("wrap", "bool", false)], args, site);
    if (typeof b.fillValue !== "number") fail("wrongArgumentType", `${who}: fillValue must be a number, got ${describe(b.fillValue)}`, locOfArg(b, "fillValue", site));
    return em.tensor("where", [diagonalMask(x, b.wrap, who, site, em), filled(x, b.fillValue, who, site, em), x], {}, who, site);
  },
  copy: (x, args, site, em, who) => broadcastInto(x, bindArgs(who, [arg("src", "tensor"), opt("nonBlocking", "bool", false)], args, site).src, who, site, em),
  normal: (x, args, site, em, who) => {
    const b = bindArgs(who, [opt("mean", "number", 0), opt("std", "nonNegNumber", 1)], args, site);
    return affine(draw(x, "normal", who, site, em), b.std, b.mean, who, site, em);
  },
  uniform: (x, args, site, em, who) => {
    const b = bindArgs(who, [opt("from", "number", 0), opt("to", "number", 1)], args, site);
    if (!(b.from <= b.to)) fail("invalidArgument", `${who}: from must not exceed to, got [${b.from}, ${b.to}]`, site.loc);
    return affine(draw(x, "uniform", who, site, em), b.to - b.from, b.from, who, site, em);
  },
  // Tensor.bernoulli_(p = 0.5): 1 with probability p (a number, or a tensor broadcast to x) per element
  bernoulli: (x, args, site, em, who) => {
    const b = bindArgs(who, [opt("p", "any", 0.5)], args, site);
    // drawn first, as x.bernoulli(p) draws: the same graph, so the same stream
    const u = draw(x, "uniform", who, site, em);
    const p = b.p instanceof TensorValue ? b.p : typeof b.p === "number" && b.p >= 0 && b.p <= 1 ? em.node("full", [], { shape: [], value: b.p }, who, site) : fail("invalidArgument", `${who}: p must be a probability in [0, 1] or a tensor of them, got ${describe(b.p)}`, locOfArg(b, "p", site));
    return em.tensor("lt", [u, p], {}, who, site);
  },
};

/**
 * Where fill_diagonal_ writes, 1 there: every index equal; with wrap, a tall matrix (h > w + 1)
 * starts its diagonal again below every w + 1 rows — PyTorch's strided fill at each (w + 1)-th flat
 * position, that is, (r, c) with c = r mod (w + 1).
 */
function diagonalMask(x: TensorValue, wrap: boolean, who: string, site: CallSite, em: GraphEmitter): TensorValue {
  const shape = x.node.shape;
  if (shape.length < 2) fail("shapeMismatch", `${who}: x must have at least 2 dims, got ${formatShape(shape)}`, site.loc);
  if (!shape.every((d): d is number => typeof d === "number"))
    return fail("shapeMismatch", `${who}: ${formatShape(shape)} holds the batch, so where the diagonal falls would depend on each device's share of it; fill the diagonal of a tensor of fixed shape`, site.loc);
  if (shape.length > 2 && shape.some((d) => d !== shape[0])) fail("shapeMismatch", `${who}: all dims of x must have one length, got ${formatShape(shape)} (PyTorch refuses it too)`, site.loc);
  const position = (dim: number) => {
    const along = em.tensor("arange_int", [], { start: 0, step: 1, length: shape[dim] }, who, site);
    return em.tensor("reshape", [em.tensor("to_float", [along], {}, who, site)], { shape: shape.map((d, i) => (i === dim ? d : 1)) }, who, site);
  };
  const [h, w] = shape;
  const first = wrap && shape.length === 2 && h > w + 1 ? em.tensor("remainder", [position(0), em.constant(w + 1, site)], {}, who, site) : position(0);
  const equal = shape.slice(1).map((_, i) => em.tensor("eq", [position(i + 1), first], {}, who, site));
  return equal.slice(1).reduce((all, e) => em.tensor("mul", [all, e], {}, who, site), equal[0]);
}

function draw(x: TensorValue, distribution: "normal" | "uniform", who: string, site: CallSite, em: GraphEmitter): TensorValue {
  if (x.node.dtype !== "f32") fail("dtypeMismatch", `${who}: x is ${dtypeNames[x.node.dtype]}; tsdp's random tensors are float32`, site.loc);
  return em.tensor("sample", [], { shape: [...x.node.shape], distribution }, who, site);
}

function affine(t: TensorValue, scale: number, shift: number, who: string, site: CallSite, em: GraphEmitter): TensorValue {
  const scaled = scale === 1 ? t : em.tensor("mul", [t, em.constant(scale, site)], {}, who, site);
  return shift === 0 ? scaled : em.tensor("add", [scaled, em.constant(shift, site)], {}, who, site);
}

/** src broadcast to x's shape, in x's dtype: PyTorch's copy_ (which converts the dtype). */
function broadcastInto(x: TensorValue, src: TensorValue, who: string, site: CallSite, em: GraphEmitter): TensorValue {
  const [xs, ss] = [x.node.shape, src.node.shape];
  const fits = ss.length <= xs.length && ss.every((d, i) => d === 1 || shapeEq([d], [xs[xs.length - ss.length + i]]));
  if (!fits) fail("shapeMismatch", `${who}: the source's shape ${formatShape(ss)} does not broadcast to x's ${formatShape(xs)}`, site.loc);
  const same = shapeEq(ss, xs) ? src : em.tensor("expand", [src], { shape: [...xs] }, who, site);
  if (same.node.dtype === x.node.dtype) return same;
  return em.tensor(x.node.dtype === "i32" ? "to_int" : "to_float", [same], {}, who, site);
}

/**
 * In a constructor, `F.empty(n).uniform_(-b, b)` is a random initial value (a StaticTensor, drawn
 * when the model is created). The receiver object cannot become one: a variable bound to it reads
 * the draw from then on (takeDraw), and its other reads (views sharing its storage) are refused.
 */
function constructorDraw(x: TensorValue, name: string, args: Value[], site: CallSite): Value {
  const shape = x.node.shape;
  if (!shape.every((d): d is number => typeof d === "number")) return fail("invalidArgument", `${name}: a constructor tensor of shape ${formatShape(shape)}`, site.loc);
  if (name === "bernoulli_") return fail("nonConstant", `bernoulli_ draws in forward; a parameter's random initial value is F.rand([...]) or nn.init's functions in the constructor`, site.loc);
  let init: Init;
  if (name === "normal_") {
    const b = bindArgs(name, [opt("mean", "number", 0), opt("std", "nonNegNumber", 1)], args, site);
    init = normalInit(b.mean, b.std);
  } else {
    const b = bindArgs(name, [opt("from", "number", 0), opt("to", "number", 1)], args, site);
    init = uniformInit(b.from, b.to, name, site.loc);
  }
  const result = new StaticTensor(shape, init);
  const why = `${name} in a constructor makes a random initial value, drawn when the model is created, which this tensor cannot hold; use the value it returns (w = F.empty(…).${name}(…))`;
  change(x, x.node, () => fail("inPlaceAlias", why, site.loc));
  refuseSharers(x, why, site);
  takeDraw(x, result);
  return result;
}
