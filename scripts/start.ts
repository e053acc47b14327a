// `npm start` (after `npm run weights`): the app on Vite's dev server (vite.config.ts), opened in
// a browser when this machine can show one (scripts/lib/can-open-browser.ts); otherwise only the
// URL is printed, without the stack trace `vite --open` gives where there is no desktop.
import { createServer } from 'vite';
import { canOpenBrowser } from './lib/can-open-browser';

const server = await createServer({ server: { open: canOpenBrowser(process.env, process.platform) } });
await server.listen();
server.printUrls();
server.bindCLIShortcuts({ print: true });
// A stop signal closes the server and ends the process, as Vite's own CLI does (tsx relays the
// signal to this process, where the open server would otherwise keep it alive).
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void server.close().then(() => process.exit(0)));
