// The admin CLI as IT runs it: `warden bans diff|apply <file>` and `warden report <kind>` as real
// processes against a real server on loopback, token from WARDEN_TOKEN.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXAMPLE_LIST, enroll, finding, http, inventory, sqliteKind, startFleet } from './helpers.ts';

function warden(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/warden.js', ...args], { env: { PATH: process.env.PATH ?? '', ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

test('warden bans diff / apply and warden report over the admin API', async () => {
  const f = await startFleet(sqliteKind);
  try {
    const env = { WARDEN_SERVER: f.url, WARDEN_TOKEN: f.tokens['policy-editor'] };
    const file = join(f.dir, 'bans.json');
    writeFileSync(file, JSON.stringify(EXAMPLE_LIST, null, 2));
    const dev = await enroll(f.url, f.enrollSecret, 'cli-host');
    await http(f.url, 'POST', '/api/v1/agent/inventory', { token: dev.credential, body: { kind: 'full', seq: 1, inventory: inventory('cli-host', [finding('claude-code', '2.0.1')]) } });

    let r = await warden(['bans', 'diff', file], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /ban list revision 0\.0: 3 change\(s\)/);
    assert.match(r.stdout, /\+ rule ban-claude-code/);
    assert.match(r.stdout, /\+ rule allow-qoder/);
    assert.match(r.stdout, /\+ list settings/);

    r = await warden(['bans', 'apply', file], env);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /needs --why/);
    r = await warden(['bans', 'apply', file], { ...env, WARDEN_TOKEN: f.tokens.auditor });
    assert.equal(r.code, 1);
    r = await warden(['bans', 'apply', file, '--why', 'SEC-12'], { ...env, WARDEN_TOKEN: f.tokens.auditor });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /HTTP 403/);
    r = await warden(['bans', 'apply', file, '--why', 'SEC-12: ban Claude Code'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /applied: 3 change\(s\); ban list revision now 1\.0/);
    r = await warden(['bans', 'diff', file], env);
    assert.match(r.stdout, /revision 1\.0: no changes/);
    const hist = await http(f.url, 'GET', '/api/v1/bans/history', { token: f.tokens.auditor });
    assert.ok((hist.body as { history: { why: string; by: string }[] }).history.every((h) => h.why === 'SEC-12: ban Claude Code' && h.by === 'user:policy-editor-user'));

    // A stale --expect-revision is refused (someone changed the list since the diff).
    r = await warden(['bans', 'apply', file, '--why', 'again', '--expect-revision', '0'], env);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /changed meanwhile/);

    writeFileSync(file, JSON.stringify({ ...EXAMPLE_LIST, rules: [{ id: 'x', action: 'explode', match: {} }] }));
    r = await warden(['bans', 'diff', file], env);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /not a valid ban list/);

    r = await warden(['report', 'inventory-by-tool', '--format', 'csv'], { ...env, WARDEN_TOKEN: f.tokens.auditor });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'tool_id,name,vendor,devices,installs\r\nclaude-code,Claude Code (CLI),Anthropic PBC,1,1\r\n');
    r = await warden(['report', 'exceptions', '--format', 'json'], { ...env, WARDEN_TOKEN: f.tokens.auditor });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual((JSON.parse(r.stdout) as { rows: unknown[] }).rows, []);
    r = await warden(['report', 'everything'], env);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown report 'everything'/);
    r = await warden(['report', 'inventory-by-tool'], { WARDEN_SERVER: f.url });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no API token/);
  } finally {
    await f.close();
  }
});
