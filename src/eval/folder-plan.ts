// Which images of a user's folder are measured, and with which labels: a labels file when there
// is one, else an ImageFolder layout (one subfolder per class, named by WordNet id, class index
// or class name), else none. The same rules for the CLI (a directory on disk) and the page (a
// picked or dropped folder); the caller lists the files and reads the labels file.
import type { ClassResolver } from './class-keys';
import type { LabelRow } from './labels-text';

export interface PlannedImage {
  /** '/'-separated, relative to the folder. */
  path: string;
  /** The class index, when the folder is labelled. */
  label?: number;
}

/** A class folder or label value that names no class of the model: its images are left out. */
export interface Unrecognised {
  key: string;
  images: number;
  why: string;
}

export interface FolderPlan {
  images: PlannedImage[];
  /** Where the labels come from: a labels file, the class folders, or nowhere. */
  labels: 'file' | 'folders' | 'none';
  unrecognised: Unrecognised[];
  /** Files that are not JPEG, PNG or WebP images (left alone, not counted as unreadable). */
  ignored: number;
  /** One line each, for the user: where the labels came from and what was left out. */
  notes: string[];
}

const IMAGE_FILE = /\.(jpe?g|png|webp)$/i;

/** An image the folder layouts measure: JPEG, PNG or WebP by name, not a hidden file (macOS's
 * `._name.jpg` companions are not images). */
export function isImagePath(path: string): boolean {
  const base = path.slice(path.lastIndexOf('/') + 1);
  return IMAGE_FILE.test(base) && !base.startsWith('.');
}

/** What decides the labels: a labels file's rows, `none` (asked for no labels), or `auto` (the
 * class folders if the layout is one, else none). */
export type LabelsChoice = { kind: 'file'; name: string; rows: LabelRow[] } | { kind: 'none' } | { kind: 'auto' };

export function planFolder(files: string[], choice: LabelsChoice, resolve: ClassResolver): FolderPlan {
  const images = files.filter(isImagePath).sort();
  const ignored = files.length - images.length;
  if (choice.kind === 'file') return fromLabelsFile(choice.name, choice.rows, resolve, ignored);
  if (choice.kind === 'none') return unlabelled(images, ignored, ['no labels (asked for): agreement with r = 0']);
  const nested = images.length > 0 && images.every((p) => p.includes('/'));
  if (!nested) return unlabelled(images, ignored, [images.length ? 'no labels file and no class folders: agreement with r = 0' : 'no images found']);
  return fromClassFolders(images, resolve, ignored);
}

function unlabelled(images: string[], ignored: number, notes: string[]): FolderPlan {
  return { images: images.map((path) => ({ path })), labels: 'none', unrecognised: [], ignored, notes: withIgnored(notes, ignored) };
}

function withIgnored(notes: string[], ignored: number): string[] {
  return ignored ? [...notes, `${ignored} file(s) that are not JPEG, PNG or WebP were ignored`] : notes;
}

function fromLabelsFile(name: string, rows: LabelRow[], resolve: ClassResolver, ignored: number): FolderPlan {
  const out: PlannedImage[] = [];
  const bad = new Map<string, Unrecognised>();
  for (const row of rows) {
    const r = resolve(row.key);
    if ('index' in r) out.push({ path: row.file, label: r.index });
    else {
      const u = bad.get(row.key) ?? { key: row.key, images: 0, why: r.unknown };
      u.images++;
      bad.set(row.key, u);
    }
  }
  const unrecognised = [...bad.values()];
  const notes = [`labels from ${name} (${out.length} image(s))`, ...unrecognisedNotes(unrecognised, `value(s) in ${name}`)];
  return { images: out, labels: 'file', unrecognised, ignored, notes: withIgnored(notes, ignored) };
}

function fromClassFolders(images: string[], resolve: ClassResolver, ignored: number): FolderPlan {
  const byFolder = new Map<string, string[]>();
  for (const p of images) {
    const folder = p.slice(0, p.indexOf('/'));
    const list = byFolder.get(folder);
    if (list) list.push(p);
    else byFolder.set(folder, [p]);
  }
  const out: PlannedImage[] = [];
  const unrecognised: Unrecognised[] = [];
  for (const [folder, paths] of byFolder) {
    const r = resolve(folder);
    if ('index' in r) out.push(...paths.map((path) => ({ path, label: r.index })));
    else unrecognised.push({ key: folder, images: paths.length, why: r.unknown });
  }
  if (out.length === 0) {
    return unlabelled(images, ignored, [
      `none of the ${byFolder.size} subfolder name(s) is a class of this model: measuring without labels (agreement with r = 0)`,
    ]);
  }
  const recognised = byFolder.size - unrecognised.length;
  const notes = [`labels from ${recognised} class folder(s) (${out.length} image(s))`, ...unrecognisedNotes(unrecognised, 'folder(s)')];
  return { images: out, labels: 'folders', unrecognised, ignored, notes: withIgnored(notes, ignored) };
}

/** "2 folder(s) not recognised, 7 image(s) left out: cats ("cats" is not a class...), ..." */
function unrecognisedNotes(list: Unrecognised[], what: string): string[] {
  if (!list.length) return [];
  const images = list.reduce((a, u) => a + u.images, 0);
  const shown = list.slice(0, 5).map((u) => `${u.key} (${u.why})`);
  const more = list.length > 5 ? `, and ${list.length - 5} more` : '';
  return [`${list.length} ${what} not recognised, ${images} image(s) left out: ${shown.join('; ')}${more}`];
}
