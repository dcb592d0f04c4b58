// The GPT example (examples/gpt, issue 15 item 2): its transformer, at toy size
// (test/fixtures/gpt-reverse), learns to reverse a sequence on the CPU target within a bounded
// number of steps; its host side (tokens, windows, sampling) does what train.ts relies on.
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { compile } from "../compiler/pipeline.ts";
import { load, tensor, type Tensor } from "../runtime/index.ts";
import { decode, defaultText, encode, generate, random, sampleToken, windows } from "../examples/gpt/text.ts";

const SYMBOLS = 4;
const SEPARATOR = 4;
const HALF = 8;
const T = 16;

/**
 * `batch` sequences a1…a8 S a8…a1 (ai random of 4 symbols): inputs the first 16 tokens, targets
 * the last 16. The targets at positions 0–6 (a2…a8) cannot be predicted: ln 4 each.
 */
function reversals(batch: number, rand: () => number): { x: Tensor; y: Tensor; sequences: number[][] } {
  const x = new Int32Array(batch * T);
  const y = new Int32Array(batch * T);
  const sequences: number[][] = [];
  for (let b = 0; b < batch; b++) {
    const a = Array.from({ length: HALF }, () => Math.floor(rand() * SYMBOLS));
    const s = [...a, SEPARATOR, ...a.slice().reverse()];
    sequences.push(s);
    x.set(s.slice(0, T), b * T);
    y.set(s.slice(1, T + 1), b * T);
  }
  return { x: tensor(x, [batch, T]), y: tensor(y, [batch, T]), sequences };
}

// The loss a perfect model reaches: 7 of 16 targets are random (ln 4 each), the rest determined.
const FLOOR = (7 * Math.log(SYMBOLS)) / T; //                        0.606
// A model that learned the separator but not the reversal: 15 targets at ln 4.
const NOT_REVERSING = (15 * Math.log(SYMBOLS)) / T; //               1.300
const THRESHOLD = 0.75;
const MAX_STEPS = 300;

let dir: string;

beforeAll(async () => {
  dir = (await compile("test/fixtures/gpt-reverse/model.ts", { target: "cpu", outDir: join("build", "test-gpt-example", "reverse") })).build.outDir;
}, 600_000);

describe("the GPT example", () => {
  it(`learns to reverse a sequence: the mean loss of 10 steps goes below ${THRESHOLD} (floor ${FLOOR.toFixed(3)}, not reversing ${NOT_REVERSING.toFixed(3)}) within ${MAX_STEPS} steps`, async () => {
    expect(FLOOR).toBeLessThan(THRESHOLD);
    expect(NOT_REVERSING).toBeGreaterThan(THRESHOLD + 0.5);
    const m = await load(dir, { seed: 0 });
    try {
      const rand = random(1);
      const losses: number[] = [];
      let mean = Infinity;
      while (losses.length < MAX_STEPS && mean >= THRESHOLD) {
        const { x, y } = reversals(32, rand);
        losses.push(await m.trainStep(x, y));
        if (losses.length >= 10) mean = losses.slice(-10).reduce((a, b) => a + b, 0) / 10;
      }
      expect(mean, `mean loss of the last 10 of ${losses.length} steps`).toBeLessThan(THRESHOLD);

      // Generated from the compiled forward, greedily, from held-out prefixes "a1…a8 S": the
      // reversed half, token for token, in at least 90 % of the positions.
      m.eval();
      const test = reversals(8, random(99));
      let right = 0;
      for (const s of test.sequences) {
        const prompt = Int32Array.from(s.slice(0, HALF + 1));
        const more = await generate((idx) => m.forward(idx) as Promise<Tensor>, prompt, HALF, { block: T, vocab: SYMBOLS + 1, temperature: 0, rand });
        more.forEach((t, i) => (right += t === s[HALF + 1 + i] ? 1 : 0));
      }
      expect(right / (8 * HALF)).toBeGreaterThanOrEqual(0.9);
    } finally {
      m.dispose();
    }
  }, 300_000);
});

describe("class-index targets of a reshaped loss", () => {
  it("are range-checked against the loss input's classes (the vocabulary, 5), not the output's dim 1 (16 positions)", async () => {
    const m = await load(dir, { seed: 0 });
    try {
      expect(m.manifest.training?.classes).toBe(5);
      const { x, y } = reversals(2, random(4));
      const bad = new Int32Array(y.data as Int32Array);
      bad[3] = 5;
      await expect(m.trainStep(x, tensor(bad, [2, T]))).rejects.toThrow(/label 5 at position 3 is out of range: the model has 5 classes \(0 to 4\)/);
      expect(m.steps).toBe(0);
    } finally {
      m.dispose();
    }
  });
});

describe("the GPT example's host side", () => {
  it("encodes ASCII as bytes and anything else as '?', and decodes back", () => {
    expect(Array.from(encode("Hi!"))).toEqual([72, 105, 33]);
    expect(decode(encode("naïve ☃"))).toBe("na?ve ?");
  });

  it("draws windows whose targets are the inputs shifted by one, reproducibly from the seed", () => {
    const tokens = encode(defaultText(0, 50));
    const a = windows(tokens, 4, 32, random(5));
    const b = windows(tokens, 4, 32, random(5));
    expect(Array.from(a.x.data)).toEqual(Array.from(b.x.data));
    const x = a.x.data as Int32Array;
    const y = a.y.data as Int32Array;
    for (let r = 0; r < 4; r++) expect(Array.from(x.subarray(r * 32 + 1, r * 32 + 32))).toEqual(Array.from(y.subarray(r * 32, r * 32 + 31)));
    expect(() => windows(encode("short"), 1, 32, random(0))).toThrow(/has 5 characters; a training window needs 33/);
  });

  it("samples: temperature 0 is greedy; a high temperature spreads over the tokens; a low one concentrates", () => {
    const logits = [0, 2, 1, 0];
    expect(sampleToken(logits, 0, random(0))).toBe(1);
    const counts = (temperature: number) => {
      const rand = random(3);
      const c = [0, 0, 0, 0];
      for (let i = 0; i < 4000; i++) c[sampleToken(logits, temperature, rand)]++;
      return c;
    };
    const warm = counts(1);
    // softmax([0, 2, 1, 0]) = [0.083, 0.610, 0.225, 0.083]: token 1 at 61 % ± 2.3 % (3σ of 4000 draws)
    expect(warm[1] / 4000).toBeGreaterThan(0.587);
    expect(warm[1] / 4000).toBeLessThan(0.633);
    expect(warm.every((n) => n > 0)).toBe(true);
    expect(counts(0.1)[1]).toBeGreaterThan(3990);
  });

  it("the default text is generated, the same for a seed, and different for another", () => {
    expect(defaultText(0, 20)).toBe(defaultText(0, 20));
    expect(defaultText(1, 20)).not.toBe(defaultText(0, 20));
    expect(defaultText(0, 20)).toMatch(/^[A-Z][a-z ]+\. /);
  });
});
