import { resolve } from "node:path";
import { Argument, Command, CommanderError, Option } from "commander";
import { archList, className, integerInRange, modelFile, outDir, positiveNumber } from "./cli-args.ts";
import { isFresh } from "./6-build/freshness.ts";
import { defaultArchs, defaultTarget, type Target } from "./6-build/toolchain.ts";
import { CompileError } from "./diagnostics/diagnostic.ts";
import { formatDiagnostics } from "./diagnostics/format.ts";

// The compiler proper (ts-morph and all) is imported only when a command needs it, so that a
// compile whose output is already up to date answers at once.
const compiler = () => import("./pipeline.ts");

// The tsdp command line. A bad command line (unknown option, bad value, model file that is a
// directory, …) prints one line and exits 2 before any work; errors in the model print as
// diagnostics and exit 1, as do files that cannot be written; a bug in tsdp prints one line (the
// stack only with TSDP_DEBUG=1) and exits 3. None prints a raw stack trace.

const USAGE = 2;
const INTERNAL = 3;

const program = new Command();
program
  .name("tsdp")
  .description("Compile PyTorch-style TypeScript models to CUDA C++ with a data-parallel training harness")
  .version("0.1.0")
  // One line: what is wrong (and commander's "did you mean"), never the whole help.
  .configureOutput({ outputError: (text, write) => write(`tsdp: ${text.replace(/^error: /, "").trim().replace(/\s*\n\s*/g, " ")} (see tsdp --help)\n`) })
  .exitOverride((e: CommanderError) => process.exit(e.exitCode === 0 ? 0 : USAGE));

const modelOption = () => new Option("-m, --model <ClassName>", "the model class, when the file holds several").argParser(className);
const modelArgument = () => new Argument("<model.ts>", "the model file").argParser(modelFile);

interface LimitFlags {
  maxEvalSteps?: number;
  maxDepth?: number;
  maxArray?: number;
  maxOps?: number;
}

const limit = integerInRange("a compile limit", 1, Number.MAX_SAFE_INTEGER);

/** The budgets given as flags; those not given come from the environment or the defaults. */
function limitsOf(opts: LimitFlags): LimitFlags {
  const { maxEvalSteps, maxDepth, maxArray, maxOps } = opts;
  return Object.fromEntries(Object.entries({ maxEvalSteps, maxDepth, maxArray, maxOps }).filter(([, v]) => v !== undefined));
}

program
  .command("compile")
  .description("compile a model file into a model directory (model.cu, model.h, manifest.json, libmodel.so)")
  .addArgument(modelArgument())
  .addOption(modelOption())
  .addOption(new Option("-t, --target <target>", "cuda (nvcc, for the GPU) or cpu (g++ and the CPU shim); default: cuda when a GPU is present").choices(["cuda", "cpu"]))
  .option("-o, --out <dir>", "output directory (default: build/<model>)", outDir)
  .option("--arch <list>", "GPU architectures, e.g. sm_90 or sm_80,sm_90 (default: the local GPU's, else sm_80,sm_90)", archList)
  .addOption(new Option("-p, --precision <p>", "GEMM and convolution arithmetic: fp32, or tensor cores in tf32 or bf16").choices(["fp32", "tf32", "bf16"]).default("fp32"))
  .option("--bucket-cap-mb <mb>", "gradient bucket size for the all-reduce during the backward, as DDP's bucket_cap_mb", positiveNumber("megabytes", 1 << 20), 25)
  .addOption(new Option("--emit <what>", "ir: print the checked graph IR instead of building").choices(["ir"]))
  // compile budgets (compiler/limits.ts); each also reads TSDP_MAX_EVAL_STEPS, TSDP_MAX_DEPTH, ...
  .option("--max-eval-steps <n>", "compile-time evaluation steps, in all (default 10000000)", limit)
  .option("--max-depth <n>", "nesting of syntax, calls and module constructions (default 1000)", limit)
  .option("--max-array <n>", "elements of a compile-time array or characters of a string (default 1000000)", limit)
  .option("--max-ops <n>", "ops in the model's graph (default 250000)", limit)
  .action((file: string, opts: { model?: string; target?: Target; out?: string; arch?: string[]; emit?: "ir"; precision: "fp32" | "tf32" | "bf16"; bucketCapMb: number } & LimitFlags) =>
    run(async () => {
      const { defaultOutDir, recordedOptions } = await import("./build-paths.ts");
      if (opts.emit === "ir") {
        const [{ lowerModel }, { printGraph }] = await Promise.all([import("./1-frontend/lower.ts"), import("./ir/print.ts")]);
        process.stdout.write(printGraph(lowerModel(file, { model: opts.model, ...limitsOf(opts) }).graph) + "\n");
        return;
      }
      const started = performance.now();
      const archs = opts.arch ?? defaultArchs();
      const target = opts.target ?? defaultTarget();
      const outDir = resolve(opts.out ?? defaultOutDir(file));
      if (isFresh(outDir, file, recordedOptions(opts.model, target, archs, opts.precision, opts.bucketCapMb))) {
        process.stdout.write(`${file} → ${outDir} (${target}, up to date, ${Math.round(performance.now() - started)} ms)\n`);
        return;
      }
      const result = await (await compiler()).compile(file, { model: opts.model, target, outDir, archs, precision: opts.precision, bucketCapMb: opts.bucketCapMb, ...limitsOf(opts) });
      const ms = Math.round(performance.now() - started);
      const m = result.generated.manifest;
      process.stdout.write(
        `${m.model} → ${result.build.outDir} (${m.target}, ${m.kernels.length} kernels, ${result.build.cacheHit ? "cached" : "built"} in ${ms} ms)\n`,
      );
    }),
  );

program
  .command("inspect")
  .description("show a model's layers, parameters, shapes, fused kernels and memory plan")
  .addArgument(modelArgument())
  .addOption(modelOption())
  .option("--json", "print the report as JSON")
  .option("-b, --batch <n>", "batch size per device for the memory estimate", integerInRange("a batch size", 1, 2 ** 31 - 1), 64)
  .option("--arch <list>", "also compile the CUDA code with nvcc for these architectures (e.g. sm_90) and show each kernel's registers, spills, stack and shared memory", archList)
  .action((file: string, opts: { model?: string; json?: boolean; batch: number; arch?: string[] }) =>
    run(async () => {
      const [{ lowerModel }, { planKernels }, { planMemory }, { formatReport, modelReport }] = await Promise.all([
        import("./1-frontend/lower.ts"),
        import("./3-fusion/plan.ts"),
        import("./4-memory/plan.ts"),
        import("./inspect.ts"),
      ]);
      const model = lowerModel(file, { model: opts.model });
      const plan = planKernels(model.graph);
      const { trainingPrograms } = await import("./pipeline.ts");
      const training = trainingPrograms(model.graph);
      let report = modelReport(model, plan, planMemory(model.graph, plan), training, opts.batch);
      if (opts.arch) {
        // The code a CUDA compile would build, measured by ptxas (nvcc -c; no GPU needed).
        const [{ generate }, { measureResources }] = await Promise.all([import("./pipeline.ts"), import("./6-build/resources.ts")]);
        const { generated } = generate(file, { model: opts.model, target: "cuda" });
        report = { ...report, resources: await measureResources(generated.cu, opts.arch) };
      }
      process.stdout.write((opts.json ? JSON.stringify(report, null, 2) : formatReport(report)) + "\n");
    }),
  );

const FILE_ERRORS = new Map([
  ["EACCES", "permission denied"],
  ["ENOENT", "no such file or directory, and it cannot be created here"],
  ["EPERM", "operation not permitted"],
  ["EROFS", "read-only file system"],
  ["ENOSPC", "no space left on the device"],
  ["EDQUOT", "disk quota exceeded"],
  ["ENOTDIR", "a part of the path is a file, not a directory"],
  ["EISDIR", "is a directory"],
  ["ENAMETOOLONG", "name too long"],
  ["EMFILE", "too many open files"],
]);

async function run(f: () => Promise<void>): Promise<void> {
  try {
    await f();
  } catch (e) {
    if (e instanceof CompileError) {
      process.stderr.write(formatDiagnostics(e.diagnostics, { cwd: process.cwd(), color: Boolean(process.stderr.isTTY) }) + "\n");
      process.exitCode = 1;
      return;
    }
    const err = e as NodeJS.ErrnoException;
    // The file system said no (permissions, a full or read-only disk): the user's to fix, not a bug.
    if (typeof err.code === "string" && FILE_ERRORS.has(err.code)) {
      process.stderr.write(`tsdp: ${err.path ? `${err.path}: ` : ""}${FILE_ERRORS.get(err.code)} (${err.code})\n`);
      process.exitCode = 1;
      return;
    }
    process.stderr.write(`tsdp: internal error: ${err.message}\n`);
    if (process.env.TSDP_DEBUG) process.stderr.write(`${err.stack}\n`);
    else process.stderr.write("  (this is a bug in tsdp; run with TSDP_DEBUG=1 for details and report it)\n");
    process.exitCode = INTERNAL;
  }
}

await program.parseAsync();
