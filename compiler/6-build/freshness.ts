import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { regularFileDigest } from "../../runtime/build-directory.ts";
import { digestMismatch, parseManifest, readManifestText } from "../../runtime/manifest.ts";
import { isFreshBuild, tsdpFingerprint } from "./up-to-date.mjs";

// A warm `tsdp compile` must not pay for parsing: the output directory records the hashes of the
// model's source files and of tsdp itself, and a compile whose inputs all hash the same reuses
// the directory as it is, but only after checking the outputs too: the manifest must be valid
// and sealed, the library must have the size and sha256 the manifest records, and the other
// files the hashes build.json records. A truncated library, an edited manifest or a directory
// half-updated by another build is rebuilt, never reported "up to date".

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
  /**
   * Files whose appearance changes the build (model.tune.json beside the model, when there was
   * none): the build is stale once one exists.
   */
  readonly absent?: readonly string[];
  /** sha256 of model.cu, model.h, index.js, index.d.ts, package.json when one is written, and manifest.json as written (added by the build). */
  readonly outputs?: Record<string, string>;
}

function hashFile(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

export { tsdpFingerprint };

export function buildRecord(file: string, sources: readonly string[], options: object, absent: readonly string[] = []): BuildRecord {
  return {
    version: 2,
    file: resolve(file),
    tsdp: tsdpFingerprint(),
    options: JSON.stringify(options),
    sources: Object.fromEntries(sources.map((s) => [resolve(s), hashFile(s)])),
    ...(absent.length ? { absent: absent.map((a) => resolve(a)) } : {}),
  };
}

/**
 * True when outDir holds a complete, intact build of exactly these inputs (up-to-date.mjs, shared
 * with bin/tsdp.js's shortcut), and its manifest is valid and sealed.
 */
export function isFresh(outDir: string, file: string, options: object): boolean {
  if (!isFreshBuild(outDir, file, JSON.stringify(options))) return false;
  try {
    const manifestPath = join(outDir, "manifest.json");
    const manifest = parseManifest(readManifestText(manifestPath), manifestPath);
    // streamed: an edited manifest's libraryBytes must not make the check hold a sparse file in memory
    const library = regularFileDigest(join(outDir, manifest.library), manifest.libraryBytes + 1);
    return digestMismatch(manifest, library.size, () => library.sha256) === null;
  } catch {
    return false;
  }
}
