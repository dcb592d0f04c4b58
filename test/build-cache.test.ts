// The build cache with real compiles: two `tsdp compile`s that need the same library at once build
// it once (the second waits on the entry's lock, then copies the library), and both succeed.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { load, tensor, type Tensor } from "../runtime/index.ts";
import { header, runNode, scratchDir } from "./helpers.ts";
import { seededCacheDir } from "./test-cache.ts";

const model = `${header}
export class Tiny extends nn.Module {
  fc = new nn.Linear(4, 2);
  forward(x: Tensor<[Batch, 4]>) {
    return F.relu(this.fc(x));
  }
}
`;

describe("one build cache, one build per library", () => {
  it("two concurrent compiles of one model into one cache: one builds, the other waits and is served from the cache; both load", async () => {
    const dir = scratchDir("tsdp-build-cache-");
    const cache = await seededCacheDir("tsdp-build-cache-seeded-"); // the harness's entries copied in (test-cache.ts)
    writeFileSync(join(dir, "model.ts"), model);
    const env = { ...process.env, TSDP_CACHE_DIR: cache };
    const compile = (out: string) => runNode(["bin/tsdp.js", "compile", join(dir, "model.ts"), "--target", "cpu", "--out", join(dir, out)], { env });
    const runs = await Promise.all([compile("a"), compile("b")]);
    for (const r of runs) {
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
    }
    const how = runs.map((r) => /\b(built|cached) in \d+ ms/.exec(r.stdout)?.[1]).sort();
    expect(how).toEqual(["built", "cached"]);
    // one library entry, the harness's objects and the precompiled shim (the seeded ones: no second
    // harness entry); no lock or work directory left behind (commands/ holds what command lines resolved to)
    expect(readdirSync(cache).filter((n) => n !== "commands").sort()).toEqual([expect.stringMatching(/^[0-9a-f]{32}$/), expect.stringMatching(/^harness-[0-9a-f]{32}$/), expect.stringMatching(/^pch-[0-9a-f]{32}$/)]);
    expect(readFileSync(join(dir, "a", "libmodel.so")).equals(readFileSync(join(dir, "b", "libmodel.so")))).toBe(true);
    for (const out of ["a", "b"]) {
      const m = await load<Tensor>(join(dir, out));
      expect(m.forwardSync(tensor(new Float32Array(8), [2, 4])).shape).toEqual([2, 2]);
      m.dispose();
    }
  }, 180_000);
});
