// Errors of the runtime, and the helpers of its messages ("did you mean", printable text).

// Text from outside (a path, a build.json or manifest field, a model file's names) is printed to a
// terminal: control characters — ESC sequences that rewrite the screen, line breaks and carriage
// returns that forge extra lines, bidi overrides and isolates that reorder what is shown — must
// not reach it as such. The compiler's diagnostics (compiler/diagnostics/format.ts) use the same.
export const CONTROL_CHARACTERS = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** `s` with each control character as a visible escape (\n, \r, \x1b, \u202e); tabs stay. */
export const printable = (s: string): string =>
  s.replace(CONTROL_CHARACTERS, (c) => (c === "\n" ? "\\n" : c === "\r" ? "\\r" : c.charCodeAt(0) < 0x100 ? `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}` : `\\u${c.charCodeAt(0).toString(16)}`));

/**
 * A name from outside (a checkpoint's tensor key or dtype, a state_dict key) as a message quotes
 * it: in double quotes with JSON's escapes (a quote, a backslash, C0 controls) and printable()'s
 * (bidi overrides, U+2028, C1 controls), so it can neither reach the terminal as a control nor
 * end its quotes early.
 */
export const quoted = (s: string): string => printable(JSON.stringify(s));

/** Whether `s` holds a character printable() would escape. */
export const hasControl = (s: string): boolean => new RegExp(CONTROL_CHARACTERS.source).test(s);

/** A C ABI function returned a non-zero code; the message includes `tsdp_last_error()`'s text. */
export class NativeError extends Error {
  override readonly name = "NativeError";
  /** The ABI function that failed, e.g. "tsdp_forward". */
  readonly function: string;
  /** Its non-zero return code. */
  readonly code: number;
  /** What tsdp_last_error() said ("" when it returned NULL). */
  readonly nativeMessage: string;

  constructor(message: string, fn: string, code: number, nativeMessage: string) {
    super(message);
    this.function = fn;
    this.code = code;
    this.nativeMessage = nativeMessage;
  }
}

/**
 * A method was called on a model in a state that forbids it: disposed, or with a
 * trainStepAsync / loadCheckpoint still running. Nothing reached native code.
 */
export class ModelStateError extends Error {
  override readonly name = "ModelStateError";
  /** "disposed": dispose() ran; "busy": an asynchronous operation is still in flight. */
  readonly state: "disposed" | "busy";

  constructor(message: string, state: "disposed" | "busy") {
    super(message);
    this.state = state;
  }
}

/**
 * A compiled model directory (or a cached build) failed verification: its manifest and library do
 * not belong together, a file is truncated or edited. The message says which file and the command
 * that rebuilds it.
 */
export class BuildDirectoryError extends Error {
  override readonly name = "BuildDirectoryError";
  /** The file that failed the check. */
  readonly file: string;

  constructor(message: string, file: string) {
    // its messages quote paths and manifest fields: each line printable (the line breaks between
    // a message and its list or hint stay; one inside a quoted name was escaped where it was quoted)
    super(message.split("\n").map(printable).join("\n"));
    this.file = file;
  }
}

/** Edit distance, for suggestions. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

/** The candidate closest to `name`, when it is close enough to be a likely typo. */
export function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = distance(name.toLowerCase(), c.toLowerCase());
    if (d < bestD) [best, bestD] = [c, d];
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}

/** " (did you mean "x"?)" or a short list of what exists. */
export function suggestion(name: string, candidates: readonly string[], what: string): string {
  const c = closest(name, candidates);
  if (c !== undefined) return `; did you mean "${c}"?`;
  if (candidates.length === 0) return `; the model has no ${what}`;
  const shown = candidates.slice(0, 8).map((n) => `"${n}"`).join(", ");
  return `; the model's ${what} are ${shown}${candidates.length > 8 ? `, … (${candidates.length} in all)` : ""}`;
}

/** How a value shows up in error messages: its type, not its contents. */
export function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (v === undefined) return "undefined";
  if (Array.isArray(v)) return "an array";
  if (ArrayBuffer.isView(v)) return v.constructor.name;
  if (typeof v === "object") return v.constructor && v.constructor !== Object ? `a ${v.constructor.name}` : "an object";
  if (typeof v === "string") return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v)}`;
  if (typeof v === "function") return "a function";
  return `${typeof v} ${String(v)}`;
}
