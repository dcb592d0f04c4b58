// What ptxas says each kernel uses (nvcc -Xptxas -v): registers, spills, stack and static shared
// memory, per kernel and per architecture. Recorded in the manifest of CUDA builds and checked
// against the launch configurations in the generated code, because a launch the kernel's
// resources make impossible fails only on a real GPU (too many resources requested for launch).

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KernelResources } from "../../runtime/manifest.ts";
import { CompileError, diagnostic, multiline } from "../diagnostics/diagnostic.ts";
import { cacheDirectory, compileCommand, explainBuildError, harnessFor } from "./build.ts";
import { runToolchain } from "./children.ts";
import { findNvcc } from "./toolchain.ts";
import { kernelAliases } from "../5-codegen/shared-kernels.ts";

export type { KernelResources };

/** One launch in the generated code: its block size and dynamic shared memory, when they are constants. */
export interface LaunchConfig {
  readonly kernel: string;
  readonly threads: number;
  readonly dynamicSharedBytes: number;
}

/**
 * CUDA's accurate sinf, cosf and tanf reduce an argument past |x| ≈ 1e5 with a table walk
 * (Payne–Hanek) over a 28-byte array. ptxas keeps it in registers where a kernel inlines one such
 * call, and puts it in a 32-byte stack frame where it inlines several (sin and cos fused in one
 * kernel, or one unrolled over a thread's elements). Only that slow path touches the frame, so
 * ordinary arguments never reach local memory; PyTorch's kernels call the same functions. A frame
 * of at most this size in a kernel that calls them is theirs, not a spill or a dynamic index.
 */
export const TRIG_REDUCTION_STACK_BYTES = 32;

/** The kernels of `cu` whose bodies call sinf, cosf, tanf or sincosf. */
export function trigKernels(cu: string): Set<string> {
  const kernels = new Set<string>();
  const starts = [...cu.matchAll(/^__global__ void(?: __launch_bounds__\(\d+(?:, \d+)?\))? (\w+)\(/gm)];
  starts.forEach((m, i) => {
    const body = cu.slice(m.index, starts[i + 1]?.index ?? cu.length);
    if (/\b(?:sinf|cosf|tanf|sincosf)\(/.test(body)) kernels.add(m[1]);
  });
  for (const [alias, of] of kernelAliases(cu)) if (kernels.has(of)) kernels.add(alias);
  return kernels;
}

/**
 * ptxas's report with an entry for every kernel alias of `cu` too (5-codegen/shared-kernels.ts): ptxas
 * compiles a shared kernel once, under its first name, and each launch name reads its resources.
 */
export function withKernelAliases(resources: readonly KernelResources[], cu: string): KernelResources[] {
  const aliases = [...kernelAliases(cu)];
  return [...resources, ...aliases.flatMap(([alias, of]) => resources.filter((r) => r.kernel === of).map((r) => ({ ...r, kernel: alias })))];
}

/** Limits that hold on every architecture tsdp builds for (sm_80 … sm_90). */
export const LAUNCH_LIMITS = { threadsPerBlock: 1024, registersPerBlock: 65_536, sharedBytesPerBlock: 227 * 1024 } as const;

/**
 * Shared memory a block may have in all (static + dynamic, with the opt-in attribute), where an
 * architecture allows less than LAUNCH_LIMITS (CUDA programming guide, compute capabilities table).
 */
const SHARED_BYTES_PER_BLOCK: Readonly<Record<string, number>> = { sm_80: 163 * 1024, sm_86: 99 * 1024, sm_87: 163 * 1024, sm_89: 99 * 1024 };

/**
 * The kernel name in an Itanium-mangled symbol, without namespaces: `_ZN12tsdp_kernels10fc2_kernelEPKf…`
 * → "fc2_kernel"; `_Z10fc2_kernelPKf…` (global scope) → "fc2_kernel". An unmangled name (extern "C")
 * is its own. Reading the length-prefixed identifiers needs no c++filt, which not every machine has.
 */
export function kernelName(symbol: string): string {
  const nested = symbol.startsWith("_ZN");
  if (!nested && !symbol.startsWith("_Z")) return symbol;
  let i = nested ? 3 : 2;
  let last = symbol;
  // Qualifiers (const, volatile) of a nested name come before its first identifier.
  while (nested && /[rVKL]/.test(symbol[i] ?? "")) i++;
  for (;;) {
    const m = /^\d+/.exec(symbol.slice(i));
    if (!m) break;
    const len = Number(m[0]);
    const start = i + m[0].length;
    if (len <= 0 || start + len > symbol.length) break;
    last = symbol.slice(start, start + len);
    i = start + len;
    if (!nested) break;
  }
  return last;
}

const FIELD = (text: string, re: RegExp): number => {
  const m = re.exec(text);
  return m ? Number(m[1]) : 0;
};

/**
 * Parses the `ptxas info` lines of an nvcc log into one entry per entry function and architecture.
 * Device functions that are not kernels (no "Compiling entry function") are left out; lines of
 * other tools (warnings, remarks) are ignored. Throws when a kernel is announced but its "Used"
 * line never comes, since silently missing a kernel would hide its spills.
 */
export function parsePtxasLog(log: string): KernelResources[] {
  const out: KernelResources[] = [];
  let current: { symbol: string; arch: string; props?: string; propsOfEntry?: boolean } | undefined;
  const incomplete: string[] = [];
  for (const raw of log.split(/\r?\n/)) {
    const line = raw.trim();
    const entry = /^ptxas info\s*: Compiling entry function '([^']+)' for '(sm_\w+)'/.exec(line);
    if (entry) {
      if (current) incomplete.push(`${current.symbol} (${current.arch})`);
      current = { symbol: entry[1], arch: entry[2] };
      continue;
    }
    if (!current) continue;
    // Properties follow a "Function properties for <symbol>" line; only the kernel's own count
    // (a called device function's frame is reported under its own name).
    const propsFor = /^ptxas info\s*: Function properties for (\S+)/.exec(line);
    if (propsFor) {
      current.propsOfEntry = propsFor[1] === current.symbol;
      continue;
    }
    if (/\bbytes stack frame\b/.test(line)) {
      if (current.propsOfEntry) current.props = line;
      continue;
    }
    const used = /^ptxas info\s*: Used (\d+) registers(.*)$/.exec(line);
    if (used) {
      const rest = used[2];
      const props = current.props ?? "";
      out.push({
        kernel: kernelName(current.symbol),
        arch: current.arch,
        registers: Number(used[1]),
        spillStoreBytes: FIELD(props, /(\d+) bytes spill stores/),
        spillLoadBytes: FIELD(props, /(\d+) bytes spill loads/),
        stackBytes: FIELD(props, /(\d+) bytes stack frame/),
        sharedBytes: FIELD(rest, /(\d+) bytes smem/),
        barriers: FIELD(rest, /used (\d+) barriers/),
      });
      current = undefined;
    }
  }
  if (current) incomplete.push(`${current.symbol} (${current.arch})`);
  if (incomplete.length) throw new Error(`ptxas reported no resource usage for ${incomplete.join(", ")}`);
  return out;
}

/**
 * The launches of the generated code whose block size and dynamic shared memory are constants
 * (every launch tsdp generates today): `TSDP_LAUNCH(tsdp_kernels::k, grid, dim3(256), 0, stream, …)`.
 */
export function launchConfigs(cu: string): LaunchConfig[] {
  const out: LaunchConfig[] = [];
  // The grid may hold parentheses and commas; the block is dim3 of up to three integer literals.
  const re = /TSDP_LAUNCH\((?:\w+::)?(\w+),.*?,\s*dim3\((\d+)(?:,\s*(\d+))?(?:,\s*(\d+))?\),\s*(\d+),/g;
  for (const m of cu.matchAll(re)) {
    const threads = Number(m[2]) * Number(m[3] ?? 1) * Number(m[4] ?? 1);
    out.push({ kernel: m[1], threads, dynamicSharedBytes: Number(m[5]) });
  }
  return out;
}

/**
 * Every rule a kernel or launch breaks, in words: spills and local-memory stacks (slow, and a sign
 * the kernel outgrew its registers), and launches the resources make impossible.
 */
export function resourceProblems(resources: readonly KernelResources[], launches: readonly LaunchConfig[], trig: ReadonlySet<string> = new Set()): string[] {
  const problems: string[] = [];
  for (const r of resources) {
    if (r.spillStoreBytes || r.spillLoadBytes) problems.push(`${r.kernel} (${r.arch}) spills: ${r.spillStoreBytes} bytes stored, ${r.spillLoadBytes} bytes loaded`);
    if (r.stackBytes && !(trig.has(r.kernel) && r.stackBytes <= TRIG_REDUCTION_STACK_BYTES))
      problems.push(`${r.kernel} (${r.arch}) has a ${r.stackBytes}-byte local-memory stack frame`);
  }
  const L = LAUNCH_LIMITS;
  for (const l of launches) {
    if (l.threads > L.threadsPerBlock) problems.push(`${l.kernel} is launched with ${l.threads} threads per block, over ${L.threadsPerBlock}`);
    for (const r of resources.filter((x) => x.kernel === l.kernel)) {
      // Registers are allocated per warp, in units of 256 (sm_80, sm_90): what a launch needs is
      // the rounded-up warp allocation times the warps, not simply registers × threads.
      const warps = Math.ceil(l.threads / 32);
      const regs = Math.ceil((r.registers * 32) / 256) * 256 * warps;
      if (regs > L.registersPerBlock)
        problems.push(`${l.kernel} (${r.arch}): ${r.registers} registers × ${l.threads} threads need ${regs} registers per block (${warps} warps, allocated per warp in units of 256), over ${L.registersPerBlock}`);
      const shared = r.sharedBytes + l.dynamicSharedBytes;
      const sharedLimit = SHARED_BYTES_PER_BLOCK[r.arch.replace(/[af]$/, "")] ?? L.sharedBytesPerBlock;
      if (shared > sharedLimit)
        problems.push(`${l.kernel} (${r.arch}): ${r.sharedBytes} bytes static + ${l.dynamicSharedBytes} bytes dynamic shared memory, over ${sharedLimit}`);
    }
  }
  return problems;
}

/** A model's kernels as ptxas compiled them for some architectures, and what breaks the rules. */
export interface ResourceReport {
  readonly archs: readonly string[];
  readonly kernels: readonly (KernelResources & { readonly threads?: number })[];
  readonly problems: readonly string[];
}

/**
 * Compiles generated CUDA's kernels with nvcc for each of `archs` ("90") only to read ptxas's
 * report: what `tsdp inspect --arch` shows. Kernels only (-cubin: no host compile, ResNet's 51 s →
 * 32 s on a 2-core machine), one architecture a call; the cubins are thrown away; no GPU is needed.
 */
export async function measureResources(cu: string, archs: readonly string[]): Promise<ResourceReport> {
  const nvcc = findNvcc();
  if (!nvcc) throw new CompileError([diagnostic("toolMissing", "nvcc was not found: --arch reads kernel resources from nvcc's ptxas; install the CUDA toolkit and put nvcc on PATH (or set TSDP_NVCC)")]);
  for (const a of archs) if (!/^\d{2,3}[af]?$/.test(a)) throw new RangeError(`resources: '${a}' is not a GPU architecture like 90`);
  const dir = mkdtempSync(join(tmpdir(), "tsdp-ptxas-"));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    const source = join(dir, "model.cu");
    writeFileSync(source, cu);
    // the build's own options, its kernels only; the harness's kernels come from its cached objects
    const logs: string[] = [];
    for (const arch of archs) {
      const command = compileCommand("cuda", source, join(dir, `model-sm_${arch}.cubin`), [arch], false, [], "kernels");
      const result = await runToolchain(command, remove);
      if (result.exitCode !== 0) throw new CompileError([multiline("buildFailed", explainBuildError(result.all ?? "", cu, nvcc))]);
      logs.push(result.all ?? "");
    }
    const harness = await harnessFor(cacheDirectory(), "cuda", archs, "plain", undefined);
    const resources = [...withKernelAliases(logs.flatMap((log) => parsePtxasLog(log)), cu), ...(harness.resources ?? [])];
    const launches = launchConfigs(cu);
    const threads = new Map(launches.map((l) => [l.kernel, l.threads]));
    return { archs: archs.map((a) => `sm_${a}`), kernels: resources.map((r) => ({ ...r, threads: threads.get(r.kernel) })), problems: resourceProblems(resources, launches, trigKernels(cu)) };
  } finally {
    remove();
  }
}
