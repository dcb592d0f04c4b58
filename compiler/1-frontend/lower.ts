import { basename, resolve } from "node:path";
import { Node as TsNode, SyntaxKind, type SourceFile } from "ts-morph";
import { CompileError, diagnostic, fail, type SourceLoc } from "../diagnostics/diagnostic.ts";
import type { Graph, Init, Node, OptimizerSpec } from "../ir/node.ts";
import { formatShape, isBatch } from "../ir/shape.ts";
import { reachable } from "../ir/reachable.ts";
import { verifyGraph } from "../ir/verify.ts";
import { resolveLimits, type Limits } from "../limits.ts";
import { RESERVED_OUTPUT_NAMES } from "../../runtime/manifest.ts";
import { stateUpdates } from "./state-updates.ts";
import { CounterBuffers } from "./counter-buffers.ts";
import { inputType, isConstantParameter } from "./input-types.ts";
import { checkPlainState, namedModules, registeredState, stateDictKeys } from "./module-tree.ts";
import { heldMode } from "./module-modes.ts";
import { isBooleanMask, markBoolean } from "./boolean-masks.ts";
import { drawnInto } from "./factories.ts";
import { Interpreter } from "./interp.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { checkOutput } from "./size-limits.ts";
import { locOf } from "./source.ts";
import { checkLayerName, isIdentifier, quoteName } from "./names.ts";
import { requireSomethingToTrain } from "./training.ts";
import { targetMeans } from "./functional.ts";
import { targetReads } from "./target-reads.ts";
import {
  ClassValue,
  FunctionValue,
  LayerParamRef,
  ModuleValue,
  ObjectValue,
  OptimizerValue,
  ParameterValue,
  Poison,
  StaticTensor,
  TensorValue,
  TrainingValue,
  describe,
  type Value,
} from "./values.ts";

// The frontend's entry: a model file in, a checked graph out.
//   1. declare the file's top level (nothing is evaluated until it is needed)
//   2. pick the model class
//   3. construct it, as PyTorch's __init__ would run (static evaluation)
//   4. name every module and create its parameters and buffers, in registration order
//   5. evaluate forward on symbolic input tensors, building the graph
//   6. add the loss of the training declaration, if there is one

export interface LowerOptions extends Partial<Limits> {
  /** The class to compile when the file holds several models. */
  readonly model?: string;
}

/** One module of the model tree, for `tsdp inspect`. */
export interface LayerInfo {
  readonly path: string;
  readonly type: string;
  readonly summary: string;
  readonly params: readonly Node[];
  readonly depth: number;
  /** The mode an overridden train(mode) holds it in whatever the model's (module-modes.ts). */
  readonly held?: "eval" | "train";
}

/** The modules held in one mode, by path ("" is the model). */
function heldModes(root: ModuleValue): Record<string, "eval" | "train"> {
  const held: Record<string, "eval" | "train"> = {};
  for (const [path, m] of namedModules(root)) {
    const mode = heldMode(m);
    if (mode) held[path] = mode;
  }
  return held;
}

/**
 * forward's `{ logits, hidden }` (Hugging Face's ModelOutput): one output per key, in order, named by
 * it. The keys name outputs in the manifest and the typed module, so they are identifiers.
 */
function namedOutputs(result: ObjectValue, at: TsNode): Node[] {
  if (result.props.size === 0) return fail("badOutput", "forward returns an empty object; return tensors, an array of them, or an object of them", locOf(at));
  return [...result.props].map(([key, v]) => {
    if (!isIdentifier(key) || RESERVED_OUTPUT_NAMES.has(key))
      fail("badName", `forward returns an object whose key ${quoteName(key)} cannot name an output: output names are identifiers (ASCII letters, digits and _, not starting with a digit) other than ${[...RESERVED_OUTPUT_NAMES].join(", ")}`, locOf(at));
    if (!(v instanceof TensorValue)) fail("badOutput", `forward returns an object whose '${key}' is ${describe(v)}; each value of a returned object is a tensor`, locOf(at));
    return (v as TensorValue).node;
  });
}

export interface LoweredModel {
  readonly graph: Graph;
  readonly layers: readonly LayerInfo[];
  readonly file: string;
  /** The model file and every file it imports, for build freshness checks. */
  readonly sources: readonly string[];
}

export function lowerModel(path: string, options: LowerOptions = {}): LoweredModel {
  // an integer buffer forward advances is found by evaluating forward: lower again with it as state
  // (counter-buffers.ts); each pass that lowers again has found one more, so this ends
  for (let held = new Set<string>(); ; ) {
    const it = new Interpreter(resolveLimits(options));
    it.em.counters = new CounterBuffers(held);
    try {
      return lowerWith(it, resolve(path), options);
    } catch (e) {
      const found = it.em.counters.newlyFound;
      if (e instanceof CompileError && found.size > 0) {
        held = new Set([...held, ...found]);
        continue;
      }
      // a used-up budget ends the compile; the errors found before it are reported with it
      if (!(e instanceof CompileError) || !e.fatal) throw e;
      for (const d of e.diagnostics) it.diags.add(d);
      throw new CompileError(it.diags.sorted());
    }
  }
}

function lowerWith(it: Interpreter, file: string, options: LowerOptions): LoweredModel {
  it.fileScope(file);
  // syntax errors: nothing else is meaningful. Other errors at the top level (a bad import, a
  // `let`) are recorded, and the model is still compiled to report the errors in it too.
  if (it.diags.items.some((d) => d.kind === "syntaxError")) it.diags.throwIfAny();
  const source = it.fileOf(file);
  const trainings = findTrainings(it, source);
  const rootClass = it.diags.recover(() => selectModel(it, source, options.model, trainings), undefined);
  if (!rootClass) it.diags.throwIfAny();
  // Errors so far (in the constructor, the training declaration) do not stop the compile: forward
  // is evaluated too, so one run reports every independent error. What failed is Poison, which
  // keeps its uses quiet.
  const root = it.diags.recover(() => {
    requireDefaultConstructible(rootClass!);
    return it.construct(rootClass!, [], it.site(rootClass!.decl.getNameNode() ?? rootClass!.decl)) as ModuleValue;
  }, undefined);
  if (!root) it.diags.throwIfAny();
  // an overridden train(mode) (norm_eval), run for both of the model's modes: requires_grad it sets counts at registration
  it.diags.recover(() => it.evaluateModeOverrides(root!), undefined);
  const layers: LayerInfo[] = [];
  it.diags.recover(() => registerTree(it, root!, layers), undefined);
  // what plain objects hold is the model's only where a module of it holds it too
  it.registeredState = registeredState(root!);
  it.diags.recover(() => checkPlainState(it.registeredState!, it.plainState), undefined);

  it.phase = "forward";
  const forward = it.diags.recover(() => it.lookupMethod(rootClass!, "forward")?.method, undefined);
  if (!forward?.getBody()) {
    it.diags.add(diagnostic("noForward", `${rootClass!.name} has no forward method`, locOf(rootClass!.decl.getNameNode() ?? rootClass!.decl)));
    throw new CompileError(it.diags.sorted());
  }
  const inputs = forward.getParameters().map((p) =>
    it.diags.recover(() => {
      // forward(x, hasMask = true): a setting, bound to its default when forward runs
      if (isConstantParameter(p)) return undefined;
      const t = inputType(p);
      checkLayerName(t.name, "an input of forward", locOf(p.getNameNode()));
      if (reservedInputs.has(t.name)) fail("badName", `'${t.name}' cannot name an input of forward: the library uses it for the ${reservedInputs.get(t.name)}`, locOf(p.getNameNode()));
      return new TensorValue(it.builder.add("input", [], { name: t.name, shape: t.shape as any, dtype: t.dtype }, locOf(p), "", "input"));
    }, Poison.value as Value),
  );
  // An input that failed is Poison: forward then returns Poison at once.
  const result = it.diags.recover(() => it.callModule(root!, inputs, it.site(forward.getNameNode())), Poison.value as Value);
  // an array or object of outputs with a failed element has said why already (`{ logits: this.head(bad) }`)
  const poisoned =
    result instanceof Poison ||
    (Array.isArray(result) && result.some((r) => r instanceof Poison)) ||
    (result instanceof ObjectValue && [...result.props.values()].some((v) => v instanceof Poison));
  // a bad result is reported at forward's return when it has one, else at its name
  const returns = forward.getDescendantsOfKind(SyntaxKind.ReturnStatement).filter((r) => r.getFirstAncestor((a) => TsNode.isFunctionLikeDeclaration(a) || TsNode.isArrowFunction(a)) === forward);
  const resultAt = (returns.length === 1 && returns[0].getExpression()) || forward.getNameNode();
  // undefined after an error is most likely a return that failed, not forward's fault
  const training = trainings.find((t) => t.model.decl === rootClass!.decl);
  // a loss module compares forward's output with a per-sample target: that output holds the batch
  const lossReadsFirst = training?.loss instanceof ModuleValue;
  const outputs = poisoned || (result === undefined && it.diags.hasErrors) ? undefined : it.diags.recover(() => outputNodes(result, resultAt, lossReadsFirst), undefined);

  let loss: { target?: Node; value: Node; ignoreIndex?: number } | undefined;
  const outputNames = result instanceof ObjectValue ? [...result.props.keys()] : undefined;
  // an array of arrays of outputs reaches the loss nested as forward returned it
  const nested = Array.isArray(result) && result.some(Array.isArray) ? result : undefined;
  if (training && outputs) loss = it.diags.recover(() => lowerLoss(it, training, outputs, outputNames, nested), undefined);
  // after an error in forward, the loss may miss the parameters only because that error's value stands in
  if (training && loss && !it.diags.hasErrors) it.diags.recover(() => requireSomethingToTrain(rootClass!.name, it.builder.params, loss!.value, training), undefined);
  it.diags.throwIfAny();

  const optimizer = training && it.diags.recover(() => withGroups(it, training.optimizer, it.builder.params), undefined);
  it.diags.throwIfAny();
  const stateDict = stateDictKeys(root!, (n) => n.attrs.name as string);
  const graph = it.builder.finish(rootClass!.name, outputs!, { loss, optimizer, stateUpdates: stateUpdates(it.em.stateValues), trainingRefusals: it.em.trainingRefusals, heldModes: heldModes(root!), perSampleBatchStatistics: it.em.perSampleBatchStatistics, perReplicaStatistics: it.em.perReplicaStatistics, gradientsInForward: it.em.gradientsInForward }, outputNames, stateDict);
  const problems = verifyGraph(graph);
  if (problems.length > 0)
    throw new CompileError([diagnostic("internal", `the IR of ${graph.name} failed verification:\n  ${problems.join("\n  ")}`)]);
  return { graph, layers, file, sources: it.sources.paths };
}

/** Names the generated library gives its own inputs; an input of forward by one of these names would be ambiguous. */
const reservedInputs = new Map([
  ["target", "training target"],
  ["loss_scale", "loss scale of the training step"],
]);

/** The model is created with no arguments, as `tsdp` has nothing to pass to its constructor. */
function requireDefaultConstructible(cls: ClassValue): void {
  const ctor = cls.decl.getConstructors().find((c) => c.getBody() !== undefined);
  const p = ctor?.getParameters().find((q) => !q.hasInitializer() && !q.isOptional() && !q.isRestParameter());
  if (p)
    fail(
      "wrongArgumentCount",
      `the model ${cls.name} is created with no arguments, so its constructor parameter '${p.getName()}' needs a default value`,
      locOf(p),
    );
}

/** Top-level `new Training(...)` declarations, evaluated. */
function findTrainings(it: Interpreter, source: SourceFile): TrainingValue[] {
  const out: TrainingValue[] = [];
  for (const stmt of source.getVariableStatements())
    for (const decl of stmt.getDeclarations()) {
      const init = decl.getInitializer();
      if (!init || !TsNode.isNewExpression(init)) continue;
      const scope = it.fileScope(source.getFilePath());
      const v = scope.lookup(decl.getName())?.value;
      if (!(v instanceof TrainingValue)) continue;
      if (!it.diags.recover(() => it.isModuleClass(v.model), true)) {
        const at = init.getArguments()[0];
        it.diags.add(diagnostic("badTraining", `Training: ${v.model.name} is not a model: it does not extend nn.Module`, at ? locOf(at) : v.loc));
        continue;
      }
      out.push(v);
    }
  return out;
}

/**
 * The model: --model, else the one exported nn.Module class that no other class uses. A file that
 * declares no model of its own trains the class its `Training` names (imported from another file:
 * a second optimizer for a model needs no subclass).
 */
function selectModel(it: Interpreter, source: SourceFile, wanted: string | undefined, trainings: readonly TrainingValue[]): ClassValue {
  const scope = it.fileScope(source.getFilePath());
  const models: ClassValue[] = [];
  for (const decl of source.getClasses()) {
    const name = decl.getName();
    if (!name) continue;
    const cls = scope.lookup(name)?.value;
    if (cls instanceof ClassValue && it.diags.recover(() => it.isModuleClass(cls), false)) models.push(cls);
  }
  if (models.length === 0) {
    const trained = [...new Map(trainings.map((t) => [t.model.decl, t.model])).values()];
    if (wanted !== undefined) {
      const found = trained.find((m) => m.name === wanted);
      if (found) return found;
    } else if (trained.length === 1) return trained[0];
    else if (trained.length > 1)
      return fail(
        "ambiguousModel",
        `${source.getBaseName()} trains ${trained.length} models (${trained.map((m) => m.name).join(", ")}); choose one with --model`,
        trainings.find((t) => t.model === trained[1])?.loc,
      );
  }
  if (wanted !== undefined) {
    const found = models.find((m) => m.name === wanted);
    if (!found)
      fail("unknownModel", `there is no model class '${wanted}' in ${source.getBaseName()}; models: ${models.map((m) => m.name).join(", ") || "none"}`);
    return found;
  }
  const used = new Set<string>();
  for (const m of models)
    for (const n of m.decl.getDescendantsOfKind(SyntaxKind.Identifier)) if (n.getText() !== m.name) used.add(n.getText());
  const roots = models.filter((m) => isExportedClass(m) && !used.has(m.name));
  if (roots.length === 1) return roots[0];
  if (roots.length === 0) {
    const exported = models.filter(isExportedClass);
    if (exported.length === 1) return exported[0];
    // a class whose base failed (a bad import) is no model yet; its error says why
    if (it.diags.hasErrors) throw new CompileError([]);
    // a model class written without export (Python has no export): point at it and say so
    const unexported = models.filter((m) => !isExportedClass(m));
    const hint = unexported.find((m) => !used.has(m.name)) ?? unexported[0];
    if (hint)
      return fail(
        "noModel",
        `${source.getBaseName()} exports no class that extends nn.Module: ${hint.name} extends nn.Module but is not exported; write export class ${hint.name}`,
        locOf(hint.decl.getNameNode() ?? hint.decl),
      );
    // a class with a forward that forgot its base (Python's class M(nn.Module) ported without extends)
    const withForward = source.getClasses().find((c) => c.getInstanceMethod("forward") && !c.getExtends());
    if (withForward)
      return fail(
        "noModel",
        `${source.getBaseName()} exports no class that extends nn.Module: ${withForward.getName() ?? "a class"} has a forward but extends nothing; write class ${withForward.getName() ?? "M"} extends nn.Module (and call super() first in its constructor)`,
        locOf(withForward.getNameNode() ?? withForward),
      );
    return fail("noModel", `${source.getBaseName()} exports no class that extends nn.Module`, undefined);
  }
  return fail(
    "ambiguousModel",
    `${source.getBaseName()} has ${roots.length} models (${roots.map((r) => r.name).join(", ")}); choose one with --model`,
    locOf(roots[1].decl.getNameNode() ?? roots[1].decl),
  );
}

/**
 * Names every module by its attribute path and creates its parameters and buffers, in the
 * order PyTorch registers them: a module's own parameters, then its children in assignment order.
 */
function registerTree(it: Interpreter, root: ModuleValue, layers: LayerInfo[]): void {
  const seen = new Set<ModuleValue>();
  const shared = new SharedParams(it.em.parameterCopies);
  // depth-first in field order, with a stack of our own: a model can nest modules 100,000 deep
  const stack: { m: ModuleValue; path: string; depth: number }[] = [{ m: root, path: "", depth: 0 }];
  while (stack.length > 0) {
    const { m, path, depth } = stack.pop()!;
    if (seen.has(m)) continue; // a module shared by two fields keeps its first name, as in named_parameters()
    seen.add(m);
    const children = registerModule(it, m, path, depth, layers, shared);
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
}

/**
 * A module class's own eval(): PyTorch's model.train(false) does not call it (nn.Module.eval is
 * train(False), not the other way round), so the mode it would set depends on which of the two the
 * user calls. An override of train(mode) is evaluated instead (module-modes.ts); eval's is refused.
 */
function refuseModeOverride(it: Interpreter, m: ModuleValue): void {
  if (!m.cls || m.plain) return;
  const found = it.lookupMethod(m.cls, "eval");
  if (found)
    it.diags.add(
      diagnostic(
        "unsupportedSyntax",
        `${found.owner.name}.eval overrides nn.Module.eval, which model.train(false) never calls (PyTorch's eval() is train(false)); override train(mode) instead — super.train(mode), then set the modules you hold (m.eval()), and return this`,
        locOf(found.method.getNameNode()),
      ),
    );
}

/**
 * Parameters by identity: a layer's (module, name) or a user's nn.Parameter. One registered twice
 * (tied weights, one nn.Parameter in two fields) is one node, as named_parameters() lists it once.
 */
class SharedParams {
  private readonly layerParams = new Map<ModuleValue, Map<string, Node>>();
  private readonly userParams = new Map<ParameterValue, Node>();
  /** The first state registered from each constructor draw: the others made from it draw from its stream. */
  private readonly draws = new Map<StaticTensor, string>();
  /**
   * Parameters a constructor's p.copy_(q) made equal, by group: each group draws from the stream of
   * its first member registered. A copy whose target or source changed its initializer afterwards
   * (q drawn anew, p given another law) is no group: PyTorch's p holds the draw it copied, which q's
   * new one does not repeat, so p draws that law on its own stream.
   */
  private readonly copies = new Map<ModuleValue | ParameterValue, Map<string, { first?: string }>>();
  constructor(copies: GraphEmitter["parameterCopies"]) {
    for (const { target, source, init } of copies) {
      if (target.init !== init || source.init !== init) continue;
      const group = this.copyGroup(source) ?? this.copyGroup(target) ?? {};
      for (const p of [source, target]) {
        const [owner, local] = p instanceof ParameterValue ? [p, ""] : [p.module, p.local];
        const byName = this.copies.get(owner) ?? new Map<string, { first?: string }>();
        byName.set(local, group);
        this.copies.set(owner, byName);
      }
    }
  }
  private copyGroup(p: LayerParamRef | ParameterValue): { first?: string } | undefined {
    return p instanceof ParameterValue ? this.copies.get(p)?.get("") : this.copies.get(p.module)?.get(p.local);
  }
  /** `init` of `p` (registered as `name`), drawing from the stream of the parameter it was copied from or into, when that one came first. */
  copiedInit(p: LayerParamRef | ParameterValue, init: Init, name: string): Init {
    const group = this.copyGroup(p);
    if (!group || (init.kind !== "uniform" && init.kind !== "normal")) return init;
    if (group.first === undefined) group.first = init.stream ?? name;
    else if (init.stream === undefined && group.first !== name) return { ...init, stream: group.first };
    return init;
  }
  /** `p`'s initializer, drawing from the stream of the first state registered from the same draw (named `name` when it is the first). */
  initOf(p: ParameterValue, name: string): Init {
    const init = p.init;
    if (!p.drawOrigin || (init.kind !== "uniform" && init.kind !== "normal")) return init;
    const first = this.draws.get(p.drawOrigin);
    if (first === undefined) {
      this.draws.set(p.drawOrigin, name);
      return init;
    }
    return { ...init, stream: first };
  }
  get(p: LayerParamRef | ParameterValue): Node | undefined {
    return p instanceof ParameterValue ? this.userParams.get(p) : this.layerParams.get(p.module)?.get(p.local);
  }
  set(p: LayerParamRef | ParameterValue, node: Node): void {
    if (p instanceof ParameterValue) this.userParams.set(p, node);
    else {
      const byName = this.layerParams.get(p.module) ?? new Map<string, Node>();
      byName.set(p.local, node);
      this.layerParams.set(p.module, byName);
    }
  }
}

/** The modules registered as `m`'s children and their descendants (fields that are modules, not plain instances). */
function registeredUnder(m: ModuleValue): Set<ModuleValue> {
  const found = new Set<ModuleValue>();
  const stack = [m];
  while (stack.length > 0) {
    for (const v of stack.pop()!.fields.values()) {
      if (!(v instanceof ModuleValue) || v.plain || found.has(v)) continue;
      found.add(v);
      stack.push(v);
    }
  }
  return found;
}

/** Whether every module among `values` is registered under `m`. */
function allRegisteredUnder(m: ModuleValue, values: readonly Value[]): boolean {
  const registered = registeredUnder(m);
  return values.every((v) => !(v instanceof ModuleValue) || registered.has(v));
}

/** Whether a layer's parameter slot, or the nn.Parameter tied into it, has requires_grad false. */
function isFrozen(p: LayerParamRef | ParameterValue): boolean {
  return p instanceof ParameterValue ? p.frozen : p.module.frozen.has(p.local);
}

/** Names one module, creates its parameters and buffers; returns its child modules, in order. */
function registerModule(it: Interpreter, m: ModuleValue, path: string, depth: number, layers: LayerInfo[], shared: SharedParams): { m: ModuleValue; path: string; depth: number }[] {
  const children: { m: ModuleValue; path: string; depth: number }[] = [];
  m.path = path;
  refuseModeOverride(it, m);
  const prefix = path ? `${path}.` : "";
  const nodes: Node[] = [];
  for (const p of m.params) {
    const tie = m.tied.get(p.local);
    const identity = tie ?? new LayerParamRef(m, p.local);
    const existing = shared.get(identity);
    if (existing) {
      m.paramNodes.set(p.local, existing);
      continue;
    }
    // a tied parameter is the other's tensor: its initial value too
    const init = shared.copiedInit(identity, tie ? tie.init : p.init, prefix + p.local);
    // requires_grad false: state the optimizer never sees, which is what a buffer is. A tied slot
    // holds the other tensor, whose own flag counts (PyTorch's `emb.weight = nn.Parameter(t,
    // requires_grad=False)`, RoFormer's sinusoidal table, is frozen; a slot tied to a trained weight trains)
    const kind = isFrozen(identity) ? "buffer" : "param";
    // still a parameter to PyTorch (named_parameters, parameters()): `tsdp inspect` lists it as one
    const frozen = kind === "buffer" && !(identity instanceof ParameterValue && identity.buffer) ? { frozen: true } : {};
    const node = it.builder.add(kind, [], { name: prefix + p.local, shape: p.shape as any, dtype: p.dtype ?? "f32", init: init as any, ...frozen }, m.createdAt, path, kind);
    shared.set(identity, node);
    m.paramNodes.set(p.local, node);
    nodes.push(node);
  }
  // a user module's nn.Parameter fields, in assignment order: PyTorch's _parameters come before
  // the buffers and the children in named_parameters() and the state_dict
  for (const [key, v] of m.fields) {
    if (!(v instanceof ParameterValue)) continue;
    const existing = shared.get(v);
    if (existing) {
      m.paramNodes.set(key, existing);
      continue;
    }
    const kind = v.frozen ? "buffer" : "param";
    const frozen = v.frozen && !v.buffer ? { frozen: true } : {};
    const node = it.builder.add(kind, [], { name: prefix + key, shape: v.shape as any, dtype: v.dtype, init: shared.copiedInit(v, shared.initOf(v, prefix + key), prefix + key) as any, ...(v.persistent ? {} : { persistent: false }), ...frozen }, v.createdAt, path, kind);
    // a buffer of PyTorch's dtype bool (registerBuffer("mask", F.ones(…, { dtype: F.bool }).tril())) stays a
    // bool mask where forward reads it: an attention mask masks with it, not adds it (boolean-masks.ts)
    // (a buffer nn.init drew into, NTM's uniform_(this.mem_bias), is a float draw: its tensor is not read)
    if (v.buffer && v.computed && !drawnInto(v.computed) && isBooleanMask(v.computed.node)) markBoolean(new TensorValue(node));
    shared.set(v, node);
    m.paramNodes.set(key, node);
    nodes.push(node);
  }
  for (const b of m.buffers) {
    const node = it.builder.add("buffer", [], { name: prefix + b.local, shape: b.shape as any, dtype: b.dtype ?? "f32", init: b.init as any }, m.createdAt, path, "buffer");
    m.paramNodes.set(b.local, node);
  }
  const held = heldMode(m);
  layers.push({ path, type: m.typeName, summary: m.summary, params: nodes, depth, ...(held ? { held } : {}) });
  for (const [key, child] of m.fields) {
    if (child instanceof ModuleValue && !child.plain) children.push({ m: child, path: prefix + key, depth: depth + 1 });
    // pyGAT's `self.attentions = [...]` then add_module("attention_{i}", …) for each: a plain list of
    // modules registered under other names is PyTorch's ordinary attribute, which forward may iterate
    else if (Array.isArray(child) && child.some((c) => c instanceof ModuleValue) && !allRegisteredUnder(m, child)) {
      const field = m.cls?.decl.getProperty(key);
      it.diags.add(
        diagnostic(
          "moduleNotInModel",
          `'${key}' is a plain array of modules, so their parameters would not be registered; use new nn.ModuleList([...])`,
          field?.hasInitializer() ? locOf(field.getNameNode()) : child.find((c): c is ModuleValue => c instanceof ModuleValue)!.createdAt,
        ),
      );
      m.fields.set(key, Poison.value); // reported once here, not again at each call in forward
    }
  }  return children;
}

/**
 * The tensors of an array forward returns, nested arrays included, in order (depth first): a
 * multi-scale discriminator's list per scale of its layers' outputs (MelGAN's, HiFi-GAN's fmaps).
 * Undefined when a leaf is not a tensor or an array is empty.
 */
function arrayLeaves(v: Value): TensorValue[] | undefined {
  if (v instanceof TensorValue) return [v];
  if (!Array.isArray(v) || v.length === 0) return undefined;
  const leaves: TensorValue[] = [];
  for (const e of v) {
    const inner = arrayLeaves(e);
    if (!inner) return undefined;
    leaves.push(...inner);
  }
  return leaves;
}

function outputNodes(result: Value, at: TsNode, lossReadsFirst = false): Node[] {
  let nodes: Node[];
  const leaves = Array.isArray(result) ? arrayLeaves(result) : undefined;
  if (result instanceof TensorValue) nodes = [result.node];
  else if (leaves) nodes = leaves.map((r) => r.node);
  else if (result instanceof ObjectValue) nodes = namedOutputs(result, at);
  else if (Array.isArray(result) && result.length > 0)
    return fail("badOutput", `forward returns ${describe(result)}; return tensors, an array of them (arrays of arrays of tensors too), or an object of them`, locOf(at));
  else return fail("badOutput", `forward returns ${describe(result)}`, locOf(at));
  // what the runtime's manifest check would refuse (no Batch in dim 0, int64), refused here,
  // at the element of a returned array or object literal when there is one
  const elements = TsNode.isArrayLiteralExpression(at) && at.getElements().length === nodes.length ? at.getElements() : TsNode.isObjectLiteralExpression(at) && at.getProperties().length === nodes.length ? at.getProperties() : undefined;
  nodes.forEach((n, i) => checkOutput(n.shape, n.dtype, locOf(elements?.[i] ?? at), reachedByBatch(n) || (i === 0 && lossReadsFirst ? "loss" : false)));
  return nodes;
}

/** Whether `source` is among the nodes `n` reads, directly or not. */
function reaches(n: Node, source: Node): boolean {
  return reachable([n]).has(source);
}

/** The run-time sources that differ between replicas: their inputs' shares of the batch, and its size. */
const BATCH_SOURCES: ReadonlySet<string> = new Set(["input", "batch_size", "loss_scale"]);

/**
 * Whether `n` depends on the batch — an input, the batch's size, or a value shaped by it (a draw of
 * F.randn([x.size(0), z]), a GAN generator's noise): else every replica computes the same value.
 */
function reachedByBatch(n: Node): boolean {
  for (const m of reachable([n])) if (BATCH_SOURCES.has(m.op) || m.shape.some(isBatch)) return true;
  return false;
}

/** Loss modules whose target is one int32 class index per row; the others take a float target shaped like the output. */
const CLASS_LABEL_LOSSES = new Set(["nn.CrossEntropyLoss", "nn.NLLLoss", "nn.MultiMarginLoss"]);

/**
 * What a loss function is given: the one output, the outputs as an array — nested as forward
 * nested them (`shape`, forward's result: each tensor in it is the next output) — or the object
 * forward returned.
 */
function lossArgument(outputs: Node[], names?: readonly string[], shape?: Value): Value {
  if (names) return new ObjectValue(new Map(names.map((k, i) => [k, new TensorValue(outputs[i])])));
  if (Array.isArray(shape)) {
    let next = 0;
    const rebuild = (v: Value): Value => (Array.isArray(v) ? v.map(rebuild) : new TensorValue(outputs[next++]));
    return rebuild(shape);
  }
  return outputs.length === 1 ? new TensorValue(outputs[0]) : outputs.map((o) => new TensorValue(o));
}

/**
 * The target a training declaration's loss takes: a loss module's from its kind and the output, a
 * loss function's from its second parameter's type; none for a loss function of one parameter (a
 * DDPM's noise MSE, an autoencoder's reconstruction of its input: the step then takes the inputs alone).
 */
function lossTargetType(t: TrainingValue, out: Node): { shape: any; dtype: "f32" | "i32" } | undefined {
  // class indices: one per sample, or per position of an [N, C, d1, …] output (PyTorch's rule: segmentation's [N, H, W])
  if (t.loss instanceof ModuleValue)
    return CLASS_LABEL_LOSSES.has(t.loss.typeName) ? { shape: [out.shape[0], ...out.shape.slice(2)], dtype: "i32" } : { shape: out.shape, dtype: "f32" };
  if (!(t.loss instanceof FunctionValue)) return fail("badTraining", "invalid loss", t.loc);
  const params = (t.loss.decl as unknown as { getParameters(): import("ts-morph").ParameterDeclaration[] }).getParameters();
  if (params.length === 1) return undefined;
  if (params.length !== 2)
    fail("badTraining", `the loss function must take (output, target), or (output) for a loss with no target of its own (trainStep(x)), got ${params.length} parameters`, locOf(t.loss.decl));
  const tt = inputType(params[1], "the loss's target");
  return { shape: tt.shape, dtype: tt.dtype === "i32" ? "i32" : "f32" };
}

/** The source a node came from, as its user wrote it (labels.roll(2, 1)): its span's text on its first line. */
function spelledAt(it: Interpreter, loc: SourceLoc): string {
  try {
    const line = it.fileOf(loc.file).getFullText().split(/\r\n|[\n\r\u2028\u2029]/)[loc.line - 1] ?? "";
    return line.slice(loc.col - 1, loc.col - 1 + loc.length).trim() || "the call";
  } catch {
    return "the call";
  }
}

/** The loss of a training declaration, with its target (if it takes one) as a further graph input. */
function lowerLoss(it: Interpreter, t: TrainingValue, outputs: Node[], names?: readonly string[], nested?: Value): { target?: Node; value: Node; ignoreIndex?: number } {
  // a loss module takes the one output; a loss function takes it, or all of them as an array (a
  // VAE's [reconstruction, mu, logvar] for its reconstruction and KL terms), or as the object
  // forward returned ({ logits, aux })
  if (outputs.length !== 1 && !(t.loss instanceof FunctionValue))
    fail(
      "badTraining",
      `the model returns ${outputs.length} tensors; a loss module takes one, so write the loss as a function of them: ${names ? `(out: { ${names.join(", ")} }, target) => …` : "(outputs: Tensor[], target) => …"}`,
      t.loc,
    );
  const targetType = lossTargetType(t, outputs[0]);
  const target = targetType && it.builder.add("input", [], { name: "target", shape: targetType.shape, dtype: targetType.dtype }, t.loc, "", "target");
  const site = { node: undefined as never, loc: t.lossLoc };
  const lossModule = t.loss;
  const value = lossModule instanceof ModuleValue
    ? it.em.within("", () => {
        lossModule.path ??= "loss";
        return it.callModule(lossModule, [new TensorValue(outputs[0]), new TensorValue(target!)], site);
      })
    : it.callFunction(t.loss as FunctionValue, [lossArgument(outputs, names, nested), ...(target ? [new TensorValue(target)] : [])], site);
  // a loss whose body failed has said why already: no second error about what it returned
  if (value instanceof Poison) it.diags.throwIfAny();
  // PyTorch's loss.backward() takes any tensor of one element (beta-VAE's klds.sum(1).mean(0, True),
  // shape [1]), and refuses more ("grad can be implicitly created only for scalar outputs")
  const oneElement = value instanceof TensorValue && value.node.shape.every((d) => d === 1);
  if (!(value instanceof TensorValue) || !oneElement)
    fail("badTraining", `the loss must be a tensor of one element, as PyTorch's backward() needs, got ${value instanceof TensorValue ? `a tensor of shape ${formatShape(value.node.shape)}` : describe(value)}; reduce it (.mean(), .sum(), or a loss's reduction "mean" or "sum")`, t.lossLoc);
  // the step splits the batch and weights each replica's loss by its share: a loss no sample and no
  // target reaches (of parameters alone: a batch-free output's) has no share to weight
  if (!reachedByBatch(value.node) && !(target && reaches(value.node, target)))
    fail("badTraining", "the loss depends on no sample of the batch (neither forward's inputs nor the target reach it): a term of the parameters alone (a regularizer) is added to a loss of the samples, not trained by itself", t.lossLoc);
  const loss = value.node.shape.length === 0 ? value.node : it.em.tensor("reshape", [value], { shape: [] }, "the loss", site).node;
  const mean = targetMeans.get(loss);
  if (mean && !target)
    // the harness counts (or weighs) the host's targets to weight each replica's mean; without a target it has none to count
    fail(
      "badTraining",
      `a loss with ${mean.classWeights ? "class weights" : "ignoreIndex"} and reduction "mean" is weighted by the step's targets, and a loss of the output alone has none: declare the target, (out, target) => …, and pass it, trainStep(x, target) (a language model that predicts its own input's next tokens: pass those as the target, trainStep(ids, nextIds) with nextIds = ids shifted by one on the host, rather than shifting ids in forward); or use reduction "sum" and divide by a count of your own`,
      t.lossLoc,
    );
  // the harness counts (or weighs) the host's declared targets per replica; a loss that reads a
  // target it derives (Hugging Face's labels[..., 1:]) counts others: where the derivation only
  // rearranges and selects within each sample, the harness counts the elements it reads
  // (targetOffsets); any other is named, and a step on more than one replica is refused
  // (runtime/model.ts): its weighting would be right on one replica only (weight 1), wrong on
  // several (2 devices on 7 samples gave 1.6793 for the whole batch's 1.6812).
  const reads = mean && target ? targetReads(target, mean.lossOp.inputs[1]) : undefined;
  const counted =
    reads?.kind === "offsets" ? { targetOffsets: reads.offsets }
    : reads?.kind === "derived" ? { targetDerivedAt: `${spelledAt(it, reads.at.loc)} at ${basename(reads.at.loc.file)}:${reads.at.loc.line}:${reads.at.loc.col}: ${reads.why}` }
    : {};
  if (mean) {
    // the step's form of the mean (0 on a replica with no target), which the step weights by count
    const { stepValue, ...weighting } = mean;
    return { target, value: stepValue, ...weighting, ...counted };
  }
  // a mean over targets, inside a larger loss: the replicas' losses could not be weighted to the
  // whole batch's (their counts or target weights weight that term, their rows the others)
  const inside = [...reachable(loss.inputs)].find((n) => targetMeans.has(n));
  if (inside)
    fail("badTraining", `a loss with ${targetMeans.get(inside)!.classWeights ? "class weights" : "ignoreIndex"} and reduction "mean" must be the whole training loss (the step weights each replica's by its ${targetMeans.get(inside)!.classWeights ? "sum of its targets' weights" : "count of targets not ignored"}); here it is part of a larger one. Use reduction "sum" and divide by a count of your own, or make it the loss`, inside.loc);
  return { target, value: loss };
}


/**
 * The optimizer's spec with its param groups resolved: each group's function is called with
 * (name, parameter) for every trained parameter, in state_dict order. A parameter in two groups is
 * refused, naming it (PyTorch's "some parameters appear in more than one parameter group"); one in
 * none is left as it is, as PyTorch's optimizer over some of the parameters
 * (`optim.SGD(model.fc.parameters())`) never updates the others: it goes to the internal group the
 * update skips (lr and weight decay 0, no state change; pipeline.ts skipUnreached adds the
 * parameters the loss does not reach to it), while its gradient is computed as PyTorch's.
 */
function withGroups(it: Interpreter, optimizer: OptimizerValue, params: readonly Node[]): OptimizerSpec {
  if (optimizer.groups.length === 0) return optimizer.spec;
  const members: string[][] = optimizer.groups.map(() => []);
  const ungrouped: string[] = [];
  for (const p of params) {
    const name = p.attrs.name as string;
    const inGroups = optimizer.groups.flatMap((g, i) => {
      const site = { node: undefined as never, loc: g.at };
      // as an array callback: a function of (name) alone is called with the name only
      const chosen = it.callCallback(g.select, [name, new TensorValue(p)], site);
      if (typeof chosen !== "boolean") fail("badTraining", `param group ${i}'s params function must return true or false, got ${describe(chosen)} for '${name}'`, g.at);
      return chosen ? [i] : [];
    });
    if (inGroups.length > 1)
      fail("badTraining", `parameter '${name}' ${p.shape.length ? `[${p.shape.join(", ")}] ` : ""}is in param groups ${inGroups.join(" and ")}; each trained parameter must be in exactly one`, optimizer.groups[inGroups[1]].at);
    if (inGroups.length === 0) ungrouped.push(name);
    else members[inGroups[0]].push(name);
  }
  // PyTorch's "optimizer got an empty parameter list": groups that hold nothing update nothing
  if (ungrouped.length === params.length)
    fail("badTraining", `no trained parameter is in any param group, so ${optimizer.spec.kind} would update nothing (PyTorch's "optimizer got an empty parameter list"); the parameters are ${params.map((p) => `'${p.attrs.name}'`).join(", ")}`, optimizer.groups[0].at);
  // a group's lr is relative to the optimizer's: a step's lr scales it (see ParamGroup), so that lr must not be 0
  const own = optimizer.groups.find((g) => g.lr !== undefined);
  if (own && !(optimizer.spec.lr > 0))
    fail("badTraining", `a param group sets its own lr, which a step's lr scales by step lr / the optimizer's lr; the optimizer's lr must then be > 0, got ${optimizer.spec.lr}`, own.at);
  return {
    ...optimizer.spec,
    groups: [
      ...optimizer.groups.map((g, i) => ({ params: members[i], ...(g.weightDecay === undefined ? {} : { weightDecay: g.weightDecay }), ...(g.lr === undefined ? {} : { lr: g.lr }), ...g.own })),
      ...(ungrouped.length > 0 ? [{ params: ungrouped, lr: 0, weightDecay: 0, internal: true as const, skipped: true as const }] : []),
    ],
  };
}

/** A class declared with export (a class expression, a mixin's, never is). */
function isExportedClass(m: ClassValue): boolean {
  return TsNode.isClassDeclaration(m.decl) && m.decl.isExported();
}
