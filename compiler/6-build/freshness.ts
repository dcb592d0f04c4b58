import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { readRegularFile } from "../../runtime/build-directory.ts";
import { libraryMismatch, parseManifest, readManifestText } from "../../runtime/manifest.ts";

// A warm `tsdp compile` must not pay for parsing: the output directory records the hashes of the
// model's source files and of tsdp itself, and a compile whose inputs all hash the same reuses
// the directory as it is, but only after checking the outputs too: the manifest must be valid
// and sealed, the library must have the size and sha256 the manifest records, and the other
// files the hashes build.json records. A truncated library, an edited manifest or a directory
// half-updated by another build is rebuilt, never reported "up to date".

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface BuildRecord {
  readonly version: 2;
  /** The model file (absolute), for the rebuild command in load's messages. */
  readonly file: string;
  /** Hash of tsdp's compiler, templates, shim, harness and DSL: a different tsdp means a rebuild. */
  readonly tsdp: string;
  /** The options that shaped the build. */
  readonly options: string;
  /** Every source file the frontend read, with its content hash. */
  readonly sources: Record<string, string>;
  /** sha256 of model.cu, model.h and manifest.json as written (added by the build). */
  readonly outputs?: Record<string, string>;
}

function hashFile(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

function walk(dir: string, out: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) walk(p, out);
    else if (/\.(ts|hbs|h|cu|json)$/.test(entry.name)) out.push(p);
  }
}

let tsdpHash: string | undefined;
export function tsdpFingerprint(): string {
  if (tsdpHash) return tsdpHash;
  const files: string[] = [];
  for (const d of ["compiler", "templates", "runtime/shim", "runtime/harness", "dsl"]) if (existsSync(join(root, d))) walk(join(root, d), files);
  const h = createHash("sha256");
  for (const f of files.sort()) h.update(f.slice(root.length)).update(readFileSync(f));
  tsdpHash = h.digest("hex");
  return tsdpHash;
}

export function buildRecord(file: string, sources: readonly string[], options: object): BuildRecord {
  return {
    version: 2,
    file: resolve(file),
    tsdp: tsdpFingerprint(),
    options: JSON.stringify(options),
    sources: Object.fromEntries(sources.map((s) => [resolve(s), hashFile(s)])),
  };
}

/** True when outDir holds a complete, intact build of exactly these inputs. */
export function isFresh(outDir: string, file: string, options: object): boolean {
  try {
    const record = JSON.parse(readRegularFile(join(outDir, "build.json"), 1 << 20).toString("utf8")) as BuildRecord;
    if (record.version !== 2 || record.options !== JSON.stringify(options) || record.tsdp !== tsdpFingerprint()) return false;
    if (record.file !== resolve(file) || !(resolve(file) in record.sources)) return false;
    for (const [path, hash] of Object.entries(record.sources)) if (!existsSync(path) || hashFile(path) !== hash) return false;
    return outputsIntact(outDir, record);
  } catch {
    return false;
  }
}

/** The outputs are the ones this record's build wrote, and the library is the one its manifest is sealed with. */
function outputsIntact(outDir: string, record: BuildRecord): boolean {
  const outputs = record.outputs ?? {};
  // Read as regular files only: a FIFO or a device planted in the directory must not hang the compile.
  const digest = (name: string) => createHash("sha256").update(readRegularFile(join(outDir, name), 1 << 30)).digest("hex");
  for (const name of ["model.cu", "model.h", "manifest.json"]) if (typeof outputs[name] !== "string" || digest(name) !== outputs[name]) return false;
  const manifestPath = join(outDir, "manifest.json");
  const manifest = parseManifest(readManifestText(manifestPath), manifestPath);
  return libraryMismatch(manifest, readRegularFile(join(outDir, manifest.library), manifest.libraryBytes + 1)) === null;
}
