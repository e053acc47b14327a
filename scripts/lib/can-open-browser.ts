// Whether `npm start` can open the page in a browser here, decided before Vite tries: Vite's
// `--open` spawns the desktop's opener (xdg-open on Linux) and prints its failure as a stack
// trace on a machine without a desktop. It follows Vite's own BROWSER convention (`none` never
// opens; a `.js` file is a Node script; another value names the browser to start).
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

type Env = Record<string, string | undefined>;

/** Whether `command` is an executable file, by path or on the PATH of `env`. */
function onPath(command: string, env: Env): boolean {
  const candidates = isAbsolute(command)
    ? [command]
    : (env.PATH ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => join(dir, command));
  return candidates.some((file) => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export function canOpenBrowser(env: Env, platform: NodeJS.Platform): boolean {
  const browser = env.BROWSER ?? '';
  if (browser.toLowerCase() === 'none') return false;
  if (browser.toLowerCase().endsWith('.js')) return true;
  // macOS and Windows always have an opener (open, start); elsewhere a browser needs a display.
  if (platform === 'darwin' || platform === 'win32') return true;
  if (!env.DISPLAY && !env.WAYLAND_DISPLAY) return false;
  return onPath(browser.split(' ')[0] || 'xdg-open', env);
}
