// The typings users type-check against (dsl/index.d.ts) and the argument specs the compiler binds
// calls with (bindArgs in compiler/1-frontend) must accept the same names, else a TypeScript-style
// port fails tsc although tsdp compiles it, or type-checks and tsdp refuses it. The specs live
// inside the builtins' handlers, so the test calls each F function, tensor method and nn layer
// constructor with too few arguments and records the spec lists it binds (args.ts observeArgSpecs);
// the typings are read with the TypeScript checker (overloads joined; an options-object parameter
// contributes its keys, whatever its type's spelling: interface, intersection, Omit<…>).
//
// The rule, PyTorch's: every argument PyTorch lets a call pass by keyword can be given in the trailing
// options object under its camelCase name (torch.topk(x, k=3, largest=False) → F.topk(x, { k: 3,
// largest: false }), nn.Linear(in_features=4, out_features=8) → new nn.Linear({ inFeatures: 4,
// outFeatures: 8 })), and the positional forms keep working. So every spec name must be an option
// key of some overload — but F's operand, the input tensor a port writes first (see isOperand).
// Variadic builtins (x.view(2, 3)) bind a spec list only for their keyword form (x.view({ size })),
// which the probe reaches with an options object alone; those with none (F.einsum's operands,
// nn.Sequential) are not compared. Beyond names, each builtin is called with sample arguments by
// position and with every tail of them as options, and the two must bind alike.
import { Node, Project, type ModuleDeclaration, type ParameterDeclaration, type Type } from "ts-morph";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { observeArgSpecs, type ArgSpec } from "../compiler/1-frontend/args.ts";
import { Interpreter } from "../compiler/1-frontend/interp/classes.ts";
import { tensorMethods } from "../compiler/1-frontend/tensor-methods.ts";
import { BuiltinClass, BuiltinFunction, ModuleValue, NamespaceValue, ObjectValue, TensorValue, type CallSite, type Value } from "../compiler/1-frontend/values.ts";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * Intended differences, "name: spec name" → why. Each is a name the compiler binds that the
 * typings leave out on purpose, or an option key the typings give that the compiler's spec lacks.
 */
const ALLOWED: Record<string, string> = {
  // F.relu_(x) is F.relu(x, { inplace: true }) under the same spec; PyTorch's relu_ has no inplace
  // parameter, so the typings rightly leave it out of every in-place form
  ...Object.fromEntries(
    ["relu", "relu6", "elu", "leakyRelu", "hardtanh", "threshold", "celu", "selu", "rrelu", "hardsigmoid", "hardswish", "silu", "mish", "dropout"].map((n) => [`F.${n}_: inplace`, "the in-place form's own flag"]),
  ),
  // PyTorch's snake_case spellings, accepted as ports write them; the typings give the camelCase names
  "F.linalg.vector_norm": "a PyTorch spelling",
  "F.linalg.matrix_norm": "a PyTorch spelling",
  // bound by the builtin it is made of, whose option PyTorch's function lacks: F.cartesianProd is
  // meshgrid's rows (its tensors alone; an options object is refused as no tensor), F.trueDivide
  // is div (torch.true_divide has no rounding_mode)
  "F.cartesianProd: indexing": "meshgrid's option",
  "F.trueDivide: roundingMode": "div's option",
  // max(x, other) and min(x, other) are PyTorch's maximum and minimum overloads: a tensor or an
  // { other } goes to maximum's spec, which the probe (a dim) does not reach
  ...Object.fromEntries(["Tensor.max", "Tensor.min", "F.max", "F.min"].map((n) => [`${n}: other`, "the maximum/minimum overload"])),
  // the losses' deprecated size_average and reduce keep their positions so that ignore_index and
  // reduction bind by position as PyTorch's, and old ports' size_average=False still sums (args.ts
  // legacyReduction); deprecated in PyTorch, so the typings leave them out and steer to reduction
  ...Object.fromEntries(
    ["F.crossEntropy", "F.nllLoss", "F.binaryCrossEntropy", "F.binaryCrossEntropyWithLogits", "nn.CrossEntropyLoss", "nn.NLLLoss", "nn.NLLLoss2d", "nn.BCELoss", "nn.BCEWithLogitsLoss", "F.mseLoss", "F.l1Loss", "F.smoothL1Loss", "nn.MSELoss", "nn.L1Loss", "nn.SmoothL1Loss",
      ...["marginRankingLoss", "hingeEmbeddingLoss", "softMarginLoss", "multilabelSoftMarginLoss", "multiMarginLoss", "multilabelMarginLoss", "cosineEmbeddingLoss", "tripletMarginLoss", "poissonNllLoss"].map((f) => `F.${f}`),
      ...["MarginRankingLoss", "HingeEmbeddingLoss", "SoftMarginLoss", "MultiLabelSoftMarginLoss", "MultiMarginLoss", "MultiLabelMarginLoss", "CosineEmbeddingLoss", "TripletMarginLoss", "PoissonNLLLoss"].map((m) => `nn.${m}`)].flatMap((n) =>
      ["sizeAverage", "reduce"].map((a) => [`${n}: ${a}`, "a deprecated argument"]),
    ),
  ),
  // PyTorch's factory keywords of a layer with state, taken out of the options before the layer's
  // own arguments bind (layers.ts withoutFactoryKwargs)
  ...Object.fromEntries(
    ["Linear", "Conv2d", "BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "LayerNorm", "Embedding"].flatMap((m) => ["device", "dtype"].map((a) => [`nn.${m}: ${a}`, "a factory keyword"])),
  ),
  // torch.no_grad is a context manager: F.noGrad(fn) has no keyword form
  "F.noGrad: fn": "a context manager in PyTorch",
  // bound only where a low is given (F.randintLike(x, 2, 5), { low: 2, high: 5 }), which the probe's
  // arguments do not give
  "F.randintLike: low": "bound when given",
  // nn.Identity(*args, **kwargs) takes and ignores any arguments, as PyTorch's
  "nn.Identity: a": "ignored arguments",
  "nn.Identity: b": "ignored arguments",
  "nn.Identity: c": "ignored arguments",
  "nn.Identity: d": "ignored arguments",
  // accepted only to be refused with the way to build it (TransformerEncoder / TransformerDecoder)
  "nn.Transformer: customEncoder": "refused with a better message",
  "nn.Transformer: customDecoder": "refused with a better message",
};

interface Declared {
  /** Keys of the options-object parameters, over all overloads. */
  readonly options: Set<string>;
}

/** An object with methods: a tensor, a module, a distribution; never an options object. */
const hasMethods = (t: Type): boolean => t.getProperties().some((p) => p.getDeclarations().some((d) => Node.isMethodSignature(d) || Node.isMethodDeclaration(d)));

/** An options object: an object type that is no tensor, module, array, tuple, function or object with methods. */
const plain = (p: Type): boolean =>
  p.isIntersection()
    ? p.getIntersectionTypes().every(plain)
    : p.isObject() && !p.isArray() && !p.isTuple() && p.getCallSignatures().length === 0 && !p.getProperty("__tsdpTensor") && !p.getProperty("real") && !hasMethods(p);

/** A parameter's options objects ({ … } alone, or one member of `number | { dim?: number }`) give keys; positional parameters give none. */
function addSignature(d: Declared, params: readonly ParameterDeclaration[]): void {
  for (const p of params) {
    if (p.isRestParameter()) continue;
    const t = p.getType();
    const parts = (t.isUnion() ? t.getUnionTypes() : [t]).filter((u) => !u.isNull() && !u.isUndefined());
    for (const u of parts.filter(plain)) for (const key of u.getProperties()) d.options.add(key.getName());
  }
}

/** "F.relu", "Tensor.sum", "nn.Conv2d" → what dsl/index.d.ts declares for it. */
function readDeclarations(file: string): Map<string, Declared> {
  const sf = new Project({ compilerOptions: { strict: true } }).addSourceFileAtPath(file);
  const out = new Map<string, Declared>();
  const of = (k: string): Declared => {
    if (!out.has(k)) out.set(k, { options: new Set() });
    return out.get(k)!;
  };
  // F's namespaces too (F.linalg.vectorNorm, F.special.expit, F.fft.rfft)
  const functions = (ns: ModuleDeclaration, prefix: string): void => {
    // export { variance as var }: F.var, declared under a name that is not a reserved word
    const aliases = new Map(ns.getExportDeclarations().flatMap((d) => d.getNamedExports().map((e) => [e.getName(), e.getAliasNode()?.getText() ?? e.getName()] as const)));
    for (const f of ns.getFunctions()) addSignature(of(`${prefix}.${aliases.get(f.getName()!) ?? f.getName()}`), f.getParameters());
    for (const inner of ns.getModules()) functions(inner, `${prefix}.${inner.getName()}`);
    // const special: { expit(input: Tensor): Tensor; … }: an object of methods, as a namespace
    for (const v of ns.getVariableDeclarations())
      for (const member of v.getType().getProperties())
        for (const d of member.getDeclarations()) if (Node.isMethodSignature(d)) addSignature(of(`${prefix}.${v.getName()}.${member.getName()}`), d.getParameters());
  };
  // namespace F is declared in two blocks (the second declares F.var)
  for (const ns of sf.getModules()) if (ns.getName() === "F") functions(ns, "F");
  for (const c of sf.getModuleOrThrow("nn").getClasses()) for (const k of c.getConstructors()) addSignature(of(`nn.${c.getName()}`), k.getParameters());
  // "new"(…): quoted, as an unquoted new(…) would be a construct signature
  for (const m of sf.getInterfaceOrThrow("Tensor").getMethods()) addSignature(of(`Tensor.${m.getName().replace(/^"(.*)"$/, "$1")}`), m.getParameters());
  return out;
}

const site = { node: undefined, loc: { file: "probe.ts", line: 1, col: 1, length: 1 } } as unknown as CallSite;

/**
 * The spec list `call` binds first: its own arguments' (it fails, too few arguments, once they are
 * bound). Lists bound after are those of builtins it is made of (F.diagEmbed calls F.eye).
 */
function specsBound(call: () => void): (readonly ArgSpec[])[] {
  const lists: (readonly ArgSpec[])[] = [];
  observeArgSpecs((specs) => {
    if (lists.length === 0) lists.push(specs);
  });
  try {
    call();
  } catch {
    // a missing argument, reported after the specs were seen
  } finally {
    observeArgSpecs(undefined);
  }
  return lists;
}

/** Spec lists of every builtin, by the name the typings use; a list's offset is 1 where the input is bound before it (F.sum(x, …) is x.sum(…)). */
function compilerSpecs(): Map<string, { lists: (readonly ArgSpec[])[]; offset: number }> {
  const interp = new Interpreter() as unknown as { dsl: Map<string, Value>; phase: string; em: never };
  const F = interp.dsl.get("F") as NamespaceValue;
  const nn = interp.dsl.get("nn") as NamespaceValue;
  interp.phase = "forward";
  const x = (F.members.get("randn") as BuiltinFunction).call([2, 3, 4, 5], site) as TensorValue;
  const out = new Map<string, { lists: (readonly ArgSpec[])[]; offset: number }>();
  // x.div(y, { roundingMode }) binds its spec only when given two arguments; x.view({ size }) and the
  // other variadic methods bind one only when given an options object alone
  const probes: Value[][] = [[], [1, new ObjectValue()], [new ObjectValue()]];
  for (const [name, m] of Object.entries(tensorMethods)) out.set(`Tensor.${name}`, { lists: probes.flatMap((a) => specsBound(() => m(x, a, site, interp.em))), offset: 0 });
  const sameNames = (a: readonly ArgSpec[], b: readonly ArgSpec[]) => a.length === b.length && a.every((s, i) => s.name === b[i].name);
  const functions = [...F.members].flatMap(([name, f]): [string, Value][] => (f instanceof NamespaceValue ? [...f.members].map(([inner, g]): [string, Value] => [`${name}.${inner}`, g]) : [[name, f]]));
  for (const [name, f] of functions) {
    if (!(f instanceof BuiltinFunction)) continue;
    const lists = [[], [x], [x, 1, new ObjectValue()], [x, new ObjectValue()]].flatMap((a) => specsBound(() => f.call(a, site)));
    const method = out.get(`Tensor.${name}`)?.lists ?? [];
    const ofMethod = lists.length > 0 && lists.every((l) => method.some((m) => sameNames(l, m)));
    out.set(`F.${name}`, { lists, offset: ofMethod ? 1 : 0 });
  }
  interp.phase = "construct";
  for (const [name, c] of nn.members) if (c instanceof BuiltinClass) out.set(`nn.${name}`, { lists: specsBound(() => c.construct([], site)), offset: 0 });
  return out;
}

/** A value of each kind the builtins bind, for calling them (undefined: no sample; the builtin is left out). */
function sampleOf(spec: ArgSpec, x: TensorValue): Value | undefined {
  if (spec.choices) return spec.choices[0];
  const samples: Partial<Record<ArgSpec["kind"], Value>> = {
    posInt: 2, nonNegInt: 1, int: 1, number: 0.5, posNumber: 0.5, nonNegNumber: 0.5, prob: 0.5, bool: false, flag: false,
    size1: 1, padding1: 0, size2: 1, padding2: 0, dims: 1, ints: [1], sizes: [2, 3, 4, 5], tensor: x, numberOrTensor: 0.5, boundOrTensor: 0.5,
  };
  return samples[spec.kind];
}

/** What a call gives, to compare two spellings of it: a tensor's op, shape and attributes; a layer's summary and parameter shapes; the message of an error. */
function outcome(call: () => Value): string {
  const shown = (v: Value): string => {
    if (v instanceof TensorValue) return `${v.node.op}${JSON.stringify(v.node.shape)}${JSON.stringify(v.node.attrs)}`;
    if (v instanceof ModuleValue) return `${v.summary} ${JSON.stringify(v.params.map((p) => p.shape))}`;
    if (Array.isArray(v)) return `[${v.map(shown).join(", ")}]`;
    if (v instanceof ObjectValue) return `{${[...v.props].map(([k, w]) => `${k}: ${shown(w)}`).join(", ")}}`;
    return String(v);
  };
  try {
    return shown(call());
  } catch (e) {
    return `error: ${e instanceof Error ? e.message : String(e)}`;
  }
}

/**
 * Each builtin called with sample arguments (the required ones and one more) by position, and with
 * every tail of them moved into an options object: "name split k: …" where the two differ. A
 * handler that reads its arguments' positions itself (x.max(y) is maximum) would differ here.
 */
function keywordSplits(specs: ReturnType<typeof compilerSpecs>): { tried: number; differ: string[] } {
  const interp = new Interpreter() as unknown as { dsl: Map<string, Value>; phase: string; em: never };
  const F = interp.dsl.get("F") as NamespaceValue;
  const nn = interp.dsl.get("nn") as NamespaceValue;
  interp.phase = "forward";
  const x = (F.members.get("randn") as BuiltinFunction).call([2, 3, 4, 5], site) as TensorValue;
  const callOf = (name: string, offset: number): ((args: Value[]) => Value) | undefined => {
    const [space, ...path] = name.split(".");
    if (space === "Tensor") return (args) => tensorMethods[path[0]](x, args, site, interp.em);
    if (space === "nn") return (args) => (nn.members.get(path[0]) as BuiltinClass).construct(args, site);
    const f = path.reduce<Value | undefined>((ns, p) => (ns instanceof NamespaceValue ? ns.members.get(p) : undefined), F);
    return f instanceof BuiltinFunction ? (args) => f.call(offset === 1 ? [x, ...args] : args, site) : undefined;
  };
  let tried = 0;
  const differ: string[] = [];
  for (const [name, s] of specs) {
    const list = s.lists.reduce<readonly ArgSpec[]>((a, b) => (b.length > a.length ? b : a), []);
    const call = callOf(name, s.offset);
    const n = Math.min(list.length, list.filter((spec) => !("default" in spec)).length + 1);
    const values = list.slice(0, n).map((spec) => sampleOf(spec, x));
    if (!call || list.length === 0 || values.some((v) => v === undefined)) continue;
    interp.phase = name.startsWith("nn.") ? "construct" : "forward";
    const positional = outcome(() => call(values as Value[]));
    if (positional.startsWith("error")) continue;
    for (let k = isOperand(name, s.offset, 0, list[0]) ? 1 : 0; k < n; k++) {
      const options = new ObjectValue(new Map(list.slice(k, n).map((spec, j) => [spec.name, values[k + j]!])));
      const got = outcome(() => call([...(values.slice(0, k) as Value[]), options]));
      tried++;
      if (got !== positional) differ.push(`${name} split ${k}: ${got} (by position: ${positional})`);
    }
  }
  return { tried, differ };
}

/**
 * The argument a port writes first and by position, never as a keyword: F's input tensor (PyTorch's
 * `input`, or a list of them for F.cat). A tensor method's receiver is no argument at all, and F.sum(x, …)
 * binds the method's list one position later, so only F functions that bind their input have one.
 */
const OPERAND_KINDS = new Set(["tensor", "any", "numberOrTensor", "boundOrTensor"]);
const isOperand = (name: string, offset: number, i: number, spec: ArgSpec) => name.startsWith("F.") && offset === 0 && i === 0 && OPERAND_KINDS.has(spec.kind);

interface Mismatch {
  readonly name: string;
  /** Bound by the compiler, no option key in the typings. */
  readonly untyped: string[];
  /** Typed option keys the compiler refuses. */
  readonly unbound: string[];
}

function compare(name: string, lists: readonly (readonly ArgSpec[])[], offset: number, d: Declared): Mismatch {
  const untyped = new Set<string>();
  for (const list of lists)
    list.forEach((s, i) => {
      if (d.options.has(s.name) || isOperand(name, offset, i, s)) return;
      untyped.add(s.name);
    });
  const bound = new Set(lists.flatMap((l) => l.map((s) => s.name)));
  // out= is taken by every function of F before its own arguments are bound (out-argument.ts)
  const unbound = [...d.options].filter((k) => !bound.has(k) && !(k === "out" && name.startsWith("F.")));
  const allowed = (n: string) => `${name}: ${n}` in ALLOWED;
  return { name, untyped: [...untyped].filter((n) => !allowed(n)), unbound: unbound.filter((n) => !allowed(n)) };
}

describe("dsl/index.d.ts against the compiler's argument specs", () => {
  let specs: ReturnType<typeof compilerSpecs>;
  let declared: Map<string, Declared>;
  beforeAll(() => {
    specs = compilerSpecs();
    declared = readDeclarations(join(root, "dsl", "index.d.ts"));
  }, 60_000);

  it("reads a spec list for most builtins (the probe works)", () => {
    const bound = [...specs.values()].filter((s) => s.lists.length > 0).length;
    expect(bound).toBeGreaterThan(600);
  });

  it("declares every F function, tensor method and nn layer the compiler binds arguments for", () => {
    const undeclared = [...specs].filter(([name, s]) => s.lists.length > 0 && !declared.has(name) && !(name in ALLOWED)).map(([name]) => name);
    expect(undeclared).toEqual([]);
  });

  it("takes every name the compiler binds as an option key (F's operand aside), and binds every option key the typings give", () => {
    const mismatches = [...specs]
      .filter(([name, s]) => s.lists.length > 0 && declared.has(name))
      .map(([name, s]) => compare(name, s.lists, s.offset, declared.get(name)!))
      .filter((m) => m.untyped.length > 0 || m.unbound.length > 0)
      .map((m) => `${m.name}:${m.untyped.length ? ` untyped ${m.untyped.join(", ")}` : ""}${m.unbound.length ? ` not bound ${m.unbound.join(", ")}` : ""}`);
    expect(mismatches).toEqual([]);
  });

  it("binds a tail of the arguments given as options as it binds them by position (every builtin with sample arguments)", () => {
    const { tried, differ } = keywordSplits(specs);
    expect(tried).toBeGreaterThan(450);
    expect(differ).toEqual([]);
  });

  it("allow-lists only differences that exist", () => {
    const stale = Object.keys(ALLOWED).filter((key) => {
      const [name, arg] = key.split(": ");
      const s = specs.get(name);
      const d = declared.get(name);
      if (arg === undefined) return !s || d !== undefined;
      if (!s || !d) return true;
      const bound = s.lists.some((l) => l.some((spec) => spec.name === arg));
      return bound === d.options.has(arg);
    });
    expect(stale).toEqual([]);
  });
});
