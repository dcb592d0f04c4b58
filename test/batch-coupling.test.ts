// Forward values that depend on other samples of the batch (compiler/ir/batch-coupling.ts): each
// device's share's under data parallelism, as DDP's; warned TSDP5007 where the reduction is written.
// Read from the IR's shapes, never op names: a batch-free value computed from the samples, read by a
// value with the batch dim or kept in a buffer. BatchNorm's statistics (the op's and F.batchNorm's
// composition) and in-batch pair matrices are documented per-device values, not warned.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { batchCouplings } from "../compiler/ir/batch-coupling.ts";
import { lossKind } from "../compiler/ir/loss-combination.ts";
import { generate } from "../compiler/pipeline.ts";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { header, lowerSource, writeFiles } from "./helpers.ts";

/** A model whose forward is `body` over h = fc(x) of x: [Batch, 4]. */
const model = (body: string, members = "", loss = "new nn.MSELoss()") =>
  `${header}export class M extends nn.Module {\n  fc = new nn.Linear(4, 4);\n  bn = new nn.BatchNorm1d(4);\n  ln = new nn.LayerNorm(4);\n${members}\n  forward(x: Tensor<[Batch, 4]>) {\n    const h = this.fc(x);\n    ${body}\n  }\n}\nexport const training = new Training(M, { loss: ${loss}, optimizer: new optim.SGD({ lr: 0.1 }) });\n`;
const buffers = '  constructor() {\n    super();\n    this.registerBuffer("rm", F.zeros([4]));\n    this.registerBuffer("rv", F.ones([4]));\n    this.registerBuffer("center", F.zeros([1, 4]));\n  }';
/** The line of the body's first statement, in `model`'s text. */
const BODY_LINE = model("", buffers).split("\n").findIndex((l) => l.includes("const h = this.fc(x)")) + 2;

/** Each coupling as "op line: read | kept <buffer>". */
const couplings = (body: string, members = buffers) =>
  batchCouplings(lowerSource(model(body, members)).graph).map((c) => `${c.reduction.op} ${c.reduction.loc.line - BODY_LINE}:${c.readBy ? " read" : ""}${c.kept ? ` kept ${c.kept.buffer.attrs.name}` : ""}`);

describe("forward values that depend on other samples of the batch", () => {
  it("a reduction over the batch read back into the samples' values, or kept in a buffer, whatever op reduces", () => {
    // VICReg's centering, x.std(0) (two reductions on one line: one coupling), a softmax along the batch
    expect(couplings("return h.sub(h.mean(0));")).toEqual(["mean 0: read"]);
    expect(couplings("return h.div(h.std(0));")).toEqual(["mean 0: read"]);
    expect(couplings("return h.softmax(0);")).toEqual(["amax 0: read"]);
    // Nystromformer's landmark scaling: the max of column sums over the whole tensor, batch included
    expect(couplings("const scale = F.max(F.sum(F.abs(h.view(-1, 2, 2)), -2));\n    return h.div(scale);")).toEqual(["amax 0: read"]);
    // Barlow Twins' cross-correlation moved into forward: a matmul contracting the batch
    expect(couplings("const c = h.t().matmul(x).div(h.size(0));\n    return h.matmul(c);")).toEqual(["matmul 0: read"]);
    // DINO's center, updated in forward from the teacher's batch mean: kept in the buffer (replica 0's)
    expect(couplings("F.noGrad(() => this.center.mul_(0.9).add_(h.mean(0, true).mul(0.1)));\n    return h.sub(this.center);")).toEqual(["mean 0: read kept center"]);
    expect(couplings("this.center = this.center.mul(0.9).add(h.mean(0, true).detach().mul(0.1));\n    return h;")).toEqual(["mean 0: kept center"]);
  });

  it("no coupling: per-sample ops, reductions over other dims, the batch size, BatchNorm (the op and F.batchNorm), pair matrices", () => {
    expect(couplings("return h.relu().sub(h.mean(1, true)).add(h.softmax(-1)).add(h.logsumexp(1, true)).div(h.size(0));")).toEqual([]);
    expect(couplings("return this.ln(this.bn(h));")).toEqual([]);
    expect(couplings("return F.batchNorm(h, this.rm, this.rv, { training: this.training }).add(F.batchNorm(h, null, null, { training: true }));")).toEqual([]);
    // an InstanceNorm's running statistics: the batch's average instance statistics, each device's share's as BatchNorm's
    expect(couplings("return this.inorm(h.view(-1, 4, 1, 1).expand(-1, 4, 2, 2)).flatten(1);", `${buffers}\n  inorm = new nn.InstanceNorm2d(4, { trackRunningStats: true });`)).toEqual([]);
    // an in-batch pair matrix reduced along its pairs: each sample against its share (README: In-batch pairs)
    expect(couplings("return h.matmul(x.t()).logsumexp(1, true).mul(h);")).toEqual([]);
    // a parameter-only buffer update (MoCo's momentum encoder, an EMA of weights) reads no sample
    expect(couplings("this.center = this.center.mul(0.9).add(this.fc.bias.detach().mul(0.1).view(1, 4));\n    return h;")).toEqual([]);
  });

  it("the premise, through the reference: a coupled forward of two shares is not the whole batch's; a per-sample one is", () => {
    const x = [0.3, -1, 2, 0.5, 1.5, 0.2, -0.7, 1, -2, 0.4, 0.9, -0.1, 0.6, 1.1, -0.3, 0.8];
    const run = (body: string, rows: number[]) => {
      const { graph } = lowerSource(model(body, buffers));
      const input = rows.flatMap((r) => x.slice(4 * r, 4 * r + 4));
      return Array.from(runReference(graph, { x: nd([rows.length, 4], input) }, initState(graph, 0)).outputs[0].data);
    };
    const split = (body: string) => [...run(body, [0, 1]), ...run(body, [2, 3])];
    const differs = (a: number[], b: number[]) => a.some((v, i) => Math.abs(v - b[i]) > 1e-6);
    expect(differs(run("return h.sub(h.mean(0));", [0, 1, 2, 3]), split("return h.sub(h.mean(0));"))).toBe(true);
    const perSample = "return h.sub(h.mean(1, true)).softmax(1);";
    expect(differs(run(perSample, [0, 1, 2, 3]), split(perSample))).toBe(false);
  });

  it("warns TSDP5007 at the reduction's line, saying what DDP computes and what one device does; compile and inspect share generate's warnings", () => {
    const warnings = (body: string, members = buffers, loss?: string) => {
      const dir = writeFiles({ "model.ts": model(body, members, loss) });
      return generate(join(dir, "model.ts"), { target: "cpu" }).warnings.filter((w) => w.code === "TSDP5007");
    };
    const [w, ...more] = warnings("const scale = F.max(F.sum(F.abs(h), 1));\n    return h.div(scale);");
    expect(more).toEqual([]);
    expect(`${w.severity} ${w.loc?.line}:${w.loc?.col}`).toBe(`warning ${BODY_LINE}:19`);
    expect(w.message).toBe(
      `forward reduces over the batch here (amax of [Batch]) and uses the result in every sample's values (at model.ts:${BODY_LINE + 1}): on several devices each replica computes it from its own share of the batch, as DistributedDataParallel does without an all_reduce or all_gather; on one device it is the whole batch's, as PyTorch's on one GPU`,
    );
    expect(w.help).toContain("no all_reduce or all_gather");
    const [kept] = warnings("F.noGrad(() => this.center.mul_(0.9).add_(h.mean(0, true).mul(0.1)));\n    return h;");
    expect(kept.message).toContain("keeps it in buffer `center`, where replica 0's value is kept");
    // a gradient in forward (MAML's inner step: a parameter's gradient sums over the samples) is named at the F.autograd.grad call,
    // not at the layer whose ops its nodes differentiate (before: the warning pointed at this.fc(x))
    const [maml] = warnings("const [gw] = F.autograd.grad(F.mseLoss(h, x), [this.fc.weight], { createGraph: true });\n    return F.linear(x, this.fc.weight.sub(gw.mul(0.1)), this.fc.bias);");
    expect(`${maml.loc?.line}:${maml.loc?.col}`).toBe(`${BODY_LINE}:18`);
    expect(maml.message).toMatch(/^forward takes a gradient here that sums over the batch's samples \(of \[4, 4\], as a parameter's: MAML's inner step\) and uses the result in every sample's values \(at model\.ts:\d+\)/);
    // a coupling in the training declaration's loss function is TSDP5006's alone
    expect(warnings("return h;", buffers, "(o: Tensor, t: Tensor<[Batch, 4]>) => F.mseLoss(o.sub(o.mean(0)), t)")).toEqual([]);
    expect(warnings("return this.bn(h).add(F.batchNorm(h, this.rm, this.rv, { training: this.training }));")).toEqual([]);
  });

  it("MoCo's queue written with the pointer as a tensor (README): on one device PyTorch's slice assignment queue[:, ptr:ptr + b] = keys.T, wrapping at K", () => {
    const K = 5;
    const src = `${header}export class Q extends nn.Module {\n  K = ${K};\n  constructor() {\n    super();\n    this.registerBuffer("queue", F.zeros([2, ${K}]));\n    this.registerBuffer("queue_ptr", F.zeros([1], { dtype: "int64" }));\n  }\n  @F.noGrad()\n  enqueue(keys: Tensor) {\n    const slots = F.arange(keys.size(0)).add(this.queue_ptr).remainder(this.K);\n    const onehot = F.oneHot(slots, this.K).float();\n    this.queue = this.queue.mul(onehot.sum(0).neg().add(1)).add(keys.T.matmul(onehot));\n    this.queue_ptr = this.queue_ptr.add(keys.size(0)).remainder(this.K);\n  }\n  forward(x: Tensor<[Batch, 2]>) {\n    this.enqueue(x);\n    return x.mul(2);\n  }\n}\n`;
    const { graph } = lowerSource(src);
    expect(batchCouplings(graph).map((c) => c.kept?.buffer.attrs.name)).toEqual(["queue"]);
    const state = initState(graph, 0);
    const want = new Array(2 * K).fill(0);
    let ptr = 0;
    let next = 1;
    for (const b of [2, 3, 2]) {
      const keys = Array.from({ length: 2 * b }, () => next++);
      runReference(graph, { x: nd([b, 2], keys) }, state);
      for (let i = 0; i < b; i++) for (let d = 0; d < 2; d++) want[d * K + ((ptr + i) % K)] = keys[2 * i + d];
      ptr = (ptr + b) % K;
      expect(Array.from(state.buffers.get("queue")!.data)).toEqual(want);
      expect(Array.from(state.buffers.get("queue_ptr")!.data)).toEqual([ptr]);
    }
  });

  it("F.batchNorm's statistics are per device by design in the loss's combination too, as nn.BatchNorm's: a sum stays a sum", () => {
    const kind = (body: string) => {
      const { graph } = lowerSource(model(body, buffers, '(o: Tensor, t: Tensor<[Batch, 4]>) => o.sub(t).pow(2).sum()'));
      return lossKind(graph.loss!.value, graph.perReplicaStatistics);
    };
    expect(kind("return this.bn(h);")).toBe("sum");
    // before: of no kind (the composition's batch mean read as a coupling), so weighted as a mean
    expect(kind("return F.batchNorm(h, this.rm, this.rv, { training: this.training });")).toBe("sum");
  });
});
