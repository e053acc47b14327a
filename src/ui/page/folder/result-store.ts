// Finished folder measurements, kept in this browser's IndexedDB per model (its weights' sha256),
// folder (its fingerprint), settings and labels choice, so reopening the page shows them without
// measuring again. Only a finished measurement is written, in one transaction: a stopped one
// leaves nothing. A browser that refuses the storage (private mode, quota) only loses the memory.
import type { MeasureReport } from '../../../eval/table';
import type { SkippedFile } from '../../protocol';

export interface StoredMeasurement {
  /** model sha256 | folder fingerprint | settings key | labels choice */
  key: string;
  modelSha256: string;
  report: MeasureReport;
  skipped: SkippedFile[];
  savedAt: number;
}

const DB = 'tome-folder-measurements';
const STORE = 'measurements';
/** The most kept; the oldest go first. */
const KEEP = 50;

export function measurementKey(modelSha256: string, fingerprint: string, settingsKey: string, labels: string): string {
  return [modelSha256, fingerprint, settingsKey, labels].join('|');
}

let opened: Promise<IDBDatabase | null> | null = null;

function open(): Promise<IDBDatabase | null> {
  opened ??= new Promise((resolve) => {
    if (typeof indexedDB === 'undefined') return resolve(null);
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: 'key' }).createIndex('model', 'modelSha256');
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => resolve(null);
  });
  return opened;
}

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error('IndexedDB request failed'));
  });
}

export async function findMeasurement(key: string): Promise<StoredMeasurement | null> {
  const db = await open();
  if (!db) return null;
  return ((await request(db.transaction(STORE).objectStore(STORE).get(key))) as StoredMeasurement | undefined) ?? null;
}

/** The newest measurement of this model, whatever the folder. */
export async function latestMeasurement(modelSha256: string): Promise<StoredMeasurement | null> {
  const db = await open();
  if (!db) return null;
  const all = (await request(db.transaction(STORE).objectStore(STORE).index('model').getAll(modelSha256))) as StoredMeasurement[];
  return all.reduce<StoredMeasurement | null>((a, m) => (!a || m.savedAt > a.savedAt ? m : a), null);
}

/** Keeps `m` (replacing an older one of the same key), then drops the oldest beyond KEEP. */
export async function keepMeasurement(m: StoredMeasurement): Promise<boolean> {
  const db = await open();
  if (!db) return false;
  try {
    const tx = db.transaction(STORE, 'readwrite');
    const store = tx.objectStore(STORE);
    store.put(m);
    const all = (await request(store.getAll())) as StoredMeasurement[];
    for (const old of all.sort((a, b) => b.savedAt - a.savedAt).slice(KEEP)) store.delete(old.key);
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onabort = tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
    });
    return true;
  } catch {
    return false;
  }
}
