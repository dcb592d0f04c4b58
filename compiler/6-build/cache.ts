import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { readRegularFile } from "../../runtime/build-directory.ts";
import { sha256, type KernelResources } from "../../runtime/manifest.ts";
import { acquireLock, releaseLock } from "./cache-lock.ts";
import { touchEntry, trimCache } from "./cache-trim.ts";

// The build cache: one directory of entries `<key>/`, the key a hash of everything that goes into
// what the entry holds (for a model library: the generated code, the command, the toolchain and
// the shim). Model libraries, the shim's test programs and nvcc's compile checks all use it.
//
// An entry is built at most once at a time: `cachedEntry` takes the entry's lock (cache-lock.ts)
// before building, so two workers or two `tsdp compile`s that need the same entry build it once,
// and the second waits and reads it. A builder works in `<key>.build-<pid>-<rand>` and renames that
// directory to `<key>`, so an entry appears whole or not at all; what a killed build leaves
// behind (its work directory, its lock) is recovered by the next one (leftovers.ts, cache-lock.ts).
//
// Library entries (~/.cache/tsdp/<key>/libmodel.so) are served only after their bytes are checked
// against the sha256 and size recorded beside them when they were stored, and against the manifest
// hash the library must embed; an entry that fails (truncated, edited, from an older tsdp) is
// rebuilt, so nothing bad is copied into new outputs.

/** Where entries live: $TSDP_CACHE_DIR, else $XDG_CACHE_HOME/tsdp, else ~/.cache/tsdp. */
export function cacheDirectory(): string {
  // An empty variable counts as unset: "" would put the cache in whatever directory tsdp runs in.
  const set = (v: string | undefined) => (v && v.trim() !== "" ? resolve(v) : undefined);
  return set(process.env.TSDP_CACHE_DIR) ?? join(set(process.env.XDG_CACHE_HOME) ?? join(homedir(), ".cache"), "tsdp");
}

/** An entry's key: sha256 of the parts (NUL-separated, so ["ab", "c"] and ["a", "bc"] differ), 32 hex digits. */
export function cacheKey(...parts: readonly (string | Uint8Array)[]): string {
  const h = createHash("sha256");
  for (const p of parts) h.update(p).update("\0");
  return h.digest("hex").slice(0, 32);
}

export interface EntryRecipe<T> {
  /** What the entry at `dir` holds, verified; undefined when it is missing or unsound. */
  read(dir: string): T | undefined;
  /**
   * Fills `work` (an empty directory) with the entry. `abandon` removes the work directory and
   * releases the lock, for a signal handler that ends the process mid-build.
   */
  build(work: string, abandon: () => void): Promise<void>;
}

export interface Entry<T> {
  readonly value: T;
  readonly dir: string;
  /** false when this call built the entry. */
  readonly hit: boolean;
}

/** The entry `key` of `cacheDir`: read when sound, else built once (waiting for another builder of it). */
export async function cachedEntry<T>(cacheDir: string, key: string, recipe: EntryRecipe<T>): Promise<Entry<T>> {
  const dir = join(cacheDir, key);
  const found = recipe.read(dir);
  if (found !== undefined) {
    touchEntry(dir);
    return { value: found, dir, hit: true };
  }
  makeDirectory(cacheDir);
  const lock = `${dir}.lock`;
  await acquireLock(lock);
  const work = `${dir}.build-${process.pid}-${randomBytes(4).toString("hex")}`;
  const abandon = () => {
    rmSync(work, { recursive: true, force: true });
    releaseLock(lock);
  };
  try {
    // Whoever held the lock before us may have built it.
    const built = recipe.read(dir);
    if (built !== undefined) {
      touchEntry(dir);
      return { value: built, dir, hit: true };
    }
    makeDirectory(work);
    await recipe.build(work, abandon);
    rmSync(dir, { recursive: true, force: true });
    try {
      renameSync(work, dir);
    } catch (e) {
      // A builder that broke the same stale lock as we did installed its entry first: use it.
      const theirs = recipe.read(dir);
      if (theirs !== undefined) return { value: theirs, dir, hit: false };
      throw e;
    }
    const value = recipe.read(dir);
    if (value === undefined) throw new Error(`cache entry ${dir} is unsound right after it was built`);
    // a new entry: the least recently used go while the cache is past its bound (cache-trim.ts)
    trimCache(cacheDir, dir);
    return { value, dir, hit: false };
  } finally {
    abandon();
  }
}

const LIBRARY = "libmodel.so";
const DIGEST = "libmodel.so.sha256";

/**
 * Writes `data` to `path` through a temporary file and a rename: readers see the old file or the new
 * one. Never through a symlink at either name: the temporary file is created exclusively ("wx"),
 * and the rename replaces a link at `path` itself, not the file it points to.
 */
export function writeAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  try {
    writeFileSync(tmp, data, { flag: "wx" });
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * Creates `path` holding `data`, never writing through what is at that name: a stale file or a
 * symlink planted there (in a directory others can write) is removed first — the link itself, not
 * the file it points to — and the file is opened exclusively ("wx": O_CREAT|O_EXCL, which fails on
 * any symlink, dangling or not), so a link planted after the removal fails the write instead of
 * redirecting it.
 */
export function writeExclusive(path: string, data: string | Uint8Array): void {
  rmSync(path, { force: true });
  writeFileSync(path, data, { flag: "wx" });
}

/**
 * Files written beside their final names first, then renamed into place together: a write that
 * fails (a full disk) leaves every final file as it was, so a directory never holds half of one
 * build and half of another. `install` renames in the order the files were added.
 */
export class StagedFiles {
  private readonly staged: { tmp: string; path: string }[] = [];

  add(path: string, data: string | Uint8Array): void {
    const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
    this.staged.push({ tmp, path });
    try {
      // exclusively: a link planted at the temporary name fails the write instead of redirecting it
      writeFileSync(tmp, data, { flag: "wx" });
    } catch (e) {
      this.abandon();
      throw e;
    }
  }

  install(): void {
    try {
      for (const { tmp, path } of this.staged) renameSync(tmp, path);
    } finally {
      this.abandon();
    }
  }

  /** Removes what is still staged (after a failure, or what install did not reach). */
  abandon(): void {
    for (const { tmp } of this.staged.splice(0)) rmSync(tmp, { force: true });
  }
}

/** The library of the entry at `entry`, verified; undefined when there is none or it fails its checks (the caller rebuilds it). */
export function readCachedLibrary(entry: string, sourceHash: string): Buffer | undefined {
  let bytes: Buffer;
  let digest: string;
  try {
    digest = readRegularFile(join(entry, DIGEST), 256).toString("utf8");
    bytes = readRegularFile(join(entry, LIBRARY), 2 ** 32 - 1);
  } catch {
    return undefined;
  }
  const [sha, size] = digest.trim().split(" ");
  // The library returns its manifest's hash from a string constant, so its bytes hold that text.
  if (sha !== sha256(bytes) || Number(size) !== bytes.length || !bytes.includes(sourceHash)) return undefined;
  return bytes;
}

/** Seals a freshly built library in its entry's work directory: the digest that vouches for its bytes. */
export function sealCachedLibrary(work: string, bytes: Uint8Array): void {
  writeAtomic(join(work, DIGEST), `${sha256(bytes)} ${bytes.length}\n`);
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
export function storeCachedResources(work: string, resources: readonly KernelResources[]): void {
  writeAtomic(join(work, RESOURCES), JSON.stringify(resources) + "\n");
}

/** The entry's ptxas report, or undefined when there is none or it is unreadable (the manifest then has none). */
export function readCachedResources(entry: string): KernelResources[] | undefined {
  try {
    const list = JSON.parse(readRegularFile(join(entry, RESOURCES), 16 << 20).toString("utf8")) as unknown;
    return Array.isArray(list) ? (list as KernelResources[]) : undefined;
  } catch {
    return undefined;
  }
}
