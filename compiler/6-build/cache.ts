import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { readRegularFile } from "../../runtime/build-directory.ts";
import { sha256, type KernelResources } from "../../runtime/manifest.ts";

// The library cache (~/.cache/tsdp/<key>/libmodel.so, key = hash of the generated code, the
// command and the toolchain). An entry is served only after its bytes are checked against the
// sha256 and size recorded beside it when it was stored, and against the manifest hash the
// library must embed; an entry that fails (truncated, edited, left half-written by a killed
// compile, from an older tsdp) is deleted and rebuilt, so nothing bad is copied into new outputs.

const LIBRARY = "libmodel.so";
const DIGEST = "libmodel.so.sha256";

/** Writes `data` to `path` through a temporary file and a rename: readers see the old file or the new one. */
export function writeAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** The entry's library, verified; undefined when there is none or it failed (then it is gone). */
export function readCachedLibrary(cacheDir: string, key: string, sourceHash: string): Buffer | undefined {
  const entry = join(cacheDir, key);
  let bytes: Buffer;
  let digest: string;
  try {
    digest = readRegularFile(join(entry, DIGEST), 256).toString("utf8");
    bytes = readRegularFile(join(entry, LIBRARY), 2 ** 32 - 1);
  } catch {
    // Nothing usable: a missing digest means the store never finished.
    rmSync(entry, { recursive: true, force: true });
    return undefined;
  }
  const [sha, size] = digest.trim().split(" ");
  // The library returns its manifest's hash from a string constant, so its bytes hold that text.
  if (sha !== sha256(bytes) || Number(size) !== bytes.length || !bytes.includes(sourceHash)) {
    rmSync(entry, { recursive: true, force: true });
    return undefined;
  }
  return bytes;
}

/** Stores a freshly built library: the bytes first, the digest that vouches for them last. */
export function storeCachedLibrary(cacheDir: string, key: string, bytes: Uint8Array): void {
  const entry = join(cacheDir, key);
  makeDirectory(entry);
  writeAtomic(join(entry, LIBRARY), bytes);
  writeAtomic(join(entry, DIGEST), `${sha256(bytes)} ${bytes.length}\n`);
}

/**
 * mkdir -p, one level at a time. Node's own recursive mkdir never returns on some paths (under
 * /proc it retries ENOENT forever); this one fails with the first error instead.
 */
export function makeDirectory(path: string): void {
  const missing: string[] = [];
  for (let p = resolve(path); !existsSync(p); p = dirname(p)) {
    missing.push(p);
    if (dirname(p) === p) break;
  }
  for (const p of missing.reverse()) {
    try {
      mkdirSync(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
  }
}

const RESOURCES = "resources.json";

/** What ptxas reported when the entry's library was built (a cache hit runs no ptxas), kept beside it. */
export function storeCachedResources(cacheDir: string, key: string, resources: readonly KernelResources[]): void {
  writeAtomic(join(cacheDir, key, RESOURCES), JSON.stringify(resources) + "\n");
}

/** The entry's ptxas report, or undefined when there is none or it is unreadable (the manifest then has none). */
export function readCachedResources(cacheDir: string, key: string): KernelResources[] | undefined {
  try {
    const list = JSON.parse(readRegularFile(join(cacheDir, key, RESOURCES), 16 << 20).toString("utf8")) as unknown;
    return Array.isArray(list) ? (list as KernelResources[]) : undefined;
  } catch {
    return undefined;
  }
}
