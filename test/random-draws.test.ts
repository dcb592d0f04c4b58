// Random numbers drawn in forward — F.rand, F.randn (the size may name the batch first),
// F.randLike, F.randnLike, F.bernoulli and x.bernoulli — and F.rand in a constructor, through the
// float64 reference: the draws' distributions (4,096 draws each, bounds at ≥ 4 standard errors),
// fresh numbers per draw counter, the same numbers for the same counter, the constructor's uniform
// initializer, and the refusals with where and why. test/random-draws-target.test.ts runs them on
// the CPU target; test/gradients.test.ts differentiates through them.
import { describe, expect, it } from "vitest";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { diagnosticsOf, header, lowerSource } from "./helpers.ts";

const model = (body: string, fields = "", input = "x: Tensor<[Batch, 4]>") => `${header}export class M extends nn.Module {\n  ${fields}\n  forward(${input}) {\n    ${body}\n  }\n}\n`;

const BATCH = 8;
const x = nd([BATCH, 4], Array.from({ length: BATCH * 4 }, (_, i) => i / 10));

function draws(body: string, draw = 0, fields = ""): number[][] {
  const { graph } = lowerSource(model(body, fields));
  return runReference(graph, { x }, initState(graph, 0), { training: true, draw }).outputs.map((o) => Array.from(o.data));
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const variance = (v: number[]) => mean(v.map((a) => (a - mean(v)) ** 2));
const first = (src: string) => diagnosticsOf(src).map((d) => `${d.code} ${d.loc?.line}: ${d.message}`)[0];

describe("draws in forward", () => {
  it("F.rand is uniform in [0, 1), F.randn standard normal, F.bernoulli 1 with probability p", () => {
    const [u, z, b, ul, zl] = draws("return [F.rand(x.size(0), 512), F.randn([x.size(0), 512]), F.bernoulli(F.fullLike(F.zeros(x.size(0), 512), 0.3)), F.randLike(F.zeros(x.size(0), 512)), F.randnLike(F.zeros(x.size(0), 512))];");
    for (const v of [u, ul]) {
      expect(v).toHaveLength(4096);
      expect(Math.min(...v)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...v)).toBeLessThan(1);
      expect(Math.abs(mean(v) - 0.5)).toBeLessThan(0.02); // standard error 0.0045
      expect(Math.abs(variance(v) - 1 / 12)).toBeLessThan(0.008);
    }
    for (const v of [z, zl]) {
      expect(Math.abs(mean(v))).toBeLessThan(0.07); // standard error 0.0156
      expect(Math.abs(variance(v) - 1)).toBeLessThan(0.1);
    }
    expect(new Set(b)).toEqual(new Set([0, 1]));
    expect(Math.abs(mean(b) - 0.3)).toBeLessThan(0.03); // standard error 0.0072
    // separate calls are separate streams
    expect(u).not.toEqual(ul);
  });

  it("the same draw counter gives the same numbers, the next one others", () => {
    const body = "return [F.randnLike(x), x.bernoulli(0.5), x.add(F.rand(4))];";
    expect(draws(body, 4)).toEqual(draws(body, 4));
    const [a, b] = [draws(body, 4), draws(body, 5)];
    for (const i of [0, 1, 2]) expect(a[i]).not.toEqual(b[i]);
  });

  it("x.bernoulli() draws with x's probabilities: 0 never, 1 always", () => {
    const [m] = draws("return [F.cat([F.zerosLike(x), F.onesLike(x)], 1).bernoulli()];");
    for (let r = 0; r < BATCH; r++) expect(m.slice(r * 8, r * 8 + 8)).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
  });

  it("a VAE's reparameterization and timm's drop path, as ported", () => {
    const [z, kept] = draws(
      "const mu = x.mul(0); const logvar = x.mul(0); const z = mu.add(F.randnLike(logvar).mul(logvar.mul(0.5).exp()));\n    const keep = F.bernoulli(F.fullLike(x.narrow(1, 0, 1), 0.5)).div(0.5);\n    return [z, x.mul(keep)];",
    );
    // mu 0 and logvar 0: z is ε itself, standard normal draws
    expect(z).toHaveLength(BATCH * 4);
    expect(z.every((v) => Number.isFinite(v) && Math.abs(v) < 6.7) && new Set(z).size === z.length).toBe(true);
    // each sample's row is kept whole (×2) or dropped whole
    for (let r = 0; r < BATCH; r++) {
      const row = kept.slice(r * 4, r * 4 + 4), input = Array.from(x.data.slice(r * 4, r * 4 + 4));
      expect(row.every((v) => v === 0) || row.every((v, i) => Math.abs(v - 2 * input[i]) < 1e-12)).toBe(true);
    }
  });

  it("a batch dim anywhere: the same numbers at each element's place as batch-first, transposed", () => {
    const [a, b] = draws("return [F.randn(4, x.size(0)).t(), F.randn(x.size(0), 4)];");
    // different nodes draw different streams; each is a normal draw of the batch's shape
    expect(a).toHaveLength(BATCH * 4);
    expect(a).not.toEqual(b);
  });

  it("refuses int32 inputs and draws outside forward", () => {
    expect(first(model("return F.randLike(x.int());"))).toMatch(/^TSDP\d+ 5: F\.randLike: tsdp's random tensors are float32/);
    expect(first(model("return x;", "constructor() { super(); this.registerBuffer('n', F.randnLike(F.zeros(3))); }"))).toMatch(/^TSDP2003 3: F\.randnLike draws in forward/);
  });
});

describe("F.normal (torch.normal): mean + std·z", () => {
  it("draws in forward from numbers with a size, or per element of a tensor mean and std", () => {
    const [n, t, exact] = draws("return [F.normal(2, 3, [x.size(0), 512]), F.normal(F.zeros(x.size(0), 512).add(1), 2), F.normal(x, F.zerosLike(x))];");
    expect(n).toHaveLength(4096);
    expect(Math.abs(mean(n) - 2)).toBeLessThan(0.2); // standard error 3/64 ≈ 0.047
    expect(Math.abs(variance(n) - 9)).toBeLessThan(0.9);
    expect(Math.abs(mean(t) - 1)).toBeLessThan(0.14); // standard error 2/64 ≈ 0.031
    expect(Math.abs(variance(t) - 4)).toBeLessThan(0.4);
    // std 0: the mean itself
    expect(exact).toEqual(Array.from(x.data));
  });
  it("initializes a parameter in a constructor (insightface's Parameter(torch.normal(0, 0.01, (C, D))))", () => {
    const { graph } = lowerSource(model("return x.add(this.w.sum()).add(this.v.sum());", "w = new nn.Parameter(F.normal(0, 0.01, [6, 8])); v = new nn.Parameter(F.normal(1, 0.5, [4096]));"));
    expect(graph.params.find((n) => n.attrs.name === "w")!.attrs.init).toEqual({ kind: "normal", std: 0.01 });
    expect(graph.params.find((n) => n.attrs.name === "v")!.attrs.init).toEqual({ kind: "normal", std: 0.5, mean: 1 });
    const v = Array.from(initState(graph, 3).params.get("v")!.data);
    expect(Math.abs(mean(v) - 1)).toBeLessThan(0.04); // standard error 0.5/64 ≈ 0.0078
  });
  it("refuses what PyTorch refuses: two numbers without a size, a negative std", () => {
    expect(first(model("return x.add(F.normal(0, 1));"))).toMatch(/^TSDP\d+ 5: F\.normal\(mean, std\) of two numbers needs the size: F\.normal\(0, 1, \[rows, cols\]\)/);
    expect(first(model("return F.normal(x, -1);"))).toMatch(/^TSDP\d+ 5: F\.normal: std must be at least 0/);
  });
});

describe("F.rand in a constructor", () => {
  it("initializes a parameter uniformly in [0, 1), scaled and shifted as F.randn is", () => {
    const { graph } = lowerSource(model("return x.add(this.p.sum());", "p = new nn.Parameter(F.rand(4096).mul(2).sub(1)); q = new nn.Parameter(F.rand(4, 4));"));
    const p = graph.params.find((n) => n.attrs.name === "p")!;
    expect(p.attrs.init).toEqual({ kind: "uniform", bound: 1, center: 0 });
    expect(graph.params.find((n) => n.attrs.name === "q")!.attrs.init).toEqual({ kind: "uniform", bound: 0.5, center: 0.5 });
    const v = Array.from(initState(graph, 3).params.get("p")!.data);
    expect(Math.min(...v)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...v)).toBeLessThan(1);
    expect(Math.abs(mean(v))).toBeLessThan(0.04);
  });
});
