// tsdp/einops (compiler/1-frontend/einops.ts): rearrange, repeat, reduce, the Rearrange and Reduce
// layers, einsum, pack/unpack and parse_shape through the frontend and the float64 reference,
// against the element each pattern names, computed here by index loops (exact: each result is
// one input element, or a sum/max/product of a few, compared within 1e-12). Errors: einops'
// messages as catalog diagnostics at the call. Gradients: finite differences (gradcheck.ts).
import { describe, expect, it } from "vitest";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { normals } from "../compiler/reference/rng.ts";
import { gradCheck } from "./gradcheck.ts";
import { diagnosticsOf, header, lowerSource } from "./helpers.ts";

const imports = `import { rearrange, repeat, reduce, einsum, pack, unpack, parseShape, parse_shape, Rearrange, Reduce } from "tsdp/einops";\n`;
const model = (input: string, body: string, fields = "") => `${header}${imports}export class M extends nn.Module {\n  ${fields}\n  forward(${input}) {\n    ${body}\n  }\n}\n`;

/** A tensor of `shape` with distinct values, and its element at an index. */
function input(shape: number[], seed = 1) {
  const data = normals(shape.reduce((p, q) => p * q, 1), seed, 3);
  const at = (...i: number[]) => data[i.reduce((p, v, k) => p * shape[k] + v, 0)];
  return { shape, data, at, nd: nd(shape, data) };
}

/** Outputs of the model for the inputs (named x, y, …), with their shapes. */
function run(src: string, inputs: Record<string, ReturnType<typeof input>>) {
  const { graph } = lowerSource(src);
  const given = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, v.nd]));
  return runReference(graph, given, initState(graph, 0)).outputs.map((o) => ({ shape: o.shape, data: Array.from(o.data) }));
}

/** Every element of `shape` in row-major order, as f(index). */
function expected(shape: number[], f: (...i: number[]) => number): number[] {
  const out: number[] = [];
  const visit = (prefix: number[]) => {
    if (prefix.length === shape.length) return void out.push(f(...prefix));
    for (let v = 0; v < shape[prefix.length]; v++) visit([...prefix, v]);
  };
  visit([]);
  return out;
}

function expectValues(got: { shape: readonly number[]; data: number[] }, shape: number[], want: number[]) {
  expect(got.shape).toEqual(shape);
  expect(got.data.length).toBe(want.length);
  got.data.forEach((g, i) => expect(Math.abs(g - want[i])).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want[i]))));
}

const first = (src: string) => diagnosticsOf(src).map((d) => `${d.code} ${d.loc?.line}: ${d.message}`)[0];

describe("rearrange", () => {
  it("splits a composed axis and permutes (attention's heads), and composes it back", () => {
    const x = input([2, 3, 6]);
    const [heads, back] = run(model("x: Tensor<[Batch, 3, 6]>", `const q = rearrange(x, "b n (h d) -> b h n d", { h: 2 });\n    return [q, rearrange(q, "b h n d -> b n (h d)")];`), { x });
    // q[b, h, n, d] = x[b, n, h·3 + d]
    expectValues(heads, [2, 2, 3, 3], expected([2, 2, 3, 3], (b, h, n, d) => x.at(b, n, h * 3 + d)));
    expectValues(back, [2, 3, 6], Array.from(x.data));
  });
  it("patches as vit-pytorch's Rearrange in nn.Sequential: no parameters, the patch axes innermost", () => {
    const x = input([2, 3, 4, 6]);
    const src = model("x: Tensor<[Batch, 3, 4, 6]>", "return this.patches(x);", `patches = new nn.Sequential(new Rearrange("b c (h p1) (w p2) -> b (h w) (p1 p2 c)", { p1: 2, p2: 3 }));`);
    expect(lowerSource(src).graph.params).toHaveLength(0);
    const [out] = run(src, { x });
    // out[b, h·2 + w, (p1·3 + p2)·3 + c] = x[b, c, h·2 + p1, w·3 + p2]
    expectValues(out, [2, 4, 18], expected([2, 2, 2, 2, 3, 3], (b, h, w, p1, p2, c) => x.at(b, c, h * 2 + p1, w * 3 + p2)));
  });
  it("folds the heads into the batch and back, '(b h) n d' (the batch composed with a fixed axis)", () => {
    const x = input([2, 2, 3, 4]);
    // the folded tensor itself is not returned: forward returns the batch first (TSDP4005)
    const [folded, back] = run(model("x: Tensor<[Batch, 2, 3, 4]>", `const f = rearrange(x, "b h n d -> (b h) n d");\n    return [rearrange(f, "(b h) n d -> b h n d", { h: 2 }), rearrange(f, "(b h) n d -> b n (h d)", { h: 2 })];`), { x });
    expectValues(folded, [2, 2, 3, 4], Array.from(x.data));
    expectValues(back, [2, 3, 8], expected([2, 3, 2, 4], (b, n, h, d) => x.at(b, h, n, d)));
  });
  it("'...' stands for the dims the pattern does not name, alone or composed on the right; '1' and '()' are dims of size 1", () => {
    const x = input([2, 3, 4]);
    const [split, flat, unit] = run(
      model("x: Tensor<[Batch, 3, 4]>", `return [rearrange(x, "... (h d) -> ... h d", { d: 2 }), rearrange(x, "b ... -> b (...)"), rearrange(x, "b n d -> b 1 n () d")];`),
      { x },
    );
    expectValues(split, [2, 3, 2, 2], expected([2, 3, 2, 2], (b, n, h, d) => x.at(b, n, h * 2 + d)));
    expectValues(flat, [2, 12], Array.from(x.data));
    expectValues(unit, [2, 1, 3, 1, 4], Array.from(x.data));
  });
  it("a list of tensors is stacked along a new first axis, as einops does", () => {
    const x = input([2, 3]);
    const [out] = run(model("x: Tensor<[Batch, 3]>", `return rearrange([x, x.mul(2)], "s b n -> b n s");`), { x });
    expectValues(out, [2, 3, 2], expected([2, 3, 2], (b, n, s) => x.at(b, n) * (s + 1)));
  });
});

describe("repeat", () => {
  it("a class token to every sample (b from x.shape[0]), an axis of copies, and a tiled composition", () => {
    const x = input([2, 3]);
    const src = model(
      "x: Tensor<[Batch, 3]>",
      `const b = x.shape[0];\n    return [repeat(this.cls, "1 1 d -> b 1 d", { b }), repeat(x, "b d -> b d k", { k: 2 }), repeat(x, "b d -> b (2 d)")];`,
      "cls = new nn.Parameter(F.arange(3).float().view(1, 1, 3));",
    );
    const [cls, copies, tiled] = run(src, { x });
    expectValues(cls, [2, 1, 3], [0, 1, 2, 0, 1, 2]);
    expectValues(copies, [2, 3, 2], expected([2, 3, 2], (b, d) => x.at(b, d)));
    // (2 d): the copy index outermost
    expectValues(tiled, [2, 6], expected([2, 2, 3], (b, _r, d) => x.at(b, d)));
  });
});

describe("reduce", () => {
  const x = input([2, 2, 4, 4]);
  const window = (b: number, c: number, h: number, w: number) => [0, 1].flatMap((i) => [0, 1].map((j) => x.at(b, c, h * 2 + i, w * 2 + j)));
  it.each([
    ["max", (v: number[]) => Math.max(...v)],
    ["min", (v: number[]) => Math.min(...v)],
    ["sum", (v: number[]) => v.reduce((p, q) => p + q, 0)],
    ["mean", (v: number[]) => v.reduce((p, q) => p + q, 0) / v.length],
    ["prod", (v: number[]) => v.reduce((p, q) => p * q, 1)],
  ] as const)("%s over 2×2 windows, 'b c (h p1) (w p2) -> b c h w'", (how, f) => {
    const [out] = run(model("x: Tensor<[Batch, 2, 4, 4]>", `return reduce(x, "b c (h p1) (w p2) -> b c h w", "${how}", { p1: 2, p2: 2 });`), { x });
    expectValues(out, [2, 2, 2, 2], expected([2, 2, 2, 2], (b, c, h, w) => f(window(b, c, h, w))));
  });
  it("global average pooling as a Reduce layer, and a kept dim of size 1", () => {
    const [pooled, kept] = run(model("x: Tensor<[Batch, 2, 4, 4]>", `return [this.pool(x), reduce(x, "b c h w -> b c 1 1", "mean")];`, `pool = new Reduce("b c h w -> b c", "mean");`), { x });
    const mean = (b: number, c: number) => expected([4, 4], (h, w) => x.at(b, c, h, w)).reduce((p, q) => p + q, 0) / 16;
    expectValues(pooled, [2, 2], expected([2, 2], mean));
    expectValues(kept, [2, 2, 1, 1], expected([2, 2], mean));
  });
});

describe("einsum, pack, unpack, parseShape", () => {
  it("einops.einsum: the tensors first, multi-letter axis names", () => {
    const q = input([2, 3, 4], 1);
    const k = input([2, 5, 4], 2);
    const [out] = run(model("q: Tensor<[Batch, 3, 4]>, k: Tensor<[Batch, 5, 4]>", `return einsum(q, k, "batch i dim, batch j dim -> batch i j");`), { q, k });
    expectValues(out, [2, 3, 5], expected([2, 3, 5], (b, i, j) => [0, 1, 2, 3].reduce((s, d) => s + q.at(b, i, d) * k.at(b, j, d), 0)));
  });
  it("pack joins along '*' (any number of dims there) and unpack splits back with the packed shapes", () => {
    const x = input([2, 2, 3, 4]);
    const src = model(
      "x: Tensor<[Batch, 2, 3, 4]>",
      `const cls = this.cls.expand(x.shape[0], -1, -1);\n    const [p, ps] = pack([cls, x], "b * d");\n    const [c2, x2] = unpack(p, ps, "b * d");\n    return [p, c2, x2];`,
      "cls = new nn.Parameter(F.ones(1, 1, 4));",
    );
    const [packed, cls, back] = run(src, { x });
    expectValues(packed, [2, 7, 4], expected([2, 7, 4], (b, n, d) => (n === 0 ? 1 : x.at(b, Math.floor((n - 1) / 3), (n - 1) % 3, d))));
    expectValues(cls, [2, 1, 4], new Array(8).fill(1));
    expectValues(back, [2, 2, 3, 4], Array.from(x.data));
  });
  it("pack with the batch among the dims at '*' (flattening the leading dims, '* d'), and unpack of it, one -1 inferred", () => {
    const x = input([2, 3, 4]);
    const src = model(
      "x: Tensor<[Batch, 3, 4]>",
      `const [p, ps] = pack([x, x.mul(2)], "* d");\n    const [a, b2] = unpack(p.add(1), ps, "* d");\n    const [c, d] = unpack(x, [[1], [-1]], "b * d");\n    return [a, b2, c, d];`,
    );
    const [a, doubled, head, tail] = run(src, { x });
    expectValues(a, [2, 3, 4], Array.from(x.data, (v) => v + 1));
    expectValues(doubled, [2, 3, 4], Array.from(x.data, (v) => 2 * v + 1));
    expectValues(head, [2, 1, 4], expected([2, 1, 4], (b, _n, d) => x.at(b, 0, d)));
    expectValues(tail, [2, 2, 4], expected([2, 2, 4], (b, n, d) => x.at(b, n + 1, d)));
  });
  it("parseShape (parse_shape) gives each named axis's size, the batch symbolic; '_' skips a dim, as often as written", () => {
    const x = input([2, 3, 4]);
    const y = input([2, 12], 2);
    const [out, spread] = run(model("x: Tensor<[Batch, 3, 4]>, y: Tensor<[Batch, 12]>", `const s = parseShape(x, "b _ d");\n    return [x.view(s.b, s.d * 3), rearrange(y, "b (n d) -> b n d", { ...parse_shape(x, "_ _ d") })];`), { x, y });
    expectValues(out, [2, 12], Array.from(x.data));
    expectValues(spread, [2, 3, 4], Array.from(y.data));
  });
});

describe("gradients", () => {
  it("through rearrange, repeat, reduce and einsum (finite differences)", () => {
    const body = `import { rearrange, repeat, reduce, einsum } from "tsdp/einops";\nexport class M extends nn.Module {\n  fc = new nn.Linear(4, 4);\n  forward(x: Tensor<[Batch, 2, 4]>) {\n    const h = rearrange(this.fc(x), "b n (h d) -> b h n d", { h: 2 });\n    const s = einsum(h, h, "b h i d, b h j d -> b h i j");\n    return reduce(repeat(s, "b h i j -> b h i j r", { r: 2 }), "b h i j r -> b (i j)", "max");\n  }\n}\n`;
    expect(gradCheck(body).checked).toBeGreaterThan(0);
  });
});

describe("errors: einops' messages at the call", () => {
  const call = (body: string, input = "x: Tensor<[Batch, 3, 6]>") => first(model(input, body));
  it("a pattern that does not fit the shape, a wrong rank, axes on one side, sizes that cannot be inferred", () => {
    expect(call(`return rearrange(x, "b n (h d) -> b h n d", { h: 4 });`)).toMatch(/^TSDP4001 \d+: rearrange: Shape mismatch, can't divide axis of length 6 in chunks of 4/);
    expect(call(`return rearrange(x, "b n -> n b");`)).toMatch(/TSDP4001 .*Wrong shape: expected 2 dims. Received 3-dim tensor/);
    expect(call(`return rearrange(x, "b n d -> b n");`)).toMatch(/TSDP3004 .*Identifiers only on one side of expression \(should be on both\): \{d\}/);
    expect(call(`return rearrange(x, "b n (h d) -> b h n d");`)).toMatch(/TSDP3004 .*Could not infer sizes for \{h, d\}/);
    expect(call(`return repeat(x, "b n d -> b n d k");`)).toMatch(/Specify sizes for new axes in repeat: \{k\}/);
    expect(call(`return reduce(x, "b n d -> b n e", "sum");`)).toMatch(/Unexpected identifiers on the right side of reduce: \{e\}/);
    expect(call(`return rearrange(x, "b n (h d) -> b h n d", { h: 2, q: 3 });`)).toMatch(/Axis q is not used in transform/);
    expect(call(`return rearrange(x, "b n n -> b n n");`)).toMatch(/duplicate dimension "n"/);
    expect(call(`return rearrange(x, "b 1 n -> b n");`)).toMatch(/Shape mismatch, 3 != 1 for "1" at dim 1/);
  });
  it("the batch: a fixed size given for it, and a fraction of it", () => {
    expect(call(`return rearrange(x, "b n d -> b n d", { b: 4 });`)).toMatch(/Shape mismatch, Batch != 4 .*the batch, whose size is known only at run time/);
    expect(call(`return rearrange(x, "(b two) n d -> b two n d", { two: 2 });`)).toMatch(/can't divide axis of length Batch in chunks of 2 .*a fraction of the batch/);
  });
  it("a function as the reduction, einsum's pattern first, and an import from 'einops' are refused saying what to write", () => {
    expect(call(`return reduce(x, "b n d -> b n", (t: Tensor) => t);`)).toMatch(/TSDP3004 .*a function as the reduction is not supported.*"mean", "sum", "max", "min", "prod"/);
    expect(call(`return einsum("b i d, b j d -> b i j", x, x);`)).toMatch(/TSDP3003 .*tensors first and the pattern last/);
    expect(first(`${header}import { EinMix } from "tsdp/einops";\nexport class M extends nn.Module {\n  forward(x: Tensor<[Batch, 2]>) {\n    return x;\n  }\n}\n`)).toMatch(/TSDP1003 2: einops' EinMix .* rearrange the mixed axes last, apply an nn.Linear/);
    expect(first(`${header}import { rearrange } from "einops";\nexport class M extends nn.Module {\n  forward(x: Tensor<[Batch, 2]>) {\n    return rearrange(x, "b n -> n b");\n  }\n}\n`)).toMatch(/TSDP1003 2: .*import \{ rearrange, repeat, reduce, Rearrange, Reduce \} from "tsdp\/einops"/);
  });
});
