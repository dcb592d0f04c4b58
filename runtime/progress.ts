// The progress bar of training loops, on cli-progress: on a terminal one line redrawn in place;
// otherwise (CI logs, `| tee`) a plain line at most every 5 seconds and one at the end, so a log
// holds a few lines per epoch instead of hundreds.
import { SingleBar } from "cli-progress";

/** How often a line is written when the output is not a terminal. */
export const NOT_TTY_INTERVAL_MS = 5000;

export class Progress {
  readonly #bar: SingleBar;
  readonly #started = performance.now();

  constructor(label: string, total: number, out: NodeJS.WritableStream = process.stdout) {
    this.#bar = new SingleBar({
      format: `${label} {bar} {value}/{total}  loss {loss}  {rate} img/s  ETA {eta_formatted}`,
      barCompleteChar: "█",
      barIncompleteChar: "░",
      barsize: 24,
      stream: out,
      noTTYOutput: true,
      notTTYSchedule: NOT_TTY_INTERVAL_MS,
      hideCursor: false,
      etaBuffer: 50,
    });
    this.#bar.start(total, 0, { loss: "-", rate: 0 });
  }

  update(done: number, stats: { loss: number; images: number }): void {
    const elapsed = (performance.now() - this.#started) / 1000;
    this.#bar.update(done, { loss: stats.loss.toFixed(4), rate: Math.round(stats.images / Math.max(elapsed, 1e-9)) });
  }

  /** Writes the final state and ends the line. */
  done(): void {
    this.#bar.stop();
  }
}
