// Two server nodes on one PostgreSQL: what one node writes, the other serves, and a revocation made
// on one node is refused by the other at once (LISTEN/NOTIFY), not when its credential cache expires.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildServer } from '../../server/src/app.ts';
import { openStore } from '../../server/src/store/open.ts';
import { PG_URL, enroll, http, postgresKind, startFleet } from './helpers.ts';

test('two nodes share one PostgreSQL: check-ins on either, revocation on one is refused by the other', { skip: PG_URL ? false : 'set WARDEN_TEST_PG_URL' }, async () => {
  const a = await startFleet(postgresKind);
  // Node B: a second server process's worth of state (own store pool, own caches) on the same schema.
  const storeB = await openStore({ database: PG_URL!, pgSchema: a.pgSchema! });
  const b = await buildServer({ store: storeB, exceptionSweepMs: 0 });
  const urlB = await b.listen({ host: '127.0.0.1', port: 0 });
  try {
    const dev = await enroll(a.url, a.enrollSecret, 'roaming-laptop');
    const status = { bundle_revision: null, agent_version: '1', errors: [] };
    assert.equal((await http(urlB, 'POST', '/api/v1/agent/status', { token: dev.credential, body: status })).status, 200, 'enrolled on A, checks in on B');
    assert.equal((await http(a.url, 'POST', '/api/v1/agent/status', { token: dev.credential, body: status })).status, 200);
    // Both nodes now hold the credential in their caches. Revoke on A…
    assert.equal((await http(a.url, 'POST', `/api/v1/devices/${dev.deviceId}/revoke`, { token: a.tokens.admin })).status, 200);
    // …and B refuses it as soon as the notification arrives (well inside the 30 s cache TTL).
    let code = 0;
    for (let i = 0; i < 50; i++) {
      code = (await http(urlB, 'POST', '/api/v1/agent/status', { token: dev.credential, body: status })).status;
      if (code === 401) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(code, 401, 'node B refuses the revoked device');
    // An admin token revoked on B stops working on A.
    const t = await http(urlB, 'POST', '/api/v1/tokens', { token: a.tokens.admin, body: { name: 'temp' } });
    const tok = t.body as { id: string; token: string };
    assert.equal((await http(a.url, 'GET', '/api/v1/auth/whoami', { token: tok.token })).status, 200);
    assert.equal((await http(urlB, 'DELETE', `/api/v1/tokens/${tok.id}`, { token: a.tokens.admin })).status, 200);
    for (let i = 0; i < 50; i++) {
      code = (await http(a.url, 'GET', '/api/v1/auth/whoami', { token: tok.token })).status;
      if (code === 401) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(code, 401, 'node A refuses the token revoked on B');
    // A ban change made on B is visible from A.
    const rule = { rule: { id: 'ban-x', action: 'block', match: { tools: ['x'] } }, why: 'made on node B' };
    assert.equal((await http(urlB, 'POST', '/api/v1/bans/rules', { token: a.tokens['policy-editor'], body: rule })).status, 201);
    const list = (await http(a.url, 'GET', '/api/v1/bans', { token: a.tokens.auditor })).body as { list: { rules: { id: string }[] } };
    assert.deepEqual(list.list.rules.map((r) => r.id), ['ban-x']);
  } finally {
    await b.close();
    await storeB.close();
    await a.close();
  }
});
