// What a model file or a tuning file can make the compiler do, bounded: inputs found by an
// adversarial sweep that ran the compiler out of memory, hung it, or ended it with an internal
// error. Each is refused with a diagnostic now (or compiled, where the input is valid), quickly.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ejectKernel } from "../compiler/eject.ts";
import { CompileError } from "../compiler/diagnostics/diagnostic.ts";
import { formatDiagnostic } from "../compiler/diagnostics/format.ts";
import { generate } from "../compiler/pipeline.ts";
import { inspectKernel } from "../compiler/tuning/kernel-report.ts";
import { parseTuningFile, readTuningFile } from "../compiler/tuning/tuning-file.ts";
import { diagnosticsOf, header, lowerSource, writeFiles } from "./helpers.ts";

const model = (ctor: string, forward = "return this.fc(x);") =>
  `${header}export class M extends nn.Module {\n  fc = new nn.Linear(3, 3);\n  constructor() {\n    super();\n    ${ctor}\n  }\n  forward(x: Tensor<[Batch, 3]>) {\n    ${forward}\n  }\n}\n`;

/**
 * The first diagnostic's code and message. These inputs once ran for minutes or out of memory; no
 * timed assertion here (timings belong in bench/): a regression would not end within the test's timeout.
 */
function firstFailure(src: string): string {
  const [d] = diagnosticsOf(src);
  return `${d.code}: ${d.message}`;
}

describe("constant tensors and the compiler's memory and time", () => {
  it("repeatInterleave's counts are summed before the index table is built (2^30 each ran V8 out of memory)", () => {
    const text = firstFailure(model("", "return this.fc(x).repeatInterleave(F.tensor([2 ** 30, 2 ** 30, 2 ** 30]), 1);"));
    expect(text).toBe("TSDP4006: repeatInterleave: the counts sum to 3221225472, the size of the result's dim 1; with a tensor of counts tsdp builds that dim's index table as a constant, up to 1000000 entries");
  });

  it("an int32 buffer built as a DAG of 60 levels (t = min(t, t)) compiles: its literal scan visits each node once", () => {
    // the scan walked every path: 2^60 of them
    const { graph } = lowerSource(model("let t = F.arange(4);\n    for (let i = 0; i < 60; i++) t = F.minimum(t, t);\n    this.registerBuffer(\"idx\", t);"));
    expect(graph.outputs[0].shape).toEqual([{ batch: 1 }, 3]);
    // 7 levels took 8.6 s before: 60 would not end within the test's timeout
  });

  it("a constant's linear algebra is bounded (a 3000×3000 inverse took two minutes): refused past 4e9 multiply-adds", () => {
    const text = firstFailure(model("this.registerBuffer(\"w\", F.linalg.inv(F.eye(3000).add(1)));"));
    expect(text).toBe("TSDP4006: inverse: computing this model's constant tensors takes more than 4e+9 multiply-adds ([3000, 3000] here); use a smaller constant, or load its values into a buffer from a checkpoint");
  });

  it("a buffer of a non-finite fill (ones / 0, the inverse of a singular constant) is generated with math.h's INFINITY and NAN", () => {
    // codegen had no C literal for them: an internal error
    for (const [ctor, literal] of [
      ["this.registerBuffer(\"b\", F.ones(3).div(0));", "INFINITY"],
      ["this.registerBuffer(\"b\", F.zeros(3).div(0));", "NAN"],
    ] as const) {
      const dir = writeFiles({ "model.ts": model(ctor, "return this.fc(x).minimum(this.b);") });
      const cu = generate(join(dir, "model.ts"), { target: "cpu" }).generated.cu;
      expect(cu).toMatch(new RegExp(`\\.init = TSDP_INIT_CONSTANT, \\.a = ${literal},`));
    }
  });
});

describe("generated code quoting the model's comments", () => {
  it("a comment with `__global__ void f(` or `TSDP_LAUNCH(` is not read as the kernel's code by tsdp eject", () => {
    for (const comment of ["// __global__ void evil_kernel(int a", "// TSDP_LAUNCH(tsdp_kernels::fc_relu_kernel, (("]) {
      const dir = writeFiles({ "model.ts": `${header}export class M extends nn.Module {\n  fc = new nn.Linear(4, 3);\n  forward(x: Tensor<[Batch, 4]>) { return F.relu(this.fc(x)); } ${comment}\n}\n` });
      // an internal error ("unbalanced parentheses"), or a record with "grid undefined" and no shapes
      const text = readFileSync(ejectKernel(join(dir, "model.ts"), "fc_relu", { target: "cpu" }), "utf8");
      expect(text).toContain("// tsdp-shape: fc.weight [3, 4]");
      expect(text).toMatch(/^\/\/ tsdp-launch: .*grid dim3\(.*\) block dim3\(\d+\)$/m);
    }
  });
});

describe("tuning files", () => {
  const refusal = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      if (e instanceof CompileError) return e.diagnostics.map((d) => formatDiagnostic(d)).join("\n");
      throw e;
    }
    throw new Error("expected a refusal");
  };

  it("a device (/dev/zero: read forever), a file past 16 MiB and one nested 100,000 deep are refused without reading or recursing", () => {
    expect(refusal(() => readTuningFile("/dev/zero"))).toMatch(/^error TSDP6101: \/dev\/zero: not a regular file \(a device, FIFO or socket\)/);
    const dir = writeFiles({ "big.json": "" });
    writeFileSync(join(dir, "big.json"), Buffer.alloc((16 << 20) + 1, 32));
    expect(refusal(() => readTuningFile(join(dir, "big.json")))).toMatch(/16777217 bytes, more than a tuning file's 16777216/);
    // the location parser recursed per level: "Maximum call stack size exceeded", an internal error
    expect(refusal(() => parseTuningFile("[".repeat(100_000), "deep.json"))).toMatch(/deep\.json: nested 100000 levels deep/);
  });

  it("an editor's byte-order mark is read past; a value of 100,000 characters is quoted cut, and its line shown as a window", () => {
    expect(parseTuningFile('\ufeff{"kernels": {}}', "bom.json").entries.size).toBe(0);
    const long = "x".repeat(100_000);
    const text = refusal(() => parseTuningFile(`{"kernels": {"fc1": {"tile": ${JSON.stringify(long)}, "splitK": [1]}}}`, "long.json"));
    // each line of the message a screen's width at most (it was the value three times: 300,000 characters)
    expect(Math.max(...text.split("\n").map((l) => l.length))).toBeLessThan(400);
  });

  it("a knob written 1e400 (JSON.parse's Infinity) is called a number too large, not \"number null\"", () => {
    const text = refusal(() => parseTuningFile('{"kernels": {"fc2": {"split": 1e400}}}', "huge.json"));
    expect(text).toMatch(/TSDP6102: huge\.json: fc2\.split must be a string or a number, got a number too large for a double/);
  });
});

describe("the state_dict's keys over shared modules", () => {
  it("the walk is bounded by the module paths it takes, not only the keys it finds: 30 levels of stateless modules, each held twice (2^30 paths), list the Linear's 2 keys", () => {
    // the keys alone never reached the bound: the walk took every path (depth 22: a minute; 30: hours), and this test ran into its timeout
    const levels = Array.from({ length: 30 }, (_, i) => `class L${i + 1} extends nn.Module {\n  a = new L${i}();\n  b = this.a;\n  forward(x: Tensor<[Batch, 4]>) { return this.a(x); }\n}`).join("\n");
    const src = `${header}class L0 extends nn.Module {\n  forward(x: Tensor<[Batch, 4]>) { return F.relu(x); }\n}\n${levels}\nexport class M extends nn.Module {\n  fc = new nn.Linear(4, 4);\n  top = new L30();\n  forward(x: Tensor<[Batch, 4]>) { return this.top(this.fc(x)); }\n}\n`;
    expect(lowerSource(src).graph.stateDict!.map((k) => k.key)).toEqual(["fc.weight", "fc.bias"]);
  });
});

describe("the user's own arguments echoed in messages", () => {
  it("tsdp inspect --kernel with a terminal control sequence shows it escaped, not run", () => {
    const c = generate("examples/lenet/model.ts", { target: "cpu" });
    expect(() => inspectKernel(c, "\u001b]0;PWNED\u0007", { batch: 64, shapeFor: "gpu", precision: "fp32" })).toThrow(/is not a kernel of SimpleModel/);
    try {
      inspectKernel(c, "\u001b]0;PWNED\u0007", { batch: 64, shapeFor: "gpu", precision: "fp32" });
    } catch (e) {
      expect((e as Error).message).not.toMatch(/[\u0000-\u001f\u007f]/);
    }
  });
});

