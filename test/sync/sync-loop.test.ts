// The distribution loop against a real server on loopback and a real agent: enrollment, uploads,
// pushed bundle changes, refusal of tampered / unsigned / foreign-key bundles while the last good one
// stays in force, and the durable queue across a server outage. SQLite always; PostgreSQL too when
// WARDEN_TEST_PG_URL is set (.ci/run sets it).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { SyncAgent, type AgentPipeline } from '../../agent/src/sync/sync-agent.ts';
import type { ActiveBundle } from '../../agent/src/sync/bundle-cache.ts';
import { scanInventory } from '../../agent/src/inventory/scan.ts';
import { packBundle } from '../../wire/src/bundle-archive.ts';
import { generateSigningKey, loadOrCreateSigningKey, signBundle } from '../../wire/src/bundle-signing.ts';
import type { BanList } from '../../wire/src/banlist.ts';
import type { EnforcementEvent } from '../../wire/src/event.ts';
import { PostgresDriver } from '../../server/src/store/postgres-driver.ts';
import { agentConfig, applyBanList, eventually, pgSchema, pgUrl, startServer, tempDir, transportCompile, type TestServer } from './helpers.ts';

const banClaude = JSON.parse(readFileSync('policies/examples/ban-claude-code.json', 'utf8')) as BanList;
const allowAll: BanList = { ...banClaude, name: 'nothing banned yet', rules: [] };

/** Real scan of an (empty) root; "applying" a bundle = taking its verified data.json as the policy data. */
function recordingPipeline(root: string): AgentPipeline & { applied: { revision: string; rules: string[] }[] } {
  const applied: { revision: string; rules: string[] }[] = [];
  return {
    applied,
    scan: () => scanInventory({ root, os: 'linux', processes: false, liveHost: false }),
    async decideAndEnforce(bundle: ActiveBundle) {
      const data = JSON.parse((bundle.files.get('data.json') as Buffer).toString('utf8')) as BanList;
      applied.push({ revision: bundle.revision, rules: data.rules.map((r) => r.id) });
      return { decisions: [], events: [] };
    },
  };
}

function event(tool: string): EnforcementEvent {
  return {
    id: randomUUID(),
    time: new Date().toISOString(),
    kind: 'decision',
    tool,
    finding: `${tool}:npm:alice`,
    action: 'observe',
    rule: 'r1',
    reason: 'test',
    bundle_revision: '',
    result: 'ok',
    detail: 'queued while offline',
  };
}

async function dropSchema(server: TestServer): Promise<void> {
  const d = server.store.driver;
  if (d instanceof PostgresDriver) await d.dropSchema();
}

const backends: { name: string; database?: string }[] = [{ name: 'sqlite' }];
const pg = pgUrl();
if (pg) backends.push({ name: 'postgres', database: pg });

for (const backend of backends) {
  describe(`sync loop (${backend.name})`, () => {
    // Each test gets its own PostgreSQL schema (a restart reuses it), dropped by the test.
    const schemas = new Map<string, string>();
    const setup = async (dir: string, port?: number, enrollSecret?: string): Promise<TestServer> => {
      const schema = schemas.get(dir) ?? pgSchema();
      schemas.set(dir, schema);
      const dataDir = join(dir, 'server');
      mkdirSync(dataDir, { recursive: true });
      return startServer({
        dataDir,
        compile: transportCompile,
        ...(port ? { port } : {}),
        ...(enrollSecret ? { enrollSecret } : {}),
        ...(backend.database ? { database: backend.database, pgSchema: schema } : {}),
      });
    };

    test('enroll → upload → ban change pushed → bundle verified and applied → status on the server', async () => {
      const t = tempDir('sync');
      const root = join(t.dir, 'root');
      mkdirSync(root);
      const server = await setup(t.dir);
      let agent: SyncAgent | null = null;
      try {
        await applyBanList(server, allowAll);
        const first = await eventually(async () => server.dist.bundles.current()?.revision.startsWith('1.') && server.dist.bundles.current(), 'first bundle');
        const pipeline = recordingPipeline(root);
        agent = new SyncAgent(agentConfig(server, join(t.dir, 'agent'), { root, push: true }), pipeline, () => undefined);
        const started = agent.waitFor((r) => r.bundle?.revision === first.revision && r.error === null, 15_000);
        await agent.start();
        const c1 = await started;
        assert.equal(c1.uploaded.inventory, true, 'inventory uploaded');
        const deviceId = agent.deviceId as string;
        assert.ok(deviceId);
        const device = await eventually(async () => {
          const d = await server.store.getDevice(deviceId);
          return d?.bundleRevision === first.revision ? d : null;
        }, 'status with the applied revision');
        assert.equal(device.inventorySeq, 1);
        assert.deepEqual(pipeline.applied.at(-1), { revision: first.revision, rules: [] });
        await eventually(async () => server.dist.hub.connected === 1, 'push connection');

        // An unchanged scan is not uploaded again; a new install is.
        assert.equal((await agent.trigger('test')).uploaded.inventory, false, 'unchanged inventory not re-sent');
        const pkg = join(root, 'usr/local/lib/node_modules/@anthropic-ai/claude-code');
        mkdirSync(pkg, { recursive: true });
        writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: '@anthropic-ai/claude-code', version: '2.0.14' }));
        const c3 = await agent.trigger('test');
        assert.equal(c3.uploaded.inventory, true);
        const items = await server.store.getInventory(deviceId);
        assert.deepEqual(items.map((i) => [i.toolId, i.version]), [['claude-code', '2.0.14']]);

        // IT bans Claude Code: the server builds + signs a bundle and pushes; the agent applies it.
        const pushed = agent.waitFor((r) => r.trigger.startsWith('push') && r.bundle?.changed === true, 15_000);
        await applyBanList(server, banClaude);
        const c2 = await pushed;
        const second = server.dist.bundles.current();
        assert.ok(second && second.revision !== first.revision);
        assert.equal(c2.bundle?.revision, second.revision);
        assert.deepEqual(pipeline.applied.at(-1), { revision: second.revision, rules: ['ban-claude-code', 'allow-qoder'] });
        await eventually(async () => (await server.store.getDevice(deviceId))?.bundleRevision === second.revision, 'server sees the new revision');
      } finally {
        await agent?.stop();
        await dropSchema(server);
        await server.close();
        t.cleanup();
      }
    });

    test('tampered, unsigned and foreign-key bundles are refused; the last good bundle stays in force', async () => {
      const t = tempDir('sync-tamper');
      const root = join(t.dir, 'root');
      mkdirSync(root);
      const server = await setup(t.dir);
      let agent: SyncAgent | null = null;
      try {
        await applyBanList(server, banClaude);
        const good = await eventually(async () => server.dist.bundles.current()?.revision.startsWith('1.') && server.dist.bundles.current(), 'bundle');
        const pipeline = recordingPipeline(root);
        agent = new SyncAgent(agentConfig(server, join(t.dir, 'agent'), { root, push: false }), pipeline, () => undefined);
        await agent.ensureEnrolled();
        const r0 = await agent.trigger('test');
        assert.equal(r0.bundle?.revision, good.revision);

        // Whoever can write the server's bundle table (or sits on the wire) without the signing key:
        const driver = server.store.driver;
        const { unpackBundle } = await import('../../wire/src/bundle-archive.ts');
        const unsigned = await transportCompile({ source: 'x', data: { ...allowAll }, revision: 'evil' });
        const edited = await unpackBundle(good.archive); // signed by the real server key…
        edited.set('data.json', Buffer.from(JSON.stringify({ ...banClaude, rules: [] }))); // …ban removed
        const variants: [string, Buffer, RegExp][] = [
          ['unsigned', packBundle(unsigned), /unsigned/],
          ['foreign key', packBundle(signBundle(unsigned, generateSigningKey())), /not the pinned key/],
          ['tampered', packBundle(edited), /signed hash/],
          ['truncated', good.archive.subarray(0, good.archive.length - 40), /truncated|corrupt/],
          // validly signed with the server's own key, but older than the active bundle: a replay
          ['replayed older bundle', packBundle(signBundle(unsigned, loadOrCreateSigningKey(join(t.dir, 'server')), { iat: good.iat - 3600 })), /rollback/],
        ];

        for (const [name, archive, why] of variants) {
          await driver.run('INSERT INTO signed_bundles (revision, etag, iat, created_at, archive_b64) VALUES (?, ?, ?, ?, ?)', [
            `evil-${name}`,
            `"evil-${name}"`,
            Math.floor(Date.now() / 1000) + 5,
            Date.now(),
            archive.toString('base64'),
          ]);
          await driver.notify('warden_bundle', 'x');
          await eventually(async () => server.dist.bundles.current()?.revision === `evil-${name}`, `server serving ${name}`);
          const r = await agent.trigger('test');
          assert.match(r.bundle?.error ?? '', why, `${name}: ${r.bundle?.error}`);
          assert.equal(agent.activeBundle()?.revision, good.revision, `${name}: last good bundle kept`);
          assert.deepEqual(pipeline.applied.at(-1)?.rules, ['ban-claude-code', 'allow-qoder'], `${name}: still enforcing the ban`);
          const d = await server.store.getDevice(agent.deviceId as string);
          assert.equal(d?.bundleRevision, good.revision);
          assert.match(JSON.stringify(d?.status), why, `${name}: the refusal is reported to the server`);
        }

        // A restarted agent verifies its stored copy again before enforcing from it (offline start).
        await agent.stop();
        const restarted = new SyncAgent(agentConfig(server, join(t.dir, 'agent'), { root, push: false }), recordingPipeline(root), () => undefined);
        await restarted.ensureEnrolled();
        assert.equal((await restarted.loadLastGood())?.revision, good.revision);
        agent = restarted;
      } finally {
        await agent?.stop();
        await dropSchema(server);
        await server.close();
        t.cleanup();
      }
    });

    test('the upload queue survives the server being down and a server restart; nothing is lost', async () => {
      const t = tempDir('sync-offline');
      const root = join(t.dir, 'root');
      mkdirSync(root);
      let server = await setup(t.dir);
      let agent: SyncAgent | null = null;
      try {
        await applyBanList(server, banClaude);
        const port = server.port;
        const secret = server.enrollSecret;
        agent = new SyncAgent(agentConfig(server, join(t.dir, 'agent'), { root, push: false }), recordingPipeline(root), () => undefined);
        await agent.ensureEnrolled();
        assert.equal((await agent.trigger('test')).error, null);
        const deviceId = agent.deviceId as string;

        await server.close();
        const offline = Array.from({ length: 1200 }, (_, i) => event(`tool-${i % 7}`));
        agent.events.enqueue(offline, 500);
        const r = await agent.trigger('test');
        assert.match(r.error ?? '', /cannot reach/);
        assert.equal(agent.events.count(), 1200, 'all events still queued on disk');

        // A fresh agent process (same state folder) still has them.
        await agent.stop();
        server = await setup(t.dir, port, secret);
        agent = new SyncAgent(agentConfig(server, join(t.dir, 'agent'), { root, push: false }), recordingPipeline(root), () => undefined);
        assert.equal(agent.events.count(), 1200);
        const r2 = await agent.trigger('test');
        assert.equal(r2.error, null);
        assert.equal(agent.events.count(), 0);
        const stored = [
          ...(await server.store.queryEvents({ deviceId, limit: 1000, offset: 0 })),
          ...(await server.store.queryEvents({ deviceId, limit: 1000, offset: 1000 })),
        ];
        assert.equal(stored.length, 1200);
        assert.deepEqual(new Set(stored.map((e) => e.eventId)), new Set(offline.map((e) => e.id)));
      } finally {
        await agent?.stop();
        await dropSchema(server);
        await server.close();
        t.cleanup();
      }
    });
  });
}
