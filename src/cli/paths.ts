// Where the project lives on disk, for Node-side tools (CLI, bench).
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
