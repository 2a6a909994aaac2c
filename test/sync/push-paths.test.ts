// The other ways a ban reaches an agent: OPA-style long polling on the bundle route (the fallback for
// agents without a WebSocket), a WebSocket refused without a device credential, and — with
// PostgreSQL — a ban made on one server node reaching an agent connected to another node
// (LISTEN/NOTIFY), the bundle served byte-identical by both nodes; and an exception denied on node A
// nudging that agent (on node B) to check in, and no other device.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import axios from 'axios';
import WebSocket from 'ws';
import { SyncAgent } from '../../agent/src/sync/sync-agent.ts';
import { scanInventory } from '../../agent/src/inventory/scan.ts';
import { openSignedBundle } from '../../wire/src/bundle-signing.ts';
import { generateSigningKey } from '../../wire/src/bundle-signing.ts';
import { PostgresDriver } from '../../server/src/store/postgres-driver.ts';
import { createUser, issueApiToken } from '../../server/src/routes/access.ts';
import type { BanList } from '../../wire/src/banlist.ts';
import { agentConfig, applyBanList, eventually, pgSchema, pgUrl, startServer, tempDir, transportCompile } from './helpers.ts';

const banClaude = JSON.parse(readFileSync('policies/examples/ban-claude-code.json', 'utf8')) as BanList;

test('long polling: Prefer: wait holds the request until a new bundle exists, else 304', async () => {
  const t = tempDir('longpoll');
  const server = await startServer({ dataDir: join(t.dir, 'server'), compile: transportCompile });
  let closed = false;
  try {
    const agent = new SyncAgent(agentConfig(server, join(t.dir, 'agent'), { push: false }), { scan: () => Promise.reject(new Error('unused')), decideAndEnforce: () => Promise.reject(new Error('unused')) }, () => undefined);
    await agent.ensureEnrolled();
    const auth = { authorization: `Bearer ${agent.client.credential}` };
    const url = `${server.url}/api/v1/bundles/warden`;
    const first = await axios.get(url, { headers: auth, responseType: 'arraybuffer' });
    assert.equal(first.status, 200);
    const etag = String(first.headers.etag);
    assert.match(etag, /^"[0-9a-f]{40}"$/);

    // Unchanged: plain 304, and a long poll that times out with 304.
    const same = await axios.get(url, { headers: { ...auth, 'if-none-match': etag }, validateStatus: () => true });
    assert.equal(same.status, 304);
    const t0 = Date.now();
    const waited = await axios.get(url, { headers: { ...auth, 'if-none-match': etag, prefer: 'wait=1' }, validateStatus: () => true });
    assert.equal(waited.status, 304);
    assert.ok(Date.now() - t0 >= 900, 'the server held the request');

    // A ban change while the agent waits answers the held request with the new signed bundle.
    const held = axios.get(url, { headers: { ...auth, 'if-none-match': etag, prefer: 'wait=30' }, responseType: 'arraybuffer', validateStatus: () => true });
    await new Promise((r) => setTimeout(r, 200));
    await applyBanList(server, banClaude);
    const res = await held;
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'application/vnd.openpolicyagent.bundles');
    assert.notEqual(res.headers.etag, etag);
    const v = await openSignedBundle(Buffer.from(res.data as ArrayBuffer), server.dist.bundles.publicKeyPem);
    assert.deepEqual(
      (JSON.parse((v.files.get('data.json') as Buffer).toString()) as BanList).rules.map((r) => r.id),
      ['ban-claude-code', 'allow-qoder'],
    );

    // No credential: every bundle and push route refuses.
    assert.equal((await axios.get(url, { validateStatus: () => true })).status, 401);
    assert.equal((await axios.get(`${server.url}/api/v1/bundles/public-key`, { validateStatus: () => true })).status, 401);
    const refused = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${server.url.replace('http', 'ws')}/api/v1/agent/push`);
      ws.on('unexpected-response', (req, r) => {
        req.destroy();
        resolve(r.statusCode ?? 0);
      });
      ws.on('open', () => resolve(101));
      ws.on('error', () => undefined);
    });
    assert.equal(refused, 401);
    await agent.stop();

    // Shutting down answers held long polls at once instead of waiting them out.
    const etag2 = String(res.headers.etag);
    const pending = axios.get(url, { headers: { ...auth, 'if-none-match': etag2, prefer: 'wait=50' }, validateStatus: () => true });
    await new Promise((r) => setTimeout(r, 200));
    const t1 = Date.now();
    closed = true;
    await server.close();
    assert.ok(Date.now() - t1 < 20_000, 'close did not wait for the 50 s long poll');
    assert.equal((await pending).status, 304);
  } finally {
    if (!closed) await server.close();
    t.cleanup();
  }
});

const pg = pgUrl();
test('two server nodes on one PostgreSQL: a ban on node A reaches an agent connected to node B; a denial on A nudges it', { skip: pg ? false : 'WARDEN_TEST_PG_URL not set (.ci/run sets it)' }, async () => {
  const t = tempDir('multinode');
  const schema = pgSchema();
  const key = generateSigningKey(); // the nodes share the fleet's signing key
  const a = await startServer({ dataDir: join(t.dir, 'a'), compile: transportCompile, database: pg as string, pgSchema: schema, signingKey: key });
  const b = await startServer({ dataDir: join(t.dir, 'b'), compile: transportCompile, database: pg as string, pgSchema: schema, signingKey: key, enrollSecret: a.enrollSecret });
  const root = join(t.dir, 'root');
  mkdirSync(root);
  let agent: SyncAgent | null = null;
  let other: WebSocket | null = null;
  try {
    const applied: string[] = [];
    agent = new SyncAgent(
      agentConfig(b, join(t.dir, 'agent'), { root, push: true }),
      {
        scan: () => scanInventory({ root, os: 'linux', processes: false, liveHost: false }),
        decideAndEnforce: async (bundle) => {
          applied.push(bundle.revision);
          return { decisions: [], events: [] };
        },
      },
      () => undefined,
    );
    const ready = agent.waitFor((r) => r.error === null, 15_000);
    await agent.start();
    await ready;
    await eventually(async () => b.dist.hub.connected === 1, 'agent holds a WebSocket to node B');
    assert.equal(a.dist.hub.connected, 0);

    const pushed = agent.waitFor((r) => r.trigger.startsWith('push') && r.bundle?.changed === true, 20_000);
    await applyBanList(a, banClaude); // the change is made on node A
    const r = await pushed;
    const onA = a.dist.bundles.current();
    const onB = await eventually(async () => (b.dist.bundles.current()?.seq === onA?.seq ? b.dist.bundles.current() : null), 'node B serves the same bundle');
    assert.equal(onB.etag, onA?.etag, 'byte-identical bundle on both nodes');
    assert.equal(r.bundle?.revision, onA?.revision);
    assert.equal(applied.at(-1), onA?.revision);

    // A second device holds a raw push socket to node B and records what it is sent.
    const second = new SyncAgent(agentConfig(b, join(t.dir, 'agent2'), { push: false }), { scan: () => Promise.reject(new Error('unused')), decideAndEnforce: () => Promise.reject(new Error('unused')) }, () => undefined);
    await second.ensureEnrolled();
    const received: string[] = [];
    other = new WebSocket(`${b.url.replace('http', 'ws')}/api/v1/agent/push`, { headers: { authorization: `Bearer ${second.client.credential}` } });
    other.on('message', (m) => received.push(m.toString()));
    await eventually(async () => received.length === 1 && b.dist.hub.connected === 2, 'the second device holds a socket to node B');

    // IT denies the first agent's request on node A: a denial changes no bundle, so only the nudge
    // (NOTIFY from A → node B's LISTEN → that device's socket) can start this check-in.
    const token = (await issueApiToken(a.store, await createUser(a.store, 'it-admin', 'admin', 'a long enough password', Date.now()), 'test', null, Date.now())).token;
    const api = async (path: string, body: unknown) => {
      const res = await fetch(`${a.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      assert.ok(res.ok, `${path}: ${res.status} ${await res.clone().text()}`);
      return (await res.json()) as { id: string };
    };
    const deviceId = agent.deviceId as string;
    const mine = await api('/api/v1/exceptions', { device_id: deviceId, tool: 'claude-code', reason: 'migration sprint' });
    const nudged = agent.waitFor((c) => c.trigger === 'push:nudge', 20_000);
    await api(`/api/v1/exceptions/${mine.id}/deny`, { note: 'use Qoder' });
    const c = await nudged;
    assert.equal(c.error, null);
    assert.equal(c.bundle?.changed, false, 'nothing new to fetch: the nudge alone started this check-in');
    assert.equal(a.dist.hub.nudged, 0, 'node A holds no socket of that device');
    assert.equal(b.dist.hub.nudged, 1);

    // The second device is nudged for its own decision only: its nudge arrives after the first
    // device's (same LISTEN connection, in order), and it is the only one it got.
    const theirs = await api('/api/v1/exceptions', { device_id: second.deviceId as string, tool: 'cursor', reason: 'pairing session' });
    await api(`/api/v1/exceptions/${theirs.id}/deny`, { note: 'not now' });
    await eventually(async () => received.length === 2, 'the second device is nudged');
    assert.equal(JSON.parse(received[0] as string).type, 'hello');
    assert.equal(received[1], '{"type":"nudge"}', 'a nudge carries no data');
    assert.equal(b.dist.hub.nudged, 2);
    await second.stop();
  } finally {
    other?.terminate();
    await agent?.stop();
    await b.close();
    const d = a.store.driver;
    if (d instanceof PostgresDriver) await d.dropSchema();
    await a.close();
    t.cleanup();
  }
});
