import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

// A warm `tsdp compile` must not pay for parsing: the output directory records the hashes of the
// model's source files and of tsdp itself, and a compile whose inputs all hash the same reuses
// the directory as it is.

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface BuildRecord {
  readonly version: 1;
  /** Hash of tsdp's compiler, templates, shim and DSL: a different tsdp means a rebuild. */
  readonly tsdp: string;
  /** The options that shaped the build. */
  readonly options: string;
  /** Every source file the frontend read, with its content hash. */
  readonly sources: Record<string, string>;
}

function hashFile(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

function walk(dir: string, out: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) walk(p, out);
    else if (/\.(ts|hbs|h|json)$/.test(entry.name)) out.push(p);
  }
}

let tsdpHash: string | undefined;
export function tsdpFingerprint(): string {
  if (tsdpHash) return tsdpHash;
  const files: string[] = [];
  for (const d of ["compiler", "templates", "runtime/shim", "dsl"]) if (existsSync(join(root, d))) walk(join(root, d), files);
  const h = createHash("sha256");
  for (const f of files.sort()) h.update(f.slice(root.length)).update(readFileSync(f));
  tsdpHash = h.digest("hex");
  return tsdpHash;
}

export function buildRecord(sources: readonly string[], options: object): BuildRecord {
  return {
    version: 1,
    tsdp: tsdpFingerprint(),
    options: JSON.stringify(options),
    sources: Object.fromEntries(sources.map((s) => [resolve(s), hashFile(s)])),
  };
}

/** True when outDir holds a complete build of exactly these inputs. */
export function isFresh(outDir: string, file: string, options: object): boolean {
  try {
    const record = JSON.parse(readFileSync(join(outDir, "build.json"), "utf8")) as BuildRecord;
    if (record.version !== 1 || record.options !== JSON.stringify(options) || record.tsdp !== tsdpFingerprint()) return false;
    if (!(resolve(file) in record.sources)) return false;
    for (const [path, hash] of Object.entries(record.sources)) if (!existsSync(path) || hashFile(path) !== hash) return false;
    const manifest = JSON.parse(readFileSync(join(outDir, "manifest.json"), "utf8")) as { library?: string };
    return typeof manifest.library === "string" && statSync(join(outDir, manifest.library)).isFile();
  } catch {
    return false;
  }
}
