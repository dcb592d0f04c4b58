// The pure parts of DistributedDataParallel (issue 14): the launchers' variables, the samplers'
// shards, the collective timeout and tsdp launch's mpirun command line. The jobs themselves run
// in test/distributed.test.ts.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { distributedShard } from "../runtime/data.ts";
import { batchShard, distributedTimeout, localDevices, processGroupFromEnv, rendezvousFromEnv } from "../runtime/distributed.ts";
import { mpirunArguments } from "../runtime/distributed-launch.ts";

describe("processGroupFromEnv", () => {
  it("reads mpirun's, srun's and torchrun's variables, mpirun's first", () => {
    expect(processGroupFromEnv({ OMPI_COMM_WORLD_RANK: "2", OMPI_COMM_WORLD_SIZE: "3", OMPI_COMM_WORLD_LOCAL_RANK: "1", RANK: "0", WORLD_SIZE: "1" })).toEqual({
      rank: 2,
      worldSize: 3,
      localRank: 1,
      launcher: "mpirun",
    });
    expect(processGroupFromEnv({ SLURM_PROCID: "5", SLURM_NTASKS: "8", SLURM_LOCALID: "1" })).toEqual({ rank: 5, worldSize: 8, localRank: 1, launcher: "srun" });
    expect(processGroupFromEnv({ RANK: "1", WORLD_SIZE: "2", LOCAL_RANK: "1", MASTER_ADDR: "a", MASTER_PORT: "1" })).toEqual({ rank: 1, worldSize: 2, localRank: 1, launcher: "torchrun" });
    expect(processGroupFromEnv({})).toBeUndefined();
  });

  it("refuses variables that are not a rank below the size, naming the variable", () => {
    expect(() => processGroupFromEnv({ RANK: "2", WORLD_SIZE: "2" })).toThrow(/RANK=2 is not below WORLD_SIZE=2/);
    expect(() => processGroupFromEnv({ RANK: "x", WORLD_SIZE: "2" })).toThrow(/RANK="x" is not an integer ≥ 0/);
    expect(() => processGroupFromEnv({ SLURM_PROCID: "0", SLURM_NTASKS: "0" })).toThrow(/SLURM_NTASKS="0" is not an integer ≥ 1/);
  });

  it("reads decimal digits only, as a launcher writes them: padding, fractions, hex and exponents are refused", () => {
    for (const size of [" 2", "2 ", "2.0", "0x2", "2e0", "+2", ""])
      expect(() => processGroupFromEnv({ RANK: "0", WORLD_SIZE: size }), JSON.stringify(size)).toThrow(/WORLD_SIZE=".*" is not an integer ≥ 1/);
    expect(() => processGroupFromEnv({ OMPI_COMM_WORLD_RANK: "1.0", OMPI_COMM_WORLD_SIZE: "2" })).toThrow(/OMPI_COMM_WORLD_RANK="1.0" is not an integer/);
    expect(() => processGroupFromEnv({ RANK: "0", WORLD_SIZE: "2", LOCAL_RANK: "0x0" })).toThrow(/LOCAL_RANK="0x0" is not an integer/);
    expect(processGroupFromEnv({ RANK: "01", WORLD_SIZE: "2" })?.rank).toBe(1);
  });
});

describe("rendezvousFromEnv (a torchrun-style launch)", () => {
  it("reads MASTER_ADDR and MASTER_PORT", () => {
    expect(rendezvousFromEnv({ MASTER_ADDR: "10.0.0.1", MASTER_PORT: "29500" })).toEqual({ host: "10.0.0.1", port: 29500 });
  });

  it("refuses a missing address or port, or a port that is not one, naming the variable", () => {
    expect(() => rendezvousFromEnv({ MASTER_PORT: "29500" })).toThrow(/MASTER_ADDR is not: a torchrun-style job meets at MASTER_ADDR:MASTER_PORT/);
    expect(() => rendezvousFromEnv({ MASTER_ADDR: "a" })).toThrow(/MASTER_PORT is not/);
    expect(() => rendezvousFromEnv({ MASTER_ADDR: "a", MASTER_PORT: "70000" })).toThrow(/MASTER_PORT="70000" is not a TCP port/);
  });

  it("refuses torchrun's agent store, which holds MASTER_PORT, saying what to use instead", () => {
    expect(() => rendezvousFromEnv({ MASTER_ADDR: "a", MASTER_PORT: "29500", TORCHELASTIC_USE_AGENT_STORE: "True" })).toThrow(/torchrun's agent serves torch's TCPStore .*tsdp launch --rdzv tcp/);
  });
});

describe("distributedShard (PyTorch's DistributedSampler)", () => {
  it("pads to a multiple of the world size and strides: disjoint shards of equal size that cover the epoch", () => {
    const order = Uint32Array.from([4, 0, 3, 1, 2]);
    const shards = [0, 1, 2].map((r) => Array.from(distributedShard(order, r, 3)));
    expect(shards).toEqual([
      [4, 1],
      [0, 2],
      [3, 4], // padded with the order's first index
    ]);
    expect(new Set(shards.flat())).toEqual(new Set(order));
  });

  it("with dropLast (drop_last=True) leaves out the order's tail past a multiple of the world size instead of padding", () => {
    const order = Uint32Array.from([4, 0, 3, 1, 2]);
    // PyTorch: num_samples = ceil((5 − 3) / 3) = 1, indices[:3] = [4, 0, 3], rank r takes indices[r::3]
    expect([0, 1, 2].map((r) => Array.from(distributedShard(order, r, 3, { dropLast: true })))).toEqual([[4], [0], [3]]);
    expect([0, 1].map((r) => Array.from(distributedShard(order, r, 2, { dropLast: true })))).toEqual([[4, 3], [0, 1]]);
    expect(Array.from(distributedShard(order, 5, 6, { dropLast: true }))).toEqual([]);
    expect(() => distributedShard(order, 0, 2, { dropLast: 1 } as never)).toThrow("distributedShard: dropLast must be true or false, got number 1");
  });

  it("refuses a rank outside the world", () => {
    expect(() => distributedShard(new Uint32Array(4), 2, 2)).toThrow(/rank must be an integer in \[0, 2\)/);
  });
});

describe("batchShard", () => {
  it("gives rank r the DataParallel chunks rK … rK+K−1 of the whole batch", () => {
    // 11 samples over 3 processes × 2 devices: chunks of 2 → [0,4) [4,8) [8,11)
    expect([0, 1, 2].map((r) => batchShard(11, r, 3, 2))).toEqual([
      { start: 0, end: 4 },
      { start: 4, end: 8 },
      { start: 8, end: 11 },
    ]);
    expect([0, 1].map((r) => batchShard(13, r, 2, 1))).toEqual([
      { start: 0, end: 7 },
      { start: 7, end: 13 },
    ]);
  });

  it("refuses what is not a job's place (probe62: worldSize 0 gave NaN bounds, rank 3 of 2 an empty part, in silence)", () => {
    expect(() => batchShard(10, 0, 0)).toThrow(/batchShard: worldSize must be an integer ≥ 1, got 0/);
    expect(() => batchShard(10, 3, 2)).toThrow(/batchShard: rank must be an integer in \[0, 2\), got 3/);
    expect(() => batchShard(10, -1, 2)).toThrow(/rank must be an integer ≥ 0, got -1/);
    expect(() => batchShard(Number.NaN, 0, 2)).toThrow(/batch must be an integer ≥ 0, got NaN/);
    expect(() => batchShard(10, 0, 2, 0)).toThrow(/devicesPerProc must be an integer ≥ 1, got 0/);
    expect(() => batchShard("10" as unknown as number, 0, 2)).toThrow(/batch must be an integer ≥ 0, got the string "10"/);
    // a rank may still get nothing when the batch is smaller than the replicas
    expect(batchShard(1, 1, 2)).toEqual({ start: 1, end: 1 });
  });
});

describe("the collective timeout and the devices", () => {
  it("takes the option, else TSDP_DIST_TIMEOUT, else 300 s, and refuses what is not a positive number", () => {
    expect(distributedTimeout({ timeout: 5 }, { TSDP_DIST_TIMEOUT: "9" })).toBe(5);
    expect(distributedTimeout(true, { TSDP_DIST_TIMEOUT: "9" })).toBe(9);
    expect(distributedTimeout(true, {})).toBe(300);
    expect(() => distributedTimeout({ timeout: 0 }, {})).toThrow(/distributed.timeout must be a positive number/);
    expect(() => distributedTimeout(true, { TSDP_DIST_TIMEOUT: "soon" })).toThrow(/TSDP_DIST_TIMEOUT must be a positive number/);
  });

  it("caps the timeout at a day, as tsdp launch --timeout does, and reads the variable as the CLI reads the flag", () => {
    expect(distributedTimeout(true, { TSDP_DIST_TIMEOUT: "86400" })).toBe(86_400);
    expect(distributedTimeout(true, { TSDP_DIST_TIMEOUT: "1e-7" })).toBe(1e-7);  // String() of a small --timeout
    for (const text of ["1e12", "86401", "Infinity", "0x10", "-5"])
      expect(() => distributedTimeout(true, { TSDP_DIST_TIMEOUT: text }), text).toThrow(/TSDP_DIST_TIMEOUT must be a positive number of seconds up to 86400/);
    expect(() => distributedTimeout({ timeout: 1e12 }, {})).toThrow(/distributed.timeout must be a positive number of seconds up to 86400/);
  });

  it("gives a GPU process its local rank's block of devices, a CPU-target process its own virtual devices", () => {
    expect(localDevices(2, 1, "cuda")).toEqual([2, 3]);
    expect(localDevices(2, 1, "cpu")).toEqual([0, 1]);
  });
});

describe("tsdp launch's mpirun command", () => {
  it("starts N ranks of the script through tsx, tagged, oversubscribed, with tsdp's variables exported", () => {
    const args = mpirunArguments({ nproc: 3, devicesPerProc: 2, script: "train.ts", args: ["--limit", "10"] }, true);
    expect(args.slice(0, 2)).toEqual(["-np", "3"]);
    for (const flag of ["--oversubscribe", "--allow-run-as-root", "--tag-output"]) expect(args).toContain(flag);
    expect(args.join(" ")).toMatch(/-x TSDP_DEVICES_PER_PROC -x TSDP_DIST_TIMEOUT /);
    expect(args.join(" ")).toMatch(/--import \S*tsx\S* \S*\/train\.ts --limit 10$/);
    expect(mpirunArguments({ nproc: 1, devicesPerProc: 1, script: "run.js", args: [] }, false)).not.toContain("--allow-run-as-root");
    // torchrun's variables, set from Open MPI's before the script runs
    expect(args.join(" ")).toMatch(/--import \S*\/runtime\/launch-env\.mjs --import \S*tsx/);
  });

  it("gives each rank torchrun's RANK, WORLD_SIZE, LOCAL_RANK and LOCAL_WORLD_SIZE from Open MPI's", () => {
    const preload = pathToFileURL(join(process.cwd(), "runtime", "launch-env.mjs")).href;
    const show = "console.log([process.env.RANK, process.env.WORLD_SIZE, process.env.LOCAL_RANK, process.env.LOCAL_WORLD_SIZE].join(' '))";
    const ompi = { OMPI_COMM_WORLD_RANK: "2", OMPI_COMM_WORLD_SIZE: "3", OMPI_COMM_WORLD_LOCAL_RANK: "0", OMPI_COMM_WORLD_LOCAL_SIZE: "1" };
    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !["RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE"].includes(k)));
    expect(execFileSync(process.execPath, ["--import", preload, "-e", show], { env: { ...base, ...ompi }, encoding: "utf8" }).trim()).toBe("2 3 0 1");
    // a RANK the launching shell exported is not every rank's: Open MPI's wins, as torchrun's would
    expect(execFileSync(process.execPath, ["--import", preload, "-e", show], { env: { ...base, ...ompi, RANK: "7" }, encoding: "utf8" }).trim()).toBe("2 3 0 1");
  });
});
