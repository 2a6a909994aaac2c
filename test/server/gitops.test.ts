// Policy as code as IT runs it: `warden gitops plan|apply <dir>` as real processes against a real
// server on loopback — the ban list, groups and a webhook from files; the plan shows the fleet impact
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
      assert.equal(await serverState(f), beforeBad, 'nothing applied');
    } finally {
      await f.close();
    }
  });
}
