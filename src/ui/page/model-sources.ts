// The page's other ways to a model, beside the shipped ones: a Hugging Face hub repo id typed
// in the top bar, a local timm folder (config.json + model.safetensors, by the picker or dropped
// anywhere on the page; read locally, so it works offline), and the hub models cached in this
// browser (listed with their size, loadable again with no download, deletable). Each choice is
// handed to ModelChoices; the worker does the loading.
import { deleteHubCache, listHubCache, type HubCacheRecord } from '../../model/hub/cache-browser';
import { ui } from './elements';
import { formatBytes } from '../../core/format';
import { HUB_ID_PREFIX, modelFiles, repoFromInput } from './model-choice';
import { setHubOptions } from './model-select';

export interface ModelChoices {
  hub(repo: string): void;
  local(name: string, config: File, weights: File): void;
  cancel(): void;
  /** A choice that cannot be loaded, as one line (nothing is sent; the current model stays). */
  refuse(message: string): void;
}

/** The folder a picked file came from (when the browser says), for the model's name. */
function folderOf(files: File[]): string | undefined {
  const rel = files.map((f) => f.webkitRelativePath).find(Boolean);
  return rel?.split('/').slice(-2, -1)[0];
}

function takeFiles(files: File[], choose: ModelChoices, folder?: string): void {
  const picked = modelFiles(files);
  if (typeof picked === 'string') return choose.refuse(picked);
  choose.local(folder ?? folderOf(files) ?? 'local model', picked.config, picked.weights);
}

/** The files of a dropped folder (one level: a timm folder is flat). */
async function filesOfEntry(entry: FileSystemEntry): Promise<File[]> {
  if (entry.isFile) return [await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject))];
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  const entries: FileSystemEntry[] = [];
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (!batch.length) break;
    entries.push(...batch);
  }
  const files = entries.filter((e) => e.isFile).map((e) => new Promise<File>((resolve, reject) => (e as FileSystemFileEntry).file(resolve, reject)));
  return Promise.all(files);
}

const isModelFile = (name: string) => name === 'config.json' || name.endsWith('.safetensors');

/**
 * Model files dropped anywhere on the page but the folder card: caught before the image drop
 * handler (capture on window), which gets every other drop. A dropped folder is read for its
 * two files.
 */
function dropModelFiles(choose: ModelChoices): void {
  window.addEventListener(
    'drop',
    (e) => {
      const dt = e.dataTransfer;
      // A folder dropped on "Measure on a folder" holds images to measure, not a model.
      if (!dt || (e.target instanceof Node && ui.folderCard.contains(e.target))) return;
      const entries = [...dt.items].map((i) => i.webkitGetAsEntry?.()).filter((x): x is FileSystemEntry => !!x);
      const folder = entries.length === 1 && entries[0].isDirectory ? entries[0] : undefined;
      if (!folder && ![...dt.files].some((f) => isModelFile(f.name))) return;
      e.preventDefault();
      e.stopPropagation();
      document.body.classList.remove('dragging');
      if (!folder) return takeFiles([...dt.files], choose);
      filesOfEntry(folder).then(
        (files) => takeFiles(files, choose, folder.name),
        (err: Error) => choose.refuse(`${folder.name}: the dropped folder could not be read (${err.message})`),
      );
    },
    { capture: true },
  );
}

function recentItem(r: HubCacheRecord, choose: ModelChoices, refresh: () => Promise<void>): HTMLLIElement {
  const li = document.createElement('li');
  li.dataset.repo = r.repo;
  const name = document.createElement('span');
  name.className = 'repo';
  name.textContent = r.repo;
  name.title = `${r.repo} · sha256 ${r.weights.sha256}`;
  const size = document.createElement('span');
  size.className = 'size';
  size.textContent = formatBytes(r.weights.size);
  const load = document.createElement('button');
  load.type = 'button';
  load.className = 'load';
  load.textContent = 'Load';
  load.addEventListener('click', () => {
    ui.hubCache.open = false;
    choose.hub(r.repo);
  });
  const del = document.createElement('button');
  del.type = 'button';
  del.className = 'delete';
  del.textContent = 'Delete';
  del.title = `Delete ${r.repo} (${formatBytes(r.weights.size)}) from this browser's storage`;
  del.addEventListener('click', () => void deleteHubCache(r.repo).then(refresh));
  li.append(name, size, load, del);
  return li;
}

/** Re-reads Cache Storage into the cached list and the selector's hub options. */
async function showHubCache(choose: ModelChoices, refresh: () => Promise<void>): Promise<void> {
  const records = await listHubCache();
  ui.hubRecent.replaceChildren(...records.map((r) => recentItem(r, choose, refresh)));
  ui.hubCacheEmpty.hidden = records.length > 0;
  ui.hubCache.querySelector('summary')!.textContent = `Cached (${records.length})`;
  setHubOptions(records.map((r) => [`${HUB_ID_PREFIX}${r.repo}`, `${r.repo} (${formatBytes(r.weights.size)})`]));
}

/** Wires the hub field, the local picker and drop, Cancel and the cached list; returns the
 * list's refresh (after a hub model loaded or failed). */
export function installModelSources(choose: ModelChoices): { refresh(): Promise<void> } {
  const refresh = () => showHubCache(choose, refresh);
  ui.hubForm.addEventListener('submit', (e) => {
    e.preventDefault();
    let repo: string;
    try {
      repo = repoFromInput(ui.hubRepo.value);
    } catch (err) {
      return choose.refuse((err as Error).message);
    }
    choose.hub(repo);
  });
  ui.localFiles.addEventListener('change', () => {
    takeFiles([...(ui.localFiles.files ?? [])], choose);
    ui.localFiles.value = '';
  });
  ui.loadCancel.addEventListener('click', () => choose.cancel());
  // The cached list is a drop-down: a click elsewhere closes it.
  document.addEventListener('click', (e) => {
    if (ui.hubCache.open && !ui.hubCache.contains(e.target as Node)) ui.hubCache.open = false;
  });
  dropModelFiles(choose);
  void refresh();
  return { refresh };
}
