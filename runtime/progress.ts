// A one-line progress bar for training loops: on a terminal it redraws in place; otherwise it
// prints a line every 10% so logs stay short.

export class Progress {
  private readonly started = performance.now();
  private lastDecile = -1;
  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly out: NodeJS.WriteStream = process.stdout,
  ) {}

  update(done: number, stats: { loss: number; images: number; accuracy?: number }): void {
    const elapsed = (performance.now() - this.started) / 1000;
    const rate = stats.images / Math.max(elapsed, 1e-9);
    const eta = done > 0 ? (elapsed / done) * (this.total - done) : 0;
    const width = 24;
    const filled = Math.round((done / this.total) * width);
    const bar = `${"█".repeat(filled)}${"░".repeat(width - filled)}`;
    const acc = stats.accuracy === undefined ? "" : `  acc ${(stats.accuracy * 100).toFixed(1)}%`;
    const line = `${this.label} ${bar} ${done}/${this.total}  loss ${stats.loss.toFixed(4)}${acc}  ${Math.round(rate)} img/s  ETA ${formatSeconds(eta)}`;
    if (this.out.isTTY) this.out.write(`\r${line}\x1b[K`);
    else {
      const decile = Math.floor((done / this.total) * 10);
      if (decile !== this.lastDecile) {
        this.lastDecile = decile;
        this.out.write(`${line}\n`);
      }
    }
  }

  done(): void {
    if (this.out.isTTY) this.out.write("\n");
  }
}

function formatSeconds(s: number): string {
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(Math.round(s % 60)).padStart(2, "0")}s` : `${Math.round(s)}s`;
}
