import { readFileSync } from "node:fs";
import { relative } from "node:path";
import type { Diagnostic } from "./diagnostic.ts";

export interface FormatOptions {
  /** Paths are printed relative to this directory. */
  cwd?: string;
  /** Source text by file, so tests need not touch the disk. */
  sources?: Map<string, string>;
  color?: boolean;
}

const paint = (on: boolean, code: string) => (s: string) => (on ? `\x1b[${code}m${s}\x1b[0m` : s);

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
  const out = [`${red(`error ${d.code}`)}: ${d.message}`];
  if (d.loc) {
    const file = opts.cwd ? relative(opts.cwd, d.loc.file) || d.loc.file : d.loc.file;
    out.push(`  ${blue("-->")} ${file}:${d.loc.line}:${d.loc.col}`);
    const text = sourceLine(d.loc.file, d.loc.line, opts.sources);
    if (text !== undefined) {
      const gutter = " ".repeat(String(d.loc.line).length);
      const width = Math.max(1, Math.min(d.loc.length, text.length - d.loc.col + 1));
      out.push(`${gutter} ${blue("|")}`);
      out.push(`${blue(String(d.loc.line))} ${blue("|")} ${text}`);
      out.push(`${gutter} ${blue("|")} ${" ".repeat(d.loc.col - 1)}${red("^".repeat(width))}`);
      if (d.help) out.push(`${gutter} ${blue("=")} help: ${d.help}`);
    } else if (d.help) out.push(`   = help: ${d.help}`);
  } else if (d.help) out.push(`   = help: ${d.help}`);
  return out.join("\n");
}

export function formatDiagnostics(ds: readonly Diagnostic[], opts: FormatOptions = {}): string {
  const n = ds.length;
  return [...ds.map((d) => formatDiagnostic(d, opts)), `${n} error${n === 1 ? "" : "s"}`].join("\n\n");
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
  return text.split(/\r?\n/)[line - 1]?.replace(/\t/g, " ");
}
