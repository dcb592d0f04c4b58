// Class 7: the tsdp command line. Every bad command, option or value is a usage error: exit code
// 2, one line on stderr saying what is wrong, no stack trace, nothing built or written. The model
// file given is the fixture's copy, so a case that wrongly accepted its arguments would compile.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { CaseContext, FixtureModel, RuntimeCase } from "../runtime-case.ts";
import { expectUsageError, tsdp } from "./builddir-support.ts";

/** A usage-error case: `args` (given the context) must be refused with `message`. */
const usage = (name: string, args: (ctx: CaseContext) => string[], message: RegExp, model: FixtureModel = "mlp-train"): RuntimeCase => ({
  name: `cli: ${name} is a usage error`,
  class: 7,
  model,
  expect: "ok",
  run: async (ctx) => expectUsageError(ctx, args(ctx), message),
});

const compile = (...rest: string[]) => (ctx: CaseContext) => ["compile", ctx.modelFile, "--target", "cpu", ...rest];
const inspect = (...rest: string[]) => (ctx: CaseContext) => ["inspect", ctx.modelFile, ...rest];

export const cases: RuntimeCase[] = [
  // the model file
  usage("compile without a model file", () => ["compile"], /missing required argument 'model.ts'/),
  usage('compile ""', () => ["compile", ""], /the model file name is empty/),
  usage("compile of a directory", (c) => ["compile", c.dir], /is a directory; pass the model's .ts file/),
  usage("compile of a missing file", (c) => ["compile", join(c.tmp, "absent.ts")], /absent\.ts: no such file/),
  usage("compile of a path through a file", (c) => ["compile", join(c.modelFile, "x.ts")], /no such file/),
  usage("compile of /dev/zero", () => ["compile", "/dev/zero"], /is not a regular file/),
  usage("inspect of a directory", (c) => ["inspect", c.dir], /is a directory/, "cnn-forward"),
  usage('inspect ""', () => ["inspect", ""], /the model file name is empty/),
  // --arch
  usage("--arch sm_xx", compile("--arch", "sm_xx"), /'xx' is not a GPU architecture/),
  usage("--arch sm_8", compile("--arch", "sm_8"), /'8' is not a GPU architecture/),
  usage("--arch 30 (older than nvcc builds)", compile("--arch", "30"), /'30' is not a GPU architecture/),
  usage("--arch with an empty entry", compile("--arch", "sm_80,,sm_90"), /'' is not a GPU architecture/),
  usage("--arch of a shell injection", compile("--arch", "90;touch x"), /is not a GPU architecture/),
  // --out
  usage('--out ""', compile("--out", ""), /the output directory is empty/),
  usage('--out " "', compile("--out", " "), /the output directory is empty/),
  usage("--out an existing file", (c) => compile("--out", c.modelFile)(c), /is a file, not a directory/),
  usage("--out under a file", (c) => compile("--out", join(c.modelFile, "sub"))(c), /a part of the path is a file/),
  // numbers
  ...["0", "-1", "NaN", "1e999", "abc", "", "0x10", "Infinity", "2e6"].map((v) =>
    usage(`--bucket-cap-mb ${JSON.stringify(v)}`, compile("--bucket-cap-mb", v), /is not a positive number of megabytes/),
  ),
  ...["0", "-4", "1.5", "NaN", "1e999", "abc", "", "2147483648"].map((v) =>
    usage(`inspect --batch ${JSON.stringify(v)}`, inspect("--batch", v), /is not a batch size: expected an integer from 1 to 2147483647/, "cnn-forward"),
  ),
  // choices, names, unknown things
  usage("--target tpu", compile("--target", "tpu"), /Allowed choices are cuda, cpu/),
  usage("--precision fp8", compile("--precision", "fp8"), /Allowed choices are fp32, tf32, bf16/),
  usage("--emit asm", compile("--emit", "asm"), /Allowed choices are ir/),
  usage('--model ""', compile("--model", ""), /'' is not a class name/),
  usage("--model of a path", compile("--model", "../Model"), /is not a class name/),
  usage("an unknown option", compile("--optimise"), /unknown option '--optimise'/),
  usage("an option without its value", compile("--out"), /option '-o, --out <dir>' argument missing/),
  usage("two model files", (c) => ["compile", c.modelFile, c.modelFile], /too many arguments for 'compile'/),
  usage("an unknown command", () => ["build"], /unknown command 'build'/),
  {
    name: "cli: an output directory that cannot be created is a one-line error, not a hang",
    class: 7,
    model: "mlp-train",
    expect: "ok",
    timeoutSeconds: 120,
    run: async (ctx) => {
      const r = tsdp(ctx, ["compile", ctx.modelFile, "--target", "cpu", "--out", "/proc/tsdp-adversarial"], { cwd: ctx.tmp });
      if (r.status !== 1 || !/^tsdp: \/proc\/tsdp-adversarial: no such file or directory, and it cannot be created here \(ENOENT\)\n$/.test(r.stderr))
        throw new Error(`exit ${r.status}, stderr ${JSON.stringify(r.stderr)}`);
    },
  },
  {
    name: "cli: a model file that does not compile exits 1 with a diagnostic, not a usage error",
    class: 7,
    model: "mlp-train",
    expect: "ok",
    timeoutSeconds: 120,
    run: async (ctx) => {
      const bad = join(ctx.tmp, "bad.ts");
      writeFileSync(bad, 'import { nn } from "tsdp/dsl";\nexport class M extends nn.Module {}\n');
      const r = tsdp(ctx, ["compile", bad, "--target", "cpu", "--out", join(ctx.tmp, "out")], { cwd: ctx.tmp });
      if (r.status !== 1 || !/TSDP\d{4}/.test(r.stderr) || /internal error/.test(r.stderr)) throw new Error(`exit ${r.status}, stderr ${JSON.stringify(r.stderr)}`);
    },
  },
];
