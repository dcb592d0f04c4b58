import { resolve } from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import { isFresh } from "./6-build/freshness.ts";
import { defaultArchs, defaultTarget, type Target } from "./6-build/toolchain.ts";
import { CompileError } from "./diagnostics/diagnostic.ts";
import { formatDiagnostics } from "./diagnostics/format.ts";

// The compiler proper (ts-morph and all) is imported only when a command needs it, so that a
// compile whose output is already up to date answers at once.
const compiler = () => import("./pipeline.ts");

// The tsdp command line. User errors print as diagnostics and exit 1; a bug in tsdp prints
// one line (the stack only with TSDP_DEBUG=1) and exits 2. Neither prints a raw stack trace.

const program = new Command();
program
  .name("tsdp")
  .description("Compile PyTorch-style TypeScript models to CUDA C++ with a data-parallel training harness")
  .version("0.1.0")
  .showHelpAfterError();

const modelOption = () => new Option("-m, --model <ClassName>", "the model class, when the file holds several");

/** "sm_90", "90", "sm_80,sm_90" → ["90"] / ["80", "90"]. */
function parseArchs(value: string): string[] {
  const archs = value.split(",").map((a) => a.trim().replace(/^(sm_|compute_)/, ""));
  for (const a of archs) if (!/^\d{2,3}[af]?$/.test(a)) throw new Error(`--arch: '${a}' is not a GPU architecture like sm_90`);
  return archs;
}

function parseBucketCap(value: string): number {
  const mb = Number(value);
  if (!Number.isFinite(mb) || mb <= 0) throw new InvalidArgumentError(`'${value}' is not a positive number of megabytes`);
  return mb;
}

interface LimitFlags {
  maxEvalSteps?: number;
  maxDepth?: number;
  maxArray?: number;
  maxOps?: number;
}

function parseLimit(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`'${value}' is not a positive whole number`);
  return n;
}

/** The budgets given as flags; those not given come from the environment or the defaults. */
function limitsOf(opts: LimitFlags): LimitFlags {
  const { maxEvalSteps, maxDepth, maxArray, maxOps } = opts;
  return Object.fromEntries(Object.entries({ maxEvalSteps, maxDepth, maxArray, maxOps }).filter(([, v]) => v !== undefined));
}

program
  .command("compile")
  .description("compile a model file into a model directory (model.cu, model.h, manifest.json, libmodel.so)")
  .argument("<model.ts>", "the model file")
  .addOption(modelOption())
  .addOption(new Option("-t, --target <target>", "cuda (nvcc, for the GPU) or cpu (g++ and the CPU shim); default: cuda when a GPU is present").choices(["cuda", "cpu"]))
  .option("-o, --out <dir>", "output directory (default: build/<model>)")
  .option("--arch <list>", "GPU architectures, e.g. sm_90 or sm_80,sm_90 (default: the local GPU's, else sm_80,sm_90)")
  .addOption(new Option("-p, --precision <p>", "GEMM and convolution arithmetic: fp32, or tensor cores in tf32 or bf16").choices(["fp32", "tf32", "bf16"]).default("fp32"))
  .option("--bucket-cap-mb <mb>", "gradient bucket size for the all-reduce during the backward, as DDP's bucket_cap_mb", parseBucketCap, 25)
  .addOption(new Option("--emit <what>", "ir: print the checked graph IR instead of building").choices(["ir"]))
  // compile budgets (compiler/limits.ts); each also reads TSDP_MAX_EVAL_STEPS, TSDP_MAX_DEPTH, ...
  .option("--max-eval-steps <n>", "compile-time evaluation steps, in all (default 10000000)", parseLimit)
  .option("--max-depth <n>", "nesting of syntax, calls and module constructions (default 1000)", parseLimit)
  .option("--max-array <n>", "elements of a compile-time array or characters of a string (default 1000000)", parseLimit)
  .option("--max-ops <n>", "ops in the model's graph (default 250000)", parseLimit)
  .action((file: string, opts: { model?: string; target?: Target; out?: string; arch?: string; emit?: "ir"; precision: "fp32" | "tf32" | "bf16"; bucketCapMb: number } & LimitFlags) =>
    run(async () => {
      const { defaultOutDir, recordedOptions } = await import("./build-paths.ts");
      if (opts.emit === "ir") {
        const [{ lowerModel }, { printGraph }] = await Promise.all([import("./1-frontend/lower.ts"), import("./ir/print.ts")]);
        process.stdout.write(printGraph(lowerModel(file, { model: opts.model, ...limitsOf(opts) }).graph) + "\n");
        return;
      }
      const started = performance.now();
      const archs = opts.arch ? parseArchs(opts.arch) : defaultArchs();
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
  .argument("<model.ts>", "the model file")
  .addOption(modelOption())
  .option("--json", "print the report as JSON")
  .option("-b, --batch <n>", "batch size per device for the memory estimate", (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--batch: expected a positive integer, got ${v}`);
    return n;
  }, 64)
  .action((file: string, opts: { model?: string; json?: boolean; batch: number }) =>
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
      const report = modelReport(model, plan, planMemory(model.graph, plan), training, opts.batch);
      process.stdout.write((opts.json ? JSON.stringify(report, null, 2) : formatReport(report)) + "\n");
    }),
  );

async function run(f: () => Promise<void>): Promise<void> {
  try {
    await f();
  } catch (e) {
    if (e instanceof CompileError) {
      process.stderr.write(formatDiagnostics(e.diagnostics, { cwd: process.cwd(), color: Boolean(process.stderr.isTTY) }) + "\n");
      process.exitCode = 1;
      return;
    }
    const err = e as Error;
    process.stderr.write(`tsdp: internal error: ${err.message}\n`);
    if (process.env.TSDP_DEBUG) process.stderr.write(`${err.stack}\n`);
    else process.stderr.write("  (this is a bug in tsdp; run with TSDP_DEBUG=1 for details and report it)\n");
    process.exitCode = 2;
  }
}

await program.parseAsync();
