// SCIM 2.0 provisioning against a real server (SQLite; PostgreSQL too with WARDEN_TEST_PG_URL), spoken
// as an identity provider speaks it: plain SCIM JSON over HTTP with the scim role's bearer token.
// Discovery, users and groups (create, filter, paginate, PATCH the Okta and Entra ways, replace,
// delete), and wrong or hostile input: each gets the RFC's error (status + scimType) and changes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STORE_KINDS, http, pgNote, startFleet, type Fleet, type HttpResult } from './helpers.ts';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const WARDEN = 'urn:ietf:params:scim:schemas:extension:warden:2.0:User';

type Json = Record<string, unknown>;
const scim = (f: Fleet, method: string, path: string, body?: unknown, contentType = 'application/scim+json'): Promise<HttpResult> =>
  http(f.url, method, `/scim/v2${path}`, { token: f.tokens.scim, ...(body !== undefined ? { body, headers: { 'content-type': contentType } } : {}) });

function scimError(r: HttpResult, status: number, scimType: string | null): void {
  assert.equal(r.status, status, r.text);
  const b = r.body as Json;
  assert.deepEqual(b.schemas, ['urn:ietf:params:scim:api:messages:2.0:Error'], r.text);
  assert.equal(b.status, String(status));
  if (scimType) assert.equal(b.scimType, scimType, r.text);
  assert.equal(typeof b.detail, 'string');
  assert.match(r.headers.get('content-type') ?? '', /application\/scim\+json/);
}

const user = (userName: string, extra: Json = {}): Json => ({ schemas: [USER], userName, active: true, ...extra });
const ids = (r: HttpResult): string[] => ((r.body as { Resources: Json[] }).Resources ?? []).map((x) => x.id as string);

for (const kind of STORE_KINDS) {
  test(`[${kind.name}] SCIM: discovery, users, groups, filters, PATCH as Okta and Entra send it, RFC errors that change nothing${pgNote}`, async () => {
    const f = await startFleet(kind);
    try {
      // ---- discovery
      const spc = await scim(f, 'GET', '/ServiceProviderConfig');
      assert.equal(spc.status, 200, spc.text);
      assert.deepEqual((spc.body as Json).patch, { supported: true });
      assert.equal(((spc.body as Json).filter as Json).supported, true);
      const rt = await scim(f, 'GET', '/ResourceTypes');
      assert.deepEqual(ids(rt).sort(), ['Group', 'User']);
      assert.equal((await scim(f, 'GET', '/ResourceTypes/User')).status, 200);
      const schemas = await scim(f, 'GET', '/Schemas');
      assert.ok(ids(schemas).includes(WARDEN) && ids(schemas).includes(USER));
      assert.equal(((await scim(f, 'GET', `/Schemas/${GROUP}`)).body as Json).name, 'Group');
      scimError(await scim(f, 'GET', '/Schemas/urn:nope'), 404, null);
      scimError(await scim(f, 'GET', '/Nothing'), 404, null);

      // ---- users: Okta's create (content type application/scim+json), Entra's (application/json)
      const a = await scim(f, 'POST', '/Users', user('alice@corp.example', { externalId: 'okta-00u1', name: { givenName: 'Alice', familyName: 'Doe' }, emails: [{ value: 'Alice@Corp.Example', primary: true, type: 'work' }], [WARDEN]: { osLogin: 'alice' } }));
      assert.equal(a.status, 201, a.text);
      const alice = a.body as Json;
      assert.ok(typeof alice.id === 'string' && alice.id.length > 0);
      assert.equal(a.headers.get('location'), (alice.meta as Json).location);
      assert.match(String((alice.meta as Json).location), new RegExp(`/scim/v2/Users/${alice.id as string}$`));
      assert.deepEqual((alice[WARDEN] as Json).osLogin, 'alice');
      const b = await scim(f, 'POST', '/Users', user('bob@corp.example', { displayName: 'Bob' }), 'application/json');
      assert.equal(b.status, 201, b.text);
      const bob = b.body as Json;
      const c = await scim(f, 'POST', '/Users', user('carol@corp.example', { active: false, emails: [{ value: 'carol@contractor.example' }] }));
      assert.equal(c.status, 201, c.text);

      // Same userName in other case: 409 uniqueness, no second user.
      scimError(await scim(f, 'POST', '/Users', user('ALICE@corp.example')), 409, 'uniqueness');
      // Wrong types, missing userName, no schemas, not JSON: 400 with the RFC's scimType.
      scimError(await scim(f, 'POST', '/Users', user('dave', { active: 'yes' })), 400, 'invalidValue');
      scimError(await scim(f, 'POST', '/Users', { schemas: [USER], displayName: 'no userName' }), 400, 'invalidValue');
      scimError(await scim(f, 'POST', '/Users', { userName: 'no-schemas' }), 400, 'invalidSyntax');
      scimError(await scim(f, 'POST', '/Users', user('dave', { emails: 'dave@x' })), 400, 'invalidValue');
      scimError(await http(f.url, 'POST', '/scim/v2/Users', { token: f.tokens.scim, raw: Buffer.from('{"schemas": ['), headers: { 'content-type': 'application/scim+json' } }), 400, 'invalidSyntax');
      scimError(await scim(f, 'POST', '/Users', user('nul\u0000byte')), 400, 'invalidValue');
      const all = await scim(f, 'GET', '/Users');
      assert.equal((all.body as Json).totalResults, 3, 'the refused writes created nothing');

      // ---- filters as identity providers send them (case-insensitive userName and emails, exact externalId)
      assert.deepEqual(ids(await scim(f, 'GET', `/Users?filter=${encodeURIComponent('userName eq "ALICE@CORP.EXAMPLE"')}`)), [alice.id]);
      assert.deepEqual(ids(await scim(f, 'GET', `/Users?filter=${encodeURIComponent('externalId eq "okta-00u1"')}`)), [alice.id]);
      assert.deepEqual(ids(await scim(f, 'GET', `/Users?filter=${encodeURIComponent('externalId eq "OKTA-00U1"')}`)), [], 'externalId is caseExact');
      assert.deepEqual(ids(await scim(f, 'GET', `/Users?filter=${encodeURIComponent('userName sw "b" or emails[value co "CONTRACTOR"]')}`)).sort(), [bob.id, (c.body as Json).id].sort());
      assert.deepEqual(ids(await scim(f, 'GET', `/Users?filter=${encodeURIComponent('emails.value ew "@corp.example" and active eq true')}`)), [alice.id]);
      assert.deepEqual(ids(await scim(f, 'GET', `/Users?filter=${encodeURIComponent('not (active eq true)')}`)), [(c.body as Json).id]);
      assert.deepEqual(ids(await scim(f, 'GET', `/Users?filter=${encodeURIComponent(`${WARDEN}:osLogin eq "alice"`)}`)), [alice.id]);
      assert.deepEqual(ids(await scim(f, 'GET', `/Users?filter=${encodeURIComponent('name.givenName co "lic" and displayName pr')}`)), []);
      scimError(await scim(f, 'GET', `/Users?filter=${encodeURIComponent('userName eq')}`), 400, 'invalidFilter');
      scimError(await scim(f, 'GET', `/Users?filter=${encodeURIComponent('userName eq "a" and')}`), 400, 'invalidFilter');
      scimError(await scim(f, 'GET', `/Users?filter=${encodeURIComponent('shoeSize gt 40')}`), 400, 'invalidFilter');
      scimError(await scim(f, 'GET', `/Users?filter=${encodeURIComponent('active gt true')}`), 400, 'invalidFilter');
      scimError(await scim(f, 'GET', `/Users?filter=${encodeURIComponent(`${'('.repeat(3000)}userName eq "x"${')'.repeat(3000)}`)}`), 400, null);
      // Pagination: 1-based startIndex, count, totalResults of the whole match.
      const p2 = await scim(f, 'GET', '/Users?startIndex=2&count=1');
      assert.equal((p2.body as Json).totalResults, 3);
      assert.equal((p2.body as Json).startIndex, 2);
      assert.equal((p2.body as Json).itemsPerPage, 1);
      assert.deepEqual(ids(p2), [bob.id]);
      assert.equal(ids(await scim(f, 'GET', '/Users?startIndex=0&count=0')).length, 0);
      assert.deepEqual(Object.keys((await scim(f, 'GET', `/Users/${alice.id as string}?attributes=userName`)).body as Json).sort(), ['id', 'schemas', 'userName']);

      // ---- PATCH users: Okta deactivates with a value object (and sends the id along), Entra with a
      // "False" string; a bad operation anywhere changes nothing.
      let r = await scim(f, 'PATCH', `/Users/${alice.id as string}`, { schemas: [PATCH], Operations: [{ op: 'replace', value: { id: alice.id, active: false } }] });
      assert.equal(r.status, 200, r.text);
      assert.equal((r.body as Json).active, false);
      r = await scim(f, 'PATCH', `/Users/${alice.id as string}`, { schemas: [PATCH], Operations: [{ op: 'Replace', path: 'active', value: 'True' }] });
      assert.equal((r.body as Json).active, true, r.text);
      scimError(await scim(f, 'PATCH', `/Users/${alice.id as string}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'displayName', value: 'A' }, { op: 'explode', path: 'active' }] }), 400, 'invalidSyntax');
      scimError(await scim(f, 'PATCH', `/Users/${alice.id as string}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'active', value: 'maybe' }] }), 400, 'invalidValue');
      scimError(await scim(f, 'PATCH', `/Users/${alice.id as string}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'userName', value: 'bob@corp.example' }] }), 409, 'uniqueness');
      scimError(await scim(f, 'PATCH', `/Users/${alice.id as string}`, { Operations: [] }), 400, 'invalidSyntax');
      scimError(await scim(f, 'PATCH', `/Users/${alice.id as string}`, { schemas: [PATCH], Operations: [{ op: 'remove' }] }), 400, 'noTarget');
      scimError(await scim(f, 'PATCH', '/Users/no-such-user', { schemas: [PATCH], Operations: [{ op: 'replace', path: 'active', value: false }] }), 404, null);
      const aliceNow = (await scim(f, 'GET', `/Users/${alice.id as string}`)).body as Json;
      assert.equal(aliceNow.displayName, undefined, 'the PATCH with a bad operation changed nothing');
      assert.equal(aliceNow.userName, 'alice@corp.example');
      assert.equal(aliceNow.active, true);
      // PUT replaces the resource.
      r = await scim(f, 'PUT', `/Users/${bob.id as string}`, user('bob@corp.example', { displayName: 'Robert', [WARDEN]: { osLogin: 'bob' } }));
      assert.equal(r.status, 200, r.text);
      assert.equal((r.body as Json).displayName, 'Robert');

      // ---- groups: create with a member, find by name, PATCH members the Okta and Entra ways
      const g = await scim(f, 'POST', '/Groups', { schemas: [GROUP], displayName: 'contractors', externalId: 'okta-g1', members: [{ value: alice.id, display: 'alice' }] });
      assert.equal(g.status, 201, g.text);
      const gid = (g.body as Json).id as string;
      assert.deepEqual(((g.body as Json).members as Json[]).map((m) => m.value), [alice.id]);
      scimError(await scim(f, 'POST', '/Groups', { schemas: [GROUP], displayName: 'Contractors' }), 409, 'uniqueness');
      scimError(await scim(f, 'POST', '/Groups', { schemas: [GROUP], displayName: 'ghosts', members: [{ value: 'no-such-user' }] }), 400, 'invalidValue');
      scimError(await scim(f, 'POST', '/Groups', { schemas: [GROUP], displayName: 'nested', members: [{ value: gid, type: 'Group' }] }), 400, 'invalidValue');
      const found = await scim(f, 'GET', `/Groups?filter=${encodeURIComponent('displayName eq "CONTRACTORS"')}&excludedAttributes=members`);
      assert.deepEqual(ids(found), [gid]);
      assert.equal(((found.body as { Resources: Json[] }).Resources[0] as Json).members, undefined, 'excludedAttributes=members');
      // Entra asks "is alice a member?" with a value filter.
      assert.deepEqual(ids(await scim(f, 'GET', `/Groups?filter=${encodeURIComponent(`id eq "${gid}" and members[value eq "${alice.id as string}"]`)}`)), [gid]);
      assert.deepEqual(((await scim(f, 'GET', `/Users/${alice.id as string}`)).body as { groups: Json[] }).groups.map((x) => x.value), [gid]);

      r = await scim(f, 'PATCH', `/Groups/${gid}`, { schemas: [PATCH], Operations: [{ op: 'Add', path: 'members', value: [{ value: bob.id }] }] });
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(((r.body as Json).members as Json[]).map((m) => m.value).sort(), [alice.id, bob.id].sort());
      // A bad member in one operation: nothing of the request applies.
      scimError(await scim(f, 'PATCH', `/Groups/${gid}`, { schemas: [PATCH], Operations: [{ op: 'remove', path: `members[value eq "${bob.id as string}"]` }, { op: 'add', path: 'members', value: [{ value: 'nobody' }] }] }), 400, 'invalidValue');
      scimError(await scim(f, 'PATCH', `/Groups/${gid}`, { schemas: [PATCH], Operations: [{ op: 'add', path: 'members[value eq', value: [] }] }), 400, null);
      assert.equal((((await scim(f, 'GET', `/Groups/${gid}`)).body as Json).members as Json[]).length, 2);
      // Okta removes with a value filter, Entra with a value list.
      r = await scim(f, 'PATCH', `/Groups/${gid}`, { schemas: [PATCH], Operations: [{ op: 'remove', path: `members[value eq "${alice.id as string}"]` }] });
      assert.deepEqual(((r.body as Json).members as Json[]).map((m) => m.value), [bob.id], r.text);
      r = await scim(f, 'PATCH', `/Groups/${gid}`, { schemas: [PATCH], Operations: [{ op: 'Remove', path: 'members', value: [{ value: bob.id }] }, { op: 'Replace', path: 'displayName', value: 'Contractors' }] });
      assert.deepEqual((r.body as Json).members, [], r.text);
      assert.equal((r.body as Json).displayName, 'Contractors');
      r = await scim(f, 'PUT', `/Groups/${gid}`, { schemas: [GROUP], displayName: 'contractors', members: [{ value: alice.id }] });
      assert.deepEqual(((r.body as Json).members as Json[]).map((m) => m.value), [alice.id], r.text);
      // Removing the last member by value filter leaves an empty group (not an unchanged one).
      r = await scim(f, 'PATCH', `/Groups/${gid}`, { schemas: [PATCH], Operations: [{ op: 'remove', path: `members[value eq "${alice.id as string}"]` }] });
      assert.deepEqual((r.body as Json).members, [], r.text);
      r = await scim(f, 'PATCH', `/Groups/${gid}`, { schemas: [PATCH], Operations: [{ op: 'add', path: 'members', value: [{ value: alice.id }] }] });
      assert.deepEqual(((r.body as Json).members as Json[]).map((m) => m.value), [alice.id], r.text);

      // Versioned like the ban list: every membership change is a row with who and why.
      const hist = await http(f.url, 'GET', `/api/v1/groups/history?group=${gid}`, { token: f.tokens.auditor });
      const ops = (hist.body as { history: { op: string; by: string; detail: Json }[] }).history;
      assert.ok(ops.length >= 5, hist.text);
      assert.ok(ops.every((h) => h.by === 'user:scim-user'));
      assert.ok(ops.some((h) => h.op === 'members' && (h.detail.removed as string[]).includes(`user:${alice.id as string}`)));
      // The admin API shows the group but leaves it to the identity provider.
      const put = await http(f.url, 'PUT', `/api/v1/groups/${gid}`, { token: f.tokens.admin, body: { group: { kind: 'user', name: 'contractors', members: { logins: ['mallory'] } }, why: 'sneak someone in' } });
      assert.equal(put.status, 409, put.text);
      assert.equal((put.body as Json).error, 'managed_by_scim');

      // Deleting a user takes them out of their groups.
      assert.equal((await scim(f, 'DELETE', `/Users/${alice.id as string}`)).status, 204);
      scimError(await scim(f, 'GET', `/Users/${alice.id as string}`), 404, null);
      scimError(await scim(f, 'DELETE', `/Users/${alice.id as string}`), 404, null);
      assert.deepEqual((((await scim(f, 'GET', `/Groups/${gid}`)).body as Json).members as Json[]), []);
      assert.equal((await scim(f, 'DELETE', `/Groups/${gid}`)).status, 204);
      scimError(await scim(f, 'GET', `/Groups/${gid}`), 404, null);

      // Every write is audited under the SCIM client's name.
      const audit = await http(f.url, 'GET', '/api/v1/audit?actor=user:scim-user&limit=200', { token: f.tokens.auditor });
      const actions = new Set((audit.body as { entries: { action: string }[] }).entries.map((e) => e.action));
      for (const x of ['scim.user.create', 'scim.user.patch', 'scim.user.replace', 'scim.user.delete', 'scim.group.create', 'scim.group.patch', 'scim.group.replace', 'scim.group.delete']) assert.ok(actions.has(x), x);

      // The scim role is least privilege, and admins do not speak SCIM.
      assert.equal((await http(f.url, 'GET', '/api/v1/devices', { token: f.tokens.scim })).status, 403);
      assert.equal((await http(f.url, 'GET', '/scim/v2/Users', { token: f.tokens.admin })).status, 403);
      assert.equal((await http(f.url, 'GET', '/scim/v2/Users')).status, 401);
    } finally {
      await f.close();
    }
  });
}

test('SCIM login mapping: osLogin, else userName without its domain; configurable, recomputed for everyone', async () => {
  const { sqliteKind } = await import('./helpers.ts');
  const f = await startFleet(sqliteKind);
  try {
    await scim(f, 'POST', '/Users', user('alice@corp.example', { emails: [{ value: 'a.doe@corp.example', primary: true }] }));
    await scim(f, 'POST', '/Users', user('CORP\\bob', { [WARDEN]: { osLogin: 'rbob' } }));
    const dir = async () => Object.fromEntries(((await http(f.url, 'GET', '/api/v1/directory/users', { token: f.tokens.auditor })).body as { users: { user_name: string; login: string | null }[] }).users.map((u) => [u.user_name, u.login]));
    assert.deepEqual(await dir(), { 'alice@corp.example': 'alice', 'CORP\\bob': 'rbob' });
    const bad = await http(f.url, 'PUT', '/api/v1/scim/config', { token: f.tokens.admin, body: { login_mapping: { attributes: [], strip_domain: true }, why: 'test' } });
    assert.equal(bad.status, 400);
    const r = await http(f.url, 'PUT', '/api/v1/scim/config', { token: f.tokens.admin, body: { login_mapping: { attributes: ['emails'], strip_domain: true }, why: 'our logins are the email local part' } });
    assert.equal(r.status, 200, r.text);
    assert.equal((r.body as Json).logins_changed, 2);
    assert.deepEqual(await dir(), { 'alice@corp.example': 'a.doe', 'CORP\\bob': null });
    assert.equal((await http(f.url, 'PUT', '/api/v1/scim/config', { token: f.tokens['policy-editor'], body: { login_mapping: { attributes: ['userName'], strip_domain: false }, why: 'not mine' } })).status, 403);
    // The SCIM client's token: a scim-role user made on first use, shown once, works on /scim only.
    const t = await http(f.url, 'POST', '/api/v1/scim/token', { token: f.tokens.admin, body: {} });
    assert.equal(t.status, 201, t.text);
    const token = (t.body as { token: string }).token;
    assert.equal((await http(f.url, 'GET', '/scim/v2/Users', { token })).status, 200);
    assert.equal((await http(f.url, 'GET', '/api/v1/groups', { token })).status, 403);
  } finally {
    await f.close();
  }
});
