import { readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from "node:fs";
import { isLeftover, processAlive } from "../../runtime/leftovers.ts";

// One builder per cache entry: whoever creates `<key>.lock` (O_EXCL) builds, and everyone else who
// needs the same entry waits for the lock to go, then reads what the builder stored. The lock holds
// its owner's pid and pid namespace. A lock whose owner is dead is stale and is broken: at once
// when the owner was in our pid namespace (its pid is then conclusive), otherwise by the project's
// leftover rule (runtime/leftovers.ts: older than this process and its pid gone).
//
// Breaking a stale lock is not atomic with taking it: two waiters that both find the same dead
// owner can both build. That costs a duplicate build, never a wrong entry (entries are installed
// by rename, and every reader verifies what it reads), so it is accepted rather than guarded.

const POLL_MS = 100;

/** This process's pid namespace ("pid:[4026531836]"), or "" where /proc does not say. */
const pidNamespace = (() => {
  try {
    return readlinkSync("/proc/self/ns/pid");
  } catch {
    return "";
  }
})();

interface Owner {
  readonly pid: number;
  readonly namespace: string;
}

function readOwner(lock: string): Owner | undefined {
  try {
    const [pid, namespace = ""] = readFileSync(lock, "utf8").split("\n");
    return /^\d+$/.test(pid) ? { pid: Number(pid), namespace } : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the lock at `lock` belongs to nobody alive; false when it is gone or cannot be judged yet. */
export function isStaleLock(lock: string): boolean {
  let mtimeMs: number;
  try {
    mtimeMs = statSync(lock).mtimeMs;
  } catch {
    return false; // released meanwhile
  }
  const owner = readOwner(lock);
  // A lock with no pid yet is being written (create and write are two steps); one that stays
  // unreadable for long after we started is a writer's that died between them.
  if (!owner) return mtimeMs < performance.timeOrigin - 10_000;
  if (owner.namespace !== "" && owner.namespace === pidNamespace) return !processAlive(owner.pid);
  return isLeftover(owner.pid, mtimeMs);
}

/** Takes the lock, waiting while a live owner holds it. Returns whether this call had to wait. */
export async function acquireLock(lock: string): Promise<boolean> {
  let waited = false;
  for (;;) {
    try {
      writeFileSync(lock, `${process.pid}\n${pidNamespace}\n`, { flag: "wx" });
      return waited;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    if (isStaleLock(lock)) {
      rmSync(lock, { force: true });
      continue;
    }
    waited = true;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** Releases a lock this process holds (only if it is still ours: a broken one may be another's now). */
export function releaseLock(lock: string): void {
  const owner = readOwner(lock);
  if (owner?.pid === process.pid && owner.namespace === pidNamespace) rmSync(lock, { force: true });
}
