// DistributedDataParallel under a torchrun-style launch on the CPU target (issue 14): processes
// started directly with RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR and MASTER_PORT, no mpirun. They
// meet at rank 0's rendezvous store (runtime/harness/store.cu) and sum with Gloo through tsdp's
// shim (runtime/harness/gloo_shim.cpp, built on first use).
//
// The jobs train LeNet and a model with BatchNorm on shards of global batches of 11 and 13 samples
// (neither divides by 2 or 3), rank 0 checkpoints after step 2 and fresh processes continue from
// it; the result must equal one process on the whole batches within rtol 1e-5 (the same
// comparison as under mpirun, test/distributed/compare.ts; test/distributed.test.ts explains the
// tolerance, and which single process BatchNorm's jobs equal), and every rank must hold the same
// state. The fault cases use short collective timeouts (a few seconds) and check that
// the processes end with a message naming who is missing, rather than hang.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { connect, createServer, type AddressInfo, type Socket } from "node:net";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../compiler/pipeline.ts";
import { processGroupFromEnv } from "../runtime/distributed.ts";
import { rankEnvironment } from "../runtime/distributed-rdzv-launch.ts";
import { STEPS } from "./distributed/batches.ts";
import { expectJobEqualsReference, reference } from "./distributed/compare.ts";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { header, runNode, scratchDir, writeFiles } from "./helpers.ts";
import { referenceSteps } from "./target-helpers.ts";

const MODELS = { lenet: "examples/lenet/model.ts", batchnorm: "test/fixtures/ddp-batchnorm/model.ts" } as const;
type ModelName = keyof typeof MODELS;
const built = new Map<ModelName, Promise<string>>();
// a small bucket cap: several buckets, each summed across processes as the backward completes it
const build = (name: ModelName) => {
  const outDir = join("build", "test-rdzv", name);
  if (!built.has(name)) built.set(name, compile(MODELS[name], { target: "cpu", outDir, bucketCapMb: 0.1 }).then(() => outDir));
  return built.get(name)!;
};
const lenet = () => build("lenet");

/** A port nobody listens on now (the OS picks it), for one job's store. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
}

/** The environment torchrun gives a rank, without any other launcher's variables (they would take precedence). */
function torchrunEnv(rank: number, size: number, port: number, extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(OMPI_|PMIX_|SLURM_)/.test(k)));
  return { ...env, RANK: String(rank), WORLD_SIZE: String(size), LOCAL_RANK: String(rank), MASTER_ADDR: "127.0.0.1", MASTER_PORT: String(port), ...extra };
}

interface Exit {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Starts the given ranks of a job of `size` with `script args` and more variables (the same for all, or by rank); each rank's exit, and a way to kill it. */
async function start(ranks: readonly number[], size: number, script: string, args: readonly string[], extra: NodeJS.ProcessEnv | ((rank: number) => NodeJS.ProcessEnv)) {
  const port = await freePort();
  return ranks.map((r) => {
    const env = torchrunEnv(r, size, port, typeof extra === "function" ? extra(r) : extra);
    const child = spawn(process.execPath, ["--import", "tsx", script, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const exit = new Promise<Exit>((done, fail) => {
      child.on("error", fail);
      child.on("close", (status) => done({ status, stdout, stderr }));
    });
    return { exit, kill: () => child.kill("SIGKILL"), pid: child.pid!, port };
  });
}

/** Runs the ranks to their end. */
const job = async (...a: Parameters<typeof start>) => Promise.all((await start(...a)).map((r) => r.exit));

const said = (runs: readonly Exit[]) => runs.map((r, i) => `rank ${i}: status ${r.status}\n${r.stdout}\n${r.stderr}`).join("\n");

describe("torchrun-style launch without mpirun (rendezvous store + Gloo)", () => {
  it("2 and 3 processes × 1 and 2 devices, 5 reshuffled steps, checkpoint at step 2: equal to one process, for LeNet and BatchNorm", async () => {
    const dirs = { lenet: await build("lenet"), batchnorm: await build("batchnorm") };
    const work = scratchDir("tsdp-rdzv-");
    const references = new Map<string, ReturnType<typeof reference>>();
    // LeNet equals one device on the whole batches; BatchNorm (per-replica statistics, rank 0's
    // buffers broadcast after each step) one process with as many devices as the job has replicas
    const referenceFor = (name: ModelName, devices: number) => {
      const key = `${name}/${devices}`;
      if (!references.has(key)) references.set(key, reference(dirs[name], devices, work));
      return references.get(key)!;
    };
    for (const [nproc, k] of [[2, 1], [3, 1], [2, 2]]) {
      const out = mkdtempSync(join(work, `job-${nproc}x${k}-`));
      for (const [from, to] of [[0, 2], [2, STEPS]]) {
        const runs = await job([...Array(nproc).keys()], nproc, "test/distributed/worker.ts", [out, String(from), String(to), dirs.lenet, dirs.batchnorm], { TSDP_DEVICES_PER_PROC: String(k), TSDP_DIST_TIMEOUT: "60" });
        expect(runs.map((r) => r.status), `${nproc}×${k} steps ${from}–${to}:\n${said(runs)}`).toEqual(runs.map(() => 0));
      }
      for (const name of Object.keys(MODELS) as ModelName[])
        await expectJobEqualsReference(out, name, [0, 2], nproc, await referenceFor(name, name === "lenet" ? 1 : nproc * k), `${name}, ${nproc} torchrun-style processes × ${k} devices`);
    }
  }, 300_000);

  // A mean over the ignoreIndex targets the loss selects itself (Hugging Face's labels[..., 1:]):
  // each process counts the targets its shard's loss reads (training.targetOffsets), summed across
  // the group, so 2 and 3 processes (shards 4+3 and 3+3+1 of 7 samples, different counts) equal the
  // float64 reference on the whole batch: losses within 1e-5 (relative), parameters rtol 1e-4, atol 1e-5.
  it("a loss over the targets it shifts itself (ignoreIndex -100): 2 and 3 processes equal the reference on the whole batch", async () => {
    const dir = writeFiles({
      "model.ts": `${header}
export class Lm extends nn.Module {
  emb = new nn.Embedding(6, 5);
  head = new nn.Linear(5, 3);
  forward(x: Tensor<[Batch, 5], "int32">) { return this.head(this.emb(x).tanh()); }
}
export const training = new Training(Lm, {
  loss: (logits: Tensor, labels: Tensor<[Batch, 5], "int32">) =>
    F.crossEntropy(logits.index("...", ":-1", ":").reshape([-1, 3]), labels.index("...", "1:").reshape([-1]), { ignoreIndex: -100 }),
  optimizer: new optim.SGD({ lr: 0.5, momentum: 0.9 }),
});
`,
    });
    const { model, build: b } = await compile(join(dir, "model.ts"), { target: "cpu", outDir: join(dir, "out") });
    const x = Array.from({ length: 35 }, (_, i) => (i * 5 + 1) % 6);
    // position 0 is never read; samples 1, 5 and 6 ignore most or all of theirs
    const y = [-100, 2, 0, 1, 1, 2, -100, -100, 2, -100, 0, 1, 2, 0, -100, -100, 0, 0, 1, 2, 1, 2, -100, -100, 1, 2, -100, 1, -100, -100, 0, -100, -100, -100, -100];
    writeFileSync(join(dir, "data.json"), JSON.stringify({ x, y, shape: [7, 5] }));
    const graph = model.graph;
    const ref = { x: nd([7, 5], x), target: nd([7, 5], y) };
    const evaluated = runReference(graph, ref, initState(graph, 0)).loss!;
    const { losses, state } = referenceSteps(graph, ref, 3);
    for (const nproc of [2, 3]) {
      const out = join(dir, `job-${nproc}.json`);
      const runs = await job([...Array(nproc).keys()], nproc, "test/distributed/counted-targets.ts", [b.outDir, join(dir, "data.json"), out], { TSDP_DIST_TIMEOUT: "60" });
      expect(runs.map((r) => r.status), `${nproc} processes:\n${said(runs)}`).toEqual(runs.map(() => 0));
      const got = JSON.parse(readFileSync(out, "utf8")) as { evaluated: number; losses: number[]; params: Record<string, number[]> };
      [got.evaluated, ...got.losses].forEach((l, i) => {
        const want = [evaluated, ...losses][i];
        expect(Math.abs(l - want), `${nproc} processes, ${i === 0 ? "evaluate" : `step ${i - 1}`}: ${l} vs ${want}`).toBeLessThan(1e-5 * Math.abs(want));
      });
      for (const [name, p] of state.params) {
        const scale = Math.max(...Array.from(p.data, Math.abs));
        got.params[name].forEach((v, i) => expect(Math.abs(v - p.data[i]), `${nproc} processes: ${name}[${i}]`).toBeLessThanOrEqual(1e-5 * scale + 1e-4 * Math.abs(p.data[i])));
      }
    }
  }, 300_000);

  it("a rank that never arrives: the others stop after the timeout, naming it", async () => {
    const dir = await lenet();
    // ranks 0 and 1 of 3 start; rank 2 never does. Rank 0, which serves the store, waits longer,
    // so that rank 1's own deadline comes while the store is still there.
    const runs = await job([0, 1], 3, "test/distributed/faults.ts", [dir, "error"], (rank) => ({ TSDP_DIST_TIMEOUT: rank === 0 ? "6" : "3" }));
    for (const [rank, r] of runs.entries()) {
      expect(r.status, said(runs)).not.toBe(0);
      // rank 1 names it too, or, when it came so late that rank 0 gave up first and took its store along, says so and names it
      expect(r.stderr).toMatch(
        rank === 0 || !/closed the connection/.test(r.stderr)
          ? new RegExp(`rank ${rank}: rank 2 of 3 did not arrive at the rendezvous \\(join\\) at 127\\.0\\.0\\.1:\\d+ within ${rank === 0 ? 6 : 3} s`)
          : /rank 1: the rendezvous store at 127\.0\.0\.1:\d+ closed the connection .*\(rank 0, which serves it, exited\?\); rank 2 of 3 had not arrived at the rendezvous \(join\)/,
      );
    }
  }, 120_000);

  it("a rank whose Gloo transport cannot start fails at once, and the others name it as not arrived", async () => {
    const dir = await lenet();
    const [r0, r1] = await job([0, 1], 2, "test/distributed/faults.ts", [dir, "error"], (rank) => ({ TSDP_DIST_TIMEOUT: "3", ...(rank === 1 ? { GLOO_SOCKET_IFNAME: "nosuch0" } : {}) }));
    expect(r1.status).not.toBe(0);
    expect(r1.stderr).toMatch(/rank 1 of 2: Gloo's TCP transport on interface nosuch0 \(GLOO_SOCKET_IFNAME\): .*nosuch0/);
    expect(r0.status).not.toBe(0);
    expect(r0.stderr).toMatch(/rank 0: rank 1 of 2 did not arrive at the rendezvous \(join\) at 127\.0\.0\.1:\d+ within 3 s/);
  }, 120_000);

  it("rank 0 never arrives: the others cannot reach its store and stop after the timeout", async () => {
    const dir = await lenet();
    const [r] = await job([1], 2, "test/distributed/faults.ts", [dir, "error"], { TSDP_DIST_TIMEOUT: "2" });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/rank 1 could not reach the rendezvous store at 127\.0\.0\.1:\d+ \(MASTER_ADDR:MASTER_PORT, served by rank 0\) within 2 s: Connection refused/);
  }, 120_000);

  it("rank 0 cannot serve the store on a port another program holds: it says so at once", async () => {
    const dir = await lenet();
    const holder = createServer();
    await new Promise<void>((done) => holder.listen(0, done));
    const { port } = holder.address() as AddressInfo;
    try {
      const r = await runNode(["--import", "tsx", "test/distributed/faults.ts", dir, "error"], { env: torchrunEnv(0, 2, port, { TSDP_DIST_TIMEOUT: "600" }) });
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(new RegExp(`rank 0 cannot serve the rendezvous store on port ${port}: Address already in use \\(another job or program holds it: choose another MASTER_PORT\\)`));
    } finally {
      await new Promise((done) => holder.close(done));
    }
  }, 120_000);

  it("a rank killed with SIGKILL mid-step: the other fails within the timeout with a message naming the call", async () => {
    const dir = await lenet();
    // Gloo on the loopback interface by name here (PyTorch's GLOO_SOCKET_IFNAME), by address elsewhere
    const [r0, r1] = await job([0, 1], 2, "test/distributed/faults.ts", [dir, "kill"], { TSDP_DIST_TIMEOUT: "10", GLOO_SOCKET_IFNAME: "lo" });
    expect(r1.status, said([r0, r1])).toBeNull();  // ended by the signal
    expect(r0.status, said([r0, r1])).not.toBe(0);
    // Gloo sees the closed connection at once; the watchdog is the backstop at the timeout
    expect(r0.stderr).toMatch(
      /rank 0 of 2: the (all-reduce of a gradient bucket|sum of the processes' (batch sizes|losses)|broadcast of rank 0's buffers) \(gloo::(allreduce|broadcast)\) (failed: |did not complete within 10 s)/,
    );
  }, 120_000);

  it("a rank that hangs: the other's collective times out with a message naming the rank and the call", async () => {
    const dir = await lenet();
    const [rank0, rank1] = await start([0, 1], 2, "test/distributed/faults.ts", [dir, "hang"], { TSDP_DIST_TIMEOUT: "2" });
    const r0 = await rank0.exit;
    rank1.kill();  // it sleeps for an hour: no launcher stops it here
    await rank1.exit;
    expect(r0.status, said([r0])).not.toBe(0);
    expect(r0.stderr).toMatch(/rank 0 of 2: the (all-reduce of a gradient bucket|sum of the processes' batch sizes) \(gloo::allreduce\) (did not complete within 2 s|failed: .*Timed out waiting 2000ms)/);
  }, 120_000);
});

/** A connection to rank 0's store, once it listens (up to 60 s). */
async function storeConnection(port: number): Promise<Socket> {
  for (let i = 0; ; i++) {
    try {
      return await new Promise<Socket>((done, fail) => {
        const s = connect(port, "127.0.0.1", () => done(s));
        s.once("error", fail);
      });
    } catch (e) {
      if (i > 600) throw e;
      await new Promise((done) => setTimeout(done, 100));
    }
  }
}

/** Everything the store sent on s until it closed, and when (ms after the call), or until `ms` passed (closed false). */
function untilClosed(s: Socket, ms: number): Promise<{ data: Buffer; closed: boolean; after: number }> {
  const t0 = Date.now();
  const chunks: Buffer[] = [];
  s.on("data", (d: Buffer) => chunks.push(d));
  s.on("error", () => {});
  return new Promise((done) => {
    const timer = setTimeout(() => done({ data: Buffer.concat(chunks), closed: false, after: Date.now() - t0 }), ms);
    s.once("close", () => {
      clearTimeout(timer);
      done({ data: Buffer.concat(chunks), closed: true, after: Date.now() - t0 });
    });
  });
}

/** The store's refusal (a length word with its top bit set, then its message), or undefined. */
function refusal(data: Buffer): string | undefined {
  if (data.length < 4 || !(data.readUInt32LE(0) & 0x80000000)) return undefined;
  return data.subarray(4, 4 + (data.readUInt32LE(0) & 0x7fffffff)).toString("utf8");
}

/** A store request's frame: the op byte, then each field (u32 length, bytes), all after the frame's u32 length. */
function frame(op: string, ...fields: Buffer[]): Buffer {
  const body = Buffer.concat([Buffer.from(op), ...fields.flatMap((f) => [Buffer.from(Uint32Array.of(f.length).buffer), f])]);
  return Buffer.concat([Buffer.from(Uint32Array.of(body.length).buffer), body]);
}

/** A field of /proc/<pid>/status (VmRSS in kB, Threads). */
const procStatus = (pid: number, field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]);

// Anything that reaches MASTER_PORT talks to rank 0's store (README, Trust model): what it can make
// rank 0 hold, and how long it can make it wait, is bounded, and nothing it does ends the process.
describe("rank 0's store against a process that is not a rank", () => {
  it("a length word alone allocates nothing, stalled and surplus connections are dropped, and rank 0 ends with its own message", async () => {
    const dir = await lenet();
    // rank 1 of 2 never comes: rank 0 waits 20 s in the join's barrier, serving the store
    const [rank0] = await start([0], 2, "test/distributed/faults.ts", [dir, "error"], { TSDP_DIST_TIMEOUT: "20" });
    const port = rank0.port;
    const first = await storeConnection(port);
    first.destroy();
    // a connection that sends nothing, and one that stops inside a frame's length word: dropped after 10 s
    const silent = await storeConnection(port);
    const stalled = await storeConnection(port);
    stalled.write(Buffer.from([1, 0]));
    const idle = [untilClosed(silent, 15_000), untilClosed(stalled, 15_000)];
    const rss = procStatus(rank0.pid, "VmRSS");
    // 16 lengths of 16 MiB (under the old 64 MiB cap, each zero-filled at once: 256 MiB): over a
    // frame's size for 2 ranks, refused at once, nothing allocated
    const huge = await Promise.all(
      Array.from({ length: 16 }, async () => {
        const s = await storeConnection(port);
        s.write(Buffer.from(Uint32Array.of(16 << 20).buffer));
        return untilClosed(s, 5_000);
      }),
    );
    for (const h of huge) {
      expect(h.closed).toBe(true);
      expect(refusal(h.data)).toMatch(/^rank 0's rendezvous store takes frames of up to \d+ bytes for a world of 2 \(a process that is not a rank of this job/);
    }
    expect(procStatus(rank0.pid, "VmRSS") - rss).toBeLessThan(32 << 10);
    // 150 connections that send nothing: a world size's worth and some are served, the rest refused with a message; a thread each no more
    const threads = procStatus(rank0.pid, "Threads");
    const many = await Promise.all(Array.from({ length: 150 }, () => storeConnection(port)));
    const answers = await Promise.all(many.map((s) => untilClosed(s, 2_000)));
    const refused = answers.filter((a) => a.closed && /connections open, the most it serves for a world of 2/.test(refusal(a.data) ?? ""));
    expect(refused.length).toBeGreaterThan(50);
    expect(procStatus(rank0.pid, "Threads") - threads).toBeLessThan(80);
    for (const s of many) s.destroy();
    for (const i of await Promise.all(idle)) {
      expect(i.closed).toBe(true);
      expect(i.after).toBeGreaterThan(8_000);
    }
    // the store still serves a rank's request after all that
    const rank = await storeConnection(port);
    const check = untilClosed(rank, 1_000);
    rank.write(frame("C", Buffer.from("join0/barrier/join/0"), Buffer.from("join0/barrier/join/1")));
    expect((await check).data).toEqual(Buffer.from([2, 0, 0, 0, 0x31, 0x30]));
    rank.destroy();
    const r = await rank0.exit;
    expect(r.status, said([r])).toBe(1);
    expect(r.stderr).toMatch(/rank 0: rank 1 of 2 did not arrive at the rendezvous \(join\) at 127\.0\.0\.1:\d+ within 20 s/);
  }, 120_000);

  it("a process that publishes a rank's Gloo address and never connects: rank 0 fails at the timeout, not 5 times it, naming the rank", async () => {
    const dir = await lenet();
    const [rank0] = await start([0], 2, "test/distributed/faults.ts", [dir, "error"], { TSDP_DIST_TIMEOUT: "4" });
    const s = await storeConnection(rank0.port);
    // Gloo's address (tcp::Address): a sockaddr_storage (AF_INET, a port big-endian, 127.0.0.2), then
    // a sequence number. Gloo's pair with the higher address connects; rank 0's (127.0.0.1) waits
    // for the fake rank, which never comes
    const address = Buffer.alloc(136);
    address.writeUInt16LE(2, 0);
    address.writeUInt16BE(9, 2);
    address.set([127, 0, 0, 2], 4);
    address.writeBigUInt64LE(1n, 128);
    for (const [key, value] of [["join0/barrier/join/1", ""], ["join0/gloo/rank_1", hostname()], ["join0/gloo/1", address]] as const)
      s.write(frame("S", Buffer.from(key), Buffer.from(value)));
    const published = Date.now();
    const r = await rank0.exit;
    s.destroy();
    expect(r.status, said([r])).toBe(1);
    expect(r.stderr).toMatch(/rank 0 of 2: Gloo's rendezvous \(connectFullMesh\): rank 1 did not connect to rank 0 within 4 s \(it published its Gloo address through the store/);
    // Gloo alone waits 5 × 4 s for a connection
    expect(Date.now() - published).toBeLessThan(8_000);
  }, 120_000);
});

describe("tsdp launch --rdzv tcp: ranks started without mpirun", () => {
  const tsdp = (args: string[]) => runNode(["bin/tsdp.js", ...args]);

  it("a rank that throws: the others are stopped, and the launcher exits non-zero with its message", async () => {
    const dir = await lenet();
    // a long collective timeout: only the launcher (or Gloo's closed connection) can end rank 0 before the test's timeout
    const r = await tsdp(["launch", "--rdzv", "tcp", "--nproc", "2", "--timeout", "600", "test/distributed/faults.ts", dir, "error"]);
    expect(r.status, r.stderr).not.toBe(0);
    expect(r.stderr).toMatch(/tsdp launch: rank 1 of 2 exited with status 1; the other ranks were stopped\. Its message: Error: rank 1 gave up on purpose/);
  }, 120_000);

  it("a rank killed with SIGKILL mid-step: the launcher names it and stops the others", async () => {
    const dir = await lenet();
    const r = await tsdp(["launch", "--rdzv", "tcp", "--nproc", "2", "--timeout", "600", "test/distributed/faults.ts", dir, "kill"]);
    expect(r.status, r.stderr).not.toBe(0);
    expect(r.stderr).toMatch(/tsdp launch: rank 1 of 2 was killed by signal SIGKILL; the other ranks were stopped/);
  }, 120_000);

  it("the job's ranks and world come from its options (2 machines × 2 processes, this one machine 1)", async () => {
    const env = rankEnvironment({ nproc: 2, devicesPerProc: 3, timeout: 30, script: "t.ts", args: [], nnodes: 2, nodeRank: 1 }, 1, "10.0.0.1", 29500, { OMPI_COMM_WORLD_RANK: "0", PATH: "/bin" });
    expect(processGroupFromEnv(env)).toEqual({ rank: 3, worldSize: 4, localRank: 1, launcher: "torchrun" });
    expect([env.MASTER_ADDR, env.MASTER_PORT, env.TSDP_DEVICES_PER_PROC, env.TSDP_DIST_TIMEOUT, env.PATH]).toEqual(["10.0.0.1", "29500", "3", "30", "/bin"]);
  });

  it("refuses a job over several machines without the store's address", async () => {
    const r = await tsdp(["launch", "--rdzv", "tcp", "--nnodes", "2", "--nproc", "1", "test/distributed/faults.ts"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/tsdp: a job over several machines needs --master-addr .* and --master-port/);
    const m = await tsdp(["launch", "--nnodes", "2", "--nproc", "1", "test/distributed/faults.ts"]);
    // a bad command line: exit 2, as the README says of every usage error
    expect(m.status).toBe(2);
    expect(m.stderr).toMatch(/tsdp launch: --nnodes: only with --rdzv tcp/);
  });
});
