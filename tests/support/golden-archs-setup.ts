// vitest globalSetup: regenerates the golden-archs weights into .cache/golden-archs once, with
// ../shared/golden-archs/make_weights.py (numpy only; it refuses to finish unless every file's
// sha256 is the pinned one). A stamp naming those sha256s marks a finished run, so later runs
// cost nothing and an interrupted one is redone.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARCHS_WEIGHTS, GOLDEN_ARCHS, archModels } from './golden-archs';

/** Pythons to try, in order: the one named by TOME_PYTHON, then the usual ones. */
function pythonWithNumpy(): string {
  const candidates = [process.env.TOME_PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p);
  for (const py of candidates) {
    try {
      execFileSync(py, ['-c', 'import numpy'], { stdio: 'ignore' });
      return py;
    } catch {
      // try the next one
    }
  }
  throw new Error(
    `golden-archs: no python3 with numpy found (tried ${candidates.join(', ')}); install python3-numpy (scripts/system-deps.sh does) or set TOME_PYTHON`,
  );
}

export default function setup(): void {
  const stamp = join(ARCHS_WEIGHTS, '.complete');
  const want = Object.values(archModels())
    .map((m) => m.weights_sha256)
    .join('\n');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === want) return;
  execFileSync(pythonWithNumpy(), [join(GOLDEN_ARCHS, 'make_weights.py'), ARCHS_WEIGHTS], { stdio: ['ignore', 'ignore', 'inherit'] });
  writeFileSync(stamp, want);
}
