// After a quarantine the command is warden's notice shim: the next scan must not report the tool
// from it (real install tree, real enforcement, real scan). A file that merely mentions warden, or
// imitates the marker around a real command, is still the tool.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { enforceDecisions } from '../../agent/src/enforce/enforce.ts';
import { shimFor } from '../../agent/src/enforce/shim.ts';
import { listQuarantine } from '../../agent/src/enforce/vault.ts';
import { enforceState } from '../../agent/src/enforce/state.ts';
import { scanInventory } from '../../agent/src/inventory/scan.ts';
import { isNoticeShimText, SHIM_MARKER } from '../../wire/src/shim-marker.ts';
import { decision, tempRoot } from '../enforce/fixtures.ts';

function put(path: string, content: string | Buffer, mode = 0o644): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
  chmodSync(path, mode);
}

/** Claude Code twice: npm global (usr/local) and bob's native install with its ~/.local/bin link. */
function plantClaude(root: string): { npmBin: string; nativeBin: string } {
  const pkg = join(root, 'usr/local/lib/node_modules/@anthropic-ai/claude-code');
  put(join(pkg, 'package.json'), JSON.stringify({ name: '@anthropic-ai/claude-code', version: '2.0.14', bin: { claude: 'cli.js' } }));
  put(join(pkg, 'cli.js'), '#!/usr/bin/env node\n', 0o755);
  const npmBin = join(root, 'usr/local/bin/claude');
  mkdirSync(dirname(npmBin), { recursive: true });
  symlinkSync('../lib/node_modules/@anthropic-ai/claude-code/cli.js', npmBin);
  const bob = join(root, 'home/bob');
  put(join(bob, '.local/share/claude/versions/2.0.22'), 'inert test binary\n', 0o755);
  const nativeBin = join(bob, '.local/bin/claude');
  mkdirSync(dirname(nativeBin), { recursive: true });
  symlinkSync('../share/claude/versions/2.0.22', nativeBin);
  return { npmBin, nativeBin };
}

test('a quarantined tool is no longer reported: the notice shims it leaves are not evidence', async () => {
  const t = tempRoot('inv-shim');
  try {
    const { npmBin, nativeBin } = plantClaude(t.root);
    const before = await scanInventory({ root: t.root, os: 'linux', processes: false });
    const claude = before.findings.filter((f) => f.tool_id === 'claude-code');
    assert.deepEqual(claude.map((f) => `${f.channel}:${f.user ?? '-'}:${f.version}`).sort(), ['native:bob:2.0.22', 'npm:-:2.0.14']);

    const report = await enforceDecisions(
      claude.map((f) => decision(f, 'quarantine')),
      before,
      { stateDir: t.state, root: t.root, os: 'linux', bundleRevision: 'rev-1' },
    );
    assert.equal(listQuarantine(enforceState(t.state)).length, 2, JSON.stringify(report.actions));
    // Both commands are now warden's shims (regular files), the installs are in the vault.
    for (const p of [npmBin, nativeBin]) {
      assert.ok(lstatSync(p).isFile(), p);
      assert.ok(isNoticeShimText(readFileSync(p, 'utf8')), p);
    }

    const after = await scanInventory({ root: t.root, os: 'linux', processes: false });
    assert.deepEqual(after.findings.filter((f) => f.tool_id === 'claude-code'), []);
    const shimEvidence = after.findings.flatMap((f) => f.evidence).filter((e) => e.path === npmBin || e.path === nativeBin);
    assert.deepEqual(shimEvidence, []);
    // Another command linking to a shim is the shim too.
    mkdirSync(join(t.root, 'usr/bin'), { recursive: true });
    symlinkSync('../local/bin/claude', join(t.root, 'usr/bin/claude'));
    const linked = await scanInventory({ root: t.root, os: 'linux', processes: false });
    assert.deepEqual(linked.findings.filter((f) => f.tool_id === 'claude-code'), []);
  } finally {
    t.cleanup();
  }
});

test('files that merely mention warden or imitate the marker are still reported as the tool', async () => {
  const t = tempRoot('inv-not-shim');
  try {
    const bob = join(t.root, 'home/bob/.local/bin');
    // A real (here: inert) binary that contains the word warden and even the marker text.
    const binary = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.from(`warden ${SHIM_MARKER} strings\0\0`), Buffer.alloc(300, 0x90)]);
    put(join(bob, 'claude'), binary, 0o755);
    // A wrapper that carries the marker line but starts the tool: not a shim.
    const wrapper = `#!/bin/sh\n# ${SHIM_MARKER} q-20260101T000000Z-0a1b2c3d\nexec /opt/claude/claude "$@"\nexit 126\n`;
    put(join(t.root, 'usr/local/bin/claude'), wrapper, 0o755);
    // A large file with the marker up front is never read in full and is still the tool.
    const big = Buffer.concat([Buffer.from(`#!/bin/sh\n# ${SHIM_MARKER} q-x\n`), Buffer.alloc(200 * 1024, 0x41)]);
    put(join(t.root, 'usr/bin/claude'), big, 0o755);

    const inv = await scanInventory({ root: t.root, os: 'linux', processes: false });
    const paths = inv.findings.filter((f) => f.tool_id === 'claude-code').flatMap((f) => f.evidence.map((e) => e.path));
    for (const p of [join(bob, 'claude'), join(t.root, 'usr/local/bin/claude'), join(t.root, 'usr/bin/claude')]) assert.ok(paths.includes(p), `${p} not in ${JSON.stringify(paths)}`);
    assert.ok(!inv.skipped.some((s) => s.path.endsWith('/claude')), JSON.stringify(inv.skipped));
  } finally {
    t.cleanup();
  }
});

test('isNoticeShimText recognises exactly the shims enforcement writes (sh and cmd, awkward text)', () => {
  const text = { id: 'q-20260101T000000Z-0a1b2c3d', toolName: 'Claude Code', message: "It's 100% banned & <not> approved (see ^policy^) | 'quotes'\nline two", alternative: 'Qoder' };
  const sh = shimFor('/home/bob/.local/bin/claude', text);
  const cmd = shimFor('C:/Users/bob/AppData/Roaming/npm/claude.cmd', text);
  assert.ok(isNoticeShimText(sh));
  assert.ok(isNoticeShimText(cmd));
  assert.ok(isNoticeShimText(shimFor('/x/claude', { ...text, message: '', alternative: '' })));
  // One extra command anywhere, and it is no longer a shim.
  assert.equal(isNoticeShimText(sh.replace('exit 126', 'exec /opt/claude "$@"\nexit 126')), false);
  assert.equal(isNoticeShimText(sh.replace(" >&2\n", " >&2; /opt/claude\n")), false);
  assert.equal(isNoticeShimText(cmd.replace('exit /b 126', 'claude-real.exe %*\r\nexit /b 126')), false);
  assert.equal(isNoticeShimText(cmd.replace('echo warden:', 'echo warden: & calc')), false);
  assert.equal(isNoticeShimText(sh.replace(SHIM_MARKER, 'other-marker')), false);
});

test('a wrapper that only carries the marker is reported and quarantined like any command', async () => {
  const t = tempRoot('inv-wrapper');
  try {
    const wrapper = join(t.root, 'home/bob/.local/bin/claude');
    put(wrapper, `#!/bin/sh\n# ${SHIM_MARKER} q-20260101T000000Z-0a1b2c3d\nexec /opt/claude/claude "$@"\n`, 0o755);
    const inv = await scanInventory({ root: t.root, os: 'linux', processes: false });
    const f = inv.findings.find((x) => x.tool_id === 'claude-code');
    assert.ok(f);
    await enforceDecisions([decision(f, 'quarantine')], inv, { stateDir: t.state, root: t.root, os: 'linux', bundleRevision: 'r' });
    const [m] = listQuarantine(enforceState(t.state));
    assert.ok(m, 'the wrapper was quarantined');
    assert.deepEqual(m.items.map((i) => i.original), [wrapper]);
    assert.ok(isNoticeShimText(readFileSync(wrapper, 'utf8')), 'and replaced by a real shim');
  } finally {
    t.cleanup();
  }
});
