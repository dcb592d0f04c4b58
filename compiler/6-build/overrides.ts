import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { CompileError, diagnostic, multiline, type Diagnostic, type SourceLoc } from "../diagnostics/diagnostic.ts";
import type { OverrideReport } from "../../runtime/manifest.ts";

// User overrides of generated kernels (issue 18, item 3). `tsdp eject` copies one kernel section
// of model.cu (its __global__ functions and the device helpers before them) into kernels/NAME.cu
// with a header recording what it was generated for: each __global__ signature, the shapes of the
// tensors its launches pass, and the launch configuration (grid, block, and the sizes they are
// computed from). A compile then puts the user's file in place of the generated section as long
// as the same record, taken from the new generated code, still matches; otherwise it names what
// changed. The launch is part of the record because the kernel body hard-codes its tile and block
// sizes: a kernel ejected for another target's tiles would read the wrong elements.
//
// The user's file is C++ by design (their own file, like a hand-written .cu beside the model);
// the model file still chooses nothing here but which generated names exist, and those are
// C identifiers (5-codegen/escape.ts), so it cannot make the compiler read any other file.

/** What an ejected kernel was generated for: compared field by field with the current code. */
export interface KernelRecord {
  /** Each __global__ function of the section: "name(param, param, …)", whitespace collapsed. */
  readonly signatures: readonly string[];
  /** The tensors the kernel's first launch passes, in order: "conv1.weight [20, 1, 5, 5]", "[Batch, 20, 12, 12]". */
  readonly shapes: readonly string[];
  /** The first launch's sizes and configuration ("const int M = …; grid …; block …"). */
  readonly launch: string;
}

/** One kernel section of model.cu: from its `// ----` rule to the next one or the namespace's end. */
export interface KernelSection {
  readonly name: string;
  readonly start: number;
  readonly end: number;
  readonly text: string;
  readonly record: KernelRecord;
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
  return starts.map((s, i) => {
    const endLine = i + 1 < starts.length ? starts[i + 1] : close;
    const text = lines.slice(s, endLine).join("\n").replace(/\n+$/, "") + "\n";
    const name = /^\/\/ (\w+): /.exec(lines[s + 1])![1];
    return { name, start: offsets[s], end: offsets[s] + text.length, text, record: recordOf(text, cu) };
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

/** The __global__ functions of a section: name and parameter list. */
function globals(section: string): { name: string; params: string[] }[] {
  const out: { name: string; params: string[] }[] = [];
  for (const m of section.matchAll(/__global__\s+void\s+(?:__launch_bounds__\s*\([^)]*\)\s*)?(\w+)\s*\(/g)) {
    const open = m.index! + m[0].length - 1;
    out.push({ name: m[1], params: splitArgs(parenthesized(section, open)) });
  }
  return out;
}

function recordOf(section: string, cu: string): KernelRecord {
  const fns = globals(section);
  const signatures = fns.map((f) => `${f.name}(${f.params.join(", ")})`);
  // The first launch of any of the section's kernels, in its `{ // … }` block of a run_ function.
  let shapes: string[] = [];
  let launch = "";
  const lines = cu.split("\n");
  for (const f of fns) {
    const at = lines.findIndex((l) => l.includes(`TSDP_LAUNCH(tsdp_kernels::${f.name},`));
    if (at < 0) continue;
    let open = at;
    while (open > 0 && !/^\s*\{\s+\/\/ /.test(lines[open])) open--;
    const block = lines.slice(open, at);
    // "x [Batch, 1, 28, 28]", "conv1.weight [20, 1, 5, 5]", "[Batch, 20, 12, 12]"; an intermediate's
    // IR number (%11) is dropped: it changes with unrelated edits of the model.
    shapes = block
      .map((l) => /^\s*(?:\{\s+)?\/\/ (?:(\S+) )?(\[[^\]]*\])$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => (m[1] && !m[1].startsWith("%") ? `${m[1]} ${m[2]}` : m[2]));
    const sizes = block.filter((l) => /^\s*const /.test(l)).map(collapse);
    const call = lines.slice(at, at + 3).join(" ");
    const [, grid, blockDim] = splitArgs(parenthesized(call, call.indexOf("(")));
    launch = [...sizes, `grid ${grid}`, `block ${blockDim}`].join(" ");
    break;
  }
  return { signatures, shapes, launch };
}

export function fingerprintOf(record: KernelRecord): string {
  return createHash("sha256").update(JSON.stringify([record.signatures, record.shapes, record.launch])).digest("hex").slice(0, 32);
}

const OVERRIDE = "// tsdp-override: ";

/** The text of kernels/NAME.cu for a section: the record in a header, then the section as generated. */
export function ejectedText(section: KernelSection, modelFile: string): string {
  const r = section.record;
  return [
    `${OVERRIDE}${section.name}`,
    `// Ejected from ${basename(modelFile)} by tsdp eject. tsdp compile uses this file in place of the generated`,
    `// kernel, verified against the float64 reference before the library is installed, while the lines`,
    `// below still describe the generated kernel; if the model changes them, the compile says what changed.`,
    `// Edit the code freely; leave the tsdp- lines as they are.`,
    ...r.signatures.map((s) => `// tsdp-signature: ${s}`),
    ...r.shapes.map((s) => `// tsdp-shape: ${s}`),
    `// tsdp-launch: ${r.launch}`,
    `// tsdp-fingerprint: ${fingerprintOf(r)}`,
    "",
    section.text,
  ].join("\n");
}

/** The record a user's file carries, or a problem with its header. */
function recordInFile(text: string): { name: string; record: KernelRecord; fingerprint: string } | string {
  const lines = text.split("\n");
  if (!lines[0]?.startsWith(OVERRIDE)) return `its first line is not '${OVERRIDE}NAME' (files in kernels/ are written by tsdp eject)`;
  const field = (key: string) => lines.filter((l) => l.startsWith(`// tsdp-${key}: `)).map((l) => l.slice(`// tsdp-${key}: `.length).trim());
  const fingerprint = field("fingerprint")[0];
  const launch = field("launch")[0];
  if (!fingerprint || launch === undefined) return "its header lacks the tsdp-launch or tsdp-fingerprint line tsdp eject wrote";
  return { name: lines[0].slice(OVERRIDE.length).trim(), record: { signatures: field("signature"), shapes: field("shape"), launch }, fingerprint };
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

/** One user kernel that will replace a generated section. */
export interface Override {
  readonly name: string;
  /** Absolute path of kernels/NAME.cu. */
  readonly file: string;
  /** How the file is named in messages: relative to the model's directory. */
  readonly shown: string;
  /**
   * How #line names it, so the host compiler's errors point into it: `shown` when it is plain
   * (letters, digits, _ . / -), else NAME.cu, so that no directory name needs escaping in C.
   */
  readonly lineName: string;
  readonly text: string;
  readonly sha256: string;
  readonly fingerprint: string;
}

/** The directory overrides are read from: kernels/ next to the model, or the one given. */
export function kernelsDirectory(modelFile: string, given?: string): string {
  return resolve(given ?? join(dirname(resolve(modelFile)), "kernels"));
}

/** The .cu files of the kernels directory, by kernel name; none when it does not exist. */
export function overrideFiles(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir, { withFileTypes: true }))
    if (e.isFile() && /^\w+\.cu$/.test(e.name)) out.set(e.name.slice(0, -3), join(dir, e.name));
  return out;
}

const fileLoc = (file: string, line = 1): SourceLoc => ({ file, line, col: 1, length: 0 });

/** One file of the kernels directory checked against the current generated sections. */
function checkOverrideFile(name: string, file: string, sections: ReadonlyMap<string, KernelSection>, modelDir: string): Override | Diagnostic {
  const text = readFileSync(file, "utf8");
  const shown = relative(modelDir, file) || file;
  const inFile = recordInFile(text);
  if (typeof inFile === "string") return diagnostic("overrideHeader", `${shown} is not an ejected kernel: ${inFile}`, fileLoc(file));
  if (inFile.name !== name) return diagnostic("overrideHeader", `${shown} says it overrides ${inFile.name}; a kernel's file is kernels/${inFile.name}.cu`, fileLoc(file));
  if (fingerprintOf(inFile.record) !== inFile.fingerprint)
    return diagnostic("overrideHeader", `${shown}: its tsdp- header lines were edited (their fingerprint does not match); eject the kernel again and move your changes over`, fileLoc(file));
  const section = sections.get(name);
  if (!section) return multiline("staleOverride", `${shown} overrides ${name}, which the model no longer has\n${nearestNames(name, [...sections.keys()])}`, fileLoc(file));
  const changes = recordChanges(inFile.record, section.record);
  if (changes.length > 0) return multiline("staleOverride", `${shown} was ejected for another version of kernel ${name}:\n${changes.join("\n")}`, fileLoc(file));
  const lineName = /^[\w./-]+$/.test(shown) ? shown : `${name}.cu`;
  return { name, file, shown, lineName, text, sha256: createHash("sha256").update(text).digest("hex"), fingerprint: inFile.fingerprint };
}

/** Each file of the kernels directory, by name: the override it is, or what is wrong with it. */
export function checkOverrides(cu: string, dir: string, modelDir: string): { name: string; result: Override | Diagnostic }[] {
  const files = overrideFiles(dir);
  if (files.size === 0) return [];
  const sections = new Map(kernelSections(cu).map((s) => [s.name, s]));
  return [...files].sort(([a], [b]) => a.localeCompare(b)).map(([name, file]) => ({ name, result: checkOverrideFile(name, file, sections, modelDir) }));
}

const isOverride = (r: Override | Diagnostic): r is Override => "fingerprint" in r;

/**
 * The overrides of `cu`'s kernels found in `dir`, each checked against the current generated code:
 * a file whose kernel is gone, or whose record no longer matches, is a stale override; all of them
 * are reported in one error.
 */
export function findOverrides(cu: string, dir: string, modelDir: string): Override[] {
  const checked = checkOverrides(cu, dir, modelDir).map((c) => c.result);
  const problems = checked.filter((r): r is Diagnostic => !isOverride(r));
  if (problems.length) throw new CompileError(problems);
  return checked.filter(isOverride);
}

/**
 * For tsdp inspect: each user kernel, and whether the code inspected would use it (inspect shows
 * the CUDA build with the GPU's kernel shapes: a kernel ejected for the CPU target does not fit it).
 */
export function overrideStatuses(cu: string, dir: string, modelDir: string): { kernel: string; status: string }[] {
  return checkOverrides(cu, dir, modelDir).map(({ name, result }) => ({
    kernel: name,
    status: isOverride(result)
      ? `user override (${result.shown}), verified at compile`
      : `not used here, ${result.code}: ${result.notes?.[0] ?? result.message}${(result.notes?.length ?? 0) > 1 ? ` (and ${result.notes!.length - 1} more changes)` : ""}`,
  }));
}

/** "did you mean …" and the kernels there are, for a name that is not one of them. */
export function nearestNames(name: string, names: readonly string[]): string {
  const ranked = [...names].sort((a, b) => editDistance(name, a) - editDistance(name, b) || a.localeCompare(b));
  const close = ranked.filter((n) => editDistance(name, n) <= Math.max(2, Math.floor(name.length / 3)));
  return `${close.length ? `did you mean ${close.slice(0, 3).join(", ")}? ` : ""}kernels: ${names.join(", ")}`;
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next.push(Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)));
    row = next;
  }
  return row[b.length];
}

/**
 * model.cu with each overridden section replaced by the user's file. #line directives make the
 * host compiler and nvcc report the user's file and line for anything in it, and model.cu's own
 * lines after it.
 */
export function withOverrides(cu: string, overrides: readonly Override[]): string {
  if (overrides.length === 0) return cu;
  const byName = new Map(overrides.map((o) => [o.name, o]));
  let out = "";
  let from = 0;
  const linesSoFar = () => out.split("\n").length; // the line number the next line of `out` gets
  for (const s of kernelSections(cu)) {
    const o = byName.get(s.name);
    if (!o) continue;
    out += cu.slice(from, s.start);
    out += `#line 1 "${o.lineName}"\n`;
    out += o.text.endsWith("\n") ? o.text : `${o.text}\n`;
    out += `#line ${linesSoFar() + 1} "model.cu"\n`;
    from = s.end;
  }
  return out + cu.slice(from);
}

/** For the manifest: which kernels are the user's. */
export function overrideReports(overrides: readonly Override[]): OverrideReport[] {
  return overrides.map((o) => ({ kernel: o.name, file: o.shown, sha256: o.sha256, fingerprint: o.fingerprint }));
}

/**
 * The build error of a library with overrides, when the first error is in a user's file: the
 * compiler's message at the user's file:line:col, with its code frame.
 */
export function overrideBuildError(e: unknown, overrides: readonly Override[]): unknown {
  if (!(e instanceof CompileError) || e.diagnostics[0]?.kind !== "buildFailed") return e;
  const d = e.diagnostics[0];
  for (const line of [d.message, ...(d.notes ?? [])]) {
    for (const o of overrides) {
      const at = line.indexOf(`${o.lineName}:`);
      if (at < 0) continue;
      const m = /^:(\d+):(\d+):\s*(?:fatal )?error:?\s*(.*)$/.exec(line.slice(at + o.lineName.length)) ?? /^\((\d+)\):\s*error:?\s*(.*)$/.exec(line.slice(at + o.lineName.length));
      if (!m) continue;
      const [lineNo, col, message] = m.length === 4 ? [m[1], m[2], m[3]] : [m[1], "1", m[2]];
      const loc: SourceLoc = { file: o.file, line: Number(lineNo), col: Number(col), length: 1 };
      return new CompileError([{ ...diagnostic("overrideBuildFailed", `your kernel ${o.name} does not compile: ${message}`, loc), notes: d.notes }]);
    }
  }
  return e;
}

/**
 * What the build record keeps of the overrides (their names and content hashes): an edited,
 * added or removed kernel file makes `tsdp compile` rebuild rather than answer "up to date".
 */
export function overridesRecord(modelFile: string, given?: string): { overrides?: Record<string, string> } {
  const files = overrideFiles(kernelsDirectory(modelFile, given));
  if (files.size === 0) return {};
  return { overrides: Object.fromEntries([...files].sort(([a], [b]) => a.localeCompare(b)).map(([name, f]) => [name, createHash("sha256").update(readFileSync(f)).digest("hex")])) };
}
