// The tray page server's write routes against what a page (or any local process holding the token)
// may send: an exception request lands in the employee's inbox as one whole, schema-valid file, or
// is refused with the reason (unknown tool, malformed, no inbox yet, too many waiting); silencing
// takes warnings only for a well-formed tool id. Real server, real files, no browser.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordNotice } from '../../agent/src/enforce/notices.ts';
import { startTrayServer, type TrayServer } from '../../tray-app/src/server.ts';
import { ExceptionRequestFile } from '../../wire/src/exception-request.ts';
import { check } from '../../wire/src/validate.ts';

const dir = mkdtempSync(join(tmpdir(), 'warden-tray-api-'));
const userDir = join(dir, 'public', 'users', 'me');
const inbox = join(userDir, 'requests');
const TOKEN = 'api-token-0123456789';
let server: TrayServer;

before(async () => {
  recordNotice(join(userDir, 'notices.json'), { finding: 'claude-code:npm:me', tool: 'claude-code', action: 'block', reason: 'r', message: 'not approved', alternative: 'Qoder', rule: 'ban', grace_until: null, monitor: false, settings: null }, 'rev-1', new Date());
  server = await startTrayServer({ userDir, machineDir: join(dir, 'public', 'machine'), trayStateDir: join(dir, 'tray'), token: TOKEN });
});

after(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function post(path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${server.base}${path.slice(1)}`, { method: 'POST', headers: { 'x-warden-tray-token': TOKEN, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const good = { tool: 'claude-code', reason: 'customer project needs it for a week', duration_days: 7 };

test('before the agent made the inbox, a request is refused with what to do (503)', async () => {
  const r = await post('/api/exceptions', good);
  assert.equal(r.status, 503);
  assert.match(String(r.body.error), /has not set up your request folder yet/);
});

test('a request becomes one schema-valid file in the inbox (0600), listed as waiting', async () => {
  mkdirSync(inbox, { mode: 0o700 });
  const r = await post('/api/exceptions', good);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const id = String(r.body.id);
  assert.deepEqual(readdirSync(inbox), [`${id}.json`], 'no temp file left');
  const file = join(inbox, `${id}.json`);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const doc: unknown = JSON.parse(readFileSync(file, 'utf8'));
  assert.deepEqual(check(ExceptionRequestFile, doc), []);
  assert.equal((doc as { duration_days: number }).duration_days, 7);
  const view = (await (await fetch(`${server.base}api/view`, { headers: { 'x-warden-tray-token': TOKEN } })).json()) as { requests: { id: string; state: string }[] };
  assert.deepEqual(view.requests.map((x) => [x.id, x.state]), [[id, 'waiting']]);
});

test('refused: a tool this computer has no notice or finding about, malformed fields, extra fields', async () => {
  const cases: [unknown, number, RegExp][] = [
    [{ ...good, tool: 'cursor' }, 400, /no notice or finding about cursor/],
    [{ ...good, reason: 'short' }, 400, /invalid request: \/reason/],
    [{ ...good, duration_days: 0 }, 400, /invalid request: \/duration_days/],
    [{ ...good, duration_days: 366 }, 400, /invalid request: \/duration_days/],
    [{ ...good, requested_by: 'admin' }, 400, /invalid request: .*additional properties/],
    [['claude-code'], 400, /invalid request/],
  ];
  for (const [body, status, why] of cases) {
    const r = await post('/api/exceptions', body);
    assert.equal(r.status, status, JSON.stringify(body));
    assert.match(String(r.body.error), why, JSON.stringify(r.body));
  }
  assert.equal(readdirSync(inbox).length, 1, 'nothing written by refused requests');
});

test('at most 10 requests wait in the inbox at once (429 after)', async () => {
  for (let i = readdirSync(inbox).length; i < 10; i++) assert.equal((await post('/api/exceptions', good)).status, 200);
  const r = await post('/api/exceptions', good);
  assert.equal(r.status, 429);
  assert.match(String(r.body.error), /10 requests are already waiting/);
});

test('silence takes a tool id and a boolean; the list is kept in the employee’s own file', async () => {
  assert.deepEqual((await post('/api/silence', { tool: 'cursor', silenced: true })).body, { silenced: ['cursor'] });
  assert.deepEqual((await post('/api/silence', { tool: 'aider', silenced: true })).body, { silenced: ['aider', 'cursor'] });
  assert.deepEqual((await post('/api/silence', { tool: 'cursor', silenced: false })).body, { silenced: ['aider'] });
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'tray', 'notifications.json'), 'utf8')).silenced, ['aider']);
  for (const bad of [{ tool: '../x', silenced: true }, { tool: 'cursor' }, { tool: 'cursor', silenced: 'yes' }]) {
    const r = await post('/api/silence', bad);
    assert.equal(r.status, 400);
    assert.match(String(r.body.error), /send \{"tool"/);
  }
});
