import { readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { isLeftover } from "../../runtime/leftovers.ts";

// Temporaries of a compile that was killed (a `<key>.build-<pid>-<rand>` work directory in the
// cache, a `<file>.tmp-<pid>-<rand>` half-written file) would stay forever. They are removed by the
// next compile, but only when they cannot belong to a compile still running: their process is
// gone and they are older than this process (so a compile in another PID namespace that started
// after us, whose pid we cannot see, is left alone).

/**
 * The name of a temporary a compile makes: `<base>.<kind>-<pid>-<random>`, the random part 4 bytes
 * in hex — exactly 8 digits, so a user's `photos.build-2023-ff` is not one.
 */
export const TEMP_NAME = /^(.+)\.(build|tmp)-(\d+)-[0-9a-f]{8}$/;

/**
 * Removes stale temporaries directly inside `dir` (and one level down, for cache entries); returns
 * what it removed. `ours`: which bases are names a compile writes there (an output directory holds
 * the user's files too: only `model.cu.tmp-…` and its kind are a compile's).
 */
export function removeStaleTemporaries(dir: string, depth = 1, ours: (base: string) => boolean = () => true): string[] {
  const removed: string[] = [];
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return removed;
  }
  for (const e of entries) {
    const path = join(dir, e.name);
    const m = TEMP_NAME.exec(e.name);
    if (m && ours(m[1])) {
      try {
        if (isLeftover(Number(m[3]), statSync(path).mtimeMs)) {
          rmSync(path, { recursive: true, force: true });
          removed.push(path);
        }
      } catch {
        // gone already (another compile cleaned it): nothing to do
      }
    } else if (!m && depth > 0 && e.isDirectory()) removed.push(...removeStaleTemporaries(path, depth - 1, ours));
  }
  return removed;
}
