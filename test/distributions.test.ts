// torch.distributions (compiler/1-frontend/distributions.ts): each distribution's log-probability,
// entropy, moments, cdf and KL divergence against the formulas written out here in JavaScript on the
// same numbers (float64 reference interpreter, to 1e-12 unless stated); the draws' laws by their
// sample statistics over thousands of draws (within 5 standard errors); rsample's gradient and
// sample's none; top-level destructuring (`const { Normal } = F.distributions`); refusals.
import { describe, expect, it } from "vitest";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { gradCheck } from "./gradcheck.ts";
import { diagnosticsOf, header, lowerSource } from "./helpers.ts";

type Inputs = Record<string, { shape: number[]; data: number[] }>;
const run = (src: string, inputs: Inputs) => {
  const { graph } = lowerSource(header + src);
  const ins = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, nd(v.shape, v.data)]));
  return runReference(graph, ins, initState(graph, 0)).outputs.map((o) => Array.from(o.data));
};
const first = (src: string) => diagnosticsOf(header + src).map((d) => `${d.code} ${d.loc?.line}: ${d.message}`)[0];
const model = (inputs: string, body: string) => `export class M extends nn.Module {\n  forward(${inputs}) {\n    ${body}\n  }\n}\n`;
const close = (got: number[], want: number[], digits = 12) => {
  expect(got.length).toBe(want.length);
  got.forEach((v, i) => (Number.isFinite(want[i]) ? expect(v).toBeCloseTo(want[i], digits) : expect(v).toBe(want[i])));
};

/** erf by its Maclaurin series: 1e-15 for |x| ≤ 3 with 80 terms. */
function erf(x: number): number {
  let sum = 0;
  let term = x; // (−1)ⁿ x^(2n+1) / n!
  for (let n = 0; n < 80; n++) {
    sum += term / (2 * n + 1);
    term *= (-x * x) / (n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}
const softplus = (x: number) => Math.log1p(Math.exp(x));
const N = 4;
const values = (seed: number, scale = 1) => Array.from({ length: 2 * N }, (_, i) => Math.sin(i * 1.31 + seed) * scale);

describe("torch.distributions: each formula against JavaScript's", () => {
  it("Normal: logProb, entropy, cdf, icdf, variance, and KL(Normal ‖ Normal) of broadcast parameters", () => {
    const [mu, ls, v, p] = [values(1), values(2, 0.5), values(3, 2), values(4).map((x) => 0.5 + 0.45 * x)];
    const out = run(
      model(
        `mu: Tensor<[Batch, ${N}]>, ls: Tensor<[Batch, ${N}]>, v: Tensor<[Batch, ${N}]>, p: Tensor<[Batch, ${N}]>`,
        `const q = new F.distributions.Normal(mu, ls.exp());
    const prior = new F.distributions.Normal(0.5, 2);
    return [q.logProb(v), q.entropy(), q.cdf(v), q.icdf(p), q.variance, q.stddev.sub(ls.exp()), F.distributions.klDivergence(q, prior), prior.logProb(v), q.mean.sub(mu)];`,
      ),
      { mu: { shape: [2, N], data: mu }, ls: { shape: [2, N], data: ls }, v: { shape: [2, N], data: v }, p: { shape: [2, N], data: p } },
    );
    const s = ls.map(Math.exp);
    const logpdf = (x: number, m: number, sd: number) => -((x - m) ** 2) / (2 * sd * sd) - Math.log(sd) - 0.5 * Math.log(2 * Math.PI);
    close(out[0], v.map((x, i) => logpdf(x, mu[i], s[i])));
    close(out[1], s.map((sd) => 0.5 + 0.5 * Math.log(2 * Math.PI) + Math.log(sd)));
    close(out[2], v.map((x, i) => 0.5 * (1 + erf((x - mu[i]) / (s[i] * Math.SQRT2)))));
    // the inverse: Φ(icdf(p)) = p
    close(out[3].map((x, i) => 0.5 * (1 + erf((x - mu[i]) / (s[i] * Math.SQRT2)))), p, 9);
    close(out[4], s.map((sd) => sd * sd));
    close(out[5], s.map(() => 0));
    // KL(N(μ₁, σ₁) ‖ N(μ₂, σ₂)) = log σ₂/σ₁ + (σ₁² + (μ₁ − μ₂)²)/(2σ₂²) − ½
    close(out[6], mu.map((m, i) => Math.log(2 / s[i]) + (s[i] ** 2 + (m - 0.5) ** 2) / (2 * 4) - 0.5));
    close(out[7], v.map((x) => logpdf(x, 0.5, 2)));
    close(out[8], mu.map(() => 0));
  });

  it("Categorical: logProb of indices, entropy, probs, mode, from logits or unnormalized probs, KL", () => {
    const C = 5;
    const logits = Array.from({ length: 2 * C }, (_, i) => Math.cos(i * 0.77) * 2);
    const weights = Array.from({ length: 2 * C }, (_, i) => 0.2 + Math.abs(Math.sin(i * 0.9)));
    const a = [3, 1];
    const out = run(
      model(
        `l: Tensor<[Batch, ${C}]>, w: Tensor<[Batch, ${C}]>, a: Tensor<[Batch], "int32">`,
        `const c = new F.distributions.Categorical({ logits: l });
    const d = new F.distributions.Categorical(w);
    return [c.logProb(a), c.entropy(), c.probs, c.logits, d.probs, d.logProb(a), F.distributions.klDivergence(c, d), c.mode];`,
      ),
      { l: { shape: [2, C], data: logits }, w: { shape: [2, C], data: weights }, a: { shape: [2], data: a } },
    );
    const rows = (xs: number[]) => [xs.slice(0, C), xs.slice(C)];
    const logSoftmax = (r: number[]) => {
      const m = Math.max(...r);
      const lse = m + Math.log(r.reduce((s, x) => s + Math.exp(x - m), 0));
      return r.map((x) => x - lse);
    };
    const lc = rows(logits).map(logSoftmax);
    const pd = rows(weights).map((r) => r.map((x) => x / r.reduce((s, y) => s + y, 0)));
    close(out[0], a.map((k, n) => lc[n][k]));
    close(out[1], lc.map((r) => -r.reduce((s, x) => s + Math.exp(x) * x, 0)));
    close(out[2], lc.flat().map(Math.exp));
    close(out[3], lc.flat());
    close(out[4], pd.flat());
    close(out[5], a.map((k, n) => Math.log(pd[n][k])));
    close(out[6], lc.map((r, n) => r.reduce((s, x, k) => s + Math.exp(x) * (x - Math.log(pd[n][k])), 0)));
    expect(out[7]).toEqual(lc.map((r) => r.indexOf(Math.max(...r))));
  });

  it("Categorical with a zero probability: entropy without NaN, KL +∞ where q has no mass and 0 where p has none", () => {
    const out = run(
      model(
        `p: Tensor<[Batch, 3]>, q: Tensor<[Batch, 3]>`,
        `const P = new F.distributions.Categorical(p), Q = new F.distributions.Categorical({ probs: q });
    return [P.entropy(), F.distributions.klDivergence(P, Q)];`,
      ),
      { p: { shape: [2, 3], data: [0.5, 0.5, 0, 0, 0.25, 0.75] }, q: { shape: [2, 3], data: [0.2, 0.3, 0.5, 0.5, 0, 0.5] } },
    );
    close(out[0], [Math.log(2), -(0.25 * Math.log(0.25) + 0.75 * Math.log(0.75))]);
    close(out[1], [0.5 * Math.log(0.5 / 0.2) + 0.5 * Math.log(0.5 / 0.3), Infinity]);
  });

  it("Bernoulli: logProb (−BCE with logits), entropy, mean and variance, KL, from probs or logits", () => {
    const [l, v] = [values(5, 2), values(6).map((x) => (x > 0 ? 1 : 0))];
    const out = run(
      model(
        `l: Tensor<[Batch, ${N}]>, v: Tensor<[Batch, ${N}]>`,
        `const b = new F.distributions.Bernoulli({ logits: l }), c = new F.distributions.Bernoulli(l.mul(0.5).sigmoid());
    return [b.logProb(v), b.entropy(), b.mean, b.variance, F.distributions.klDivergence(b, c), c.logits];`,
      ),
      { l: { shape: [2, N], data: l }, v: { shape: [2, N], data: v } },
    );
    const p = l.map((x) => 1 / (1 + Math.exp(-x)));
    const q = l.map((x) => 1 / (1 + Math.exp(-x / 2)));
    close(out[0], v.map((x, i) => x * Math.log(p[i]) + (1 - x) * Math.log(1 - p[i])));
    close(out[1], p.map((x) => -(x * Math.log(x) + (1 - x) * Math.log(1 - x))));
    close(out[2], p);
    close(out[3], p.map((x) => x * (1 - x)));
    close(out[4], p.map((x, i) => x * Math.log(x / q[i]) + (1 - x) * Math.log((1 - x) / (1 - q[i]))));
    // probs_to_logits: log p − log(1 − p) (p is inside [ε, 1 − ε] here)
    close(out[5], l.map((x) => x / 2), 6);
    expect(softplus(0)).toBeCloseTo(Math.log(2), 15);
  });

  it("Uniform: logProb −log(high − low) inside [low, high) and −∞ outside, entropy, moments, cdf, KL", () => {
    const out = run(
      model(
        `lo: Tensor<[Batch, 1]>, v: Tensor<[Batch, 3]>`,
        `const u = new F.distributions.Uniform(lo, lo.add(2));
    return [u.logProb(v), u.entropy(), u.mean, u.variance, u.cdf(v), F.distributions.klDivergence(u, new F.distributions.Uniform(-1, 3))];`,
      ),
      { lo: { shape: [2, 1], data: [0, -2] }, v: { shape: [2, 3], data: [0, 1.5, 2, -2.5, -2, -0.1] } },
    );
    close(out[0], [-Math.log(2), -Math.log(2), -Infinity, -Infinity, -Math.log(2), -Math.log(2)]);
    close(out[1], [Math.log(2), Math.log(2)]);
    close(out[2], [1, -1]);
    close(out[3], [4 / 12, 4 / 12]);
    close(out[4], [0, 0.75, 1, 0, 0, 0.95]);
    // [0, 2) inside [−1, 3): log 4/2; [−2, 0) is not: +∞
    close(out[5], [Math.log(2), Infinity]);
  });

  it("Independent sums the base's last dims: logProb, entropy and KL of a diagonal Gaussian", () => {
    const [mu, ls, v] = [values(7), values(8, 0.3), values(9)];
    const out = run(
      model(
        `mu: Tensor<[Batch, ${N}]>, ls: Tensor<[Batch, ${N}]>, v: Tensor<[Batch, ${N}]>`,
        `const base = new F.distributions.Normal(mu, ls.exp());
    const d = new F.distributions.Independent(base, 1);
    const prior = new F.distributions.Independent(new F.distributions.Normal(F.zerosLike(mu), F.onesLike(mu)), 1);
    return [d.logProb(v), base.logProb(v).sum(-1), d.entropy(), base.entropy().sum(-1), F.distributions.klDivergence(d, prior), F.distributions.klDivergence(base, prior.baseDist).sum(-1)];`,
      ),
      { mu: { shape: [2, N], data: mu }, ls: { shape: [2, N], data: ls }, v: { shape: [2, N], data: v } },
    );
    close(out[0], out[1], 13);
    close(out[2], out[3], 13);
    close(out[4], out[5], 13);
    const kl0 = mu.slice(0, N).reduce((s, m, i) => s + (-ls[i] + (Math.exp(2 * ls[i]) + m * m) / 2 - 0.5), 0);
    expect(out[4][0]).toBeCloseTo(kl0, 12);
  });
});

/** A 3×3 matrix's determinant and inverse by cofactors: independent of the Cholesky factor tsdp unrolls. */
function det3(m: number[][]): number {
  return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
}
function inverse3(m: number[][]): number[][] {
  const d = det3(m);
  const c = (i: number, j: number) => {
    const r = [0, 1, 2].filter((k) => k !== i);
    const s = [0, 1, 2].filter((k) => k !== j);
    return ((i + j) % 2 ? -1 : 1) * (m[r[0]][s[0]] * m[r[1]][s[1]] - m[r[0]][s[1]] * m[r[1]][s[0]]);
  };
  return [0, 1, 2].map((i) => [0, 1, 2].map((j) => c(j, i) / d));
}
const quadForm = (inv: number[][], d: number[]) => d.reduce((s, di, i) => s + di * d.reduce((t, dj, j) => t + inv[i][j] * dj, 0), 0);

describe("torch.distributions.OneHotCategorical and OneHotCategoricalStraightThrough (DreamerV2's latents)", () => {
  it("logProb of one-hot rows, entropy, moments and KL are the Categorical's; Independent over the category groups sums them", () => {
    const C = 3;
    const logits = Array.from({ length: 4 * C }, (_, i) => Math.cos(i * 0.61) * 1.5);
    const q = Array.from({ length: 4 * C }, (_, i) => Math.sin(i * 0.37) * 1.2);
    const a = [2, 0, 1, 1];
    const out = run(
      model(
        `l: Tensor<[Batch, 2, ${C}]>, q: Tensor<[Batch, 2, ${C}]>, a: Tensor<[Batch, 2], "int32">`,
        `const { OneHotCategorical, OneHotCategoricalStraightThrough, Categorical, Independent, klDivergence } = F.distributions;
    const p = new OneHotCategorical({ logits: l });
    const st = new F.distributions.one_hot_categorical.OneHotCategoricalStraightThrough({ logits: q });
    const c = new Categorical({ logits: l });
    const v = F.oneHot(a, ${C}).float();
    const ip = new Independent(new OneHotCategoricalStraightThrough({ logits: l }), 1);
    const iq = new Independent(st, 1);
    return [p.logProb(v), c.logProb(a), p.entropy(), c.entropy(), klDivergence(p, st), klDivergence(c, new Categorical({ logits: q })), klDivergence(ip, iq), p.mean, p.variance, p.mode, c.mode, ip.logProb(v), l.sum(-1).mul(0).add(st.event_shape[0] * 10 + p.batchShape.length)];`,
      ),
      { l: { shape: [2, 2, C], data: logits }, q: { shape: [2, 2, C], data: q }, a: { shape: [2, 2], data: a } },
    );
    close(out[0], out[1], 13);
    close(out[2], out[3], 13);
    close(out[4], out[5], 13);
    close(out[6], [out[5][0] + out[5][1], out[5][2] + out[5][3]], 13);
    const probs = [0, 1, 2, 3].flatMap((r) => {
      const e = logits.slice(r * C, r * C + C).map(Math.exp);
      return e.map((x) => x / e.reduce((s, y) => s + y, 0));
    });
    close(out[7], probs);
    close(out[8], probs.map((x) => x * (1 - x)));
    close(out[9], out[10].flatMap((k) => [0, 1, 2].map((j) => (j === k ? 1 : 0))));
    close(out[11], [out[1][0] + out[1][1], out[1][2] + out[1][3]], 13);
    expect(out[12]).toEqual([32, 32, 32, 32]); // event shape [3], batch shape [Batch, 2]
  });

  it("sample gives one-hot rows with the probabilities' frequencies; rsample the same values (sample + probs − probs.detach()); OneHotCategorical has no rsample", () => {
    const B = 3000;
    const probs = [0.2, 0.5, 0.3];
    const out = run(
      model(`x: Tensor<[Batch, 3]>`, `const p = x.mul(0).add(F.tensor([${probs}]));
    return [new F.distributions.OneHotCategorical(p).sample(), new F.distributions.OneHotCategoricalStraightThrough({ probs: p }).rsample()];`),
      { x: { shape: [B, 3], data: new Array(3 * B).fill(1) } },
    );
    for (const draws of out) {
      for (let r = 0; r < B; r++) {
        const row = draws.slice(3 * r, 3 * r + 3);
        expect(row.filter((v) => Math.abs(v - 1) < 1e-12).length).toBe(1);
        expect(row.filter((v) => Math.abs(v) < 1e-12).length).toBe(2);
      }
      probs.forEach((p, k) => {
        const f = draws.filter((v, i) => i % 3 === k && v > 0.5).length / B;
        expect(Math.abs(f - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / B));
      });
    }
    expect(first(model(`x: Tensor<[Batch, 3]>`, "return new F.distributions.OneHotCategorical({ logits: x }).rsample();"))).toMatch(/^TSDP2011 4: F.distributions.OneHotCategorical has no 'rsample' in tsdp/);
  });
});

describe("torch.distributions.MultivariateNormal: the Cholesky factor and its solves unrolled", () => {
  // two SPD covariances with float32-exact entries (F.tensor's constants are float32); A's factor given as scale_tril must give the same distribution
  const A = [[2, 0.625, -0.375], [0.625, 1.5, 0.25], [-0.375, 0.25, 1.25]];
  const B = [[1, 0.25, 0], [0.25, 0.75, -0.125], [0, -0.125, 2.5]];
  const mu = [0.3, -0.2, 0.5, 1.1, 0.4, -0.7];
  const v = [1.2, 0.1, -0.3, 0.2, 0.9, 0.4];
  const logpdf = (S: number[][], m: number[], x: number[]) => -0.5 * (3 * Math.log(2 * Math.PI) + quadForm(inverse3(S), x.map((xi, i) => xi - m[i]))) - 0.5 * Math.log(det3(S));
  const outputs = () => run(
    model(
      `mu: Tensor<[Batch, 3]>, v: Tensor<[Batch, 3]>`,
      `const { MultivariateNormal, klDivergence } = F.distributions;
    const p = new MultivariateNormal(mu, F.tensor(${JSON.stringify(A)}));
    const q = new F.distributions.multivariate_normal.MultivariateNormal(F.zerosLike(mu).add(0.25), { covarianceMatrix: F.tensor(${JSON.stringify(B)}) });
    const pt = new MultivariateNormal({ loc: mu, scaleTril: p.scale_tril });
    const diag = new MultivariateNormal(mu, F.diagEmbed(v.exp()));
    return [p.logProb(v), p.entropy(), klDivergence(p, q), pt.logProb(v), p.scaleTril.matmul(p.scaleTril.t()).add(mu.unsqueeze(-1).mul(0)), p.variance, diag.logProb(v), q.stddev];`,
    ),
    { mu: { shape: [2, 3], data: mu }, v: { shape: [2, 3], data: v } },
  );

  it("logProb, entropy, KL, variance against the formulas with the inverse and determinant by cofactors", () => {
    const out = outputs();
    const rows = (x: number[]) => [x.slice(0, 3), x.slice(3)];
    close(out[0], rows(v).map((x, r) => logpdf(A, rows(mu)[r], x)));
    close(out[1], [0, 1].map(() => 1.5 * (1 + Math.log(2 * Math.PI)) + 0.5 * Math.log(det3(A))));
    // KL(p ‖ q) = ½(tr(B⁻¹A) + (μq − μp)ᵀB⁻¹(μq − μp) − 3 + log|B|/|A|)
    const Bi = inverse3(B);
    const trace = [0, 1, 2].reduce((s, i) => s + [0, 1, 2].reduce((t, k) => t + Bi[i][k] * A[k][i], 0), 0);
    close(out[2], rows(mu).map((m) => 0.5 * (trace + quadForm(Bi, m.map((x) => 0.25 - x)) - 3 + Math.log(det3(B) / det3(A)))));
    close(out[3], out[0], 13);
    close(out[4], [...A.flat(), ...A.flat()]);
    close(out[5], [...A.map((r, i) => r[i]), ...A.map((r, i) => r[i])]);
    // a diagonal covariance from diag_embed (PPO-PyTorch's): the sum of the per-dim Normals' log-densities
    close(out[6], rows(v).flatMap((x, r) => [x.reduce((s, xi, i) => s + (-((xi - rows(mu)[r][i]) ** 2) / (2 * Math.exp(xi)) - 0.5 * xi - 0.5 * Math.log(2 * Math.PI)), 0)]));
    close(out[7], [0, 1].flatMap(() => B.map((r, i) => Math.sqrt(r[i]))));
  });

  it("rsample is loc + L·ε: the draws' mean and covariance, and gradients through the unrolled factor", () => {
    const n = 4000;
    const draws = run(
      model(`x: Tensor<[Batch, 3]>`, `return new F.distributions.MultivariateNormal(x.mul(0).add(F.tensor([1, -1, 0.5])), F.tensor(${JSON.stringify(A)})).rsample();`),
      { x: { shape: [n, 3], data: new Array(3 * n).fill(0) } },
    )[0];
    const col = (k: number) => draws.filter((_, i) => i % 3 === k);
    const means = [0, 1, 2].map((k) => col(k).reduce((s, x) => s + x, 0) / n);
    [1, -1, 0.5].forEach((m, k) => expect(Math.abs(means[k] - m)).toBeLessThan(5 * Math.sqrt(A[k][k] / n)));
    for (const [i, j] of [[0, 0], [0, 1], [0, 2], [1, 2], [2, 2]]) {
      const cov = col(i).reduce((s, x, r) => s + (x - means[i]) * (col(j)[r] - means[j]), 0) / n;
      // the standard error of a sample covariance: √((Aᵢᵢ·Aⱼⱼ + Aᵢⱼ²)/n)
      expect(Math.abs(cov - A[i][j])).toBeLessThan(5 * Math.sqrt((A[i][i] * A[j][j] + A[i][j] ** 2) / n));
    }
    expect(
      gradCheck(`export class M extends nn.Module {
  fc = new nn.Linear(3, 6);
  forward(x: Tensor<[Batch, 3]>) {
    const h = this.fc(x);
    const m = h.index(":", ":3");
    const s = h.index(":", "3:").exp();
    const cov = F.diagEmbed(s).add(m.unsqueeze(-1).mul(m.unsqueeze(-2)).mul(0.1));
    const p = new F.distributions.MultivariateNormal(m, cov);
    return [p.logProb(x), p.entropy(), p.rsample(), F.distributions.klDivergence(p, new F.distributions.MultivariateNormal(x, F.eye(3)))];
  }
}
`).checked,
    ).toBeGreaterThan(10);
  });

  it("says why for no or two matrices, precision_matrix, a mismatched matrix and a large event", () => {
    const x = `x: Tensor<[Batch, 3]>`;
    expect(first(model(x, "return new F.distributions.MultivariateNormal(x).entropy();"))).toMatch(/^TSDP3004 4: F.distributions.MultivariateNormal: pass exactly one of covariance_matrix, precision_matrix and scale_tril, not none/);
    expect(first(model(x, "return new F.distributions.MultivariateNormal(x, { precisionMatrix: F.eye(3) }).entropy();"))).toMatch(/^TSDP2001 4: .*precision_matrix needs the Cholesky factor of its inverse/);
    expect(first(model(x, "return new F.distributions.MultivariateNormal(x, F.eye(2)).entropy();"))).toMatch(/^TSDP4001 4: .*covarianceMatrix must be \[\.\.\., 3, 3\]/);
    expect(first(model(`x: Tensor<[Batch, 20]>`, "return new F.distributions.MultivariateNormal(x, F.eye(20)).entropy();"))).toMatch(/^TSDP2001 4: .*up to 16 dims.*Independent\(new Normal/);
  });
});

describe("torch.distributions: draws", () => {
  const B = 3000;
  const meanVar = (xs: number[]) => {
    const m = xs.reduce((s, x) => s + x, 0) / xs.length;
    return [m, xs.reduce((s, x) => s + (x - m) ** 2, 0) / xs.length];
  };

  it("Normal.rsample is loc + scale·ε with ε standard normal; Uniform.rsample lies in [low, high) with its mean", () => {
    const out = run(
      model(`x: Tensor<[Batch, 2]>`, `const q = new F.distributions.Normal(x.index(":", 0), x.index(":", 1).exp());
    const u = new F.distributions.Uniform(-1, F.fullLike(x.index(":", 0), 3));
    return [q.rsample().sub(q.loc).div(q.scale), u.rsample(), q.sample([2]).mean(0)];`),
      { x: { shape: [B, 2], data: Array.from({ length: 2 * B }, (_, i) => Math.sin(i)) } },
    );
    const [m, v] = meanVar(out[0]);
    // standard errors: 1/√B for the mean, √(2/B) for the variance
    expect(Math.abs(m)).toBeLessThan(5 / Math.sqrt(B));
    expect(Math.abs(v - 1)).toBeLessThan(5 * Math.sqrt(2 / B));
    expect(Math.min(...out[1])).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...out[1])).toBeLessThan(3);
    const [um, uv] = meanVar(out[1]);
    expect(Math.abs(um - 1)).toBeLessThan(5 * Math.sqrt(16 / 12 / B));
    expect(Math.abs(uv - 16 / 12)).toBeLessThan(0.1);
  });

  it("Categorical.sample, F.multinomial (with and without replacement) and Bernoulli.sample follow their probabilities", () => {
    const probs = [0.1, 0.6, 0, 0.3];
    const out = run(
      model(`x: Tensor<[Batch, 4]>`, `const p = x.mul(0).add(F.tensor([${probs}]));
    return [new F.distributions.Categorical(p).sample(), F.multinomial(p, 3), F.multinomial(p, 5, true), new F.distributions.Bernoulli(p).sample()];`),
      { x: { shape: [B, 4], data: new Array(4 * B).fill(1) } },
    );
    const freq = (xs: number[], k: number) => xs.filter((x) => x === k).length / xs.length;
    const within = (f: number, p: number, n: number) => expect(Math.abs(f - p)).toBeLessThanOrEqual(5 * Math.sqrt((p * (1 - p)) / n) + 1e-12);
    probs.forEach((p, k) => within(freq(out[0], k), p, B));
    probs.forEach((p, k) => within(freq(out[2], k), p, 5 * B));
    // without replacement: three distinct categories a row, never the one of probability 0 (all three others)
    for (let n = 0; n < B; n++) expect([...out[1].slice(3 * n, 3 * n + 3)].sort()).toEqual([0, 1, 3]);
    // the first draw without replacement is a draw: category k first with probability p_k
    probs.forEach((p, k) => within(freq(out[1].filter((_, i) => i % 3 === 0), k), p, B));
    probs.forEach((p, k) => within(out[3].filter((_, i) => i % 4 === k).reduce((s, x) => s + x, 0) / B, p, B));
  });

  it("rsample's gradient reaches loc and scale; sample's, log-probabilities' and KL's as autodiff computes them", () => {
    expect(
      gradCheck(`export class M extends nn.Module {
  fc = new nn.Linear(3, 4);
  forward(x: Tensor<[Batch, 3]>, a: Tensor<[Batch], "int32">) {
    const [mu, ls] = this.fc(x).chunk(2, -1);
    const q = new F.distributions.Normal(mu, ls.exp());
    const z = q.rsample();
    const c = new F.distributions.Categorical({ logits: this.fc(x) });
    const b = new F.distributions.Independent(new F.distributions.Bernoulli({ logits: mu }), 1);
    return [z, q.logProb(x.index(":", ":2")), q.entropy(), F.distributions.klDivergence(q, new F.distributions.Normal(0, 1)), c.logProb(a), c.entropy(), b.logProb(x.index(":", ":2").gt(0).float()), b.entropy()];
  }
}
`, { intLimit: 3 }).checked,
    ).toBeGreaterThan(20);
    // sample() is detached (PyTorch's no_grad draw); rsample() is not
    const tracks = (method: string) =>
      run(model(`x: Tensor<[Batch, 3]>`, `return new F.distributions.Normal(x.mul(this.w), 1).${method}().requiresGrad ? x.add(100) : x.sub(100);`).replace("forward(", "w = new nn.Parameter(F.ones([3]));\n  forward("), { x: { shape: [1, 3], data: [0, 0, 0] } })[0][0] > 0;
    expect(tracks("sample")).toBe(false);
  });
});

describe("a class extending a distribution (ikostrikov's PPO: FixedCategorical, FixedNormal, FixedBernoulli)", () => {
  // its own methods override the distribution's, super.logProb reaches the base's, the members it
  // leaves alone are the base's, KL dispatches to the base's pair and instanceof sees the base class
  const src = `const { Categorical, Normal, Bernoulli } = F.distributions;
class FixedCategorical extends Categorical {
  sample() {
    return super.sample().unsqueeze(-1);
  }
  log_probs(actions: Tensor) {
    return super.log_prob(actions.squeeze(-1)).view(actions.size(0), -1).sum(-1).unsqueeze(-1);
  }
  mode() {
    return this.probs.argmax(-1, true);
  }
}
class FixedNormal extends Normal {
  constructor(loc: Tensor, scale: Tensor) {
    super(loc, scale);
  }
  log_probs(actions: Tensor) {
    return super.log_prob(actions).sum(-1, true);
  }
  entropy() {
    return super.entropy().sum(-1);
  }
  mode() {
    return this.mean;
  }
}
class FixedBernoulli extends Bernoulli {
  entropy() {
    return super.entropy().sum(-1);
  }
  mode() {
    return this.probs.gt(0.5).float();
  }
}
export class M extends nn.Module {
  forward(l: Tensor<[Batch, 3]>, a: Tensor<[Batch, 1], "int32">, mu: Tensor<[Batch, 2]>, v: Tensor<[Batch, 2]>) {
    const c = new FixedCategorical({ logits: l });
    const n = new FixedNormal(mu, mu.exp());
    const b = new FixedBernoulli({ logits: mu });
    const kinds = (c instanceof Categorical ? 1 : 0) + (n instanceof Normal ? 2 : 0) + (n instanceof Categorical ? 4 : 0) + (new Normal(mu, 1) instanceof Normal ? 8 : 0);
    return [c.log_probs(a), c.entropy(), c.mode().float(), c.sample().float().mul(0), n.log_probs(v), n.entropy(), n.mode(), F.distributions.klDivergence(n, new Normal(0, 1)), b.entropy(), b.mode(), b.logProb(v.gt(0).float()), l.select(1, 0).mul(0).add(kinds)];
  }
}
`;
  const [l, mu, v] = [[0.3, -1, 2, 1.5, 0, -0.5], [0.2, -0.4, 0.1, 0.3], [0.5, -1, 1, 0.25]];
  const a = [2, 0];

  it("computes the overrides, the base's members and KL as PyTorch would, and instanceof answers for the base class", () => {
    const out = run(src, { l: { shape: [2, 3], data: l }, a: { shape: [2, 1], data: a }, mu: { shape: [2, 2], data: mu }, v: { shape: [2, 2], data: v } });
    const rows = [l.slice(0, 3), l.slice(3)].map((r) => {
      const lse = Math.log(r.reduce((s, x) => s + Math.exp(x), 0));
      return r.map((x) => x - lse);
    });
    close(out[0], a.map((k, n) => rows[n][k]));
    close(out[1], rows.map((r) => -r.reduce((s, x) => s + Math.exp(x) * x, 0)));
    expect(out[2]).toEqual(rows.map((r) => r.indexOf(Math.max(...r))));
    expect(out[3]).toEqual([0, 0]);
    const s = mu.map(Math.exp);
    const logpdf = (x: number, m: number, sd: number) => -((x - m) ** 2) / (2 * sd * sd) - Math.log(sd) - 0.5 * Math.log(2 * Math.PI);
    close(out[4], [0, 1].map((n) => logpdf(v[2 * n], mu[2 * n], s[2 * n]) + logpdf(v[2 * n + 1], mu[2 * n + 1], s[2 * n + 1])));
    close(out[5], [0, 1].map((n) => 1 + Math.log(2 * Math.PI) + Math.log(s[2 * n]) + Math.log(s[2 * n + 1])));
    close(out[6], mu);
    // KL(N(μ, σ²) ‖ N(0, 1)), per element: the base's pair, the override of entropy not used
    close(out[7], mu.map((m, i) => -Math.log(s[i]) + (s[i] * s[i] + m * m) / 2 - 0.5));
    const p = mu.map((x) => 1 / (1 + Math.exp(-x)));
    const h = p.map((q) => -(q * Math.log(q) + (1 - q) * Math.log(1 - q)));
    close(out[8], [h[0] + h[1], h[2] + h[3]]);
    expect(out[9]).toEqual(p.map((q) => (q > 0.5 ? 1 : 0)));
    close(out[10], v.map((x, i) => (x > 0 ? Math.log(p[i]) : Math.log(1 - p[i]))));
    expect(out[11]).toEqual([11, 11]);
  });

  it("says why for Independent over a subclass that overrides what Independent calls, and for a member neither has", () => {
    const independent = src.replace("const kinds =", "const ind = new F.distributions.Independent(n, 1);\n    const kinds =");
    expect(first(independent)).toMatch(/^TSDP2001 \d+: F.distributions.Independent: the base distribution, an instance of FixedNormal, overrides entropy and mode, which tsdp's Independent would not call/);
    expect(first(src.replace("c.entropy()", "c.perplexity()"))).toMatch(/^TSDP2011 \d+: F.distributions.Categorical has no 'perplexity' in tsdp/);
  });
});

describe("TransformedDistribution and the transforms (SAC's squashed Gaussian)", () => {
  const atanh = (y: number) => 0.5 * Math.log((1 + y) / (1 - y));
  const logNormal = (x: number, m: number, sd: number) => -((x - m) ** 2) / (2 * sd * sd) - Math.log(sd) - 0.5 * Math.log(2 * Math.PI);
  // log|d tanh(x)/dx| = log(1 − tanh²x), in PyTorch's stable form
  const logTanhJacobian = (x: number) => 2 * (Math.log(2) - x - Math.log1p(Math.exp(-2 * x)));
  const mu = [0.3, -0.7, 20, -1.2];

  it("CORL's TransformedDistribution(Normal, TanhTransform(cache_size=1)): logProb of its rsample inverts through the cache, finite where tanh saturates; without the cache atanh(±1) is not", () => {
    const src = model(
      `mu: Tensor<[Batch, 2]>`,
      `const { Normal, TransformedDistribution } = F.distributions;
    const d = new TransformedDistribution(new Normal(mu, 0.5), new F.distributions.transforms.TanhTransform({ cacheSize: 1 }));
    const a = d.rsample();
    const plain = new TransformedDistribution(new Normal(mu, 0.5), [new F.distributions.transforms.TanhTransform()]);
    const signs = d.transforms[0].sign === 1 && new F.distributions.transforms.AffineTransform(0, -2).sign === -1;
    return [a, d.log_prob(a), plain.logProb(a), d.transforms[0](mu), d.batch_shape.length === 2 && d.eventShape.length === 0 && signs ? a.mul(0) : a];`,
    );
    const out = run(src, { mu: { shape: [2, 2], data: mu } });
    const a = out[0];
    expect(a.every((v) => Math.abs(v) <= 1)).toBe(true);
    // the draw saturates where μ = 20: tanh(20 + 0.5ε) is 1 in float64, whose atanh is +∞
    expect(a[2]).toBe(1);
    a.forEach((y, i) => {
      if (i === 2) return;
      expect(out[1][i], `element ${i}`).toBeCloseTo(logNormal(atanh(y), mu[i], 0.5) - logTanhJacobian(atanh(y)), 6);
      expect(out[2][i], `element ${i}`).toBeCloseTo(out[1][i], 6);
    });
    expect(Number.isFinite(out[1][2])).toBe(true);
    expect(Number.isFinite(out[2][2])).toBe(false);
    close(out[3], mu.map(Math.tanh));
    expect(out[4].every((z) => z === 0)).toBe(true);
  });

  it("AffineTransform with an event dim and ExpTransform: logProb of given values, the event shape, PyTorch's sums", () => {
    const v = [0.5, 1.5, 2.5, 0.25];
    const src = model(
      `mu: Tensor<[Batch, 2]>, v: Tensor<[Batch, 2]>`,
      `const { Normal, TransformedDistribution, transforms } = F.distributions;
    const d = new TransformedDistribution(new Normal(mu, 1), [new transforms.ExpTransform(), new transforms.AffineTransform(1, F.tensor([2, 3]), { eventDim: 1 })]);
    const s = new TransformedDistribution(new Normal(mu, 1), new transforms.SigmoidTransform());
    return [d.logProb(v), d.eventShape.length === 1 ? v.select(1, 0) : v.select(1, 1), s.logProb(v.mul(0.2)), s.sample().sub(0.5).abs().lt(0.5).float()];`,
    );
    const out = run(src, { mu: { shape: [2, 2], data: mu }, v: { shape: [2, 2], data: v } });
    const scale = [2, 3];
    // y = 1 + scale·exp(x): x = log((y − 1)/scale); log p = Σ_event [log N(x) − x − log scale]
    close(
      out[0],
      [0, 1].map((n) => [0, 1].reduce((sum, k) => {
        const x = Math.log((v[2 * n + k] - 1) / scale[k]);
        return sum + logNormal(x, mu[2 * n + k], 1) - x - Math.log(scale[k]);
      }, 0)),
      9,
    );
    expect(out[1]).toEqual([v[0], v[2]]);
    // y = σ(x): x = logit(y); log p = log N(x) + softplus(−x) + softplus(x)
    const sp = (z: number) => Math.log1p(Math.exp(z));
    close(out[2], v.map((y, i) => {
      const x = Math.log(0.2 * y) - Math.log1p(-0.2 * y);
      return logNormal(x, mu[i], 1) + sp(-x) + sp(x);
    }), 9);
    expect(out[3]).toEqual([1, 1, 1, 1]);
  });

  it("pytorch_sac's own TanhTransform(Transform) and SquashedNormal(TransformedDistribution): its _call, _inverse and log_abs_det_jacobian, its cache, its mean", () => {
    const src = `const pyd = F.distributions;
class TanhTransform extends pyd.transforms.Transform {
  static domain = pyd.constraints.real;
  static codomain = pyd.constraints.interval(-1.0, 1.0);
  static bijective = true;
  static sign = +1;
  constructor(cache_size = 1) {
    super(cache_size);
  }
  static atanh(x: Tensor) {
    return x.log1p().sub(x.neg().log1p()).mul(0.5);
  }
  _call(x: Tensor) {
    return x.tanh();
  }
  _inverse(y: Tensor) {
    return TanhTransform.atanh(y);
  }
  log_abs_det_jacobian(x: Tensor, y: Tensor) {
    return F.softplus(x.mul(-2)).add(x).sub(Math.log(2)).mul(-2);
  }
}
class SquashedNormal extends pyd.transformed_distribution.TransformedDistribution {
  loc: Tensor;
  constructor(loc: Tensor, scale: Tensor | number) {
    super(new pyd.Normal(loc, scale), [new TanhTransform()]);
    this.loc = loc;
  }
  get mean() {
    let mu = this.loc;
    for (const tr of this.transforms) mu = tr(mu);
    return mu;
  }
}
export class M extends nn.Module {
  forward(mu: Tensor<[Batch, 2]>, v: Tensor<[Batch, 2]>) {
    const d = new SquashedNormal(mu, 0.5);
    const a = d.rsample();
    return [a, d.log_prob(a).sum(-1, true), d.mean, new SquashedNormal(mu, 0.5).logProb(v), d.transforms[0].inv(v)];
  }
}
`;
    const v = [0.5, -0.25, 0.75, 0.1];
    const out = run(src, { mu: { shape: [2, 2], data: mu }, v: { shape: [2, 2], data: v } });
    const a = out[0];
    expect(a[2]).toBe(1);
    // the saturated element's log-probability is finite through the cache; the others as the formula of atanh(a)
    const logp = a.map((y, i) => (i === 2 ? NaN : logNormal(atanh(y), mu[i], 0.5) - logTanhJacobian(atanh(y))));
    expect(Number.isFinite(out[1][1])).toBe(true);
    expect(out[1][0]).toBeCloseTo(logp[0] + logp[1], 6);
    close(out[2], mu.map(Math.tanh));
    close(out[3], v.map((y, i) => logNormal(atanh(y), mu[i], 0.5) - logTanhJacobian(atanh(y))), 9);
    close(out[4], v.map(atanh));
  });

  it("KL of two squashed Gaussians with the same transforms is their bases' (PyTorch's _kl_transformed_transformed); other transforms are refused", () => {
    const src = model(
      `mu: Tensor<[Batch, 2]>`,
      `const { Normal, TransformedDistribution, transforms, klDivergence } = F.distributions;
    const p = new TransformedDistribution(new Normal(mu, 0.5), new transforms.TanhTransform());
    const q = new TransformedDistribution(new Normal(0, 1), [new transforms.TanhTransform({ cacheSize: 1 })]);
    return klDivergence(p, q);`,
    );
    const out = run(src, { mu: { shape: [2, 2], data: mu } });
    close(out[0], mu.map((m) => -Math.log(0.5) + (0.25 + m * m) / 2 - 0.5));
    expect(first(src.replace("[new transforms.TanhTransform({ cacheSize: 1 })]", "[new transforms.ExpTransform()]"))).toMatch(/^TSDP3004 \d+: F.distributions.klDivergence: the KL divergence of two TransformedDistributions needs the same transforms/);
  });

  it("says why for a transform's mean, a Transform with no _call, and a transform that is none", () => {
    const x = `x: Tensor<[Batch, 4]>`;
    const { Normal, TD, T } = { Normal: "new F.distributions.Normal(x, 1)", TD: "F.distributions.TransformedDistribution", T: "F.distributions.transforms" };
    expect(first(model(x, `return new ${TD}(${Normal}, new ${T}.TanhTransform()).mean;`))).toMatch(/^TSDP2011 4: F.distributions.TransformedDistribution has no 'mean' in tsdp/);
    expect(first(model(x, `return new ${TD}(${Normal}, new ${T}.Transform()).rsample();`))).toMatch(/^TSDP2011 4: F.distributions.transforms.Transform._call is not defined: a class extending Transform defines _call/);
    expect(first(model(x, `return new ${TD}(${Normal}, [x]).rsample();`))).toMatch(/^TSDP3003 4: F.distributions.TransformedDistribution: transforms must be a transform or a list of them/);
    expect(first(model(x, `return new ${TD}(${Normal}, new ${T}.TanhTransform({ cacheSize: 2 })).rsample();`))).toMatch(/^TSDP3004 4: .*cacheSize must be 0 or 1/);
  });
});

describe("MixtureSameFamily (a mixture density network's head)", () => {
  it("logProb is logsumexp of the mixture's log-weights and each component's log-probability; mean and variance; a draw is one component's", () => {
    // two samples, three components of a 2-D diagonal Gaussian each
    const [K, E] = [3, 2];
    const logits = [0.2, -1, 0.5, 1.5, 0, -0.3];
    const mu = Array.from({ length: 2 * K * E }, (_, i) => Math.sin(i * 1.7) * 2);
    const ls = Array.from({ length: 2 * K * E }, (_, i) => Math.cos(i * 0.9) * 0.4);
    const v = [0.3, -0.8, 1.1, 0.4];
    const src = model(
      `logits: Tensor<[Batch, ${K}]>, mu: Tensor<[Batch, ${K}, ${E}]>, ls: Tensor<[Batch, ${K}, ${E}]>, v: Tensor<[Batch, ${E}]>`,
      `const { Categorical, Normal, Independent, MixtureSameFamily } = F.distributions;
    const gmm = new MixtureSameFamily(new Categorical({ logits }), new Independent(new Normal(mu, ls.exp()), 1));
    const s = gmm.sample();
    // the draw is one component's: its distance to the nearest component mean, in that component's units, is that of a standard normal draw
    return [gmm.log_prob(v), gmm.mean, gmm.variance, s, gmm.mixture_distribution.probs, gmm.batchShape.length === 1 && gmm.eventShape[0] === ${E} ? v.mul(0) : v];`,
    );
    const out = run(src, { logits: { shape: [2, K], data: logits }, mu: { shape: [2, K, E], data: mu }, ls: { shape: [2, K, E], data: ls }, v: { shape: [2, E], data: v } });
    const logNormal = (x: number, m: number, sd: number) => -((x - m) ** 2) / (2 * sd * sd) - Math.log(sd) - 0.5 * Math.log(2 * Math.PI);
    const at = (n: number, k: number, e: number) => (n * K + k) * E + e;
    const weights = [0, 1].map((n) => {
      const row = logits.slice(n * K, n * K + K);
      const z = row.reduce((a, x) => a + Math.exp(x), 0);
      return row.map((x) => Math.exp(x) / z);
    });
    close(out[0], [0, 1].map((n) => Math.log(weights[n].reduce((acc, w, k) => acc + w * Math.exp(logNormal(v[n * E], mu[at(n, k, 0)], Math.exp(ls[at(n, k, 0)])) + logNormal(v[n * E + 1], mu[at(n, k, 1)], Math.exp(ls[at(n, k, 1)]))), 0))), 10);
    const mean = [0, 1].flatMap((n) => [0, 1].map((e) => weights[n].reduce((acc, w, k) => acc + w * mu[at(n, k, e)], 0)));
    close(out[1], mean);
    close(out[2], [0, 1].flatMap((n) => [0, 1].map((e) => weights[n].reduce((acc, w, k) => acc + w * (Math.exp(2 * ls[at(n, k, e)]) + (mu[at(n, k, e)] - mean[n * E + e]) ** 2), 0))));
    expect(out[3].length).toBe(2 * E);
    expect(out[3].every(Number.isFinite)).toBe(true);
    close(out[4], weights.flat());
    expect(out[5].every((z) => z === 0)).toBe(true);
  });

  it("sample follows the mixture: component frequencies and each component's spread over many draws", () => {
    // one row of 4000 draws of a two-component 1-D mixture far apart: weights 0.25 / 0.75 at −10 and 10, std 1
    const src = model(
      `x: Tensor<[Batch, 1]>`,
      `const { Categorical, Normal, MixtureSameFamily } = F.distributions;
    const gmm = new MixtureSameFamily(new Categorical({ probs: F.tensor([0.25, 0.75]) }), new Normal(F.tensor([-10, 10]).float(), 1));
    return gmm.sample([4000]).unsqueeze(0).add(x.mul(0));`,
    );
    const [draws] = run(src, { x: { shape: [1, 1], data: [0] } });
    const low = draws.filter((d) => d < 0);
    // binomial: 1000 expected, sd √(4000·0.25·0.75) ≈ 27.4; 5 standard errors
    expect(Math.abs(low.length - 1000)).toBeLessThan(5 * 27.4);
    const spread = (xs: number[], m: number) => Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / xs.length);
    expect(Math.abs(spread(low, -10) - 1)).toBeLessThan(0.15);
    expect(Math.abs(spread(draws.filter((d) => d > 0), 10) - 1)).toBeLessThan(0.1);
  });

  it("says why for a mixture that is no Categorical and components of another batch shape", () => {
    const x = `x: Tensor<[Batch, 3]>`;
    expect(first(model(x, "return new F.distributions.MixtureSameFamily(new F.distributions.Normal(x, 1), new F.distributions.Normal(x, 1)).logProb(x.select(1, 0));"))).toMatch(/^TSDP3003 4: F.distributions.MixtureSameFamily: mixtureDistribution must be a Categorical/);
    expect(first(model(x, "return new F.distributions.MixtureSameFamily(new F.distributions.Categorical({ logits: x }), new F.distributions.Normal(x.unsqueeze(-1), 1)).logProb(x);"))).toMatch(/^TSDP4001 4: F.distributions.MixtureSameFamily: the components' batch shape \[Batch, 3, 1\] must be the mixture's \[Batch\] followed by its 3 components/);
  });
});

describe("Laplace, Exponential, Gamma and Beta", () => {
  // integer concentrations, where lgamma(n) = log (n − 1)! and digamma(n) = −γ + Σ_{k<n} 1/k
  const EULER = 0.5772156649015329;
  const lgammaInt = (n: number) => Array.from({ length: n - 1 }, (_, k) => Math.log(k + 1)).reduce((a, b) => a + b, 0);
  const digammaInt = (n: number) => -EULER + Array.from({ length: n - 1 }, (_, k) => 1 / (k + 1)).reduce((a, b) => a + b, 0);

  it("logProb, entropy, moments, cdf/icdf and KL against their formulas", () => {
    const loc = [0.5, -1, 2, 0];
    const scale = [1, 0.5, 2, 1.5];
    const v = [0.75, -2, 2, 0.1];
    const a = [2, 3, 1, 4];
    const b = [1, 2, 3, 2];
    const src = model(
      `loc: Tensor<[Batch, 2]>, scale: Tensor<[Batch, 2]>, v: Tensor<[Batch, 2]>, a: Tensor<[Batch, 2]>, b: Tensor<[Batch, 2]>`,
      `const { Laplace, Exponential, Gamma, Beta, klDivergence } = F.distributions;
    const l = new Laplace(loc, scale), e = new Exponential(scale), g = new Gamma(a, b), be = new Beta(a, b);
    const u = v.sigmoid();
    return [l.logProb(v), l.entropy(), l.variance, l.cdf(v), l.icdf(l.cdf(v)), klDivergence(l, new Laplace(0, 1)),
      e.log_prob(v.abs()), e.entropy(), e.mean, e.cdf(v.abs()), klDivergence(e, new Exponential(2)),
      g.logProb(v.abs()), g.entropy(), g.mean, g.variance, klDivergence(g, new Gamma(2, 1)),
      be.logProb(u), be.entropy(), be.mean, be.variance, klDivergence(be, new Beta(2, 2))];`,
    );
    const ins = { loc, scale, v, a, b };
    const out = run(src, Object.fromEntries(Object.entries(ins).map(([k, d]) => [k, { shape: [2, 2], data: d }])));
    const idx = [0, 1, 2, 3];
    // Laplace
    close(out[0], idx.map((i) => -Math.log(2 * scale[i]) - Math.abs(v[i] - loc[i]) / scale[i]));
    close(out[1], idx.map((i) => 1 + Math.log(2 * scale[i])));
    close(out[2], idx.map((i) => 2 * scale[i] ** 2));
    const lcdf = idx.map((i) => (v[i] < loc[i] ? 0.5 * Math.exp((v[i] - loc[i]) / scale[i]) : 1 - 0.5 * Math.exp(-(v[i] - loc[i]) / scale[i])));
    close(out[3], lcdf);
    close(out[4], v, 9);
    close(out[5], idx.map((i) => -Math.log(scale[i]) + Math.abs(loc[i]) + scale[i] * Math.exp(-Math.abs(loc[i]) / scale[i]) - 1));
    // Exponential with rate = scale
    close(out[6], idx.map((i) => Math.log(scale[i]) - scale[i] * Math.abs(v[i])));
    close(out[7], idx.map((i) => 1 - Math.log(scale[i])));
    close(out[8], idx.map((i) => 1 / scale[i]));
    close(out[9], idx.map((i) => 1 - Math.exp(-scale[i] * Math.abs(v[i]))));
    close(out[10], idx.map((i) => -Math.log(2 / scale[i]) + 2 / scale[i] - 1));
    // Gamma(α = a, β = b): the density αlogβ + (α−1)log x − βx − lgamma α
    close(out[11], idx.map((i) => a[i] * Math.log(b[i]) + (a[i] - 1) * Math.log(Math.abs(v[i])) - b[i] * Math.abs(v[i]) - lgammaInt(a[i])));
    close(out[12], idx.map((i) => a[i] - Math.log(b[i]) + lgammaInt(a[i]) + (1 - a[i]) * digammaInt(a[i])));
    close(out[13], idx.map((i) => a[i] / b[i]));
    close(out[14], idx.map((i) => a[i] / b[i] ** 2));
    close(out[15], idx.map((i) => 2 * Math.log(b[i] / 1) + lgammaInt(2) - lgammaInt(a[i]) + (a[i] - 2) * digammaInt(a[i]) + (1 - b[i]) * (a[i] / b[i])));
    // Beta(α = a, β = b) of u = σ(v); α = 1 makes (α − 1)·log u an xlogy 0
    const u = v.map((x) => 1 / (1 + Math.exp(-x)));
    const lbeta = (p: number, q: number) => lgammaInt(p) + lgammaInt(q) - lgammaInt(p + q);
    close(out[16], idx.map((i) => (a[i] - 1) * Math.log(u[i]) + (b[i] - 1) * Math.log(1 - u[i]) - lbeta(a[i], b[i])));
    close(out[17], idx.map((i) => lbeta(a[i], b[i]) - (a[i] - 1) * digammaInt(a[i]) - (b[i] - 1) * digammaInt(b[i]) + (a[i] + b[i] - 2) * digammaInt(a[i] + b[i])));
    close(out[18], idx.map((i) => a[i] / (a[i] + b[i])));
    close(out[19], idx.map((i) => (a[i] * b[i]) / ((a[i] + b[i]) ** 2 * (a[i] + b[i] + 1))));
    close(out[20], idx.map((i) => lbeta(2, 2) - lbeta(a[i], b[i]) + (a[i] - 2) * digammaInt(a[i]) + (b[i] - 2) * digammaInt(b[i]) + (4 - a[i] - b[i]) * digammaInt(a[i] + b[i])));
  });

  it("LogNormal (the Normal of log x) and Poisson: logProb, entropy, moments, KL", () => {
    const [mu, sd, x, k] = [[0.2, -0.5], [0.5, 1.5], [1.3, 0.4], [0, 3]];
    const src = model(
      `mu: Tensor<[Batch, 1]>, sd: Tensor<[Batch, 1]>, x: Tensor<[Batch, 1]>, k: Tensor<[Batch, 1]>`,
      `const { LogNormal, Poisson, klDivergence } = F.distributions;
    const l = new LogNormal(mu, sd), p = new Poisson(sd.mul(2));
    return [l.logProb(x), l.entropy(), l.mean, l.variance, klDivergence(l, new LogNormal(0, 1)), p.log_prob(k), p.mean, klDivergence(p, new Poisson(1))];`,
    );
    const col = (d: number[]) => ({ shape: [2, 1], data: d });
    const out = run(src, { mu: col(mu), sd: col(sd), x: col(x), k: col(k) });
    const logNormal = (y: number, m: number, s: number) => -((y - m) ** 2) / (2 * s * s) - Math.log(s) - 0.5 * Math.log(2 * Math.PI);
    close(out[0], [0, 1].map((i) => logNormal(Math.log(x[i]), mu[i], sd[i]) - Math.log(x[i])));
    close(out[1], [0, 1].map((i) => 0.5 + 0.5 * Math.log(2 * Math.PI) + Math.log(sd[i]) + mu[i]));
    close(out[2], [0, 1].map((i) => Math.exp(mu[i] + sd[i] ** 2 / 2)));
    close(out[3], [0, 1].map((i) => (Math.exp(sd[i] ** 2) - 1) * Math.exp(2 * mu[i] + sd[i] ** 2)));
    close(out[4], [0, 1].map((i) => -Math.log(sd[i]) + (sd[i] ** 2 + mu[i] ** 2) / 2 - 0.5));
    // Poisson(λ = 2σ) of k = 0 and 3: k log λ − λ − log k!
    close(out[5], [0, 1].map((i) => k[i] * Math.log(2 * sd[i]) - 2 * sd[i] - lgammaInt(k[i] + 1)));
    close(out[6], sd.map((s) => 2 * s));
    close(out[7], sd.map((s) => 2 * s * Math.log(2 * s) - (2 * s - 1)));
  });

  it("Laplace's and Exponential's rsample follow their laws; Gamma's and Beta's draws are refused with why", () => {
    const src = model(
      `x: Tensor<[Batch, 1]>`,
      `const { Laplace, Exponential } = F.distributions;
    return [new Laplace(1, 2).rsample([4000]).unsqueeze(0).add(x.mul(0)), new Exponential(4).rsample([4000]).unsqueeze(0).add(x.mul(0))];`,
    );
    const [lap, exp] = run(src, { x: { shape: [1, 1], data: [0] } });
    const mean = (xs: number[]) => xs.reduce((s, y) => s + y, 0) / xs.length;
    // Laplace(1, 2): mean 1, sd √8 ≈ 2.83, so 5 standard errors of the mean ≈ 0.22; E|x − μ| = b = 2
    expect(Math.abs(mean(lap) - 1)).toBeLessThan(0.23);
    expect(Math.abs(mean(lap.map((y) => Math.abs(y - 1))) - 2)).toBeLessThan(0.16);
    // Exponential(4): mean 0.25, sd 0.25, non-negative
    expect(Math.abs(mean(exp) - 0.25)).toBeLessThan(5 * 0.25 / Math.sqrt(4000));
    expect(exp.every((y) => y >= 0)).toBe(true);
    expect(first(model(`x: Tensor<[Batch, 2]>`, "return new F.distributions.Beta(x.exp(), 2).sample();"))).toMatch(/^TSDP2011 4: F.distributions.Beta.sample is not in tsdp: Beta's draws come from a rejection sampler/);
    expect(first(model(`x: Tensor<[Batch, 2]>`, "return new F.distributions.Gamma(x.exp(), 2).rsample();"))).toMatch(/^TSDP2011 4: F.distributions.Gamma.rsample is not in tsdp/);
    // reached through a wrapper, a member the base lacks is refused too (it crashed the compiler: Independent's entropy of a Poisson, a Gamma component's draw)
    const D = "F.distributions";
    expect(first(model(`x: Tensor<[Batch, 2]>`, `return new ${D}.Independent(new ${D}.Poisson(x.exp()), 1).entropy();`))).toMatch(/^TSDP2011 4: F.distributions.Independent: its Poisson has no entropy in tsdp/);
    expect(first(model(`x: Tensor<[Batch, 2]>`, `return new ${D}.Independent(new ${D}.Gamma(x.exp(), 1), 1).sample();`))).toMatch(/^TSDP2011 4: F.distributions.Independent: its Gamma has no sample in tsdp/);
    expect(first(model(`x: Tensor<[Batch, 2]>`, `return new ${D}.MixtureSameFamily(new ${D}.Categorical({ logits: x }), new ${D}.Gamma(x.exp(), 1)).sample();`))).toMatch(/^TSDP2011 4: F.distributions.MixtureSameFamily: its Gamma has no sample in tsdp/);
    expect(first(model(`x: Tensor<[Batch, 2]>`, `return new ${D}.Independent(new ${D}.TransformedDistribution(new ${D}.Normal(x, 1), new ${D}.transforms.TanhTransform()), 1).mean;`))).toMatch(/^TSDP2011 4: F.distributions.Independent: its TransformedDistribution has no mean in tsdp/);
  });
});

describe("a distribution the model defines (rlkit's TanhNormal(Distribution))", () => {
  it("extends F.distributions.Distribution: its own methods over a Normal it holds, its shapes from super(…); Independent of it is refused with why", () => {
    const src = `const { Distribution, Normal } = F.distributions;
class TanhNormal extends Distribution {
  normal_mean: Tensor;
  normal_std: Tensor;
  normal: F.distributions.Normal;
  epsilon: number;
  constructor(normal_mean: Tensor, normal_std: Tensor, epsilon = 1e-6) {
    super(normal_mean.shape);
    this.normal_mean = normal_mean;
    this.normal_std = normal_std;
    this.normal = new Normal(normal_mean, normal_std);
    this.epsilon = epsilon;
  }
  log_prob(value: Tensor, pre_tanh_value: Tensor | null = null) {
    if (pre_tanh_value === null) pre_tanh_value = F.log(value.add(1).div(value.neg().add(1))).div(2);
    return this.normal.log_prob(pre_tanh_value).sub(F.log(value.mul(value).neg().add(1 + this.epsilon)));
  }
  rsample() {
    const z = this.normal_mean.add(this.normal_std.mul(new Normal(F.zerosLike(this.normal_mean), F.onesLike(this.normal_std)).sample()));
    return F.tanh(z);
  }
}
export class M extends nn.Module {
  forward(mu: Tensor<[Batch, 2]>, v: Tensor<[Batch, 2]>) {
    const d = new TanhNormal(mu, mu.exp());
    return [d.log_prob(v), d.rsample().abs().le(1).float(), d.batch_shape.length === 2 && d.eventShape.length === 0 ? v.mul(0) : v];
  }
}
`;
    const [mu, v] = [[0.2, -0.4, 0.1, 0.3], [0.5, -0.25, 0.75, 0.1]];
    const out = run(src, { mu: { shape: [2, 2], data: mu }, v: { shape: [2, 2], data: v } });
    const logNormal = (x: number, m: number, sd: number) => -((x - m) ** 2) / (2 * sd * sd) - Math.log(sd) - 0.5 * Math.log(2 * Math.PI);
    close(out[0], v.map((y, i) => logNormal(Math.log((1 + y) / (1 - y)) / 2, mu[i], Math.exp(mu[i])) - Math.log(1 - y * y + 1e-6)));
    expect(out[1]).toEqual([1, 1, 1, 1]);
    expect(out[2].every((z) => z === 0)).toBe(true);
    expect(first(src.replace("return [d.log_prob(v),", "return [new F.distributions.Independent(d, 1).logProb(v).unsqueeze(1),"))).toMatch(/^TSDP2001 \d+: F.distributions.Independent: the base is a distribution the model defines/);
  });
});

describe("the Distribution base class's members through a subclass's own", () => {
  it("sample is rsample without its gradient, stddev variance's root, perplexity exp(entropy), as PyTorch's base defines them", () => {
    const src = `class Scaled extends F.distributions.Distribution {
  loc: Tensor;
  scale: Tensor;
  constructor(loc: Tensor, scale: Tensor) {
    super(loc.shape);
    this.loc = loc;
    this.scale = scale;
  }
  rsample() {
    return this.loc.add(this.scale.mul(F.randnLike(this.loc)));
  }
  get variance() {
    return this.scale.mul(this.scale);
  }
  entropy() {
    return this.scale.log().add(0.5 + 0.5 * Math.log(2 * Math.PI));
  }
}
export class M extends nn.Module {
  w = new nn.Parameter(F.ones(2));
  forward(mu: Tensor<[Batch, 2]>) {
    const d = new Scaled(mu.mul(this.w), mu.exp().mul(this.w));
    return [d.stddev, d.perplexity(), d.sample().requiresGrad ? mu : mu.mul(0), d.rsample().requiresGrad ? mu : mu.mul(0)];
  }
}
`;
    const mu = [0.2, -0.4, 0.1, 0.3];
    const out = run(src, { mu: { shape: [2, 2], data: mu } });
    close(out[0], mu.map(Math.exp));
    close(out[1], mu.map((m) => Math.exp(m + 0.5 + 0.5 * Math.log(2 * Math.PI))));
    expect(out[2].every((z) => z === 0)).toBe(true);
    close(out[3], mu);
    // without the member it goes through, the base's message
    expect(first(src.replace("d.perplexity(), ", "").replace(/  entropy\(\) \{[^}]*\}\n/, "").replace("rsample() {", "draw() {").replace("d.rsample().requiresGrad ? mu : mu.mul(0)", "mu"))).toMatch(/^TSDP2011 \d+: F.distributions.Distribution has no 'sample' in tsdp/);
  });
});

describe("torch.distributions: spellings and refusals", () => {
  it("top-level destructuring of F.distributions, snake_case members, kl.klDivergence", () => {
    const src = `const { Normal, Categorical, kl: { klDivergence } } = F.distributions;
const [lo, hi] = [0, 1];
export class M extends nn.Module {
  forward(x: Tensor<[Batch, 3]>) {
    const q = new Normal(x, 1);
    return [q.log_prob(x.add(hi)), klDivergence(q, new Normal(lo, 1)), new Categorical({ logits: x }).batch_shape.length === 1 ? x : x.neg()];
  }
}
`;
    const xs = [0.5, -1, 2, 0, 1, -0.5];
    const out = run(src, { x: { shape: [2, 3], data: xs } });
    close(out[0], xs.map(() => -0.5 - 0.5 * Math.log(2 * Math.PI)));
    close(out[1], xs.map((x) => (x * x) / 2));
    close(out[2], xs);
  });

  it("each class under its module's path, as torch.distributions.normal.Normal(loc=…, scale=…) (a neural process's decoder)", () => {
    const src = model(
      "x: Tensor<[Batch, 3]>",
      "const n = new F.distributions.normal.Normal({ loc: x, scale: 2 });\n    const u = new F.distributions.uniform.Uniform({ low: -4, high: 4 });\n    const i = new F.distributions.independent.Independent({ baseDistribution: n, reinterpretedBatchNdims: 1 });\n    return [n.logProb(x.add(1)), u.logProb(x), i.logProb(x), new F.distributions.categorical.Categorical({ logits: x }).logProb(x.argmax(1)).unsqueeze(1), new F.distributions.bernoulli.Bernoulli({ logits: x }).logProb(x.gt(0).float())];",
    );
    const xs = [0.5, -1, 2, 0, 1, -0.5];
    const out = run(src, { x: { shape: [2, 3], data: xs } });
    const normal = -0.125 - Math.log(2) - 0.5 * Math.log(2 * Math.PI);
    close(out[0], xs.map(() => normal));
    close(out[1], xs.map(() => -Math.log(8)));
    close(out[2], [3 * (-Math.log(2) - 0.5 * Math.log(2 * Math.PI)), 3 * (-Math.log(2) - 0.5 * Math.log(2 * Math.PI))]);
    const lse = (r: number[]) => Math.log(r.reduce((a, v) => a + Math.exp(v), 0));
    close(out[3], [0, 1].map((b) => { const r = xs.slice(3 * b, 3 * b + 3); return Math.max(...r) - lse(r); }));
    close(out[4], xs.map((x) => -softplus(-Math.abs(x))));
  });

  it("says why for both or neither of probs and logits, an unregistered KL pair, the batch as an event or category dim, too many samples, an unknown member", () => {
    const x = `x: Tensor<[Batch, 4]>`;
    expect(first(model(x, "return new F.distributions.Categorical({ probs: x, logits: x }).entropy();"))).toMatch(/^TSDP3004 4: F.distributions.Categorical: pass either probs or logits, not both/);
    expect(first(model(x, "return new F.distributions.Bernoulli().entropy();"))).toMatch(/^TSDP3004 4: .*not neither/);
    expect(first(model(x, "return F.distributions.klDivergence(new F.distributions.Normal(x, 1), new F.distributions.Categorical({ logits: x }));"))).toMatch(/^TSDP3004 4: .*KL divergence of Normal from Categorical is not one tsdp computes/);
    expect(first(model(x, "return new F.distributions.Independent(new F.distributions.Normal(x, 1), 2).entropy();"))).toMatch(/^TSDP3004 4: .*the batch dim cannot be an event dim/);
    expect(first(model(x, "return new F.distributions.Categorical({ logits: x.t() }).entropy();"))).toMatch(/^TSDP4001 4: .*cannot be the batch/);
    expect(first(model(x, "return F.multinomial(x.softmax(-1), 5);"))).toMatch(/^TSDP3004 4: F.multinomial: 5 samples without replacement from 4 categories/);
    expect(first(model(x, "return new F.distributions.Normal(x, 1).perplexity();"))).toMatch(/^TSDP2011 4: F.distributions.Normal has no 'perplexity' in tsdp \(it has loc, scale, .*logProb/);
    expect(first(model(x, "return new F.distributions.Normal(x, x.gt(0).int()).entropy();"))).toMatch(/^TSDP3003 4: F.distributions.Normal: scale must be a float32 tensor/);
    expect(first(model(x, "return new F.distributions.Normal(x, 1).sample([0]);"))).toMatch(/^TSDP3004 4: .*sampleShape is a list of sizes ≥ 1/);
  });
});

describe("StudentT, Cauchy, HalfNormal, Gumbel, Geometric, Binomial, NegativeBinomial and Dirichlet", () => {
  // log Γ by Lanczos (g = 7, 9 terms; ~1e-15 relative for x > 0) and ψ by its recurrence up to 10
  // then the asymptotic series: the test's own, to 1e-9
  const LANCZOS = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  const lgamma = (x: number): number => {
    if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lgamma(1 - x);
    const z = x - 1;
    let a = LANCZOS[0];
    for (let i = 1; i < 9; i++) a += LANCZOS[i] / (z + i);
    const t = z + 7.5;
    return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
  };
  const digamma = (x: number): number => {
    let r = 0;
    for (; x < 10; x++) r -= 1 / x;
    const f = 1 / (x * x);
    return r + Math.log(x) - 0.5 / x - f * (1 / 12 - f * (1 / 120 - f * (1 / 252 - f * (1 / 240 - f / 132))));
  };
  const EULER = 0.5772156649015329;
  const a = [1.5, 2, 3, 0.5];
  const v = [0.3, -1, 2, 0];
  const c = [1, 2, 3, 0.5, 1, 4];
  const idx = [0, 1, 2, 3];
  const ins = { a: { shape: [2, 2], data: a }, v: { shape: [2, 2], data: v }, c: { shape: [2, 3], data: c } };
  const inputs = "a: Tensor<[Batch, 2]>, v: Tensor<[Batch, 2]>, c: Tensor<[Batch, 3]>";
  const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

  it("StudentT, Cauchy, HalfNormal and Gumbel: logProb, entropy, moments, cdf and KL against their formulas", () => {
    const src = model(
      inputs,
      `const D = F.distributions;
    const t = new D.StudentT(a, v, a.mul(0.5)), ca = new D.Cauchy(v, a), h = new D.HalfNormal(a), g = new D.Gumbel(v, a);
    return [t.logProb(a), t.entropy(), t.mean, t.variance, new D.StudentT(3).logProb(v),
      ca.logProb(a), ca.entropy(), ca.cdf(a), ca.icdf(ca.cdf(a)), D.klDivergence(ca, new D.Cauchy(0, 1)), ca.mean, ca.variance,
      h.logProb(v), h.entropy(), h.mean, h.variance, h.cdf(a), h.icdf(h.cdf(a)), D.klDivergence(h, new D.half_normal.HalfNormal(2)),
      g.logProb(a), g.entropy(), g.mean, g.variance, D.klDivergence(g, new D.Gumbel(0.5, 2))];`,
    );
    const out = run(src, ins);
    // StudentT(ν = a, μ = v, σ = a/2) at x = a
    const tLog = (df: number, mu: number, s: number, x: number) => {
      const y = (x - mu) / s;
      return -0.5 * (df + 1) * Math.log1p((y * y) / df) - (Math.log(s) + 0.5 * Math.log(df) + 0.5 * Math.log(Math.PI) + lgamma(df / 2) - lgamma((df + 1) / 2));
    };
    close(out[0], idx.map((i) => tLog(a[i], v[i], a[i] / 2, a[i])), 9);
    close(out[1], idx.map((i) => Math.log(a[i] / 2) + 0.5 * (a[i] + 1) * (digamma((a[i] + 1) / 2) - digamma(a[i] / 2)) + 0.5 * Math.log(a[i]) + lgamma(a[i] / 2) + lgamma(0.5) - lgamma((a[i] + 1) / 2)), 9);
    // mean NaN for ν ≤ 1; variance ∞ for 1 < ν ≤ 2, σ²ν/(ν − 2) above, NaN for ν ≤ 1
    close(out[2], idx.map((i) => (a[i] <= 1 ? NaN : v[i])));
    close(out[3], idx.map((i) => (a[i] <= 1 ? NaN : a[i] <= 2 ? Infinity : ((a[i] / 2) ** 2 * a[i]) / (a[i] - 2))));
    close(out[4], idx.map((i) => tLog(3, 0, 1, v[i])), 9);
    // Cauchy(μ = v, σ = a)
    close(out[5], idx.map((i) => -Math.log(Math.PI) - Math.log(a[i]) - Math.log1p(((a[i] - v[i]) / a[i]) ** 2)));
    close(out[6], idx.map((i) => Math.log(4 * Math.PI * a[i])));
    close(out[7], idx.map((i) => Math.atan((a[i] - v[i]) / a[i]) / Math.PI + 0.5));
    close(out[8], a, 9);
    close(out[9], idx.map((i) => Math.log(((a[i] + 1) ** 2 + v[i] ** 2) / (4 * a[i]))));
    close(out[10], idx.map(() => NaN));
    close(out[11], idx.map(() => Infinity));
    // HalfNormal(σ = a) at v: −∞ below 0
    close(out[12], idx.map((i) => (v[i] < 0 ? -Infinity : Math.log(2) - Math.log(a[i] * Math.sqrt(2 * Math.PI)) - v[i] ** 2 / (2 * a[i] ** 2))));
    close(out[13], idx.map((i) => 0.5 * Math.log((Math.PI * a[i] ** 2) / 2) + 0.5));
    close(out[14], idx.map((i) => a[i] * Math.sqrt(2 / Math.PI)));
    close(out[15], idx.map((i) => a[i] ** 2 * (1 - 2 / Math.PI)));
    close(out[16], idx.map(() => erf(1 / Math.SQRT2)));
    close(out[17], a, 9);
    close(out[18], idx.map((i) => Math.log(2 / a[i]) + a[i] ** 2 / 8 - 0.5));
    // Gumbel(μ = v, σ = a) at a: z − e^(−z) with z = (x − μ)/σ negated
    close(out[19], idx.map((i) => -(a[i] - v[i]) / a[i] - Math.exp(-(a[i] - v[i]) / a[i]) - Math.log(a[i])));
    close(out[20], idx.map((i) => Math.log(a[i]) + 1 + EULER));
    close(out[21], idx.map((i) => v[i] + a[i] * EULER));
    close(out[22], idx.map((i) => ((Math.PI * a[i]) ** 2) / 6));
    // KL(Gumbel(μp, σp) ‖ Gumbel(μq, σq)) = log(σq/σp) + γ(σp/σq − 1) + exp((μq − μp)/σq)·Γ(1 + σp/σq) − 1 + (μp − μq)/σq
    close(out[23], idx.map((i) => Math.log(2 / a[i]) + EULER * (a[i] / 2 - 1) + Math.exp((0.5 - v[i]) / 2 + lgamma(1 + a[i] / 2)) - 1 + (v[i] - 0.5) / 2), 9);
  });

  it("Geometric, Binomial, NegativeBinomial and Dirichlet: logProb, entropy, moments and KL against their formulas", () => {
    const src = model(
      inputs,
      `const D = F.distributions;
    const k = a.floor();
    const ge = new D.Geometric(v.sigmoid()), bi = new D.Binomial(5, { logits: v }), nb = new D.NegativeBinomial(a, { probs: v.sigmoid() }), di = new D.Dirichlet(c);
    return [ge.logProb(k), ge.entropy(), ge.mean, ge.variance, D.klDivergence(ge, new D.Geometric({ logits: a })), new D.Geometric(1).logProb(k.mul(0)),
      bi.logProb(k), bi.mean, bi.mode, bi.variance, D.klDivergence(bi, new D.Binomial(5, 0.4)), D.klDivergence(bi, new D.Binomial(4, 0.4)), bi.total_count,
      nb.logProb(k), nb.mean, nb.variance, nb.mode, new D.NegativeBinomial(0, 0.5).logProb(k.mul(0)),
      di.logProb(c.softmax(-1)), di.entropy(), di.mean, di.variance, D.klDivergence(di, new D.Dirichlet(c.flip(-1)))];`,
    );
    const out = run(src, ins);
    const k = a.map(Math.floor);
    const p = v.map(sigmoid);
    // Geometric(p = σ(v)) at k: k·log(1 − p) + log p
    close(out[0], idx.map((i) => k[i] * Math.log(1 - p[i]) + Math.log(p[i])));
    close(out[1], idx.map((i) => -((1 - p[i]) * Math.log(1 - p[i]) + p[i] * Math.log(p[i])) / p[i]));
    close(out[2], idx.map((i) => 1 / p[i] - 1));
    close(out[3], idx.map((i) => (1 / p[i] - 1) / p[i]));
    // KL(Geom(p) ‖ Geom(q)) = Σ_k (1 − p)ᵏp·log[(1 − p)ᵏp / ((1 − q)ᵏq)], summed to convergence
    const q = a.map(sigmoid);
    close(out[4], idx.map((i) => Array.from({ length: 4000 }, (_, j) => (1 - p[i]) ** j * p[i] * (j * Math.log((1 - p[i]) / (1 - q[i])) + Math.log(p[i] / q[i]))).reduce((s, x) => s + x, 0)), 9);
    // p = 1 at k = 0: probability 1, not 0·log 0 = NaN
    close(out[5], [0, 0, 0, 0]);
    // Binomial(5, σ(v)) at k: log C(5, k) + k log p + (5 − k) log(1 − p)
    const logC = (n: number, j: number) => lgamma(n + 1) - lgamma(j + 1) - lgamma(n - j + 1);
    close(out[6], idx.map((i) => logC(5, k[i]) + k[i] * Math.log(p[i]) + (5 - k[i]) * Math.log(1 - p[i])), 9);
    close(out[7], idx.map((i) => 5 * p[i]));
    close(out[8], idx.map((i) => Math.min(5, Math.floor(6 * p[i]))));
    close(out[9], idx.map((i) => 5 * p[i] * (1 - p[i])));
    const binKl = (n: number, x: number, y: number) => n * (x * Math.log(x / y) + (1 - x) * Math.log((1 - x) / (1 - y)));
    close(out[10], idx.map((i) => binKl(5, p[i], 0.4)), 9);
    // p's count above q's: +∞ (PyTorch's inf entries)
    close(out[11], idx.map(() => Infinity));
    close(out[12], idx.map(() => 5));
    // NegativeBinomial(n = a, p = σ(v)) at k: log Γ(n + k) − log Γ(k + 1) − log Γ(n) + n log(1 − p) + k log p
    close(out[13], idx.map((i) => lgamma(a[i] + k[i]) - lgamma(k[i] + 1) - lgamma(a[i]) + a[i] * Math.log(1 - p[i]) + k[i] * Math.log(p[i])), 9);
    const nbMean = idx.map((i) => (a[i] * p[i]) / (1 - p[i]));
    close(out[14], nbMean);
    close(out[15], idx.map((i) => nbMean[i] / (1 - p[i])));
    close(out[16], idx.map((i) => Math.max(0, Math.floor(((a[i] - 1) * p[i]) / (1 - p[i])))));
    // n = 0 at k = 0: probability 1 (lgamma(0)'s ∞ masked), as PyTorch's masked_fill
    close(out[17], [0, 0, 0, 0]);
    // Dirichlet(α = each row of c) at softmax(c)
    const rows = [c.slice(0, 3), c.slice(3)];
    const xs = rows.map((r) => r.map((y) => Math.exp(y) / r.reduce((s, z) => s + Math.exp(z), 0)));
    const sum = (r: number[]) => r.reduce((s, y) => s + y, 0);
    close(out[18], rows.map((r, i) => sum(r.map((al, j) => (al - 1) * Math.log(xs[i][j]))) + lgamma(sum(r)) - sum(r.map(lgamma))), 9);
    close(out[19], rows.map((r) => sum(r.map(lgamma)) - lgamma(sum(r)) - (3 - sum(r)) * digamma(sum(r)) - sum(r.map((al) => (al - 1) * digamma(al)))), 9);
    close(out[20], rows.flatMap((r) => r.map((al) => al / sum(r))));
    close(out[21], rows.flatMap((r) => r.map((al) => (al * (sum(r) - al)) / (sum(r) ** 2 * (sum(r) + 1)))));
    const dirKl = (pr: number[], qr: number[]) => lgamma(sum(pr)) - lgamma(sum(qr)) - sum(pr.map((x, j) => lgamma(x) - lgamma(qr[j]))) + sum(pr.map((x, j) => (x - qr[j]) * (digamma(x) - digamma(sum(pr)))));
    close(out[22], rows.map((r) => dirKl(r, [...r].reverse())), 9);
  });

  it("their draws follow their laws; the draws PyTorch makes by a sampler tsdp lacks are refused with why", () => {
    const src = model(
      `x: Tensor<[Batch, 1]>`,
      `const D = F.distributions;
    const n = 4000, z = x.mul(0);
    return [new D.Cauchy(1, 2).rsample([n]).unsqueeze(0).add(z), new D.HalfNormal(2).rsample([n]).unsqueeze(0).add(z),
      new D.Gumbel(1, 2).rsample([n]).unsqueeze(0).add(z), new D.Geometric(0.25).sample([n]).unsqueeze(0).add(z)];`,
    );
    const [cau, half, gum, geo] = run(src, { x: { shape: [1, 1], data: [0] } });
    const mean = (xs: number[]) => xs.reduce((s, y) => s + y, 0) / xs.length;
    const n = 4000;
    // Cauchy(1, 2): P(|x − 1| < 2) = ½, a proportion with standard error √(¼/n)
    expect(Math.abs(mean(cau.map((y) => (Math.abs(y - 1) < 2 ? 1 : 0))) - 0.5)).toBeLessThan(5 * Math.sqrt(0.25 / n));
    // HalfNormal(2): mean 2√(2/π), sd 2√(1 − 2/π); non-negative
    expect(Math.abs(mean(half) - 2 * Math.sqrt(2 / Math.PI))).toBeLessThan((5 * 2 * Math.sqrt(1 - 2 / Math.PI)) / Math.sqrt(n));
    expect(half.every((y) => y >= 0)).toBe(true);
    // Gumbel(1, 2): mean 1 + 2γ, sd 2π/√6
    expect(Math.abs(mean(gum) - (1 + 2 * EULER))).toBeLessThan((5 * 2 * Math.PI) / Math.sqrt(6 * n));
    // Geometric(¼): integer failures, mean 3, sd √12
    expect(geo.every((y) => Number.isInteger(y) && y >= 0)).toBe(true);
    expect(Math.abs(mean(geo) - 3)).toBeLessThan((5 * Math.sqrt(12)) / Math.sqrt(n));
    const x = `x: Tensor<[Batch, 2]>`;
    expect(first(model(x, "return new F.distributions.StudentT(x.exp()).sample();"))).toMatch(/^TSDP2011 4: F.distributions.StudentT.sample is not in tsdp: StudentT's draws divide by a Chi2 \(Gamma\) draw/);
    expect(first(model(x, "return new F.distributions.NegativeBinomial(2, { logits: x }).sample();"))).toMatch(/^TSDP2011 4: F.distributions.NegativeBinomial.sample is not in tsdp: NegativeBinomial's draws come from a Gamma–Poisson mixture/);
    expect(first(model(x, "return new F.distributions.Dirichlet(x.exp()).rsample();"))).toMatch(/^TSDP2011 4: F.distributions.Dirichlet.rsample is not in tsdp/);
    // sample, not rsample: a floor has no gradient (PyTorch's Geometric has no rsample)
    expect(first(model(x, "return new F.distributions.Geometric(x.sigmoid()).rsample();"))).toMatch(/^TSDP2011 4: F.distributions.Geometric has no 'rsample' in tsdp/);
    expect(first(model(x, "return new F.distributions.Geometric(x.sigmoid(), { logits: x }).mean;"))).toMatch(/^TSDP\d+ 4: F.distributions.Geometric: pass either probs or logits, not both/);
    expect(first(model(x, "return F.distributions.klDivergence(new F.distributions.StudentT(3, x), new F.distributions.StudentT(3));"))).toMatch(/^TSDP\d+ 4: F.distributions.klDivergence: the KL divergence of two StudentT distributions has no closed form/);
    expect(first(model(x, "return new F.distributions.Dirichlet(x.sum()).mean;"))).toMatch(/^TSDP\d+ 4: F.distributions.Dirichlet: concentration needs a last dim of categories/);
  });
});

describe("RelaxedBernoulli and RelaxedOneHotCategorical (the Concrete / Gumbel-softmax relaxations)", () => {
  const softplus = (z: number) => Math.log1p(Math.exp(z));
  const lse = (r: number[]) => Math.log(r.reduce((s, z) => s + Math.exp(z), 0));
  /** PyTorch's RelaxedBernoulli.log_prob written out: LogitRelaxedBernoulli's at logit(y), less the sigmoid's log|det J|. */
  const bernoulliLogProb = (y: number, t: number, l: number) => {
    const x = Math.log(y) - Math.log1p(-y);
    const d = l - x * t;
    return Math.log(t) + d - 2 * Math.log1p(Math.exp(d)) + softplus(-x) + softplus(x);
  };
  /** PyTorch's RelaxedOneHotCategorical.log_prob written out: ExpRelaxedCategorical's at log y, less Σ log y. */
  const categoricalLogProb = (y: number[], t: number, logits: number[]) => {
    const k = y.length;
    const ln = logits.map((z) => z - lse(logits));
    const x = y.map(Math.log);
    const score = ln.map((z, j) => z - x[j] * t);
    const lgammaK = Array.from({ length: k - 1 }, (_, i) => Math.log(i + 1)).reduce((s, z) => s + z, 0);
    return score.reduce((s, z) => s + z - lse(score), 0) + lgammaK + (k - 1) * Math.log(t) - x.reduce((s, z) => s + z, 0);
  };

  it("logProb is PyTorch's formula, for logits and for probs, and each density integrates to 1", () => {
    const out = run(
      model(
        "t: Tensor<[Batch, 2]>, l: Tensor<[Batch, 2]>, y: Tensor<[Batch, 2]>, g: Tensor<[Batch, 2000]>",
        `const D = F.distributions;
    const b = new D.RelaxedBernoulli(t, { logits: l }), bp = new D.RelaxedBernoulli(t, l.sigmoid());
    // (a scalar temperature: PyTorch adds log_scale, of the temperature's shape, to the batch-shaped score)
    const c = new D.RelaxedOneHotCategorical(F.tensor(0.5), { logits: l.mul(2) });
    const cp = new D.RelaxedOneHotCategorical(1.5, l.softmax(-1));
    const grid = new D.RelaxedBernoulli(t.narrow(1, 0, 1).add(1.2), { logits: l.narrow(1, 0, 1) }).logProb(g);
    const simplex = new D.RelaxedOneHotCategorical(1.7, { logits: l.unsqueeze(1) }).logProb(F.stack([g, g.neg().add(1)], -1));
    return [b.logProb(y), bp.logProb(y), c.logProb(y.softmax(-1)), cp.logProb(y.softmax(-1)), grid.exp().mean(1), simplex.exp().mean(1)];`,
      ),
      {
        t: { shape: [2, 2], data: [0.5, 1.5, 2, 0.3] },
        l: { shape: [2, 2], data: [0.4, -1.2, 2, 0.7] },
        y: { shape: [2, 2], data: [0.2, 0.7, 0.9, 0.4] },
        g: { shape: [2, 2000], data: [0, 1].flatMap(() => Array.from({ length: 2000 }, (_, i) => (i + 0.5) / 2000)) },
      },
    );
    const [t, l, y] = [[0.5, 1.5, 2, 0.3], [0.4, -1.2, 2, 0.7], [0.2, 0.7, 0.9, 0.4]];
    const want = y.map((v, i) => bernoulliLogProb(v, t[i], l[i]));
    close(out[0], want);
    close(out[1], want, 9);
    const soft = (r: number[]) => r.map((z) => Math.exp(z - lse(r)));
    const rows = [0, 1].map((n) => ({ logits: l.slice(2 * n, 2 * n + 2), y: soft(y.slice(2 * n, 2 * n + 2)) }));
    close(out[2], rows.map((r) => categoricalLogProb(r.y, 0.5, r.logits.map((z) => 2 * z))));
    close(out[3], rows.map((r) => categoricalLogProb(r.y, 1.5, r.logits)), 9);
    // ∫₀¹ p(y) dy by the midpoint rule on 2000 points (temperatures above 1: the density vanishes at 0 and 1)
    close(out[4], [1, 1], 2);
    close(out[5], [1, 1], 2);
  });

  it("rsample follows PyTorch's laws: P(y > ½) = p (logistic noise), argmax y a Categorical draw (Gumbel-max); rows sum to 1", () => {
    const n = 4000;
    const out = run(
      model(
        "x: Tensor<[Batch, 1]>",
        `const D = F.distributions, z = x.mul(0);
    const b = new D.RelaxedBernoulli(F.tensor(0.7), F.tensor([0.3]));
    const c = new D.RelaxedOneHotCategorical(F.tensor(0.5), F.tensor([0.2, 0.5, 0.3]));
    const y = c.rsample([${n}]);
    return [b.rsample([${n}]).flatten().unsqueeze(0).add(z), y.argmax(-1).float().unsqueeze(0).add(z), y.sum(-1).unsqueeze(0).add(z), c.sample([2]).flatten().unsqueeze(0).add(z)];`,
      ),
      { x: { shape: [1, 1], data: [0] } },
    );
    const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;
    expect(out[0].every((v) => v > 0 && v < 1)).toBe(true);
    expect(Math.abs(mean(out[0].map((v) => (v > 0.5 ? 1 : 0))) - 0.3)).toBeLessThan(5 * Math.sqrt(0.21 / n));
    [0.2, 0.5, 0.3].forEach((p, k) => expect(Math.abs(mean(out[1].map((v) => (v === k ? 1 : 0))) - p), `category ${k}`).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / n)));
    out[2].forEach((s) => expect(s).toBeCloseTo(1, 12));
    expect(out[3].every((v) => v > 0 && v < 1)).toBe(true);
  });

  it("rsample carries the gradient to the logits and the temperature", () => {
    const { checked } = gradCheck(`
export class M extends nn.Module {
  fc = new nn.Linear(3, 4);
  t = new nn.Parameter(F.tensor(0.8));
  forward(x: Tensor<[Batch, 3]>) {
    const logits = this.fc(x);
    const y = new F.distributions.RelaxedOneHotCategorical(this.t, { logits }).rsample();
    const z = new F.distributions.RelaxedBernoulli(this.t, { logits }).rsample();
    return y.add(z);
  }
}`);
    expect(checked).toBeGreaterThan(0);
  });
});
