// Training on the CPU target: compiled gradients against the reference, data-parallel
// equivalence with checkpoints, optimizer trajectories, a learnable task, and bad input.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { differentiate } from "../compiler/2-autodiff/backward.ts";
import type { Graph } from "../compiler/ir/node.ts";
import { formatShape } from "../compiler/ir/shape.ts";
import { initState, type ModelState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { newOptimizerState, optimizerStep, type StepOverrides } from "../compiler/reference/optim.ts";
import { normals, uniforms } from "../compiler/reference/rng.ts";
import { compile } from "../compiler/pipeline.ts";
import { load, tensor } from "../runtime/index.ts";
import { readSafetensorsFile, writeSafetensorsFile } from "../runtime/safetensors.ts";
import { header, writeFiles, yieldToRunner, scratchDir } from "./helpers.ts";
import { makeInputs, referenceSteps, TEST_TARGET } from "./target-helpers.ts";

const tmp = () => scratchDir("tsdp-train-");

// The CPU target by default; TSDP_TEST_TARGET=cuda runs these tests on a GPU (bench/gpu-check.sh).
// Replicas need distinct devices, so with one GPU the multi-device comparisons are skipped there.
const target = TEST_TARGET;
const outDir = (...parts: string[]) => join(...parts) + (target === "cuda" ? "-cuda" : "");
const multiDevice = target === "cpu";

async function build(file: string, name: string) {
  return compile(file, { target, outDir: outDir("build", "test-train", name) });
}

/** A batch: normal inputs and labels below `classes`. */
function batchOf(graph: Graph, size: number, seed: number, classes = 10) {
  const input = graph.inputs[0];
  const shape = [size, ...input.shape.slice(1)] as number[];
  const n = shape.reduce((a, b) => a * b, 1);
  const x = Float32Array.from(normals(n, seed, 1));
  const y = Int32Array.from(uniforms(size, seed, 2), (u) => Math.floor(u * classes));
  return { x: tensor(x, shape), y: tensor(y, [size]), ref: { [input.attrs.name as string]: nd(shape, x), target: nd([size], y) } };
}

function expectNear(got: ArrayLike<number>, want: ArrayLike<number>, what: string, rtol: number, atolScale: number) {
  let scale = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  const atol = atolScale * Math.max(scale, 1e-30);
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= atol + rtol * Math.abs(want[i])))
      expect.fail(`${what}[${i}]: ${got[i]}, expected ${want[i]} (rtol ${rtol}, atol ${atol.toExponential(2)})`);
  }
}

describe("compiled gradients equal the reference's (fp32: rtol 1e-3, atol 1e-4·max|g|)", () => {
  for (const example of ["lenet", "mnist", "cifar10", "mlp", "composed"])
    it(example, async () => {
      const { model, build: b, generated } = await build(`examples/${example}/model.ts`, `grad-${example}`);
      expect(generated.manifest.trainingUnavailable).toBeUndefined();
      const graph = model.graph;
      const m = await load(b.outDir);
      const { x, y, ref } = batchOf(graph, 5, 11);
      // lr 0: the step computes and keeps the gradients but moves nothing
      m.trainStepSync(x, y, { lr: 0 });
      const { graph: step, gradients } = differentiate(graph);
      const want = runReference(step, ref, initState(graph, 0), { training: true, seed: 0, step: 0 });
      await yieldToRunner();
      for (const [name, node] of gradients) {
        const got = m.getParameter(`${name}.grad`).data as Float32Array;
        expectNear(got, want.values.get(node)!.data, `${example} ∂L/∂${name}`, 1e-3, 1e-4);
      }
      m.dispose();
    }, 600_000);
});

describe("compiled gradients of every op (fp32: rtol 1e-3, atol 1e-4 of the largest gradient)", () => {
  it("test/fixtures/all-ops-train: every op of the model language under one loss", async () => {
    const { model, build: b, generated } = await build("test/fixtures/all-ops-train/model.ts", "grad-all-ops");
    expect(generated.manifest.trainingUnavailable).toBeUndefined();
    const graph = model.graph;
    const m = await load(b.outDir);
    const { tensors, reference } = makeInputs(graph, 6, 21);
    const target = Float32Array.from(normals(6, 21, 9));
    m.trainStepSync(tensors, tensor(target, [6, 1]), { lr: 0 });
    const { graph: step, gradients } = differentiate(graph);
    const want = runReference(step, { ...reference, target: nd([6, 1], target) }, initState(graph, 0), { training: true });
    // atol against the largest gradient of the model: a gradient that is zero in exact
    // arithmetic (a conv bias followed by BatchNorm) is fp32 cancellation noise of that size
    const scale = Math.max(...[...gradients.values()].map((g) => want.values.get(g)!.data.reduce((s, v) => Math.max(s, Math.abs(v)), 0)));
    for (const [name, node] of gradients) {
      const got = m.getParameter(`${name}.grad`).data as Float32Array;
      want.values.get(node)!.data.forEach((w, i) => {
        if (!(Math.abs(got[i] - w) <= 1e-4 * scale + 1e-3 * Math.abs(w))) expect.fail(`∂L/∂${name}[${i}]: ${got[i]}, expected ${w} (rtol 1e-3, atol ${(1e-4 * scale).toExponential(2)})`);
      });
    }
    m.dispose();
  }, 600_000);
});

function snapshot(m: Awaited<ReturnType<typeof load>>): Map<string, Float32Array> {
  return new Map(m.parameters().map((p) => [p.name, Float32Array.from(m.getParameter(p.name).data as Float32Array)]));
}

/** The batch of step `s` reshuffled by a fixed permutation (the same for every device count), with its float64 copy. */
function reshuffled(batch: ReturnType<typeof batchOf>, s: number) {
  const size = batch.y.shape[0];
  const u = uniforms(size, s, 9);
  const order = [...Array(size).keys()].sort((p, q) => u[p] - u[q]);
  const per = batch.x.data.length / size;
  const xs = new Float32Array(batch.x.data.length);
  const ys = new Int32Array(size);
  order.forEach((from, to) => {
    xs.set((batch.x.data as Float32Array).subarray(from * per, (from + 1) * per), to * per);
    ys[to] = (batch.y.data as Int32Array)[from];
  });
  const name = Object.keys(batch.ref).find((k) => k !== "target")!;
  return { x: tensor(xs, batch.x.shape), y: tensor(ys, [size]), ref: { [name]: nd(batch.x.shape, xs), target: nd([size], ys) } };
}

describe("data parallelism: N replicas train like one device on the whole batch", () => {
  // As PyTorch's DDP test: the same batches, reshuffled each step, on 1, 2 and 3 devices, with a
  // checkpoint saved after step 2 and the run continued from it in a fresh model. Batch 7 does
  // not divide by 2 or 3. Dropout masks are drawn per sample of the whole batch, so they agree.
  // LeNet is built with 50 kB gradient buckets, so its step all-reduces three buckets during the
  // backward. The first step of a batch size runs eagerly (the warm-up before capture), the second
  // is captured, later ones replay the graph. Two last steps of batch 2 leave the third device
  // without a chunk, eagerly and then in a graph.
  for (const [example, file, bucketCapMb] of [
    ["lenet", "examples/lenet/model.ts", 0.05],
    ["mnist (SGD)", "test/fixtures/mnist-sgd/model.ts", undefined],
  ] as const)
    it(example, async () => {
      const { model, build: b, generated } = await compile(file, { target, outDir: outDir("build", "test-train", `dp-${example.split(" ")[0]}`), bucketCapMb });
      const graph = model.graph;
      const bucketCount = generated.manifest.training!.buckets.length;
      if (bucketCapMb) expect(bucketCount).toBe(3);
      const batches = [0, 1, 2, 3, 4].map((s) => batchOf(graph, 7, 100 + s));
      const run = async (devices: number) => {
        let m = await load(b.outDir, { devices });
        const ckpt = join(tmp(), "step2.safetensors");
        for (let s = 0; s < 5; s++) {
          await yieldToRunner();
          const { x, y } = reshuffled(batches[s], s);
          m.trainStepSync(x, y); // SGD with momentum, as declared
          if (s === 1) {
            // one device reduces nothing, unless NCCL is forced (TSDP_ALLREDUCE=nccl: one rank, on the GPU)
            const reduced = devices > 1 || process.env.TSDP_ALLREDUCE === "nccl";
            // step 1 warmed up eagerly (outside any capture), step 2 was captured and launched
            expect(m.stats()).toMatchObject({ graphCaptures: 1, graphReplays: 1, eagerSteps: 1, bucketAllReduces: reduced ? 2 * bucketCount : 0 });
            await m.saveCheckpoint(ckpt);
            m.dispose();
            m = await load(b.outDir, { devices, checkpoint: ckpt });
            expect(m.steps).toBe(2);
          }
        }
        // a batch of 2 leaves the third device without a chunk: it adds zero gradients and takes the same update
        const last = reshuffled(batches[4], 5);
        const per = last.x.data.length / 7;
        for (let k = 0; k < 2; k++)
          m.trainStepSync(tensor((last.x.data as Float32Array).slice(0, 2 * per), [2, ...last.x.shape.slice(1)]), tensor((last.y.data as Int32Array).slice(0, 2), [2]));
        // the reloaded model: batch 7 warmed up, captured, replayed once; batch 2 warmed up, captured
        expect(m.stats()).toMatchObject({ graphCaptures: 2, graphReplays: 3, eagerSteps: 2 });
        const params = snapshot(m);
        m.dispose();
        return params;
      };
      const one = await run(1);
      for (const devices of multiDevice ? [2, 3] : []) {
        const many = await run(devices);
        // rtol 1e-5 (atol 1e-6·max|p| for parameters near zero): fp32 sums in another order
        for (const [name, p] of one) expectNear(many.get(name)!, p, `${example} on ${devices} devices: ${name}`, 1e-5, 1e-6);
      }
    }, 600_000);

  it("the replayed CUDA graph, the step issued call by call, and trainStepAsync give the same bits", async () => {
    const { model, build: b } = await compile("examples/lenet/model.ts", { target, outDir: outDir("build", "test-train", "dp-lenet"), bucketCapMb: 0.05 });
    const batches = [0, 1, 2].map((s) => batchOf(model.graph, 5, 400 + s));
    const run = async (options: { cudaGraphs: boolean; async: boolean }) => {
      const m = await load(b.outDir, { devices: multiDevice ? 2 : 1, cudaGraphs: options.cudaGraphs });
      const losses: number[] = [];
      for (const { x, y } of batches) {
        await yieldToRunner();
        losses.push(options.async ? await m.trainStepAsync(x, y, { lr: 0.05 }) : m.trainStepSync(x, y, { lr: 0.05 }));
      }
      const stats = m.stats();
      const params = snapshot(m);
      m.dispose();
      return { losses, stats, params };
    };
    const graphs = await run({ cudaGraphs: true, async: false });
    const eager = await run({ cudaGraphs: false, async: false });
    const background = await run({ cudaGraphs: true, async: true });
    expect(graphs.stats).toMatchObject({ graphCaptures: 1, graphReplays: 2, eagerSteps: 1 }); // warm-up, capture, replay
    expect(eager.stats).toMatchObject({ graphCaptures: 0, graphReplays: 0, eagerSteps: 3 });
    if (multiDevice) expect(eager.stats.bucketAllReduces).toBe(9);
    for (const other of [eager, background]) {
      expect(other.losses).toEqual(graphs.losses);
      for (const [name, p] of graphs.params) expect(Array.from(other.params.get(name)!), name).toEqual(Array.from(p));
    }
  }, 300_000);

  it("a trainStepAsync in flight: other calls on the model throw, and it resolves with the loss", async () => {
    const { model, build: b } = await build("examples/lenet/model.ts", "bad-input");
    const m = await load(b.outDir);
    const { x, y } = batchOf(model.graph, 4, 6);
    const pending = m.trainStepAsync(x, y);
    expect(() => m.forwardSync(x)).toThrow(/a trainStepAsync is still running on this model; await it first/);
    expect(() => m.trainStepSync(x, y)).toThrow(/still running/);
    expect(Number.isFinite(await pending)).toBe(true);
    expect(m.steps).toBe(1);
    m.dispose();
  }, 120_000);
});

describe("data parallelism with BatchNorm: DataParallel's semantics", () => {
  // BatchNorm normalizes each replica's chunk with that chunk's statistics, and the running
  // statistics of replica 0 are the ones kept (DataParallel broadcasts device 0's buffers), so
  // N devices do not equal one device on the whole batch. They equal this simulation on one
  // device: each chunk run alone from the current weights (lr 0, so nothing moves) for its
  // gradient, the gradients weighted by n_i/B and summed in float64, PyTorch's SGD rule applied
  // in float64 (compiler/reference/optim.ts), and the buffers of chunk 0 kept. Both sides are the
  // same fp32 kernels on the same chunks, so rtol 1e-5 (atol 1e-6·max|p|) as above; the kernels
  // themselves are checked against the float64 reference in "compiled gradients" above. (A
  // float64 simulation is not used here: where a ReLU's input lies within fp32 rounding of zero,
  // fp32 and float64 take different sides of the kink, which one sample of these batches does.)
  // As in the test above: 5 steps, the batch reshuffled each step, a checkpoint saved after step
  // 2 and the run continued from it in a fresh model.
  it("ResNet-8 on 2 and 3 devices, batch 7, five steps, reshuffled, checkpoint at step 2", async () => {
    const { model, build: b } = await build("test/fixtures/resnet8/model.ts", "dp-resnet8");
    const graph = model.graph;
    const batches = [0, 1, 2, 3, 4].map((s) => batchOf(graph, 7, 300 + s));
    const sim = await load(b.outDir, { devices: 1 });
    const params = sim.parameters().map((p) => p.name);
    const buffers = sim.buffers().map((p) => p.name);
    for (const devices of multiDevice ? [2, 3] : [1]) {
      let m = await load(b.outDir, { devices });
      const state: ModelState = { params: new Map(), buffers: new Map() };
      for (const name of params) {
        const t = m.getParameter(name);
        state.params.set(name, { shape: [...t.shape], data: Float64Array.from(t.data as Float32Array) });
      }
      let bufferValues = new Map(buffers.map((name) => [name, m.getParameter(name)]));
      const opt = newOptimizerState();
      const ckpt = join(tmp(), "step2.safetensors");
      for (const [s, batch] of batches.entries()) {
        await yieldToRunner();
        const { x, y } = reshuffled(batch, s);
        m.trainStepSync(x, y);
        if (s === 1) {
          await m.saveCheckpoint(ckpt);
          m.dispose();
          m = await load(b.outDir, { devices, checkpoint: ckpt });
        }
        const size = Math.ceil(7 / devices);
        const per = x.data.length / 7;
        const total = new Map<string, Float64Array>();
        let kept = bufferValues;
        for (let start = 0, i = 0; start < 7; start += size, i++) {
          const len = Math.min(size, 7 - start);
          for (const [name, p] of state.params) sim.setParameter(name, { shape: p.shape, data: Float32Array.from(p.data) });
          for (const [name, v] of bufferValues) sim.setParameter(name, v);
          const xs = tensor((x.data as Float32Array).slice(start * per, (start + len) * per), [len, ...x.shape.slice(1)]);
          sim.trainStepSync(xs, tensor((y.data as Int32Array).slice(start, start + len), [len]), { lr: 0 });
          for (const name of params) {
            const g = sim.getParameter(`${name}.grad`).data as Float32Array;
            const acc = total.get(name) ?? new Float64Array(g.length);
            g.forEach((q, k) => (acc[k] += (q * len) / 7));
            total.set(name, acc);
          }
          // replica 0 keeps its running statistics; the others' updates are dropped
          if (i === 0) kept = new Map(buffers.map((name) => [name, sim.getParameter(name)]));
        }
        bufferValues = kept;
        optimizerStep(graph.optimizer!, opt, state.params, new Map([...total].map(([n, d]) => [n, { shape: state.params.get(n)!.shape, data: d }])));
      }
      expect(m.steps).toBe(5);
      for (const [name, p] of state.params) expectNear(m.getParameter(name).data as Float32Array, p.data, `${devices} devices: ${name}`, 1e-5, 1e-6);
      for (const [name, v] of bufferValues)
        expectNear(Array.from(m.getParameter(name).data as ArrayLike<number | bigint>, Number), Array.from(v.data as ArrayLike<number | bigint>, Number), `${devices} devices: buffer ${name}`, 1e-5, 1e-6);
      m.dispose();
    }
    sim.dispose();
  }, 900_000);

  it("a train-mode forward keeps replica 0's running statistics on every replica, as a step does (DataParallel's device 0)", async () => {
    if (!multiDevice) return; // one device on the GPU machine: nothing to keep in step
    const { model, build: b } = await build("test/fixtures/resnet8/model.ts", "dp-resnet8");
    const graph = model.graph;
    const { x } = batchOf(graph, 8, 350);
    const four = await load(b.outDir, { devices: 4 });
    const one = await load(b.outDir, { devices: 1 });
    try {
      // the forward moves each replica's statistics by its own chunk; then an eval forward's rows
      // on every replica must use replica 0's, the ones stateDict reports
      four.forwardSync(x);
      one.loadStateDict(four.stateDict());
      four.eval();
      one.eval();
      const got = (four.forwardSync(x) as { data: Float32Array }).data;
      const want = (one.forwardSync(x) as { data: Float32Array }).data;
      // the same kernels on the same rows and state: equal to the bit (rows 3–8 sat on replicas 1–3)
      expect(Array.from(got)).toEqual(Array.from(want));
    } finally {
      four.dispose();
      one.dispose();
    }
  }, 600_000);
});

/** A small classifier with the given optimizer, for trajectories. */
function mlpWith(optimizer: string): string {
  const dir = writeFiles({
    "model.ts": `${header}
export class Net extends nn.Module {
  fc1 = new nn.Linear(6, 8);
  fc2 = new nn.Linear(8, 3);
  forward(x: Tensor<[Batch, 6]>) { return this.fc2(F.tanh(this.fc1(x))); }
}
export const training = new Training(Net, { loss: new nn.CrossEntropyLoss(), optimizer: ${optimizer} });
`,
  });
  return join(dir, "model.ts");
}

/**
 * Libraries of the same model with one optimizer declaration, compiled once per declaration and
 * shared by the tests below: hyperparameters are per-step arguments of the library, so one SGD
 * library runs every SGD variant (the declared one, and others given per step); only the kind
 * (SGD, Adam, AdamW, RMSprop, Adagrad, Adamax, NAdam, RAdam, Adadelta) is compiled in.
 */
const compiledMlps = new Map<string, ReturnType<typeof compile>>();
function mlpLibrary(optimizer: string): ReturnType<typeof compile> {
  let c = compiledMlps.get(optimizer);
  if (!c) compiledMlps.set(optimizer, (c = compile(mlpWith(optimizer), { target, outDir: join(tmp(), "out") })));
  return c;
}
type SgdOverrides = { momentum?: number; dampening?: number; nesterov?: boolean; weightDecay?: number; alpha?: number; rho?: number; momentumDecay?: number; clipGradNorm?: number; groupLrs?: readonly number[] };
/** A step's options as the reference's spec holds them: NAdam's ψ is its momentum, Adadelta's rho its alpha. */
const asSpec = ({ momentumDecay, rho, ...o }: SgdOverrides & { lr?: number }): StepOverrides => ({ ...o, ...(momentumDecay !== undefined ? { momentum: momentumDecay } : {}), ...(rho !== undefined ? { alpha: rho } : {}) });
const SGD_NESTEROV = "new optim.SGD({ lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 })";
/** Fine-tuning's differential lr: the head (fc2) a group of 10× the optimizer's lr, with betas and eps of its own. */
const ADAM_HEAD_GROUP = "new optim.Adam([{ params: (name: string) => name.startsWith(\"fc2\"), lr: 0.05, betas: [0.5, 0.9], eps: 1e-3 }, { params: (name: string) => !name.startsWith(\"fc2\") }], { lr: 0.005 })";
/** SGD's groups: the biases with a momentum and dampening of their own, the matrices a weight decay. */
const SGD_GROUPS = "new optim.SGD([{ params: (name: string) => name.endsWith(\"bias\"), momentum: 0.5, dampening: 0.3 }, { params: (name: string) => !name.endsWith(\"bias\"), weightDecay: 0.3, nesterov: true }], { lr: 0.1, momentum: 0.9 })";

describe("optimizer trajectories over 10 steps equal the float64 reference of PyTorch's rules", () => {
  // the declaration, and the hyperparameters given to every step on top of it
  const cases: Record<string, [string, SgdOverrides]> = {
    "SGD, momentum, nesterov, weight decay (as declared)": [SGD_NESTEROV, {}],
    "SGD, momentum, dampening (given per step to the same library)": [SGD_NESTEROV, { momentum: 0.8, dampening: 0.3, nesterov: false, weightDecay: 0 }],
    Adam: ["new optim.Adam({ lr: 0.01, weightDecay: 0.01 })", {}],
    AdamW: ["new optim.AdamW({ lr: 0.01, betas: [0.8, 0.99] })", {}],
    "Adagrad, weight decay": ["new optim.Adagrad({ lr: 0.05, weightDecay: 0.01 })", {}],
    "Adamax, weight decay": ["new optim.Adamax({ lr: 0.01, betas: [0.8, 0.99], weightDecay: 0.01 })", {}],
    "NAdam, weight decay": ["new optim.NAdam({ lr: 0.01, betas: [0.8, 0.99], weightDecay: 0.01 })", {}],
    // momentum_decay ψ given per step (the runtime's momentumDecay, held as momentum)
    "NAdam (momentum_decay given per step)": ["new optim.NAdam({ lr: 0.01, betas: [0.8, 0.99], weightDecay: 0.01 })", { momentumDecay: 0.05 }],
    // β₂ = 0.8: ρ_∞ = 9, and ρ_t passes 5 at step 7, so steps 1–6 are plain momentum and 7–10 rectified
    "RAdam, weight decay (rectified from step 7)": ["new optim.RAdam({ lr: 0.01, betas: [0.8, 0.8], weightDecay: 0.01 })", {}],
    // PyTorch's MNIST example: Adadelta at lr 1.0
    "Adadelta, weight decay": ["new optim.Adadelta({ lr: 1.0, rho: 0.8, weightDecay: 0.01 })", {}],
    // its rho given per step, as its declaration names it
    "Adadelta (rho given per step)": ["new optim.Adadelta({ lr: 1.0, rho: 0.8, weightDecay: 0.01 })", { rho: 0.95 }],
    "RMSprop, momentum, weight decay": ["new optim.RMSprop({ lr: 0.01, alpha: 0.9, momentum: 0.5, weightDecay: 0.01 })", {}],
    // alpha given per step: the library reads it each step as the others
    "RMSprop (alpha given per step)": ["new optim.RMSprop({ lr: 0.01, alpha: 0.9, momentum: 0.5, weightDecay: 0.01 })", { momentum: 0, alpha: 0.95 } as SgdOverrides],
    // clip_grad_norm_ before each step: this MLP's gradient norm is above 0.05 at every step, so
    // each step clips (a library that ignored it, or clipped each tensor alone, drifts off)
    "SGD with clipGradNorm declared in the Training": ["new optim.SGD({ lr: 0.5, momentum: 0.9 }), clipGradNorm: 0.05", {}],
    "Adam with clipGradNorm given per step": ["new optim.Adam({ lr: 0.01, weightDecay: 0.01 })", { clipGradNorm: 0.05 }],
    // clip_grad_norm_'s norm_type inf (the largest |g| over every gradient) and clip_grad_value_ (each clamped)
    "SGD with clipGradNorm's normType Infinity": ["new optim.SGD({ lr: 0.5, momentum: 0.9 }), clipGradNorm: { maxNorm: 0.005, normType: Infinity }", {}],
    "SGD with clipGradValue": ["new optim.SGD({ lr: 0.5, momentum: 0.9 }), clipGradValue: 0.005", {}],
    // nanoGPT's configure_optimizers: matrices decay, biases do not; a group without its own weight
    // decay takes the step's (given per step here, 0.05)
    "AdamW with param groups (decay for matrices, none for biases)": [
      "new optim.AdamW([{ params: (name: string, p: Tensor) => p.dim() >= 2, weightDecay: 0.5 }, { params: (name: string, p: Tensor) => p.dim() < 2, weightDecay: 0 }], { lr: 0.05 })",
      {},
    ],
    // fine-tuning's differential lr: the head's group at 10× the rest; the test's per-step lr (a
    // decaying schedule) scales both, as a PyTorch schedule scales every group's
    "Adam with a param group of its own lr, under the schedule": [ADAM_HEAD_GROUP, {}],
    // the variant switches: amsgrad's max_exp_avg_sq (β₂ = 0.9, so v falls below its maximum on
    // some steps), centered RMSprop's grad_avg, RAdam's decoupled weight decay under maximize,
    // Adagrad's lr decay from a nonzero accumulator
    "Adam, amsgrad": ["new optim.Adam({ lr: 0.01, betas: [0.8, 0.9], weightDecay: 0.01, amsgrad: true })", {}],
    "RMSprop, centered, momentum": ["new optim.RMSprop({ lr: 0.01, alpha: 0.9, momentum: 0.5, weightDecay: 0.01, centered: true })", {}],
    "RAdam, decoupled weight decay, maximize": ["new optim.RAdam({ lr: 0.01, betas: [0.8, 0.8], weightDecay: 0.2, decoupledWeightDecay: true, maximize: true })", {}],
    "Adagrad, lrDecay, initialAccumulatorValue": ["new optim.Adagrad({ lr: 0.05, lrDecay: 0.3, initialAccumulatorValue: 0.5, weightDecay: 0.01 })", {}],
    // each group's own lr given per step (what a scheduler with a floor gives: etaMin applies per
    // group, not as one factor): the step's lr, which changes every step, then moves neither group
    "Adam with param groups, each group's lr given per step": [ADAM_HEAD_GROUP, { groupLrs: [0.002, 0.03] }],
    // a group's own momentum, dampening and nesterov (PyTorch's param_groups keys; the head's betas and eps above)
    "SGD with param groups of their own momentum, dampening, nesterov, one taking the step's weight decay": [SGD_GROUPS, { weightDecay: 0.05 }],
    // a step's momentum (a OneCycleLR's cycle) is every group's, the one with its own too; its dampening stays
    "SGD with param groups, a step's momentum set for every group": [SGD_GROUPS, { momentum: 0.6 }],
  };
  for (const [label, [optimizer, given]] of Object.entries(cases))
    it(label, async () => {
      const { model, build: b } = await mlpLibrary(optimizer);
      const graph = model.graph;
      const m = await load(b.outDir);
      const { graph: step, gradients } = differentiate(graph);
      const state: ModelState = initState(graph, 0);
      const opt = newOptimizerState();
      for (let s = 0; s < 10; s++) {
        await yieldToRunner();
        const { x, y, ref } = batchOf(graph, 8, 200 + s, 3);
        // the learning rate changes per step, from Node, without recompiling
        const lr = (graph.optimizer!.lr * (10 - s)) / 10;
        m.trainStepSync(x, y, { ...given, lr });
        const values = runReference(step, ref, state, { training: true, step: s }).values;
        optimizerStep(graph.optimizer!, opt, state.params, new Map([...gradients].map(([n, g]) => [n, values.get(g)!])), asSpec({ ...given, lr }));
      }
      for (const [name, p] of state.params) expectNear(m.getParameter(name).data as Float32Array, p.data, `${label}: ${name}`, 1e-4, 1e-5);
      // a third state is readable by PyTorch's name, as a checkpoint saves it
      for (const third of ["max_exp_avg_sq", "grad_avg"] as const)
        for (const [name, s] of opt.perParam)
          if (s[third]) expectNear(m.getParameter(`${name}.${third}`).data as Float32Array, s[third]!, `${label}: ${name}.${third}`, 1e-4, 1e-6);
      m.dispose();
    }, 300_000);
});

describe("a step's hyperparameters are checked as the declaration's are", () => {
  it("Adadelta's rho past 1, given per step, is refused (it would turn every parameter NaN), the model unchanged", async () => {
    const { model, build: b } = await mlpLibrary("new optim.Adadelta({ lr: 1.0, rho: 0.8, weightDecay: 0.01 })");
    const m = await load(b.outDir);
    const { x, y } = batchOf(model.graph, 8, 200, 3);
    const before = snapshot(m);
    expect(() => m.trainStepSync(x, y, { rho: 1.5 })).toThrow(/rho must be a number in \[0, 1\] \(Adadelta's rho, a decay\), got 1.5/);
    expect(() => m.trainStepSync(x, y, { alpha: 1.5 })).toThrow(/alpha must be a number in \[0, 1\]/);
    for (const [name, p] of before) expect(Array.from(m.getParameter(name).data as Float32Array)).toEqual(Array.from(p));
    m.trainStepSync(x, y, { rho: 1 });
    expect(m.steps).toBe(1);
    m.dispose();
  }, 300_000);
});

describe("optimizer state that a step count alone does not give, kept as PyTorch keeps it", () => {
  /** Ten steps with per-step hyperparameters `given(s)`; a checkpoint after `saveAt` steps is resumed in a fresh load. */
  async function resumedRun(optimizer: string, given: (s: number) => SgdOverrides, saveAt: number) {
    const { model, build: b } = await mlpLibrary(optimizer);
    const graph = model.graph;
    const { graph: step, gradients } = differentiate(graph);
    const state: ModelState = initState(graph, 0);
    const opt = newOptimizerState();
    const file = join(tmp(), "resume.safetensors");
    let m = await load(b.outDir);
    const saved: Awaited<ReturnType<typeof readSafetensorsFile>>[] = [];
    for (let s = 0; s < 10; s++) {
      await yieldToRunner();
      if (s === saveAt) {
        await m.saveCheckpoint(file);
        saved.push(await readSafetensorsFile(file));
        m.dispose();
        m = await load(b.outDir, { checkpoint: file });
      }
      const { x, y, ref } = batchOf(graph, 8, 400 + s, 3);
      m.trainStepSync(x, y, { lr: graph.optimizer!.lr, ...given(s) });
      const values = runReference(step, ref, state, { training: true, step: s }).values;
      optimizerStep(graph.optimizer!, opt, state.params, new Map([...gradients].map(([n, g]) => [n, values.get(g)!])), asSpec(given(s)));
    }
    await m.saveCheckpoint(file);
    saved.push(await readSafetensorsFile(file));
    return { m, state, opt, saved };
  }

  it("SGD: momentum switched on at step 4 (dampening 0.3) starts its buffer as that step's gradient, across a checkpoint", async () => {
    // PyTorch's momentum_buffer is None until the first step with momentum, which clones the
    // gradient (no dampening); a buffer taken as μ·0 + (1 − τ)·g errs by τ·g from then on (0.1 relative here)
    const given = (s: number): SgdOverrides => (s < 3 ? { momentum: 0, nesterov: false, weightDecay: 0 } : { momentum: 0.9, dampening: 0.3, nesterov: false, weightDecay: 0 });
    const { m, state, saved } = await resumedRun(SGD_NESTEROV, given, 2);
    for (const [name, p] of state.params) expectNear(m.getParameter(name).data as Float32Array, p.data, `SGD, late momentum: ${name}`, 1e-4, 1e-5);
    // no buffer before it exists (PyTorch's state_dict has none); every parameter's after
    expect([...saved[0].tensors.keys()].filter((k) => k.endsWith("momentum_buffer"))).toEqual([]);
    expect([...saved[1].tensors.keys()].filter((k) => k.endsWith("momentum_buffer")).length).toBe(state.params.size);
    m.dispose();
  }, 300_000);

  it("NAdam: mu_product, the product of every step's own μ_t, is saved and resumed (ψ changing every step)", async () => {
    // ψ differs each step, so Πμ cannot be recomputed from the step count and the current ψ
    const given = (s: number): SgdOverrides => ({ momentumDecay: 0.5 / (1 + 5 * s) });
    const { m, state, opt, saved } = await resumedRun("new optim.NAdam({ lr: 0.01, betas: [0.8, 0.99], weightDecay: 0.01 })", given, 5);
    for (const [name, p] of state.params) expectNear(m.getParameter(name).data as Float32Array, p.data, `NAdam, resumed: ${name}`, 1e-4, 1e-5);
    // the file's Πμ is the reference's to double precision (the harness multiplies in double)
    const mu = saved[1].tensors.get("optimizer.mu_product");
    expect(mu?.dtype).toBe("F64");
    expect((mu!.data as Float64Array)[0] / opt.muProduct! - 1).toBeCloseTo(0, 12);
    m.dispose();
  }, 300_000);

  it("NAdam: a checkpoint without mu_product at a huge step count resumes without replaying every step (rev59: 2^53 − 1 never returned)", async () => {
    const { model, build: b } = await mlpLibrary("new optim.NAdam({ lr: 0.01 })");
    const m = await load(b.outDir);
    try {
      const { x, y } = batchOf(model.graph, 8, 7, 3);
      for (let s = 0; s < 2; s++) m.trainStepSync(x, y);
      const file = join(tmp(), "nadam.safetensors");
      await m.saveCheckpoint(file);
      const { tensors } = await readSafetensorsFile(file);
      const edited = join(tmp(), "nadam-far.safetensors");
      const entries = [...tensors].filter(([n]) => n !== "optimizer.mu_product").map(([name, t]) => ({ name, dtype: t.dtype, shape: [...t.shape], data: (name === "optimizer.step" ? BigInt64Array.of(2n ** 53n - 1n) : t.data) as ArrayBufferView }));
      await writeSafetensorsFile(edited, entries, { format: "tsdp" });
      await m.loadCheckpoint(edited);
      // Πμ over 2^53 − 1 steps: past the point where 0.96^(iψ) no longer moves a factor (and the
      // product underflows first), one power instead of a loop that would never end
      expect(Number.isFinite(m.trainStepSync(x, y))).toBe(true);
      for (const p of m.parameters()) expect((m.getParameter(p.name).data as Float32Array).every(Number.isFinite), p.name).toBe(true);
    } finally {
      m.dispose();
    }
  }, 300_000);

  it("a step's groupLrs: one number per declared group, a hole or undefined refused (it would read as 0 and freeze the group)", async () => {
    const { model, build: b } = await mlpLibrary(ADAM_HEAD_GROUP);
    const m = await load(b.outDir);
    const { x, y } = batchOf(model.graph, 8, 7, 3);
    const before = m.stateDict();
    // eslint-disable-next-line no-sparse-arrays
    for (const bad of [[0.1, undefined], [, 0.1], [0.1], [0.1, Number.NaN], [0.1, -1], [0.1, "0.1"]])
      expect(() => m.trainStepSync(x, y, { groupLrs: bad as number[] }), JSON.stringify(bad)).toThrow(/groupLrs(\[1\]| must be an array of 2 numbers)|groupLrs\[0\] must be a finite number/);
    expect(m.stateDict()).toEqual(before);
    m.dispose();
  }, 300_000);

  it("a file whose optimizer state misses some trained parameters (a build where they were frozen) is refused: PyTorch would start their steps at 1", async () => {
    const { model, build: b } = await mlpLibrary("new optim.Adam({ lr: 0.01, weightDecay: 0.01 })");
    const m = await load(b.outDir);
    const { x, y } = batchOf(model.graph, 8, 7, 3);
    expect(() => m.trainStepSync(x, y, { betas: [0.9, 1.5] })).toThrow(/betas must be two numbers in \[0, 1\), got \[0\.9, 1\.5\]/);
    for (let s = 0; s < 3; s++) m.trainStepSync(x, y);
    const file = join(tmp(), "adam.safetensors");
    await m.saveCheckpoint(file);
    const { tensors } = await readSafetensorsFile(file);
    const rewrite = async (keep: (name: string) => boolean) => {
      const out = join(tmp(), "partial.safetensors");
      await writeSafetensorsFile(out, [...tensors].filter(([n]) => keep(n)).map(([name, t]) => ({ name, dtype: t.dtype, shape: [...t.shape], data: t.data as ArrayBufferView })), { format: "tsdp" });
      return out;
    };
    const fresh = await load(b.outDir, { seed: 9 });
    const before = fresh.stateDict();
    const [first] = [...tensors.keys()].filter((n) => n.endsWith(".exp_avg"));
    await expect(fresh.loadCheckpoint(await rewrite((n) => n !== first))).rejects.toThrow(
      new RegExp(`the file's optimizer \\(at step 3\\) has no ${first.replace(/\./g, "\\.")}: PyTorch counts an optimizer's steps per parameter`),
    );
    // the step count with no state at all: every parameter's would start from this model's at step 4
    await expect(fresh.loadCheckpoint(await rewrite((n) => !n.endsWith(".exp_avg") && !n.endsWith(".exp_avg_sq")))).rejects.toThrow(/has no optimizer\..*load the weights alone with loadStateDict/);
    expect(fresh.stateDict()).toEqual(before);
    expect(fresh.steps).toBe(0);
    // the whole file loads, and so do the weights alone (a fresh optimizer)
    await fresh.loadCheckpoint(file);
    expect(fresh.steps).toBe(3);
    await fresh.loadCheckpoint(await rewrite((n) => !n.startsWith("optimizer.")));
    m.dispose();
    fresh.dispose();
  }, 300_000);
});

// F.crossEntropy(..., { ignoreIndex }) as the loss of a sequence model ([B, 4] targets flattened):
// PyTorch's mean over the targets not ignored. On 1, 2 and 3 devices the replicas' chunks hold
// different counts of ignored targets (one chunk none at all, so its weight is 0), and each step
// equals one float64 reference step on the whole batch; an all-ignored batch gives NaN, as PyTorch.
/** A sequence tagger (4 tokens a sample, 3 classes) whose loss is F.crossEntropy over its tokens with these options. */
const tagger = (options: string) => `${header}
export class Tagger extends nn.Module {
  emb = new nn.Embedding(6, 5);
  head = new nn.Linear(5, 3);
  forward(x: Tensor<[Batch, 4], "int32">) { return this.head(this.emb(x).tanh()); }
}
export const training = new Training(Tagger, {
  loss: (logits: Tensor, y: Tensor<[Batch, 4], "int32">) => F.crossEntropy(logits.view(-1, 3), y.view(-1), ${options}),
  optimizer: new optim.SGD({ lr: 0.5, momentum: 0.9 }),
});
`;

describe("cross-entropy with ignoreIndex: the mean over the targets not ignored, whatever the replicas' chunks hold", () => {
  it("loss and three SGD steps equal the reference on 1, 2 and 3 devices; all ignored is NaN; other labels are still refused", async () => {
    const dir = writeFiles({ "model.ts": tagger("{ ignoreIndex: -1, labelSmoothing: 0.1 }") });
    const { model, build: b } = await compile(join(dir, "model.ts"), { target, outDir: join(tmp(), "out") });
    const graph = model.graph;
    // batch 5: with 3 devices the chunks are samples 0–1, 2–3, 4; sample 4 is all ignored
    const xs = Int32Array.from({ length: 20 }, (_, i) => (i * 7 + 3) % 6);
    const ys = Int32Array.from([0, 2, -1, 1, -1, -1, 2, 0, 1, -1, -1, -1, 2, 2, 0, -1, -1, -1, -1, -1]);
    const { losses: want, state } = referenceSteps(graph, { x: nd([5, 4], xs), target: nd([5, 4], ys) }, 3);
    // the reference's loss is PyTorch's: the label-smoothed mean over the 9 targets not ignored
    expect(want[0]).toBeGreaterThan(0);
    for (const devices of multiDevice ? [1, 2, 3] : [1]) {
      const m = await load(b.outDir, { devices });
      try {
        const losses = [0, 1, 2].map(() => m.trainStepSync(tensor(xs, [5, 4]), tensor(ys, [5, 4]))!);
        losses.forEach((l, s) => expect(Math.abs(l - want[s]), `${devices} devices, step ${s}: ${l} vs ${want[s]}`).toBeLessThan(1e-5 * Math.abs(want[s])));
        for (const [name, p] of state.params) expectNear(m.getParameter(name).data as Float32Array, p.data, `${devices} devices: ${name}`, 1e-4, 1e-5);
        // every target ignored: 0/0, as PyTorch
        expect(m.evaluateSync(tensor(xs, [5, 4]), tensor(new Int32Array(20).fill(-1), [5, 4])).loss).toBeNaN();
        expect(() => m.trainStepSync(tensor(xs, [5, 4]), tensor(new Int32Array(20).fill(-100), [5, 4]))).toThrow(/label -100 at position 0 is out of range: the model has 3 classes \(0 to 2\), or -1, the loss's ignoreIndex/);
      } finally {
        m.dispose();
      }
    }
  }, 300_000);
});

// A language model's loss that shifts its own targets (Hugging Face's
// `shift_labels = labels[..., 1:]; F.cross_entropy(logits[..., :-1, :].view(-1, V), shift_labels.view(-1), ignore_index=-100)`):
// the step weights each replica's mean by its count of the targets the loss reads — positions 1 … T − 1
// of each sample (manifest training.targetOffsets), not the declared target's every position, which
// gave 1.6793 on 2 devices for the whole batch's 1.6812 —, so 1, 2 and 3 devices train as the
// reference on the whole batch (batch 7: chunks 4+3 and 3+2+2 with different counts). A label at
// position 0, which the loss never reads, may hold anything (PyTorch's loss never looks at it).
// A roll of the labels along the sequence is such a rearrangement (a concat of each sample's pieces).
// A target computed otherwise (a maskedFill of the labels) cannot be counted on the host: refused
// on 2 devices, naming the user's call and why (training.targetDerivedAt), and trained on one.
describe("a mean over ignoreIndex or class-weighted targets the loss shifts itself", () => {
  const lm = (loss: string) => `${header}
export class Lm extends nn.Module {
  emb = new nn.Embedding(6, 5);
  head = new nn.Linear(5, 3);
  forward(x: Tensor<[Batch, 5], "int32">) { return this.head(this.emb(x).tanh()); }
}
export const training = new Training(Lm, {
  loss: (logits: Tensor, labels: Tensor<[Batch, 5], "int32">) => {
    const shiftLogits = logits.index("...", ":-1", ":").contiguous();
    const shiftLabels = labels.index("...", "1:").contiguous();
    return ${loss};
  },
  optimizer: new optim.SGD({ lr: 0.5, momentum: 0.9 }),
});
`;
  const xs = Int32Array.from({ length: 35 }, (_, i) => (i * 5 + 1) % 6);
  // position 0 of each sample is never read (7 there is no class); samples 1 and 5 ignore most of theirs, 6 all four
  const ys = Int32Array.from([
    [-100, 2, 0, 1, 1], [7, -100, -100, 2, -100], [0, 1, 2, 0, -100], [-100, 0, 0, 1, 2],
    [1, 2, -100, -100, 1], [2, -100, 1, -100, -100], [0, -100, -100, -100, -100],
  ].flat());

  for (const [what, loss] of [
    ["ignoreIndex -100", `F.crossEntropy(shiftLogits.view(-1, 3), shiftLabels.view(-1), { ignoreIndex: -100 })`],
    ["class weights", `new nn.CrossEntropyLoss({ weight: F.tensor([0.5, 2.0, 1.25]), ignoreIndex: -100 })(shiftLogits.view(-1, 3), shiftLabels.view(-1))`],
    // the same targets by a roll along the sequence (a concat of each sample's two pieces) and its first T − 1
    ["ignoreIndex -100, labels rolled", `F.crossEntropy(shiftLogits.view(-1, 3), labels.roll(-1, 1).index("...", ":-1").reshape([-1]), { ignoreIndex: -100 })`],
  ] as const)
    it(`${what}: evaluate and three SGD steps on 1, 2 and 3 devices equal the reference on the whole batch of 7`, async () => {
      const dir = writeFiles({ "model.ts": lm(loss) });
      const { model, build: b, generated } = await compile(join(dir, "model.ts"), { target, outDir: join(tmp(), "out") });
      expect(generated.manifest.training?.targetOffsets).toEqual([1, 2, 3, 4]);
      expect(generated.manifest.training?.targetDerivedAt).toBeUndefined();
      const graph = model.graph;
      const ref = { x: nd([7, 5], xs), target: nd([7, 5], ys) };
      const evaluated = runReference(graph, ref, initState(graph, 0)).loss!;
      const { losses: want, state } = referenceSteps(graph, ref, 3);
      for (const devices of multiDevice ? [1, 2, 3] : [1]) {
        const m = await load(b.outDir, { devices });
        try {
          // loss within 1e-5 (relative) of the float64 reference; parameters rtol 1e-4, atol 1e-5·max
          const e = m.evaluateSync(tensor(xs, [7, 5]), tensor(ys, [7, 5])).loss;
          expect(Math.abs(e - evaluated), `${devices} devices, evaluate: ${e} vs ${evaluated}`).toBeLessThan(1e-5 * Math.abs(evaluated));
          const got = [0, 1, 2].map(() => m.trainStepSync(tensor(xs, [7, 5]), tensor(ys, [7, 5]))!);
          got.forEach((l, s) => expect(Math.abs(l - want[s]), `${devices} devices, step ${s}: ${l} vs ${want[s]}`).toBeLessThan(1e-5 * Math.abs(want[s])));
          for (const [name, p] of state.params) expectNear(m.getParameter(name).data as Float32Array, p.data, `${devices} devices: ${name}`, 1e-4, 1e-5);
          // a label the loss reads is still checked, at its position in the declared target
          const bad = Int32Array.from(ys);
          bad[12] = 7;
          expect(() => m.evaluateSync(tensor(xs, [7, 5]), tensor(bad, [7, 5]))).toThrow(/label 7 at position 12 is out of range: the model has 3 classes/);
        } finally {
          m.dispose();
        }
      }
    }, 300_000);

  it("a target computed otherwise (a maskedFill of the labels) is refused on 2 devices, naming the op and what is counted, and trains on one", async () => {
    const dir = writeFiles({ "model.ts": lm(`F.crossEntropy(shiftLogits.view(-1, 3), shiftLabels.maskedFill(shiftLabels.eq(0), -100).view(-1), { ignoreIndex: -100 })`) });
    const { model, build: b, generated } = await compile(join(dir, "model.ts"), { target, outDir: join(tmp(), "out") });
    expect(generated.manifest.training?.targetDerivedAt).toMatch(/^shiftLabels\.maskedFill\(shiftLabels\.eq\(0\), -100\) at model\.ts:\d+:\d+: it computes values rather than moving or selecting the target's elements within each sample$/);
    expect(generated.manifest.training?.targetOffsets).toBeUndefined();
    const ok = Int32Array.from(ys, (v) => (v === 7 ? 1 : v));
    if (multiDevice) {
      const two = await load(b.outDir, { devices: 2 });
      try {
        const refusal = /Lm\.(trainStep|evaluate): the loss's mean over the targets it does not ignore reads targets it computes \(shiftLabels\.maskedFill\(shiftLabels\.eq\(0\), -100\) at model\.ts:\d+:\d+: it computes values .*\), and each of the 2 replicas .*only rearranges and selects within each sample.*trainStep\(ids, nextIds\)/;
        expect(() => two.trainStepSync(tensor(xs, [7, 5]), tensor(ok, [7, 5]))).toThrow(refusal);
        expect(() => two.evaluateSync(tensor(xs, [7, 5]), tensor(ok, [7, 5]))).toThrow(refusal);
      } finally {
        two.dispose();
      }
    }
    const graph = model.graph;
    const { graph: step, gradients } = differentiate(graph);
    const state: ModelState = initState(graph, 0);
    const opt = newOptimizerState();
    const m = await load(b.outDir, { devices: 1 });
    try {
      for (let s = 0; s < 3; s++) {
        const r = runReference(step, { x: nd([7, 5], xs), target: nd([7, 5], ok) }, state, { training: true, step: s });
        optimizerStep(graph.optimizer!, opt, state.params, new Map([...gradients].map(([n, g]) => [n, r.values.get(g)!])));
        const got = m.trainStepSync(tensor(xs, [7, 5]), tensor(ok, [7, 5]))!;
        expect(Math.abs(got - r.loss!), `step ${s}: ${got} vs ${r.loss}`).toBeLessThan(1e-5 * Math.abs(r.loss!));
      }
      for (const [name, p] of state.params) expectNear(m.getParameter(name).data as Float32Array, p.data, name, 1e-4, 1e-5);
    } finally {
      m.dispose();
    }
  }, 300_000);
});

/**
 * Three steps of the compiled model on 1, 2 and 3 devices (1 off the CPU target) each equal to the
 * float64 reference's three steps on the whole batch: the losses within 1e-5 (relative), the
 * parameters within rtol 1e-4, atol 1e-5.
 */
async function expectThreeStepsOnDevices(graph: Graph, outDir: string, x: { data: Float32Array | Int32Array; shape: number[] }, y: { data: Float32Array | Int32Array; shape: number[] }): Promise<void> {
  const { losses: want, state } = referenceSteps(graph, { x: nd(x.shape, x.data), target: nd(y.shape, y.data) }, 3);
  for (const devices of multiDevice ? [1, 2, 3] : [1]) {
    const m = await load(outDir, { devices });
    try {
      const got = [0, 1, 2].map(() => m.trainStepSync(tensor(x.data, x.shape), tensor(y.data, y.shape))!);
      got.forEach((l, s) => expect(Math.abs(l - want[s]), `${devices} devices, step ${s}: ${l} vs ${want[s]}`).toBeLessThan(1e-5 * Math.abs(want[s])));
      for (const [name, p] of state.params) expectNear(m.getParameter(name).data as Float32Array, p.data, `${devices} devices: ${name}`, 1e-4, 1e-5);
    } finally {
      m.dispose();
    }
  }
}

// PyTorch's (N, C, d1, …) form (segmentation): nn.CrossEntropyLoss on [B, 3, 2, 3] scores and
// [B, 2, 3] targets with ignoreIndex 255 is the mean over every position not ignored, on 1, 2
// and 3 devices equal to the float64 reference of the whole batch.
describe("cross-entropy over positions (segmentation's [N, C, H, W] scores, [N, H, W] targets)", () => {
  it("loss and three SGD steps equal the reference on 1, 2 and 3 devices, ignored positions left out", async () => {
    const dir = writeFiles({
      "model.ts": `${header}
export class Segmenter extends nn.Module {
  head = new nn.Conv2d(2, 3, 1);
  forward(x: Tensor<[Batch, 2, 2, 3]>) { return this.head(x); }
}
export const training = new Training(Segmenter, { loss: new nn.CrossEntropyLoss({ ignoreIndex: 255 }), optimizer: new optim.SGD({ lr: 0.5 }) });
`,
    });
    const { model, build: b } = await compile(join(dir, "model.ts"), { target, outDir: join(tmp(), "out") });
    const graph = model.graph;
    expect(formatShape(graph.loss!.target!.shape)).toBe("[Batch, 2, 3]");
    const xs = Float32Array.from({ length: 5 * 12 }, (_, i) => Math.sin(i * 0.7));
    // sample 4 all ignored; the others a mix
    const ys = Int32Array.from({ length: 30 }, (_, i) => (i >= 24 || i % 5 === 3 ? 255 : i % 3));
    await expectThreeStepsOnDevices(graph, b.outDir, { data: xs, shape: [5, 2, 2, 3] }, { data: ys, shape: [5, 2, 3] });
  }, 300_000);
});

// Class weights (PyTorch's weight=): the mean is Σ w[y]·ℓ / Σ w[y], which no replica's rows alone
// give; the step weights each replica by its targets' Σ w[y], summed on the host. The batch is
// chunked so that one replica's targets weigh far more than another's; each step equals one float64
// reference step on the whole batch, within 1e-5 of the loss and rtol 1e-4 of the parameters.
describe("cross-entropy and NLL with class weights: PyTorch's weighted mean, whatever the replicas' chunks hold", () => {
  const losses = {
    "nn.CrossEntropyLoss({ weight })": "new nn.CrossEntropyLoss({ weight: F.tensor([0.2, 1, 5]) })",
    "with labelSmoothing and ignoreIndex": "(logits: Tensor, y: Tensor<[Batch, 4], \"int32\">) => F.crossEntropy(logits.view(-1, 3), y.view(-1), { weight: F.tensor([0.2, 1, 5]), labelSmoothing: 0.1, ignoreIndex: -1 })",
    "F.nllLoss({ weight }) of log_softmax": "(logits: Tensor, y: Tensor<[Batch, 4], \"int32\">) => F.nllLoss(F.logSoftmax(logits.view(-1, 3), 1), y.view(-1), { weight: F.tensor([0.2, 1, 5]) })",
    // the third device's targets (rows 2–3: class 0) all weigh 0, and their smoothing terms do not
    "a class of weight 0, with labelSmoothing": "new nn.CrossEntropyLoss({ weight: F.tensor([0, 1, 5]), labelSmoothing: 0.2 })",
  };
  for (const [name, loss] of Object.entries(losses))
    it(`${name}: loss and three SGD steps equal the reference on 1, 2 and 3 devices`, async () => {
      const sequence = !loss.startsWith("new nn.CrossEntropyLoss");
      const dir = writeFiles({
        "model.ts": `${header}
export class Tagger extends nn.Module {
  emb = new nn.Embedding(6, 5);
  head = new nn.Linear(${sequence ? "5" : "20"}, 3);
  forward(x: Tensor<[Batch, 4], "int32">) { return ${sequence ? "this.head(this.emb(x).tanh())" : "this.head(this.emb(x).tanh().flatten(1))"}; }
}
export const training = new Training(Tagger, {
  loss: ${loss},
  optimizer: new optim.SGD({ lr: 0.5, momentum: 0.9 }),
});
`,
      });
      const { model, build: b } = await compile(join(dir, "model.ts"), { target, outDir: join(tmp(), "out") });
      const graph = model.graph;
      expect(graph.loss!.classWeights).toEqual(loss.includes("[0, 1, 5]") ? [0, 1, 5] : [Math.fround(0.2), 1, 5]);
      // batch 5 in chunks 0–1, 2–3, 4 on 3 devices: class 2 (weight 5) sits in the first chunk only
      const xs = Int32Array.from({ length: 20 }, (_, i) => (i * 7 + 3) % 6);
      const ys = sequence ? Int32Array.from([2, 2, -1, 1, 2, 0, 2, 0, 1, 0, 0, 0, 0, 1, 0, 1, 1, 0, 1, 0]).map((v) => (v === -1 && !loss.includes("ignoreIndex") ? 0 : v)) : Int32Array.from([2, 2, 0, 0, 1]);
      await expectThreeStepsOnDevices(graph, b.outDir, { data: xs, shape: [5, 4] }, { data: ys, shape: sequence ? [5, 4] : [5] });
    }, 300_000);

  it("a mean over nothing with weights, smoothing and ignoreIndex together: every target ignored is a NaN loss with gradients 0 (PyTorch's masked_fill), on 1 and 3 devices; targets that all weigh 0 a NaN loss", async () => {
    const dir = writeFiles({ "model.ts": tagger("{ weight: F.tensor([0, 1, 5]), labelSmoothing: 0.1, ignoreIndex: -1 }") });
    const { build: b } = await compile(join(dir, "model.ts"), { target, outDir: join(tmp(), "out") });
    const x = tensor(Int32Array.from({ length: 20 }, (_, i) => (i * 7 + 3) % 6), [5, 4]);
    for (const devices of [1, 3]) {
      const m = await load(b.outDir, { devices });
      try {
        const before = m.parameters().map((p) => Array.from(m.getParameter(p.name).data as Float32Array));
        // the ∞ (0/0) the mean seeds reached the ignored rows' smoothing terms through a product: NaN gradients, NaN weights after the step
        expect(m.trainStepSync(x, tensor(new Int32Array(20).fill(-1), [5, 4]))).toBeNaN();
        for (const p of m.parameters()) expect((m.getParameter(`${p.name}.grad`).data as Float32Array).every((g) => g === 0), `${devices} devices: ${p.name}.grad`).toBe(true);
        expect(m.parameters().map((p) => Array.from(m.getParameter(p.name).data as Float32Array))).toEqual(before);
        // class 0 weighs 0: Σ w[y] = 0, so the mean is 0/0 (it was +∞: the smoothing terms over 0)
        expect(m.evaluateSync(x, tensor(new Int32Array(20).fill(0), [5, 4])).loss).toBeNaN();
      } finally {
        m.dispose();
      }
    }
  }, 300_000);
});

describe("gradient clipping (clip_grad_norm_)", () => {
  it("the gradients read back after a step are the clipped ones, their joint 2-norm the max_norm; 0 turns it off", async () => {
    const { model, build: b } = await mlpLibrary("new optim.Adam({ lr: 0.01, weightDecay: 0.01 })");
    const graph = model.graph;
    const m = await load(b.outDir);
    try {
      const names = graph.params.map((p) => p.attrs.name as string);
      const gradNorm = () => Math.sqrt(names.reduce((sum, n) => sum + (m.getParameter(`${n}.grad`).data as Float32Array).reduce((a, g) => a + g * g, 0), 0));
      const { x, y } = batchOf(graph, 8, 300, 3);
      m.trainStepSync(x, y, { lr: 0 });
      const unclipped = gradNorm();
      expect(unclipped).toBeGreaterThan(0.2);
      m.trainStepSync(x, y, { lr: 0, clipGradNorm: 0.1 });
      // max_norm / (norm + 1e-6) · norm: 0.1 to 1e-6 relative, fp32 sums aside (rtol 1e-5)
      expect(Math.abs(gradNorm() - 0.1)).toBeLessThan(1e-6);
      m.trainStepSync(x, y, { lr: 0, clipGradNorm: 1e3 });
      expect(Math.abs(gradNorm() - unclipped) / unclipped).toBeLessThan(1e-5);
      expect(() => m.trainStepSync(x, y, { clipGradNorm: -1 })).toThrow(/clipGradNorm must be a finite number ≥ 0/);
    } finally {
      m.dispose();
    }
  }, 300_000);
});

describe("learning", () => {
  it("a synthetic task: three Gaussian clusters in 6-D are learned to a loss below 0.05", async () => {
    // the SGD library above, with this task's hyperparameters per step
    const { model, build: b } = await mlpLibrary(SGD_NESTEROV);
    const hyper = { lr: 0.2, momentum: 0.9, nesterov: false, weightDecay: 0 };
    const m = await load(b.outDir);
    const centers = [0, 1, 2].map((c) => Array.from({ length: 6 }, (_, j) => (j % 3 === c ? 3 : -1)));
    const sample = (seed: number) => {
      const y = Int32Array.from(uniforms(32, seed, 1), (u) => Math.floor(u * 3));
      const noise = normals(32 * 6, seed, 2);
      const x = Float32Array.from({ length: 32 * 6 }, (_, i) => centers[y[Math.floor(i / 6)]][i % 6] + 0.5 * noise[i]);
      return { x: tensor(x, [32, 6]), y: tensor(y, [32]) };
    };
    let loss = Infinity;
    for (let s = 0; s < 60; s++) {
      const { x, y } = sample(s);
      loss = m.trainStepSync(x, y, hyper);
    }
    const { x, y } = sample(999);
    const result = m.evaluateSync(x, y);
    expect(loss).toBeLessThan(0.05);
    expect(result.accuracy).toBe(1);
    void model;
    m.dispose();
  });
});

describe("captured CUDA graphs", () => {
  it("are bounded: past 64 batch sizes the least recently launched is dropped, and captured again if that size returns", async () => {
    const { build: b } = await mlpLibrary(SGD_NESTEROV);
    const m = await load(b.outDir);
    const step = (size: number) => {
      const x = Float32Array.from(normals(size * 6, size, 1));
      const y = Int32Array.from(uniforms(size, size, 2), (u) => Math.floor(u * 3));
      m.trainStepSync(tensor(x, [size, 6]), tensor(y, [size]), { lr: 0 });
    };
    // largest first: a batch larger than any before reallocates the batch's buffers and drops every graph
    for (let size = 65; size >= 1; size--) {
      step(size); // the warm-up, eager
      step(size); // captured (and launched: a replay)
    }
    expect(m.stats()).toMatchObject({ graphCaptures: 65, graphReplays: 65, eagerSteps: 65 });
    step(2); // still held: replayed
    step(65); // the first size's graph was dropped for the 65th: captured again (its warm-up already ran)
    expect(m.stats()).toMatchObject({ graphCaptures: 66, graphReplays: 67, eagerSteps: 65 });
    m.dispose();
  });
});

describe("bad input leaves the model unchanged", () => {
  it("labels out of range, a wrong label count, NaN inputs, corrupt checkpoints", async () => {
    const { model, build: b } = await build("examples/lenet/model.ts", "bad-input");
    const m = await load(b.outDir);
    const { x, y } = batchOf(model.graph, 4, 5);
    const before = snapshot(m);
    expect(() => m.trainStepSync(x, tensor(Int32Array.of(0, 1, 10, 2), [4]))).toThrow(/label 10 at position 2 is out of range: the model has 10 classes/);
    expect(() => m.trainStepSync(x, tensor(Int32Array.of(0, -1, 3, 2), [4]))).toThrow(/label -1/);
    expect(() => m.trainStepSync(x, tensor(Int32Array.of(0, 1, 2), [3]))).toThrow(/target .* must have shape \[4\]/);
    expect(() => m.trainStepSync(x, tensor(Float32Array.of(0, 1, 2, 3), [4]))).toThrow(/int32/);
    const nan = Float32Array.from(x.data as Float32Array);
    nan[100] = NaN;
    expect(() => m.trainStepSync(tensor(nan, x.shape), y, { detectNonFinite: true })).toThrow(/holds NaN at element 100, at step 1/);
    expect(() => m.trainStepSync(x, y, { lr: -1 })).toThrow(/lr must be a finite number/);
    expect(() => m.trainStepSync(x, y, { learningRate: 0.1 } as never)).toThrow(/unknown option 'learningRate'/);
    // another optimizer's hyperparameter is refused, not ignored (torch.optim.SGD(betas=…) is a TypeError)
    expect(() => m.trainStepSync(x, y, { betas: [0.9, 0.99] })).toThrow(/'betas' is not an option of SGD \(Adam, AdamW, Adamax, NAdam, RAdam have it\); SGD's step options are lr, momentum, dampening, weightDecay, nesterov, groupLrs, clipGradNorm/);
    expect(() => m.trainStepSync(x, y, { rho: 0.9 })).toThrow(/'rho' is not an option of SGD \(Adadelta has it\)/);
    // a switch of the declaration is the build's, and the message says so (not "unknown")
    expect(() => m.trainStepSync(x, y, { maximize: true } as never)).toThrow(/'maximize' is fixed when the model is compiled \(the optimizer's declaration in the model file/);
    expect(() => m.trainStepSync(x, y, { groupLrs: [0.1] })).toThrow(/groupLrs sets each param group's lr, and the model's optimizer declares no groups; give lr/);

    // a valid checkpoint, then many corrupted copies: each is refused and nothing changes
    const dir = tmp();
    const good = join(dir, "good.safetensors");
    await m.saveCheckpoint(good);
    const bytes = readFileSync(good);
    const headerLength = Number(bytes.readBigUInt64LE(0));
    let refused = 0;
    for (let k = 0; k < 150; k++) {
      const bad = Buffer.from(bytes);
      const u = uniforms(4, 77, k);
      if (k % 3 === 0) bad.writeBigUInt64LE(BigInt(Math.floor(u[0] * 2 ** 40)), 0); // absurd header length
      else if (k % 3 === 1) bad[8 + Math.floor(u[1] * headerLength)] = Math.floor(u[2] * 256); // a byte of the JSON
      const file = join(dir, `bad${k}.safetensors`);
      writeFileSync(file, k % 3 === 2 ? bad.subarray(0, Math.floor(u[3] * bytes.length)) : bad); // truncated
      try {
        await m.loadCheckpoint(file);
      } catch (e) {
        expect(e).toBeInstanceOf(Error);
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(100);
    await expect(load(b.outDir, { checkpoint: join(dir, "bad0.safetensors") })).rejects.toThrow(/safetensors|header/i);
    for (const [name, p] of before) expect(Array.from(m.getParameter(name).data as Float32Array)).toEqual(Array.from(p));
    expect(m.steps).toBe(0);
    m.dispose();
  });

  it("a non-finite loss under detectNonFinite undoes its step: parameters, buffers, optimizer state and the step count as before it", async () => {
    const { model, build: b } = await build("examples/lenet/model.ts", "bad-input");
    const m = await load(b.outDir);
    try {
      const { x, y } = batchOf(model.graph, 4, 5);
      // finite inputs whose products overflow float32: the loss is not finite
      const huge = tensor(Float32Array.from(x.data as Float32Array, (v) => (v >= 0 ? 3e38 : -3e38)), x.shape);
      const dir = tmp();
      const saved = async (name: string) => (await m.saveCheckpoint(join(dir, name)), readFileSync(join(dir, name)));
      m.trainStepSync(x, y); // momentum buffers started
      const before = await saved("before.safetensors");
      expect(() => m.trainStepSync(huge, y, { detectNonFinite: true })).toThrow(/the loss is (NaN|-?Infinity) at step 2 \(detectNonFinite\): the step was undone/);
      expect((await saved("sync.safetensors")).equals(before)).toBe(true);
      await expect(m.trainStep(huge, y, { detectNonFinite: true })).rejects.toThrow(/at step 2 \(detectNonFinite\): the step was undone/);
      expect((await saved("async.safetensors")).equals(before)).toBe(true);
      expect(m.steps).toBe(1);
      // the model trains on from there
      expect(Number.isFinite(m.trainStepSync(x, y, { detectNonFinite: true }))).toBe(true);
      expect(m.steps).toBe(2);
    } finally {
      m.dispose();
    }
  });

  it("the undo keeps what a checkpoint does not hold: gradients held by accumulate, and the dropout draws since the last step (a twin without the bad calls ends the same)", async () => {
    const { model, build: b } = await build("examples/mlp/model.ts", "undo-accumulate");
    const [m, twin] = [await load(b.outDir), await load(b.outDir)];
    try {
      const batch = (seed: number) => batchOf(model.graph, 4, seed);
      const { x, y } = batch(1);
      const huge = tensor(Float32Array.from(x.data as Float32Array, (v) => (v >= 0 ? 3e38 : -3e38)), x.shape);
      const both = (f: (n: typeof m) => void) => [m, twin].forEach(f);
      both((n) => (n.trainStepSync(x, y), n.forwardAllSync(x), n.trainStepSync(batch(2).x, batch(2).y, { accumulate: true })));
      // a micro-batch with a non-finite loss: its gradients would have joined the held ones
      expect(() => m.trainStepSync(huge, y, { detectNonFinite: true, accumulate: true })).toThrow(/the step was undone .*\(the gradients held for the next update too\)/);
      both((n) => (n.trainStepSync(batch(3).x, batch(3).y), n.forwardAllSync(x)));
      // a whole step after a train-mode forward: the next step draws the masks it would have drawn
      expect(() => m.trainStepSync(huge, y, { detectNonFinite: true })).toThrow(/the step was undone/);
      both((n) => n.trainStepSync(batch(4).x, batch(4).y));
      const dir = tmp();
      await m.saveCheckpoint(join(dir, "undone.safetensors"));
      await twin.saveCheckpoint(join(dir, "twin.safetensors"));
      expect(readFileSync(join(dir, "undone.safetensors")).equals(readFileSync(join(dir, "twin.safetensors")))).toBe(true);
      expect(Array.from(m.forwardAllSync(x)[0].data)).toEqual(Array.from(twin.forwardAllSync(x)[0].data));
    } finally {
      m.dispose();
      twin.dispose();
    }
  });
});


// A loss function of several outputs: a VAE's forward returns [reconstruction, mu, logvar] and its
// loss is the reconstruction error plus the KL term of mu and logvar, summed over the batch and
// divided by x.size(0). Three SGD steps on 1, 2 and 3 devices equal the float64 reference: loss,
// then parameters, within rtol 1e-5.
describe("a loss function of several outputs (a VAE's reconstruction and KL terms)", () => {
  it("takes the outputs as an array; three steps on 1, 2 and 3 devices equal the reference", async () => {
    const dir = writeFiles({
      "model.ts": `${header}
export class Vae extends nn.Module {
  enc = new nn.Linear(8, 8);
  dec = new nn.Linear(4, 8);
  forward(x: Tensor<[Batch, 8]>) {
    const [mu, logvar] = this.enc(x).chunk(2, 1);
    const z = mu.add(F.exp(logvar.mul(0.5)).mul(0.5));
    return [F.sigmoid(this.dec(z)), mu, logvar];
  }
}
export const training = new Training(Vae, {
  loss: ([recon, mu, logvar]: Tensor[], x: Tensor<[Batch, 8]>) =>
    F.mseLoss(recon, x, { reduction: "sum" }).add(logvar.add(1).sub(mu.pow(2)).sub(logvar.exp()).sum().mul(-0.5)).div(x.size(0)),
  optimizer: new optim.SGD({ lr: 0.05 }),
});
`,
    });
    const { model, build: b } = await compile(join(dir, "model.ts"), { target, outDir: join(dir, "out") });
    const graph = model.graph;
    expect(graph.outputs.map((o) => o.shape.length)).toEqual([2, 2, 2]);
    const { graph: step, gradients } = differentiate(graph);
    for (const devices of [1, 2, 3]) {
      const m = await load(b.outDir, { devices });
      const state = initState(graph, 0);
      for (let s = 0; s < 3; s++) {
        await yieldToRunner();
        const batch = 7;
        const x = Float32Array.from(normals(batch * 8, 40 + s, 1));
        const y = Float32Array.from(uniforms(batch * 8, 40 + s, 2));
        const loss = m.trainStepSync([tensor(x, [batch, 8])], tensor(y, [batch, 8]), {});
        const values = runReference(step, { x: nd([batch, 8], x), target: nd([batch, 8], y) }, state, { training: true, step: s }).values;
        expectNear(Float32Array.of(loss as number), values.get(graph.loss!.value)!.data, `${devices} devices, step ${s}: loss`, 1e-5, 1e-6);
        optimizerStep(graph.optimizer!, newOptimizerState(), state.params, new Map([...gradients].map(([n, g]) => [n, values.get(g)!])));
      }
      for (const [name, p] of state.params) expectNear(m.getParameter(name).data as Float32Array, p.data, `${devices} devices: ${name}`, 1e-5, 1e-6);
      m.dispose();
    }
  }, 300_000);
});
