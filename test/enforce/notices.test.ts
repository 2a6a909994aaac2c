// The notice layout when the agent runs as root and the tray app as the employee: notices live in
// <state>/public (0755) as a 0644 file, the state folder is pass-through only (0711) and everything
// else in it stays private. Checked on real files, and — when the test runs as root — by reading as
// an unprivileged user (nobody) in a real child process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { enforceDecisions } from '../../agent/src/enforce/enforce.ts';
import { readNotices } from '../../agent/src/enforce/notices.ts';
import { enforceState, PUBLIC_DIR_MODE, PUBLIC_FILE_MODE, STATE_DIR_MODE } from '../../agent/src/enforce/state.ts';
import { trayPaths } from '../../tray-app/src/paths.ts';
import { decision, finding, inventory, npmInstall, tempRoot } from './fixtures.ts';

const mode = (p: string): number => statSync(p).mode & 0o777;

test('notices are written to <state>/public with modes the employee can read and nothing else opened up', async () => {
  const t = tempRoot('notice-modes');
  const oldUmask = process.umask(0o077); // a hardened service umask must not hide notices
  try {
    const claude = npmInstall(t.root, '@anthropic-ai/claude-code', 'claude');
    const f = finding('claude-code', 'Claude Code (CLI)', claude);
    await enforceDecisions([decision(f, 'notify')], inventory(t.root, [f]), { stateDir: t.state, root: t.root, os: 'linux', bundleRevision: 'r1' });
    const state = enforceState(t.state);
    assert.equal(state.notices, join(t.state, 'public', 'notices.json'));
    assert.equal(readNotices(state.notices).length, 1);
    assert.equal(mode(t.state), STATE_DIR_MODE);
    assert.equal(mode(state.publicDir), PUBLIC_DIR_MODE);
    assert.equal(mode(state.notices), PUBLIC_FILE_MODE);
    assert.deepEqual([STATE_DIR_MODE, PUBLIC_DIR_MODE, PUBLIC_FILE_MODE], [0o711, 0o755, 0o644]);
    // Everything else the agent keeps stays private: folders 0700, files 0600.
    assert.equal(mode(join(t.state, 'outbox')), 0o700);
    assert.equal(mode(state.outbox), 0o600);
    for (const e of readdirSync(t.state, { withFileTypes: true })) {
      if (e.name === 'public') continue;
      assert.equal(mode(join(t.state, e.name)), e.isDirectory() ? 0o700 : 0o600, e.name);
    }

    if (process.getuid?.() === 0) {
      // Real cross-user check: 'nobody' reads the notices but can neither list the state folder nor
      // read the outbox. (The temp folder above the state folder is opened for passage only.)
      chmodSync(t.dir, 0o711);
      const asNobody = (code: string): { status: number | null; stdout: string } =>
        spawnSync(process.execPath, ['-e', code], { uid: 65534, gid: 65534, encoding: 'utf8' });
      const read = asNobody(`process.stdout.write(String(JSON.parse(require('fs').readFileSync(${JSON.stringify(state.notices)}, 'utf8')).notices.length))`);
      assert.equal(read.status, 0);
      assert.equal(read.stdout, '1');
      assert.notEqual(asNobody(`require('fs').readdirSync(${JSON.stringify(t.state)})`).status, 0);
      assert.notEqual(asNobody(`require('fs').readFileSync(${JSON.stringify(state.outbox)})`).status, 0);
      assert.notEqual(asNobody(`require('fs').writeFileSync(${JSON.stringify(state.notices)}, 'x')`).status, 0);
    }
  } finally {
    process.umask(oldUmask);
    t.cleanup();
  }
});

test('a notices.json left at the top of the state folder by an earlier agent is moved into public/', async () => {
  const t = tempRoot('notice-migrate');
  try {
    const claude = npmInstall(t.root, '@anthropic-ai/claude-code', 'claude');
    const f = finding('claude-code', 'Claude Code (CLI)', claude);
    const old = { notices: [{ id: 'cursor:2026-11-20', tool: 'cursor', day: '2026-11-20', action: 'warn', message: 'm', alternative: '', grace_until: null, rule: 'r', bundle_revision: 'r0', first_seen: '2026-11-20T10:00:00.000Z', last_seen: '2026-11-20T10:00:00.000Z', count: 1, read: true }] };
    mkdirSync(t.state, { mode: 0o700 });
    writeFileSync(join(t.state, 'notices.json'), JSON.stringify(old), { mode: 0o600 });
    await enforceDecisions([decision(f, 'notify')], inventory(t.root, [f]), { stateDir: t.state, root: t.root, os: 'linux', bundleRevision: 'r1', now: new Date('2026-11-24T10:00:00Z') });
    const state = enforceState(t.state);
    assert.equal(existsSync(join(t.state, 'notices.json')), false);
    assert.deepEqual(readNotices(state.notices).map((n) => n.tool).sort(), ['claude-code', 'cursor']);
    assert.equal(mode(state.notices), PUBLIC_FILE_MODE);
  } finally {
    t.cleanup();
  }
});

test("the tray reads the agent's public folder and keeps its own state in the employee's home", () => {
  const p = trayPaths('linux', '/var/lib/warden-agent', '/home/alice');
  assert.equal(p.noticesPath, '/var/lib/warden-agent/public/notices.json');
  assert.equal(p.reportPath, '/var/lib/warden-agent/public/last-report.json');
  assert.ok(p.readStatePath.startsWith('/home/alice/') || p.readStatePath.startsWith(process.env.XDG_STATE_HOME ?? '/home/alice/'), p.readStatePath);
  assert.equal(trayPaths('darwin', undefined, '/Users/bob').readStatePath, '/Users/bob/Library/Application Support/warden/tray/read-notices.json');
});
