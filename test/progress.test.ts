import { Writable } from "node:stream";
import { afterEach, describe, expect, it, vi } from "vitest";
import { NOT_TTY_INTERVAL_MS, Progress } from "../runtime/progress.ts";

// The progress bar writes few lines when its output is not a terminal (CI logs, `| tee`): one at
// the start, one per NOT_TTY_INTERVAL_MS, one at the end — not one per batch.

function capture(isTTY: boolean): { stream: NodeJS.WritableStream; text: () => string } {
  let text = "";
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  }) as Writable & { isTTY?: boolean; columns?: number };
  stream.isTTY = isTTY;
  stream.columns = 120;
  return { stream, text: () => text };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("progress bar", () => {
  it("not on a terminal: a line every few seconds, whatever the batch count", () => {
    vi.useFakeTimers();
    const out = capture(false);
    const batches = 938;
    const p = new Progress("epoch 1", batches, out.stream);
    const simulatedMs = 3 * NOT_TTY_INTERVAL_MS + 1000; // an epoch of ~16 s
    for (let i = 1; i <= batches; i++) {
      vi.advanceTimersByTime(simulatedMs / batches);
      p.update(i, { loss: 1 / i, images: i * 64 });
    }
    p.done();
    const lines = out.text().split("\n").filter((l) => l.trim() !== "");
    expect(lines.length, out.text()).toBeGreaterThanOrEqual(3);
    expect(lines.length, out.text()).toBeLessThanOrEqual(6);
    expect(lines.at(-1)).toContain(`${batches}/${batches}`);
    expect(out.text()).not.toContain("\r");
  });

  it("on a terminal: redraws one line in place", () => {
    vi.useFakeTimers();
    const out = capture(true);
    const p = new Progress("epoch 1", 100, out.stream);
    for (let i = 1; i <= 100; i++) {
      vi.advanceTimersByTime(200);
      p.update(i, { loss: 0.5, images: i * 64 });
    }
    p.done();
    expect(out.text()).toMatch(/\r|\x1b\[/);
    expect(out.text().trimEnd().split("\n").length).toBe(1);
    expect(out.text()).toContain("100/100");
  });
});
