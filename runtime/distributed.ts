// DistributedDataParallel across processes (issue 14): who this process is in its job, read from
// the environment of the launcher that started it, and joining the group at load().
//
// Launchers and their variables:
//   tsdp launch / mpirun (Open MPI)   OMPI_COMM_WORLD_RANK, OMPI_COMM_WORLD_SIZE, OMPI_COMM_WORLD_LOCAL_RANK
//   srun (Slurm)                       SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID
//   torchrun style                     RANK, WORLD_SIZE, LOCAL_RANK (MASTER_ADDR, MASTER_PORT)
// Under mpirun and srun the collective engine is Open MPI (runtime/harness/group.h), whose world
// the launcher forms. A torchrun-style environment has no such launcher: the ranks meet at a
// rendezvous store that rank 0 serves at MASTER_ADDR:MASTER_PORT (runtime/harness/store.h) and
// sum with Gloo through tsdp's shim (runtime/gloo-shim.ts builds it on first use); on GPUs NCCL
// sums the gradients, its id published through the store.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { glooShim } from "./gloo-shim.ts";
import { describeValue } from "./errors.ts";
import type { NativeLibrary, ModelHandle } from "./native.ts";

export type Launcher = "mpirun" | "srun" | "torchrun";

export interface ProcessGroupInfo {
  readonly rank: number;
  readonly worldSize: number;
  /** This process's index among those on its machine: which GPUs it drives. */
  readonly localRank: number;
  readonly launcher: Launcher;
}

/** load()'s `distributed` option: true, or the timeout on each collective in seconds. */
export interface DistributedOptions {
  /** Seconds a collective may take before this rank gives up (a peer died or hangs). Default TSDP_DIST_TIMEOUT or 300. */
  timeout?: number;
}

const DEFAULT_TIMEOUT_S = 300;
/** The longest collective timeout: a day, as `tsdp launch --timeout` allows. */
export const MAX_TIMEOUT_S = 86_400;

const VARIABLES: readonly { launcher: Launcher; rank: string; size: string; local: string }[] = [
  { launcher: "mpirun", rank: "OMPI_COMM_WORLD_RANK", size: "OMPI_COMM_WORLD_SIZE", local: "OMPI_COMM_WORLD_LOCAL_RANK" },
  { launcher: "srun", rank: "SLURM_PROCID", size: "SLURM_NTASKS", local: "SLURM_LOCALID" },
  { launcher: "torchrun", rank: "RANK", size: "WORLD_SIZE", local: "LOCAL_RANK" },
];

/** The environment variables read here (process.env's type, written out so that the published .d.ts needs no @types/node). */
export type Environment = Readonly<Record<string, string | undefined>>;

function integer(env: Environment, name: string, min: number): number {
  const text = env[name];
  // decimal digits only, as launchers write them: " 2", "2.0", "0x2" and "2e0" are refused, not read as 2
  const n = text !== undefined && /^[0-9]+$/.test(text) ? Number(text) : NaN;
  if (text === undefined || !Number.isSafeInteger(n) || n < min)
    throw new Error(`distributed: ${name}=${JSON.stringify(text ?? "")} is not an integer ≥ ${min}`);
  return n;
}

/**
 * This process's place in its job, from the first launcher whose rank and size variables are set
 * (mpirun, then srun, then torchrun style); undefined when none is: a single process.
 */
export function processGroupFromEnv(env: Environment = process.env): ProcessGroupInfo | undefined {
  for (const v of VARIABLES) {
    if (env[v.rank] === undefined || env[v.size] === undefined) continue;
    const rank = integer(env, v.rank, 0);
    const worldSize = integer(env, v.size, 1);
    if (rank >= worldSize) throw new Error(`distributed: ${v.rank}=${rank} is not below ${v.size}=${worldSize}`);
    const localRank = env[v.local] === undefined ? 0 : integer(env, v.local, 0);
    return { rank, worldSize, localRank, launcher: v.launcher };
  }
  return undefined;
}

/** Where a torchrun-style job's ranks meet: MASTER_ADDR and MASTER_PORT (both required, as torchrun's env:// does). */
export function rendezvousFromEnv(env: Environment = process.env): { host: string; port: number } {
  const host = env.MASTER_ADDR?.trim();
  const port = env.MASTER_PORT?.trim();
  if (!host || !port)
    throw new Error(
      `distributed: RANK and WORLD_SIZE are set but ${!host ? "MASTER_ADDR" : "MASTER_PORT"} is not: a torchrun-style job meets at MASTER_ADDR:MASTER_PORT ` +
        "(rank 0's machine and a free port, the same in every rank), e.g. MASTER_ADDR=10.0.0.1 MASTER_PORT=29500",
    );
  const n = Number(port);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`distributed: MASTER_PORT=${JSON.stringify(port)} is not a TCP port (1–65535)`);
  // torchrun itself: its agent says it already serves torch's TCPStore on MASTER_PORT (untested here: no PyTorch on this machine)
  if (env.TORCHELASTIC_USE_AGENT_STORE === "True")
    throw new Error(
      "distributed: torchrun's agent serves torch's TCPStore at MASTER_ADDR:MASTER_PORT (TORCHELASTIC_USE_AGENT_STORE=True), where tsdp's rank 0 would serve tsdp's own store: " +
        "start the ranks with `npx tsdp launch --rdzv tcp` (on each machine, with --nnodes and --node-rank), or set RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT yourself",
    );
  return { host, port: n };
}

/** The rank of this process (0 when it runs alone): scripts print and write files only on rank 0. */
export function rank(env: Environment = process.env): number {
  return processGroupFromEnv(env)?.rank ?? 0;
}

/** The number of processes in the job (1 when this process runs alone). */
export function worldSize(env: Environment = process.env): number {
  return processGroupFromEnv(env)?.worldSize ?? 1;
}

/** The collective timeout in seconds: the option, else TSDP_DIST_TIMEOUT, else 300. */
export function distributedTimeout(option: boolean | DistributedOptions, env: Environment = process.env): number {
  const given = typeof option === "object" ? option.timeout : undefined;
  if (given !== undefined) {
    if (typeof given !== "number" || !(given > 0) || !(given <= MAX_TIMEOUT_S))
      throw new RangeError(`load: distributed.timeout must be a positive number of seconds up to ${MAX_TIMEOUT_S}, got ${String(given)}`);
    return given;
  }
  const text = env.TSDP_DIST_TIMEOUT;
  if (text === undefined || text === "") return DEFAULT_TIMEOUT_S;
  const n = Number(text);
  if (!/^\s*\+?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(text) || !(n > 0) || !(n <= MAX_TIMEOUT_S))
    throw new RangeError(`TSDP_DIST_TIMEOUT must be a positive number of seconds up to ${MAX_TIMEOUT_S}, got ${JSON.stringify(text)}`);
  return n;
}

/** The devices a process drives: its local rank's block of GPUs; on the CPU target its own virtual devices 0 … k-1. */
export function localDevices(count: number, localRank: number, target: "cpu" | "cuda"): number[] {
  const first = target === "cuda" ? localRank * count : 0;
  return Array.from({ length: count }, (_, i) => first + i);
}

/**
 * This rank's part [start, end) of one global batch of `batch` samples, cut the way DataParallel
 * cuts a batch over worldSize × devicesPerProc replicas (chunks of ⌈batch / replicas⌉, the last
 * smaller): rank r takes replicas r·k … r·k + k − 1. Each process then splits its part over its own
 * devices, and with BatchNorm P processes × k devices see exactly the chunks one process with P·k
 * devices sees, provided the last rank's part splits alike (it does when its part is a multiple
 * of the chunk, or is at most one chunk plus what its other devices take). A rank may get nothing
 * when the batch is smaller than the replicas.
 */
export function batchShard(batch: number, rank: number, worldSize: number, devicesPerProc = 1): { start: number; end: number } {
  // unchecked, worldSize 0 gave { start: NaN, end: NaN } and a rank past the job an empty part, in silence
  wholeNumber("batch", batch, 0);
  wholeNumber("worldSize", worldSize, 1);
  wholeNumber("devicesPerProc", devicesPerProc, 1);
  if (wholeNumber("rank", rank, 0) >= worldSize) throw new RangeError(`batchShard: rank must be an integer in [0, ${worldSize}), got ${rank}`);
  const chunk = Math.ceil(batch / (worldSize * devicesPerProc));
  const start = Math.min(batch, rank * devicesPerProc * chunk);
  return { start, end: Math.min(batch, start + devicesPerProc * chunk) };
}

/** batchShard's argument `what`: a safe integer ≥ min, or a RangeError naming it. */
function wholeNumber(what: string, n: unknown, min: number): number {
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < min)
    throw new RangeError(`batchShard: ${what} must be an integer ≥ ${min}, got ${typeof n === "number" ? n : describeValue(n)}`);
  return n;
}

let joinedLibrary: NativeLibrary | undefined;
/**
 * Torchrun-style joins so far in this process. Each model library holds its own group (its own
 * copy of the harness), so each load meets the others again, under its own keys of the store that
 * the first join's rank 0 serves; every rank loads the same models in the same order.
 */
let rendezvousJoins = 0;

/**
 * Sums numbers over every process of the job (a script's own reductions: evaluation's correct
 * answers and counts). Every rank must call it, the same number of times; alone (no group joined
 * by load({ distributed })), the values come back as they are.
 */
export function allReduceSum(values: readonly number[]): number[] {
  const data = Float64Array.from(values);
  if (joinedLibrary) {
    const code = joinedLibrary.groupSum(data);
    // the library's reason (tsdp_last_error(NULL) on this thread): the engine's error, or another rank in another collective
    if (code !== 0) throw new Error(`allReduceSum: the sum across processes failed: ${joinedLibrary.lastError(null) || `code ${code}`}`);
  }
  return Array.from(data);
}

/** Under `tsdp launch` (mpirun): this rank reached load(), for the launcher's report of ranks that never did. */
function markArrival(info: ProcessGroupInfo, env: Environment): void {
  const dir = env.TSDP_LAUNCH_JOINED;
  if (!dir) return;
  try {
    writeFileSync(join(dir, `rank-${info.rank}`), "");
  } catch {
    // only a report's detail
  }
}

/**
 * Joins the group and checks that the engine's view agrees with the launcher's variables: under
 * mpirun or srun Open MPI's world (tsdp_join_group); under a torchrun-style launch the rendezvous
 * at MASTER_ADDR:MASTER_PORT and Gloo (tsdp_join_rendezvous), within the timeout. The engine also
 * compares this rank's model with rank 0's and refuses a different one. At a normal exit (status
 * 0) the process leaves an MPI group with MPI_Finalize, which waits, without a timeout, for the
 * other ranks to finish (rank 0 may checkpoint alone); after an error it does not, so that mpirun
 * sees the failure and stops the other ranks.
 */
export async function joinGroup(lib: NativeLibrary, handle: ModelHandle, info: ProcessGroupInfo, timeoutSeconds: number, where: string, env: Environment = process.env): Promise<void> {
  let joined: { code: number; rank: number; size: number };
  const engine = info.launcher === "torchrun" ? "Gloo" : "MPI";
  if (info.launcher === "torchrun") {
    const { host, port } = rendezvousFromEnv(env);
    let shim: string;
    try {
      shim = await glooShim();
    } catch (e) {
      throw new Error(
        `${where}: a torchrun-style launch (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT) sums across processes with Gloo, and tsdp's Gloo shim is unavailable: ${(e as Error).message}. ` +
          "Or start the job with `npx tsdp launch` or mpirun (Open MPI), which need no Gloo",
      );
    }
    joined = lib.joinRendezvous(handle, timeoutSeconds, info.rank, info.worldSize, host, port, rendezvousJoins++, shim);
  } else {
    markArrival(info, env);
    joined = lib.joinGroup(handle, timeoutSeconds);
  }
  const { code, rank, size } = joined;
  const entry = info.launcher === "torchrun" ? "tsdp_join_rendezvous" : "tsdp_join_group";
  if (code === -2) throw new Error(`${where}: ${lib.path} has no ${entry} (a library without a training step, or built before it existed): rebuild with tsdp compile`);
  if (code !== 0) throw new Error(`${where}: joining the process group failed: ${lib.lastError(handle) || `code ${code}`}`);
  if (rank !== info.rank || size !== info.worldSize)
    throw new Error(`${where}: the launcher says rank ${info.rank} of ${info.worldSize}, ${engine} says rank ${rank} of ${size}: the variables do not come from the launcher that started this process`);
  if (joinedLibrary !== lib) {
    joinedLibrary = lib;
    process.on("exit", (status) => {
      // a rank that ends while the others still take steps fails its last collective (which says so on stderr)
      if (status === 0 && lib.finalizeGroup() !== 0) process.exitCode = 1;
    });
  }
}
