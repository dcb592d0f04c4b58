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
    expect(dts).not.toContain("trainStep");
    // a model name cannot end the generated comments early
    expect(js + dts).not.toMatch(/Two \*\//);
  });
});
