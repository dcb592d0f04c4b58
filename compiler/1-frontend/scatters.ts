import { fail } from "../diagnostics/diagnostic.ts";
import { formatShape, isBatch, normalizeDim, shapeEq, type Dim } from "../ir/shape.ts";
import { arg, bindArgs, locOfArg, opt } from "./args.ts";
import { ops } from "./composite-ops.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { sliceRange } from "./indexing.ts";
import { BuiltinFunction, TensorValue, type CallSite } from "./values.ts";

// torch.slice_scatter, select_scatter and diagonal_scatter: a copy of input with one part (a
// slice, an index, a diagonal) replaced by src — the functional forms of x[a:b:c] = src,
// x.select(d, i) = src, x.diagonal() = src. Each is one take and one select along a dim:
//   out = where(inPart, take(src, k, dim), input)
// with d = p − start at each position p of the dim, inPart = (0 ≤ d < count·step, step | d) and
// k = d/step there (0 elsewhere, where the select passes none of src's gradient): computed in the
// kernel from an arange, never a table. The take's gradient sums dy back onto src's elements and
// the select's gives input the gradient outside the part, as PyTorch's. A diagonal is a slice of
// its two dims joined (start offset or −offset·m, step m + 1), as Tensor.diagonal takes it.

/** input with positions start, start + step, … (count of them) of `dim` replaced by src's. */
function scatter(input: TensorValue, src: TensorValue, dim: number, start: number, step: number, count: number, who: string, site: CallSite, em: GraphEmitter): TensorValue {
  const c = ops(em, who, site);
  const n = input.node.shape[dim] as number;
  const d = () => em.tensor("arange", [], { start: -start, step: 1, length: n }, who, site); //      [n]
  const inPart = () => {
    const within = c.op("mul", [c.op("ge", [d(), 0]), c.op("lt", [d(), count * step])]);
    return step === 1 ? within : c.op("mul", [within, c.op("eq", [c.op("fmod", [d(), step]), 0])]);
  };
  const positions = c.op("to_int", [c.op("div", [c.op("where", [inPart(), d(), 0]), step])]);
  const mask = c.reshape(inPart(), [n, ...Array<number>(input.node.shape.length - dim - 1).fill(1)]);
  return c.op("where", [mask, c.op("take", [src, positions], { dim, mode: "vector" }), input]);
}

function fixedSize(x: TensorValue, dim: number, who: string, site: CallSite): number {
  const n = x.node.shape[dim];
  if (isBatch(n)) return fail("shapeMismatch", `${who}: dim ${dim} of ${formatShape(x.node.shape)} is the batch, which is split across devices`, site.loc);
  return n;
}

function dimOf(x: TensorValue, d: number, who: string, site: CallSite): number {
  const n = normalizeDim(d, x.node.shape.length);
  return n ?? fail("invalidArgument", `${who}: dim ${d} is out of range for ${formatShape(x.node.shape)}`, site.loc);
}

function srcShape(src: TensorValue, want: readonly Dim[], who: string, site: CallSite): void {
  if (!shapeEq(src.node.shape, want)) fail("shapeMismatch", `${who}: src must have the shape of the part it replaces, ${formatShape(want)}, got ${formatShape(src.node.shape)}`, site.loc);
}

/** torch.slice_scatter(input, src, dim=0, start=None, end=None, step=1) */
function sliceScatter(input: TensorValue, src: TensorValue, dimArg: number, start: number | null, end: number | null, step: number, who: string, site: CallSite, em: GraphEmitter): TensorValue {
  const dim = dimOf(input, dimArg, who, site);
  const n = fixedSize(input, dim, who, site);
  const r = sliceRange(start, end, step, n);
  if (r.count === 0) fail("shapeMismatch", `${who}: the slice takes nothing of dim ${dim} (size ${n}); tsdp's tensors are not empty`, site.loc);
  srcShape(src, input.node.shape.map((d, i) => (i === dim ? r.count : d)), who, site);
  return scatter(input, src, dim, r.start, step, r.count, who, site, em);
}

/** torch.diagonal_scatter(input, src, offset=0, dim1=0, dim2=1): src on the diagonal that input.diagonal(offset, dim1, dim2) views. */
function diagonalScatter(input: TensorValue, src: TensorValue, offset: number, dim1: number, dim2: number, who: string, site: CallSite, em: GraphEmitter): TensorValue {
  const shape = input.node.shape;
  const [d1, d2] = [dimOf(input, dim1, who, site), dimOf(input, dim2, who, site)];
  if (d1 === d2) fail("invalidArgument", `${who}: dim1 and dim2 must be two different dims, got ${dim1} and ${dim2}`, site.loc);
  const [n, m] = [fixedSize(input, d1, who, site), fixedSize(input, d2, who, site)];
  const length = Math.max(0, offset >= 0 ? Math.min(n, m - offset) : Math.min(n + offset, m));
  if (length === 0) fail("invalidArgument", `${who}: diagonal ${offset} of a ${n}×${m} matrix is empty; tsdp's tensors are not empty`, site.loc);
  const rest = shape.map((_, i) => i).filter((i) => i !== d1 && i !== d2);
  srcShape(src, [...rest.map((i) => shape[i]), length], who, site);
  // dims d1, d2 moved last and joined: the diagonal's element k at row i, column i + offset
  const c = ops(em, who, site);
  const perm = [...rest, d1, d2];
  const flat = c.reshape(c.permute(input, perm), [...rest.map((i) => shape[i]), n * m]);
  const replaced = scatter(flat, src, rest.length, offset >= 0 ? offset : -offset * m, m + 1, length, who, site, em);
  const out = c.reshape(replaced, [...rest.map((i) => shape[i]), n, m]);
  const inverse = perm.map((_, i) => perm.indexOf(i));
  return c.permute(out, inverse);
}

/** F.sliceScatter, F.selectScatter, F.diagonalScatter (also tensor methods: torch-extras.ts EXTRA_METHODS). */
export function scatterFunctions(em: GraphEmitter): [string, BuiltinFunction][] {
  const fn = (name: string, body: (args: Parameters<BuiltinFunction["call"]>[0], site: CallSite, who: string) => TensorValue): [string, BuiltinFunction] => [name, new BuiltinFunction(`F.${name}`, (args, site) => body(args, site, `F.${name}`))];
  const tensors = [arg("input", "tensor"), arg("src", "tensor")];
  return [
    fn("sliceScatter", (args, site, who) => {
      const b = bindArgs(who, [...tensors, opt("dim", "int", 0), opt("start", "int", null, { nullable: true }), opt("end", "int", null, { nullable: true }), opt("step", "int", 1)], args, site);
      if (b.step < 1) fail("invalidArgument", `${who}: step must be positive, got ${b.step}`, locOfArg(b, "step", site));
      return sliceScatter(b.input, b.src, b.dim, b.start, b.end, b.step, who, site, em);
    }),
    // torch.select_scatter(input, src, dim, index): src has input's shape without dim
    fn("selectScatter", (args, site, who) => {
      const b = bindArgs(who, [...tensors, arg("dim", "int"), arg("index", "int")], args, site);
      const x = b.input as TensorValue;
      const dim = dimOf(x, b.dim, who, site);
      const n = fixedSize(x, dim, who, site);
      if (b.index < -n || b.index >= n) fail("invalidArgument", `${who}: index ${b.index} is out of range for dim ${dim} of size ${n}`, locOfArg(b, "index", site));
      const index = b.index < 0 ? b.index + n : b.index;
      const src = b.src as TensorValue;
      srcShape(src, x.node.shape.filter((_, i) => i !== dim), who, site);
      const raised = ops(em, who, site).reshape(src, x.node.shape.map((d, i) => (i === dim ? 1 : d)));
      return sliceScatter(x, raised, dim, index, index + 1, 1, who, site, em);
    }),
    fn("diagonalScatter", (args, site, who) => {
      const b = bindArgs(who, [...tensors, opt("offset", "int", 0), opt("dim1", "int", 0), opt("dim2", "int", 1)], args, site);
      return diagonalScatter(b.input, b.src, b.offset, b.dim1, b.dim2, who, site, em);
    }),
  ];
}
