// The hardware counters of a CPU-target counter build (tsdp compile --target cpu --counters): the
// JSON the shim produces (runtime/shim/counters.h, which defines every field) and the file
// `tsdp counters` writes, which `tsdp inspect --gpu ... --counters <file>` reads. Names follow
// Nsight Compute's vocabulary: a request is one warp-level memory instruction; bank conflicts are
// wavefronts − idealWavefronts; sectors are 32 bytes.

/** Shared-memory counters of one launch. */
export interface SharedCounters {
  /** Warp-level shared-memory instructions (loads, stores, atomics). */
  readonly requests: number;
  /** Wavefronts those requests took (32 banks of 4 bytes; 8- and 16-byte accesses in 2 and 4 phases). */
  readonly wavefronts: number;
  /** Wavefronts they would take without bank conflicts. */
  readonly idealWavefronts: number;
}

/** Global-memory counters of one launch. */
export interface GlobalCounters {
  readonly loadRequests: number;
  /** Distinct 32-byte sectors per load request, summed. */
  readonly loadSectors: number;
  /** The fewest sectors each load request's bytes could occupy, summed. */
  readonly loadIdealSectors: number;
  /** Store requests (atomics count as stores). */
  readonly storeRequests: number;
  readonly storeSectors: number;
  readonly storeIdealSectors: number;
  /** loadSectors × 32: what L2 serves. */
  readonly bytesRead: number;
  readonly bytesWritten: number;
  /** Distinct bytes read: what DRAM would move with a perfect cache. */
  readonly uniqueBytesRead: number;
  readonly uniqueBytesWritten: number;
}

/**
 * One memory instruction's requests in a launch (Nsight Compute's source view): shared-memory
 * wavefronts or global sectors, beside the fewest they could take. A launch's sites add up to its
 * totals.
 */
export interface SiteCounters {
  /** The instruction's offset in the library (for addr2line), or -1 (atomics: no instruction of their own). */
  readonly at: number;
  /** "shared" (loads, stores, atomics), "load" or "store" (global; atomics count as stores). */
  readonly access: "shared" | "load" | "store";
  readonly requests: number;
  /** Shared sites. */
  readonly wavefronts?: number;
  readonly idealWavefronts?: number;
  /** Global sites. */
  readonly sectors?: number;
  readonly idealSectors?: number;
  /** Where it is in the generated code (`tsdp counters` adds it from the library's line tables). */
  readonly source?: SiteSource;
}

/** A site's place in the generated code: the innermost frame first, then the functions it was inlined into. */
export interface SiteSource {
  readonly frames: readonly { readonly function: string; readonly file: string; readonly line: number }[];
  /** The text of the innermost frame's line in model.cu (the counter build's), trimmed. */
  readonly text?: string;
}

/** One kernel launch, in launch order. */
export interface LaunchCounters {
  /** As in the generated code, with "_kernel" ("conv1_relu_pool_kernel"). */
  readonly kernel: string;
  readonly grid: readonly [number, number, number];
  readonly block: readonly [number, number, number];
  readonly shared: SharedCounters;
  readonly global: GlobalCounters;
  /** The same counts by instruction (absent in files written before sites were counted). */
  readonly sites?: readonly SiteCounters[];
}

/** What the library reports (tsdp_shim_counters_json, CompiledModel.hardwareCounters()). */
export interface ShimCounters {
  readonly version: 1;
  readonly launches: readonly LaunchCounters[];
}

/** The file `tsdp counters` writes: one run of one program. */
export interface CountersFile extends ShimCounters {
  readonly model: string;
  readonly batch: number;
  readonly program: "step" | "forward";
}

const SHARED_FIELDS = ["requests", "wavefronts", "idealWavefronts"] as const;
const GLOBAL_FIELDS = [
  "loadRequests",
  "loadSectors",
  "loadIdealSectors",
  "storeRequests",
  "storeSectors",
  "storeIdealSectors",
  "bytesRead",
  "bytesWritten",
  "uniqueBytesRead",
  "uniqueBytesWritten",
] as const;

/**
 * The largest count a file may hold: 2^48 (2.8·10^14). A counted run records every access on the
 * CPU (~10^7 a second), so a real count is far below; a larger one (2^53 − 1) is an edited file,
 * and sums and differences of counts up to it stay exact.
 */
export const MAX_COUNT = 2 ** 48;

const isCount = (v: unknown) => typeof v === "number" && Number.isSafeInteger(v) && v >= 0 && v <= MAX_COUNT;

/**
 * Where a count is below the fewest it can be (wavefronts under the conflict-free count, sectors
 * under the fewest that hold the bytes): the printed bank conflicts and excess sectors would be
 * negative. Pairs of field names, the actual first.
 */
const AT_LEAST_IDEAL = [["wavefronts", "idealWavefronts"], ["loadSectors", "loadIdealSectors"], ["storeSectors", "storeIdealSectors"], ["sectors", "idealSectors"]] as const;

function belowIdeal(counts: Record<string, unknown>): string | undefined {
  for (const [actual, ideal] of AT_LEAST_IDEAL)
    if (typeof counts[actual] === "number" && typeof counts[ideal] === "number" && (counts[actual] as number) < (counts[ideal] as number))
      return `${actual} ${counts[actual]} is less than ${ideal} ${counts[ideal]}: no access takes fewer than the fewest it can`;
  return undefined;
}
const isDim3 = (v: unknown) => Array.isArray(v) && v.length === 3 && v.every((d) => isCount(d) && d > 0);

/**
 * Checks a counters file's JSON (parsed) and returns it typed; a RangeError names the first field
 * that is wrong, with `where` (the file's path) in front.
 */
export function validateCountersFile(json: unknown, where: string): CountersFile {
  const bad = (what: string): never => {
    throw new RangeError(`${where}: not a tsdp counters file (tsdp counters writes one): ${what}`);
  };
  if (typeof json !== "object" || json === null || Array.isArray(json)) bad("not a JSON object");
  const f = json as Record<string, unknown>;
  if (f.version !== 1) bad(`"version" must be 1, got ${JSON.stringify(f.version)}`);
  if (typeof f.model !== "string" || f.model === "") bad(`"model" must be the model's class name`);
  if (!isCount(f.batch) || (f.batch as number) < 1) bad(`"batch" must be a positive integer`);
  if (f.program !== "step" && f.program !== "forward") bad(`"program" must be "step" or "forward"`);
  if (!Array.isArray(f.launches)) bad(`"launches" must be an array`);
  (f.launches as unknown[]).forEach((l, i) => {
    const at = `launches[${i}]`;
    if (typeof l !== "object" || l === null) bad(`${at} is not an object`);
    const launch = l as Record<string, unknown>;
    if (typeof launch.kernel !== "string" || launch.kernel === "") bad(`${at}.kernel must be a kernel name`);
    if (!isDim3(launch.grid)) bad(`${at}.grid must be three positive integers`);
    if (!isDim3(launch.block)) bad(`${at}.block must be three positive integers`);
    const shared = launch.shared as Record<string, unknown> | undefined;
    const global = launch.global as Record<string, unknown> | undefined;
    for (const k of SHARED_FIELDS) if (!isCount(shared?.[k])) bad(`${at}.shared.${k} must be a count (an integer from 0 to 2^48)`);
    for (const k of GLOBAL_FIELDS) if (!isCount(global?.[k])) bad(`${at}.global.${k} must be a count (an integer from 0 to 2^48)`);
    const sharedBelow = belowIdeal(shared!);
    if (sharedBelow) bad(`${at}.shared: ${sharedBelow}`);
    const globalBelow = belowIdeal(global!);
    if (globalBelow) bad(`${at}.global: ${globalBelow}`);
    if (launch.sites !== undefined) {
      if (!Array.isArray(launch.sites)) bad(`${at}.sites must be an array`);
      (launch.sites as unknown[]).forEach((site, j) => {
        const where = `${at}.sites[${j}]`;
        const s = site as Record<string, unknown> | null;
        if (typeof s !== "object" || s === null) bad(`${where} is not an object`);
        if (!Number.isSafeInteger(s!.at) || (s!.at as number) < -1) bad(`${where}.at must be an offset or -1`);
        if (s!.access !== "shared" && s!.access !== "load" && s!.access !== "store") bad(`${where}.access must be "shared", "load" or "store"`);
        const fields = s!.access === "shared" ? ["requests", "wavefronts", "idealWavefronts"] : ["requests", "sectors", "idealSectors"];
        for (const k of fields) if (!isCount(s![k])) bad(`${where}.${k} must be a count (an integer from 0 to 2^48)`);
        const siteBelow = belowIdeal(s!);
        if (siteBelow) bad(`${where}: ${siteBelow}`);
        if (s!.source !== undefined) {
          const source = s!.source as Record<string, unknown> | null;
          const frames = source?.frames;
          const isFrame = (f: any) => typeof f === "object" && f !== null && typeof f.function === "string" && typeof f.file === "string" && Number.isSafeInteger(f.line) && f.line > 0;
          if (!Array.isArray(frames) || !frames.every(isFrame)) bad(`${where}.source.frames must be a list of { function, file, line }`);
          if (source!.text !== undefined && typeof source!.text !== "string") bad(`${where}.source.text must be a string`);
        }
      });
    }
  });
  return json as CountersFile;
}

/** Bank conflicts of a launch: wavefronts beyond the conflict-free count. */
export const bankConflicts = (l: LaunchCounters): number => l.shared.wavefronts - l.shared.idealWavefronts;

/** Bank conflicts per shared request of a launch (0 without shared requests). */
export const conflictsPerRequest = (l: LaunchCounters): number => (l.shared.requests ? bankConflicts(l) / l.shared.requests : 0);

/** Sectors per request of a launch's global loads (0 without loads). */
export const sectorsPerLoad = (l: LaunchCounters): number => (l.global.loadRequests ? l.global.loadSectors / l.global.loadRequests : 0);

/** Sectors per request of a launch's global stores (0 without stores). */
export const sectorsPerStore = (l: LaunchCounters): number => (l.global.storeRequests ? l.global.storeSectors / l.global.storeRequests : 0);

/**
 * Sectors per 128 bytes the requests asked for — issue 13's measure of coalescing, whatever the
 * access width: 4 × sectors / ideal sectors (the fewest that hold each request's bytes). 4 is a
 * perfectly coalesced access, scalar or float4 (a warp's float4 request is 512 bytes, 16 sectors);
 * 32 is a warp of scalars each in its own sector. 0 without requests.
 */
export const loadSectorsPer128B = (l: LaunchCounters): number => (l.global.loadIdealSectors ? (4 * l.global.loadSectors) / l.global.loadIdealSectors : 0);
export const storeSectorsPer128B = (l: LaunchCounters): number => (l.global.storeIdealSectors ? (4 * l.global.storeSectors) / l.global.storeIdealSectors : 0);
