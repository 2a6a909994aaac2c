// A check-in repeating the status the server stored only moves last_seen_at, in one statement per
// batch (server/src/store/status-touch.ts); anything else — a changed status, a digest another node
// stored, a device sending what another device stored — takes the full path and is recorded as sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STORE_KINDS, enroll, http, pgNote, startFleet, type Fleet } from './helpers.ts';
import { openStore } from '../../server/src/store/open.ts';

interface DeviceRow {
  last_seen_at: number;
  status_json: string;
  status_hash: string | null;
  bundle_revision: string | null;
  bundle_applied_at: number | null;
  compliance: string | null;
}

const row = async (f: Fleet, id: string): Promise<DeviceRow> => {
  const r = await f.store.driver.get<DeviceRow>('SELECT last_seen_at, status_json, status_hash, bundle_revision, bundle_applied_at, compliance FROM devices WHERE id = ?', [id]);
  assert.ok(r, `device ${id} exists`);
  return {
    last_seen_at: Number(r.last_seen_at), status_json: r.status_json, status_hash: r.status_hash, bundle_revision: r.bundle_revision,
    bundle_applied_at: r.bundle_applied_at === null ? null : Number(r.bundle_applied_at), compliance: r.compliance,
  };
};
const healthEvents = async (f: Fleet, id: string): Promise<number> =>
  Number((await f.store.driver.get<{ n: unknown }>("SELECT COUNT(*) AS n FROM integration_events WHERE type = 'agent.health' AND device_id = ?", [id]))?.n);

/** From now on: batches of repeats run, check-ins they recorded, check-ins sent on to the full path. */
function countWrites(f: Fleet): () => { batches: number; recorded: number; missed: number } {
  const s0 = { ...f.store.statusTouches.stats };
  return () => {
    const s = f.store.statusTouches.stats;
    return { batches: s.batches - s0.batches, recorded: s.recorded - s0.recorded, missed: s.missed - s0.missed };
  };
}

const decision = (tool: string, action: string) => ({ finding: `${tool}:npm:alice`, tool, action, rule: 'r1', monitor: false, grace_until: null });

for (const kind of STORE_KINDS) {
  test(`status check-ins: a repeat only moves last_seen_at, a change is recorded in full (${kind.name})${pgNote}`, async () => {
    let clock = 1_800_000_000_000;
    const f = await startFleet(kind, { now: () => clock });
    try {
      const a = await enroll(f.url, f.enrollSecret, 'touch-a');
      const status = { bundle_revision: 'rev-1', agent_version: '1.0.0', errors: [], decisions: [decision('cursor', 'block')] };
      const post = async (cred: string, body: unknown) => {
        const r = await http(f.url, 'POST', '/api/v1/agent/status', { token: cred, body });
        assert.equal(r.status, 200, r.text);
      };

      await post(a.credential, status);
      const first = await row(f, a.deviceId);
      assert.equal(first.last_seen_at, clock);
      assert.equal(first.bundle_applied_at, clock);
      assert.equal(first.compliance, 'noncompliant');
      assert.match(first.status_hash ?? '', /^[A-Za-z0-9_-]{43}$/, 'the digest of what was stored');
      assert.equal(await healthEvents(f, a.deviceId), 1, 'first status: one health event');

      // The same status again: recorded by the batch of repeats; only last_seen_at moved.
      const writes = countWrites(f);
      clock += 60_000;
      await post(a.credential, status);
      assert.deepEqual(writes(), { batches: 1, recorded: 1, missed: 0 });
      const again = await row(f, a.deviceId);
      assert.equal(again.last_seen_at, clock);
      assert.deepEqual({ ...again, last_seen_at: first.last_seen_at }, first, 'nothing else changed');
      assert.equal(await healthEvents(f, a.deviceId), 1, 'no health event for a repeat');

      // A changed status (an error appeared) is recorded in full, with its health event.
      clock += 60_000;
      await post(a.credential, { ...status, errors: ['scan failed: EACCES'] });
      assert.deepEqual(writes(), { batches: 1, recorded: 1, missed: 1 }, 'the full path ran, without a check: this node knows the digest differs');
      const changed = await row(f, a.deviceId);
      assert.deepEqual(JSON.parse(changed.status_json).errors, ['scan failed: EACCES']);
      assert.notEqual(changed.status_hash, first.status_hash);
      assert.equal(changed.bundle_applied_at, first.bundle_applied_at, 'same revision: applied time kept');
      assert.equal(await healthEvents(f, a.deviceId), 2);

      // A new bundle revision (a rollout's acknowledgement) is recorded in full: applied time moves.
      clock += 60_000;
      await post(a.credential, { ...status, bundle_revision: 'rev-2' });
      const rolled = await row(f, a.deviceId);
      assert.equal(rolled.bundle_revision, 'rev-2');
      assert.equal(rolled.bundle_applied_at, clock);

      // Another device sending exactly what device A stored gets no shortcut: its own row holds no such
      // digest, so its status is recorded in full as its own.
      const b = await enroll(f.url, f.enrollSecret, 'touch-b');
      const before = writes().missed;
      await post(b.credential, { ...status, bundle_revision: 'rev-2' });
      assert.equal(writes().missed, before + 1, 'no shortcut for device B');
      const rb = await row(f, b.deviceId);
      assert.equal(rb.bundle_revision, 'rev-2');
      assert.equal(rb.compliance, 'noncompliant');
      assert.equal(rb.status_hash, rolled.status_hash, 'the digest is of the content only');
    } finally {
      await f.close();
    }
  });

  test(`status check-ins: another server node stored a different status meanwhile → the repeat is written in full (${kind.name})${pgNote}`, async () => {
    const f = await startFleet(kind);
    // A second node: its own store on the same database.
    const other = await openStore(kind.name === 'postgres' ? { database: process.env.WARDEN_TEST_PG_URL as string, pgSchema: f.pgSchema as string } : { dataDir: f.dir });
    try {
      const a = await enroll(f.url, f.enrollSecret, 'touch-node');
      const s1 = { bundle_revision: 'rev-1', agent_version: '1.0.0', errors: [] };
      assert.equal((await http(f.url, 'POST', '/api/v1/agent/status', { token: a.credential, body: s1 })).status, 200);
      await other.setDeviceStatus(a.deviceId, Date.now(), 'rev-0', { agent_version: '0.9.0', errors: ['old agent'] });
      assert.equal((await row(f, a.deviceId)).bundle_revision, 'rev-0', 'the other node wrote');
      // The device repeats s1 to this node: the stored digest is the other node's, so s1 is written again.
      const writes = countWrites(f);
      assert.equal((await http(f.url, 'POST', '/api/v1/agent/status', { token: a.credential, body: s1 })).status, 200);
      assert.deepEqual(writes(), { batches: 1, recorded: 0, missed: 1 });
      const r = await row(f, a.deviceId);
      assert.equal(r.bundle_revision, 'rev-1');
      assert.deepEqual(JSON.parse(r.status_json), { agent_version: '1.0.0', errors: [] });
    } finally {
      await other.close();
      await f.close();
    }
  });

  test(`status check-ins: 60 devices repeating their status at once share one statement, each keeps its own time (${kind.name})${pgNote}`, async () => {
    let clock = 1_800_000_000_000;
    const f = await startFleet(kind, { now: () => clock++ });
    try {
      const devices = await Promise.all(Array.from({ length: 60 }, (_, i) => enroll(f.url, f.enrollSecret, `touch-${i}`)));
      const body = (i: number) => ({ bundle_revision: 'rev-1', agent_version: '1.0.0', errors: i % 2 ? [] : [`error ${i}`] });
      for (const [i, d] of devices.entries()) assert.equal((await http(f.url, 'POST', '/api/v1/agent/status', { token: d.credential, body: body(i) })).status, 200);
      // Straight through the store (HTTP requests from one test process trickle in over many turns of the event loop).
      const writes = countWrites(f);
      const times = devices.map((_, i) => 1_900_000_000_000 + i);
      await Promise.all(devices.map((d, i) => f.store.setDeviceStatus(d.deviceId, times[i] as number, 'rev-1', { agent_version: '1.0.0', errors: body(i).errors })));
      assert.deepEqual(writes(), { batches: 1, recorded: 60, missed: 0 });
      for (const [i, d] of devices.entries()) assert.equal((await row(f, d.deviceId)).last_seen_at, times[i]);
    } finally {
      await f.close();
    }
  });

  test(`status check-ins: 40 devices acknowledging a rollout at once are written in full in one batch, a device twice in it in order (${kind.name})${pgNote}`, async () => {
    const f = await startFleet(kind);
    try {
      const devices = await Promise.all(Array.from({ length: 40 }, (_, i) => enroll(f.url, f.enrollSecret, `ack-${i}`)));
      const verdict = { compliance: 'noncompliant' as const, strictestAction: 'block' as const, bannedTools: ['cursor'] };
      await Promise.all(devices.map((d) => f.store.setDeviceStatus(d.deviceId, 1_000, 'rev-1', { agent_version: '1.0.0', errors: [] })));
      const events0 = await Promise.all(devices.map((d) => healthEvents(f, d.deviceId)));
      let transactions = 0;
      const real = f.store.driver.transaction.bind(f.store.driver);
      f.store.driver.transaction = (fn) => {
        transactions++;
        return real(fn);
      };
      const writes = countWrites(f);
      const first = devices[0]!.deviceId;
      await Promise.all([
        ...devices.map((d, i) => f.store.setDeviceStatus(d.deviceId, 2_000 + i, 'rev-2', { agent_version: '1.0.0', errors: [] }, i % 2 ? verdict : undefined)),
        f.store.setDeviceStatus(first, 3_000, 'rev-3', { agent_version: '1.0.0', errors: [] }),
      ]);
      assert.equal(writes().missed, 41, 'every acknowledgement changed something');
      // SQLite: the repeats' check (one transaction), the batch, the second write of the device that came twice; PostgreSQL: the last two.
      assert.ok(transactions <= 3, `${transactions} transactions for 41 writes`);
      for (const [i, d] of devices.entries()) {
        const r = await row(f, d.deviceId);
        if (i === 0) {
          assert.deepEqual([r.bundle_revision, r.bundle_applied_at, r.last_seen_at], ['rev-3', 3_000, 3_000], 'the later write of the same device wins');
          assert.equal(await healthEvents(f, d.deviceId), (events0[i] as number) + 2);
          continue;
        }
        assert.deepEqual([r.bundle_revision, r.bundle_applied_at, r.last_seen_at], ['rev-2', 2_000 + i, 2_000 + i]);
        assert.equal(r.compliance, i % 2 ? 'noncompliant' : null, 'verdict columns only where decisions were reported');
        assert.equal(await healthEvents(f, d.deviceId), (events0[i] as number) + 1, `one health event for ${d.deviceId}`);
      }
    } finally {
      await f.close();
    }
  });

  test(`applied on the push socket: 30 devices at once in one batch — revision, applied time and last seen move, the status stays, the next check-in is written in full (${kind.name})${pgNote}`, async () => {
    const f = await startFleet(kind);
    try {
      const devices = await Promise.all(Array.from({ length: 30 }, (_, i) => enroll(f.url, f.enrollSecret, `applied-${i}`)));
      const verdict = { compliance: 'noncompliant' as const, strictestAction: 'block' as const, bannedTools: ['cursor'] };
      const status = { agent_version: '1.0.0', errors: ['scan: EACCES'] };
      await Promise.all(devices.map((d) => f.store.setDeviceStatus(d.deviceId, 1_000, 'rev-1', status, verdict)));
      const before = await Promise.all(devices.map((d) => row(f, d.deviceId)));
      const events0 = await Promise.all(devices.map((d) => healthEvents(f, d.deviceId)));
      let transactions = 0;
      const real = f.store.driver.transaction.bind(f.store.driver);
      f.store.driver.transaction = (fn) => {
        transactions++;
        return real(fn);
      };
      // Device 0 acknowledges the revision it already reported: nothing but last_seen_at moves.
      await Promise.all(devices.map((d, i) => f.store.recordBundleApplied(d.deviceId, 2_000 + i, i === 0 ? 'rev-1' : 'rev-2')));
      assert.equal(transactions, 1, 'one transaction for the batch');
      f.store.driver.transaction = real;
      for (const [i, d] of devices.entries()) {
        const r = await row(f, d.deviceId);
        const b = before[i] as DeviceRow;
        assert.equal(r.last_seen_at, 2_000 + i);
        assert.equal(r.status_json, b.status_json, 'the status the last check-in reported stays');
        assert.equal(r.compliance, 'noncompliant', 'and its verdict');
        if (i === 0) {
          assert.deepEqual([r.bundle_revision, r.bundle_applied_at, r.status_hash], ['rev-1', 1_000, b.status_hash], 'same revision: applied time and digest kept');
          assert.equal(await healthEvents(f, d.deviceId), events0[i]);
          continue;
        }
        assert.deepEqual([r.bundle_revision, r.bundle_applied_at, r.status_hash], ['rev-2', 2_000 + i, ''], 'the digest described the old revision: emptied');
        assert.equal(await healthEvents(f, d.deviceId), (events0[i] as number) + 1, 'one health event for the new revision');
      }
      const last = await f.store.driver.get<{ data_json: string }>("SELECT data_json FROM integration_events WHERE type = 'agent.health' AND device_id = ? ORDER BY seq DESC LIMIT 1", [devices[1]!.deviceId]);
      const data = JSON.parse(String(last?.data_json)) as Record<string, unknown>;
      assert.deepEqual([data.bundle_revision, data.previous_bundle_revision, data.errors, data.compliance], ['rev-2', 'rev-1', ['scan: EACCES'], 'noncompliant']);

      // The agent's next check-in, its status otherwise unchanged: written in full (not taken for a repeat), digest stored again.
      const writes = countWrites(f);
      await f.store.setDeviceStatus(devices[1]!.deviceId, 5_000, 'rev-2', status, verdict);
      assert.equal(writes().recorded, 0);
      const after = await row(f, devices[1]!.deviceId);
      assert.match(after.status_hash ?? '', /^[A-Za-z0-9_-]{43}$/);
      assert.deepEqual([after.bundle_revision, after.bundle_applied_at, after.last_seen_at], ['rev-2', 2_001, 5_000]);
      assert.equal(await healthEvents(f, devices[1]!.deviceId), (events0[1] as number) + 1, 'no second health event: nothing changed since the applied frame');
    } finally {
      await f.close();
    }
  });
}
