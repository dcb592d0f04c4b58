import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { CompileError, diagnostic, multiline, type Diagnostic, type SourceLoc } from "../diagnostics/diagnostic.ts";
import type { OverrideReport } from "../../runtime/manifest.ts";
import { fingerprintOf, kernelSections, recordChanges, type KernelRecord, type KernelSection } from "./kernel-records.ts";

export { kernelSections, type KernelSection } from "./kernel-records.ts";

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

/**
 * The .cu files of the kernels directory, by kernel name; none when it does not exist, or when
 * kernels/ beside the model is some other file of the user's (--kernels must name a directory).
 */
export function overrideFiles(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return out;
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
 * lines after it. A section that shares the code of an overridden one is written out in full
 * first: the user's file replaces that one kernel, not every layer built the same way.
 */
export function withOverrides(cu: string, overrides: readonly Override[]): string {
  if (overrides.length === 0) return cu;
  const byName = new Map(overrides.map((o) => [o.name, o]));
  let out = "";
  let from = 0;
  const linesSoFar = () => out.split("\n").length; // the line number the next line of `out` gets
  for (const s of kernelSections(cu)) {
    const o = byName.get(s.name);
    if (!o && s.sharesCodeOf !== undefined && byName.has(s.sharesCodeOf)) {
      out += cu.slice(from, s.start) + s.text;
      from = s.end;
      continue;
    }
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
