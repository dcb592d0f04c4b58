// NCCL's failures reach the caller (issue 12, fix 2). The CPU target has no NCCL, so these tests
// give it test/nccl/fake_nccl.cpp, an in-process NCCL over the virtual devices' host memory, and
// make it fail: a failing ncclGroupEnd and an asynchronous error (a peer lost mid-collective)
// must fail the step with NCCL's reason, abort the communicators, and leave the model training
// through the in-process stand-in. Eager steps (no CUDA graph): the fake sums at call time.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { compile } from "../compiler/pipeline.ts";
import { load, tensor, type CompiledModel } from "../runtime/index.ts";
import { TEST_TARGET } from "./target-helpers.ts";
import { scratchDir } from "./helpers.ts";

const fake = join(scratchDir("tsdp-nccl-"), "fake_nccl.so");
let dir = "";
const saved = { ...process.env };

const batch = () => {
  const x = new Float32Array(6 * 8);
  for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 0.7);
  return { x: tensor(x, [6, 8]), y: tensor(Int32Array.from([0, 1, 2, 0, 1, 2]), [6]) };
};

async function trained(fail: string | undefined, steps: number): Promise<{ m: CompiledModel; errors: string[] }> {
  process.env.TSDP_ALLREDUCE = "nccl";
  process.env.TSDP_NCCL_LIBRARY = fake;
  if (fail) process.env.FAKE_NCCL_FAIL = fail;
  else delete process.env.FAKE_NCCL_FAIL;
  const m = await load(dir, { devices: 2, cudaGraphs: false, seed: 5 });
  const errors: string[] = [];
  for (let s = 0; s < steps; s++) {
    const { x, y } = batch();
    try {
      m.trainStepSync(x, y, { lr: 0.1 });
    } catch (e) {
      errors.push(String((e as Error).message));
    }
  }
  return { m, errors };
}

const params = (m: CompiledModel) => Array.from(m.getParameter("fc1.weight").data as Float32Array);

describe.skipIf(TEST_TARGET !== "cpu")("NCCL errors are checked (the CPU target with a fake NCCL)", () => {
  beforeAll(async () => {
    execFileSync(process.env.CXX ?? "g++", ["-std=c++17", "-O1", "-shared", "-fPIC", "test/nccl/fake_nccl.cpp", "-o", fake]);
    const { build } = await compile("test/fixtures/hardening-mlp/model.ts", { target: "cpu", outDir: join("build", "test-nccl", "mlp") });
    dir = build.outDir;
  }, 300_000);
  afterEach(() => {
    for (const k of ["TSDP_ALLREDUCE", "TSDP_NCCL_LIBRARY", "FAKE_NCCL_FAIL"]) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });

  it("without a failure, NCCL's sums train exactly like the stand-in's", async () => {
    const { m, errors } = await trained(undefined, 3);
    expect(errors).toEqual([]);
    expect(m.describe()).toContain("all-reduce: NCCL");
    const viaNccl = params(m);
    m.dispose();
    process.env.TSDP_ALLREDUCE = "standin";
    const s = await load(dir, { devices: 2, cudaGraphs: false, seed: 5 });
    for (let i = 0; i < 3; i++) s.trainStepSync(batch().x, batch().y, { lr: 0.1 });
    expect(s.describe()).toContain("in-process stand-in");
    expect(params(s)).toEqual(viaNccl);
    s.dispose();
  });

  it("a failing ncclGroupEnd fails the step with NCCL's reason; NCCL is aborted and the stand-in takes over", async () => {
    const { m, errors } = await trained("group_end:2", 4);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/ncclGroupEnd failed: unhandled system error \(fake\)/);
    expect(m.describe()).toMatch(/all-reduce: in-process stand-in.*NCCL aborted after an error \(ncclGroupEnd failed/);
    expect(m.steps).toBe(3); // the failed step did not count; the two after it trained
    m.dispose();
  });

  it("an asynchronous NCCL error (ncclCommGetAsyncError) fails the step instead of passing wrong sums", async () => {
    const { m, errors } = await trained("async:1", 2);
    expect(errors[0]).toMatch(/ncclCommGetAsyncError\).*remote process exited or there was a network error \(fake\)/);
    expect(errors).toHaveLength(1);
    expect(m.describe()).toContain("NCCL aborted after an error");
    expect(m.steps).toBe(1);
    m.dispose();
  });
});
