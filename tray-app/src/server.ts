// The tray app's local page server: serves the web UI and a small JSON API over the agent's public
// state for this employee (agent-view.ts). Listens on loopback only; every API call needs the
// per-session token the tray shell puts in the page URL's fragment, and a Host naming the loopback
// address (a DNS-rebinding page cannot send it), so other local users' processes and web pages can
// neither read nor act. Any request it cannot make sense of is answered with a 4xx: nothing a client
// sends takes the server down.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { installPath } from '../../wire/src/install-root.ts';
import type { AddressInfo } from 'node:net';
import { listNotices, markRead } from './notices-store.ts';
import { readBranding, readSyncStatus, readViewNotices, readViewReport } from './agent-view.ts';
import { readRequests, submitRequest, RequestError } from './exceptions.ts';
import { loadMemory, saveMemory, silence, trayStatus } from './tray-model.ts';
import type { TrayPaths } from './paths.ts';

// From the install root, so the sources and the `warden` bundle (demo) agree; the Electron bundle
// passes its own web/ folder.
const DEFAULT_WEB_DIR = installPath('tray-app/web');

const STATIC: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
};

const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const MAX_BODY_BYTES = 16 * 1024;

export interface TrayServerOptions extends TrayPaths {
  port?: number;
  /** Fixed token (tests); a random one otherwise. */
  token?: string;
  /** Folder of index.html, app.js, style.css (default: tray-app/web beside this file's folder). */
  webDir?: string;
}

export interface TrayServer {
  /** URL to open in the tray window, token in the fragment (never sent to the server in logs). */
  url: string;
  /** The same URL without the fragment. */
  base: string;
  token: string;
  close(): Promise<void>;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(JSON.stringify(body));
}

function tokenOk(req: IncomingMessage, token: string): boolean {
  const got = req.headers['x-warden-tray-token'];
  if (typeof got !== 'string') return false;
  const a = Buffer.from(got);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Path and query of an origin-form request target ("/a/b?x=1"); anything else is a 400. */
export function parseTarget(target: string | undefined): { path: string; query: URLSearchParams } {
  if (!target || !target.startsWith('/') || target.startsWith('//')) throw new HttpError(400, 'request target must be a path');
  const q = target.indexOf('?');
  const raw = q < 0 ? target : target.slice(0, q);
  // Routes are plain ASCII; a segment is decoded only where a route takes a parameter (decodeSegment).
  if (!/^[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/.test(raw)) throw new HttpError(400, 'request path has characters a URL path cannot hold');
  if (/%(?![0-9A-Fa-f]{2})/.test(target)) throw new HttpError(400, 'malformed %-escape in the request target');
  return { path: raw, query: new URLSearchParams(q < 0 ? '' : target.slice(q + 1)) };
}

export function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new HttpError(400, 'malformed %-escape in the request path');
  }
}

/** Reads a small JSON body; 413 past the limit, 415 when it is not JSON, 400 when it does not parse. */
export function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') return Promise.reject(new HttpError(415, 'send the body as application/json'));
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) return Promise.reject(new HttpError(413, `body over ${MAX_BODY_BYTES} bytes`));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, `body over ${MAX_BODY_BYTES} bytes`));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('error', () => reject(new HttpError(400, 'request body could not be read')));
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown);
      } catch {
        reject(new HttpError(400, 'body is not valid JSON'));
      }
    });
  });
}

/** A route of the JSON API: method, path pattern, handler (params already %-decoded). */
export interface ApiRoute {
  method: 'GET' | 'POST';
  pattern: RegExp;
  handle(req: IncomingMessage, params: string[]): unknown | Promise<unknown>;
}

function baseRoutes(opts: TrayServerOptions): ApiRoute[] {
  const dirs = { userDir: opts.userDir, machineDir: opts.machineDir };
  const readState = join(opts.trayStateDir, 'read-notices.json');
  return [
    {
      method: 'GET',
      pattern: /^\/api\/view$/,
      handle: () => {
        const notices = listNotices(dirs, readState);
        const report = readViewReport(dirs);
        return { notices, report, branding: readBranding(dirs), status: trayStatus(report, notices), sync: readSyncStatus(dirs), silenced: loadMemory(opts.trayStateDir).silenced, ...readRequests(dirs) };
      },
    },
    {
      // Warnings about one tool stop reaching the desktop (blocks always do: see tray-model.ts).
      method: 'POST',
      pattern: /^\/api\/silence$/,
      handle: async (req) => {
        const body = await readJsonBody(req);
        const { tool, silenced } = (typeof body === 'object' && body !== null ? body : {}) as { tool?: unknown; silenced?: unknown };
        if (typeof tool !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/.test(tool) || typeof silenced !== 'boolean') throw new HttpError(400, 'send {"tool": "<tool id>", "silenced": true|false}');
        const m = silence(loadMemory(opts.trayStateDir), tool, silenced);
        try {
          saveMemory(opts.trayStateDir, m);
        } catch (e) {
          throw new HttpError(500, `could not save: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
        }
        return { silenced: m.silenced };
      },
    },
    {
      // An exception request for a tool the agent told this employee about; the agent forwards it.
      method: 'POST',
      pattern: /^\/api\/exceptions$/,
      handle: async (req) => {
        const body = await readJsonBody(req);
        const tool = typeof body === 'object' && body !== null ? (body as { tool?: unknown }).tool : undefined;
        const known = new Set([...readViewNotices(dirs).map((n) => n.tool), ...(readViewReport(dirs)?.findings.map((f) => f.tool_id) ?? [])]);
        if (typeof tool === 'string' && !known.has(tool)) throw new HttpError(400, `no notice or finding about ${tool} on this computer`);
        try {
          return { id: submitRequest(dirs, body) };
        } catch (e) {
          if (e instanceof RequestError) throw new HttpError(e.status, e.message);
          throw e;
        }
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/notices\/([^/]+)\/read$/,
      handle: (_req, [id]) => {
        try {
          if (!markRead(dirs, readState, id as string)) throw new HttpError(404, `no notice ${id}`);
        } catch (e) {
          if (e instanceof HttpError) throw e;
          // e.g. the employee's state folder is not writable: say so, never take the tray down
          throw new HttpError(500, `could not save the dismissal: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
        }
        return { ok: true };
      },
    },
  ];
}

export async function startTrayServer(opts: TrayServerOptions, extraRoutes: ApiRoute[] = []): Promise<TrayServer> {
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const webDir = opts.webDir ?? DEFAULT_WEB_DIR;
  const routes = [...baseRoutes(opts), ...extraRoutes];
  let hosts: Set<string> = new Set();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!hosts.has((req.headers.host ?? '').toLowerCase())) throw new HttpError(421, 'this server answers only for its loopback address');
    const { path } = parseTarget(req.url);
    const page = STATIC[path];
    if (page) {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'pages are GET only');
      const body = readFileSync(join(webDir, page.file));
      res.writeHead(200, { 'content-type': page.type, 'content-security-policy': CSP, 'x-content-type-options': 'nosniff', 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    if (!path.startsWith('/api/')) throw new HttpError(404, 'not found');
    if (!tokenOk(req, token)) throw new HttpError(401, 'missing or wrong tray token');
    let pathMatched = false;
    for (const r of routes) {
      const m = r.pattern.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (r.method !== req.method) continue;
      const params = m.slice(1).map((s) => decodeSegment(s ?? ''));
      return send(res, 200, await r.handle(req, params));
    }
    throw new HttpError(pathMatched ? 405 : 404, pathMatched ? `${req.method ?? '?'} not allowed here` : 'not found');
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (e instanceof HttpError) send(res, e.status, { error: e.message });
      else send(res, 500, { error: 'internal error' });
    });
  });
  // A request line or header the HTTP parser rejects: answer 400 (or 431/413 as node classifies it)
  // and drop that connection only.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return void socket.destroy();
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
  });
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  hosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const base = `http://127.0.0.1:${port}/`;
  return {
    url: `${base}#token=${token}`,
    base,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
