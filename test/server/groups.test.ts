// Groups through the admin API on a real server: device groups by rule (platform, hostname glob,
// serial) and by label, user groups by OS login; versioned and audited; each device's signed
// memberships (its own groups and its people's, only those the policy names); the impact preview, the
// compliance report and the group reports evaluate the real fleet policy with those memberships.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { generateSigningKey } from '../../wire/src/bundle-signing.ts';
import { MembershipError, verifyMemberships, type SignedMemberships } from '../../wire/src/memberships.ts';
import { installBundleDistribution } from '../../server/src/bundle-distribution.ts';
import { WasmPolicyEvaluator } from '../../server/src/policy/wasm-evaluator.ts';
import { compileFleetPolicy } from '../../server/src/policy/fleet-policy.ts';
import type { Finding, Inventory } from '../../wire/src/inventory.ts';
import { EXAMPLE_LIST, STORE_KINDS, enroll, finding, http, inventory, pgNote, startFleet, type Fleet } from './helpers.ts';
import { transportCompile } from '../support/transport-bundle.ts';

type Json = Record<string, unknown>;
// The policy's content does not matter here (test/support/transport-bundle.ts).
const compile = transportCompile;

const LIST = {
  ...EXAMPLE_LIST,
  rules: [
    { id: 'contractor-claude', action: 'block', match: { tools: ['claude-code'], user_groups: ['Contractors'] } },
    { id: 'build-no-ai', action: 'quarantine', match: { device_groups: ['build-hosts'] } },
  ],
};

async function device(f: Fleet, hostname: string, platform: 'linux' | 'darwin' | 'win32', serial: string | null, findings: Finding[]): Promise<{ deviceId: string; credential: string }> {
  const d = await enroll(f.url, f.enrollSecret, hostname);
  const inv: Inventory = inventory(hostname, findings);
  inv.host.os.platform = platform;
  inv.host.serial = serial;
  inv.host.users = [...new Set(findings.map((x) => x.user).filter((u): u is string => u !== null))];
  const r = await http(f.url, 'POST', '/api/v1/agent/inventory', { token: d.credential, body: { kind: 'full', seq: 1, inventory: inv } });
  assert.equal(r.status, 200, r.text);
  return d;
}

for (const kind of STORE_KINDS) {
  test(`[${kind.name}] groups: rules and labels pick exactly their devices; memberships signed per device; preview and reports group-aware${pgNote}`, async () => {
    const wasm = compileFleetPolicy();
    const key = generateSigningKey();
    const f = await startFleet(kind, { evaluator: new WasmPolicyEvaluator(() => wasm) }, (app) => installBundleDistribution(app, { signingKey: key, compile }));
    try {
      const { url, tokens } = f;
      const mac = await device(f, 'mac-1', 'darwin', 'C02XYZ', [finding('claude-code', '2.0.1', { user: 'alice' })]);
      const b1 = await device(f, 'build-01', 'linux', null, [finding('claude-code', '2.0.1', { user: 'ci' })]);
      await device(f, 'Build-02', 'linux', null, [finding('qoder-cli', '0.9.0', { user: 'bob' })]);
      const laptop = await device(f, 'laptop-bob', 'win32', 'SN-42', [finding('claude-code', '2.0.1', { user: 'Bob' })]);
      await device(f, 'rebuild-box', 'linux', null, []);

      const create = (group: Json, why = 'test setup') => http(url, 'POST', '/api/v1/groups', { token: tokens['policy-editor'], body: { group, why } });
      let r = await create({ kind: 'device', name: 'macs', rule: { platforms: ['darwin'] } });
      assert.equal(r.status, 201, r.text);
      const macs = ((r.body as Json).group as Json).id as string;
      r = await create({ kind: 'device', name: 'build-hosts', rule: { hostnames: ['BUILD-*'] }, description: 'CI machines' });
      const builds = ((r.body as Json).group as Json).id as string;
      r = await create({ kind: 'device', name: 'tagged', rule: { serials: ['sn-42'] }, members: { devices: [laptop.deviceId, mac.deviceId] } });
      const tagged = ((r.body as Json).group as Json).id as string;
      r = await create({ kind: 'user', name: 'contractors', members: { logins: ['bob'] } });
      assert.equal(r.status, 201, r.text);
      const contractors = ((r.body as Json).group as Json).id as string;

      // Wrong input is refused and changes nothing.
      assert.equal((await create({ kind: 'user', name: 'CONTRACTORS' })).status, 409);
      assert.equal((await create({ kind: 'user', name: 'x', rule: { platforms: ['linux'] } })).status, 400);
      assert.equal((await create({ kind: 'device', name: 'y', members: { devices: ['no-such-device'] } })).status, 400);
      assert.equal((await create({ kind: 'device', name: 'z', rule: {} })).status, 400);
      assert.equal((await create({ kind: 'device', name: 'z', rule: { platforms: ['beos'] } })).status, 400);
      assert.equal((await http(url, 'POST', '/api/v1/groups', { token: tokens.auditor, body: { group: { kind: 'user', name: 'auditors-cannot' }, why: 'nope' } })).status, 403);
      assert.equal(((await http(url, 'GET', '/api/v1/groups', { token: tokens.auditor })).body as { groups: unknown[] }).groups.length, 4);

      // Each group holds exactly its devices.
      const devicesOf = async (id: string) => ((await http(url, 'GET', `/api/v1/groups/${id}`, { token: tokens.auditor })).body as { devices: { hostname: string; via: string }[] }).devices.map((d) => `${d.hostname}:${d.via}`).sort();
      assert.deepEqual(await devicesOf(macs), ['mac-1:rule']);
      assert.deepEqual(await devicesOf(builds), ['Build-02:rule', 'build-01:rule'], 'hostname globs are case-insensitive and anchored (rebuild-box is not in)');
      assert.deepEqual(await devicesOf(tagged), ['laptop-bob:label+rule', 'mac-1:label']);
      const preview = await http(url, 'POST', '/api/v1/groups/preview', { token: tokens.auditor, body: { group: { kind: 'device', name: 'draft', rule: { platforms: ['linux'], hostnames: ['*-0?'] } } } });
      assert.deepEqual((preview.body as { devices: { hostname: string }[] }).devices.map((d) => d.hostname).sort(), ['Build-02', 'build-01']);
      const agentRule = await http(url, 'POST', '/api/v1/groups/preview', { token: tokens.auditor, body: { group: { kind: 'device', name: 'draft', rule: { agent_version: { gte: '0.1.0', lt: '0.2.0' } } } } });
      assert.equal((agentRule.body as { devices: unknown[] }).devices.length, 5);

      // Versioned: a stale expect_version is refused; every change is in the history with its why.
      r = await http(url, 'PUT', `/api/v1/groups/${builds}`, { token: tokens['policy-editor'], body: { group: { kind: 'device', name: 'build-hosts', rule: { hostnames: ['build-*', 'ci-*'] } }, why: 'CI hosts too', expect_version: 1 } });
      assert.equal(r.status, 200, r.text);
      r = await http(url, 'PUT', `/api/v1/groups/${builds}`, { token: tokens['policy-editor'], body: { group: { kind: 'device', name: 'build-hosts', rule: { hostnames: ['*'] } }, why: 'stale', expect_version: 1 } });
      assert.equal(r.status, 409);
      assert.equal((r.body as Json).error, 'version_conflict');
      const hist = (await http(url, 'GET', `/api/v1/groups/history?group=${builds}`, { token: tokens.auditor })).body as { history: { op: string; version: number; why: string; by: string }[] };
      assert.deepEqual(hist.history.map((h) => [h.op, h.version, h.why, h.by]), [['update', 2, 'CI hosts too', 'user:policy-editor-user'], ['create', 1, 'test setup', 'user:policy-editor-user']]);
      assert.equal((await http(url, 'DELETE', `/api/v1/groups/${tagged}`, { token: tokens['policy-editor'] })).status, 400, 'a delete needs a why');

      // Publish the list that names groups (in other spellings: names compare without case).
      assert.equal((await http(url, 'PUT', '/api/v1/bans', { token: tokens['policy-editor'], body: { list: LIST, why: 'group rules' } })).status, 200);

      // Memberships: signed, for the asking device only, with its nonce, only the groups the policy names.
      const ask = async (cred: string, users: string[], nonce = randomBytes(16).toString('base64url')) => {
        const a = await http(url, 'POST', '/api/v1/agent/memberships', { token: cred, body: { nonce, users } });
        assert.equal(a.status, 200, a.text);
        return { env: a.body as SignedMemberships, nonce };
      };
      const lap = await ask(laptop.credential, ['Bob', 'alice']);
      const doc = verifyMemberships(lap.env, key.publicKeyPem, { deviceId: laptop.deviceId, nonce: lap.nonce });
      assert.deepEqual(doc.device_groups, [], "'tagged' holds this device but the policy does not name it");
      assert.deepEqual(doc.users, { Bob: ['Contractors'] }, "keyed as the device reported the login, spelled as the policy spells the group");
      const b1m = await ask(b1.credential, ['ci']);
      assert.deepEqual(verifyMemberships(b1m.env, key.publicKeyPem, { deviceId: b1.deviceId, nonce: b1m.nonce }).device_groups, ['build-hosts']);
      assert.throws(() => verifyMemberships(lap.env, key.publicKeyPem, { deviceId: b1.deviceId }), (e: unknown) => e instanceof MembershipError && e.problem === 'wrong_device');
      assert.throws(() => verifyMemberships(lap.env, key.publicKeyPem, { deviceId: laptop.deviceId, nonce: 'another-nonce-0000' }), (e: unknown) => e instanceof MembershipError && e.problem === 'wrong_nonce');
      const forged = { ...lap.env, payload: Buffer.from(Buffer.from(lap.env.payload, 'base64url').toString().replace('Contractors', 'Employees')).toString('base64url') };
      assert.throws(() => verifyMemberships(forged, key.publicKeyPem, { deviceId: laptop.deviceId }), (e: unknown) => e instanceof MembershipError && e.problem === 'bad_signature');
      assert.throws(() => verifyMemberships(lap.env, generateSigningKey().publicKeyPem, { deviceId: laptop.deviceId }), (e: unknown) => e instanceof MembershipError && e.problem === 'wrong_key');
      assert.equal((await http(url, 'POST', '/api/v1/agent/memberships', { token: laptop.credential, body: { nonce: 'short', users: [] } })).status, 400);
      assert.equal((await http(url, 'POST', '/api/v1/agent/memberships', { token: tokens.admin, body: { nonce: randomBytes(16).toString('base64url'), users: ['bob'] } })).status, 403);
      assert.equal((await http(url, 'POST', '/api/v1/agent/memberships', { token: laptop.credential, body: { nonce: randomBytes(16).toString('base64url'), users: Array.from({ length: 501 }, (_, i) => `u${i}`) } })).status, 400);

      // Impact preview of the list as if nothing were published yet: which findings change, and through which group.
      r = await http(url, 'POST', '/api/v1/bans/diff', { token: tokens.auditor, body: { list: { ...LIST, rules: [...LIST.rules, { id: 'macs-notify', action: 'notify', match: { device_groups: ['MACS'], tools: ['claude-code'] } }] } } });
      const impact = (r.body as { impact: { changes: { hostname: string; tool: string; to: string; groups: string[] }[]; by_group: Json } }).impact;
      assert.deepEqual(impact.changes.map((c) => [c.hostname, c.tool, c.to, c.groups.join(' ')]), [['mac-1', 'claude-code', 'notify', 'device:MACS']]);
      assert.deepEqual(impact.by_group, { 'device:MACS': { devices: 1, findings: 1 } });
      r = await http(url, 'POST', '/api/v1/bans/preview', { token: tokens.auditor, body: { list: { ...EXAMPLE_LIST, rules: [] } } });
      const back = r.body as { changes: { hostname: string; to: string }[] };
      assert.deepEqual(back.changes.map((c) => `${c.hostname}:${c.to}`).sort(), ['Build-02:allow', 'build-01:allow', 'laptop-bob:allow'], 'exactly the group-matched findings would be lifted');

      // Reports: who is out of compliance and through which group; people and devices per group.
      r = await http(url, 'GET', '/api/v1/reports/noncompliant-devices', { token: tokens.auditor });
      const nc = (r.body as { rows: { hostname: string; strictest_action: string; groups: string }[] }).rows.map((x) => [x.hostname, x.strictest_action, x.groups]).sort();
      assert.deepEqual(nc, [['Build-02', 'quarantine', 'device:build-hosts'], ['build-01', 'quarantine', 'device:build-hosts'], ['laptop-bob', 'block', 'user:Contractors']]);
      r = await http(url, 'GET', '/api/v1/reports/groups', { token: tokens.auditor });
      const summary = Object.fromEntries((r.body as { rows: { group: string; people: number | null; devices: number }[] }).rows.map((x) => [x.group, [x.people, x.devices]]));
      assert.deepEqual(summary, { contractors: [1, 2], macs: [null, 1], 'build-hosts': [null, 2], tagged: [null, 2] }, 'bob owns installs on Build-02 and laptop-bob');
      r = await http(url, 'GET', '/api/v1/reports/group-members?format=csv', { token: tokens.auditor });
      assert.match(r.text, /^kind,group,member_type,member_id,name,login,active,devices\r\n/);
      assert.match(r.text, /user,contractors,login,bob,bob,bob,,Build-02 laptop-bob\r\n/);

      // Removing bob from the group (by hand) takes laptop-bob out of the report at once.
      r = await http(url, 'PUT', `/api/v1/groups/${contractors}`, { token: tokens['policy-editor'], body: { group: { kind: 'user', name: 'contractors', members: { logins: [] } }, why: 'bob is staff now' } });
      assert.equal(r.status, 200, r.text);
      const after = await ask(laptop.credential, ['Bob']);
      assert.deepEqual(verifyMemberships(after.env, key.publicKeyPem, { deviceId: laptop.deviceId, nonce: after.nonce }).users, {});
      assert.equal((await http(url, 'DELETE', `/api/v1/groups/${tagged}?why=${encodeURIComponent('no longer needed')}`, { token: tokens['policy-editor'] })).status, 200);
      assert.equal((await http(url, 'GET', `/api/v1/groups/${tagged}`, { token: tokens.auditor })).status, 404);
      const audit = (await http(url, 'GET', '/api/v1/audit?action=group.delete', { token: tokens.auditor })).body as { entries: { target: string; detail: Json }[] };
      assert.equal(audit.entries[0]?.target, `group:${tagged}`);
      assert.equal(audit.entries[0]?.detail.why, 'no longer needed');
    } finally {
      await f.close();
    }
  });
}
