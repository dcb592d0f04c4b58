import { fail, type SourceLoc } from "../diagnostics/diagnostic.ts";
import type { Init, InitBox, InitPatch, WholeInit } from "../ir/node.ts";
import { boxPositions } from "../ir/init-box.ts";
import { arg, bindArgs, opt } from "./args.ts";
import { BuiltinFunction, LayerParamRef, ParameterRegion, ParameterValue, describe, type CallSite, type Value } from "./values.ts";
import { indexTuple } from "./indexing.ts";

// Ports initialize part of a parameter through a view of it, in a constructor:
//   self.lstm.bias_ih_l0.data[h:2 * h].fill_(1.0)                       an LSTM's forget-gate bias
//   self.embed.weight.data[:, :nf].normal_(1, 0.02); …[:, nf:].zero_()    BigGAN's conditional BN
//   self.pos_proj.weight.data[position, 2].fill_(-1)                      ConViT's local init
// A view of a parameter handle (index, narrow, select, chunk, split, [i]) is a ParameterRegion, a
// box of its elements. What initializes the region (the in-place methods, nn.init's functions,
// copy_) becomes a patch of the parameter's initializer (Init "parts"); where every part is known
// now, the patches fold into the values themselves. A draw into a region draws the same law as
// PyTorch's, from the patch's own stream (PyTorch's numbers are not tsdp's for any draw).

/** A parameter handle: a layer's parameter, a module's nn.Parameter, or a part of either. */
export type ParameterHandle = LayerParamRef | ParameterValue | ParameterRegion;

// how a part reads and writes its parameter's initializer
ParameterRegion.access = {
  read: (r) => regionInit(r.parameter.init, r.parameter.shape, r.box, r.createdAt),
  write: (r, init) => {
    r.parameter.init = patched(r.parameter.init, r.parameter.shape, r.box, init, r.createdAt);
  },
};

/** runtime/harness/harness.h's TSDP_PATCH_MAX_RANK. */
const MAX_PATCH_RANK = 8;

const count = (sizes: readonly number[]) => sizes.reduce((p, d) => p * d, 1);

const wholeBox = (shape: readonly number[]): InitBox => ({ offset: 0, sizes: [...shape], strides: shape.map((_, i) => count(shape.slice(i + 1))) });

/** The values of an initializer known now (a constant or values), else undefined. */
function knownValues(init: Init, size: number): Float32Array | undefined {
  if (init.kind === "constant") return new Float32Array(size).fill(init.value);
  if (init.kind === "values") return init.values;
  return undefined;
}

/** What a patch may hold: a constant, values, or a plain uniform or normal law (no padding row, cut or shared stream). */
function patchInit(init: Init, who: string, loc: SourceLoc | undefined): InitPatch["init"] {
  switch (init.kind) {
    case "constant":
    case "values":
      return init;
    // rows of a matrix, each gate's block of a recurrent weight (orthogonal_ checked it has 2 dims or more)
    case "orthogonal":
      return { kind: "orthogonal", gain: init.gain };
    case "uniform":
      return init.center === undefined ? { kind: "uniform", bound: init.bound } : { kind: "uniform", bound: init.bound, center: init.center };
    case "normal":
      if (init.truncated === undefined && init.zeroRow === undefined) return init.mean === undefined ? { kind: "normal", std: init.std } : { kind: "normal", std: init.std, mean: init.mean };
  }
  return fail("unsupportedSyntax", `${who}: a part of a parameter takes a constant, values, a uniform or normal draw (nn.init's fan-based ones too) or an orthogonal one, not ${init.kind === "normal" ? "a truncated normal" : `an ${init.kind} initializer`}; initialize the whole parameter with it`, loc);
}

/** `init` of a tensor of `shape` with `box` rewritten by `value`. */
function patched(init: Init, shape: readonly number[], box: InitBox, value: Init, loc: SourceLoc | undefined): Init {
  const who = "a part of a parameter";
  const total = count(shape);
  // the whole tensor (a region of every element, in order): the new initializer itself
  if (count(box.sizes) === total) return value;
  if (box.sizes.length > MAX_PATCH_RANK) return fail("unsupportedSyntax", `${who}: a part of ${box.sizes.length} dims; the harness sets parts of at most ${MAX_PATCH_RANK}`, loc);
  const patch: InitPatch = { box, init: patchInit(value, who, loc) };
  if (init.kind === "sliceNorm") return fail("unsupportedSyntax", `${who}: weight norm's g starts as the norms of v's rows; set part of v (or of the weight before nn.utils.weightNorm) instead`, loc);
  const base: WholeInit = init.kind === "parts" ? init.base : init;
  const patches = [...(init.kind === "parts" ? init.patches : []), patch];
  // every part known now: the values themselves
  const known = knownValues(base, total);
  if (known && patches.every((p) => p.init.kind === "constant" || p.init.kind === "values")) {
    const values = Float32Array.from(known);
    for (const p of patches) {
      const at = boxPositions(p.box);
      const v = knownValues(p.init, at.length)!;
      at.forEach((pos, j) => (values[pos] = v[j]));
    }
    return { kind: "values", values };
  }
  return { kind: "parts", base, patches };
}

/** What `box` of a tensor initialized by `init` holds, as its own initializer. */
function regionInit(init: Init, shape: readonly number[], box: InitBox, loc: SourceLoc | undefined): Init {
  const size = count(box.sizes);
  if (size === count(shape)) return init;
  const at = boxPositions(box);
  const known = knownValues(init, count(shape));
  if (known) return { kind: "values", values: Float32Array.from(at, (pos) => known[pos]) };
  const same = (a: InitBox, b: InitBox) => a.offset === b.offset && a.sizes.join() === b.sizes.join() && a.strides.join() === b.strides.join();
  if (init.kind === "parts") {
    const mine = new Set(at);
    const overlapping = init.patches.filter((p) => boxPositions(p.box).some((pos) => mine.has(pos)));
    const last = overlapping[overlapping.length - 1];
    if (last && same(last.box, box) && overlapping.slice(0, -1).every((p) => boxPositions(p.box).every((pos) => mine.has(pos)))) return last.init;
    if (overlapping.length === 0) return regionInit(init.base, shape, box, loc);
  }
  // an independent draw: any part of it is a draw of the same law
  if ((init.kind === "uniform" || init.kind === "normal") && !(init.kind === "normal" && (init.zeroRow !== undefined || init.truncated))) return patchInit(init, "a part of a parameter", loc);
  return fail("unsupportedSyntax", `a part of a parameter is read (to scale or shift it) where it holds ${init.kind === "parts" ? "parts set differently" : `an ${init.kind} initializer`}; set the part itself (normal_, uniform_, fill_, copy_)`, loc);
}

/** PyTorch's chunk sizes: ⌈n / chunks⌉ each, the last what is left. */
function chunkSizes(n: number, chunks: number): number[] {
  const each = Math.ceil(n / chunks);
  const sizes: number[] = [];
  for (let at = 0; at < n; at += each) sizes.push(Math.min(each, n - at));
  return sizes;
}

/** The views of a parameter handle in a constructor (index, narrow, select, chunk, split), or undefined for other names. */
export function regionMethod(p: ParameterHandle, name: string): BuiltinFunction | undefined {
  const parameter = p instanceof ParameterRegion ? p.parameter : p;
  const box = p instanceof ParameterRegion ? p.box : wholeBox(p.shape);
  const who = `${describeHandle(p)}.${name}`;
  const dimOf = (d: number, rank: number, s: CallSite) => {
    const dim = d < 0 ? d + rank : d;
    return dim >= 0 && dim < rank ? dim : fail("invalidArgument", `${who}: dim ${d} is out of range for ${rank} dims`, s.loc);
  };
  const narrowed = (b: InitBox, dim: number, start: number, length: number, step: number, s: CallSite): ParameterRegion =>
    new ParameterRegion(parameter, { offset: b.offset + start * b.strides[dim], sizes: b.sizes.map((d, i) => (i === dim ? length : d)), strides: b.strides.map((t, i) => (i === dim ? t * step : t)) }, s.loc);
  const selected = (b: InitBox, dim: number, i: number, s: CallSite): ParameterRegion => {
    const size = b.sizes[dim];
    const at = i < 0 ? i + size : i;
    if (!(Number.isInteger(at) && at >= 0 && at < size)) fail("invalidArgument", `${who}: index ${i} is out of range for dim ${dim} of size ${size}`, s.loc);
    return new ParameterRegion(parameter, { offset: b.offset + at * b.strides[dim], sizes: b.sizes.filter((_, k) => k !== dim), strides: b.strides.filter((_, k) => k !== dim) }, s.loc);
  };
  switch (name) {
    case "select":
      return new BuiltinFunction(who, (args, s) => {
        const b = bindArgs(who, [arg("dim", "int"), arg("index", "int")], args, s);
        return selected(box, dimOf(b.dim, box.sizes.length, s), b.index, s);
      });
    case "narrow":
      return new BuiltinFunction(who, (args, s) => {
        const b = bindArgs(who, [arg("dim", "int"), arg("start", "int"), arg("length", "nonNegInt")], args, s);
        const dim = dimOf(b.dim, box.sizes.length, s);
        const start = b.start < 0 ? b.start + box.sizes[dim] : b.start;
        if (start < 0 || start + b.length > box.sizes[dim]) fail("invalidArgument", `${who}: start ${b.start} and length ${b.length} are out of range for dim ${dim} of size ${box.sizes[dim]}`, s.loc);
        return narrowed(box, dim, start, b.length, 1, s);
      });
    case "chunk":
    case "split":
      return new BuiltinFunction(who, (args, s) => {
        const b = bindArgs(who, [arg(name === "chunk" ? "chunks" : "splitSize", name === "chunk" ? "posInt" : "any"), opt("dim", "int", 0)], args, s);
        const dim = dimOf(b.dim, box.sizes.length, s);
        const n = box.sizes[dim];
        const first = name === "chunk" ? b.chunks : b.splitSize;
        const sizes: number[] = name === "chunk" ? chunkSizes(n, first) : Array.isArray(first) ? first : typeof first === "number" && first > 0 ? chunkSizes(n, Math.ceil(n / first)) : fail("wrongArgumentType", `${who}: splitSize is a positive number or a list of sizes, got ${describe(first)}`, s.loc);
        if (count([sizes.reduce((p, d) => p + d, 0)]) !== n) fail("invalidArgument", `${who}: the sizes ${JSON.stringify(sizes)} do not add up to dim ${dim}'s ${n}`, s.loc);
        let at = 0;
        return sizes.map((size) => {
          const r = narrowed(box, dim, at, size, 1, s);
          at += size;
          return r;
        });
      });
    // YOLOX's `b = conv.bias.view(1, -1); b.data.fill_(…)`: the same elements in another shape, where they are contiguous
    case "view":
    case "reshape":
    case "flatten":
      return new BuiltinFunction(who, (args, s) => {
        const size = count(box.sizes);
        const contiguous = box.strides.every((t, i) => box.sizes[i] === 1 || t === count(box.sizes.slice(i + 1)));
        if (!contiguous) fail("unsupportedSyntax", `${who}: this part of the parameter is not contiguous; set it in its own shape`, s.loc);
        const wanted = (name === "flatten" ? [-1] : args.length === 1 && Array.isArray(args[0]) ? args[0] : args) as Value[];
        if (!wanted.every((d): d is number => Number.isInteger(d) && (d as number) >= -1)) return fail("wrongArgumentType", `${who}: a shape of integers (one of them may be -1), got ${wanted.map(describe).join(", ")}`, s.loc);
        const known = wanted.filter((d) => d !== -1).reduce((p, d) => p * d, 1);
        const sizes = wanted.map((d) => (d === -1 ? size / known : d));
        if (wanted.filter((d) => d === -1).length > 1 || !sizes.every(Number.isInteger) || count(sizes) !== size)
          fail("shapeMismatch", `${who}: shape [${wanted.join(", ")}] is invalid for ${size} elements`, s.loc);
        return new ParameterRegion(parameter, { offset: box.offset, sizes, strides: sizes.map((_, i) => count(sizes.slice(i + 1))) }, s.loc);
      });
    case "index":
      return new BuiltinFunction(who, (args, s) => {
        const items = indexTuple(args);
        let b = box;
        let dim = 0;
        const explicit = items.filter((v) => v !== "..." && v !== "…").length;
        for (const v of items) {
          if (v === "..." || v === "…") {
            dim += b.sizes.length - dim - (explicit - items.slice(0, items.indexOf(v)).length);
            continue;
          }
          if (dim >= b.sizes.length) fail("invalidArgument", `${who}: too many indices for ${box.sizes.length} dims`, s.loc);
          if (typeof v === "number") {
            b = selected(b, dim, v, s).box;
            continue;
          }
          const m = typeof v === "string" ? /^\s*(-?\d+)?\s*:\s*(-?\d+)?\s*(?::\s*(\d+)?\s*)?$/.exec(v) : null;
          if (!m) return fail("unsupportedSyntax", `${who}: a part of a parameter is indexed by integers and "a:b:c" slices, got ${describe(v)}`, s.loc);
          const size = b.sizes[dim];
          const step = m[3] === undefined ? 1 : Number(m[3]);
          if (step < 1) fail("invalidArgument", `${who}: a slice's step must be positive, got ${step}`, s.loc);
          const clamp = (x: number) => Math.min(size, Math.max(0, x < 0 ? x + size : x));
          const start = m[1] === undefined ? 0 : clamp(Number(m[1]));
          const end = m[2] === undefined ? size : clamp(Number(m[2]));
          b = narrowed(b, dim, start, Math.max(0, Math.ceil((end - start) / step)), step, s).box;
          dim++;
        }
        return new ParameterRegion(parameter, b, s.loc);
      });
  }
  return undefined;
}

/** The parameter a handle names, for messages: "nn.Linear.weight" or the nn.Parameter's own description, "[a part]" for a region. */
export function describeHandle(p: ParameterHandle): string {
  if (p instanceof ParameterRegion) return `${describeHandle(p.parameter)}[a part]`;
  return p instanceof LayerParamRef ? `${p.module.typeName}.${p.local}` : describe(p);
}
