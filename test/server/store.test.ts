// The repository contract, run unchanged against SQLite and PostgreSQL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STORE_KINDS, pgNote } from './helpers.ts';
import type { InventoryRow, Repository } from '../../server/src/store/types.ts';

const item = (key: string, version = '1.0.0'): InventoryRow => ({ key, toolId: key.split(':')[0]!, name: key, vendor: 'V', version, kind: 'npm', detail: { tool_id: key } });

async function device(store: Repository, hw: string): Promise<string> {
  const r = await store.enrollDevice({ newId: `dev-${hw}`, hardwareId: hw, hostname: hw, platform: 'linux', agentVersion: '1', credentialId: `cred-${hw}`, credentialHash: 'h', enrolledAt: 1 }, null);
  assert.ok('device' in r);
  return r.device.id;
}

for (const kind of STORE_KINDS) {
  test(`[${kind.name}] repository contract${pgNote}`, async () => {
    const { store, cleanup } = await kind.open();
    try {
      await store.migrate(); // a second start migrates nothing and fails nothing
      assert.equal(await store.banRevision(), 0);

      // Enrollment: re-enroll keeps the id; a revoked device needs a one-time token, used once.
      const d1 = await device(store, 'hw-1');
      const again = await store.enrollDevice({ newId: 'other', hardwareId: 'hw-1', hostname: 'renamed', platform: 'linux', agentVersion: '2', credentialId: 'cred-new', credentialHash: 'h2', enrolledAt: 2 }, null);
      assert.ok('device' in again && again.device.id === d1 && again.reenrolled && again.device.hostname === 'renamed');
      assert.equal(await store.getDeviceByCredentialId('cred-hw-1'), null, 'the old credential id is gone');
      assert.ok(await store.revokeDevice(d1, 3));
      assert.ok(!(await store.revokeDevice(d1, 3)), 'revoking twice reports nothing to do');
      assert.deepEqual(await store.enrollDevice({ newId: 'x', hardwareId: 'hw-1', hostname: 'h', platform: 'linux', agentVersion: '1', credentialId: 'c3', credentialHash: 'h', enrolledAt: 4 }, null), { refused: 'revoked' });
      await store.createEnrollToken({ id: 'et1', secretHash: 'h', createdBy: 'admin', createdAt: 1, expiresAt: 10_000, usedAt: null, usedByDevice: null, note: '' });
      const tokenEnroll = (cred: string) => store.enrollDevice({ newId: 'x', hardwareId: 'hw-1', hostname: 'h', platform: 'linux', agentVersion: '1', credentialId: cred, credentialHash: 'h', enrolledAt: 5 }, 'et1');
      // Two enrollments race for one token: exactly one wins.
      const [r1, r2] = await Promise.all([tokenEnroll('c4'), tokenEnroll('c5')]);
      assert.equal([r1, r2].filter((r) => 'device' in r).length, 1);
      assert.deepEqual([r1, r2].find((r) => 'refused' in r), { refused: 'token-used' });
      assert.equal((await store.getDevice(d1))?.state, 'active');

      // Inventory: full replaces, deltas apply on their base only, stale and re-sent uploads change nothing.
      const d2 = await device(store, 'hw-2');
      assert.equal(await store.replaceInventory(d2, 1, [item('a:npm:u'), item('b:npm:u')], 10), 'ok');
      assert.equal(await store.applyInventoryDelta(d2, 0, 2, [item('c:npm:u')], [], 11), 'gap');
      assert.equal(await store.applyInventoryDelta(d2, 1, 2, [item('a:npm:u', '2.0.0'), item('c:npm:u')], ['b:npm:u'], 11), 'ok');
      assert.equal(await store.applyInventoryDelta(d2, 1, 2, [item('a:npm:u', '2.0.0'), item('c:npm:u')], ['b:npm:u'], 11), 'ok', 're-sent delta');
      assert.equal(await store.replaceInventory(d2, 1, [], 12), 'stale');
      assert.deepEqual((await store.getInventory(d2)).map((r) => [r.key, r.version]), [['a:npm:u', '2.0.0'], ['c:npm:u', '1.0.0']]);
      assert.equal((await store.getDevice(d2))?.inventorySeq, 2);
      const many = await store.getInventories([d2, d1, 'no-such-device']);
      assert.deepEqual([...many.entries()].map(([id, rows]) => [id, rows.length]), [[d2, 2], [d1, 0], ['no-such-device', 0]]);
      const byTool = await store.inventoryReport('tool');
      assert.deepEqual(byTool.map((r) => [r.tool_id, r.devices, r.installs]), [['a', 1, 1], ['c', 1, 1]]);
      // Reports are cached until the fleet's inventory changes (inventory-rollup.ts): a delta shows at once.
      assert.equal(await store.applyInventoryDelta(d2, 2, 3, [item('d:npm:u', '3.0.0')], ['c:npm:u'], 14), 'ok');
      assert.deepEqual((await store.inventoryReport('version')).map((r) => [r.tool_id, r.version, r.devices]), [['a', '2.0.0', 1], ['d', '3.0.0', 1]]);

      // Concurrency: first enrollments of one machine racing, and full uploads racing, never fail.
      const racing = await Promise.all([1, 2, 3].map((n) => store.enrollDevice({ newId: `race-${n}`, hardwareId: 'hw-race', hostname: 'r', platform: 'linux', agentVersion: '1', credentialId: `rc-${n}`, credentialHash: 'h', enrolledAt: 6 }, null)));
      const ids = racing.map((r) => ('device' in r ? r.device.id : 'refused'));
      assert.equal(new Set(ids).size, 1, `one device for one machine: ${ids.join(',')}`);
      const raceDev = ids[0]!;
      const results = await Promise.all([3, 4, 5].map((seq) => store.replaceInventory(raceDev, seq, [item('a:npm:u'), item(`s${seq}:npm:u`)], 13)));
      assert.ok(results.every((r) => r === 'ok' || r === 'stale'), results.join(','));
      assert.deepEqual((await store.getInventory(raceDev)).map((r) => r.key), ['a:npm:u', 's5:npm:u'], 'the newest upload wins whole, never a mix');
      assert.equal((await store.getDevice(raceDev))?.inventorySeq, 5);

      // Events: idempotent per batch and per event id; atomic per batch.
      const ev = (id: string) => ({ eventId: id, at: 1, kind: 'kill', toolId: 'a', action: 'block', detail: { id } });
      assert.deepEqual(await store.insertEvents(d2, 'b1', [ev('e1'), ev('e2')], 20), { stored: 2, duplicate: false });
      assert.deepEqual(await store.insertEvents(d2, 'b1', [ev('e1'), ev('e2')], 21), { stored: 2, duplicate: true });
      assert.deepEqual(await store.insertEvents(d2, 'b2', [ev('e2'), ev('e3'), ev('e3')], 22), { stored: 1, duplicate: false }, 'event ids already stored are skipped');
      assert.equal(await store.countEvents(), 3);
      // 120 events in one batch cross the 50-row statement chunks.
      assert.equal((await store.insertEvents(d2, 'big', Array.from({ length: 120 }, (_, i) => ev(`big-${i}`)), 23)).stored, 120);
      assert.equal((await store.queryEvents({ deviceId: d2, limit: 1000 })).length, 123);

      // Ban list: changes are versioned, revisions compare-and-set, concurrent publishers serialize.
      const rule = (id: string, action = 'block') => ({ id, action, match: { tools: [id] } });
      assert.deepEqual(await store.changeBans([{ op: 'create', id: 'r1', entry: rule('r1'), why: 'w' }], 'u', 30), { revision: 1 });
      assert.deepEqual(await store.changeBans([{ op: 'create', id: 'r1', entry: rule('r1'), why: 'w' }], 'u', 31), { exists: 'r1' });
      assert.deepEqual(await store.changeBans([{ op: 'update', id: 'zz', entry: rule('zz'), why: 'w' }], 'u', 31), { missing: 'zz' });
      assert.equal(await store.banRevision(), 1, 'refused changes roll back the revision bump');
      assert.equal(await store.changeBans([{ op: 'update', id: 'r1', entry: rule('r1', 'warn'), why: 'w2' }], 'u', 32, 0), 'conflict');
      const racers = await Promise.all([1, 2, 3, 4].map((n) => store.changeBans([{ op: 'create', id: `p${n}`, entry: rule(`p${n}`), why: 'race' }], 'u', 33, 1)));
      assert.equal(racers.filter((r) => typeof r === 'object' && 'revision' in r).length, 1, 'one publisher wins a compare-and-set race');
      assert.equal(await store.banRevision(), 2);
      assert.deepEqual(await store.changeBans([{ op: 'delete', id: 'r1', entry: null, why: 'gone' }], 'u', 34), { revision: 3 });
      const hist = await store.banHistory('r1');
      assert.deepEqual(hist.map((h) => [h.revision, h.op, h.version]), [[3, 'delete', 2], [1, 'create', 1]]);

      // Exceptions: decided once; approved ones expire.
      await store.createException({ id: 'x1', deviceId: d2, toolId: 'a', reason: 'r', requestedBy: 'e', requestedAt: 40, state: 'pending', decidedBy: null, decidedAt: null, decisionNote: null, expiresAt: null });
      assert.ok(await store.decideException('x1', 'approved', 'u', 41, 'ok', 100));
      assert.ok(!(await store.decideException('x1', 'denied', 'u', 42, 'no', null)));
      assert.deepEqual(await store.expireExceptions(99), []);
      assert.deepEqual((await store.expireExceptions(100)).map((e) => [e.id, e.state]), [['x1', 'expired']]);
      assert.equal(await store.bumpCounter('c'), 1);
      assert.equal(await store.bumpCounter('c'), 2);

      // The audit log is append-only in the database itself.
      await store.appendAudit({ at: 50, actor: 'u', action: 'a', target: 't', detail: { k: 1 }, ip: '127.0.0.1' });
      assert.deepEqual((await store.listAudit()).map((a) => [a.actor, a.action, a.detail]), [['u', 'a', { k: 1 }]]);
    } finally {
      await cleanup();
    }
  });
}

test(`cross-node notifications: LISTEN/NOTIFY on PostgreSQL, in-process on SQLite${pgNote}`, async () => {
  for (const kind of STORE_KINDS) {
    const { store, cleanup } = await kind.open();
    try {
      const got: string[] = [];
      const stop = await store.driver.listen('warden_test', (p) => got.push(p));
      await store.driver.notify('warden_test', `hello-${kind.name}`);
      for (let i = 0; i < 100 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      await stop();
      assert.deepEqual(got, [`hello-${kind.name}`]);
    } finally {
      await cleanup();
    }
  }
});
