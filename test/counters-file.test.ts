// The counters file's schema (runtime/counters.ts), which `tsdp counters` writes and
// `tsdp inspect --gpu ... --counters` reads. test/fixtures/counters/lenet-step-b64.json is a real
// one: `tsdp counters examples/lenet/model.ts --batch 64` at the commit bench/README-counters.md
// names (its numbers are that commit's kernels; here only its form is checked).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { countersJson, formatCounters } from "../compiler/counters.ts";
import { bankConflicts, loadSectorsPer128B, sectorsPerLoad, storeSectorsPer128B, validateCountersFile, type CountersFile } from "../runtime/counters.ts";

const fixture = join(import.meta.dirname, "fixtures", "counters", "lenet-step-b64.json");
const lenet = () => JSON.parse(readFileSync(fixture, "utf8")) as CountersFile;

describe("counters file", () => {
  it("accepts what tsdp counters wrote, and reads back what countersJson writes", () => {
    const file = validateCountersFile(lenet(), fixture);
    expect(file).toMatchObject({ version: 1, model: "SimpleModel", batch: 64, program: "step" });
    expect(file.launches.length).toBe(29);
    expect(JSON.parse(countersJson(file))).toEqual(file);
    // one launch per line
    expect(countersJson(file).split("\n").length).toBe(file.launches.length + 3);
  });

  it("derives conflicts and sectors per request from the counts", () => {
    const fc1 = lenet().launches.find((l) => l.kernel === "fc1_kernel")!;
    expect(bankConflicts(fc1)).toBe(fc1.shared.wavefronts - fc1.shared.idealWavefronts);
    expect(sectorsPerLoad(fc1)).toBeCloseTo(fc1.global.loadSectors / fc1.global.loadRequests, 12);
    // per 128 bytes asked for: 4 when every request's sectors are the fewest that hold its bytes
    expect(loadSectorsPer128B(fc1)).toBeCloseTo((4 * fc1.global.loadSectors) / fc1.global.loadIdealSectors, 12);
    expect(loadSectorsPer128B(fc1)).toBeGreaterThanOrEqual(4);
    expect(storeSectorsPer128B({ ...fc1, global: { ...fc1.global, storeSectors: 16, storeIdealSectors: 16 } })).toBe(4);
    const table = formatCounters(lenet());
    expect(table.split("\n")).toHaveLength(2 + 29);
    expect(table).toMatch(/^fc1_kernel +1×8×1 +256 /m);
  });

  it.each([
    ["version", (f: any) => (f.version = 2), '"version" must be 1'],
    ["model", (f: any) => delete f.model, '"model" must be'],
    ["program", (f: any) => (f.program = "backward"), '"program" must be "step" or "forward"'],
    ["batch", (f: any) => (f.batch = 0), '"batch" must be a positive integer'],
    ["a launch's grid", (f: any) => (f.launches[3].grid = [64, 1]), "launches[3].grid must be three positive integers"],
    ["a count", (f: any) => (f.launches[5].global.loadSectors = -1), "launches[5].global.loadSectors must be a count"],
    ["a missing count", (f: any) => delete f.launches[0].shared.wavefronts, "launches[0].shared.wavefronts must be a count"],
  ])("refuses a file with a bad %s, naming the field and the file", (_what, spoil, message) => {
    const f = lenet();
    spoil(f);
    expect(() => validateCountersFile(f, "some.json")).toThrow(RangeError);
    expect(() => validateCountersFile(f, "some.json")).toThrow(`some.json: not a tsdp counters file (tsdp counters writes one): ${message}`);
  });

  it("refuses what is not a JSON object", () => {
    for (const v of [null, [], "x", 3]) expect(() => validateCountersFile(v, "f.json")).toThrow("f.json: not a tsdp counters file");
  });
});
