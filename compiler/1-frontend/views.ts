import { sumTo, vectorJacobian } from "../2-autodiff/backward.ts";
import { requiresGradient } from "./requires-grad.ts";
import { fail } from "../diagnostics/diagnostic.ts";
import type { Node } from "../ir/node.ts";
import { concrete, formatShape, numel, shapeEq, type Shape } from "../ir/shape.ts";
import { opDef } from "../ops/index.ts";
import { catInGroups } from "./joins.ts";
import type { GradContext } from "../ops/op.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { change } from "./in-place-journal.ts";
import { isBooleanMask, markBooleanNode } from "./boolean-masks.ts";
import { isDeferredSelection } from "./masked-selections.ts";
import { insideNoGrad } from "./no-grad.ts";
import { TensorValue, type CallSite, type Value } from "./values.ts";

// Views in PyTorch share their base's storage: `pe[:, 0::2] = sin(…)` (here
// pe.index(":", "0::2").copy_(…)), `out[t] = h`, `y.transpose(2, 3).add_(1)` change the base, and
// a change of the base shows in every view of it. tsdp's tensors are values, so this module follows
// the sharing: each view remembers the ops that made it from its storage (the family's root), and
//  - an in-place change of a view writes back into the storage: the view's ops are linear
//    selections and permutations, so their transpose (the ops' own gradient rules, applied to the
//    new values) places the new values where the view reads, and a where() keeps the rest:
//      storage' = where(f^T(1) > 0, f^T(v'), storage)      (f = the view's ops, injective)
//    exact, as no arithmetic touches a value (f^T of an injective selection writes each element
//    once, into zeros);
//  - every member of the family, the written view included, is then recomputed from the new
//    storage on its next read (f(storage'), replaying its ops).
// A change autograd does not record (through a .data or .detach() view, or inside F.noGrad) takes
// its new values with the gradient of the old ones (the unrecorded op), or none where the old
// ones had none.
// Writing through a view that reads one element twice (expand, overlapping unfold windows) is
// refused, as PyTorch refuses it; a result made by indexing with a tensor is a copy in PyTorch,
// not a view, and is not recorded.

/** Methods and F functions whose result shares the receiver's storage in PyTorch (reshape and flatten where they can). */
export const VIEW_METHODS: ReadonlySet<string> = new Set([
  "view", "viewAs", "reshape", "reshapeAs", "flatten", "unflatten", "squeeze", "unsqueeze", "transpose", "swapaxes", "swapdims", "movedim", "moveaxis",
  "t", "T", "mT", "permute", "expand", "expandAs", "select", "narrow", "chunk", "split", "tensorSplit", "unbind", "diagonal", "unfold",
  "detach", "data", "index", "slice",
]);

/** How a view is made from its storage: the ops from `from` (the storage's node then) to `to` (the view's node then), in order. */
interface Derivation {
  readonly from: Node;
  readonly to: Node;
  readonly path: readonly Node[];
}

const rootOf = new WeakMap<TensorValue, TensorValue>();
const familyOf = new WeakMap<TensorValue, Set<TensorValue>>();
/** A view's ops from its storage; undefined where they cannot be followed (e.g. a constructor's constant read in forward). */
const derivationOf = new WeakMap<TensorValue, Derivation | undefined>();

/** The nodes on the paths from `from` to `to` (to included, from not), in creation order; undefined if `to` does not depend on `from`. */
function pathBetween(from: Node, to: Node): Node[] | undefined {
  if (from === to) return [];
  const onPath = new Map<Node, boolean>();
  const reaches = (n: Node): boolean => {
    if (n === from) return true;
    // a node made before `from` cannot read it (ids grow with creation)
    if (n.id < from.id) return false;
    const known = onPath.get(n);
    if (known !== undefined) return known;
    let r = false;
    for (const i of n.inputs) if (reaches(i)) r = true;
    onPath.set(n, r);
    return r;
  };
  if (!reaches(to)) return undefined;
  return [...onPath].filter(([, r]) => r).map(([n]) => n).sort((a, b) => a.id - b.id);
}

/** A take at positions that are not a slice's (x[idx], x.index(":", idx)): PyTorch's advanced indexing copies. */
const isCopy = (n: Node) => n.op === "take" && n.inputs[1]?.op !== "arange_int";

/** Ops whose transpose places each element of the view back where it was read from, once. */
function writable(n: Node): boolean {
  return n.op === "reshape" || n.op === "permute" || n.op === "narrow" || n.op === "detach" || (n.op === "take" && n.inputs[1]?.op === "arange_int");
}

/**
 * Tensors of their own whatever ops made them: PyTorch's advanced indexing copies, even where the
 * values are the base's own in order (x[arange(B)], each sample's own row).
 */
const copies = new WeakSet<TensorValue>();

/** `t`'s values as a tensor of its own, never recorded as a view. */
export function copyOf(t: TensorValue): TensorValue {
  const c = new TensorValue(t.node);
  copies.add(c);
  return c;
}

/** Records that `result` (a tensor or tensors, as chunk returns) is a view of `base`'s storage. */
export function recordViews(base: TensorValue, result: Value): void {
  const root = rootOf.get(base) ?? base;
  for (const r of Array.isArray(result) ? result : [result]) {
    if (!(r instanceof TensorValue) || r === root || rootOf.has(r) || copies.has(r)) continue;
    const from = root.node;
    const path = pathBetween(from, r.snapshot().node);
    if (path?.some(isCopy)) continue;
    let family = familyOf.get(root);
    if (!family) familyOf.set(root, (family = new Set()));
    rootOf.set(r, root);
    family.add(r);
    derivationOf.set(r, path && { from, to: r.snapshot().node, path });
  }
}

/**
 * The strides x reads its storage with (elements, row-major storage of the root's shape), followed
 * through the view's ops; undefined where an op's layout is not followed. The batch stands for a
 * size no other dim has, so a decision never hangs on a coincidence of sizes.
 */
function stridesOf(x: TensorValue): { shape: number[]; strides: number[] } | undefined {
  const root = rootOf.get(x);
  const sizes = (shape: Shape) => concrete(shape, STAND_IN_BATCH);
  if (!root) return { shape: sizes(x.node.shape), strides: rowMajor(sizes(x.node.shape)) };
  const d = derivationOf.get(x);
  if (!d) return undefined;
  let shape = sizes(d.from.shape);
  let strides = rowMajor(shape);
  let at = d.from;
  for (const n of d.path) {
    if (n.inputs[0] !== at) return undefined; // not one chain of ops from the storage
    at = n;
    const a = n.attrs as Record<string, any>;
    if (n.op === "detach") continue;
    else if (n.op === "permute") [shape, strides] = [a.perm.map((p: number) => shape[p]), a.perm.map((p: number) => strides[p])];
    else if (n.op === "narrow") shape = shape.map((v, i) => (i === a.dim ? a.length : v));
    else if (n.op === "take" && n.inputs[1].op === "arange_int" && a.mode === "vector") {
      const step = n.inputs[1].attrs.step as number;
      shape = shape.map((v, i) => (i === a.dim ? (n.inputs[1].attrs.length as number) : v));
      strides = strides.map((v, i) => (i === a.dim ? v * step : v));
    } else if (n.op === "reshape") {
      const next = sizes(n.shape);
      const s = viewStrides(shape, strides, next);
      if (!s) return undefined;
      [shape, strides] = [next, s];
    } else return undefined;
  }
  return { shape, strides };
}

const STAND_IN_BATCH = 1_000_003;
const rowMajor = (shape: readonly number[]) => shape.map((_, i) => shape.slice(i + 1).reduce((p, v) => p * v, 1));

/**
 * The strides of `next` as a view of a tensor of `shape` and `strides`, or undefined where no view
 * can read it (then PyTorch's reshape copies): the dims of `next` must each lie within one run of
 * `shape`'s dims that are contiguous with each other (PyTorch's computeStride).
 */
function viewStrides(shape: readonly number[], strides: readonly number[], next: readonly number[]): number[] | undefined {
  // a 0-dim tensor's one element views as any shape of one element
  if (shape.length === 0) return next.map(() => 1);
  const out = new Array<number>(next.length).fill(0);
  let viewDim = next.length - 1;
  let chunkBase = strides[strides.length - 1] ?? 1;
  let tensorCount = 1;
  let viewCount = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    tensorCount *= shape[d];
    // a run ends where the next dim out is not laid out right after this run
    if (d === 0 || (shape[d - 1] !== 1 && strides[d - 1] !== tensorCount * chunkBase)) {
      while (viewDim >= 0 && (viewCount < tensorCount || next[viewDim] === 1)) {
        out[viewDim] = viewCount * chunkBase;
        viewCount *= next[viewDim];
        viewDim--;
      }
      if (viewCount !== tensorCount) return undefined;
      if (d > 0) [chunkBase, tensorCount, viewCount] = [strides[d - 1], 1, 1];
    }
  }
  return viewDim === -1 ? out : undefined;
}

/** Whether x's elements lie in its storage in row-major order (a view not followed counts as contiguous, as before). */
export function isContiguous(x: TensorValue): boolean {
  const s = stridesOf(x);
  if (!s) return true;
  const inOrder = rowMajor(s.shape);
  return s.shape.every((v, i) => v === 1 || s.strides[i] === inOrder[i]);
}

/**
 * Whether reshaping x to `shape` copies, as PyTorch's reshape (and flatten) do where no view can
 * read the result: a transposed or strided view's elements are not in one run of its storage.
 */
export function reshapeCopies(x: TensorValue, shape: Shape): boolean {
  const s = stridesOf(x);
  return s !== undefined && viewStrides(s.shape, s.strides, concrete(shape, STAND_IN_BATCH)) === undefined;
}

/** What reshapes x where a view can, and copies where none can (PyTorch's reshape, flatten, reshape_as). */
const RESHAPES_OR_COPIES = new Set(["reshape", "reshapeAs", "flatten"]);

/** Methods that must view: PyTorch raises where no view can read the result, as a GPU kernel could not either. */
const VIEWS_ONLY = new Set(["view", "viewAs"]);

/**
 * `result` of `method` on base: a view of base's storage (recordViews), or a copy where PyTorch's
 * reshape copies; `view` where no view can read the result is refused at `site`, as PyTorch raises.
 */
export function viewOrCopy<T extends Value>(base: TensorValue, method: string, result: T, site?: CallSite): T {
  // y[mask] of a data mask: PyTorch's copy, kept unread until x[mask] = y[mask] writes it (masked-selections.ts)
  if (isDeferredSelection(result)) return result;
  if (result instanceof TensorValue && result !== base && reshapeCopies(base, result.node.shape)) {
    if (RESHAPES_OR_COPIES.has(method)) return result;
    if (VIEWS_ONLY.has(method) && site)
      fail(
        "shapeMismatch",
        `${method}: the tensor's elements are not laid out in memory as shape ${formatShape(result.node.shape)} needs to read them (it is a transposed, permuted or strided view), so no view can give that shape; PyTorch raises "view size is not compatible with input tensor's size and stride" here. Write .reshape(…) (it copies where it must) or .contiguous().${method}(…)`,
        site.loc,
      );
  }
  return withViews(base, result);
}

/** `result`, recorded as a view of base (recordViews). */
export function withViews<T extends Value>(base: TensorValue, result: T): T {
  recordViews(base, result);
  return result;
}

/**
 * `t`'s values without a gradient, as a view of it (the detach view x.detach() makes: an in-place
 * change through it still reaches t's storage, as PyTorch's alias would): what `p.data = v` stores
 * (the .data setter records nothing), and what a tensor computed under F.noGrad is where it leaves
 * the block by an assignment rather than a return (`with torch.no_grad(): t = f(x)`).
 */
export function detachedView(t: TensorValue, em: GraphEmitter, site: CallSite): TensorValue {
  if (em.constants.owns(t.node)) return t;
  return withViews(t, em.tensor("detach", [t], {}, "detach", site));
}

/** The storage x is a view of (x itself if it is none). */
export const storageOf = (x: TensorValue): TensorValue => rootOf.get(x) ?? x;

/** Whether x shares its storage with another tensor object. */
const hasSharers = (x: TensorValue): boolean => rootOf.has(x) || (familyOf.get(x)?.size ?? 0) > 0;

/**
 * x (a tensor, or a view of a storage) now holds `value`: its storage takes it over (through the
 * view's transpose, for a view) and every view of that storage is recomputed on its next read. A
 * tensor keeps its dtype, as PyTorch casts what is written to it (boolean-masks.ts): a bool one stays
 * bool (`m[:2, :2] = False`, `m.fill_(0)`: nonzero is True), a float one float (`y.copy_(a.gt(b))`,
 * `x.newEmpty(shape).bernoulli_(p)` hold 0/1 values, not a mask attention would read as bool).
 */
export function writeThrough(x: TensorValue, value: Node, who: string, site: CallSite, em: GraphEmitter): void {
  const storage = storageOf(x);
  if (!isBooleanMask(storage.node)) return writeInto(x, isBooleanMask(value) ? em.floatOfMask(value, who, site) : value, who, site, em);
  writeInto(x, isBooleanMask(value) ? value : markBooleanNode(em.node("ne", [value, em.constant(0, site)], {}, who, site)), who, site, em);
  markBooleanNode(storage.node);
}

function writeInto(x: TensorValue, value: Node, who: string, site: CallSite, em: GraphEmitter): void {
  const storage = storageOf(x);
  const old = unrecordedChange(x) ? storage.node : undefined;
  store(x, value, who, site, em);
  // the new values carry no gradient of their own; the gradient reaching the tensor goes to what it
  // held before, if that had one (a detached copy or a buffer has none: plain detach)
  if (old && old.dtype === "f32" && !em.constants.owns(old))
    change(storage, requiresGradient(old) ? em.node("unrecorded", [storage.node, old], {}, who, site) : em.node("detach", [storage.node], {}, who, site), undefined);
  refreshViews(storage, who, site, em);
}

/**
 * Whether autograd would not record this change of x: PyTorch's `y.data.mul_(2)` and
 * `y.detach().copy_(v)` (x a view through detach), and any in-place change under torch.no_grad()
 * (F.noGrad's block). The tensor takes the new values while its gradient still reaches what it
 * held before, unchanged — the `unrecorded` op.
 */
export function unrecordedChange(x: TensorValue): boolean {
  if (insideNoGrad()) return true;
  return rootOf.has(x) && (derivationOf.get(x)?.path.some((n) => n.op === "detach") ?? false);
}

/** x's storage takes value (through x's view's transpose, for a view); its views are refreshed by the caller. */
function store(x: TensorValue, value: Node, who: string, site: CallSite, em: GraphEmitter): void {
  const root = rootOf.get(x);
  if (!root) return change(x, value, undefined);
  const d = derivationOf.get(x);
  const why = `${who} changes a view of another tensor, which PyTorch changes too`;
  if (!d) return fail("inPlaceAlias", `${why}, and tsdp cannot follow this view back to it (a constructor's tensor read in forward); make the change on the tensor itself`, site.loc);
  const shared = d.path.find((n) => !writable(n));
  if (shared)
    return fail(
      "inPlaceAlias",
      shared.op === "expand"
        ? `${who} writes into an expanded view, whose elements share memory locations (PyTorch refuses it too); write into the tensor it expands, or make a copy first (x.expand(…).clone())`
        : `${why}, through ${shared.op}, whose elements are not each read once from it; make a copy first (.clone()) or change the tensor itself`,
      site.loc,
    );
  const base = root.node;
  if (writeSlab(root, d, value, who, site, em)) return;
  const asFloat = (n: Node) => (n.dtype === "i32" ? em.node("to_float", [n], {}, who, site) : n);
  const placed = transpose(d, asFloat(value), who, site, em);
  let next = placed;
  // a view of every element (a reshape, a transpose) replaces all of them; a selection only its own
  const [all, seen] = [numel(d.from.shape), numel(d.to.shape)];
  if (all.c !== seen.c || all.p !== seen.p) {
    const ones = em.node("expand", [em.node("full", [], { shape: [], value: 1 }, who, site)], { shape: [...d.to.shape] }, who, site);
    const hit = em.node("gt", [transpose(d, ones, who, site, em), em.constant(0, site)], {}, who, site);
    next = em.node("where", [hit, placed, asFloat(base)], {}, who, site);
  }
  change(root, base.dtype === "i32" ? em.node("to_int", [next], {}, who, site) : next, undefined);
}

/**
 * Writes into slabs of one dim (a decoder's `outputs[t] = out`, `pe.narrow(1, 0, 4).copy_(…)`):
 * the storage is rebuilt as one concat of the slabs written so far and the original's pieces
 * between them, instead of a where() over the whole storage per write — so T writes in a loop
 * compute one concat of T slabs (the earlier concats are read by nothing), O(T) work, where a
 * where per write would be O(T²). A write that partly overlaps an earlier slab, or along another
 * dim, starts over from the storage as it is (the general write-back, or a new log).
 */
interface SlabLog {
  readonly dim: number;
  readonly base: Node;
  readonly slabs: { readonly start: number; readonly length: number; readonly node: Node }[];
  result: Node;
}
const slabLogs = new WeakMap<TensorValue, SlabLog>();

function writeSlab(root: TensorValue, d: Derivation, value: Node, who: string, site: CallSite, em: GraphEmitter): boolean {
  // narrow(dim, start, length) of the storage itself, perhaps reshaped to drop a dim of 1 (select, x[i])
  const [narrow, ...rest] = d.path;
  if (!narrow || narrow.op !== "narrow" || narrow.inputs[0] !== d.from) return false;
  if (rest.length > 1 || (rest.length === 1 && (rest[0].op !== "reshape" || rest[0].inputs[0] !== narrow))) return false;
  const { dim, start, length } = narrow.attrs as { dim: number; start: number; length: number };
  const size = root.node.shape[dim] as number;
  let log = slabLogs.get(root);
  if (!log || log.result !== root.node || log.dim !== dim) log = { dim, base: root.node, slabs: [], result: root.node };
  const overlapping = log.slabs.filter((p) => p.start < start + length && start < p.start + p.length);
  if (overlapping.some((p) => p.start !== start || p.length !== length)) {
    slabLogs.delete(root);
    return false;
  }
  const slab = { start, length, node: rest.length ? em.node("reshape", [value], { shape: [...narrow.shape] }, who, site) : value };
  const slabs = [...log.slabs.filter((p) => p.start !== start), slab].sort((p, q) => p.start - q.start);
  const pieces: Node[] = [];
  let at = 0;
  const original = (from: number, to: number) => em.node("narrow", [log.base], { dim, start: from, length: to - from }, who, site);
  for (const p of slabs) {
    if (p.start > at) pieces.push(original(at, p.start));
    pieces.push(p.node);
    at = p.start + p.length;
  }
  if (at < size) pieces.push(original(at, size));
  const result = catInGroups(pieces.map((n) => new TensorValue(n)), dim, who, site, em).node;
  change(root, result, undefined);
  slabLogs.set(root, { dim, base: log.base, slabs, result });
  return true;
}

/** Every view of `root` recomputes its value from root's on its next read. */
function refreshViews(root: TensorValue, who: string, site: CallSite, em: GraphEmitter): void {
  for (const view of familyOf.get(root) ?? []) {
    const d = derivationOf.get(view);
    const recompute = d
      ? () => replay(d, root.node, who, site, em)
      : () => fail("inPlaceAlias", `${who} changed the tensor this one is a view of, and tsdp cannot recompute this view from it (a constructor's tensor read in forward); read the changed tensor instead`, site.loc);
    change(view, view.snapshot().node, recompute);
  }
}

/** f^T(v): v placed where the view's ops read it from, zeros elsewhere (the ops' gradient rules). */
function transpose(d: Derivation, v: Node, who: string, site: CallSite, em: GraphEmitter): Node {
  const emit = (op: string, inputs: readonly Node[], attrs: Record<string, unknown> = {}) => em.node(op, inputs, attrs, who, site);
  const onPath = new Set<Node>([d.from, ...d.path]);
  const parts = new Map<Node, Node>([[d.to, v]]);
  for (const node of [...d.path].reverse()) {
    const dy = parts.get(node);
    if (!dy) continue;
    const ctx: GradContext = {
      node,
      dy,
      emit,
      constant: (value) => emit("const", [], { value }),
      sumTo: (g, shape: Shape) => sumTo(emit, g, shape),
      expand: (g, shape: Shape) => (shapeEq(g.shape, shape) ? g : emit("expand", [g], { shape })),
      // a view's ops have rules of their own; a composed one would take its gradient by the sweep
      vjp: vectorJacobian(em.builder),
    };
    // detach's gradient is none; its values are its input's, so the write passes through it
    const grads = node.op === "detach" ? [dy] : opDef(node.op).grad!(ctx);
    node.inputs.forEach((input, k) => {
      const g = grads[k];
      if (!g || !onPath.has(input)) return;
      const before = parts.get(input);
      parts.set(input, before ? emit("add", [before, g]) : g);
    });
  }
  return parts.get(d.from)!;
}

/** The view's ops again, from the storage's node `from`. */
function replay(d: Derivation, from: Node, who: string, site: CallSite, em: GraphEmitter): Node {
  const made = new Map<Node, Node>([[d.from, from]]);
  for (const node of d.path) made.set(node, em.node(node.op, node.inputs.map((i) => made.get(i) ?? i), node.attrs, who, site));
  return made.get(d.to)!;
}

/**
 * x.t_(), x.unsqueeze_(0): x itself changes shape, its storage does not. tsdp does not follow a
 * storage whose views see it through a changed shape: x leaves its family, and the others are
 * refused if read again (they would need x's old shape).
 */
export function leaveFamily(x: TensorValue, who: string, site: CallSite): void {
  if (!hasSharers(x)) return;
  refuseSharers(x, `${who} changes the shape of a tensor that shares its memory with another one read after it (a view: view, reshape, transpose, x[i], chunk, …); write the out-of-place form (y = x.${who.replace(/_$/, "")}(…)) and use y`, site);
  familyOf.delete(storageOf(x));
  rootOf.delete(x);
}

/** Marks every other tensor over x's storage as refused on its next read, saying why (`why`). */
export function refuseSharers(x: TensorValue, why: string, site: CallSite): void {
  const root = storageOf(x);
  for (const other of [root, ...(familyOf.get(root) ?? [])]) if (other !== x) change(other, other.snapshot().node, () => fail("inPlaceAlias", why, site.loc));
}
