// Temporaries that killed processes leave behind — a half-written checkpoint, a compile's work
// directory — are removed by the next writer, but only when no writer still running can own them:
// last modified before this process started (a writer in another PID namespace that started after
// us has an id we cannot check), and their process is gone. Shared by checkpoint saves
// (runtime/safetensors.ts) and compiles (compiler/6-build/leftovers.ts), which name their
// temporaries differently.

/** When this process started, in the clock of file modification times (ms since the epoch). */
export const processStartedAt = performance.timeOrigin;

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"; // it exists, owned by someone else
  }
}

/** Whether a temporary written by process `pid`, last modified at `mtimeMs`, is a dead writer's. */
export function isLeftover(pid: number, mtimeMs: number): boolean {
  if (mtimeMs >= processStartedAt) return false;
  // older than this process and carrying its id: an earlier process that had the same id
  return pid === process.pid || !processAlive(pid);
}
