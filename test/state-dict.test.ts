// stateDict / loadStateDict (model.state_dict(), model.load_state_dict()) and `using` (issue 15,
// item 4): PyTorch's names and semantics — strict by default, missing and unexpected keys reported,
// a rejected dict changes nothing — and disposal at the end of a block.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compile } from "../compiler/pipeline.ts";
import { load, tensor, type CompiledModel, type ParameterTensor } from "../runtime/index.ts";

let dir = "";
let a: CompiledModel;
let b: CompiledModel;
const x = tensor(Float32Array.from({ length: 3 * 784 }, (_, i) => Math.sin(i)), [3, 1, 28, 28]);
const out = (m: CompiledModel) => Array.from(m.forwardAllSync(x)[0].data as Float32Array);

beforeAll(async () => {
  ({ build: { outDir: dir } } = await compile("examples/lenet/model.ts", { target: "cpu", outDir: join("build", "test-state-dict", "lenet") }));
  a = await load(dir, { seed: 1 });
  b = await load(dir, { seed: 2 });
}, 600_000);
afterAll(() => {
  a?.dispose();
  b?.dispose();
});

describe("stateDict and loadStateDict", () => {
  it("stateDict: every parameter and buffer, in registration order, as copies", () => {
    const state = a.stateDict();
    expect(Object.keys(state)).toEqual([...a.parameters(), ...a.buffers()].map((p) => p.name));
    for (const [name, t] of Object.entries(state)) expect(Array.from(t.data as Float32Array)).toEqual(Array.from(a.getParameter(name).data as Float32Array));
    (state["fc2.bias"].data as Float32Array)[0] += 1; // a copy: the model is untouched
    expect((a.getParameter("fc2.bias").data as Float32Array)[0]).not.toBe((state["fc2.bias"].data as Float32Array)[0]);
  });

  it("loads another model's state: then both compute the same", () => {
    expect(out(b)).not.toEqual(out(a));
    expect(b.loadStateDict(a.stateDict())).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(out(b)).toEqual(out(a));
  });

  it("strict: a missing or unknown name is refused with the names, and nothing is written", async () => {
    const fresh = await load(dir, { seed: 3 });
    try {
      const before = out(fresh);
      const { ["conv1.bias"]: _dropped, ...partial } = a.stateDict();
      expect(() => fresh.loadStateDict(partial)).toThrow(/missing conv1\.bias .*strict: false/);
      expect(() => fresh.loadStateDict({ ...a.stateDict(), "conv1.wieght": a.getParameter("conv1.weight") })).toThrow(/unexpected "conv1\.wieght".*conv1\.weight/);
      // a gradient's name is said to be one, not suggested as itself; a Map is refused with the fix
      expect(() => fresh.loadStateDict({ ...a.stateDict(), "conv1.weight.grad": a.getParameter("conv1.weight") })).toThrow(/unexpected "conv1\.weight\.grad" \(a gradient, which a state_dict does not hold; loadCheckpoint restores it\)/);
      expect(() => fresh.loadStateDict(new Map(Object.entries(a.stateDict())) as never)).toThrow(/got a Map \(Object\.fromEntries\(map\) makes one\)/);
      // a wrapped model's state_dict (DDP's "module.", torch.compile's "_orig_mod."): the prefix is named, with the fix
      const wrapped = (prefix: string) => Object.fromEntries(Object.entries(a.stateDict()).map(([k, v]) => [prefix + k, v]));
      expect(() => fresh.loadStateDict(wrapped("module."))).toThrow(/unexpected "module\.conv1\.weight", .*: the unexpected keys all carry the prefix "module\." of a wrapped model's state_dict \(DistributedDataParallel's or DataParallel's\); strip it .*consume_prefix_in_state_dict_if_present\(state_dict, "module\."\)/);
      expect(() => fresh.loadStateDict(wrapped("_orig_mod."))).toThrow(/the prefix "_orig_mod\." of a wrapped model's state_dict \(torch\.compile's\)/);
      // names with no near match: the model's own, listed once
      expect(() => fresh.loadStateDict({ ...a.stateDict(), zzz: a.getParameter("fc2.bias") })).toThrow(/unexpected "zzz"; the model's state_dict names are "conv1\.weight", /);
      expect(out(fresh)).toEqual(before);
      // not strict: the rest is loaded, and the names come back
      const result = fresh.loadStateDict({ ...partial, "head.weight": a.getParameter("fc2.weight") }, { strict: false });
      expect(result).toEqual({ missingKeys: ["conv1.bias"], unexpectedKeys: ["head.weight"] });
      expect(Array.from(fresh.getParameter("fc1.weight").data as Float32Array)).toEqual(Array.from(a.getParameter("fc1.weight").data as Float32Array));
      expect(Array.from(fresh.getParameter("conv1.bias").data as Float32Array)).not.toEqual(Array.from(a.getParameter("conv1.bias").data as Float32Array));
    } finally {
      fresh.dispose();
    }
  });

  it("a wrong shape or dtype anywhere is refused before anything is written", async () => {
    const fresh = await load(dir, { seed: 4 });
    try {
      const before = fresh.stateDict();
      const state: Record<string, ParameterTensor> = a.stateDict();
      expect(() => fresh.loadStateDict({ ...state, "fc2.bias": tensor(new Float32Array(11), [11]) })).toThrow(/"fc2\.bias" has shape \[11\], the model's is \[10\]/);
      expect(() => fresh.loadStateDict({ ...state, "fc2.bias": tensor(new Int32Array(10), [10]) })).toThrow(/fc2\.bias is float32/);
      expect(() => fresh.loadStateDict(null as never)).toThrow(TypeError);
      for (const [name, t] of Object.entries(fresh.stateDict())) expect(Array.from(t.data as Float32Array), name).toEqual(Array.from(before[name].data as Float32Array));
    } finally {
      fresh.dispose();
    }
  });
});

describe("Symbol.dispose", () => {
  it("`using` disposes the model at the end of its block", async () => {
    let seen: CompiledModel | undefined;
    {
      using m = await load(dir);
      seen = m;
      expect(m.disposed).toBe(false);
    }
    expect(seen.disposed).toBe(true);
    const other = await load(dir);
    await other[Symbol.asyncDispose]();
    expect(other.disposed).toBe(true);
  });
});
