import { dirname, resolve } from "node:path";
import { Argument, Command, CommanderError, Option } from "commander";
import { archList, className, existingDir, integerInRange, modelFile, outDir, positiveNumber, scriptFile } from "./cli-args.ts";
import { isFresh } from "./6-build/freshness.ts";
import { rememberResolution } from "./6-build/up-to-date.mjs";
import { defaultArchs, defaultTarget, type Target } from "./6-build/toolchain.ts";
import { CompileError, type Diagnostic } from "./diagnostics/diagnostic.ts";
import { formatDiagnostics, printable } from "./diagnostics/format.ts";

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
  // options after a command are that command's (tsdp launch passes the script's own through)
  .enablePositionalOptions()
  // One line: what is wrong (and commander's "did you mean"), never the whole help.
  .configureOutput({ outputError: (text, write) => write(`tsdp: ${text.replace(/^error: /, "").trim().replace(/\s*\n\s*/g, " ")} (see tsdp --help)\n`) })
  .exitOverride((e: CommanderError) => process.exit(e.exitCode === 0 ? 0 : USAGE));

/** A compile's warnings on stderr, as its errors are formatted (none: nothing). */
function printWarnings(warnings: readonly Diagnostic[]): void {
  if (warnings.length) process.stderr.write(formatDiagnostics(warnings, { cwd: process.cwd(), color: Boolean(process.stderr.isTTY) }) + "\n");
}

/** commander's way of taking a repeated option: each value appended. */
const collect = (value: string, previous: string[]) => [...previous, value];

// The GPUs of compiler/gpu-specs.ts; a literal list here, so that `tsdp --help` need not load the compiler.
const GPU_CHOICES = ["h100", "h200", "a100"] as const;
type GpuChoice = (typeof GPU_CHOICES)[number];

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

/** compile budgets (compiler/limits.ts); each also reads TSDP_MAX_EVAL_STEPS, TSDP_MAX_DEPTH, ... */
function withLimits(command: Command): Command {
  return command
    .option("--max-eval-steps <n>", "compile-time evaluation steps, in all (default 10000000)", limit)
    .option("--max-depth <n>", "nesting of syntax, calls and module constructions (default 1000)", limit)
    .option("--max-array <n>", "elements of a compile-time array or characters of a string (default 1000000)", limit)
    .option("--max-ops <n>", "ops in the model's graph (default 250000)", limit);
}

/** "Examples:" for a command's --help: an invocation and what it does, per line. */
function examples(...lines: [string, string][]): string {
  const width = Math.max(...lines.map(([c]) => c.length));
  return `\nExamples:\n${lines.map(([c, what]) => `  $ ${c.padEnd(width)}  # ${what}`).join("\n")}`;
}

const compileCommand = program
  .command("compile")
  .description("compile a model file into a model directory (model.cu, model.h, manifest.json, libmodel.so, and a typed index.js + index.d.ts)")
  .addArgument(modelArgument())
  .addOption(modelOption())
  .addOption(new Option("-t, --target <target>", "cuda (nvcc, for the GPU) or cpu (g++ and the CPU shim); default: cuda when a GPU is present").choices(["cuda", "cpu"]))
  .option("-o, --out <dir>", "output directory (default: build/<model>)", outDir)
  .option("--arch <list>", "GPU architectures, e.g. sm_90 or sm_80,sm_90 (default: the local GPU's, else sm_80,sm_90)", archList)
  .addOption(new Option("-p, --precision <p>", "GEMM and convolution arithmetic: fp32, or tensor cores in tf32 or bf16").choices(["fp32", "tf32", "bf16"]).default("fp32"))
  .addOption(
    new Option("--gemm <library>", "which GEMMs call cuBLASLt at run time (tsdp's kernel when it is absent): auto (dense ones with fixed dims ≥ 256 and ≥ 1M multiply-adds per sample), tsdp (none), cublaslt (every dense one)")
      .choices(["auto", "tsdp", "cublaslt"])
      .default("auto"),
  )
  .option("--bucket-cap-mb <mb>", "gradient bucket size for the all-reduce during the backward, as DDP's bucket_cap_mb", positiveNumber("megabytes", 1 << 20), 25)
  .option("--memcheck", "cpu target: build with AddressSanitizer and the shim's memory checks (also TSDP_SHIM_MEMCHECK=1)")
  .addOption(new Option("--shape-for <machine>", "kernel shapes (tiles, split-K) chosen for the GPU or for the CPU target; default: the target's").choices(["gpu", "cpu"]))
  .option("--counters", "cpu target: a build that counts what a GPU profiler would (bank conflicts, sectors per request; see tsdp counters)")
  .addOption(new Option("--emit <what>", "ir: print the checked graph IR instead of building").choices(["ir"]))
  .option("--tune <file>", "the tuning file: kernel knobs (tiles, split-K, block sizes) by kernel name (default: <model>.tune.json beside the model, when it exists)")
  .option("--no-tune", "ignore <model>.tune.json: every kernel shape from tsdp's heuristics")
  .option("--kernels <dir>", "where your kernel overrides (tsdp eject) are read from (default: kernels/ next to the model)", existingDir)
  .option("--no-kernels", "read no kernel overrides: only tsdp's generated kernels (a model directory from elsewhere: its kernels/ files are native code that compile builds and runs)")
  .addHelpText("after", examples(
    ["tsdp compile model.ts", "build for the GPU when there is one, else the CPU target, into build/<model>"],
    ["tsdp compile model.ts --tune fast.tune.json", "with the kernel knobs of a tuning file (see tsdp tune, tsdp inspect --kernel)"],
    ["tsdp compile model.ts --target cpu --out build/net", "the CPU target, into a directory of your choice"],
    ["tsdp compile model.ts --arch sm_90 --precision bf16", "an H100/H200 build with GEMMs on bf16 tensor cores"],
    ["tsdp compile model.ts --gemm cublaslt", "every linear layer and matmul on cuBLASLt (loaded at run time), tsdp's kernels where it is absent"],
    ["tsdp compile model.ts --target cpu --memcheck", "the CPU target with AddressSanitizer: out-of-bounds accesses reported"],
    ["tsdp compile model.ts --target cpu --shape-for gpu", "the CPU target running the kernels as shaped for the GPU"],
    ["tsdp compile model.ts --target cpu --counters", "the CPU target, counting bank conflicts and sectors per kernel launch"],
    ["tsdp compile model.ts --emit ir", "print the checked graph IR instead of building"],
    ["tsdp compile model.ts --kernels my-kernels", "use the overrides in my-kernels/ (tsdp eject --out my-kernels), verified first"],
  ));
withLimits(compileCommand)
  .action((file: string, opts: { model?: string; target?: Target; out?: string; arch?: string[]; emit?: "ir"; precision: "fp32" | "tf32" | "bf16"; gemm: "auto" | "tsdp" | "cublaslt"; bucketCapMb: number; memcheck?: boolean; counters?: boolean; shapeFor?: "gpu" | "cpu"; tune?: string | false; kernels?: string | false } & LimitFlags) =>
    run(async () => {
      const { defaultOutDir, memcheckFromEnv, recordedOptions } = await import("./build-paths.ts");
      const { tuningPathFor } = await import("./tuning/tuning-file.ts");
      if (opts.emit === "ir") {
        const [{ lowerModel }, { printGraph }] = await Promise.all([import("./1-frontend/lower.ts"), import("./ir/print.ts")]);
        process.stdout.write(printGraph(lowerModel(file, { model: opts.model, ...limitsOf(opts) }).graph) + "\n");
        return;
      }
      const started = performance.now();
      const archs = opts.arch ?? defaultArchs();
      const target = opts.target ?? defaultTarget();
      const outDir = resolve(opts.out ?? defaultOutDir(file));
      const memcheck = opts.memcheck === true || memcheckFromEnv();
      if (memcheck && target !== "cpu") {
        // A usage error, like the option parsers' (exit code 2).
        process.stderr.write("tsdp: --memcheck (or TSDP_SHIM_MEMCHECK) is for --target cpu; on a GPU, run the model under compute-sanitizer --tool memcheck\n");
        process.exitCode = 2;
        return;
      }
      const counters = opts.counters === true;
      if (counters && (target !== "cpu" || opts.memcheck === true)) {
        process.stderr.write(
          target !== "cpu"
            ? "tsdp: --counters is for --target cpu; on a GPU, profile the model with Nsight Compute (ncu)\n"
            : "tsdp: --counters and --memcheck are two different builds; choose one\n",
        );
        process.exitCode = 2;
        return;
      }
      // --tune's file, or model.tune.json beside the model (its contents are hashed as a source)
      const tunePath = opts.tune === false ? undefined : tuningPathFor(file, opts.tune);
      const { overridesRecord } = await import("./6-build/overrides.ts");
      const options = { ...recordedOptions(opts.model, target, archs, opts.precision, opts.bucketCapMb, memcheck && !counters, opts.shapeFor, counters, opts.gemm, false, opts.tune === false ? false : tunePath), ...(opts.kernels === false ? {} : overridesRecord(file, opts.kernels)) };
      if (isFresh(outDir, file, options)) {
        process.stdout.write(`${file} → ${outDir} (${target}, up to date, ${Math.round(performance.now() - started)} ms)\n`);
        return;
      }
      // the warnings before the build: one may say that the build will take long
      const warn = (c: { warnings: readonly Diagnostic[] }) => printWarnings(c.warnings);
      const result = await (await compiler()).compile(file, { model: opts.model, target, outDir, archs, precision: opts.precision, gemm: opts.gemm, bucketCapMb: opts.bucketCapMb, memcheck: memcheck && !counters, counters, shapeFor: opts.shapeFor, tune: opts.tune, kernelsDir: opts.kernels, onGenerated: warn, ...limitsOf(opts) });
      // What this command line resolved to, for bin/tsdp.js to answer the next one like it.
      rememberResolution(process.argv.slice(2), { file, outDir, target, options: JSON.stringify(options), cacheEntry: result.build.cacheEntry });
      const ms = Math.round(performance.now() - started);
      const m = result.generated.manifest;
      process.stdout.write(
        `${m.model} → ${result.build.outDir} (${m.target}, ${m.kernels.length} kernels, ${result.build.cacheHit ? "cached" : "built"} in ${ms} ms)\n`,
      );
      // the user's kernels in this library, and what checked them
      if ("verified" in result.build) for (const line of result.build.verified as string[]) process.stdout.write(`  ${line}\n`);
    }),
  );

const inspectCommand = program
  .command("inspect")
  .description("show a model's layers, parameters, shapes, fused kernels and memory plan; with --gpu, an estimate of each kernel's time on that GPU")
  .addArgument(modelArgument())
  .addOption(modelOption())
  .option("--json", "print the report as JSON")
  .option("-b, --batch <n>", "batch size per device for the memory estimate and --gpu (default 64, or the batch the --counters were measured at)", integerInRange("a batch size", 1, 2 ** 31 - 1))
  .option("--arch <list>", "also compile the CUDA code with nvcc for these architectures (e.g. sm_90) and show each kernel's registers, spills, stack and shared memory", archList)
  .addOption(
    new Option("--from <dir>", "show the kernel resources that ptxas recorded when this model was compiled into <dir> (tsdp compile --target cuda), instead of running nvcc again")
      .conflicts("arch"),
  )
  .addOption(new Option("--gpu <gpu>", "estimate every kernel of the training step and the forward on this GPU: FLOPs, bytes, grid, waves, occupancy, time (a roofline with a launch floor)").choices(GPU_CHOICES))
  .option("--counters <file>", "with --gpu: the CPU target's counters (JSON, one program per file; repeat for step and forward): bank conflicts and sectors per request", collect, [])
  .addOption(new Option("-p, --precision <p>", "GEMM and convolution arithmetic to inspect: fp32, or tensor cores in tf32 or bf16 (with --from: the build's)").choices(["fp32", "tf32", "bf16"]))
  .addOption(new Option("--gemm <library>", "which GEMMs to inspect on cuBLASLt: auto, tsdp or cublaslt, as tsdp compile --gemm").choices(["auto", "tsdp", "cublaslt"]).default("auto"))
  .option("-k, --kernel <name>", "show one kernel: its source lines, its knobs (value, origin, legal values), its launches and costs (with --gpu, the model's estimate)")
  .addOption(new Option("--shape-for <machine>", "with --kernel: the kernel shapes of the GPU (default) or of the CPU target").choices(["gpu", "cpu"]).default("gpu"))
  .option("--tune <file>", "the tuning file to apply (default: <model>.tune.json beside the model, when it exists)")
  .option("--no-tune", "ignore <model>.tune.json")
  .addHelpText("after", examples(
    ["tsdp inspect model.ts", "layers, parameters, kernels with their fusion rules and costs, memory"],
    ["tsdp inspect model.ts --kernel conv2_relu_pool --gpu h100", "one kernel: source lines, knobs with their origins and legal values, estimated time"],
    ["tsdp inspect model.ts --batch 256", "the memory estimate for 256 samples per device"],
    ["tsdp inspect model.ts --arch sm_90", "also each kernel's registers, spills and shared memory from ptxas"],
    ["tsdp inspect model.ts --from build/model", "the same, as recorded by the CUDA build in build/model"],
    ["tsdp inspect model.ts --gpu h100 --batch 256", "each kernel's estimated time on an H100, the step's total and its bound"],
    ["tsdp inspect model.ts --gpu h100 --gemm tsdp", "the same with every GEMM on tsdp's own kernels instead of cuBLASLt"],
    ["tsdp inspect model.ts --gpu h100 --counters step.json", "the same with the counters the CPU target measured"],
    ["tsdp inspect model.ts --json | jq .kernels", "the same report as JSON, for scripts"],
  ));
withLimits(inspectCommand)
  .action((file: string, opts: { model?: string; json?: boolean; batch?: number; arch?: string[]; from?: string; gpu?: GpuChoice; counters: string[]; precision?: "fp32" | "tf32" | "bf16"; gemm: "auto" | "tsdp" | "cublaslt"; kernel?: string; shapeFor: "gpu" | "cpu"; tune?: string | false } & LimitFlags) =>
    run(async () => {
      if (opts.counters.length && !opts.gpu) {
        // A usage error, like the option parsers' (exit code 2).
        process.stderr.write("tsdp: --counters is for the performance model: add --gpu h100, h200 or a100\n");
        process.exitCode = 2;
        return;
      }
      const [{ generate }, { formatReport, modelReport }] = await Promise.all([compiler(), import("./inspect.ts")]);
      const counters = opts.gpu ? await Promise.all(opts.counters.map(async (f) => (await import("./inspect-gpu.ts")).readCounters(f))) : [];
      const batch = opts.batch ?? counters[0]?.batch ?? 64;
      // The CUDA code a compile would build (no build: nothing is written), with the GPU's kernel
      // shapes. Its manifest is the report.
      const compiled = generate(file, { model: opts.model, target: "cuda", shapeFor: opts.kernel ? opts.shapeFor : "gpu", precision: opts.precision, gemm: opts.gemm, tune: opts.tune, ...limitsOf(opts) });
      printWarnings(compiled.warnings);
      if (opts.kernel) {
        const { inspectKernel, formatKernelInspection, UnknownKernelError } = await import("./tuning/kernel-report.ts");
        try {
          const r = inspectKernel(compiled, opts.kernel, { batch, shapeFor: opts.shapeFor, precision: opts.precision ?? "fp32", gpu: opts.gpu, counters });
          process.stdout.write((opts.json ? JSON.stringify(r, null, 2) : formatKernelInspection(r)) + "\n");
        } catch (e) {
          if (!(e instanceof UnknownKernelError)) throw e;
          process.stderr.write(`tsdp: --kernel ${printable(e.message)}\n`);
          process.exitCode = USAGE;
        }
        return;
      }
      const most = compiled.generated.manifest.maxSamplesPerDevice;
      if (opts.gpu && batch > most) {
        // A usage error (exit code 2): the library would refuse this batch on one device too.
        process.stderr.write(`tsdp: --batch ${batch} is more samples than one device takes for this model (at most ${most}: its kernels index elements with 32-bit ints)\n`);
        process.exitCode = 2;
        return;
      }
      let report = modelReport(compiled, batch);
      const { overrideStatuses, kernelsDirectory } = await import("./6-build/overrides.ts");
      const overrides = overrideStatuses(compiled.generated.cu, kernelsDirectory(file), dirname(resolve(file)));
      if (overrides.length) report = { ...report, overrides };
      let launches = compiled.generated.manifest.launches;
      let precision = opts.precision ?? "fp32";
      if (opts.arch) {
        // measured by ptxas (nvcc -c; no GPU needed)
        const { checkPrecisionArchs } = await import("./6-build/toolchain.ts");
        checkPrecisionArchs(opts.precision, opts.arch);
        const { measureResources } = await import("./6-build/resources.ts");
        report = { ...report, resources: await measureResources(compiled.generated.cu, opts.arch) };
      } else if (opts.from) {
        const { readBuild } = await import("./inspect-build.ts");
        const { built, resources } = await readBuild(opts.from, compiled.generated.manifest);
        report = { ...report, resources };
        if (opts.gpu) {
          // the model of what was built: its launches and precision
          const { fail } = await import("./diagnostics/diagnostic.ts");
          launches = built.launches ?? fail("unusableBuild", `--from ${opts.from}: it was built by a tsdp that did not record its launches; compile it again for --gpu`);
          precision = built.precision ?? "fp32";
        }
      }
      if (opts.gpu) {
        const { gpuReport } = await import("./inspect-gpu.ts");
        report = { ...report, gpu: gpuReport(launches, report.model, { gpu: opts.gpu, batch, precision, resources: report.resources, counters }) };
      }
      process.stdout.write((opts.json ? JSON.stringify(report, null, 2) : formatReport(report)) + "\n");
    }),
  );

const countersCommand = program
  .command("counters")
  .description("count what a GPU profiler would for one training step (or forward) on the CPU target: per kernel launch, shared-memory bank conflicts, 32-byte sectors per global request, bytes")
  .addArgument(modelArgument())
  .addOption(modelOption())
  .option("-b, --batch <n>", "samples in the run", integerInRange("a batch size", 1, 2 ** 31 - 1), 64)
  .addOption(new Option("--program <p>", "step (forward, loss, backward, update) or forward; default: step when the model trains").choices(["step", "forward"]))
  .option("-o, --out <file>", "the counters file (default: <build>/counters-<program>-b<batch>.json)")
  .option("--build <dir>", "the counter build's directory (default: build/<model>-counters)", outDir)
  .option("--json", "print the counters file instead of the table")
  .option("--sites [n]", "after the table, each launch's n worst memory instructions (default 3): their line in model.cu, bank conflicts or sectors over the ideal", integerInRange("a count of sites", 1, 1000))
  .addOption(new Option("-p, --precision <p>", "GEMM and convolution arithmetic: fp32, or tensor cores in tf32 or bf16").choices(["fp32", "tf32", "bf16"]).default("fp32"))
  .addHelpText("after", examples(
    ["tsdp counters model.ts", "the training step's counters at batch 64, as a table and a file"],
    ["tsdp counters model.ts --sites", "and the lines of model.cu whose accesses conflict or take extra sectors"],
    ["tsdp counters model.ts --precision bf16", "the tensor-core kernels' counters (mma.sync, cp.async staging)"],
    ["tsdp counters model.ts --batch 256 --out lenet-256.json", "at batch 256, into a file of your choice"],
    ["tsdp counters model.ts --program forward", "the inference forward instead"],
  ))
  .addHelpText("after", "\nThe build runs the kernels the GPU would (its tile shapes) with every memory access counted: ~10-100x slower than the CPU target.");
withLimits(countersCommand)
  .action((file: string, opts: { model?: string; batch: number; program?: "step" | "forward"; out?: string; build?: string; json?: boolean; sites?: number | true; precision: "fp32" | "tf32" | "bf16" } & LimitFlags) =>
    run(async () => {
      const [{ measureCounters, formatCounters, countersJson, CountersUsageError }, { formatSites }] = await Promise.all([import("./counters.ts"), import("./counters-sites.ts")]);
      let measured;
      try {
        measured = await measureCounters(file, { model: opts.model, batch: opts.batch, program: opts.program, out: opts.out, buildDir: opts.build, precision: opts.precision, ...limitsOf(opts) });
      } catch (e) {
        if (!(e instanceof CountersUsageError)) throw e;
        process.stderr.write(`tsdp: ${printable(e.message)}\n`);
        process.exitCode = USAGE;
        return;
      }
      const { file: counted, path, sitesProblem, warnings } = measured;
      printWarnings(warnings);
      if (opts.json) process.stdout.write(countersJson(counted));
      else {
        // each site carries its line's text (measureCounters read model.cu once)
        const sites = opts.sites === undefined ? "" : `\n${formatSites(counted, opts.sites === true ? 3 : opts.sites)}\n`;
        process.stdout.write(`${formatCounters(counted)}\n${sites}→ ${path}\n`);
      }
      if (sitesProblem && opts.sites !== undefined) process.stderr.write(`tsdp: ${printable(sitesProblem)}\n`);
    }),
  );

const tuneCommand = program
  .command("tune")
  .description("search each kernel's knobs (tiles, split-K, block sizes) and write the tuning file, verified against the reference before it is written")
  .addArgument(modelArgument())
  .addOption(modelOption())
  .option("-b, --batch <n>", "batch size per device to tune for", integerInRange("a batch size", 1, 2 ** 31 - 1), 64)
  .addOption(new Option("--gpu <gpu>", "the GPU whose performance model estimates the candidates").choices(GPU_CHOICES).default("h100"))
  .addOption(new Option("--by <how>", "model: the performance model's estimates; timing: each candidate timed on the GPU (not built yet: refused). Default: timing where a GPU is present, else model").choices(["model", "timing"]))
  .addOption(new Option("-p, --precision <p>", "GEMM and convolution arithmetic to tune: fp32, or tensor cores in tf32 or bf16").choices(["fp32", "tf32", "bf16"]).default("fp32"))
  .option("-o, --out <file>", "the tuning file to write (default: <model>.tune.json beside the model, which tsdp compile then applies)")
  .option("--build <dir>", "the verification build's directory (default: build/<model>-tune)", outDir)
  .option("--json", "print the result as JSON")
  .addHelpText("after", examples(
    ["tsdp tune model.ts", "tune for an H100 at batch 64 by the performance model; write model.tune.json"],
    ["tsdp tune model.ts --batch 256 --gpu a100", "for another GPU and batch"],
    ["tsdp tune model.ts --out fast.tune.json", "into a file of your choice (tsdp compile --tune fast.tune.json)"],
  ))
  .addHelpText("after", "\nWithout a GPU the figures are model estimates, not measurements. Nothing is written unless the tuned build's training step matches the float64 reference on the CPU target.");
withLimits(tuneCommand)
  .action((file: string, opts: { model?: string; batch: number; gpu: GpuChoice; by?: "model" | "timing"; precision: "fp32" | "tf32" | "bf16"; out?: string; build?: string; json?: boolean } & LimitFlags) =>
    run(async () => {
      const [{ tune, formatTune, TuneUsageError }, { defaultOutDir }] = await Promise.all([import("./tuning/tune.ts"), import("./build-paths.ts")]);
      const by = opts.by ?? (defaultTarget() === "cuda" ? "timing" : "model");
      try {
        const r = await tune(file, { model: opts.model, batch: opts.batch, gpu: opts.gpu, by, precision: opts.precision, out: opts.out, verifyDir: opts.build ?? `${defaultOutDir(file)}-tune`, ...limitsOf(opts) });
        process.stdout.write((opts.json ? JSON.stringify(r, null, 2) : formatTune(r)) + "\n");
        if (!r.written) process.exitCode = 1;
      } catch (e) {
        if (!(e instanceof TuneUsageError)) throw e;
        process.stderr.write(`tsdp tune: ${printable(e.message)}\n`);
        process.exitCode = USAGE;
      }
    }),
  );

program
  .command("eject")
  .description("copy one generated kernel into kernels/NAME.cu next to the model, to edit: tsdp compile then uses it instead, verified against the float64 reference before the library is installed")
  .addArgument(modelArgument())
  .argument("<NAME>", "the kernel, as tsdp inspect lists it and model.cu's sections name it (e.g. conv1_relu_pool)")
  .addOption(modelOption())
  .option("-o, --out <dir>", "the directory to write NAME.cu into (default: kernels/ next to the model; compile with --kernels <dir>)", outDir)
  .addOption(new Option("-t, --target <target>", "the target whose kernel to eject (the one you will compile for); default: cuda when a GPU is present").choices(["cuda", "cpu"]))
  .addOption(new Option("-p, --precision <p>", "the GEMM precision you will compile with").choices(["fp32", "tf32", "bf16"]).default("fp32"))
  .addOption(new Option("--shape-for <machine>", "kernel shapes for the GPU or the CPU target, as tsdp compile --shape-for").choices(["gpu", "cpu"]))
  .addHelpText("after", examples(
    ["tsdp eject model.ts conv1_relu_pool", "write kernels/conv1_relu_pool.cu; the next tsdp compile uses it"],
    ["tsdp eject model.ts fc1_relu --target cuda", "the GPU build's kernel (its tiles), for tsdp compile --target cuda"],
    ["tsdp eject model.ts fc2 --out my-kernels", "into my-kernels/fc2.cu, used by tsdp compile --kernels my-kernels"],
  ))
  .action((file: string, name: string, opts: { model?: string; out?: string; target?: Target; precision: "fp32" | "tf32" | "bf16"; shapeFor?: "gpu" | "cpu" }) =>
    run(async () => {
      const { ejectKernel } = await import("./eject.ts");
      const path = ejectKernel(file, name, { model: opts.model, out: opts.out, target: opts.target ?? defaultTarget(), precision: opts.precision, shapeFor: opts.shapeFor });
      process.stdout.write(`${name} → ${path}\n  edit it; tsdp compile uses it in place of the generated kernel once it matches the float64 reference\n`);
    }),
  );

program
  .command("doctor")
  .description("check this machine for tsdp: Node, g++, nvcc, GPUs, NCCL, MPI, the build cache; the default target and how to fix what is missing")
  .addHelpText("after", examples(["tsdp doctor", "what tsdp found, and the fix for each missing piece"]))
  .action(() =>
    run(async () => {
      const { diagnose, formatDoctor } = await import("./doctor.ts");
      const report = diagnose();
      process.stdout.write(formatDoctor(report) + "\n");
      // Something to build with is required; the rest only widens what runs.
      if (!report.findings.find((f) => f.what === "g++")?.ok && !report.findings.find((f) => f.what === "nvcc")?.ok) process.exitCode = 1;
    }),
  );

program
  .command("launch")
  .description(
    "run a training script as N processes on this machine (DistributedDataParallel): each joins the job at load(dir, { distributed: true }); " +
      "started through Open MPI's mpirun, or with --rdzv tcp directly with torchrun's variables; if one rank fails, the others are stopped and the launcher exits non-zero with that rank's message",
  )
  .requiredOption("--nproc <n>", "processes to start", integerInRange("--nproc", 1, 1024))
  .option("--devices-per-proc <k>", "devices each process drives (TSDP_DEVICES_PER_PROC in its environment; on GPUs its local rank's block)", integerInRange("--devices-per-proc", 1, 1024), 1)
  .option("--timeout <seconds>", "seconds a collective may wait for the other ranks before its rank fails (TSDP_DIST_TIMEOUT; default 300)", positiveNumber("--timeout", 86_400))
  .addOption(new Option("--rdzv <how>", "how the ranks meet: mpi (started through mpirun, Open MPI sums) or tcp (started directly with torchrun's variables: a rendezvous store at --master-addr:--master-port, Gloo sums)").choices(["mpi", "tcp"]).default("mpi"))
  .option("--nnodes <n>", "with --rdzv tcp: machines in the job, each running this command with its own --node-rank", integerInRange("--nnodes", 1, 65536), 1)
  .option("--node-rank <r>", "with --rdzv tcp: this machine's index (0 on rank 0's machine)", integerInRange("--node-rank", 0, 65535), 0)
  .option("--master-addr <host>", "with --rdzv tcp: rank 0's machine as the others reach it (MASTER_ADDR; default 127.0.0.1)")
  .option("--master-port <port>", "with --rdzv tcp: the store's port (MASTER_PORT; default on one machine: a free one)", integerInRange("--master-port", 1, 65535))
  .argument("<script>", "the training script (.ts runs through tsx)", scriptFile)
  .argument("[args...]", "the script's own arguments")
  .passThroughOptions()
  .addHelpText("after", examples(
    ["tsdp launch --nproc 2 examples/lenet/train.ts --limit 2000", "LeNet on 2 processes, one device each"],
    ["tsdp launch --nproc 3 --devices-per-proc 2 train.ts", "3 processes × 2 devices: the all-reduce spans 6 replicas"],
    ["tsdp launch --nproc 2 --timeout 30 train.ts", "a rank whose peer hangs fails after 30 s"],
    ["tsdp launch --rdzv tcp --nproc 2 train.ts", "2 processes without mpirun: torchrun's variables, Gloo sums"],
    ["tsdp launch --rdzv tcp --nnodes 2 --node-rank 0 --master-addr 10.0.0.1 --master-port 29500 --nproc 2 train.ts", "machine 0 of 2 (run it with --node-rank 1 on the other)"],
  ))
  .addHelpText("after", "\nMore than one machine: mpirun -np N -H a,b npx tsx train.ts, or srun --mpi=pmix npx tsx train.ts (README \"More than one machine\").")
  .action((script: string, args: string[], opts: { nproc: number; devicesPerProc: number; timeout?: number; rdzv: "mpi" | "tcp"; nnodes: number; nodeRank: number; masterAddr?: string; masterPort?: number }) =>
    run(async () => {
      const { launch, LaunchError } = await import("../runtime/distributed-launch.ts");
      try {
        const common = { nproc: opts.nproc, devicesPerProc: opts.devicesPerProc, timeout: opts.timeout, script, args };
        if (opts.rdzv === "tcp") {
          const { launchRendezvous } = await import("../runtime/distributed-rdzv-launch.ts");
          process.exitCode = await launchRendezvous({ ...common, nnodes: opts.nnodes, nodeRank: opts.nodeRank, masterAddr: opts.masterAddr, masterPort: opts.masterPort });
        } else {
          const tcpOnly = [opts.nnodes !== 1 && "--nnodes", opts.nodeRank !== 0 && "--node-rank", opts.masterAddr !== undefined && "--master-addr", opts.masterPort !== undefined && "--master-port"].filter(Boolean);
          // a bad command line: one line, exit 2, as every other usage error
          if (tcpOnly.length) {
            process.stderr.write(`tsdp launch: ${tcpOnly.join(", ")}: only with --rdzv tcp (mpirun's own -H and hostfiles place ranks on machines)\n`);
            process.exitCode = 2;
            return;
          }
          process.exitCode = await launch(common);
        }
      } catch (e) {
        if (!(e instanceof LaunchError)) throw e;
        process.stderr.write(`tsdp: ${printable(e.message)}\n`);
        process.exitCode = 1;
      }
    }),
  );

program.addHelpText("after", examples(
  ["tsdp compile model.ts", "compile a model into build/<model>"],
  ["tsdp inspect model.ts", "what the model compiles to, without building"],
  ["tsdp counters model.ts", "bank conflicts and sectors per request of each kernel, counted on the CPU"],
  ["tsdp tune model.ts", "search the kernels' knobs and write model.tune.json (verified first)"],
  ["tsdp eject model.ts conv1_relu_pool", "a generated kernel into kernels/ to edit; compile verifies and uses it"],
  ["tsdp launch --nproc 2 train.ts", "a training script as 2 processes (DistributedDataParallel)"],
  ["tsdp doctor", "what this machine has for tsdp"],
  ["tsdp help compile", "a command's options and examples"],
));

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
      process.stderr.write(`tsdp: ${err.path ? `${printable(err.path)}: ` : ""}${FILE_ERRORS.get(err.code)} (${err.code})\n`);
      process.exitCode = 1;
      return;
    }
    // a message may quote what a file held (a checkpoint's key, a manifest's name): printable, as diagnostics are
    process.stderr.write(`tsdp: internal error: ${printable(String(err.message))}\n`);
    if (process.env.TSDP_DEBUG) process.stderr.write(`${err.stack}\n`);
    else process.stderr.write("  (this is a bug in tsdp; run with TSDP_DEBUG=1 for details and report it)\n");
    process.exitCode = INTERNAL;
  }
}

// `tsdp help nosuch` would print the whole help with no word on the name; say so, as `tsdp nosuch` does.
const [word, topic] = process.argv.slice(2);
if (word === "help" && topic === "help") {
  // `help` is a command the help lists: its help is the program's (commander's own answer was an error)
  program.outputHelp();
  process.exit(0);
}
if (word === "help" && topic !== undefined && !program.commands.some((c) => c.name() === topic || c.aliases().includes(topic))) {
  program.error(`unknown command '${topic}' (the commands: ${program.commands.map((c) => c.name()).join(", ")})`, { exitCode: USAGE });
}

await program.parseAsync();
