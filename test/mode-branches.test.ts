// Forward code that tests this.training, as ports write it: timm's drop path (`if (!this.training)
// return x`), noise added in train mode only, `this.training ? a : b`, `switch (this.training)`. Such
// code is evaluated once per mode and the two values joined by mode_select, which reads the mode at
// run time; what does not depend on the mode is built once. Checked through the float64 reference:
// each mode's output against the model written without the test, the graph's op counts, autodiff in
// eval mode (train mode: test/gradients.test.ts), and the refusals with where and why.
// test/random-draws-target.test.ts runs test/fixtures/mode-branches on the CPU target.
import { describe, expect, it } from "vitest";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { gradCheck } from "./gradcheck.ts";
import { diagnosticsOf, header, lowerSource } from "./helpers.ts";
import { generate } from "../compiler/pipeline.ts";

const model = (fields: string, forward: string, before = "") =>
  `${header}${before}\nexport class M extends nn.Module {\n  ${fields}\n  forward(x: Tensor<[Batch, 4]>) {\n    ${forward}\n  }\n}\n`;

const BATCH = 6;
const x = nd([BATCH, 4], Array.from({ length: BATCH * 4 }, (_, i) => Math.sin(i + 1)));

function output(src: string, training: boolean): number[] {
  const { graph } = lowerSource(src);
  return Array.from(runReference(graph, { x }, initState(graph, 0), { training }).outputs[0].data);
}
const ops = (src: string) => lowerSource(src).graph.nodes.map((n) => n.op);
const count = (src: string, op: string) => ops(src).filter((o) => o === op).length;
const first = (src: string) => diagnosticsOf(src).map((d) => `${d.code} ${d.loc?.line}:${d.loc?.col}: ${d.message}`)[0];

const DROP_PATH = `class DropPath extends nn.Module {
  constructor(private dropProb = 0.5) { super(); }
  forward(x: Tensor) {
    if (this.dropProb === 0 || !this.training) return x;
    const keep = 1 - this.dropProb;
    return x.div(keep).mul(F.bernoulli(F.fullLike(x.narrow(1, 0, 1), keep)));
  }
}`;
const FIELDS = "fc = new nn.Linear(4, 4); bn = new nn.BatchNorm1d(4); dp = new DropPath(0.5);";

describe("a function that returns early in eval mode (drop path)", () => {
  const src = model(FIELDS, "const h = this.bn(this.fc(x));\n    return h.add(this.dp(h));", DROP_PATH);
  it("is the identity in eval mode and keeps or drops each sample's row whole in train mode", () => {
    expect(output(src, false)).toEqual(output(model(FIELDS, "const h = this.bn(this.fc(x));\n    return h.add(h);", DROP_PATH), false));
    const plain = output(model(FIELDS, "return this.bn(this.fc(x));", DROP_PATH), true);
    const got = output(src, true);
    const rows = Array.from({ length: BATCH }, (_, r) => {
      const h = plain.slice(r * 4, r * 4 + 4), y = got.slice(r * 4, r * 4 + 4);
      if (y.every((v, i) => Math.abs(v - h[i]) < 1e-12)) return "dropped";
      return y.every((v, i) => Math.abs(v - 3 * h[i]) < 1e-12) ? "kept" : "neither";
    });
    expect(rows).not.toContain("neither");
    expect(new Set(rows)).toEqual(new Set(["dropped", "kept"])); // 6 rows, p = 0.5: both, at this seed
  });

  it("builds what does not depend on the mode once: one linear, one batch norm (one running-statistics update)", () => {
    expect(count(src, "linear")).toBe(1);
    expect(count(src, "batch_norm")).toBe(1);
    expect(count(src, "mode_select")).toBe(1);
  });

  it("a drop probability of 0 is a constant test: no join at all", () => {
    expect(count(model(FIELDS.replace("DropPath(0.5)", "DropPath(0)"), "return this.dp(this.fc(x));", DROP_PATH), "mode_select")).toBe(0);
  });
});

describe("an if that assigns in one mode, a conditional expression, a switch", () => {
  const FC2 = "fc = new nn.Linear(4, 4); fc2 = new nn.Linear(4, 4);";
  it("`if (this.training) x = …` is joined at the statement: the layers after it are built once", () => {
    const src = model(FC2, "x = this.fc(x);\n    if (this.training) { x = x.mul(2); }\n    return this.fc2(x);");
    expect(count(src, "linear")).toBe(2);
    expect(output(src, false)).toEqual(output(model(FC2, "return this.fc2(this.fc(x));"), false));
    expect(output(src, true)).toEqual(output(model(FC2, "return this.fc2(this.fc(x).mul(2));"), true));
  });

  it("else branches, this.training === false and !this.training test the same mode", () => {
    for (const test of ["this.training", "!(this.training === false)", "!!this.training", "this.training && true"]) {
      const src = model(FC2, `let y = this.fc(x);\n    if (${test}) y = y.mul(2); else y = y.add(1);\n    return y;`);
      expect(output(src, true), test).toEqual(output(model(FC2, "return this.fc(x).mul(2);"), true));
      expect(output(src, false), test).toEqual(output(model(FC2, "return this.fc(x).add(1);"), false));
    }
  });

  it("this.training ? a : b and switch (this.training)", () => {
    const ternary = model(FC2, "return this.fc(this.training ? x.mul(2) : x);");
    const sw = model(FC2, "switch (this.training) {\n      case true: return this.fc(x.mul(2));\n      default: return this.fc(x);\n    }");
    for (const src of [ternary, sw]) {
      expect(output(src, true)).toEqual(output(model(FC2, "return this.fc(x.mul(2));"), true));
      expect(output(src, false)).toEqual(output(model(FC2, "return this.fc(x);"), false));
    }
    expect(count(ternary, "linear")).toBe(1);
  });

  it("a number chosen by the mode (nanoGPT's `dropout_p = self.dropout if self.training else 0`) evaluates the function per mode", () => {
    const chosen = model(FC2, "const p = this.training ? 0.5 : 0;\n    return this.fc(F.dropout(x, p, true));");
    expect(output(chosen, true)).toEqual(output(model(FC2, "return this.fc(F.dropout(x, 0.5, true));"), true));
    expect(output(chosen, false)).toEqual(output(model(FC2, "return this.fc(x);"), false));
    // the same number in both modes is that number
    expect(output(model(FC2, "return this.fc(x.mul(this.training ? 2 : 2));"), false)).toEqual(output(model(FC2, "return this.fc(x.mul(2));"), false));
  });

  it("int32 indices chosen by the mode (a decoder's teacher forcing: the target's token in training, its own prediction in eval)", () => {
    const decoder = model(
      "emb = new nn.Embedding(6, 4); out = new nn.Linear(4, 6);",
      "let token = x.gt(0).int().sum(1);\n    const steps: Tensor[] = [];\n    for (let t = 0; t < 3; t++) {\n      const logits = this.out(this.emb(token));\n      steps.push(logits);\n      token = this.training ? x.index(':', t).gt(0).int().add(t) : logits.argmax(1);\n    }\n    return F.cat(steps, 1);",
    );
    const written = (next: string) => model("emb = new nn.Embedding(6, 4); out = new nn.Linear(4, 6);", `let token = x.gt(0).int().sum(1);\n    const steps: Tensor[] = [];\n    for (let t = 0; t < 3; t++) {\n      const logits = this.out(this.emb(token));\n      steps.push(logits);\n      token = ${next};\n    }\n    return F.cat(steps, 1);`);
    expect(output(decoder, true)).toEqual(output(written("x.index(':', t).gt(0).int().add(t)"), true));
    expect(output(decoder, false)).toEqual(output(written("logits.argmax(1)"), false));
    expect(output(decoder, true)).not.toEqual(output(decoder, false));
  });

  it("a value no select joins (Transformer-TTS's mask in train mode, null in eval, read by `if (mask !== null)` in a helper) takes the functions around it per mode", () => {
    const helper = "function masked(x: Tensor, mask: Tensor | null, scale: number | null) {\n  let y = mask !== null ? x.maskedFill(mask, -1) : x;\n  if (scale !== null) y = y.mul(scale);\n  return y;\n}";
    const fields = "fc = new nn.Linear(4, 4);";
    const chosen = model(fields, "let mask: Tensor | null, scale: number | null;\n    if (this.training) { mask = x.lt(0); scale = 3; } else { mask = null; scale = null; }\n    const [y] = [masked(this.fc(x), mask, scale), mask];\n    return y;", helper);
    expect(output(chosen, true)).toEqual(output(model(fields, "return masked(this.fc(x), x.lt(0), 3);", helper), true));
    expect(output(chosen, false)).toEqual(output(model(fields, "return masked(this.fc(x), null, null);", helper), false));
    expect(output(chosen, true)).not.toEqual(output(chosen, false));
    // the layers the modes share are built once
    expect(count(chosen, "matmul") + count(chosen, "linear")).toBe(1);
  });

  it("gradients reach the eval-mode value in eval mode", () => {
    expect(gradCheck(model("b = new nn.Parameter(F.ones([4]));", "return this.training ? x.mul(this.b) : x.mul(x).add(this.b);"), { training: false }).checked).toBeGreaterThan(0);
  });
});

describe("refusals", () => {
  it("results that differ in kind or shape between the modes, at the test", () => {
    expect(first(model("fc = new nn.Linear(4, 4); aux = new nn.Linear(4, 2);", "const h = this.fc(x);\n    if (this.training) return [h, this.aux(h)];\n    return h;"))).toMatch(
      /^TSDP2007 7:9: M\.forward gives 2 values in train mode and a float32 tensor \[Batch, 4\] in eval mode/,
    );
    // a variable no select joins takes the function per mode, up to forward's outputs, where it is refused
    expect(first(model("fc = new nn.Linear(4, 2);", "let y = x;\n    if (this.training) y = this.fc(x);\n    return y;"))).toMatch(
      /^TSDP2007 7:9: M\.forward gives a float32 tensor \[Batch, 2\] in train mode and a float32 tensor \[Batch, 4\] in eval mode/,
    );
    // the help does not say the branch on this.training is what is refused
    const [d] = diagnosticsOf(model("fc = new nn.Linear(4, 2);", "let y = x;\n    if (this.training) y = this.fc(x);\n    return y;"));
    expect(d.help).toMatch(/this\.training in forward \(where both modes give results of one shape and dtype\)/);
  });

  it("this.training in a constructor, where it has no value", () => {
    expect(first(model("d: nn.Module = this.training ? new nn.Dropout(0.1) : new nn.Identity();", "return this.d(x);"))).toMatch(/^TSDP2007 4:18: this condition depends on this\.training/);
  });
});

// An overridden train(mode) (mmdet's norm_eval) holds modules in one mode whatever the model's:
// evaluated at compile time for both modes (compiler/1-frontend/module-modes.ts). The CPU target's
// two training steps: test/state-updates.test.ts.
describe("modules an overridden train(mode) holds in one mode", () => {
  const held = (fields: string, override: string, forward: string, before = "") =>
    `${header}${before}\nexport class M extends nn.Module {\n  ${fields}\n  train(mode = true) {\n    super.train(mode);\n    ${override}\n    return this;\n  }\n  forward(x: Tensor<[Batch, 2, 2, 2]>) {\n    ${forward}\n  }\n}\n`;
  const x4 = nd([3, 2, 2, 2], Array.from({ length: 24 }, (_, i) => Math.sin(i + 1)));

  it("a BatchNorm2d held in eval normalizes by its running statistics in train mode and leaves them; its weight and bias still get gradients", () => {
    const { graph } = lowerSource(held("bn = new nn.BatchNorm2d(2);", "if (mode) this.bn.eval();", "return this.bn(x);"));
    expect(graph.heldModes).toEqual({ bn: "eval" });
    const state = initState(graph, 0);
    const out = Array.from(runReference(graph, { x: x4 }, state, { training: true }).outputs[0].data);
    // PyTorch's eval formula at the initial statistics (mean 0, var 1, weight 1, bias 0): x / √(1 + 1e-5)
    out.forEach((v, i) => expect(v).toBeCloseTo(x4.data[i] / Math.sqrt(1 + 1e-5), 12));
    expect(Array.from(state.buffers.get("bn.running_mean")!.data)).toEqual([0, 0]);
    expect(Array.from(state.buffers.get("bn.running_var")!.data)).toEqual([1, 1]);
    expect(graph.params.map((p) => p.attrs.name)).toEqual(["bn.weight", "bn.bias"]);
    expect(gradCheck(`export class M extends nn.Module {
  bn = new nn.BatchNorm2d(2);
  train(mode = true) { super.train(mode); this.bn.eval(); return this; }
  forward(x: Tensor<[Batch, 2, 2, 2]>) { return this.bn(x); }
}`).checked).toBeGreaterThan(0);
  });

  it("norm_eval over modules() with instanceof, in a child: only the backbone's BatchNorms are held; the head's follows the model", () => {
    const src = `${header}
class Backbone extends nn.Module {
  conv = new nn.Conv2d(2, 2, 1);
  bn = new nn.BatchNorm2d(2);
  normEval = true;
  train(mode = true) {
    super.train(mode);
    if (this.normEval && mode) for (const m of this.modules()) if (m instanceof nn.BatchNorm2d) m.eval();
    return this;
  }
  forward(x: Tensor) { return this.bn(this.conv(x)); }
}
export class M extends nn.Module {
  body = new Backbone();
  bn = new nn.BatchNorm2d(2);
  forward(x: Tensor<[Batch, 2, 2, 2]>) { return this.bn(this.body(x)); }
}`;
    const { graph } = lowerSource(src);
    expect(graph.heldModes).toEqual({ "body.bn": "eval" });
    expect(graph.nodes.filter((n) => n.op === "batch_norm").length).toBe(1);
  });

  it("a BatchNorm2d held in train mode (an overridden train that puts it back) normalizes by the batch and updates its statistics in eval calls too, as PyTorch's", () => {
    // before: TSDP2001 "is held in train mode while the model evaluates … tsdp holds a BatchNorm in eval mode only"
    const { graph } = lowerSource(held("bn = new nn.BatchNorm2d(2, { momentum: null });", "this.bn.train();", "return this.bn(x);"));
    expect(graph.heldModes).toEqual({ bn: "train" });
    const run = (training: boolean) => {
      const state = initState(graph, 0);
      const outs = [0, 1].map(() => Array.from(runReference(graph, { x: x4 }, state, { training }).outputs[0].data));
      return { outs, stats: ["bn.running_mean", "bn.running_var", "bn.num_batches_tracked"].map((n) => Array.from(state.buffers.get(n)!.data)) };
    };
    const [train, evaluation] = [run(true), run(false)];
    expect(evaluation).toEqual(train);
    // channel c's 12 values x[n, c, h, w]: normalized by their own mean and biased variance
    const values = (c: number) => [0, 1, 2].flatMap((n) => [0, 1, 2, 3].map((j) => x4.data[(n * 2 + c) * 4 + j]));
    const mean = [0, 1].map((c) => values(c).reduce((a, b) => a + b, 0) / 12);
    const sq = [0, 1].map((c) => values(c).reduce((a, v) => a + (v - mean[c]) ** 2, 0));
    evaluation.outs[0].forEach((v, i) => {
      const c = Math.floor(i / 4) % 2;
      expect(v).toBeCloseTo((x4.data[i] - mean[c]) / Math.sqrt(sq[c] / 12 + 1e-5), 10);
    });
    // momentum None: the cumulative average of the two calls' (equal) statistics, from 0 and 1 — factor 1, then 1/2
    [0, 1].forEach((c) => {
      expect(evaluation.stats[0][c]).toBeCloseTo(mean[c], 12);
      expect(evaluation.stats[1][c]).toBeCloseTo(sq[c] / 11, 12);
    });
    expect(evaluation.stats[2]).toEqual([2]);
  });

  it("this.training in a held module's forward reads its own flag; a held Dropout draws nothing, one held in train (MC dropout) draws in eval too", () => {
    const Twice = `class Twice extends nn.Module {\n  forward(x: Tensor) { return this.training ? x.mul(2) : x; }\n}`;
    const src = held("t = new Twice();", "this.t.eval();", "return this.t(x);", Twice);
    expect(output4(src, true)).toEqual(Array.from(x4.data));
    expect(count(src, "mode_select")).toBe(0);
    expect(count(held("drop = new nn.Dropout(0.5);", "this.drop.eval();", "return this.drop(x);"), "dropout")).toBe(0);
    const mc = lowerSource(held("drop = new nn.Dropout(0.5);", "this.drop.train();", "return this.drop(x);")).graph;
    expect(mc.heldModes).toEqual({ drop: "train" });
    expect(mc.nodes.filter((n) => n.op === "dropout").map((n) => n.attrs.mode)).toEqual(["always"]);
    function output4(s: string, training: boolean): number[] {
      const { graph } = lowerSource(s);
      return Array.from(runReference(graph, { x: x4 }, initState(graph, 0), { training }).outputs[0].data);
    }
  });

  it("a spectral-normed layer held in eval (a frozen discriminator) runs no power iteration in train mode: σ from the stored u, v, which stay", () => {
    // PyTorch's legacy hook passes do_power_iteration=module.training, the parametrization reads self.training
    const src = held("fc = nn.utils.spectralNorm(new nn.Linear(8, 3));", "this.fc.eval();", "return this.fc(x.flatten(1));");
    const { graph } = lowerSource(src);
    expect(graph.heldModes).toEqual({ fc: "eval" });
    const run = (training: boolean) => {
      const state = initState(graph, 0);
      const u = Array.from(state.buffers.get("fc.weight_u")!.data);
      const out = Array.from(runReference(graph, { x: x4 }, state, { training }).outputs[0].data);
      return { out, uKept: Array.from(state.buffers.get("fc.weight_u")!.data).every((v, i) => v === u[i]) };
    };
    const [train, evaluation] = [run(true), run(false)];
    expect(train.uKept).toBe(true);
    expect(train.out).toEqual(evaluation.out);
  });

  it("nn.Module.train written out (this.training = mode, then each child's train) follows the model; a child's training = false holds it", () => {
    const { graph } = lowerSource(`${header}export class M extends nn.Module {
  bn = new nn.BatchNorm1d(4);
  drop = new nn.Dropout(0.5);
  train(mode = true) { this.training = mode; for (const c of this.children()) c.train(mode); this.drop.training = false; return this; }
  forward(x: Tensor<[Batch, 4]>) { return this.drop(this.bn(x)); }
}`);
    expect(graph.heldModes).toEqual({ drop: "eval" });
    expect(graph.nodes.filter((n) => n.op === "batch_norm").length).toBe(1);
    expect(graph.nodes.filter((n) => n.op === "dropout").length).toBe(0);
  });

  it("an override that never calls super.train(mode) leaves the modules it does not reach in train mode, as PyTorch's model.eval() does", () => {
    // nn.Module.eval() is self.train(False): an override that neither calls super.train nor sets
    // training changes no flag, so each module keeps training = True from its construction
    const dropout = `${header}class Block extends nn.Module {
  drop = new nn.Dropout(0.5);
  train(mode = true) { return this; }
  forward(x: Tensor) { return this.training ? this.drop(x) : x.mul(3); }
}
export class M extends nn.Module {
  b = new Block();
  drop = new nn.Dropout(0.5);
  forward(x: Tensor<[Batch, 4]>) { return this.drop(this.b(x)); }
}`;
    const { graph } = lowerSource(dropout);
    expect(graph.heldModes).toEqual({ b: "train", "b.drop": "train" });
    // the block's dropout draws in eval too; the model's own follows its mode
    expect(graph.nodes.filter((n) => n.op === "dropout").map((n) => n.attrs.mode)).toEqual(["always", "train"]);
    expect(graph.nodes.filter((n) => n.op === "mode_select").length).toBe(0);
    // a BatchNorm left so normalizes by the batch and updates its statistics in eval calls too (intbuf68's held-train kernel)
    const bn = `${header}export class M extends nn.Module {
  bn = new nn.BatchNorm1d(4);
  train(mode = true) { if (mode) super.train(true); return this; }
  forward(x: Tensor<[Batch, 4]>) { return this.bn(x); }
}`;
    const held = lowerSource(bn).graph;
    expect(held.heldModes).toEqual({ "": "train", bn: "train" });
    expect(held.nodes.filter((n) => n.op === "batch_norm").map((n) => n.attrs.heldTrain)).toEqual([true]);
  });

  it("requiresGrad set in the override (mmdet's _freeze_stages) freezes as in the constructor", () => {
    const { graph } = lowerSource(held("conv = new nn.Conv2d(2, 2, 1);\n  bn = new nn.BatchNorm2d(2);", "this.conv.eval();\n    for (const p of this.conv.parameters()) p.requiresGrad = false;", "return this.bn(this.conv(x));"));
    expect(graph.params.map((p) => p.attrs.name)).toEqual(["bn.weight", "bn.bias"]);
    expect(graph.heldModes).toEqual({ conv: "eval" });
  });
});

describe("a draw under this.training changed in place (LeViT's Residual: torch.rand(…).ge_(drop))", () => {
  it("draws in train mode only: an eval call leaves the draw counter, as PyTorch's eval never reaches it", () => {
    const draws = (body: string) => {
      const src = `${header}export class M extends nn.Module {\n  drop = 0.1;\n  forward(x: Tensor<[Batch, 4]>) {\n    ${body}\n  }\n}\n`;
      const cu = generate("model.ts", { target: "cpu", lowered: lowerSource(src), tune: false }).generated.cu;
      return Number(/\.forward = \{[^}]*\.draws = (\d)/.exec(cu)?.[1]);
    };
    // 1: TSDP_DRAWS_IN_TRAIN_MODE; the in-place form left a dead merge of the temporary that read the draw in eval (2)
    expect(draws("if (this.training && this.drop > 0) return x.add(x.mul(F.rand(x.size(0), 1).ge_(this.drop).div(1 - this.drop).detach()));\n    return x.add(x);")).toBe(1);
    expect(draws("if (this.training) return x.mul(F.rand(x.size(0), 1).ge(this.drop));\n    return x;")).toBe(1);
    // a draw forward uses in eval too still counts there
    expect(draws("return x.mul(F.rand(x.size(0), 1).ge_(this.drop));")).toBe(2);
    // AWD-LSTM's embedded_dropout under a mode-dependent p, whose train-mode copy of forward leaves an
    // unused result (an LSTM's h_n) reading the draw: dead code, not an eval-mode read (was 2)
    expect(draws("const p = this.training ? 0.1 : 0;\n    let y = x;\n    if (p) y = x.mul(x.newEmpty([4]).bernoulli_(1 - p));\n    const unused = y.sum(1);\n    return y.add(1);")).toBe(1);
  });
});
