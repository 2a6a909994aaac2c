// Who someone is comes from what the server proved, never from what a client says (issue 10, items 7, 8):
//  - a password reset or a disable ends every session (login token) and API token of that user, and
//    re-enabling the account does not bring them back;
//  - a device that says `requested_by: "admin"` files an exception request as itself (device:<id>),
//    the claim kept apart as device_reported_user;
//  - a device that reports claude-code as "Totally Safe Tool" does not rename it in any report: tools
//    are named from the server's catalog.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UNKNOWN_VENDOR } from '../../server/src/catalog.ts';
import { EXAMPLE_LIST, STORE_KINDS, enroll, finding, http, inventory, pgNote, sqliteKind, startFleet } from './helpers.ts';

const PASSWORD = 'carol has a long password';

for (const kind of STORE_KINDS) {
  test(`[${kind.name}] a password reset or disable revokes the user's sessions and API tokens${pgNote}`, async () => {
    const f = await startFleet(kind);
    try {
      const { url, tokens } = f;
      let r = await http(url, 'POST', '/api/v1/users', { token: tokens.admin, body: { username: 'carol', role: 'policy-editor', password: PASSWORD } });
      assert.equal(r.status, 201, r.text);
      const carolId = (r.body as { id: string }).id;
      const login = async (password: string) => http(url, 'POST', '/api/v1/auth/login', { body: { username: 'carol', password } });
      const whoami = async (token: string) => (await http(url, 'GET', '/api/v1/auth/whoami', { token })).status;

      // Carol's session (login token) and an API token she made with it — what an attacker who learnt
      // her password would hold.
      const session = ((await login(PASSWORD)).body as { token: string }).token;
      r = await http(url, 'POST', '/api/v1/tokens', { token: session, body: { name: 'carol-ci' } });
      assert.equal(r.status, 201, r.text);
      const apiToken = (r.body as { token: string }).token;
      // …and a console session (HttpOnly cookie) signed in from the browser.
      r = await http(url, 'POST', '/api/v1/auth/session', { body: { username: 'carol', password: PASSWORD }, headers: { origin: url } });
      assert.equal(r.status, 200, r.text);
      const cookie = (r.headers.get('set-cookie') ?? '').split(';')[0] as string;
      const consoleStatus = async () => (await http(url, 'GET', '/api/v1/auth/session', { headers: { cookie } })).status;
      assert.equal(await whoami(session), 200);
      assert.equal(await whoami(apiToken), 200);
      assert.equal(await consoleStatus(), 200);

      // The admin resets her password: both are dead at once, the old password too.
      r = await http(url, 'PATCH', `/api/v1/users/${carolId}`, { token: tokens.admin, body: { password: 'a brand new long password' } });
      assert.equal(r.status, 200, r.text);
      assert.equal(await whoami(session), 401, 'the old session is revoked');
      assert.equal(await whoami(apiToken), 401, 'the old API token is revoked');
      assert.equal(await consoleStatus(), 401, 'the console session cookie is revoked');
      assert.equal((await login(PASSWORD)).status, 401);
      r = await login('a brand new long password');
      assert.equal(r.status, 200, r.text);
      const fresh = (r.body as { token: string }).token;
      assert.equal(await whoami(fresh), 200);
      assert.equal(await whoami(tokens['policy-editor']), 200, "other users' tokens are untouched");

      // Disabling revokes too, and re-enabling does not resurrect anything.
      assert.equal((await http(url, 'PATCH', `/api/v1/users/${carolId}`, { token: tokens.admin, body: { disabled: true } })).status, 200);
      assert.equal(await whoami(fresh), 401);
      assert.equal((await http(url, 'PATCH', `/api/v1/users/${carolId}`, { token: tokens.admin, body: { disabled: false } })).status, 200);
      assert.equal(await whoami(fresh), 401, 're-enabling the account does not bring a revoked token back');
      const tokensOfCarol = (await f.store.listApiTokens(carolId)).map((t) => t.revokedAt !== null);
      assert.deepEqual(tokensOfCarol, [true, true, true, true], 'every token and session she had is revoked in the database');

      // A role change alone keeps tokens but applies the new role at once (least privilege).
      const again = ((await login('a brand new long password')).body as { token: string }).token;
      assert.equal((await http(url, 'PATCH', `/api/v1/users/${carolId}`, { token: tokens.admin, body: { role: 'auditor' } })).status, 200);
      r = await http(url, 'GET', '/api/v1/auth/whoami', { token: again });
      assert.equal((r.body as { role: string }).role, 'auditor');
      assert.equal((await http(url, 'PUT', '/api/v1/bans', { token: again, body: { list: {}, why: 'nope' } })).status, 403);

      const audit = ((await http(url, 'GET', '/api/v1/audit?action=user.update', { token: tokens.admin })).body as { entries: { detail: { tokens_revoked: number; password_changed: boolean } }[] }).entries;
      assert.deepEqual(audit.map((e) => e.detail.tokens_revoked).reverse(), [3, 1, 0, 0], 'the audit log counts what each change revoked');
    } finally {
      await f.close();
    }
  });

  test(`[${kind.name}] identity fields come from the credential: requested_by is the device, tool names are the catalog's${pgNote}`, async () => {
    const f = await startFleet(kind);
    try {
      const { url, tokens } = f;
      const evil = await enroll(url, f.enrollSecret, 'evil-laptop');
      const good = await enroll(url, f.enrollSecret, 'good-laptop');

      // The device claims the request comes from the admin.
      let r = await http(url, 'POST', '/api/v1/agent/exceptions', { token: evil.credential, body: { tool: 'claude-code', reason: 'approved by the admin, honest', requested_by: 'admin' } });
      assert.equal(r.status, 201, r.text);
      const ex = r.body as { id: string; requested_by: string; device_reported_user: string };
      assert.equal(ex.requested_by, `device:${evil.deviceId}`);
      assert.equal(ex.device_reported_user, 'admin', 'the claim is kept, labelled as the device\'s word');
      r = await http(url, 'GET', '/api/v1/exceptions', { token: tokens.auditor });
      assert.deepEqual((r.body as { exceptions: { requested_by: string }[] }).exceptions.map((e) => e.requested_by), [`device:${evil.deviceId}`]);
      r = await http(url, 'GET', '/api/v1/reports/exceptions?format=csv', { token: tokens.auditor });
      assert.match(r.text, new RegExp(`,device:${evil.deviceId},admin,`));
      assert.ok(!/,admin,.*,admin,/.test(r.text));
      r = await http(url, 'GET', '/api/v1/audit?action=exception.request', { token: tokens.auditor });
      assert.equal((r.body as { entries: { actor: string }[] }).entries[0]?.actor, `device:${evil.deviceId}`);
      r = await http(url, 'POST', '/api/v1/agent/exceptions', { token: evil.credential, body: { tool: 'cursor', reason: 'mixed claims', local_user: 'alice', requested_by: 'admin' } });
      assert.equal(r.status, 400, 'two different claims are refused, not guessed between');
      r = await http(url, 'GET', '/api/v1/agent/exceptions', { token: good.credential });
      assert.deepEqual((r.body as { exceptions: unknown[] }).exceptions, [], "a device sees only its own requests, not another device's");
      r = await http(url, 'POST', `/api/v1/exceptions/${ex.id}/approve`, { token: evil.credential, body: { expires_at: new Date(Date.now() + 3600_000).toISOString(), note: 'self-approved' } });
      assert.equal(r.status, 403, 'a device cannot approve its own request');

      // The device renames Claude Code (and claims a friendlier vendor and country) in its inventory.
      const fake = finding('claude-code', '2.0.1', { name: 'Totally Safe Tool', vendor: 'Trustworthy Inc', vendor_country: 'CH', category: 'text-editor' });
      r = await http(url, 'POST', '/api/v1/agent/inventory', { token: evil.credential, body: { kind: 'full', seq: 1, inventory: inventory('evil-laptop', [fake, finding('made-up-tool', '1.0.0', { name: 'Claude Code (CLI)', vendor: 'Anthropic PBC' })]) } });
      assert.equal(r.status, 200, r.text);
      r = await http(url, 'POST', '/api/v1/agent/inventory', { token: good.credential, body: { kind: 'full', seq: 1, inventory: inventory('good-laptop', [finding('claude-code', '2.0.1')]) } });
      assert.equal(r.status, 200, r.text);
      r = await http(url, 'POST', '/api/v1/agent/inventory', { token: evil.credential, body: { kind: 'delta', seq: 2, base_seq: 1, upserts: [finding('cursor', '1.0.0', { name: 'Totally Safe Tool' })], removed: [] } });
      assert.equal(r.status, 200, r.text);

      r = await http(url, 'GET', '/api/v1/reports/inventory-by-tool', { token: tokens.auditor });
      const rows = (r.body as { rows: { tool_id: string; name: string; vendor: string; devices: number }[] }).rows;
      assert.deepEqual(rows.map((x) => [x.tool_id, x.name, x.vendor, x.devices]).sort(), [
        ['claude-code', 'Claude Code (CLI)', 'Anthropic PBC', 2],
        ['cursor', 'Cursor (AI IDE)', 'Anysphere, Inc.', 1],
        ['made-up-tool', 'made-up-tool', UNKNOWN_VENDOR, 1],
      ]);
      for (const report of ['inventory-by-tool', 'inventory-by-version', 'inventory-by-vendor']) {
        r = await http(url, 'GET', `/api/v1/reports/${report}?format=csv`, { token: tokens.auditor });
        assert.ok(!/Totally Safe|Trustworthy/.test(r.text), `${report} shows no name a device made up`);
      }
      r = await http(url, 'GET', '/api/v1/inventory', { token: tokens.auditor });
      assert.ok(!r.text.includes('Totally Safe'));
      r = await http(url, 'GET', `/api/v1/devices/${evil.deviceId}/inventory`, { token: tokens.auditor });
      const claude = (r.body as { findings: { tool_id: string; name: string; vendor_country: string | null; category: string }[] }).findings.find((x) => x.tool_id === 'claude-code');
      assert.deepEqual([claude?.name, claude?.vendor_country, claude?.category], ['Claude Code (CLI)', 'US', 'agentic-cli'], 'facts a policy matches on are the catalog\'s too');
    } finally {
      await f.close();
    }
  });
}

test('a lower-role admin cannot raise its own privileges, touch other users\' tokens or read the audit log', async () => {
  const f = await startFleet(sqliteKind);
  try {
    const { url, tokens } = f;
    const editor = tokens['policy-editor'];
    const me = (await http(url, 'GET', '/api/v1/auth/whoami', { token: editor })).body as { user_id: string };
    assert.equal((await http(url, 'PATCH', `/api/v1/users/${me.user_id}`, { token: editor, body: { role: 'admin' } })).status, 403, 'no self-promotion');
    assert.equal((await http(url, 'POST', '/api/v1/users', { token: editor, body: { username: 'sidekick', role: 'admin', password: 'a long enough password' } })).status, 403, 'no new admin');
    assert.equal((await http(url, 'POST', '/api/v1/enroll-tokens', { token: editor, body: { note: 'rogue device' } })).status, 403, 'no enrolling devices of its own');
    assert.equal((await http(url, 'GET', '/api/v1/audit', { token: editor })).status, 403, 'editors do not read the audit log that records them');
    // Tokens: an editor lists and revokes only its own; another user's token id is "not found".
    const adminTokens = ((await http(url, 'GET', '/api/v1/tokens', { token: tokens.admin })).body as { tokens: { id: string; user_id?: string }[] }).tokens;
    const mine = ((await http(url, 'GET', '/api/v1/tokens', { token: editor })).body as { tokens: { id: string }[] }).tokens;
    assert.equal(mine.length, 1, 'an editor sees its own token only');
    const other = adminTokens.find((t) => t.id !== mine[0]!.id)!;
    assert.equal((await http(url, 'DELETE', `/api/v1/tokens/${other.id}`, { token: editor })).status, 404);
    assert.equal((await http(url, 'GET', '/api/v1/auth/whoami', { token: tokens.admin })).status, 200);
    assert.equal((await http(url, 'GET', '/api/v1/auth/whoami', { token: tokens.auditor })).status, 200);
    // What an editor may do is recorded with its name, and the record cannot be rewritten.
    assert.equal((await http(url, 'PUT', '/api/v1/bans', { token: editor, body: { list: EXAMPLE_LIST, why: 'ban Claude Code' } })).status, 200);
    const entries = ((await http(url, 'GET', '/api/v1/audit?action=ban.create', { token: tokens.auditor })).body as { entries: { actor: string }[] }).entries;
    assert.ok(entries.length > 0 && entries.every((e) => e.actor === 'user:policy-editor-user'));
    await assert.rejects(f.store.driver.run('DELETE FROM audit_log'), /append-only/);
  } finally {
    await f.close();
  }
});
