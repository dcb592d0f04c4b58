import { AUTOGRAD_FUNCTION, autogradApply } from "../autograd-function.ts";
import {
  Node as TsNode,
  SyntaxKind,
  type ArrowFunction,
  type Block,
  type CallExpression,
  type ClassDeclaration,
  type ClassExpression,
  type FunctionDeclaration,
  type FunctionExpression,
  type MethodDeclaration,
  type ParameterDeclaration,
  type PropertyAccessExpression,
  type PropertyDeclaration,
  type ConstructorDeclaration,
} from "ts-morph";
import { calledFrom, CompileError, fail } from "../../diagnostics/diagnostic.ts";
import { appendModule, callInOrder, moduleBase, setDictEntry, setNamedSequentialChildren } from "../layers.ts";
import { LimitError, limitError } from "../../limits.ts";
import { Scope } from "../scope.ts";
import { isNoGradMethod, locOf } from "../source.ts";
import { underNoGrad } from "../no-grad.ts";
import { checkLayerName, isLayerName, memberName } from "../names.ts";
import { BuiltinClass, BuiltinFunction, ClassValue, CollectionValue, ComplexValue, describe, distributionOf, FunctionValue, LayerParamRef, ModuleValue, NamespaceValue, ObjectValue, ParameterValue, RecomputedParamRef, TensorValue, type CallSite, type TransformBehavior, type Value } from "../values.ts";
import { formatShape, shapeEq } from "../../ir/shape.ts";
import { inPlaceMark, joinChanges, rewind } from "../in-place-journal.ts";
import { VIEW_METHODS, viewOrCopy } from "../views.ts";
import { fieldName, PropertyEvaluator } from "./properties.ts";
import { CALL_LEVELS, ModeFork, poison, isPoison, SHORT_CIRCUIT } from "./core.ts";
import { describeSyntax, didYouMean } from "./syntax.ts";
import { namedChildren, namedModules, notePlainState } from "../module-tree.ts";
import { recordModes } from "../module-modes.ts";
import { callWithHooks } from "../module-hooks.ts";
import { isComplexMethod } from "../complex.ts";
import { constructorResetNames, layerResetMethod } from "../layer-reset.ts";
import { arg, bindArgs, opt } from "../args.ts";
import { argumentsBoundAt, calledDirectly, callingFunction, evaluationBegins, floatLiteralValue, freshFloat, functionReturns, noteFieldFloat, returnedFloat, takeArgumentFloats } from "../float-literals.ts";
import { distributionProperty } from "../distributions.ts";
import { applyTransform } from "../distribution-transforms.ts";

/** The operators that assign to their left side (this.x = …, this.x ??= …, this.n += …). */
const ASSIGNMENTS = new Set([
  SyntaxKind.EqualsToken, SyntaxKind.QuestionQuestionEqualsToken, SyntaxKind.BarBarEqualsToken, SyntaxKind.AmpersandAmpersandEqualsToken,
  SyntaxKind.PlusEqualsToken, SyntaxKind.MinusEqualsToken, SyntaxKind.AsteriskEqualsToken, SyntaxKind.SlashEqualsToken,
]);

/** What a chain of user classes ends in: nn.Module, or a container its classes extend. */
type RootBase = "module" | "sequential" | "dict";

// Calls and classes: functions and methods, module calls (forward), construction, super() and field initializers.
export class Interpreter extends PropertyEvaluator {
  protected evalArgs(args: readonly TsNode[], scope: Scope): Value[] {
    const out: Value[] = [];
    for (const a of args) {
      if (TsNode.isSpreadElement(a)) {
        const v = this.evalExpr(a.getExpression(), scope);
        if (isPoison(v)) out.push(poison);
        else {
          const items = this.iterate(v, a);
          this.budget.size(out.length + items.length, "array", locOf(a));
          for (const item of items) out.push(item);
        }
      } else out.push(this.evalExpr(a, scope));
    }
    return out;
  }

  protected callExpression(e: CallExpression, scope: Scope): Value {
    const calleeNode = e.getExpression();
    if (calleeNode.getKind() === SyntaxKind.SuperKeyword) {
      // reported once: the constructor's own "must call super()" would only repeat it
      const frame = this.pending[this.pending.length - 1];
      if (frame) frame.superCalled = true;
      const parent = e.getParent();
      if (parent && TsNode.isPropertyAccessExpression(parent) && parent.getName() === "__init__")
        return fail("unsupportedSyntax", `Python's ${parent.getText()}() is super() in TypeScript, a statement of its own (with the base constructor's own arguments, if it takes any)`, locOf(e));
      return fail("unsupportedSyntax", "super(...) must be a statement of its own in the constructor", locOf(e));
    }
    if (calleeNode.getKind() === SyntaxKind.ImportKeyword)
      return fail("unsupportedSyntax", "dynamic import() is not supported in model files", locOf(e));
    const callee = this.evalExpr(calleeNode, scope);
    if (isPoison(callee)) return poison;
    // f?.(x): undefined when f is (an optional layer not set: this.norm?.(x) ?? x), and the rest of
    // the chain with it (expressions.ts, SHORT_CIRCUIT)
    if (e.hasQuestionDotToken() && (callee === null || callee === undefined)) throw SHORT_CIRCUIT;
    // the arguments first, as JavaScript evaluates them before it finds the callee is no function
    const args = this.argumentsOf(e, callee, scope);
    // an array holding a Poison (outs.push(<an error>) in a loop) poisons the call it goes into
    if (args.some((a) => isPoison(a) || (Array.isArray(a) && a.some(isPoison)))) {
      if (callee instanceof BuiltinFunction) callee.onPoisoned?.(args);
      return poison;
    }
    if (!isCallable(callee)) return notAFunction(calleeNode, callee, this.site(e), callee === undefined ? this.memberNamesOf(calleeNode, scope) : []);
    // a function of the model file called here: what it returns is noted at this call (float-literals.ts)
    if (callee instanceof FunctionValue) callingFunction(e);
    return this.callValue(callee, args, this.site(e));
  }

  /**
   * A call's arguments. Where one fails and the callee registers a name (registerBuffer(`mask${i}`,
   * <an error>)), the name still reads as Poison afterwards (BuiltinFunction.onPoisoned): its later
   * uses stay quiet after the one real error.
   */
  private argumentsOf(e: CallExpression, callee: Value, scope: Scope): Value[] {
    try {
      return this.evalArgs(e.getArguments(), scope);
    } catch (err) {
      if (err instanceof CompileError && callee instanceof BuiltinFunction && callee.onPoisoned) {
        const first = e.getArguments()[0];
        let name: Value = poison;
        try {
          if (first) name = this.evalExpr(first, scope);
        } catch {
          // the name itself failed: nothing to quiet
        }
        callee.onPoisoned([name, poison]);
      }
      throw err;
    }
  }

  /**
   * For "did you mean fc1?" when `this.fc_1(x)` or `cfg.mk(x)` reads a member that is not there:
   * the fields and methods of the object before the dot, when that is `this` or a name (read
   * again without running anything); none for other objects.
   */
  private memberNamesOf(calleeNode: TsNode, scope: Scope): string[] {
    if (!TsNode.isPropertyAccessExpression(calleeNode)) return [];
    const objNode = calleeNode.getExpression();
    const obj = objNode.getKind() === SyntaxKind.ThisKeyword ? scope.thisValue : TsNode.isIdentifier(objNode) ? scope.lookup(objNode.getText())?.value : undefined;
    if (obj instanceof ObjectValue) return [...obj.props.keys()];
    if (!(obj instanceof ModuleValue)) return [];
    const names = [...obj.fields.keys()];
    if (obj.cls) for (const c of this.classChain(obj.cls)) for (const m of c.decl.getInstanceMembers()) if (!TsNode.isConstructorDeclaration(m)) names.push(m.getName());
    return names;
  }

  /** Calls a callback as JavaScript does: map passes (item, index), and (x) => ... ignores the index. */
  callCallback(f: Value, args: Value[], site: CallSite): Value {
    const bound = f instanceof BuiltinFunction ? this.boundFunctions.get(f) : undefined;
    if (bound) return this.callCallback(bound.target, [...bound.args, ...args], site);
    if (f instanceof FunctionValue) {
      const params = (f.decl as ArrowFunction | FunctionExpression | FunctionDeclaration | MethodDeclaration).getParameters();
      if (!params.some((p) => p.isRestParameter())) args = args.slice(0, params.length);
    }
    return this.callValue(f, args, site);
  }

  /**
   * An array method's callback (map, forEach, filter, reduce, Array.from's mapper): a module
   * (xs.map(this.proj)) takes what its forward declares, a built-in layer its input alone, as
   * JavaScript would pass the index too and forward ignore it. Not F.checkpoint(layer, q, k, v),
   * whose arguments are all the layer's.
   */
  callArrayCallback(f: Value, args: Value[], site: CallSite, extra: Value[] = []): Value {
    const bound = f instanceof BuiltinFunction ? this.boundFunctions.get(f) : undefined;
    const target = bound ? bound.target : f;
    const m = target instanceof ModuleValue ? target : target instanceof BuiltinFunction ? this.moduleForwards.get(target) : undefined;
    if (m) args = [...args, ...extra].slice(0, Math.max(0, this.forwardArity(m) - (bound?.args.length ?? 0)));
    // a function of the model file gets what JavaScript passes (the index, the array); a built-in
    // one (xs.map(F.relu), xs.reduce(F.add)) the items alone, as it would read the index as an option
    else if (target instanceof FunctionValue) args = [...args, ...extra];
    return this.callCallback(f, args, site);
  }

  /** How many arguments a module's forward takes: its own forward's parameters (all, with a rest parameter), else a layer's input. */
  protected forwardArity(m: ModuleValue): number {
    const own = m.cls && this.lookupMethod(m.cls, "forward");
    if (!own) return 1;
    const params = own.method.getParameters();
    return params.some((p) => p.isRestParameter()) ? Infinity : params.length;
  }

  callValue(callee: Value, args: Value[], site: CallSite): Value {
    // an overridden train(mode) sets modes; it computes no tensors (evaluated at compile time, it would change nothing at run time)
    if (this.modeFlags && callee instanceof BuiltinFunction && /^(F|torch|nn\.init)\./.test(callee.name))
      fail("unsupportedSyntax", `${callee.name} in an overridden train(mode): the override is evaluated when the model is compiled, to find each module's mode, and may set modes (m.eval(), m.train(mode)) and requiresGrad only`, site.loc);
    // (callExpression has refused a callee that is not callable, naming it as written)
    // F.exp(z), F.sum(z, 1) of a complex tensor z: z's own method (complex.ts)
    if (callee instanceof BuiltinFunction && callee.name.startsWith("F.") && args[0] instanceof ComplexValue && isComplexMethod(callee.name.slice(2)))
      return this.callValue(this.getProperty(args[0], callee.name.slice(2), site), args.slice(1), site);
    if (callee instanceof BuiltinFunction) {
      const result = callee.call(args, site);
      // F.flatten(x), F.transpose(x, …), F.chunk(x, …): views of x, as x's methods' are (in-place.ts)
      if (callee.name.startsWith("F.") && VIEW_METHODS.has(callee.name.slice(2)) && args[0] instanceof TensorValue) viewOrCopy(args[0], callee.name.slice(2), result, site);
      return result;
    }
    if (callee instanceof FunctionValue) return this.callFunction(callee, args, site);
    if (callee instanceof ModuleValue) return this.callModule(callee, args, site);
    if (callee instanceof NamespaceValue && callee.call) return callee.call(args, site);
    if (callee instanceof ClassValue || callee instanceof BuiltinClass)
      return fail("notCallable", `${callee.name} is a class: write new ${callee.name}(...)`, site.loc);
    return fail("notCallable", `${describe(callee)} is not a function`, site.loc);
  }

  /**
   * A function may call itself (ALiBi's getSlopes once, a stacked hourglass's forward n levels):
   * every call is inlined, and each level counts against the nesting budget, so a recursion that
   * does not stop ends there, reported as the function's (runFunction), not as a stack overflow.
   */
  callFunction(f: FunctionValue, args: Value[], site: CallSite): Value {
    const decl = f.decl as FunctionDeclaration | ArrowFunction | FunctionExpression | MethodDeclaration;
    if (TsNode.isFunctionDeclaration(decl) || TsNode.isFunctionExpression(decl) || TsNode.isMethodDeclaration(decl)) {
      if (decl.isAsync() || decl.isGenerator?.()) fail("unsupportedSyntax", "async and generator functions are not supported in model code", locOf(decl));
    }
    // @F.noGrad() (PyTorch's @torch.no_grad() on a method): the call is a no_grad block
    if (isNoGradMethod(decl)) return underNoGrad(this.em, site, () => this.callUndecorated(f, args, site));
    return this.callUndecorated(f, args, site);
  }

  private callUndecorated(f: FunctionValue, args: Value[], site: CallSite): Value {
    if (this.phase !== "forward" || this.assumedMode !== undefined) return this.runFunction(f, args, site);
    const mark = this.builder.size;
    const changes = inPlaceMark();
    try {
      return this.runFunction(f, args, site);
    } catch (e) {
      if (!(e instanceof ModeFork)) throw e;
      return this.evaluatePerMode(f, args, site, mark, changes, e.at);
    }
  }

  /**
   * A function of forward that tests this.training (timm's drop path: `if (!this.training) return
   * x`): evaluated once in train mode and once in eval mode, its two results joined by mode_select,
   * which reads the mode at run time. The nodes the first attempt (up to the test) and the train-mode
   * evaluation added are reused where the eval-mode one adds the same (GraphBuilder.reuseSince), so
   * what does not depend on the mode is computed once. Each evaluation starts from the tensors as
   * they were before the first attempt (in-place changes rewound, `changes`); a tensor changed in
   * place then holds the join of its two values, as a returned one does.
   */
  protected evaluatePerMode(f: FunctionValue, args: Value[], site: CallSite, mark: number, changes: number, test: TsNode): Value {
    const evaluate = (mode: boolean) => {
      rewind(changes);
      this.builder.reuseSince(mark);
      try {
        return [this.withMode(mode, () => this.runFunction(f, args, site)), rewind(changes)] as const;
      } finally {
        this.builder.stopReuse();
      }
    };
    const [train, trainChanges] = evaluate(true);
    const [evaluation, evalChanges] = evaluate(false);
    // a join that fails is reported at the test of this.training
    joinChanges(trainChanges, evalChanges, (a, b) => this.joinModes(a, b, f.name, this.site(test)));
    return this.joinModes(train, evaluation, f.name, this.site(test));
  }

  /** The value of a function evaluated per mode: tensors joined by mode_select, the rest equal in both modes. */
  protected joinModes(train: Value, evaluation: Value, who: string, site: CallSite): Value {
    if (train === evaluation || isPoison(train) || isPoison(evaluation)) return isPoison(train) ? train : evaluation;
    if (train instanceof TensorValue && evaluation instanceof TensorValue) {
      if (train.node === evaluation.node) return train;
      if (train.node.dtype === "f32" && evaluation.node.dtype === "f32" && shapeEq(train.node.shape, evaluation.node.shape))
        return this.em.tensor("mode_select", [train, evaluation], {}, `${who} (this.training)`, site);
      // int32 indices per mode (a decoder's teacher forcing: the target's token in training, its own
      // prediction in eval): joined as float32, exact for integers within 2²⁴, and back to int32
      if (train.node.dtype === "i32" && evaluation.node.dtype === "i32" && shapeEq(train.node.shape, evaluation.node.shape)) {
        const [a, b] = [train, evaluation].map((t) => this.em.tensor("to_float", [t], {}, `${who} (this.training)`, site));
        return this.em.tensor("to_int", [this.em.tensor("mode_select", [a, b], {}, `${who} (this.training)`, site)], {}, `${who} (this.training)`, site);
      }
    }
    if (Array.isArray(train) && Array.isArray(evaluation) && train.length === evaluation.length)
      return train.map((v, i) => this.joinModes(v, evaluation[i], who, site));
    // a complex tensor per mode: each part joined
    if (train instanceof ComplexValue && evaluation instanceof ComplexValue)
      return new ComplexValue(this.joinModes(train.re, evaluation.re, who, site) as TensorValue, this.joinModes(train.im, evaluation.im, who, site) as TensorValue);
    if (train instanceof ObjectValue && evaluation instanceof ObjectValue && [...train.props.keys()].join() === [...evaluation.props.keys()].join())
      return new ObjectValue(new Map([...train.props].map(([k, v]) => [k, this.joinModes(v, evaluation.props.get(k), who, site)])));
    // values no select joins (Transformer-TTS's `if self.training: mask = … else: mask = None`, read
    // further on by `if mask is not None`): the function around is evaluated once per mode instead, each
    // evaluation following its own values to the end, and the join is tried on what it returns — up to
    // forward's outputs, where a value of one mode only is refused
    if (this.assumedMode === undefined && this.phase === "forward" && this.callStack.length > 0) throw new ModeFork(site.node);
    return fail(
      "dataDependentControlFlow",
      `${who} gives ${describeResult(train)} in train mode and ${describeResult(evaluation)} in eval mode; what changes with train()/eval() must be tensors of one shape and dtype in both (a result only training needs, such as an auxiliary output, is a second forward output computed in both modes)`,
      site.loc,
    );
  }

  protected runFunction(f: FunctionValue, args: Value[], site: CallSite): Value {
    try {
      return this.runBody(f, args, site);
    } catch (e) {
      throw this.runawayRecursion(e, f, site);
    }
  }

  /**
   * The nesting budget used up inside a call of `f` that `f` made (directly or through other
   * calls): reported as f's recursion, at the innermost such call, once. A method of one module
   * calling the same method of another instance is no recursion (pix2pix's UnetSkipConnectionBlock
   * nests blocks of its own class, each forward calling its submodule's).
   */
  private runawayRecursion(e: unknown, f: FunctionValue, site: CallSite): unknown {
    if (!(e instanceof LimitError) || e.diagnostics[0]?.kind !== "nestingTooDeep" || namedRecursions.has(e)) return e;
    const levels = this.activeCalls.filter((c) => c.decl === f.decl && (!(f.self instanceof ModuleValue) || c.self === f.self)).length;
    if (levels === 0) return e;
    const named = limitError(
      "nestingTooDeep",
      "maxDepth",
      this.limits.maxDepth,
      `${f.name} calls itself ${levels + 1} levels deep (directly or through other calls) and has not stopped: a recursion must reach a case that returns without calling itself`,
      site.loc,
    );
    namedRecursions.add(named);
    return named;
  }

  private runBody(f: FunctionValue, args: Value[], site: CallSite): Value {
    const decl = f.decl as FunctionDeclaration | ArrowFunction | FunctionExpression | MethodDeclaration;
    // called by a call expression of its own (not a callback of Array.map's): its result's float is that call's
    const call = calledDirectly(site.node);
    const scope = new Scope(f.closure, f.self);
    this.enter(site.loc, CALL_LEVELS);
    try {
      // a function or arrow given more arguments than it declares ignores the rest, as JavaScript's
      // ((v, i) => … passed to a call with three); a method (forward) is held to its parameters
      const params = decl.getParameters();
      const lenient = !TsNode.isMethodDeclaration(decl) && !params.some((p) => p.isRestParameter());
      this.bindParameters(params, lenient ? args.slice(0, params.length) : args, scope, f.name, site);
    } catch (e) {
      this.budget.leave(CALL_LEVELS);
      throw e;
    }
    this.callStack.push(decl);
    this.activeCalls.push({ decl, self: f.self });
    // the model's own forward, called by the compiler at its name, is no call a reader made
    const at = (TsNode.isMethodDeclaration(decl) || TsNode.isFunctionDeclaration(decl)) && decl.getNameNode() ? locOf(decl.getNameNode()!) : undefined;
    const made = !(at && at.file === site.loc.file && at.line === site.loc.line && at.col === site.loc.col);
    if (made) this.callSites.push({ name: f.name, loc: site.loc });
    try {
      const body = decl.getBody();
      if (!body) return fail("unsupportedSyntax", `${f.name} has no body`, locOf(decl));
      if (TsNode.isBlock(body)) {
        const done = this.execBlock(body.getStatements(), scope);
        const result = done.kind === "return" ? done.value : undefined;
        return functionReturns(call, result, done.kind === "return" ? returnedFloat(result) : undefined);
      }
      const since = evaluationBegins();
      const result = this.evalExpr(body, scope);
      return functionReturns(call, result, freshFloat(body, since));
    } catch (e) {
      // an error in the body: which call it was (a helper called from twenty places)
      throw made ? calledFrom(e, f.name, site.loc) : e;
    } finally {
      if (made) this.callSites.pop();
      this.callStack.pop();
      this.activeCalls.pop();
      this.budget.leave(CALL_LEVELS);
    }
  }

  protected bindParameters(params: readonly ParameterDeclaration[], args: Value[], scope: Scope, who: string, site: CallSite): void {
    const required = params.filter((p) => !p.hasInitializer() && !p.isOptional() && !p.isRestParameter()).length;
    const hasRest = params.some((p) => p.isRestParameter());
    // Python's `self.fn(x, **kwargs)` with kwargs empty, ported `this.fn(x, kwargs)` or `this.fn(x, {})`: the
    // extra arguments carry nothing, so JavaScript's dropping them is PyTorch's call too
    if (!hasRest && args.length > params.length && args.slice(params.length).every(carriesNothing)) args = args.slice(0, params.length);
    if (args.length < required || (!hasRest && args.length > params.length))
      fail(
        "wrongArgumentCount",
        `${who} expects ${required === params.length ? required : `${required} to ${params.length}`} argument${params.length === 1 ? "" : "s"}, got ${args.length}` +
          (args.length > params.length
            ? ": JavaScript would drop the extra ones, but Python raises a TypeError for an argument a method does not take, and dropping one silently would hide what the port meant it for; remove it or declare the parameter (an empty options object, Python's empty **kwargs, is dropped)"
            : ""),
        site.loc,
      );
    const written = argumentsBoundAt(site, params[0]?.getParent());
    // a callback's arguments from an array's walk (scales.map((s) => …)): their floats, offered by the walk
    const offered = takeArgumentFloats();
    params.forEach((p, i) => {
      let v: Value = p.isRestParameter() ? args.slice(i) : args[i];
      let from = p.isRestParameter() ? undefined : written?.[i];
      let float = p.isRestParameter() ? undefined : offered?.[i];
      if (v === undefined && p.hasInitializer()) {
        v = this.evalExpr(p.getInitializerOrThrow(), scope);
        from = p.getInitializerOrThrow();
        float = undefined;
      }
      this.bindPattern(p.getNameNode(), v, scope, true);
      // torch.tensor(target_real_label) of a `target_real_label = 1.0` parameter is float32, as in PyTorch
      const name = p.getNameNode();
      const fromFloat = from && typeof v === "number" && floatLiteralValue(from) === v ? v : undefined;
      if (TsNode.isIdentifier(name)) scope.noteFloat(name.getText(), fromFloat ?? (float === v ? float : undefined));
    });
  }

  /**
   * A module of the user's own that holds no state and whose forward cannot tell the modes apart
   * (a loss written as a module: timm's LabelSmoothingCrossEntropy, a FocalLoss, made beside the
   * model as `criterion = FocalLoss()`): it computes the same registered or not, as a stateless
   * layer does. Its class (and those it extends) must not read `training` — an unregistered module
   * stays in training mode in PyTorch — and its children must be stateless too.
   */
  private statelessUserModule(m: ModuleValue): boolean {
    if (m.kind !== "user" || !m.cls || m.layerType !== undefined || m.registeredBuffers.size > 0) return false;
    for (const v of m.fields.values()) {
      if (v instanceof ParameterValue || v instanceof TensorValue) return false;
      if (v instanceof ModuleValue && !v.plain && !statelessLayer(v) && !this.statelessUserModule(v)) return false;
    }
    return !this.classChain(m.cls).some((c) => /\btraining\b/.test(c.decl.getText()));
  }

  /** Calls a module as PyTorch's __call__ does: its forward, with nodes named by its path. */
  callModule(m: ModuleValue, args: Value[], site: CallSite): Value {
    // a transform: y = t(x), PyTorch's Transform.__call__ (its cache)
    if (m.transform) {
      const b = bindArgs(`${m.typeName}.__call__`, [arg("x", "any")], args, site);
      if (!(b.x instanceof TensorValue)) return fail("wrongArgumentType", `${m.typeName} takes a tensor, got ${describe(b.x)}`, site.loc);
      return applyTransform(m.transform, b.x, site);
    }
    if (m.plain) fail("notCallable", `${describe(m)} is not callable: ${m.typeName} does not extend nn.Module, so it has no forward to call (call one of its methods)`, site.loc);
    // a constructor that runs a layer on a dummy input to learn its output size (AST's get_shape, the
    // `_get_conv_output(torch.rand(1, *shape))` of many CNNs) would need forward's values: say what gives the size instead
    if (this.phase !== "forward")
      fail("nonConstant", `${m.typeName} can only be called inside forward: a constructor builds layers and does not run them, so a dummy input passed through one to read its output's shape has none here; compute the size from the settings — ⌊(n + 2·padding − dilation·(kernelSize − 1) − 1) / stride⌋ + 1 along each dim of a convolution or pooling — and use that number`, site.loc);
    if (args.some(isPoison)) return poison;
    // a layer with no state that behaves the same in both modes (a loss, an activation: the
    // tutorials' module-level `criterion = nn.NLLLoss()`) computes the same registered or not, as
    // in PyTorch; one with parameters or buffers would be neither trained nor saved, and a dropout
    // outside the model stays in training mode in PyTorch, which tsdp's compiled modes cannot follow
    if (m.path === undefined && !statelessLayer(m) && !this.statelessUserModule(m) && !this.madeInForwardModules.has(m))
      fail("moduleNotInModel", `this ${m.typeName} is not registered in the model: store layers as fields of a module, or in nn.ModuleList / nn.Sequential (a plain array does not register them)`, site.loc);
    // PyTorch's forward hooks around forward (module-hooks.ts)
    return callWithHooks(m, args, site, this.hookHost, (hooked) => this.callForward(m, hooked, site));
  }

  /** A module's forward itself, with nodes named by its path. */
  private callForward(m: ModuleValue, args: Value[], site: CallSite): Value {
    return this.em.within(m.path ?? "", () => {
      // nn.Flatten / nn.Unflatten return a view of their input, as x.flatten does (views.ts)
      // a class extending a layer runs its own forward when it has one (super.forward(x) is the layer's)
      const own = m.layerType !== undefined && m.cls ? this.lookupMethod(m.cls, "forward") : undefined;
      const layerType = m.layerType ?? m.typeName;
      if (m.forward && !own) return VIEW_LAYERS.has(layerType) && args[0] instanceof TensorValue ? viewOrCopy(args[0], layerType === "nn.Flatten" ? "flatten" : "unflatten", m.forward(m, args, site)) : m.forward(m, args, site);
      if (m.kind === "list") return fail("notCallable", "nn.ModuleList is not callable; iterate over it and call each module", site.loc);
      if (m.kind === "dict") return fail("notCallable", "nn.ModuleDict is not callable; call one of its modules (this.heads[name](x))", site.loc);
      const found = m.cls && this.lookupMethod(m.cls, "forward");
      // a subclass of nn.Sequential without a forward of its own: its children in order, as nn.Sequential's
      if (!found && m.sequential) return callInOrder(m.items, args, site, (c, a, s) => this.callModule(c, a, s));
      if (!found) return fail("noForward", `${m.typeName} has no forward method`, site.loc);
      return this.callFunction(new FunctionValue(found.method, found.owner.scope, `${found.owner.name}.forward`, m), args, site);
    });
  }

  /**
   * model.train(true) and model.train(false), evaluated against the constructed tree where a module
   * of it overrides train (module-modes.ts): each module's flag in each mode.
   */
  evaluateModeOverrides(root: ModuleValue): void {
    const overrides = namedModules(root).some(([, m]) => !m.plain && m.cls && this.lookupMethod(m.cls, "train"));
    if (!overrides) return;
    const site = this.site(root.cls?.decl.getNameNode() ?? root.cls!.decl);
    const flagsIn = (mode: boolean) => {
      this.modeFlags = new Map();
      try {
        this.setTrainMode(root, mode, site);
        return this.modeFlags;
      } finally {
        this.modeFlags = undefined;
      }
    };
    recordModes(root, flagsIn(true), flagsIn(false), site);
  }

  setTrainMode(m: ModuleValue, mode: boolean, site: CallSite): Value {
    const own = !m.plain && m.cls ? this.lookupMethod(m.cls, "train") : undefined;
    if (!own) return this.moduleTrain(m, mode, site);
    const name = `${own.owner.name}.train`;
    const result = this.callFunction(new FunctionValue(own.method, own.owner.scope, name, m), [mode], site);
    // PyTorch's model.train() returns what the override returns; `return this` keeps chains (model.train().cuda()) working
    if (result !== m && !isPoison(result)) fail("unsupportedSyntax", `${name} must return this (nn.Module.train returns the module), got ${describe(result)}`, locOf(own.method.getNameNode()));
    return m;
  }

  /** nn.Module.train(mode): the module's flag, then each child's train(mode) — an override of a child's runs. */
  protected moduleTrain(m: ModuleValue, mode: boolean, site: CallSite): ModuleValue {
    this.modeFlags!.set(m, mode);
    for (const [, child] of namedChildren(m)) this.setTrainMode(child, mode, site);
    return m;
  }

  protected requireConstructPhase(who: string, site: CallSite): void {
    if (this.phase !== "forward") return;
    fail("moduleOutsideConstructor", `${who} is called inside forward`, site.loc);
  }

  /**
   * `v instanceof C`, as Python's isinstance(v, C) in initialization code: a module is an instance of
   * nn.Module, of its built-in layer's class (nn.Conv2d), of nn.Sequential / nn.ModuleList, or of
   * its user class and every user class that one extends; a parameter handle of nn.Parameter.
   */
  protected instanceOf(v: Value, cls: Value, e: TsNode): Value {
    if (isPoison(v) || isPoison(cls)) return poison;
    if (cls === moduleBase) return v instanceof ModuleValue && !v.plain;
    if (cls instanceof ClassValue) return v instanceof ModuleValue && v.cls !== undefined && this.classChain(v.cls).some((c) => c.decl === cls.decl);
    // DenseNet's `inputs instanceof Array` (Python's isinstance(x, list)), and the collections
    if (cls instanceof NamespaceValue && cls.name === "Array") return Array.isArray(v);
    if (cls instanceof BuiltinClass && (cls.name === "Map" || cls.name === "Set")) return v instanceof CollectionValue && v.kind === cls.name;
    if (cls instanceof BuiltinClass) {
      // a recomputed weight (weight norm's) is a plain tensor in PyTorch, no nn.Parameter
      if (cls.name === "nn.Parameter") return (v instanceof ParameterValue && !v.buffer) || (v instanceof LayerParamRef && !(v instanceof RecomputedParamRef));
      // a distribution of the class's kind or one extending it; the straight-through one-hot is a OneHotCategorical in PyTorch too
      if (isDistributionClass(cls)) {
        const kind = distributionOf(v)?.kind;
        return kind !== undefined && (`F.distributions.${kind}` === cls.name || (kind === "OneHotCategoricalStraightThrough" && cls.name === "F.distributions.OneHotCategorical"));
      }
      if (!(v instanceof ModuleValue)) return false;
      if (cls.name === "nn.Sequential") return v.kind === "sequential" || v.sequential;
      if (cls.name === "nn.ModuleList") return v.kind === "list";
      if (cls.name === "nn.ModuleDict") return v.kind === "dict" || v.dictLike;
      return v.kind === "layer" ? v.typeName === cls.name : v.layerType === cls.name;
    }
    return fail("wrongArgumentType", `the right side of instanceof must be a class, got ${describe(cls)}`, locOf(e));
  }

  /**
   * `cls.prototype instanceof base`: whether the user class `cls` extends `base` (a class of the file,
   * nn.Module, or the built-in layer or container at the root of its chain), strictly, as JavaScript's
   * prototype chain says.
   */
  protected isSubclass(cls: ClassValue, base: Value, e: TsNode): Value {
    if (isPoison(base)) return poison;
    const above = this.classChain(cls).slice(1);
    if (base instanceof ClassValue) return above.some((c) => c.decl === base.decl);
    const root = this.rootBase(cls);
    if (base === moduleBase) return this.isModuleClass(cls);
    if (base instanceof BuiltinClass) {
      if (base.name === "nn.Sequential") return root === "sequential";
      if (base.name === "nn.ModuleDict") return root === "dict";
      return root === base;
    }
    return fail("wrongArgumentType", `the right side of instanceof must be a class, got ${describe(base)}`, locOf(e));
  }

  // Classes

  construct(callee: Value, args: Value[], site: CallSite): Value {
    if (callee instanceof BuiltinClass) {
      const made = callee.construct(args, site);
      if (made instanceof ModuleValue && callee.statics.size > 0) made.statics = callee.statics;
      return made;
    }
    // new Array(n), as Array(n)
    if (callee instanceof NamespaceValue && callee.name === "Array" && callee.call) return callee.call(args, site);
    if (!(callee instanceof ClassValue)) return fail("notCallable", `${describe(callee)} cannot be constructed with new`, site.loc);
    const root = this.rootBase(callee);
    // a class extending no module (a config dataclass, a box coder, Hugging Face's ModelOutput
    // dataclasses built in forward), or one extending a distribution: a plain instance, which holds
    // values and registers nothing
    const plain = root === undefined || (root instanceof BuiltinClass && isValueClass(root));
    for (const c of this.classChain(callee)) this.runStaticBlocks(c);
    if (!plain && root !== "module" && root !== "sequential" && root !== "dict" && !(root instanceof BuiltinClass))
      fail("unsupportedSyntax", `${callee.name} does not extend nn.Module; only modules and plain classes can be created in model code`, site.loc);
    // a stacked hourglass's Hourglass(n − 1) inside Hourglass(n): nesting of its own class with other
    // arguments is a finite tree (the nesting budget bounds it); the same arguments again never end
    if (this.constructing.some((c) => c.decl === callee.decl && sameArguments(c.args, args)))
      fail("recursion", `${callee.name} creates another ${callee.name} with the same arguments while it is being constructed, which would never end`, site.loc);
    if (this.constructing.filter((c) => c.decl === callee.decl).length >= MAX_SELF_NESTING)
      fail("recursion", `${callee.name} creates another ${callee.name} while it is being constructed, ${MAX_SELF_NESTING} levels deep: a module that nests its own class needs a case that stops (depth > 0 ? new ${callee.name}(depth - 1) : null)`, site.loc);
    const self = new ModuleValue("user", callee.name, site.loc, callee);
    self.plain = plain;
    self.sequential = root === "sequential";
    self.dictLike = root === "dict";
    const saved = this.phase;
    this.enter(site.loc, CALL_LEVELS);
    // made in forward, its constructor computes in forward: its tensors are forward's values (and
    // what registers state there — nn.Parameter, a layer with weights, registerBuffer — is refused where it is)
    this.phase = saved === "forward" ? "forward" : "construct";
    this.constructing.push({ decl: callee.decl, args });
    try {
      this.runConstructor(callee, self, args, site);
    } finally {
      this.constructing.pop();
      this.phase = saved;
      this.budget.leave(CALL_LEVELS);
    }
    if (!plain && saved === "forward") this.madeInForward(self, site);
    if (self.distribution)
      self.methodNames = this.classChain(callee).flatMap((c) => c.decl.getMembers().flatMap((m) => (TsNode.isMethodDeclaration(m) || TsNode.isGetAccessorDeclaration(m) ? [m.getName()] : [])));
    return self;
  }

  /**
   * A module class made in forward — pytorch-qrnn's `ForgetMult()(f, z, hidden)` — is a function of
   * its call when it holds no state, as a stateless built-in layer made there (layers.ts
   * statelessInForward): PyTorch registers nothing for it. Its `training` is PyTorch's for a new
   * module, true whatever model.eval() set.
   */
  private readonly madeInForwardModules = new WeakSet<ModuleValue>();
  private madeInForward(m: ModuleValue, site: CallSite): void {
    const state = m.params.length > 0 ? "parameters" : m.buffers.length > 0 ? "buffers" : undefined;
    if (state) fail("moduleOutsideConstructor", `new ${m.typeName} is called inside forward: its ${state} would be new at every call and not part of the model; a module class with state is made in the model's constructor, where its parameters are registered`, site.loc);
    m.modes = { train: true, eval: true };
    this.madeInForwardModules.add(m);
  }

  /**
   * `super.name` in a method of a model class (a subclass's forward calling its base's, PyTorch's
   * super().forward(x)): the method (or getter) of the class the running method's class extends,
   * on this module; for a class that extends nn.Sequential, super.forward runs the children in order.
   */
  protected superMember(e: PropertyAccessExpression, scope: Scope): Value {
    const self = scope.thisValue;
    const name = e.getName();
    if (!(self instanceof ModuleValue) || !self.cls) return fail("unsupportedSyntax", `super.${name} is only available in the methods of model classes`, locOf(e));
    const decl = e.getFirstAncestor((n) => TsNode.isClassDeclaration(n) || TsNode.isClassExpression(n));
    // one mixin applied twice puts its class expression in the chain twice: the running method's
    // class is the one whose scope (the mixin call that made it) encloses this one
    const encloses = (c: ClassValue) => {
      for (let sc: Scope | undefined = scope; sc; sc = sc.parent) if (sc === c.scope) return true;
      return false;
    };
    const candidates = this.classChain(self.cls).filter((c) => c.decl === decl);
    const here = candidates.length > 1 ? (candidates.find(encloses) ?? candidates[0]) : candidates[0];
    const base = here && this.baseClass(here);
    if (base instanceof ClassValue) {
      const found = this.lookupMethod(base, name);
      if (found) return new FunctionValue(found.method, found.owner.scope, `${found.owner.name}.${name}`, self);
      const getter = this.lookupGetter(base, name, self);
      if (getter) return this.callCallback(getter, [], this.site(e));
    }
    // a distribution's member, for a class extending one (super.log_prob(actions) in FixedCategorical.log_probs)
    if (base instanceof BuiltinClass && isDistributionClass(base) && self.distribution) return distributionProperty(self.distribution, name, this.em, this.site(e));
    // the layer's own forward, for a class extending a built-in layer (timm's Conv2dSame pads, then super.forward)
    if (base instanceof BuiltinClass && name === "forward" && self.forward) {
      const forward = self.forward;
      return new BuiltinFunction(`${base.name}.forward`, (args, site) => forward(self, args, site));
    }
    // super.reset_parameters() in an override (the layer's default initialization, then a change to it)
    const reset = base instanceof BuiltinClass ? layerResetMethod(self, name, (who, site) => this.requireConstructPhase(who, site)) : undefined;
    if (reset) return reset;
    // super.train(mode) in an overridden train (norm_eval): nn.Module's, while modes are evaluated
    if ((name === "train" || name === "eval") && this.modeFlags)
      return new BuiltinFunction(`nn.Module.${name}`, (args, site) => {
        const b = bindArgs(`nn.Module.${name}`, name === "train" ? [opt("mode", "bool", true)] : [], args, site);
        return name === "train" ? this.moduleTrain(self, b.mode, site) : this.setTrainMode(self, false, site);
      });
    if (base === "sequential" && name === "forward")
      return new BuiltinFunction("nn.Sequential.forward", (args, site) => callInOrder(self.items, args, site, (c, a, s) => this.callModule(c, a, s)));
    // nn.Module's own methods, where the class overrides one and calls the base's (SAC's policy:
    // to(device) moves its tensors, then return super().to(device)): the built-in's, on this module
    const inherited = this.moduleWalk(self, name);
    if (inherited) return inherited;
    return fail("unknownProperty", `super.${name}: ${base instanceof ClassValue || base instanceof BuiltinClass ? base.name : base === undefined ? "this class extends nothing that" : `nn.${base === "module" ? "Module" : base === "dict" ? "ModuleDict" : "Sequential"}`} has no method '${name}'`, locOf(e));
  }

  /** A method of `cls` or of the user classes it extends, with the class that declares it. */
  lookupMethod(cls: ClassValue, name: string): { method: MethodDeclaration; owner: ClassValue } | undefined {
    for (const c of this.classChain(cls)) {
      const own = c.decl.getInstanceMethod(name);
      if (own && own.getBody()) return { method: own, owner: c };
    }
    return undefined;
  }

  /** An instance getter (get width() { … }) of `cls` or the classes it extends, as a function of the module. */
  lookupGetter(cls: ClassValue, name: string, self: ModuleValue): FunctionValue | undefined {
    for (const c of this.classChain(cls)) {
      const own = c.decl.getGetAccessor(name);
      if (own && !own.isStatic() && own.getBody()) return new FunctionValue(own, c.scope, `${c.name}.${name}`, self);
    }
    return undefined;
  }

  /** Static field values, each computed once where it is first read (as a class's static initializers run once). */
  private readonly staticValues = new Map<TsNode, Value>();

  /**
   * `Cls.name` for a user class: a static field (ResNet's Bottleneck.expansion) or static method of
   * it or of a class it extends, found as JavaScript finds it; `name` is the class's name.
   */
  staticMember(cls: ClassValue, name: string, site: CallSite): Value {
    for (const c of this.classChain(cls)) {
      this.runStaticBlocks(c);
      const field = c.decl.getStaticProperty(name);
      if (field && TsNode.isPropertyDeclaration(field)) return this.staticField(c, field);
      const method = c.decl.getStaticMethod(name);
      // `this` in a static method is the class it is called on, as JavaScript's: `static create() { return new this(); }`
      if (method && method.getBody()) return new FunctionValue(method, c.scope, `${c.name}.${name}`, cls);
    }
    if (name === "name") return cls.name;
    // MyFunction.apply(x, …) of a class extending F.autograd.Function (autograd-function.ts)
    if (name === "apply" && this.rootBase(cls) === AUTOGRAD_FUNCTION)
      return autogradApply({ name: cls.name, member: (m) => (this.hasStaticMethod(cls, m) ? this.staticMember(cls, m, site) : undefined) }, this.em, (f, a, s) => this.callValue(f, a, s));
    return fail("unknownProperty", `${cls.name} has no static member '${name}'`, site.loc);
  }

  /** Whether `cls` or a class it extends declares the static method `name` with a body. */
  private hasStaticMethod(cls: ClassValue, name: string): boolean {
    return this.classChain(cls).some((c) => c.decl.getStaticMethod(name)?.getBody() !== undefined);
  }

  /** The classes whose static blocks have run (or are running). */
  private readonly staticsRun = new Set<ClassDeclaration | ClassExpression>();
  /** The classes whose static blocks are running, innermost last: `C.x = …` there sets C's static field. */
  private readonly staticBlocks: ClassValue[] = [];

  /**
   * `static { … }`: JavaScript runs a class's static blocks and static field initializers in order
   * when the class is defined; tsdp reads a file's classes lazily, so they run once, in that order,
   * where the class is first used (constructed, or a static member read), at the top level's phase.
   */
  protected runStaticBlocks(cls: ClassValue): void {
    if (this.staticsRun.has(cls.decl)) return;
    this.staticsRun.add(cls.decl);
    const members = cls.decl.getMembers();
    if (!members.some((m) => TsNode.isClassStaticBlockDeclaration(m))) return;
    for (const member of members) {
      if (TsNode.isPropertyDeclaration(member) && member.isStatic()) this.staticField(cls, member);
      if (!TsNode.isClassStaticBlockDeclaration(member)) continue;
      this.enter(member, CALL_LEVELS);
      const saved = this.phase;
      this.phase = "toplevel";
      this.staticBlocks.push(cls);
      try {
        // `this` in a static block is the class
        this.diags.recover(() => this.execBlock(member.getStatements(), new Scope(cls.scope, cls)), undefined);
      } finally {
        this.staticBlocks.pop();
        this.phase = saved;
        this.budget.leave(CALL_LEVELS);
      }
    }
  }

  /** `C.x = v` (or `this.x = v`) in C's static block: C's static field x, which C must declare. */
  protected setStatic(cls: ClassValue, name: string, value: Value, site: CallSite): void {
    if (!this.staticBlocks.some((c) => c.decl === cls.decl))
      fail("unsupportedSyntax", `${cls.name}.${name} = …: a static field is set by its initializer or in its class's static block; elsewhere (a constructor, forward) it would be state shared by every instance`, site.loc);
    const field = cls.decl.getStaticProperty(name);
    if (!field || !TsNode.isPropertyDeclaration(field)) return fail("unknownProperty", `${cls.name} declares no static field '${name}'; declare it (static ${name}: …)`, site.loc);
    this.staticValues.set(field, value);
  }

  private staticField(owner: ClassValue, field: PropertyDeclaration): Value {
    if (this.staticValues.has(field)) {
      const v = this.staticValues.get(field);
      if (v === STATIC_PENDING) return fail("recursion", `the value of ${owner.name}.${field.getName()} depends on itself`, locOf(field));
      return v;
    }
    const init = field.getInitializer();
    if (!init) return undefined;
    this.staticValues.set(field, STATIC_PENDING);
    // evaluated where it is first read, inside whatever is running: nesting, as a call is
    this.enter(field, CALL_LEVELS);
    const saved = this.phase;
    this.phase = "toplevel";
    try {
      // `this` in a static initializer is the class, as in a static block
      const v = this.diags.recover(() => this.evalExpr(init, new Scope(owner.scope, owner)), poison);
      this.staticValues.set(field, v);
      return v;
    } finally {
      this.phase = saved;
      this.budget.leave(CALL_LEVELS);
    }
  }

  /**
   * The names `cls` and the classes it extends declare (fields, optional ones too, parameter
   * properties, methods, accessors) or assign (`this.name = …`, `??=`, … anywhere in their bodies):
   * what tsc lets `this.name` read. A name outside it is PyTorch's AttributeError (tsc's
   * "property does not exist"), not an attribute that is merely unset.
   */
  memberNamesOfClass(cls: ClassValue): ReadonlySet<string> {
    const cached = this.classMembers.get(cls.decl);
    if (cached) return cached;
    const names = new Set<string>();
    for (const c of this.classChain(cls)) {
      for (const m of c.decl.getInstanceMembers()) if (!TsNode.isConstructorDeclaration(m)) names.add(m.getName());
      for (const p of c.decl.getDescendantsOfKind(SyntaxKind.PropertyAccessExpression)) {
        if (p.getExpression().getKind() !== SyntaxKind.ThisKeyword) continue;
        const parent = p.getParent();
        if (parent && TsNode.isBinaryExpression(parent) && parent.getLeft() === p && ASSIGNMENTS.has(parent.getOperatorToken().getKind())) names.add(p.getName());
      }
    }
    this.classMembers.set(cls.decl, names);
    return names;
  }
  private readonly classMembers = new Map<ClassDeclaration | ClassExpression, ReadonlySet<string>>();

  /**
   * Whether `cls` or a class it extends sets members by names the source does not spell —
   * `this[key] = v` (a setattr loop), `this` handed to a function that sets them — so that a name
   * it never spells may still be set (a JavaScript model file needs no field declarations).
   */
  setsComputedMembers(cls: ClassValue): boolean {
    const cached = this.computedMembers.get(cls.decl);
    if (cached !== undefined) return cached;
    const sets = this.classChain(cls).some((c) =>
      c.decl.getDescendantsOfKind(SyntaxKind.ThisKeyword).some((t) => {
        const parent = t.getParent();
        if (parent && TsNode.isElementAccessExpression(parent)) {
          const assign = parent.getParent();
          return !!assign && TsNode.isBinaryExpression(assign) && assign.getLeft() === parent && ASSIGNMENTS.has(assign.getOperatorToken().getKind());
        }
        // this handed to a function (a helper that sets fields on it)
        return !!parent && TsNode.isCallExpression(parent) && parent.getArguments().some((a) => a === t);
      }),
    );
    this.computedMembers.set(cls.decl, sets);
    return sets;
  }
  private readonly computedMembers = new Map<ClassDeclaration | ClassExpression, boolean>();

  /**
   * `cls` and the user classes it extends, nearest first; a loop walks it, as an `extends` chain
   * can be as long as the file. A cycle (class A extends B, B extends A) ends the chain.
   */
  protected classChain(cls: ClassValue): ClassValue[] {
    const chain: ClassValue[] = [];
    // by class value: one mixin's class expression applied twice is two classes of one declaration
    const seen = new Set<ClassValue>();
    for (let c: ClassValue | undefined = cls; c && !seen.has(c); ) {
      if (chain.length >= this.limits.maxDepth)
        throw limitError("nestingTooDeep", "maxDepth", this.limits.maxDepth, `${cls.name} extends a chain of more than ${this.limits.maxDepth} classes`, locOf(cls.decl.getNameNode() ?? cls.decl));
      seen.add(c);
      chain.push(c);
      const base = this.baseClass(c);
      c = base instanceof ClassValue ? base : undefined;
    }
    return chain;
  }

  /** The user class this one extends, or nn.Module, nn.Sequential, nn.ModuleDict or a built-in layer; fails for anything else. */
  baseClass(cls: ClassValue): ClassValue | RootBase | BuiltinClass | undefined {
    const heritage = cls.decl.getExtends();
    if (!heritage) return undefined;
    const base = this.evalExpr(heritage.getExpression(), cls.scope);
    if (isPoison(base)) throw new CompileError([]); // the base already failed (a bad import) and was reported
    if (base === moduleBase) return "module";
    if (base instanceof ClassValue) return base;
    // torchvision's ConvBNActivation(nn.Sequential): super(conv, bn, act) makes children 0, 1, 2
    if (base instanceof BuiltinClass && base.name === "nn.Sequential") return "sequential";
    // torchvision's _DenseBlock(nn.ModuleDict): children added by name, its forward over self.items()
    if (base instanceof BuiltinClass && base.name === "nn.ModuleDict") return "dict";
    // BiT's StdConv2d(nn.Conv2d), MADE's MaskedLinear(nn.Linear): super(…) builds the layer (adoptLayer)
    if (base instanceof BuiltinClass && isLayerClass(base)) return base;
    // ikostrikov's PPO: FixedCategorical(torch.distributions.Categorical), its methods over super's
    if (base instanceof BuiltinClass && isValueClass(base)) return base;
    if (base instanceof BuiltinClass)
      return fail("unsupportedSyntax", `extending ${base.name} is not supported; extend nn.Module and hold a ${base.name} as a field`, locOf(heritage));
    return fail("wrongArgumentType", `${cls.name} extends ${describe(base)}, not a class`, locOf(heritage));
  }

  isModuleClass(cls: ClassValue): boolean {
    const root = this.rootBase(cls);
    return root === "module" || root === "sequential" || root === "dict" || (root instanceof BuiltinClass && !isValueClass(root));
  }

  /** What the chain of user classes from `cls` ends in: nn.Module, nn.Sequential, a built-in layer, or neither. */
  protected rootBase(cls: ClassValue): ClassValue | RootBase | BuiltinClass | undefined {
    const chain = this.classChain(cls);
    return this.baseClass(chain[chain.length - 1]);
  }

  /** nn.Sequential's constructor, for a class that extends it: its arguments (or one array of them) become children "0", "1", ..., or one object's (an OrderedDict's) modules named children */
  protected sequentialSuper(self: ModuleValue, args: Value[], site: CallSite): void {
    if (setNamedSequentialChildren(self, args, site)) return;
    const items = args.length === 1 && Array.isArray(args[0]) ? args[0] : args;
    items.forEach((m, i) => {
      if (!(m instanceof ModuleValue)) fail("wrongArgumentType", `nn.Sequential takes modules, argument ${i + 1} is ${describe(m)}`, site.loc);
      appendModule(self, m, site);
    });
  }

  /**
   * A built-in layer's constructor, for a class that extends it (class MaskedLinear extends
   * nn.Linear): the layer is built from the arguments and its parameters (registered first, as
   * PyTorch's super().__init__ registers them), settings, children and forward become the module's.
   */
  protected layerSuper(base: BuiltinClass, self: ModuleValue, args: Value[], site: CallSite): void {
    const layer = base.construct(args, site);
    if (isDistributionClass(base)) {
      self.distribution = distributionOf(layer);
      return;
    }
    if (isTransformClass(base) && layer instanceof ModuleValue && layer.transform) {
      self.transform = this.transformOf(self, layer.transform);
      return;
    }
    if (!(layer instanceof ModuleValue) || layer.kind !== "layer")
      return void fail("unsupportedSyntax", `extending ${base.name} is not supported; extend nn.Module and hold a ${base.name} as a field`, site.loc);
    self.adoptLayer(layer);
    // PyTorch's layer constructor ends with self.reset_parameters(), which Python's method lookup
    // sends to a subclass's override: the override initializes the parameters, run here, before
    // this class's own fields exist, as in PyTorch's super().__init__
    for (const name of constructorResetNames(base.name)) {
      const found = self.cls && this.lookupMethod(self.cls, name);
      if (!found) continue;
      this.callFunction(new FunctionValue(found.method, found.owner.scope, `${found.owner.name}.${name}`, self), [], site);
      break;
    }
  }

  /**
   * The transform an instance of a class extending one is: the class's _call, _inverse and
   * log_abs_det_jacobian where it defines them (looked up when called), the base's elsewhere, and
   * a cache of its own.
   */
  private transformOf(self: ModuleValue, base: TransformBehavior): TransformBehavior {
    const method = (name: string, fallback: (...args: TensorValue[]) => TensorValue) => (site: CallSite, ...args: TensorValue[]) => {
      const found = self.cls && this.lookupMethod(self.cls, name);
      if (!found) return fallback(...args);
      const result = this.callFunction(new FunctionValue(found.method, found.owner.scope, `${found.owner.name}.${name}`, self), args, site);
      if (!(result instanceof TensorValue)) return fail("wrongArgumentType", `${found.owner.name}.${name} must return a tensor, got ${describe(result)}`, site.loc);
      return result;
    };
    const forward = method("_call", (x) => base.forward(x, this.site(self.cls!.decl)));
    const inverse = method("_inverse", (y) => base.inverse(y, this.site(self.cls!.decl)));
    const jacobian = method("log_abs_det_jacobian", (x, y) => base.logAbsDetJacobian(x, y, this.site(self.cls!.decl)));
    return {
      name: self.typeName,
      cacheSize: base.cacheSize,
      eventDim: base.eventDim,
      sign: base.sign,
      forward: (x, site) => forward(site, x),
      inverse: (y, site) => inverse(site, y),
      logAbsDetJacobian: (x, y, site) => jacobian(site, x, y),
    };
  }

  /** nn.ModuleDict's constructor, for a class that extends it: an object's modules become named children. */
  protected dictSuper(self: ModuleValue, args: Value[], site: CallSite): void {
    if (args.length > 1) fail("wrongArgumentCount", `nn.ModuleDict takes one object of modules, got ${args.length} arguments`, site.loc);
    if (args.length === 0 || args[0] === undefined) return;
    if (!(args[0] instanceof ObjectValue)) fail("wrongArgumentType", `nn.ModuleDict takes an object of modules ({ name: module }), got ${describe(args[0])}`, site.loc);
    for (const [k, v] of args[0].props) setDictEntry(self, k, v, site);
  }

  /** TypeScript's order: super(...) runs the base, then this class's field initializers, then the rest. */
  protected runConstructor(cls: ClassValue, self: ModuleValue, args: Value[], site: CallSite): void {
    for (const member of cls.decl.getMembers()) {
      // a setter would make an assignment run code (a static block runs where the class is first used)
      if (TsNode.isSetAccessorDeclaration(member))
        fail("unsupportedSyntax", `${describeSyntax(member)} is not supported in model classes`, locOf(member));
      if (TsNode.isGetAccessorDeclaration(member) && member.isStatic())
        fail("unsupportedSyntax", "a static getter is not supported in model classes; use a static field", locOf(member));
    }
    const ctor = cls.decl.getConstructors().find((c) => c.getBody() !== undefined);
    const base = this.baseClass(cls);
    if (!ctor) {
      if (base instanceof ClassValue) {
        // a base's constructor runs inside this one: nesting, counted like a call
        this.enter(cls.decl.getNameNode() ?? cls.decl, CALL_LEVELS);
        try {
          this.runConstructor(base, self, args, site);
        } finally {
          this.budget.leave(CALL_LEVELS);
        }
      } else if (base === "sequential") this.sequentialSuper(self, args, site);
      else if (base === "dict") this.dictSuper(self, args, site);
      else if (base instanceof BuiltinClass) this.layerSuper(base, self, args, site);
      else if (!args.every(carriesNothing)) fail("wrongArgumentCount", `${cls.name} has no constructor but got ${args.length} argument${args.length === 1 ? "" : "s"}`, site.loc);
      this.initFields(cls, self);
      return;
    }
    const scope = new Scope(cls.scope, self);
    this.bindParameters(ctor.getParameters(), args, scope, `new ${cls.name}`, site);
    this.pending.push({ cls, self, ctor, scope, base, superCalled: false });
    this.callStack.push(ctor);
    try {
      // a plain class extending nothing has no super(): its fields are set before its body runs, as JavaScript's
      if (self.plain && base === undefined) {
        const frame = this.pending[this.pending.length - 1];
        frame.superCalled = true;
        this.initInstance(frame);
      }
      this.execBlock((ctor.getBodyOrThrow() as Block).getStatements(), scope);
      const frame = this.pending[this.pending.length - 1];
      if (!frame.superCalled) fail("unsupportedSyntax", `the constructor of ${cls.name} must call super()`, locOf(ctor));
    } finally {
      this.pending.pop();
      this.callStack.pop();
    }
  }

  protected readonly pending: {
    cls: ClassValue;
    self: ModuleValue;
    ctor: ConstructorDeclaration;
    scope: Scope;
    base: ClassValue | RootBase | BuiltinClass | undefined;
    superCalled: boolean;
  }[] = [];

  protected superCall(e: CallExpression, scope: Scope): void {
    const frame = this.pending[this.pending.length - 1];
    if (!frame) fail("unsupportedSyntax", "super() outside a constructor", locOf(e));
    if (frame.superCalled) fail("unsupportedSyntax", "super() is called twice", locOf(e));
    // called, whatever its arguments do: an error in them is reported, not also a missing super()
    frame.superCalled = true;
    const given = e.getArguments();
    if (given.length === 2 && given[1].getText() === "self")
      fail("unsupportedSyntax", `Python 2's super(${given[0].getText()}, self) is super() in TypeScript, with the base constructor's own arguments`, locOf(e));
    const args = this.evalArgs(given, scope);
    if (frame.base instanceof ClassValue) this.runConstructor(frame.base, frame.self, args, this.site(e));
    else if (frame.base === "sequential") this.sequentialSuper(frame.self, args, this.site(e));
    else if (frame.base === "dict") this.dictSuper(frame.self, args, this.site(e));
    else if (frame.base instanceof BuiltinClass) this.layerSuper(frame.base, frame.self, args, this.site(e));
    else if (args.length > 0) fail("wrongArgumentCount", "nn.Module's constructor takes no arguments", locOf(e));
    this.initInstance(frame);
  }

  /** After super(): the class's field initializers, then its parameter properties (constructor(private n: number)), which are fields too. */
  private initInstance(frame: (typeof this.pending)[number]): void {
    this.initFields(frame.cls, frame.self);
    for (const p of frame.ctor.getParameters())
      if (p.isParameterProperty()) {
        const value = frame.scope.lookup(p.getName())?.value;
        if (frame.self.plain) this.diags.recover(() => notePlainState(this.plainState, this.registeredState, frame.self, p.getName(), value, locOf(p.getNameNode())), undefined);
        if (value instanceof ModuleValue) this.diags.recover(() => checkLayerName(p.getName(), "a layer", locOf(p.getNameNode())), undefined);
        frame.self.fields.set(p.getName(), value);
        noteFieldFloat(frame.self, p.getName(), frame.scope.floatOf(p.getName()));
      }
  }

  /** A `this.x` in a field initializer where x is a parameter property of the class not set yet. */
  private earlyParameterProperty(cls: ClassValue, self: ModuleValue, init: TsNode): PropertyAccessExpression | undefined {
    const properties = new Set(cls.decl.getConstructors().flatMap((c) => c.getParameters().filter((p) => p.isParameterProperty()).map((p) => p.getName())));
    if (properties.size === 0) return undefined;
    return [init, ...init.getDescendants()].find(
      (n): n is PropertyAccessExpression => TsNode.isPropertyAccessExpression(n) && n.getExpression().getKind() === SyntaxKind.ThisKeyword && properties.has(n.getName()) && !self.fields.has(n.getName()),
    );
  }

  protected initFields(cls: ClassValue, self: ModuleValue): void {
    const scope = new Scope(cls.scope, self);
    const declared = new Set(cls.decl.getProperties().filter((p) => !p.isStatic()).map((p) => memberName(p.getNameNode())));
    // #fc and fc are one state_dict name: reported once, then neither is usable (either value would
    // stand for both, and their uses would report errors of the wrong layer)
    const collided = new Set<string>();
    for (const prop of cls.decl.getProperties()) {
      if (prop.isStatic()) continue;
      const written = memberName(prop.getNameNode());
      if (written.startsWith("#") && declared.has(fieldName(written))) {
        this.diags.recover(() => fail("badName", `${cls.name} declares both ${written} and ${fieldName(written)}: a private field is named without its # in the state_dict, as PyTorch's self.${fieldName(written)}`, locOf(prop.getNameNode())), undefined);
        collided.add(fieldName(written));
      }
      if (collided.has(fieldName(written))) {
        self.fields.set(fieldName(written), poison);
        continue;
      }
      const init = prop.getInitializer();
      if (!init) continue;
      const name = fieldName(written);
      // hidden = this.dim * 2 with constructor(public dim): undefined there, as in TypeScript
      const early = this.earlyParameterProperty(cls, self, init);
      if (early) {
        this.diags.recover(() => fail("undefinedName", `the initializer of ${name} reads ${early.getText()} before it is set: TypeScript assigns a constructor's parameter properties (constructor(public ${early.getName()})) after the class's field initializers run (its error TS2729); set ${name} in the constructor, after super()`, locOf(early)), undefined);
        self.fields.set(name, poison);
        continue;
      }
      const value = this.diags.recover(() => this.evalExpr(init, scope), poison);
      noteFieldFloat(self, name, floatLiteralValue(init) === value ? (value as number) : undefined);
      if (self.plain) this.diags.recover(() => notePlainState(this.plainState, this.registeredState, self, name, value, locOf(prop.getNameNode())), undefined);
      if (value instanceof ModuleValue && !isLayerName(name))
        this.diags.recover(() => checkLayerName(name, "a layer", locOf(prop.getNameNode())), undefined);
      self.fields.set(name, value);
    }
  }
}

/** nn's classes that are not layers (containers, parameters): a class cannot extend them as it extends a layer. */
const NOT_LAYERS = new Set(["nn.ModuleList", "nn.ParameterList", "nn.ParameterDict", "nn.Parameter"]);
const isLayerClass = (c: BuiltinClass) => c.name.startsWith("nn.") && !NOT_LAYERS.has(c.name);
/** torch.distributions' classes, which a plain class may extend (its instance holds the distribution super(…) built). */
const isDistributionClass = (c: BuiltinClass) => c.name.startsWith("F.distributions.") && !isTransformClass(c);
/** torch.distributions.transforms' classes, which a plain class may extend too (pytorch_sac's TanhTransform). */
const isTransformClass = (c: BuiltinClass) => c.name.startsWith("F.distributions.transforms.");
/** A class a plain class extends: its instance holds what the base's constructor made. */
const isValueClass = (c: BuiltinClass) => isDistributionClass(c) || isTransformClass(c) || c === AUTOGRAD_FUNCTION;

/** The nesting-budget errors already reported as a function's recursion (runawayRecursion), which the calls around it pass on as they are. */
const namedRecursions = new WeakSet<LimitError>();

/** A static field being computed: reading it again means its value depends on itself. */
const STATIC_PENDING = Symbol("static field being computed") as unknown as Value;

const isCallable = (v: Value) =>
  v instanceof BuiltinFunction || v instanceof FunctionValue || v instanceof ModuleValue || v instanceof ClassValue || v instanceof BuiltinClass || (v instanceof NamespaceValue && v.call !== undefined);

/** A call of something that is no function: the callee as written, and what it is. */
function notAFunction(calleeNode: TsNode, callee: Value, site: CallSite, known: readonly string[]): never {
  const text = calleeNode.getText();
  const shown = text.length > 60 ? `${text.slice(0, 57)}...` : text;
  const name = TsNode.isPropertyAccessExpression(calleeNode) ? calleeNode.getName() : undefined;
  const hint = callee === undefined && name ? `; '${name}' is not defined on ${TsNode.isPropertyAccessExpression(calleeNode) ? calleeNode.getExpression().getText() : "it"}${didYouMean(name, known, "")}` : "";
  return fail("notCallable", `${shown} is ${describe(callee)}, not a function${hint}`, site.loc);
}

/** A forward result for a message: a tensor's dtype and shape, or what the value is. */
function describeResult(v: Value): string {
  if (v instanceof TensorValue) return `a ${v.node.dtype === "f32" ? "float32" : "int32"} tensor ${formatShape(v.node.shape)}`;
  if (Array.isArray(v)) return `${v.length} values`;
  return describe(v);
}

/** How deep a module may nest its own class (a stacked hourglass nests 4, a U-Net's blocks 5–8). */
const MAX_SELF_NESTING = 64;

/** Layers whose output is a view of their input in PyTorch. */
const VIEW_LAYERS: ReadonlySet<string> = new Set(["nn.Flatten", "nn.Unflatten"]);

/** Whether two argument lists are the same values (numbers, strings and flags equal; objects the same object). */
function sameArguments(a: readonly Value[], b: readonly Value[]): boolean {
  const same = (u: Value, v: Value): boolean => Object.is(u, v) || (Array.isArray(u) && Array.isArray(v) && u.length === v.length && u.every((x, i) => same(x, v[i])));
  return a.length === b.length && a.every((u, i) => same(u, b[i]));
}

/** A built-in layer without parameters, buffers or children whose forward does not depend on train/eval mode. */
function statelessLayer(m: ModuleValue): boolean {
  return m.kind === "layer" && !m.cls && m.params.length === 0 && m.buffers.length === 0 && m.items.length === 0 && !/Dropout|RReLU/.test(m.typeName);
}

/** An argument with nothing in it (undefined, {}, []): Python's empty **kwargs or *args, which a call may pass on beyond the parameters. */
function carriesNothing(v: Value): boolean {
  return v === undefined || (Array.isArray(v) && v.length === 0) || (v instanceof ObjectValue && v.props.size === 0 && v.dictMethods === undefined);
}
