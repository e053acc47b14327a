// "Measure speed here": picks the settings to measure, asks the worker, shows its progress and
// takes the rows it measured (the speed chart draws them). Owns the state's bench slice.
import { numPatches, tokenLayout } from '../../model/config';
import { maxUsefulR } from '../../core/tome';
import type { AppState } from './app-state';
import { ui } from './elements';
import type { FromWorker, ToWorker } from '../protocol';

type BenchProgress = Extract<FromWorker, { type: 'bench-progress' }>;
type BenchDone = Extract<FromWorker, { type: 'bench-done' }>;

export class BenchControl {
  constructor(
    private readonly state: AppState,
    private readonly send: (m: ToWorker) => void,
  ) {
    ui.bench.addEventListener('click', () => this.start());
    ui.benchCancel.addEventListener('click', () => send({ type: 'cancel-bench', benchId: state.bench.id }));
  }

  progress(m: BenchProgress): void {
    if (m.benchId !== this.state.bench.id) return;
    const bar = ui.benchProgress.querySelector('progress')!;
    bar.value = m.done / m.total;
    (ui.benchProgress.querySelector('.text') as HTMLElement).textContent = `${m.done} / ${m.total} forwards`;
  }

  /** Takes the measured rows (a cancelled run keeps the previous ones if it measured none);
   * false if the answer is for an older run. */
  done(m: BenchDone): boolean {
    const b = this.state.bench;
    if (m.benchId !== b.id) return false;
    b.running = false;
    b.rows = m.rows.length ? m.rows : b.rows;
    b.source = m.timingSource;
    ui.benchProgress.hidden = true;
    ui.bench.disabled = false;
    return true;
  }

  /** r = 0, 4, 8, 12, 16 and the largest useful r, each constant and decreasing (r = 0 once). */
  private start(): void {
    const { config: c, bench } = this.state;
    // Not beside a folder measurement: each would slow the other's timings.
    if (!c || !this.state.view || bench.running || this.state.folder.running) return;
    const max = maxUsefulR(numPatches(c), c.depth, tokenLayout(c));
    const rs = [...new Set([0, 4, 8, 12, 16, max].filter((r) => r <= max))].sort((a, b) => a - b);
    const points = [...rs.map((r) => ({ r, schedule: 'constant' as const })), ...rs.filter((r) => r > 0).map((r) => ({ r, schedule: 'decreasing' as const }))];
    bench.id++;
    bench.running = true;
    ui.bench.disabled = true;
    ui.benchProgress.hidden = false;
    ui.benchProgress.querySelector('progress')!.value = 0;
    (ui.benchProgress.querySelector('.text') as HTMLElement).textContent = 'starting…';
    this.send({ type: 'bench', benchId: bench.id, points, repeat: this.state.backend?.name === 'webgpu' ? 3 : 1 });
  }
}
