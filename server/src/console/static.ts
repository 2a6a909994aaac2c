// Serves the admin console (built by `npm run build` from console/ into build/console/) under
// /console/. Files are read once at start and served from memory: index.html for every page path
// (the console routes in the browser), content-hashed assets as immutable. Every answer carries a
// strict Content-Security-Policy — scripts and styles only from this origin, no inline script or
// style, nothing framed, no other host contacted — and the usual hardening headers.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { installPath } from '../../../wire/src/install-root.ts';

export const CONSOLE_PATH = '/console/';
export const DEFAULT_CONSOLE_DIR = installPath('build/console');

export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.woff2': 'font/woff2',
};

interface Asset {
  body: Buffer;
  type: string;
}

function load(dir: string): { index: Buffer; assets: Map<string, Asset> } | null {
  const indexFile = join(dir, 'index.html');
  if (!existsSync(indexFile)) return null;
  const assets = new Map<string, Asset>();
  const assetDir = join(dir, 'assets');
  if (existsSync(assetDir)) {
    for (const name of readdirSync(assetDir)) {
      const type = TYPES[extname(name)];
      if (type) assets.set(name, { body: readFileSync(join(assetDir, name)), type });
    }
  }
  return { index: readFileSync(indexFile), assets };
}

function harden(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', CONSOLE_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY')
    .header('cross-origin-opener-policy', 'same-origin')
    .header('cross-origin-resource-policy', 'same-origin')
    .header('permissions-policy', 'camera=(), microphone=(), geolocation=(), payment=()');
}

export async function consoleRoutes(app: FastifyInstance, opts: { dir?: string }): Promise<void> {
  const dir = opts.dir ?? DEFAULT_CONSOLE_DIR;
  const files = load(dir);
  const config = { auth: 'public' as const };
  const schema = { hide: true };

  app.get('/console', { config, schema }, async (_req, reply) => harden(reply).redirect(CONSOLE_PATH, 302));

  app.get<{ Params: { '*': string } }>('/console/*', { config, schema }, async (req, reply) => {
    harden(reply);
    if (!files) {
      return reply.code(503).type('text/plain; charset=utf-8').send(`The console is not built: run \`npm run build\` (it writes ${dir}).\n`);
    }
    const path = req.params['*'] ?? '';
    if (path.startsWith('assets/')) {
      const a = files.assets.get(path.slice('assets/'.length));
      if (!a) return reply.code(404).type('text/plain; charset=utf-8').send('no such console file\n');
      // Asset names carry a content hash: a changed file is a new name.
      return reply.type(a.type).header('cache-control', 'public, max-age=31536000, immutable').send(a.body);
    }
    // Any other path is a console page: the console's router reads the path in the browser.
    return reply.type(TYPES['.html'] as string).header('cache-control', 'no-store').send(files.index);
  });
}
