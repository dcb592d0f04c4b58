import { cpSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { compile } from "../compiler/pipeline.ts";
import { BuildDirectoryError, SafetensorsError, decodeSafetensors, encodeSafetensors, load } from "../runtime/index.ts";
import { scratchDir } from "./helpers.ts";

// sec57 F10: what a model directory's manifest promises bounds what load() reads, and a library
// that fails its seal is refused in bounded memory (it was read whole first: a sparse 2 GB file
// held 2 GB for 50 s; past 2 GiB Node's read failed with an internal message).

let mlpDir: string;

beforeAll(async () => {
  const mlp = await compile("test/fixtures/hardening-mlp/model.ts", { target: "cpu", outDir: join("build", "test-hardening", "mlp") });
  mlpDir = mlp.build.outDir;
}, 600_000);

/** A copy of the fixture's build with its manifest's libraryBytes set to `bytes` (outside the seal's hash: still sealed). */
function withLibraryBytes(bytes: number): { dir: string; library: string } {
  const dir = join(scratchDir("tsdp-bounds-"), "build");
  cpSync(mlpDir, dir, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
  writeFileSync(join(dir, "manifest.json"), JSON.stringify({ ...manifest, libraryBytes: bytes }, null, 2) + "\n");
  return { dir, library: join(dir, manifest.library) };
}

async function loadError(dir: string): Promise<Error> {
  try {
    (await load(dir)).dispose();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected load to refuse the directory");
}

describe("the library's size and seal bound what load reads", () => {
  it("a manifest promising a library past 1 GiB is refused before anything is read, with a clear message", async () => {
    const { dir, library } = withLibraryBytes(3.5 * 2 ** 30);
    truncateSync(library, 3.5 * 2 ** 30); // sparse: no disk used
    const e = await loadError(dir);
    expect(e).toBeInstanceOf(BuildDirectoryError);
    expect(e.message).toMatch(/says its library .* has 3758096384 bytes, more than the 1073741824 \(1 GiB\) a tsdp library may have .*: the manifest was edited; it is not read: rebuild with tsdp compile/);
  });

  it("a sparse library of the manifest's size that fails the seal is refused in bounded memory", async () => {
    const size = 256 << 20;
    const { dir, library } = withLibraryBytes(size);
    truncateSync(library, size);
    const peak = process.resourceUsage().maxRSS;
    const e = await loadError(dir);
    expect(e).toBeInstanceOf(BuildDirectoryError);
    expect(e.message).toMatch(/is not the library .* was built with: its sha256 is [0-9a-f]{64}, the manifest says/);
    // hashed a MiB at a time: the peak did not grow by the file's size (maxRSS is in KiB)
    expect(process.resourceUsage().maxRSS - peak).toBeLessThan((size >> 10) / 4);
  });
});

// sec57 F12: a checkpoint's header is bounded by what the model can hold before it is parsed: a
// 95 MB header of 1.15M empty tensors took 2.8 GB and 19 s to parse before "unexpected tensor".
describe("a checkpoint's header is bounded by the model's tensor count before it is parsed", () => {
  /** `n` empty tensors: the smallest entries a header can list. */
  const emptyTensors = (n: number) => new Map(Array.from({ length: n }, (_, i) => [`t${i}`, { dtype: "F32", shape: [0], data: new Float32Array(0) }] as const));

  it("loadCheckpoint refuses a header of 100,000 tensors for a model of a few, saying so", async () => {
    const file = join(scratchDir("tsdp-bounds-"), "many.safetensors");
    writeFileSync(file, encodeSafetensors(emptyTensors(100_000) as never));
    const model = await load(mlpDir);
    try {
      const e = await model.loadCheckpoint(file).then(() => undefined, (err: Error) => err);
      expect(e).toBeInstanceOf(SafetensorsError);
      expect((e as SafetensorsError).code).toBe("HeaderTooLarge");
      expect(e!.message).toMatch(/many\.safetensors: the header lists more than \d+ tensors, more than the reader can use .*it was not parsed/);
    } finally {
      model.dispose();
    }
  });

  it("decodeSafetensors takes the bound as an option; without one, or within it, the file decodes", () => {
    const bytes = encodeSafetensors(emptyTensors(10) as never, { note: 'a "data_offsets" value in the metadata' });
    expect(() => decodeSafetensors(bytes, "f", { maxTensors: 9 })).toThrow(/lists more than 9 tensors/);
    expect(decodeSafetensors(bytes, "f", { maxTensors: 10 }).tensors.size).toBe(10);
    expect(decodeSafetensors(bytes, "f").tensors.size).toBe(10);
  });

  it("no spelling of a key hides an entry from the count (rev59: \"data\\u005foffsets\" is data_offsets to the parser)", () => {
    const entries = Array.from({ length: 50 }, (_, i) => `"t${i}":{"dtype":"F32","shape":[0],"data\\u005foffsets":[0,0]}`);
    const header = Buffer.from(`{${entries.join(",")}}`);
    const prefix = Buffer.alloc(8);
    prefix.writeBigUInt64LE(BigInt(header.length));
    const bytes = new Uint8Array(Buffer.concat([prefix, header]));
    expect(decodeSafetensors(bytes, "f").tensors.size).toBe(50);
    expect(() => decodeSafetensors(bytes, "f", { maxTensors: 10 })).toThrow(/lists more than 10 tensors/);
  });
});
