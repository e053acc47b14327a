// PNG export of the visualization: the overlay rendered at a fixed size, plus a caption that
// says what produced it, so a saved picture stands on its own.

/** Side of the exported image area and height of the caption strip, in pixels. */
export const EXPORT_SIDE = 896;
export const CAPTION_HEIGHT = 88;

export interface Caption {
  title: string;
  lines: string[];
}

export async function composePng(image: HTMLCanvasElement, caption: Caption): Promise<Blob> {
  const out = document.createElement('canvas');
  out.width = EXPORT_SIDE;
  out.height = EXPORT_SIDE + CAPTION_HEIGHT;
  const ctx = out.getContext('2d')!;
  ctx.fillStyle = '#0f1115';
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.drawImage(image, 0, 0, EXPORT_SIDE, EXPORT_SIDE);
  drawCaption(ctx, caption, EXPORT_SIDE, EXPORT_SIDE);
  return new Promise((resolve, reject) => out.toBlob((b) => (b ? resolve(b) : reject(new Error('PNG encoding failed'))), 'image/png'));
}

/** The caption strip below an image `width` pixels wide whose bottom edge is at `top`, scaled
 * from the export's layout (also what a recording's frames carry). */
export function drawCaption(ctx: CanvasRenderingContext2D, caption: Caption, top: number, width: number): void {
  const k = width / EXPORT_SIDE;
  ctx.fillStyle = '#0f1115';
  ctx.fillRect(0, top, width, CAPTION_HEIGHT * k);
  ctx.fillStyle = '#e6e8ee';
  ctx.font = `600 ${20 * k}px system-ui, sans-serif`;
  ctx.textBaseline = 'top';
  ctx.fillText(caption.title, 16 * k, top + 12 * k, width - 32 * k);
  ctx.fillStyle = '#a9b0c0';
  ctx.font = `${15 * k}px system-ui, sans-serif`;
  caption.lines.forEach((line, i) => ctx.fillText(line, 16 * k, top + (40 + i * 20) * k, width - 32 * k));
}

export function downloadBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Copies a PNG to the clipboard; resolves false where the browser does not allow it. */
export async function copyPng(blob: Blob): Promise<boolean> {
  if (typeof ClipboardItem === 'undefined' || !navigator.clipboard?.write) return false;
  try {
    await navigator.clipboard.write([new ClipboardItem({ 'image/png': blob })]);
    return true;
  } catch {
    return false;
  }
}
