import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import { smooth, trainingPlot, type EpochPoint, type StepPoint } from "../runtime/plot.ts";
import { scratchDir } from "./helpers.ts";

// The training plot of examples/lenet/train.ts, checked as numbers (tick values, point counts)
// and as a picture: rendered to PNG by rsvg-convert (Debian's librsvg2-bin, installed by the
// README's set-up and by .ci/run), then its pixels counted by colour.

/** A run shaped like LeNet's: the loss falls from 2.3 towards 0.3 with noise; accuracy climbs. */
function run(epochCount: number, stepsPerEpoch: number): { steps: StepPoint[]; epochs: EpochPoint[] } {
  const steps: StepPoint[] = [];
  const epochs: EpochPoint[] = [];
  let n = 0;
  for (let e = 0; e < epochCount; e++) {
    for (let i = 1; i <= stepsPerEpoch; i++, n++) steps.push({ epoch: e + i / stepsPerEpoch, loss: 2 * Math.exp(-n / 300) + 0.3 + 0.1 * Math.sin(n * 1.7) });
    epochs.push({ epoch: e + 1, testLoss: 0.42 - 0.1 * (1 - Math.exp(-e / 4)), accuracy: 0.854 + 0.05 * (1 - Math.exp(-e / 4)) });
  }
  return { steps, epochs };
}

/** The labels of the tick marks: the text elements whose value is a plain number or a percentage. */
function tickLabels(svg: string): { loss: number[]; accuracy: number[]; epoch: number[] } {
  const texts = [...svg.matchAll(/<text x="([\d.]+)" y="([\d.]+)"[^>]*>([^<]*)<\/text>/g)].map((m) => ({ x: Number(m[1]), y: Number(m[2]), t: m[3] }));
  const numbers = texts.filter((t) => /^-?\d+(\.\d+)?%?$/.test(t.t));
  return {
    loss: numbers.filter((t) => t.x < 64 && !t.t.endsWith("%") && t.y < 280).map((t) => Number(t.t)),
    accuracy: numbers.filter((t) => t.x < 64 && t.t.endsWith("%")).map((t) => Number(t.t.slice(0, -1))),
    epoch: numbers.filter((t) => t.y > 430).map((t) => Number(t.t)),
  };
}

/** Ticks are "nice": evenly spaced by 1, 2 or 5 × 10^k. */
function expectNiceTicks(ticks: number[], what: string): void {
  expect(ticks.length, `${what}: ticks ${ticks}`).toBeGreaterThanOrEqual(3);
  const step = ticks[1] - ticks[0];
  const mantissa = step / 10 ** Math.floor(Math.log10(step) + 1e-9);
  expect([1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-6), `${what}: step ${step} of ${ticks}`).toBe(true);
  for (let i = 1; i < ticks.length; i++) expect(ticks[i] - ticks[i - 1], `${what}: ${ticks}`).toBeCloseTo(step, 9);
  for (const t of ticks) expect(Math.abs(t / step - Math.round(t / step)), `${what}: ${t} is not a multiple of ${step}`).toBeLessThan(1e-6);
}

function render(svg: string): PNG {
  const dir = scratchDir("tsdp-plot-");
  writeFileSync(join(dir, "plot.svg"), svg);
  const r = spawnSync("rsvg-convert", [join(dir, "plot.svg"), "-o", join(dir, "plot.png")], { encoding: "utf8" });
  if (r.error) throw new Error(`rsvg-convert is needed to check the plot as a picture: apt-get install librsvg2-bin (${r.error.message})`);
  expect(r.status, r.stderr).toBe(0);
  return PNG.sync.read(readFileSync(join(dir, "plot.png")));
}

/** Pixels within a small distance of an RGB colour. */
function pixelsOf(png: PNG, hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  let n = 0;
  for (let i = 0; i < png.data.length; i += 4) if (Math.abs(png.data[i] - r) + Math.abs(png.data[i + 1] - g) + Math.abs(png.data[i + 2] - b) < 30) n++;
  return n;
}

describe("training plot", () => {
  for (const [epochs, label] of [
    [1, "a 1-epoch run"],
    [50, "a 50-epoch run"],
  ] as const) {
    it(`${label}: nice ticks, the steps as a curve, and a picture with every series in it`, () => {
      const data = run(epochs, 938);
      const svg = trainingPlot({ title: "LeNet on Fashion-MNIST", ...data });
      const ticks = tickLabels(svg);
      expectNiceTicks(ticks.loss, "loss axis");
      expectNiceTicks(ticks.accuracy, "accuracy axis");
      expectNiceTicks(ticks.epoch, "epoch axis");
      expect(ticks.epoch[0]).toBe(0);
      expect(ticks.epoch.at(-1)).toBe(epochs);
      // every step of a short run is on the raw curve; a long one is decimated to ≤ 2,400 points
      const rawPoints = /<path d="M([^"]*)"[^>]*stroke="#9ecae1"/.exec(svg)![1].split("L").length;
      if (epochs * 938 <= 2400) expect(rawPoints).toBe(epochs * 938);
      else expect(rawPoints).toBeGreaterThan(1000), expect(rawPoints).toBeLessThanOrEqual(2400);
      expect(svg.length, "SVG size").toBeLessThan(200_000);

      const png = render(svg);
      expect([png.width, png.height]).toEqual([720, 470]);
      expect(pixelsOf(png, "#1f77b4"), "smoothed loss (blue)").toBeGreaterThan(300);
      expect(pixelsOf(png, "#9ecae1"), "raw loss (light blue)").toBeGreaterThan(300);
      expect(pixelsOf(png, "#ff7f0e"), "test loss dots (orange)").toBeGreaterThan(20);
      expect(pixelsOf(png, "#d62728"), "test accuracy (red)").toBeGreaterThan(20);
    });
  }

  it("smooths with a bias-corrected moving average: a constant stays constant, a step is followed", () => {
    expect(smooth([2, 2, 2, 2], 10)).toEqual([2, 2, 2, 2]);
    const s = smooth([...Array(50).fill(1), ...Array(200).fill(0)], 10);
    expect(s[49]).toBeCloseTo(1, 9);
    expect(s[60]).toBeLessThan(0.5);
    expect(s[249]).toBeLessThan(1e-6);
  });

  it("escapes the title", () => {
    expect(trainingPlot({ title: "a <b> & \"c\"", ...run(1, 10) })).toContain("a &lt;b&gt; &amp; &quot;c&quot;");
  });
});
