// A part of a parameter set in a constructor (compiler/1-frontend/parameter-regions.ts, Init "parts"):
// an LSTM's forget-gate biases filled with 1, BigGAN's conditional-BN table (half N(1, 0.02), half
// zeros), ConViT's local init (constants over every row, then scaled), YOLOX's bias through a view,
// nn.init on a part, p.data[i] = v. Checked on the reference's initial state: the parts exactly
// (constants, values), draws within their law's range and moments (5 standard errors), the rest
// the parameter's own draw, unchanged; and the refusals.
import { describe, expect, it } from "vitest";
import { initState } from "../compiler/reference/init.ts";
import { diagnosticsOf, header, lowerSource } from "./helpers.ts";

/** The reference's initial values of each state tensor of a model with `fields` and `ctor`. */
function initial(fields: string, ctor: string, seed = 0): Map<string, number[]> {
  const src = `${header}export class M extends nn.Module {\n  ${fields}\n  constructor() {\n    super();\n    ${ctor}\n  }\n  forward(x: Tensor<[Batch, 4]>) { return x; }\n}\n`;
  const { graph } = lowerSource(src);
  const state = initState(graph, seed);
  return new Map([...state.params, ...state.buffers].map(([k, v]) => [k, Array.from(v.data)]));
}

const first = (fields: string, ctor: string) =>
  diagnosticsOf(`${header}export class M extends nn.Module {\n  ${fields}\n  constructor() {\n    super();\n    ${ctor}\n  }\n  forward(x: Tensor<[Batch, 4]>) { return x; }\n}\n`).map((d) => `${d.code}: ${d.message}`)[0];

describe("a part of a parameter, set in a constructor", () => {
  it("an LSTM's forget-gate biases: that quarter is 1, the rest the layer's own uniform draw, unchanged", () => {
    const plain = initial("lstm = new nn.LSTM(4, 3);", "");
    const set = initial("lstm = new nn.LSTM(4, 3);", "for (const b of [this.lstm.bias_ih_l0, this.lstm.bias_hh_l0]) { const n = b.size(0); b.data.index(`${n / 4}:${n / 2}`).fill_(1.0); }");
    for (const name of ["lstm.bias_ih_l0", "lstm.bias_hh_l0"]) {
      const [before, after] = [plain.get(name)!, set.get(name)!];
      after.forEach((v, i) => expect(v).toBe(i >= 3 && i < 6 ? 1 : before[i]));
    }
    expect(set.get("lstm.weight_ih_l0")).toEqual(plain.get("lstm.weight_ih_l0"));
  });

  it("BigGAN's conditional BN: columns :nf drawn N(1, 0.02), nf: zeros (index and narrow alike)", () => {
    for (const ctor of ["this.embed.weight.data.index(':', ':8').normal_(1, 0.02); this.embed.weight.data.index(':', '8:').zero_();", "this.embed.weight.data.narrow(1, 0, 8).normal_(1, 0.02); nn.init.zeros_(this.embed.weight.narrow(1, 8, 8));"]) {
      const w = initial("embed = new nn.Embedding(50, 16);", ctor).get("embed.weight")!;
      const gains = w.filter((_, i) => i % 16 < 8);
      expect(w.filter((_, i) => i % 16 >= 8).every((v) => v === 0)).toBe(true);
      const mean = gains.reduce((a, b) => a + b, 0) / gains.length;
      const sd = Math.sqrt(gains.reduce((a, b) => a + (b - mean) ** 2, 0) / (gains.length - 1));
      // 400 draws: the mean within 5 standard errors of 1, the std within 15 % of 0.02
      expect(Math.abs(mean - 1)).toBeLessThan((5 * 0.02) / Math.sqrt(400));
      expect(Math.abs(sd / 0.02 - 1)).toBeLessThan(0.15);
    }
  });

  it("Mega's beta: a draw shifted (or scaled) by a small tensor, p.data.normal_(0, 0.02).add_(val), is each value's part drawn from the shifted law", () => {
    // MultiHeadEMA: beta [D, N, 1] with val [N, 1] = [1, -1, 1, -1]ᵀ (index_fill_ of ones), so beta[:, n] ~ N(±1, 0.02²)
    const ctor = "const val = F.ones(4, 1); val.indexFill_(0, F.tensor([1, 3]), -1.0); this.beta.data.normal_(0.0, 0.02).add_(val); this.g.data.uniform_(-1, 1).mul_(F.tensor([[1.0], [10.0]]));";
    const state = initial("beta = new nn.Parameter(F.empty(100, 4, 1)); g = new nn.Parameter(F.empty(2, 200));", ctor);
    const beta = state.get("beta")!;
    for (let n = 0; n < 4; n++) {
      const part = beta.filter((_, i) => i % 4 === n);
      const mean = part.reduce((a, b) => a + b, 0) / part.length;
      const sd = Math.sqrt(part.reduce((a, b) => a + (b - mean) ** 2, 0) / (part.length - 1));
      // 100 draws each: the mean within 5 standard errors of ±1, the std within 25 % of 0.02
      expect(Math.abs(mean - (n % 2 === 1 ? -1 : 1))).toBeLessThan((5 * 0.02) / Math.sqrt(100));
      expect(Math.abs(sd / 0.02 - 1)).toBeLessThan(0.25);
    }
    // g: row 0 in U(-1, 1), row 1 in U(-10, 10) and past 1 somewhere
    const g = state.get("g")!;
    expect(g.slice(0, 200).every((v) => Math.abs(v) <= 1)).toBe(true);
    expect(g.slice(200).every((v) => Math.abs(v) <= 10) && g.slice(200).some((v) => Math.abs(v) > 1)).toBe(true);
    // a tensor of more values than parts tsdp splits a draw into is still refused, saying why
    expect(first("w = new nn.Parameter(F.empty(100, 100));", "this.w.data.normal_(0, 1).add_(F.arange(100).float());")).toMatch(/^TSDP2001: .*holds a normal draw, which add_ by a tensor would change element by element into no law tsdp records/);
    // a value that gives no finite law is refused as the number is (div_(0)), not an internal error at codegen ('Infinity has no C literal')
    expect(first("w = new nn.Parameter(F.empty(3, 2));", "this.w.data.normal_(0, 1).div_(F.tensor([1.0, 0.0]));")).toMatch(/^TSDP\d+: .*div_: the tensor's values must be finite numbers other than 0 to shift or scale a draw, got 0 at element 1/);
    expect(first("w = new nn.Parameter(F.empty(3, 2));", "this.w.data.uniform_(0, 1).add_(F.tensor([[1.0], [NaN], [2.0]]));")).toMatch(/^TSDP\d+: .*add_: the tensor's values must be finite numbers to shift or scale a draw, got NaN at element 1/);
  });

  it("ConViT's local init: constants over every row, then the whole scaled — known values; p.data[i] = v; a view (YOLOX's bias)", () => {
    const ctor = [
      "for (let p = 0; p < 4; p++) { this.pos.weight.data.index(p, 2).fill_(-1); this.pos.weight.data.index(p, 1).fill_(p % 2); this.pos.weight.data.index(p, 0).fill_(Math.floor(p / 2)); }",
      "this.pos.weight.data.mul_(2);",
      "this.head.weight.data[1] = F.tensor([5, 6, 7, 8]);",
      "const b = this.head.bias.view(2, -1); b.data.index(':', 0).fill_(-4.6);",
    ].join("\n    ");
    const plain = initial("pos = new nn.Linear(3, 4); head = new nn.Linear(4, 4);", "");
    const set = initial("pos = new nn.Linear(3, 4); head = new nn.Linear(4, 4);", ctor);
    expect(set.get("pos.weight")).toEqual([0, 0, -2, 0, 2, -2, 2, 0, -2, 2, 2, -2]);
    const head = set.get("head.weight")!;
    head.forEach((v, i) => expect(v).toBe(i >= 4 && i < 8 ? i + 1 : plain.get("head.weight")![i]));
    // the bias viewed [2, 2]: column 0 is elements 0 and 2
    const bias = set.get("head.bias")!;
    bias.forEach((v, i) => expect(v).toBe(i % 2 === 0 ? -4.6 : plain.get("head.bias")![i]));
  });

  it("nn.init on a part takes its fans from the part's shape; a part of a draw scaled stays in its law's range", () => {
    // xavier_uniform_ on rows 0..1 of [6, 10]: bound √(6 / (10 + 2)); the other rows the layer's U(±1/√10)
    const w = initial("fc = new nn.Linear(10, 6);", "nn.init.xavier_uniform_(this.fc.weight.narrow(0, 0, 2)); this.fc.weight.data.narrow(0, 4, 2).mul_(100);").get("fc.weight")!;
    const bound = Math.sqrt(6 / 12);
    const rows = (r0: number, r1: number) => w.slice(r0 * 10, r1 * 10);
    expect(Math.max(...rows(0, 2).map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...rows(0, 2).map(Math.abs))).toBeGreaterThan(1 / Math.sqrt(10));
    expect(Math.max(...rows(2, 4).map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(10));
    expect(Math.max(...rows(4, 6).map(Math.abs))).toBeLessThanOrEqual(100 / Math.sqrt(10));
    expect(Math.max(...rows(4, 6).map(Math.abs))).toBeGreaterThan(1);
    // the draws depend on the seed, the constants not
    const other = initial("fc = new nn.Linear(10, 6);", "nn.init.xavier_uniform_(this.fc.weight.narrow(0, 0, 2));", 1).get("fc.weight")!;
    expect(other.slice(0, 20)).not.toEqual(w.slice(0, 20));
  });

  it("an orthogonal draw into each gate's rows of a GRU's weight_hh (SampleRNN's concat_init): each block gain·Q, the other gates as set", () => {
    const ctor = "const w = this.gru.weight_hh_l0.data; for (let g = 0; g < 2; g++) nn.init.orthogonal_(w.index(`${g * 4}:${(g + 1) * 4}`, ':'), 2); w.index('8:12', ':').zero_();";
    const w = initial("gru = new nn.GRU(4, 4);", ctor).get("gru.weight_hh_l0")!;
    const block = (g: number) => Array.from({ length: 4 }, (_, r) => w.slice((g * 4 + r) * 4, (g * 4 + r + 1) * 4));
    for (const g of [0, 1]) {
      const q = block(g);
      // QᵀQ = gain²·I (a square block: rows and columns orthonormal, times the gain)
      for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) expect(q.reduce((a, row) => a + row[i] * row[j], 0)).toBeCloseTo(i === j ? 4 : 0, 5);
    }
    expect(block(0)).not.toEqual(block(1));
    expect(w.slice(32)).toEqual(new Array(16).fill(0));
    // a tall part [4, 2] (rows 0:4 of a Linear(2, 8)): orthonormal columns
    const fc = initial("fc = new nn.Linear(2, 8);", "nn.init.orthogonal_(this.fc.weight.narrow(0, 0, 4));").get("fc.weight")!;
    for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) expect([0, 1, 2, 3].reduce((a, r) => a + fc[r * 2 + i] * fc[r * 2 + j], 0)).toBeCloseTo(i === j ? 1 : 0, 5);
  });

  it("refuses a truncated draw into a part, and reading back a part of parts set otherwise", () => {
    expect(first("fc = new nn.Linear(4, 8);", "nn.init.trunc_normal_(this.fc.weight.narrow(0, 0, 4), 0, 1, -0.5, 0.5);")).toMatch(/a part of a parameter takes a constant, values, a uniform or normal draw .* or an orthogonal one, not a truncated normal/);
    expect(first("fc = new nn.Linear(4, 8);", "this.fc.weight.data.narrow(0, 0, 4).fill_(1); this.fc.weight.data.narrow(0, 2, 4).mul_(2);")).toMatch(/a part of a parameter is read \(to scale or shift it\) where it holds parts set differently/);
    expect(first("fc = new nn.Linear(4, 8);", "this.fc.weight.data.index(':', '::2').view(-1).fill_(1);")).toMatch(/this part of the parameter is not contiguous/);
  });
});
