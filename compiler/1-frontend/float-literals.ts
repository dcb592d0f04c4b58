import { Node as TsNode, SyntaxKind, ts } from "ts-morph";
import type { CallSite } from "./values.ts";

// Python tells `1.0` from `1`: a float scalar makes `mask * 1.0` and `int_ids * 2.0` float tensors and
// `torch.full((2,), 1.0)` a float one, where `1` keeps (or makes) an integer tensor. TypeScript's
// evaluator sees the number 1 in both cases, but the source text still says which was written: a
// numeric literal with a decimal point or an exponent ("1.0", "2.", "1e-9") is a Python float, and so
// is a true division's quotient (Python's `4 / 2` is 2.0, so `ids.mul(d / h)` is a float tensor).
// The interpreter carries that through the values as Python does, noting it beside them:
// - each expression's last value when it was a float (noteFloat): a literal, a quotient, a sign or
//   parentheses around one, arithmetic with a float operand (`2 * 0.5`), the branch a `c ? 1.0 : 0`
//   or `a ?? 1.0` took, an assignment's value, and reads of the places below;
// - each variable's binding (Scope.noteFloat): `let v = 1.0`, `v = 2.0`, a parameter bound to a float
//   argument or default (pix2pix's `targetRealLabel = 1.0`), a destructured element;
// - each object's or module instance's fields (noteFieldFloat): `this.label = label` in a
//   constructor, a field initializer, an object literal's `{ label: 1.0 }`;
// - each array's elements, by index (an array is a holder whose keys are "0", "1", …): an array
//   literal's `[1.0, 0.5]`, `xs[i] = 1.0`, `xs.push(1.0)`, and copies (a spread, slice, concat,
//   filter); read back by `xs[i]`, `for (const s of xs)`, `const [a, b] = xs` and the element a
//   callback of map, forEach, filter, some, every or reduce is given (offerArgumentFloats).
// - what a function of the model file returns (`return 1.0`), noted at the call expression that
//   called it (callingFunction), not at a builtin's (Math.floor(f()) is an int, as Python's floor).
// A call's number is then a float when the expression written as its argument (or as its options
// object's property) last evaluated to that float. Math's results are not followed: they stay
// integers when whole.

/** A counter of evaluations: an expression's note is fresh for its parent when made after the parent began. */
let clock = 0;

/** The float each expression last evaluated to, with the clock's reading then; absent when that value was not a float. */
const floats = new WeakMap<object, { value: number; at: number }>();

/** The clock's reading as an expression's evaluation begins (freshFloat's `since`). */
export function evaluationBegins(): number {
  return ++clock;
}

/** Records that `e` just evaluated to the Python float `value`, or (undefined) to something else. */
export function noteFloat(e: TsNode, value: number | undefined): void {
  if (value === undefined) floats.delete(e.compilerNode);
  else floats.set(e.compilerNode, { value, at: ++clock });
}

/** The float `e` evaluated to since the clock read `since` (during its parent's evaluation); else undefined. */
export function freshFloat(e: TsNode, since: number): number | undefined {
  const note = floats.get(e.compilerNode);
  return note && note.at >= since ? note.value : undefined;
}

/** The call expression about to run a function of the model file (callingFunction), until the function takes it. */
let callingNode: object | undefined;

/** Notes that the call expression `e` now runs a function of the model file (not a builtin). */
export function callingFunction(e: TsNode): void {
  callingNode = e.compilerNode;
}

/**
 * The call expression that runs the function whose body begins, when `node` (its call site) is the
 * one callingFunction noted; else undefined (a callback a builtin runs). Taken once.
 */
export function calledDirectly(node: TsNode | undefined): TsNode | undefined {
  const direct = node !== undefined && callingNode === node.compilerNode;
  callingNode = undefined;
  return direct ? node : undefined;
}

/** The value and float of the last return statement run (noteReturn). */
let lastReturn: { value: unknown; float: number | undefined } | undefined;

/** Records that a return statement just gave `value`, the Python float `float` or not (undefined). */
export function noteReturn(value: unknown, float: number | undefined): void {
  lastReturn = { value, float };
}

/** The float a function that returned `value` by its last return statement returned; else undefined. */
export function returnedFloat(value: unknown): number | undefined {
  const r = lastReturn;
  lastReturn = undefined;
  return r && typeof value === "number" && Object.is(r.value, value) ? r.float : undefined;
}

/** The value and float of the last function of the model file that returned (functionReturns). */
let finished: Returned | undefined;

interface Returned {
  readonly value: unknown;
  readonly float: number | undefined;
}

/**
 * A function of the model file returns `value`, the Python float `float` or not: noted at `call`, the
 * call expression that ran it (calledDirectly), and for the builtin that ran it as a callback
 * (withArgumentFloats). Returns `value`.
 */
export function functionReturns<T>(call: TsNode | undefined, value: T, float: number | undefined): T {
  const f = typeof value === "number" && Object.is(float, value) ? float : undefined;
  if (call) noteFloat(call, f);
  finished = { value, float: f };
  return value;
}

/** The floats held in each object's or module instance's fields, by the holder. */
const fieldFloats = new WeakMap<object, Map<string, number>>();

/** Records that the field `key` of `holder` now holds the float `value` (undefined: not a float). */
export function noteFieldFloat(holder: unknown, key: string, value: number | undefined): void {
  if (typeof holder !== "object" || holder === null) return;
  const fields = fieldFloats.get(holder);
  if (value !== undefined) (fields ?? fieldFloats.set(holder, new Map()).get(holder)!).set(key, value);
  else fields?.delete(key);
}

/** The floats among `from`'s elements, noted on `to` at their new indices: to[at(i)] is from[i] (at(i) undefined: dropped). */
export function copyElementFloats(from: readonly unknown[], to: readonly unknown[], at: (i: number) => number | undefined = (i) => i): void {
  from.forEach((v, i) => {
    const j = at(i);
    if (j !== undefined) noteFieldFloat(to, String(j), fieldFloat(from, String(i), v));
  });
}

/** The Python floats among `arr`'s elements, by index (undefined: not a float). */
export function elementFloats(arr: readonly unknown[]): (number | undefined)[] {
  return arr.map((v, i) => fieldFloat(arr, String(i), v));
}

/** Notes `floats` as the floats of `arr`'s elements, by index, in place of those it had (a method moved them). */
export function setElementFloats(arr: readonly unknown[], floats: readonly (number | undefined)[]): void {
  fieldFloats.delete(arr);
  floats.forEach((f, i) => noteFieldFloat(arr, String(i), f));
}

/**
 * The floats of the arguments a builtin (Array.map's walk) is about to pass to a function: the next
 * parameter binding takes them, where nothing written at a call site says (bindParameters).
 */
let offered: readonly (number | undefined)[] | undefined;

/** Runs `call` with the floats of the arguments it passes (by position) offered to the function it binds. */
export function withArgumentFloats<T>(floats: readonly (number | undefined)[], call: () => T): { value: T; float: number | undefined } {
  offered = floats;
  finished = undefined;
  try {
    const value = call();
    // the callback's result: a function of the model file notes its float as it returns; a builtin (Math.abs) none
    const done = finished as Returned | undefined; // set by the call
    return { value, float: done !== undefined && Object.is(done.value, value) ? done.float : undefined };
  } finally {
    offered = undefined; // a builtin callback (xs.map(Math.abs)) binds no parameters: the offer lapses
    finished = undefined;
  }
}

/** The offered argument floats, taken once (by the first binding after the offer); undefined when none. */
export function takeArgumentFloats(): readonly (number | undefined)[] | undefined {
  const floats = offered;
  offered = undefined;
  return floats;
}

/**
 * The floats of `values`, the arguments of the call at `site` (`xs.push(1.0, 2)`), by position; none
 * where a spread moves the positions (`xs.push(...ys)`). Reads the call's arguments once: a call may
 * spread 600,000 of them.
 */
export function argumentFloats(site: CallSite, values: readonly unknown[]): (number | undefined)[] {
  const node = site.node as TsNode | undefined;
  const written = node && TsNode.isCallExpression(node) ? (node.getArguments() as TsNode[]) : [];
  const known = written.length === values.length && !written.some((a) => TsNode.isSpreadElement(a));
  return values.map((v, i) => (known && typeof v === "number" && floatLiteralValue(written[i]) === v ? v : undefined));
}

/** The float the field `key` of `holder` holds, when `value` read from it is that float. */
export function fieldFloat(holder: unknown, key: string, value: unknown): number | undefined {
  if (typeof holder !== "object" || holder === null) return undefined;
  const f = fieldFloats.get(holder)?.get(key);
  return f !== undefined && f === value ? f : undefined;
}

/**
 * The expressions written as the arguments of the call at `site`, by position, when they are the values
 * bound to `fn`'s parameters: not where `fn` is itself one of them (a callback, called by the builtin
 * with other values) or where a spread moves the positions.
 */
export function argumentsBoundAt(site: CallSite, fn: TsNode | undefined): readonly TsNode[] | undefined {
  const node = site.node as TsNode | undefined;
  if (!node || !(TsNode.isCallExpression(node) || TsNode.isNewExpression(node))) return undefined;
  const args = (node.getArguments() as TsNode[]) ?? [];
  if (args.some((a) => TsNode.isSpreadElement(a) || a === fn || (fn !== undefined && a.getDescendants().includes(fn)))) return undefined;
  return args;
}

/** Each numeric literal's float value, or null where it is written as an integer: its text does not change. */
const literalFloats = new WeakMap<ts.Node, number | null>();

/** The value of a numeric literal written with a decimal point or an exponent (a Python float); else undefined. */
export function floatLiteral(e: TsNode): number | undefined {
  if (!TsNode.isNumericLiteral(e)) return undefined;
  let f = literalFloats.get(e.compilerNode);
  if (f === undefined) {
    const text = e.getText().replace(/_/g, "");
    // 0x1e is hexadecimal, not an exponent
    f = /^0[xXbBoO]/.test(text) || !/[.eE]/.test(text) ? null : Number(text);
    literalFloats.set(e.compilerNode, f);
  }
  return f ?? undefined;
}

const ARITHMETIC = new Set([SyntaxKind.PlusToken, SyntaxKind.MinusToken, SyntaxKind.AsteriskToken, SyntaxKind.PercentToken, SyntaxKind.AsteriskAsteriskToken]);
const ARITHMETIC_ASSIGNMENTS = new Set([SyntaxKind.PlusEqualsToken, SyntaxKind.MinusEqualsToken, SyntaxKind.AsteriskEqualsToken, SyntaxKind.PercentEqualsToken, SyntaxKind.AsteriskAsteriskEqualsToken]);

/** Where a variable's float is read: the scope the expression was evaluated in (Scope.floatOf). */
export interface FloatVariables {
  floatOf(name: string): number | undefined;
}

/** The float the syntax node `n` evaluated to since the clock read `since`; else undefined. */
function freshAt(n: ts.Node, since: number): number | undefined {
  const note = floats.get(n);
  return note && note.at >= since ? note.value : undefined;
}

/** `result` where `f` is a float of the same value; else undefined. */
const sameAs = (result: number, f: number | undefined): number | undefined => (f !== undefined && Object.is(f, result) ? result : undefined);

/**
 * Whether the number `result` that `e` evaluated to (its evaluation began at `since`) is a Python
 * float, from its operands' notes; a variable's from `variables`. Property reads are noted where they
 * are evaluated (they need the object). It runs for every number the interpreter computes, so it reads
 * the syntax tree itself, not ts-morph's wrappers, and makes no closures (a loop of 10⁸ steps ran
 * 3× slower with them).
 */
export function floatResult(e: TsNode, result: number, since: number, variables: FloatVariables): number | undefined {
  const n = e.compilerNode;
  switch (n.kind) {
    case ts.SyntaxKind.NumericLiteral:
      return floatLiteral(e);
    case ts.SyntaxKind.ParenthesizedExpression:
    case ts.SyntaxKind.AsExpression:
    case ts.SyntaxKind.NonNullExpression:
    case ts.SyntaxKind.SatisfiesExpression:
    case ts.SyntaxKind.TypeAssertionExpression:
      return sameAs(result, freshAt((n as ts.ParenthesizedExpression).expression, since));
    case ts.SyntaxKind.PrefixUnaryExpression: {
      const u = n as ts.PrefixUnaryExpression;
      const signOrStep = u.operator === ts.SyntaxKind.MinusToken || u.operator === ts.SyntaxKind.PlusToken || u.operator === ts.SyntaxKind.PlusPlusToken || u.operator === ts.SyntaxKind.MinusMinusToken;
      return signOrStep && freshAt(u.operand, since) !== undefined ? result : undefined;
    }
    // s++ of a float: the float it held
    case ts.SyntaxKind.PostfixUnaryExpression:
      return freshAt((n as ts.PostfixUnaryExpression).operand, since) !== undefined ? result : undefined;
    case ts.SyntaxKind.ConditionalExpression: {
      const c = n as ts.ConditionalExpression;
      return sameAs(result, freshAt(c.whenTrue, since) ?? freshAt(c.whenFalse, since));
    }
    // f(): the float the function returned, noted at this call as it returned (runBody)
    case ts.SyntaxKind.CallExpression:
      return sameAs(result, freshAt(n, since));
    case ts.SyntaxKind.Identifier:
      return sameAs(result, variables.floatOf((n as ts.Identifier).text));
    case ts.SyntaxKind.BinaryExpression: {
      const b = n as ts.BinaryExpression;
      const op = b.operatorToken.kind;
      if (op === SyntaxKind.SlashToken || op === SyntaxKind.SlashEqualsToken) return result;
      const l = freshAt(b.left, since);
      const r = freshAt(b.right, since);
      if (ARITHMETIC.has(op) || ARITHMETIC_ASSIGNMENTS.has(op)) return l !== undefined || r !== undefined ? result : undefined;
      if (op === SyntaxKind.EqualsToken) return sameAs(result, r);
      if (op === SyntaxKind.QuestionQuestionToken || op === SyntaxKind.BarBarToken || op === SyntaxKind.AmpersandAmpersandToken) return sameAs(result, r) ?? sameAs(result, l);
      return undefined;
    }
    default:
      return undefined;
  }
}

/** The float `e` last evaluated to (a float literal, a quotient, a variable or field holding a float, …); else undefined. */
export function floatLiteralValue(e: TsNode): number | undefined {
  return floatLiteral(e) ?? floats.get(e.compilerNode)?.value;
}

/** The initializer of the `const` that `name` refers to, found in the blocks around it (innermost first). */
function constInitializer(name: TsNode): TsNode | undefined {
  const text = name.getText();
  for (let scope = name.getParent(); scope; scope = scope.getParent()) {
    if (!TsNode.isBlock(scope) && !TsNode.isSourceFile(scope)) continue;
    for (const stmt of scope.getStatements()) {
      if (!TsNode.isVariableStatement(stmt) || stmt.getDeclarationKind() !== "const") continue;
      const decl = stmt.getDeclarations().find((d) => d.getName() === text);
      if (decl) return decl.getInitializer();
    }
  }
  return undefined;
}

/** The expressions written as the call's arguments, and the values of its options object's properties (F.full(size, { fillValue: 1.0 })). */
function writtenOperands(site: CallSite): TsNode[] {
  const node = site.node as TsNode | undefined;
  if (!node || !(TsNode.isCallExpression(node) || TsNode.isNewExpression(node))) return [];
  return (node.getArguments() as TsNode[]).flatMap((a) =>
    TsNode.isObjectLiteralExpression(a) ? a.getProperties().flatMap((p) => (TsNode.isPropertyAssignment(p) ? [p.getInitializerOrThrow()] : [])) : [a],
  );
}

/** Whether the number `v` of the call at `site` is written there as a float literal (`x.mul(1.0)`, `F.full(size, 2.)`). */
export function writtenAsFloat(site: CallSite, v: unknown): boolean {
  if (typeof v !== "number") return false;
  return writtenOperands(site).some((e) => floatLiteralValue(e) === v);
}

/** Whether any number listed in the call's array arguments (torch.tensor's data, nested, or a `const` holding it) is written as a float literal. */
export function listsFloatLiteral(site: CallSite): boolean {
  const listed = (e: TsNode): TsNode | undefined => (TsNode.isArrayLiteralExpression(e) ? e : TsNode.isIdentifier(e) ? constInitializer(e) : undefined);
  const anyFloat = (e: TsNode, depth: number): boolean => {
    const list = depth < 8 ? listed(e) : undefined;
    return list && TsNode.isArrayLiteralExpression(list) ? list.getElements().some((x) => anyFloat(x, depth + 1)) : floatLiteralValue(e) !== undefined;
  };
  return writtenOperands(site).some((e) => anyFloat(e, 0));
}
