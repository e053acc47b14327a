// Where bench results go. A run writes into its --out folder or, by default, a gitignored one, so
// an everyday run leaves the committed figures alone; bench/results/ is updated on purpose
// (`npm run bench -- --out bench/results`), and is what the README's tables, the page's speed
// chart (summary.json) and the bench's accuracy target (eval-<model>.json) read.
import { fileURLToPath } from 'node:url';

export const COMMITTED_RESULTS_DIR = fileURLToPath(new URL('results', import.meta.url));

export const DEFAULT_OUT_DIR = fileURLToPath(new URL('../.cache/bench', import.meta.url));
