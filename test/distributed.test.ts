// DistributedDataParallel across processes on the CPU target (issue 14): `tsdp launch` starts 2
// and 3 processes with 1 and 2 virtual devices each; they train 5 steps on shards of global
// batches of 11 and 13 samples (test/distributed/batches.ts), rank 0 checkpoints after step 2, and
// fresh processes continue from it. The parameters, buffers and optimizer state must equal one
// process's on the whole batch, and every rank must hold the same state.
//
// Which single process: LeNet has no batch statistics, so any split of the batch gives the same
// gradient up to fp32 summation order: one process with one device. With BatchNorm each replica
// normalizes its own chunk (DDP keeps per-process statistics; there is no SyncBatchNorm) and rank
// 0's running statistics are broadcast after each step (DDP's broadcast_buffers), so P processes ×
// K devices equal one process with P·K devices (DataParallel: replica 0's statistics kept) when
// each rank's shard is the P·K-way chunking's block of K chunks (batchShard) — not one device.
// Its Dropout draws each sample's mask from the sample's place in the whole job's batch (the
// ranks below it hold the samples before it), so the masks are that one process's too.
//
// Tolerance: rtol 1e-5 with atol 1e-6·max|x| (summation order: the job sums per-process sums across
// processes; the reference sums per-replica gradients in one process). The max is over the whole
// model's parameters and buffers, or over its whole optimizer state, not per tensor: a gradient
// that is zero in exact arithmetic (a conv bias followed by BatchNorm) is fp32 cancellation noise
// of the model's scale, and its momentum buffer holds only that noise.
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { compile } from "../compiler/pipeline.ts";
import { STEPS } from "./distributed/batches.ts";
import { expectJobEqualsReference, reference } from "./distributed/compare.ts";
import { runNode, scratchDir } from "./helpers.ts";

const MODELS = { lenet: "examples/lenet/model.ts", batchnorm: "test/fixtures/ddp-batchnorm/model.ts" } as const;
const JOBS: [number, number][] = [[2, 1], [2, 2], [3, 1], [3, 2]];

let built: Promise<Record<keyof typeof MODELS | "batchnormSmallBuckets", string>> | undefined;
const builds = () => (built ??= buildBoth());

async function buildBoth(): Promise<Record<keyof typeof MODELS | "batchnormSmallBuckets", string>> {
  const out = {} as Record<keyof typeof MODELS | "batchnormSmallBuckets", string>;
  // a small bucket cap: several buckets, each summed across processes as the backward completes it
  for (const [name, file] of Object.entries(MODELS)) {
    const outDir = join("build", "test-ddp", name);
    await compile(file, { target: "cpu", outDir, bucketCapMb: 0.1 });
    out[name as keyof typeof MODELS] = outDir;
  }
  // the same parameters in other gradient buckets (a 2 KB cap: several; 0.1 MB holds them all): a model that must not train with the others
  out.batchnormSmallBuckets = join("build", "test-ddp", "batchnorm-small-buckets");
  await compile(MODELS.batchnorm, { target: "cpu", outDir: out.batchnormSmallBuckets, bucketCapMb: 0.002 });
  return out;
}

const tsdp = (args: string[], env: NodeJS.ProcessEnv = {}) => runNode(["bin/tsdp.js", ...args], { env: { ...process.env, ...env } });

describe("DistributedDataParallel across processes (tsdp launch, Open MPI)", () => {
  it("2 and 3 processes × 1 and 2 devices, 5 reshuffled steps, checkpoint at step 2: equal to one process, for LeNet and BatchNorm", async () => {
    const dirs = await builds();
    const work = scratchDir("tsdp-ddp-");
    const refs = new Map<string, Awaited<ReturnType<typeof reference>>>();
    const referenceFor = async (name: keyof typeof MODELS, devices: number) => {
      const key = `${name}/${devices}`;
      if (!refs.has(key)) refs.set(key, await reference(dirs[name], devices, work));
      return refs.get(key)!;
    };
    for (const [nproc, k] of JOBS) {
      const out = mkdtempSync(join(work, `job-${nproc}x${k}-`));
      const worker = ["test/distributed/worker.ts", out];
      for (const [from, to] of [[0, 2], [2, STEPS]]) {
        const r = await tsdp(["launch", "--nproc", String(nproc), "--devices-per-proc", String(k), "--timeout", "60", ...worker, String(from), String(to), dirs.lenet, dirs.batchnorm]);
        expect(r.status, `${nproc}×${k} steps ${from}–${to}:\n${r.stdout}\n${r.stderr}`).toBe(0);
      }
      for (const name of Object.keys(MODELS) as (keyof typeof MODELS)[]) {
        // every rank was refused a step that does not wait for its loss, and took no step for it
        for (let rank = 0; rank < nproc; rank++)
          for (const from of [0, 2]) expect(readFileSync(join(out, `${name}-nowait-${from}-rank${rank}.txt`), "utf8")).toContain("a step that does not wait for its loss is not available in a process group");
        const want = await referenceFor(name, name === "lenet" ? 1 : nproc * k);
        await expectJobEqualsReference(out, name, [0, 2], nproc, want, `${name}, ${nproc} processes × ${k} devices`);
      }
    }
  }, 600_000);
});

describe("tsdp launch: a failing rank stops the job", () => {
  beforeAll(builds, 600_000);  // the models (minutes on a first run), outside each job's own time
  // The job's own timeout is long (600 s) where the launcher must stop it, so that only the
  // launcher can end these jobs before the test's timeout; short (2 s) where the collective
  // timeout is what is tested.
  const job = async (mode: string, timeout: number, ...more: string[]) => {
    const dirs = await builds();
    return tsdp(["launch", "--nproc", "2", "--timeout", String(timeout), "test/distributed/faults.ts", dirs.batchnorm, mode, ...more]);
  };

  it("a rank that throws: the others are stopped, and the launcher exits non-zero with its message", async () => {
    const r = await job("error", 600);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/tsdp launch: rank 1 of 2 exited with status 1; the other ranks were stopped\. Its message: Error: rank 1 gave up on purpose/);
  }, 120_000);

  it("a rank killed with SIGKILL mid-step: the others are stopped, and the launcher names it", async () => {
    const r = await job("kill", 600);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/tsdp launch: rank 1 of 2 was killed by signal 9/);
  }, 120_000);

  it("a rank that hangs: the others' collective times out with a message naming the rank and the call", async () => {
    const r = await job("hang", 2);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/tsdp: rank 0 of 2: the (all-reduce of a gradient bucket|sum of the processes' batch sizes) \(MPI_Allreduce\) did not complete within 2 s/);
    expect(r.stderr).toMatch(/tsdp launch: rank 0 of 2 exited with status 75/);
  }, 120_000);

  it("a rank that never reaches load(): the others give up joining after the timeout, and the launcher names the missing rank", async () => {
    const r = await job("late", 2);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/tsdp: rank 0 of 2: waited 2 s in load\(\) for the other ranks to join the group \(MPI_Init_thread\)/);
    expect(r.stderr).toMatch(/tsdp launch: rank 0 of 2 exited with status 75; .* Rank 1 had not reached load\(\)/);
  }, 60_000);

  it("rank 0 working alone at the end for longer than the timeout (a checkpoint) finishes: the others wait for it in MPI_Finalize", async () => {
    const done = join(scratchDir("tsdp-ddp-end-"), "done.txt");
    const r = await job("slowEnd", 2, done);
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(readFileSync(done, "utf8")).toBe("rank 0 finished alone\n");
  }, 60_000);

  it("a rank that skips a step: the collectives that no longer match fail, naming the rank and the collective, not an unnamed mpirun error", async () => {
    const r = await job("skip", 10);
    expect(r.status).not.toBe(0);
    expect(r.stdout).not.toMatch(/allReduceSum gives/);
    expect(r.stderr).toMatch(/rank [01] of 2: [^\n]*\((MPI_Allreduce|MPI_Bcast)\) failed: /);
    expect(r.stderr).toMatch(/tsdp launch: rank [01] of 2 exited with status 1; the other ranks were stopped\. Its message: .*\((MPI_Allreduce|MPI_Bcast)\) failed: /);
    // whichever rank the launcher names, its message says what went wrong (Open MPI's "message truncated" alone did not)
    expect(r.stderr).toMatch(/tsdp launch: rank [01] of 2 exited [^\n]*the ranks did not take the same steps/);
    // allReduceSum says why (the library's reason), not only a code
    expect(r.stderr).toMatch(/allReduceSum: the sum across processes failed: rank 1 of 2: a script's sum \(allReduceSum\) \(MPI_Allreduce\) failed: \S/);
    expect(r.stderr).not.toMatch(/mpirun exited with status/);
  }, 60_000);

  it("ranks scaling their losses by different lossScales end with the same parameters, as DDP sums each rank's scaled gradients", async () => {
    const r = await job("scales", 600);
    expect(r.status, r.stderr).toBe(0);
    const digests = [...r.stdout.matchAll(/rank (\d) digest (\S+)/g)].map((m) => m[2]);
    expect(digests).toHaveLength(2);
    expect(digests[0]).toBe(digests[1]);
  }, 300_000);

  it("a rank that holds its gradients (accumulate) where another updates: both fail, naming the held step, rather than update apart", async () => {
    const r = await job("holds", 600);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/\(a step that holds its gradients\)/);
    expect(r.stderr).toMatch(/tsdp launch: rank [01] of 2 exited [^\n]*the ranks did not take the same steps/);
  }, 300_000);

  it("a rank that ends normally while another still takes steps: both fail at once in the last collective, not after the timeout", async () => {
    const started = Date.now();
    const r = await job("fewer", 600);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/tsdp launch: rank [01] of 2 exited [^\n]*the ranks did not take the same steps/);
    expect(r.stderr).toMatch(/rank 1 of 2: the end of this rank's steps \(MPI_Allreduce\) failed/);
    expect(r.stderr).not.toMatch(/did not complete within/);
    expect(Date.now() - started).toBeLessThan(300_000); // the timeout is 600 s
  }, 300_000);

  for (const rdzv of ["mpi", "tcp"])
    it(`ranks that load different models are refused at load(), naming the rank and the first difference (--rdzv ${rdzv})`, async () => {
      const dirs = await builds();
      const run = (other: string) => tsdp(["launch", "--rdzv", rdzv, "--nproc", "2", "--timeout", "20", "test/distributed/faults.ts", dirs.batchnorm, "mismatch", other]);
      const shapes = await run(dirs.lenet);
      expect(shapes.status).not.toBe(0);
      expect(shapes.stderr).toMatch(/tsdp launch: rank [01] of 2 exited with status 1; .*the ranks loaded different models: rank 1's differs from rank 0's; first difference: rank 0 has "tensor [^"]+", rank 1 has "tensor /);
      // the same parameters, other gradient buckets: no crash later, no silent wrong training
      const buckets = await run(dirs.batchnormSmallBuckets);
      expect(buckets.status).not.toBe(0);
      expect(buckets.stderr).toMatch(/the ranks loaded different models: rank 1's differs from rank 0's; first difference: rank 0 has "gradient buckets 1", rank 1 has "gradient buckets [2-9]"/);
    }, 60_000);

  it("allReduceSum's failure says why (the engine's reason), not only a code (--rdzv tcp: Gloo)", async () => {
    const dirs = await builds();
    const r = await tsdp(["launch", "--rdzv", "tcp", "--nproc", "2", "--timeout", "10", "test/distributed/faults.ts", dirs.batchnorm, "sumAlone"]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/tsdp launch: rank 0 of 2 exited with status 1; .*Its message: Error: allReduceSum: the sum across processes failed: rank 0 of 2: a script's sum \(allReduceSum\) \(gloo::allreduce\) failed: \S/);
  }, 60_000);

  it("SIGTERM to the launcher while its output is piped: every rank ends, one that ignores SIGTERM too (killed after the grace period)", async () => {
    const pids = scratchDir("tsdp-ddp-term-");
    const child = spawn(process.execPath, ["bin/tsdp.js", "launch", "--nproc", "2", "test/distributed/faults.ts", "-", "term", pids], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stdout.resume();
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const exited = new Promise<number | null>((done) => child.on("close", done));
    const ranks = async () => {
      for (;;) {
        const found = readdirSync(pids).filter((f) => f.endsWith(".pid"));
        if (found.length === 2) return found.map((f) => Number(readFileSync(join(pids, f), "utf8")));
        await new Promise((done) => setTimeout(done, 100));
      }
    };
    const started = await ranks();
    await new Promise((done) => setTimeout(done, 500));  // rank 1's SIGTERM handler is in place after its pid file
    child.kill("SIGTERM");
    expect(await exited).not.toBe(0);
    const running = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    const left = started.filter(running);
    for (const pid of left) process.kill(pid, "SIGKILL");
    expect(left, stderr).toEqual([]);
    expect(stderr).toMatch(/tsdp launch: stopped by SIGTERM; the ranks were stopped/);
  }, 60_000);
});
