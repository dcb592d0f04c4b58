// `tsdp launch`: torchrun standalone's job for one machine. It starts N processes of a script
// through Open MPI's mpirun (the engine's own launcher: it forms the MPI world the processes join at
// load({ distributed: true }), forwards signals, and stops every rank when one exits abnormally),
// shows rank 0's output as is and the others' prefixed with their rank, and, when the job fails,
// ends with one line naming the rank that failed and its last message. `tsdp launch --rdzv tcp`
// starts the ranks without mpirun instead (distributed-rdzv-launch.ts).
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createInterface } from "node:readline";
import { dirname, join, resolve } from "node:path";

export interface LaunchOptions {
  readonly nproc: number;
  readonly devicesPerProc: number;
  /** Seconds a collective may take (TSDP_DIST_TIMEOUT in every rank); undefined: the runtime's default. */
  readonly timeout?: number;
  readonly script: string;
  readonly args: readonly string[];
  /** Where the launcher's own lines and the ranks' output go (tests pass collectors). */
  readonly out?: (line: string) => void;
  readonly err?: (line: string) => void;
}

export class LaunchError extends Error {}

/** mpirun: TSDP_MPIRUN, else the one on PATH. */
export function findMpirun(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.TSDP_MPIRUN) return env.TSDP_MPIRUN;
  const probe = spawnSync("mpirun", ["--version"], { encoding: "utf8", env });
  return probe.status === 0 ? "mpirun" : undefined;
}

/** How a script runs in each rank: TypeScript through tsx's loader, JavaScript as is. */
export function scriptCommand(script: string): string[] {
  const path = resolve(script);
  if (!/\.[cm]?tsx?$/.test(path)) return [process.execPath, path];
  // resolved only for TypeScript: an installed tsdp runs JavaScript without tsx present
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
  return [process.execPath, "--import", tsx, path];
}

/** The rank's node command with torchrun's variables set first, from Open MPI's (launch-env.mjs). */
function withTorchrunEnvironment([node, ...rest]: string[]): string[] {
  return [node, "--import", pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), "launch-env.mjs")).href, ...rest];
}

/** mpirun's command line for the job. */
export function mpirunArguments(o: LaunchOptions, asRoot: boolean): string[] {
  return [
    "-np", String(o.nproc),
    // more ranks than cores is fine for a CPU-target job, and mpirun would refuse it otherwise
    "--oversubscribe", "--bind-to", "none",
    ...(asRoot ? ["--allow-run-as-root"] : []),
    // each line of the ranks' output tagged with its rank (parsed below)
    "--tag-output",
    // a rank waiting in a collective yields its core: ranks may outnumber cores
    "--mca", "mpi_yield_when_idle", "1",
    // shared memory without ptrace-based single copy, which containers often forbid
    "--mca", "btl_vader_single_copy_mechanism", "none",
    ...["TSDP_DEVICES_PER_PROC", "TSDP_DIST_TIMEOUT", "TSDP_LAUNCH_JOINED"].flatMap((v) => ["-x", v]),
    ...withTorchrunEnvironment(scriptCommand(o.script)),
    ...o.args,
  ];
}

const TAG = /^\[\d+,(\d+)\]<(stdout|stderr)>:(.*)$/;
// mpirun tags each write, not each line: a progress bar's redraws carry tags inside the line
const INNER_TAG = /\[\d+,\d+\]<(stdout|stderr)>:/g;
// mpirun's own reports of a rank that ended the job
const EXITED = /Process name:\s*\[\[\d+,\d+\],(\d+)\]\s*\n\s*Exit code:\s*(\d+)/;
const SIGNALED = /process rank (\d+) with PID \d+ on node \S+ exited on signal (\d+)(?: \(([^)]+)\))?/;

/** A rank's message among its last lines of stderr: the last error line (Node's "Error: …", tsdp's "tsdp: …"), else its last line. */
export function lastMessage(lines: readonly string[]): string | undefined {
  const errors = lines.filter((l) => /^\s*(\w*Error\b|tsdp\b)/.test(l));
  return (errors.at(-1) ?? lines.at(-1))?.trim();
}

/** A process's start time (field 22 of /proc/<pid>/stat), which tells it from a later process with the same id; undefined when it is gone. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/** The processes below `root` (its children, theirs, …) with their start times, from /proc (none where there is no /proc). */
export function descendants(root: number): Map<number, string> {
  const parent = new Map<number, number>();
  let entries: string[] = [];
  try {
    entries = readdirSync("/proc").filter((e) => /^\d+$/.test(e));
  } catch {
    return new Map();
  }
  const started = new Map<number, string>();
  for (const e of entries) {
    try {
      const stat = readFileSync(`/proc/${e}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      parent.set(Number(e), Number(fields[1]));
      started.set(Number(e), fields[19]);
    } catch {
      // gone meanwhile
    }
  }
  const found = new Map<number, string>();
  let frontier = [root];
  while (frontier.length) {
    const next: number[] = [];
    for (const [pid, ppid] of parent) if (frontier.includes(ppid) && !found.has(pid)) (found.set(pid, started.get(pid)!), next.push(pid));
    frontier = next;
  }
  return found;
}

/** Seconds a rank has to end after SIGTERM before it is killed (SIGKILL). */
export const GRACE_S = 5;

/** Runs the job; resolves to the exit status the launcher should end with (0 when every rank succeeded). */
export function launch(o: LaunchOptions): Promise<number> {
  const out = o.out ?? ((l: string) => process.stdout.write(l + "\n"));
  const err = o.err ?? ((l: string) => process.stderr.write(l + "\n"));
  const mpirun = findMpirun();
  if (!mpirun)
    throw new LaunchError("tsdp launch starts the ranks with Open MPI's mpirun, which is not installed: apt-get install openmpi-bin (Debian), or set TSDP_MPIRUN");
  // each rank marks its arrival at load() here (runtime/distributed.ts), so that a job whose ranks
  // gave up waiting for the others to join is reported with the ranks that never came
  const joined = mkdtempSync(join(tmpdir(), "tsdp-launch-"));
  const env: NodeJS.ProcessEnv = { ...process.env, TSDP_DEVICES_PER_PROC: String(o.devicesPerProc), TSDP_LAUNCH_JOINED: joined };
  if (o.timeout !== undefined) env.TSDP_DIST_TIMEOUT = String(o.timeout);
  const child = spawn(mpirun, mpirunArguments(o, process.getuid?.() === 0), { env, stdio: ["inherit", "pipe", "pipe"] });
  // the ranks (mpirun's descendants), seen while it runs: none may outlive the launcher, even where
  // mpirun ends before them (stopped by a signal while a rank is busy outside MPI)
  const ranks = new Map<number, string>();
  const look = () => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) for (const [pid, t] of descendants(child.pid)) ranks.set(pid, t);
  };
  const watcher = setInterval(look, 1000);
  const alive = () => [...ranks].filter(([pid, t]) => startTime(pid) === t).map(([pid]) => pid);
  const signalAll = (signal: NodeJS.Signals) => {
    for (const pid of alive())
      try {
        process.kill(pid, signal);
      } catch {
        // gone meanwhile
      }
  };
  /** After mpirun: the ranks left behind get SIGTERM, and SIGKILL after the grace period. */
  const reap = async () => {
    clearInterval(watcher);
    if (alive().length === 0) return;
    signalAll("SIGTERM");
    for (let waited = 0; waited < GRACE_S * 1000 && alive().length > 0; waited += 100) await new Promise((r) => setTimeout(r, 100));
    signalAll("SIGKILL");
  };

  const lastError = new Map<number, string[]>();
  let mpirunText = "";
  const onLine = (line: string, fromStderr: boolean) => {
    const m = TAG.exec(line);
    if (!m) {
      mpirunText += line + "\n";  // mpirun's own report: summarized at the end
      return;
    }
    const rank = Number(m[1]);
    const text = m[3].replace(INNER_TAG, "");
    if (m[2] === "stderr" && text.trim() !== "") lastError.set(rank, [...(lastError.get(rank) ?? []), text].slice(-40));
    const shown = rank === 0 ? text : `[rank ${rank}] ${text}`;
    (m[2] === "stderr" || fromStderr ? err : out)(shown);
  };
  createInterface({ input: child.stdout! }).on("line", (l) => onLine(l, false));
  createInterface({ input: child.stderr! }).on("line", (l) => onLine(l, true));

  // a signal goes to mpirun, which stops the ranks; whatever is left after the grace period is killed
  let escalation: NodeJS.Timeout | undefined;
  let stoppedBy: NodeJS.Signals | undefined;
  const forward = (signal: NodeJS.Signals) => () => {
    stoppedBy ??= signal;
    look();
    child.kill(signal);
    escalation ??= setTimeout(() => {
      signalAll("SIGKILL");
      child.kill("SIGKILL");
    }, GRACE_S * 1000);
  };
  const handlers = (["SIGINT", "SIGTERM", "SIGHUP"] as const).map((s) => [s, forward(s)] as const);
  for (const [s, h] of handlers) process.on(s, h);

  return new Promise((done, fail) => {
    child.on("error", (e) => fail(new LaunchError(`tsdp launch: cannot run ${mpirun}: ${e.message}`)));
    child.on("close", async (code, signal) => {
      await reap();
      if (escalation) clearTimeout(escalation);
      for (const [s, h] of handlers) process.off(s, h);
      const arrived = new Set(readdirSync(joined).map((f) => Number(f.replace(/^rank-/, ""))));
      rmSync(joined, { recursive: true, force: true });
      if (code === 0) return done(0);
      const exited = EXITED.exec(mpirunText);
      const signaled = SIGNALED.exec(mpirunText);
      const rank = exited ? Number(exited[1]) : signaled ? Number(signaled[1]) : undefined;
      const how = exited ? `exited with status ${exited[2]}` : signaled ? `was killed by signal ${signaled[2]}${signaled[3] ? ` (${signaled[3]})` : ""}` : undefined;
      if (stoppedBy) {
        err(`tsdp launch: stopped by ${stoppedBy}; the ranks were stopped`);
        return done(code && code > 0 ? code : 1);
      }
      if (rank === undefined) {
        if (mpirunText.trim()) err(mpirunText.trim());
        err(`tsdp launch: the job failed (mpirun ${signal ? `killed by ${signal}` : `exited with status ${code}`})`);
      } else {
        const said = lastMessage(lastError.get(rank) ?? []);
        // ranks that gave up waiting in load() for the others: name those that never reached it
        const missing = Array.from({ length: o.nproc }, (_, r) => r).filter((r) => !arrived.has(r));
        const absent = said && /for the other ranks to join the group/.test(said) && missing.length
          ? `. ${missing.length === 1 ? "Rank" : "Ranks"} ${missing.join(", ")} had not reached load()`
          : "";
        err(`tsdp launch: rank ${rank} of ${o.nproc} ${how}; the other ranks were stopped${said ? `. Its message: ${said}` : ""}${absent}`);
      }
      done(code && code > 0 ? code : 1);
    });
  });
}
