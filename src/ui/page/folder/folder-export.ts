// The folder card's exports: the table as CSV and JSON (the same files as `tome eval --out`),
// the chart as SVG, and as PNG (the SVG drawn on a canvas at twice its size).
import { toCsv, toJson, type MeasureReport } from '../../../eval/table';
import { svgDocument, tradeoffNodes } from '../../../eval/tradeoff-chart';
import type { AppState } from '../app-state';
import { downloadBlob } from '../screenshot';
import { speedChart } from '../speed-chart-panel';

export type ExportKind = 'csv' | 'json' | 'svg' | 'png';

/** The chart of the export: the page's, larger, with a title naming model and folder. */
function chartSvg(state: AppState, report: MeasureReport): { svg: string; width: number; height: number } {
  const width = 400;
  const height = 240;
  const { chart } = speedChart(state, width, height);
  if (!chart) throw new Error('nothing to draw yet');
  return {
    svg: svgDocument(tradeoffNodes({ ...chart, title: `${report.model} on ${report.folder} (${report.backend.split(' (')[0]})` }), width, height),
    width,
    height,
  };
}

async function pngOf(svg: string): Promise<Blob> {
  const url = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }));
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    canvas.getContext('2d')!.drawImage(img, 0, 0);
    return await new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('PNG encoding failed'))), 'image/png'));
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** The export as a Blob (what the buttons download, and what the test hook reads). */
export async function folderExport(state: AppState, report: MeasureReport, kind: ExportKind): Promise<Blob> {
  if (kind === 'csv') return new Blob([toCsv(report.results)], { type: 'text/csv' });
  if (kind === 'json') return new Blob([toJson(report)], { type: 'application/json' });
  const { svg } = chartSvg(state, report);
  return kind === 'svg' ? new Blob([svg], { type: 'image/svg+xml' }) : pngOf(svg);
}

export async function downloadFolderExport(state: AppState, report: MeasureReport, kind: ExportKind): Promise<void> {
  const safe = (s: string) => s.replace(/[^\w.-]+/g, '_');
  downloadBlob(await folderExport(state, report, kind), `tome-${safe(report.model)}-${safe(report.folder)}.${kind}`);
}
