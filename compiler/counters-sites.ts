// The counters by site (runtime/shim/counters.h): which line of the generated code made each
// request, as Nsight Compute's source view shows on a GPU. The counter build keeps line tables
// (-g1, compiler/6-build/build.ts countersFlags), and addr2line (binutils, installed with g++)
// turns each site's offset into its line and the functions it was inlined into: a gather's load
// in `fc2_load_a`, inlined into the staging `fc2_stage_a_ring`, inlined into `fc2_kernel`.
import { spawn } from "node:child_process";
import { basename } from "node:path";
import type { CountersFile, LaunchCounters, SiteCounters, SiteSource } from "../runtime/counters.ts";

/** The launches with each site's source added; `problem` says why none could be named. */
export interface ResolvedSites {
  readonly launches: LaunchCounters[];
  readonly problem?: string;
}

/**
 * Names the sites of `launches` from the line tables of `binary` (the counter build's library);
 * with `cu` (its model.cu's text) each source also keeps its line's text, so that the counters file
 * reads on its own.
 */
export async function resolveSites(binary: string, launches: readonly LaunchCounters[], cu?: string): Promise<ResolvedSites> {
  const offsets = [...new Set(launches.flatMap((l) => (l.sites ?? []).map((s) => s.at)).filter((at) => at >= 0))];
  if (offsets.length === 0) return { launches: [...launches] };
  const input = offsets.map((at) => `0x${at.toString(16)}`).join("\n") + "\n";
  const run = await addr2line(binary, input);
  if ("problem" in run) return { launches: [...launches], problem: run.problem };
  const sources = parseAddr2line(run.stdout);
  const lines = cu?.split("\n");
  const withSource = (s: SiteCounters): SiteCounters => {
    const found = s.at >= 0 ? sources.get(s.at) : undefined;
    if (!found) return s;
    const frame = siteFrame({ ...s, source: found });
    const text = frame?.file === "model.cu" ? lines?.[frame.line - 1]?.trim() : undefined;
    return { ...s, source: text ? { ...found, text } : found };
  };
  return { launches: launches.map((l) => (l.sites ? { ...l, sites: l.sites.map(withSource) } : l)) };
}

/** addr2line's answer for the offsets on stdin, or why it could not run. */
function addr2line(binary: string, input: string): Promise<{ stdout: string } | { problem: string }> {
  return new Promise((done) => {
    const tool = process.env.ADDR2LINE || "addr2line";
    // -a: each answer starts with its address; -f: function names; -i: the inline chain; -C: demangled
    const child = spawn(tool, ["-e", binary, "-a", "-f", "-i", "-C"], { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    child.on("error", (e: NodeJS.ErrnoException) =>
      done({ problem: e.code === "ENOENT" ? `${tool} was not found (install binutils): sites are shown by their offset in the library` : `${tool} failed: ${e.message}` }),
    );
    child.on("close", (code) => done(code === 0 ? { stdout } : { problem: `${tool} failed (exit ${code}): ${stderr.trim().split("\n")[0] ?? ""}` }));
    child.stdin.on("error", () => {}); // a tool that exits early reports through 'close'
    child.stdin.end(input);
  });
}

/**
 * addr2line -a -f -i output: for each address, a line "0x…", then pairs of lines (function,
 * file:line), innermost first. Unknown frames ("??") are dropped.
 */
export function parseAddr2line(text: string): Map<number, SiteSource> {
  const out = new Map<number, SiteSource>();
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; ) {
    const address = /^0x([0-9a-f]+)$/i.exec(lines[i].trim());
    if (!address) {
      ++i;
      continue;
    }
    const frames: { function: string; file: string; line: number }[] = [];
    let j = i + 1;
    for (; j + 1 < lines.length && !/^0x[0-9a-f]+$/i.test(lines[j].trim()); j += 2) {
      const place = /^(.*):(\d+)(?: \(discriminator \d+\))?$/.exec(lines[j + 1].trim());
      const fn = shortName(lines[j].trim());
      if (place && fn !== "??" && place[1] !== "??") frames.push({ function: fn, file: basename(place[1]), line: Number(place[2]) });
    }
    if (frames.length) out.set(parseInt(address[1], 16), { frames });
    i = j;
  }
  return out;
}

/**
 * "tsdp_kernels::fc2_load_a(float const*, int)" → "fc2_load_a"; a template's return type goes
 * ("float4 __ldcg<float4>(…)" → "__ldcg<float4>"), its arguments stay.
 */
function shortName(text: string): string {
  const demangled = text.replaceAll("(anonymous namespace)::", "");
  let depth = 0;
  let start = 0;
  let end = demangled.length;
  for (let i = 0; i < demangled.length; ++i) {
    const c = demangled[i];
    if (c === "<") ++depth;
    else if (c === ">") --depth;
    else if (depth === 0 && c === " ") start = i + 1; // a return type before the name
    else if (depth === 0 && c === "(") {
      end = i;
      break;
    }
  }
  const name = demangled.slice(start, end);
  const args = name.indexOf("<");
  const scope = name.lastIndexOf("::", args >= 0 ? args : name.length);
  return scope >= 0 ? name.slice(scope + 2) : name;
}

/** A site's excess: wavefronts (bank conflicts) or sectors beyond the ideal. */
export const siteExcess = (s: SiteCounters): number => (s.access === "shared" ? (s.wavefronts ?? 0) - (s.idealWavefronts ?? 0) : (s.sectors ?? 0) - (s.idealSectors ?? 0));

/** The frame a reader looks at: the innermost one in the generated file (model.cu), else the innermost. */
export function siteFrame(s: SiteCounters, file = "model.cu"): SiteSource["frames"][number] | undefined {
  const frames = s.source?.frames ?? [];
  return frames.find((f) => f.file === file) ?? frames[0];
}

/**
 * The sites over their ideal (`tsdp counters --sites`): per launch, the `top` sites with the most
 * wavefronts or sectors beyond the fewest they could take, each with its line in model.cu, the
 * functions it was inlined into, and the line's text (`cu`: model.cu's text, when at hand).
 */
export function formatSites(file: CountersFile, top: number, cu?: string): string {
  const out: string[] = [];
  for (const l of file.launches) {
    const lines = siteLines(l, top, cu);
    if (lines.length) out.push(l.kernel, ...lines);
  }
  const head = `Sites over their ideal, the ${top} largest per launch (shared: wavefronts beyond one per phase; global: sectors beyond the fewest that hold each request's bytes):`;
  return out.length ? [head, ...out].join("\n") : "No site over its ideal: no bank conflicts, and every global request in the fewest sectors that hold its bytes.";
}

/**
 * A launch's `top` sites with the most beyond their ideal, two lines each (what and where; the
 * line's text, from `cu` or the site's own copy), indented by two spaces.
 */
export function siteLines(l: LaunchCounters, top: number, cu?: string): string[] {
  const source = cu?.split("\n");
  const out: string[] = [];
  const worst = (l.sites ?? [])
    .filter((s) => siteExcess(s) > 0)
    .sort((a, b) => siteExcess(b) - siteExcess(a))
    .slice(0, top);
  for (const s of worst) {
    const frame = siteFrame(s);
    const where = frame ? `${frame.file}:${frame.line}` : s.at >= 0 ? `+0x${s.at.toString(16)}` : "(atomics)";
    const measure =
      s.access === "shared"
        ? `${(siteExcess(s) / s.requests).toFixed(1)} conflicts/req  +${siteExcess(s).toLocaleString("en-US")} wavefronts`
        : `${((4 * s.sectors!) / s.idealSectors!).toFixed(1)} per 128 B  +${siteExcess(s).toLocaleString("en-US")} sectors`;
    const chain = (s.source?.frames ?? []).map((f) => f.function).join(" ← ");
    out.push(`  ${where.padEnd(14)} ${s.access.padEnd(6)} ${s.requests.toLocaleString("en-US").padStart(9)} req  ${measure}${chain ? `  ${chain}` : ""}`);
    const text = (frame?.file === "model.cu" ? source?.[frame.line - 1]?.trim() : undefined) ?? s.source?.text;
    if (text) out.push(`  ${"".padEnd(14)} ${text.length > 140 ? `${text.slice(0, 137)}...` : text}`);
  }
  return out;
}
