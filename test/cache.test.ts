// The build cache (compiler/6-build/cache.ts, cache-lock.ts) without a compiler: entries built by
// a recipe that writes a file. One build per key however many ask at once, a stale lock broken, a
// live one waited for, a failed build leaving nothing behind. The same cache with real compiles
// (two `tsdp compile`s of one model) is test/build-cache.test.ts.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { cachedEntry, cacheKey, StagedFiles, type EntryRecipe } from "../compiler/6-build/cache.ts";
import { isStaleLock } from "../compiler/6-build/cache-lock.ts";
import { cacheLimitBytes, DEFAULT_CACHE_MAX_MB, trimCache } from "../compiler/6-build/cache-trim.ts";
import { scratchDir } from "./helpers.ts";

const fresh = () => scratchDir("tsdp-cache-");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// pid 2^22+1 is above Linux's pid_max limit: no such process can exist
const DEAD_PID = 4194305;

/** A recipe whose entry is one file, `value`; counts its builds and can be held open. */
function recipe(value: string, gate?: Promise<void>) {
  const counted = {
    builds: 0,
    read: (dir: string) => (existsSync(join(dir, "value")) ? readFileSync(join(dir, "value"), "utf8") : undefined),
    build: async (work: string) => {
      counted.builds++;
      await gate;
      writeFileSync(join(work, "value"), value);
    },
  } satisfies EntryRecipe<string> & { builds: number };
  return counted;
}

/** The names in the cache directory other than entries: locks and work directories left behind. */
const leftovers = (dir: string) => readdirSync(dir).filter((n) => /\.(lock|build-.*)$/.test(n));

describe("the build cache", () => {
  it("keys differ when the parts are split differently", () => {
    expect(cacheKey("ab", "c")).not.toBe(cacheKey("a", "bc"));
    expect(cacheKey("a", "b")).toBe(cacheKey("a", "b"));
    expect(cacheKey("x")).toMatch(/^[0-9a-f]{32}$/);
  });

  it("builds an entry once for many concurrent askers, who all get it; the next ask is a hit", async () => {
    const dir = fresh();
    let open!: () => void;
    const r = recipe("built", new Promise<void>((o) => (open = o)));
    const asks = Array.from({ length: 4 }, () => cachedEntry(dir, "k1", r));
    await sleep(300); // all four are now building or waiting on the lock
    expect(r.builds).toBe(1);
    expect(readdirSync(dir)).toContain("k1.lock");
    open();
    const got = await Promise.all(asks);
    expect(got.map((g) => g.value)).toEqual(Array(4).fill("built"));
    expect(got.filter((g) => !g.hit)).toHaveLength(1);
    expect(r.builds).toBe(1);
    expect((await cachedEntry(dir, "k1", r)).hit).toBe(true);
    expect(leftovers(dir)).toEqual([]);
  });

  it("breaks a lock whose owner is dead and builds", async () => {
    const dir = fresh();
    const lock = join(dir, "k2.lock");
    // a dead pid in another pid namespace proves nothing alone; older than this process, it is a leftover
    writeFileSync(lock, `${DEAD_PID}\npid:[1]\n`);
    const old = new Date(Date.now() - 3600_000);
    utimesSync(lock, old, old);
    expect(isStaleLock(lock)).toBe(true);
    const r = recipe("after a dead owner");
    expect((await cachedEntry(dir, "k2", r)).value).toBe("after a dead owner");
    expect(leftovers(dir)).toEqual([]);
  });

  it("a young lock of a pid that is gone, in this pid namespace, is stale at once", async () => {
    const dir = fresh();
    const lock = join(dir, "k3.lock");
    writeFileSync(lock, `${DEAD_PID}\n${readlinkSync("/proc/self/ns/pid")}\n`);
    expect(isStaleLock(lock)).toBe(true);
    expect((await cachedEntry(dir, "k3", recipe("v"))).hit).toBe(false);
  });

  it("waits while a live process holds the lock, and builds once it is released", async () => {
    const dir = fresh();
    const lock = join(dir, "k4.lock");
    const holder = spawn("sleep", ["30"], { stdio: "ignore" });
    try {
      writeFileSync(lock, `${holder.pid}\n${readlinkSync("/proc/self/ns/pid")}\n`);
      expect(isStaleLock(lock)).toBe(false);
      const r = recipe("after the holder");
      let done = false;
      const ask = cachedEntry(dir, "k4", r).then((e) => ((done = true), e));
      await sleep(400);
      expect(done).toBe(false);
      expect(r.builds).toBe(0);
      rmSync(lock);
      expect((await ask).value).toBe("after the holder");
      expect(r.builds).toBe(1);
    } finally {
      holder.kill();
    }
  });

  it("a failed build leaves no entry, no lock and no work directory, and the next ask builds", async () => {
    const dir = fresh();
    const failing: EntryRecipe<string> = {
      read: () => undefined,
      build: async (work) => {
        writeFileSync(join(work, "half"), "x");
        throw new Error("compiler said no");
      },
    };
    await expect(cachedEntry(dir, "k5", failing)).rejects.toThrow("compiler said no");
    expect(readdirSync(dir)).toEqual([]);
    expect((await cachedEntry(dir, "k5", recipe("second try"))).value).toBe("second try");
  });

  it("an unsound entry is replaced by a fresh build", async () => {
    const dir = fresh();
    await cachedEntry(dir, "k6", recipe("first"));
    writeFileSync(join(dir, "k6", "value"), "damaged");
    const strict = { ...recipe("rebuilt"), read: (d: string) => { const v = recipe("").read(d); return v === "damaged" ? undefined : v; } };
    const e = await cachedEntry(dir, "k6", strict);
    expect(e).toMatchObject({ value: "rebuilt", hit: false });
  });
});

describe("the cache's bound (cache-trim.ts)", () => {
  const MB = 2 ** 20;
  const HOUR = 3_600_000;
  /** A library entry of `mb` MB last used `ago` ms before `now`. */
  const entry = (cache: string, name: string, mb: number, now: number, ago: number) => {
    const dir = join(cache, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "libmodel.so"), Buffer.alloc(mb * MB));
    utimesSync(dir, new Date(now - ago), new Date(now - ago));
    return dir;
  };
  const key = (i: number) => cacheKey(`entry ${i}`);

  it("past its limit, removes the least recently used entries down to 80 %, never the new one, a recent one or one being built, nor other files", () => {
    const cache = fresh();
    const now = Date.now();
    for (const [i, ago] of [[0, 5 * HOUR], [1, 4 * HOUR], [2, 3 * HOUR], [3, 2 * HOUR], [4, 60_000]] as const) entry(cache, key(i), 1, now, ago);
    const kept = entry(cache, key(5), 1, now, 0);
    writeFileSync(join(cache, `${key(2)}.lock`), "");
    // the entries every library of a kind shares count and go by the same rule: an old tsdp's
    // harness objects, a precompiled shim in use (recent)
    entry(cache, `harness-${key(9)}`, 1, now, 9 * HOUR);
    entry(cache, `pch-${key(8)}`, 1, now, 30_000);
    mkdirSync(join(cache, "commands"));
    writeFileSync(join(cache, "commands", `${key(7)}.json`), Buffer.alloc(2 * MB));
    const work = entry(cache, `${key(6)}.build-1-abcd`, 1, now, 9 * HOUR);
    // 8 MB of entries over a 4 MB bound: down to 3.2 MB, oldest first, skipping the locked one and
    // the recent ones; commands/ and a work directory (leftovers.ts's) are not entries
    expect(trimCache(cache, kept, 4 * MB, now)).toEqual([`harness-${key(9)}`, key(0), key(1), key(3)]);
    expect(readdirSync(cache).sort()).toEqual([key(2), `${key(2)}.lock`, key(4), key(5), "commands", `pch-${key(8)}`, basename(work)].sort());
    // under the bound: nothing goes
    expect(trimCache(cache, kept, 4 * MB, now)).toEqual([]);
  });

  it("takes its bound from TSDP_CACHE_MAX_MB (default 5,000 MB) and refuses one that is not a positive number", () => {
    expect(cacheLimitBytes({})).toBe(DEFAULT_CACHE_MAX_MB * MB);
    expect(cacheLimitBytes({ TSDP_CACHE_MAX_MB: "200" })).toBe(200 * MB);
    for (const bad of ["lots", "0", "-5"]) expect(() => cacheLimitBytes({ TSDP_CACHE_MAX_MB: bad })).toThrow(`TSDP_CACHE_MAX_MB must be a positive number of megabytes, got "${bad}"`);
  });

  it("a hit marks its entry used; a new entry past the bound evicts the least recently used", async () => {
    const cache = fresh();
    const now = Date.now();
    const old = entry(cache, key(0), 2, now, 3 * HOUR);
    const used = entry(cache, key(1), 2, now, 2 * HOUR);
    writeFileSync(join(used, "value"), "used");
    const before = process.env.TSDP_CACHE_MAX_MB;
    process.env.TSDP_CACHE_MAX_MB = "3";
    try {
      // the hit on key(1) makes it the most recent of the old two
      expect((await cachedEntry(cache, key(1), recipe("unused"))).hit).toBe(true);
      expect(Date.now() - statSync(used).mtimeMs).toBeLessThan(60_000);
      const made = await cachedEntry(cache, key(2), recipe("new"));
      expect(made.hit).toBe(false);
      // 4 MB and the new entry over 3 MB: the older of the two goes; the one just used is recent
      expect(existsSync(old)).toBe(false);
      expect(existsSync(used)).toBe(true);
      expect(readFileSync(join(made.dir, "value"), "utf8")).toBe("new");
    } finally {
      if (before === undefined) delete process.env.TSDP_CACHE_MAX_MB;
      else process.env.TSDP_CACHE_MAX_MB = before;
    }
  });
});

describe("a build's files are installed together (StagedFiles)", () => {
  it("a write that fails leaves every final file as it was and no temporary; install renames them all", () => {
    const dir = scratchDir("tsdp-staged-");
    writeFileSync(join(dir, "model.cu"), "old cu");
    writeFileSync(join(dir, "manifest.json"), "old manifest");
    const files = new StagedFiles();
    files.add(join(dir, "model.cu"), "new cu");
    files.add(join(dir, "manifest.json"), "new manifest");
    // a path whose directory is missing fails as a full disk would, mid-way
    expect(() => files.add(join(dir, "missing", "index.js"), "new js")).toThrow(/ENOENT/);
    expect(readFileSync(join(dir, "model.cu"), "utf8")).toBe("old cu");
    expect(readFileSync(join(dir, "manifest.json"), "utf8")).toBe("old manifest");
    expect(readdirSync(dir).sort()).toEqual(["manifest.json", "model.cu"]);
    const again = new StagedFiles();
    again.add(join(dir, "model.cu"), "new cu");
    again.add(join(dir, "manifest.json"), "new manifest");
    expect(readFileSync(join(dir, "model.cu"), "utf8")).toBe("old cu");
    again.install();
    expect(readFileSync(join(dir, "model.cu"), "utf8")).toBe("new cu");
    expect(readFileSync(join(dir, "manifest.json"), "utf8")).toBe("new manifest");
    expect(readdirSync(dir).sort()).toEqual(["manifest.json", "model.cu"]);
  });
});
