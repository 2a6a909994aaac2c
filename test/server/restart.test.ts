// A server killed (SIGKILL) in the middle of event uploads loses nothing: an upload is acknowledged
// only after its transaction committed, and a batch re-sent after a lost acknowledgement is stored
// once. The server runs as a real `warden server start` process, on SQLite and on PostgreSQL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import { PG_URL, enroll, event, http, withPgSchemaUrl } from './helpers.ts';
import type { EnforcementEvent } from '../../wire/src/event.ts';

interface Running {
  child: ChildProcess;
  url: string;
  out: string;
}

async function startServer(dataDir: string, port: number, database?: string): Promise<Running> {
  const args = ['bin/warden.js', 'server', 'start', '--data', dataDir, '--port', String(port), '--no-bundles', '--log-level', 'warn', ...(database ? ['--database', database] : [])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  // Generous: under a loaded CI machine starting tsx + the server can take a while.
  const deadline = Date.now() + 120_000;
  while (!/listening on (http:\/\/\S+)/.test(out)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`server did not start (exit ${child.exitCode}): ${err || out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, url: /listening on (http:\/\/\S+)/.exec(out)![1]!, out };
}

async function kill(s: Running): Promise<void> {
  if (s.child.exitCode !== null) return;
  const exited = once(s.child, 'exit');
  s.child.kill('SIGKILL');
  await exited;
}

async function scenario(database: string | undefined): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'warden-restart-'));
  let server: Running | null = null;
  try {
    server = await startServer(dir, 0, database);
    const port = Number(new URL(server.url).port);
    const credsFile = join(dir, 'initial-credentials.json');
    assert.match(server.out, /initial-credentials\.json/);
    assert.ok(!/wda\.|enroll_secret/.test(server.out), 'no secret on stdout');
    assert.equal(statSync(credsFile).mode & 0o777, 0o600);
    const creds = JSON.parse(readFileSync(credsFile, 'utf8')) as { enroll_secret: string; admin_token: string };
    const secret = creds.enroll_secret;
    const adminToken = creds.admin_token;
    assert.ok(secret && adminToken);
    const dev = await enroll(server.url, secret, 'restart-host');

    // 4 uploaders × 15 batches × 40 events, each batch retried (same id, same events) until acknowledged,
    // plus one batch cut off mid-body by the kill.
    const BATCHES = 15;
    const PER = 40;
    const acked = new Set<string>();
    const all: EnforcementEvent[] = [];
    let interrupted = 0;
    let restarting: Promise<void> | null = null;
    let currentUrl = server.url;
    const uploader = async (w: number): Promise<void> => {
      for (let i = 0; i < BATCHES; i++) {
        const batchId = `w${w}-b${i}`;
        const events = Array.from({ length: PER }, () => event('claude-code'));
        all.push(...events);
        const giveUp = Date.now() + 120_000;
        let lastError = '';
        for (;;) {
          assert.ok(Date.now() < giveUp, `batch ${batchId} never acknowledged (last: ${lastError})`);
          if (restarting) await restarting;
          try {
            const r = await http(currentUrl, 'POST', '/api/v1/agent/events', { token: dev.credential, body: { batch_id: batchId, events } });
            if (r.status === 200) {
              acked.add(batchId);
              break;
            }
            throw new Error(`status ${r.status}: ${r.text.slice(0, 200)}`);
          } catch (e) {
            lastError = (e as Error).message;
            interrupted++;
            await new Promise((r) => setTimeout(r, 50));
          }
        }
      }
    };
    // One upload is guaranteed to be mid-body when the server dies: half its JSON is written, the
    // rest waits for the kill. It is then re-sent whole, like the agent's queue does.
    const slowEvents = Array.from({ length: PER }, () => event('claude-code'));
    all.push(...slowEvents);
    let slowCut = false;
    const slowBody = JSON.stringify({ batch_id: 'slow', events: slowEvents });
    const halfSent = (base: string): Promise<void> =>
      new Promise((resolve) => {
        const u = new URL('/api/v1/agent/events', base);
        const req = httpRequest({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: { authorization: `Bearer ${dev.credential}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(slowBody) } });
        req.on('error', () => {
          slowCut = true;
          resolve();
        });
        req.on('response', (res) => {
          res.resume();
          resolve(); // not expected: the body never completes before the kill
        });
        req.write(slowBody.slice(0, slowBody.length >> 1));
      });
    let slowDone: Promise<void> = Promise.resolve();
    const killer = (async () => {
      // Kill while uploads are in flight (after some batches were acknowledged), then restart.
      while (acked.size < 12) await new Promise((r) => setTimeout(r, 5));
      slowDone = halfSent(currentUrl);
      await new Promise((r) => setTimeout(r, 100));
      let release!: () => void;
      restarting = new Promise<void>((r) => (release = r));
      const old = server!;
      await kill(old);
      server = await startServer(dir, port, database);
      currentUrl = server.url;
      restarting = null;
      release();
    })();
    await Promise.all([uploader(0), uploader(1), uploader(2), uploader(3), killer]);
    await slowDone;
    assert.ok(slowCut, 'the half-sent upload was cut off by the kill');
    const resent = await http(server.url, 'POST', '/api/v1/agent/events', { token: dev.credential, body: { batch_id: 'slow', events: slowEvents } });
    assert.deepEqual(resent.body, { batch_id: 'slow', stored: PER, duplicate: false }, 'the cut-off batch was not half-stored');
    assert.equal(acked.size, 4 * BATCHES);

    // Every event is stored exactly once.
    const stored = new Map<string, number>();
    for (let offset = 0; ; offset += 1000) {
      const r = await http(server.url, 'GET', `/api/v1/events?device=${dev.deviceId}&limit=1000&offset=${offset}`, { token: adminToken });
      assert.equal(r.status, 200, r.text);
      const page = (r.body as { events: { event: { id: string } }[] }).events;
      for (const e of page) stored.set(e.event.id, (stored.get(e.event.id) ?? 0) + 1);
      if (page.length < 1000) break;
    }
    assert.equal(stored.size, all.length, `all ${all.length} events stored (interrupted uploads: ${interrupted})`);
    assert.ok([...stored.values()].every((n) => n === 1), 'no event stored twice');
    for (const e of all) assert.ok(stored.has(e.id), `event ${e.id} stored`);
  } finally {
    if (server) await kill(server);
    rmSync(dir, { recursive: true, force: true });
  }
}

test('[sqlite] server killed mid-upload and restarted loses no event', async () => {
  await scenario(undefined);
});

test('[postgres] server killed mid-upload and restarted loses no event', { skip: PG_URL ? false : 'set WARDEN_TEST_PG_URL' }, async () => {
  await withPgSchemaUrl(scenario);
});
