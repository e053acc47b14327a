// The model selector and the download bar under the top bar: the models offered, the byte
// progress of the one loading, and whether it loaded.
import type { ModelIndexEntry } from '../model/manifest';
import { ui } from './elements';
import { bytes } from './format';

const loadText = () => ui.load.querySelector('.text') as HTMLElement;
const loadFill = () => ui.load.querySelector('.fill') as HTMLElement;

export function fillModelSelect(models: ModelIndexEntry[], selected: string): void {
  for (const m of models) {
    const opt = document.createElement('option');
    opt.value = m.id;
    opt.textContent = `${m.id} (${bytes(m.bytes)})`;
    ui.model.append(opt);
  }
  ui.model.value = selected;
}

export function onModelPicked(listener: (modelId: string) => void): void {
  ui.model.addEventListener('change', () => listener(ui.model.value));
}

/** A load started: the selector waits for it, the bar starts empty. */
export function showLoading(modelId: string): void {
  ui.model.disabled = true;
  ui.load.classList.remove('done', 'failed');
  loadFill().style.width = '0';
  loadText().textContent = `Loading ${modelId}…`;
}

export function showLoadProgress(modelId: string, loaded: number, total: number): void {
  const p = total ? (100 * loaded) / total : 0;
  loadFill().style.width = `${p}%`;
  ui.load.setAttribute('aria-valuenow', p.toFixed(0));
  loadText().textContent = `Loading ${modelId}: ${bytes(loaded)} of ${bytes(total)} (${p.toFixed(0)}%)`;
}

export function showLoaded(modelId: string): void {
  ui.load.classList.add('done');
  document.body.dataset.model = modelId;
  ui.model.disabled = false;
}

/** The bar says why nothing loaded; another model can be picked. */
export function showLoadFailed(message: string): void {
  loadText().textContent = message;
  ui.load.classList.add('failed');
  ui.model.disabled = false;
}
