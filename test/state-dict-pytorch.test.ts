// PyTorch's weights moved into a compiled model: state_dict keys in PyTorch's order, a tied weight
// or a module held in two fields under every key that reaches it, and the values PyTorch's
// load_state_dict accepts besides the exact dtype and shape (copy_'s conversions, a 0-d value
// saved as [1], a BatchNorm file without num_batches_tracked).
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compile } from "../compiler/pipeline.ts";
import { load, tensor, type CompiledModel, type ParameterTensor } from "../runtime/index.ts";
import { readSafetensorsFile, writeSafetensorsFile } from "../runtime/safetensors.ts";
import { header, removeScratch, scratchDir, writeFiles } from "./helpers.ts";

const MODEL = `${header}
class Block extends nn.Module {
  fc = new nn.Linear(4, 4);
  forward(x: Tensor<[Batch, 4]>) {
    return F.relu(this.fc(x));
  }
}

export class Tied extends nn.Module {
  emb = new nn.Embedding(10, 4);
  scale = new nn.Parameter(F.ones(4));
  bn = new nn.BatchNorm1d(4);
  shared = new Block();
  again = this.shared;
  stack = new nn.Sequential(new Block(), new Block());
  decoder = new nn.Linear(4, 10, { bias: false });
  constructor() {
    super();
    this.registerBuffer("offset", F.zeros(4));
    // a name PyTorch takes that a plain object's assignment would not keep as a key
    this.registerBuffer("__proto__", F.ones(2));
    // an integer table (Swin's relative_position_index): a constant tsdp computes, state in PyTorch
    this.registerBuffer("order", F.tensor([3, 2, 1, 0], { dtype: "int32" }));
    this.decoder.weight = this.emb.weight;
  }
  forward(x: Tensor<[Batch, 4]>) {
    let h = this.bn(x.index(":", this.order).mul(this.scale).add(this.offset));
    h = this.again(this.shared(h));
    h = this.stack(h);
    return this.decoder(h);
  }
}

export const training = new Training(Tied, { loss: new nn.CrossEntropyLoss(), optimizer: new optim.SGD({ lr: 0.1 }) });
`;

// PyTorch's state_dict() of this module: the root's own parameter and buffers, then each child in
// field order — `again` is `shared` again and `decoder.weight` is `emb.weight`, listed under both;
// "order" is the integer table, which tsdp computes and holds no state for, exported as PyTorch saves it
const PYTORCH_KEYS = [
  "scale", "offset", "__proto__", "order", "emb.weight",
  "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var", "bn.num_batches_tracked",
  "shared.fc.weight", "shared.fc.bias", "again.fc.weight", "again.fc.bias",
  "stack.0.fc.weight", "stack.0.fc.bias", "stack.1.fc.weight", "stack.1.fc.bias",
  "decoder.weight",
];

let dir = "";
let m: CompiledModel;
let other: CompiledModel;
const x = tensor(Float32Array.from({ length: 3 * 4 }, (_, i) => Math.sin(i + 1)), [3, 4]);
const out = (model: CompiledModel) => Array.from(model.forwardAllSync(x)[0].data as Float32Array);
const values = (t: ParameterTensor) => Array.from(t.data as ArrayLike<number | bigint>, Number);

beforeAll(async () => {
  const src = writeFiles({ "model.ts": MODEL });
  ({ build: { outDir: dir } } = await compile(join(src, "model.ts"), { target: "cpu", outDir: join("build", "test-state-dict-pytorch", "tied") }));
  m = await load(dir, { seed: 1 });
  other = await load(dir, { seed: 2 });
  m.eval();
  other.eval();
}, 600_000);
afterAll(() => {
  m?.dispose();
  other?.dispose();
  removeScratch();
});

/** A file as PyTorch would write these tensors (no checksum), under the given keys. */
async function ptFile(tensors: { name: string; dtype: string; shape: number[]; data: ArrayBufferView }[]): Promise<string> {
  const file = join(scratchDir(), "pt.safetensors");
  await writeSafetensorsFile(file, tensors, { format: "pt" });
  return file;
}
const f32 = (model: CompiledModel, key: string) => ({ name: key, dtype: "F32", shape: [...model.getParameter(key).shape], data: model.getParameter(key).data as Float32Array });
const nbt = (model: CompiledModel) => ({ name: "bn.num_batches_tracked", dtype: "I64", shape: [], data: model.getParameter("bn.num_batches_tracked").data as BigInt64Array });

describe("state_dict keys", () => {
  it("stateDict() lists PyTorch's keys in its order, a tied weight and a shared module under each of theirs", () => {
    const state = m.stateDict();
    expect(Object.keys(state)).toEqual(PYTORCH_KEYS);
    expect(values(state["decoder.weight"])).toEqual(values(state["emb.weight"]));
    expect(Object.getPrototypeOf(state)).toBe(Object.prototype);
    expect(values(Object.getOwnPropertyDescriptor(state, "__proto__")!.value)).toEqual([1, 1]);
    expect(values(state["again.fc.bias"])).toEqual(values(state["shared.fc.bias"]));
    // the model holds each tensor once (named_parameters), under its first key
    expect(m.parameters().map((p) => p.name)).not.toContain("decoder.weight");
    expect(values(m.getParameter("decoder.weight"))).toEqual(values(m.getParameter("emb.weight")));
    // the integer table as PyTorch's int64 buffer, not among the model's state
    expect(state.order.data).toEqual(BigInt64Array.of(3n, 2n, 1n, 0n));
    expect(state.order.shape).toEqual([4]);
    expect(m.buffers().map((b) => b.name)).not.toContain("order");
    // the round trip: every key of stateDict() is one loadStateDict takes
    expect(other.loadStateDict(m.stateDict())).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(out(other)).toEqual(out(m));
  });
});

describe("the integer table a model computes", () => {
  it("a checkpoint holds it as PyTorch saves it (int64), its own value sets and loads, another value is refused", async () => {
    const file = join(scratchDir(), "own.safetensors");
    await m.saveCheckpoint(file);
    const { tensors } = await readSafetensorsFile(file);
    expect(tensors.get("order")).toMatchObject({ dtype: "I64", shape: [4] });
    expect(tensors.get("order")!.data).toEqual(BigInt64Array.of(3n, 2n, 1n, 0n));
    const target = await load(dir, { seed: 5 });
    try {
      target.eval();
      await target.loadCheckpoint(file);
      expect(out(target)).toEqual(out(m));
      target.setParameter("order", m.getParameter("order"));
      target.setParameter("order", tensor(Int32Array.of(3, 2, 1, 0), [4]));
      expect(() => target.setParameter("order", { data: BigInt64Array.of(0n, 1n, 2n, 3n), shape: [4] })).toThrow(
        /setParameter\("order"\): the value holds other values than the table the model computes from its file/,
      );
      expect(out(target)).toEqual(out(m));
    } finally {
      target.dispose();
    }
  });
});

describe("loading PyTorch's files", () => {
  it("a tied weight named by its other key loads into it (safetensors' save_model keeps one of the names)", async () => {
    const target = await load(dir, { seed: 3 });
    try {
      target.eval();
      // save_model drops duplicates, keeping sorted(names)[0]: decoder.weight for the tie, again.* for the shared block
      const keys = PYTORCH_KEYS.filter((k) => k !== "emb.weight" && !k.startsWith("shared.") && k !== "bn.num_batches_tracked" && k !== "order");
      // the model's own table, as PyTorch saves it (int64): checked and skipped
      const file = await ptFile([...keys.map((k) => f32(other, k)), nbt(other), { name: "order", dtype: "I64", shape: [4], data: BigInt64Array.of(3n, 2n, 1n, 0n) }]);
      await target.loadCheckpoint(file);
      expect(values(target.getParameter("emb.weight"))).toEqual(values(other.getParameter("emb.weight")));
      expect(values(target.getParameter("shared.fc.weight"))).toEqual(values(other.getParameter("shared.fc.weight")));
      expect(out(target)).toEqual(out(other));
      // and in memory, strictly: each tensor is there under one of its keys
      const fresh = await load(dir, { seed: 4 });
      try {
        const dict = Object.fromEntries(Object.entries(other.stateDict()).filter(([k]) => k !== "emb.weight"));
        expect(fresh.loadStateDict(dict)).toEqual({ missingKeys: [], unexpectedKeys: [] });
        expect(values(fresh.getParameter("emb.weight"))).toEqual(values(other.getParameter("emb.weight")));
      } finally {
        fresh.dispose();
      }
    } finally {
      target.dispose();
    }
  });

  it("both keys of a tied weight: the later in the state_dict's order is the value, as load_state_dict copies each in turn", async () => {
    const target = await load(dir, { seed: 3 });
    try {
      const emb = f32(other, "emb.weight");
      const later = { ...emb, name: "decoder.weight", data: (emb.data as Float32Array).map((v) => v + 1) };
      const dict = other.stateDict();
      dict["decoder.weight"] = { data: later.data, shape: emb.shape } as ParameterTensor;
      target.loadStateDict(dict);
      expect(values(target.getParameter("emb.weight"))).toEqual(Array.from(later.data as Float32Array));
      // a tensor none of whose keys is there is missing under all of them
      const { ["emb.weight"]: _a, ["decoder.weight"]: _b, ...without } = other.stateDict();
      expect(() => target.loadStateDict(without)).toThrow(/missing emb\.weight, decoder\.weight/);
      expect(target.loadStateDict(without, { strict: false }).missingKeys).toEqual(["emb.weight", "decoder.weight"]);
    } finally {
      target.dispose();
    }
  });

  it("F16, BF16 and F64 values convert into float32 state, I32 into int64, a 0-d value saved as [1] loads, and a missing num_batches_tracked keeps its value", async () => {
    const target = await load(dir, { seed: 3 });
    try {
      const before = values(target.getParameter("bn.num_batches_tracked"));
      // IEEE half bits of 1, -2, 0.5, 2^-24 (the least subnormal), 65504 (the largest half), and a
      // negative NaN with a payload, whose float32 keeps sign and payload (numpy's, PyTorch's: 0xffc02000)
      const half = [0x3c00, 0xc000, 0x3800, 0x0001, 0x7bff, 0xfe01];
      const halfValues = [1, -2, 0.5, 2 ** -24, 65504, Number.NaN];
      // bfloat16 bits of 1, -3, 0.25, -0: a float32's top 16 bits
      const bf = [0x3f80, 0xc040, 0x3e80, 0x8000];
      const bfValues = [1, -3, 0.25, -0];
      const emb = Uint16Array.from({ length: 40 }, (_, i) => half[i % 6]);
      const scale = Uint16Array.from({ length: 4 }, (_, i) => bf[i]);
      const bias = Float64Array.from({ length: 4 }, (_, i) => 0.1 * (i + 1));
      const rest = PYTORCH_KEYS.filter((k) => !["emb.weight", "decoder.weight", "again.fc.weight", "again.fc.bias", "scale", "bn.bias", "bn.num_batches_tracked", "offset", "order"].includes(k));
      const file = await ptFile([
        ...rest.map((k) => f32(other, k)),
        { name: "emb.weight", dtype: "F16", shape: [10, 4], data: emb },
        { name: "scale", dtype: "BF16", shape: [4], data: scale },
        { name: "bn.bias", dtype: "F64", shape: [4], data: bias },
        { name: "offset", dtype: "F32", shape: [4], data: new Float32Array(4) },
      ]);
      await target.loadCheckpoint(file);
      const loaded = target.getParameter("emb.weight").data as Float32Array;
      expect(Array.from(loaded)).toEqual(Array.from({ length: 40 }, (_, i) => halfValues[i % 6]));
      expect(new Uint32Array(loaded.buffer, loaded.byteOffset, 40)[5]).toBe(0xffc02000);
      expect(values(target.getParameter("scale"))).toEqual(bfValues);
      expect(values(target.getParameter("bn.bias"))).toEqual(Array.from(Float32Array.from(bias)));
      expect(values(target.getParameter("bn.num_batches_tracked"))).toEqual(before);
      // an int64 count saved as I32, shape [1] (PyTorch's 0.3 files)
      const counted = await ptFile([...PYTORCH_KEYS.filter((k) => !k.startsWith("again.") && k !== "decoder.weight" && k !== "bn.num_batches_tracked" && k !== "order").map((k) => f32(other, k)), { name: "bn.num_batches_tracked", dtype: "I32", shape: [1], data: Int32Array.of(7) }]);
      await target.loadCheckpoint(counted);
      expect(values(target.getParameter("bn.num_batches_tracked"))).toEqual([7]);
      // a BOOL (PyTorch's bool mask buffer) and an integer tensor convert as Tensor.copy_ converts them: 0/1, the integers
      const boolAndInt = await ptFile([...PYTORCH_KEYS.filter((k) => !k.startsWith("again.") && k !== "decoder.weight" && k !== "scale" && k !== "offset" && k !== "order" && k !== "bn.num_batches_tracked").map((k) => f32(other, k)), nbt(other), { name: "scale", dtype: "BOOL", shape: [4], data: Uint8Array.of(1, 0, 0, 1) }, { name: "offset", dtype: "I64", shape: [4], data: BigInt64Array.of(-2n, 0n, 5n, 7n) }]);
      await target.loadCheckpoint(boolAndInt);
      expect(values(target.getParameter("scale"))).toEqual([1, 0, 0, 1]);
      expect(values(target.getParameter("offset"))).toEqual([-2, 0, 5, 7]);
    } finally {
      target.dispose();
    }
  });

  it("what does not convert is refused naming the key and why, and nothing is written", async () => {
    const target = await load(dir, { seed: 3 });
    try {
      const before = target.stateDict();
      const base = PYTORCH_KEYS.filter((k) => !k.startsWith("again.") && k !== "decoder.weight" && k !== "bn.num_batches_tracked" && k !== "order").map((k) => f32(other, k));
      const fraction = await ptFile([...base, { name: "bn.num_batches_tracked", dtype: "F32", shape: [], data: Float32Array.of(2.5) }]);
      await expect(target.loadCheckpoint(fraction)).rejects.toThrow(/"bn\.num_batches_tracked" is F32, the model's bn\.num_batches_tracked is int64: value 0 is 2\.5, not a whole number/);
      const fp8 = await ptFile([...base.filter((t) => t.name !== "scale"), { name: "scale", dtype: "F8_E4M3", shape: [4], data: new Uint8Array(4) }, nbt(other)]);
      await expect(target.loadCheckpoint(fp8)).rejects.toThrow(/"scale" is F8_E4M3, the model's scale is float32: F8_E4M3 does not convert to float32 \(F32, F64, F16, BF16, I64, .*, BOOL do\)/);
      const table = await ptFile([...base, nbt(other), { name: "order", dtype: "I64", shape: [2, 2], data: new BigInt64Array(4) }]);
      await expect(target.loadCheckpoint(table)).rejects.toThrow(/"order" has shape \[2, 2\], the model's table is \[4\] \(the model computes this table from its file; it holds no state for it\)/);
      // PyTorch would load other values into its buffer; tsdp computes its own, so it refuses them rather than ignore them
      const otherTable = await ptFile([...base, nbt(other), { name: "order", dtype: "I64", shape: [4], data: BigInt64Array.of(0n, 1n, 2n, 3n) }]);
      await expect(target.loadCheckpoint(otherTable)).rejects.toThrow(/"order" holds other values than the table the model computes from its file/);
      expect(() => target.loadStateDict({ ...other.stateDict(), order: { data: Int32Array.of(0, 1, 2, 3), shape: [4] } as never })).toThrow(/"order" holds other values/);
      expect(() => target.loadStateDict({ ...other.stateDict(), order: { data: new Float32Array(4), shape: [4] } as never })).toThrow(/"order" is Float32Array; PyTorch's is an integer index table/);
      const tiedShape = await ptFile([...base.filter((t) => t.name !== "emb.weight"), { name: "decoder.weight", dtype: "F32", shape: [4, 10], data: new Float32Array(40) }, nbt(other)]);
      await expect(target.loadCheckpoint(tiedShape)).rejects.toThrow(/"decoder\.weight" has shape \[4, 10\], the model's decoder\.weight \(tied to emb\.weight\) is \[10, 4\]/);
      // a file of a DistributedDataParallel model's state_dict: its prefix is named, with the fix
      const wrapped = await ptFile([...base, nbt(other)].map((t) => ({ ...t, name: `module.${t.name}` })));
      await expect(target.loadCheckpoint(wrapped)).rejects.toThrow(/unexpected tensor "module\.[\w.]+": the unexpected keys all carry the prefix "module\." of a wrapped model's state_dict \(DistributedDataParallel's or DataParallel's\); strip it/);
      expect(target.stateDict()).toEqual(before);
    } finally {
      target.dispose();
    }
  });

  it("in memory: a Float64Array into float32 state and an Int32Array into int64 convert; another array names the one it should be", async () => {
    const target = await load(dir, { seed: 3 });
    try {
      const dict = other.stateDict();
      dict["scale"] = { data: Float64Array.of(0.5, 1.5, 2.5, 1 / 3), shape: [4] } as unknown as ParameterTensor;
      dict["bn.num_batches_tracked"] = { data: Int32Array.of(12), shape: [] } as unknown as ParameterTensor;
      target.loadStateDict(dict);
      expect(values(target.getParameter("scale"))).toEqual(Array.from(Float32Array.of(0.5, 1.5, 2.5, 1 / 3)));
      expect(values(target.getParameter("bn.num_batches_tracked"))).toEqual([12]);
      const before = target.stateDict();
      expect(() => target.loadStateDict({ ...other.stateDict(), "bn.num_batches_tracked": { data: [5], shape: [] } as never })).toThrow(/"bn\.num_batches_tracked": data must be a typed array \(BigInt64Array; not a Proxy/);
      expect(() => target.loadStateDict({ ...other.stateDict(), scale: { data: new Uint16Array(4), shape: [4] } as never })).toThrow(/scale is float32, so the data must be a Float32Array \(or a Float64Array\), got/);
      expect(target.stateDict()).toEqual(before);
    } finally {
      target.dispose();
    }
  });
});
