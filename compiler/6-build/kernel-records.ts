import { createHash } from "node:crypto";
import { aliasTarget, expandedAlias } from "../5-codegen/shared-kernels.ts";

// What an ejected kernel was generated for (compiler/6-build/overrides.ts): the kernel sections of
// generated model.cu, each with its record (the __global__ signatures, the tensors its first
// launch passes, the launch configuration), a fingerprint of it, and the changes between two
// records in words.

/** What an ejected kernel was generated for: compared field by field with the current code. */
export interface KernelRecord {
  /** Each __global__ function of the section: "name(param, param, …)", whitespace collapsed. */
  readonly signatures: readonly string[];
  /** The tensors the kernel's first launch passes, in order: "conv1.weight [20, 1, 5, 5]", "[Batch, 20, 12, 12]". */
  readonly shapes: readonly string[];
  /** The first launch's sizes and configuration ("const int M = …; grid …; block …"). */
  readonly launch: string;
}

/**
 * One kernel section of model.cu: from its `// ----` rule to the next one or the namespace's end.
 * A section that shares an earlier one's code (5-codegen/shared-kernels.ts) is `start`–`end` in
 * model.cu, a few alias lines, and has as `text` its code in full: what it would be without sharing,
 * what `tsdp eject` writes and its record is taken from.
 */
export interface KernelSection {
  readonly name: string;
  readonly start: number;
  readonly end: number;
  readonly text: string;
  readonly record: KernelRecord;
  /** The section whose code it shares, where it is an alias. */
  readonly sharesCodeOf?: string;
}

const RULE = /^\/\/ -{20,}$/;
const NAMESPACE_END = "}  // namespace tsdp_kernels";

/** The kernel sections of generated model.cu text, in order. */
export function kernelSections(cu: string): KernelSection[] {
  const lines = cu.split("\n");
  const open = lines.indexOf("namespace tsdp_kernels {");
  const close = lines.indexOf(NAMESPACE_END);
  if (open < 0 || close < 0) throw new Error("overrides: model.cu has no tsdp_kernels namespace");
  const starts: number[] = [];
  for (let i = open + 1; i < close; i++) if (RULE.test(lines[i]) && /^\/\/ \w+: /.test(lines[i + 1] ?? "")) starts.push(i);
  const offsets = lineOffsets(cu);
  // model.cu's lines, as written and without comments: split once, not once per section (ResNet's 214)
  const model = { lines, code: withoutComments(cu).split("\n") };
  const generated = new Map<string, string>();
  return starts.map((s, i) => {
    const endLine = i + 1 < starts.length ? starts[i + 1] : close;
    const span = lines.slice(s, endLine).join("\n").replace(/\n+$/, "") + "\n";
    const name = /^\/\/ (\w+): /.exec(lines[s + 1])![1];
    const alias = aliasTarget(span);
    const of = alias && generated.get(alias.of);
    if (alias && of === undefined) throw new Error(`overrides: kernel section ${name} shares the code of ${alias.of}, which is not before it`);
    const text = of === undefined ? span : expandedAlias(span, of);
    generated.set(name, text);
    return { name, start: offsets[s], end: offsets[s] + span.length, text, record: recordOf(text, model), ...(alias ? { sharesCodeOf: alias.of } : {}) };
  });
}

function lineOffsets(text: string): number[] {
  const out = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === "\n") out.push(i + 1);
  return out;
}

const collapse = (s: string) => s.replace(/\s+/g, " ").replace(/\( /g, "(").replace(/ \)/g, ")").trim();

/** The text from `open` (an opening parenthesis) to its match, without the parentheses. */
function parenthesized(text: string, open: number): string {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === "(") depth++;
    else if (text[i] === ")" && --depth === 0) return text.slice(open + 1, i);
  }
  throw new Error("overrides: unbalanced parentheses in generated code");
}

/**
 * Top-level comma-separated parts. Angle brackets are not nesting here: `r->stream` and `a < b`
 * occur in launch arguments, and no generated kernel parameter is a template with two arguments.
 */
function splitArgs(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") depth--;
    else if (c === "," && depth === 0) {
      out.push(text.slice(from, i));
      from = i + 1;
    }
  }
  out.push(text.slice(from));
  return out.map(collapse).filter((s) => s !== "");
}

/**
 * `text` with its comments blanked to spaces (same length, same line breaks): a section quotes the
 * model's TypeScript lines in comments, and a quoted `__global__ void f(` or `TSDP_LAUNCH(` must not
 * be taken for code (it broke the parenthesis matching, or was read as the kernel's launch).
 */
export function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, (c) => c.replace(/[^\n]/g, " "));
}

/** The __global__ functions of a section: name and parameter list. */
function globals(section: string): { name: string; params: string[] }[] {
  section = withoutComments(section);
  const out: { name: string; params: string[] }[] = [];
  for (const m of section.matchAll(/__global__\s+void\s+(?:__launch_bounds__\s*\([^)]*\)\s*)?(\w+)\s*\(/g)) {
    const open = m.index! + m[0].length - 1;
    out.push({ name: m[1], params: splitArgs(parenthesized(section, open)) });
  }
  return out;
}

function recordOf(section: string, model: { lines: readonly string[]; code: readonly string[] }): KernelRecord {
  const fns = globals(section);
  const signatures = fns.map((f) => `${f.name}(${f.params.join(", ")})`);
  // The first launch of any of the section's kernels, in its `{ // … }` block of a run_ function.
  let shapes: string[] = [];
  let launch = "";
  const { lines, code } = model;
  for (const f of fns) {
    const at = code.findIndex((l) => l.includes(`TSDP_LAUNCH(tsdp_kernels::${f.name},`));
    if (at < 0) continue;
    let open = at;
    while (open > 0 && !/^\s*\{\s+\/\/ /.test(lines[open])) open--;
    const block = lines.slice(open, at);
    // the call's lines: one argument a line, up to the one that closes it
    let end = at;
    while (end + 1 < code.length && !/\);\s*$/.test(code[end])) end++;
    // the block's end: a launch before the kernel's own (a split BatchNorm's statistics) is one line,
    // and the tensors are those of the block's own launch, after it
    let close = at;
    while (close + 1 < lines.length && !/^ {4}\}\s*$/.test(lines[close])) close++;
    // "x [Batch, 1, 28, 28]", "conv1.weight [20, 1, 5, 5]", "[Batch, 20, 12, 12]" from the comments
    // beside the arguments ("// b: conv1.weight [20, 1, 5, 5]": the parameter's name is the
    // signature's); an intermediate's IR number (%11) is dropped: it changes with unrelated edits of the model.
    shapes = lines
      .slice(at + 1, close)
      .map((l) => /\/\/ \w+: (?:(\S+) )?(\[[^\]]*\])$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => (m[1] && !m[1].startsWith("%") ? `${m[1]} ${m[2]}` : m[2]));
    const sizes = block.filter((l) => /^\s*const /.test(l)).map(collapse);
    const call = code.slice(at, end + 1).join(" ");
    const [, grid, blockDim] = splitArgs(parenthesized(call, call.indexOf("(")));
    launch = [...sizes, `grid ${grid}`, `block ${blockDim}`].join(" ");
    break;
  }
  return { signatures, shapes, launch };
}

export function fingerprintOf(record: KernelRecord): string {
  return createHash("sha256").update(JSON.stringify([record.signatures, record.shapes, record.launch])).digest("hex").slice(0, 32);
}


/** What changed between the record a kernel was ejected with and the current one, one line each. */
export function recordChanges(was: KernelRecord, now: KernelRecord): string[] {
  const out: string[] = [];
  const parse = (s: string) => ({ name: s.slice(0, s.indexOf("(")), params: splitArgs(s.slice(s.indexOf("(") + 1, s.lastIndexOf(")"))) });
  for (let i = 0; i < Math.max(was.signatures.length, now.signatures.length); i++) {
    const a = was.signatures[i] ? parse(was.signatures[i]) : undefined;
    const b = now.signatures[i] ? parse(now.signatures[i]) : undefined;
    if (!a || !b) {
      out.push(a ? `the kernel function ${a.name} is gone` : `there is a new kernel function ${b!.name}(${b!.params.join(", ")})`);
      continue;
    }
    if (a.name !== b.name) out.push(`kernel function ${i + 1} was ${a.name}, is now ${b.name}`);
    out.push(...argumentChanges(a.params, b.params).map((c) => `${b.name}: ${c}`));
  }
  const split = (t: string | undefined) => (t === undefined ? undefined : { name: t.slice(0, t.indexOf("[")).trim(), shape: t.slice(t.indexOf("[")) });
  for (let i = 0; i < Math.max(was.shapes.length, now.shapes.length); i++) {
    const a = split(was.shapes[i]);
    const b = split(now.shapes[i]);
    if (!a || !b) out.push(a ? `tensor ${i + 1} (${was.shapes[i]}) is no longer passed` : `there is a new tensor ${i + 1}, ${now.shapes[i]}`);
    else if (a.shape !== b.shape) out.push(`tensor ${i + 1}${b.name ? ` (${b.name})` : ""}: shape ${a.shape} became ${b.shape}`);
    else if (a.name !== b.name) out.push(`tensor ${i + 1} was ${a.name || "an intermediate"}, is now ${b.name || "an intermediate"}`);
  }
  if (was.launch !== now.launch) out.push(`the launch was '${was.launch}', is now '${now.launch}'`);
  return out;
}

/**
 * Argument list changes, position by position where one argument replaced another and as insertions
 * or removals otherwise (a longest common subsequence), so that one new argument reads as one change.
 */
function argumentChanges(was: readonly string[], now: readonly string[]): string[] {
  const lcs = Array.from({ length: was.length + 1 }, () => new Array<number>(now.length + 1).fill(0));
  for (let i = was.length - 1; i >= 0; i--)
    for (let j = now.length - 1; j >= 0; j--) lcs[i][j] = was[i] === now[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < was.length || j < now.length) {
    if (i < was.length && j < now.length && was[i] === now[j]) {
      i++;
      j++;
    } else if (i < was.length && j < now.length && lcs[i + 1][j + 1] === lcs[i][j]) {
      out.push(`argument ${j + 1} was ${was[i++]}, is now ${now[j++]}`);
    } else if (j < now.length && (i === was.length || lcs[i][j + 1] >= lcs[i + 1][j])) {
      out.push(`argument ${j + 1} is new: ${now[j++]}`);
    } else {
      out.push(`argument ${i + 1} (${was[i++]}) was removed`);
    }
  }
  return out;
}
