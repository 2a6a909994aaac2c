// The tray's page server against what a hostile local client sends over a raw socket: malformed
// request lines, %-escapes, paths, headers, bodies. Every one gets a 4xx, the server keeps serving,
// and the process does not exit (a crash here once took the employee's tray down).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTrayServer, type TrayServer } from '../../tray-app/src/server.ts';

const dir = mkdtempSync(join(tmpdir(), 'warden-tray-raw-'));
const TOKEN = 'raw-token-0123456789';
let server: TrayServer;
let port = 0;

before(async () => {
  mkdirSync(join(dir, 'user'));
  server = await startTrayServer({ userDir: join(dir, 'user'), machineDir: join(dir, 'machine'), trayStateDir: join(dir, 'tray'), token: TOKEN });
  port = Number(new URL(server.base).port);
});

after(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Sends raw bytes, returns the status code of the answer (0 when the connection closed without one). */
function raw(bytes: string | Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    s.on('data', (c) => chunks.push(c));
    s.on('error', reject);
    s.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      resolve({ status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0), text });
    });
    s.setTimeout(8000, () => s.destroy());
    s.end(bytes);
  });
}

const host = (): string => `Host: 127.0.0.1:${port}\r\n`;
const auth = `x-warden-tray-token: ${TOKEN}\r\n`;
const get = (target: string, headers = ''): string => `GET ${target} HTTP/1.1\r\n${host()}${auth}${headers}Connection: close\r\n\r\n`;

const CASES: [string, () => string | Buffer, number][] = [
  ['bad %-escape in a route parameter', () => `POST /api/notices/%E0%A4%A/read HTTP/1.1\r\n${host()}${auth}Content-Length: 0\r\nConnection: close\r\n\r\n`, 400],
  ['lone % in a route parameter', () => `POST /api/notices/%/read HTTP/1.1\r\n${host()}${auth}Content-Length: 0\r\nConnection: close\r\n\r\n`, 400],
  ['bad %-escape in a page path', () => get('/%zz'), 400],
  ['bad %-escape in the query', () => get('/api/view?x=%E0%A4%A'), 400],
  ['escape that is not UTF-8', () => `POST /api/notices/%C0%80/read HTTP/1.1\r\n${host()}${auth}Content-Length: 0\r\nConnection: close\r\n\r\n`, 400],
  ['protocol-relative target', () => get('//evil.example/api/view'), 400],
  ['bare double slash', () => get('//'), 400],
  ['absolute-form target', () => get('http://127.0.0.1/api/view'), 400],
  ['asterisk target', () => `OPTIONS * HTTP/1.1\r\n${host()}Connection: close\r\n\r\n`, 400],
  ['empty target', () => `GET  HTTP/1.1\r\n${host()}Connection: close\r\n\r\n`, 400],
  ['garbage request line', () => 'THIS IS NOT HTTP\r\n\r\n', 400],
  ['control bytes in the path', () => Buffer.from(`GET /api/\x01view HTTP/1.1\r\n${host()}Connection: close\r\n\r\n`, 'latin1'), 400],
  ['non-ASCII bytes in the path', () => Buffer.concat([Buffer.from('GET /api/v'), Buffer.from([0xff, 0xfe]), Buffer.from(`iew HTTP/1.1\r\n${host()}${auth}Connection: close\r\n\r\n`)]), 400],
  ['header without a colon', () => `GET / HTTP/1.1\r\n${host()}NoColonHere\r\nConnection: close\r\n\r\n`, 400],
  ['header name with a space', () => `GET / HTTP/1.1\r\n${host()}Bad Header: x\r\nConnection: close\r\n\r\n`, 400],
  ['oversized header', () => get('/', `X-Big: ${'a'.repeat(70_000)}\r\n`), 431],
  ['missing Host', () => `GET /api/view HTTP/1.1\r\n${auth}Connection: close\r\n\r\n`, 400],
  ['foreign Host (DNS rebinding)', () => `GET /api/view HTTP/1.1\r\nHost: attacker.example:${port}\r\n${auth}Connection: close\r\n\r\n`, 421],
  ['HTTP/1.0 without Host', () => 'GET / HTTP/1.0\r\n\r\n', 421],
  ['unknown method on a page', () => `DELETE / HTTP/1.1\r\n${host()}Connection: close\r\n\r\n`, 405],
  ['wrong method on an API route', () => `DELETE /api/view HTTP/1.1\r\n${host()}${auth}Connection: close\r\n\r\n`, 405],
  ['API without token', () => `GET /api/view HTTP/1.1\r\n${host()}Connection: close\r\n\r\n`, 401],
  ['conflicting Content-Length', () => `POST /api/notices/x/read HTTP/1.1\r\n${host()}${auth}Content-Length: 5\r\nContent-Length: 6\r\nConnection: close\r\n\r\nhello`, 400],
  ['Content-Length and chunked together', () => `POST /api/notices/x/read HTTP/1.1\r\n${host()}${auth}Content-Length: 5\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n`, 400],
  ['bad chunk size', () => `POST /api/notices/x/read HTTP/1.1\r\n${host()}${auth}Transfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\nhello\r\n0\r\n\r\n`, 400],
  ['path traversal to a file', () => get('/../../../../etc/passwd'), 404],
  ['encoded traversal', () => get('/%2e%2e/%2e%2e/etc/passwd'), 404],
  ['null byte escape', () => get('/app.js%00.html'), 404],
  ['unknown API route', () => get('/api/nothing-here'), 404],
  ['notice id that does not exist', () => `POST /api/notices/${encodeURIComponent('no such\u00e9')}/read HTTP/1.1\r\n${host()}${auth}Content-Length: 0\r\nConnection: close\r\n\r\n`, 404],
];

for (const [name, bytes, status] of CASES) {
  test(`raw socket: ${name} → ${status}`, async () => {
    const r = await raw(bytes());
    assert.equal(r.status, status, r.text.slice(0, 300));
  });
}

test('after every malformed request the server still serves the page and the API', async () => {
  // All of them again, concurrently, then normal requests on the same server.
  await Promise.all(CASES.map(([, bytes]) => raw(bytes())));
  const page = await fetch(server.base);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'/);
  const api = await fetch(`${server.base}api/view`, { headers: { 'x-warden-tray-token': TOKEN } });
  assert.equal(api.status, 200);
  assert.deepEqual(Object.keys((await api.json()) as object).sort(), ['branding', 'notices', 'refused', 'report', 'requests', 'silenced', 'status', 'sync']);
});

test('a request that stalls mid-headers is dropped without taking the server down', async () => {
  const s = connect(port, '127.0.0.1');
  s.write(`GET / HTTP/1.1\r\n${host()}X-Slow: `);
  const ok = await fetch(server.base);
  assert.equal(ok.status, 200, 'others are served meanwhile');
  s.destroy();
});
