import { fail } from "../diagnostics/diagnostic.ts";
import { batchTimes, dimEq, formatDim, formatShape, numel, type Dim } from "../ir/shape.ts";
import { ops } from "./composite-ops.ts";
import { diagonal } from "./linalg.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { BuiltinFunction, ComplexValue, describe, TensorValue, type CallSite, type Value } from "./values.ts";

// torch.einsum, lowered to the ops a hand-written version would use (three or more operands are
// contracted two at a time, left to right):
// letters only in one operand and not in the output are summed first; then, for two operands,
//   batch      letters in both operands and the output,
//   contracted letters in both operands, not in the output,
//   left/right letters in one operand and the output,
// A is permuted to [batch, left, contracted] and B to [batch, contracted, right], each group
// flattened to one dim, one (batched) matmul, and the result viewed and permuted to the output's
// letters. So "bhqd,bhkd->bhqk" is attention's q·kᵀ and "nd,dk->nk" a plain GEMM.
// PyTorch's equation syntax: letters a–z and A–Z, one "..." per operand for the dims it does not
// name, "->" and the output (without it: "..." then the letters seen once, in alphabetical order).
// The dims "..." stands for line up from the right across operands, and a dim of size 1 broadcasts
// against the same letter's size elsewhere (PyTorch's and numpy's rules): that operand is read
// without the dim, as if the letter were not in its term.

/** The private letters "..." expands to: code points no equation can spell. */
const ELLIPSIS_LETTER = (i: number) => String.fromCharCode(0x2460 + i);

/**
 * One term's letters ("..." as `rank` minus the named dims of private letters: the last of `widest`,
 * so that the ellipsis dims of all operands line up from the right), and how many "..." stood for.
 */
function parseTerm(term: string, rank: number | undefined, who: string, site: CallSite, what: string, widest?: number): { letters: string[]; ellipsisDims: number } {
  const parts = term.split("...");
  if (parts.length > 2) fail("invalidArgument", `${who}: ${what} has "..." more than once: "${term}"`, site.loc);
  const named = parts.join("");
  for (const ch of named) if (!/[a-zA-Z]/.test(ch)) fail("invalidArgument", `${who}: invalid subscript '${ch}' in ${what} "${term}": letters a–z and A–Z only`, site.loc);
  const ellipsisDims = parts.length === 2 && rank !== undefined ? rank - named.length : 0;
  if (rank !== undefined && (ellipsisDims < 0 || (parts.length === 1 && named.length !== rank)))
    fail("shapeMismatch", `${who}: ${what} "${term}" names ${named.length} dims, the operand has ${rank}`, site.loc);
  const dots = Array.from({ length: ellipsisDims }, (_, i) => ELLIPSIS_LETTER((widest ?? ellipsisDims) - ellipsisDims + i));
  return { letters: parts.length === 2 ? [...parts[0], ...dots, ...parts[1]] : [...named], ellipsisDims };
}

/** The equation with each operand's letters and the output's, "..." expanded. */
function parse(equation: string, operands: readonly TensorValue[], who: string, site: CallSite): { inputs: string[][]; output: string[] } {
  const eq = equation.replace(/\s+/g, "");
  const [lhs, rhs, extra] = eq.split("->");
  if (extra !== undefined) fail("invalidArgument", `${who}: "->" appears more than once in "${equation}"`, site.loc);
  const terms = lhs.split(",");
  if (terms.length !== operands.length)
    fail("wrongArgumentCount", `${who}: the equation "${equation}" has ${terms.length} operand${terms.length === 1 ? "" : "s"}, ${operands.length} given`, site.loc);
  const widest = Math.max(0, ...terms.map((t, k) => parseTerm(t, operands[k].node.shape.length, who, site, `operand ${k}`).ellipsisDims));
  const parsed = terms.map((t, k) => parseTerm(t, operands[k].node.shape.length, who, site, `operand ${k}`, widest));
  const inputs = parsed.map((p) => p.letters);
  const ellipsis = widest;
  if (rhs === undefined) {
    // implicit output: the ellipsis dims, then each letter seen once, in alphabetical order
    const counts = new Map<string, number>();
    for (const l of inputs.flat()) counts.set(l, (counts.get(l) ?? 0) + 1);
    const once = [...counts].filter(([l, n]) => n === 1 && /[a-zA-Z]/.test(l)).map(([l]) => l).sort();
    return { inputs, output: [...Array.from({ length: ellipsis }, (_, i) => ELLIPSIS_LETTER(i)), ...once] };
  }
  const out = parseTerm(rhs, undefined, who, site, "the output");
  const letters = rhs.includes("...") ? [...rhs.split("...")[0], ...Array.from({ length: ellipsis }, (_, i) => ELLIPSIS_LETTER(i)), ...rhs.split("...")[1]] : out.letters;
  const all = new Set(inputs.flat());
  for (const l of letters) if (!all.has(l)) fail("invalidArgument", `${who}: output subscript '${l}' does not appear in the operands`, site.loc);
  if (new Set(letters).size !== letters.length) fail("invalidArgument", `${who}: output subscripts must be unique, got "${rhs}"`, site.loc);
  return { inputs, output: letters };
}

/** Each letter's size: the same wherever it appears, or 1 in some operands (broadcast). */
function sizesOf(inputs: string[][], operands: readonly TensorValue[], who: string, site: CallSite): Map<string, Dim> {
  const size = new Map<string, Dim>();
  inputs.forEach((letters, k) =>
    letters.forEach((l, i) => {
      const d = operands[k].node.shape[i];
      const known = size.get(l);
      if (known !== undefined && !dimEq(known, d) && d !== 1 && known !== 1) {
        const name = l.charCodeAt(0) >= 0x2460 ? "a dim of \"...\"" : `subscript '${l}'`;
        fail("shapeMismatch", `${who}: ${name} has size ${formatDim(known)} in one operand and ${formatDim(d)} in operand ${k} (${formatShape(operands[k].node.shape)}), which do not broadcast`, site.loc);
      }
      if (known === undefined || known === 1) size.set(l, d);
    }),
  );
  return size;
}

/** An operand read without its size-1 dims whose letter has another size elsewhere (broadcast). */
function withoutBroadcast(letters: string[], t: TensorValue, size: Map<string, Dim>, c: ReturnType<typeof ops>): { letters: string[]; t: TensorValue } {
  const shape = t.node.shape;
  const drop = letters.map((l, i) => shape[i] === 1 && size.get(l) !== 1);
  if (!drop.some(Boolean)) return { letters, t };
  return { letters: letters.filter((_, i) => !drop[i]), t: c.reshape(t, shape.filter((_, i) => !drop[i])) };
}

/** The product of some dims (one of them may be the batch): their element count as one dim. */
function product(dims: readonly Dim[]): Dim {
  const n = numel(dims);
  return n.p ? batchTimes(n.c) : n.c;
}

/**
 * An operand whose term repeats a letter ("ii->i", "bii->b", "iij,j->i") is read along its
 * diagonal first, as PyTorch's: the two dims of the letter become one (Tensor.diagonal's last dim),
 * until each letter is there once.
 */
function diagonals(letters: string[], t: TensorValue, k: number, site: CallSite, em: GraphEmitter, who: string): { letters: string[]; t: TensorValue } {
  for (;;) {
    const at = letters.findIndex((l, i) => letters.indexOf(l) !== i);
    if (at < 0) return { letters, t };
    const first = letters.indexOf(letters[at]);
    const [n, m] = [t.node.shape[first], t.node.shape[at]];
    if (!dimEq(n, m)) fail("shapeMismatch", `${who}: subscript '${letters[at]}' is repeated in operand ${k} for dims of sizes ${formatDim(n)} and ${formatDim(m)}; a diagonal needs them equal`, site.loc);
    t = diagonal(t, 0, first, at, site, em, who);
    letters = [...letters.filter((_, i) => i !== first && i !== at), letters[at]];
  }
}

export function einsum(equation: string, given: TensorValue[], site: CallSite, em: GraphEmitter, who: string): TensorValue {
  if (given.length < 1) fail("wrongArgumentCount", `${who}: at least one operand is needed`, site.loc);
  const parsed = parse(equation, given, who, site);
  const read = parsed.inputs.map((letters, k) => diagonals(letters, given[k], k, site, em, who));
  const output = parsed.output;
  const size = sizesOf(read.map((r) => r.letters), read.map((r) => r.t), who, site);
  const c = ops(em, who, site);
  const broadcast = read.map((r) => withoutBroadcast(r.letters, r.t, size, c));
  const inputs = broadcast.map((r) => r.letters);
  const operands = broadcast.map((r) => r.t);
  // three or more operands: contracted left to right, each step keeping the letters that a later
  // operand or the output still names ("bi,ij,bj->b" is "bi,ij->bj" then "bj,bj->b")
  let acc = { t: operands[0], letters: inputs[0] };
  for (let k = 1; k < operands.length - 1; k++) {
    const later = new Set([...inputs.slice(k + 1).flat(), ...output]);
    const kept = [...new Set([...acc.letters, ...inputs[k]])].filter((l) => later.has(l));
    acc = { t: contract([acc.letters, inputs[k]], [acc.t, operands[k]], kept, size, c), letters: kept };
  }
  if (operands.length === 1) return contract(inputs, operands, output, size, c);
  return contract([acc.letters, inputs[operands.length - 1]], [acc.t, operands[operands.length - 1]], output, size, c);
}

/** One or two operands with their letters contracted to `output`'s letters. */
function contract(inputs: string[][], operands: readonly TensorValue[], output: string[], size: Map<string, Dim>, c: ReturnType<typeof ops>): TensorValue {
  const keep = new Set(output);
  // letters in only this operand and not in the output: summed away first
  const reduced = inputs.map((letters, k) => {
    const others = new Set(inputs.filter((_, j) => j !== k).flat());
    const gone = letters.flatMap((l, i) => (!keep.has(l) && !others.has(l) ? [i] : []));
    const t = gone.length ? c.op("sum", [operands[k]], { dims: gone, keepdim: false }) : operands[k];
    return { t, letters: letters.filter((_, i) => !gone.includes(i)) };
  });
  const arrange = (t: TensorValue, from: string[], to: string[]) => {
    const perm = to.map((l) => from.indexOf(l));
    return perm.every((p, i) => p === i) ? t : c.permute(t, perm);
  };
  if (reduced.length === 1) return arrange(reduced[0].t, reduced[0].letters, output);
  const [a, b] = reduced;
  const inB = new Set(b.letters);
  const inA = new Set(a.letters);
  const batch = a.letters.filter((l) => inB.has(l) && keep.has(l));
  const contracted = a.letters.filter((l) => inB.has(l) && !keep.has(l));
  const left = a.letters.filter((l) => !inB.has(l));
  const right = b.letters.filter((l) => !inA.has(l));
  const dims = (ls: string[]) => ls.map((l) => size.get(l)!);
  const [pl, pc, pr] = [product(dims(left)), product(dims(contracted)), product(dims(right))];
  const lead = batch.length ? [product(dims(batch))] : [];
  const lhs = c.reshape(arrange(a.t, a.letters, [...batch, ...left, ...contracted]), [...lead, pl, pc]);
  const rhs = c.reshape(arrange(b.t, b.letters, [...batch, ...contracted, ...right]), [...lead, pc, pr]);
  const result = c.reshape(c.op("matmul", [lhs, rhs]), dims([...batch, ...left, ...right]));
  return arrange(result, [...batch, ...left, ...right], output);
}

/** F.einsum(equation, a, b) or F.einsum(equation, [a, b]), as torch.einsum. */
export function einsumFunction(em: GraphEmitter): BuiltinFunction {
  const who = "F.einsum";
  return new BuiltinFunction(who, (args: Value[], site: CallSite) => {
    const [equation, ...rest] = args;
    if (typeof equation !== "string") return fail("wrongArgumentType", `${who}: the first argument is the equation, a string such as "ij,jk->ik", got ${describe(equation)}`, site.loc);
    const operands = rest.length === 1 && Array.isArray(rest[0]) ? rest[0] : rest;
    operands.forEach((t, k) => {
      if (!(t instanceof TensorValue || t instanceof ComplexValue)) fail("wrongArgumentType", `${who}: operand ${k} must be a tensor, got ${describe(t)}`, site.loc);
    });
    if (operands.some((t) => t instanceof ComplexValue)) return complexEinsum(equation, operands as (TensorValue | ComplexValue)[], site, em, who);
    return einsum(equation, operands as TensorValue[], site, em, who);
  });
}

/** The most complex operands one einsum expands (2ⁿ real einsums). */
const MAX_COMPLEX_OPERANDS = 3;

/**
 * einsum of complex operands (S4D's `einsum('hn,hnl->hl', C, K)`): multilinear in each, so the sum
 * over every choice of one part per operand of the real einsum of those parts, times i^k for k
 * imaginary parts chosen (k mod 4: +re, +im, −re, −im).
 */
function complexEinsum(equation: string, operands: (TensorValue | ComplexValue)[], site: CallSite, em: GraphEmitter, who: string): ComplexValue {
  const complex = operands.filter((t) => t instanceof ComplexValue).length;
  if (complex > MAX_COMPLEX_OPERANDS) fail("unsupportedSyntax", `${who}: ${complex} complex operands (2^${complex} real einsums); at most ${MAX_COMPLEX_OPERANDS}: split the product`, site.loc);
  const c = ops(em, who, site);
  const parts: [TensorValue | undefined, TensorValue | undefined] = [undefined, undefined];
  const accumulate = (to: 0 | 1, sign: 1 | -1, t: TensorValue) => {
    const signed = sign === 1 ? t : c.op("neg", [t]);
    parts[to] = parts[to] === undefined ? signed : c.op("add", [parts[to]!, signed]);
  };
  const choose = (k: number, chosen: TensorValue[], imaginary: number): void => {
    if (k === operands.length) {
      const term = einsum(equation, chosen, site, em, who);
      const turn = imaginary % 4;
      return accumulate(turn % 2 === 0 ? 0 : 1, turn < 2 ? 1 : -1, term);
    }
    const t = operands[k];
    if (t instanceof ComplexValue) {
      choose(k + 1, [...chosen, t.re], imaginary);
      choose(k + 1, [...chosen, t.im], imaginary + 1);
    } else choose(k + 1, [...chosen, t], imaginary);
  };
  choose(0, [], 0);
  return new ComplexValue(parts[0]!, parts[1]!);
}
