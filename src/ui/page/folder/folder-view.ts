// What the folder card shows: the folder picked, the progress of a run (images, settings, time
// left), the notes on its labels, the unreadable files, and the table of figures. Reads the
// state's folder slice; changes nothing.
import type { MeasuredRow } from '../../../eval/measure';
import { settingName } from '../../../eval/settings';
import type { ToMeOptions } from '../../../core/tome';
import type { FolderState } from '../app-state';
import { ui } from '../elements';

const pct = (v: number | undefined) => (v === undefined ? '—' : `${(v * 100).toFixed(1)}%`);

function timeLeft(seconds: number): string {
  if (!Number.isFinite(seconds)) return 'estimating time left';
  if (seconds >= 5400) return `about ${(seconds / 3600).toFixed(1)} h left`;
  return seconds >= 90 ? `about ${Math.round(seconds / 60)} min left` : `about ${Math.ceil(seconds)} s left`;
}

export function showProgress(f: FolderState): void {
  ui.folderProgress.hidden = !f.running;
  const p = f.progress;
  if (!f.running) return;
  const bar = ui.folderProgress.querySelector('progress')!;
  const text = ui.folderProgress.querySelector('.text') as HTMLElement;
  if (!p) {
    bar.removeAttribute('value');
    text.textContent = 'reading the folder…';
    return;
  }
  bar.value = p.fraction;
  const elapsed = (performance.now() - f.startedAt) / 1000;
  const eta = p.fraction > 0 ? (elapsed / p.fraction) * (1 - p.fraction) : Infinity;
  const skipped = p.skipped ? ` · ${p.skipped} unreadable` : '';
  text.textContent = `${p.imagesDone} of ${p.imagesTotal} images · setting ${p.settingsDone} of ${p.settingsTotal} on this batch · ${timeLeft(eta)}${skipped}`;
}

export function showNotes(notes: string[]): void {
  ui.folderNotes.replaceChildren(
    ...notes.map((n) => {
      const li = document.createElement('li');
      li.textContent = n;
      return li;
    }),
  );
}

export function showSkipped(f: FolderState): void {
  const n = f.skipped.length;
  ui.folderSkipped.hidden = n === 0;
  ui.folderSkipped.querySelector('summary')!.textContent = `${n} unreadable file${n === 1 ? '' : 's'} skipped`;
  ui.folderSkipped.querySelector('ul')!.replaceChildren(
    ...f.skipped.map((s) => {
      const li = document.createElement('li');
      li.textContent = `${s.path}: ${s.reason}`;
      return li;
    }),
  );
}

export function showTable(rows: MeasuredRow[] | null, current: ToMeOptions): void {
  ui.folderTable.hidden = !rows?.length;
  ui.folderExport.hidden = !rows?.length;
  const headless = rows?.[0]?.meanCosineToR0 !== undefined;
  const agreeHead = ui.folderTable.tHead!.rows[0].cells[4];
  agreeHead.textContent = headless ? 'cos' : 'agree';
  agreeHead.title = headless ? "mean cosine similarity of the features to r = 0's" : 'share of images whose top-1 is the same as at r = 0';
  const body = ui.folderTable.tBodies[0];
  body.replaceChildren(
    ...(rows ?? []).map((r) => {
      const tr = document.createElement('tr');
      tr.dataset.setting = settingName(r);
      const isCurrent = r.r === current.r && (r.r === 0 || (r.schedule === current.schedule && r.mode === current.mode));
      tr.classList.toggle('current', isCurrent);
      const cells = [
        settingName(r),
        String(r.n),
        pct(r.top1),
        pct(r.top5),
        // A model without a head: its features' cosine to r = 0 where the others agree with top-1.
        r.meanCosineToR0 !== undefined ? r.meanCosineToR0.toFixed(4) : pct(r.agreement),
        r.meanTv?.toFixed(3) ?? '—',
        r.meanFinalTokens.toFixed(0),
        Number.isFinite(r.imgPerSec) ? r.imgPerSec.toFixed(1) : '—',
        Number.isFinite(r.speedup) ? `${r.speedup.toFixed(2)}×` : '—',
      ];
      tr.append(
        ...cells.map((c) => {
          const td = document.createElement('td');
          td.textContent = c;
          return td;
        }),
      );
      return tr;
    }),
  );
}
