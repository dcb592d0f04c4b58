import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { CONTROL_CHARACTERS, printable } from "../../runtime/errors.ts";
import type { Diagnostic } from "./diagnostic.ts";

export interface FormatOptions {
  /** Paths are printed relative to this directory. */
  cwd?: string;
  /** Source text by file, so tests need not touch the disk. */
  sources?: Map<string, string>;
  color?: boolean;
}

const paint = (on: boolean, code: string) => (s: string) => (on ? `\x1b[${code}m${s}\x1b[0m` : s);

// A model file is untrusted text, and diagnostics quote it (messages, paths, code frames) to a
// terminal: control characters — ESC sequences that rewrite the screen, line breaks that forge
// extra "error" lines, bidi overrides that reorder what is shown — must not reach it as such.
// Messages and paths: each control character as a visible escape (\n, \x1b, \u202e), by the
// runtime's helper, which its own messages use too.
export { printable };
/** Code frames: each control character as one U+FFFD, so the caret under the line stays aligned. */
const printableLine = (s: string) => s.replace(CONTROL_CHARACTERS, "\ufffd");

/** The most characters of a source line a code frame shows. */
const FRAME_WIDTH = 160;

/**
 * Renders a diagnostic as
 *   error TSDP4001: nn.Linear expects 800 input features, got 1250 from [Batch, 50, 5, 5]
 *     --> model.ts:12:16
 *      |
 *   12 |     x = F.relu(this.fc1(x));
 *      |                ^^^^^^^^^^^
 *      = help: ...
 */
export function formatDiagnostic(d: Diagnostic, opts: FormatOptions = {}): string {
  const red = paint(opts.color ?? false, "1;31");
  const blue = paint(opts.color ?? false, "1;34");
  const yellow = paint(opts.color ?? false, "1;33");
  const out = [`${d.severity === "warning" ? yellow(`warning ${d.code}`) : red(`error ${d.code}`)}: ${printable(d.message)}`];
  // each note its own line, escaped like the message (a tool's output may quote model text)
  for (const note of d.notes ?? []) out.push(`  ${printable(note)}`);
  if (d.loc) {
    const file = opts.cwd ? relative(opts.cwd, d.loc.file) || d.loc.file : d.loc.file;
    out.push(`  ${blue("-->")} ${printable(file)}:${d.loc.line}:${d.loc.col}`);
    const line = sourceLine(d.loc.file, d.loc.line, opts.sources);
    if (line !== undefined) {
      const gutter = " ".repeat(String(d.loc.line).length);
      // a long line (a minified file, a tuning value of megabytes) is shown as a window around the
      // column, so that a message never repeats more of it than a screen holds
      const from = line.length > FRAME_WIDTH ? Math.max(0, Math.min(d.loc.col - 1 - 40, line.length - FRAME_WIDTH)) : 0;
      const shown = line.slice(from, from + FRAME_WIDTH);
      const text = (from > 0 ? "…" : "") + shown + (from + FRAME_WIDTH < line.length ? "…" : "");
      const col = d.loc.col - from + (from > 0 ? 1 : 0);
      const width = Math.max(1, Math.min(d.loc.length, shown.length - (d.loc.col - 1 - from)));
      out.push(`${gutter} ${blue("|")}`);
      out.push(`${blue(String(d.loc.line))} ${blue("|")} ${printableLine(text)}`);
      out.push(`${gutter} ${blue("|")} ${" ".repeat(Math.max(0, col - 1))}${red("^".repeat(width))}`);
      if (d.help) out.push(`${gutter} ${blue("=")} help: ${d.help}`);
    } else if (d.help) out.push(`   = help: ${d.help}`);
  } else if (d.help) out.push(`   = help: ${d.help}`);
  // the calls it happened under, innermost first
  for (const c of d.calledFrom ?? []) {
    const file = opts.cwd ? relative(opts.cwd, c.loc.file) || c.loc.file : c.loc.file;
    out.push(`   = in ${printable(c.name)}, called from ${printable(file)}:${c.loc.line}:${c.loc.col}`);
  }
  return out.join("\n");
}

export function formatDiagnostics(ds: readonly Diagnostic[], opts: FormatOptions = {}): string {
  const n = ds.length;
  const warnings = ds.filter((d) => d.severity === "warning").length;
  const errors = n - warnings;
  const count = [errors ? `${errors} error${errors === 1 ? "" : "s"}` : "", warnings ? `${warnings} warning${warnings === 1 ? "" : "s"}` : ""].filter(Boolean).join(", ") || "0 errors";
  return [...ds.map((d) => formatDiagnostic(d, opts)), count].join("\n\n");
}

function sourceLine(file: string, line: number, sources?: Map<string, string>): string | undefined {
  let text = sources?.get(file);
  if (text === undefined) {
    try {
      text = readFileSync(file, "utf8");
    } catch {
      return undefined;
    }
  }
  // TypeScript's own line breaks, so line numbers agree with the compiler's
  return text.split(/\r\n|[\r\n\u2028\u2029]/)[line - 1]?.replace(/\t/g, " ");
}
