// A labels file beside the images: one `file<TAB>class` (labels.tsv) or `file,class` (labels.csv,
// with quotes where a name holds a comma) per line, an optional header line, the class as any
// key classResolver takes (index, WordNet id, name). Pure text in, rows out, for the CLI and the
// page alike.

export interface LabelRow {
  /** The image's path relative to the labels file's folder, '/'-separated. */
  file: string;
  /** The class as written (resolved against the model later). */
  key: string;
  /** 1-based line in the file, for messages. */
  line: number;
}

/** Whether a file name is a labels file the folder layouts recognise. */
export function isLabelsFileName(name: string): boolean {
  return /^labels\.(tsv|csv)$/i.test(name);
}

/** Splits one CSV line: commas separate fields; a quoted field may hold commas and "" for a quote. */
function csvFields(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(field);
      field = '';
    } else field += ch;
  }
  out.push(field);
  return out;
}

const HEADER_FILE = /^(file|filename|file_name|path|image|img)$/i;

/**
 * Parses a labels file's text; `name` decides the separator (a `.csv` splits on commas, anything
 * else on tabs) and prefixes every error, which names the line. The first line is a header when
 * its first field is a column name (file, filename, path, image).
 */
export function parseLabelsText(text: string, name: string): LabelRow[] {
  const csv = name.toLowerCase().endsWith('.csv');
  const rows: LabelRow[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    if (!raw.trim()) return;
    const fields = (csv ? csvFields(raw) : raw.split('\t')).map((f) => f.trim());
    if (i === 0 && HEADER_FILE.test(fields[0])) return;
    if (fields.length < 2 || !fields[0] || !fields[1]) {
      throw new Error(`${name}:${i + 1}: expected "file${csv ? ',' : '<TAB>'}class", got "${raw.slice(0, 60)}"`);
    }
    rows.push({ file: fields[0].replace(/\\/g, '/').replace(/^\.\//, ''), key: fields[1], line: i + 1 });
  });
  if (rows.length === 0) throw new Error(`${name}: no labelled rows`);
  return rows;
}
