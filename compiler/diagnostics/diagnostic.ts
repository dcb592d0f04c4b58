import { catalog, type DiagnosticKind } from "./catalog.ts";

/** A position in a model file; lines and columns count from 1. */
export interface SourceLoc {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  /** Length of the span on its first line, for the caret underline. */
  readonly length: number;
}

export interface Diagnostic {
  readonly code: string;
  readonly kind: DiagnosticKind;
  readonly message: string;
  readonly loc?: SourceLoc;
  readonly help?: string;
  /** Lines shown under the message (a tool's output), each printed on its own line. */
  readonly notes?: readonly string[];
  /** A warning is reported and the compile goes on (a stale tuning entry); anything else is an error. */
  readonly severity?: "warning";
  /**
   * The calls the error happened under, innermost first: a shape error in a helper called from
   * twenty places says which call it was (`in r, called from model.ts:30:12`).
   */
  readonly calledFrom?: readonly { readonly name: string; readonly loc: SourceLoc }[];
}

/** The most calls a diagnostic's `calledFrom` lists (a deep recursion's error would list thousands). */
const MAX_CALLERS = 8;

/**
 * The diagnostics of an error thrown inside a call to `name` made at `site`, with that call added
 * to each one's `calledFrom` (the frame a reader needs to tell twenty calls of one helper apart).
 */
export function calledFrom(e: unknown, name: string, site: SourceLoc): unknown {
  // a budget's error (a subclass) names its own place and ends the compile: left as it is
  if (!(e instanceof CompileError) || e.constructor !== CompileError) return e;
  return new CompileError(
    e.diagnostics.map((d) => withCallers(d, [{ name, loc: site }])),
    e.fatal,
  );
}

type Call = { readonly name: string; readonly loc: SourceLoc };
const sameLoc = (a: SourceLoc | undefined, b: SourceLoc) => a !== undefined && a.file === b.file && a.line === b.line && a.col === b.col;

/** `d` with `outer` calls (innermost first) after the ones it has, up to MAX_CALLERS; not the call the error itself points at. */
function withCallers(d: Diagnostic, outer: readonly Call[]): Diagnostic {
  const callers = [...(d.calledFrom ?? [])];
  for (const c of outer) if (callers.length < MAX_CALLERS && !(callers.length === 0 && sameLoc(d.loc, c.loc))) callers.push(c);
  return callers.length === (d.calledFrom?.length ?? 0) ? d : { ...d, calledFrom: callers };
}

export function diagnostic(kind: DiagnosticKind, message: string, loc?: SourceLoc): Diagnostic {
  const entry = catalog[kind];
  return { code: entry.code, kind, message, loc, help: "help" in entry ? entry.help : undefined };
}

/**
 * A diagnostic whose text has several lines (a compiler's report): the first is the message, the
 * others its notes. A message is one line, since the formatter escapes line breaks in it.
 */
export function multiline(kind: DiagnosticKind, text: string, loc?: SourceLoc): Diagnostic {
  const [first, ...rest] = text.split("\n");
  const notes = rest.filter((l) => l.trim() !== "");
  return { ...diagnostic(kind, first, loc), ...(notes.length ? { notes } : {}) };
}

/** Thrown to abandon the construct being compiled; the nearest recovery point records it. */
export class CompileError extends Error {
  constructor(
    readonly diagnostics: readonly Diagnostic[],
    /** A used-up compile budget: recovering and going on would only hit it again, so it ends the compile. */
    readonly fatal = false,
  ) {
    super(diagnostics.map((d) => `${d.code}: ${d.message}`).join("\n"));
    this.name = "CompileError";
  }
}

export function fail(kind: DiagnosticKind, message: string, loc?: SourceLoc): never {
  throw new CompileError([diagnostic(kind, message, loc)]);
}

/** Collects diagnostics so that one run reports every independent error in a file. */
export class DiagnosticBag {
  readonly items: Diagnostic[] = [];
  /** The calls under way (outermost first), added to what is recovered inside them: the interpreter's call sites. */
  calls: () => readonly Call[] = () => [];
  /** Keys of the items, so that a file with 100,000 errors is not quadratic to report. */
  private readonly keys = new Set<string>();
  add(d: Diagnostic): void {
    const key = `${d.code}\u0000${d.loc?.line}:${d.loc?.col}\u0000${d.message}`;
    if (this.keys.has(key)) return;
    this.keys.add(key);
    this.items.push(d);
  }
  /** Runs `f`; a CompileError is recorded and `fallback` returned instead. */
  recover<T>(f: () => T, fallback: T): T {
    return this.recoverWith(f, () => fallback);
  }
  recoverWith<T>(f: () => T, onError: () => T): T {
    try {
      return f();
    } catch (e) {
      if (!(e instanceof CompileError) || e.fatal) throw e;
      const open = [...this.calls()].reverse();
      for (const d of e.diagnostics) this.add(open.length ? withCallers(d, open) : d);
      return onError();
    }
  }
  get hasErrors(): boolean {
    return this.items.length > 0;
  }
  throwIfAny(): void {
    if (this.hasErrors) throw new CompileError(this.sorted());
  }
  sorted(): Diagnostic[] {
    return [...this.items].sort(
      (a, b) =>
        (a.loc?.file ?? "").localeCompare(b.loc?.file ?? "") ||
        (a.loc?.line ?? 0) - (b.loc?.line ?? 0) ||
        (a.loc?.col ?? 0) - (b.loc?.col ?? 0),
    );
  }
}
