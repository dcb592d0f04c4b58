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
      for (const d of e.diagnostics) this.add(d);
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
