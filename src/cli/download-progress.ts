// Byte progress of a download on stderr: size, speed, time left. Redraws in place on a TTY,
// otherwise prints a line every 10% so CI logs stay short.
import type { DownloadProgress } from '../model/hub/client';

const mb = (n: number) => (n / 1e6).toFixed(1);

function formatDownload(label: string, p: DownloadProgress): string {
  const pct = p.total ? (100 * p.loaded) / p.total : 100;
  const eta = Number.isFinite(p.etaSec) ? `${Math.ceil(p.etaSec)} s left` : 'starting';
  return `download ${label}: ${mb(p.loaded)}/${mb(p.total)} MB (${pct.toFixed(0)}%), ${mb(p.bytesPerSec)} MB/s, ${eta}`;
}

export function downloadReporter(label: string, out: NodeJS.WriteStream = process.stderr): (p: DownloadProgress) => void {
  let lastDecile = -1;
  return (p) => {
    const done = p.loaded === p.total;
    if (out.isTTY) {
      out.write(`\r${formatDownload(label, p)}\x1b[K${done ? '\n' : ''}`);
      return;
    }
    const decile = Math.floor((10 * p.loaded) / Math.max(1, p.total));
    if (decile !== lastDecile) {
      lastDecile = decile;
      out.write(`${formatDownload(label, p)}\n`);
    }
  };
}
