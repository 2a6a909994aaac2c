// The authorization matrix: every route of a fully wired server (core + bundle service + push) is
// called without credentials, with a device credential and with each role's API token, and each
// answer is checked against the table below. A route missing from the table fails the test, so no
// new route escapes it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateSigningKey } from '../../wire/src/bundle-signing.ts';
import { installBundleDistribution } from '../../server/src/bundle-distribution.ts';
import { STORE_KINDS, enroll, http, pgNote, startFleet } from './helpers.ts';
import { transportCompile } from '../support/transport-bundle.ts';

type Who = 'none' | 'device' | 'admin' | 'policy-editor' | 'auditor' | 'scim' | 'siem';
const ALL: Who[] = ['none', 'device', 'admin', 'policy-editor', 'auditor', 'scim', 'siem'];
const READ: Who[] = ['admin', 'policy-editor', 'auditor'];
const EDIT: Who[] = ['admin', 'policy-editor'];
const ADMIN: Who[] = ['admin'];
const AUDIT: Who[] = ['admin', 'auditor'];
const DEVICE: Who[] = ['device'];
// The identity provider's SCIM client reaches /scim/v2 and nothing else; nobody else reaches /scim/v2.
const SCIM: Who[] = ['scim'];
const ANYONE: Who[] = ALL;
// A SIEM forwarder's token reads the event stream and the audit export, nothing else.
const STREAM: Who[] = ['admin', 'auditor', 'siem'];

/** "METHOD path" → who gets past authentication/authorization. */
const MATRIX: Record<string, Who[]> = {
  'GET /healthz': ANYONE,
  'GET /api/openapi.json': ANYONE,
  'POST /api/v1/enroll': ANYONE, // credentials travel in the body
  'POST /api/v1/enroll/challenge': ANYONE, // proves the bundle key to an enrolling agent
  'POST /api/v1/enroll/sealed': ANYONE, // credentials travel sealed in the body
  'POST /api/v1/auth/login': ANYONE, // credentials travel in the body
  'POST /api/v1/agent/inventory': DEVICE,
  'POST /api/v1/agent/events': DEVICE,
  'POST /api/v1/agent/status': DEVICE,
  'GET /api/v1/agent/exceptions': DEVICE,
  'POST /api/v1/agent/exceptions': DEVICE,
  'GET /api/v1/agent/push': DEVICE,
  'GET /api/v1/bundles/warden': DEVICE,
  'GET /api/v1/bundles/public-key': DEVICE,
  'POST /api/v1/agent/memberships': DEVICE,
  'GET /api/v1/rollout': READ,
  'GET /api/v1/auth/whoami': READ,
  'GET /api/v1/users': ADMIN,
  'POST /api/v1/users': ADMIN,
  'PATCH /api/v1/users/:id': ADMIN,
  'GET /api/v1/tokens': READ,
  'POST /api/v1/tokens': READ,
  'DELETE /api/v1/tokens/:id': READ,
  'POST /api/v1/enroll-tokens': ADMIN,
  'GET /api/v1/enroll-tokens': ADMIN,
  'POST /api/v1/enroll-secret': ADMIN,
  'GET /api/v1/devices': READ,
  'GET /api/v1/devices/:id': READ,
  'GET /api/v1/devices/:id/inventory': READ,
  'POST /api/v1/devices/:id/revoke': ADMIN,
  'GET /api/v1/inventory': READ,
  'GET /api/v1/events': READ,
  'GET /api/v1/bans': READ,
  'GET /api/v1/bans/history': READ,
  'POST /api/v1/bans/rules': EDIT,
  'PUT /api/v1/bans/rules/:id': EDIT,
  'DELETE /api/v1/bans/rules/:id': EDIT,
  'PUT /api/v1/bans': EDIT,
  'POST /api/v1/bans/diff': READ,
  'POST /api/v1/bans/preview': READ,
  'GET /api/v1/exceptions': READ,
  'POST /api/v1/exceptions': EDIT,
  'POST /api/v1/exceptions/:id/approve': EDIT,
  'POST /api/v1/exceptions/:id/deny': EDIT,
  'GET /api/v1/reports/:kind': READ,
  'GET /api/v1/audit': AUDIT,
  'GET /metrics': READ,
  'GET /api/v1/groups': READ,
  'GET /api/v1/groups/history': READ,
  'GET /api/v1/groups/:id': READ,
  'POST /api/v1/groups': EDIT,
  'PUT /api/v1/groups/:id': EDIT,
  'DELETE /api/v1/groups/:id': EDIT,
  'POST /api/v1/groups/preview': READ,
  'GET /api/v1/directory/users': READ,
  'GET /api/v1/scim/config': READ,
  'PUT /api/v1/scim/config': ADMIN,
  'POST /api/v1/scim/token': ADMIN,
  'GET /scim/v2/ServiceProviderConfig': SCIM,
  'GET /scim/v2/ResourceTypes': SCIM,
  'GET /scim/v2/ResourceTypes/:id': SCIM,
  'GET /scim/v2/Schemas': SCIM,
  'GET /scim/v2/Schemas/:id': SCIM,
  'GET /scim/v2/Users': SCIM,
  'GET /scim/v2/Users/:id': SCIM,
  'POST /scim/v2/Users': SCIM,
  'PUT /scim/v2/Users/:id': SCIM,
  'PATCH /scim/v2/Users/:id': SCIM,
  'DELETE /scim/v2/Users/:id': SCIM,
  'GET /scim/v2/Groups': SCIM,
  'GET /scim/v2/Groups/:id': SCIM,
  'POST /scim/v2/Groups': SCIM,
  'PUT /scim/v2/Groups/:id': SCIM,
  'PATCH /scim/v2/Groups/:id': SCIM,
  'DELETE /scim/v2/Groups/:id': SCIM,
  // the admin console: its static pages are public (they hold no data); every call it makes is an API route
  'GET /console': ANYONE,
  'GET /console/*': ANYONE,
  'POST /api/v1/auth/session': ANYONE, // credentials travel in the body
  'GET /api/v1/auth/session': READ,
  'DELETE /api/v1/auth/session': READ,
  'GET /api/v1/fleet/summary': READ,
  'GET /api/v1/fleet/devices': READ,
  'GET /api/v1/fleet/compliance-history': READ,
  'GET /api/v1/fleet/rollout': READ,
  'GET /api/v1/catalog': READ,
  'GET /api/v1/webhooks': READ,
  'GET /api/v1/webhooks/:id': READ,
  'POST /api/v1/webhooks': ADMIN,
  'PUT /api/v1/webhooks/:id': ADMIN,
  'DELETE /api/v1/webhooks/:id': ADMIN,
  'POST /api/v1/webhooks/:id/rotate-secret': ADMIN,
  'POST /api/v1/webhooks/:id/test': ADMIN,
  'GET /api/v1/webhooks/:id/dead-letters': READ,
  'POST /api/v1/webhooks/:id/dead-letters/:seq/redeliver': ADMIN,
  'GET /api/v1/events/stream': STREAM,
  'GET /api/v1/audit/stream': STREAM,
  'POST /api/v1/gitops/plan': READ,
  'POST /api/v1/gitops/apply': EDIT,
};

// The policy's content does not matter here (test/support/transport-bundle.ts).
const compile = transportCompile;

for (const kind of STORE_KINDS) {
  test(`[${kind.name}] authorization matrix: every route × no credential, device, each role${pgNote}`, async () => {
    const f = await startFleet(kind, {}, (app) => installBundleDistribution(app, { signingKey: generateSigningKey(), compile }));
    try {
      const dev = await enroll(f.url, f.enrollSecret, 'matrix-host');
      const creds: Record<Who, string | undefined> = { none: undefined, device: dev.credential, admin: f.tokens.admin, 'policy-editor': f.tokens['policy-editor'], auditor: f.tokens.auditor, scim: f.tokens.scim, siem: f.tokens.siem };

      const registered = f.app.warden.routes.map((r) => `${r.method} ${r.url}`).sort();
      assert.deepEqual(registered, Object.keys(MATRIX).sort(), 'every registered route has a row in the matrix (and no row is stale)');

      let calls = 0;
      for (const [route, allowed] of Object.entries(MATRIX)) {
        const [method, url] = route.split(' ') as [string, string];
        const path = url.replace(':kind', 'inventory-by-tool').replace(':id', 'nonexistent-id');
        for (const who of ALL) {
          // A body that is well-formed JSON but invalid for every route: an authorized caller gets 400
          // (or 404 for unknown ids), never a side effect.
          const hasBody = method !== 'GET' && method !== 'DELETE';
          const r = await http(f.url, method, path, { ...(creds[who] ? { token: creds[who] } : {}), ...(hasBody ? { body: { matrix_probe: true } } : {}) });
          calls++;
          const ctx = `${route} as ${who} → ${r.status} ${r.text.slice(0, 160)}`;
          if (allowed.includes(who)) {
            assert.ok(r.status !== 401 && r.status !== 403, `allowed: ${ctx}`);
            assert.ok(r.status < 500, `no server error: ${ctx}`);
          } else {
            assert.equal(r.status, who === 'none' ? 401 : 403, `refused: ${ctx}`);
            assert.match((r.body as { message?: string } | null)?.message ?? '', /needs /, `refusal says what is needed: ${ctx}`);
          }
        }
      }
      assert.equal(calls, Object.keys(MATRIX).length * ALL.length);

      // The OpenAPI document describes every route (the document itself is hidden; a WebSocket upgrade
      // is not an OpenAPI operation).
      const doc = (await http(f.url, 'GET', '/api/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
      for (const route of Object.keys(MATRIX)) {
        const [method, url] = route.split(' ') as [string, string];
        if (url === '/api/openapi.json' || url === '/api/v1/agent/push' || url.startsWith('/console')) continue;
        const p = url.replace(/:(\w+)/g, '{$1}');
        assert.ok(doc.paths[p]?.[method.toLowerCase()], `OpenAPI documents ${route}`);
      }

      // A revoked device and a revoked token are refused like no credential at all.
      const t = await http(f.url, 'POST', '/api/v1/tokens', { token: f.tokens.auditor, body: { name: 'short-lived' } });
      const tok = (t.body as { id: string; token: string });
      assert.equal((await http(f.url, 'GET', '/api/v1/auth/whoami', { token: tok.token })).status, 200);
      assert.equal((await http(f.url, 'DELETE', `/api/v1/tokens/${tok.id}`, { token: f.tokens.auditor })).status, 200);
      assert.equal((await http(f.url, 'GET', '/api/v1/auth/whoami', { token: tok.token })).status, 401);
      assert.equal((await http(f.url, 'POST', `/api/v1/devices/${dev.deviceId}/revoke`, { token: f.tokens.admin })).status, 200);
      assert.equal((await http(f.url, 'GET', '/api/v1/agent/exceptions', { token: dev.credential })).status, 401);
      // Malformed and forged credentials.
      for (const bad of ['Bearer', 'Basic abc', `Bearer ${dev.credential.slice(0, -2)}xx`, `Bearer wda.${'0'.repeat(24)}.${'A'.repeat(43)}`, `Bearer ${'x'.repeat(500)}`]) {
        const r = await http(f.url, 'GET', '/api/v1/devices', { headers: { authorization: bad } });
        assert.equal(r.status, 401, bad.slice(0, 30));
      }
      // Password login gives a token of the user's role.
      const login = await http(f.url, 'POST', '/api/v1/auth/login', { body: { username: 'auditor-user', password: 'a long enough password' } });
      assert.equal(login.status, 200, login.text);
      const lt = (login.body as { token: string }).token;
      assert.equal((await http(f.url, 'GET', '/api/v1/devices', { token: lt })).status, 200);
      assert.equal((await http(f.url, 'PUT', '/api/v1/bans', { token: lt, body: {} })).status, 403);
      assert.equal((await http(f.url, 'POST', '/api/v1/auth/login', { body: { username: 'auditor-user', password: 'wrong password!' } })).status, 401);
    } finally {
      await f.close();
    }
  });
}
