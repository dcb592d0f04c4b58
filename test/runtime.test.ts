// The Node runtime (runtime/): loading a compiled model directory and calling its C ABI, tested
// against test/runtime/mock_model.cpp, a hand-written library that implements the same ABI.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import koffi from "koffi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BuildDirectoryError, CompiledModel, NativeError, load, tensor, type Int64Tensor, type Tensor } from "../runtime/index.ts";
import { ABI_VERSION, manifestContentHash, sha256 } from "../runtime/manifest.ts";
import { scratchDir } from "./helpers.ts";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const mockSource = join(root, "test/runtime/mock_model.cpp");

let work: string;
const libs: Record<string, string> = {};

/** Builds the mock library variants once. */
beforeAll(() => {
  work = scratchDir("tsdp-runtime-");
  // Each mock reports the seal (manifest content hash) of the manifest it stands for.
  const linearHash = `-DMOCK_HASH="${manifestContentHash(linearManifest())}"`;
  const variants: Record<string, string[]> = {
    linear: [linearHash],
    twoIO: ["-DMOCK_TWO_IO", `-DMOCK_HASH="${manifestContentHash(twoIOManifest())}"`],
    // a library of the next ABI version (the others speak this runtime's)
    nextAbi: [`-DMOCK_ABI=${ABI_VERSION + 1}`, linearHash],
    hidden: ["-DMOCK_NO_EXPORT", linearHash],
  };
  for (const [name, given] of Object.entries(variants)) {
    const flags = given.some((f) => f.startsWith("-DMOCK_ABI=")) ? given : [`-DMOCK_ABI=${ABI_VERSION}`, ...given];
    const out = join(work, `lib-${name}.so`);
    // -fvisibility=hidden as a code generator should use: only the ABI symbols are exported.
    // The soname lets a test reach the runtime's own mapping (a private copy, see runtime/loader.ts) by name.
    execFileSync("g++", ["-shared", "-fPIC", "-O1", "-fvisibility=hidden", `-Wl,-soname,libtsdp-mock-${name}.so`, ...flags, "-o", out, mockSource], { stdio: "pipe" });
    libs[name] = out;
  }
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

const linearManifest = () => ({
  format: "tsdp-model",
  abiVersion: ABI_VERSION,
  model: "MockLinear",
  target: "cpu",
  library: "libmodel.so",
  inputs: [{ name: "x", dtype: "float32", shape: ["Batch", 3] }],
  outputs: [{ name: "output0", dtype: "float32", shape: ["Batch", 2] }],
  params: [
    { name: "fc.weight", dtype: "float32", shape: [2, 3] },
    { name: "fc.bias", dtype: "float32", shape: [2] },
  ],
  buffers: [
    { name: "stats.num_forwards", dtype: "int64", shape: [] },
    { name: "config.devices", dtype: "int32", shape: [5] },
  ],
  kernels: [{ name: "linear_fwd" }],
  memory: { arenaBytes: 0 },
});

const twoIOManifest = () => ({
  ...linearManifest(),
  model: "MockTwoIO",
  inputs: [
    { name: "x", dtype: "float32", shape: ["Batch", 3] },
    { name: "shift", dtype: "int32", shape: ["Batch"] },
  ],
  outputs: [
    { name: "output0", dtype: "float32", shape: ["Batch", 2] },
    { name: "output1", dtype: "int32", shape: ["Batch"] },
  ],
});

let dirCount = 0;
/**
 * A model directory: manifest.json (an object, or raw text) and a copy of a mock library. An
 * object manifest is sealed as tsdp compile seals it (sourceHash, unless given, and the library's
 * sha256 and size).
 */
function modelDir(manifest: unknown, lib: string | null = libs.linear): string {
  const dir = join(work, `model-${dirCount++}`);
  mkdirSync(dir);
  if (lib) copyFileSync(lib, join(dir, "libmodel.so"));
  if (manifest !== null)
    writeFileSync(join(dir, "manifest.json"), typeof manifest === "string" ? manifest : JSON.stringify(sealed(manifest as object, dir), null, 2));
  return dir;
}

/** The manifest with its seal fields filled in for the library now in `dir`. */
function sealed(manifest: object, dir: string): object {
  const bytes = (() => {
    try {
      return readFileSync(join(dir, "libmodel.so"));
    } catch {
      return Buffer.alloc(0);
    }
  })();
  const m = { ...manifest } as Record<string, unknown>;
  if (!("sourceHash" in m)) m.sourceHash = manifestContentHash(m);
  return { ...m, librarySha256: sha256(bytes), libraryBytes: bytes.length };
}

/** Seals `dir`'s manifest again after its library was replaced (as a build would have). */
function reseal(dir: string): void {
  const file = join(dir, "manifest.json");
  writeFileSync(file, JSON.stringify(sealed(JSON.parse(readFileSync(file, "utf8")) as object, dir), null, 2));
}

/** x · Wᵀ + b in float32 arithmetic, as the mock computes it. */
function linear(x: Float32Array, w: Float32Array, b: Float32Array, batch: number): Float32Array {
  const y = new Float32Array(batch * 2);
  for (let n = 0; n < batch; n++)
    for (let o = 0; o < 2; o++) {
      let acc = b[o];
      for (let i = 0; i < 3; i++) acc = Math.fround(acc + Math.fround(x[n * 3 + i] * w[o * 3 + i]));
      y[n * 2 + o] = acc;
    }
  return y;
}

const f32 = (m: CompiledModel, name: string) => m.getParameter(name).data as Float32Array;
const x2 = () => tensor(new Float32Array([1, 2, 3, -0.5, 0.25, 4]), [2, 3]);

describe("load and forward", () => {
  it("runs the model and returns the manifest's output shape with the batch filled in", async () => {
    const m = await load(modelDir(linearManifest()), { seed: 7 });
    expect(m.name).toBe("MockLinear");
    expect(m.target).toBe("cpu");
    expect(m.inputs.map((s) => s.name)).toEqual(["x"]);
    const x = x2();
    const y = m.forwardSync(x) as Tensor;
    expect(y.shape).toEqual([2, 2]);
    expect(y.data).toBeInstanceOf(Float32Array);
    const expected = linear(x.data as Float32Array, f32(m, "fc.weight"), f32(m, "fc.bias"), 2);
    expect(Array.from(y.data)).toEqual(Array.from(expected));
    // A batch of one, and a large one.
    const one = m.forwardSync(tensor(new Float32Array([0, 0, 0]), [1, 3])) as Tensor;
    expect(one.shape).toEqual([1, 2]);
    expect(Array.from(one.data)).toEqual(Array.from(f32(m, "fc.bias")));
    const big = new Float32Array(1000 * 3).map((_, i) => Math.sin(i));
    const yb = m.forwardSync(tensor(big, [1000, 3])) as Tensor;
    expect(Array.from(yb.data)).toEqual(Array.from(linear(big, f32(m, "fc.weight"), f32(m, "fc.bias"), 1000)));
    // Inputs that are views into a larger buffer.
    const backing = new Float32Array(10).fill(99);
    backing.set([1, 2, 3, -0.5, 0.25, 4], 3);
    const view = m.forwardSync(tensor(backing.subarray(3, 9), [2, 3])) as Tensor;
    expect(Array.from(view.data)).toEqual(Array.from(y.data));
    expect((m.getParameter("stats.num_forwards") as Int64Tensor).data[0]).toBe(4n);
    m.dispose();
  });

  it("accepts the path of manifest.json itself", async () => {
    const dir = modelDir(linearManifest());
    const m = await load(join(dir, "manifest.json"));
    expect(m.dir).toBe(dir);
    m.dispose();
  });

  it("initializes parameters deterministically from the seed", async () => {
    const dir = modelDir(linearManifest());
    const a = await load(dir, { seed: 1 });
    const b = await load(dir, { seed: 1 });
    const c = await load(dir, { seed: 2 });
    const d = await load(dir, { seed: 2n ** 64n - 1n });
    expect(Array.from(f32(a, "fc.weight"))).toEqual(Array.from(f32(b, "fc.weight")));
    expect(Array.from(f32(a, "fc.weight"))).not.toEqual(Array.from(f32(c, "fc.weight")));
    for (const v of f32(d, "fc.weight")) expect(Math.abs(v)).toBeLessThanOrEqual(1);
    // Two instances of one library are independent.
    a.setParameter("fc.bias", tensor(new Float32Array([5, 6]), [2]));
    expect(Array.from(f32(b, "fc.bias"))).not.toEqual([5, 6]);
    for (const m of [a, b, c, d]) m.dispose();
  });

  it("passes devices to tsdp_create (a list, or a count)", async () => {
    const dir = modelDir(linearManifest());
    const devices = async (opts: object) => {
      const m = await load(dir, opts);
      const v = Array.from(m.getParameter("config.devices").data as Int32Array);
      m.dispose();
      return v;
    };
    expect(await devices({})).toEqual([0, -1, -1, -1, -1]);
    expect(await devices({ devices: [2, 0] })).toEqual([2, 2, 0, -1, -1]);
    expect(await devices({ devices: 3 })).toEqual([3, 0, 1, 2, -1]);
  });

  it("distributed under a launcher: a build without a training step is a TypeError (an instanceof a script can test), the model not left loaded", async () => {
    const dir = modelDir(linearManifest());
    const saved = { RANK: process.env.RANK, WORLD_SIZE: process.env.WORLD_SIZE };
    Object.assign(process.env, { RANK: "0", WORLD_SIZE: "2" });
    try {
      const e = await load(dir, { distributed: true }).then(() => undefined, (err: unknown) => err);
      expect(e).toBeInstanceOf(TypeError);
      expect((e as Error).message).toMatch(/^load: distributed: .* has no training step \(DistributedDataParallel sums gradients\)/);
    } finally {
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it("handles several inputs and outputs (returned as an array), with int32 data", async () => {
    const m = await load(modelDir(twoIOManifest(), libs.twoIO), { seed: 3 });
    const x = x2();
    const shift = tensor(new Int32Array([10, -10]), [2]);
    const outs = m.forwardSync(x, shift) as Tensor[];
    expect(outs).toHaveLength(2);
    const [y, idx] = outs;
    expect(y.shape).toEqual([2, 2]);
    expect(idx.shape).toEqual([2]);
    expect(idx.data).toBeInstanceOf(Int32Array);
    const base = linear(x.data as Float32Array, f32(m, "fc.weight"), f32(m, "fc.bias"), 2);
    const expected = base.map((v, i) => v + [10, -10][i >> 1]);
    expect(Array.from(y.data)).toEqual(Array.from(expected));
    expect(Array.from(idx.data)).toEqual([0, 1].map((n) => (y.data[n * 2 + 1] > y.data[n * 2] ? 1 : 0)));
    expect(m.forwardAllSync(x, shift)).toHaveLength(2);
    expect(() => m.forwardSync(x, tensor(new Int32Array([1, 2, 3]), [3]))).toThrow(/inputs disagree on the batch size: x has 2, shift has 3/);
    expect(() => m.forwardSync(x, tensor(new Float32Array([1, 2]), [2]))).toThrow(/input 2 \(shift: int32 \[Batch\]\) must hold int32 data \(an Int32Array\), got Float32Array/);
    expect(() => m.forwardSync(x)).toThrow(/expects 2 inputs \(x: float32 \[Batch, 3\], shift: int32 \[Batch\]\), got 1/);
    // int32 values the kernels' float32 would round are refused (2^24 itself is exact)
    expect(() => m.forwardSync(x, tensor(new Int32Array([2 ** 24, -(2 ** 24) - 1]), [2]))).toThrow(/input 2 \(shift: int32 \[Batch\]\): value -16777217 at position 1 is past ±2\^24 \(16,777,216\): tsdp's kernels compute int32 tensors in float32/);
    expect((m.forwardSync(x, tensor(new Int32Array([2 ** 24, 0]), [2])) as Tensor[])[0].data[0]).toBe(Math.fround(linear(x.data as Float32Array, f32(m, "fc.weight"), f32(m, "fc.bias"), 2)[0] + 2 ** 24));
    expect((m.forwardAllSync(x, shift)[1].data as Int32Array).length).toBe(2);
    m.dispose();
  });
});

describe("parameters", () => {
  it("lists parameters and buffers from the manifest", async () => {
    const m = await load(modelDir(linearManifest()));
    expect(m.parameters()).toEqual([
      { name: "fc.weight", shape: [2, 3], dtype: "float32" },
      { name: "fc.bias", shape: [2], dtype: "float32" },
    ]);
    expect(m.buffers()).toEqual([
      { name: "stats.num_forwards", shape: [], dtype: "int64" },
      { name: "config.devices", shape: [5], dtype: "int32" },
    ]);
    // The lists are copies, and the manifest is frozen.
    (m.parameters()[0].shape as number[]).push(9);
    expect(m.parameters()[0].shape).toEqual([2, 3]);
    expect(() => ((m.inputs[0].shape as number[])[1] = 1000)).toThrow(TypeError);
    expect(Object.isFrozen(m.manifest.outputs[0].shape)).toBe(true);
    m.dispose();
  });

  it("round-trips setParameter/getParameter, and the new values change forward", async () => {
    const m = await load(modelDir(linearManifest()), { seed: 11 });
    const x = x2();
    const before = Array.from((m.forwardSync(x) as Tensor).data);
    const w = new Float32Array([1, 0, 0, 0, 1, 1]);
    m.setParameter("fc.weight", tensor(w, [2, 3]));
    m.setParameter("fc.bias", tensor(new Float32Array([0.5, -1]), [2]));
    const got = m.getParameter("fc.weight");
    expect(got.shape).toEqual([2, 3]);
    expect(Array.from(got.data as Float32Array)).toEqual(Array.from(w));
    w[0] = 42; // the model holds its own copy
    expect(f32(m, "fc.weight")[0]).toBe(1);
    const after = Array.from((m.forwardSync(x) as Tensor).data);
    expect(after).not.toEqual(before);
    expect(after).toEqual([1 + 0.5, 2 + 3 - 1, -0.5 + 0.5, 0.25 + 4 - 1]);
    // int64 buffers travel as BigInt64Array.
    const count = m.getParameter("stats.num_forwards") as Int64Tensor;
    expect(count.shape).toEqual([]);
    expect(count.data).toBeInstanceOf(BigInt64Array);
    expect(count.data[0]).toBe(2n);
    m.setParameter("stats.num_forwards", { data: new BigInt64Array([100n]), shape: [] });
    m.forwardSync(x);
    expect((m.getParameter("stats.num_forwards") as Int64Tensor).data[0]).toBe(101n);
    // an Int32Array converts into int64, as loadStateDict converts it; a Float64Array into float32 state
    m.setParameter("stats.num_forwards", tensor(Int32Array.of(7), []));
    expect((m.getParameter("stats.num_forwards") as Int64Tensor).data[0]).toBe(7n);
    m.setParameter("fc.bias", { data: Float64Array.of(0.1, -2), shape: [2] } as never);
    expect(Array.from(m.getParameter("fc.bias").data as Float32Array)).toEqual([Math.fround(0.1), -2]);
    m.dispose();
  });
});

describe("bad arguments are refused before native code, and the model keeps working", () => {
  let m: CompiledModel;
  beforeAll(async () => {
    m = await load(modelDir(linearManifest()), { seed: 5 });
  });
  afterAll(() => m.dispose());

  const stillWorks = () => {
    const x = x2();
    const y = m.forwardSync(x) as Tensor;
    expect(Array.from(y.data)).toEqual(Array.from(linear(x.data as Float32Array, f32(m, "fc.weight"), f32(m, "fc.bias"), 2)));
  };

  const raw = (data: unknown, shape: unknown) => ({ data, shape }) as unknown as Tensor;
  const forwardCases: [string, unknown[], RegExp][] = [
    ["no input", [], /MockLinear\.forward expects 1 input \(x: float32 \[Batch, 3\]\), got 0/],
    ["two inputs", [x2(), x2()], /expects 1 input .*got 2/],
    ["a number", [3], /input 1 \(x: float32 \[Batch, 3\]\) must be a tensor \{data, shape\}.*got number 3/],
    ["null", [null], /must be a tensor \{data, shape\}.*got null/],
    ["undefined", [undefined], /must be a tensor .*got undefined/],
    ["a bare Float32Array", [new Float32Array(6)], /must be a tensor .*got Float32Array/],
    ["a plain array of numbers", [raw([1, 2, 3], [1, 3])], /data must be a typed array .*got an array/],
    ["no shape", [{ data: new Float32Array(3) }], /shape must be an array of sizes, got undefined/],
    ["a string shape", [raw(new Float32Array(3), "1,3")], /shape must be an array of sizes, got the string "1,3"/],
    ["Float64Array data", [raw(new Float64Array(6), [2, 3])], /must hold float32 data \(a Float32Array\), got Float64Array/],
    ["Int32Array data", [tensor(new Int32Array(6), [2, 3])], /must hold float32 data .*got Int32Array/],
    ["a DataView", [raw(new DataView(new ArrayBuffer(24)), [2, 3])], /data must be a typed array .*got DataView/],
    ["rank 1", [tensor(new Float32Array(3), [3])], /must have rank 2, got shape \[3\] of rank 1/],
    ["rank 3", [tensor(new Float32Array(3), [1, 3, 1])], /must have rank 2, got shape \[1, 3, 1\] of rank 3/],
    ["a wrong feature dim", [tensor(new Float32Array(8), [2, 4])], /dim 1 must be 3, got shape \[2, 4\] \(the dims after the batch are fixed when the model is compiled: pad to 3, or compile a model for this size\)/],
    ["a string feature dim", [raw(new Float32Array(6), [2, "3"])], /dim 1 must be 3/],
    ["batch 0", [tensor(new Float32Array(0), [0, 3])], /batch size \(dim 0\) must be an integer from 1 to 2147483647, got number 0/],
    ["batch -1", [raw(new Float32Array(3), [-1, 3])], /batch size .*got number -1/],
    ["batch NaN", [raw(new Float32Array(3), [NaN, 3])], /batch size .*got number NaN/],
    ["batch Infinity", [raw(new Float32Array(3), [Infinity, 3])], /batch size .*got number Infinity/],
    ["batch 1.5", [raw(new Float32Array(3), [1.5, 3])], /batch size .*got number 1.5/],
    ["batch 2^31", [raw(new Float32Array(3), [2 ** 31, 3])], /batch size .*got number 2147483648/],
    ["batch a string", [raw(new Float32Array(3), ["1", 3])], /batch size .*got the string "1"/],
    ["batch a bigint", [raw(new Float32Array(3), [1n, 3])], /batch size .*got bigint 1/],
    ["too little data", [raw(new Float32Array(5), [2, 3])], /shape \[2, 3\] holds 6 values, but data has 5/],
    ["too much data", [raw(new Float32Array(9), [2, 3])], /shape \[2, 3\] holds 6 values, but data has 9/],
    ["a huge batch with little data", [raw(new Float32Array(6), [2 ** 31 - 1, 3])], /holds 6442450941 values, but data has 6/],
  ];
  for (const [name, args, message] of forwardCases)
    it(`forward: ${name}`, () => {
      expect(() => m.forwardSync(...(args as Tensor[]))).toThrow(message);
      stillWorks();
    });

  it("forward: detached input data", () => {
    const data = new Float32Array(6);
    structuredClone(data.buffer, { transfer: [data.buffer] });
    expect(() => m.forwardSync(raw(data, [2, 3]))).toThrow(/input 1 .*: its memory cannot be read .*detached/);
    stillWorks();
  });

  const paramCases: [string, () => unknown, RegExp][] = [
    ["getParameter: a misspelled name", () => m.getParameter("fc.wieght"), /no parameter or buffer named "fc.wieght"; did you mean "fc.weight"\?/],
    ["getParameter: an unknown name", () => m.getParameter("conv9.kernel_thing"), /no parameter or buffer named "conv9.kernel_thing"; the model's parameters and buffers are "fc.weight", "fc.bias"/],
    ["getParameter: a number", () => m.getParameter(5 as unknown as string), /the name must be a string, got number 5/],
    ["getParameter: a name with NUL", () => m.getParameter("fc.weight\0x"), /no parameter or buffer named/],
    ["setParameter: an unknown name", () => m.setParameter("fc.bais", tensor(new Float32Array(2), [2])), /did you mean "fc.bias"\?/],
    ["setParameter: not a tensor", () => m.setParameter("fc.bias", new Float32Array(2) as unknown as Tensor), /the value must be a tensor \{data, shape\}.*got Float32Array/],
    ["setParameter: a wrong shape", () => m.setParameter("fc.weight", tensor(new Float32Array(6), [3, 2])), /fc.weight has shape \[2, 3\], got \[3, 2\]/],
    ["setParameter: a flat shape", () => m.setParameter("fc.weight", tensor(new Float32Array(6), [6])), /fc.weight has shape \[2, 3\], got \[6\]/],
    ["setParameter: a wrong dtype", () => m.setParameter("fc.bias", tensor(new Int32Array(2), [2])), /fc.bias is float32, so the data must be a Float32Array \(or a Float64Array\), got Int32Array/],
    ["setParameter: number data for int64", () => m.setParameter("stats.num_forwards", raw(new Float64Array(1), [])), /stats.num_forwards is int64, so the data must be a BigInt64Array \(or an Int32Array\), got Float64Array/],
    ["setParameter: a wrong length", () => m.setParameter("fc.bias", raw(new Float32Array(3), [2])), /shape \[2\] holds 2 values, but data has 3/],
    ["setParameter: NaN dims", () => m.setParameter("fc.bias", raw(new Float32Array(2), [NaN])), /fc.bias has shape \[2\], got \[NaN\]/],
  ];
  for (const [name, call, message] of paramCases)
    it(name, () => {
      expect(call).toThrow(message);
      stillWorks();
    });

  it("a native failure in forward becomes an Error with tsdp_last_error's message", () => {
    let err: unknown;
    try {
      m.forwardSync(tensor(new Float32Array(1001 * 3), [1001, 3]));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NativeError);
    const e = err as NativeError;
    expect(e.message).toMatch(/MockLinear\.forward: tsdp_forward failed \(code 2\): mock: out of memory: batch 1001 needs 20020 bytes/);
    expect(e.code).toBe(2);
    expect(e.function).toBe("tsdp_forward");
    expect(e.nativeMessage).toMatch(/^mock: out of memory/);
    stillWorks();
  });

  it("a native failure in setParameter becomes an Error with tsdp_last_error's message", () => {
    expect(() => m.setParameter("config.devices", tensor(new Int32Array(5), [5]))).toThrow(
      /MockLinear\.setParameter: tsdp_set_param failed \(code 6\): mock: config.devices is read-only/,
    );
    stillWorks();
  });

  it("a loadCheckpoint that fails in native code half way puts back what it had written", async () => {
    // the mock refuses to write config.devices, the last tensor of its own checkpoint
    const file = join(scratchDir("tsdp-ckpt-"), "c.safetensors");
    const before = { w: Array.from(f32(m, "fc.weight")), b: Array.from(f32(m, "fc.bias")) };
    await m.saveCheckpoint(file);
    m.setParameter("fc.weight", tensor(new Float32Array(6).fill(7), [2, 3]));
    m.setParameter("fc.bias", tensor(new Float32Array(2).fill(-7), [2]));
    await expect(m.loadCheckpoint(file)).rejects.toThrow(/loadCheckpoint: tsdp_set_param failed \(code 6\): mock: config.devices is read-only/);
    expect(Array.from(f32(m, "fc.weight"))).toEqual(new Array(6).fill(7));
    expect(Array.from(f32(m, "fc.bias"))).toEqual(new Array(2).fill(-7));
    m.setParameter("fc.weight", tensor(Float32Array.from(before.w), [2, 3]));
    m.setParameter("fc.bias", tensor(Float32Array.from(before.b), [2]));
    stillWorks();
  });
});

describe("load refuses", () => {
  const refuses = async (dir: string, message: RegExp, opts?: object) => {
    await expect(load(dir, opts)).rejects.toThrow(message);
  };

  it("a missing directory, and a directory without manifest.json", async () => {
    await refuses(join(work, "no-such-model"), /no-such-model does not exist: compile the model with tsdp compile first/);
    // the class a directory that is not a build gets (tsapi58: a plain Error)
    await expect(load(join(work, "no-such-model"))).rejects.toBeInstanceOf(BuildDirectoryError);
    const dir = modelDir(null);
    await refuses(dir, new RegExp(`${dir}/manifest.json not found: is this a model directory produced by tsdp compile\\?`));
  });

  it("a file that is not manifest.json", async () => {
    const dir = modelDir(linearManifest());
    await refuses(join(dir, "libmodel.so"), /is a file; pass the model directory/);
  });

  it("a corrupt manifest.json", async () => {
    const dir = modelDir(`{"format": "tsdp-model", "abiVersion": ${ABI_VERSION}, `);
    await refuses(dir, new RegExp(`${dir}/manifest.json is not valid JSON \\(.*\\): rebuild with tsdp compile <model.ts> --out ${dir}`));
    await refuses(modelDir(""), /manifest.json is not valid JSON/);
    await refuses(modelDir("[1, 2]"), /manifest.json: invalid tsdp manifest:\n {2}expected a JSON object, got an array/);
  });

  it("a manifest of another format or ABI version", async () => {
    await refuses(modelDir({ ...linearManifest(), format: "onnx" }), /manifest.json: invalid tsdp manifest:\n {2}"format" must be "tsdp-model", got "onnx"/);
    // a newer build: the tsdp that built it loads it; an older one: rebuild
    await refuses(modelDir({ ...linearManifest(), abiVersion: ABI_VERSION + 1 }), new RegExp(`"abiVersion" is ${ABI_VERSION + 1}, this runtime supports ${ABI_VERSION}: the build is newer than this runtime — load it with the tsdp that built it \\(upgrade tsdp here\\), or rebuild with this one`));
    await refuses(modelDir({ ...linearManifest(), abiVersion: ABI_VERSION - 1 }), new RegExp(`"abiVersion" is ${ABI_VERSION - 1}, this runtime supports ${ABI_VERSION}: rebuild with tsdp compile`));
    await refuses(modelDir({ ...linearManifest(), abiVersion: String(ABI_VERSION) }), new RegExp(`"abiVersion" is "${ABI_VERSION}"`));
  });

  it("a malformed manifest, listing every problem", async () => {
    const bad = {
      ...linearManifest(),
      model: "",
      target: "tpu",
      library: "../libmodel.so",
      inputs: [{ name: "x", dtype: "float64", shape: [3, "Batch"] }],
      outputs: [],
      params: [
        { name: "fc.weight", dtype: "float32", shape: [2, 0] },
        { name: "fc.weight", dtype: "float32", shape: ["Batch"], persistent: false },
      ],
      buffers: "none",
    };
    let msg = "";
    await load(modelDir(bad)).catch((e: Error) => (msg = e.message));
    expect(msg).toMatch(/manifest.json: invalid tsdp manifest:/);
    for (const part of [
      `"model" must be a non-empty string, got ""`,
      `"target" must be "cpu" or "cuda", got "tpu"`,
      `"library" must be a file name inside the model directory, got "../libmodel.so"`,
      `inputs[0].dtype must be "float32", "int32" or "int64", got "float64"`,
      `inputs[0].shape[1] is "Batch": the batch dimension must be dim 0`,
      `inputs[0].shape must start with "Batch", got [3, "Batch"]`,
      `"outputs" must not be empty`,
      `params[0].shape[1] must be a positive integer, got 0`,
      `params[1].name "fc.weight" appears twice among params and buffers`,
      `params[1].shape[0] is "Batch": parameters and buffers have fixed shapes`,
      // only a buffer may be left out of the state_dict
      `params[1].persistent may only be false, on a buffer; got false`,
      `"buffers" must be an array, got "none"`,
    ])
      expect(msg).toContain(part);
    await refuses(modelDir({ ...linearManifest(), params: undefined }), /"params" must be an array, got undefined/);
    await refuses(
      modelDir({ ...linearManifest(), outputs: [{ name: "n", dtype: "int64", shape: ["Batch"] }] }),
      /outputs\[0\].dtype is int64: model inputs and outputs must be float32 or int32/,
    );
  });

  it("a missing or broken library", async () => {
    await refuses(modelDir(linearManifest(), null), /libmodel.so \(the library named in .*manifest.json\) is missing: rebuild with tsdp compile/);
    const dir = modelDir(linearManifest(), null);
    writeFileSync(join(dir, "libmodel.so"), "not an ELF file");
    await refuses(dir, /libmodel.so is not the library .*manifest.json was built with: it has 15 bytes, the manifest says 0/);
    reseal(dir);
    await refuses(dir, /cannot load .*libmodel.so: /);
    const cuda = modelDir({ ...linearManifest(), target: "cuda" }, null);
    writeFileSync(join(cuda, "libmodel.so"), "");
    reseal(cuda);
    await refuses(cuda, /cannot load .*libmodel.so: .*\(a cuda build needs the CUDA runtime and an NVIDIA driver on this machine/);
  });

  it("a library that does not export the ABI", async () => {
    await refuses(modelDir(linearManifest(), libs.hidden), /does not export tsdp_abi_version .*extern "C" functions with __attribute__\(\(visibility\("default"\)\)\)/);
  });

  it("a library of another ABI version", async () => {
    await refuses(modelDir(linearManifest(), libs.nextAbi), new RegExp(`speaks tsdp ABI version ${ABI_VERSION + 1}, this runtime speaks ${ABI_VERSION}: rebuild with tsdp compile`));
  });

  it("a library built from another manifest", async () => {
    await refuses(
      modelDir({ ...linearManifest(), sourceHash: "0f".repeat(32) }),
      /manifest.json was edited after tsdp compile wrote it \(its contents hash to [0-9a-f]{64}, its sourceHash says 0f0f.*\).*: rebuild with tsdp compile/,
    );
    // The two-input library under the one-input manifest, both sealed: refused after loading, by the hash the library carries.
    await refuses(
      modelDir(linearManifest(), libs.twoIO),
      /libmodel.so was built for a different model\/manifest \(library sourceHash "[0-9a-f]{64}", .*manifest.json says "[0-9a-f]{64}"\): rebuild with tsdp compile/,
    );
  });

  it("bad options, before touching the library", async () => {
    const dir = modelDir(linearManifest());
    await refuses(dir, /load: options must be an object/, 5 as unknown as object);
    await refuses(dir, /load: unknown option "device"; did you mean "devices"\?/, { device: 0 });
    await refuses(dir, /load: unknown option "sed"; did you mean "seed"\?/, { sed: 0 });
    await refuses(dir, /devices must be a device count from 1 to 1024 or a list of device ids, got number 0/, { devices: 0 });
    await refuses(dir, /devices must be a device count .*got number 1.5/, { devices: 1.5 });
    await refuses(dir, /devices must list from 1 to 1024 device ids, got 0/, { devices: [] });
    await refuses(dir, /device ids must be non-negative integers, got number -1 in \[0, -1\]/, { devices: [0, -1] });
    await refuses(dir, /device ids must be non-negative integers, got the string "0"/, { devices: ["0"] });
    await refuses(dir, /devices lists a device twice: \[1, 1\]/, { devices: [1, 1] });
    await refuses(dir, /devices must be a device count or a list of device ids, got the string "0"/, { devices: "0" });
    await refuses(dir, /seed must be a non-negative integer .*got number -1/, { seed: -1 });
    await refuses(dir, /seed must be a non-negative integer .*got number NaN/, { seed: NaN });
    await refuses(dir, /seed must be a non-negative integer .*got number 1.5/, { seed: 1.5 });
    await refuses(dir, /seed must be a non-negative integer .*got number 9007199254740992/, { seed: 2 ** 53 });
    await refuses(dir, /a bigint seed must be in \[0, 2\^64\), got 18446744073709551616/, { seed: 2n ** 64n });
    await refuses(dir, /seed must be a number or a bigint, got the string "1"/, { seed: "1" });
    await expect(load(5 as unknown as string)).rejects.toThrow(/load: expected the path of a model directory, got number 5/);
  });

  it("a tsdp_create failure, with tsdp_last_error(NULL)'s message", async () => {
    let err: unknown;
    await load(modelDir(linearManifest()), { devices: [1, 7] }).catch((e) => (err = e));
    expect(err).toBeInstanceOf(NativeError);
    expect((err as Error).message).toMatch(/load: MockLinear: tsdp_create failed \(code 5\): mock: device 7 is not available \(4 devices\)/);
  });
});

describe("dispose", () => {
  it("frees the model; later calls throw, a second dispose does nothing", async () => {
    const dir = modelDir(linearManifest());
    const m = await load(dir);
    expect(m.disposed).toBe(false);
    m.dispose();
    expect(m.disposed).toBe(true);
    expect(() => m.dispose()).not.toThrow();
    expect(() => m.forwardSync(x2())).toThrow(/MockLinear\.forward: the model has been disposed/);
    expect(() => m.forwardAllSync(x2())).toThrow(/has been disposed/);
    expect(() => m.parameters()).toThrow(/MockLinear\.parameters: the model has been disposed/);
    expect(() => m.buffers()).toThrow(/has been disposed/);
    expect(() => m.getParameter("fc.weight")).toThrow(/MockLinear\.getParameter: the model has been disposed/);
    expect(() => m.setParameter("fc.bias", tensor(new Float32Array(2), [2]))).toThrow(/has been disposed/);
    // Disposed before its arguments are looked at.
    expect(() => m.forwardSync(null as unknown as Tensor)).toThrow(/has been disposed/);
    // The directory loads again.
    const again = await load(dir);
    expect((again.forwardSync(x2()) as Tensor).shape).toEqual([2, 2]);
    again.dispose();
  });
});

describe("library lifetime", () => {
  /** mock_live_models() of the linear mock as the runtime mapped it (found by its soname, so the same dlopen handle). */
  const live = () => koffi.load("libtsdp-mock-linear.so").func("int mock_live_models(void)")() as number;

  it("dispose destroys the native model", async () => {
    const dir = modelDir(linearManifest());
    const a = await load(dir);
    const b = await load(dir);
    // Other tests' models of the same library may still be alive, and one the collector took may be
    // destroyed at any turn of the event loop: each count is taken right before, with nothing between.
    let alive = live();
    expect(alive).toBeGreaterThanOrEqual(2);
    a.dispose();
    expect(live()).toBe(alive - 1);
    alive = live();
    b.dispose();
    expect(live()).toBe(alive - 1);
    b.dispose(); // a second dispose destroys nothing more
    expect(live()).toBe(alive - 1);
  });

  it("loads a rebuilt library from the same path, not the copy already in memory", async () => {
    const dir = modelDir(linearManifest());
    const old = await load(dir);
    expect((old.forwardSync(x2()) as Tensor).shape).toEqual([2, 2]);
    // A rebuild: the new library is written beside and renamed over the old one, as a compiler should.
    copyFileSync(libs.twoIO, join(dir, "libmodel.so.new"));
    renameSync(join(dir, "libmodel.so.new"), join(dir, "libmodel.so"));
    writeFileSync(join(dir, "manifest.json"), JSON.stringify(sealed(twoIOManifest(), dir)));
    const rebuilt = await load(dir);
    expect(rebuilt.name).toBe("MockTwoIO");
    expect(rebuilt.forwardSync(x2(), tensor(new Int32Array([1, 2]), [2]))).toHaveLength(2);
    // The old model still runs on the old library.
    expect((old.forwardSync(x2()) as Tensor).shape).toEqual([2, 2]);
    old.dispose();
    rebuilt.dispose();
  });
});

describe("tensor()", () => {
  it("builds tensors and refuses bad ones", () => {
    const t = tensor(new Float32Array(6), [2, 3]);
    expect(t.shape).toEqual([2, 3]);
    expect(Object.isFrozen(t.shape)).toBe(true);
    expect(tensor(new Int32Array(1), []).shape).toEqual([]);
    expect(() => tensor([1, 2, 3] as unknown as Float32Array, [3])).toThrow(/data must be a Float32Array or an Int32Array, got \[object Array\]/);
    expect(() => tensor(new Float64Array(3) as unknown as Float32Array, [3])).toThrow(/got \[object Float64Array\]/);
    expect(() => tensor(new Float32Array(6), [2, 4])).toThrow(/shape \[2, 4\] holds 8 values, data has 6/);
    expect(() => tensor(new Float32Array(6), [2, -3])).toThrow(/has an invalid size -3/);
    expect(() => tensor(new Float32Array(6), [2, 1.5])).toThrow(/has an invalid size 1.5/);
    expect(() => tensor(new Float32Array(6), [NaN])).toThrow(/has an invalid size NaN/);
    expect(() => tensor(new Float32Array(6), ["6" as unknown as number])).toThrow(/shape \["6"\] has an invalid size "6" \(a string; sizes are numbers\)/);
  });
});

describe("plain Node", () => {
  it('imports load and tensor from "tsdp" through runtime/index.js', () => {
    const dir = modelDir(linearManifest());
    const script = `
      import { load, tensor, NativeError } from "tsdp";
      const m = await load(${JSON.stringify(dir)}, { seed: 4 });
      const y = m.forwardSync(tensor(new Float32Array([1, 2, 3]), [1, 3]));
      let native = false;
      try { m.forwardSync(tensor(new Float32Array(3003), [1001, 3])); } catch (e) { native = e instanceof NativeError; }
      m.dispose();
      console.log(JSON.stringify({ shape: y.shape, n: y.data.length, native }));`;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: root, encoding: "utf8" });
    expect(JSON.parse(out.trim().split("\n").pop()!)).toEqual({ shape: [1, 2], n: 2, native: true });
  });

  it("destroys models that are garbage-collected without dispose", () => {
    const dir = modelDir(linearManifest());
    const script = `
      import { load } from "tsdp";
      import koffi from "koffi";
      // held until counted: a collection during the loop (V8 runs one when it likes) would destroy
      // some before they are counted, and the count said 2 of 50 (a CI run, session 45)
      let models = [];
      for (let i = 0; i < 50; i++) models.push(await load(${JSON.stringify(dir)}));
      const live = koffi.load("libtsdp-mock-linear.so").func("int mock_live_models(void)");
      const created = live();
      models = [];
      for (let i = 0; i < 20 && live() > 0; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 10)); }
      console.log(JSON.stringify({ created, left: live() }));`;
    const out = execFileSync(process.execPath, ["--expose-gc", "--input-type=module", "-e", script], { cwd: root, encoding: "utf8" });
    expect(JSON.parse(out.trim().split("\n").pop()!)).toEqual({ created: 50, left: 0 });
  });
});
