import { batchTimes, dimEq, formatDim, formatShape, numel, type Dim } from "../ir/shape.ts";

// einops' pattern language, read at compile time: `b n (h d) -> b h n d`. A side of a pattern is a
// list of dims; each dim is an axis name, a parenthesized composition of names (one dim that is
// their product, the first name outermost), `1` or `()` (a dim of size 1), a number (an axis of that
// fixed size: repeat's new `3`, reduce's left side) or `...` (the dims the rest does not name). From
// a side and a shape (or the sizes given by name) each axis gets its size, at most one unknown per
// dim, inferred by division. The transforms (einops.ts) are reshapes, permutes, expands and
// reductions over these axes. Errors say what einops would say.

/** An elementary axis: a name, a fixed-size anonymous axis (unique per occurrence), or one dim of "...". */
export interface Axis {
  readonly key: string;
  /** The size an anonymous axis has where it is written. */
  readonly fixed?: number;
}

/** One dim of a side: its axes, outermost first (empty for `1` and `()`). */
export type Group = readonly Axis[];

/** A side as written, before "..." is expanded: groups, with the ellipsis marked where it stands. */
interface ParsedSide {
  readonly groups: readonly (Group | "...")[];
  /** Where "..." stands inside a composition (`(...)`, the right side only), as [group, position]. */
  readonly ellipsisInside?: readonly [number, number];
  readonly hasEllipsis: boolean;
  /** Every axis key (names and anonymous), "..." as itself. */
  readonly identifiers: ReadonlySet<string>;
}

/** A problem with a pattern or a shape: the message einops would give; the caller reports it. */
export class EinopsError extends Error {
  constructor(
    message: string,
    readonly kind: "pattern" | "shape" = "pattern",
  ) {
    super(message);
  }
}

/** The name einops' axes may have: an identifier not starting or ending with "_" (Python's rule). */
function checkName(name: string, allowUnderscore: boolean): void {
  if (allowUnderscore && name === "_") return;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new EinopsError(`Invalid axis identifier: ${name}`);
  if (name.startsWith("_") || name.endsWith("_")) throw new EinopsError(`Invalid axis identifier: ${name}: an axis name should not start or end with an underscore`);
}

let anonymousCount = 0;

/** One side of a pattern ("b n (h d)"), as einops' ParsedExpression reads it. */
export function parseSide(text: string, options: { allowEllipsisInParens: boolean; allowUnderscore?: boolean } = { allowEllipsisInParens: false }): ParsedSide {
  const expr = text.replace(/…/g, "...");
  if (expr.replace(/\.\.\./g, "").includes(".")) throw new EinopsError(`Expression may contain dots only inside ellipsis (...): "${text}"`);
  if ((expr.match(/\.\.\./g) ?? []).length > 1) throw new EinopsError(`Expression may contain only one ellipsis (...): "${text}"`);
  const groups: (Group | "...")[] = [];
  const identifiers = new Set<string>();
  let ellipsisInside: [number, number] | undefined;
  let open: Axis[] | undefined;
  const add = (token: string) => {
    if (token === "...") {
      if (identifiers.has("...")) throw new EinopsError(`Expression may contain only one ellipsis (...): "${text}"`);
      identifiers.add("...");
      if (open === undefined) return void groups.push("...");
      if (!options.allowEllipsisInParens) throw new EinopsError(`Ellipsis inside parenthesis in the left side is not allowed: "${text}"`);
      ellipsisInside = [groups.length, open.length];
      return;
    }
    if (/^[0-9]+$/.test(token)) {
      const size = Number(token);
      // `1` is no axis: alone a dim of size 1, inside a composition nothing
      if (size === 1) return void (open === undefined && groups.push([]));
      if (size === 0) throw new EinopsError(`Anonymous axis of length 0 in "${text}"`);
      const axis: Axis = { key: `#${size}:${anonymousCount++}`, fixed: size };
      identifiers.add(axis.key);
      if (open === undefined) groups.push([axis]);
      else open.push(axis);
      return;
    }
    checkName(token, options.allowUnderscore ?? false);
    // parse_shape's "_" skips a dim, as often as it is written
    if (identifiers.has(token) && token !== "_") throw new EinopsError(`Indexing expression contains duplicate dimension "${token}"`);
    identifiers.add(token);
    if (open === undefined) groups.push([{ key: token }]);
    else open.push({ key: token });
  };
  for (const token of expr.split(/(\(|\)|\s+)/).filter((s) => s !== undefined && s.trim() !== "")) {
    if (token === "(") {
      if (open !== undefined) throw new EinopsError(`Axis composition is one-level (brackets inside brackets not allowed): "${text}"`);
      open = [];
    } else if (token === ")") {
      if (open === undefined) throw new EinopsError(`Brackets are not balanced: "${text}"`);
      groups.push(open);
      open = undefined;
    } else add(token);
  }
  if (open !== undefined) throw new EinopsError(`Imbalanced parentheses in expression: "${text}"`);
  return { groups, ellipsisInside, hasEllipsis: identifiers.has("..."), identifiers };
}

/** The key of the i-th dim that "..." stands for: no axis name can spell it. */
const ellipsisKey = (i: number) => `…${i}`;

/** A side with "..." replaced by `count` axes: one dim each where it stands alone, their composition inside parentheses. */
export function expandEllipsis(side: ParsedSide, count: number): Group[] {
  const dots = Array.from({ length: count }, (_, i): Axis => ({ key: ellipsisKey(i) }));
  const out: Group[] = [];
  side.groups.forEach((g, i) => {
    if (g === "...") out.push(...dots.map((a) => [a]));
    else if (side.ellipsisInside?.[0] === i) out.push([...g.slice(0, side.ellipsisInside[1]), ...dots, ...g.slice(side.ellipsisInside[1])]);
    else out.push(g);
  });
  return out;
}

/** Where a size is shown in a message: "Batch" for the run's batch. */
const show = (d: Dim) => formatDim(d);

/** The product of sizes, the batch kept symbolic (k·Batch); undefined where two batches would multiply (the caller says so). */
export function productOf(dims: readonly Dim[]): Dim | undefined {
  const n = numel(dims);
  if (n.p > 1) return undefined;
  return n.p === 1 ? batchTimes(n.c) : n.c;
}

/** d / known, or undefined where it does not divide (a fraction of the batch is no size either). */
export function divide(d: Dim, known: readonly Dim[]): Dim | undefined {
  const k = numel(known);
  const dc = typeof d === "number" ? { c: d, p: 0 } : { c: d.batch, p: 1 };
  const p = dc.p - k.p;
  if (p < 0 || p > 1 || k.c === 0 || dc.c % k.c !== 0) return undefined;
  return p === 1 ? batchTimes(dc.c / k.c) : dc.c / k.c;
}

/**
 * Each left axis's size from the input's shape and the sizes given by name (einops' axes_lengths):
 * in each dim at most one axis without a size, inferred as the dim over the others' product.
 */
export function sizesFromShape(groups: readonly Group[], shape: readonly Dim[], given: ReadonlyMap<string, Dim>, sizes: Map<string, Dim>): void {
  groups.forEach((group, i) => {
    const length = shape[i];
    const known: Dim[] = [];
    const unknown: Axis[] = [];
    for (const axis of group) {
      const size = axis.fixed ?? given.get(axis.key) ?? sizes.get(axis.key);
      if (size === undefined) unknown.push(axis);
      else {
        known.push(size);
        sizes.set(axis.key, size);
      }
    }
    if (unknown.length > 1) throw new EinopsError(`Could not infer sizes for {${unknown.map((a) => a.key).join(", ")}}: each parenthesized dim may leave one axis without a size; give the others by name`);
    if (unknown.length === 0) {
      const product = productOf(known);
      if (product === undefined || !dimEq(product, length)) {
        const batchHint = typeof length !== "number" && known.every((k) => typeof k === "number") ? ` (dim ${i} is the batch, whose size is known only at run time: leave its size out, or give it as x.shape[0])` : "";
        throw new EinopsError(`Shape mismatch, ${show(length)} != ${product === undefined ? known.map(show).join("·") : show(product)} for "${written(group)}" at dim ${i}${batchHint}`, "shape");
      }
      return;
    }
    const inferred = divide(length, known);
    if (inferred === undefined) {
      const batchHint = typeof length !== "number" ? " (a fraction of the batch, which is split across devices, has no size)" : "";
      throw new EinopsError(`Shape mismatch, can't divide axis of length ${show(length)} in chunks of ${show(productOf(known) ?? 0)} for "${written(group)}" at dim ${i}${batchHint}`, "shape");
    }
    sizes.set(unknown[0].key, inferred);
  });
}

/** A dim as the pattern writes it: "1" for one of no axes, "(h d)" for a composition. */
function written(group: Group): string {
  return group.length === 0 ? "1" : group.length === 1 ? name(group[0]) : `(${group.map(name).join(" ")})`;
}

/** An axis as the pattern writes it. */
export function name(a: Axis): string {
  if (a.fixed !== undefined) return String(a.fixed);
  if (a.key.startsWith("…")) return "...";
  return a.key;
}

/** The dims a side of groups has, given every axis's size. */
export function shapeOf(groups: readonly Group[], sizes: ReadonlyMap<string, Dim>): Dim[] {
  return groups.map((g) => {
    const p = productOf(g.map((a) => sizes.get(a.key) ?? a.fixed!));
    if (p === undefined) throw new EinopsError(`the composition "(${g.map(name).join(" ")})" multiplies the batch by itself`, "shape");
    return p;
  });
}

/** How a transform reads its input: the rank check of a side against a shape, with "..." taking the rest. */
export function ellipsisCount(side: ParsedSide, shape: readonly Dim[]): number {
  const named = side.groups.filter((g) => g !== "...").length;
  if (side.hasEllipsis && side.ellipsisInside === undefined) {
    if (shape.length < named) throw new EinopsError(`Wrong shape: expected >=${named} dims. Received ${shape.length}-dim tensor ${formatShape(shape)}`, "shape");
    return shape.length - named;
  }
  if (shape.length !== named) throw new EinopsError(`Wrong shape: expected ${named} dims. Received ${shape.length}-dim tensor ${formatShape(shape)}`, "shape");
  return 0;
}

export type Operation = "rearrange" | "repeat" | "reduce";

/**
 * What a rearrange, repeat or reduce does to a tensor of `shape`, as einops' transformation recipe:
 * view the input as its elementary axes (`elementary`, by `keys`), reduce those the right side
 * drops (`reduced`: reduce only), permute the rest into the right side's order, insert and expand
 * the axes only the right side names (`newAxes`: repeat only), and view the result as the right
 * side's dims (`outShape`).
 */
export interface Plan {
  readonly elementary: Dim[];
  readonly keys: string[];
  readonly reduced: number[];
  /** The right side's axes, outermost first, each from the input or new. */
  readonly order: string[];
  readonly newAxes: ReadonlyMap<string, Dim>;
  readonly outShape: Dim[];
  /** Every named axis's size (parse_shape's answer; "..." dims left out). */
  readonly sizes: ReadonlyMap<string, Dim>;
}

const isAnonymous = (key: string) => key.startsWith("#");
const list = (keys: Iterable<string>) => `{${[...keys].map((k) => (isAnonymous(k) ? k.slice(1).split(":")[0] : k)).join(", ")}}`;

export function plan(op: Operation, pattern: string, shape: readonly Dim[], given: ReadonlyMap<string, Dim>): Plan {
  const sides = pattern.split("->");
  if (sides.length !== 2) throw new EinopsError(`the pattern needs one "->" between its two sides: "${pattern}"`);
  const left = parseSide(sides[0]);
  const right = parseSide(sides[1], { allowEllipsisInParens: true });
  if (!left.hasEllipsis && right.hasEllipsis) throw new EinopsError(`Ellipsis found in right side, but not left side of a pattern "${pattern}"`);
  const anonymous = (side: ParsedSide) => [...side.identifiers].some(isAnonymous);
  if (op === "rearrange") {
    if (anonymous(left) || anonymous(right)) throw new EinopsError(`Non-unitary anonymous axes are not supported in rearrange (exception is length 1): "${pattern}"`);
    const oneSided = [...left.identifiers, ...right.identifiers].filter((k) => !left.identifiers.has(k) || !right.identifiers.has(k));
    if (oneSided.length) throw new EinopsError(`Identifiers only on one side of expression (should be on both): ${list(new Set(oneSided))} in "${pattern}"`);
  } else if (op === "repeat") {
    if (anonymous(left)) throw new EinopsError(`Non-unitary anonymous axes are not supported in repeat (exception is length 1): "${pattern}"`);
    const leftOnly = [...left.identifiers].filter((k) => !right.identifiers.has(k));
    if (leftOnly.length) throw new EinopsError(`Unexpected identifiers on the left side of repeat: ${list(leftOnly)} in "${pattern}" (repeat adds axes; reduce removes them)`);
    const unsized = [...right.identifiers].filter((k) => !left.identifiers.has(k) && !isAnonymous(k) && !given.has(k));
    if (unsized.length) throw new EinopsError(`Specify sizes for new axes in repeat: ${list(unsized)} (as { ${unsized[0]}: … } after the pattern)`);
  } else {
    const rightOnly = [...right.identifiers].filter((k) => !left.identifiers.has(k));
    if (rightOnly.length) throw new EinopsError(`Unexpected identifiers on the right side of reduce: ${list(rightOnly)} in "${pattern}"`);
  }
  for (const k of given.keys()) {
    checkName(k, false);
    if (!left.identifiers.has(k) && !right.identifiers.has(k)) throw new EinopsError(`Axis ${k} is not used in transform "${pattern}"`);
  }
  const count = ellipsisCount(left, shape);
  const leftGroups = expandEllipsis(left, count);
  const rightGroups = expandEllipsis(right, count);
  const sizes = new Map<string, Dim>();
  sizesFromShape(leftGroups, shape, given, sizes);
  const keys = leftGroups.flat().map((a) => a.key);
  const elementary = keys.map((k) => sizes.get(k)!);
  const order = rightGroups.flat().map((a) => a.key);
  const kept = new Set(order);
  const reduced = keys.flatMap((k, i) => (kept.has(k) ? [] : [i]));
  const newAxes = new Map<string, Dim>();
  for (const a of rightGroups.flat())
    if (!sizes.has(a.key)) {
      const size = a.fixed ?? given.get(a.key)!;
      newAxes.set(a.key, size);
      sizes.set(a.key, size);
    }
  const outShape = shapeOf(rightGroups, sizes);
  const named = new Map([...sizes].filter(([k]) => !isAnonymous(k) && !k.startsWith("…")));
  return { elementary, keys, reduced, order, newAxes, outShape, sizes: named };
}
