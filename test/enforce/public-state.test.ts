// Per-user public state, for real: the agent (this test, as root) enforces and publishes a cycle for
// two employees (uid 65534 and uid 40001, each owning a home in the temp root) and a machine-wide
// install; then each employee, as a real process with their own uid, reads what they can. Each sees
// their own findings and notices plus the machine-wide ones — and can neither read nor list anything
// of the other's. Without root the cross-user part cannot run and says so.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { enforceDecisions } from '../../agent/src/enforce/enforce.ts';
import { readNotices } from '../../agent/src/enforce/notices.ts';
import { publishPublicState } from '../../agent/src/enforce/public-state.ts';
import { enforceState, MACHINE_DIR_MODE, MACHINE_FILE_MODE, PUBLIC_DIR_MODE, STATE_DIR_MODE, USER_DIR_MODE, USER_FILE_MODE } from '../../agent/src/enforce/state.ts';
import { trayPaths } from '../../tray-app/src/paths.ts';
import type { Finding, Inventory } from '../../wire/src/inventory.ts';
import { decision, finding, inventory, npmInstall } from './fixtures.ts';
import { bundleFor, isRoot, runAs, sharedTempDir } from '../support/as-user.ts';

const ALICE = 65534;
const BOB = 40001;
const mode = (p: string): number => statSync(p).mode & 0o777;

let dir = '';
let root = '';
let stateDir = '';
let inv: Inventory;
let reader = '';

function homeInstall(user: string, tool: string): Finding {
  const p = join(root, 'home', user, '.local', 'share', tool, 'versions', '1.0.3');
  mkdirSync(p, { recursive: true });
  writeFileSync(join(p, 'cli.js'), '// stand-in\n');
  return {
    ...finding(tool, `${tool} (by ${user})`, { pkgDir: p, binLink: p, cli: p }),
    channel: 'native',
    user,
    paths: [p],
    evidence: [{ signal: 'native_install', path: p, version: '1.0.3', strong: true }],
  };
}

before(async () => {
  dir = sharedTempDir('public-state');
  root = join(dir, 'root');
  stateDir = join(dir, 'state');
  mkdirSync(root);
  const alice = homeInstall('alice', 'claude-code');
  const bob = homeInstall('bob', 'cursor');
  const aider = npmInstall(root, 'aider-chat-js', 'aider');
  // A machine-wide tool run by bob: the machine-wide part must not say who runs it.
  const machine = finding('aider', 'Aider', aider, [{ pid: 4242, name: 'aider', matched: aider.cli, user: 'bob' }]);
  inv = inventory(root, [alice, bob, machine]);
  inv.host.users = ['alice', 'bob'];
  inv.skipped = [
    { path: join(root, 'home', 'bob', '.config', 'cursor-private'), reason: 'EACCES' },
    { path: join(root, 'opt', 'vendor'), reason: 'EACCES' },
  ];
  if (isRoot()) {
    chownSync(join(root, 'home', 'alice'), ALICE, ALICE);
    chownSync(join(root, 'home', 'bob'), BOB, BOB);
  }
  const oldUmask = process.umask(0o077); // a hardened service umask must not change the modes
  try {
    const opts = { stateDir, root, os: 'linux' as const, bundleRevision: 'r1', now: new Date('2026-11-24T10:00:00Z') };
    const decisions = [decision(alice, 'warn', { grace_until: '2026-12-01T00:00:00Z' }), decision(bob, 'notify'), decision(machine, 'notify')];
    await enforceDecisions(decisions, inv, opts);
    publishPublicState(enforceState(stateDir), { inventory: inv, decisions, bundleRevision: 'r1', branding: { company_name: 'Example Corp' }, root, os: 'linux' });
  } finally {
    process.umask(oldUmask);
  }
  // What an employee's tray process does: read its own and the machine-wide files (tray-app/src).
  reader = await bundleFor(
    join(dir, 'bin'),
    'reader',
    `import { readFileSync, readdirSync } from 'node:fs';
     import { trayPaths } from './tray-app/src/paths.ts';
     import { readViewNotices, readViewReport, readBranding } from './tray-app/src/agent-view.ts';
     const [stateDir, probes] = process.argv.slice(2).map((a) => JSON.parse(a));
     const p = trayPaths('linux', stateDir, '/nonexistent');
     const tryRead = (f) => { try { return readFileSync(f, 'utf8'); } catch (e) { return 'ERR:' + e.code; } };
     const tryList = (f) => { try { return readdirSync(f); } catch (e) { return 'ERR:' + e.code; } };
     process.stdout.write(JSON.stringify({
       paths: p,
       notices: readViewNotices(p).map((n) => n.id),
       findings: readViewReport(p)?.findings.map((f) => f.tool_id + ':' + (f.user ?? '-')),
       running: readViewReport(p)?.findings.flatMap((f) => f.running),
       branding: readBranding(p),
       probes: Object.fromEntries(probes.map((f) => [f, f.endsWith('/') ? tryList(f) : tryRead(f)])),
     }));`,
  );
});

after(() => {
  // rmSync as root removes the employee-owned files too
  if (dir) void import('node:fs').then((fs) => fs.rmSync(dir, { recursive: true, force: true }));
});

test('layout and modes: private record, machine-wide part for all, each employee a folder of their own', () => {
  const s = enforceState(stateDir);
  assert.equal(mode(stateDir), STATE_DIR_MODE);
  assert.equal(mode(s.publicDir), PUBLIC_DIR_MODE);
  assert.equal(mode(s.usersDir), PUBLIC_DIR_MODE);
  assert.equal(mode(s.machineDir), MACHINE_DIR_MODE);
  assert.deepEqual([STATE_DIR_MODE, PUBLIC_DIR_MODE, MACHINE_DIR_MODE, MACHINE_FILE_MODE, USER_DIR_MODE, USER_FILE_MODE], [0o711, 0o711, 0o755, 0o644, 0o711, 0o400]);
  assert.equal(mode(s.notices), 0o600, 'the full notice record is private');
  assert.equal(readNotices(s.notices).length, 3);
  for (const f of ['notices.json', 'report.json', 'branding.json']) assert.equal(mode(join(s.machineDir, f)), MACHINE_FILE_MODE, f);
  if (!isRoot()) return;
  for (const uid of [ALICE, BOB]) {
    const d = join(s.usersDir, String(uid));
    assert.equal(mode(d), USER_DIR_MODE);
    assert.equal(statSync(d).uid, 0, "the folder stays the agent's");
    for (const f of ['notices.json', 'report.json']) {
      assert.equal(mode(join(d, f)), USER_FILE_MODE);
      assert.equal(statSync(join(d, f)).uid, uid, `${f} belongs to ${uid}`);
    }
  }
  // The machine-wide part names nobody.
  const machine = readFileSync(join(s.machineDir, 'report.json'), 'utf8') + readFileSync(join(s.machineDir, 'notices.json'), 'utf8');
  assert.doesNotMatch(machine, /alice|bob|cursor-private/);
  assert.match(machine, /opt\/vendor/);
});

for (const [who, uid, own, other, otherUid] of [
  ['alice (uid 65534)', ALICE, 'claude-code:alice', 'cursor:bob', BOB],
  ['bob (uid 40001)', BOB, 'cursor:bob', 'claude-code:alice', ALICE],
] as const) {
  test(`${who} sees their own findings and notices plus the machine-wide ones, nothing of the other`, { skip: !isRoot() && 'needs root to run as other users' }, () => {
    const s = enforceState(stateDir);
    const otherDir = join(s.usersDir, String(otherUid));
    const probes = [join(otherDir, 'notices.json'), join(otherDir, 'report.json'), `${s.usersDir}/`, `${s.publicDir}/`, `${stateDir}/`, s.notices, `${s.machineDir}/`];
    const r = runAs(uid, reader, [stateDir, probes]);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { paths: { userDir: string }; notices: string[]; findings: string[]; running: { user?: string }[]; branding: { company_name: string }; probes: Record<string, unknown> };
    assert.equal(out.paths.userDir, join(s.usersDir, String(uid)));
    assert.deepEqual(out.findings.sort(), [own, 'aider:-'].sort());
    const ownTool = own.split(':')[0];
    assert.deepEqual(out.notices.sort(), [`${ownTool}:${own.split(':')[1]}:2026-11-24`, 'aider:2026-11-24'].sort());
    assert.ok(out.running.every((p) => p.user === undefined), 'no user name on machine-wide processes');
    assert.equal(out.branding.company_name, 'Example Corp');
    // The other employee's files, the folder lists and the private record are all closed.
    assert.equal(out.probes[join(otherDir, 'notices.json')], 'ERR:EACCES');
    assert.equal(out.probes[join(otherDir, 'report.json')], 'ERR:EACCES');
    for (const d of [`${s.usersDir}/`, `${s.publicDir}/`, `${stateDir}/`]) assert.equal(out.probes[d], 'ERR:EACCES', d);
    assert.equal(out.probes[s.notices], 'ERR:EACCES');
    assert.deepEqual(out.probes[`${s.machineDir}/`], ['branding.json', 'notices.json', 'report.json']);
    assert.doesNotMatch(r.stdout, new RegExp(other.split(':')[1] as string), 'nothing readable names the other employee');
  });
}

test('an employee cannot add names to their folder or redirect the agent; a widened mode is put back', { skip: !isRoot() && 'needs root to run as other users' }, async () => {
  const s = enforceState(stateDir);
  const mine = join(s.usersDir, String(ALICE));
  const attack = await bundleFor(
    join(dir, 'bin'),
    'attack',
    `import { symlinkSync, writeFileSync, chmodSync, renameSync } from 'node:fs';
     const [d] = process.argv.slice(2).map((a) => JSON.parse(a));
     const attempt = (f) => { try { f(); return 'ok'; } catch (e) { return e.code; } };
     process.stdout.write(JSON.stringify({
       symlink: attempt(() => symlinkSync('/etc/shadow', d + '/report.json.999.tmp')),
       create: attempt(() => writeFileSync(d + '/extra.json', 'x')),
       rename: attempt(() => renameSync(d + '/report.json', d + '/gone.json')),
       chmod: attempt(() => chmodSync(d + '/report.json', 0o644)),
     }));`,
  );
  const r = runAs(ALICE, attack, [mine]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { symlink: 'EACCES', create: 'EACCES', rename: 'EACCES', chmod: 'ok' });
  assert.equal(mode(join(mine, 'report.json')), 0o644, 'she may show her own file to others');
  publishPublicState(s, { inventory: inv, decisions: [], bundleRevision: 'r2', root, os: 'linux' });
  assert.equal(mode(join(mine, 'report.json')), USER_FILE_MODE, 'the next cycle writes it private again');
  assert.equal(existsSync(join(s.machineDir, 'branding.json')), false, 'a bundle without branding removes it');
});

test('a home that is a symlink gives no folder; folders of users who left are removed', { skip: !isRoot() && 'needs root for ownership' }, () => {
  const s = enforceState(stateDir);
  symlinkSync(join(root, 'home', 'alice'), join(root, 'home', 'mallory'));
  const r = publishPublicState(s, { inventory: { ...inv, host: { ...inv.host, users: ['mallory', 'bob'] } }, decisions: [], bundleRevision: 'r3', root, os: 'linux' });
  assert.deepEqual(r.users.map((u) => u.key), [String(BOB)]);
  assert.match(r.skipped[0]?.reason ?? '', /not a folder/);
  assert.equal(existsSync(join(s.usersDir, String(ALICE))), false);
});

test('what earlier versions left readable by everyone is taken back: public notices become the private record, last-report.json goes', () => {
  const t = sharedTempDir('public-migrate');
  try {
    const s = enforceState(join(t, 'state'));
    mkdirSync(s.publicDir, { recursive: true });
    const old = { notices: [{ id: 'cursor:2026-11-20', tool: 'cursor', day: '2026-11-20', action: 'warn', message: 'm', alternative: '', grace_until: null, rule: 'r', bundle_revision: 'r0', first_seen: '2026-11-20T10:00:00.000Z', last_seen: '2026-11-20T10:00:00.000Z', count: 1, read: true }] };
    writeFileSync(join(s.publicDir, 'notices.json'), JSON.stringify(old), { mode: 0o644 });
    writeFileSync(join(s.publicDir, 'last-report.json'), '{"inventory": {"findings": []}}', { mode: 0o644 });
    chmodSync(s.publicDir, 0o755);
    mkdirSync(join(t, 'root'));
    publishPublicState(s, { inventory: inventory(join(t, 'root'), []), decisions: [], bundleRevision: 'r1', root: join(t, 'root'), os: 'linux' });
    assert.equal(existsSync(join(s.publicDir, 'notices.json')), false);
    assert.equal(existsSync(join(s.publicDir, 'last-report.json')), false);
    assert.deepEqual(readNotices(s.notices).map((n) => n.id), ['cursor:2026-11-20']);
    assert.equal(mode(s.notices), 0o600);
    assert.equal(mode(s.publicDir), PUBLIC_DIR_MODE);
  } finally {
    void import('node:fs').then((fs) => fs.rmSync(t, { recursive: true, force: true }));
  }
});

test("the tray reads its own user's folder and the machine folder, and keeps its own state in the employee's home", () => {
  const p = trayPaths('linux', '/var/lib/warden-agent', '/home/alice', {});
  assert.equal(p.userDir, `/var/lib/warden-agent/public/users/${process.getuid?.()}`);
  assert.equal(p.machineDir, '/var/lib/warden-agent/public/machine');
  assert.equal(p.trayStateDir, '/home/alice/.local/state/warden-tray');
  assert.equal(trayPaths('darwin', undefined, '/Users/bob').trayStateDir, '/Users/bob/Library/Application Support/warden/tray');
  assert.equal(trayPaths('darwin', undefined, '/Users/bob').machineDir, '/Library/Application Support/warden/agent/public/machine');
});
