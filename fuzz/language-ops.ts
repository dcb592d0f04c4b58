// The model language's newer ops in random cases (issue 16, session 7): joins and slices (cat,
// stack, split, chunk, narrow, select), masks (comparisons, where, maskedFill, logical ops),
// factories inside forward (arange, zeros, ones, full, eye, tril, triu), nn.Parameter, scaled
// dot-product attention (plain, causal, with a float mask), indexing (indexSelect, gather, the
// scatters), session 25's layers (RMSNorm, F.pad's modes, adaptive max pooling, channel shuffle,
// LRN), and addmv/addr.
// Each function adds one step to the case (or returns false when nothing fits the shape), with its
// result's shape solved here, so the model is valid by construction. Shapes are [Batch, F] (vector)
// or [Batch, C, H, W] (image); every form keeps one of the two.
import { field, fresh, type CaseBuilder, type Rng, type Shape } from "./builder.ts";

/** A vector is not widened past this (cat), so that later batched matmuls stay small. */
const WIDEST = 48;

const divisorsOver1 = (n: number) => Array.from({ length: n - 1 }, (_, i) => i + 2).filter((d) => n % d === 0);

/** Joins and slices of a vector [B, f]: each ends in a vector. */
export function vectorJoin(r: Rng, b: CaseBuilder): boolean {
  const [batch, f] = b.cur.shape;
  const x = b.cur.name;
  const forms: (() => boolean)[] = [
    () => {
      // cat with a narrowed, transformed copy of itself
      const l = r.int(1, f), s = r.int(0, f - l);
      if (f + l > WIDEST) return false;
      b.tags.push("cat", "narrow");
      fresh(b, [batch, f + l], `F.cat([${x}, F.tanh(${x}.narrow(1, ${s}, ${l}))], ${r.pick(["1", "-1"])})`);
      return true;
    },
    () => {
      // an RMSNorm over the features (port-layers.ts), the layer with its weight or the function
      b.tags.push("rms-norm");
      fresh(b, [batch, f], r.chance(0.5) ? `${field(b, `new nn.RMSNorm(${f})`)}(${x})` : `F.rmsNorm(${x}, [${f}], { eps: 1e-5 })`);
      return true;
    },
    () => {
      // a gate computed from a detached copy: the gradient reaches x only through the product
      b.tags.push("detach");
      fresh(b, [batch, f], `${x}.mul(${x}.detach().sigmoid())`);
      return true;
    },
    () => {
      // chunks put back in reverse order: a permutation of the features
      if (f < 2) return false;
      const k = r.int(2, Math.min(f, 4));
      const size = Math.ceil(f / k), pieces = Math.ceil(f / size);
      const method = r.chance(0.5);
      const piece = (i: number) => (method ? `${x}.chunk(${k}, 1)[${i}]` : `F.chunk(${x}, ${k}, 1)[${i}]`);
      b.tags.push("chunk", "cat");
      fresh(b, [batch, f], `F.cat([${Array.from({ length: pieces }, (_, i) => piece(pieces - 1 - i)).join(", ")}], 1)`);
      return true;
    },
    () => {
      // split by sections, the two halves swapped and one scaled
      if (f < 2) return false;
      const s = r.int(1, f - 1);
      b.tags.push("split", "cat");
      fresh(b, [batch, f], `F.cat([${x}.split([${s}, ${f - s}], 1)[1], ${x}.split([${s}, ${f - s}], 1)[0].mul(0.5)], 1)`);
      return true;
    },
    () => {
      // split by size: the first piece
      if (f < 2) return false;
      const size = r.int(1, f - 1);
      b.tags.push("split");
      fresh(b, [batch, size], r.chance(0.5) ? `${x}.split(${size}, 1)[0]` : `F.split(${x}, ${size}, 1)[0]`);
      return true;
    },
    () => {
      // stack along a new dim, then back to a vector (a view, or a sum over the new dim)
      if (2 * f > WIDEST) return false;
      b.tags.push("stack");
      if (r.chance(0.5)) fresh(b, [batch, 2 * f], `F.stack([${x}, F.sigmoid(${x})], 1).view(-1, ${2 * f})`);
      else fresh(b, [batch, f], `F.stack([${x}, ${x}.mul(-0.5), F.tanh(${x})], 2).sum(2)`);
      return true;
    },
    () => {
      const l = r.int(1, f), s = r.int(0, f - l);
      b.tags.push("narrow");
      fresh(b, [batch, l], `${x}.narrow(1, ${s}, ${l})`);
      return true;
    },
    () => {
      // select on a [B, d, f/d] view, along either dim (a negative index now and then)
      const ds = divisorsOver1(f);
      if (ds.length === 0) return false;
      const d = r.pick(ds);
      const alongFirst = r.chance(0.5);
      const size = alongFirst ? d : f / d;
      const index = r.chance(0.3) ? -1 : r.int(0, size - 1);
      b.tags.push("select");
      fresh(b, [batch, alongFirst ? f / d : d], `${x}.view(-1, ${d}, ${f / d}).select(${alongFirst ? 1 : 2}, ${index})`);
      return true;
    },
  ];
  return r.pick(forms)();
}

/** Joins and slices of an image [B, c, h, w]: each ends in an image. */
export function imageJoin(r: Rng, b: CaseBuilder): boolean {
  const [batch, c, h, w] = b.cur.shape;
  const x = b.cur.name;
  const forms: (() => boolean)[] = [
    () => {
      if (2 * c > 8) return false;
      b.tags.push("cat");
      fresh(b, [batch, 2 * c, h, w], `F.cat([${x}, F.relu(${x})], 1)`);
      return true;
    },
    () => {
      // chunk along a spatial dim: the first piece
      const dim = r.pick([2, 3]);
      const size = b.cur.shape[dim];
      if (size < 2) return false;
      const k = r.int(2, Math.min(size, 3));
      const shape = [...b.cur.shape];
      shape[dim] = Math.ceil(size / k);
      b.tags.push("chunk");
      fresh(b, shape, `${x}.chunk(${k}, ${dim})[0]`);
      return true;
    },
    () => {
      // split the channels, the pieces swapped
      if (c < 2) return false;
      const s = r.int(1, c - 1);
      b.tags.push("split", "cat");
      fresh(b, b.cur.shape, `F.cat([${x}.split([${s}, ${c - s}], 1)[1], ${x}.split([${s}, ${c - s}], 1)[0]], 1)`);
      return true;
    },
    () => {
      // stack along a new dim, viewed as twice the height
      if (2 * h > 24) return false;
      b.tags.push("stack");
      fresh(b, [batch, c, 2 * h, w], `F.stack([${x}, ${x}.neg()], 3).view(-1, ${c}, ${2 * h}, ${w})`);
      return true;
    },
    () => {
      const dim = r.pick([2, 3]);
      const size = b.cur.shape[dim];
      const l = r.int(1, size), s = r.int(0, size - l);
      const shape = [...b.cur.shape];
      shape[dim] = l;
      b.tags.push("narrow");
      fresh(b, shape, `${x}.narrow(${dim}, ${s}, ${l})`);
      return true;
    },
    () => {
      // one channel, kept as a channel dim of 1
      b.tags.push("select");
      fresh(b, [batch, 1, h, w], `${x}.select(1, ${r.int(0, c - 1)}).unsqueeze(1)`);
      return true;
    },
    () => {
      // F.pad from x's own values (port-layers.ts): reflect needs more than the amount on a side
      const mode = r.pick(["reflect", "replicate", "circular"]);
      if (mode === "reflect" && (h < 2 || w < 3)) return false;
      if (h + 1 > 24) return false;
      b.tags.push(`pad-${mode}`);
      const layer = mode === "reflect" ? "ReflectionPad2d" : mode === "replicate" ? "ReplicationPad2d" : "CircularPad2d";
      fresh(b, [batch, c, h + 1, w + 2], r.chance(0.3) ? `${field(b, `new nn.${layer}([1, 1, 1, 0])`)}(${x})` : `F.pad(${x}, [1, 1, 1, 0], "${mode}")`);
      return true;
    },
    () => {
      // adaptive max pooling to sizes that divide the input's
      const oh = r.pick([1, ...divisorsOver1(h)]), ow = r.pick([1, ...divisorsOver1(w)]);
      b.tags.push("adaptive-max-pool");
      fresh(b, [batch, c, oh, ow], r.chance(0.3) ? `${field(b, `new nn.AdaptiveMaxPool2d([${oh}, ${ow}])`)}(${x})` : `F.adaptiveMaxPool2d(${x}, [${oh}, ${ow}])`);
      return true;
    },
    () => {
      // a channel shuffle, or a local response normalization over neighbouring channels
      if (c >= 2 && c % 2 === 0 && r.chance(0.5)) {
        b.tags.push("channel-shuffle");
        fresh(b, b.cur.shape, `${field(b, "new nn.ChannelShuffle(2)")}(${x})`);
      } else {
        b.tags.push("local-response-norm");
        fresh(b, b.cur.shape, `F.localResponseNorm(${x}, ${r.int(1, 3)}, 0.1, 0.75, 2)`);
      }
      return true;
    },
  ];
  return r.pick(forms)();
}

/** Comparisons, where, maskedFill and logical ops: any shape, the shape kept. */
export function masks(r: Rng, b: CaseBuilder): boolean {
  const x = b.cur.name;
  const last = b.cur.shape.length - 1;
  const t = r.pick([-0.5, 0, 0.3, 1]);
  const forms = [
    { tags: ["where", "gt"], e: `F.where(${x}.gt(${t}), ${x}, ${x}.mul(0.1))` },
    { tags: ["where", "le"], e: `F.where(${x}.le(${t}), ${r.pick(["0", "-1", `F.tanh(${x})`])}, ${x})` },
    { tags: ["masked-fill", "lt"], e: `${x}.maskedFill(${x}.lt(${t}), ${r.pick([0, 0.5, -2])})` },
    { tags: ["masked-fill", "logical", "ge"], e: `${x}.maskedFill(${x}.ge(1).logicalOr(${x}.lt(-1)), 0.25)` },
    { tags: ["where", "logical", "ne"], e: `F.where(${x}.ne(0).logicalAnd(${x}.gt(-1)), ${x}, ${x}.mul(-0.5))` },
    { tags: ["eq", "logical"], e: `${x}.mul(${x}.eq(${x}.amax(${last}, true)).logicalNot().add(0.5))` },
    { tags: ["gt", "bool"], e: `${x}.add(${x}.gt(${t}).bool().float().mul(0.5))` },
    { tags: ["signbit"], e: `${x}.add(${x}.sub(${t}).signbit().float().mul(0.5))` },
    // isin of exact values: relu's and clampMin's zeros are 0 in every precision
    { tags: ["isin", "masked-fill"], e: `${x}.maskedFill(${x}.clampMin(0).isin(0), ${r.pick([0.5, -0.25])})` },
    { tags: ["isin"], e: `${x}.mul(${x}.relu().isin(0, { invert: true }).float().add(0.5))` },
  ];
  const f = r.pick(forms);
  b.tags.push(...f.tags);
  fresh(b, b.cur.shape, f.e);
  return true;
}

/** Factories inside forward (constants the kernel computes), and tril/triu. */
export function factories(r: Rng, b: CaseBuilder): boolean {
  const x = b.cur.name;
  const shape = b.cur.shape;
  const n = shape[shape.length - 1];
  const forms: { tags: string[]; e: string; ok?: boolean }[] = [
    { tags: ["arange"], e: `${x}.add(F.arange(${n}).mul(${r.pick([0.1, -0.25])}))` },
    { tags: ["arange"], e: `${x}.mul(F.arange(1, ${n + 1}, 1).div(${n}))` },
    { tags: ["zeros"], e: `${x}.add(F.zeros(${n}))` },
    { tags: ["ones"], e: `${x}.sub(F.ones([${n}]).mul(0.5))` },
    { tags: ["full"], e: `${x}.mul(F.full([${n}], ${r.pick([1.5, -0.5])}))` },
  ];
  if (shape.length === 2)
    // a matmul with a constant matrix: the identity plus a strict upper triangle
    forms.push(
      { tags: ["eye", "triu", "ones"], e: `${x}.unsqueeze(1).matmul(F.eye(${n}).add(F.ones([${n}, ${n}]).triu(1).mul(0.1))).view(-1, ${n})` },
      { tags: ["fill-diagonal", "ones"], e: `${x}.unsqueeze(1).matmul(F.ones([${n}, ${n}]).mul(0.1).fillDiagonal_(1)).view(-1, ${n})` },
    );
  else {
    const [, , h, w] = shape;
    const d = r.int(-1, 1);
    forms.push(
      { tags: ["eye"], e: `${x}.mul(F.eye(${h}, ${w}).add(0.5))` },
      { tags: ["tril"], e: r.chance(0.5) ? `${x}.tril(${d})` : `F.tril(${x}, ${d})` },
      { tags: ["triu"], e: r.chance(0.5) ? `${x}.triu(${d})` : `F.triu(${x}, ${d})` },
      { tags: ["tril", "ones"], e: `${x}.add(F.ones([${h}, ${w}]).tril().mul(0.5))` },
      // wrap: a tall matrix's diagonal starts again below every w + 1 rows
      { tags: ["fill-diagonal", "ones"], e: `${x}.mul(F.ones([${h}, ${w}]).fillDiagonal_(${r.pick([0.5, -1])}${r.chance(0.5) ? ", true" : ""}))` },
    );
  }
  const f = r.pick(forms);
  b.tags.push(...f.tags);
  fresh(b, shape, f.e);
  return true;
}

/** An nn.Parameter of the module, per feature or per channel, added or multiplied in. */
export function parameter(r: Rng, b: CaseBuilder): boolean {
  const shape = b.cur.shape;
  const pshape = shape.length === 2 ? `[${shape[1]}]` : `[${shape[1]}, 1, 1]`;
  const init = r.pick([
    { v: `F.zeros(${pshape})`, op: "add" },
    { v: `F.ones(${pshape})`, op: "mul" },
    { v: `F.full(${pshape}, 0.5)`, op: "mul" },
    { v: `F.randn(${pshape})`, op: r.pick(["add", "mul"]) },
  ]);
  b.tags.push("parameter");
  const p = field(b, `new nn.Parameter(${init.v})`);
  if (init.v.startsWith("F.randn") && r.chance(0.3)) {
    // and a histogram of its values, a constant of this step (histc has no gradient; it takes no batch)
    const bins = shape[1];
    b.tags.push("histc");
    fresh(b, shape, `${b.cur.name}.${init.op}(${p}).add(${p}.histc(${bins}, -2, 2)${shape.length === 2 ? "" : `.view(${bins}, 1, 1)`}.mul(0.1))`);
  } else fresh(b, shape, `${b.cur.name}.${init.op}(${p})`);
  return true;
}

/**
 * F.scaledDotProductAttention: a vector [B, f] viewed as [B, L, f/L] (L a divisor of f, or f
 * itself), keys from a Linear; an image attends over its rows ([B, c] are batch dims, L = S = h,
 * E = w). Plain, causal, or with a float mask.
 */
export function attention(r: Rng, b: CaseBuilder): boolean {
  const shape = b.cur.shape;
  const x = b.cur.name;
  const kind = r.pick(["plain", "causal", "mask"] as const);
  const rows = shape.length === 2 ? r.pick([...divisorsOver1(shape[1]), shape[1]]) : shape[2];
  const options = kind === "causal" ? ", { isCausal: true }" : kind === "mask" ? `, { attnMask: F.ones([${rows}, ${rows}]).triu(1).mul(-0.5)${r.chance(0.5) ? ", scale: 0.5" : ""} }` : "";
  b.tags.push(kind === "plain" ? "attention" : kind === "causal" ? "attention-causal" : "attention-mask");
  if (shape.length === 2) {
    const f = shape[1];
    const view = (e: string) => `${e}.view(-1, ${rows}, ${f / rows})`;
    const k = field(b, `new nn.Linear(${f}, ${f})`);
    fresh(b, shape, `F.scaledDotProductAttention(${view(x)}, ${view(`${k}(${x})`)}, ${view(x)}${options}).reshape(-1, ${f})`);
  } else fresh(b, shape, `F.scaledDotProductAttention(${x}, F.tanh(${x}), ${x}${options})`);
  return true;
}

/**
 * indexSelect with an arange index (reversed or strided), gather at each row's argmax, and the
 * scatters: scatterReduce (every reduction, with and without x's own elements), scatter with a
 * reduce, indexAdd — to positions that repeat (arange floor-divided), so reductions meet.
 */
export function indexing(r: Rng, b: CaseBuilder): boolean {
  const shape = b.cur.shape;
  const x = b.cur.name;
  const dim = shape.length === 2 ? 1 : r.pick([1, 3]);
  const n = shape[dim];
  if (r.chance(0.4)) return scatters(r, b, dim);
  if (r.chance(0.6)) {
    const reversed = r.chance(0.5);
    const out: Shape = shape.map((d, i) => (i === dim ? (reversed ? n : Math.ceil(n / 2)) : d));
    const index = reversed ? `F.arange(${n - 1}, -1, -1, { dtype: "int32" })` : `F.arange(0, ${n}, 2, { dtype: "int32" })`;
    b.tags.push("index-select");
    fresh(b, out, r.chance(0.5) ? `${x}.indexSelect(${dim}, ${index})` : `F.indexSelect(${x}, ${dim}, ${index})`);
    return true;
  }
  b.tags.push("gather");
  if (shape.length === 2) {
    // the largest of each group of a [B, g, f/g] view
    const gs = [...divisorsOver1(shape[1]), shape[1]];
    const g = r.pick(gs);
    const v = `${x}.view(-1, ${g}, ${shape[1] / g})`;
    fresh(b, [shape[0], g], `${v}.gather(2, ${v}.argmax(2, true)).view(-1, ${g})`);
  } else fresh(b, [shape[0], 1, shape[2], shape[3]], `F.gather(${x}, 1, F.tanh(${x}).argmax(1, true))`);
  return true;
}

/** The scatters of indexing(), along dim: each keeps x's shape. */
function scatters(r: Rng, b: CaseBuilder, dim: number): boolean {
  const shape = b.cur.shape;
  const x = b.cur.name;
  const n = shape[dim];
  // positions 0, 0, 1, 1, … (or 0, 0, 0, 1, …) along dim, the same for every sample and channel
  const along = `F.arange(0, ${n}, 1, { dtype: "int32" }).floorDivide(${r.pick([1, 2, 3])})`;
  const index = `${along}.view(${shape.map((d, i) => (i === dim ? n : 1)).join(", ")}).expandAs(${x})`;
  const form = r.pick(["scatter-reduce", "scatter", "index-add"] as const);
  b.tags.push(form);
  if (form === "scatter-reduce") {
    const reduce = r.pick(["sum", "mean", "prod", "amax", "amin"]);
    b.tags.push(`scatter-${reduce}`);
    fresh(b, shape, `${x}.scatterReduce(${dim}, ${index}, F.tanh(${x}), "${reduce}"${r.chance(0.5) ? "" : `, { includeSelf: ${r.chance(0.5)} }`})`);
  } else if (form === "scatter") {
    // PyTorch's legacy reduce: a tensor's values added or multiplied in, or a number added
    const reduce = r.pick(["add", "multiply"]);
    const src = reduce === "add" && r.chance(0.3) ? "0.5" : `F.sigmoid(${x})`;
    fresh(b, shape, `${x}.scatter(${dim}, ${index}, ${src}, { reduce: "${reduce}" })`);
  } else {
    // indexAdd: a 1-D index, the source's slice j added at index[j] (reversed, or repeating)
    const reversed = r.chance(0.5);
    const idx = reversed ? `F.arange(${n - 1}, -1, -1, { dtype: "int32" })` : along;
    fresh(b, shape, `${x}.indexAdd(${dim}, ${idx}, F.tanh(${x})${r.chance(0.5) ? `, { alpha: ${r.pick([0.5, -2])} }` : ""})`);
  }
  return true;
}

/**
 * addmv and addr (beta·input + alpha·(mat @ vec), beta·input + alpha·(vec1 ⊗ vec2)) with
 * parameters for the vectors: a vector [B, f] is addmv's matrix (its rows times a parameter, added
 * back per sample) or addr's input with the batch as vec1; an image gets a rank-1 map of two
 * parameters over its rows and columns.
 */
export function products(r: Rng, b: CaseBuilder): boolean {
  const shape = b.cur.shape;
  const x = b.cur.name;
  const scales = r.chance(0.5) ? `, { beta: ${r.pick([0.5, 2])}, alpha: ${r.pick([-1, 0.5])} }` : "";
  if (shape.length === 2) {
    const f = shape[1];
    const v = field(b, `new nn.Parameter(F.randn([${f}]))`);
    if (r.chance(0.5)) {
      b.tags.push("addmv");
      fresh(b, shape, `${x}.add(F.addmv(${x}.mean(1), F.tanh(${x}), ${v}${scales}).unsqueeze(1))`);
    } else {
      b.tags.push("addr");
      fresh(b, shape, r.chance(0.5) ? `F.addr(${x}, ${x}.mean(1), ${v}${scales})` : `${x}.addr(F.tanh(${x}).amax(1), ${v}${scales})`);
    }
    return true;
  }
  const [, , h, w] = shape;
  const rows = field(b, `new nn.Parameter(F.randn([${h}]))`);
  const cols = field(b, `new nn.Parameter(F.randn([${w}]))`);
  b.tags.push("addr");
  fresh(b, shape, `${x}.add(F.addr(F.eye(${h}, ${w}), ${rows}, ${cols}${scales}))`);
  return true;
}
