// Where a folder to measure comes from: the folder picker (webkitdirectory: every file with its
// path under the picked folder), the files picker (many files, no folders), or a drop (folders
// walked through the entries API, files as they are). Each gives File handles and their paths
// inside the folder; nothing is read here (the worker reads each image when its batch comes).
import type { FolderFile } from '../../protocol';

export interface PickedFolder {
  /** The folder's name, or "N files". */
  name: string;
  files: FolderFile[];
}

/** From an <input type=file webkitdirectory>: paths start with the picked folder's name, which
 * is dropped so that paths are relative to it. */
export function fromDirectoryInput(list: FileList): PickedFolder | null {
  const files = [...list];
  if (!files.length) return null;
  const first = files[0].webkitRelativePath;
  const root = first.includes('/') ? first.slice(0, first.indexOf('/')) : '';
  const strip = (p: string) => (root && p.startsWith(`${root}/`) ? p.slice(root.length + 1) : p);
  return { name: root || `${files.length} files`, files: files.map((file) => ({ path: strip(file.webkitRelativePath || file.name), file })) };
}

/** From an <input type=file multiple>: a flat set of files. */
export function fromFilesInput(list: FileList): PickedFolder | null {
  const files = [...list];
  return files.length ? { name: `${files.length} files`, files: files.map((file) => ({ path: file.name, file })) } : null;
}

function readEntries(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  return new Promise((resolve, reject) => reader.readEntries(resolve, reject));
}

function fileOf(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

/** Every file under `entry`, with its path below `prefix`. */
async function walk(entry: FileSystemEntry, prefix: string, out: FolderFile[]): Promise<void> {
  const path = prefix ? `${prefix}/${entry.name}` : entry.name;
  if (entry.isFile) {
    out.push({ path, file: await fileOf(entry as FileSystemFileEntry) });
    return;
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  // readEntries answers in batches (100 at a time in Chromium) until an empty one.
  for (let batch = await readEntries(reader); batch.length; batch = await readEntries(reader)) {
    for (const child of batch) await walk(child, path, out);
  }
}

/**
 * From a drop: one folder dropped is the folder (paths below it); several items or loose files
 * are a folder of their own (a dropped folder among them becomes a class folder). Entries are
 * taken synchronously, as the DataTransfer is only readable during the event.
 */
export async function fromDrop(dt: DataTransfer): Promise<PickedFolder | null> {
  const entries = [...dt.items].map((i) => (i.kind === 'file' ? i.webkitGetAsEntry() : null));
  const loose = [...dt.files];
  if (entries.length && entries.every((e) => e !== null)) {
    const files: FolderFile[] = [];
    if (entries.length === 1 && entries[0].isDirectory) {
      const reader = (entries[0] as FileSystemDirectoryEntry).createReader();
      for (let batch = await readEntries(reader); batch.length; batch = await readEntries(reader)) {
        for (const child of batch) await walk(child, '', files);
      }
      return files.length ? { name: entries[0].name, files } : null;
    }
    for (const e of entries) await walk(e, '', files);
    return files.length ? { name: `${files.length} files`, files } : null;
  }
  return loose.length ? { name: `${loose.length} files`, files: loose.map((file) => ({ path: file.name, file })) } : null;
}

/**
 * The folder's fingerprint: sha256 of every path with its size and modification time, sorted.
 * The same folder picked again gives the same one; any file added, removed or changed, another.
 */
export async function folderFingerprint(files: FolderFile[]): Promise<string> {
  const lines = files.map((f) => `${f.path}\t${f.file.size}\t${f.file.lastModified}`).sort();
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(lines.join('\n')));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}
