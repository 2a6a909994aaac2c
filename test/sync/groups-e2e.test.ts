// End to end: groups reach the policy on real endpoints. A SCIM client (this test, plain SCIM JSON
// over HTTP) provisions alice into `contractors`; an admin makes the device group `macs` (platform
// darwin) through the API; the fleet policy (compiled by warden's compiler, signed) blocks Claude Code
// for contractors and notifies on every tool on macs. Two real agents (SyncAgent + the real pipeline:
// scan, signed memberships, evaluation in opa-wasm, enforcement) with their own temp roots: alice's
// Linux machine and bob's Mac. The contractor rule matches alice's finding and not bob's; the device
// rule matches the Mac only; removing alice from the group by SCIM PATCH lifts the block on the next
// cycle. SQLite, and PostgreSQL when WARDEN_TEST_PG_URL is set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SyncAgent, type CycleReport } from '../../agent/src/sync/sync-agent.ts';
import { createPipeline } from '../../agent/src/sync/pipeline.ts';
import { homeOf } from '../../agent/src/inventory/materialize.ts';
import { compilerBundle, defaultPolicySources } from '../../server/src/bundle-compile.ts';
import { compileFleetPolicy } from '../../server/src/policy/fleet-policy.ts';
import { createUser, issueApiToken } from '../../server/src/routes/access.ts';
import { PostgresDriver } from '../../server/src/store/postgres-driver.ts';
import type { BanList } from '../../wire/src/banlist.ts';
import type { Decision } from '../../wire/src/decision.ts';
import { agentConfig, applyBanList, pgSchema, pgUrl, startServer, tempDir } from './helpers.ts';

const LIST: BanList = {
  schema: 'warden.banlist/v1', name: 'groups e2e', mode: 'enforce', default_action: 'allow', message: 'not approved', alternative: 'Qoder',
  rules: [
    { id: 'contractors-no-claude', action: 'block', match: { tools: ['claude-code'], user_groups: ['contractors'] } },
    { id: 'macs-notify', action: 'notify', match: { device_groups: ['macs'] } },
  ],
  exceptions: [],
};

/** Claude Code's native install in one person's home (inert files: the scanner never runs them). */
function claudeFor(root: string, os: 'linux' | 'darwin', user: string): void {
  const home = homeOf(root, os, user);
  mkdirSync(join(home, '.local/share/claude/versions'), { recursive: true });
  writeFileSync(join(home, '.local/share/claude/versions/2.0.22'), 'inert test binary\n');
  mkdirSync(join(home, '.config/claude'), { recursive: true });
}

const claudeOf = (r: CycleReport, user: string): Decision => {
  const d = r.decisions.find((x) => x.tool === 'claude-code' && x.finding.endsWith(`:${user}`));
  assert.ok(d, `a decision for ${user}'s Claude Code in ${JSON.stringify(r.decisions.map((x) => x.finding))} (error: ${r.error})`);
  return d;
};

const backends: { name: string; database?: string }[] = [{ name: 'sqlite' }];
const pg = pgUrl();
if (pg) backends.push({ name: 'postgres', database: pg });

for (const backend of backends) {
  test(`groups e2e (${backend.name}): SCIM puts alice in contractors → her agent blocks, bob's does not; macs rule on the Mac only; SCIM removal lifts it next cycle`, { timeout: 600_000 }, async () => {
    const t = tempDir('groups-e2e');
    const dataDir = join(t.dir, 'server');
    mkdirSync(dataDir, { recursive: true });
    const server = await startServer({
      dataDir,
      compile: compilerBundle(defaultPolicySources(), compileFleetPolicy),
      ...(backend.database ? { database: backend.database, pgSchema: pgSchema() } : {}),
    });
    const agents: SyncAgent[] = [];
    try {
      const { store } = server;
      const token = async (name: string, role: 'admin' | 'scim') => (await issueApiToken(store, await createUser(store, name, role, 'a long enough password', Date.now()), 'e2e', null, Date.now())).token;
      const idp = await token('okta', 'scim');
      const admin = await token('it-admin', 'admin');
      const call = async (method: string, path: string, tok: string, body?: unknown) => {
        const res = await fetch(`${server.url}${path}`, { method, headers: { authorization: `Bearer ${tok}`, ...(body !== undefined ? { 'content-type': path.startsWith('/scim/') ? 'application/scim+json' : 'application/json' } : {}) }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
        const text = await res.text();
        return { status: res.status, body: (text ? JSON.parse(text) : null) as Record<string, unknown>, text };
      };

      // The identity provider provisions alice and bob, and puts alice in contractors.
      const alice = await call('POST', '/scim/v2/Users', idp, { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'alice@corp.example', active: true });
      assert.equal(alice.status, 201, alice.text);
      const bob = await call('POST', '/scim/v2/Users', idp, { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'bob@corp.example', active: true });
      assert.equal(bob.status, 201, bob.text);
      const group = await call('POST', '/scim/v2/Groups', idp, { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'contractors', members: [{ value: alice.body.id }] });
      assert.equal(group.status, 201, group.text);
      // IT defines the device class through the admin API, and publishes the policy that uses both.
      const macs = await call('POST', '/api/v1/groups', admin, { group: { kind: 'device', name: 'macs', rule: { platforms: ['darwin'] } }, why: 'Mac fleet' });
      assert.equal(macs.status, 201, macs.text);
      await applyBanList(server, LIST);

      // Two endpoints: alice's Linux machine and bob's Mac, each with its person's Claude Code.
      const rootA = join(t.dir, 'root-alice');
      const rootB = join(t.dir, 'root-bob');
      claudeFor(rootA, 'linux', 'alice');
      claudeFor(rootB, 'darwin', 'bob');
      for (const [name, root, os] of [['alice', rootA, 'linux'], ['bob', rootB, 'darwin']] as const) {
        const config = agentConfig(server, join(t.dir, `agent-${name}`), { root, os, push: false });
        const agent = new SyncAgent(config, await createPipeline(config), () => undefined);
        await agent.ensureEnrolled();
        agents.push(agent);
      }
      const [agentA, agentB] = agents as [SyncAgent, SyncAgent];

      let a = await agentA.trigger('e2e');
      let b = await agentB.trigger('e2e');
      assert.equal(a.error, null);
      assert.equal(b.error, null);
      assert.ok(a.bundle?.revision && b.bundle?.revision, 'both applied the signed bundle');

      // The contractor rule matches alice's finding, through the group, and not bob's.
      const ca = claudeOf(a, 'alice');
      assert.equal(ca.action, 'block');
      assert.equal(ca.rule, 'contractors-no-claude');
      assert.deepEqual(ca.groups, ['user:contractors']);
      assert.match(ca.reason, /\(user:contractors\)/);
      const cb = claudeOf(b, 'bob');
      assert.notEqual(cb.rule, 'contractors-no-claude');
      // The device rule matches exactly the darwin device.
      assert.equal(cb.action, 'notify');
      assert.equal(cb.rule, 'macs-notify');
      assert.deepEqual(cb.groups, ['device:macs']);
      assert.ok(b.decisions.every((d) => d.rule === 'macs-notify'), 'every finding on the Mac');
      assert.ok(a.decisions.every((d) => d.rule !== 'macs-notify'), 'nothing on the Linux machine');
      assert.ok(a.events.some((e) => e.kind === 'notice' && e.tool === 'claude-code'), 'the block was enforced (notice to alice)');

      // What the server stored says which group made the rule match (events carry the decision's reason).
      const ev = await call('GET', `/api/v1/events?device=${agentA.deviceId as string}&limit=500`, admin);
      const notices = (ev.body.events as { event: { kind: string; rule: string; reason: string } }[]).filter((e) => e.event.rule === 'contractors-no-claude');
      assert.ok(notices.length > 0 && notices.every((e) => /\(user:contractors\)/.test(e.event.reason)), ev.text);

      // The identity provider takes alice out of contractors (Okta's PATCH); the next cycle lifts the block.
      const patch = await call('PATCH', `/scim/v2/Groups/${group.body.id as string}`, idp, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'remove', path: `members[value eq "${alice.body.id as string}"]` }] });
      assert.equal(patch.status, 200, patch.text);
      assert.deepEqual(patch.body.members, []);
      a = await agentA.trigger('e2e');
      assert.equal(a.error, null);
      const after = claudeOf(a, 'alice');
      assert.equal(after.action, 'allow');
      assert.equal(after.rule, '');
      assert.deepEqual(after.groups, []);
      b = await agentB.trigger('e2e');
      assert.equal(claudeOf(b, 'bob').rule, 'macs-notify', 'bob unchanged');
    } finally {
      for (const a of agents) await a.stop();
      const d = server.store.driver;
      if (d instanceof PostgresDriver) await d.dropSchema();
      await server.close();
      t.cleanup();
    }
  });
}
