// Which backend runs the forwards: the badge in the top bar, and the notice when the page falls
// back to the CPU (why, what runs instead, whether WebAssembly threads are on) or the GPU device
// was lost.
import { runsOn } from './caption';
import { ui } from './elements';
import type { BackendInfo } from '../protocol';

export function showBackend(info: BackendInfo): void {
  const gpu = info.name === 'webgpu';
  ui.backend.className = `badge ${gpu ? 'gpu' : 'cpu'}`;
  ui.backend.textContent = runsOn(info);
  ui.backend.title = [info.description, info.note].filter(Boolean).join(' · ');
  document.body.dataset.backend = info.name;
  if (!gpu) {
    ui.notice.className = 'notice';
    ui.notice.textContent = [info.fallbackReason, `Running ${info.description} instead.`, info.note, 'Timings below are CPU wall-clock times.']
      .filter(Boolean)
      .join(' ');
    ui.notice.hidden = false;
  } else ui.notice.hidden = true;
}

/** After `showBackend` with the backend now in use: says what happened to the old device. */
export function showDeviceLost(message: string, recovered: boolean, now: BackendInfo): void {
  ui.notice.className = 'notice info';
  ui.notice.textContent = recovered
    ? `The GPU device was lost (${message}); a new one was created and the last request re-run.`
    : `The GPU device was lost (${message}) and could not be recreated; using ${now.description}.`;
  ui.notice.hidden = false;
}
