import { resolveKnownScalars } from "../args.ts";
import { constantValues } from "../known-values.ts";
import { Node as TsNode, type CallExpression, type ClassDeclaration, type ClassExpression, type Expression, type MethodDeclaration, type PropertyAccessExpression } from "ts-morph";
import { jsonNamespace } from "../json.ts";
import { DiagnosticBag, fail, type SourceLoc } from "../../diagnostics/diagnostic.ts";
import { GraphBuilder } from "../../ir/builder.ts";
import { nnNamespace } from "../layers.ts";
import { ConstructorTensors } from "../constructor-tensors.ts";
import { GraphEmitter } from "../graph-emitter.ts";
import { functionalNamespace } from "../functional.ts";
import { arrayNamespace, builtinGlobals, mathNamespace, objectNamespace } from "../globals.ts";
import { collectionClasses, collectionItems } from "../collections.ts";
import { clearInPlaceJournal } from "../in-place-journal.ts";
import { Budget, resolveLimits, type Limits } from "../../limits.ts";
import { Scope } from "../scope.ts";
import { locOf, SourceFiles } from "../source.ts";
import { optimNamespace, trainingClass } from "../training.ts";
import { BuiltinFunction, ClassValue, CollectionValue, FunctionValue, ModuleValue, Poison, TensorValue, type CallSite, type Value } from "../values.ts";
import { insideNoGrad } from "../no-grad.ts";
import { detachedView } from "../views.ts";
import type { Node } from "../../ir/node.ts";
import type { PlainState } from "../module-tree.ts";
import { einopsMembers } from "../einops.ts";

// The static evaluator: it walks the TypeScript syntax of a model file and computes what the
// code would compute, except that tensors are graph nodes. It never runs the user's code.
// Every syntax kind it accepts has an entry in `expressions` or `statements`; anything else
// is reported as unsupported, never skipped.

export type Phase = "toplevel" | "construct" | "forward";
/**
 * How a statement ended: normally, at a return (with its value), or at a break / continue of the
 * loop or switch around it, or (with a label: break outer) of the statement that label names.
 */
export type Completion = { kind: "normal" } | { kind: "return"; value: Value } | { kind: "break"; label?: string } | { kind: "continue"; label?: string };
export const NORMAL: Completion = { kind: "normal" };
export const BREAK: Completion = { kind: "break" };
export const CONTINUE: Completion = { kind: "continue" };
export const MAX_LOOP_ITERATIONS = 100_000;
/**
 * Nesting levels a call or a construction counts for: each takes about 4× the stack of one
 * expression (binding, the body's block, recovery frames), and --max-depth is about the stack.
 */
export const CALL_LEVELS = 4;

/**
 * Thrown where forward tests this.training (which changes at run time) outside a function being
 * evaluated once per mode: the innermost function call catches it and evaluates itself in each
 * mode (classes.ts, callFunction). Not a CompileError, so statement recovery lets it through.
 */
export class ModeFork {
  constructor(readonly at: TsNode) {}
}

/**
 * Thrown where a link of an optional chain (a?.b, a?.[i], f?.(x)) finds null or undefined: the
 * whole chain is undefined (this.norm?.forward(x).mul(3) ?? x skips forward and mul), so the
 * chain's outermost expression catches it (expressions.ts: evalExpr, endsOptionalChain).
 */
export const SHORT_CIRCUIT = Symbol("optional chain short-circuit");

export const poison = Poison.value;
export const isPoison = (v: Value): boolean => v instanceof Poison;

/** The evaluator's state and budgets; each layer above adds one job (files, statements, expressions, properties, calls and classes). */
export abstract class InterpreterCore {
  readonly diags = new DiagnosticBag();
  readonly limits: Limits;
  readonly budget: Budget;
  readonly builder: GraphBuilder;
  readonly em: GraphEmitter;
  readonly sources: SourceFiles;
  phase: Phase = "toplevel";
  /** Modules and parameters plain objects hold, checked against the model's tree once it is known (module-tree.ts notePlainState). */
  readonly plainState: PlainState[] = [];
  /** The model tree's modules and parameters (with their nodes), once registered. */
  registeredState: ReadonlyMap<unknown, Node | undefined> | undefined = undefined;
  /** this.training's truth while a function is evaluated for one mode (a ModeFork's); undefined otherwise. */
  protected assumedMode: boolean | undefined = undefined;
  /**
   * While model.train(mode) is evaluated at compile time (an overridden train, module-modes.ts):
   * each module's `training` flag so far, which m.train()/m.eval() set and this.training reads.
   */
  protected modeFlags: Map<ModuleValue, boolean> | undefined = undefined;
  /** The loops being run, outermost first: a used-up step budget is reported at the outermost. */
  protected readonly loops: TsNode[] = [];
  protected readonly fileScopes = new Map<string, Scope>();
  protected readonly callStack: TsNode[] = [];
  /** The calls under way and where each was made: an error recovered inside one names them (DiagnosticBag.calls). */
  protected readonly callSites: { readonly name: string; readonly loc: SourceLoc }[] = [];
  /** The tensor a buffer is in forward, which forward may change (state-updates.ts; the emitter keeps them). */
  stateValue(node: Node): TensorValue {
    return this.em.stateValue(node);
  }

  /** The functions running, with the module each was called on (recursion is the same function on the same one), for naming a recursion that does not stop. */
  protected readonly activeCalls: { readonly decl: TsNode; readonly self: Value }[] = [];
  protected readonly constructing: { readonly decl: ClassDeclaration | ClassExpression; readonly args: readonly Value[] }[] = [];
  /** A built-in layer's `forward` read as a value (this.proj.forward), with its module: a callback passes it what the module takes. */
  protected readonly moduleForwards = new WeakMap<BuiltinFunction, ModuleValue>();
  /** f.bind(thisArg, ...args) with arguments: the function and the arguments it is called with first. */
  protected readonly boundFunctions = new WeakMap<BuiltinFunction, { readonly target: Value; readonly args: readonly Value[] }>();
  protected readonly dsl: Map<string, Value>;
  /** What `import { rearrange, … } from "tsdp/einops"` binds (einops.ts). */
  protected readonly einops: Map<string, Value>;
  protected readonly globals: Scope;

  constructor(limits: Limits = resolveLimits()) {
    clearInPlaceJournal();
    this.diags.calls = () => this.callSites;
    this.limits = limits;
    this.budget = new Budget(limits);
    this.builder = new GraphBuilder(limits.maxOps);
    this.em = new GraphEmitter(this.builder, new ConstructorTensors(limits.maxOps), () => this.phase === "forward", () => this.assumedMode);
    // a 0-dim tensor whose value the compiler knows is that number where a call needs one (args.ts)
    const em = this.em;
    resolveKnownScalars((t) => {
      const values = constantValues(em, t.node);
      return values?.length === 1 ? values[0] : undefined;
    });
    this.sources = new SourceFiles(limits.maxDepth);
    const host = {
      em: this.em,
      requireConstruct: (who: string, site: CallSite) => {
        if (this.phase === "forward") fail("moduleOutsideConstructor", `${who} is created inside forward`, site.loc);
      },
      inForward: () => this.phase === "forward",
      callModule: (m: ModuleValue, args: Value[], site: CallSite) => this.callModule(m, args, site),
      call: (f: Value, args: Value[], site: CallSite) => this.callCallback(f, args, site),
    };
    const nn = nnNamespace(host);
    const F = functionalNamespace(this.em, () => this.phase, (f, args, site) => this.callCallback(f, args, site));
    // torch.nn.functional under nn (nn.functional.relu) and torch.nn under F, which is torch too
    // (torch.nn.init.xavier_uniform_ is F.nn.init.xavier_uniform_): each names the other, so one is
    // added to the other's members after both exist
    (nn.members as Map<string, Value>).set("functional", F);
    (F.members as Map<string, Value>).set("nn", nn);
    this.dsl = new Map<string, Value>([
      ["nn", nn],
      ["F", F],
      ["optim", optimNamespace],
      ["Training", trainingClass],
    ]);
    this.einops = einopsMembers(host);
    this.globals = new Scope();
    for (const [name, value] of builtinGlobals) this.globals.declare(name, value, false);
    this.globals.declare("Math", mathNamespace(new BuiltinFunction("Math.random", (args, site) => this.mathRandom(args, site))), false);
    this.globals.declare("Array", arrayNamespace(this.arrayHooks), false);
    this.globals.declare("Object", objectNamespace(this.arrayHooks), false);
    this.globals.declare("JSON", jsonNamespace(this.arrayHooks), false);
    for (const [name, cls] of collectionClasses(this.arrayHooks)) this.globals.declare(name, cls, false);
  }

  /** Math.random(): in forward a 0-dim uniform draw per step (mathNamespace says why); elsewhere refused. */
  private mathRandom(args: Value[], site: CallSite): Value {
    if (args.length > 0) fail("wrongArgumentType", `Math.random takes no arguments, got ${args.length}`, site.loc);
    if (this.phase !== "forward")
      fail("nonConstant", "Math.random() outside forward would draw one number while compiling and bake it into the model: draw initial values with F.rand([...]) or F.randn([...]) (seeded by the model's seed), and a per-step choice in forward with Math.random() or F.rand([])", site.loc);
    return this.em.tensor("sample", [], { shape: [], distribution: "uniform" }, "Math.random", site);
  }

  /** What array builtins need from the evaluator: callbacks, and the step and size budgets. */
  protected readonly arrayHooks = {
    call: (f: Value, args: Value[], site: CallSite, extra: Value[] = []) => this.callArrayCallback(f, args, site, extra),
    charge: (elements: number, site: CallSite) => this.charge(elements, site.loc),
    size: (size: number, what: "array" | "string", site: CallSite) => this.budget.size(size, what, site.loc),
    // Array.from(this.stages, …): a ModuleList or Sequential's modules, a Map's or Set's entries; a
    // tensor's slices along dim 0 as a for-of walks them (Python's list(t)), since the typings make it iterable
    items: (v: Value, site: CallSite): Value[] | undefined =>
      v instanceof ModuleValue && v.isSequence ? [...v.elements] : v instanceof CollectionValue ? collectionItems(v) : v instanceof TensorValue ? this.iterate(v, site.node) : undefined,
    stored: (v: Value, site: CallSite): Value => (this.phase === "forward" && insideNoGrad() && v instanceof TensorValue ? detachedView(v, this.em, site) : v),
  };

  /** What forward hooks need (module-hooks.ts): the constructor-only check, and calls of the hooks. */
  protected readonly hookHost = {
    requireConstruct: (who: string, site: CallSite) => this.requireConstructPhase(who, site),
    callCallback: (f: Value, args: Value[], site: CallSite) => this.callCallback(f, args, site),
  };

  /** Where a used-up step budget is reported: the outermost loop running, which multiplies the work. */
  protected blame(): SourceLoc | undefined {
    return this.loops.length > 0 ? locOf(this.loops[0]) : undefined;
  }

  /** Counts per-element work (copies, comparisons of long values) as steps. */
  protected charge(elements: number, at: SourceLoc | TsNode): void {
    if (!this.budget.charge(elements)) return;
    const loop = this.blame();
    throw this.budget.exceeded("steps", loop ?? (at instanceof TsNode ? locOf(at) : at), loop !== undefined);
  }

  /** Counts a step and `levels` of nesting at `at`; throws when a budget runs out. */
  protected enter(at: TsNode | SourceLoc, levels = 1): void {
    const over = this.budget.enter(levels);
    if (!over) return;
    const loop = over === "steps" ? this.blame() : undefined;
    throw this.budget.exceeded(over, loop ?? (at instanceof TsNode ? locOf(at) : at), loop !== undefined);
  }

  /** Runs `f` with this.training taken as `mode` (one of the two evaluations of code that tests it). */
  protected withMode<T>(mode: boolean, f: () => T): T {
    const saved = this.assumedMode;
    this.assumedMode = mode;
    try {
      return f();
    } finally {
      this.assumedMode = saved;
    }
  }

  site(node: TsNode): CallSite {
    return { node, loc: locOf(node) };
  }

  // Implemented by the later layers (expressions.ts, properties.ts, classes.ts); declared here so
  // that each layer can call the others, as the methods of one class did.
  abstract evalExpr(e: Expression | TsNode, scope: Scope): Value;
  /** The values a for-of walks (statements.ts): an array's, a module list's, a tensor's slices along dim 0. */
  abstract iterate(v: Value, at: TsNode): Value[];
  abstract getProperty(obj: Value, name: string, site: CallSite): Value;
  abstract getElement(obj: Value, key: Value, site: CallSite): Value;
  abstract setElement(obj: TensorValue, key: Value, value: Value, site: CallSite): void;
  protected abstract setProperty(obj: Value, name: string, value: Value, site: CallSite): void;
  /** Whether `name` is one of m's own parameters (a layer's or an nn.Parameter field). */
  protected abstract holdsParameter(m: ModuleValue, name: string): boolean;
  /** `delete m._parameters[name]` / `delete m[name]` of a parameter, in a constructor. */
  protected abstract deleteParameter(m: ModuleValue, name: string, site: CallSite): boolean;
  /** After a failed statement: this.name of the module `self` reads as Poison (quiet) from here on, in the constructor or in forward. */
  protected abstract poisonField(self: ModuleValue, name: string): void;
  protected abstract evalArgs(args: readonly TsNode[], scope: Scope): Value[];
  protected abstract callExpression(e: CallExpression, scope: Scope): Value;
  abstract callCallback(f: Value, args: Value[], site: CallSite): Value;
  abstract callArrayCallback(f: Value, args: Value[], site: CallSite, extra?: Value[]): Value;
  abstract callValue(callee: Value, args: Value[], site: CallSite): Value;
  abstract callModule(m: ModuleValue, args: Value[], site: CallSite): Value;
  abstract construct(callee: Value, args: Value[], site: CallSite): Value;
  protected abstract requireConstructPhase(who: string, site: CallSite): void;
  /** m.train(mode) while modes are evaluated: m's own override if it has one, else nn.Module.train. */
  abstract setTrainMode(m: ModuleValue, mode: boolean, site: CallSite): Value;
  abstract lookupMethod(cls: ClassValue, name: string): { method: MethodDeclaration; owner: ClassValue } | undefined;
  abstract memberNamesOfClass(cls: ClassValue): ReadonlySet<string>;
  abstract setsComputedMembers(cls: ClassValue): boolean;
  abstract lookupGetter(cls: ClassValue, name: string, self: ModuleValue): FunctionValue | undefined;
  abstract staticMember(cls: ClassValue, name: string, site: CallSite): Value;
  protected abstract setStatic(cls: ClassValue, name: string, value: Value, site: CallSite): void;
  protected abstract superCall(e: CallExpression, scope: Scope): void;
  protected abstract superMember(e: PropertyAccessExpression, scope: Scope): Value;
  protected abstract instanceOf(v: Value, cls: Value, e: TsNode): Value;
  protected abstract isSubclass(cls: ClassValue, base: Value, e: TsNode): Value;
  protected abstract joinModes(train: Value, evaluation: Value, who: string, site: CallSite): Value;
}
