// x.scatterReduce (torch.scatter_reduce, compiler/1-frontend/joins.ts): every reduction, with and
// without the input's own elements, against the definition written out here (float64 reference, to
// 1e-12); gradients by finite differences; Token Merging's mean of merged tokens; refusals.
import { describe, expect, it } from "vitest";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { gradCheck } from "./gradcheck.ts";
import { diagnosticsOf, header, lowerSource } from "./helpers.ts";

const [N, S, J] = [2, 4, 5];
const xs = Array.from({ length: N * S }, (_, i) => Math.sin(i * 1.7) * 2);
const src = Array.from({ length: N * J }, (_, i) => Math.cos(i * 0.9) * 3);
// position 3 of row 0 and position 0 of row 1 get nothing
const index = [0, 2, 2, 1, 0, 1, 3, 3, 2, 1];
const model = (body: string) =>
  `${header}export class M extends nn.Module {\n  forward(x: Tensor<[Batch, ${S}]>, s: Tensor<[Batch, ${J}]>, i: Tensor<[Batch, ${J}], "int32">) {\n    ${body}\n  }\n}\n`;
const run = (body: string) => {
  const { graph } = lowerSource(model(body));
  return Array.from(runReference(graph, { x: nd([N, S], xs), s: nd([N, J], src), i: nd([N, J], index) }, initState(graph, 0)).outputs[0].data);
};

/** scatter_reduce's definition: each position's own element (if included) and the src elements sent there. */
function expected(reduce: string, includeSelf: boolean): number[] {
  const out: number[] = [];
  for (let n = 0; n < N; n++)
    for (let p = 0; p < S; p++) {
      const sent = src.slice(n * J, n * J + J).filter((_, j) => index[n * J + j] === p);
      const own = xs[n * S + p];
      if (sent.length === 0) {
        out.push(own);
        continue;
      }
      const all = includeSelf ? [own, ...sent] : sent;
      const value =
        reduce === "sum" ? all.reduce((a, b) => a + b, 0)
        : reduce === "mean" ? all.reduce((a, b) => a + b, 0) / all.length
        : reduce === "prod" ? all.reduce((a, b) => a * b, 1)
        : reduce === "amax" ? Math.max(...all)
        : Math.min(...all);
      out.push(value);
    }
  return out;
}

describe("x.scatterReduce", () => {
  for (const reduce of ["sum", "mean", "prod", "amax", "amin"])
    for (const includeSelf of [true, false])
      it(`${reduce}, includeSelf ${includeSelf}: the definition's values`, () => {
        const got = run(`return x.scatterReduce(1, i, s, "${reduce}", { includeSelf: ${includeSelf} });`);
        const want = expected(reduce, includeSelf);
        expect(got.length).toBe(want.length);
        got.forEach((v, k) => expect(v).toBeCloseTo(want[k], 12));
      });

  it("gradients reach the input and src (sum, mean, prod, amax)", () => {
    const body = (reduce: string, includeSelf: boolean) =>
      `export class M extends nn.Module {\n  w = new nn.Parameter(F.randn(${J}));\n  forward(x: Tensor<[Batch, ${S}]>) {\n    const i = F.tensor([0, 2, 2, 1, 0], { dtype: "int32" }).unsqueeze(0).expand(x.size(0), ${J});\n    const s = x.index(":", "0:1").mul(this.w).add(this.w);\n    return x.scatterReduce(1, i, s, "${reduce}", { includeSelf: ${includeSelf} });\n  }\n}\n`;
    for (const [reduce, includeSelf] of [["sum", true], ["mean", true], ["mean", false], ["prod", true], ["amax", true], ["amin", false]] as const)
      expect(gradCheck(body(reduce, includeSelf)).checked, `${reduce} ${includeSelf}`).toBeGreaterThan(5);
  });

  it("refuses an unknown reduction and mismatched shapes", () => {
    const first = (body: string) => diagnosticsOf(model(body)).map((d) => `${d.code}: ${d.message}`)[0];
    expect(first('return x.scatterReduce(1, i, s, "median");')).toMatch(/^TSDP3004: .*reduce.*"median"|^TSDP3003: .*reduce/);
    expect(first('return x.scatterReduce(1, i, s.index(":", "1:"), "sum");')).toMatch(/^TSDP4001: scatterReduce: index \[Batch, 5\] and src \[Batch, 4\] must have one shape/);
  });
});

describe("x.scatter(dim, index, src, { reduce }) (PyTorch's legacy scatter.reduce / scatter.value_reduce)", () => {
  it('"add" is scatter_add, a number added once per index naming the position; "multiply" multiplies each in', () => {
    const close = (got: number[], want: number[]) => got.forEach((v, k) => expect(v).toBeCloseTo(want[k], 12));
    close(run('return x.scatter(1, i, s, { reduce: "add" });'), expected("sum", true));
    close(run('return x.scatter(1, i, s, { reduce: "multiply" });'), expected("prod", true));
    close(run('return x.clone().scatter_(1, i, s, { reduce: "multiply" });'), expected("prod", true));
    // a number v: x + v·count and x·v^count, count the times the index names the position
    const count = (n: number, p: number) => index.slice(n * J, n * J + J).filter((q) => q === p).length;
    const each = (f: (own: number, c: number) => number) => xs.map((own, k) => f(own, count(Math.floor(k / S), k % S)));
    close(run('return F.scatter(x, 1, i, 0.5, { reduce: "add" });'), each((own, c) => own + 0.5 * c));
    close(run('return x.scatter(1, i, -2, { reduce: "multiply" });'), each((own, c) => own * (-2) ** c));
  });
  it("gradients reach the input and src", () => {
    const body = (src: string, reduce: string) =>
      `export class M extends nn.Module {\n  w = new nn.Parameter(F.randn(${J}));\n  forward(x: Tensor<[Batch, ${S}]>) {\n    const i = F.tensor([0, 2, 2, 1, 0], { dtype: "int32" }).unsqueeze(0).expand(x.size(0), ${J});\n    const s = x.index(":", "0:1").mul(this.w).add(this.w);\n    return x.scatter(1, i, ${src}, { reduce: "${reduce}" });\n  }\n}\n`;
    for (const [src, reduce] of [["s", "add"], ["s", "multiply"], ["3", "multiply"]] as const) expect(gradCheck(body(src, reduce)).checked, `${src} ${reduce}`).toBeGreaterThan(3);
  });
  it("an int32 x stays int32, its forms the float ones' results floored (scatter_reduce's mean of integers floor-divides); scatter_'s counting idiom in place", () => {
    // each form was refused (take_grad sums float32: "expects a float32 gradient, got i32") or, with
    // a number and reduce, gave float32, which scatter_ then refused as a change of x's dtype
    const forms = ['scatterReduce(1, i, S, "sum")', 'scatterReduce(1, i, S, "mean", { includeSelf: false })', 'scatterReduce(1, i, S, "amax")', 'scatter(1, i, S, { reduce: "add" })', 'scatter(1, i, S, { reduce: "multiply" })', 'scatter(1, i, 3, { reduce: "multiply" })', "scatterAdd(1, i, S)", 'indexAdd(1, F.tensor([3, 0], { dtype: "int32" }), S.narrow(1, 0, 2))'];
    for (const form of forms) {
      const { graph } = lowerSource(model(`const X = x.round().int(); const S = s.round().int(); return X.${form};`));
      expect(graph.outputs[0].dtype, form).toBe("i32");
      const ints = Array.from(runReference(graph, { x: nd([N, S], xs), s: nd([N, J], src), i: nd([N, J], index) }, initState(graph, 0)).outputs[0].data);
      expect(ints, form).toEqual(run(`const X = x.round(); const S = s.round(); return X.${form};`).map((v) => Math.floor(v) || 0)); // (an integer has no −0)
    }
    // PyTorch's torch.zeros(n, 4, dtype=torch.long).scatter_(1, i, 1, reduce="add"): how often each position is named
    const counts = run('const c = x.round().int().mul(0); c.scatter_(1, i, 1, { reduce: "add" }); return c;');
    expect(counts).toEqual([2, 1, 2, 0, 0, 2, 1, 2]);
  });
  it("refuses a reduction it does not have", () => {
    expect(diagnosticsOf(model('return x.scatter(1, i, s, { reduce: "max" });')).map((d) => d.message)[0]).toMatch(/scatter: reduce must be one of "add", "multiply", got the string "max"/);
  });
});
