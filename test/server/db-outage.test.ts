// When PostgreSQL goes away (here: the test cuts the TCP path to it), agents get 503 + Retry-After
// (keep your queue, retry) instead of a 500, and the server (queries and LISTEN) recovers by itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { buildServer } from '../../server/src/app.ts';
import { openStore } from '../../server/src/store/open.ts';
import { PostgresDriver } from '../../server/src/store/postgres-driver.ts';
import { rotateEnrollSecret } from '../../server/src/routes/access.ts';
import { PG_URL, enroll, http } from './helpers.ts';

/** A loopback TCP relay to PostgreSQL that the test can cut and restore. */
async function relay(target: URL): Promise<{ port: number; cut: () => Promise<void>; restore: () => Promise<void>; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let server: net.Server | null = null;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve) => {
      server = net.createServer((client) => {
        const upstream = net.connect(Number(target.port || 5432), target.hostname);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => undefined);
        }
        client.pipe(upstream).pipe(client);
      });
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as net.AddressInfo).port;
        resolve();
      });
    });
  const cut = async () => {
    const closing = new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    server = null;
    // close() waits for open connections: cut them, as a dying database would.
    for (const s of sockets) s.destroy();
    await closing;
  };
  await listen();
  return { port, cut, restore: listen, close: cut };
}

test('PostgreSQL outage: 503 with Retry-After, then recovery without a restart', { skip: PG_URL ? false : 'set WARDEN_TEST_PG_URL' }, async () => {
  const target = new URL(PG_URL!);
  const r = await relay(target);
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const viaRelay = new URL(PG_URL!);
  viaRelay.hostname = '127.0.0.1';
  viaRelay.port = String(r.port);
  const store = await openStore({ database: viaRelay.toString(), pgSchema: schema });
  const app = await buildServer({ store, exceptionSweepMs: 0 });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    const secret = await rotateEnrollSecret(store);
    const dev = await enroll(url, secret, 'outage-host');
    const status = { bundle_revision: null, agent_version: '1', errors: [] };
    assert.equal((await http(url, 'POST', '/api/v1/agent/status', { token: dev.credential, body: status })).status, 200);

    // A LISTEN connection through the relay: it must come back by itself after the outage.
    const heard: string[] = [];
    let reconnected = 0;
    const stopListening = await store.listen('warden_outage_test', (p) => heard.push(p), () => reconnected++);

    await r.cut();
    const down = await http(url, 'POST', '/api/v1/agent/status', { token: dev.credential, body: status });
    assert.equal(down.status, 503, down.text);
    assert.equal(down.headers.get('retry-after'), '5');
    assert.match((down.body as { message: string }).message, /database is unavailable/);
    assert.equal((await http(url, 'GET', '/healthz')).status, 503);

    await r.restore();
    let code = 0;
    for (let i = 0; i < 50 && code !== 200; i++) {
      code = (await http(url, 'POST', '/api/v1/agent/status', { token: dev.credential, body: status })).status;
      if (code !== 200) await new Promise((res) => setTimeout(res, 100));
    }
    assert.equal(code, 200, 'the server recovers on its own');
    for (let i = 0; i < 100 && reconnected === 0; i++) await new Promise((res) => setTimeout(res, 100));
    assert.equal(reconnected, 1, 'the LISTEN connection reconnected and said so');
    const direct = new PostgresDriver({ url: PG_URL! });
    await direct.notify('warden_outage_test', 'after-outage');
    await direct.close();
    for (let i = 0; i < 50 && heard.length === 0; i++) await new Promise((res) => setTimeout(res, 50));
    assert.deepEqual(heard, ['after-outage'], 'notifications arrive again after the outage');
    await stopListening();
  } finally {
    await app.close();
    await store.close().catch(() => undefined);
    await r.close();
    const drop = new PostgresDriver({ url: PG_URL!, schema });
    await drop.dropSchema();
    await drop.close();
  }
});
