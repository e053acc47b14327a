// Eval label files: `file<TAB>class_index` per line, with or without a header line.
import { readFileSync } from 'node:fs';

export interface LabelRow {
  file: string;
  label: number;
}

export function readLabels(path: string): LabelRow[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new Error(`${path}: cannot read the labels file`);
  }
  const rows: LabelRow[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    const [file, idx] = line.split('\t');
    if (idx === undefined || !/^\s*\d+\s*$/.test(idx)) {
      if (i === 0) return; // header line ("file<TAB>class_index")
      throw new Error(`${path}:${i + 1}: expected "file<TAB>class_index", got "${line.slice(0, 60)}"`);
    }
    rows.push({ file: file.trim(), label: Number(idx) });
  });
  if (rows.length === 0) throw new Error(`${path}: no labelled rows`);
  return rows;
}
