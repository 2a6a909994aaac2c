// Signed bundles over the push socket (wire/src/push-protocol.ts). A real server and a real agent: a
// ban change reaches the agent as the signed archive in one binary frame, the agent verifies and
// applies it without downloading, answers "applied" on the socket, and the server records the
// device's revision from its own bundle. Then whatever answers at the server address controls the
// socket: a relay forwards HTTP to the real server and speaks the push socket itself. A bundle signed
// by another key, a forged signature, a truncated archive are refused with their errors (nothing
// applied, nothing answered); a frame past the agent's limit closes the connection, which comes back;
// a genuine bundle still applies whatever carried it. An agent that did not ask gets text notices only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import { SyncAgent, type AgentPipeline } from '../../agent/src/sync/sync-agent.ts';
import { packBundle, unpackBundle } from '../../wire/src/bundle-archive.ts';
import { SIGNATURES_FILE, generateSigningKey, signBundle } from '../../wire/src/bundle-signing.ts';
import { withOrder } from '../../wire/src/bundle-order.ts';
import { bundleEtag } from '../../wire/src/bundle-etag.ts';
import { MAX_PUSHED_BUNDLE_BYTES, PUSH_BUNDLES_HEADER, PUSH_KEY_HEADER } from '../../wire/src/push-protocol.ts';
import type { BanList } from '../../wire/src/banlist.ts';
import type { Inventory } from '../../wire/src/inventory.ts';
import { agentConfig, applyBanList, bundleDownloads, eventually, startServer, tempDir, transportCompile, type TestServer } from './helpers.ts';

const banClaude = JSON.parse(readFileSync('policies/examples/ban-claude-code.json', 'utf8')) as BanList;

// Transport tests: the scan and the policy's decisions are not what is tested here (test/sync/demo-e2e covers them).
const EMPTY_INVENTORY: Inventory = { schema_version: 1, scanned_at: new Date(0).toISOString(), duration_ms: 0, root: '/', catalog_version: 'test', host: { hostname: 'h', os: { platform: 'linux', distro: 'd', release: '1', arch: 'x64' }, serial: null, users: [] }, findings: [], skipped: [] };
const pipeline: AgentPipeline = { scan: async () => EMPTY_INVENTORY, decideAndEnforce: async () => ({ decisions: [], events: [] }) };

test('push delivery: a ban reaches a real agent as the signed archive on its socket; applied is recorded without a download', async () => {
  const t = tempDir('push-bundles');
  const server = await startServer({ dataDir: join(t.dir, 'server'), compile: transportCompile });
  const logs: { msg: string; fields?: Record<string, unknown> }[] = [];
  const agent = new SyncAgent(agentConfig(server, join(t.dir, 'agent')), pipeline, (_l, msg, fields) => logs.push({ msg, ...(fields ? { fields } : {}) }));
  try {
    await agent.start();
    await agent.waitFor((r) => r.bundle !== null && r.error === null, 15_000);
    await eventually(async () => server.dist.hub.connected === 1, 'the agent holds the push socket');
    const downloads = await bundleDownloads(server);
    assert.equal(downloads, 1, 'the first bundle came over HTTP (the socket only carries new ones)');

    await applyBanList(server, banClaude);
    const want = server.dist.bundles.current();
    assert.ok(want);
    const r = await agent.waitFor((c) => c.trigger === 'push:bundle', 15_000);
    assert.equal(r.error, null);
    assert.deepEqual(r.bundle, { revision: want.revision, changed: true, error: null });
    assert.equal(agent.activeBundle()?.etag, want.etag, 'the etag the agent computed is the one HTTP would have sent');
    assert.equal(server.dist.hub.bundlesSent, 1);
    assert.equal(await bundleDownloads(server), downloads, 'no download for the pushed bundle');
    await eventually(async () => server.dist.hub.applied === 1, 'the server got "applied"');
    const device = await server.store.getDevice(agent.deviceId as string);
    assert.equal(device?.bundleRevision, want.revision);
    assert.ok(logs.some((l) => l.msg === 'bundle applied' && l.fields?.via === 'push'));
  } finally {
    await agent.stop();
    await server.close();
    t.cleanup();
  }
});

/** An http server at its own address: HTTP relayed to `target`, the push socket answered by the test. */
async function relay(target: TestServer): Promise<{ url: string; wss: WebSocketServer; close(): Promise<void> }> {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  const srv: Server = createServer((req, res) => {
    const fwd = request({ host: '127.0.0.1', port: target.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    fwd.on('error', () => res.writeHead(502).end());
    req.pipe(fwd);
  });
  const sockets = new Set<Duplex>();
  srv.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  srv.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req)));
  await new Promise<void>((ok) => srv.listen(0, '127.0.0.1', () => ok()));
  const port = (srv.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    wss,
    close: async () => {
      for (const c of wss.clients) c.terminate();
      await new Promise((r) => wss.close(r));
      for (const s of sockets) s.destroy();
      await new Promise((r) => srv.close(r));
    },
  };
}

test('push delivery from whatever answers at the server address: foreign, forged and truncated archives refused (the download then finds nothing newer), an oversized frame closes the socket, a genuine bundle applies', async () => {
  const t = tempDir('push-bundles-impostor');
  const server = await startServer({ dataDir: join(t.dir, 'server'), compile: transportCompile });
  const r = await relay(server);
  const logs: { msg: string; fields?: Record<string, unknown> }[] = [];
  const agent = new SyncAgent(agentConfig({ url: r.url, enrollSecret: server.enrollSecret }, join(t.dir, 'agent')), pipeline, (_l, msg, fields) => logs.push({ msg, ...(fields ? { fields } : {}) }));
  const conns: { ws: WebSocket; headers: Record<string, unknown>; said: string[] }[] = [];
  r.wss.on('connection', (ws: WebSocket, req: { headers: Record<string, unknown> }) => {
    const c = { ws, headers: req.headers, said: [] as string[] };
    ws.on('message', (d) => c.said.push(d.toString()));
    conns.push(c);
  });
  try {
    await agent.start();
    const first = await agent.waitFor((c) => c.bundle !== null && c.error === null, 15_000);
    const active = agent.activeBundle();
    assert.ok(active);
    await eventually(async () => conns.length === 1, 'the agent connects its push socket');
    const c = conns[0]!;
    assert.equal(c.headers[PUSH_BUNDLES_HEADER], String(MAX_PUSHED_BUNDLE_BYTES));
    assert.equal(c.headers[PUSH_KEY_HEADER], agent.pinnedKey()?.key_id);

    // Copies an attacker makes of the bundle in force.
    const current = server.dist.bundles.current();
    assert.ok(current && current.etag === active.etag);
    const files = await unpackBundle(current.archive);
    files.delete(SIGNATURES_FILE);
    const allowAll = new Map(files);
    allowAll.set('data.json', Buffer.from(JSON.stringify({ rules: [] })));
    const foreign = packBundle(signBundle(withOrder(allowAll, { seq: 1_000_000, nextKey: null }), generateSigningKey(), { iat: Math.floor(Date.now() / 1000), issuer: 'impostor' }));
    // Signed by a key that names itself with the pinned key's id: the signature does not verify.
    const forgedFiles = await unpackBundle(foreign);
    const jwt = JSON.parse((forgedFiles.get(SIGNATURES_FILE) as Buffer).toString()) as { signatures: string[] };
    const [h, p, s] = (jwt.signatures[0] as string).split('.');
    const header = JSON.parse(Buffer.from(h as string, 'base64url').toString()) as Record<string, unknown>;
    header.kid = agent.pinnedKey()?.key_id;
    forgedFiles.set(SIGNATURES_FILE, Buffer.from(JSON.stringify({ signatures: [`${Buffer.from(JSON.stringify(header)).toString('base64url')}.${p}.${s}`] })));
    const forged = packBundle(forgedFiles);
    const truncated = current.archive.subarray(0, Math.floor(current.archive.length / 2));

    const cases: [string, Buffer, RegExp][] = [
      ['foreign key', foreign, /is signed with key '.*', not the pinned key/],
      ['forged signature', forged, /does not verify against the pinned key/],
      ['truncated', truncated, /truncated/],
    ];
    for (const [what, archive, error] of cases) {
      const before = agent.history.length;
      const checks = await bundleDownloads(server, '304');
      c.ws.send(archive, { binary: true });
      const cycle = await agent.waitFor((x) => agent.history.indexOf(x) >= before && x.trigger === 'push:bundle', 15_000);
      assert.equal(cycle.bundle?.changed, false, what);
      assert.match(cycle.bundle?.error ?? '', error, what);
      assert.equal(agent.activeBundle()?.etag, active.etag, `${what}: the last good bundle stays`);
      assert.equal(await bundleDownloads(server, '304'), checks + 1, `${what}: then the download was asked (nothing newer: 304)`);
    }
    assert.ok(logs.filter((l) => l.msg === 'bundle refused; keeping the last good bundle').length >= 3);
    assert.deepEqual(c.said, [], 'nothing refused is answered as applied');

    // Past the agent's limit: it closes the socket (says why) and connects again.
    c.ws.send(Buffer.alloc(MAX_PUSHED_BUNDLE_BYTES + 1), { binary: true });
    await eventually(async () => conns.length === 2, 'the agent reconnects after the oversized frame');
    assert.ok(logs.some((l) => l.msg === 'push disconnected' && /push frame larger than \d+ bytes refused/.test(String(l.fields?.error))));
    assert.equal(agent.activeBundle()?.etag, active.etag);

    // The real server's next bundle, whoever carried it: verified against the pinned key, applied, answered.
    await applyBanList(server, banClaude);
    const genuine = server.dist.bundles.current();
    assert.ok(genuine && genuine.revision !== first.bundle?.revision);
    const c2 = conns[1]!;
    c2.ws.send(genuine.archive, { binary: true });
    await agent.waitFor((x) => x.trigger === 'push:bundle' && x.bundle?.changed === true, 15_000);
    assert.equal(agent.activeBundle()?.etag, genuine.etag);
    await eventually(async () => c2.said.length === 1, 'the agent answers applied');
    assert.deepEqual(JSON.parse(c2.said[0] as string), { type: 'applied', etag: bundleEtag(genuine.archive) });
  } finally {
    await agent.stop();
    await r.close();
    await server.close();
    t.cleanup();
  }
});

test('push delivery is opt-in: a socket that did not ask gets the text notice; applied frames on it, or for a bundle the server does not serve, are ignored', async () => {
  const t = tempDir('push-bundles-optin');
  const server = await startServer({ dataDir: join(t.dir, 'server'), compile: transportCompile });
  const agent = new SyncAgent(agentConfig(server, join(t.dir, 'agent'), { push: false }), pipeline, () => undefined);
  try {
    await agent.ensureEnrolled();
    const auth = { authorization: `Bearer ${agent.client.credential}` };
    const url = agent.client.pushUrl();
    const open = (headers: Record<string, string>): Promise<{ ws: WebSocket; got: (string | Buffer)[] }> =>
      new Promise((ok, fail) => {
        const ws = new WebSocket(url, { headers, maxPayload: MAX_PUSHED_BUNDLE_BYTES });
        const got: (string | Buffer)[] = [];
        ws.on('message', (d, bin) => got.push(bin ? (d as Buffer) : d.toString()));
        ws.once('open', () => ok({ ws, got }));
        ws.once('error', fail);
      });
    const plain = await open(auth);
    const wants = await open({ ...auth, [PUSH_BUNDLES_HEADER]: String(MAX_PUSHED_BUNDLE_BYTES) });
    const tiny = await open({ ...auth, [PUSH_BUNDLES_HEADER]: '100' });
    await eventually(async () => plain.got.length === 1 && wants.got.length === 1 && tiny.got.length === 1, 'hello on every socket');
    const old = server.dist.bundles.current();
    assert.ok(old);
    // "applied" for the bundle before the change: a revision the server does not serve now is not recorded.
    await applyBanList(server, banClaude);
    const cur = server.dist.bundles.current();
    assert.ok(cur);
    await eventually(async () => plain.got.length === 2 && wants.got.length === 2 && tiny.got.length === 2, 'the change reaches every socket');
    assert.equal(JSON.parse(plain.got[1] as string).type, 'bundle', 'no archive for a socket that did not ask');
    assert.ok(Buffer.isBuffer(wants.got[1]) && (wants.got[1] as Buffer).equals(cur.archive), 'the signed archive itself');
    assert.equal(JSON.parse(tiny.got[1] as string).type, 'bundle', 'a notice when the archive is past the agent’s limit');
    plain.ws.send(JSON.stringify({ type: 'applied', etag: cur.etag }));
    wants.ws.send(JSON.stringify({ type: 'applied', etag: old.etag }));
    wants.ws.send(JSON.stringify({ type: 'applied', etag: cur.etag, revision: 'made-up' }));
    wants.ws.send(JSON.stringify({ type: 'applied', etag: cur.etag }));
    await eventually(async () => server.dist.hub.applied === 1, 'the one valid applied frame');
    await eventually(async () => (await server.store.getDevice(agent.deviceId as string))?.bundleRevision === cur.revision, 'the revision recorded from the server’s own bundle');
    for (const s of [plain, wants, tiny]) s.ws.terminate();
  } finally {
    await server.close();
    t.cleanup();
  }
});

test('push delivery across a key rotation: the bridge applies, the socket is opened again naming the new key, the next bundle is pushed in the copy the new pin verifies', async () => {
  const t = tempDir('push-bundles-rotation');
  const k1 = generateSigningKey();
  const k2 = generateSigningKey();
  const dataDir = join(t.dir, 'server');
  let server = await startServer({ dataDir, compile: transportCompile, signingKey: k1 });
  const port = server.port;
  const logs: { msg: string; fields?: Record<string, unknown> }[] = [];
  const agent = new SyncAgent(agentConfig(server, join(t.dir, 'agent')), pipeline, (_l, msg, fields) => logs.push({ msg, ...(fields ? { fields } : {}) }));
  try {
    await agent.start();
    await agent.waitFor((r) => r.bundle !== null && r.error === null, 15_000);
    assert.equal(agent.pinnedKey()?.key_id, k1.keyId);
    await eventually(async () => server.dist.hub.connected === 1, 'push socket');

    // The server restarts mid-rotation: current k2, bridge copies signed by k1 naming k2.
    await server.close();
    server = await startServer({ dataDir, compile: transportCompile, signingKey: { current: k2, previous: k1 }, port, enrollSecret: server.enrollSecret });
    const s2 = server;
    await agent.waitFor(() => agent.pinnedKey()?.key_id === k2.keyId, 30_000);
    await eventually(async () => {
      const rotated = logs.findIndex((l) => l.msg === 'bundle key rotated by a bundle signed with the pinned key');
      return rotated >= 0 && logs.slice(rotated).some((l) => l.msg === 'push connected') && s2.dist.hub.connected === 1;
    }, 'the socket opened again after the rotation', 15_000);

    await applyBanList(s2, banClaude);
    const want = s2.dist.bundles.current();
    assert.ok(want?.bridge);
    const r = await agent.waitFor((c) => c.trigger === 'push:bundle', 15_000);
    assert.deepEqual(r.bundle, { revision: want.revision, changed: true, error: null });
    assert.equal(agent.activeBundle()?.etag, want.etag, "the new key's copy, not the bridge");
    assert.ok(!logs.some((l) => l.msg === 'bundle refused; keeping the last good bundle'), 'no copy was refused');
    await eventually(async () => s2.dist.hub.applied === 1, 'applied recorded');
  } finally {
    await agent.stop();
    await server.close();
    t.cleanup();
  }
});
