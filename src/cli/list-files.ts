// Every file under a folder, as '/'-separated paths relative to it, sorted; hidden files and
// folders (".git", ".DS_Store") left out, symbolic links followed (each real folder once, so a
// link back up cannot loop). Names only: a folder of 10,000 photos lists in kilobytes, and the
// images are read one batch at a time later.
import { readdirSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';

export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const walk = (rel: string) => {
    const real = realpathSync(join(dir, rel));
    if (seen.has(real)) return;
    seen.add(real);
    for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue;
      const path = rel ? `${rel}/${e.name}` : e.name;
      const isDir = e.isDirectory() || (e.isSymbolicLink() && statSync(join(dir, path), { throwIfNoEntry: false })?.isDirectory());
      if (isDir) walk(path);
      else out.push(path);
    }
  };
  walk('');
  return out.sort();
}
