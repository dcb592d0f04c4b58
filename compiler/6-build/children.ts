import { execa, type Result } from "execa";

// The compiler's children (g++ or nvcc, and the cc1plus / ptxas they start) run in a process group
// of their own, so that an interrupted compile can kill all of them at once: killing only the
// driver leaves cc1plus running as an orphan. While they run, SIGINT and SIGTERM kill the groups,
// run the callers' cleanups (removing the work directories), and then end the process as the
// signal would have.
//
// One set of handlers serves every toolchain run in flight (a test file or `tsdp compile` of the
// harness and the model builds several at once): a pair of handlers per run made Node warn of a
// listener leak past ten concurrent builds.

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

interface Running {
  pid?: number;
  readonly cleanup: () => void;
}

const running = new Set<Running>();

function killGroup(run: Running): void {
  try {
    if (run.pid) process.kill(-run.pid, "SIGKILL");
  } catch {
    // the group has already exited
  }
}

function killAll(): void {
  for (const run of running) killGroup(run);
}

function onSignal(signal: NodeJS.Signals): void {
  const runs = [...running];
  running.clear();
  uninstall();
  for (const run of runs) {
    killGroup(run);
    run.cleanup();
  }
  // Nobody else handles it: end as the default action would (exit status 128 + n).
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function install(): void {
  for (const s of SIGNALS) process.on(s, onSignal);
  // Even a normal exit of Node while a child runs (an uncaught error elsewhere) takes the groups down.
  process.on("exit", killAll);
}

function uninstall(): void {
  for (const s of SIGNALS) process.removeListener(s, onSignal);
  process.removeListener("exit", killAll);
}

export async function runToolchain(command: readonly string[], cleanup: () => void): Promise<Result<{ reject: false; all: true }>> {
  // The handlers go in before the spawn. A signal that arrives after the spawn but before they
  // are installed takes its default action: Node ends, and the new process group compiles on as
  // an orphan. The handlers run on the event loop, so by the time one runs `run.pid` is set.
  const run: Running = { cleanup };
  if (running.size === 0) install();
  running.add(run);
  try {
    const child = execa(command[0], command.slice(1), { reject: false, all: true, detached: true, cleanup: true });
    run.pid = child.pid;
    return await child;
  } finally {
    if (running.delete(run) && running.size === 0) uninstall();
  }
}
