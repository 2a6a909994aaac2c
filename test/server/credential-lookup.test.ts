// Device credentials verified on every request (authCacheMs 0: what agents checking in every minute or
// more always meet in production). On PostgreSQL the lookups arriving together share one query
// (server/src/store/credential-lookup.ts); each still sees the database as it is: 40 devices checking
// in at once are each accepted as themselves, a wrong secret or an unknown credential is refused, and
// a device revoked a moment ago is refused on its next request — nothing is remembered between batches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STORE_KINDS, enroll, http, pgNote, startFleet } from './helpers.ts';

for (const kind of STORE_KINDS) {
  test(`credentials verified on every request: gathered lookups, each device itself, revocation seen at once (${kind.name})${pgNote}`, async () => {
    const f = await startFleet(kind, { authCacheMs: 0 });
    try {
      const devices = await Promise.all(Array.from({ length: 40 }, (_, i) => enroll(f.url, f.enrollSecret, `cred-${i}`)));
      const stats0 = { ...(f.store.credentialLookups?.stats ?? { queries: 0, lookups: 0 }) };
      const status = (rev: string) => ({ bundle_revision: rev, agent_version: '1.0.0', errors: [] });
      const answers = await Promise.all(devices.map((d, i) => http(f.url, 'POST', '/api/v1/agent/status', { token: d.credential, body: status(`rev-${i}`) })));
      assert.deepEqual(answers.map((a) => a.status), devices.map(() => 200));
      for (const [i, d] of devices.entries()) assert.equal((await f.store.getDevice(d.deviceId))?.bundleRevision, `rev-${i}`, 'recorded for the device its credential names');
      if (f.store.credentialLookups) {
        const s = f.store.credentialLookups.stats;
        assert.equal(s.lookups - stats0.lookups, 40);
        assert.ok(s.queries - stats0.queries < 40, `${s.queries - stats0.queries} queries for 40 lookups`);
      } else assert.equal(kind.name, 'sqlite', 'PostgreSQL gathers its lookups');

      // Wrong secret, unknown credential, and a revoked device, all in one burst with valid ones.
      const d0 = devices[0]!;
      const [prefix, id] = d0.credential.split('.');
      const wrongSecret = `${prefix}.${id}.${'A'.repeat(43)}`;
      const unknown = `${prefix}.${'0'.repeat(24)}.${'A'.repeat(43)}`;
      const revoked = devices[1]!;
      const r = await http(f.url, 'POST', `/api/v1/devices/${revoked.deviceId}/revoke`, { token: f.tokens.admin });
      assert.equal(r.status, 200, r.text);
      const burst = await Promise.all([wrongSecret, unknown, revoked.credential, devices[2]!.credential, devices[3]!.credential].map((token) => http(f.url, 'POST', '/api/v1/agent/status', { token, body: status('rev-x') })));
      assert.deepEqual(burst.map((b) => b.status), [401, 401, 401, 200, 200]);
      assert.equal((await f.store.getDevice(revoked.deviceId))?.bundleRevision, 'rev-1', 'nothing recorded for the revoked device');
    } finally {
      await f.close();
    }
  });
}
