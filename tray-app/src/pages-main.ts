// The tray's pages without Electron: starts the same loopback page server the Electron shell starts
// and prints its URL (token in the fragment) for any browser. For machines without Electron's binary
// and for support staff reproducing what an employee sees. Bundled as build/tray/pages.mjs.
// Usage: node build/tray/pages.mjs [--state DIR] [--port N]
import { parseArgs } from 'node:util';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { startTrayServer } from './server.ts';
import { trayPaths } from './paths.ts';

const { values } = parseArgs({ options: { state: { type: 'string' }, port: { type: 'string' } }, strict: true });
const here = dirname(fileURLToPath(import.meta.url));
// Bundled: web/ beside the bundle; from sources: tray-app/web.
const webDir = existsSync(join(here, 'web', 'index.html')) ? join(here, 'web') : join(here, '..', 'web');
const port = values.port === undefined ? 0 : Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write('warden tray pages: --port must be a port number\n');
  process.exit(2);
}
const paths = trayPaths(process.platform, values.state ?? process.env.WARDEN_STATE_DIR);
const server = await startTrayServer({ ...paths, webDir, port });
process.stdout.write(`${server.url}\n`);
const stop = (): void => void server.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
