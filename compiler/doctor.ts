import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import koffi from "koffi";
import { findCxx, findNvcc, localGpuArchs, toolVersion, defaultTarget } from "./6-build/toolchain.ts";
import { cacheDirectory } from "./6-build/build.ts";
import { cacheLimitBytes } from "./6-build/cache-trim.ts";

/** Why a directory cannot be at `path` (it or an ancestor is a file), or undefined. */
function cacheBlocked(path: string): string | undefined {
  for (let p = path; ; p = dirname(p)) {
    try {
      if (!statSync(p).isDirectory()) return p === path ? `${path} is a file, not a directory` : `${p}, above it, is a file`;
      return undefined;
    } catch {
      if (dirname(p) === p) return undefined;
    }
  }
}
import { execFileSync, spawnSync } from "node:child_process";

// `tsdp doctor`: what this machine has for tsdp, what the default target will be, and for each
// missing piece what it costs and how to get it. Probes only: nothing is built or written.

export interface Finding {
  readonly what: string;
  /** What was found, or "not found". */
  readonly found: string;
  readonly ok: boolean;
  /** Why it matters, and the fix when it is missing. */
  readonly note: string;
}

/** Whether the dynamic loader can open a shared library (as the generated harness will, with dlopen). */
function canLoad(name: string): boolean {
  try {
    koffi.load(name);
    return true;
  } catch {
    return false;
  }
}

function firstLine(cmd: string, args: string[]): string | undefined {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 10_000 }).split("\n")[0].trim();
  } catch {
    return undefined;
  }
}

function gpuNames(): string[] {
  if (process.env.TSDP_FORCE_NO_GPU) return [];
  try {
    const out = execFileSync("nvidia-smi", ["--query-gpu=name,compute_cap,memory.total", "--format=csv,noheader"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 10_000 });
    return out.trim().split("\n").filter(Boolean).map((l) => l.split(",").map((s) => s.trim())).map(([name, cap, mem]) => `${name} (sm_${cap.replace(".", "")}, ${mem})`);
  } catch {
    return [];
  }
}

function directorySize(dir: string): { files: number; bytes: number } {
  let files = 0, bytes = 0;
  const stack = [dir];
  while (stack.length) {
    const d = stack.pop()!;
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (e.isFile()) (files++, (bytes += statSync(p).size));
    }
  }
  return { files, bytes };
}

export function diagnose(): { findings: Finding[]; target: string; why: string } {
  const [major, minor] = process.versions.node.split(".").map(Number);
  const nodeOk = major > 20 || (major === 20 && minor >= 5);
  const cxx = findCxx();
  const nvcc = findNvcc();
  const gpus = gpuNames();
  const archs = localGpuArchs();
  const cache = cacheDirectory();
  const size = existsSync(cache) ? directorySize(cache) : { files: 0, bytes: 0 };
  const findings: Finding[] = [
    { what: "Node.js", found: process.version, ok: nodeOk, note: nodeOk ? "" : "tsdp needs Node.js 20.5 or newer: install it from nodejs.org or your distribution" },
    {
      what: "g++",
      found: cxx ? firstLine(cxx, ["--version"]) ?? cxx : "not found",
      ok: Boolean(cxx),
      note: cxx ? "builds the CPU target" : "needed for the CPU target (and for machines without a GPU): apt-get install g++",
    },
    {
      what: "nvcc",
      found: nvcc ? `${nvcc}: ${/release [\d.]+/.exec(toolVersion(nvcc))?.[0] ?? toolVersion(nvcc)}` : "not found",
      ok: Boolean(nvcc),
      note: nvcc ? "builds the CUDA target" : "needed for the GPU target: install the CUDA toolkit (nvcc), or set TSDP_NVCC to its path",
    },
    {
      what: "GPUs",
      found: gpus.length ? gpus.join("; ") : archs.length ? archs.map((a) => `sm_${a}`).join(", ") : "none visible (nvidia-smi)",
      ok: gpus.length > 0 || archs.length > 0,
      note: gpus.length || archs.length ? "" : "models run on the CPU target; on a GPU machine, install the NVIDIA driver (nvidia-smi must list the GPU)",
    },
    {
      what: "NCCL",
      found: canLoad("libnccl.so.2") ? "libnccl.so.2 loads" : "libnccl.so.2 not found",
      ok: canLoad("libnccl.so.2"),
      note: canLoad("libnccl.so.2")
        ? "all-reduces gradients across GPUs"
        : "needed only to train on several GPUs (one GPU and the CPU target use an in-process all-reduce): apt-get install libnccl2, or pip install nvidia-nccl-cu13 and add its lib directory to LD_LIBRARY_PATH",
    },
    {
      what: "cuBLASLt",
      // the first that loads of what the harness tries (runtime/harness/cublaslt.cu), or the override
      ...((): { found: string; ok: boolean; note: string } => {
        const override = process.env.TSDP_CUBLASLT_LIBRARY;
        const names = override ? [override] : ["libcublasLt.so.13", "libcublasLt.so.12", "libcublasLt.so.11"];
        const loads = names.find((n) => canLoad(n));
        return loads
          ? { found: `${loads} loads${override ? " (TSDP_CUBLASLT_LIBRARY)" : ""}`, ok: true, note: "runs the large linear-layer and matmul GEMMs on the GPU (tsdp compile --gemm)" }
          : {
              found: `${names.join(", ")} not found`,
              ok: false,
              note: "optional: without it every GEMM runs on tsdp's own kernels; pip install nvidia-cublas (PyTorch has it) and add its nvidia/cublas/lib directory to LD_LIBRARY_PATH, or set TSDP_CUBLASLT_LIBRARY",
            };
      })(),
    },
    (() => {
      const lib = canLoad("libmpi.so.40");
      const mpirun = spawnSync("mpirun", ["--version"], { encoding: "utf8" }).status === 0;
      return {
        what: "MPI",
        found: `${lib ? "libmpi.so.40 (Open MPI) loads" : "libmpi.so.40 not found"}; ${mpirun ? "mpirun found" : "no mpirun"}`,
        ok: lib && mpirun,
        note: "training across processes under mpirun, srun or tsdp launch: the CPU target's collective engine, the bootstrap of NCCL across processes, and tsdp launch's launcher: apt-get install openmpi-bin",
      };
    })(),
    (() => {
      // the shim (runtime/harness/gloo_shim.cpp) is compiled against the headers and linked with libgloo on first use
      const headers = existsSync("/usr/include/gloo/allreduce.h");
      const lib = canLoad("libgloo.so.0");
      return {
        what: "Gloo",
        found: `${headers ? "Gloo's headers found" : "no Gloo headers (/usr/include/gloo)"}; ${lib ? "libgloo.so.0 loads" : "libgloo.so.0 not found"}`,
        ok: headers && lib,
        note:
          "training across processes without mpirun (tsdp launch --rdzv tcp, or torchrun's RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT): the host's collective engine, " +
          "through a shim built with g++ on first use: apt-get install libgloo-dev",
      };
    })(),
    (() => {
      const held = `${cache}: ${size.files} file(s), ${(size.bytes / 2 ** 20).toFixed(1)} MiB`;
      const note = "built libraries by hash (TSDP_CACHE_DIR moves it; deleting it is safe)";
      // a path a directory cannot be made at (a file, or under one): every compile would stop there
      const blocked = cacheBlocked(cache);
      if (blocked) return { what: "cache", found: cache, ok: false, note: `${blocked}: every compile stops with this; point TSDP_CACHE_DIR at a directory` };
      try {
        // the bound each new entry trims it back under (cache-trim.ts)
        return { what: "cache", found: `${held} (bound ${(cacheLimitBytes() / 2 ** 20).toFixed(0)} MiB, TSDP_CACHE_MAX_MB)`, ok: true, note };
      } catch (e) {
        return { what: "cache", found: held, ok: false, note: `${(e as Error).message}: every compile stops with this` };
      }
    })(),
  ];
  const target = defaultTarget();
  const why =
    target === "cuda"
      ? "a GPU and nvcc are present"
      : archs.length === 0
        ? "no GPU is visible"
        : "nvcc was not found";
  return { findings, target, why };
}

export function formatDoctor(d: ReturnType<typeof diagnose>): string {
  const width = Math.max(...d.findings.map((f) => f.what.length));
  const lines = d.findings.map((f) => `${f.ok ? "✓" : "✗"} ${f.what.padEnd(width)}  ${f.found}${f.note ? `\n  ${" ".repeat(width)}  ${f.ok ? "" : "→ "}${f.note}` : ""}`);
  return [...lines, "", `default target: ${d.target} (${d.why}); --target cpu|cuda chooses`].join("\n");
}
