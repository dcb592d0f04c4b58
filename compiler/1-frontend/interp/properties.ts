import { initFromParameter } from "../parameter-init.ts";
import { markRequiresGrad, requiresGradient } from "../requires-grad.ts";
import { checkRemovedParameterSet, nullLayerParameter, removeParameter } from "../removed-parameters.ts";
import { convForwardMethod } from "../conv-forward.ts";
import { recurrentLayerMethod } from "../recurrent-methods.ts";
import { Node as TsNode } from "ts-morph";
import { layerResetMethod } from "../layer-reset.ts";
import { hookRegistration } from "../module-hooks.ts";
import { emptyTensorProperty } from "../empty-tensors.ts";
import { regionMethod } from "../parameter-regions.ts";
import { fail, type SourceLoc } from "../../diagnostics/diagnostic.ts";
import { addParameterEntry, appendModule, insertModule, moduleDictEntries, sequentialModule, setDictEntry } from "../layers.ts";
import { parameterDictMember, type ParameterDictHost } from "../parameter-dict.ts";
import { arg, bindArgs, camel, locOfArg, opt } from "../args.ts";
import { initialValue, randomDrawProperty, shareStorage } from "../factories.ts";
import { arrayMethod, numberMethod, stringMethod } from "../globals.ts";
import { locOf } from "../source.ts";
import { MAX_EXPORTED_TABLE } from "../../ir/node.ts";
import { assignState, isState } from "../state-updates.ts";
import { int64Digest } from "../../../runtime/state-dict.ts";
import { checkLayerName, isLayerName, own, quoteName } from "../names.ts";
import { modeOf } from "../module-modes.ts";
import { indexTensor } from "../joins.ts";
import { indexWith } from "../indexing.ts";
import { maskedCopy, maskedFillRows, maskOverRows } from "../masked-selections.ts";
import { whereIndexMask } from "../where-coordinates.ts";
import { claimCaptured, inPlaceMethod, markCaptured } from "../in-place.ts";
import { complexProperty } from "../complex.ts";
import { distributionProperty } from "../distributions.ts";
import { transformProperty } from "../distribution-transforms.ts";
import { fromConstantsOnly } from "../known-values.ts";
import { reachable } from "../../ir/reachable.ts";
import { detachedView, VIEW_METHODS, viewOrCopy, withViews } from "../views.ts";
import { insideNoGrad } from "../no-grad.ts";
import { collectionProperty } from "../collections.ts";
import { REFUSED_NAMES, REFUSED_TENSOR_METHODS } from "../refused-names.ts";
import { GRADIENT_HOOK_REFUSALS, registerHookMethod, retainGradMethod } from "../gradient-hooks.ts";
import { EXTRA_IN_PLACE, EXTRA_METHODS } from "../torch-extras.ts";
import { parameterInitProperty, refuseRecomputed, setParameterRequiresGrad } from "../parameter-init.ts";
import { tensorMethods, tensorProperty } from "../tensor-methods.ts";
import { withOutArgument } from "../out-argument.ts";
import {
  BuiltinClass,
  BuiltinFunction,
  ClassValue,
  CollectionValue,
  describe,
  FunctionValue,
  ModuleValue,
  NamespaceValue,
  ObjectValue,
  LayerParamRef,
  RecomputedParamRef,
  PackedSequenceValue,
  ParameterValue,
  Poison,
  StaticTensor,
  EmptyTensor,
  ParameterRegion,
  ComplexValue,
  DistributionValue,
  TensorValue,
  isShape,
  type CallSite,
  type Value,
  type ParamDecl,
} from "../values.ts";
import { applyOrder, namedChildren, namedModules, namedParameters, notePlainState } from "../module-tree.ts";
import { ExpressionEvaluator } from "./expressions.ts";
import { didYouMean, snake } from "./syntax.ts";

// Properties and elements: of modules (layers, fields, methods), tensors, arrays, objects and namespaces.

/**
 * module.requiresGrad_(flag), as PyTorch's: every parameter of the module and of its children,
 * own nn.Parameter fields and layers' parameters alike. A frozen parameter becomes state the
 * step reads and never updates (registerModule makes it a buffer: saved, loaded, no gradient).
 */
function setRequiresGrad(m: ModuleValue, requiresGrad: boolean): void {
  for (const p of m.params) requiresGrad ? m.frozen.delete(p.local) : m.frozen.add(p.local);
  for (const v of m.fields.values()) {
    if (v instanceof ParameterValue) setParameterRequiresGrad(v, requiresGrad);
    else if (v instanceof ModuleValue) setRequiresGrad(v, requiresGrad);
    else if (Array.isArray(v)) for (const c of v) if (c instanceof ModuleValue) setRequiresGrad(c, requiresGrad);
  }
}
/**
 * A field's name in the module: a private field `#fc` is `fc`, its state_dict name as PyTorch's
 * `self.fc` (a class declaring both `#fc` and `fc` is refused where it declares them).
 */

/** A tensor's statistics, which a constructor reads of a draw (Demucs's rescale_conv: conv.weight.std()). */
const STATISTICS = new Set(["std", "var", "mean", "norm", "max", "min", "amax", "sum"]);
export const fieldName = (name: string) => (name.startsWith("#") ? name.slice(1) : name);

/** PyTorch's snake_case name as tsdp's camelCase one (masked_fill_ → maskedFill_, bitwise_not → bitwiseNot); a leading _ stays. */
const camelOfSnake = (name: string) => name.replace(/(?<=[a-z0-9])_([a-z])/g, (_, c: string) => c.toUpperCase());

export abstract class PropertyEvaluator extends ExpressionEvaluator {
  getProperty(obj: Value, name: string, site: CallSite): Value {
    // an overridden train(mode) reads a parameter's requiresGrad at most: p.data.zero_() there would be an initializer, run once
    if (this.modeFlags && (obj instanceof LayerParamRef || obj instanceof ParameterValue || obj instanceof TensorValue || obj instanceof StaticTensor) && name !== "requiresGrad" && name !== "requires_grad")
      fail("unsupportedSyntax", `${describe(obj)}.${name} in an overridden train(mode): the override is evaluated when the model is compiled, to find each module's mode, and may set modes (m.eval(), m.train(mode)) and requiresGrad only; change tensors in the constructor or forward`, site.loc);
    // a tensor made in a constructor (a computed buffer read back, this.offset.requiresGrad_()): a
    // constant, which asking for gradients leaves one, as PyTorch leaves a buffer a buffer
    if (obj instanceof TensorValue && name === "requiresGrad_" && this.em.constants.owns(obj.node))
      return new BuiltinFunction("requiresGrad_", (args, s) => (bindArgs("requiresGrad_", [opt("requiresGrad", "bool", true)], args, s), obj));
    if (obj instanceof TensorValue && (name === "requiresGrad_" || name === "requires_grad_"))
      return new BuiltinFunction(name, (args, s) => unmarkGradient(obj, bindArgs(name, [opt("requiresGrad", "bool", true)], args, s).requiresGrad as boolean, s));
    if (obj instanceof TensorValue) {
      // PyTorch's snake_case spelling (x.masked_fill_, x.index_put_, x.new_zeros) is the camelCase method's
      const camelCase = camelOfSnake(name);
      // x.retain_grad(), x.register_hook(fn): gradient-hooks.ts
      if (camelCase === "retainGrad") return retainGradMethod(() => tensorProperty(obj, "requiresGrad", this.em, site) === true);
      if (camelCase === "registerHook") return registerHookMethod(obj, name, this.em, (f, a, s) => this.callValue(f, a, s));
      const hook = own(GRADIENT_HOOK_REFUSALS, camelCase);
      if (hook) fail("unknownProperty", `tensors have no ${name} in tsdp: ${hook}`, site.loc);
      for (const spelling of new Set([name, camelCase])) {
        const v = tensorProperty(obj, spelling, this.em, site);
        // a view (x.view, x.T, x.chunk, …) shares x's storage: in-place.ts follows in-place changes through it
        if (v !== undefined && VIEW_METHODS.has(spelling))
          return v instanceof BuiltinFunction ? new BuiltinFunction(v.name, (args, s) => viewOrCopy(obj, spelling, v.call(args, s), s)) : withViews(obj, v);
        if (v !== undefined) return v;
        // PyTorch's in-place x.add_(y), x.zero_(), x.bernoulli_(p): the tensor takes over the result
        const inPlace = inPlaceMethod(obj, spelling, this.em, this.phase === "forward" ? "forward" : "construct", tensorMethods);
        if (inPlace) return inPlace;
      }
      // x.sinc(), x.dot(y), x.trace(), x.arccos(): torch's method forms of the functions in torch-extras.ts
      const extra = (base: string) => {
        const f = (this.dsl.get("F") as NamespaceValue).members.get(base);
        return f instanceof BuiltinFunction ? f : undefined;
      };
      if (own(EXTRA_METHODS, camelCase)) {
        const f = extra(camelCase);
        if (f) return new BuiltinFunction(name, (args, s) => f.call([obj, ...args], s));
      }
      // and the in-place forms PyTorch has of them (x.sgn_(), x.sinc_(), x.arccos_(), x.true_divide_(y))
      const base = camelCase.replace(/_$/, "");
      if (camelCase.endsWith("_") && own(EXTRA_IN_PLACE, base) && extra(base)) {
        const methods = { [base]: (x: TensorValue, args: Value[], s: CallSite) => extra(base)!.call([x, ...args], s) };
        const inPlace = inPlaceMethod(obj, camelCase, this.em, this.phase === "forward" ? "forward" : "construct", methods);
        if (inPlace) return inPlace;
      }
      // an attribute of the port's own set on the tensor (Python's tensors take any: the Informer family's `pe.require_grad = False`)
      const attribute = this.ownAttributes(obj, false)?.get(name);
      if (attribute !== undefined) return attribute;
      // and its in-place form (x.maskedScatter_(mask, src))
      const refused = own(REFUSED_TENSOR_METHODS, camelCase) ?? own(REFUSED_TENSOR_METHODS, camelCase.replace(/_$/, ""));
      if (refused) fail("unknownProperty", `tensors have no ${name} in tsdp: ${refused}`, site.loc);
      fail("unknownProperty", `tensors have no property '${name}' in tsdp${didYouMean(name, ["shape", "T", "mT", "dtype", "device", ...Object.keys(tensorMethods)], "")}`, site.loc);
    }
    if (obj instanceof NamespaceValue) {
      // PyTorch's snake_case spelling (F.bitwise_not, F.logical_and) is the camelCase function's
      const v = obj.members.get(name) ?? obj.members.get(camelOfSnake(name));
      if (v === undefined) {
        // a name tsdp knows and refuses says why and what to write instead (refused-names.ts)
        // the member read after it, where that has a reason of its own (F.autograd.Function, not F.autograd.grad)
        const parent = site.node?.getParent();
        const member = parent && TsNode.isPropertyAccessExpression(parent) && parent.getExpression() === site.node ? `${name}.${parent.getName()}` : undefined;
        const memberWhy = member === undefined ? undefined : own(REFUSED_NAMES, `${obj.name}.${member}`);
        const why = memberWhy ?? own(REFUSED_NAMES, `${obj.name}.${name}`) ?? own(REFUSED_NAMES, `${obj.name}.${camelOfSnake(name)}`);
        fail(
          obj.name === "nn" || obj.name === "F" || obj.name === "optim" || obj.name === "F.autograd" || obj.name === "F.func" ? "unknownLayer" : "unknownProperty",
          why ? `${obj.name}.${memberWhy ? member : name} is not supported: ${why}` : `${obj.name}.${name} is not part of tsdp's model language${didYouMean(name, [...obj.members.keys()], obj.name)}`,
          site.loc,
        );
      }
      // torch's functions take out= (F is torch too; its namespaces torch.linalg, torch.special, …)
      if (v instanceof BuiltinFunction && (obj.name === "F" || obj.name.startsWith("F."))) return withOutArgument(v, (o, n, s) => this.getProperty(o, n, s));
      return v;
    }
    if (obj instanceof ModuleValue) return this.moduleProperty(obj, name, site);
    if (obj instanceof StaticTensor) {
      // the draw a parameter or buffer was made from, kept beside it and read in forward (pytorch-ntm's
      // `self.init_r += [init_r_bias]` after register_buffer(…, init_r_bias.data)): PyTorch's tensor shares
      // the state's storage, so it reads the state's values
      const state = this.phase === "forward" ? this.stateOfDraw(obj) : undefined;
      if (state) return this.getProperty(state, name, site);
      return randomDrawProperty(obj, name, site);
    }
    if (obj instanceof EmptyTensor) return emptyTensorProperty(obj, name, site, this.em);
    if (obj instanceof ComplexValue) return complexProperty(obj, name, this.em, site, (t, method) => this.getProperty(t, method, site));
    if (obj instanceof DistributionValue) return distributionProperty(obj, name, this.em, site);
    // this.fc.weight.requiresGrad_(false) / this.pos.requiresGrad_(false) in a constructor
    // a parameter's size in a constructor (sum(p.numel() for p in self.parameters()), p.dim() ≥ 2 in an init loop)
    if ((obj instanceof LayerParamRef || obj instanceof ParameterValue || obj instanceof ParameterRegion) && ["numel", "dim", "ndimension", "size", "shape", "length"].includes(name)) {
      const shape = [...obj.shape];
      if (name === "shape") return shape;
      // len(self.weight): the size of dim 0 (rtdl's n_tokens)
      if (name === "length") return shape.length ? shape[0] : fail("shapeMismatch", "length: a 0-d parameter has no length (PyTorch's len() of a 0-d tensor raises a TypeError)", site.loc);
      return new BuiltinFunction(name, (args, s) => {
        if (name === "size") {
          const b = bindArgs("size", [opt("dim", "int", null, { nullable: true })], args, s);
          if (b.dim === null) return shape;
          const d = b.dim < 0 ? b.dim + shape.length : b.dim;
          return d >= 0 && d < shape.length ? shape[d] : fail("invalidArgument", `size: dim ${b.dim} is out of range for a parameter of ${shape.length} dims`, s.loc);
        }
        bindArgs(name, [], args, s);
        return name === "numel" ? shape.reduce((p, q) => p * q, 1) : shape.length;
      });
    }
    // a parameter's dtype and device in a constructor, as a tensor's: Hugging Face's sinusoidal tables are
    // torch.empty(n_pos, dim, dtype=self.weight.dtype) and positions arange(…, device=self.weight.device)
    if ((obj instanceof LayerParamRef || obj instanceof ParameterValue || obj instanceof ParameterRegion) && (name === "dtype" || name === "device")) {
      if (name === "device") return "cuda";
      const dtype = parameterDtype(obj instanceof ParameterRegion ? obj.parameter : obj);
      return dtype === "i32" ? "int32" : dtype === "i64" ? "int64" : "float32";
    }
    // p.data.normal_(0, 0.02), p.zero_(), p.requiresGrad: the parameter's initializer (parameter-init.ts)
    if (obj instanceof LayerParamRef || obj instanceof ParameterValue || obj instanceof ParameterRegion) {
      const v = parameterInitProperty(obj, name, this.em);
      if (v !== undefined) return v;
    }
    if (obj instanceof LayerParamRef || obj instanceof ParameterValue) {
      const attribute = this.ownAttributes(obj, false)?.get(name);
      if (attribute !== undefined) return attribute;
    }
    if ((obj instanceof LayerParamRef || obj instanceof ParameterValue) && name === "requiresGrad_")
      return new BuiltinFunction("requiresGrad_", (args, s) => {
        this.requireConstructPhase("requiresGrad_", s);
        const b = bindArgs("requiresGrad_", [opt("requiresGrad", "bool", true)], args, s);
        setParameterRequiresGrad(obj, b.requiresGrad, s.loc);
        return obj;
      });
    // a parameter's p.retain_grad() (a leaf's, which PyTorch ignores) and p.register_hook(fn) (a
    // gradient-clipping hook set in __init__), in a constructor: gradient-hooks.ts
    if (obj instanceof LayerParamRef || obj instanceof ParameterValue) {
      if (camelOfSnake(name) === "retainGrad") return retainGradMethod(() => true);
      const hook = own(GRADIENT_HOOK_REFUSALS, camelOfSnake(name));
      if (hook) fail("unknownProperty", `${describe(obj)} has no ${name} in tsdp: ${hook}`, site.loc);
    }
    if ((obj instanceof FunctionValue || obj instanceof BuiltinFunction) && (name === "bind" || name === "call" || name === "apply")) return this.functionMethod(obj, name);
    // f.length, JavaScript's count of declared parameters (Python's len(inspect.signature(f).parameters),
    // Hugging Face's apply_chunking_to_forward check); a bound function's less the arguments it binds
    if (name === "length") {
      const bound = obj instanceof BuiltinFunction ? this.boundFunctions.get(obj) : undefined;
      const target = bound ? bound.target : obj;
      if (target instanceof FunctionValue) return Math.max(0, declaredArity(target.decl) - (bound?.args.length ?? 0));
    }
    if (obj instanceof ObjectValue) return obj.props.has(name) ? obj.props.get(name) : obj.dictMethods?.get(name);
    if (obj instanceof CollectionValue) return collectionProperty(obj, name, this.arrayHooks, site);
    // a static method by either spelling (generate_square_subsequent_mask, from_pretrained)
    const staticMember = obj instanceof BuiltinClass ? staticOf(obj.statics, name) : undefined;
    if (staticMember !== undefined) return staticMember;
    // nn.Conv2d.name: "Conv2d", as JavaScript's class name and Python's __name__
    if (obj instanceof BuiltinClass && name === "name") return obj.name.slice(obj.name.lastIndexOf(".") + 1);
    if (obj instanceof ClassValue) return this.staticMember(obj, name, site);
    if (Array.isArray(obj)) {
      if (name === "length") return obj.length;
      const m = arrayMethod(obj, name, this.arrayHooks);
      if (m) return m;
      return fail("unknownProperty", `arrays have no method '${name}' in model code`, site.loc);
    }
    if (typeof obj === "number") {
      const method = numberMethod(obj, name);
      if (method) return method;
    }
    if (typeof obj === "string") {
      if (name === "length") return obj.length;
      const m = stringMethod(obj, name, this.arrayHooks);
      if (m) return m;
      return fail("unknownProperty", `strings have no method '${name}' in model code`, site.loc);
    }
    if (obj instanceof PackedSequenceValue)
      return fail("unknownProperty", `a PackedSequence's ${name === "data" || name === "batchSizes" ? `${name}` : `'${name}'`} is not available: a PackedSequence's data holds the valid steps of every sample, a size known only at run time; pad it back with nn.utils.rnn.padPackedSequence(seq) and use the padded tensor`, site.loc);
    if (obj === null || obj === undefined) return fail("wrongArgumentType", `cannot read '${name}' of ${describe(obj)}`, site.loc);
    // RecurrentGemma's p.data.log_().mul_(0.5) in a constructor: a parameter's values there are an initializer
    if ((obj instanceof LayerParamRef || obj instanceof ParameterValue || obj instanceof ParameterRegion) && (own(tensorMethods, name) || own(tensorMethods, name.replace(/_$/, ""))))
      return fail(
        "unknownProperty",
        `${describe(obj)} has no property '${name}' in a constructor: a parameter's values there are its initializer — nn.init's, or .data's normal_, uniform_, fill_, zero_, copy_ and mul_/div_/add_/sub_ — and other math is not one; compute the values as a tensor and copy_ them, or apply ${name.replace(/_$/, "")} in forward` +
          // PixelCNN's register_buffer('mask', self.weight.data.clone()), then filled: only its shape is used
          (name === "clone" ? ` (for a tensor of its shape that is filled next, as PixelCNN's mask, write F.ones(this.weight.size()))` : "") +
          // Demucs's rescale_conv: std = conv.weight.std(); conv.weight.data /= (std / reference) ** 0.5
          (STATISTICS.has(name) ? `. The draw's ${name} is known only when the model is created, from its seed; its law's is a number you can write instead (a uniform draw in [−b, b] has std b/√3, a normal draw its std), and mul_/div_ by a number is an initializer` : "") +
          // NVAE's Conv2D: log_weight_norm = log(norm(self.weight) + 1e-2), from the weight's draw
          (name !== "clone" && !name.endsWith("_")
            ? `. Another parameter's initial value computed from this one's draw (NVAE's log_weight_norm = log(‖w‖ + 0.01)) exists only when the model is created; nn.utils.weightNorm(layer) starts its g as ‖v‖ of the same draw, the nearest initializer tsdp computes`
            : ""),
        site.loc,
      );
    // Python's nn.LayerNorm.forward(self, x) (SqueezeBERT's NCW LayerNorm) read as Base.prototype.forward.call(this, x)
    if ((obj instanceof BuiltinClass || obj instanceof ClassValue) && name === "prototype")
      return fail("unknownProperty", `${describe(obj)}.prototype is not part of the model language: a base class's method on this module (Python's nn.LayerNorm.forward(self, x) in a subclass) is super.forward(x), and super.method(…) for any other method`, site.loc);
    return fail("unknownProperty", `${describe(obj)} has no property '${name}'`, site.loc);
  }

  /**
   * A function's bind, call and apply, as JavaScript's: `this` is thisArg for a function or method
   * (an arrow keeps its own, and a built-in, such as a layer's forward, is bound to its module
   * already); null or undefined leaves `this` as it is.
   */
  protected functionMethod(f: FunctionValue | BuiltinFunction, name: "bind" | "call" | "apply"): BuiltinFunction {
    const withThis = (thisArg: Value): Value =>
      f instanceof FunctionValue && thisArg !== null && thisArg !== undefined && !TsNode.isArrowFunction(f.decl) ? new FunctionValue(f.decl, f.closure, f.name, thisArg) : f;
    if (name === "call") return new BuiltinFunction(`${f.name}.call`, ([thisArg, ...args], s) => this.callValue(withThis(thisArg), args, s));
    if (name === "apply")
      return new BuiltinFunction(`${f.name}.apply`, ([thisArg, args, ...rest], s) => {
        if (rest.length > 0) fail("wrongArgumentCount", `${f.name}.apply takes thisArg and an array of arguments, got ${rest.length + 2} arguments`, s.loc);
        if (args !== undefined && args !== null && !Array.isArray(args)) fail("wrongArgumentType", `${f.name}.apply takes its arguments as an array, got ${describe(args)}`, s.loc);
        return this.callValue(withThis(thisArg), Array.isArray(args) ? [...args] : [], s);
      });
    return new BuiltinFunction(`${f.name}.bind`, ([thisArg, ...bound]) => {
      const target = withThis(thisArg);
      if (bound.length === 0) return target;
      const fn = new BuiltinFunction(`bound ${f.name}`, (args, s) => this.callValue(target, [...bound, ...args], s));
      this.boundFunctions.set(fn, { target, args: bound });
      return fn;
    });
  }

  /**
   * Attributes forward set on a module (RevIN's `self.mean` in its "norm" call, read back by its
   * "denorm" call; an attention map kept for inspection): the value for the rest of this forward,
   * as PyTorch's attribute holds it until the next call sets it again (forward always sets it
   * before reading it, or the read is refused: callAttribute).
   */
  protected readonly callAttributes = new Map<ModuleValue, Map<string, Value>>();
  /** Constructor values forward read (`this.nfe` of `this.nfe += 1`): setting one afterwards would carry a value from call to call. */
  protected readonly readAttributes = new Map<ModuleValue, Set<string>>();

  protected poisonField(self: ModuleValue, name: string): void {
    name = fieldName(name);
    if (this.phase !== "forward") return void self.fields.set(name, Poison.value);
    // in forward, as the attribute the failed line would have set (a call attribute): the module's
    // own fields, its buffers and layers among them, stay as they are for the model's other uses
    const attributes = this.callAttributes.get(self) ?? new Map<string, Value>();
    this.callAttributes.set(self, attributes.set(name, Poison.value));
  }

  /** In forward, the registered parameter or buffer made from the same draw with the same law and shape as `t` (its values), if any. */
  protected stateOfDraw(t: StaticTensor): TensorValue | undefined {
    const sameLaw = (p: ParameterValue) => p.drawOrigin === t.origin && JSON.stringify(p.init) === JSON.stringify(t.init) && p.shape.join() === t.shape.join();
    for (const [state, node] of this.registeredState ?? [])
      if (state instanceof ParameterValue && node && sameLaw(state)) return node.op === "buffer" ? this.stateValue(node) : new TensorValue(node);
    return undefined;
  }

  protected holdsParameter(m: ModuleValue, name: string): boolean {
    const field = m.fields.get(name);
    return (m.isLayer && m.params.some((p) => p.local === name)) || (field instanceof ParameterValue && !field.buffer);
  }

  protected deleteParameter(m: ModuleValue, name: string, site: CallSite): boolean {
    this.requireConstructPhase(`delete ${m.typeName}.${name}`, site);
    removeParameter(m, name, (owner, local) => this.callAttributes.get(owner)?.get(local), site.loc);
    return true;
  }

  /** this.name = value in forward, for a plain attribute (not a submodule, parameter or buffer). */
  protected setCallAttribute(m: ModuleValue, name: string, value: Value, site: CallSite): void {
    // a parameter the constructor deleted, set for this call (AWD-LSTM's WeightDrop): what the layer reads
    if (m.removedParams.has(name)) {
      // a refused set leaves it poisoned, so that the layer's read says nothing more
      const attributes = this.callAttributes.get(m) ?? new Map<string, Value>();
      this.callAttributes.set(m, attributes.set(name, Poison.value));
      checkRemovedParameterSet(m, name, value, site);
      attributes.set(name, value);
      return;
    }
    const field = m.fields.get(name);
    const current = this.callAttributes.get(m)?.has(name) ? this.callAttributes.get(m)!.get(name) : field;
    // this.numUpdates = this.numUpdates.add(1) on an integer buffer held as a constant: the next lowering makes it state (counter-buffers.ts)
    if (field instanceof TensorValue && this.em.counters.noteChanged(field.node)) fail("unsupportedSyntax", `forward sets the buffer this.${name}, held as a constant (an integer one, or one with persistent false) until forward was seen to change it`, site.loc);
    // a cache of a tensor computed from sizes and constants alone, set where it is still None
    // (word_language_model's `if self.src_mask is None or self.src_mask.size(0) != len(src):
    // self.src_mask = mask`): it holds what every call computes, tsdp's sizes being fixed, so forward
    // is compiled as its first call; a value computed from the cache it replaces (a counter) is not one
    const cache = (field === null || field === undefined) && value instanceof TensorValue && fromConstantsOnly(value.node) && !(current instanceof TensorValue && reachable([value.node]).has(current.node));
    const why =
      field instanceof ModuleValue || field instanceof ParameterValue ? `this.${name} is ${describe(field)}, fixed when the model is built`
      : m.kind !== "user" ? `${m.typeName} has no attribute forward may set`
      : this.readAttributes.get(m)?.has(name) && !sameValues(field, value) && !cache ? `forward read this.${name} before setting it, so its value would carry from one call to the next; state that persists between calls is a buffer (registerBuffer), which forward may change`
      // a set under a test of this.training that leaves the attribute as it is (MEGA's `self._coeffs = None`
      // when it is None) gives it one value in both modes
      : this.assumedMode !== undefined && !sameValues(current, value) ? `this code runs once per mode (it tests this.training), and an attribute holds one value; set it outside the test (a value cached in one mode from the parameters, as MEGA's eval-time self._kernel, is the same computed on every call: compute it there instead of caching it)`
      : undefined;
    const attributes = this.callAttributes.get(m) ?? new Map<string, Value>();
    this.callAttributes.set(m, attributes);
    // a refused set leaves the attribute poisoned, so that its reads say nothing more (RepVGG's
    // cached id_tensor read back as undefined: "cannot read 'mul' of undefined" three calls deep)
    attributes.set(name, why ? Poison.value : value);
    if (why) fail("unsupportedSyntax", `forward cannot set this.${name}: ${why}`, site.loc);
  }

  /**
   * A member PyTorch's Distribution base class defines through one its subclass writes (rlkit's
   * TanhNormal writes rsample and log_prob, and calls sample): sample is rsample under
   * torch.no_grad (detached here), stddev variance's square root, perplexity exp(entropy). Undefined
   * where the subclass lacks the member it goes through (the base's own message then says so).
   */
  protected distributionDefault(m: ModuleValue, name: string, site: CallSite): Value | undefined {
    const cls = m.cls!;
    const method = (n: string) => {
      const found = this.lookupMethod(cls, n);
      return found && new FunctionValue(found.method, found.owner.scope, `${found.owner.name}.${n}`, m);
    };
    const tensorOf = (v: Value, through: string, s: CallSite): TensorValue =>
      v instanceof TensorValue ? v : fail("wrongArgumentType", `${m.typeName}.${name} goes through ${through}, which returned ${describe(v)}, not a tensor`, s.loc);
    const apply = (t: TensorValue, op: string, s: CallSite) => (tensorProperty(t, op, this.em, s) as BuiltinFunction).call([], s);
    if (name === "sample") {
      const rsample = method("rsample");
      return rsample && new BuiltinFunction(`${m.typeName}.sample`, (args, s) => apply(tensorOf(this.callCallback(rsample, args, s), "rsample", s), "detach", s));
    }
    if (name === "perplexity") {
      const entropy = method("entropy");
      return entropy && new BuiltinFunction(`${m.typeName}.perplexity`, (args, s) => apply(tensorOf(this.callCallback(entropy, args, s), "entropy", s), "exp", s));
    }
    if (name === "stddev") {
      const variance = this.lookupGetter(cls, "variance", m);
      return variance && apply(tensorOf(this.callCallback(variance, [], site), "variance", site), "sqrt", site);
    }
    return undefined;
  }

  protected moduleProperty(m: ModuleValue, name: string, site: CallSite): Value {
    // this.#fc: the field fc (a private method keeps its #)
    if (name.startsWith("#") && m.fields.has(fieldName(name))) name = fieldName(name);
    const attributes = this.phase === "forward" ? this.callAttributes.get(m) : undefined;
    if (attributes?.has(name)) return attributes.get(name);
    // a sequence's children are read by index (this.layers[0]); a Sequential's named ones by name too
    if (m.fields.has(name) && (!(m.kind === "list" || m.kind === "sequential") || !/^\d+$/.test(name))) {
      const v = m.fields.get(name);
      // an nn.Parameter is its graph node in forward; in the constructor, itself (for nn.init)
      if (v instanceof ParameterValue && this.phase === "forward") {
        // a plain object's reference to a parameter a module of the model holds (module-tree.ts notePlainState)
        const node = m.paramNodes.get(name) ?? (m.plain ? this.registeredState?.get(v) : undefined);
        if (!node) return fail("moduleNotInModel", `${m.typeName}.${name} is an nn.Parameter of a module that is not part of the model`, site.loc);
        // a buffer is one tensor in forward, so that forward may change it (state-updates.ts)
        if (v.intTable) return this.em.tensor("to_int", [node], {}, `${m.typeName}.${name}`, site);
        // so is a trained parameter: forward may change it where autograd does not record it (state-updates.ts)
        return node.op === "buffer" || node.op === "param" ? this.stateValue(node) : new TensorValue(node);
      }
      // a field holding a layer's parameter (PyTorch's self.w = self.fc.weight registers that same tensor) reads in
      // forward as the layer's own read of it, so a tie, a freeze or a weight norm applies alike
      if (v instanceof LayerParamRef && this.phase === "forward") return this.moduleProperty(v.module, v.local, site);
      // a buffer computed in the constructor reads there as the tensor it was computed as
      if (v instanceof ParameterValue && v.computed) return v.computed;
      if (this.phase === "forward" && !(v instanceof ModuleValue) && !(v instanceof ParameterValue)) {
        const read = this.readAttributes.get(m) ?? new Set<string>();
        this.readAttributes.set(m, read.add(name));
      }
      return v;
    }
    // while an overridden train(mode) runs, the flag it has set so far (a new module's is true); in forward, the module's own
    if (name === "training") return this.modeFlags ? (this.modeFlags.get(m) ?? true) : modeOf(m);
    // m.constructor: its class, whose name initialization code tests (DCGAN's weights_init:
    // `m.constructor.name.includes("Conv")`, Python's m.__class__.__name__)
    if (name === "constructor") return m.cls ?? this.layerClassOf(m, site);
    if (name === "length" && m.typeName === "nn.ParameterList") return m.fields.size;
    if (m.typeName === "nn.ParameterDict") {
      const member = parameterDictMember(m, name, this.parameterDictHost);
      if (member !== undefined) return member;
    }
    // register_forward_hook(hook) and register_forward_pre_hook(hook) (module-hooks.ts)
    const hook = hookRegistration(m, name, this.hookHost);
    if (hook) return hook;
    // register_parameter(name, nn.Parameter(...)): the field of that name, as an assignment makes it
    if ((name === "registerParameter" || name === "register_parameter") && (m.kind === "user" || m.kind === "layer"))
      return new BuiltinFunction(`${m.typeName}.registerParameter`, (args, s) => {
        const who = `${m.typeName}.registerParameter`;
        this.requireConstructPhase(who, s);
        const b = bindArgs(who, [arg("name", "string"), arg("param", "any")], args, s);
        checkLayerName(b.name, "a parameter", s.loc);
        if (b.param !== null && !(b.param instanceof ParameterValue && !b.param.buffer))
          fail("wrongArgumentType", `${who} takes an nn.Parameter (or null), got ${describe(b.param)}`, locOfArg(b, "param", s));
        if (m.kind === "layer") return void registerLayerParameter(m, b.name, b.param as ParameterValue | null, s);
        this.setProperty(m, b.name, b.param, s);
        return undefined;
      }, poisonsField(m));
    if (name === "registerBuffer" && m.kind === "user")
      return new BuiltinFunction(`${m.typeName}.registerBuffer`, (args, s) => {
        const who = `${m.typeName}.registerBuffer`;
        this.requireConstructPhase(who, s);
        const b = bindArgs(who, [arg("name", "string"), arg("tensor", "any"), opt("persistent", "bool", true)], args, s);
        checkLayerName(b.name, "a buffer", s.loc);
        this.setBuffer(m, b.name, b.tensor, b.persistent, who, locOfArg(b, "tensor", s));
        return undefined;
      }, poisonsField(m));
    // add_module(name, module) / register_module: a named child, as an assignment makes it (a
    // Sequential's or ModuleList's runs after the others; a ModuleDict's is an entry)
    if (name === "addModule" || name === "registerModule")
      return new BuiltinFunction(`${m.typeName}.${name}`, (args, s) => {
        const who = `${m.typeName}.${name}`;
        this.requireConstructPhase(who, s);
        const b = bindArgs(who, [arg("name", "string"), arg("module", "any")], args, s);
        if (!(b.module instanceof ModuleValue) && b.module !== null) fail("wrongArgumentType", `${who} takes a module (or null), got ${describe(b.module)}`, locOfArg(b, "module", s));
        // a sequence's children are named by digits, as PyTorch's (LPIPS's slice.add_module(str(x), features[x]))
        if (!(m.isSequence && /^\d+$/.test(b.name))) checkLayerName(b.name, "a layer", locOfArg(b, "name", s));
        if (m.kind === "dict") return void setDictEntry(m, b.name, b.module, s);
        if (m.kind === "user") return void this.setProperty(m, b.name, b.module, s);
        if (!m.isSequence) fail("unsupportedSyntax", `${who}: ${m.typeName} has no children to add to`, s.loc);
        if (b.module === null) fail("wrongArgumentType", `${who}: ${m.typeName} holds modules only, got null`, locOfArg(b, "module", s));
        if (m.fields.has(b.name)) fail("invalidArgument", `${who}: ${m.typeName} already has a child '${b.name}'`, locOfArg(b, "name", s));
        m.fields.set(b.name, b.module);
        return undefined;
      }, poisonsField(m));
    if (name === "requiresGrad_")
      return new BuiltinFunction(`${m.typeName}.requiresGrad_`, (args, s) => {
        this.requireConstructPhase(`${m.typeName}.requiresGrad_`, s);
        const b = bindArgs(`${m.typeName}.requiresGrad_`, [opt("requiresGrad", "bool", true)], args, s);
        setRequiresGrad(m, b.requiresGrad);
        return m;
      });
    if (m.kind === "dict") {
      const dictMethod = this.moduleDictMethod(m, name);
      if (dictMethod !== undefined) return dictMethod;
    }
    if (m.isSequence) {
      if (name === "length") return m.elements.length;
      if (name === "append" || name === "push")
        return new BuiltinFunction(`${m.typeName}.${name}`, (args, s) => {
          this.requireConstructPhase(`${m.typeName}.${name}`, s);
          for (const a of args) appendModule(m, a, s);
          return m;
        });
      // Sequential has insert and extend too (PyTorch's Sequential.insert / extend)
      if ((m.kind === "list" || m.kind === "sequential" || m.sequential) && name === "insert")
        return new BuiltinFunction(`${m.typeName}.insert`, (args, s) => {
          this.requireConstructPhase(`${m.typeName}.insert`, s);
          const b = bindArgs(`${m.typeName}.insert`, [arg("index", "int"), arg("module", "any")], args, s);
          insertModule(m, b.index, b.module, s);
          return undefined;
        });
      if ((m.kind === "list" || m.kind === "sequential" || m.sequential) && name === "extend")
        return new BuiltinFunction(`${m.typeName}.extend`, (args, s) => {
          this.requireConstructPhase(`${m.typeName}.extend`, s);
          for (const a of this.iterate(args[0], s.node)) appendModule(m, a, s);
          return m;
        });
      // PyTorch's self.features[2:] on an nn.Sequential is an nn.Sequential of those children under
      // their own names (OrderedDict(list(self._modules.items())[idx])): "2", "3", …, not renumbered
      if (name === "slice" && (m.kind === "sequential" || m.sequential))
        return new BuiltinFunction(`${m.typeName}.slice`, (args, s) => {
          const named = [...m.fields].filter((e): e is [string, ModuleValue] => e[1] instanceof ModuleValue);
          const picked = (arrayMethod(named, "slice", this.arrayHooks) as BuiltinFunction).call(args, s) as [string, ModuleValue][];
          const seq = sequentialModule(s, (c, a, site) => this.callModule(c, a, site));
          for (const [key, child] of picked) seq.fields.set(key, child);
          // made in forward: its children are the model's already, named where they are registered
          if (this.phase === "forward") seq.path = m.path;
          return seq;
        });
      // PyTorch's self.layers[1:] on an nn.ModuleList is an nn.ModuleList of those children numbered
      // from 0 (self.__class__(list(self._modules.values())[idx])): assigned to a field, a child
      // whose state_dict keys name the same tensors (tail.0.weight is layers.1.weight)
      if (name === "slice" && m.kind === "list")
        return new BuiltinFunction(`${m.typeName}.slice`, (args, s) => {
          const picked = (arrayMethod(m.elements, "slice", this.arrayHooks) as BuiltinFunction).call(args, s) as Value[];
          const list = new ModuleValue("list", "nn.ModuleList", s.loc);
          for (const child of picked) appendModule(list, child, s);
          // made in forward: its children are the model's already, named where they are registered
          if (this.phase === "forward") list.path = m.path;
          return list;
        });
      // an array's read-only methods over the children (layers.entries(), blocks.map(...))
      if (SEQUENCE_ARRAY_METHODS.has(name)) return arrayMethod(m.elements, name, this.arrayHooks);
    }
    // weight norm's weight: computed from g and v where forward reads it; in a constructor PyTorch's
    // is a tensor recomputed before each forward, whose writes are lost (RecomputedParamRef)
    const computedName = m.computed.has(name) ? name : snake(name);
    const computed = m.computed.get(computedName);
    if (computed && this.phase === "forward") return computed();
    if (computed) {
      const alias = m.computedAlias.get(computedName);
      if (alias) return this.getProperty(m, alias, site);
      // every computed parameter was split by splitParameter, which records what it was
      const from = m.computedFrom.get(computedName)!;
      return new RecomputedParamRef(m, computedName, from.shape, from.init);
    }
    const p = m.paramNodes.get(name) ?? m.paramNodes.get(snake(name));
    // a layer's parameter is state in forward, which forward may change (an EMA of weights into a frozen one, a
    // max-norm constraint on a trained one: state-updates.ts); its own buffers (BatchNorm's running statistics) are its kernel's
    const isParam = p !== undefined && m.params.some((d) => d.local === name || d.local === snake(name));
    // a class extending the layer reads the layer's buffers as its own (PyTorch's _BatchNorm.forward written out in a
    // subclass: self.num_batches_tracked.add_(1), F.batch_norm(…, self.running_mean, …)): state its forward may change
    const ownLayerState = m.kind === "user" && m.layerType !== undefined;
    if (p) return (isParam || ownLayerState) && this.phase === "forward" ? this.stateValue(p) : new TensorValue(p);
    if (m.absent.has(name)) return null;
    const declared = [...m.params, ...m.buffers].some((d) => d.local === name || d.local === snake(name));
    // in a constructor, a layer's parameter is a handle for nn.init (nn.init.normal_(this.fc.weight, 0, 0.02))
    const param = m.params.find((d) => d.local === name || d.local === snake(name));
    if (param && this.phase !== "forward" && m.isLayer) return m.tied.get(param.local) ?? new LayerParamRef(m, param.local);
    if (declared && this.phase !== "forward") return fail("nonConstant", layerStateInConstructor(`${m.typeName}.${name}`), site.loc);
    if (declared) return fail("nonConstant", `${m.typeName}.${name} is a tensor, which exists only inside forward`, site.loc);
    // a layer's settings (this.conv.outChannels, m.kernelSize[0]), as PyTorch's attributes; a copy, so that changing it changes nothing unseen
    const setting = m.config && (Object.hasOwn(m.config, name) ? m.config[name] : Object.hasOwn(m.config, camel(name)) ? m.config[camel(name)] : undefined);
    if (setting !== undefined) return Array.isArray(setting) ? [...setting] : setting;
    if (m.cls) {
      const found = this.lookupMethod(m.cls, name);
      if (found) return new FunctionValue(found.method, found.owner.scope, `${found.owner.name}.${name}`, m);
      const getter = this.lookupGetter(m.cls, name, m);
      if (getter) return this.callCallback(getter, [], site);
      const dictMethod = m.dictLike ? this.moduleDictMethod(m, name) : undefined;
      if (dictMethod !== undefined) return dictMethod;
    }
    // PyTorch's Distribution base class defines some members through others its subclass writes:
    // sample() is rsample() under torch.no_grad, stddev is variance.sqrt(), perplexity() exp(entropy())
    if (m.distribution?.kind === "Distribution" && m.cls) {
      const through = this.distributionDefault(m, name, site);
      if (through !== undefined) return through;
    }
    // an instance of a class extending a distribution: the distribution's members its class does not override
    if (m.distribution) return distributionProperty(m.distribution, name, this.em, site);
    if (m.transform) return transformProperty(m.transform, name, site);
    // PyTorch's m._modules, the children by name in registration order (an OrderedDict), read as a
    // record (1Konny's beta-VAE: `for block in self._modules: for m in self._modules[block]: kaiming_init(m)`)
    // and through the dict's views (LeViT's `l, bn = self._modules.values()`); a copy, as named_children's
    if (name === "_modules") return childrenDict(namedChildren(m));
    // an RNN layer's parameter names as PyTorch's RNNBase keeps them: _flat_weights_names in order,
    // _all_weights grouped per layer and direction (DeepAR's forget-gate init: for names in
    // lstm._all_weights: for name in filter(lambda n: "bias" in n, names): getattr(lstm, name)…),
    // all_weights the parameters themselves, grouped alike
    const groups = m.isLayer ? recurrentWeightGroups(m.params.map((d) => d.local)) : undefined;
    if (groups && (name === "_flat_weights_names" || name === "_all_weights" || name === "all_weights" || name === "allWeights")) {
      if (name === "_flat_weights_names") return groups.flat();
      if (name === "_all_weights") return groups.map((g) => [...g]);
      return groups.map((g) => g.map((local) => this.getProperty(m, local, site)));
    }
    // a built-in layer's reset_parameters(), after the class's own methods (a subclass may override it)
    const reset = layerResetMethod(m, name, (who, s) => this.requireConstructPhase(who, s));
    if (reset) return reset;
    // a convolution's _conv_forward(input, weight, bias), as its subclasses call it
    const convForward = convForwardMethod(m, name);
    if (convForward) return convForward;
    const recurrent = recurrentLayerMethod(m, name);
    if (recurrent) return recurrent;
    const walk = this.moduleWalk(m, name);
    if (walk) return walk;
    if (name === "forward" && m.forward) {
      const forward = new BuiltinFunction(`${m.typeName}.forward`, (args, s) => this.callModule(m, args, s));
      this.moduleForwards.set(forward, m);
      return forward;
    }
    // the static methods of the layer's class, which Python reads through an instance too
    const staticMember = m.statics ? staticOf(m.statics, name) : undefined;
    if (staticMember !== undefined) return staticMember;
    // a PyTorch spelling of a method the model language has under another name
    const renamed = own(PYTORCH_NAMES, name);
    if (renamed) return fail("unknownProperty", `${m.typeName}.${name}: the model language spells it ${renamed}`, site.loc);
    // this["my layer"], this[0]: no layer can have such a name, so this is not a missing attribute
    if (m.kind === "user" && !isLayerName(name))
      return fail("badName", `${quoteName(name)} is not a layer of ${m.typeName}: layer names are ASCII letters, digits, _, / and -, and not digits only`, site.loc);
    if (m.kind === "user") {
      // a name the class declares or assigns somewhere and that is not set (yet): undefined, as
      // JavaScript reads it (an optional field, `downsample?: nn.Module`); one it never names is a
      // typo that Python would stop with AttributeError and tsc with "property does not exist" —
      // read as undefined it would quietly take a function's default (an eps, a dropout p)
      // the syntactic checks first: readThroughItsType builds tsc's checker
      if (!m.cls || this.memberNamesOfClass(m.cls).has(name) || this.setsComputedMembers(m.cls) || !readThroughItsType(site, name)) return undefined;
      const known = [...m.fields.keys(), ...this.memberNamesOfClass(m.cls), "training"];
      const at = TsNode.isPropertyAccessExpression(site.node) ? locOf(site.node.getNameNode()) : site.loc;
      return fail("unknownProperty", `${m.typeName} has no attribute '${name}': its class neither declares nor assigns it (PyTorch's AttributeError, tsc's "property does not exist")${didYouMean(name, known, "")}`, at);
    }
    // a built-in layer's attribute read through a cast or a computed name, as a model's own module reads it: undefined
    // (Inception v3's initialization over every Conv2d and Linear, `(m as any).stddev ?? 0.1` for Python's
    // `m.stddev if hasattr(m, "stddev") else 0.1`, where only some layers were given one)
    // — but a call of one (this.cell.flatten_parameters() on a cell) names the layer's missing method
    if (m.kind === "layer" && isLayerName(name) && !readThroughItsType(site, name) && !calledAt(site)) return undefined;
    if (m.kind === "dict") return fail("unknownProperty", `nn.ModuleDict has no module '${name}'; its keys are ${[...m.fields.keys()].map((k) => `'${k}'`).join(", ") || "none"}`, site.loc);
    return fail("unknownProperty", `${m.typeName} has no property '${name}'`, site.loc);
  }

  /** The class a built-in module is an instance of (nn.Conv2d for a Conv2d layer), from the nn namespace. */
  protected layerClassOf(m: ModuleValue, site: CallSite): Value {
    const nn = this.dsl.get("nn");
    const cls = nn instanceof NamespaceValue && m.typeName.startsWith("nn.") ? nn.members.get(m.typeName.slice(3)) : undefined;
    return cls ?? fail("unknownProperty", `${m.typeName}.constructor is not available in model code`, site.loc);
  }

  /** How an nn.ParameterDict's members read and add its entries (parameter-dict.ts). */
  protected readonly parameterDictHost: ParameterDictHost = {
    readEntry: (dict, key, s) => this.getProperty(dict, key, s),
    addEntry: (dict, key, value, s) => addParameterEntry(dict, key, value, s),
    requireConstructPhase: (who, s) => this.requireConstructPhase(who, s),
    charge: (n, s) => this.arrayHooks.charge(n, s),
  };

  /** nn.ModuleDict's own members: length, keys(), values(), items(), has(key), update({...}). */
  protected moduleDictMethod(m: ModuleValue, name: string): Value {
    const who = `nn.ModuleDict.${name}`;
    const listing = (f: (entries: [string, ModuleValue][]) => Value[]) =>
      new BuiltinFunction(who, (args, s) => {
        bindArgs(who, [], args, s);
        const entries = [...m.fields].filter((e): e is [string, ModuleValue] => e[1] instanceof ModuleValue);
        this.arrayHooks.charge(entries.length, s);
        return f(entries);
      });
    switch (name) {
      case "length":
        return m.fields.size;
      case "keys":
        return listing((entries) => entries.map(([k]) => k));
      case "values":
        return listing((entries) => entries.map(([, v]) => v));
      case "items":
        return listing((entries) => entries.map(([k, v]) => [k, v]));
      case "has":
        return new BuiltinFunction(who, (args, s) => m.fields.has(bindArgs(who, [arg("key", "string")], args, s).key));
      case "update":
        return new BuiltinFunction(who, (args, s) => {
          this.requireConstructPhase(who, s);
          const b = bindArgs(who, [arg("modules", "any")], args, s);
          for (const [k, v] of moduleDictEntries(b.modules, s, locOfArg(b, "modules", s), who)) setDictEntry(m, k, v, s);
          return undefined;
        });
    }
    return undefined;
  }

  /**
   * nn.Module's walks over its tree (module-tree.ts has the orders): modules(), children(),
   * namedModules(), namedChildren(), parameters(), namedParameters() and apply(fn). A parameter is
   * what `this.<name>` is where the call is made: in a constructor a handle for nn.init, in forward
   * its tensor. Named forms give [name, value] pairs, as Python's tuples.
   */
  protected moduleHasBuiltinMethod(m: ModuleValue, name: string): boolean {
    if (name === "forward") return m.forward !== undefined;
    return layerResetMethod(m, name, () => undefined) !== undefined || convForwardMethod(m, name) !== undefined || recurrentLayerMethod(m, name) !== undefined || this.moduleWalk(m, name) !== undefined;
  }

  protected moduleWalk(m: ModuleValue, name: string): BuiltinFunction | undefined {
    const who = `${m.typeName}.${name}`;
    const listed = <T extends Value>(items: T[], s: CallSite): T[] => {
      this.arrayHooks.size(items.length, "array", s);
      this.arrayHooks.charge(items.length, s);
      return items;
    };
    const parameter = (slot: { module: ModuleValue; local: string }, s: CallSite) => this.moduleProperty(slot.module, slot.local, s);
    const own = (all: ReturnType<typeof namedParameters>) => all.filter((p) => p.module === m);
    switch (name) {
      case "modules":
      case "namedModules":
      case "children":
      case "namedChildren": {
        const walk = name === "modules" || name === "namedModules" ? namedModules : namedChildren;
        return new BuiltinFunction(who, (args, s) => {
          bindArgs(who, [], args, s);
          const all = listed(walk(m), s);
          return name.startsWith("named") ? all : all.map(([, c]) => c);
        });
      }
      case "parameters":
        return new BuiltinFunction(who, (args, s) => {
          const b = bindArgs(who, [opt("recurse", "bool", true)], args, s);
          const all = namedParameters(m);
          return listed(b.recurse ? all : own(all), s).map((p) => parameter(p, s));
        });
      case "namedParameters":
        return new BuiltinFunction(who, (args, s) => {
          const b = bindArgs(who, [opt("prefix", "string", ""), opt("recurse", "bool", true)], args, s);
          const all = namedParameters(m);
          return listed(b.recurse ? all : own(all), s).map((p) => [b.prefix ? `${b.prefix}.${p.name}` : p.name, parameter(p, s)]);
        });
      // module.to(device), .cuda(), .cpu(), .float() (DeepCTR's self.to(device) in a constructor): the model
      // runs on the devices load() is given, in float32, so each returns the module unchanged; a
      // conversion to another float type is refused, as tsdp computes in float32 only
      case "to":
      case "cuda":
      case "cpu":
      case "float":
        return new BuiltinFunction(who, (args, s) => {
          const other = args.find((a) => typeof a === "string" && /^(float64|double|float16|half|bfloat16)$/.test(a));
          if (other !== undefined) fail("invalidArgument", `${who}(${JSON.stringify(other)}): tsdp's modules compute in float32; leave the conversion out`, s.loc);
          return m;
        });
      case "double":
      case "half":
      case "bfloat16":
        return new BuiltinFunction(who, (_args, s) => fail("invalidArgument", `${who}(): tsdp's modules compute in float32 (its --precision option chooses tensor-core math); leave the conversion out`, s.loc));
      // PyTorch's target_net.eval() keeps that subtree in eval mode until something calls train() on it
      case "train":
      case "eval":
        // inside an overridden train(mode), evaluated for each of the model's modes (module-modes.ts)
        if (this.modeFlags)
          return new BuiltinFunction(who, (args, s) => {
            const b = bindArgs(who, name === "train" ? [opt("mode", "bool", true)] : [], args, s);
            return this.setTrainMode(m, name === "train" ? b.mode : false, s);
          });
        return new BuiltinFunction(who, (args, s) => {
          // ikostrikov's MLPBase: self.train() in __init__, where every module already is in train mode
          if (name === "train" && this.phase !== "forward" && bindArgs(who, [opt("mode", "bool", true)], args, s).mode) return m;
          return fail(
            "unsupportedSyntax",
            `${who}(): the compiled model has one mode, the whole model's, set at run time (model.train(true) / model.train(false), as PyTorch's model.train() sets every submodule's); the next model.train() would undo this call, as PyTorch's does; a submodule kept in eval mode while the rest trains (DQN's target network) is held by overriding train: train(mode = true) { super.train(mode); this.<submodule>.eval(); return this; }`,
            s.loc,
          );
        });
      case "stateDict":
      case "state_dict":
        return new BuiltinFunction(who, (args, s) => {
          this.requireConstructPhase(who, s);
          bindArgs(who, [], args, s);
          return new ObjectValue(new Map(namedParameters(withoutBuffers(m, who, s)).map((p) => [p.name, parameter(p, s)])));
        });
      case "loadStateDict":
      case "load_state_dict":
        return new BuiltinFunction(who, (args, s) => {
          this.requireConstructPhase(who, s);
          const b = bindArgs(who, [arg("stateDict", "any"), opt("strict", "bool", true), opt("assign", "bool", false)], args, s);
          if (!(b.stateDict instanceof ObjectValue)) return fail("wrongArgumentType", `${who} in a constructor takes another module's stateDict(), got ${describe(b.stateDict)}`, locOfArg(b, "stateDict", s));
          const { missing, unexpected } = this.loadParameters(withoutBuffers(m, who, s), b.stateDict, b.strict, who, s);
          // PyTorch's NamedTuple of the keys left out
          return new ObjectValue(new Map<string, Value>([["missingKeys", missing], ["unexpectedKeys", unexpected]]));
        });
      case "apply":
        return new BuiltinFunction(who, (args, s) => {
          this.requireConstructPhase(who, s);
          const b = bindArgs(who, [arg("fn", "any")], args, s);
          if (!(b.fn instanceof FunctionValue) && !(b.fn instanceof BuiltinFunction)) fail("wrongArgumentType", `${who} takes a function of one module, got ${describe(b.fn)}`, locOfArg(b, "fn", s));
          const order = applyOrder(m, this.limits.maxArray, (why, at) => {
            if (why === "cycle") return fail("recursion", `${who} would never end: ${at.typeName} holds a module that contains it`, s.loc);
            this.arrayHooks.size(this.limits.maxArray + 1, "array", s);
            throw new Error("unreachable: the size check above throws");
          });
          for (const each of order) this.callCallback(b.fn, [each], s);
          return m;
        });
    }
    return undefined;
  }

  /**
   * target.load_state_dict(policy.state_dict()) in a constructor (DQN's target network, a teacher
   * copied into a student): each parameter copied from the one of its name, as p.data.copy_(q.data)
   * (parameter-init.ts), so both start with the same numbers. PyTorch's strict check of the keys.
   */
  private loadParameters(m: ModuleValue, state: ObjectValue, strict: boolean, who: string, s: CallSite): { missing: string[]; unexpected: string[] } {
    const own = namedParameters(m);
    const names = new Set(own.map((p) => p.name));
    const missing = own.filter((p) => !state.props.has(p.name)).map((p) => p.name);
    const unexpected = [...state.props.keys()].filter((k) => !names.has(k));
    if (strict && (missing.length || unexpected.length))
      fail("invalidArgument", `${who}: Error(s) in loading state_dict for ${m.typeName}:${missing.length ? ` Missing key(s): ${missing.join(", ")}.` : ""}${unexpected.length ? ` Unexpected key(s): ${unexpected.join(", ")}.` : ""}`, s.loc);
    for (const p of own) {
      const source = state.props.get(p.name);
      if (source === undefined) continue;
      const copy = this.getProperty(this.moduleProperty(p.module, p.local, s), "copy_", s) as BuiltinFunction;
      copy.call([source], s);
    }
    return { missing, unexpected };
  }

  /**
   * register_buffer(name, tensor, persistent) on a user module, and PyTorch's assignment to a name
   * already registered as a buffer, which Module.__setattr__ keeps a buffer with the new value.
   */
  private setBuffer(m: ModuleValue, name: string, tensor: Value, persistent: boolean, who: string, at: SourceLoc): void {
    m.constantBuffers.delete(name);
    m.registeredBuffers.set(name, persistent);
    // register_buffer(name, None): the attribute reads None and the state_dict skips it (Swin's
    // attn_mask when it does not shift)
    if (tensor === null) {
      m.fields.set(name, null);
      return;
    }
    // an int32 buffer (Swin's relative_position_index) is an index table the compiler computes:
    // a constant, as a non-persistent buffer is; tsdp's state is float32, so it is not saved
    const intTable = tensor instanceof TensorValue && tensor.node.dtype === "i32" && this.em.constants.owns(tensor.node);
    // …unless it is listed, too long for a kernel to compute in place: then float32 state read as int32
    if (intTable && this.em.constants.hasLongLiteral((tensor as TensorValue).node)) {
      const node = (tensor as TensorValue).node;
      const values = Float32Array.from(this.em.constants.evaluate(node).data);
      if (values.some((v) => Math.abs(v) > 2 ** 24)) fail("invalidArgument", `${who}: an index table of ${values.length} listed values is held as float32 state, exact within ±2²⁴; this one holds larger values`, at);
      const table = new ParameterValue(node.shape as number[], { kind: "values", values }, at, true, true);
      table.intTable = true;
      m.fields.set(name, table);
      return;
    }
    // …unless forward advances it (LitEma's num_updates): int32 state, which the state update writes (counter-buffers.ts)
    if (intTable && this.em.counters.isHeld(m, name)) {
      const node = (tensor as TensorValue).node;
      const counter = new ParameterValue(node.shape as number[], this.em.constants.initOf(node, who, at, true), at, true, true, tensor as TensorValue);
      counter.dtype = "i32";
      counter.persistent = persistent;
      markCaptured(tensor);
      claimCaptured(tensor, counter);
      m.fields.set(name, counter);
      return;
    }
    // a non-persistent float buffer forward changes (a cache, a step count in float): state too, left out of the state_dict
    const changedConstant = !persistent && !intTable && this.em.counters.isHeld(m, name);
    if ((intTable || !persistent) && !changedConstant && tensor instanceof TensorValue && this.em.constants.owns(tensor.node)) this.em.counters.noteConstant(tensor.node, m, name);
    if ((!persistent || intTable) && !changedConstant) {
      // not in the state_dict (BERT's position_ids): a constant forward computes where it reads
      // it, as a plain field; a draw has no value until the model is created, so it must be state
      if (!(tensor instanceof TensorValue && this.em.constants.owns(tensor.node)))
        fail("invalidArgument", `${who}: a buffer with persistent false is a constant, computed when the model is compiled: a tensor made in the constructor from factories, not ${describe(tensor)}`, at);
      m.fields.set(name, tensor);
      if (persistent) {
        const node = (tensor as TensorValue).node;
        const values = this.em.constants.evaluate(node).data;
        m.constantBuffers.set(name, { shape: node.shape as number[], sha256: int64Digest(values), ...(values.length <= MAX_EXPORTED_TABLE ? { values: Array.from(values) } : {}) });
      }
      return;
    }
    // a copy of a parameter (an EMA's shadow: register_buffer(name, p.detach().clone())): its values, linked to it
    if (tensor instanceof LayerParamRef || tensor instanceof ParameterValue || tensor instanceof ParameterRegion) {
      const copy = new ParameterValue(tensor.shape, tensor.init, at, true, true);
      copy.init = initFromParameter(copy, tensor, this.em, at);
      copy.persistent = persistent;
      m.fields.set(name, copy);
      return;
    }
    const { shape, init } = initialValue(this.em, who, tensor, at);
    // a buffer is a frozen parameter: state the step reads and never updates, in the state_dict
    const computed = tensor instanceof TensorValue ? tensor : undefined;
    const buffer = new ParameterValue(shape, init, at, true, true, computed);
    buffer.persistent = persistent;
    if (tensor instanceof StaticTensor) buffer.drawOrigin = shareStorage(tensor).origin;
    claimCaptured(tensor, buffer);
    m.fields.set(name, buffer);
  }

  /**
   * PyTorch's Module.__setattr__ on a name already registered (torch/nn/modules/module.py): a
   * buffer's name stays a buffer with its persistence (MoCo's `self.queue = normalize(self.queue,
   * dim=0)` keeps its state_dict entry; a non-persistent one stays out of it), which this returns;
   * a parameter's name takes only an nn.Parameter or null (TypeError "cannot assign 'torch.FloatTensor'
   * as parameter 'p' (torch.nn.Parameter or None expected)"). A parameter or a module assigned to a
   * buffer's name replaces the buffer (undefined: set it as a field).
   */
  private reassignedBuffer(m: ModuleValue, name: string, field: Value, value: Value, site: CallSite): boolean | undefined {
    const parameter = (v: Value) => (v instanceof ParameterValue && !v.buffer) || v instanceof LayerParamRef;
    if (parameter(field) && value !== null && !parameter(value))
      fail("wrongArgumentType", `cannot assign ${describe(value)} as parameter '${name}' (an nn.Parameter or null expected, as PyTorch's TypeError says): to change its values, write this.${name}.data.copy_(…) or register another name`, site.loc);
    if (parameter(value) || value instanceof ModuleValue) {
      m.registeredBuffers.delete(name);
      m.constantBuffers.delete(name);
      return undefined;
    }
    const persistent = m.registeredBuffers.get(name) ?? (field instanceof ParameterValue && field.buffer ? field.persistent : m.constantBuffers.has(name) ? true : undefined);
    if (persistent === undefined) return undefined;
    if (value === null || value instanceof TensorValue || value instanceof StaticTensor) return persistent;
    return fail("wrongArgumentType", `cannot assign ${describe(value)} as buffer '${name}' (a tensor or null expected, as PyTorch's)`, site.loc);
  }

  protected setProperty(obj: Value, name: string, value: Value, site: CallSite): void {
    // this.training = mode: nn.Module.train's own first line, written out in an override (it sets the flag alone, not the children's)
    if (this.modeFlags && obj instanceof ModuleValue && name === "training" && typeof value === "boolean") {
      this.modeFlags.set(obj, value);
      return;
    }
    if (this.modeFlags) refuseInModeOverride(obj, name, site);
    if (obj instanceof ModuleValue) {
      name = fieldName(name);
      // a value whose computation already failed (reported there): the attribute reads as poisoned,
      // with no second error about what it is not (AST's pos_embed from a refused shape probe)
      if (value instanceof Poison) return this.poisonField(obj, name);
      // this.runningMean = …: a buffer takes the new value, as PyTorch's module attribute does
      const field = obj.fields.get(name);
      const node = field instanceof ParameterValue ? obj.paramNodes.get(name) : undefined;
      if (this.phase === "forward" && node?.op === "buffer") return assignState(this.stateValue(node), value, `this.${name} = …`, site, this.em);
      if (this.phase === "forward") return this.setCallAttribute(obj, name, value, site);
      if (obj.plain) notePlainState(this.plainState, this.registeredState, obj, name, value, site.loc);
      if (obj.kind === "dict") return setDictEntry(obj, name, value, site);
      if ((value instanceof LayerParamRef || value instanceof ParameterValue) && (obj.kind === "layer" || (obj.isLayer && obj.params.some((p) => p.local === name || p.local === snake(name))))) return tieParameter(obj, name, value, site);
      // timm's LayerNormNoBias `self.bias = None`, `conv.bias = None`: the parameter removed, as PyTorch's __setattr__ sets it to None
      if (value === null && obj.isLayer && nullLayerParameter(obj, name, snake(name), site.loc)) return;
      // PyTorch's snake_case spelling names the setting it reads (m.track_running_stats), not a new attribute
      if (obj.config && !Object.hasOwn(obj.config, name) && Object.hasOwn(obj.config, camel(name))) name = camel(name);
      if (obj.config && Object.hasOwn(obj.config, name) && obj.rewriteSetting?.(obj, name, value, site)) return;
      if (obj.config && Object.hasOwn(obj.config, name))
        fail("unsupportedSyntax", `${obj.typeName}.${name} is a setting of the layer, fixed when it is constructed; pass it to the constructor`, site.loc);
      // YOLOv5's parse_model `m_.i, m_.f, m_.type, m_.np = i, f, t, np`: PyTorch's Module.__setattr__
      // keeps a plain value as an attribute of any module, built-in layers and containers too
      if (obj.kind !== "user" && isPlainAttribute(value)) {
        obj.fields.set(name, value);
        return;
      }
      if (obj.kind !== "user") fail("unsupportedSyntax", `cannot set '${name}' on ${obj.typeName}: a built-in layer takes plain attributes (numbers, strings, booleans and arrays of them), not ${describe(value)}`, site.loc);
      // reported, and the field still set, so that its uses in forward do not fail again
      const nameAt = TsNode.isPropertyAccessExpression(site.node) ? locOf(site.node.getNameNode()) : site.loc;
      if (value instanceof ModuleValue || value instanceof ParameterValue) this.diags.recover(() => checkLayerName(name, "a layer", nameAt), undefined);
      // a plain class (no nn.Module) has no __setattr__ of PyTorch's: its fields take any value
      if (obj.kind === "user" && !obj.plain) {
        const persistent = this.reassignedBuffer(obj, name, field, value, site);
        if (persistent !== undefined) return this.setBuffer(obj, name, value, persistent, `this.${name} = …`, site.loc);
      }
      // PyTorch registers a child when a module is first assigned to the name: `self.residual = None`
      // early (a field's `= null`) is a plain attribute, so a module assigned there later comes after
      // the children registered in between (named_children, state_dict order)
      if (value instanceof ModuleValue && !value.plain && obj.fields.has(name) && !(field instanceof ModuleValue && !field.plain)) obj.fields.delete(name);
      obj.fields.set(name, value);
      return;
    }
    if (obj instanceof ObjectValue) {
      obj.props.set(name, value);
      return;
    }
    if (obj instanceof ClassValue) return this.setStatic(obj, name, value, site);
    // HF's `hidden_states = input_values[:, None]; hidden_states.requires_grad = True` (for gradient
    // checkpointing): a tensor no parameter reaches is a leaf, which true marks for F.autograd.grad
    // (requires-grad.ts) and changes nothing else: the step returns no gradient for it. PyTorch refuses
    // it on any other tensor.
    // PyTorch's spelling of the attribute (p.requires_grad = False in a port)
    if (name === "requires_grad") name = "requiresGrad";
    if (obj instanceof TensorValue && name === "requiresGrad" && typeof value === "boolean") {
      if (tensorProperty(obj, "requiresGrad", this.em, site) === false) return void (value && obj.node.dtype === "f32" && markRequiresGrad(obj.node));
      fail("unsupportedSyntax", "requiresGrad can only be set on a tensor no trained parameter reaches (PyTorch's leaf); to stop the gradient use x.detach()", site.loc);
    }
    // p.requiresGrad = false (freezing in a loop over parameters()), p.data = tensor (p.data.copy_)
    if ((obj instanceof LayerParamRef || obj instanceof ParameterValue || obj instanceof ParameterRegion) && (name === "requiresGrad" || name === "data")) {
      if (name === "data") return void this.callCallback(parameterInitProperty(obj, "copy_", this.em) as BuiltinFunction, [value], site);
      if (obj instanceof ParameterRegion) fail("unsupportedSyntax", `requiresGrad is set on a whole parameter, not a part of it`, site.loc);
      if (typeof value !== "boolean") fail("wrongArgumentType", `requiresGrad is true or false, got ${describe(value)}`, site.loc);
      return setParameterRequiresGrad(obj, value, site.loc);
    }
    // buf.data = v in forward (a buffer read through a list or a helper): the buffer takes v, as this.buf = v does
    // (the .data setter records nothing: the buffer's new value carries no gradient, under F.noGrad or not); a
    // parameter's p.data = v (a max-norm constraint) takes v's values and keeps its own gradient (state-updates.ts)
    if (obj instanceof TensorValue && name === "data" && isState(obj)) return assignState(obj, value instanceof TensorValue ? detachedView(value, this.em, site) : value, "x.data = …", site, this.em);
    // MoCo's momentum update `param_k.data = param_k.data * m + param_q.data * (1 - m)` under no_grad
    if (obj instanceof TensorValue && name === "data" && this.em.counters.noteChanged(obj.node)) fail("unsupportedSyntax", "x.data = v in forward on an integer buffer held as a constant until forward was seen to change it", site.loc);
    if (obj instanceof TensorValue && name === "data")
      fail("unsupportedSyntax", `x.data = v in forward: forward changes a module's own buffers (registerBuffer) and parameters (p.data = v), not ${this.em.constants.owns(obj.node) ? "a constant the constructor computed (register it as a buffer to keep a value forward changes)" : "a tensor forward computed: use v itself"}`, site.loc);
    // an attribute of the port's own (Python's tensors take any, and the time-series codebases' embed.py has
    // `pe.require_grad = False`, a misspelling that changes nothing): kept with the tensor, read back by name;
    // a name of tsdp's tensors (a method, shape, dtype, grad) is not one to overwrite
    // the same on a parameter (the state-spaces codebases' setattr(param, "_optim", {"lr": …, "weight_decay": …},
    // metadata their training script reads to build param groups: by itself it changes nothing, as here)
    if ((obj instanceof TensorValue || obj instanceof ParameterValue || obj instanceof LayerParamRef) && !TENSOR_MEMBER_NAMES.has(name) && !own(tensorMethods, name) && !own(tensorMethods, camelOfSnake(name))) {
      this.ownAttributes(obj, true)!.set(name, value);
      return;
    }
    fail("unsupportedSyntax", `cannot set '${name}' on ${describe(obj)}`, site.loc);
  }

  /** Attributes a port set on tensors and parameters of its own (x.tag = v), by tensor: Python keeps them on the object. */
  protected readonly tensorAttributes = new WeakMap<TensorValue | ParameterValue, Map<string, Value>>();
  /** A layer's parameter is read through a new reference each time: its attributes are kept by layer and name. */
  protected readonly layerParamAttributes = new WeakMap<ModuleValue, Map<string, Map<string, Value>>>();

  protected ownAttributes(obj: TensorValue | ParameterValue | LayerParamRef, create: boolean): Map<string, Value> | undefined {
    if (obj instanceof LayerParamRef) {
      let byName = this.layerParamAttributes.get(obj.module);
      if (!byName && create) this.layerParamAttributes.set(obj.module, (byName = new Map()));
      let attributes = byName?.get(obj.local);
      if (!attributes && byName && create) byName.set(obj.local, (attributes = new Map()));
      return attributes;
    }
    let attributes = this.tensorAttributes.get(obj);
    if (!attributes && create) this.tensorAttributes.set(obj, (attributes = new Map()));
    return attributes;
  }

  /**
   * PyTorch's x[i] = v (an RNN's `outputs[t] = h`, a table's `m[i] = 0`): the view x[i] takes v in
   * place (copy_, or fill_ for a number), which writes into x (views.ts); x[mask] = value is
   * x.maskedFill_(mask, value); x[idx] = v with an int32 idx writes the rows idx names (index_put_).
   */
  setElement(obj: TensorValue, key: Value, value: Value, site: CallSite): void {
    const inPlace = (t: TensorValue, name: string, args: Value[]) => void this.callCallback(this.getProperty(t, name, site), args, site);
    // x[torch.where(c)] = v is x[c] = v (where-coordinates.ts)
    const whereMask = Array.isArray(key) ? whereIndexMask([key]) : undefined;
    if (whereMask) return this.setElement(obj, whereMask, value, site);
    // PyTorch's x[mask] = False: a bool is its 0/1
    if (typeof value === "boolean") value = Number(value);
    if (typeof value !== "number" && !(value instanceof TensorValue))
      return void fail("wrongArgumentType", `x[…] = v: v must be a tensor or a number, got ${describe(value)}`, site.loc);
    if (typeof key === "number") return inPlace(this.getElement(obj, key, site) as TensorValue, typeof value === "number" ? "fill_" : "copy_", [value]);
    // x[idx] = v with an int32 idx (a table's rows, a [L, L] table's positions): PyTorch's
    // index_put_, which counts a negative index from the end
    if (key instanceof TensorValue && key.node.dtype === "i32") return inPlace(obj, "indexPut_", [[key], value]);
    if (key instanceof TensorValue && key.node.dtype === "f32") {
      // x[mask] = y[mask]: y's elements where the mask is true (masked-selections.ts)
      const copied = maskedCopy(obj, key, value, "x[mask] = v", site, this.em);
      if (copied) return inPlace(obj, "copy_", [copied]);
      if (typeof value === "number" || value.node.shape.length === 0) return inPlace(obj, "maskedFill_", [maskOverRows(obj, key, "x[mask] = v", site, this.em), value]);
      // a row for every selected row (wav2vec2's hidden_states[mask] = masked_spec_embed)
      const filled = maskedFillRows(obj, key, value, "x[mask] = v", site, this.em);
      if (filled) return inPlace(obj, "copy_", [filled]);
      return void fail("unsupportedSyntax", `x[mask] = v takes a number, a 0-dim tensor or one that broadcasts to a selected row (PyTorch's v of the mask's count of rows has a size known only at run time); for a tensor of x's shape write x.copy_(F.where(mask, v, x))`, site.loc);
    }
    fail("unsupportedSyntax", `a tensor is assigned into at one integer (x[i] = v), a mask (x[mask] = value) or a 1-D int32 tensor's rows (x[idx] = v), got ${describe(key)}; for slices write x.index(…).copy_(v) (PyTorch's x[:, 0::2] = v is x.index(":", "0::2").copy_(v))`, site.loc);
  }

  getElement(obj: Value, key: Value, site: CallSite): Value {
    if (obj instanceof TensorValue) {
      // PyTorch's x[i]: the slice at i along dim 0 (h_n[-1], the last layer's final state)
      if (typeof key === "number") return withViews(obj, indexTensor(obj, key, site, this.em));
      // PyTorch's x[idx] with an int32 tensor: the rows idx names (a schedule's table[t], one per sample; a [L, L] relative-position table);
      // a 0/1 mask goes the same way, which takes one of constants and says why one of data is refused
      if (key instanceof TensorValue) return indexWith(obj, [key], "x[index]", site, this.em);
      if (Array.isArray(key) && whereIndexMask([key])) return indexWith(obj, [key], "x[index]", site, this.em);
      return fail("unsupportedSyntax", `a tensor is indexed by one integer (x[i] is x.select(0, i)) or an int32 tensor (its rows), got ${describe(key)}; for slices write x.index(…) (PyTorch's x[:, 1:-1] is x.index(":", "1:-1"))`, site.loc);
    }
    // p.data[i] of a parameter in a constructor: a part of it (parameter-regions.ts)
    if ((obj instanceof LayerParamRef || obj instanceof ParameterValue || obj instanceof ParameterRegion) && typeof key === "number")
      return (regionMethod(obj, "select") as BuiltinFunction).call([0, key], site);
    if (Array.isArray(obj) || (obj instanceof ModuleValue && obj.isSequence)) {
      const items = Array.isArray(obj) ? obj : obj.elements;
      if (typeof key !== "number" || !Number.isInteger(key))
        return typeof key === "string" ? this.getProperty(obj, key, site) : fail("wrongArgumentType", `index must be an integer, got ${describe(key)}`, site.loc);
      // Python's x.shape[-1] ported as is: JavaScript reads undefined, which surfaced later as "sizes
      // must be integers, got undefined" at the call it went into (any other array keeps
      // JavaScript's undefined: `dims[i - 1] ?? d`)
      if (key < 0 && isShape(obj))
        return fail("invalidArgument", `x.shape[${key}] is undefined in JavaScript, which has no negative indices: Python's x.shape[${key}] is x.size(${key}) (or x.shape.at(${key}))`, site.loc);
      const i = key < 0 && !Array.isArray(obj) ? key + items.length : key;
      // past an array's end JavaScript reads undefined (`arr[5]?.x ?? fallback`); a ModuleList raises, as PyTorch's
      if ((i < 0 || i >= items.length) && Array.isArray(obj)) return undefined;
      if (i < 0 || i >= items.length) return fail("invalidArgument", `index ${key} is out of range for ${items.length} items`, site.loc);
      return items[i];
    }
    if (typeof key === "string" || typeof key === "number") return this.getProperty(obj, String(key), site);
    return fail("wrongArgumentType", `cannot index with ${describe(key)}`, site.loc);
  }
}

/** The element type of a layer's parameter slot (int64 for BatchNorm's num_batches_tracked) or of an nn.Parameter / buffer. */
function parameterDtype(p: LayerParamRef | ParameterValue): "f32" | "i32" | "i64" {
  if (p instanceof ParameterValue) return p.dtype;
  return p.module.params.find((d) => d.local === p.local)?.dtype ?? "f32";
}

/** A value any module may hold as an attribute of its own: no module, parameter or tensor (which registration would have to see). */
function isPlainAttribute(v: Value): boolean {
  return typeof v === "number" || typeof v === "string" || typeof v === "boolean" || (Array.isArray(v) && v.every(isPlainAttribute));
}

/**
 * register_parameter(name, p) on a built-in layer (WeightDrop's `weight_hh_l0_raw`): a parameter of
 * the layer's after its others, as PyTorch's _parameters appends it, which the layer's own
 * computation does not read (its forward reads only its own names).
 */
function registerLayerParameter(layer: ModuleValue, name: string, param: ParameterValue | null, site: CallSite): void {
  const who = `${layer.typeName}.registerParameter`;
  if (param === null) return fail("unsupportedSyntax", `${who}: a built-in layer registers an nn.Parameter, not null`, site.loc);
  if (layer.params.some((p) => p.local === name) || layer.computed.has(name) || (layer.config && Object.hasOwn(layer.config, name)))
    return fail("invalidArgument", `${who}: ${layer.typeName} already has an attribute '${name}'`, site.loc);
  (layer.params as ParamDecl[]).push({ local: name, shape: param.shape, init: param.init });
  layer.tied.set(name, param);
}

/**
 * Weight tying, PyTorch's way: `this.head.weight = this.tok.weight` makes the layer use the other
 * parameter (one tensor, its gradient the sum over both uses). Same shape only: PyTorch would
 * accept another shape and fail in forward; here the assignment is the place to say so.
 */
function tieParameter(layer: ModuleValue, name: string, value: LayerParamRef | ParameterValue, site: CallSite): void {
  const own = layer.params.find((d) => d.local === name || d.local === snake(name));
  if (!own) {
    const names = layer.params.map((d) => d.local);
    // BERT's MLM head: nn.Linear(h, V, bias=False), then decoder.bias = self.bias registers one
    const absent = layer.absent.has(name) || layer.absent.has(snake(name));
    const built = absent
      ? `; it was built without its ${snake(name)} (${name}: false): build it with one (the default) and tie that, as Hugging Face's \`self.decoder.bias = self.bias\` then does (the state_dict keeps both names)`
      : "";
    return fail("unsupportedSyntax", `cannot set '${name}' on ${layer.typeName}: only its parameters (${names.join(", ") || "none"}) can be tied to another parameter${built}`, site.loc);
  }
  const fmt = (s: readonly unknown[]) => `[${s.join(", ")}]`;
  if (fmt(own.shape) !== fmt(value.shape))
    return fail("shapeMismatch", `cannot tie ${layer.typeName}'s ${own.local} ${fmt(own.shape)} to ${describe(value)} ${fmt(value.shape)}: tied parameters must have the same shape`, site.loc);
  if (value instanceof RecomputedParamRef) return refuseRecomputed(value, "tie a parameter to", site.loc);
  if (value instanceof LayerParamRef && value.module === layer && value.local === own.local) return;
  layer.tied.set(own.local, value);
}

/** nn.Module methods PyTorch users write, and their name in the model language. */
const PYTORCH_NAMES: Readonly<Record<string, string>> = {
  named_modules: "namedModules()",
  named_children: "namedChildren()",
  named_parameters: "namedParameters()",
  add_module: "addModule(name, module)",
  register_module: "registerModule(name, module)",
  register_buffer: "registerBuffer(name, tensor)",
  requires_grad_: "requiresGrad_()",
};

/** The array methods nn.ModuleList and nn.Sequential (and its subclasses) answer, over their children; none changes them. */
const SEQUENCE_ARRAY_METHODS = new Set(["at", "map", "forEach", "filter", "reduce", "some", "every", "slice", "concat", "includes", "indexOf", "entries"]);

/**
 * A registration whose value already failed (registerBuffer("mask", <an error>)): the name reads as
 * Poison, so `this.mask.fill_(1)` and forward's uses of it stay quiet after the one real error.
 */
const poisonsField = (m: ModuleValue) => (args: Value[]): void => {
  if (typeof args[0] === "string" && !m.fields.has(args[0])) m.fields.set(args[0], Poison.value);
};

/**
 * Whether `site` reads `obj.name` through obj's declared type, where tsc would check the name:
 * not `(obj as any).name` (PyTorch's getattr with a default), `obj["name"]` or a name computed at
 * run time; and as a value, not as the function a call calls.
 */
/** Whether the property read is the callee of a call (obj.name(…)). */
function calledAt(site: CallSite): boolean {
  const parent = site.node?.getParent();
  return !!parent && TsNode.isCallExpression(parent) && parent.getExpression() === site.node;
}

function readThroughItsType(site: CallSite, name: string): boolean {
  if (!site.node || !TsNode.isPropertyAccessExpression(site.node)) return false;
  // this.fc_1(x): the call reports its callee, with its did-you-mean (TSDP2010)
  const parent = site.node.getParent();
  if (parent && TsNode.isCallExpression(parent) && parent.getExpression() === site.node) return false;
  let obj: TsNode = site.node.getExpression();
  while (TsNode.isParenthesizedExpression(obj)) obj = obj.getExpression();
  if (TsNode.isAsExpression(obj) || TsNode.isTypeAssertion(obj)) return false;
  // what tsc knows of the receiver (asked only here, on the way to an error): `any` written as such
  // (a `self: any` alias, getattr's `m: any`), an index signature, or a member that an interface
  // merged with the class declares — tsc accepts all three, and so does tsdp. The compiler's
  // project does not resolve "tsdp/dsl", so a type from it (a field typed nn.Module, a
  // Sequential's child) is TypeScript's error type, an `any` that no one wrote: checked as before.
  try {
    const declared = obj.getType();
    const intrinsic = (declared.compilerType as { intrinsicName?: string }).intrinsicName;
    if (intrinsic === "any" || intrinsic === "unknown") return false;
    if (intrinsic === "error") return true;
    const type = declared.getApparentType();
    if (type.getStringIndexType() !== undefined || type.getProperty(name) !== undefined) return false;
  } catch {
    return false;
  }
  return true;
}

/**
 * A constructor's stateDict() holds the parameters, whose initializers copy_ repeats; a buffer's
 * initial value is no such handle, so a module with buffers is refused rather than half copied.
 */
function withoutBuffers(m: ModuleValue, who: string, s: CallSite): ModuleValue {
  for (const [path, each] of namedModules(m)) {
    const buffers = [...each.buffers.map((b) => b.local), ...[...each.fields].filter(([, v]) => v instanceof ParameterValue && v.buffer).map(([k]) => k)];
    if (buffers.length) fail("unsupportedSyntax", `${who} in a constructor copies parameters; ${path ? `${path} (${each.typeName})` : each.typeName} has buffers (${buffers.join(", ")}), which it would copy too: copy the parameters with p.data.copy_(q.data) over parameters()`, s.loc);
  }
  return m;
}

/**
 * What an overridden train(mode) may change: modules' modes and, as mmdet's _freeze_stages does,
 * parameters' requiresGrad (taken as the constructor's: PyTorch's first model.train() sets it for
 * good). Any other attribute it set would change at every model.train() call, which the compiled
 * model never makes.
 */
function refuseInModeOverride(obj: Value, name: string, site: CallSite): void {
  if ((obj instanceof LayerParamRef || obj instanceof ParameterValue) && (name === "requiresGrad" || name === "requires_grad")) return;
  fail("unsupportedSyntax", `an overridden train(mode) may set modules' modes (m.eval(), m.train(mode)) and parameters' requiresGrad, nothing else: it sets '${name}' here, which model.train() would change at run time; set it in the constructor`, site.loc);
}

/**
 * A layer's buffer (BatchNorm's running_mean) read in a constructor. Its values are made when the model
 * is created and change as it trains, so there are none to compute with there. The port that reaches for
 * them is a re-parameterization from trained values (RepVGG's switch_to_deploy, a conv–BN fold), which
 * works on the state dict after training.
 */
function layerStateInConstructor(what: string): string {
  return (
    `${what} is the layer's state: a constructor has no values of it to compute with (they are made when the model is created and change as it trains); ` +
    `read it in forward, or fold trained values outside the model — RepVGG's switch_to_deploy or a conv–BatchNorm fusion computes the fused weights from stateDict() and loadStateDict()s them into a build of the fused model`
  );
}

/**
 * Whether forward's new value of an attribute is the constructor's tensor itself: SincNet's
 * `self.n_ = self.n_.to(waveforms.device)` moves a constant to the input's device, which every
 * call does alike, so no value carries from one call to the next.
 */
/** Whether a set leaves an attribute as it is: the same tensor, or an equal number, string, boolean, null or undefined. */
function sameValues(field: Value, value: Value): boolean {
  if (field instanceof TensorValue && value instanceof TensorValue) return field.node === value.node;
  const plain = (v: Value) => v === null || v === undefined || typeof v === "number" || typeof v === "string" || typeof v === "boolean";
  return plain(field) && plain(value) && Object.is(field, value);
}

/**
 * A forward's `x.requiresGrad_(false)` (PixelCNN++'s `torch.zeros(…).requires_grad_(False)`): a tensor
 * that no parameter's gradient reaches is a leaf in PyTorch, which the call leaves as it is; one
 * that carries a gradient is not, and PyTorch refuses it (VariableTypeManual.cpp's requires_grad_).
 * `requiresGrad_(true)` marks a tensor for autograd.grad, which tsdp does not compute: refused.
 */
function unmarkGradient(x: TensorValue, requiresGrad: boolean, site: CallSite): TensorValue {
  const tracked = !insideNoGrad() && requiresGradient(x.node);
  // x.requires_grad_() on a leaf: the tensor F.autograd.grad differentiates with respect to (a PINN's
  // collocation points, WGAN-GP's interpolates); on one computed from a parameter it already does
  if (requiresGrad) {
    if (x.node.dtype !== "f32")
      fail("dtypeMismatch", "requiresGrad_: only a float tensor can require grad (PyTorch's \"only Tensors of floating point dtype can require gradients\"); make it one first (x.float())", site.loc);
    if (!tracked) markRequiresGrad(x.node);
    return x;
  }
  if (tracked)
    fail(
      "invalidArgument",
      "requiresGrad_(false): this tensor is computed from parameters, and PyTorch changes the flag of a leaf only (\"you can only change requires_grad flags of leaf variables\"); x.detach() stops its gradient",
      site.loc,
    );
  return x;
}

/** JavaScript's Function.length: the parameters before the first with a default value or the rest parameter. */
function declaredArity(decl: TsNode): number {
  if (!TsNode.isParametered(decl)) return 0;
  const params = decl.getParameters();
  const first = params.findIndex((p) => p.hasInitializer() || p.isRestParameter());
  return first < 0 ? params.length : first;
}

/** The properties of tsdp's tensors beyond their methods: an assignment to one is not an attribute of the port's own. */
const TENSOR_MEMBER_NAMES: ReadonlySet<string> = new Set(["shape", "T", "mT", "H", "mH", "dtype", "ndim", "device", "data", "grad", "requiresGrad", "requires_grad", "real", "imag", "isLeaf", "is_leaf", "gradFn", "grad_fn"]);

/** A module's children as Python's OrderedDict of them reads: by name, in order, and keys(), values(), items() (entries()). */
function childrenDict(children: readonly (readonly [string, Value])[]): ObjectValue {
  const view = (name: string, items: () => Value[]) => [name, new BuiltinFunction(`_modules.${name}`, () => items())] as const;
  const pairs = () => children.map(([key, child]): Value => [key, child]);
  return new ObjectValue(
    new Map(children),
    new Map([view("keys", () => children.map(([key]) => key)), view("values", () => children.map(([, child]) => child)), view("items", pairs), view("entries", pairs)]),
  );
}

/**
 * An RNN layer's parameter names (weight_ih_l0, …, bias_hh_l1_reverse) grouped per layer and
 * direction in their order, as RNNBase's _all_weights; undefined for a layer whose names are not
 * all of that form.
 */
function recurrentWeightGroups(locals: readonly string[]): string[][] | undefined {
  if (locals.length === 0) return undefined;
  const groups = new Map<string, string[]>();
  for (const local of locals) {
    const key = /^(?:weight|bias)_(?:ih|hh|hr)_(l\d+(?:_reverse)?)$/.exec(local)?.[1];
    if (key === undefined) return undefined;
    groups.set(key, [...(groups.get(key) ?? []), local]);
  }
  return [...groups.values()];
}

/** A built-in class's static member by its name or the camelCase of a snake_case one. */
function staticOf(statics: ReadonlyMap<string, Value>, name: string): Value | undefined {
  return statics.get(name) ?? statics.get(camel(name));
}
