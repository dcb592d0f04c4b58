// PyTorch's in-place tensor methods in forward (x.relu_(), x.add_(y), timm's drop path
// `x.newEmpty(shape).bernoulli_(keep).div_(keep)`), through the frontend and the float64
// reference: each equals its out-of-place form, every name bound to the tensor sees the change,
// code evaluated per mode joins in-place changes, and what value semantics cannot follow (memory
// shared with a view read afterwards, model state, a tensor a parameter was made from, a change of
// shape or dtype) is refused with where and why (compiler/1-frontend/in-place.ts).
import { describe, expect, it } from "vitest";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { reachable } from "../compiler/ir/reachable.ts";
import { gradCheck } from "./gradcheck.ts";
import { diagnosticsOf, header, lowerSource } from "./helpers.ts";

const INPUT = "x: Tensor<[Batch, 6]>";
const model = (body: string, fields = "fc = new nn.Linear(6, 6);", input = INPUT) =>
  `${header}\nexport class M extends nn.Module {\n  ${fields}\n  forward(${input}) {\n    ${body}\n  }\n}\n`;
const first = (src: string) => diagnosticsOf(src).map((d) => `${d.code} ${d.loc?.line}: ${d.message}`)[0];
// the forward body is line 6 of `model`'s source (a constructor's body line 7)
const x = nd([3, 6], Array.from({ length: 18 }, (_, i) => Math.sin(i * 1.7) * 2));

function run(src: string, training = true): number[] {
  const { graph } = lowerSource(src);
  return Array.from(runReference(graph, { x }, initState(graph, 0), { training, step: 3 }).outputs[0].data);
}

describe("in-place methods in forward", () => {
  it("equal their out-of-place forms (values exactly, the same seed and state)", () => {
    const pairs: [string, string][] = [
      ["const y = this.fc(x); y.relu_(); return y;", "return this.fc(x).relu();"],
      ["const y = this.fc(x); y.mul_(2).add_(1).clamp_(-1, 3); return y;", "return this.fc(x).mul(2).add(1).clamp(-1, 3);"],
      ["let y = this.fc(x); y = y.sub_(x).div_(x.abs().add(1)); return y;", "return this.fc(x).sub(x).div(x.abs().add(1));"],
      ["const y = this.fc(x); y.maskedFill_(x.gt(0.5), -2); y.sigmoid_(); return y;", "return this.fc(x).maskedFill(x.gt(0.5), -2).sigmoid();"],
      ["const y = this.fc(x); y.zero_(); return y.add(x);", "return x.mul(1);"],
      ["const y = this.fc(x); y.fill_(0.25); return y.add(x);", "return x.add(0.25);"],
      ["const y = this.fc(x); y.copy_(x.narrow(1, 0, 1)); return y;", "return x.narrow(1, 0, 1).expand(-1, 6);"],
      ["const y = this.fc(x); y.unsqueeze_(1); return y.flatten(1);", "return this.fc(x);"],
    ];
    for (const [inPlace, outOfPlace] of pairs) expect(run(model(inPlace)), inPlace).toEqual(run(model(outOfPlace)));
  });

  it("every in-place form PyTorch has of a tensor method tsdp has (copysign_, scatter_reduce_, sgn_, sinc_, …) equals its out-of-place form", () => {
    // they were compiled (the generic name_ of a method) but missing from tsdp/dsl's Tensor, a tsc error
    // in the model file; the method forms of torch-extras' functions (sgn, sinc, true_divide) had none
    const y = "const y = this.fc(x).tanh().mul(0.9);";
    const calls = [
      "absolute()", "acos()", "acosh()", "addmm(x.narrow(1, 0, 2), F.ones(2, 6))", "asin()", "asinh()", "atan()", "atan2(x)", "atanh()",
      "clip(-0.5, 0.5)", "copysign(x)", "cosh()", "cumsum(1)", "cumprod(1)", "deg2rad()", "digamma()", "divide(x.abs().add(1))", "erfinv()",
      "exp2()", "fix()", "frac()", "hypot(x)", "i0()", "lgamma()", "log10()", "log2()", "logicalAnd(x)", "logicalOr(x)", "logicalXor(x)",
      "logit(0.01)", "multiply(x)", "mvlgamma(1)", "negative()", "polygamma(1)", "rad2deg()", "sgn()", "sinc()", "sinh()", "subtract(x)",
      "tan()", "trueDivide(x.abs().add(1))", "xlogy(x.abs())", "arccos()", "arcsin()", "arctan()", "greater(x)", "lessEqual(x)",
      "scatterReduce(1, x.gt(0).int(), x, 'amax')", "scatter(1, x.gt(0).int(), x, { reduce: 'multiply' })",
    ];
    for (const call of calls) {
      const name = call.slice(0, call.indexOf("("));
      const inPlace = `${y} y.${name}_${call.slice(name.length)}; return y;`;
      expect(run(model(inPlace)), inPlace).toEqual(run(model(`${y} return y.${call};`)));
    }
    // and PyTorch's snake_case spelling
    expect(run(model(`${y} y.true_divide_(x.abs().add(1)); return y;`))).toEqual(run(model(`${y} return y.trueDivide(x.abs().add(1));`)));
  });

  it("timm's drop path: new_empty(shape).bernoulli_(keep).div_(keep) draws what bernoulli(keep) does", () => {
    const dropPath = (draw: string) => model(`const keep = 0.6; const shape = [x.shape[0], ...Array(x.ndim - 1).fill(1)]; ${draw} return x.mul(r);`, "");
    const inPlace = run(dropPath("const r = x.newEmpty(shape).bernoulli_(keep); r.div_(keep);"));
    expect(inPlace).toEqual(run(dropPath("const r = x.newEmpty(shape).bernoulli(keep).div(keep);")));
    // each sample kept whole (scaled by 1/keep) or dropped whole
    for (let b = 0; b < 3; b++) {
      const row = inPlace.slice(b * 6, b * 6 + 6);
      const kept = row.every((v, i) => Math.abs(v - x.data[b * 6 + i] / 0.6) < 1e-12);
      expect(kept || row.every((v) => v === 0)).toBe(true);
    }
  });

  it("every name bound to the tensor sees the change, as every Python name bound to one torch.Tensor does; a clone does not", () => {
    // z is y: the change made through y shows in z
    expect(run(model("const y = this.fc(x); const z = y; y.add_(1); return z;"))).toEqual(run(model("return this.fc(x).add(1);")));
    // a tensor in a list is the same object
    expect(run(model("const y = this.fc(x); const ys = [y]; y.mul_(3); return ys[0];"))).toEqual(run(model("return this.fc(x).mul(3);")));
    // a helper's in-place change of its argument reaches the caller
    const helper = model("this.bump(x); return x;", "bump(t: Tensor) { t.add_(2); }");
    expect(run(helper)).toEqual(run(model("return x.add(2);", "")));
    // clone: a tensor of its own
    expect(run(model("const y = this.fc(x); const c = y.clone(); c.add_(1); return y.add(c);"))).toEqual(run(model("const y = this.fc(x); return y.add(y.add(1));")));
  });

  it("gradients flow through in-place changes as through their out-of-place forms", () => {
    const { checked } = gradCheck(`
export class M extends nn.Module {
  fc = new nn.Linear(4, 3);
  forward(x: Tensor<[Batch, 4]>) {
    const y = this.fc(x);
    y.tanh_();
    y.mul_(x.narrow(1, 0, 3)).addcmul_(y, x.narrow(1, 1, 3), { value: 0.5 });
    return y;
  }
}`);
    expect(checked).toBeGreaterThan(0);
  });

  it("changes made once per mode are joined: `if (this.training) y.mul_(2)`, and a helper that returns early in eval", () => {
    const branch = model("const y = this.fc(x); if (this.training) y.mul_(2); return y;");
    expect(run(branch, true)).toEqual(run(model("return this.fc(x).mul(2);"), true));
    expect(run(branch, false)).toEqual(run(model("return this.fc(x);"), false));
    const helper = model(
      "const y = this.fc(x); this.noise(y); return y.add(1);",
      "fc = new nn.Linear(6, 6);\n  noise(t: Tensor) { if (!this.training) return; t.mul_(0.5); }",
    );
    expect(run(helper, true)).toEqual(run(model("return this.fc(x).mul(0.5).add(1);"), true));
    expect(run(helper, false)).toEqual(run(model("return this.fc(x).add(1);"), false));
  });

  it("a view whose base is not read again may be changed: x = x.view(…); x.relu_()", () => {
    expect(run(model("let y = this.fc(x).view(-1, 2, 3); y.relu_(); y = y.flatten(1); y.neg_(); return y;"))).toEqual(run(model("return this.fc(x).relu().neg();")));
    // a view of a tensor changed before the view was taken reads the new values
    expect(run(model("const y = this.fc(x); y.add_(1); const v = y.view(-1, 3, 2); return v.flatten(1);"))).toEqual(run(model("return this.fc(x).add(1);")));
  });
});

describe("views share their base's memory: a change through either shows in the other (views.ts)", () => {
  it("a base read after a change through its view, and a view read after a change of its base, see it", () => {
    const pairs: [string, string][] = [
      ["const y = this.fc(x); const v = y.view(-1, 3, 2); v.add_(1); return y;", "return this.fc(x).add(1);"],
      ["const y = this.fc(x); const v = y.transpose(0, 1); y.mul_(2); return v.t();", "return this.fc(x).mul(2);"],
      ["const y = this.fc(x); const [a, b] = y.chunk(2, 1); a.relu_(); return y;", "const y = this.fc(x); return F.cat([y.narrow(1, 0, 3).relu(), y.narrow(1, 3, 3)], 1);"],
      ["const y = this.fc(x); const [a, b] = y.chunk(2, 1); a.relu_(); return b.add(a.sum(1, true));", "const y = this.fc(x); return y.narrow(1, 3, 3).add(y.narrow(1, 0, 3).relu().sum(1, true));"],
      // t[0] of the transpose is column 0 of y; zeroing it zeroes that column
      ["const t = this.fc(x).t(); const r = t[0]; r.zero_(); return t.t();", "const y = this.fc(x); return F.cat([F.zerosLike(y.narrow(1, 0, 1)), y.narrow(1, 1, 5)], 1);"],
      ["const y = this.fc(x); const d = F.flatten(y); d.exp_(); return y;", "return this.fc(x).exp();"],
      ["const y = this.fc(x); const d = y.detach(); d.sigmoid_(); return y;", "return this.fc(x).sigmoid();"],
      // a view of a view writes through both; a stepped slice writes every other element
      ["const y = this.fc(x); const v = y.view(-1, 2, 3).select(1, 0); v.mul_(0); return y;", "const y = this.fc(x); return F.cat([y.narrow(1, 0, 3).mul(0), y.narrow(1, 3, 3)], 1);"],
      ["const y = this.fc(x); y.index(':', '1::2').fill_(-1); return y;", "const y = this.fc(x); return F.stack([y.select(1, 0), y.select(1, 1).mul(0).sub(1), y.select(1, 2), y.select(1, 3).mul(0).sub(1), y.select(1, 4), y.select(1, 5).mul(0).sub(1)], 1);"],
    ];
    for (const [inPlace, outOfPlace] of pairs) expect(run(model(inPlace)), inPlace).toEqual(run(model(outOfPlace)));
  });

  it("PyTorch's item assignment: out[t] = h in a loop, x[i] = number, x[mask] = value, x[idx] = rows", () => {
    // an RNN's outputs gathered into a preallocated tensor, as ported seq2seq code does
    const loop = model("const out = F.zeros(3, x.size(0), 2); let h = x.narrow(1, 0, 2); for (let t = 0; t < 3; t++) { h = h.mul(2).add(t); out[t] = h; } return out.transpose(0, 1).flatten(1);", "");
    const unrolled = model("const h0 = x.narrow(1, 0, 2); const h1 = h0.mul(2); const h2 = h1.mul(2).add(1); const h3 = h2.mul(2).add(2); return F.stack([h1, h2, h3], 1).flatten(1);", "");
    expect(run(loop)).toEqual(run(unrolled));
    expect(run(model("const y = x.t().clone(); y[2] = 7; return y.t();", ""))).toEqual(Array.from(x.data, (v, i) => (i % 6 === 2 ? 7 : v)));
    expect(run(model("const y = x.clone(); y[x.lt(0)] = 0; return y;", ""))).toEqual(Array.from(x.data, (v) => (v < 0 ? 0 : v)));
    // rows 2 and 0 of a [6, Batch] transpose take rows 0 and 1 of another tensor
    const rows = run(model("const y = x.t().clone(); y[F.tensor([2, 0], { dtype: 'int32' })] = x.t().narrow(0, 4, 2); return y.t();", ""));
    expect(rows).toEqual(Array.from(x.data, (v, i) => (i % 6 === 2 ? x.data[i - 2 + 4] : i % 6 === 0 ? x.data[i + 5] : v)));
  });

  it("a constructor's table written through views (the Transformer's pe[:, 0::2] = sin(…), a masked convolution's mask)", () => {
    const pe = model(
      "return x.add(this.pe);",
      "pe: Tensor;\n  constructor() {\n    super();\n    const pe = F.zeros(6);\n    const pos = F.arange(0, 3).float();\n    pe.index('0::2').copy_(F.sin(pos));\n    pe.index('1::2').copy_(F.cos(pos));\n    this.registerBuffer('pe', pe);\n  }",
    );
    const want = [0, 1, 2].flatMap((p) => [Math.sin(p), Math.cos(p)]);
    const got = run(pe);
    for (let i = 0; i < 18; i++) expect(got[i]).toBeCloseTo(x.data[i] + want[i % 6], 6);
    // PixelCNN's mask A: rows below the centre and the centre row from the centre on are zero
    const mask = model(
      "return x.mul(this.mask.flatten());",
      "mask: Tensor;\n  constructor() {\n    super();\n    const m = F.ones(2, 3);\n    m.index(1, '1:').fill_(0);\n    m[0].index('2:').zero_();\n    this.registerBuffer('mask', m);\n  }",
    );
    expect(run(mask)).toEqual(Array.from(x.data, (v, i) => ([1, 1, 0, 1, 0, 0][i % 6] ? v : 0 * v)));
  });

  it("writes through views are differentiated as the out-of-place ops they stand for", () => {
    const { checked } = gradCheck(`
export class M extends nn.Module {
  fc = new nn.Linear(4, 6);
  forward(x: Tensor<[Batch, 4]>) {
    const y = this.fc(x);
    const v = y.view(-1, 2, 3);
    v.select(1, 1).mul_(x.narrow(1, 0, 3));
    y.index(":", "::4").tanh_();
    const out = F.zeros(2, x.size(0), 4);
    out[1] = x;
    return y.add(out.transpose(0, 1).flatten(1).narrow(1, 2, 6));
  }
}`);
    expect(checked).toBeGreaterThan(0);
  });

  it("a write in code evaluated per mode is joined: `if (this.training) v.mul_(2)` through a view", () => {
    const branch = model("const y = this.fc(x); const v = y.narrow(1, 0, 3); if (this.training) v.mul_(2); return y;");
    const y2 = "const y = this.fc(x); return F.cat([y.narrow(1, 0, 3).mul(2), y.narrow(1, 3, 3)], 1);";
    expect(run(branch, true)).toEqual(run(model(y2), true));
    expect(run(branch, false)).toEqual(run(model("return this.fc(x);"), false));
  });

  it("PyTorch's copies are not views: x[idx] and x.index(idx) with an int32 tensor", () => {
    expect(run(model("const y = x.t().clone(); const r = y[F.tensor([1], { dtype: 'int32' })]; r.fill_(5); return y.t();", ""))).toEqual(Array.from(x.data));
  });

  it("contiguous(), reshape and flatten of a transposed or strided view copy, as PyTorch's; of a tensor in order they are views", () => {
    const x6 = Array.from(x.data);
    const rows = (f: (r: number[]) => number[]) => [0, 1, 2].flatMap((b) => f(x6.slice(b * 6, b * 6 + 6)));
    // a change of the copy leaves the base; a change of the base leaves the copy
    for (const copy of ["h.view(-1, 2, 3).transpose(1, 2).contiguous()", "h.view(-1, 2, 3).transpose(1, 2).reshape(-1, 6)", "h.view(-1, 2, 3).transpose(1, 2).flatten(1)", "F.flatten(h.view(-1, 2, 3).transpose(1, 2), 1)", "h.view(-1, 2, 3).narrow(2, 0, 2).reshape(-1, 4)"]) {
      expect(run(model(`const h = x.mul(1); const c = ${copy}; c.add_(10); return h;`, "")), copy).toEqual(x6);
      expect(run(model(`const h = x.mul(1); const c = ${copy}; h.mul_(-2); return c.flatten(1);`, ""))[0], copy).toBe(x6[0]);
    }
    // in order: views, through which a change shows in the base (a narrow of whole rows, a transposed view transposed back)
    expect(run(model("const h = x.mul(1); const c = h.contiguous(); c.add_(10); return h;", ""))).toEqual(x6.map((v) => v + 10));
    // a size-1 dim left by a narrow is no gap: [B, 3, 1] read as [B, 3] is a view (PyTorch's computeStride)
    expect(run(model("const h = x.mul(1); const c = h.view(-1, 3, 2).narrow(2, 0, 1).reshape(-1, 3); c.add_(10); return h;", ""))).toEqual(rows((r) => r.map((v, i) => (i % 2 === 0 ? v + 10 : v))));
    expect(run(model("const h = x.mul(1); const c = h.view(-1, 2, 3).narrow(1, 1, 1).reshape(-1, 3); c.add_(10); return h;", ""))).toEqual(rows((r) => r.map((v, i) => (i >= 3 ? v + 10 : v))));
    expect(run(model("const h = x.mul(1); const c = h.view(-1, 2, 3).transpose(1, 2).transpose(1, 2).reshape(-1, 6); c.add_(10); return h;", ""))).toEqual(x6.map((v) => v + 10));
    expect(run(model("const h = x.mul(1); const c = h.view(-1, 2, 3).transpose(1, 2).unsqueeze(1).reshape(-1, 3, 2); c.add_(10); return h;", ""))).toEqual(x6.map((v) => v + 10));
  });

  it("view where no view can read the shape is refused where written, as PyTorch raises; where one can, it views", () => {
    for (const bad of ["x.view(-1, 2, 3).transpose(1, 2).view(-1, 6)", "x.view(-1, 2, 3).narrow(2, 0, 2).view(-1, 4)", "x.t().view(-1)", "x.view(-1, 2, 3).transpose(1, 2).viewAs(x)", "x.view(-1, 2, 3).permute(0, 2, 1).view(-1, 6)"])
      expect(first(model(`return ${bad};`, "")), bad).toMatch(/^TSDP4001 6: view(As)?: the tensor's elements are not laid out in memory as shape .* PyTorch raises/);
    // splitting a dim, and size-1 dims, view whatever the strides (PyTorch's computeStride)
    for (const good of ["x.view(-1, 2, 3).transpose(1, 2).view(-1, 3, 2, 1)", "x.view(-1, 2, 3).narrow(2, 0, 2).view(-1, 1, 2, 2)", "x.unsqueeze(1).transpose(1, 2).view(-1, 6)", "x.view(-1, 2, 3).transpose(1, 2).contiguous().view(-1, 6)"])
      expect(() => lowerSource(model(`return ${good};`, "")), good).not.toThrow();
  });

  it("refused, with where and why: a write through an expanded view (PyTorch refuses it), and a change of shape of a tensor with views", () => {
    expect(first(model("const y = x.narrow(1, 0, 1).clone(); const e = y.expand(-1, 6); e.add_(1); return e;", ""))).toMatch(/^TSDP2018 6: add_ writes into an expanded view, whose elements share memory locations \(PyTorch refuses it too\)/);
    expect(first(model("const y = this.fc(x); const v = y.view(-1, 2, 3); y.t_(); return v.flatten(1);"))).toMatch(/^TSDP2018 6: t_ changes the shape of a tensor that shares its memory with another one read after it/);
  });
});

describe("in-place changes tsdp cannot follow are refused, with where and why", () => {
  it("model state in forward: a parameter, a layer's buffer, a constructor's constant", () => {
    expect(first(model("this.w.add_(1); return x.mul(this.w);", "w = new nn.Parameter(F.ones(6));"))).toMatch(/^TSDP2018 6: add_ in forward would change the model's parameter/);
    expect(first(model("this.fc.weight.mul_(0.5); return this.fc(x);"))).toMatch(/^TSDP2018 6: mul_ in forward would change the model's parameter/);
    expect(first(model("const w = this.fc.weight.T; w.mul_(0.5); return x.matmul(w);"))).toMatch(/^TSDP2018 6: mul_ in forward would change the model's parameter \(through a view of it\)/);
    // a module's own buffer may change (test/state-updates.test.ts); a layer's may not
    expect(lowerSource(model("this.count.add_(1); return x.add(this.count);", "count = F.zeros(1);\n  constructor() { super(); this.registerBuffer('count', F.zeros(1)); }")).graph.stateUpdates).toHaveLength(1);
    expect(first(model("this.bn.running_mean.add_(1); return this.bn(x);", "bn = new nn.BatchNorm1d(6);"))).toMatch(/^TSDP2018 6: add_ in forward would change the model's buffer, which later calls read again; forward changes only a module's own buffers \(registerBuffer\), not a layer's/);
    expect(first(model("this.mask.zero_(); return x.mul(this.mask);", "mask = F.triu(F.ones(6, 6)).sum(0);"))).toMatch(/^TSDP2018 6: zero_ in forward would change the model's constant/);
    // a fill has no out-of-place form: the fix names a copy's
    expect(first(model("this.mask.fill_(2); return x.mul(this.mask);", "mask = F.ones(6);"))).toMatch(/: write y = t\.clone\(\)\.fill_\(…\) and use y$/);
  });

  it("a clone of model state is a tensor of its own: changing it in place leaves the state (PyTorch's w.clone().fill_diagonal_(0))", () => {
    const fields = "w = new nn.Parameter(F.ones(6));\n  mask = F.ones(6);\n  b: Tensor;\n  constructor() { super(); this.registerBuffer('b', F.ones(6)); }";
    const src = model("const w = this.w.clone(); w.mul_(2); const b = this.b.clone(); b.add_(1); return [x.mul(w).add(this.w), x.mul(this.mask.clone().zero_()).add(this.mask), x.mul(b).add(this.b)];", fields);
    const { graph } = lowerSource(src);
    expect(graph.stateUpdates ?? []).toHaveLength(0);
    const [viaW, viaMask, viaB] = runReference(graph, { x }, initState(graph, 0), { training: true, step: 3 }).outputs.map((o) => Array.from(o.data));
    expect(viaW).toEqual(Array.from(x.data, (v) => v * 2 + 1));
    expect(viaMask).toEqual(Array.from(x.data, () => 1));
    expect(viaB).toEqual(Array.from(x.data, (v) => v * 2 + 1));
  });

  it("a change of the receiver's shape or dtype (PyTorch writes the result into its storage)", () => {
    expect(first(model("const y = this.fc(x).narrow(1, 0, 1); y.add_(x); return y;"))).toMatch(/^TSDP4001 6: add_: the result's shape \[Batch, 6\] is not x's \[Batch, 1\]/);
    expect(first(model("const i = x.int(); i.mul_(0.5); return x;"))).toMatch(/^TSDP4002 6: mul_: the result is float32 and x is int32/);
    // PyTorch casts a comparison's booleans into the receiver's dtype, and integers into a float tensor
    expect(run(model("const i = x.int(); i.gt_(0); return i.float();", ""))).toEqual(Array.from(x.data, (v) => (Math.trunc(v) > 0 ? 1 : 0)));
    expect(run(model("const y = x.mul(1); y.copy_(x.int()); return y;", ""))).toEqual(Array.from(x.data, (v) => Math.trunc(v) + 0));
  });

  it("in a constructor: a tensor a parameter was made from changes the parameter (PyTorch's shares its storage), a draw into a tensor that cannot hold it", () => {
    const ctor = (body: string) => model("return x.mul(this.p);", "p: nn.Parameter;\n  constructor() {\n    super();\n    " + body + "\n  }");
    const after = lowerSource(ctor("const t = F.zeros(6); this.p = new nn.Parameter(t); t.add_(1); t.index(\"3:\").mul_(F.arange(3).float());"));
    expect(after.graph.params[0].attrs.init).toMatchObject({ kind: "values" });
    expect(Array.from((after.graph.params[0].attrs.init as { values: ArrayLike<number> }).values)).toEqual([1, 1, 1, 0, 1, 2]);
    // a table nn.Embedding.fromPretrained took is copied into the layer's declaration: a later change would not reach it
    expect(first(ctor("const t = F.ones(6, 1); this.p = new nn.Parameter(F.ones(6)); this.e = nn.Embedding.fromPretrained(t); t.add_(1);"))).toMatch(/^TSDP2018 7: add_: this tensor already gave an nn.Parameter or buffer its initial value/);
    // a variable bound to a tensor that took a draw in place reads the draw, as PyTorch's t holds it
    // (lucidrains' init_: tensor.uniform_(-std, std); return tensor); a view of it cannot hold it
    expect(lowerSource(ctor("const t = F.empty(6); t.uniform_(-1, 1); this.p = new nn.Parameter(t);")).graph.params[0].attrs.init).toEqual({ kind: "uniform", bound: 1 });
    const initHelper = "function init_(tensor: Tensor) { const std = 1 / Math.sqrt(tensor.shape[tensor.shape.length - 1]); tensor.uniform_(-std, std); return tensor; }\n";
    const helped = lowerSource(initHelper + ctor("const t = F.zeros(2, 4); init_(t); this.p = new nn.Parameter(init_(F.zeros(6)).mul(2)); t.mul_(3); this.registerBuffer('b', t);"));
    expect(helped.graph.params[0].attrs.init).toMatchObject({ kind: "uniform", bound: 2 / Math.sqrt(6) });
    expect(helped.graph.buffers[0].attrs.init).toMatchObject({ kind: "uniform", bound: 1.5 });
    // through a field and an array element too
    const fields = lowerSource(ctor("const o = { t: F.zeros(6) }; o.t.normal_(0, 2); const ts = [F.zeros(6)]; ts[0].uniform_(-3, 3); this.p = new nn.Parameter(o.t); this.registerBuffer('b', ts[0]);"));
    expect(fields.graph.params[0].attrs.init).toEqual({ kind: "normal", std: 2 });
    expect(fields.graph.buffers[0].attrs.init).toMatchObject({ kind: "uniform", bound: 3 });
    expect(first(ctor("const t = F.empty(6); const v = t.view(2, 3); t.uniform_(-1, 1); this.p = new nn.Parameter(v.flatten());"))).toMatch(/^TSDP2018 7: uniform_ in a constructor makes a random initial value/);
    // the value the draw returns is the initializer
    const { graph } = lowerSource(ctor("this.p = new nn.Parameter(F.empty(6).normal_(0, 0.02));"));
    expect(graph.params[0].attrs.init).toEqual({ kind: "normal", std: 0.02 });
    // a constructor tensor changed before it is used is its new value
    const { graph: g2 } = lowerSource(ctor("const t = F.ones(6); t.mul_(3).add_(F.arange(6)); this.p = new nn.Parameter(t);"));
    const init = g2.params[0].attrs.init as { kind: string; values?: Float32Array };
    expect(Array.from(init.values ?? [])).toEqual([3, 4, 5, 6, 7, 8]);
  });
});

describe("inplace: true on a layer or function overwrites its input, as PyTorch's", () => {
  it("nn.ReLU({ inplace: true }) and F.relu(x, { inplace: true }) change x itself; inplace false leaves it", () => {
    const relu = "return this.fc(x).relu();";
    expect(run(model("const h = this.fc(x); this.act(h); return h;", "fc = new nn.Linear(6, 6); act = new nn.ReLU({ inplace: true });"))).toEqual(run(model(relu)));
    expect(run(model("const h = this.fc(x); const y = F.relu(h, { inplace: true }); return h.add(y);"))).toEqual(run(model("const r = this.fc(x).relu(); return r.add(r);")));
    expect(run(model("const h = this.fc(x); this.act(h); return h;", "fc = new nn.Linear(6, 6); act = new nn.ReLU();"))).toEqual(run(model("return this.fc(x);")));
    // ResNet's block: the activation applied in place to a fresh tensor, the identity kept apart
    const block = "fc = new nn.Linear(6, 6); relu = new nn.ReLU(true);";
    expect(run(model("const identity = x; let out = this.relu(this.fc(x)); out = out.add(identity); return this.relu(out);", block))).toEqual(
      run(model("return this.fc(x).relu().add(x).relu();")),
    );
  });
  it("a view read after it sees the change; refused where x.relu_() would be: a parameter", () => {
    const act = "fc = new nn.Linear(6, 6); act = new nn.ReLU({ inplace: true });";
    expect(run(model("const h = this.fc(x); const v = h.view(-1, 2, 3); this.act(h); return v.flatten(1);", act))).toEqual(run(model("return this.fc(x).relu();")));
    expect(first(model("return x.add(F.relu(this.w, { inplace: true }));", "w = new nn.Parameter(F.ones(6));"))).toMatch(/^TSDP2018 6: F\.relu with inplace: true in forward would change the model's parameter/);
  });
});

describe("views made by layers", () => {
  it("nn.Flatten's output is a view of its input: a change through it shows in the input", () => {
    const src = `${header}\nexport class M extends nn.Module {\n  flat = new nn.Flatten();\n  forward(x: Tensor<[Batch, 2, 3]>) {\n    const y = x.mul(1);\n    const f = this.flat(y);\n    f.relu_();\n    return y.flatten(1);\n  }\n}\n`;
    const { graph } = lowerSource(src);
    const x23 = nd([3, 2, 3], Array.from(x.data));
    expect(Array.from(runReference(graph, { x: x23 }, initState(graph, 0), { training: true }).outputs[0].data)).toEqual(Array.from(x.data, (v) => Math.max(v, 0)));
  });
});

describe("writes into slabs of one dim", () => {
  it("T writes out[t] = h in a loop leave one concat of T slabs to compute, not a where over the whole tensor per write", () => {
    const src = model("const out = F.zeros(40, x.size(0), 6); let h = x; for (let t = 0; t < 40; t++) { h = h.mul(0.5).add(t); out[t] = h; } return out.transpose(0, 1).flatten(1);", "");
    const { graph } = lowerSource(src);
    const live = [...reachable(graph.outputs)];
    expect(live.filter((n) => n.op === "where")).toHaveLength(0);
    // 40 slabs: one concat of 40 (MAX_CAT_INPUTS is 64)
    expect(live.filter((n) => n.op === "concat").map((n) => n.inputs.length)).toEqual([40]);
    // and the values: sample b's step t is x·0.5^(t+1) + Σ_{s ≤ t} s·0.5^(t−s)
    const out = run(src);
    for (let t = 0; t < 40; t += 13) {
      const carry = Array.from({ length: t + 1 }, (_, s) => s * 0.5 ** (t - s)).reduce((a, b) => a + b, 0);
      for (let i = 0; i < 6; i++) expect(out[t * 6 + i]).toBeCloseTo(x.data[i] * 0.5 ** (t + 1) + carry, 9);
    }
  });
});

describe("x.fillDiagonal_(value, wrap) (Tensor.fill_diagonal_)", () => {
  // the outputs as [Batch, …] rows: a constant's values added to a zero per sample
  const constant = (t: string) => model(`return x.mul(0).sum(1, true).add(${t}.flatten());`, "");
  it("fills (i, i), and with wrap a tall matrix's diagonal again below every w + 1 rows (PyTorch's documented zeros(7, 3) example); ±Infinity too; of more dims (i, i, i)", () => {
    // torch.zeros(7, 3).fill_diagonal_(5, wrap=True): rows 0–2 and 4–6 hold the diagonal, row 3 none
    const wrapped = [[5, 0, 0], [0, 5, 0], [0, 0, 5], [0, 0, 0], [5, 0, 0], [0, 5, 0], [0, 0, 5]].flat();
    expect(run(constant("F.zeros(7, 3).fillDiagonal_(5, true)")).slice(0, 21)).toEqual(wrapped);
    expect(run(constant("F.zeros(7, 3).fillDiagonal_(5)")).slice(0, 21)).toEqual([...wrapped.slice(0, 9), ...Array<number>(12).fill(0)]);
    // wide: (i, i) for i < 2
    expect(run(constant("F.ones(2, 4).fillDiagonal_(-Infinity)")).slice(0, 8)).toEqual([-Infinity, 1, 1, 1, 1, -Infinity, 1, 1]);
    expect(run(constant("F.zeros(2, 2, 2).fillDiagonal_(3)")).slice(0, 8)).toEqual([3, 0, 0, 0, 0, 0, 0, 3]);
    // in a constructor, a buffer's initial value
    const buffer = `${header}\nexport class M extends nn.Module {\n  mask = F.ones(6, 6).fillDiagonal_(0);\n  forward(x: Tensor<[Batch, 6]>) {\n    return x.matmul(this.mask);\n  }\n}\n`;
    const sums = run(buffer);
    x.data.slice(0, 6).forEach((_, j) => expect(sums[j]).toBeCloseTo(x.data.slice(0, 6).reduce((a, v) => a + v, 0) - x.data[j], 12));
  });
  it("passes no gradient to the diagonal it overwrites (finite differences)", () => {
    const body = `export class M extends nn.Module {\n  w = new nn.Parameter(F.randn(6, 6));\n  forward(x: Tensor<[Batch, 6]>) {\n    return x.matmul(this.w.clone().fillDiagonal_(0.5));\n  }\n}\n`;
    expect(gradCheck(body).checked).toBeGreaterThan(5);
  });
  it("refuses a tensor holding the batch, fewer than 2 dims and unequal dims past 2, as PyTorch", () => {
    expect(first(model("return x.clone().fillDiagonal_(0);", ""))).toMatch(/^TSDP4001 6: fillDiagonal_: \[Batch, 6\] holds the batch/);
    expect(first(constant("F.zeros(4).fillDiagonal_(1)"))).toMatch(/fillDiagonal_: x must have at least 2 dims, got \[4\]/);
    expect(first(constant("F.zeros(2, 3, 3).fillDiagonal_(1)"))).toMatch(/fillDiagonal_: all dims of x must have one length, got \[2, 3, 3\]/);
  });
});
