// Policy as code as IT runs it: `warden gitops plan|apply <dir>` as real processes against a real
// server on loopback — the ban list, groups, a webhook and exceptions from files; exceptions gitops did
// not create (an employee's approved request, one kept in the list by hand) are left alone; the plan shows the fleet impact
// first; a second apply changes nothing; a hand edit on the server is detected and apply refuses it
// unless --force; new webhook secrets go to a 0600 file, never to stdout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WasmPolicyEvaluator } from '../../server/src/policy/wasm-evaluator.ts';
import { compileFleetPolicy } from '../../server/src/policy/fleet-policy.ts';
import { EXAMPLE_LIST, STORE_KINDS, enroll, finding, http, inventory, pgNote, startFleet, type Fleet } from './helpers.ts';

function warden(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/warden.js', ...args], { env: { PATH: process.env.PATH ?? '', ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** What the server holds that gitops manages, plus the audit log's length (a no-op apply leaves both). */
async function serverState(f: Fleet): Promise<string> {
  const get = async (p: string) => (await http(f.url, 'GET', p, { token: f.tokens.admin })).body as Record<string, unknown>;
  const bans = await get('/api/v1/bans');
  const groups = (await get('/api/v1/groups')) as { revision: number; groups: { version: number; name: string }[] };
  const hooks = (await get('/api/v1/webhooks')) as { webhooks: { name: string; version: number }[] };
  const audit = (await get('/api/v1/audit?limit=1000')) as { entries?: unknown[]; audit?: unknown[] };
  return JSON.stringify([bans.revision, groups.revision, groups.groups.map((g) => [g.name, g.version]), hooks.webhooks.map((w) => [w.name, w.version]), (audit.entries ?? audit.audit ?? []).length]);
}

const wasm = compileFleetPolicy();

for (const kind of STORE_KINDS) {
  test(`[${kind.name}] warden gitops: plan with impact, apply, idempotent re-apply, hand edits detected${pgNote}`, { timeout: 180_000 }, async () => {
    const f = await startFleet(kind, { evaluator: new WasmPolicyEvaluator(() => wasm), integrations: { allow: ['127.0.0.1/32'], deliver: false } });
    try {
      const env = { WARDEN_SERVER: f.url, WARDEN_TOKEN: f.tokens.admin };
      const dev = await enroll(f.url, f.enrollSecret, 'gitops-host');
      await http(f.url, 'POST', '/api/v1/agent/inventory', { token: dev.credential, body: { kind: 'full', seq: 1, inventory: inventory('gitops-host', [finding('claude-code', '2.0.1')]) } });

      const dir = join(f.dir, 'policy-repo');
      mkdirSync(dir);
      writeFileSync(join(dir, 'bans.json'), JSON.stringify(EXAMPLE_LIST, null, 2));
      writeFileSync(join(dir, 'groups.json'), JSON.stringify({ groups: [
        { kind: 'device', name: 'Linux boxes', description: 'every Linux machine', rule: { platforms: ['linux'] } },
        { kind: 'user', name: 'contractors', members: { logins: ['alice', 'bob'] } },
      ] }, null, 2));
      writeFileSync(join(dir, 'webhooks.json'), JSON.stringify({ webhooks: [{ name: 'soc', url: 'http://127.0.0.1:9/in', events: ['enforcement.*', 'audit.ban.*'] }] }, null, 2));

      let r = await warden(['gitops', 'plan', dir, '--detailed-exitcode'], { ...env, WARDEN_TOKEN: f.tokens.auditor });
      assert.equal(r.code, 2, r.stderr);
      for (const line of ['bans: 3 change(s)', '+ rule ban-claude-code', '~ settings', 'groups: 2 change(s)', '+ device group linux boxes', '+ user group contractors', 'webhooks: 1 change(s)', '+ webhook soc']) assert.ok(r.stdout.includes(line), `${line} in\n${r.stdout}`);
      assert.match(r.stdout, /fleet impact of the ban list: 1 of 1 device\(s\) change/);
      assert.match(r.stdout, /gitops-host: claude-code allow → quarantine/);

      // An auditor cannot apply; the admin can.
      r = await warden(['gitops', 'apply', dir, '--why', 'SEC-7 from git'], { ...env, WARDEN_TOKEN: f.tokens.auditor });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /HTTP 403/);
      const secrets = join(f.dir, 'secrets.json');
      r = await warden(['gitops', 'apply', dir, '--why', 'SEC-7 from git', '--secrets-out', secrets], env);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /applied: 6 change\(s\)/);
      const secret = (JSON.parse(readFileSync(secrets, 'utf8')) as { soc: string }).soc;
      assert.match(secret, /^whsec_/);
      assert.equal(statSync(secrets).mode & 0o777, 0o600);
      assert.ok(!r.stdout.includes(secret.slice(6)) && !r.stderr.includes(secret.slice(6)), 'the secret is not printed');
      const groups = ((await http(f.url, 'GET', '/api/v1/groups', { token: f.tokens.admin })).body as { groups: { id: string; name: string; rule: unknown }[] }).groups;
      assert.deepEqual(groups.map((g) => g.name).sort(), ['Linux boxes', 'contractors']);
      const hist = (await http(f.url, 'GET', '/api/v1/bans/history', { token: f.tokens.admin })).body as { history: { why: string }[] };
      assert.ok(hist.history.every((h) => h.why === 'gitops: SEC-7 from git'));

      // The same folder again: nothing changes on the server (not even the audit log).
      const before = await serverState(f);
      r = await warden(['gitops', 'apply', dir, '--why', 'SEC-7 from git'], env);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /applied: nothing to change/);
      assert.equal(await serverState(f), before);
      r = await warden(['gitops', 'plan', dir, '--detailed-exitcode'], env);
      assert.equal(r.code, 0, r.stdout);

      // A hand edit on the server is detected; apply refuses it, --force puts the files back.
      const linux = groups.find((g) => g.name === 'Linux boxes')!;
      const edit = await http(f.url, 'PUT', `/api/v1/groups/${linux.id}`, { token: f.tokens['policy-editor'], body: { group: { kind: 'device', name: 'Linux boxes', description: 'edited by hand', rule: { platforms: ['linux', 'darwin'] } }, why: 'quick fix in the console' } });
      assert.equal(edit.status, 200, edit.text);
      r = await warden(['gitops', 'plan', dir], env);
      assert.match(r.stdout, /changed on the server since the last apply \(user:admin-user, [^)]+\)/);
      assert.match(r.stdout, /groups: ~ device group linux boxes/);
      r = await warden(['gitops', 'apply', dir, '--why', 'nightly sync'], env);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /HTTP 409: the server changed since the last apply .*groups: update device group linux boxes/);
      r = await warden(['gitops', 'apply', dir, '--why', 'nightly sync', '--force'], env);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /groups: ~ device group linux boxes/);
      const got = (await http(f.url, 'GET', `/api/v1/groups/${linux.id}`, { token: f.tokens.admin })).body as { group: { rule: { platforms: string[] }; description: string } };
      const back = got.group;
      assert.deepEqual([back.rule.platforms, back.description], [['linux'], 'every Linux machine']);

      // Exceptions as code, beside one approved from an employee's tray request and one kept by hand.
      let x = await http(f.url, 'POST', '/api/v1/agent/exceptions', { token: dev.credential, body: { tool: 'claude-code', reason: 'customer demo', local_user: 'carol' } });
      assert.equal(x.status, 201, x.text);
      x = await http(f.url, 'POST', `/api/v1/exceptions/${(x.body as { id: string }).id}/approve`, { token: f.tokens.admin, body: { expires_at: new Date(Date.now() + 7 * 86400_000).toISOString(), note: 'a week' } });
      assert.equal(x.status, 200, x.text);
      type Exc = { id: string; tool: string; expires: string; user?: string; device?: string };
      const banList = async () => ((await http(f.url, 'GET', '/api/v1/bans', { token: f.tokens.admin })).body as { list: Record<string, unknown> & { exceptions: Exc[] } }).list;
      const handPut = async (exceptions: Exc[], why: string) => {
        const l = await banList();
        const put = await http(f.url, 'PUT', '/api/v1/bans', { token: f.tokens['policy-editor'], body: { list: { ...l, exceptions: exceptions.filter((e) => !e.id.startsWith('x-')) }, why } });
        assert.equal(put.status, 200, put.text);
      };
      await handPut([...(await banList()).exceptions, { id: 'by-hand', tool: 'cursor', user: 'dave', expires: '2030-01-01T00:00:00Z' }], 'set in the console');
      const excFile = join(dir, 'exceptions.json');
      const mine = [
        { id: 'contractor-cursor', tool: 'cursor', user: 'alice', expires: '2030-01-31T00:00:00Z', reason: 'SEC-9 contract' },
        { id: 'build-box-claude', tool: 'claude-code', device: dev.deviceId, expires: '2030-01-31T00:00:00Z' },
      ];
      writeFileSync(excFile, JSON.stringify({ exceptions: mine }, null, 2));
      r = await warden(['gitops', 'plan', dir, '--detailed-exitcode'], env);
      assert.equal(r.code, 2, r.stderr);
      for (const line of ['exceptions: 2 change(s)', '+ exception build-box-claude', '+ exception contractor-cursor', 'exceptions not managed by gitops (left alone): 2', 'claude-code for user carol, device ', '(approved request)', '= exception by-hand: cursor for user dave until 2030-01-01T00:00:00Z (kept in the ban list by hand)', 'gitops-host: claude-code quarantine → allow']) assert.ok(r.stdout.includes(line), `${line} in\n${r.stdout}`);
      assert.ok(!r.stdout.includes('changed on the server since'), 'exceptions gitops did not create are no drift');
      r = await warden(['gitops', 'apply', dir, '--why', 'SEC-9 exceptions'], env);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /applied: 2 change\(s\)/);
      const ids = async () => (await banList()).exceptions.map((e) => e.id).sort();
      assert.deepEqual((await ids()).filter((i) => !i.startsWith('x-')), ['build-box-claude', 'by-hand', 'contractor-cursor']);
      assert.equal((await ids()).filter((i) => i.startsWith('x-')).length, 1, 'the approved request is still granted');
      const beforeExc = await serverState(f);
      r = await warden(['gitops', 'apply', dir, '--why', 'SEC-9 exceptions'], env);
      assert.match(r.stdout, /applied: nothing to change/);
      assert.equal(await serverState(f), beforeExc, 'a second apply changes nothing');
      // Change one, revoke the other; an id the server holds that gitops did not create is refused.
      writeFileSync(excFile, JSON.stringify({ exceptions: [{ ...mine[0], id: 'by-hand' }] }));
      r = await warden(['gitops', 'plan', dir], env);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /HTTP 400: exceptions: \$\.exceptions\[0\]\.id 'by-hand' is an exception on the server that gitops did not create/);
      writeFileSync(excFile, JSON.stringify({ exceptions: [{ ...mine[0], expires: '2029-06-30T00:00:00Z' }] }));
      r = await warden(['gitops', 'apply', dir, '--why', 'SEC-9 shortened'], env);
      assert.equal(r.code, 0, r.stderr);
      for (const line of ['exceptions: ~ exception contractor-cursor', 'exceptions: - exception build-box-claude']) assert.ok(r.stdout.includes(line), `${line} in\n${r.stdout}`);
      // A hand edit of a gitops exception is detected and refused; --force puts the file's back.
      await handPut((await banList()).exceptions.map((e) => (e.id === 'contractor-cursor' ? { ...e, expires: '2031-01-01T00:00:00Z' } : e)), 'extended by hand');
      r = await warden(['gitops', 'plan', dir], env);
      assert.match(r.stdout, /changed on the server since the last apply[^\n]*\n {2}exceptions: ~ exception contractor-cursor/);
      r = await warden(['gitops', 'apply', dir, '--why', 'nightly sync'], env);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /HTTP 409: the server changed since the last apply .*exceptions: update exception contractor-cursor/);
      r = await warden(['gitops', 'apply', dir, '--why', 'nightly sync', '--force'], env);
      assert.equal(r.code, 0, r.stderr);
      assert.equal((await banList()).exceptions.find((e) => e.id === 'contractor-cursor')?.expires, '2029-06-30T00:00:00Z');
      assert.deepEqual((await ids()).filter((i) => !i.startsWith('x-')), ['by-hand', 'contractor-cursor']);
      // exceptions.json alone manages the exceptions only (the ban list's rules stay the server's).
      const only = join(f.dir, 'exceptions-only');
      mkdirSync(only);
      writeFileSync(join(only, 'exceptions.json'), readFileSync(excFile));
      r = await warden(['gitops', 'plan', only, '--detailed-exitcode'], env);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /^exceptions: no changes\n/);
      assert.match(r.stdout, /fleet impact of the ban list: 0 of 1 device/);

      // Bad files get a clear error and change nothing.
      writeFileSync(join(dir, 'webhooks.json'), JSON.stringify({ webhooks: [{ name: 'meta', url: 'http://169.254.169.254/', events: ['*'] }] }));
      const beforeBad = await serverState(f);
      r = await warden(['gitops', 'apply', dir, '--why', 'probe'], env);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /169\.254\.169\.254 .*internal address/);
      writeFileSync(join(dir, 'groups.json'), '{ "groups": [');
      r = await warden(['gitops', 'plan', dir], env);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /groups\.json: /);
      writeFileSync(join(dir, 'groups.json'), JSON.stringify({ groups: [] }));
      writeFileSync(excFile, JSON.stringify({ exceptions: [{ id: 'no-expiry', tool: 'cursor', user: 'erin' }] }));
      r = await warden(['gitops', 'apply', dir, '--why', 'probe'], env);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /exceptions\.json: \$\.exceptions\[0\] must have required property 'expires'/);
      assert.equal(await serverState(f), beforeBad, 'nothing applied');
    } finally {
      await f.close();
    }
  });
}
