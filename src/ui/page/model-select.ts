// The model selector and the download bar under the top bar: the models offered (shipped, hub
// models cached in this browser, local files picked this session), the byte progress of the
// one loading (with speed and time left for downloads) and its Cancel button, whether it
// loaded and from where, or why not.
import type { ModelIndexEntry } from '../../model/manifest';
import { ui } from './elements';
import { formatBytes } from '../../core/format';

const loadText = () => ui.load.querySelector('.text') as HTMLElement;
const loadFill = () => ui.load.querySelector('.fill') as HTMLElement;

/** The shipped models, first in the selector (before the hub's and local files' groups). */
export function fillModelSelect(models: ModelIndexEntry[], selected: string): void {
  const groups = ui.model.querySelector('optgroup');
  for (const m of models) ui.model.insertBefore(new Option(`${m.id} (${formatBytes(m.bytes)})`, m.id), groups);
  ui.model.value = selected;
}

/** An option group of the selector (created on first use, after the shipped models). */
function group(id: string, label: string): HTMLOptGroupElement {
  let g = document.getElementById(id) as HTMLOptGroupElement | null;
  if (!g) {
    g = document.createElement('optgroup');
    g.id = id;
    g.label = label;
    ui.model.append(g);
  }
  return g;
}

/** Replaces the "from the hub" options: `[value, text]` pairs, most recent first. */
export function setHubOptions(options: Array<[string, string]>): void {
  const selected = ui.model.value;
  const selectedText = ui.model.selectedOptions[0]?.textContent ?? selected;
  const g = group('hub-options', 'From the hub (cached in this browser)');
  g.replaceChildren(...options.map(([value, text]) => new Option(text, value)));
  // The model shown (loaded or loading) keeps its entry even when it is not, or no longer, cached.
  if (selected && ![...ui.model.options].some((o) => o.value === selected)) g.append(new Option(selectedText, selected));
  g.hidden = g.children.length === 0;
  ui.model.value = selected;
}

/** Adds (or renames) an option outside the shipped list, e.g. a model from local files. */
export function addModelOption(groupId: 'hub-options' | 'local-options', value: string, text: string): void {
  const g = group(groupId, groupId === 'hub-options' ? 'From the hub (cached in this browser)' : 'Local files (this session)');
  g.hidden = false;
  const existing = [...g.children].find((o) => (o as HTMLOptionElement).value === value) as HTMLOptionElement | undefined;
  if (existing) existing.textContent = text;
  else g.append(new Option(text, value));
}

export function onModelPicked(listener: (modelId: string) => void): void {
  ui.model.addEventListener('change', () => listener(ui.model.value));
}

/** A load started: the bar starts empty; a download can be cancelled. */
export function showLoading(modelId: string, cancellable = false): void {
  ui.model.value = modelId;
  ui.load.classList.remove('done', 'failed', 'noted');
  loadFill().style.width = '0';
  loadText().textContent = cancellable ? `Loading ${modelId}: checking its config.json…` : `Loading ${modelId}…`;
  ui.loadCancel.hidden = !cancellable;
}

function seconds(s: number): string {
  if (!Number.isFinite(s)) return 'starting';
  return s >= 90 ? `${Math.round(s / 60)} min left` : `${Math.ceil(s)} s left`;
}

export function showLoadProgress(modelId: string, p: { loaded: number; total: number; bytesPerSec?: number; etaSec?: number }): void {
  const pct = p.total ? (100 * p.loaded) / p.total : 0;
  loadFill().style.width = `${pct}%`;
  ui.load.setAttribute('aria-valuenow', pct.toFixed(0));
  const speed = p.bytesPerSec !== undefined ? `, ${formatBytes(Math.round(p.bytesPerSec))}/s, ${seconds(p.etaSec ?? Infinity)}` : '';
  const done = p.total && p.loaded === p.total && p.bytesPerSec !== undefined ? ', verified, converting…' : '';
  loadText().textContent = `Loading ${modelId}: ${formatBytes(p.loaded)} of ${formatBytes(p.total)} (${pct.toFixed(0)}%)${speed}${done}`;
}

/** Loaded: the bar goes away, or stays as a line saying where the weights came from. */
export function showLoaded(modelId: string, note?: string): void {
  ui.load.classList.add('done');
  ui.loadCancel.hidden = true;
  document.body.dataset.model = modelId;
  ui.model.value = modelId;
  if (note) {
    ui.load.classList.add('noted');
    loadText().textContent = note;
  }
}

/** The bar says why nothing loaded (`keep`: the model that stays selected and loaded). */
export function showLoadFailed(message: string, keep?: string): void {
  loadText().textContent = message;
  ui.load.classList.remove('done', 'noted');
  ui.load.classList.add('failed');
  ui.loadCancel.hidden = true;
  if (keep) ui.model.value = keep;
}
