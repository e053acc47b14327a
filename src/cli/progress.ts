// A progress bar on stderr (stdout carries only JSON). Redraws in place on a TTY, otherwise
// prints a line every 10%, so CI logs stay short.
export class Progress {
  private lastDecile = -1;
  private readonly start = performance.now();

  constructor(
    private readonly label: string,
    private readonly total: number,
  ) {}

  update(done: number, extra = ''): void {
    const frac = this.total ? done / this.total : 1;
    const elapsed = (performance.now() - this.start) / 1000;
    const eta = done ? (elapsed / done) * (this.total - done) : 0;
    const text = `${this.label} ${done}/${this.total} ${(frac * 100).toFixed(0).padStart(3)}% ${elapsed.toFixed(0)}s elapsed, ETA ${eta.toFixed(0)}s ${extra}`;
    if (process.stderr.isTTY) {
      const width = 24;
      const filled = Math.round(frac * width);
      process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}\x1b[K`);
      if (done === this.total) process.stderr.write('\n');
    } else {
      const decile = Math.floor(frac * 10);
      if (decile !== this.lastDecile) {
        this.lastDecile = decile;
        process.stderr.write(`${text}\n`);
      }
    }
  }
}
