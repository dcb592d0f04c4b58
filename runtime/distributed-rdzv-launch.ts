// `tsdp launch --rdzv tcp`: torchrun's job without mpirun. It starts this machine's ranks itself
// with the torchrun-style environment (RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE,
// MASTER_ADDR, MASTER_PORT); they meet at rank 0's rendezvous store and sum with Gloo
// (runtime/distributed.ts). With --nnodes and --node-rank it runs one machine's share of a job
// over several, started the same way on each. Like the mpirun launcher it shows rank 0's output as
// is and the others' prefixed, forwards signals, and fails fast: when a rank fails, the others
// here are stopped and it ends with one line naming that rank and its last message. Ranks on the
// other machines are stopped by their own collectives' failure (the connection closes) or timeout.
import { spawn, type ChildProcess } from "node:child_process";
import { createServer, type AddressInfo } from "node:net";
import { createInterface } from "node:readline";
import { LaunchError, lastMessage, scriptCommand, type LaunchOptions } from "./distributed-launch.ts";

export interface RendezvousLaunchOptions extends LaunchOptions {
  /** Machines in the job (1: this one alone). */
  readonly nnodes: number;
  /** This machine's index among them: its ranks are nodeRank·nproc … nodeRank·nproc + nproc − 1. */
  readonly nodeRank: number;
  /** Rank 0's machine (default 127.0.0.1 on one machine). */
  readonly masterAddr?: string;
  /** The store's port (default on one machine: a free one). */
  readonly masterPort?: number;
}

/** A TCP port nobody listens on now, chosen by the OS (one machine only: the others cannot know it). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done, fail) => server.once("error", fail).listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
}

/** The environment of local rank `local` (the variables torchrun sets, and tsdp's own). */
export function rankEnvironment(o: RendezvousLaunchOptions, local: number, addr: string, port: number, base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  // another launcher's variables would take precedence over these (processGroupFromEnv)
  const env = Object.fromEntries(Object.entries(base).filter(([k]) => !/^(OMPI_COMM_WORLD_|SLURM_PROCID$|SLURM_NTASKS$|SLURM_LOCALID$)/.test(k)));
  return {
    ...env,
    RANK: String(o.nodeRank * o.nproc + local),
    WORLD_SIZE: String(o.nnodes * o.nproc),
    LOCAL_RANK: String(local),
    LOCAL_WORLD_SIZE: String(o.nproc),
    MASTER_ADDR: addr,
    MASTER_PORT: String(port),
    TSDP_DEVICES_PER_PROC: String(o.devicesPerProc),
    ...(o.timeout !== undefined ? { TSDP_DIST_TIMEOUT: String(o.timeout) } : {}),
  };
}

/** Runs this machine's ranks; resolves to the exit status the launcher should end with. */
export async function launchRendezvous(o: RendezvousLaunchOptions): Promise<number> {
  const out = o.out ?? ((l: string) => process.stdout.write(l + "\n"));
  const err = o.err ?? ((l: string) => process.stderr.write(l + "\n"));
  if (o.nodeRank >= o.nnodes) throw new LaunchError(`--node-rank ${o.nodeRank} is not below --nnodes ${o.nnodes}`);
  if (o.nnodes > 1 && (o.masterAddr === undefined || o.masterPort === undefined))
    throw new LaunchError("a job over several machines needs --master-addr (rank 0's machine, as the others reach it) and --master-port (the same free port on every machine)");
  const addr = o.masterAddr ?? "127.0.0.1";
  const port = o.masterPort ?? (await freePort());
  const [tool, ...toolArgs] = scriptCommand(o.script);
  const world = o.nnodes * o.nproc;

  const children: ChildProcess[] = [];
  const lastError = new Map<number, string[]>();
  let failed: { rank: number; how: string } | undefined;
  const stopOthers = () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGTERM");
    // a rank that ignores SIGTERM (blocked in a collective's native wait) is killed after a grace period
    setTimeout(() => children.forEach((c) => c.exitCode === null && c.signalCode === null && c.kill("SIGKILL")), 5000).unref();
  };

  const exits = Array.from({ length: o.nproc }, (_, local) => {
    const rank = o.nodeRank * o.nproc + local;
    const child = spawn(tool, [...toolArgs, ...o.args], { env: rankEnvironment(o, local, addr, port, process.env), stdio: ["inherit", "pipe", "pipe"] });
    children.push(child);
    const show = (fromStderr: boolean) => (line: string) => {
      if (fromStderr && line.trim() !== "") lastError.set(rank, [...(lastError.get(rank) ?? []), line].slice(-40));
      (fromStderr ? err : out)(rank === 0 ? line : `[rank ${rank}] ${line}`);
    };
    createInterface({ input: child.stdout! }).on("line", show(false));
    createInterface({ input: child.stderr! }).on("line", show(true));
    return new Promise<void>((done) => {
      child.on("error", (e) => {
        failed ??= { rank, how: `could not start (${e.message})` };
        stopOthers();
        done();
      });
      child.on("close", (code, signal) => {
        if ((code !== 0 || signal) && !failed) {
          failed = { rank, how: signal ? `was killed by signal ${signal}` : `exited with status ${code}` };
          stopOthers();
        }
        done();
      });
    });
  });

  const forward = (signal: NodeJS.Signals) => () => children.forEach((c) => c.kill(signal));
  const handlers = (["SIGINT", "SIGTERM", "SIGHUP"] as const).map((s) => [s, forward(s)] as const);
  for (const [s, h] of handlers) process.on(s, h);
  try {
    await Promise.all(exits);
  } finally {
    for (const [s, h] of handlers) process.off(s, h);
  }
  if (!failed) return 0;
  const said = lastMessage(lastError.get(failed.rank) ?? []);
  err(`tsdp launch: rank ${failed.rank} of ${world} ${failed.how}; the other ranks ${o.nnodes > 1 ? "on this machine " : ""}were stopped${said ? `. Its message: ${said}` : ""}`);
  return 1;
}
