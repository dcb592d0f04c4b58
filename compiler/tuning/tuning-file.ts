import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { ts } from "ts-morph";
import { cIdentifier } from "../5-codegen/escape.ts";
import { CompileError, diagnostic, fail, type Diagnostic, type SourceLoc } from "../diagnostics/diagnostic.ts";
import { jsonSpans, lineIndex, pathKey, type JsonSpans } from "./json-locations.ts";
import { knobNames, type KernelTuning, type KnobFamily, type KnobOverrides, type KnobValue } from "./knobs.ts";

// The tuning file (issue 18, item 2): `model.tune.json` next to the model, or the file --tune names.
//
//   {
//     "kernels": {
//       "conv1_conv2d_grad_weight_sum": { "tile": "32x64", "splitK": 4 },
//       "fc1_relu": { "threadTile": "8x8", "tile": "128x64" }
//     },
//     "autotuned": ["fc1_relu"],                         // written by tsdp tune: these entries' origin
//     "tunedFor": { "gpu": "h100", "batch": 64, "by": "model estimate" }   // tsdp tune's record
//   }
//
// Keys are kernel names as `tsdp inspect` lists them: the layer's module path and the ops fused
// into the kernel ("conv1_relu_pool", "fc2_matmul_relu_grad"). They do not depend on the order of
// the layers, on other layers or on line numbers, so unrelated edits keep them; renaming a layer or
// changing what fuses renames its kernels, and the entry is then reported stale (a warning naming it
// and the nearest kernel names) rather than applied to some other kernel. An entry applies to the
// kernel of that name in every program (forward, evaluate, training step).

/** A tuning file, read and checked for its form (not yet against the model's kernels). */
export interface TuningFile {
  /** Absolute path. */
  readonly file: string;
  readonly sha256: string;
  readonly entries: ReadonlyMap<string, TuningEntry>;
  /** tsdp tune's record, kept as written. */
  readonly tunedFor?: Readonly<Record<string, unknown>>;
}

export interface TuningEntry {
  readonly kernel: string;
  readonly knobs: KnobOverrides;
  readonly origin: "tuning file" | "autotuner";
  /** Where the entry's key is, and where each knob's value is, in the file. */
  readonly at: SourceLoc;
  readonly knobAt: Readonly<Record<string, SourceLoc>>;
}

/** `model.tune.json` beside `model.ts`. */
export function defaultTuningPath(modelFile: string): string {
  return resolve(modelFile).replace(/\.ts$/, "") + ".tune.json";
}

/** The tuning file a compile uses: --tune's, else model.tune.json when it exists. */
export function tuningPathFor(modelFile: string, explicit?: string): string | undefined {
  if (explicit !== undefined) return resolve(explicit);
  const beside = defaultTuningPath(modelFile);
  return existsSync(beside) ? beside : undefined;
}

const TOP_LEVEL = ["kernels", "autotuned", "tunedFor"];

/** A tuning file's largest size: a few hundred kernels' knobs take kilobytes. */
const MAX_TUNING_BYTES = 16 << 20;
/** Its deepest nesting: the format has three levels (file, kernels, knobs). */
const MAX_TUNING_DEPTH = 64;

export function readTuningFile(path: string): TuningFile {
  const file = resolve(path);
  const unreadable = (e: unknown) => fail("badTuningFile", `${file}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`);
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(file);
  } catch (e) {
    return unreadable(e);
  }
  // a regular file of bounded size: /dev/zero, a FIFO or a device would be read forever
  if (!stat.isFile()) return fail("badTuningFile", `${file}: not a regular file (${stat.isDirectory() ? "a directory" : "a device, FIFO or socket"})`);
  if (stat.size > MAX_TUNING_BYTES) return fail("badTuningFile", `${file}: ${stat.size} bytes, more than a tuning file's ${MAX_TUNING_BYTES}`);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    return unreadable(e);
  }
  return parseTuningFile(text, file);
}

/** The deepest [ or { nesting of JSON text (outside strings). */
function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "[" || c === "{") deepest = Math.max(deepest, ++depth);
    else if (c === "]" || c === "}") depth--;
  }
  return deepest;
}

export function parseTuningFile(text: string, file: string): TuningFile {
  // an editor's byte-order mark is not JSON's, and says nothing
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  // before the location parser, which recurses once per level
  const depth = nestingDepth(text);
  if (depth > MAX_TUNING_DEPTH) return fail("badTuningFile", `${file}: nested ${depth} levels deep; a tuning file has three (the file, "kernels", each kernel's knobs)`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    // V8's message has no position for most errors; TypeScript's JSON parser says where
    const problem = (ts.parseJsonText(file, text) as unknown as { parseDiagnostics?: ts.DiagnosticWithLocation[] }).parseDiagnostics?.[0];
    const loc = problem ? locAt(lineIndex(text), file, problem.start, Math.max(1, problem.length)) : undefined;
    const why = problem ? ts.flattenDiagnosticMessageText(problem.messageText, " ") : (e as Error).message;
    return fail("badTuningFile", `${file} is not valid JSON: ${why}`, loc);
  }
  const spans = jsonSpans(text);
  // one pass over the text for every location asked below (an entry and each knob ask): linear in the file
  const lines = lineIndex(text);
  const where = (path: string[], of: "key" | "value" = "key") => spanLoc(lines, file, spans, path, of);
  if (!isObject(json)) return fail("badTuningFile", `${file}: expected an object {"kernels": {...}}, got ${describe(json)}`, where([], "value"));
  for (const key of Object.keys(json)) if (!TOP_LEVEL.includes(key)) fail("badTuningFile", `${file}: unknown top-level key ${quoted(key)} (expected ${TOP_LEVEL.map((k) => JSON.stringify(k)).join(", ")})`, where([key]));
  const kernels = json.kernels ?? {};
  if (!isObject(kernels)) return fail("badTuningFile", `${file}: "kernels" must be an object of kernel name → knobs, got ${describe(kernels)}`, where(["kernels"], "value"));
  const autotuned = json.autotuned ?? [];
  if (!Array.isArray(autotuned) || !autotuned.every((k) => typeof k === "string")) return fail("badTuningFile", `${file}: "autotuned" must be a list of kernel names`, where(["autotuned"], "value"));
  // looked up once per entry: a set, not a scan of the list
  const autotunedSet = new Set<string>(autotuned);
  if (json.tunedFor !== undefined && !isObject(json.tunedFor)) return fail("badTuningFile", `${file}: "tunedFor" must be an object`, where(["tunedFor"], "value"));
  const entries = new Map<string, TuningEntry>();
  for (const [kernel, knobs] of Object.entries(kernels)) {
    if (!isObject(knobs)) fail("badTuningFile", `${file}: the knobs of ${kernel} must be an object {"<knob>": value}, got ${describe(knobs)}`, where(["kernels", kernel], "value"));
    const knobAt: Record<string, SourceLoc> = {};
    for (const [knob, value] of Object.entries(knobs)) {
      if (typeof value !== "string" && !(typeof value === "number" && Number.isFinite(value)))
        fail("illegalKnob", `${file}: ${kernel}.${knob} must be a string or a number, got ${describe(value)}`, where(["kernels", kernel, knob], "value"));
      knobAt[knob] = where(["kernels", kernel, knob], "value")!;
    }
    entries.set(kernel, { kernel, knobs: knobs as KnobOverrides, origin: autotunedSet.has(kernel) ? "autotuner" : "tuning file", at: where(["kernels", kernel])!, knobAt });
  }
  return { file, sha256: createHash("sha256").update(text).digest("hex"), entries, ...(json.tunedFor ? { tunedFor: json.tunedFor as Record<string, unknown> } : {}) };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
// JSON.parse reads 1e400 as Infinity, which quoted() would print as null
const describe = (v: unknown) => (Array.isArray(v) ? "a list" : v === null ? "null" : typeof v === "object" ? "an object" : typeof v === "number" && !Number.isFinite(v) ? "a number too large for a double" : `${typeof v} ${quoted(v)}`);

/** A value as JSON, cut to a message's width (a value of megabytes is the file's mistake, not the message's). */
function quoted(v: unknown): string {
  const text = JSON.stringify(v);
  return text.length > 60 ? `${text.slice(0, 57)}… (${text.length} characters)` : text;
}

function locAt(lines: ReturnType<typeof lineIndex>, file: string, offset: number, length: number): SourceLoc {
  return { file, ...lines(offset), length };
}

function spanLoc(lines: ReturnType<typeof lineIndex>, file: string, spans: JsonSpans, path: string[], of: "key" | "value"): SourceLoc | undefined {
  const s = spans.get(pathKey(path));
  if (!s) return undefined;
  return of === "key" ? locAt(lines, file, s.keyAt, s.keyLength) : locAt(lines, file, s.valueAt, s.valueLength);
}

// ---- against the model's kernels ----

/** A kernel of the model as the check sees it: its plan name and its knob family (none: no knobs). */
export interface TunableKernel {
  readonly name: string;
  readonly family?: KnobFamily;
}

/**
 * Checks the entries against the model's kernels: an entry for no kernel is stale (a warning with
 * the nearest names); a knob the kernel's family does not have is an error. Values are checked
 * where the kernel builder applies them (knobs.ts), which knows the legal values for that kernel.
 */
export function checkTuning(t: TuningFile, kernels: readonly TunableKernel[]): { warnings: Diagnostic[]; stale: string[] } {
  const byName = new Map(kernels.map((k) => [k.name, k]));
  const warnings: Diagnostic[] = [];
  const stale: string[] = [];
  const errors: Diagnostic[] = [];
  for (const entry of t.entries.values()) {
    const k = byName.get(entry.kernel);
    if (!k) {
      const near = nearest(entry.kernel, [...byName.keys()]);
      stale.push(entry.kernel);
      warnings.push({ ...diagnostic("staleTuning", `${entry.kernel} is not a kernel of this model; its entry is ignored${near.length ? ` (nearest: ${near.join(", ")})` : ""}`, entry.at), severity: "warning" });
      continue;
    }
    const names = k.family ? knobNames(k.family) : [];
    for (const knob of Object.keys(entry.knobs))
      if (!names.includes(knob))
        errors.push(diagnostic("unknownKnob", `${entry.kernel} has no knob ${quoted(knob)}${names.length ? `; its knobs (${k.family}): ${names.join(", ")}` : ": its kernel family has no knobs"}`, entry.knobAt[knob]));
  }
  if (errors.length) throw new CompileError([...errors, ...warnings]);
  return { warnings, stale };
}

/** Up to three names closest to `name` by edit distance (and no farther than half its length). */
export function nearest(name: string, names: readonly string[]): string[] {
  return names
    .map((n) => ({ n, d: editDistance(name, n) }))
    .filter((x) => x.d <= Math.max(3, Math.ceil(name.length / 2)))
    .sort((a, b) => a.d - b.d || a.n.localeCompare(b.n))
    .slice(0, 3)
    .map((x) => x.n);
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row.push(Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = row;
  }
  return prev[b.length];
}

/** The builders' view of a tuning file: a kernel's overrides by its C name (the mangled plan name). */
export interface Tuning {
  readonly file: TuningFile;
  forKernel(cName: string): KernelTuning | undefined;
}

export function tuningOf(file: TuningFile): Tuning {
  const byC = new Map([...file.entries.values()].map((e) => [cIdentifier(e.kernel), e]));
  return {
    file,
    forKernel(cName) {
      const e = byC.get(cName);
      if (!e) return undefined;
      return {
        knobs: e.knobs,
        origin: e.origin,
        refuse: (knob: string, value: KnobValue, legal: readonly KnobValue[], what: string) =>
          fail("illegalKnob", `${e.kernel}: ${quoted(value)} is not a legal ${knob} for ${what} of this shape; legal: ${formatLegal(legal)}`, e.knobAt[knob]),
      };
    },
  };
}

/** "1, 2, …, 64" for a run of integers, else the list. */
export function formatLegal(legal: readonly KnobValue[]): string {
  const nums = legal.every((v) => typeof v === "number") ? (legal as number[]) : undefined;
  if (nums && nums.length > 4 && nums.every((v, i) => i === 0 || v === nums[i - 1] + 1)) return `an integer from ${nums[0]} to ${nums.at(-1)}`;
  return legal.map((v) => JSON.stringify(v)).join(", ");
}
