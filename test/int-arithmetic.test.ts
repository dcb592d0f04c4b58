// Arithmetic on int32 tensors in forward, as PyTorch's integer tensors (compiler/1-frontend/
// int-arithmetic.ts): RoBERTa's position ids, clamped indices, label offsets. Each result's dtype
// is PyTorch's (integer operands and integer numbers keep int32 through add, sub, mul, clamp, sum,
// cumsum, where, …; true division, a fractional number and float ops give float32) and its values
// the exact integers, through the float64 reference. test/fixtures/port-idioms runs position ids on
// the CPU target.
import { describe, expect, it } from "vitest";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { gradCheck } from "./gradcheck.ts";
import { diagnosticsOf, header, lowerSource } from "./helpers.ts";

const model = (body: string, fields = "") =>
  `${header}\nexport class M extends nn.Module {\n  ${fields}\n  forward(ids: Tensor<[Batch, 5], "int32">) {\n    ${body}\n  }\n}\n`;
// token ids, 1 the padding (RoBERTa's padding_idx)
const IDS = [[5, 7, 9, 1, 1], [4, 1, 8, 6, 1]];
const ids = nd([2, 5], IDS.flat());

function run(body: string, fields = ""): { values: number[]; dtype: string } {
  const { graph } = lowerSource(model(body, fields));
  const out = runReference(graph, { ids }, initState(graph, 0)).outputs[0];
  return { values: Array.from(out.data), dtype: graph.outputs[0].dtype };
}

describe("int32 arithmetic in forward", () => {
  it("RoBERTa's position ids: mask.cumsum(1).mul(mask).add(paddingIdx) is int32 and exact", () => {
    const { values, dtype } = run("const mask = ids.ne(1).int(); return mask.cumsum(1).mul(mask).add(1);");
    expect(dtype).toBe("i32");
    // each non-padding token counts the non-padding tokens up to it, then + 1; padding stays 1
    expect(values).toEqual([2, 3, 4, 1, 1, 2, 1, 3, 4, 1]);
  });

  it("keeps int32 where PyTorch does, and promotes to float32 where PyTorch does", () => {
    const cases: [string, string, (v: number, i: number) => number][] = [
      ["return ids.sub(4).abs();", "i32", (v) => Math.abs(v - 4)],
      ["return ids.mul(ids).neg().add(3);", "i32", (v) => 3 - v * v],
      ["return ids.clamp(2, 6);", "i32", (v) => Math.min(Math.max(v, 2), 6)],
      ["return F.maximum(ids, ids.flip(1));", "i32", (v, i) => Math.max(v, IDS.flat()[Math.floor(i / 5) * 5 + 4 - (i % 5)])],
      ["return F.where(ids.gt(5), ids, 0);", "i32", (v) => (v > 5 ? v : 0)],
      ["return ids.remainder(3).add(ids.floorDivide(3));", "i32", (v) => (v % 3) + Math.floor(v / 3)],
      ["return ids.newZeros(ids.size(0), 5).add(F.onesLike(ids)).add(F.fullLike(ids, 2.7));", "i32", () => 3],
      // int ** a whole number ≥ 0 is an integer in PyTorch, int ** a fraction a float
      ["return ids.pow(2).add(ids.pow(0));", "i32", (v) => v * v + 1],
      ["return ids.pow(ids.sub(ids).add(3));", "i32", (v) => v ** 3],
      // negative int powers as c10's powi: 1 for 1, ±1 for −1 by parity, else 0 (0⁻¹ too, not ∞)
      ["return ids.sub(5).pow(ids.sub(ids).sub(1)).add(ids.sub(5).pow(ids.sub(ids).sub(2)).mul(10));", "i32", (v) => ({ 1: 11, [-1]: 9 })[v - 5] ?? 0],
      ["return ids.pow(0.5);", "f32", (v) => Math.fround(Math.sqrt(v))],
      ["return ids.mul(0.5);", "f32", (v) => v * 0.5],
      ["return ids.div(4);", "f32", (v) => v / 4],
      ["return ids.sqrt();", "f32", (v) => Math.fround(Math.sqrt(v))],
      ["return ids.add(ids.float());", "f32", (v) => 2 * v],
      // torch.zeros(5) is a float tensor, not a number: int + it is float (a 0-dim fill is a number)
      ["return ids.add(F.zeros(5)).add(ids.gt(5).mul(F.ones(5)));", "f32", (v) => v + (v > 5 ? 1 : 0)],
    ];
    for (const [body, dtype, f] of cases) {
      const got = run(body);
      expect(got.dtype, body).toBe(dtype);
      const want = IDS.flat().map(f);
      got.values.forEach((v, i) => expect(v, `${body} [${i}]`).toBeCloseTo(want[i], 6));
    }
    // x.new_zeros(…, dtype=torch.float32) of an int x: the dtype given, not x's
    expect(run("return ids.newZeros(ids.size(0), 5, { dtype: 'float32' }).add(ids.newFull([ids.size(0), 5], 2.5, { dtype: 'float32' }));")).toEqual({ values: Array(10).fill(2.5), dtype: "f32" });
    // reductions of integers are integers
    const sum = run("return ids.sum(1, true).sub(ids.amax(1, true));");
    expect(sum).toEqual({ values: [23 - 9, 20 - 8], dtype: "i32" });
  });

  it("a bool mask counted or scaled by integers is an integer, as PyTorch's int64: mask.sum(1) indexes, mask * 2 counts", () => {
    // torch.result_type: bool ranks below the integers, so True + 1 is 2 (int64), a sum, cumsum or
    // prod of bools is int64 (aten's sum promotes integral and bool inputs to int64), and
    // count_nonzero is int64; bool ∘ bool stays bool, and a float operand or a fractional number makes a float
    const mask = IDS.flat().map((v) => (v > 5 ? 1 : 0));
    const cases: [string, string, number[]][] = [
      ["return ids.gt(5).add(1);", "i32", mask.map((m) => m + 1)],
      ["return ids.gt(5).mul(3).add(ids.gt(5));", "i32", mask.map((m) => 4 * m)],
      ["return ids.gt(5).mul(ids);", "i32", mask.map((m, i) => m * IDS.flat()[i])],
      ["return ids.gt(5).cumsum(1);", "i32", [0, 1, 2, 2, 2, 0, 0, 1, 2, 2]],
      ["return F.where(ids.eq(1), ids.gt(5), 7);", "i32", IDS.flat().map((v, i) => (v === 1 ? mask[i] : 7))],
      ["return ids.gt(5).mul(0.5);", "f32", mask.map((m) => m / 2)],
      ["return ids.gt(5).mul(ids.float());", "f32", mask.map((m, i) => m * IDS.flat()[i])],
      // a whole number past float32's exact integers is a port's float (mask * -1e9), not an int64
      ["return ids.gt(5).mul(-1e30);", "f32", mask.map((m) => m * -1e30)],
      ["return ids.gt(5).float().cumsum(1);", "f32", [0, 1, 2, 2, 2, 0, 0, 1, 2, 2]],
      ["return ids.gt(5).mul(ids.gt(6));", "f32", mask.map((m, i) => m * (IDS.flat()[i] > 6 ? 1 : 0))],
    ];
    for (const [body, dtype, want] of cases) {
      const got = run(body);
      expect(got.dtype, body).toBe(dtype);
      got.values.forEach((v, i) => expect(v, `${body} [${i}]`).toBeCloseTo(want[i], 6));
    }
    expect(run("return ids.gt(5).sum(1);")).toEqual({ values: [2, 2], dtype: "i32" });
    expect(run("return ids.ne(1).prod(1);")).toEqual({ values: [0, 0], dtype: "i32" });
    // mask // 2 is an integer, mask // 0.5 a float
    expect(run("return ids.gt(5).floorDivide(2).add(ids.gt(5).floorDivide(0.5).int());")).toEqual({ values: IDS.flat().map((v) => (v > 5 ? 2 : 0)), dtype: "i32" });
    expect(run("return ids.gt(5).floorDivide(0.5);").dtype).toBe("f32");
    // a dtype asked for is the result's: the float sum of a mask
    expect(run("return ids.gt(5).sum(1, { dtype: 'float32' });")).toEqual({ values: [2, 2], dtype: "f32" });
    // maximum of a bool and an int tensor is an int (result_type), not float32
    expect(run("return F.maximum(ids.gt(5), ids.sub(5));")).toEqual({ values: IDS.flat().map((v) => Math.max(v > 5 ? 1 : 0, v - 5)), dtype: "i32" });
    // diff of bools is their logical_xor in PyTorch (a bool: where the mask changes), never −1
    const changes = run("return ids.gt(5).diff(1).float();");
    expect(changes.values).toEqual([1, 0, 1, 0, 0, 1, 0, 1]);
    expect(run("return ids.countNonzero(1).add(ids.gt(5).float().countNonzero(1));")).toEqual({ values: [5 + 2, 5 + 2], dtype: "i32" });
    // an index from a count (the last token of a right-padded row: ids[torch.arange(B), (ids != pad).sum(1) - 1])
    expect(run("return ids.index(F.arange(ids.size(0)), ids.ne(1).sum(1).sub(1));")).toEqual({ values: [9, 8], dtype: "i32" });
    expect(run("return ids.float().gather(1, ids.ne(1).sum(1, true).sub(1));").values).toEqual([9, 8]);
  });

  it("masked_fill keeps its tensor's dtype, casting the value as PyTorch does", () => {
    // masked_fill is clone().masked_fill_(), which keeps self's dtype: an int tensor's fill value is
    // rounded toward zero (0.5 → 0, −1.5 → −1), a bool tensor's is nonzero → True; a value no int64
    // holds is refused, as PyTorch's scalar conversion raises
    const first = (body: string) => diagnosticsOf(model(body)).map((d) => `${d.code}: ${d.message}`)[0];
    expect(run("return ids.maskedFill(ids.eq(1), 0.5);")).toEqual({ values: IDS.flat().map((v) => (v === 1 ? 0 : v)), dtype: "i32" });
    expect(run("return ids.maskedFill(ids.eq(1), -1.5);")).toEqual({ values: IDS.flat().map((v) => (v === 1 ? -1 : v)), dtype: "i32" });
    expect(run("const y = ids.clone(); y.maskedFill_(ids.eq(1), 2.7); return y;")).toEqual({ values: IDS.flat().map((v) => (v === 1 ? 2 : v)), dtype: "i32" });
    expect(run("return ids.gt(5).maskedFill(ids.eq(1), 0.5).int();").values).toEqual(IDS.flat().map((v) => (v === 1 || v > 5 ? 1 : 0)));
    expect(first("return ids.maskedFill(ids.eq(1), -Infinity);")).toMatch(/^TSDP3004: maskedFill: the value -Infinity cannot be converted to the int32 tensor's dtype \(PyTorch raises/);
    // a 0-dim tensor value (Hugging Face's masked_fill(mask, torch.tensor(v))) is cast the same way,
    // known when compiling or computed at run time (a draw: F.rand([]) + 2 is in [2, 3), so 2)
    expect(run("return ids.maskedFill(ids.eq(1), F.tensor(2.7));")).toEqual({ values: IDS.flat().map((v) => (v === 1 ? 2 : v)), dtype: "i32" });
    expect(run("return ids.maskedFill(ids.eq(1), F.rand([]).add(2));")).toEqual({ values: IDS.flat().map((v) => (v === 1 ? 2 : v)), dtype: "i32" });
    expect(run("return ids.gt(5).maskedFill(ids.eq(1), F.rand([]).add(0.5)).add(ids.gt(5));").values).toEqual(IDS.flat().map((v) => (v === 1 || v > 5 ? 1 : 0)));
    expect(first("return ids.maskedFill(ids.eq(1), F.tensor(-Infinity));")).toMatch(/^TSDP3004: maskedFill: the value -Infinity cannot be converted/);
    // the fill is computed in float32 and converted back: int32's ends come back as themselves (a
    // sentinel, F.iinfo(F.int32).min), a value past int32 or between float32's integers would not
    expect(run("return ids.maskedFill(ids.eq(1), F.iinfo(F.int32).min).add(ids.maskedFill(ids.eq(1), -1e9).clamp({ min: 0 }));")).toEqual({ values: IDS.flat().map((v) => (v === 1 ? -(2 ** 31) : 2 * v)), dtype: "i32" });
    expect(run("return ids.maskedFill(ids.eq(1), F.iinfo(F.int32).max);").values).toEqual(IDS.flat().map((v) => (v === 1 ? 2 ** 31 - 1 : v)));
    for (const v of ["1e12", "16777217", "F.iinfo(F.int64).min", "F.tensor(3000000000)"])
      expect(first(`return ids.maskedFill(ids.eq(1), ${v});`), v).toMatch(/^TSDP3004: maskedFill: -?\d+ is not a value tsdp's integer tensors hold/);
  });

  it("Python's True and False in arithmetic are PyTorch's bool scalar: int stays int, float float, bool bool; subtraction refused", () => {
    const first = (body: string) => diagnosticsOf(model(body)).map((d) => `${d.code}: ${d.message}`)[0];
    expect(run("return ids.add(true).mul(false).add(ids.mul(true));")).toEqual({ values: IDS.flat(), dtype: "i32" });
    expect(run("return ids.float().mul(true).div(true).add(false);")).toEqual({ values: IDS.flat(), dtype: "f32" });
    // bool + True is True and bool · False is False (a logical or / and): still a mask, so + mask is or again
    expect(run("return ids.gt(5).add(true).add(ids.gt(5)).int().add(ids.gt(5).mul(false).add(ids.gt(5)));").values).toEqual(IDS.flat().map((v) => 1 + (v > 5 ? 1 : 0)));
    expect(first("return ids.sub(true);")).toMatch(/^TSDP4002: sub with a bool tensor: PyTorch refuses it/);
  });

  it("moves that add values keep an int32 tensor's dtype, as PyTorch's: F.pad (its value cast), tril, cat with a mask; one_hot is an integer tensor", () => {
    // constant_pad_nd fills a tensor of the input's dtype: 2.5 into int64 is 2; a bool input's 2 is True
    expect(run("return F.pad(ids, [1, 1], { value: 2.5 });")).toEqual({ values: IDS.flatMap((r) => [2, ...r, 2]), dtype: "i32" });
    expect(run("return F.pad(ids.gt(5), [0, 1], { value: 2 }).int();").values).toEqual(IDS.flatMap((r) => [...r.map((v) => (v > 5 ? 1 : 0)), 1]));
    expect(run("return F.pad(ids.gt(5), [0, 1], { value: 2 }).logicalNot().int();").values).toEqual(IDS.flatMap((r) => [...r.map((v) => (v > 5 ? 0 : 1)), 0]));
    expect(run("return ids.unsqueeze(2).expand(ids.size(0), 5, 5).tril().sum(2);")).toEqual({ values: IDS.flatMap((r) => r.map((v, i) => v * (i + 1))), dtype: "i32" });
    expect(run("return F.cat([ids.gt(5), ids], 1);")).toEqual({ values: IDS.flatMap((r) => [...r.map((v) => (v > 5 ? 1 : 0)), ...r]), dtype: "i32" });
    // two one-hots add to a count (int64 in PyTorch), not a logical or
    expect(run("return F.oneHot(ids.sub(1).clamp(0, 3), 4).add(F.oneHot(ids.sub(1).clamp(0, 3), 4)).sum(1);")).toEqual({ values: [2 * 2, 0, 0, 2 * 3, 2 * 2, 0, 0, 2 * 3], dtype: "i32" });
    const first = (body: string) => diagnosticsOf(model(body)).map((d) => `${d.code}: ${d.message}`)[0];
    expect(first("return F.pad(ids, [1, 1], { value: -Infinity });")).toMatch(/^TSDP3004: F\.pad: the value -Infinity cannot be converted to the int32 input's dtype/);
  });

  it("int32 results index: a clamped index into an embedding, an offset label into a gather", () => {
    const { values } = run("return this.e(ids.sub(3).clamp(0, 5)).sum(2).float();", "e = new nn.Embedding(6, 2);");
    expect(values).toHaveLength(10);
    const { graph } = lowerSource(model("return this.e(ids.sub(3).clamp(0, 5)).sum(2);", "e = new nn.Embedding(6, 2);"));
    const table = initState(graph, 0).params.get("e.weight")!.data;
    const rowSum = (r: number) => table[r * 2] + table[r * 2 + 1];
    const out = runReference(graph, { ids }, initState(graph, 0)).outputs[0].data;
    IDS.flat().forEach((v, i) => expect(out[i]).toBeCloseTo(rowSum(Math.min(Math.max(v - 3, 0), 5)), 12));
  });

  it("gradients of the float path are unchanged by int32 index arithmetic beside it", () => {
    const { checked } = gradCheck(`
export class M extends nn.Module {
  fc = new nn.Linear(4, 4);
  forward(x: Tensor<[Batch, 4]>) {
    const idx = x.abs().mul(2).floor().int().add(1).clamp(0, 3);
    return this.fc(x).gather(1, idx).mul(x);
  }
}`);
    expect(checked).toBeGreaterThan(0);
  });

  it("contractions, convolutions and pools refuse int32 operands, as PyTorch's CUDA does (\"addmm_cuda\" not implemented for 'Long'); float literals make float tensors", () => {
    const first = (body: string) => diagnosticsOf(model(body)).map((d) => `${d.code}: ${d.message}`)[0];
    // these were computed in float32: a model that compiled here would not run in PyTorch on the GPU
    expect(first("return ids.view(-1, 5, 1).matmul(ids.view(-1, 1, 5)).flatten(1);")).toMatch(/^TSDP4002: matmul of an int32 tensor .*"addmm_cuda" not implemented for 'Long'.*convert it first, with \.float\(\)/);
    expect(first("return F.linear(ids, F.ones(3, 5));")).toMatch(/^TSDP4002: F\.linear of an int32 tensor .*"expected m1 and m2 to have the same dtype"/);
    expect(first("return F.einsum('bi,j->bij', ids, F.arange(0, 4, 2)).flatten(1);")).toMatch(/^TSDP4002: F\.einsum of an int32 tensor/);
    expect(first("return F.conv1d(ids.unsqueeze(1), F.ones(1, 1, 2)).flatten(1);")).toMatch(/^TSDP4002: F\.conv1d of an int32 tensor .*convolutions and pools are for floating dtypes only/);
    expect(first("return F.maxPool1d(ids.unsqueeze(1), 2).flatten(1);")).toMatch(/^TSDP4002: F\.maxPool1d of an int32 tensor/);
    expect(first("return F.layerNorm(ids, [5]);")).toMatch(/^TSDP4002/);
    // a float literal's arange (torch.arange(0, d, 2.0)) is float32, and .float() converts: both compute
    const { graph } = lowerSource(model("return ids.float().view(-1, 5, 1).matmul(ids.float().view(-1, 1, 5)).view(-1, 25, 1).add(F.einsum('i,j->ij', F.arange(0, 4, 2.0), F.tensor([0.5, 1])).flatten().unsqueeze(0)).flatten(1);"));
    expect(graph.outputs[0].dtype).toBe("f32");
    const out = runReference(graph, { ids }, initState(graph, 0)).outputs[0].data;
    // sample 0's outer product ids[0]ᵀ·ids[0] [25, 1], plus the einsum's [0, 0, 1, 2] (i = 0, 2 by 0.5, 1) along a new last dim
    const extra = [0, 0, 1, 2];
    for (let k = 0; k < 25; k++) for (let e = 0; e < 4; e++) expect(out[k * 4 + e]).toBe(ids.data[Math.floor(k / 5)] * ids.data[k % 5] + extra[e]);
  });
  // PyTorch: "The size of tensor a (4) must match the size of tensor b (5) at non-singleton dimension 1"
  it("an int32 tensor and a float one of shapes that do not broadcast: the shape diagnostic at the call, not an internal error", () => {
    const first = (body: string) => diagnosticsOf(model(body)).map((d) => `${d.code} ${d.loc?.line}: ${d.message}`)[0];
    expect(first("return ids.add(F.ones([4]));")).toBe("TSDP4001 6: add: shapes [Batch, 5] + [4] do not broadcast (each trailing dim must be equal or 1)");
    expect(first("return F.arange(4).mul(ids.float());")).toBe("TSDP4001 6: mul: shapes [4] * [Batch, 5] do not broadcast (each trailing dim must be equal or 1)");
  });

  it("an int32 tensor to a negative int power is refused with PyTorch's error", () => {
    expect(diagnosticsOf(model("return ids.pow(-1);")).map((d) => `${d.code}: ${d.message}`)[0]).toMatch(/^TSDP3004: pow: Integers to negative integer powers are not allowed \(PyTorch's error\); write x\.float\(\)\.pow\(-1\)/);
  });

  it("−mask is refused, as PyTorch refuses negating a bool tensor, naming logicalNot", () => {
    const first = (body: string) => diagnosticsOf(model(body)).map((d) => `${d.code}: ${d.message}`)[0];
    expect(first("return ids.gt(3).neg();")).toMatch(/^TSDP4002: neg of a bool tensor: PyTorch refuses it .*write x\.logicalNot\(\)/);
    expect(run("return ids.gt(3).float().neg();").values).toEqual(IDS.flat().map((v) => (v > 3 ? -1 : -0)));
  });

  it("a number written as a float literal (1.0, 2., 1e0, a const of one) is PyTorch's float: it promotes an integer tensor to float32", () => {
    // torch.result_type(int64 tensor, 2.0) is float32 and (bool tensor, 1.0) float32, where a Python
    // int keeps the integer (mask * 1 is int64); the values are the same, the dtype decides what follows
    const mask = IDS.flat().map((v) => (v > 5 ? 1 : 0));
    const cases: [string, string, number[]][] = [
      ["return ids.gt(5).mul(1.0);", "f32", mask],
      ["return ids.gt(5).mul(1);", "i32", mask],
      ["return ids.gt(5).mul(1.0).div(3);", "f32", mask.map((m) => m / 3)],
      ["return ids.mul(2);", "i32", IDS.flat().map((v) => 2 * v)],
      ["return ids.mul(2.0);", "f32", IDS.flat().map((v) => 2 * v)],
      ["return ids.mul(2.);", "f32", IDS.flat().map((v) => 2 * v)],
      ["return ids.mul(-(2e0));", "f32", IDS.flat().map((v) => -2 * v)],
      ["return F.mul(ids, 2.0);", "f32", IDS.flat().map((v) => 2 * v)],
      // 0x1e is hexadecimal 30, an integer
      ["return ids.mul(0x1e);", "i32", IDS.flat().map((v) => 30 * v)],
      ["const scale = 2.0; return ids.mul(scale);", "f32", IDS.flat().map((v) => 2 * v)],
      ["const scale = 2; return ids.mul(scale);", "i32", IDS.flat().map((v) => 2 * v)],
      ["return ids.add(1.0).sub(1.0);", "f32", IDS.flat()],
      ["return ids.floorDivide(2.0);", "f32", IDS.flat().map((v) => Math.floor(v / 2))],
      ["return ids.gt(5).floorDivide(2.0);", "f32", mask.map(() => 0)],
      ["return ids.remainder(3.0);", "f32", IDS.flat().map((v) => v % 3)],
      ["return ids.clamp(0, 3.0);", "f32", IDS.flat().map((v) => Math.min(v, 3))],
      ["return ids.pow(2.0);", "f32", IDS.flat().map((v) => v * v)],
      ["return F.where(ids.gt(5), ids, 0.0);", "f32", IDS.flat().map((v) => (v > 5 ? v : 0))],
      ["return F.where(ids.gt(5), ids, 0);", "i32", IDS.flat().map((v) => (v > 5 ? v : 0))],
      // Python's true division is a float whatever its value: 4 / 2 is 2.0, and so is a const holding it
      ["return ids.mul(4 / 2);", "f32", IDS.flat().map((v) => 2 * v)],
      ["const half = 6 / 3; return ids.add(half);", "f32", IDS.flat().map((v) => v + 2)],
      ["return ids.add(Math.floor(4 / 2));", "i32", IDS.flat().map((v) => v + 2)],
    ];
    for (const [body, dtype, want] of cases) {
      const got = run(body);
      expect(got.dtype, body).toBe(dtype);
      got.values.forEach((v, i) => expect(v, `${body} [${i}]`).toBeCloseTo(want[i], 6));
    }
    // what follows computes as PyTorch's: a float mask's mean (an int one's is refused, as PyTorch's)
    expect(run("return ids.gt(5).mul(1.0).mean(1);")).toEqual({ values: [0.4, 0.4], dtype: "f32" });
  });

  it("a parameter bound to a float literal is PyTorch's float: pix2pix's GANLoss(target_real_label=1.0) → torch.tensor(target_real_label) is float32", () => {
    // was int32 (and its BCEWithLogitsLoss target refused as an integer tensor): only a literal written at
    // the call, or a const, counted as a float. A default, an argument at the call, or a parameter passed on
    const gan = (ctor: string, call: string) =>
      `${header}\nclass G extends nn.Module {\n  declare real: Tensor;\n  constructor(${ctor}) {\n    super();\n    this.registerBuffer("real", F.tensor(label));\n  }\n  forward(x: Tensor, fill = 1.0) {\n    return F.tensor(fill);\n  }\n}\n` +
      `class Outer extends nn.Module {\n  g: G;\n  constructor(v = 0.0) {\n    super();\n    this.g = new G(${call});\n  }\n}\n` +
      `export class M extends nn.Module {\n  o = new Outer();\n  forward(ids: Tensor<[Batch, 5], "int32">) {\n    return [ids.sub(ids).add(this.o.g.real), ids.sub(ids).add(this.o.g(ids))];\n  }\n}\n`;
    const dtypes = (ctor: string, call: string) => {
      const { graph } = lowerSource(gan(ctor, call));
      return [graph.outputs[0].dtype, graph.outputs[1].dtype];
    };
    expect(dtypes("label = 1.0", "")).toEqual(["f32", "f32"]);
    expect(dtypes("label: number", "2.0")).toEqual(["f32", "f32"]);
    expect(dtypes("label: number", "v")).toEqual(["f32", "f32"]);
    // integers stay integers, as torch.tensor(1) is int64
    expect(dtypes("label = 1", "")).toEqual(["i32", "f32"]);
    expect(dtypes("label: number", "3")).toEqual(["i32", "f32"]);
    const ints = lowerSource(gan("label = 1", "").replace("fill = 1.0", "fill = 1")).graph;
    expect(ints.outputs[1].dtype).toBe("i32");
    // the numbers: torch.full((2,), real_label).masked_fill(m, 0.9) is [0.9, 1] (an int32 full gave [0, 1])
    const smooth = `${header}\nclass Smooth extends nn.Module {\n  forward(x: Tensor, realLabel = 1.0) {\n    return x.sub(x).add(F.full([5], realLabel).maskedFill(F.tensor([1, 0, 0, 0, 0]).bool(), 0.9));\n  }\n}\nexport class M extends nn.Module {\n  s = new Smooth();\n  forward(ids: Tensor<[Batch, 5], "int32">) {\n    return this.s(ids);\n  }\n}\n`;
    const sm = lowerSource(smooth).graph;
    expect(Array.from(runReference(sm, { ids }, initState(sm, 0)).outputs[0].data).map((v) => Math.round(v * 10) / 10)).toEqual([0.9, 1, 1, 1, 1, 0.9, 1, 1, 1, 1]);
    // a field written as one in its declaration or the constructor (this.realLabel = 1.0; lambdaL1 = 100.0) is a float too
    const fields = smooth.replace("class Smooth extends nn.Module {", "class Smooth extends nn.Module {\n  lambda = 1.0;\n  label: number;\n  constructor() {\n    super();\n    this.label = 1.0;\n  }")
      .replace("F.full([5], realLabel)", "F.full([5], this.label).mul(F.tensor(this.lambda))");
    const fg = lowerSource(fields).graph;
    expect(Array.from(runReference(fg, { ids }, initState(fg, 0)).outputs[0].data).map((v) => Math.round(v * 10) / 10)).toEqual([0.9, 1, 1, 1, 1, 0.9, 1, 1, 1, 1]);
    expect(lowerSource(fields.replace("this.label = 1.0", "this.label = 1").replace("lambda = 1.0", "lambda = 1")).graph.outputs[0].dtype).toBe("i32");
  });

  it("a destructured parameter's name bound to a float literal is a float: constructor({ targetRealLabel = 1.0 } = {}), new G({ label: 2.0 })", () => {
    // a TypeScript port of GANLoss with an options object; was int32 (only a parameter named as a whole was followed)
    const gan = (pattern: string, call: string) =>
      `${header}\nclass G extends nn.Module {\n  declare real: Tensor;\n  constructor(${pattern}: { label?: number } = {}) {\n    super();\n    this.registerBuffer("real", F.tensor(name));\n  }\n}\n` +
      `export class M extends nn.Module {\n  g = new G(${call});\n  forward(ids: Tensor<[Batch, 5], "int32">) {\n    return ids.sub(ids).add(this.g.real);\n  }\n}\n`;
    const dtype = (pattern: string, call: string) => lowerSource(gan(pattern, call)).graph.outputs[0].dtype;
    expect(dtype("{ label: name = 1.0 }", "")).toBe("f32");
    expect(dtype("{ label: name = 1 }", "{ label: 2.0 }")).toBe("f32");
    // integers stay integers (torch.tensor(1) is int64): an int default, or the caller's int over a float default
    expect(dtype("{ label: name = 1 }", "")).toBe("i32");
    expect(dtype("{ label: name = 1.0 }", "{ label: 2 }")).toBe("i32");
  });

  it("a float is followed through each instance's fields, variables, object properties, ternaries and arithmetic, as Python's float value is", () => {
    // was: the float of `this.label = label` followed the constructor parameter's last binding, so of
    // new G(1.0) and new G(1) both were int32 (or both float32 in the other order), and opts.label,
    // `let v = 1.0` and `c ? 1.0 : 0.0` were int32. torch.full((2,), 1.0) is float32, torch.full((2,), 1) int64.
    const two = (first: string, second: string) =>
      `${header}\nclass G extends nn.Module {\n  label: number;\n  constructor(label: number) {\n    super();\n    this.label = label;\n  }\n  forward(ids: Tensor) {\n    return ids.sub(ids).add(F.full([5], this.label));\n  }\n}\n` +
      `export class M extends nn.Module {\n  a = new G(${first});\n  b = new G(${second});\n  forward(ids: Tensor<[Batch, 5], "int32">) {\n    return [this.a(ids), this.b(ids)];\n  }\n}\n`;
    const dtypes = (src: string) => lowerSource(src).graph.outputs.map((o) => o.dtype);
    expect(dtypes(two("1.0", "1"))).toEqual(["f32", "i32"]);
    expect(dtypes(two("1", "1.0"))).toEqual(["i32", "f32"]);
    const cases: [string, string][] = [
      ["const opts = { label: 1.0 }; return F.tensor(opts.label);", "f32"],
      ["const opts = { label: 1 }; return F.tensor(opts.label);", "i32"],
      ["const label = 1.0; const opts = { label }; return F.tensor(opts.label);", "f32"],
      ["const opts: { label?: number } = {}; return F.tensor(opts.label ?? 1.0);", "f32"],
      ["let v = 1.0; return F.full([5], v);", "f32"],
      ["let v = 1; return F.full([5], v);", "i32"],
      ["let v = 1; v = 2.0; return F.full([5], v);", "f32"],
      ["let v = 1.0; v = 2; return F.full([5], v);", "i32"],
      ["let v = 1; v += 1.0; return F.full([5], v);", "f32"],
      ["const c = ids.shape[1] > 3; const v = c ? 1.0 : 0.0; return F.full([5], v);", "f32"],
      // Python's `1.0 if c else 0` is the int 0 when c is false
      ["const c = ids.shape[1] > 9; const v = c ? 1.0 : 0; return F.full([5], v);", "i32"],
      ["const v = 2 * 0.5; return F.full([5], v);", "f32"],
      ["const v = -(1.0); return F.full([5], v);", "f32"],
      ["const o: Record<string, number> = {}; o.k = 1.0; return F.full([5], o.k);", "f32"],
    ];
    for (const [body, dtype] of cases) expect(lowerSource(model(`return ids.sub(ids).add((() => { ${body} })());`)).graph.outputs[0].dtype, body).toBe(dtype);
    // the numbers: torch.full((5,), 1.0).masked_fill(m, 0.9) is [0.9, 1, 1, 1, 1] (an int32 full gave [0, 1, 1, 1, 1])
    const g = lowerSource(model("const opts = { label: 1.0 }; return ids.sub(ids).add(F.full([5], opts.label).maskedFill(F.tensor([1, 0, 0, 0, 0]).bool(), 0.9));")).graph;
    expect(Array.from(runReference(g, { ids }, initState(g, 0)).outputs[0].data).map((v) => Math.round(v * 10) / 10)).toEqual([0.9, 1, 1, 1, 1, 0.9, 1, 1, 1, 1]);
  });

  // were int32: an array's elements, a function's result and s++ were read by their value (1.0 is 1).
  // Python: `for s in [2.0, 3]: ids = ids * s` is float32 after the first; `def k(self): return 1.0` is a float
  it("a float is followed through arrays' elements, what functions return and ++, as Python's float value is", () => {
    const dtype = (body: string, fields = "") => lowerSource(model(`${body}`, fields)).graph.outputs[0].dtype;
    const cases: [string, string][] = [
      ["const xs = [2.0, 3]; return ids.mul(xs[0]);", "f32"],
      ["const xs = [2.0, 3]; return ids.mul(xs[1]);", "i32"],
      ["let t = ids; for (const s of [2.0, 3]) t = t.mul(s); return t;", "f32"],
      ["let t = ids; for (const s of [2, 3]) t = t.mul(s); return t;", "i32"],
      ["const [a, c] = [2, 3.0]; return ids.mul(a).add(ids.mul(c).mul(0));", "f32"],
      ["const [a] = [2, 3.0]; return ids.mul(a);", "i32"],
      ["const xs: number[] = []; xs.push(2.0); return ids.mul(xs[0]);", "f32"],
      ["const xs = [1, 2]; xs[0] = 5.0; return ids.mul(xs[0]);", "f32"],
      ["const xs = [1.0, 2]; xs[0] = 5; return ids.mul(xs[0]);", "i32"],
      // each float moves with its element: copies and in-place reorderings
      ["const xs = [3, 2.0, 5]; return ids.mul(xs.slice(1)[0]);", "f32"],
      ["const xs = [3, 2.0, 5]; return ids.mul(xs.filter((v) => v > 2)[1]);", "i32"],
      ["const xs = [3, 2.0]; return ids.mul([...xs, 1][1]);", "f32"],
      ["const xs = [1, 1.0]; xs.reverse(); return ids.mul(xs[0]);", "f32"],
      ["const xs = [3, 2.0]; xs.sort((p, q) => p - q); return ids.mul(xs[1]);", "i32"],
      ["const xs = [1.0, 2]; xs.shift(); return ids.mul(xs[0]);", "i32"],
      // a map callback's argument and result
      ["let t = ids; [2.0].forEach((v) => { t = t.mul(v); }); return t;", "f32"],
      ["return ids.mul([1.0, 2.0].map((v) => v * 3)[0]);", "f32"],
      ["return ids.mul([1.0, 2.0].map((v) => Math.floor(v))[0]);", "i32"],
      // a function's result, at the call that ran it; Math's results are read by their value
      ["const f = () => 2.0; return ids.mul(f());", "f32"],
      ["const f = (v: number) => v * 2; return ids.mul(f(1));", "i32"],
      ["const f = (c: boolean) => { if (c) return 2.0; return 2; }; f(true); return ids.mul(f(false));", "i32"],
      ["const f = () => { const g = () => 1.0; g(); return 1; }; return ids.mul(f());", "i32"],
      ["const f = () => 2.0; return ids.mul(Math.floor(f()));", "i32"],
      ["let s = 0.0; s++; return ids.mul(s);", "f32"],
      ["let s = 1; s++; return ids.mul(s);", "i32"],
    ];
    for (const [body, want] of cases) expect(dtype(body), body).toBe(want);
    expect(dtype("return ids.mul(this.k());", "k() { return 1.0; }")).toBe("f32");
    expect(dtype("let t = ids; for (const s of this.scales) t = t.mul(s); return t;", "scales = [2.0, 0.5];")).toBe("f32");
    // the values: ids · 2.0 · 0.5 in float32
    expect(run("let t = ids; for (const s of this.scales) t = t.mul(s); return t;", "scales = [2.0, 0.5];")).toEqual({ values: IDS.flat(), dtype: "f32" });
  });

  it("factories infer PyTorch's dtype from their numbers: F.full(size, 3), F.where(c, 1, 0), F.tensor([0, 2]) are integer tensors", () => {
    // torch.full((2,), 3).dtype is int64 (since 1.7), torch.where(c, 1, 0) int64 (result_type of two ints),
    // torch.tensor([0, 2]) int64; a float literal among them, or a dtype given, makes float32
    const perSample = (t: string) => `const t = ${t}; return ids.sub(ids).add(t);`;
    expect(run(perSample("F.full([5], 3)"))).toEqual({ values: Array(10).fill(3), dtype: "i32" });
    expect(run(perSample("F.full([5], 3.0)")).dtype).toBe("f32");
    expect(run(perSample("F.full([5], 3, { dtype: 'float32' })")).dtype).toBe("f32");
    expect(run(perSample("F.full([5], 2.5)")).dtype).toBe("f32");
    expect(run("return F.where(ids.gt(5), 1, 0).sum(1);")).toEqual({ values: [2, 2], dtype: "i32" });
    expect(run("return F.where(ids.gt(5), 1.0, 0);").dtype).toBe("f32");
    expect(run(perSample("F.tensor([1, 2, 3, 4, 5])"))).toEqual({ values: [1, 2, 3, 4, 5, 1, 2, 3, 4, 5], dtype: "i32" });
    expect(run(perSample("F.tensor([1, 2, 3, 4, 5.0])")).dtype).toBe("f32");
    expect(run(`const rows = [[1.0, 2, 3, 4, 5]]; ${perSample("F.tensor(rows)")}`).dtype).toBe("f32");
    expect(run(perSample("F.tensor([[1, 2, 3, 4, 5]], { dtype: 'float32' })")).dtype).toBe("f32");
    // torch.arange(0, 4, 2.0) is float32 (a Transformer's div_term), arange(0, 4, 2) int64
    expect(run(perSample("F.arange(0, 10, 2.0)"))).toEqual({ values: [0, 2, 4, 6, 8, 0, 2, 4, 6, 8], dtype: "f32" });
    expect(run(perSample("F.arange(0, 10, 2)")).dtype).toBe("i32");
    expect(run(perSample("F.full([5], 4 / 2)")).dtype).toBe("f32");
    // an integer tensor indexes, as PyTorch's x[:, torch.tensor([0, 2])] (a float32 one was refused)
    expect(run("return ids.index(':', F.tensor([0, 2]));")).toEqual({ values: [5, 9, 4, 8], dtype: "i32" });
    expect(run("return ids.float().index(':', F.where(F.arange(5).gt(2), 4, 0));").values).toEqual([5, 5, 5, 1, 1, 4, 4, 4, 1, 1]);
  });

  it("bitwise and, or, xor, not and shifts of integers act on their bits, as PyTorch's int64 (a mask beside them is its 0/1); float operands are refused", () => {
    // Python's ints: & | ^ ~ on two's complement, << as ·2ⁿ, >> as floor(/2ⁿ); a shift by ≥ 64 or < 0 is 0
    // (left) or the sign (right), as aten's lshift/rshift kernels
    const flat = IDS.flat();
    const flipped = IDS.flatMap((r) => [...r].reverse());
    const cases: [string, (v: number, i: number) => number][] = [
      ["return ids.bitwiseAnd(6);", (v) => v & 6],
      ["return ids.bitwiseOr(ids.gt(5));", (v) => v | (v > 5 ? 1 : 0)],
      ["return F.bitwiseXor(ids, ids.flip(1));", (v, i) => v ^ flipped[i]],
      ["return ids.sub(6).bitwiseNot();", (v) => ~(v - 6)],
      ["return ids.bitwiseLeftShift(ids.remainder(3));", (v) => v * 2 ** (v % 3)],
      ["return ids.sub(6).bitwiseRightShift(1);", (v) => Math.floor((v - 6) / 2)],
      ["return ids.bitwiseLeftShift(64).add(ids.sub(6).bitwiseRightShift(-1));", (v) => (v - 6 < 0 ? -1 : 0)],
    ];
    for (const [body, f] of cases) expect(run(body), body).toEqual({ values: flat.map(f), dtype: "i32" });
    const first = (body: string) => diagnosticsOf(model(body)).map((d) => `${d.code}: ${d.message}`)[0];
    expect(first("return ids.float().bitwiseAnd(ids);")).toMatch(/^TSDP4002: bitwiseAnd of a float32 tensor: PyTorch computes bitwise ops on integer and bool tensors only/);
    // bool masks alone keep the logical ops (a bool result)
    expect(run("return ids.gt(5).bitwiseXor(ids.gt(7)).int();").values).toEqual(flat.map((v) => (v > 5 && v <= 7 ? 1 : 0)));
  });

  it("what PyTorch refuses for integer and bool tensors is refused with its reason: mean, var, std, norms, subtraction with a bool", () => {
    const first = (body: string) => diagnosticsOf(model(body)).map((d) => `${d.code}: ${d.message}`)[0];
    // ReduceOps.cpp: mean infers no float dtype from an integral input; std_var_out and
    // linalg.vector_norm check for floating point; nanmean too
    expect(first("return ids.mean(1);")).toMatch(/^TSDP4002: mean of an int32 tensor .*"mean\(\): could not infer output dtype\. Input dtype must be either a floating point or complex dtype\. Got: Long".*x\.float\(\)\.mean/);
    expect(first("return F.mean(ids.gt(5), 1);")).toMatch(/^TSDP4002: mean of a bool tensor .*Got: Bool/);
    expect(first("return ids.var(1);")).toMatch(/^TSDP4002: var of an int32 tensor .*"std and var only support floating point and complex dtypes"/);
    expect(first("return F.std(ids.gt(5), 1);")).toMatch(/^TSDP4002: std of a bool tensor/);
    expect(first("return F.varMean(ids, 1)[0];")).toMatch(/^TSDP4002: F\.varMean of an int32 tensor/);
    expect(first("return ids.norm(2, 1);")).toMatch(/^TSDP4002: norm of an int32 tensor .*"linalg\.vector_norm: Expected a floating point or complex tensor as input\. Got Long"/);
    expect(first("return F.normalize(ids.gt(5));")).toMatch(/^TSDP4002: F\.normalize of a bool tensor .*Got Bool/);
    expect(first("return F.nanmean(ids, 1);")).toMatch(/^TSDP4002: F\.nanmean of an int32 tensor/);
    // sub_check: any bool operand, not only bool − bool
    for (const body of ["return ids.gt(5).sub(1);", "return ids.gt(5).rsub(1);", "return ids.float().sub(ids.gt(5));", "return F.sub(ids, ids.gt(5));", "const m = ids.gt(5); m.sub_(1); return m;"])
      expect(first(body), body).toMatch(/^TSDP4002: r?sub with a bool tensor: PyTorch refuses it \("Subtraction, the `-` operator, with a bool tensor is not supported\. If you are trying to invert a mask, use the `~` or `logical_not\(\)` operator instead\."\); to invert a mask write mask\.logicalNot\(\)/);
    expect(first("return ids.gt(5).sub(ids.gt(6));")).toMatch(/^TSDP4002: sub of two bool tensors/);
    // what PyTorch computes still does: a dtype asked for, converted operands
    expect(run("return ids.mean(1, { dtype: 'float32' }).add(ids.gt(5).float().mean(1));")).toEqual({ values: [23 / 5 + 0.4, 20 / 5 + 0.4], dtype: "f32" });
    expect(run("return ids.gt(5).float().rsub(1).add(ids.gt(5).int().sub(1));").values).toEqual(IDS.flat().map((v) => (v > 5 ? 0 : 0)));
  });

  it("functions whose PyTorch kernels are for floating dtypes only refuse integer and bool tensors, as PyTorch's CUDA does; the unary float ops promote", () => {
    const first = (body: string) => diagnosticsOf(model(body)).map((d) => `${d.code}: ${d.message}`)[0];
    // AT_DISPATCH_FLOATING_TYPES… with no promotion before it (ActivationGeluKernel.cu, Lerp.cu,
    // SoftMax.cu, …): '"GeluCUDAKernelImpl" not implemented for 'Long'' — was computed in float32 here
    const refused: [string, RegExp][] = [
      ["return F.gelu(ids);", /^TSDP4002: F\.gelu of an int32 tensor .*"GeluCUDAKernelImpl" not implemented for 'Long'.*convert it first, with \.float\(\)/],
      ["return ids.lerp(ids.add(1), 0.5);", /^TSDP4002: lerp of an int32 tensor .*"lerp_cuda" not implemented for 'Long'/],
      ["return F.lerp(ids.float(), ids.float(), ids.gt(5));", /^TSDP4002: F\.lerp of a bool tensor .*"lerp_cuda" not implemented for 'Bool'/],
      ["return F.silu(ids.gt(5));", /^TSDP4002: F\.silu of a bool tensor .*"silu_cuda" not implemented for 'Bool'/],
      ["return F.softmax(ids.gt(5), 1);", /^TSDP4002: F\.softmax of a bool tensor .*"host_softmax"/],
      ["return ids.logSoftmax(1);", /^TSDP4002: logSoftmax of an int32 tensor .*"host_softmax" not implemented for 'Long'/],
      ["return F.softmin(ids, 1);", /^TSDP4002: F\.softmin of an int32 tensor/],
      ["return F.layerNorm(ids.gt(5), [5]);", /^TSDP4002: F\.layerNorm of a bool tensor .*"LayerNormKernelImpl"/],
      ...["elu", "selu", "celu", "softplus", "mish", "logsigmoid", "hardsigmoid", "hardswish", "leakyRelu", "hardshrink", "softshrink"].map((f): [string, RegExp] => [`return F.${f}(ids);`, new RegExp(`^TSDP4002: F\\.${f} of an int32 tensor`)]),
      // relu and hardtanh (relu6) clamp integers but check for bool first
      ["return F.relu(ids.gt(5));", /^TSDP4002: F\.relu of a bool tensor .*"Boolean inputs not supported for relu"/],
      ["return F.relu6(ids.gt(5));", /^TSDP4002: F\.relu6 of a bool tensor .*"Bool inputs not supported for hardtanh"/],
    ];
    for (const [body, want] of refused) expect(first(body), body).toMatch(want);
    const layer = (decl: string, input: string) => diagnosticsOf(model(`return this.a(${input});`, `a = ${decl};`)).map((d) => `${d.code}: ${d.message}`)[0];
    expect(layer("new nn.GELU()", "ids")).toMatch(/^TSDP4002: nn\.GELU of an int32 tensor/);
    expect(layer("new nn.ELU()", "ids.gt(5)")).toMatch(/^TSDP4002: nn\.ELU of a bool tensor/);
    // what PyTorch computes still does: softmax's dtype= converts its input first; relu, hardtanh of
    // integers keep them; sigmoid, tanh (unary float ops) promote
    expect(run("return F.softmax(ids, 1, { dtype: 'float32' }).sum(1).add(ids.gt(5).logSoftmax(1, { dtype: 'float32' }).exp().sum(1));").values.map((v) => Math.round(v * 1e5) / 1e5)).toEqual([2, 2]);
    expect(run("return F.relu(ids.sub(6)).add(F.hardtanh(ids, -1, 1));")).toEqual({ values: IDS.flat().map((v) => Math.max(v - 6, 0) + 1), dtype: "i32" });
    expect(run("return ids.sigmoid().add(F.tanh(ids.gt(5)));").dtype).toBe("f32");
  });

  it("an integer divided by a literal 0 is refused, as PyTorch's ZeroDivisionError; a float one is IEEE's", () => {
    const first = (body: string) => diagnosticsOf(model(body)).map((d) => `${d.code}: ${d.message}`)[0];
    expect(first("return ids.floorDivide(0);")).toMatch(/^TSDP3004: floorDivide: integer division by zero \(PyTorch raises ZeroDivisionError\)/);
    expect(first("return ids.div(0, { roundingMode: 'trunc' });")).toMatch(/^TSDP3004: div: integer division by zero/);
    expect(first("return ids.remainder(0);")).toMatch(/^TSDP3004: remainder: integer modulo by zero \(PyTorch raises ZeroDivisionError\)/);
    expect(first("return ids.fmod(0);")).toMatch(/^TSDP3004: fmod: integer modulo by zero/);
    expect(run("return ids.float().floorDivide(0);").values).toEqual(IDS.flat().map(() => Infinity));
  });

  it("Python's // of int32 operands, and float → int of what int32 cannot hold: NaN → 0, the nearest end past its range", () => {
    // divisors −4, −4, 4, 2, 0 and −4, 3, −4, −3, −1: floors toward −∞ (−7 // 2 is −4), and an integer
    // divided by a tensor's 0 is int32's end (no error inside a kernel; PyTorch's CPU raises)
    const flipped = [...IDS[0]].reverse().concat([...IDS[1]].reverse());
    const floorOf = (a: number, b: number) => (b === 0 ? 2 ** 31 - 1 : Math.floor(a / b) + 0);
    expect(run("return ids.floorDivide(ids.flip(1).sub(5));").values).toEqual(IDS.flat().map((v, i) => floorOf(v, flipped[i] - 5)));
    expect(run("return ids.float().mul(1e9).int();").values).toEqual(IDS.flat().map((v) => Math.min(v * 1e9, 2 ** 31 - 1)));
    expect(run("return ids.sub(ids).float().div(0).int().add(ids.float().neg().div(0).int());").values).toEqual(IDS.flat().map(() => -(2 ** 31)));
  });

  it("an integer past ±2²⁴ in int32 arithmetic (a spatial hash's prime) is refused, not computed inexactly; one past int64 is a float", () => {
    const first = (body: string) => diagnosticsOf(model(body)).map((d) => `${d.code}: ${d.message}`)[0];
    expect(first("return ids.mul(2654435761).remainder(64);")).toMatch(/^TSDP3004: mul: int32 arithmetic computes in float32 here, exact within ±2²⁴ \(16,777,216\); 2654435761 is past it/);
    // a whole number past int64 is no PyTorch integer (its scalar would overflow): a float literal
    // (finfo's min, -1e30), which promotes, as torch.result_type(int tensor, float) is float
    const scaled = run("return ids.rsub(1).mul(F.finfo('float32').min).div(1e38);");
    expect(scaled.dtype).toBe("f32");
    scaled.values.forEach((v, i) => expect(v).toBeCloseTo((1 - IDS.flat()[i]) * -3.4028234663852886, 6));
    expect(run("return F.where(ids.gt(5), ids, -1e30);")).toEqual({ values: IDS.flat().map((v) => (v > 5 ? v : Math.fround(-1e30))), dtype: "f32" });
    expect(first("return ids.mul(2654435761);")).toMatch(/past it.*where PyTorch's number is a float, make the operand one first \(x\.float\(\)\); a hash reduced mod 2\^T afterwards .*multiply by it mod 2\^T \(2654435761 % 2 \*\* T\)$/);
    // that form: ids·(π mod 2^6) has the low 6 bits of ids·π (ids < 2²⁴ / 49), as PyTorch's int64 product masked
    expect(run("return ids.mul(2654435761 % 64).bitwiseAnd(63);").values).toEqual(IDS.flat().map((v) => Number((BigInt(v) * 2654435761n) & 63n)));
    // one past 2²⁴ that float32 holds exactly is a port's float literal: an attention mask made a count
    // ((ids != 1) * 1, int64 in PyTorch), then (1 - m) * -1e9, was refused; PyTorch's int64 * -1e9 is
    // float32, the values these (float32 holds 1e9 and each product)
    expect(run("return ids.ne(1).mul(1).rsub(1).mul(-1e9);")).toEqual({ values: IDS.flat().map((v) => (v !== 1 ? 0 : 1) * -1e9), dtype: "f32" });
    expect(run("return ids.add(1e10);").dtype).toBe("f32");
    // an op that refuses integers says why the port's tensor is one
    expect(first("return F.softmax(ids.ne(1).mul(1), 1);")).toMatch(/F\.softmax of an int32 tensor .*convert it first, with \.float\(\); a number written without a decimal point is an integer, as Python's, so mask\.mul\(1\) is an int32 count and mask\.mul\(1\.0\) a float$/);
    // 2²⁴ itself is exact
    expect(run("return ids.mul(16777216).div(16777216);").values).toEqual(IDS.flat());
  });
});
