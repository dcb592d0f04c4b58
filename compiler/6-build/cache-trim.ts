import { randomBytes } from "node:crypto";
import { existsSync, lstatSync, readdirSync, renameSync, rmSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { fail } from "../diagnostics/diagnostic.ts";

// Keeping the build cache bounded. Every distinct model (and every change to one, and every tsdp
// version) adds a library entry of a few MB; without a bound ~/.cache/tsdp grew to 24 GB on this
// project's own machine. Every tsdp version, compile flavor and compiler adds the entries every
// library of that kind shares too: the harness's objects (harness-<key>, up to ~6 MB), the
// precompiled shim (pch-<key>, ~90 MB: precompiled-shim.ts) and the Gloo shim (gloo-<key>); an
// upgrade leaves the old ones unused for good, so they are bounded with the libraries, by the same
// rule. After each new entry, the least recently used entries go until the
// cache is back under 80 % of its limit (ccache's habit: one sweep buys room for many builds).
// "Used" is an entry's directory mtime, set when it is built and touched at each hit. An entry used
// in the last ten minutes stays whatever the size (another compile may be copying from it), as
// does one being rebuilt (its lock exists). An entry goes by a rename to a temporary name first
// (leftovers.ts removes it if this process dies mid-way), so a reader sees it whole or not at all;
// a reader that loses it rebuilds it (cache.ts checks every entry it reads).

/** The cache's default bound, in MB (TSDP_CACHE_MAX_MB overrides it). */
export const DEFAULT_CACHE_MAX_MB = 5000;

/** Entries used this recently are never evicted. */
export const RECENT_MS = 10 * 60 * 1000;

/** The kinds of entry every library of a kind shares (the harness's objects, the precompiled shim, the Gloo shim). */
const SHARED_KINDS = ["harness", "pch", "gloo"] as const;

/** A shared entry's name, `<kind>-<key>`: every one is named here, so the trim below bounds it with the libraries. */
export const sharedEntry = (kind: (typeof SHARED_KINDS)[number], key: string): string => `${kind}-${key}`;

/**
 * An entry: a model library's (its key, cache.ts cacheKey) or a shared one's (sharedEntry). Other
 * names (commands/, locks, work directories, temporaries) are left alone.
 */
const ENTRY = new RegExp(`^(?:(?:${SHARED_KINDS.join("|")})-)?[0-9a-f]{32}$`);

/**
 * The cache's bound in bytes: TSDP_CACHE_MAX_MB, else DEFAULT_CACHE_MAX_MB. A value that is not a
 * positive number is TSDP3004; compile() and buildModel() read it first, so a bad one stops a build
 * before its work, not after it (when the new entry would trim the cache).
 */
export function cacheLimitBytes(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.TSDP_CACHE_MAX_MB;
  if (text === undefined || text.trim() === "") return DEFAULT_CACHE_MAX_MB * 2 ** 20;
  const mb = Number(text);
  if (!Number.isFinite(mb) || mb <= 0) fail("invalidArgument", `TSDP_CACHE_MAX_MB must be a positive number of megabytes, got ${JSON.stringify(text)}`);
  return mb * 2 ** 20;
}

/** Marks the entry at `dir` used now (the eviction's order). A failure only makes it look older. */
export function touchEntry(dir: string): void {
  try {
    const now = new Date();
    utimesSync(dir, now, now);
  } catch {
    // (read-only cache, or the entry just went): nothing to record
  }
}

/** Bytes under `path` (files and links as lstat sees them; what cannot be read counts 0). */
function bytesUnder(path: string): number {
  try {
    const s = lstatSync(path);
    if (!s.isDirectory()) return s.size;
    return readdirSync(path).reduce((sum, name) => sum + bytesUnder(join(path, name)), 0);
  } catch {
    return 0;
  }
}

/**
 * Removes least recently used entries of `cacheDir` while it holds more than `limit` bytes of
 * them, down to 80 % of it; never `keep` (the entry just built), one used within
 * RECENT_MS of `now`, or one with a lock. Returns the keys removed, oldest first.
 */
export function trimCache(cacheDir: string, keep: string, limit = cacheLimitBytes(), now = Date.now()): string[] {
  let names: string[];
  try {
    names = readdirSync(cacheDir).filter((n) => ENTRY.test(n));
  } catch {
    return [];
  }
  const entries = names
    .map((name) => {
      const dir = join(cacheDir, name);
      try {
        return { name, dir, used: lstatSync(dir).mtimeMs, bytes: bytesUnder(dir) };
      } catch {
        return undefined; // gone meanwhile
      }
    })
    .filter((e) => e !== undefined);
  let total = entries.reduce((sum, e) => sum + e.bytes, 0);
  if (total <= limit) return [];
  const removed: string[] = [];
  for (const e of entries.sort((a, b) => a.used - b.used)) {
    if (total <= 0.8 * limit) break;
    if (e.dir === keep || now - e.used < RECENT_MS || existsSync(`${e.dir}.lock`)) continue;
    const gone = `${e.dir}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
    try {
      renameSync(e.dir, gone);
    } catch {
      continue; // another compile removed or replaced it
    }
    rmSync(gone, { recursive: true, force: true });
    total -= e.bytes;
    removed.push(e.name);
  }
  return removed;
}
