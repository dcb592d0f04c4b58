import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { differentiate } from "../2-autodiff/backward.ts";
import { CompileError, multiline } from "../diagnostics/diagnostic.ts";
import type { Graph, Node } from "../ir/node.ts";
import { FLOOR, FORWARD, GRADIENT, K } from "../reference/compare.ts";
import { initState } from "../reference/init.ts";
import { runReference } from "../reference/interpret.ts";
import { nd, type NDArray } from "../reference/ndarray.ts";
import { normals, uniforms } from "../reference/rng.ts";
import type { LibraryRequest, LibraryResult } from "./verify-overrides-child.ts";
import { LibraryFailure, runLibrary } from "./verify-overrides-run.ts";
import { findCxx } from "./toolchain.ts";
import type { Override } from "./overrides.ts";

// Verification of a library with user kernels, before it is installed. The design: the whole
// model, built with the overrides, against the float64 reference interpreter, as the fuzzer
// checks generated code: the forward (eval and train mode) and one training step's loss and every
// gradient, on random inputs of the model's shapes at batches 8 and 67. Every kernel the overrides
// replace runs in one of those (a forward kernel in the forward and the step, a backward kernel
// in the step), on exactly the shapes, launch and neighbours it has in the installed library.
// A per-kernel harness would localize an error to the kernel's own output tensor but would need a
// second launcher per kernel family that could itself disagree with model.cu's; the whole-model
// check runs the very library that will be installed. The error is therefore reported where it
// shows (a model output, the loss or a parameter's gradient, with the element's index), with the
// overridden kernels named: the generated kernels are checked against the same reference by the
// test suite and the fuzzer, so a disagreement is the override's.
//
// Tolerance per tensor, element by element (compiler/reference/compare.ts's, without the fuzzer's one-ulp nudge):
//   |got − want| ≤ atol·max(max|want|, 10⁻³·max|all of its kind|) + rtol·|want| + 8·|want − want₃₂|
// with want₃₂ the reference with every result rounded to fp32; forward and loss rtol 1e-4, atol
// 1e-5; gradients rtol 1e-3, atol 1e-4. An off-by-one in a bound errs by about the value itself.
//
// Cost: per batch, one extra load of the library, a forward in each mode and a step on the CPU
// target, and the reference run twice (float64 and fp32 storage) with autodiff: LeNet ~1 s.

// Two batches: a small one, and one past a 64-row tile with a partial last tile (a kernel right on
// its first block and wrong on the next, or on a short last one, errs there).
const BATCHES = [8, 67] as const;

/** The worst element of one tensor, when it is outside tolerance. */
interface Miss {
  readonly what: string;
  readonly index: string;
  readonly got: number;
  readonly want: number;
  readonly error: number;
  readonly allowed: number;
}

const maxAbs = (a: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
};

/** "[1, 3, 0, 2]" for flat index `i` of `shape`. */
function indexOf(i: number, shape: readonly number[]): string {
  const out: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    out.unshift(i % shape[d]);
    i = Math.floor(i / shape[d]);
  }
  return `[${out.join(", ")}]`;
}

/** The element of `got` furthest outside tolerance (by error over allowed), if any is. */
function worst(what: string, shape: readonly number[], got: ArrayLike<number>, want: ArrayLike<number>, want32: ArrayLike<number>, tol: { rtol: number; atol: number }, floor: number): Miss | undefined {
  const atol = tol.atol * Math.max(maxAbs(want), floor, 1e-30);
  let found: Miss | undefined;
  for (let i = 0; i < want.length; i++) {
    const error = Math.abs(got[i] - want[i]);
    const allowed = atol + tol.rtol * Math.abs(want[i]) + K * Math.abs(want[i] - want32[i]);
    const bad = !(error <= allowed) || Number.isNaN(got[i]) !== Number.isNaN(want[i]);
    if (bad && (!found || !(error / allowed <= found.error / found.allowed))) found = { what, index: indexOf(i, shape), got: got[i], want: want[i], error, allowed };
  }
  return found;
}

/** Random inputs of the model's shapes at `batch` (integer inputs: 0 and 1, valid for any embedding or class). */
function inputsFor(graph: Graph, batch: number) {
  const dims = (shape: Node["shape"]) => shape.map((d) => (typeof d === "number" ? d : d.batch * batch));
  const make = (n: Node, stream: number) => {
    const shape = dims(n.shape);
    const count = shape.reduce((a, b) => a * b, 1);
    const data = n.dtype === "f32" ? Float32Array.from(normals(count, 7, stream)) : Int32Array.from(uniforms(count, 7, stream), (u) => (u < 0.5 ? 0 : 1));
    return { tensor: { data, shape }, ref: nd(shape, data) };
  };
  const inputs = graph.inputs.map((n, i) => make(n, 100 + i));
  // a loss of the output alone has no target: its step is not checked here (the child checks a step given a target)
  const targetNode = graph.loss?.target;
  const target = targetNode ? make(targetNode, 99) : undefined;
  if (targetNode && target && targetNode.dtype !== "f32") {
    // class indices in [0, classes): the output's dim 1
    const classes = graph.outputs[0].shape[1] as number;
    const data = Int32Array.from(uniforms(target.ref.data.length, 7, 98), (u) => Math.floor(u * classes));
    const shape = dims(targetNode.shape);
    return { inputs, target: { tensor: { data, shape }, ref: nd(shape, data) } };
  }
  return { inputs, target };
}

/**
 * Runs the library in `dir` (built with `overrides`) in a child process and compares it with the
 * reference; throws overrideRefused with the largest error when it disagrees, and overrideCrashed
 * when the library ends its process or errs. `memcheckBuild`, when given, builds the same code with
 * AddressSanitizer and returns its directory: a library that crashed is run once more there, so
 * that the message can name the access. Returns what was checked, for the compile's message.
 */
export async function verifyOverrides(dir: string, graph: Graph, overrides: readonly Override[], memcheckBuild?: () => Promise<string>): Promise<string> {
  let checked: string[] = [];
  // each batch on a fresh load and fresh reference state: the same draws and step counts as the reference's
  for (const batch of BATCHES) {
    const check = prepare(batch, graph);
    let result: LibraryResult;
    try {
      result = await runLibrary({ ...check.request, dir });
    } catch (e) {
      if (!(e instanceof LibraryFailure)) throw e;
      const report = e.crashed && memcheckBuild ? await memcheckReport(check.request, memcheckBuild) : undefined;
      return crashed(e, overrides, batch, report);
    }
    const misses: Miss[] = [];
    checked = check.compare(result, misses);
    if (misses.length) return refuse(misses, overrides, checked, batch);
  }
  return `verified ${overrides.map((o) => `${o.name} (${o.shown})`).join(", ")} against the float64 reference (batches ${BATCHES.join(" and ")}: ${checked.join(", ")})`;
}

/**
 * One batch's check: what the child runs (all but the library's directory), and the comparison
 * of its answer with the reference, which pushes the misses found and returns what was checked.
 */
function prepare(batch: number, graph: Graph): { request: Omit<LibraryRequest, "dir">; compare: (got: LibraryResult, misses: Miss[]) => string[] } {
  const io = inputsFor(graph, batch);
  const refInputs: Record<string, NDArray> = Object.fromEntries(graph.inputs.map((n, i) => [n.attrs.name as string, io.inputs[i].ref]));
  const state = initState(graph, 0);
  const state32 = initState(graph, 0);
  const training = graph.loss && graph.optimizer && io.target ? differentiate(graph) : undefined;
  // its parameters are the reference's (both initialize from seed 0 the same way); set them anyway,
  // so that the comparison does not rest on that
  const request = {
    params: [...state.params].map(([name, value]) => [name, { data: Float32Array.from(value.data), shape: value.shape }] as const),
    inputs: io.inputs.map((x) => x.tensor),
    target: training ? io.target?.tensor : undefined,
    gradients: training ? [...training.gradients.keys()] : [],
  };
  const compare = (got: LibraryResult, misses: Miss[]): string[] => {
    const checked: string[] = [];
    for (const mode of [false, true]) {
      const outputs = mode ? got.train : got.eval;
      const want = runReference(graph, refInputs, state, { training: mode, draw: 0 });
      const want32 = runReference(graph, refInputs, state32, { training: mode, draw: 0, roundToFloat32: true });
      const floor = FLOOR * Math.max(0, ...want.outputs.map((o) => maxAbs(o.data)));
      outputs.forEach((g, i) => {
        const miss = worst(`output ${i} of the ${mode ? "train" : "eval"}-mode forward`, g.shape, g.data, want.outputs[i].data, want32.outputs[i].data, FORWARD, floor);
        if (miss) misses.push(miss);
      });
      checked.push(`${mode ? "train" : "eval"}-mode forward`);
    }
    if (training && io.target && got.loss !== undefined && got.grads) {
      const { graph: step, gradients } = training;
      const stepInputs = { ...refInputs, target: io.target.ref };
      const want = runReference(step, stepInputs, state, { training: true, seed: 0, step: 0, draw: 1 });
      const want32 = runReference(step, stepInputs, state32, { training: true, seed: 0, step: 0, draw: 1, roundToFloat32: true });
      const lossMiss = worst("the loss", [], [got.loss], [want.loss!], [want32.loss!], FORWARD, 0);
      if (lossMiss) misses.push({ ...lossMiss, index: "" });
      const largest = Math.max(0, ...[...gradients.values()].map((n) => maxAbs(want.values.get(n as Node)!.data)));
      const grads = new Map(got.grads);
      for (const [name, node] of gradients) {
        const g = grads.get(name)!;
        const miss = worst(`the gradient of ${name}`, g.shape, g.data, want.values.get(node as Node)!.data, want32.values.get(node as Node)!.data, GRADIENT, FLOOR * largest);
        if (miss) misses.push(miss);
      }
      checked.push(`a training step's loss and ${gradients.size} gradients`);
    }
    return checked;
  };
  return { request, compare };
}

/** What the memcheck rerun found: lines for the message, and the library's frames with a source line. */
interface MemcheckReport {
  /** The error, and the access when ASan says which. */
  readonly lines: readonly string[];
  /** Where the address lies, relative to the nearest allocation. */
  readonly region?: string;
  readonly frames: readonly Frame[];
}

/** One stack frame in the model's library, symbolized: function, source file (as #line names it) and line. */
interface Frame {
  readonly fn: string;
  readonly file: string;
  readonly line: number;
}

/**
 * The crashed check run again on the memcheck build (ASan preloaded): ASan's account of the
 * first bad access — its kind, the access and the frames in the model's code — or a line saying
 * that it found none.
 */
async function memcheckReport(request: Omit<LibraryRequest, "dir">, memcheckBuild: () => Promise<string>): Promise<MemcheckReport> {
  const none = (why: string): MemcheckReport => ({ lines: [why], frames: [] });
  const cxx = findCxx();
  const asan = cxx ? execFileSync(cxx, ["-print-file-name=libasan.so"], { encoding: "utf8" }).trim() : "";
  if (!asan || !existsSync(asan)) return none("(no memcheck run: the host compiler has no AddressSanitizer runtime)");
  let dir: string;
  try {
    dir = await memcheckBuild();
  } catch (e) {
    return none(`(no memcheck run: its build failed: ${e instanceof Error ? e.message.split("\n")[0] : String(e)})`);
  }
  try {
    // ASan's own SEGV handler, not Node's: a wild access far from any allocation is reported too
    await runLibrary({ ...request, dir }, { LD_PRELOAD: asan, ASAN_OPTIONS: "detect_leaks=0:handle_segv=1:allow_user_segv_handler=0" });
    return none("the memcheck build (AddressSanitizer) ran the same check without a fault");
  } catch (e) {
    if (!(e instanceof LibraryFailure)) throw e;
    const report = asanSummary(e.stderr, join(dir, "libmodel.so"));
    return report.lines.length ? report : none(`the memcheck build ${e.how} during ${e.stage}, without a report`);
  }
}

/**
 * ASan's report cut to what names the access: the error, the access, the frames in the model's
 * code, the region. Frames in the model's library are symbolized here with addr2line on `library`
 * (the runtime loads a copy that is gone by now, so ASan could not); addr2line reads the #line
 * directives, so a user kernel's frame names its own file and line.
 */
export function asanSummary(stderr: readonly string[], library: string): MemcheckReport {
  const start = stderr.findIndex((l) => /ERROR: AddressSanitizer/.test(l));
  if (start < 0) return { lines: [], frames: [] };
  const plain = (l: string) => l.replace(/^=+\d+=+/, "").trim();
  const lines = ["memcheck (AddressSanitizer, the same check): " + plain(stderr[start]).replace(/^ERROR: AddressSanitizer: /, "").replace(/ on (unknown )?address 0x[0-9a-f]+.*$/, "")];
  const report = stderr.slice(start + 1);
  const access = report.find((l) => /^(READ|WRITE) of size|^The signal is caused by/.test(plain(l)));
  if (access) lines.push(`  ${plain(access).replace(/ at 0x[0-9a-f]+.*$/, "")}`);
  const region = report.find((l) => /is located .* (after|before|inside) /.test(l));
  return { lines, region: region && `  ${region.trim().replace(/^0x[0-9a-f]+ /, "")}`, frames: libraryFrames(report, library) };
}

/** The report's frames in libmodel.so, innermost first, symbolized by addr2line (those it can place). */
function libraryFrames(report: readonly string[], library: string): Frame[] {
  const offsets = report
    .map((l) => /^\s*#\d+ 0x[0-9a-f]+ .*\(\S*libmodel\.so\+(0x[0-9a-f]+)\)/.exec(l)?.[1])
    .filter((o): o is string => o !== undefined)
    .slice(0, 12);
  if (offsets.length === 0 || !existsSync(library)) return [];
  let text: string;
  try {
    text = execFileSync("addr2line", ["-e", library, "-f", "-C", ...offsets], { encoding: "utf8", timeout: 30_000 });
  } catch {
    return [];
  }
  // two lines per address: the function, then file:line ("??:0" where unknown)
  const out = text.trimEnd().split("\n");
  const frames: Frame[] = [];
  for (let i = 0; i + 1 < out.length; i += 2) {
    const m = /^(.*):(\d+)(?: \(discriminator \d+\))?$/.exec(out[i + 1]);
    if (!m || m[1] === "??" || m[2] === "0") continue;
    frames.push({ fn: out[i].replace(/\(.*\)$/, ""), file: m[1], line: Number(m[2]) });
  }
  return frames;
}

/** The override stopped its check's process: how, where, and memcheck's account when there is one. */
function crashed(f: LibraryFailure, overrides: readonly Override[], batch: number, report: MemcheckReport | undefined): never {
  const names = overrides.map((o) => `${o.name} (${o.shown})`).join(", ");
  // the frames in the user's files and in model.cu (not the shim's launch machinery), innermost first
  const userFile = (file: string) => overrides.find((o) => file === o.lineName || file.endsWith(`/${o.lineName}`));
  const frames = (report?.frames ?? []).filter((fr) => userFile(fr.file) || /(^|\/)model\.cu$/.test(fr.file)).slice(0, 3);
  const lines = [
    `the library with your kernel${overrides.length > 1 ? "s" : ""} ${names} ${f.how} during ${f.stage} (its check at batch ${batch}, in a process of its own)`,
    ...(report
      ? [...report.lines, ...frames.map((fr) => `  in ${fr.fn ? `${fr.fn} at ` : ""}${userFile(fr.file)?.shown ?? "model.cu"}:${fr.line}`), ...(report.region ? [report.region] : [])]
      : f.stderr.slice(-6).map((l) => `  ${l}`)),
  ];
  // the code frame at the user's line that faulted, when memcheck placed it in one of their files
  const at = frames.find((fr) => userFile(fr.file));
  const where = at ? { file: userFile(at.file)!.file, line: at.line, col: 1, length: 0 } : { file: overrides[0].file, line: 1, col: 1, length: 0 };
  throw new CompileError([multiline("overrideCrashed", lines.join("\n"), where)]);
}

/** The overrides refused: the largest miss, the others, and what was checked at which batch. */
function refuse(misses: readonly Miss[], overrides: readonly Override[], checked: readonly string[], batch: number): never {
  const names = overrides.map((o) => `${o.name} (${o.shown})`).join(", ");
  {
    const w = misses.reduce((a, b) => (b.error / b.allowed > a.error / a.allowed ? b : a));
    const where = `${w.what}${w.index ? ` at ${w.index}` : ""}`;
    const lines = [
      `the library with your kernel${overrides.length > 1 ? "s" : ""} ${names} disagrees with the float64 reference: largest error ${w.error.toExponential(3)} in ${where} (got ${w.got}, the reference says ${w.want}; allowed ${w.allowed.toExponential(2)})`,
      ...misses.filter((x) => x !== w).slice(0, 8).map((x) => `also ${x.what}${x.index ? ` at ${x.index}` : ""}: error ${x.error.toExponential(3)}, allowed ${x.allowed.toExponential(2)}`),
      ...(misses.length > 9 ? [`… and ${misses.length - 9} more tensors`] : []),
      `checked on random inputs at batch ${batch}: ${checked.join(", ")}`,
    ];
    throw new CompileError([multiline("overrideRefused", lines.join("\n"), { file: overrides[0].file, line: 1, col: 1, length: 0 })]);
  }
}
