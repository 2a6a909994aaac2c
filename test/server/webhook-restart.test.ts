// The server is SIGKILLed while a webhook delivery is in flight (the receiver has the request, the
// server has not had the answer): after the restart the receiver has every event, the interrupted one
// again with the same webhook-id (a duplicate it recognises), everything in order and validly signed.
// The server is a real `warden server start` process, on SQLite and on PostgreSQL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { PG_URL, enroll, event, http, withPgSchemaUrl } from './helpers.ts';
import { Receiver, firstDeliveries } from './receiver.ts';

async function startServer(dataDir: string, port: number, database?: string): Promise<{ child: ChildProcess; url: string }> {
  const args = ['bin/warden.js', 'server', 'start', '--data', dataDir, '--port', String(port), '--no-bundles', '--log-level', 'warn', '--webhook-allow', '127.0.0.1/32', ...(database ? ['--database', database] : [])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const deadline = Date.now() + 120_000;
  while (!/listening on (http:\/\/\S+)/.test(out)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`server did not start (exit ${child.exitCode}): ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, url: /listening on (http:\/\/\S+)/.exec(out)![1]! };
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

async function scenario(database: string | undefined): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'warden-webhook-restart-'));
  const rx = await new Receiver().start();
  let server = await startServer(dir, 0, database);
  try {
    const port = Number(new URL(server.url).port);
    const creds = JSON.parse(readFileSync(join(dir, 'initial-credentials.json'), 'utf8')) as { enroll_secret: string; admin_token: string };
    const hook = await http(server.url, 'POST', '/api/v1/webhooks', { token: creds.admin_token, body: { why: 'SOC feed', webhook: { name: 'soc', url: `${rx.url}/in`, events: ['enforcement.*'] } } });
    assert.equal(hook.status, 201, hook.text);
    rx.secrets = [(hook.body as { secret: string }).secret];

    const dev = await enroll(server.url, creds.enroll_secret, 'restart-host');
    const sent = Array.from({ length: 120 }, () => event('claude-code', 'quarantine'));
    for (let i = 0; i < sent.length; i += 20) {
      const r = await http(server.url, 'POST', '/api/v1/agent/events', { token: dev.credential, body: { batch_id: `b${i}`, events: sent.slice(i, i + 20) } });
      assert.equal(r.status, 200, r.text);
    }
    // Mid-delivery: the receiver holds its answer to the next request; the server dies waiting for it.
    await rx.waitFor((g) => g.length >= 30);
    rx.hangNext = true;
    await rx.waitFor(() => !rx.hangNext);
    const held = rx.got.at(-1)!;
    await kill(server.child);
    rx.release();
    assert.ok(rx.got.length < sent.length, `the kill came mid-delivery (${rx.got.length} of ${sent.length} delivered)`);

    server = await startServer(dir, port, database);
    await rx.waitFor((g) => firstDeliveries(g).length >= sent.length, 60_000);
    const first = firstDeliveries(rx.got);
    assert.deepEqual(first.map((g) => (JSON.parse(g.body) as { data: { event: { id: string } } }).data.event.id), sent.map((e) => e.id), 'every event, in order');
    assert.ok(rx.got.every((g) => g.valid), 'every delivery validly signed');
    const again = rx.got.filter((g) => g.id === held.id);
    assert.ok(again.length >= 2, 'the interrupted delivery came again after the restart');
    assert.equal(again[1]!.body, held.body, 'with the same body and webhook-id (the receiver recognises the duplicate)');
    // Nothing is delivered twice except what was in flight at the kill.
    const dupes = rx.got.length - first.length;
    assert.ok(dupes >= 1 && dupes <= 2, `duplicates: ${dupes}`);
  } finally {
    await kill(server.child);
    await rx.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('[sqlite] webhooks: server SIGKILLed mid-delivery loses no event; the duplicate carries the same id', { timeout: 240_000 }, async () => {
  await scenario(undefined);
});

test('[postgres] webhooks: server SIGKILLed mid-delivery loses no event; the duplicate carries the same id', { skip: PG_URL ? false : 'set WARDEN_TEST_PG_URL', timeout: 240_000 }, async () => {
  await withPgSchemaUrl(scenario);
});
