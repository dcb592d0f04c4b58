// `tsdp compile` writes a typed ES module beside the library (index.js + index.d.ts, issue 15 item
// 5): importing the model directory gives forward the declared input shapes, getParameter the
// parameter names, trainStep the target's dtype. A consumer file is type-checked with strict tsc —
// its `@ts-expect-error` lines must be errors, so a type that lets a wrong shape through fails the
// test — and then run, to check that the module loads the model it sits beside.
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { compile } from "../compiler/pipeline.ts";
import { typedModule } from "../compiler/6-build/typed-module.ts";
import type { Dim, Dtype } from "../runtime/manifest.ts";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
// inside the project, so that "tsdp" resolves to this checkout (a package's self-reference)
const work = join(root, "build", "test-typed-module");

const consumer = `import { tensor } from "tsdp";
import { load, type Model, type ParameterName } from "./lenet/index.js";

const m: Model = await load({ seed: 1 });
const x = tensor(new Float32Array(2 * 784), [2, 1, 28, 28]);
const y = m.forwardSync(x);
const classes: 10 = y.shape[1];
const first: ParameterName = "conv1.weight";
m.getParameter(first);
const loss = m.trainStepSync(x, tensor(Int32Array.from([1, 2]), [2]), { lr: 0 });
m.getParameter("fc2.bias.grad");
// the asynchronous forms resolve with the same types
const [all] = m.forwardAllSync(x);
const classes3: 10 = all.shape[1];
const y2 = await m.forward(x);
const classes2: 10 = y2.shape[1];
const loss2: number = await m.trainStep(x, tensor(Int32Array.from([1, 2]), [2]), { lr: 0 });
const evaluation = await m.evaluate(x, tensor(Int32Array.from([1, 2]), [2]));
// a step that does not wait for its loss resolves with none
const issued: undefined = await m.trainStep(x, tensor(Int32Array.from([1, 2]), [2]), { lr: 0, waitForLoss: false });
// type-checked, never called: each line must be a type error
export function mistakes(): void {
  // @ts-expect-error LeNet takes one channel
  m.forwardSync(tensor(new Float32Array(2 * 3 * 784), [2, 3, 28, 28]));
  // @ts-expect-error no such parameter
  m.getParameter("conv9.weight");
  // @ts-expect-error class indices are int32
  m.trainStepSync(x, tensor(new Float32Array(2), [2]));
  // @ts-expect-error forward takes one input
  m.forwardSync(x, x);
  // @ts-expect-error a chained call keeps the typed surface (tsapi58: eval() returned the untyped model)
  m.eval().forwardSync(tensor(new Float32Array(2 * 3 * 784), [2, 3, 28, 28]));
  // @ts-expect-error forward resolves later: a Promise has no shape
  void m.forward(x).shape;
  // @ts-expect-error class indices are int32, in the asynchronous step too
  void m.trainStep(x, tensor(new Float32Array(2), [2]));
  // @ts-expect-error without waiting there is no loss to add
  void (async () => 1 + (await m.trainStep(x, tensor(Int32Array.from([1, 2]), [2]), { waitForLoss: false })))();
}
console.log(JSON.stringify({ shape: y.shape, classes, loss: typeof loss, params: m.parameters().length, async: [classes2, typeof loss2, evaluation.outputs[0].shape, typeof issued], all: classes3 }));
m.dispose();
`;

const tsconfig = {
  compilerOptions: {
    target: "ES2022",
    module: "NodeNext",
    moduleResolution: "NodeNext",
    strict: true,
    noEmit: true,
    // inside the checkout, "tsdp" is its TypeScript sources (the package's "tsdp-source" condition),
    // which import each other with .ts; test/own-project.test.ts checks the installed package's dist/
    customConditions: ["tsdp-source"],
    allowImportingTsExtensions: true,
    types: ["node"],
    lib: ["ES2023"],
  },
  files: ["consumer.ts"],
};

describe("the typed module beside a compiled model", () => {
  it("type-checks a strict consumer (wrong shapes, names and target types are errors) and runs it", async () => {
    mkdirSync(work, { recursive: true });
    await compile("examples/lenet/model.ts", { target: "cpu", outDir: join(work, "lenet") });
    const dts = readFileSync(join(work, "lenet", "index.d.ts"), "utf8");
    expect(dts).toContain("export type Inputs = [x: Tensor<Float32Array, readonly [number, 1, 28, 28]>];");
    writeFileSync(join(work, "consumer.ts"), consumer);
    writeFileSync(join(work, "tsconfig.json"), JSON.stringify(tsconfig, null, 2));
    const run = promisify(execFile);
    const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
    const checked = await run(process.execPath, [tsc, "-p", join(work, "tsconfig.json")], { cwd: work, encoding: "utf8", timeout: 180_000 }).catch(
      (e: { stdout?: string; stderr?: string }) => ({ stdout: `${e.stdout ?? ""}${e.stderr ?? ""}`, failed: true }),
    );
    expect("failed" in checked ? checked.stdout : "", "tsc on the consumer").toBe("");
    const tsx = join(root, "node_modules", "tsx", "dist", "cli.mjs");
    const ran = await run(process.execPath, [tsx, join(work, "consumer.ts")], { cwd: work, encoding: "utf8", timeout: 180_000 });
    expect(JSON.parse(ran.stdout.trim().split("\n").at(-1)!)).toEqual({ shape: [2, 10], classes: 10, loss: "number", params: 8, async: [10, "number", [2, 10], "undefined"], all: 10 });
  }, 600_000);

  it("types each step's inputs, the training members, parameters by name and the option combinations (tsc, no build)", async () => {
    // types59 C/D/H/K: a two-input model's step took one input alone; a model without a Training
    // still had trainStep (from CompiledModel); getParameter returned a union that needed a cast;
    // options the step refuses together, or another optimizer's, type-checked.
    const dir = join(work, "facts");
    mkdirSync(dir, { recursive: true });
    const spec = (shape: Dim[], dtype: Dtype = "float32") => ({ name: "", dtype, shape });
    const two = typedModule({
      model: "Two",
      inputs: [{ ...spec(["Batch", 4]), name: "a" }, { ...spec(["Batch", 2]), name: "b" }],
      outputs: [{ ...spec(["Batch", 3]), name: "out" }],
      params: [{ name: "fc.weight", dtype: "float32", shape: [3, 4] }],
      buffers: [{ name: "bn.num_batches_tracked", dtype: "int64", shape: [] }],
      training: { loss: "cross_entropy", reduction: "mean", target: { ...spec(["Batch"], "int32"), name: "target" }, optimizer: { kind: "SGD", lr: 0.1 }, stepKernels: 1, buckets: [] },
    });
    const fwd = typedModule({ model: "Fwd", inputs: [{ ...spec(["Batch", 4]), name: "x" }], outputs: [{ ...spec(["Batch", 3]), name: "out" }], params: [], buffers: [] });
    for (const [name, m] of [["two", two], ["fwd", fwd]] as const) {
      mkdirSync(join(dir, name), { recursive: true });
      writeFileSync(join(dir, name, "index.d.ts"), m.dts);
      writeFileSync(join(dir, name, "index.js"), m.js);
    }
    writeFileSync(
      join(dir, "consumer.ts"),
      `import { lrScheduler, tensor, type TrainStepOptions } from "tsdp";
import { load as loadTwo } from "./two/index.js";
import { load as loadFwd } from "./fwd/index.js";
const two = await loadTwo();
const fwd = await loadFwd();
const a = tensor(new Float32Array(8), [2, 4]);
const b = tensor(new Float32Array(4), [2, 2]);
const y = tensor(Int32Array.from([0, 1]), [2]);
const loss: number = await two.trainStep([a, b], y, { lr: 0.1, momentum: 0.9 });
const inputs = [a, b] as const;
const evaluation = two.evaluateSync(inputs, y);
const evaluatedClasses: 3 = evaluation.outputs[0].shape[1];
const stepClasses: 3 = (await two.trainStep([a, b], y, { outputs: true })).outputs[0].shape[1];
const twoDevices = await loadTwo({ devices: [0, 1] as const });
const weight: Float32Array = two.getParameter("fc.weight").data;
const rows: 3 = two.getParameter("fc.weight").shape[0];
const gradient: Float32Array = two.getParameter("fc.weight.grad").data;
const count: BigInt64Array = two.getParameter("bn.num_batches_tracked").data;
const state: Float32Array = two.stateDict()["fc.weight"].data;
const hyper = { lr: 0.1, momentum: 0.9 };
const fromVariable: number = two.trainStepSync([a, b], y, hyper);
const options: TrainStepOptions = {};
const unknownResult: number | object | undefined = two.trainStepSync([a, b], y, options);
// a scheduler's options may hold another optimizer's betas, and need not: they type-check
const scheduled: number = two.trainStepSync([a, b], y, new lrScheduler.StepLR(two, { stepSize: 1 }).options());
const noWait: undefined = two.trainStepSync([a, b], y, { waitForLoss: false, outputs: false });
const out = fwd.forwardSync(a);
export function mistakes(): void {
  // @ts-expect-error two inputs: one alone is refused at run time
  void two.trainStep(a, y);
  // @ts-expect-error two inputs, in evaluate too
  two.evaluateSync(a, y);
  // @ts-expect-error compiled without a Training: no step
  void fwd.trainStep(a, y);
  // @ts-expect-error compiled without a Training: DistributedDataParallel has no gradients to sum
  void loadFwd({ distributed: true });
  // @ts-expect-error compiled without a Training: no evaluate
  void fwd.evaluate(a, y);
  // @ts-expect-error a step that does not wait reads no outputs
  void two.trainStep([a, b], y, { waitForLoss: false, outputs: true });
  // @ts-expect-error nor checks its loss
  two.trainStepSync([a, b], y, { waitForLoss: false, detectNonFinite: true });
  // @ts-expect-error rho is Adadelta's, not SGD's
  two.trainStepSync([a, b], y, { rho: 0.9 });
  // @ts-expect-error betas are Adam's
  two.trainStepSync([a, b], y, { lr: 0.1, betas: [0.9, 0.99] });
  // @ts-expect-error the model declares no param groups
  two.trainStepSync([a, b], y, { groupLrs: [0.1] });
  // @ts-expect-error no such parameter
  two.getParameter("fc.wieght");
  // @ts-expect-error an int64 buffer's data is a BigInt64Array
  const wrong: Float32Array = two.getParameter("bn.num_batches_tracked").data;
  // @ts-expect-error a weight of 3 rows
  const rows4: 4 = two.getParameter("fc.weight").shape[0];
}
console.log(loss, evaluation, evaluatedClasses, stepClasses, twoDevices, weight, rows, gradient, count, state, fromVariable, unknownResult, scheduled, noWait, out);
`,
    );
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ ...tsconfig, files: ["consumer.ts"] }, null, 2));
    const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
    const checked = await promisify(execFile)(process.execPath, [tsc, "-p", join(dir, "tsconfig.json")], { cwd: dir, encoding: "utf8", timeout: 180_000 }).catch(
      (e: { stdout?: string; stderr?: string }) => ({ stdout: `${e.stdout ?? ""}${e.stderr ?? ""}`, failed: true }),
    );
    expect("failed" in checked ? checked.stdout : "", "tsc on the consumer").toBe("");
    expect(two.dts).toContain("export type StepInputs = Readonly<Inputs>;");
    expect(fwd.dts).not.toContain("export type StepInputs");
  }, 300_000);

  it("writes the manifest's facts: several outputs, int32 inputs, no training, names escaped", () => {
    const { js, dts } = typedModule({
      model: "Two */ Heads",
      inputs: [{ name: "tokens", dtype: "int32", shape: ["Batch", 16] }],
      outputs: [
        { name: "out0", dtype: "float32", shape: ["Batch", 4] },
        { name: "out1", dtype: "float32", shape: ["Batch", 16, 8] },
      ],
      params: [{ name: "embed.weight", dtype: "float32", shape: [100, 8] }],
      buffers: [],
    });
    expect(dts).toContain("export type Inputs = [tokens: Tensor<Int32Array, readonly [number, 16]>];");
    expect(dts).toContain("export type Output = [Tensor<Float32Array, readonly [number, 4]>, Tensor<Float32Array, readonly [number, 16, 8]>];");
    expect(dts).toContain('export type ParameterName = "embed.weight";');
    expect(dts).toContain("export type BufferName = never;");
    expect(dts).toContain("export type TransientBufferName = never;");
    // a buffer with persistent false: getParameter's State has it, stateDict()'s type leaves it out, as the runtime does
    const transient = typedModule({ model: "M", inputs: [{ name: "x", dtype: "float32", shape: ["Batch", 2] }], outputs: [{ name: "out0", dtype: "float32", shape: ["Batch", 2] }], params: [], buffers: [{ name: "seen", dtype: "float32", shape: [2], persistent: false }] }).dts;
    expect(transient).toContain('export type TransientBufferName = "seen";');
    expect(transient).toContain("stateDict(): { [K in Exclude<keyof State, TransientBufferName>]: State[K] };");
    // no training members: the Omit<CompiledModel> list names them, and no member declares them again
    expect(dts).not.toMatch(/^\s+(trainStep|evaluate)\w*\(/m);
    // a model name cannot end the generated comments early
    expect(js + dts).not.toMatch(/Two \*\//);
  });
});
