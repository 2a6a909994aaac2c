// The tray app's local page server: serves the web UI and a tiny JSON API over the agent's state
// (notices, and the last report the agent sent — so the employee sees everything collected about
// them). Listens on loopback only; every API call needs the per-session token the tray shell puts in
// the page URL's fragment, so other local users' processes cannot read or dismiss notices.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { listNotices, markRead } from './notices-store.ts';

const WEB_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'web');

const STATIC: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
};

export interface TrayServerOptions {
  /** Path of the agent's notices.json (read only: it belongs to the agent). */
  noticesPath: string;
  /** The employee's own file recording which notices they dismissed (the tray writes only this). */
  readStatePath: string;
  /** Path of the last report the agent uploaded (inventory + decisions), if the agent keeps one. */
  reportPath?: string;
  port?: number;
  /** Fixed token (tests); a random one otherwise. */
  token?: string;
}

export interface TrayServer {
  /** URL to open in the tray window, token in the fragment (never sent to the server in logs). */
  url: string;
  token: string;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
  });
  res.end(text);
}

function tokenOk(req: IncomingMessage, token: string): boolean {
  const got = req.headers['x-warden-tray-token'];
  if (typeof got !== 'string') return false;
  const a = Buffer.from(got);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function readReport(path: string | undefined): unknown {
  if (!path || !existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return null; // a half-written report is shown as "none yet", never as an error page
  }
}

export async function startTrayServer(opts: TrayServerOptions): Promise<TrayServer> {
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const page = STATIC[url.pathname];
    if (req.method === 'GET' && page) {
      res.writeHead(200, {
        'content-type': page.type,
        'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'",
        'x-content-type-options': 'nosniff',
      });
      res.end(readFileSync(join(WEB_DIR, page.file)));
      return;
    }
    if (!url.pathname.startsWith('/api/')) return send(res, 404, { error: 'not found' });
    if (!tokenOk(req, token)) return send(res, 401, { error: 'missing or wrong tray token' });
    if (req.method === 'GET' && url.pathname === '/api/notices') {
      return send(res, 200, { notices: listNotices(opts.noticesPath, opts.readStatePath) });
    }
    if (req.method === 'GET' && url.pathname === '/api/report') {
      return send(res, 200, { report: readReport(opts.reportPath) });
    }
    const read = /^\/api\/notices\/([^/]+)\/read$/.exec(url.pathname);
    if (req.method === 'POST' && read?.[1]) {
      const id = decodeURIComponent(read[1]);
      try {
        return markRead(opts.noticesPath, opts.readStatePath, id) ? send(res, 200, { ok: true }) : send(res, 404, { error: `no notice ${id}` });
      } catch (e) {
        // e.g. the employee's state folder is not writable: say so, never take the tray down
        return send(res, 500, { error: `could not save the dismissal: ${(e as NodeJS.ErrnoException).code ?? 'error'}` });
      }
    }
    return send(res, 404, { error: 'not found' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/#token=${token}`,
    token,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
