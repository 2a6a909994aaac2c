// Quarantine on macOS and Windows install layouts, built in a temp root (the agent proves and moves
// paths by the catalog's darwin / win32 layouts under --root): a whole .app bundle with framework
// links, modes and user extended attributes, plus the CLI link a notice shim replaces; a per-user
// %LOCALAPPDATA% install whose running executable is killed before it is moved (Windows cannot move
// a running .exe), and an npm package under %APPDATA%\npm whose claude.cmd becomes a .cmd notice.
// Restore puts back every byte, mode, link target and xattr. Processes are copies of sleep this test
// starts from inside the layout; nothing outside the temp folder is touched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { enforceDecisions } from '../../agent/src/enforce/enforce.ts';
import { readEvents } from '../../agent/src/enforce/outbox.ts';
import { SHIM_EXIT } from '../../agent/src/enforce/shim.ts';
import { enforceState } from '../../agent/src/enforce/state.ts';
import { describeTree, diffTrees } from '../../agent/src/enforce/tree.ts';
import { listQuarantine, restore } from '../../agent/src/enforce/vault.ts';
import { processSource } from '../../agent/src/process/source.ts';
import { scanInventory } from '../../agent/src/inventory/scan.ts';
import { decision, tempRoot } from './fixtures.ts';

function file(path: string, text: string | Buffer, mode: number): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  chmodSync(path, mode);
}

/** user.* extended attributes through Python's os.*xattr (node has no xattr API); null when that cannot run here. */
function xattr(path: string, set?: Record<string, string>): Record<string, string> | null {
  const code = set
    ? `import os,sys,json\nfor k,v in json.loads(sys.argv[2]).items(): os.setxattr(sys.argv[1], k, v.encode(), follow_symlinks=False)`
    : `import os,sys,json\nprint(json.dumps({k: os.getxattr(sys.argv[1], k, follow_symlinks=False).decode() for k in sorted(os.listxattr(sys.argv[1], follow_symlinks=False)) if k.startswith('user.')}))`;
  const r = spawnSync('python3', ['-c', code, path, JSON.stringify(set ?? {})], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return null;
  return set ? set : (JSON.parse(r.stdout) as Record<string, string>);
}

async function runFrom(exe: string): Promise<{ child: ChildProcess }> {
  const child = spawn(exe, ['60'], { stdio: 'ignore' });
  const src = processSource();
  for (let i = 0; i < 400; i++) {
    const f = await src.read(child.pid!);
    if (f?.exe === exe) return { child };
    await new Promise((r) => setTimeout(r, 20));
  }
  child.kill('SIGKILL');
  throw new Error(`${exe} did not start`);
}

const gone = (c: ChildProcess): Promise<void> => (c.exitCode === null && c.signalCode === null ? new Promise((r) => c.once('exit', () => r())) : Promise.resolve());

test('macOS: a running .app is killed, the whole bundle moves with its links, modes and xattrs, the CLI link becomes a notice; restore is identical', async (ctx) => {
  const t = tempRoot('layout-macos');
  let child: ChildProcess | null = null;
  let helper: ChildProcess | null = null;
  try {
    const app = join(t.root, 'Applications', 'Cursor.app');
    const c = join(app, 'Contents');
    file(join(c, 'Info.plist'), '<?xml version="1.0"?><plist version="1.0"><dict><key>CFBundleShortVersionString</key><string>1.4.0</string></dict></plist>\n', 0o644);
    file(join(c, 'MacOS', 'Cursor'), readFileSync('/usr/bin/sleep'), 0o755);
    const helperExe = join(c, 'Frameworks', 'Cursor Helper.app', 'Contents', 'MacOS', 'Cursor Helper');
    file(helperExe, readFileSync('/usr/bin/sleep'), 0o755);
    file(join(c, 'Resources', 'app', 'bin', 'code'), '#!/bin/sh\nexec "$(dirname "$0")/../../../MacOS/Cursor" "$@"\n', 0o755);
    file(join(c, '_CodeSignature', 'CodeResources'), Buffer.from([0xfa, 0xde, 0x0c, 0x02, 0, 1, 2, 3]), 0o600);
    const fw = join(c, 'Frameworks', 'Electron Framework.framework');
    file(join(fw, 'Versions', 'A', 'Electron Framework'), Buffer.alloc(3000, 7), 0o755);
    symlinkSync('A', join(fw, 'Versions', 'Current'));
    symlinkSync('Versions/Current/Electron Framework', join(fw, 'Electron Framework'));
    // The CLI Cursor installs: /usr/local/bin/cursor → the bundle's script (relative here, so it resolves under the temp root as on a Mac).
    const cli = join(t.root, 'usr', 'local', 'bin', 'cursor');
    mkdirSync(dirname(cli), { recursive: true });
    symlinkSync('../../../Applications/Cursor.app/Contents/Resources/app/bin/code', cli);
    const attrs = xattr(app, { 'user.com.apple.quarantine': '0083;675f1c2a;Safari;' }) && xattr(join(c, 'MacOS', 'Cursor'), { 'user.com.apple.provenance': 'x1' });
    const before = describeTree(app);

    const run = await runFrom(join(c, 'MacOS', 'Cursor'));
    child = run.child;
    // The real scan of the root with the darwin layout, this host's processes attributed by their executable.
    const inv = await scanInventory({ root: t.root, os: 'darwin', processes: true, liveHost: false });
    // Two findings: the app (with its running process) and the CLI on PATH (a link into the bundle).
    const found = inv.findings.filter((x) => x.tool_id === 'cursor');
    const appF = found.find((x) => x.channel === 'app')!;
    const cliF = found.find((x) => x.channel === 'path_binary')!;
    assert.equal(found.length, 2);
    assert.deepEqual(appF.evidence.map((e) => [e.signal, e.path]).sort(), [['app_bundle', app], ['process', app]].sort());
    assert.deepEqual(appF.running.map((r) => [r.pid, r.matched]), [[child.pid, join(c, 'MacOS', 'Cursor')]]);
    assert.deepEqual(cliF.evidence.map((e) => [e.signal, e.path]), [['path_binary', cli]]);
    // A helper started after the scan: not in the finding, but it runs from the bundle about to move.
    helper = (await runFrom(helperExe)).child;
    const ds = found.map((f) => decision(f, 'quarantine', { message: 'Cursor is not approved here.', alternative: 'VS Code' }));
    const report = await enforceDecisions(ds, inv, { stateDir: t.state, root: t.root, os: 'darwin', bundleRevision: 'r1', termTimeoutMs: 1000 });
    await gone(child);
    await gone(helper);

    const state = enforceState(t.state);
    const events = readEvents(state.outbox);
    const steps = JSON.stringify(report.actions.map((a) => a.steps));
    const kinds = events.map((e) => `${e.kind}:${e.result}`);
    assert.deepEqual(kinds.filter((k) => k.startsWith('kill')), ['kill:ok', 'kill:ok'], steps);
    assert.deepEqual(kinds.filter((k) => k.startsWith('quarantine')), ['quarantine:ok', 'quarantine:ok'], steps);
    // The helper is killed before the move, though the inventory never saw it.
    const before2 = events.find((e) => e.kind === 'kill' && e.detail.startsWith('before moving'))!;
    assert.deepEqual(before2.pids, [helper.pid]);
    assert.ok(events.indexOf(before2) < events.findIndex((e) => e.kind === 'quarantine' && e.finding === ds.find((d) => d.finding.includes(':app:'))!.finding));
    assert.equal(existsSync(app), false);
    assert.ok(lstatSync(cli).isFile());
    const shim = spawnSync(cli, [], { encoding: 'utf8' });
    assert.equal(shim.status, SHIM_EXIT);
    assert.match(shim.stderr, /Cursor is not approved here\./);
    const entries = listQuarantine(state);
    assert.deepEqual(entries.flatMap((m) => m.items.map((i) => i.original)).sort(), [app, cli].sort());
    // The bundle moved as one item, links inside it kept as links.
    const tree = entries.flatMap((m) => m.items).find((i) => i.original === app)!.tree;
    assert.equal(tree.find((e) => e.rel === 'Contents/Frameworks/Electron Framework.framework/Versions/Current')?.target, 'A');

    for (const m of entries) assert.deepEqual(restore(state, m.id).problems, []);
    assert.deepEqual(diffTrees(before, describeTree(app)), []);
    assert.equal(readlinkSync(cli), '../../../Applications/Cursor.app/Contents/Resources/app/bin/code');
    if (attrs) {
      assert.deepEqual(xattr(app), { 'user.com.apple.quarantine': '0083;675f1c2a;Safari;' });
      assert.deepEqual(xattr(join(c, 'MacOS', 'Cursor')), { 'user.com.apple.provenance': 'x1' });
    } else {
      ctx.diagnostic('user xattrs cannot be set here (no python3, or the file system refuses them): xattrs not checked');
    }
  } finally {
    child?.kill('SIGKILL');
    helper?.kill('SIGKILL');
    t.cleanup();
  }
});

test("Windows: a per-user %LOCALAPPDATA% install is killed first, then moved; npm's claude.cmd becomes a .cmd notice; restore is identical", async () => {
  const t = tempRoot('layout-win');
  let child: ChildProcess | null = null;
  try {
    const home = join(t.root, 'Users', 'alice');
    const exe = join(home, 'AppData', 'Local', 'Programs', 'cursor', 'Cursor.exe');
    file(exe, readFileSync('/usr/bin/sleep'), 0o755);
    file(join(dirname(exe), 'resources', 'app.asar'), Buffer.alloc(5000, 3), 0o644);
    const npm = join(home, 'AppData', 'Roaming', 'npm');
    const pkg = join(npm, 'node_modules', '@anthropic-ai', 'claude-code');
    file(join(pkg, 'package.json'), JSON.stringify({ name: '@anthropic-ai/claude-code', version: '2.0.1', bin: { claude: 'cli.js' } }), 0o644);
    file(join(pkg, 'cli.js'), '#!/usr/bin/env node\nsetInterval(() => {}, 1000);\n', 0o755);
    // npm on Windows writes command files, not links: claude.cmd, claude.ps1 and a sh script.
    const cmd = join(npm, 'claude.cmd');
    file(cmd, '@ECHO off\r\nGOTO start\r\n:find_dp0\r\nSET dp0=%~dp0\r\nEXIT /b\r\n:start\r\nSETLOCAL\r\nCALL :find_dp0\r\n"%_prog%"  "%dp0%\\node_modules\\@anthropic-ai\\claude-code\\cli.js" %*\r\n', 0o644);
    const programs = dirname(exe); // %LOCALAPPDATA%\Programs\cursor: the per-user install folder
    const beforeApp = describeTree(programs);
    const beforePkg = describeTree(pkg);
    const beforeCmd = describeTree(cmd);

    const run = await runFrom(exe);
    child = run.child;
    const inv = await scanInventory({ root: t.root, os: 'win32', processes: true, liveHost: false });
    const cursor = inv.findings.find((x) => x.tool_id === 'cursor')!;
    const claude = inv.findings.find((x) => x.tool_id === 'claude-code')!;
    assert.deepEqual(cursor.evidence.filter((e) => e.signal !== 'process').map((e) => [e.signal, e.path]).sort(), [['binary', exe], ['install_dir', programs]].sort());
    assert.deepEqual([cursor.user, cursor.running.map((r) => r.pid)], ['alice', [child.pid]]);
    assert.deepEqual(claude.evidence.map((e) => [e.signal, e.path]), [['npm_package', pkg], ['npm_shim', cmd]]);
    const opts = { stateDir: t.state, root: t.root, os: 'win32' as const, bundleRevision: 'r1', termTimeoutMs: 1000 };
    const report = await enforceDecisions([decision(cursor, 'quarantine'), decision(claude, 'quarantine', { message: 'Claude Code is banned.' })], inv, opts);
    await gone(child);

    const state = enforceState(t.state);
    const cursorEvents = readEvents(state.outbox).filter((e) => e.tool === 'cursor');
    assert.deepEqual(cursorEvents.map((e) => [e.kind, e.result]), [['notice', 'ok'], ['kill', 'ok'], ['quarantine', 'ok']], JSON.stringify(report.actions.map((a) => a.steps)));
    assert.equal(existsSync(programs), false, 'the whole per-user folder moves, not the .exe alone');
    assert.ok(existsSync(join(home, 'AppData', 'Local', 'Programs')), 'the shared Programs folder stays');
    assert.equal(existsSync(pkg), false);
    const notice = readFileSync(cmd, 'utf8');
    assert.match(notice, /^@echo off\r\n/);
    assert.match(notice, /Claude Code is banned\./);
    assert.match(notice, /exit \/b \d+\r\n$/);

    const entries = listQuarantine(state);
    assert.equal(entries.length, 2);
    assert.deepEqual(entries.find((m) => m.tool === 'cursor')!.items.map((i) => [i.original, i.shim]), [[programs, false]]);
    for (const m of entries) assert.deepEqual(restore(state, m.id).problems, []);
    assert.deepEqual(diffTrees(beforeApp, describeTree(programs)), []);
    assert.deepEqual(diffTrees(beforePkg, describeTree(pkg)), []);
    assert.deepEqual(diffTrees(beforeCmd, describeTree(cmd)), []);
  } finally {
    child?.kill('SIGKILL');
    t.cleanup();
  }
});
