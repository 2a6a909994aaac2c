// The whole server loop on a real server over loopback, on SQLite and on PostgreSQL:
// enroll → inventory (full, delta) → events (plain and gzip, re-sent) → status → reports, plus the
// ban-list, exception and revocation workflows and the audit trail they leave.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { expireExceptions } from '../../server/src/app.ts';
import { STORE_KINDS, EXAMPLE_LIST, enroll, event, finding, http, inventory, pgNote, startFleet } from './helpers.ts';

for (const kind of STORE_KINDS) {
  test(`[${kind.name}] enroll → inventory → events → reports${pgNote}`, async () => {
    let clock = Date.now();
    const f = await startFleet(kind, { now: () => clock });
    try {
      const { url, tokens } = f;
      const a = await enroll(url, f.enrollSecret, 'alice-laptop');
      // Device B enrolls with a one-time token instead of the fleet secret.
      const et = await http(url, 'POST', '/api/v1/enroll-tokens', { token: tokens.admin, body: { note: 'bob' } });
      assert.equal(et.status, 201, et.text);
      const oneTime = (et.body as { token: string }).token;
      const rb = await http(url, 'POST', '/api/v1/enroll', { body: { enroll_token: oneTime, hardware_id: 'hw-bob-000001', hostname: 'bob-desktop', platform: 'linux', agent_version: '0.1.0' } });
      assert.equal(rb.status, 200, rb.text);
      const b = rb.body as { device_id: string; credential: string };
      const again = await http(url, 'POST', '/api/v1/enroll', { body: { enroll_token: oneTime, hardware_id: 'hw-other-0001', hostname: 'x', platform: 'linux', agent_version: '0.1.0' } });
      assert.equal(again.status, 401, 'a one-time token works once');
      assert.match((again.body as { message: string }).message, /already used/);

      // Inventory: full uploads, then a delta on A.
      let r = await http(url, 'POST', '/api/v1/agent/inventory', { token: a.credential, body: { kind: 'full', seq: 1, inventory: inventory('alice-laptop', [finding('claude-code', '2.0.1'), finding('qoder-cli', '0.9.0')]) } });
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.body, { result: 'ok', seq: 1, items: 2 });
      r = await http(url, 'POST', '/api/v1/agent/inventory', { token: b.credential, body: { kind: 'full', seq: 1, inventory: inventory('bob-desktop', [finding('cursor', '1.2.0', { channel: 'app', user: null })]) } });
      assert.equal(r.status, 200, r.text);
      r = await http(url, 'POST', '/api/v1/agent/inventory', { token: a.credential, body: { kind: 'delta', seq: 3, base_seq: 2, upserts: [], removed: [] } });
      assert.equal(r.status, 409, 'a delta on top of a seq the server does not hold is refused');
      assert.match((r.body as { message: string }).message, /send a full inventory/);
      r = await http(url, 'POST', '/api/v1/agent/inventory', { token: a.credential, body: { kind: 'delta', seq: 2, base_seq: 1, upserts: [finding('github-copilot', '1.250.0', { channel: 'vscode_extension' })], removed: ['qoder-cli:npm:alice'] } });
      assert.equal(r.status, 200, r.text);
      r = await http(url, 'POST', '/api/v1/agent/inventory', { token: a.credential, body: { kind: 'full', seq: 1, inventory: inventory('renamed-by-stale-upload', []) } });
      assert.deepEqual(r.body, { result: 'stale', seq: 1, items: 0 }, 'an older full upload arriving late changes nothing');
      assert.equal((await f.store.getDevice(a.deviceId))?.hostname, 'alice-laptop');
      // A renamed machine: the next full inventory carries the new name into the reports.
      r = await http(url, 'POST', '/api/v1/agent/inventory', { token: b.credential, body: { kind: 'full', seq: 2, inventory: inventory('bob-workstation', [finding('cursor', '1.2.0', { channel: 'app', user: null })]) } });
      assert.equal((await f.store.getDevice(b.device_id))?.hostname, 'bob-workstation');
      r = await http(url, 'POST', '/api/v1/agent/inventory', { token: b.credential, body: { kind: 'full', seq: 3, inventory: inventory('bob-desktop', [finding('cursor', '1.2.0', { channel: 'app', user: null })]) } });

      // Events: a plain batch, a gzip batch, and a re-sent batch (stored once).
      const batchA = [event('claude-code'), event('claude-code', 'notice', { action: 'warn' }), event('claude-code', 'kill', { action: 'block' })];
      r = await http(url, 'POST', '/api/v1/agent/events', { token: a.credential, body: { batch_id: 'a-1', events: batchA } });
      assert.deepEqual(r.body, { batch_id: 'a-1', stored: 3, duplicate: false });
      r = await http(url, 'POST', '/api/v1/agent/events', { token: a.credential, body: { batch_id: 'a-1', events: batchA } });
      assert.deepEqual(r.body, { batch_id: 'a-1', stored: 3, duplicate: true });
      const gz = gzipSync(Buffer.from(JSON.stringify({ batch_id: 'b-1', events: [event('cursor', 'decision', { action: 'observe', result: 'monitor' })] })));
      r = await http(url, 'POST', '/api/v1/agent/events', { token: b.credential, raw: gz, headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } });
      assert.equal(r.status, 200, r.text);
      assert.equal((r.body as { stored: number }).stored, 1);
      r = await http(url, 'POST', '/api/v1/agent/status', { token: a.credential, body: { bundle_revision: '1.0', agent_version: '0.1.0', errors: [] } });
      assert.equal(r.status, 200, r.text);

      // What the admin sees.
      r = await http(url, 'GET', '/api/v1/reports/inventory-by-tool', { token: tokens.auditor });
      assert.equal(r.status, 200, r.text);
      const byTool = (r.body as { rows: { tool_id: string; devices: number }[] }).rows;
      assert.deepEqual(byTool.map((x) => [x.tool_id, x.devices]).sort(), [['claude-code', 1], ['cursor', 1], ['github-copilot', 1]]);
      r = await http(url, 'GET', '/api/v1/reports/inventory-by-device?format=csv', { token: tokens.auditor });
      assert.equal(r.status, 200);
      assert.match(r.headers.get('content-type') ?? '', /text\/csv/);
      const lines = r.text.trim().split('\r\n');
      assert.equal(lines[0], 'device_id,hostname,platform,tools,installs');
      assert.deepEqual(lines.slice(1).map((l) => l.split(',').slice(1).join(',')).sort(), ['alice-laptop,linux,2,2', 'bob-desktop,linux,1,1']);
      r = await http(url, 'GET', '/api/v1/reports/inventory-by-vendor?format=json', { token: tokens['policy-editor'] });
      assert.deepEqual((r.body as { rows: { vendor: string }[] }).rows.map((x) => x.vendor).sort(), ['Anthropic PBC', 'Anysphere, Inc.', 'GitHub (Microsoft)'], 'vendors are named from the catalog');
      r = await http(url, 'GET', `/api/v1/events?device=${a.deviceId}`, { token: tokens.auditor });
      assert.equal((r.body as { events: unknown[] }).events.length, 3);
      r = await http(url, 'GET', '/api/v1/inventory?tool=claude-code', { token: tokens.auditor });
      assert.deepEqual((r.body as { items: { hostname: string; version: string }[] }).items.map((x) => [x.hostname, x.version]), [['alice-laptop', '2.0.1']]);
      r = await http(url, 'GET', `/api/v1/devices/${a.deviceId}`, { token: tokens.auditor });
      assert.equal((r.body as { bundle_revision: string }).bundle_revision, '1.0');
      assert.ok(!r.text.includes('credential'), 'device records never show credential material');

      // Ban list: an editor publishes, the change is announced, versioned with who/why; auditors cannot.
      const announced: string[] = [];
      f.app.warden.banlist.on('change', ({ snapshot }) => announced.push(snapshot.revision));
      r = await http(url, 'PUT', '/api/v1/bans', { token: tokens.auditor, body: { list: EXAMPLE_LIST, why: 'try' } });
      assert.equal(r.status, 403);
      r = await http(url, 'PUT', '/api/v1/bans', { token: tokens['policy-editor'], body: { list: EXAMPLE_LIST, why: 'ban Claude Code (ticket SEC-12)' } });
      assert.equal(r.status, 200, r.text);
      assert.equal((r.body as { ban_revision: number }).ban_revision, 1);
      assert.deepEqual(announced, ['1.0']);
      r = await http(url, 'PUT', '/api/v1/bans', { token: tokens['policy-editor'], body: { list: EXAMPLE_LIST, why: 'stale', expect_revision: 0 } });
      assert.equal(r.status, 409, 'compare-and-set on the revision');
      r = await http(url, 'PUT', '/api/v1/bans/rules/ban-claude-code', { token: tokens.admin, body: { rule: { id: 'ban-claude-code', action: 'block', match: { tools: ['claude-code'] } }, why: 'softer: block instead of quarantine', expect_version: 1 } });
      assert.equal(r.status, 200, r.text);
      r = await http(url, 'GET', '/api/v1/bans/history?entry=ban-claude-code', { token: tokens.auditor });
      const hist = (r.body as { history: { version: number; op: string; by: string; why: string }[] }).history;
      assert.deepEqual(hist.map((h) => [h.version, h.op, h.by, h.why]), [
        [2, 'update', 'user:admin-user', 'softer: block instead of quarantine'],
        [1, 'create', 'user:policy-editor-user', 'ban Claude Code (ticket SEC-12)'],
      ]);
      r = await http(url, 'GET', '/api/v1/bans', { token: tokens.auditor });
      const cur = (r.body as { list: { rules: { id: string; action: string }[] } }).list;
      assert.deepEqual(cur.rules.map((x) => [x.id, x.action]), [['ban-claude-code', 'block'], ['allow-qoder', 'allow']]);

      // Exceptions: employee asks, editor approves until a time, the sweep expires it.
      r = await http(url, 'POST', '/api/v1/agent/exceptions', { token: a.credential, body: { tool: 'claude-code', reason: 'customer project needs it until Friday', local_user: 'alice' } });
      assert.equal(r.status, 201, r.text);
      const exId = (r.body as { id: string }).id;
      r = await http(url, 'POST', `/api/v1/exceptions/${exId}/approve`, { token: tokens.auditor, body: { expires_at: new Date(clock + 3600_000).toISOString(), note: 'ok' } });
      assert.equal(r.status, 403);
      r = await http(url, 'POST', `/api/v1/exceptions/${exId}/approve`, { token: tokens['policy-editor'], body: { expires_at: new Date(clock + 3600_000).toISOString(), note: 'until Friday' } });
      assert.equal(r.status, 200, r.text);
      r = await http(url, 'GET', '/api/v1/bans', { token: tokens.auditor });
      const granted = (r.body as { list: { exceptions: { tool: string; device: string }[] } }).list.exceptions;
      assert.deepEqual(granted.map((e) => [e.tool, e.device]), [['claude-code', a.deviceId]], 'an approved exception ships in the list');
      r = await http(url, 'POST', `/api/v1/exceptions/${exId}/deny`, { token: tokens.admin, body: { note: 'too late' } });
      assert.equal(r.status, 409, 'decided exceptions stay decided');
      clock += 2 * 3600_000;
      assert.equal(await expireExceptions(f.app), 1);
      r = await http(url, 'GET', '/api/v1/agent/exceptions', { token: a.credential });
      assert.deepEqual((r.body as { exceptions: { state: string }[] }).exceptions.map((e) => e.state), ['expired']);
      r = await http(url, 'GET', '/api/v1/reports/exceptions?format=csv', { token: tokens.auditor });
      assert.match(r.text, new RegExp(`alice-laptop,claude-code,expired,customer project needs it until Friday,device:${a.deviceId},alice,`));
      r = await http(url, 'GET', '/api/v1/bans', { token: tokens.auditor });
      assert.equal((r.body as { list: { exceptions: unknown[] } }).list.exceptions.length, 0, 'expired exceptions leave the list');

      // Revocation: the credential stops at once; the secret cannot bring the machine back, a token can.
      r = await http(url, 'POST', `/api/v1/devices/${b.device_id}/revoke`, { token: tokens['policy-editor'] });
      assert.equal(r.status, 403, 'only admins revoke');
      r = await http(url, 'POST', `/api/v1/devices/${b.device_id}/revoke`, { token: tokens.admin });
      assert.equal(r.status, 200, r.text);
      r = await http(url, 'POST', '/api/v1/agent/status', { token: b.credential, body: { bundle_revision: null, agent_version: '0.1.0', errors: [] } });
      assert.equal(r.status, 401);
      r = await http(url, 'POST', '/api/v1/enroll', { body: { enroll_secret: f.enrollSecret, hardware_id: 'hw-bob-000001', hostname: 'bob-desktop', platform: 'linux', agent_version: '0.1.0' } });
      assert.equal(r.status, 403);
      const et2 = ((await http(url, 'POST', '/api/v1/enroll-tokens', { token: tokens.admin, body: { note: 'bob again' } })).body as { token: string }).token;
      r = await http(url, 'POST', '/api/v1/enroll', { body: { enroll_token: et2, hardware_id: 'hw-bob-000001', hostname: 'bob-desktop', platform: 'linux', agent_version: '0.1.1' } });
      assert.equal(r.status, 200, r.text);
      assert.equal((r.body as { device_id: string }).device_id, b.device_id, 're-enrollment keeps the device id');
      assert.equal((r.body as { reenrolled: boolean }).reenrolled, true);

      // Re-enrolling A replaces its credential: the old one stops working.
      const a2 = await enroll(url, f.enrollSecret, 'alice-laptop', a.hardwareId);
      assert.equal(a2.deviceId, a.deviceId);
      assert.equal((await http(url, 'POST', '/api/v1/agent/status', { token: a.credential, body: { bundle_revision: null, agent_version: '0.1.0', errors: [] } })).status, 401);
      assert.equal((await http(url, 'POST', '/api/v1/agent/status', { token: a2.credential, body: { bundle_revision: null, agent_version: '0.1.0', errors: [] } })).status, 200);

      // The audit trail names who did what, and cannot be rewritten.
      r = await http(url, 'GET', '/api/v1/audit?limit=1000', { token: tokens.auditor });
      const actions = (r.body as { entries: { action: string; actor: string }[] }).entries.map((e) => `${e.actor} ${e.action}`);
      for (const want of ['user:policy-editor-user ban.create', 'user:admin-user ban.update', 'user:policy-editor-user exception.approve', 'system exception.expire', 'user:admin-user device.revoke', 'user:admin-user enroll_token.create']) {
        assert.ok(actions.includes(want), `audit log has '${want}'`);
      }
      assert.equal((await http(url, 'GET', '/api/v1/audit', { token: tokens['policy-editor'] })).status, 403);
      await assert.rejects(f.store.driver.run('DELETE FROM audit_log'), /append-only/);
      await assert.rejects(f.store.driver.run("UPDATE audit_log SET actor = 'nobody'"), /append-only/);

      r = await http(url, 'GET', '/metrics', { token: tokens.auditor });
      assert.match(r.text, /^warden_devices 2$/m);
      assert.match(r.text, /^warden_events_ingested_total 4$/m);
    } finally {
      await f.close();
    }
  });
}
