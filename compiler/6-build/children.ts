import { execa, type Result } from "execa";

// The compiler's children (g++ or nvcc, and the cc1plus / ptxas they start) run in a process group
// of their own, so that an interrupted compile can kill all of them at once: killing only the
// driver leaves cc1plus running as an orphan. While they run, SIGINT and SIGTERM kill the group,
// run the caller's cleanup (removing the work directory), and then end the process as the
// signal would have.

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

export async function runToolchain(command: readonly string[], cleanup: () => void): Promise<Result<{ reject: false; all: true }>> {
  // The handlers go in before the spawn. A signal that arrives after the spawn but before they
  // are installed takes its default action: Node ends, and the new process group compiles on as
  // an orphan. The handlers run on the event loop, so by the time one runs `child` is set.
  let child: ReturnType<typeof execa<{ reject: false; all: true; detached: true; cleanup: true }>> | undefined;
  const killGroup = () => {
    try {
      if (child?.pid) process.kill(-child.pid, "SIGKILL");
    } catch {
      // the group has already exited
    }
  };
  const onSignal = (signal: NodeJS.Signals) => {
    killGroup();
    cleanup();
    for (const s of SIGNALS) process.removeListener(s, onSignal);
    // Nobody else handles it: end as the default action would (exit status 128 + n).
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  for (const s of SIGNALS) process.on(s, onSignal);
  // Even a normal exit of Node while the child runs (an uncaught error elsewhere) takes the group down.
  process.on("exit", killGroup);
  try {
    child = execa(command[0], command.slice(1), { reject: false, all: true, detached: true, cleanup: true });
    return await child;
  } finally {
    for (const s of SIGNALS) process.removeListener(s, onSignal);
    process.removeListener("exit", killGroup);
  }
}
